"""``lab.deploy``: the guide's two sample networks, and what moto's CloudFormation leaves out, filled in."""

from __future__ import annotations

import json

import pytest

import labkit as lk
from labkit import samples
from labkit.errors import DeployError, TemplateError


@pytest.fixture(scope="module")
def lab():
    with lk.Lab() as lab:
        yield lab


def default_group(lab, vpc_id):
    return lab.client("ec2").describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]


def route_table_of(lab, subnet_id):
    tables = lab.client("ec2").describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
    )["RouteTables"]
    return tables[0]["RouteTableId"] if tables else None


@pytest.fixture(scope="module")
def pubpriv(lab):
    stack = lab.deploy("vpc-privatepublic", name="pubpriv")
    out = stack.outputs
    private = [out["privateSubnet1ID"], out["privateSubnet2ID"]]
    samples.create_function(lab.session, "behind-nat", private, [default_group(lab, out["privateVPCID"])])
    samples.create_function(
        lab.session, "in-public", [out["publicSubnet1ID"]], [default_group(lab, out["privateVPCID"])]
    )
    lab.advance(lab.timings.eni_create)
    return stack


def test_the_private_public_stack_has_the_templates_outputs_and_resources(pubpriv):
    assert set(pubpriv.outputs) == {"privateVPCID", "publicSubnet1ID", "privateSubnet1ID", "privateSubnet2ID"}
    assert pubpriv.resource_types["natGateway"] == "AWS::EC2::NatGateway"
    assert pubpriv.resources["pubPrivateVPC"] == pubpriv.outputs["privateVPCID"]
    assert pubpriv.resources["privateSubnet1RouteTableAssociation"].startswith("rtbassoc-")
    assert pubpriv.name == "pubpriv" and "natGateway" in str(pubpriv)


def test_route_table_associations_and_public_ips_match_the_template(lab, pubpriv):
    out, res = pubpriv.outputs, pubpriv.resources
    assert route_table_of(lab, out["privateSubnet1ID"]) == res["privateRouteTable"]
    assert route_table_of(lab, out["privateSubnet2ID"]) == res["privateRouteTable"]
    assert route_table_of(lab, out["publicSubnet1ID"]) == res["publicRouteTable"]
    subnets = {
        s["SubnetId"]: s for s in lab.client("ec2").describe_subnets(SubnetIds=list(out.values())[1:])["Subnets"]
    }
    assert subnets[out["publicSubnet1ID"]]["MapPublicIpOnLaunch"] is True
    assert subnets[out["privateSubnet1ID"]]["MapPublicIpOnLaunch"] is False


def test_a_function_in_the_private_subnets_reaches_the_internet_via_nat_and_s3_via_the_endpoint(lab, pubpriv):
    topo = lab.topology()
    internet = lk.trace(topo, "behind-nat", "internet")
    assert internet.reachable
    assert all(
        any(h.kind == "nat-gateway" and h.resource_id == pubpriv.resources["natGateway"] for h in p.hops)
        for p in internet.paths
    )
    s3 = lk.trace(topo, "behind-nat", "s3")
    assert s3.reachable
    assert all(any(h.resource_id == pubpriv.resources["s3Endpoint"] for h in p.hops) for p in s3.paths)
    public = lk.trace(topo, "in-public", "internet")  # a public subnet gives a function no public IP
    assert not public.reachable and public.paths[0].blocked_by.code.value == "NO_PUBLIC_IP"


def test_the_private_stack_reaches_s3_and_dynamodb_but_not_the_internet(lab):
    stack = lab.deploy("vpc-private", name="private-only")
    out = stack.outputs
    assert set(out) == {"privateVPCID", "privateSubnet1ID", "privateSubnet2ID"}
    samples.create_function(
        lab.session,
        "private-only-fn",
        [out["privateSubnet1ID"], out["privateSubnet2ID"]],
        [default_group(lab, out["privateVPCID"])],
    )
    topo = lab.topology()
    assert lk.trace(topo, "private-only-fn", "s3").reachable
    assert lk.trace(topo, "private-only-fn", "dynamodb").reachable
    internet = lk.trace(topo, "private-only-fn", "internet")
    assert not internet.reachable and internet.paths[0].blocked_by.code.value == "NO_ROUTE"


GAPS = """
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Cidr:
    Type: String
    Default: 10.9.0.0/16
  SubnetCidr:
    Type: String
    Default: 10.9.1.0/24
Resources:
  vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref Cidr
  subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref vpc
      CidrBlock: !Ref SubnetCidr
  group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: functions
      VpcId: !Ref vpc
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
  databaseEgress:
    Type: AWS::EC2::SecurityGroupEgress
    Properties:
      GroupId: !GetAtt group.GroupId
      IpProtocol: tcp
      FromPort: 5432
      ToPort: 5432
      CidrIp: !Ref Cidr
  acl:
    Type: AWS::EC2::NetworkAcl
    Properties:
      VpcId: !Ref vpc
      Tags: [{Key: Name, Value: strict}]
  httpsOut:
    Type: AWS::EC2::NetworkAclEntry
    Properties:
      NetworkAclId: !Ref acl
      RuleNumber: 100
      Protocol: 6
      RuleAction: allow
      Egress: true
      CidrBlock: 0.0.0.0/0
      PortRange: {From: 443, To: 443}
  aclOnSubnet:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties:
      SubnetId: !Ref subnet
      NetworkAclId: !Ref acl
Outputs:
  Acl:
    Value: !Ref acl
  Subnet:
    Value: !Ref subnet
"""


def test_security_group_egress_and_network_acl_resources_are_created(lab):
    stack = lab.deploy(GAPS, parameters={"Cidr": "10.33.0.0/16", "SubnetCidr": "10.33.1.0/24"}, name="gaps")
    ec2 = lab.client("ec2")
    acl_id = stack.outputs["Acl"]
    assert acl_id.startswith("acl-") and stack.resources["acl"] == acl_id
    (acl,) = ec2.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"]
    assert [
        (e["RuleNumber"], e["Egress"], e["RuleAction"], e["PortRange"])
        for e in acl["Entries"]
        if e["RuleNumber"] == 100
    ] == [(100, True, "allow", {"From": 443, "To": 443})]
    assert [a["SubnetId"] for a in acl["Associations"]] == [stack.outputs["Subnet"]]
    assert {"Key": "Name", "Value": "strict"} in acl["Tags"]
    (group,) = ec2.describe_security_groups(GroupIds=[stack.resources["group"]])["SecurityGroups"]
    ports = sorted((p.get("FromPort"), p["IpRanges"][0]["CidrIp"]) for p in group["IpPermissionsEgress"])
    assert ports == [(443, "0.0.0.0/0"), (5432, "10.33.0.0/16")]
    described = lab.client("cloudformation").describe_stacks(StackName="gaps")["Stacks"][0]
    assert {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]} == stack.outputs
    topo = lab.topology()
    assert topo.network_acl_for(stack.outputs["Subnet"]).id == acl_id


FUNCTION = {
    "Resources": {
        "role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"],
            },
        },
        "fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": "from-template",
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Role": {"Fn::GetAtt": ["role", "Arn"]},
                "Code": {"ZipFile": "def handler(event, context):\n    return 1\n"},
                "VpcConfig": {"SubnetIds": [{"Ref": "SubnetId"}], "SecurityGroupIds": [{"Ref": "GroupId"}]},
            },
        },
    },
    "Parameters": {"SubnetId": {"Type": "String"}, "GroupId": {"Type": "String"}},
}


def test_a_function_in_a_template_is_active_when_the_stack_is_done(lab, pubpriv):
    subnet = pubpriv.outputs["privateSubnet1ID"]
    group = lab.client("ec2").create_security_group(
        VpcId=pubpriv.outputs["privateVPCID"], GroupName="template-fn", Description="x"
    )["GroupId"]
    before = lab.clock.elapsed
    lab.deploy(json.dumps(FUNCTION), parameters={"SubnetId": subnet, "GroupId": group}, name="with-function")
    configuration = lab.client("lambda").get_function_configuration(FunctionName="from-template")
    assert configuration["State"] == "Active"
    assert lab.clock.elapsed - before == lab.timings.eni_create  # CloudFormation waited for the new ENI


def test_a_template_function_with_a_bad_vpc_config_rolls_the_stack_back(lab):
    with pytest.raises(DeployError, match="InvalidSubnetID.NotFound"):
        lab.deploy(
            json.dumps(FUNCTION),
            parameters={"SubnetId": "subnet-0000000000000dead", "GroupId": "sg-1"},
            name="bad-function",
        )
    stacks = lab.client("cloudformation").list_stacks()["StackSummaries"]
    assert all(s["StackStatus"] == "DELETE_COMPLETE" for s in stacks if s["StackName"] == "bad-function")


@pytest.mark.parametrize(
    "template, error, says",
    [
        pytest.param("vpc-privatepublik", TemplateError, "Did you mean vpc-privatepublic", id="misspelt-name"),
        pytest.param("Resources:\n  a: [unclosed\n", TemplateError, "not valid YAML", id="bad-yaml"),
        pytest.param('{"Resources": {', TemplateError, "not valid JSON", id="bad-json"),
        pytest.param("AWSTemplateFormatVersion: 2010-09-09\nOutputs: {}\n", TemplateError, "no Resources", id="empty"),
        pytest.param(42, TemplateError, "must be a path", id="not-text"),
    ],
)
def test_templates_the_lab_cant_read(lab, template, error, says):
    with pytest.raises(error, match=says):
        lab.deploy(template)


def test_a_template_from_a_path_and_a_taken_stack_name(lab, tmp_path):
    path = tmp_path / "tiny.json"
    path.write_text(
        json.dumps({"Resources": {"v": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.8.0.0/16"}}}})
    )
    stack = lab.deploy(str(path))
    assert stack.name == "tiny" and stack.resources["v"].startswith("vpc-")
    with pytest.raises(DeployError, match="name='"):
        lab.deploy(path)
