"""Facts about a Lambda execution role, in one place: the trust policy and the network-interface actions."""

from __future__ import annotations

__all__ = [
    "LAMBDA_SERVICE",
    "TRUST_POLICY",
    "ENI_ACTIONS_2021",
    "ENI_ACTIONS_CURRENT",
    "LOG_ACTIONS",
    "VPC_ACCESS_EXECUTION_ROLE_ARN",
    "VPC_ACCESS_EXECUTION_ROLE_POLICY",
]

#: The service principal Lambda uses to assume an execution role (and the ``iam:PassedToService`` value).
LAMBDA_SERVICE = "lambda.amazonaws.com"

#: The trust policy that lets Lambda assume a role.
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": LAMBDA_SERVICE}, "Action": "sts:AssumeRole"}],
}

#: The network-interface actions the 2021 guide page lists for a VPC function's execution role
#: (what the lab checks when a function is connected to a VPC).
ENI_ACTIONS_2021 = ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface")

#: The list in today's guide ("Configuring a Lambda function to access resources in a VPC", since 2022): the
#: two secondary-address actions are needed to create the interfaces, not to invoke the function.
ENI_ACTIONS_CURRENT = ENI_ACTIONS_2021 + ("ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses")

#: What a function needs to write its logs to CloudWatch Logs.
LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")

VPC_ACCESS_EXECUTION_ROLE_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"

#: The document of the AWS managed policy AWSLambdaVPCAccessExecutionRole (version v3, January 2024).
VPC_ACCESS_EXECUTION_ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AWSLambdaVPCAccessExecutionPermissions",
            "Effect": "Allow",
            "Action": [
                *LOG_ACTIONS,
                "ec2:CreateNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses",
            ],
            "Resource": "*",
        }
    ],
}
