"""Permissions: what the execution role needs, what the person configuring the VPC needs, and reading the
error Lambda returns when one is missing."""

from __future__ import annotations

from labkit.exercises.catalog import register
from labkit.exercises.choice import NEEDED, OPTIONAL, WRONG, Option, Question, QuizExercise, SelectExercise
from labkit.iam.lambda_role import ENI_ACTIONS_2021

ROLE_NEEDED = ENI_ACTIONS_2021


@register
class ExecutionRole(SelectExercise):
    id = "permissions/execution-role"
    title = "What the execution role needs"
    topic = "permissions"
    difficulty = "intro"
    prompt = (
        "You connect a function to two private subnets. Lambda will set up the function's network interfaces "
        "in your VPC using the function's execution role. Pick the permissions that role needs for the VPC "
        "connection. The Lambda guide's list grew over time: picking the actions of today's list is right too.\n"
        "Then try it: exercise.try_in_lab([...]) creates the function in the offline lab with a role that has "
        "only the actions you give, and returns the message Lambda answers with."
    )
    answer_help = 'Answer with a list: exercise.check(["ec2:…", …]).'
    hints = (
        "Lambda creates, looks up and later deletes the function's network interfaces (ENIs) in your subnets.",
        "The 2021 guide lists three EC2 actions on network interfaces: create, describe, delete. Today's guide "
        "adds two more about the interfaces' private IP addresses.",
        "The AWS managed policy AWSLambdaVPCAccessExecutionRole is one way to grant them (it holds a few extras).",
    )
    options = (
        Option(
            "ec2:CreateNetworkInterface",
            NEEDED,
            "Lambda creates the Hyperplane ENI in each subnet with the execution role's permissions. Without it "
            "CreateFunction fails (InvalidParameterValueException: the execution role does not have permissions "
            "to call CreateNetworkInterface on EC2).",
        ),
        Option(
            "ec2:DescribeNetworkInterfaces",
            NEEDED,
            "Lambda looks up the network interfaces it manages; this action only works when allowed on "
            '"Resource": "*".',
        ),
        Option(
            "ec2:DeleteNetworkInterface",
            NEEDED,
            "Lambda deletes the network interfaces it no longer needs (e.g. after a disconnect or when the "
            "function is deleted).",
        ),
        Option(
            "ec2:AssignPrivateIpAddresses",
            OPTIONAL,
            "On the list of today's Lambda guide (added in 2022, with UnassignPrivateIpAddresses), not on the "
            "2021 page's list of three; in AWSLambdaVPCAccessExecutionRole. Granting it is right; the offline "
            "lab only checks the three network-interface actions (labkit's model).",
        ),
        Option(
            "ec2:UnassignPrivateIpAddresses",
            OPTIONAL,
            "On the list of today's Lambda guide (added in 2022, with AssignPrivateIpAddresses), not on the "
            "2021 page's list of three; in AWSLambdaVPCAccessExecutionRole. Granting it is right; the offline "
            "lab only checks the three network-interface actions (labkit's model).",
        ),
        Option(
            "ec2:DescribeSubnets",
            OPTIONAL,
            "In today's AWSLambdaVPCAccessExecutionRole, but on neither the 2021 nor today's list of the Lambda guide.",
        ),
        Option(
            "logs:PutLogEvents",
            OPTIONAL,
            "Lets the function write its logs to CloudWatch Logs — useful for every function, not a VPC permission.",
        ),
        Option(
            "ec2:DescribeSecurityGroups",
            WRONG,
            "This is the permission of the person who configures the function: Lambda checks the subnets, "
            "security groups and VPC with the caller's permissions, not the role's.",
        ),
        Option(
            "ec2:DescribeVpcs",
            WRONG,
            "The caller's permission (Lambda verifies the VPC with the caller's permissions), not the role's.",
        ),
        Option(
            "lambda:CreateFunction",
            WRONG,
            "The person creating the function needs this; the function's own role never creates functions.",
        ),
        Option(
            "ec2:CreateNatGateway",
            WRONG,
            "Lambda never creates NAT gateways: internet access is your VPC's job (a NAT gateway you create).",
        ),
        Option(
            "ec2:AttachNetworkInterface",
            WRONG,
            "Not needed: with the role, Lambda creates, describes and deletes the function's network "
            "interfaces — AWSLambdaVPCAccessExecutionRole does not include this action.",
        ),
    )
    missing_nudge = (
        "Follow a network interface through its life: Lambda makes it, looks it up, and removes it "
        "when it is no longer needed — with the function's execution role."
    )
    right_message = (
        "Right: ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces and "
        "ec2:DeleteNetworkInterface (the 2021 guide's list); today's guide adds "
        "ec2:AssignPrivateIpAddresses and ec2:UnassignPrivateIpAddresses. The AWS managed policy "
        "AWSLambdaVPCAccessExecutionRole grants all five."
    )

    def try_in_lab(self, actions) -> str:
        """Create a VPC-connected function in a fresh offline lab, with an execution role allowed only
        ``actions``, and return what Lambda answers: the error message, or a success line."""
        from labkit.exercises.labwork import create_with_role_actions

        return create_with_role_actions(actions)


@register
class UserPermissions(SelectExercise):
    id = "permissions/user"
    title = "What the person configuring the VPC needs"
    topic = "permissions"
    difficulty = "intro"
    prompt = (
        "Dana creates Lambda functions and connects new and existing functions to subnets and security "
        "groups of a VPC. Her IAM identity already may pass the functions' execution role (iam:PassRole). "
        "Pick the permissions her identity needs for that work — no more.\n"
        "Then try it: exercise.try_in_lab([...]) lets Dana, with only those actions, create a VPC function in "
        "the offline lab, and returns what Lambda answers."
    )
    answer_help = 'Answer with a list: exercise.check(["lambda:…", "ec2:…", …]).'
    hints = (
        "Two Lambda API operations set VpcConfig: one creates a function, one changes an existing function's "
        "configuration.",
        "When you configure VPC access, Lambda verifies the subnets, security groups and VPC with YOUR "
        "permissions: three read-only EC2 Describe actions.",
        "Creating and deleting the network interfaces is done with the function's execution role, not Dana's.",
    )
    options = (
        Option("lambda:CreateFunction", NEEDED, "Creates a function, with its VpcConfig."),
        Option(
            "lambda:UpdateFunctionConfiguration",
            NEEDED,
            "Connects an existing function to a VPC (or changes its subnets and groups).",
        ),
        Option(
            "ec2:DescribeSecurityGroups", NEEDED, "Lambda verifies the security groups you name with your permissions."
        ),
        Option("ec2:DescribeSubnets", NEEDED, "Lambda verifies the subnets you name with your permissions."),
        Option("ec2:DescribeVpcs", NEEDED, "Lambda verifies the VPC of those subnets with your permissions."),
        Option(
            "ec2:CreateNetworkInterface",
            WRONG,
            "Lambda creates the network interfaces with the function's execution role, not with Dana's permissions.",
        ),
        Option(
            "ec2:DeleteNetworkInterface",
            WRONG,
            "Deleting the function's network interfaces is also done with the execution role.",
        ),
        Option("ec2:CreateSubnet", WRONG, "Connecting a function uses existing subnets; it creates none."),
        Option(
            "ec2:AuthorizeSecurityGroupEgress",
            WRONG,
            "Connecting a function uses existing security groups; it changes no rules.",
        ),
        Option("lambda:InvokeFunction", WRONG, "Needed to call the function, not to configure its VPC access."),
    )
    missing_nudge = (
        "Which Lambda operations set a function's VPC settings, and what does Lambda check with the "
        "caller's permissions when it receives them (each network resource you name)?"
    )
    right_message = (
        "Right: the two Lambda actions plus ec2:DescribeSecurityGroups, ec2:DescribeSubnets and "
        "ec2:DescribeVpcs, which Lambda uses to verify the network resources you name."
    )

    def try_in_lab(self, actions) -> str:
        """In a fresh offline lab, Dana — allowed only ``actions`` (and iam:PassRole on the execution role) —
        creates a function connected to two private subnets. Returns Lambda's answer: the error, or success."""
        from labkit.exercises.labwork import create_as_user

        return create_as_user(actions)


_ROLE_ERROR = (
    "InvalidParameterValueException: The provided execution role does not have permissions to call "
    "CreateNetworkInterface on EC2"
)
_USER_ERROR = (
    "AccessDeniedException: Your access has been denied by EC2, please make sure your request "
    "credentials have permission to DescribeSecurityGroups for sg-085912345678492fb. EC2 Error Code: "
    "UnauthorizedOperation. EC2 Error Message: You are not authorized to perform this operation."
)
WHO = ("the function's execution role", "the person calling CreateFunction")
PERMISSION_CHOICES = (
    *ENI_ACTIONS_2021,
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeVpcs",
    "iam:PassRole",
    "lambda:CreateFunction",
)


@register
class ReadTheError(QuizExercise):
    id = "permissions/read-the-error"
    title = "Read the error: who lacks what?"
    topic = "permissions"
    difficulty = "core"
    prompt = (
        "CreateFunction with a VpcConfig failed twice, with the messages in the scenario. For each, say whose "
        "permissions are missing and which action to add."
    )
    answer_help = (
        'Answer with a dict: exercise.check({"first_who": "…", "first_action": "…", '
        '"second_who": "…", "second_action": "…"}).'
    )
    hints = (
        '"The provided execution role…" names the function\'s role; "your request credentials" are yours.',
        'The message names the EC2 API call; the IAM action is "ec2:" followed by that call\'s name.',
    )
    questions = (
        Question("first_who", "whose permissions are missing (first message)?", WHO),
        Question("first_action", "which action must be added (first message)?", PERMISSION_CHOICES),
        Question("second_who", "whose permissions are missing (second message)?", WHO),
        Question("second_action", "which action must be added (second message)?", PERMISSION_CHOICES),
    )
    nudges = {
        "first_who": "Read how the first message names whose permissions are missing: is it the role the function "
        "runs with, or the credentials of whoever sent the request?",
        "first_action": 'The message names the EC2 API call that was refused; the IAM action is "ec2:" followed '
        "by that call's name.",
        "second_who": '"Your request credentials": whose credentials sign a CreateFunction request?',
        "second_action": 'EC2 says which call it refused, and for which resource; the IAM action is "ec2:" '
        "followed by that call's name.",
    }

    def _params(self) -> dict:
        return {"first message": _ROLE_ERROR, "second message": _USER_ERROR}

    def expected(self):
        role = (
            "the function's execution role",
            '"The provided execution role" is the role the function runs with: Lambda uses it to manage the '
            "network interfaces.",
        )
        return {
            "first_who": role,
            "first_action": (
                "ec2:CreateNetworkInterface",
                "The message says the role can't call CreateNetworkInterface on EC2: add "
                "ec2:CreateNetworkInterface to the role (or attach AWSLambdaVPCAccessExecutionRole).",
            ),
            "second_who": (
                "the person calling CreateFunction",
                '"Your request credentials": Lambda verifies the security groups you name with the '
                "caller's permissions, and EC2 refused them.",
            ),
            "second_action": (
                "ec2:DescribeSecurityGroups",
                "EC2 refused DescribeSecurityGroups: add ec2:DescribeSecurityGroups to the caller's "
                "policy (with ec2:DescribeSubnets and ec2:DescribeVpcs).",
            ),
        }
