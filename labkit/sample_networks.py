"""The two sample networks of the AWS Lambda guide, declared once.

Each network is a list of :class:`Resource` — a CloudFormation logical id, type, Name tag and properties —
in an order where every resource comes after those it refers to. Two things are derived from it:

* the CloudFormation templates shipped in ``labkit/templates/`` (``lab.deploy("vpc-private")``), written by
  ``tools/make_templates.py`` with :func:`template_text`;
* the boto3 builders ``labkit.samples.build_private`` / ``build_private_public``, which walk the same list.

So both paths create the same resources with the same Name tags. Names are the stack's name (or the
builder's ``name``) followed by a suffix: ``NAME`` for the VPC, ``NAME-subnet-a``/``-b`` (``NAME-private-
subnet-a``/``-b`` and ``NAME-public-subnet`` in "private + public"), ``NAME-private`` and ``NAME-public`` for
the route tables, ``NAME-gateway`` for the internet gateway, ``NAME-nat`` for the NAT gateway and its Elastic
IP, ``NAME-s3`` and ``NAME-dynamodb`` for the gateway endpoints and ``NAME-function`` for the security group.

The guide's templates (templates/vpc-private.yaml and vpc-privatepublic.yaml in its repository) have the
same network; the Name tags of route tables, NAT gateway, Elastic IP and endpoints, and the security group
for functions, are labkit's additions.

Values that differ between the two paths are markers, resolved by each: :class:`Ref`, :class:`Att`,
:class:`Text` (the stack or network name), :class:`Block` (a /24 of the VPC range), :class:`Zone` (an
availability zone of the region), :class:`Service` (a gateway endpoint's service name) and ``VPC_RANGE``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

__all__ = [
    "TEMPLATE_CIDR",
    "Resource",
    "Network",
    "NETWORKS",
    "PRIVATE",
    "PRIVATE_PUBLIC",
    "Ref",
    "Att",
    "Text",
    "Block",
    "Zone",
    "Service",
    "VPC_RANGE",
    "template",
    "template_text",
    "subnet_block",
]

#: The VPC range of both templates.
TEMPLATE_CIDR = "172.31.0.0/16"


@dataclass(frozen=True)
class Ref:
    """The id of another resource of the network."""

    logical: str


@dataclass(frozen=True)
class Att:
    """An attribute of another resource (``Fn::GetAtt``), e.g. an Elastic IP's ``AllocationId``."""

    logical: str
    attribute: str


@dataclass(frozen=True)
class Text:
    """A text naming the network: ``{name}`` is the stack's (or the builder's) name."""

    pattern: str


@dataclass(frozen=True)
class Block:
    """The ``index``-th /24 of the VPC range (172.31.3.0/24 is index 3 of 172.31.0.0/16)."""

    index: int


@dataclass(frozen=True)
class Zone:
    """The ``index``-th availability zone of the region (0: the first)."""

    index: int


@dataclass(frozen=True)
class Service:
    """A gateway endpoint's service name, ``com.amazonaws.REGION.SERVICE``."""

    service: str


class _VpcRange:
    def __repr__(self) -> str:
        return "VPC_RANGE"


#: The VPC's range (TEMPLATE_CIDR in the templates; the builders' ``cidr``).
VPC_RANGE = _VpcRange()


@dataclass(frozen=True)
class Resource:
    """One resource: logical id, CloudFormation type, Name tag suffix (None: no Name tag), properties."""

    logical: str
    type: str
    name: str | None = None
    properties: dict = field(default_factory=dict)
    depends_on: str | None = None

    @property
    def name_pattern(self) -> str | None:
        """The Name tag as a pattern of ``{name}``, or None."""
        if self.name is None:
            return None
        return "{name}" if self.name == "" else "{name}-" + self.name


@dataclass(frozen=True)
class Output:
    key: str
    description: str
    logical: str
    export: str  # suffix of the export name after "STACK-"


@dataclass(frozen=True)
class Network:
    """One sample network: its template's bare name, resources, outputs, and the builders' ids keys."""

    template: str
    title: str
    about: tuple[str, ...]
    resources: tuple[Resource, ...]
    outputs: tuple[Output, ...]
    ids: dict  # builder ids key -> logical id, or a tuple of logical ids for a list

    def resource(self, logical: str) -> Resource:
        for resource in self.resources:
            if resource.logical == logical:
                return resource
        raise KeyError(f"{self.template} has no resource {logical!r}; it has {[r.logical for r in self.resources]}")


def subnet_block(vpc_cidr: str, index: int) -> str:
    """The ``index``-th /24 of ``vpc_cidr``.

    >>> subnet_block("172.31.0.0/16", 3), subnet_block("10.20.0.0/16", 2)
    ('172.31.3.0/24', '10.20.2.0/24')
    """
    return str(list(ipaddress.ip_network(vpc_cidr).subnets(new_prefix=24))[index])


def _endpoint_policy(service: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": [f"{service}:*"], "Resource": ["*"]}],
    }


def _network(template: str, title: str, about: tuple[str, ...], vpc: str, public: bool) -> Network:
    private_prefix = "private-subnet" if public else "subnet"
    resources = [
        Resource(vpc, "AWS::EC2::VPC", "", {"CidrBlock": VPC_RANGE}),
        Resource(
            "privateSubnet1",
            "AWS::EC2::Subnet",
            f"{private_prefix}-a",
            {"VpcId": Ref(vpc), "AvailabilityZone": Zone(0), "CidrBlock": Block(3), "MapPublicIpOnLaunch": False},
        ),
        Resource(
            "privateSubnet2",
            "AWS::EC2::Subnet",
            f"{private_prefix}-b",
            {"VpcId": Ref(vpc), "AvailabilityZone": Zone(1), "CidrBlock": Block(2), "MapPublicIpOnLaunch": False},
        ),
        Resource("privateRouteTable", "AWS::EC2::RouteTable", "private", {"VpcId": Ref(vpc)}),
        Resource(
            "privateSubnet1RouteTableAssociation",
            "AWS::EC2::SubnetRouteTableAssociation",
            None,
            {"SubnetId": Ref("privateSubnet1"), "RouteTableId": Ref("privateRouteTable")},
        ),
        Resource(
            "privateSubnet2RouteTableAssociation",
            "AWS::EC2::SubnetRouteTableAssociation",
            None,
            {"SubnetId": Ref("privateSubnet2"), "RouteTableId": Ref("privateRouteTable")},
        ),
    ]
    if public:
        resources += [
            Resource(
                "publicSubnet1",
                "AWS::EC2::Subnet",
                "public-subnet",
                {"VpcId": Ref(vpc), "AvailabilityZone": Zone(0), "CidrBlock": Block(0), "MapPublicIpOnLaunch": True},
            ),
            Resource("internetGateway", "AWS::EC2::InternetGateway", "gateway"),
            Resource(
                "gatewayToInternet",
                "AWS::EC2::VPCGatewayAttachment",
                None,
                {"VpcId": Ref(vpc), "InternetGatewayId": Ref("internetGateway")},
            ),
            Resource("publicRouteTable", "AWS::EC2::RouteTable", "public", {"VpcId": Ref(vpc)}),
            Resource(
                "publicRoute",
                "AWS::EC2::Route",
                None,
                {
                    "RouteTableId": Ref("publicRouteTable"),
                    "DestinationCidrBlock": "0.0.0.0/0",
                    "GatewayId": Ref("internetGateway"),
                },
                depends_on="gatewayToInternet",
            ),
            Resource(
                "publicSubnet1RouteTableAssociation",
                "AWS::EC2::SubnetRouteTableAssociation",
                None,
                {"SubnetId": Ref("publicSubnet1"), "RouteTableId": Ref("publicRouteTable")},
            ),
            Resource("natPublicIP", "AWS::EC2::EIP", "nat", {"Domain": "vpc"}, depends_on=vpc),
            Resource(
                "natGateway",
                "AWS::EC2::NatGateway",
                "nat",
                {"AllocationId": Att("natPublicIP", "AllocationId"), "SubnetId": Ref("publicSubnet1")},
                depends_on="natPublicIP",
            ),
            Resource(
                "privateRoute",
                "AWS::EC2::Route",
                None,
                {
                    "RouteTableId": Ref("privateRouteTable"),
                    "DestinationCidrBlock": "0.0.0.0/0",
                    "NatGatewayId": Ref("natGateway"),
                },
            ),
        ]
    for logical, service in (("s3Endpoint", "s3"), ("dynamoDBEndpoint", "dynamodb")):
        resources.append(
            Resource(
                logical,
                "AWS::EC2::VPCEndpoint",
                service,
                {
                    "VpcEndpointType": "Gateway",
                    "VpcId": Ref(vpc),
                    "ServiceName": Service(service),
                    "RouteTableIds": [Ref("privateRouteTable")],
                    "PolicyDocument": _endpoint_policy(service),
                },
            )
        )
    resources.append(
        Resource(
            "functionSecurityGroup",
            "AWS::EC2::SecurityGroup",
            "function",
            {"GroupDescription": Text("Lambda functions of the {name} sample network"), "VpcId": Ref(vpc)},
        )
    )

    outputs = [Output("privateVPCID", "VPC ID", vpc, "vpc")]
    if public:
        outputs.append(Output("publicSubnet1ID", "Public Subnet A ID", "publicSubnet1", "public-subnet-a"))
    outputs += [
        Output("privateSubnet1ID", "Private Subnet A ID", "privateSubnet1", f"{private_prefix}-a"),
        Output("privateSubnet2ID", "Private Subnet B ID", "privateSubnet2", f"{private_prefix}-b"),
    ]
    ids = {
        "vpc_id": vpc,
        "private_subnet_ids": ("privateSubnet1", "privateSubnet2"),
        "public_subnet_id": "publicSubnet1" if public else None,
        "private_route_table_id": "privateRouteTable",
        "public_route_table_id": "publicRouteTable" if public else None,
        "internet_gateway_id": "internetGateway" if public else None,
        "nat_gateway_id": "natGateway" if public else None,
        "elastic_ip_allocation_id": "natPublicIP" if public else None,
        "s3_endpoint_id": "s3Endpoint",
        "dynamodb_endpoint_id": "dynamoDBEndpoint",
        "security_group_id": "functionSecurityGroup",
    }
    return Network(template, title, about, tuple(resources), tuple(outputs), ids)


#: The guide's "private" network: two private subnets, one route table, S3 and DynamoDB gateway endpoints.
PRIVATE = _network(
    "vpc-private",
    'The "private" sample network of the AWS Lambda Developer Guide',
    (
        "a VPC with two private subnets in two availability zones, one route table, and gateway endpoints",
        "for Amazon S3 and Amazon DynamoDB. Functions here reach S3 and DynamoDB through the endpoints, and",
        "resources of the VPC over the local route; they have no internet access.",
    ),
    "privateVPC",
    public=False,
)

#: The guide's "private + public" network: PRIVATE plus a public subnet, internet gateway and NAT gateway.
PRIVATE_PUBLIC = _network(
    "vpc-privatepublic",
    'The "private + public" sample network of the AWS Lambda Developer Guide',
    (
        "a VPC with two private subnets, a public subnet whose route table sends 0.0.0.0/0 to an internet",
        "gateway, a NAT gateway (with an Elastic IP) in the public subnet, and 0.0.0.0/0 -> NAT gateway in the",
        "private subnets' route table, plus gateway endpoints for Amazon S3 and Amazon DynamoDB. Functions in",
        "the private subnets reach the internet through the NAT gateway.",
    ),
    "pubPrivateVPC",
    public=True,
)

#: Both networks by template name.
NETWORKS = {network.template: network for network in (PRIVATE, PRIVATE_PUBLIC)}


# ------------------------------------------------------------------------------------------ templates


def _cfn(value):
    """A property value as CloudFormation writes it (intrinsic functions in their long form)."""
    if isinstance(value, Ref):
        return {"Ref": value.logical}
    if isinstance(value, Att):
        return {"Fn::GetAtt": [value.logical, value.attribute]}
    if isinstance(value, Text):
        if value.pattern == "{name}":
            return {"Ref": "AWS::StackName"}
        return {"Fn::Sub": value.pattern.replace("{name}", "${AWS::StackName}")}
    if isinstance(value, Block):
        return subnet_block(TEMPLATE_CIDR, value.index)
    if isinstance(value, Zone):
        return {"Fn::Select": [value.index, {"Fn::GetAZs": ""}]}
    if isinstance(value, Service):
        return {"Fn::Sub": f"com.amazonaws.${{AWS::Region}}.{value.service}"}
    if value is VPC_RANGE:
        return TEMPLATE_CIDR
    if isinstance(value, dict):
        return {k: _cfn(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cfn(v) for v in value]
    return value


def template(network: Network) -> dict:
    """The CloudFormation template of ``network``, as a dict."""
    resources = {}
    for resource in network.resources:
        body: dict = {"Type": resource.type}
        if resource.depends_on:
            body["DependsOn"] = resource.depends_on
        properties = _cfn(resource.properties)
        if resource.name is not None:
            properties["Tags"] = [{"Key": "Name", "Value": _cfn(Text(resource.name_pattern or ""))}]
        if properties:
            body["Properties"] = properties
        resources[resource.logical] = body
    outputs = {
        o.key: {
            "Description": o.description,
            "Value": {"Ref": o.logical},
            "Export": {"Name": _cfn(Text("{name}-" + o.export))},
        }
        for o in network.outputs
    }
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources, "Outputs": outputs}


def template_text(network: Network) -> str:
    """The template file of ``network``: a comment saying what it is, then the template in YAML."""
    import yaml

    builder = "build_private_public" if network is PRIVATE_PUBLIC else "build_private"
    header = [
        f"{network.title} ({network.template}.yaml in the guide's",
        "repository): " + network.about[0],
        *network.about[1:],
        "",
        "The Name tags of route tables, NAT gateway, Elastic IP and endpoints, and the security group for",
        "functions, are labkit's additions, so this stack matches labkit.samples." + builder + ".",
        "",
        f'Deploy offline:   lab.deploy("{network.template}")',
        (
            f"Deploy on AWS:    aws cloudformation deploy --template-file {network.template}.yaml "
            f"--stack-name {network.template}"
        ),
    ]
    if any(r.type == "AWS::EC2::NatGateway" for r in network.resources):
        header.append("                  (a NAT gateway is billed by the hour: delete the stack when you are done)")
    header += ["", "Generated from labkit/sample_networks.py by tools/make_templates.py: edit that file, not this one."]
    body = yaml.safe_dump(template(network), sort_keys=False, default_flow_style=False, width=120)
    return "".join(f"# {line}".rstrip() + "\n" for line in header) + body
