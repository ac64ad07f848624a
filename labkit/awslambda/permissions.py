"""Authorising a lab client's calls with identity-based policies: ``lab.client("lambda", policies=[...])``.

Every call of such a client is decided by ``labkit.iam.evaluate`` before it reaches the account, with the
request AWS would build:

* the **action**: the service's IAM prefix and the operation (``lambda:CreateFunction``); the few operations
  whose IAM action has another name are mapped (``Invoke`` → ``lambda:InvokeFunction``,
  S3 ``ListObjectsV2`` → ``s3:ListBucket``…);
* the **resource**: the function's ARN for Lambda calls that name a function, the bucket/object ARN for
  S3, the table ARN for DynamoDB, the role or user ARN for IAM; ``*`` otherwise;
* the **context**: ``aws:username``, ``aws:PrincipalArn``, ``aws:PrincipalAccount``, ``aws:RequestedRegion``,
  ``aws:CurrentTime`` / ``aws:EpochTime`` (lab time), ``aws:SecureTransport``; for ``CreateFunction`` and
  ``UpdateFunctionConfiguration`` with a ``VpcConfig``, the Lambda VPC keys of
  ``labkit.iam.lambda_vpc_context`` (the VPC derived from the subnets).

Connecting a function to a VPC also needs, as on AWS, ``iam:PassRole`` on the execution role
(``CreateFunction``, and ``UpdateFunctionConfiguration`` with a ``Role``) and ``ec2:DescribeSecurityGroups``,
``ec2:DescribeSubnets`` and ``ec2:DescribeVpcs``: Lambda checks the network with the caller's permissions.

Denials use each service's error code (``AccessDeniedException`` for Lambda, ``UnauthorizedOperation`` for
EC2, ``AccessDenied`` for S3/IAM/STS) and AWS's message:

    User: arn:aws:iam::210000000001:user/learner is not authorized to perform: lambda:CreateFunction on
    resource: arn:aws:lambda:us-east-1:210000000001:function:f with an explicit deny in an identity-based policy
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from labkit.awslambda.exceptions import AccessDeniedException, AwsError, error_for_denial

__all__ = [
    "Principal",
    "iam_action",
    "resource_arn",
    "denial_message",
    "authorize",
    "IAM_PREFIXES",
    "ACTION_NAMES",
    "NETWORK_DESCRIBE_ACTIONS",
]

#: Services whose IAM prefix differs from their signing name.
IAM_PREFIXES = {"monitoring": "cloudwatch", "email": "ses", "execute-api": "execute-api"}

#: (IAM prefix, operation) → IAM action name, where they differ.
ACTION_NAMES = {
    ("lambda", "Invoke"): "InvokeFunction",
    ("lambda", "InvokeWithResponseStream"): "InvokeFunction",
    ("lambda", "InvokeAsync"): "InvokeAsync",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "ListObjects"): "ListBucket",
    ("s3", "ListObjectVersions"): "ListBucketVersions",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "ListBuckets"): "ListAllMyBuckets",
    ("s3", "DeleteObjects"): "DeleteObject",
    ("s3", "CopyObject"): "PutObject",
    ("s3", "CreateMultipartUpload"): "PutObject",
    ("s3", "UploadPart"): "PutObject",
    ("s3", "CompleteMultipartUpload"): "PutObject",
    ("s3", "GetBucketLocation"): "GetBucketLocation",
}

#: What Lambda checks with the caller's permissions when a request connects a function to a VPC.
NETWORK_DESCRIBE_ACTIONS = (
    ("DescribeSecurityGroups", "security_group_ids"),
    ("DescribeSubnets", "subnet_ids"),
    ("DescribeVpcs", "vpc_id"),
)


@dataclass(frozen=True)
class Principal:
    """Who makes the calls of a policy-restricted client: an IAM user of the lab account."""

    account_id: str
    region: str
    user: str = "learner"

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:user/{self.user}"


def iam_action(signing_name: str, operation: str) -> str:
    """The IAM action of an API operation.

    >>> iam_action("lambda", "Invoke"), iam_action("ec2", "DescribeSubnets"), iam_action("monitoring", "PutMetricData")
    ('lambda:InvokeFunction', 'ec2:DescribeSubnets', 'cloudwatch:PutMetricData')
    """
    prefix = IAM_PREFIXES.get(signing_name, signing_name)
    return f"{prefix}:{ACTION_NAMES.get((prefix, operation), operation)}"


def resource_arn(prefix: str, params: dict, principal: Principal) -> str:
    """The resource ARN a request acts on, or ``*`` when labkit doesn't model it.

    >>> p = Principal("111122223333", "us-east-1")
    >>> resource_arn("lambda", {"FunctionName": "f"}, p)
    'arn:aws:lambda:us-east-1:111122223333:function:f'
    >>> resource_arn("s3", {"Bucket": "b", "Key": "k/1"}, p), resource_arn("ec2", {}, p)
    ('arn:aws:s3:::b/k/1', '*')
    """
    region, account = principal.region, principal.account_id
    if prefix == "lambda" and params.get("FunctionName"):
        name = str(params["FunctionName"])
        if name.startswith("arn:"):
            return name
        if ":function:" in name:  # partial ARN 111122223333:function:name
            return f"arn:aws:lambda:{region}:{name}"
        qualifier = params.get("Qualifier")
        arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn
    if prefix == "s3" and params.get("Bucket"):
        key = params.get("Key")
        return f"arn:aws:s3:::{params['Bucket']}" + (f"/{key}" if key else "")
    if prefix == "dynamodb" and params.get("TableName"):
        return f"arn:aws:dynamodb:{region}:{account}:table/{params['TableName']}"
    if prefix == "iam":
        if params.get("RoleName"):
            return f"arn:aws:iam::{account}:role/{params['RoleName']}"
        if params.get("UserName"):
            return f"arn:aws:iam::{account}:user/{params['UserName']}"
    return "*"


def denial_message(principal: Principal, action: str, resource: str, explicit: bool, *, ec2: bool = False) -> str:
    """AWS's wording of an access denial.

    >>> p = Principal("111122223333", "us-east-1")
    >>> denial_message(p, "lambda:CreateFunction", "arn:aws:lambda:us-east-1:111122223333:function:f", True)
    'User: arn:aws:iam::111122223333:user/learner is not authorized to perform: lambda:CreateFunction on resource: arn:aws:lambda:us-east-1:111122223333:function:f with an explicit deny in an identity-based policy'
    >>> denial_message(p, "ec2:DescribeVpcs", "*", False, ec2=True)
    'You are not authorized to perform this operation. User: arn:aws:iam::111122223333:user/learner is not authorized to perform: ec2:DescribeVpcs because no identity-based policy allows the ec2:DescribeVpcs action'
    """
    target = f" on resource: {resource}" if resource != "*" else ""
    why = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else f"because no identity-based policy allows the {action} action"
    )
    text = f"User: {principal.arn} is not authorized to perform: {action}{target} {why}"
    return f"You are not authorized to perform this operation. {text}" if ec2 else text


def base_context(principal: Principal, now: _dt.datetime) -> dict:
    return {
        "aws:username": principal.user,
        "aws:PrincipalArn": principal.arn,
        "aws:PrincipalAccount": principal.account_id,
        "aws:PrincipalType": "User",
        "aws:RequestedRegion": principal.region,
        "aws:CurrentTime": now,
        "aws:EpochTime": int(now.timestamp()),
        "aws:SecureTransport": True,
    }


def authorize(policies, principal: Principal, action: str, resource: str, context: dict, *, error_service: str) -> None:
    """Raise the service's denial error unless ``policies`` allow ``action`` on ``resource``."""
    from labkit.iam import Decision, evaluate

    evaluation = evaluate(policies, action, resource, context)
    if evaluation.allowed:
        return
    explicit = evaluation.decision == Decision.EXPLICIT_DENY
    message = denial_message(principal, action, resource, explicit, ec2=error_service == "ec2")
    error = error_for_denial(error_service, message)
    error.evaluation = evaluation  # type: ignore[attr-defined]  # the statement-by-statement reasoning, for whoever wants to show it
    raise error


def network_describe_denial(
    policies, principal: Principal, context: dict, subnet_ids, security_group_ids, vpc_id: str
) -> AwsError | None:
    """Lambda's error when the caller may not describe the network it connects a function to, else None.

    AWS: "Your access has been denied by EC2, please make sure your request credentials have permission to
    DescribeSecurityGroups for sg-… EC2 Error Code: UnauthorizedOperation. …"
    """
    from labkit.iam import evaluate

    values = {"security_group_ids": list(security_group_ids), "subnet_ids": list(subnet_ids), "vpc_id": [vpc_id]}
    for operation, field in NETWORK_DESCRIBE_ACTIONS:
        if not evaluate(policies, f"ec2:{operation}", "*", context).allowed:
            first = values[field][0] if values[field] else ""
            return AccessDeniedException(
                f"Your access has been denied by EC2, please make sure your request credentials have permission to "
                f"{operation} for {first}. EC2 Error Code: UnauthorizedOperation. EC2 Error Message: You are not "
                "authorized to perform this operation."
            )
    return None
