"""The AWS guide page "Configuring a Lambda function to access resources in a VPC", walked with boto3 in a lab.

Every step uses ordinary boto3 calls on ``lab.client(...)``; only ``lab.advance`` moves time.
"""

from __future__ import annotations

import ipaddress
import json

import pytest
from botocore.exceptions import ClientError

import labkit as lk
from labkit import samples

VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def code(version: str) -> bytes:
    return samples.handler_zip(f"def handler(event, context):\n    return {{'version': '{version}'}}\n")


@pytest.fixture(scope="module")
def lab():
    with lk.Lab() as lab:
        yield lab


@pytest.fixture(scope="module")
def net(lab):
    ids = samples.build_private_public(lab.session, name="guide")
    return {**ids, "subnets": ids["private_subnet_ids"], "sg": ids["security_group_id"]}


def make_role(lab, name: str, *, managed=(VPC_ACCESS,), inline: dict | None = None) -> str:
    iam = lab.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    for policy in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    if inline:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(inline))
    return arn


@pytest.fixture(scope="module")
def role(lab):
    return make_role(lab, "guide-vpc-role")


def create(lab, name, role, subnets=None, groups=None, version="v1", client=None):
    request = dict(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": code(version)},
        Timeout=30,
    )
    if subnets is not None:
        request["VpcConfig"] = {"SubnetIds": list(subnets), "SecurityGroupIds": list(groups or [])}
    return (client or lab.client("lambda")).create_function(**request)


def config(lab, name):
    return lab.client("lambda").get_function(FunctionName=name)["Configuration"]


def lambda_enis(lab, **filters):
    enis = lab.client("ec2").describe_network_interfaces()["NetworkInterfaces"]
    return [e for e in enis if e.get("InterfaceType") == "lambda" and all(e.get(k) == v for k, v in filters.items())]


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


# --------------------------------------------------------------------------------------- the guide walk


def test_the_guide_page_end_to_end(lab, net, role):
    lam, ec2 = lab.client("lambda"), lab.client("ec2")

    # "When you connect a function to a VPC, Lambda creates an elastic network interface for each subnet…
    #  For new functions, you can't invoke the function until its state changes from Pending to Active."
    created = create(lab, "orders", role, net["subnets"], [net["sg"]])
    assert (created["State"], created["StateReasonCode"], created["StateReason"]) == (
        "Pending",
        "Creating",
        "The function is being created.",
    )
    assert "LastUpdateStatus" not in created
    assert created["VpcConfig"]["VpcId"] == net["vpc_id"]
    assert error_of(lam.invoke, FunctionName="orders") == (
        "ResourceConflictException",
        "The operation cannot be performed at this time. The function is currently in the following state: Pending",
    )
    assert (
        error_of(lam.update_function_code, FunctionName="orders", ZipFile=code("v2"))[0] == "ResourceConflictException"
    )
    lab.advance(lab.timings.eni_create - 1)
    assert config(lab, "orders")["State"] == "Pending" and lambda_enis(lab) == []
    lab.advance(1)
    active = config(lab, "orders")
    assert (active["State"], active["LastUpdateStatus"]) == ("Active", "Successful")
    assert "StateReasonCode" not in active

    # One Hyperplane ENI per subnet (with the function's security group), an address of that subnet each.
    enis = lambda_enis(lab)
    assert sorted(e["SubnetId"] for e in enis) == sorted(net["subnets"])
    cidrs = {s["SubnetId"]: s["CidrBlock"] for s in ec2.describe_subnets(SubnetIds=net["subnets"])["Subnets"]}
    for eni in enis:
        assert [g["GroupId"] for g in eni["Groups"]] == [net["sg"]]
        assert ipaddress.ip_address(eni["PrivateIpAddress"]) in ipaddress.ip_network(cidrs[eni["SubnetId"]])
        assert eni["Status"] == "in-use" and "orders" in eni["Description"]
    assert lam.invoke(FunctionName="orders")["StatusCode"] == 200

    # "Multiple functions can share a network interface… connecting additional functions… is much quicker."
    create(lab, "invoices", role, list(reversed(net["subnets"])), [net["sg"]])
    assert config(lab, "invoices")["State"] == "Pending"
    lab.advance(lab.timings.eni_join)
    assert config(lab, "invoices")["State"] == "Active"
    assert {e["NetworkInterfaceId"] for e in lambda_enis(lab)} == {e["NetworkInterfaceId"] for e in enis}

    # Updates: State stays Active, LastUpdateStatus InProgress; a second update is refused; invocations run
    # the previous code meanwhile.
    updated = lam.update_function_code(FunctionName="orders", ZipFile=code("v2"))
    assert (updated["State"], updated["LastUpdateStatus"]) == ("Active", "InProgress")
    assert error_of(lam.update_function_configuration, FunctionName="orders", MemorySize=256) == (
        "ResourceConflictException",
        "The operation cannot be performed at this time. An update is in progress for resource: "
        + updated["FunctionArn"],
    )
    assert json.loads(lam.invoke(FunctionName="orders")["Payload"].read()) == {"version": "v1"}
    lab.advance(lab.timings.update)
    assert config(lab, "orders")["LastUpdateStatus"] == "Successful"
    assert json.loads(lam.invoke(FunctionName="orders")["Payload"].read()) == {"version": "v2"}

    # "To disconnect your function from a VPC, update the function configuration with an empty list of
    #  subnets and security groups."
    lam.update_function_configuration(FunctionName="orders", VpcConfig={"SubnetIds": [], "SecurityGroupIds": []})
    lab.advance(lab.timings.update)
    after = config(lab, "orders")
    assert after["VpcConfig"] == {"SubnetIds": [], "SecurityGroupIds": [], "VpcId": ""}
    assert after["LastUpdateStatus"] == "Successful"
    assert len(lambda_enis(lab)) == 2  # "invoices" still uses them

    # The last user leaves: the ENIs go after up to 20 minutes.
    lam.delete_function(FunctionName="invoices")
    lab.advance(lab.timings.eni_delete - 1)
    assert len(lambda_enis(lab)) == 2
    lab.advance(1)
    assert lambda_enis(lab) == []


def test_an_idle_function_becomes_inactive_and_an_invocation_reactivates_it(lab, net, role):
    lam = lab.client("lambda")
    create(lab, "sleepy", role, net["subnets"][:1], [net["sg"]])
    lab.advance(lab.timings.eni_create)
    lam.invoke(FunctionName="sleepy")
    lab.advance(lab.timings.idle - 60)
    assert config(lab, "sleepy")["State"] == "Active"
    lab.advance("2 min")
    idle = config(lab, "sleepy")
    assert (idle["State"], idle["StateReasonCode"], idle["StateReason"]) == (
        "Inactive",
        "Idle",
        "The function is currently idle.",
    )
    assert lambda_enis(lab, SubnetId=net["subnets"][0]) == []  # reclaimed
    code_, message = error_of(lam.invoke, FunctionName="sleepy")
    assert code_ == "ResourceNotReadyException" and "inactive" in message
    assert (config(lab, "sleepy")["State"], config(lab, "sleepy")["StateReasonCode"]) == ("Pending", "Restoring")
    lam.get_waiter("function_active_v2").wait(FunctionName="sleepy")
    assert config(lab, "sleepy")["State"] == "Active"
    assert len(lambda_enis(lab, SubnetId=net["subnets"][0])) == 1
    assert lam.invoke(FunctionName="sleepy")["StatusCode"] == 200


def test_a_function_without_vpc_is_active_at_once_and_lists_show_no_state(lab, role):
    created = create(lab, "plain", role)
    assert (created["State"], config(lab, "plain")["LastUpdateStatus"]) == ("Active", "Successful")
    listed = {f["FunctionName"]: f for f in lab.client("lambda").list_functions()["Functions"]}
    assert "State" not in listed["plain"] and "LastUpdateStatus" not in listed["plain"]


def test_the_vpc_id_is_the_subnets_vpc_everywhere(lab, net, role):
    create(lab, "where", role, net["subnets"], [net["sg"]])
    lab.advance(lab.timings.eni_join)
    listed = {f["FunctionName"]: f for f in lab.client("lambda").list_functions()["Functions"]}
    assert listed["where"]["VpcConfig"]["VpcId"] == net["vpc_id"]
    assert lab.client("lambda").get_function_configuration(FunctionName="where")["VpcConfig"]["VpcId"] == net["vpc_id"]
    assert lab.topology().function("where").vpc_id == net["vpc_id"]


# ------------------------------------------------------------------------------------------ validation


def test_dedicated_tenancy_is_refused(lab, role):
    ec2 = lab.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16", InstanceTenancy="dedicated")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(VpcId=vpc, GroupName="dedicated", Description="x")["GroupId"]
    code_, message = error_of(create, lab, "dedicated", role, [subnet], [group])
    assert code_ == "InvalidParameterValueException" and "dedicated instance tenancy" in message
    assert "dedicated" not in [f["FunctionName"] for f in lab.client("lambda").list_functions()["Functions"]]


@pytest.mark.parametrize(
    "inline, missing",
    [
        pytest.param(None, "CreateNetworkInterface", id="no-policy"),
        pytest.param(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:*"], "Resource": "*"}]},
            "CreateNetworkInterface",
            id="logs-only",
        ),
        pytest.param(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces"],
                        "Resource": "*",
                    }
                ],
            },
            "DeleteNetworkInterface",
            id="no-delete",
        ),
        pytest.param(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
                    {"Effect": "Deny", "Action": "ec2:DescribeNetworkInterfaces", "Resource": "*"},
                ],
            },
            "DescribeNetworkInterfaces",
            id="explicit-deny",
        ),
    ],
)
def test_an_execution_role_without_the_eni_permissions_is_refused(lab, net, inline, missing, request):
    weak = make_role(lab, f"weak-{request.node.callspec.id}", managed=(), inline=inline)
    assert error_of(create, lab, f"weak-{request.node.callspec.id}", weak, net["subnets"], [net["sg"]]) == (
        "InvalidParameterValueException",
        f"The provided execution role does not have permissions to call {missing} on EC2",
    )


def test_connecting_an_existing_function_checks_the_role_too(lab, net):
    weak = make_role(lab, "weak-later", managed=("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",))
    create(lab, "later", weak)
    code_, message = error_of(
        lab.client("lambda").update_function_configuration,
        FunctionName="later",
        VpcConfig={"SubnetIds": net["subnets"], "SecurityGroupIds": [net["sg"]]},
    )
    assert code_ == "InvalidParameterValueException" and "CreateNetworkInterface" in message


def _other_vpc(lab):
    ec2 = lab.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(VpcId=vpc, GroupName="other", Description="x")["GroupId"]
    return subnet, group


@pytest.mark.parametrize(
    "case, expected_code, expected",
    [
        pytest.param(
            "subnet-missing",
            "InvalidParameterValueException",
            "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. EC2 Error Message: "
            "The subnet ID 'subnet-0000000000000dead' does not exist",
            id="unknown-subnet",
        ),
        pytest.param(
            "group-missing",
            "InvalidParameterValueException",
            "Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. EC2 Error "
            "Message: The security group 'sg-0000000000000dead' does not exist",
            id="unknown-group",
        ),
        pytest.param(
            "group-elsewhere",
            "InvalidParameterValueException",
            "Security Groups are required to be in the same VPC.",
            id="group-in-another-vpc",
        ),
        pytest.param(
            "subnets-apart",
            "InvalidParameterValueException",
            "Subnets are required to be in the same VPC.",
            id="subnets-in-two-vpcs",
        ),
        pytest.param(
            "no-groups",
            "InvalidParameterValueException",
            "SubnetIds and SecurityIds must coexist or be both empty list.",
            id="subnets-without-groups",
        ),
        pytest.param(
            "17-subnets",
            "ValidationException",
            "failed to satisfy constraint: Member must have length less than or equal to 16",
            id="17-subnets",
        ),
        pytest.param(
            "6-groups",
            "ValidationException",
            "failed to satisfy constraint: Member must have length less than or equal to 5",
            id="6-groups",
        ),
    ],
)
def test_vpc_config_errors(lab, net, role, case, expected_code, expected):
    other_subnet, other_group = _other_vpc(lab)
    subnets, groups = list(net["subnets"]), [net["sg"]]
    if case == "subnet-missing":
        subnets = ["subnet-0000000000000dead"]
    elif case == "group-missing":
        groups = ["sg-0000000000000dead"]
    elif case == "group-elsewhere":
        groups = [net["sg"], other_group]
    elif case == "subnets-apart":
        subnets = [net["subnets"][0], other_subnet]
    elif case == "no-groups":
        groups = []
    elif case == "17-subnets":
        subnets = [f"subnet-{i:017x}" for i in range(17)]
    elif case == "6-groups":
        groups = [f"sg-{i:017x}" for i in range(6)]
    code_, message = error_of(create, lab, f"bad-{case}", role, subnets, groups)
    assert code_ == expected_code and expected in message
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        lab.client("lambda").get_function(FunctionName=f"bad-{case}")


# ---------------------------------------------------------------------------------------------- Failed


def _fresh_subnet(lab, net, cidr):
    ec2 = lab.client("ec2")
    subnet = ec2.create_subnet(VpcId=net["vpc_id"], CidrBlock=cidr)["Subnet"]["SubnetId"]
    group = ec2.create_security_group(VpcId=net["vpc_id"], GroupName=f"g-{cidr}", Description="x")["GroupId"]
    return subnet, group


def test_a_subnet_deleted_while_pending_fails_the_function(lab, net, role):
    subnet, group = _fresh_subnet(lab, net, "172.31.100.0/24")
    create(lab, "lost-subnet", role, [subnet], [group])
    lab.client("ec2").delete_subnet(SubnetId=subnet)
    lab.advance(lab.timings.eni_create)
    failed = config(lab, "lost-subnet")
    assert (failed["State"], failed["StateReasonCode"]) == ("Failed", "InvalidSubnet")
    assert subnet in failed["StateReason"]
    code_, message = error_of(lab.client("lambda").invoke, FunctionName="lost-subnet")
    assert code_ == "ResourceConflictException" and message.endswith("state: Failed")


def test_a_security_group_deleted_while_pending_fails_the_function(lab, net, role):
    subnet, group = _fresh_subnet(lab, net, "172.31.101.0/24")
    create(lab, "lost-group", role, [subnet], [group])
    lab.client("ec2").delete_security_group(GroupId=group)
    lab.advance(lab.timings.eni_create)
    assert (config(lab, "lost-group")["State"], config(lab, "lost-group")["StateReasonCode"]) == (
        "Failed",
        "InvalidSecurityGroup",
    )


def test_a_full_subnet_fails_the_function(lab, net, role):
    ec2 = lab.client("ec2")
    subnet, group = _fresh_subnet(lab, net, "172.31.102.0/28")
    free = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["AvailableIpAddressCount"]
    for _ in range(free):
        ec2.create_network_interface(SubnetId=subnet)
    create(lab, "crowded", role, [subnet], [group])
    lab.advance(lab.timings.eni_create)
    assert (config(lab, "crowded")["State"], config(lab, "crowded")["StateReasonCode"]) == (
        "Failed",
        "SubnetOutOfIPAddresses",
    )


def test_a_role_that_loses_its_permissions_while_pending_fails_the_function(lab, net, role):
    subnet, group = _fresh_subnet(lab, net, "172.31.103.0/24")
    losing = make_role(lab, "losing")
    create(lab, "unlucky", role=losing, subnets=[subnet], groups=[group])
    lab.client("iam").detach_role_policy(RoleName="losing", PolicyArn=VPC_ACCESS)
    lab.advance(lab.timings.eni_create)
    assert (config(lab, "unlucky")["State"], config(lab, "unlucky")["StateReasonCode"]) == (
        "Failed",
        "InsufficientRolePermissions",
    )


def test_a_failed_update_keeps_the_previous_network(lab, net, role):
    lam = lab.client("lambda")
    create(lab, "mover", role, net["subnets"][:1], [net["sg"]])
    lab.advance(lab.timings.eni_join)
    subnet, group = _fresh_subnet(lab, net, "172.31.104.0/24")
    lam.update_function_configuration(
        FunctionName="mover", VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]}
    )
    lab.client("ec2").delete_subnet(SubnetId=subnet)
    lab.advance(lab.timings.eni_create)
    after = config(lab, "mover")
    assert (after["State"], after["LastUpdateStatus"], after["LastUpdateStatusReasonCode"]) == (
        "Active",
        "Failed",
        "InvalidSubnet",
    )
    assert after["VpcConfig"]["SubnetIds"] == net["subnets"][:1]
    assert lam.invoke(FunctionName="mover")["StatusCode"] == 200


# ------------------------------------------------------------------------------- what ENIs protect


def test_ec2_refuses_to_delete_what_a_hyperplane_eni_uses(lab, net, role):
    ec2 = lab.client("ec2")
    subnet, group = _fresh_subnet(lab, net, "172.31.105.0/24")
    create(lab, "anchor", role, [subnet], [group])
    lab.advance(lab.timings.eni_create)
    (eni,) = lambda_enis(lab, SubnetId=subnet)
    assert error_of(ec2.delete_subnet, SubnetId=subnet) == (
        "DependencyViolation",
        f"The subnet '{subnet}' has dependencies and cannot be deleted.",
    )
    assert error_of(ec2.delete_security_group, GroupId=group) == (
        "DependencyViolation",
        f"resource {group} has a dependent object",
    )
    assert (
        error_of(ec2.delete_network_interface, NetworkInterfaceId=eni["NetworkInterfaceId"])[0]
        == "InvalidParameterValue"
    )
    lab.client("lambda").delete_function(FunctionName="anchor")
    lab.advance(lab.timings.eni_delete)
    ec2.delete_security_group(GroupId=group)
    ec2.delete_subnet(SubnetId=subnet)


def test_a_role_lambda_cannot_assume_is_refused(lab, net):
    iam = lab.client("iam")
    trust_ec2 = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    arn = iam.create_role(RoleName="for-ec2", AssumeRolePolicyDocument=json.dumps(trust_ec2))["Role"]["Arn"]
    iam.attach_role_policy(RoleName="for-ec2", PolicyArn=VPC_ACCESS)
    for subnets in (None, net["subnets"]):
        assert error_of(create, lab, "wrong-trust", arn, subnets, [net["sg"]] if subnets else None) == (
            "InvalidParameterValueException",
            "The role defined for the function cannot be assumed by Lambda.",
        )
