"""EC2 behaviour the lab adds to moto: gateway endpoint routes follow ModifyVpcEndpoint / DeleteVpcEndpoints,
PrivateDnsEnabled can be changed, and every VPC's default security group admits traffic from itself."""

from __future__ import annotations

import pytest

import labkit as lk
from labkit import samples


@pytest.fixture(scope="module")
def lab():
    with lk.Lab() as lab:
        yield lab


def default_group(ec2, vpc_id):
    (group,) = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return group


def has_self_rule(group) -> bool:
    return any(
        p["IpProtocol"] == "-1" and [g["GroupId"] for g in p.get("UserIdGroupPairs", [])] == [group["GroupId"]]
        for p in group["IpPermissions"]
    )


def endpoint_routes(ec2, table_id, endpoint_id):
    (table,) = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"]
    return [r for r in table["Routes"] if r.get("GatewayId") == endpoint_id]


@pytest.fixture(scope="module")
def private_net(lab):
    """A VPC with a private subnet (its own route table, no internet route) and a function in it."""
    ec2 = lab.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    group = default_group(ec2, vpc)["GroupId"]
    samples.create_function(lab.session, "private-fn", [subnet], [group])
    lab.advance(lab.timings.eni_create)
    return {"vpc": vpc, "subnet": subnet, "table": table, "group": group}


def test_adding_and_removing_a_route_table_adds_and_removes_the_endpoint_route(lab, private_net):
    ec2 = lab.client("ec2")
    endpoint = ec2.create_vpc_endpoint(
        VpcId=private_net["vpc"], ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway"
    )["VpcEndpoint"]["VpcEndpointId"]
    blocked = lk.trace(lab.topology(), "private-fn", "s3")
    assert not blocked.reachable and blocked.blocked_by.code.value in ("NO_ROUTE", "NO_ENDPOINT_ACCESS")

    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, AddRouteTableIds=[private_net["table"]])
    (route,) = endpoint_routes(ec2, private_net["table"], endpoint)
    assert route["DestinationPrefixListId"].startswith("pl-")
    trace = lk.trace(lab.topology(), "private-fn", "s3")
    assert trace.reachable and {p.via for p in trace.paths} == {"gateway-endpoint"}

    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, RemoveRouteTableIds=[private_net["table"]])
    assert endpoint_routes(ec2, private_net["table"], endpoint) == []
    again = lk.trace(lab.topology(), "private-fn", "s3")
    assert not again.reachable and again.blocked_by.code.value in ("NO_ROUTE", "NO_ENDPOINT_ACCESS")
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])


def test_deleting_a_gateway_endpoint_removes_its_routes(lab, private_net):
    ec2 = lab.client("ec2")
    endpoint = ec2.create_vpc_endpoint(
        VpcId=private_net["vpc"], ServiceName="com.amazonaws.us-east-1.dynamodb", RouteTableIds=[private_net["table"]]
    )["VpcEndpoint"]["VpcEndpointId"]
    assert lk.trace(lab.topology(), "private-fn", "dynamodb").reachable
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])
    assert endpoint_routes(ec2, private_net["table"], endpoint) == []
    assert not lk.trace(lab.topology(), "private-fn", "dynamodb").reachable


def test_an_unknown_route_table_is_refused(lab, private_net):
    ec2 = lab.client("ec2")
    endpoint = ec2.create_vpc_endpoint(
        VpcId=private_net["vpc"], ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway"
    )["VpcEndpoint"]["VpcEndpointId"]
    with pytest.raises(ec2.exceptions.ClientError) as e:
        ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, AddRouteTableIds=["rtb-0123456789abcdef0"])
    assert e.value.response["Error"]["Code"] == "InvalidRouteTableID.NotFound"
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])


def test_private_dns_of_an_interface_endpoint_can_be_toggled(lab, private_net):
    ec2 = lab.client("ec2")
    endpoint = ec2.create_vpc_endpoint(
        VpcId=private_net["vpc"],
        ServiceName="com.amazonaws.us-east-1.sqs",
        VpcEndpointType="Interface",
        SubnetIds=[private_net["subnet"]],
        SecurityGroupIds=[private_net["group"]],
        PrivateDnsEnabled=False,
    )["VpcEndpoint"]["VpcEndpointId"]

    def private_dns():
        return ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"][0]["PrivateDnsEnabled"]

    assert private_dns() is False
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, PrivateDnsEnabled=True)
    assert private_dns() is True
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint, PrivateDnsEnabled=False)
    assert private_dns() is False
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])


def test_the_templates_endpoints_are_gateway_endpoints_and_can_be_deleted(lab):
    stack = lab.deploy("vpc-privatepublic", name="endpoints")
    ec2 = lab.client("ec2")
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [stack.outputs["privateVPCID"]]}])[
        "VpcEndpoints"
    ]
    assert {e["VpcEndpointType"] for e in endpoints} == {"Gateway"} and len(endpoints) == 2
    table = stack.resources["privateRouteTable"]
    ec2.delete_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"] for e in endpoints])
    for e in endpoints:
        assert endpoint_routes(ec2, table, e["VpcEndpointId"]) == []


def test_every_vpcs_default_group_admits_traffic_from_itself(lab):
    ec2 = lab.client("ec2")
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    new_vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    deployed = lab.deploy("vpc-private", name="private-defaults").outputs
    deployed_vpc = next(v for k, v in deployed.items() if k.endswith("VPCID") or v.startswith("vpc-"))
    for vpc in (default_vpc, new_vpc, deployed_vpc):
        group = default_group(ec2, vpc)
        assert has_self_rule(group), (vpc, group["IpPermissions"])
        assert [p["IpRanges"] for p in group["IpPermissionsEgress"]] == [[{"CidrIp": "0.0.0.0/0"}]]


def test_a_database_in_the_default_group_is_reachable_from_a_function_in_it():
    with lk.Lab() as lab:
        ec2 = lab.client("ec2")
        subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
        group = default_group(ec2, subnet["VpcId"])["GroupId"]
        db = ec2.create_network_interface(SubnetId=subnet["SubnetId"], Groups=[group], Description="database")[
            "NetworkInterface"
        ]
        samples.create_function(lab.session, "app", [subnet["SubnetId"]], [group])
        lab.advance(lab.timings.eni_create)
        trace = lk.trace(lab.topology(), "app", f"{db['PrivateIpAddress']}:5432")
        assert trace.reachable, trace.summary()


def test_the_lab_makes_no_ec2_call_at_start():
    from labkit.awslambda import mock

    with lk.Lab() as lab:
        from moto.ec2.models import ec2_backends

        assert not dict.__contains__(ec2_backends, lab.account_id)
        assert lab.control_plane._default_rules == set()  # noqa: SLF001
        lab.client("ec2").describe_vpcs()
        assert len(lab.control_plane._default_rules) == len(mock.vpc_ids(lab.account_id, lab.region)) == 1  # noqa: SLF001
