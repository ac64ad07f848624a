"""The guide's two sample networks and the sample function, built into a moto account and read back."""

from __future__ import annotations

import io
import ipaddress
import json
import zipfile
from pathlib import Path

import pytest

from labkit import sample_networks, samples
from labkit.vpc.model import Topology


def _routes(topo: Topology, rtb_id: str) -> dict:
    return {r.destination: r for r in topo.route_table(rtb_id).routes}


def _check_private_part(topo: Topology, ids: dict, cidr: str) -> None:
    """What both samples share: the VPC, two private subnets, their route table, the gateway endpoints."""
    vpc = topo.vpc(ids["vpc_id"])
    assert vpc.cidr_blocks == (cidr,) and vpc.instance_tenancy == "default"
    base = ipaddress.ip_network(cidr)
    a, b = (topo.subnet(s) for s in ids["private_subnet_ids"])
    assert (a.network, b.network) == (list(base.subnets(new_prefix=24))[3], list(base.subnets(new_prefix=24))[2])
    assert a.availability_zone != b.availability_zone and not a.map_public_ip_on_launch
    for subnet in (a, b):
        assert topo.route_table_for(subnet.id).id == ids["private_route_table_id"]
    routes = _routes(topo, ids["private_route_table_id"])
    assert (routes[cidr].target_kind, routes[cidr].target_id) == ("local", "local")
    for service in ("s3", "dynamodb"):
        endpoint = topo.vpc_endpoint(ids[f"{service}_endpoint_id"])
        assert (endpoint.vpc_id, endpoint.service, endpoint.endpoint_type) == (vpc.id, service, "Gateway")
        assert endpoint.route_table_ids == (ids["private_route_table_id"],)
        prefix_list = topo.prefix_list_for_service(service)
        assert (routes[prefix_list.id].target_kind, routes[prefix_list.id].target_id) == ("vpce", endpoint.id)
    group = topo.security_group(ids["security_group_id"])
    assert group.vpc_id == vpc.id and group.ingress == ()
    assert [(r.protocol, r.cidr) for r in group.egress] == [("-1", "0.0.0.0/0")]


def test_private_network_follows_the_template(session):
    ids = samples.build_private(session)
    topo = Topology.from_boto3(session)

    _check_private_part(topo, ids, samples.TEMPLATE_CIDR)
    assert [topo.subnet(s).name for s in ids["private_subnet_ids"]] == ["sample-subnet-a", "sample-subnet-b"]
    assert topo.vpc(ids["vpc_id"]).name == "sample"
    # private: no way out to the internet anywhere in the VPC
    assert set(_routes(topo, ids["private_route_table_id"])) == {
        samples.TEMPLATE_CIDR,
        topo.prefix_list_for_service("s3").id,
        topo.prefix_list_for_service("dynamodb").id,
    }
    assert not any(ids["vpc_id"] in g.attached_vpc_ids for g in topo.internet_gateways)
    assert not any(n.vpc_id == ids["vpc_id"] for n in topo.nat_gateways)
    assert len(topo.subnets_of(ids["vpc_id"])) == 2
    for key in (
        "public_subnet_id",
        "public_route_table_id",
        "internet_gateway_id",
        "nat_gateway_id",
        "elastic_ip_allocation_id",
    ):
        assert ids[key] is None


def test_private_public_network_follows_the_template(session):
    ids = samples.build_private_public(session, name="lesson")
    topo = Topology.from_boto3(session)

    _check_private_part(topo, ids, samples.TEMPLATE_CIDR)
    assert [topo.subnet(s).name for s in ids["private_subnet_ids"]] == [
        "lesson-private-subnet-a",
        "lesson-private-subnet-b",
    ]

    public = topo.subnet(ids["public_subnet_id"])
    assert public.cidr == "172.31.0.0/24" and public.map_public_ip_on_launch and public.name == "lesson-public-subnet"
    assert public.availability_zone == topo.subnet(ids["private_subnet_ids"][0]).availability_zone
    assert topo.route_table_for(public.id).id == ids["public_route_table_id"]
    out = _routes(topo, ids["public_route_table_id"])["0.0.0.0/0"]
    assert (out.target_kind, out.target_id) == ("igw", ids["internet_gateway_id"])
    assert topo.internet_gateway(ids["internet_gateway_id"]).attached_vpc_ids == (ids["vpc_id"],)

    nat = topo.nat_gateway(ids["nat_gateway_id"])
    assert (nat.subnet_id, nat.vpc_id, nat.state, nat.connectivity_type) == (
        public.id,
        ids["vpc_id"],
        "available",
        "public",
    )
    address = session.client("ec2").describe_addresses(AllocationIds=[ids["elastic_ip_allocation_id"]])["Addresses"][0]
    assert nat.public_ip == address["PublicIp"]
    private_out = _routes(topo, ids["private_route_table_id"])["0.0.0.0/0"]
    assert (private_out.target_kind, private_out.target_id) == ("nat", nat.id)
    assert len(topo.subnets_of(ids["vpc_id"])) == 3


def test_cidr_moves_the_whole_network(session):
    ids = samples.build_private_public(session, name="moved", cidr="10.20.0.0/16")
    topo = Topology.from_boto3(session)
    _check_private_part(topo, ids, "10.20.0.0/16")
    assert topo.subnet(ids["public_subnet_id"]).cidr == "10.20.0.0/24"


@pytest.mark.parametrize("cidr", ["10.0.0.0/24", "fd00::/48", "not a cidr"], ids=["too-small", "ipv6", "garbage"])
def test_bad_cidr_is_refused_before_anything_is_created(session, cidr):
    ec2 = session.client("ec2")
    before = len(ec2.describe_vpcs()["Vpcs"])
    with pytest.raises(ValueError):
        samples.build_private(session, cidr=cidr)
    assert len(ec2.describe_vpcs()["Vpcs"]) == before


def test_two_samples_live_side_by_side(session):
    first = samples.build_private(session, name="one", cidr="10.1.0.0/16")
    second = samples.build_private_public(session, name="two", cidr="10.2.0.0/16")
    topo = Topology.from_boto3(session)
    assert first["vpc_id"] != second["vpc_id"]
    assert {topo.vpc(first["vpc_id"]).name, topo.vpc(second["vpc_id"]).name} == {"one", "two"}
    _check_private_part(topo, first, "10.1.0.0/16")
    _check_private_part(topo, second, "10.2.0.0/16")


# ---------------------------------------------------------------------------------------- functions


def test_function_in_the_private_subnets(session):
    ids = samples.build_private_public(session)
    arn = samples.create_function(session, "reader", ids["private_subnet_ids"], [ids["security_group_id"]])
    fn = Topology.from_boto3(session).function("reader")
    assert fn.arn == arn and arn.endswith(":function:reader")
    assert fn.vpc_id == ids["vpc_id"]
    assert fn.subnet_ids == tuple(sorted(ids["private_subnet_ids"]))
    assert fn.security_group_ids == (ids["security_group_id"],)
    config = session.client("lambda").get_function_configuration(FunctionName="reader")
    assert config["Handler"] == "index.handler" and config["Runtime"].startswith("python3")


def test_function_without_vpc(session):
    samples.create_function(session, "plain")
    fn = Topology.from_boto3(session).function("plain")
    assert not fn.vpc_connected and fn.vpc_id is None


def test_execution_role_is_created_once_with_vpc_access_rights(session):
    samples.create_function(session, "one")
    samples.create_function(session, "two")
    iam = session.client("iam")
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert roles.count("labkit-lambda-vpc-role") == 1
    role = iam.get_role(RoleName="labkit-lambda-vpc-role")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]]
    inline = [
        iam.get_role_policy(RoleName=role["RoleName"], PolicyName=n)["PolicyDocument"]
        for n in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
    ]
    actions = {a for doc in inline for s in doc["Statement"] for a in s["Action"]}
    assert (
        any(a.endswith("/AWSLambdaVPCAccessExecutionRole") for a in attached)
        or {"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"} <= actions
    )
    for name in ("one", "two"):
        assert session.client("lambda").get_function(FunctionName=name)["Configuration"]["Role"] == role["Arn"]


def test_existing_role_is_reused(session):
    iam = session.client("iam")
    arn = iam.create_role(
        RoleName="mine", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    samples.create_function(session, "f", role_name="mine")
    assert session.client("lambda").get_function(FunctionName="f")["Configuration"]["Role"] == arn
    assert iam.list_attached_role_policies(RoleName="mine")["AttachedPolicies"] == []


@pytest.mark.parametrize("subnets, groups", [(["subnet-1"], []), ([], ["sg-1"])], ids=["subnets-only", "groups-only"])
def test_half_a_vpc_config_is_refused_before_lambda_sees_it(session, subnets, groups):
    with pytest.raises(samples.VpcConfigError, match="subnets and security groups") as caught:
        samples.create_function(session, "half", subnets, groups)
    assert isinstance(caught.value, ValueError)
    assert session.client("lambda").list_functions()["Functions"] == []


def test_deployment_package_holds_the_handler():
    code = "def handler(event, context):\n    return event['n'] * 2\n"
    with zipfile.ZipFile(io.BytesIO(samples.handler_zip(code, "index.py"))) as archive:
        assert archive.namelist() == ["index.py"]
        assert archive.read("index.py").decode() == code


def test_default_handler_answers():
    namespace: dict = {}
    exec(compile(samples.DEFAULT_HANDLER, "index.py", "exec"), namespace)
    answer = namespace["handler"]({}, None)
    assert answer["statusCode"] == 200 and json.loads(answer["body"])


# ---------------------------------------------------------------------------------------- one declaration


def _by_name(ec2, vpc_id: str) -> set:
    """A network as (kind, Name tag, what it is) facts, ids replaced by Name tags: comparable across accounts."""

    def name(item) -> str:
        return next((t["Value"] for t in item.get("Tags") or () if t["Key"] == "Name"), "")

    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    names: dict = {}
    facts: set = set()
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    names[vpc_id] = name(vpc)
    facts.add(("vpc", name(vpc), vpc["CidrBlock"], vpc["InstanceTenancy"]))
    zones = sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"])
    for s in ec2.describe_subnets(Filters=in_vpc)["Subnets"]:
        names[s["SubnetId"]] = name(s)
        facts.add(("subnet", name(s), s["CidrBlock"], zones.index(s["AvailabilityZone"]), s["MapPublicIpOnLaunch"]))
    for g in ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
        "InternetGateways"
    ]:
        names[g["InternetGatewayId"]] = name(g)
        facts.add(("internet-gateway", name(g), tuple(names[a["VpcId"]] for a in g["Attachments"])))
    addresses = {a["AllocationId"]: a for a in ec2.describe_addresses()["Addresses"]}
    for n in ec2.describe_nat_gateways(Filters=in_vpc)["NatGateways"]:
        names[n["NatGatewayId"]] = name(n)
        allocation = addresses[n["NatGatewayAddresses"][0]["AllocationId"]]
        facts.add(("nat-gateway", name(n), names[n["SubnetId"]], n["State"]))
        facts.add(
            (
                "elastic-ip",
                name(allocation),
                allocation["Domain"],
                allocation["PublicIp"] == n["NatGatewayAddresses"][0]["PublicIp"],
            )
        )
    prefix_lists = {
        p["PrefixListId"]: p["PrefixListName"].rsplit(".", 1)[1] for p in ec2.describe_prefix_lists()["PrefixLists"]
    }
    endpoints = ec2.describe_vpc_endpoints(Filters=in_vpc)["VpcEndpoints"]
    for e in endpoints:
        names[e["VpcEndpointId"]] = name(e)
    tables = ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]
    for t in tables:
        names[t["RouteTableId"]] = name(t)
    for t in tables:
        routes = set()
        for r in t["Routes"]:
            destination = r.get("DestinationCidrBlock") or prefix_lists[r["DestinationPrefixListId"]]
            target = next(r[k] for k in ("GatewayId", "NatGatewayId") if r.get(k))
            routes.add((destination, names.get(target, target)))
        main = any(a.get("Main") for a in t["Associations"])
        subnets = tuple(sorted(names[a["SubnetId"]] for a in t["Associations"] if a.get("SubnetId")))
        facts.add(("route-table", name(t), main, subnets, tuple(sorted(routes))))
    for e in endpoints:
        policy = json.loads(e["PolicyDocument"])
        facts.add(
            (
                "vpc-endpoint",
                name(e),
                e["ServiceName"].rsplit(".", 1)[1],
                e["VpcEndpointType"],
                tuple(sorted(names[t] for t in e["RouteTableIds"])),
                json.dumps(policy, sort_keys=True),
            )
        )
    for g in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]:
        if g["GroupName"] != "default":
            facts.add(
                (
                    "security-group",
                    name(g),
                    g["Description"],
                    json.dumps(g["IpPermissions"]),
                    json.dumps(
                        [
                            {k: v for k, v in p.items() if k != "UserIdGroupPairs" or v}
                            for p in g["IpPermissionsEgress"]
                        ],
                        sort_keys=True,
                    ),
                )
            )
    return facts


@pytest.mark.parametrize(
    "template, build", [("vpc-private", samples.build_private), ("vpc-privatepublic", samples.build_private_public)]
)
def test_the_template_and_the_builder_make_the_same_network(template, build):
    import labkit as lk

    with lk.Lab() as deployed, lk.Lab() as built:
        stack = deployed.deploy(template, name="net")
        vpc_id = stack.outputs["privateVPCID"]
        ids = build(built.session, name="net")
        from_template = _by_name(deployed.client("ec2"), vpc_id)
        from_builder = _by_name(built.client("ec2"), ids["vpc_id"])
    assert from_template == from_builder, (sorted(from_template - from_builder), sorted(from_builder - from_template))
    kinds = [fact[0] for fact in from_builder]
    public = template == "vpc-privatepublic"
    assert (kinds.count("subnet"), kinds.count("route-table"), kinds.count("vpc-endpoint")) == (
        3 if public else 2,
        3 if public else 2,
        2,
    )
    assert (kinds.count("nat-gateway"), kinds.count("elastic-ip"), kinds.count("internet-gateway")) == (
        (1, 1, 1) if public else (0, 0, 0)
    )
    # every resource the declaration names carries its Name tag (the main route table is AWS's own)
    named = {fact[1] for fact in from_builder if fact[0] != "route-table" or not fact[2]}
    assert "" not in named
    network = sample_networks.NETWORKS[template]
    assert named == {r.name_pattern.format(name="net") for r in network.resources if r.name is not None}


@pytest.mark.parametrize("network", list(sample_networks.NETWORKS.values()), ids=list(sample_networks.NETWORKS))
def test_committed_templates_are_generated_from_the_declaration(network):
    path = Path(samples.__file__).parent / "templates" / f"{network.template}.yaml"
    assert path.read_text(encoding="utf-8") == sample_networks.template_text(network), (
        f"{path.name} is stale: run `python tools/make_templates.py`"
    )


def test_templates_keep_the_interface_lessons_use():
    """Outputs and logical ids that lessons and exercises read from ``lab.deploy(...)``."""
    from labkit.awslambda.cfn_templates import load_template

    for template, extra_outputs, extra_resources in (
        ("vpc-private", set(), {"privateVPC"}),
        (
            "vpc-privatepublic",
            {"publicSubnet1ID"},
            {"pubPrivateVPC", "publicSubnet1", "publicRouteTable", "internetGateway", "natGateway"},
        ),
    ):
        body, default_name = load_template(template)
        assert default_name == template and "Parameters" not in body
        assert set(body["Outputs"]) == {"privateVPCID", "privateSubnet1ID", "privateSubnet2ID"} | extra_outputs
        assert {
            "privateSubnet1",
            "privateSubnet2",
            "privateRouteTable",
            "privateSubnet1RouteTableAssociation",
            "privateSubnet2RouteTableAssociation",
            "s3Endpoint",
            "dynamoDBEndpoint",
        } | extra_resources <= set(body["Resources"])


def test_make_templates_check_finds_a_stale_template(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_templates", Path(__file__).parent.parent / "tools" / "make_templates.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(["--check"]) == 0
    for name, network in sample_networks.NETWORKS.items():
        (tmp_path / f"{name}.yaml").write_text(sample_networks.template_text(network), encoding="utf-8")
    monkeypatch.setattr(tool, "TEMPLATE_DIR", tmp_path)
    assert tool.main(["--check"]) == 0
    (tmp_path / "vpc-private.yaml").write_text("# edited by hand\n", encoding="utf-8")
    assert tool.main(["--check"]) == 1 and tool.stale() == [tmp_path / "vpc-private.yaml"]
