"""The account importer: what it reads, what it refuses to call, and how it fails."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from botocore.awsrequest import AWSResponse

from labkit.errors import LabkitError, ReadOnlyViolation
from labkit.vpc.importer import (
    IMPORTER_CALLS,
    AwsAccessError,
    AwsSetupError,
    build_topology,
    is_read_only,
    minimal_read_only_policy,
    read_only_client,
    route_from_aws,
    sg_rules_from_aws,
    topology_from_boto3,
)
from labkit.vpc.model import Route, SgRule, Topology

#: Every operation the importer may call, once each (the issue's list).
EXPECTED_OPERATIONS = Counter(
    {
        "ec2:DescribeVpcs": 1,
        "ec2:DescribeSubnets": 1,
        "ec2:DescribeRouteTables": 1,
        "ec2:DescribeInternetGateways": 1,
        "ec2:DescribeNatGateways": 1,
        "ec2:DescribeVpcEndpoints": 1,
        "ec2:DescribeSecurityGroups": 1,
        "ec2:DescribeNetworkAcls": 1,
        "ec2:DescribeVpcPeeringConnections": 1,
        "ec2:DescribeNetworkInterfaces": 1,
        "ec2:DescribePrefixLists": 1,
        "lambda:ListFunctions": 1,
        "sts:GetCallerIdentity": 1,
    }
)
#: Read later, only when a trace names a database ("rds:NAME", "elasticache:NAME"): see test_reach_databases.
DATABASE_OPERATIONS = Counter(
    {
        "rds:DescribeDBInstances": 1,
        "elasticache:DescribeCacheClusters": 1,
        "elasticache:DescribeCacheSubnetGroups": 1,
        "elasticache:DescribeReplicationGroups": 1,
    }
)


# ------------------------------------------------------------------------------------------ helpers


def record_operations(session) -> list[str]:
    """Record "service:Operation" for every call made by clients created from now on."""
    calls: list[str] = []

    def recorder(model, **kwargs):
        calls.append(f"{model.service_model.signing_name}:{model.name}")

    session.events.register("before-call", recorder)
    return calls


def answer_with_error(session, event: str, code: str, status: int = 403) -> None:
    """Make every later client answer ``event`` (e.g. "ec2.DescribeSubnets") with AWS error ``code``."""

    def respond(**kwargs):
        body = {
            "Error": {"Code": code, "Message": f"{code} for this test"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        return AWSResponse("https://aws.invalid", status, {}, None), body

    session.events.register(f"before-call.{event}", respond)


def shuffle_responses(session, seed: int) -> list[int]:
    """Shuffle every list of every response of later clients, in place; returns a one-item counter of
    lists whose order actually changed."""
    rng = random.Random(seed)
    changed = [0]

    def shuffle(value):
        if isinstance(value, list):
            before = list(value)
            rng.shuffle(value)
            changed[0] += value != before
            for v in value:
                shuffle(v)
        elif isinstance(value, dict):
            for k, v in value.items():
                if k != "ResponseMetadata":
                    shuffle(v)

    def after_call(parsed, **kwargs):
        shuffle(parsed)

    session.events.register("after-call", after_call)
    return changed


@pytest.fixture
def account(session):
    """A small account with one of everything the importer reads; returns the ids created."""
    ec2 = session.client("ec2")
    ids: dict = {}
    vpc = ids["vpc"] = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.1.0.0/16")
    ids["peer_vpc"] = ec2.create_vpc(CidrBlock="10.9.0.0/16", InstanceTenancy="dedicated")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "main-vpc"}])
    ids["a"] = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    ids["b"] = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")["Subnet"][
        "SubnetId"
    ]
    ids["igw"] = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=ids["igw"], VpcId=vpc)
    ids["loose_igw"] = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ids["public_rt"] = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=ids["public_rt"], SubnetId=ids["a"])
    ec2.create_route(RouteTableId=ids["public_rt"], DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw"])
    ids["eip"] = ec2.allocate_address(Domain="vpc")
    ids["nat"] = ec2.create_nat_gateway(SubnetId=ids["a"], AllocationId=ids["eip"]["AllocationId"])["NatGateway"][
        "NatGatewayId"
    ]
    eip2 = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ids["dead_nat"] = ec2.create_nat_gateway(SubnetId=ids["a"], AllocationId=eip2)["NatGateway"]["NatGatewayId"]
    ids["pcx"] = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=ids["peer_vpc"])["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=ids["pcx"])
    ids["private_rt"] = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=ids["private_rt"], SubnetId=ids["b"])
    ec2.create_route(RouteTableId=ids["private_rt"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=ids["nat"])
    ec2.create_route(
        RouteTableId=ids["private_rt"], DestinationCidrBlock="10.9.0.0/16", VpcPeeringConnectionId=ids["pcx"]
    )
    ec2.create_route(RouteTableId=ids["private_rt"], DestinationCidrBlock="10.50.0.0/16", NatGatewayId=ids["dead_nat"])
    ec2.delete_nat_gateway(NatGatewayId=ids["dead_nat"])
    ids["s3_vpce"] = ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName="com.amazonaws.us-east-1.s3",
        RouteTableIds=[ids["private_rt"]],
        VpcEndpointType="Gateway",
    )["VpcEndpoint"]["VpcEndpointId"]
    ids["fn_sg"] = ec2.create_security_group(VpcId=vpc, GroupName="fn", Description="function")["GroupId"]
    ids["ep_sg"] = ec2.create_security_group(VpcId=vpc, GroupName="ep", Description="endpoint")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=ids["ep_sg"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "the vpc"}],
                "UserIdGroupPairs": [{"GroupId": ids["fn_sg"]}],
                "PrefixListIds": [{"PrefixListId": "pl-12345678"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            }
        ],
    )
    ids["sqs_vpce"] = ec2.create_vpc_endpoint(
        VpcId=vpc,
        ServiceName="com.amazonaws.us-east-1.sqs",
        VpcEndpointType="Interface",
        SubnetIds=[ids["b"]],
        SecurityGroupIds=[ids["ep_sg"]],
        PrivateDnsEnabled=True,
    )["VpcEndpoint"]["VpcEndpointId"]
    ids["acl"] = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.replace_network_acl_association(
        AssociationId=next(
            a["NetworkAclAssociationId"]
            for n in ec2.describe_network_acls()["NetworkAcls"]
            for a in n["Associations"]
            if a["SubnetId"] == ids["b"]
        ),
        NetworkAclId=ids["acl"],
    )
    ec2.create_network_acl_entry(
        NetworkAclId=ids["acl"],
        RuleNumber=100,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 443, "To": 443},
    )
    ec2.create_network_acl_entry(
        NetworkAclId=ids["acl"], RuleNumber=200, Protocol="-1", RuleAction="deny", Egress=True, CidrBlock="10.9.0.0/16"
    )
    ec2.create_network_acl_entry(
        NetworkAclId=ids["acl"], RuleNumber=110, Protocol="-1", RuleAction="allow", Egress=False, Ipv6CidrBlock="::/0"
    )
    ids["db"] = ec2.create_network_interface(
        SubnetId=ids["b"],
        Groups=[ids["ep_sg"]],
        Description="database",
        PrivateIpAddresses=[
            {"PrivateIpAddress": "10.0.2.30", "Primary": False},
            {"PrivateIpAddress": "10.0.2.20", "Primary": True},
        ],
    )["NetworkInterface"]["NetworkInterfaceId"]

    iam = session.client("iam")
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = session.client("lambda")
    code = {"ZipFile": b"PK\x05\x06" + b"\x00" * 18}
    for name, config in (
        ("in-vpc", {"SubnetIds": [ids["b"], ids["a"]], "SecurityGroupIds": [ids["fn_sg"]]}),
        ("ghost", {"SubnetIds": ["subnet-0000000000000dead"], "SecurityGroupIds": [ids["fn_sg"]]}),
        ("no-vpc", None),
    ):
        extra = {"VpcConfig": config} if config else {}
        lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=role, Handler="index.handler", Code=code, **extra
        )
    return ids


# ------------------------------------------------------------------------------------ read-only guard


@pytest.mark.parametrize(
    "operation, expected",
    [
        ("DescribeVpcs", True),
        ("ListFunctions", True),
        ("GetCallerIdentity", True),
        ("CreateVpc", False),
        ("DeleteNatGateway", False),
        ("Invoke", False),
        ("AssumeRole", False),
        ("ModifySubnetAttribute", False),
        ("Describe", False),
        ("describeVpcs", False),
    ],
    ids=lambda v: str(v),
)
def test_is_read_only(operation, expected):
    assert is_read_only(operation) is expected


def test_guarded_client_refuses_create_vpc_before_any_request(session):
    calls = record_operations(session)
    guarded = read_only_client(session, "ec2")
    plain = session.client("ec2")
    before = len(plain.describe_vpcs()["Vpcs"])

    with pytest.raises(ReadOnlyViolation, match="ec2:CreateVpc") as caught:
        guarded.create_vpc(CidrBlock="10.0.0.0/16")

    assert isinstance(caught.value, PermissionError) and isinstance(caught.value, LabkitError)
    assert "ec2:CreateVpc" not in calls  # refused before the call event: no request was built
    assert len(plain.describe_vpcs()["Vpcs"]) == before
    guarded.describe_vpcs()  # reads still work, and go through the recorder
    assert calls.count("ec2:DescribeVpcs") == 3


@pytest.mark.parametrize(
    "service, method, params",
    [
        ("ec2", "create_subnet", {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/24"}),
        ("ec2", "delete_route", {"RouteTableId": "rtb-1", "DestinationCidrBlock": "0.0.0.0/0"}),
        ("ec2", "authorize_security_group_egress", {"GroupId": "sg-1", "IpPermissions": []}),
        ("lambda", "invoke", {"FunctionName": "f"}),
        ("lambda", "update_function_configuration", {"FunctionName": "f", "VpcConfig": {"SubnetIds": []}}),
        ("sts", "assume_role", {"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "s"}),
        ("iam", "create_role", {"RoleName": "r", "AssumeRolePolicyDocument": "{}"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_guarded_clients_refuse_every_mutating_operation(session, service, method, params):
    calls = record_operations(session)
    client = read_only_client(session, service)
    with pytest.raises(ReadOnlyViolation):
        getattr(client, method)(**params)
    assert calls == []


def test_guarded_sts_client_refuses_get_session_token(session):
    """A Get* name is no promise of a read: GetSessionToken creates credentials, so the guard refuses it."""
    calls = record_operations(session)
    sts = read_only_client(session, "sts")
    with pytest.raises(ReadOnlyViolation, match="sts:GetSessionToken"):
        sts.get_session_token()
    assert calls == []
    assert sts.get_caller_identity()["Account"]  # the importer's own STS call still works


@pytest.mark.parametrize(
    "service, method, params",
    [
        ("ec2", "describe_instances", {}),
        ("ec2", "get_password_data", {"InstanceId": "i-0123456789abcdef0"}),
        ("lambda", "get_function", {"FunctionName": "f"}),
        ("iam", "list_roles", {}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_guard_refuses_reads_the_importer_does_not_make(session, service, method, params):
    calls = record_operations(session)
    client = read_only_client(session, service)
    with pytest.raises(ReadOnlyViolation):
        getattr(client, method)(**params)
    assert calls == []


def test_the_allow_list_is_exactly_the_importers_calls():
    assert Counter(f"{s}:{o}" for s, o in IMPORTER_CALLS) == EXPECTED_OPERATIONS + DATABASE_OPERATIONS


def test_minimal_policy_allows_exactly_the_importers_calls_that_need_a_permission():
    (statement,) = minimal_read_only_policy()["Statement"]
    assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
    assert set(statement["Action"]) == set(EXPECTED_OPERATIONS + DATABASE_OPERATIONS) - {"sts:GetCallerIdentity"}
    assert all(a.split(":")[1].startswith(("Describe", "List")) for a in statement["Action"])


def test_guard_is_per_client(session):
    read_only_client(session, "ec2")
    vpc = session.client("ec2").create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    assert vpc.startswith("vpc-")


def test_importer_calls_only_reads_once_each_whatever_the_account_size(session, account):
    recorded = record_operations(session)
    topology_from_boto3(session)
    small = list(recorded)

    # Grow the account a lot, then import again with a new recorder.
    ec2, lam = session.client("ec2"), session.client("lambda")
    role = session.client("iam").get_role(RoleName="fn-role")["Role"]["Arn"]
    for i in range(4):
        vpc = ec2.create_vpc(CidrBlock=f"10.{100 + i}.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{100 + i}.{j}.0/24")["Subnet"]["SubnetId"] for j in range(10)
        ]
        rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        sg = ec2.create_security_group(VpcId=vpc, GroupName=f"g{i}", Description="g")["GroupId"]
        for s in subnets:
            ec2.associate_route_table(RouteTableId=rt, SubnetId=s)
            ec2.create_network_interface(SubnetId=s, Groups=[sg])
        lam.create_function(
            FunctionName=f"grown-{i}",
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
            VpcConfig={"SubnetIds": subnets[:2], "SecurityGroupIds": [sg]},
        )
    large = record_operations(session)  # only sees clients created from now on: the importer's
    topo = topology_from_boto3(session)

    assert len(topo.subnets) >= 40 + 2
    assert all(is_read_only(op.split(":")[1]) for op in small + large)
    assert Counter(small) == EXPECTED_OPERATIONS
    assert Counter(large) == EXPECTED_OPERATIONS


# ------------------------------------------------------------------------------------- what is read


def test_reads_every_resource_kind(session, account):
    ids = account
    topo = Topology.from_boto3(session)

    assert topo.region == "us-east-1" and topo.account_id == "123456789012"
    vpc = topo.vpc(ids["vpc"])
    assert vpc.cidr_blocks == ("10.0.0.0/16", "10.1.0.0/16") and vpc.name == "main-vpc" and not vpc.is_default
    assert topo.vpc(ids["peer_vpc"]).instance_tenancy == "dedicated"
    assert any(v.is_default for v in topo.vpcs)
    a = topo.subnet(ids["a"])
    assert (a.vpc_id, a.cidr, a.availability_zone) == (ids["vpc"], "10.0.1.0/24", "us-east-1a")

    public = topo.route_table(ids["public_rt"])
    assert public.subnet_ids == (ids["a"],) and not public.is_main
    assert Route("0.0.0.0/0", "igw", ids["igw"]) in public.routes
    assert topo.route_table_for(ids["b"]).id == ids["private_rt"]
    private = {r.destination: r for r in topo.route_table(ids["private_rt"]).routes}
    assert (private["0.0.0.0/0"].target_kind, private["0.0.0.0/0"].target_id) == ("nat", ids["nat"])
    assert (private["10.9.0.0/16"].target_kind, private["10.9.0.0/16"].target_id) == ("pcx", ids["pcx"])
    assert (private["10.0.0.0/16"].target_kind, private["10.0.0.0/16"].target_id) == ("local", "local")
    s3_list = topo.prefix_list_for_service("s3")
    assert s3_list is not None and (private[s3_list.id].target_kind, private[s3_list.id].target_id) == (
        "vpce",
        ids["s3_vpce"],
    )
    main = [rt for rt in topo.route_tables if rt.vpc_id == ids["vpc"] and rt.is_main]
    assert len(main) == 1 and main[0].subnet_ids == ()

    assert topo.internet_gateway(ids["igw"]).attached_vpc_ids == (ids["vpc"],)
    assert topo.internet_gateway(ids["loose_igw"]).attached_vpc_ids == ()

    nat = topo.nat_gateway(ids["nat"])
    assert (nat.vpc_id, nat.subnet_id, nat.state, nat.connectivity_type) == (
        ids["vpc"],
        ids["a"],
        "available",
        "public",
    )
    assert nat.public_ip == ids["eip"]["PublicIp"] and nat.private_ip
    assert topo.nat_gateway(ids["dead_nat"]).state == "deleted"  # kept: a route to it is a blackhole

    s3 = topo.vpc_endpoint(ids["s3_vpce"])
    assert (s3.endpoint_type, s3.service, s3.route_table_ids) == ("Gateway", "s3", (ids["private_rt"],))
    sqs = topo.vpc_endpoint(ids["sqs_vpce"])
    assert (sqs.endpoint_type, sqs.service, sqs.subnet_ids, sqs.security_group_ids, sqs.private_dns_enabled) == (
        "Interface",
        "sqs",
        (ids["b"],),
        (ids["ep_sg"],),
        True,
    )
    assert len(sqs.network_interface_ids) == 1 and topo.network_interface(sqs.network_interface_ids[0])

    ep_sg = topo.security_group(ids["ep_sg"])
    assert set(ep_sg.ingress) == {
        SgRule("tcp", 443, 443, cidr="10.0.0.0/16", description="the vpc"),
        SgRule("tcp", 443, 443, group_id=ids["fn_sg"]),
        SgRule("tcp", 443, 443, prefix_list_id="pl-12345678"),
    }  # the IPv6 range is skipped
    assert topo.security_group(ids["fn_sg"]).egress == (SgRule("-1", cidr="0.0.0.0/0"),)

    acl = topo.network_acl_for(ids["b"])
    assert acl.id == ids["acl"] and not acl.is_default and acl.subnet_ids == (ids["b"],)
    assert [(e.rule_number, e.action, e.protocol, e.cidr, e.from_port, e.to_port) for e in acl.inbound] == [
        (100, "allow", "6", "0.0.0.0/0", 443, 443)
    ]  # the IPv6 entry is skipped
    assert [(e.rule_number, e.action, e.cidr) for e in acl.outbound] == [(200, "deny", "10.9.0.0/16")]
    assert topo.network_acl_for(ids["a"]).is_default

    pcx = topo.peering_connection(ids["pcx"])
    assert (pcx.requester_vpc_id, pcx.accepter_vpc_id, pcx.status) == (ids["vpc"], ids["peer_vpc"], "active")
    assert pcx.accepter_cidrs == ("10.9.0.0/16",) and "10.0.0.0/16" in pcx.requester_cidrs

    db = topo.network_interface(ids["db"])
    assert (db.subnet_id, db.vpc_id, db.private_ips, db.security_group_ids, db.description) == (
        ids["b"],
        ids["vpc"],
        ("10.0.2.20", "10.0.2.30"),
        (ids["ep_sg"],),
        "database",
    )
    assert topo.interface_owning("10.0.2.30") == db
    nat_eni = [e for e in topo.network_interfaces if e.public_ip == ids["eip"]["PublicIp"]]
    assert len(nat_eni) == 1

    fn = topo.function("in-vpc")
    assert fn.subnet_ids == tuple(sorted((ids["a"], ids["b"]))) and fn.security_group_ids == (ids["fn_sg"],)
    assert fn.vpc_id == ids["vpc"] and fn.runtime == "python3.12" and fn.arn.endswith(":function:in-vpc")
    assert topo.function("ghost").vpc_connected and topo.function("ghost").vpc_id is None  # placeholder VpcId ignored
    assert not topo.function("no-vpc").vpc_connected and topo.function("no-vpc").vpc_id is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_describe_order_does_not_change_the_topology(session, account, seed):
    expected = topology_from_boto3(session)
    changed = shuffle_responses(session, seed)
    shuffled = topology_from_boto3(session)
    assert changed[0] > 10  # the responses really came in another order
    assert shuffled == expected


def test_region_argument_overrides_the_session(session, account):
    topo = topology_from_boto3(session, region="eu-west-1")
    assert topo.region == "eu-west-1"
    assert account["vpc"] not in {v.id for v in topo.vpcs} and topo.functions == ()


# ------------------------------------------------------------------------------------------ failures


def test_no_region_is_a_setup_error(session, monkeypatch):
    import boto3

    monkeypatch.delenv("AWS_DEFAULT_REGION")
    regionless = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    assert regionless.region_name is None
    with pytest.raises(AwsSetupError, match="region") as caught:
        topology_from_boto3(regionless)
    assert isinstance(caught.value, ValueError) and "AWS_DEFAULT_REGION" in str(caught.value)


def test_no_credentials_is_an_access_error(session):
    import boto3
    import botocore.credentials
    import botocore.session

    core = botocore.session.Session()
    core.register_component("credential_provider", botocore.credentials.CredentialResolver(providers=[]))
    anonymous = boto3.Session(botocore_session=core, region_name="us-east-1")
    with pytest.raises(AwsAccessError, match="No usable AWS credentials") as caught:
        topology_from_boto3(anonymous)
    assert isinstance(caught.value, PermissionError) and "aws configure" in str(caught.value)


@pytest.mark.parametrize(
    "event, code, message",
    [
        ("ec2.DescribeSubnets", "UnauthorizedOperation", "AWS said UnauthorizedOperation for ec2:DescribeSubnets"),
        ("lambda.ListFunctions", "AccessDeniedException", "AWS said AccessDeniedException for lambda:ListFunctions"),
        ("ec2.DescribeVpcs", "AuthFailure", "rejected the credentials"),
        ("ec2.DescribeVpcs", "ExpiredToken", "rejected the credentials"),
    ],
    ids=["ec2-denied", "lambda-denied", "auth-failure", "expired"],
)
def test_denied_calls_name_the_action_and_the_fix(session, event, code, message):
    answer_with_error(session, event, code)
    with pytest.raises(AwsAccessError, match=message) as caught:
        topology_from_boto3(session)
    assert isinstance(caught.value, PermissionError)
    if "denied" in code.lower() or "Unauthorized" in code:
        assert "ReadOnlyAccess" in str(caught.value)


def test_disabled_region_is_a_setup_error(session):
    answer_with_error(session, "ec2.DescribeVpcs", "OptInRequired")
    with pytest.raises(AwsSetupError, match="not enabled"):
        topology_from_boto3(session)


def test_other_aws_errors_are_not_disguised(session):
    from botocore.exceptions import ClientError

    answer_with_error(session, "ec2.DescribeRouteTables", "InternalError", status=500)
    with pytest.raises(ClientError, match="InternalError") as caught:
        topology_from_boto3(session)
    assert not isinstance(caught.value, LabkitError)


def test_sts_failure_leaves_the_account_id_empty(session, account):
    answer_with_error(session, "sts.GetCallerIdentity", "AccessDenied")
    topo = topology_from_boto3(session)
    assert topo.account_id == "" and account["vpc"] in {v.id for v in topo.vpcs}


# ------------------------------------------------------------------------- describe output → model


@pytest.mark.parametrize(
    "route, kind, target",
    [
        ({"GatewayId": "local"}, "local", "local"),
        ({"GatewayId": "igw-1"}, "igw", "igw-1"),
        ({"GatewayId": "vpce-1"}, "vpce", "vpce-1"),
        ({"GatewayId": "vgw-1"}, "vgw", "vgw-1"),
        ({"GatewayId": "cagw-1"}, "other", "cagw-1"),
        ({"NatGatewayId": "nat-1"}, "nat", "nat-1"),
        ({"VpcPeeringConnectionId": "pcx-1"}, "pcx", "pcx-1"),
        ({"NetworkInterfaceId": "eni-1"}, "eni", "eni-1"),
        ({"InstanceId": "i-1", "NetworkInterfaceId": "eni-1", "InstanceOwnerId": "1"}, "instance", "i-1"),
        ({"TransitGatewayId": "tgw-1"}, "tgw", "tgw-1"),
        ({"EgressOnlyInternetGatewayId": "eigw-1"}, "eigw", "eigw-1"),
        ({"LocalGatewayId": "lgw-1"}, "other", "lgw-1"),
        (
            {"CoreNetworkArn": "arn:aws:networkmanager::1:core-network/c"},
            "other",
            "arn:aws:networkmanager::1:core-network/c",
        ),
    ],
    ids=["local", "igw", "vpce", "vgw", "carrier", "nat", "pcx", "eni", "instance", "tgw", "eigw", "lgw", "core"],
)
def test_route_target_kinds(route, kind, target):
    r = route_from_aws({"DestinationCidrBlock": "10.8.0.0/16", "State": "blackhole", **route})
    assert (r.target_kind, r.target_id, r.state, r.destination) == (kind, target, "blackhole", "10.8.0.0/16")


def test_prefix_list_routes_and_ipv6_routes():
    assert route_from_aws({"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1"}).is_prefix_list
    assert route_from_aws({"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1"}) is None


def test_security_group_rules_are_flattened_one_peer_each():
    rules = sg_rules_from_aws(
        [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}]},
            {
                "IpProtocol": "udp",
                "FromPort": 53,
                "ToPort": 53,
                "PrefixListIds": [{"PrefixListId": "pl-1"}],
                "UserIdGroupPairs": [{"GroupId": "sg-1"}, {"GroupId": "sg-2", "Description": "dns"}],
            },
        ]
    )
    assert len(rules) == 5
    assert {(r.cidr, r.prefix_list_id, r.group_id) for r in rules} == {
        ("0.0.0.0/0", None, None),
        ("10.0.0.0/8", None, None),
        (None, "pl-1", None),
        (None, None, "sg-1"),
        (None, None, "sg-2"),
    }
    assert all(r.from_port is None for r in rules if r.protocol == "-1")
    assert SgRule("udp", 53, 53, group_id="sg-2", description="dns") in rules


def test_states_and_associations_that_no_longer_hold_are_dropped():
    topo = build_topology(
        {
            "Vpcs": [
                {
                    "VpcId": "vpc-1",
                    "CidrBlock": "10.0.0.0/16",
                    "CidrBlockAssociationSet": [
                        {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
                        {"CidrBlock": "10.5.0.0/16", "CidrBlockState": {"State": "disassociated"}},
                        {"CidrBlock": "10.2.0.0/16", "CidrBlockState": {"State": "associated"}},
                    ],
                }
            ],
            "InternetGateways": [
                {
                    "InternetGatewayId": "igw-1",
                    "Attachments": [{"VpcId": "vpc-1", "State": "detaching"}, {"VpcId": "vpc-2", "State": "attached"}],
                }
            ],
            "RouteTables": [
                {
                    "RouteTableId": "rtb-1",
                    "VpcId": "vpc-1",
                    "Associations": [
                        {"SubnetId": "subnet-1", "AssociationState": {"State": "disassociated"}},
                        {"SubnetId": "subnet-2", "AssociationState": {"State": "associated"}},
                        {"Main": True, "AssociationState": {"State": "associated"}},
                    ],
                }
            ],
            "VpcPeeringConnections": [
                {
                    "VpcPeeringConnectionId": "pcx-1",
                    "Status": {"Code": "deleted"},
                    "RequesterVpcInfo": {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"},
                    "AccepterVpcInfo": {
                        "VpcId": "vpc-9",
                        "CidrBlockSet": [{"CidrBlock": "10.9.0.0/16"}, {"CidrBlock": "10.8.0.0/16"}],
                    },
                }
            ],
            "VpcEndpoints": [
                {
                    "VpcEndpointId": "vpce-1",
                    "VpcId": "vpc-1",
                    "ServiceName": "com.amazonaws.us-east-1.s3",
                    "VpcEndpointType": "Gateway",
                    "State": "Deleted",
                }
            ],
        }
    )
    assert topo.vpc("vpc-1").cidr_blocks == ("10.0.0.0/16", "10.2.0.0/16")
    assert topo.internet_gateway("igw-1").attached_vpc_ids == ("vpc-2",)
    rt = topo.route_table("rtb-1")
    assert rt.subnet_ids == ("subnet-2",) and rt.is_main
    pcx = topo.peering_connection("pcx-1")
    assert pcx.status == "deleted" and pcx.accepter_cidrs == ("10.8.0.0/16", "10.9.0.0/16")
    assert topo.vpc_endpoint("vpce-1").state == "deleted"


@pytest.mark.parametrize(
    "config, expected_vpc",
    [
        ({"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"], "VpcId": "vpc-123abc"}, "vpc-1"),
        ({"SubnetIds": ["subnet-x"], "SecurityGroupIds": ["sg-1"], "VpcId": "vpc-123abc"}, None),
        ({"SubnetIds": ["subnet-x"], "SecurityGroupIds": ["sg-1"], "VpcId": "vpc-2"}, "vpc-2"),
        ({"SubnetIds": [], "SecurityGroupIds": [], "VpcId": ""}, None),
        (None, None),
    ],
    ids=["from-subnet", "unknown-subnet", "known-vpc-id", "empty-config", "no-config"],
)
def test_function_vpc_is_derived_from_its_subnets(config, expected_vpc):
    topo = build_topology(
        {
            "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}, {"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16"}],
            "Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"}],
            "Functions": [{"FunctionName": "f", **({"VpcConfig": config} if config is not None else {})}],
        }
    )
    fn = topo.function("f")
    assert fn.vpc_id == expected_vpc
    assert fn.vpc_connected == bool(config and config["SubnetIds"])


def test_nat_gateway_address_is_the_primary_one_in_any_order():
    addresses = [
        {"PrivateIp": "10.0.0.9", "PublicIp": "198.51.100.9", "IsPrimary": False},
        {"PrivateIp": "10.0.0.5", "PublicIp": "198.51.100.5", "IsPrimary": True},
    ]
    for order in (addresses, addresses[::-1]):
        nat = build_topology(
            {
                "NatGateways": [
                    {
                        "NatGatewayId": "nat-1",
                        "SubnetId": "subnet-1",
                        "VpcId": "vpc-1",
                        "State": "available",
                        "NatGatewayAddresses": order,
                    }
                ]
            }
        ).nat_gateway("nat-1")
        assert (nat.private_ip, nat.public_ip) == ("10.0.0.5", "198.51.100.5")
