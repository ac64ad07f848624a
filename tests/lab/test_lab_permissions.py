"""The Lambda guide's condition-key policies, enforced on boto3 calls through ``lab.client(..., policies=...)``."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import labkit as lk
from labkit import samples
from labkit.iam.examples import LAMBDA_VPC_EXAMPLES, STAY_IN_SUBNETS_FIXED

#: What any learner here may do besides the policy under test: look at the network, pass roles, read functions.
BASE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Resource": "*",
            "Action": [
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
                "iam:PassRole",
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:ListFunctions",
            ],
        }
    ],
}
ALL_LAMBDA = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}


def _zip() -> bytes:
    return samples.handler_zip("def handler(event, context):\n    return 'ok'\n")


@pytest.fixture(scope="module")
def lab():
    with lk.Lab() as lab:
        yield lab


@pytest.fixture(scope="module")
def env(lab):
    """Two networks: the approved one (the guide's vpc-1, subnet-1/2, sg-1) and another, listed nowhere (the
    guide's vpc-2 and sg-2 become ids of no resource)."""
    approved = samples.build_private(lab.session, name="approved", cidr="10.10.0.0/16")
    other = samples.build_private(lab.session, name="other", cidr="10.20.0.0/16")
    samples.create_function(lab.session, "role-maker")  # creates the execution role with the VPC policy
    role = lab.client("iam").get_role(RoleName="labkit-lambda-vpc-role")["Role"]["Arn"]
    names = {
        "vpc-1": approved["vpc_id"],
        "vpc-2": "vpc-0000000000000aaaa",
        "subnet-1": approved["private_subnet_ids"][0],
        "subnet-2": approved["private_subnet_ids"][1],
        "sg-1": approved["security_group_id"],
        "sg-2": "sg-0000000000000aaaa",
    }
    return {"approved": approved, "other": other, "role": role, "names": names}


def concrete(policy: dict, names: dict) -> dict:
    """The guide's example with its placeholders (vpc-1, subnet-1, sg-1…) replaced by the lab's ids."""
    text = json.dumps(policy)
    for placeholder, real in names.items():
        text = text.replace(f'"{placeholder}"', f'"{real}"')
    return json.loads(text)


def request_for(env, where: str) -> dict | None:
    approved, other = env["approved"], env["other"]
    return {
        "none": None,
        "approved": {"SubnetIds": approved["private_subnet_ids"], "SecurityGroupIds": [approved["security_group_id"]]},
        "approved-subnet-1-only": {
            "SubnetIds": approved["private_subnet_ids"][:1],
            "SecurityGroupIds": [approved["security_group_id"]],
        },
        "other": {"SubnetIds": other["private_subnet_ids"], "SecurityGroupIds": [other["security_group_id"]]},
        "disconnect": {"SubnetIds": [], "SecurityGroupIds": []},
    }[where]


def create_as(lab, env, policies, name, where):
    lam = lab.client("lambda", policies=policies)
    request = dict(
        FunctionName=name, Runtime="python3.12", Role=env["role"], Handler="app.handler", Code={"ZipFile": _zip()}
    )
    vpc = request_for(env, where)
    if vpc is not None:
        request["VpcConfig"] = vpc
    return lam.create_function(**request)


CASES = [
    # (example, plus lambda:* allow?, request, expected decision)
    ("EnforceVPCFunction", True, "none", "explicitDeny"),
    ("EnforceVPCFunction", True, "approved", "allowed"),
    ("EnforceOutOfVPC", True, "approved", "explicitDeny"),
    ("EnforceOutOfVPC", True, "other", "allowed"),
    ("EnforceOutOfVPC", True, "none", "allowed"),
    ("EnforceOutOfSubnet", True, "approved-subnet-1-only", "explicitDeny"),
    ("EnforceOutOfSubnet", True, "other", "allowed"),
    ("EnforceOutOfSecurityGroups", True, "approved", "explicitDeny"),
    ("EnforceOutOfSecurityGroups", True, "none", "allowed"),
    ("EnforceStayInSpecificVpc", False, "approved", "allowed"),
    ("EnforceStayInSpecificVpc", False, "other", "implicitDeny"),
    ("EnforceStayInSpecificVpc", False, "none", "implicitDeny"),
    ("EnforceStayInSpecificSubnets", False, "approved", "allowed"),
    ("EnforceStayInSpecificSubnets", False, "other", "implicitDeny"),
    ("EnforceStayInSpecificSubnets", False, "none", "allowed"),  # the ForAllValues pitfall
    ("EnforceStayInSpecificSecurityGroup", False, "approved", "allowed"),
    ("EnforceStayInSpecificSecurityGroup", False, "other", "implicitDeny"),
    ("EnforceStayInSpecificSecurityGroup", False, "none", "allowed"),  # the same pitfall
]


@pytest.mark.parametrize(
    "index, sid, allow_all, where, decision",
    [pytest.param(i, *case, id=f"{case[0]}-{case[2]}") for i, case in enumerate(CASES)],
)
def test_the_guides_example_policies_on_create_function(lab, env, index, sid, allow_all, where, decision):
    policies = [BASE, concrete(LAMBDA_VPC_EXAMPLES[sid], env["names"])] + ([ALL_LAMBDA] if allow_all else [])
    name = f"case-{index}"
    arn = f"arn:aws:lambda:us-east-1:{lab.account_id}:function:{name}"
    user = f"arn:aws:iam::{lab.account_id}:user/learner"
    if decision == "allowed":
        assert create_as(lab, env, policies, name, where)["FunctionName"] == name
        return
    with pytest.raises(ClientError) as info:
        create_as(lab, env, policies, name, where)
    error = info.value.response["Error"]
    why = (
        "with an explicit deny in an identity-based policy"
        if decision == "explicitDeny"
        else "because no identity-based policy allows the lambda:CreateFunction action"
    )
    assert error["Code"] == "AccessDeniedException"
    assert (
        error["Message"] == f"User: {user} is not authorized to perform: lambda:CreateFunction on resource: {arn} {why}"
    )
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        lab.client("lambda").get_function(FunctionName=name)


def test_the_forallvalues_pitfall_lets_a_function_leave_the_vpc_and_the_fix_closes_it(lab, env):
    stay = concrete(LAMBDA_VPC_EXAMPLES["EnforceStayInSpecificSubnets"], env["names"])
    fixed = concrete(STAY_IN_SUBNETS_FIXED, env["names"])
    admin = lab.client("lambda")
    create_as(lab, env, [BASE, stay], "pitfall", "approved")
    lab.advance(lab.timings.eni_create)
    learner = lab.client("lambda", policies=[BASE, stay])
    learner.update_function_configuration(FunctionName="pitfall", VpcConfig=request_for(env, "disconnect"))
    lab.advance(lab.timings.update)
    assert admin.get_function_configuration(FunctionName="pitfall")["VpcConfig"]["SubnetIds"] == []  # it left
    create_as(lab, env, [BASE, fixed], "pitfall-fixed", "approved")
    lab.advance(lab.timings.eni_join)
    with pytest.raises(ClientError, match="because no identity-based policy allows"):
        lab.client("lambda", policies=[BASE, fixed]).update_function_configuration(
            FunctionName="pitfall-fixed", VpcConfig=request_for(env, "disconnect")
        )
    with pytest.raises(ClientError, match="because no identity-based policy allows"):
        create_as(lab, env, [BASE, fixed], "pitfall-escape", "none")


def test_require_vpc_denies_a_disconnect(lab, env):
    require = concrete(LAMBDA_VPC_EXAMPLES["EnforceVPCFunction"], env["names"])
    create_as(lab, env, [BASE, require, ALL_LAMBDA], "stays-in", "approved")
    lab.advance(lab.timings.eni_create)
    learner = lab.client("lambda", policies=[BASE, require, ALL_LAMBDA])
    with pytest.raises(ClientError) as info:
        learner.update_function_configuration(FunctionName="stays-in", VpcConfig=request_for(env, "disconnect"))
    assert "lambda:UpdateFunctionConfiguration" in info.value.response["Error"]["Message"]
    assert "explicit deny" in info.value.response["Error"]["Message"]
    # The guide's tip: a function that has a VPC configuration can be updated without sending it again…
    learner.update_function_configuration(FunctionName="stays-in", MemorySize=256)
    # …while a function without one can't be updated at all under this policy (the keys are absent).
    create_as(lab, env, [BASE, ALL_LAMBDA], "never-in", "none")
    with pytest.raises(ClientError, match="explicit deny"):
        learner.update_function_configuration(FunctionName="never-in", MemorySize=256)


@pytest.mark.parametrize("missing", ["DescribeSecurityGroups", "DescribeSubnets", "DescribeVpcs"])
def test_connecting_needs_the_callers_ec2_describe_permissions(lab, env, missing):
    allowed = [a for a in ("DescribeSecurityGroups", "DescribeSubnets", "DescribeVpcs") if a != missing]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": [f"ec2:{a}" for a in allowed] + ["iam:PassRole", "lambda:*"], "Resource": "*"}
        ],
    }
    with pytest.raises(ClientError) as info:
        create_as(lab, env, [policy], f"no-{missing.lower()}", "approved")
    error = info.value.response["Error"]
    first = {
        "DescribeSecurityGroups": env["approved"]["security_group_id"],
        "DescribeSubnets": env["approved"]["private_subnet_ids"][0],
        "DescribeVpcs": env["approved"]["vpc_id"],
    }[missing]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == (
        f"Your access has been denied by EC2, please make sure your request credentials have permission to {missing} "
        f"for {first}. EC2 Error Code: UnauthorizedOperation. EC2 Error Message: You are not authorized to perform "
        "this operation."
    )
    create_as(lab, env, [policy], f"no-{missing.lower()}-plain", "none")  # without a VPC they are not needed


def test_creating_a_function_needs_pass_role_on_its_role(lab, env):
    with pytest.raises(ClientError) as info:
        create_as(lab, env, [ALL_LAMBDA], "no-pass-role", "none")
    assert info.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{lab.account_id}:user/learner is not authorized to perform: iam:PassRole on resource: "
        f"{env['role']} because no identity-based policy allows the iam:PassRole action"
    )


def test_other_services_deny_with_their_own_error_code_and_the_user_name(lab):
    ec2 = lab.client("ec2", policies=[ALL_LAMBDA], user="alice")
    with pytest.raises(ClientError) as info:
        ec2.describe_vpcs()
    error = info.value.response["Error"]
    assert error["Code"] == "UnauthorizedOperation"
    assert error["Message"] == (
        f"You are not authorized to perform this operation. User: arn:aws:iam::{lab.account_id}:user/alice is not "
        "authorized to perform: ec2:DescribeVpcs because no identity-based policy allows the ec2:DescribeVpcs action"
    )
    s3 = lab.client(
        "s3",
        policies=[
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
            }
        ],
    )
    assert "Buckets" in s3.list_buckets()
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.create_bucket(Bucket="not-allowed")


def test_invoke_is_authorised_as_lambda_invoke_function_on_the_function_arn(lab, env):
    create_as(lab, env, [BASE, ALL_LAMBDA], "guarded", "none")
    only_other = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": f"arn:aws:lambda:us-east-1:{lab.account_id}:function:someone-else",
            }
        ],
    }
    with pytest.raises(ClientError) as info:
        lab.client("lambda", policies=[only_other]).invoke(FunctionName="guarded")
    assert "lambda:InvokeFunction on resource: " in info.value.response["Error"]["Message"]
    mine = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": f"arn:aws:lambda:us-east-1:{lab.account_id}:function:guarded",
            }
        ],
    }
    assert lab.client("lambda", policies=[mine]).invoke(FunctionName="guarded")["StatusCode"] == 200
