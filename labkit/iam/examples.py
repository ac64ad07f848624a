"""The example policies of the Lambda guide's section "Using IAM condition keys for VPC settings".

Each is a complete single-statement policy document, keyed by its ``Sid``. The allow and deny lists
are the guide's placeholders (``vpc-1``, ``subnet-1``, ``sg-1``…).

>>> sorted(LAMBDA_VPC_EXAMPLES)[:2]
['EnforceOutOfSecurityGroups', 'EnforceOutOfSubnet']
>>> LAMBDA_VPC_EXAMPLES["EnforceVPCFunction"]["Statement"][0]["Condition"]
{'Null': {'lambda:VpcIds': 'true'}}
"""

from __future__ import annotations

import copy

VPC_ACTIONS = ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"]


def _policy(sid: str, effect: str, condition: dict) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": sid, "Action": list(VPC_ACTIONS), "Effect": effect, "Resource": "*", "Condition": condition}
        ],
    }


#: Sid → policy document. Deny examples: require a VPC, deny listed VPCs / subnets / security groups.
#: Allow examples: allow only listed VPCs / subnets / security groups.
LAMBDA_VPC_EXAMPLES: dict[str, dict] = {
    "EnforceVPCFunction": _policy("EnforceVPCFunction", "Deny", {"Null": {"lambda:VpcIds": "true"}}),
    "EnforceOutOfVPC": _policy("EnforceOutOfVPC", "Deny", {"StringEquals": {"lambda:VpcIds": ["vpc-1", "vpc-2"]}}),
    "EnforceOutOfSubnet": _policy(
        "EnforceOutOfSubnet", "Deny", {"ForAnyValue:StringEquals": {"lambda:SubnetIds": ["subnet-1", "subnet-2"]}}
    ),
    "EnforceOutOfSecurityGroups": _policy(
        "EnforceOutOfSecurityGroups",
        "Deny",
        {"ForAnyValue:StringEquals": {"lambda:SecurityGroupIds": ["sg-1", "sg-2"]}},
    ),
    "EnforceStayInSpecificVpc": _policy(
        "EnforceStayInSpecificVpc", "Allow", {"StringEquals": {"lambda:VpcIds": ["vpc-1", "vpc-2"]}}
    ),
    "EnforceStayInSpecificSubnets": _policy(
        "EnforceStayInSpecificSubnets",
        "Allow",
        {"ForAllValues:StringEquals": {"lambda:SubnetIds": ["subnet-1", "subnet-2"]}},
    ),
    "EnforceStayInSpecificSecurityGroup": _policy(
        "EnforceStayInSpecificSecurityGroup",
        "Allow",
        {"ForAllValues:StringEquals": {"lambda:SecurityGroupIds": ["sg-1", "sg-2"]}},
    ),
}

#: The fix of the ForAllValues pitfall: the same allow-list, plus a ``Null … "false"`` condition so that a
#: request without VPC settings (or a disconnect, with empty lists) is not allowed.
STAY_IN_SUBNETS_FIXED: dict = _policy(
    "EnforceStayInSpecificSubnets",
    "Allow",
    {
        "ForAllValues:StringEquals": {"lambda:SubnetIds": ["subnet-1", "subnet-2"]},
        "Null": {"lambda:SubnetIds": "false"},
    },
)


def example(sid: str, values: list[str] | None = None) -> dict:
    """A fresh copy of one example policy (safe to edit in an exercise); ``values``: real ids in place of
    the guide's placeholders (``vpc-1``, ``subnet-1``…) in its condition.

    >>> example("EnforceOutOfVPC")["Statement"][0]["Effect"]
    'Deny'
    >>> example("EnforceOutOfSecurityGroups", ["sg-0abc"])["Statement"][0]["Condition"]
    {'ForAnyValue:StringEquals': {'lambda:SecurityGroupIds': ['sg-0abc']}}
    """
    if sid not in LAMBDA_VPC_EXAMPLES:
        from labkit.errors import did_you_mean
        from labkit.iam.errors import UnknownExampleError

        raise UnknownExampleError(f"no example policy {sid!r}. {did_you_mean(sid, LAMBDA_VPC_EXAMPLES)}")
    policy = copy.deepcopy(LAMBDA_VPC_EXAMPLES[sid])
    if values is not None:
        for keys in policy["Statement"][0]["Condition"].values():
            for key, placeholder in keys.items():
                if isinstance(placeholder, list):
                    keys[key] = list(values)
    return policy
