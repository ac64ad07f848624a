"""The two sample networks of the AWS Lambda guide, and a Lambda function to put in them.

Each builder makes plain boto3 calls into the session it is given (the offline lab's, or a real
account's: they create real, billable resources there, a NAT gateway in particular) and returns the ids
it created, so a lesson can go on with ordinary boto3 code.

``build_private`` — the guide's ``vpc-private.yaml``:

* a VPC 172.31.0.0/16 (default tenancy), named after ``name``;
* two private subnets, 172.31.3.0/24 in the region's first availability zone (``NAME-subnet-a``) and
  172.31.2.0/24 in the second (``NAME-subnet-b``), no public IPs on launch;
* one route table (``NAME-private``) associated with both subnets: only the local route, plus
* S3 and DynamoDB gateway endpoints on that route table (prefix-list routes to ``vpce-…``).

``build_private_public`` — the guide's ``vpc-privatepublic.yaml``: the same, plus

* a public subnet 172.31.0.0/24 in the first availability zone (``NAME-public-subnet``, public IPs on
  launch) with its own route table (``NAME-public``): 0.0.0.0/0 → an internet gateway attached to the VPC;
* a NAT gateway (with an Elastic IP) in the public subnet, and 0.0.0.0/0 → NAT gateway in the private
  route table. The private subnets are then named ``NAME-private-subnet-a`` / ``-b``.

Both also create a security group ``NAME-function`` for the function (AWS's default rules: all outbound
traffic allowed, no inbound). ``cidr`` moves the whole network to another range of /16 to /22 (the subnets
are the same /24s counted from its start: the 4th, 3rd and 1st), e.g. to avoid overlapping the default VPC,
which also uses 172.31.0.0/16.

The networks are declared once, in :mod:`labkit.sample_networks`: the builders walk that declaration, and
the templates ``lab.deploy("vpc-private" | "vpc-privatepublic")`` reads are generated from it, so both
create the same resources with the same Name tags (route tables ``NAME-private``/``NAME-public``, NAT
gateway and Elastic IP ``NAME-nat``, endpoints ``NAME-s3``/``NAME-dynamodb`` too).

``create_function`` creates a Python function, optionally connected to subnets and security groups.
"""

from __future__ import annotations

import io
import ipaddress
import json
import time
import zipfile
from typing import Any

from labkit import sample_networks as sn
from labkit.iam.lambda_role import TRUST_POLICY, VPC_ACCESS_EXECUTION_ROLE_ARN, VPC_ACCESS_EXECUTION_ROLE_POLICY
from labkit.sample_networks import TEMPLATE_CIDR, subnet_block
from labkit.vpc.errors import VpcConfigError

__all__ = [
    "build_private",
    "build_private_public",
    "create_function",
    "VpcConfigError",
    "DEFAULT_HANDLER",
    "TEMPLATE_CIDR",
]


#: The handler ``create_function`` deploys when none is given.
DEFAULT_HANDLER = """\
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"hello": "from a Lambda function"})}
"""

_TRUST_POLICY = TRUST_POLICY
_VPC_ACCESS_POLICY_ARN = VPC_ACCESS_EXECUTION_ROLE_ARN
# What AWSLambdaVPCAccessExecutionRole allows, for accounts that can't attach it (moto without its
# managed-policy catalogue).
_VPC_ACCESS_POLICY = VPC_ACCESS_EXECUTION_ROLE_POLICY


# ---------------------------------------------------------------------------------------- networks


# The Name tag of each CloudFormation type, as TagSpecifications' ResourceType.
_TAG_TYPES = {
    "AWS::EC2::VPC": "vpc",
    "AWS::EC2::Subnet": "subnet",
    "AWS::EC2::RouteTable": "route-table",
    "AWS::EC2::InternetGateway": "internet-gateway",
    "AWS::EC2::EIP": "elastic-ip",
    "AWS::EC2::NatGateway": "natgateway",
    "AWS::EC2::VPCEndpoint": "vpc-endpoint",
    "AWS::EC2::SecurityGroup": "security-group",
}


def _tags(kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def _subnet_cidr(vpc_cidr: str, index: int) -> str:
    """The template's /24, moved into ``vpc_cidr``.

    >>> _subnet_cidr("172.31.0.0/16", 3), _subnet_cidr("10.20.0.0/16", 2)
    ('172.31.3.0/24', '10.20.2.0/24')
    """
    _vpc_network(vpc_cidr)
    return subnet_block(vpc_cidr, index)


def _vpc_network(vpc_cidr: str) -> ipaddress.IPv4Network:
    try:
        network = ipaddress.ip_network(vpc_cidr)
    except ValueError:
        network = None
    if network is None or network.version != 4 or not 16 <= network.prefixlen <= 22:
        raise ValueError(f"cidr must be an IPv4 range from /16 to /22 (e.g. {TEMPLATE_CIDR}); got {vpc_cidr!r}")
    return network


def _two_zones(ec2) -> list[str]:
    zones = ec2.describe_availability_zones(Filters=[{"Name": "state", "Values": ["available"]}])
    names = sorted(
        z["ZoneName"]
        for z in zones["AvailabilityZones"]
        if z.get("ZoneType", "availability-zone") == "availability-zone"
    )
    if len(names) < 2:
        raise ValueError(f"The sample networks need two availability zones; this region has {names}.")
    return names[:2]


def _region(session, ec2) -> str:
    return ec2.meta.region_name or session.region_name


class _Builder:
    """Creates a network's resources (labkit.sample_networks) with boto3, in the order they are listed."""

    def __init__(self, session, name: str, cidr: str):
        self.ec2 = session.client("ec2")
        self.region = _region(session, self.ec2)
        self.name, self.cidr = name, cidr
        self.zones = _two_zones(self.ec2)
        self.created: dict[str, str] = {}  # logical id -> id (an Elastic IP's: its allocation id)

    def value(self, value):
        """A property value of the spec, resolved for this network."""
        if isinstance(value, (sn.Ref, sn.Att)):
            return self.created[value.logical]
        if isinstance(value, sn.Text):
            return value.pattern.format(name=self.name)
        if isinstance(value, sn.Block):
            return _subnet_cidr(self.cidr, value.index)
        if isinstance(value, sn.Zone):
            return self.zones[value.index]
        if isinstance(value, sn.Service):
            return f"com.amazonaws.{self.region}.{value.service}"
        if value is sn.VPC_RANGE:
            return self.cidr
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value

    def build(self, network: sn.Network) -> dict:
        for resource in network.resources:
            p = self.value(resource.properties)
            tags = (
                _tags(_TAG_TYPES[resource.type], sn.Text(resource.name_pattern or "").pattern.format(name=self.name))
                if resource.name is not None
                else []
            )
            self.created[resource.logical] = getattr(self, "_" + resource.type.rsplit("::", 1)[1])(p, tags)
        ids: dict[str, Any] = {}
        for key, logical in network.ids.items():
            if isinstance(logical, tuple):
                ids[key] = [self.created[x] for x in logical]
            else:
                ids[key] = self.created[logical] if logical else None
        return ids

    def _VPC(self, p, tags):
        vpc_id = self.ec2.create_vpc(CidrBlock=p["CidrBlock"], TagSpecifications=tags)["Vpc"]["VpcId"]
        self.ec2.get_waiter("vpc_available").wait(VpcIds=[vpc_id])
        return vpc_id

    def _Subnet(self, p, tags):
        subnet_id = self.ec2.create_subnet(
            VpcId=p["VpcId"], CidrBlock=p["CidrBlock"], AvailabilityZone=p["AvailabilityZone"], TagSpecifications=tags
        )["Subnet"]["SubnetId"]
        if p.get("MapPublicIpOnLaunch"):
            self.ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
        return subnet_id

    def _RouteTable(self, p, tags):
        return self.ec2.create_route_table(VpcId=p["VpcId"], TagSpecifications=tags)["RouteTable"]["RouteTableId"]

    def _SubnetRouteTableAssociation(self, p, tags):
        return self.ec2.associate_route_table(RouteTableId=p["RouteTableId"], SubnetId=p["SubnetId"])["AssociationId"]

    def _InternetGateway(self, p, tags):
        return self.ec2.create_internet_gateway(TagSpecifications=tags)["InternetGateway"]["InternetGatewayId"]

    def _VPCGatewayAttachment(self, p, tags):
        self.ec2.attach_internet_gateway(InternetGatewayId=p["InternetGatewayId"], VpcId=p["VpcId"])
        return p["InternetGatewayId"]

    def _Route(self, p, tags):
        self.ec2.create_route(**p)
        return p["RouteTableId"]

    def _EIP(self, p, tags):
        return self.ec2.allocate_address(Domain=p["Domain"], TagSpecifications=tags)["AllocationId"]

    def _NatGateway(self, p, tags):
        nat_id = self.ec2.create_nat_gateway(
            SubnetId=p["SubnetId"], AllocationId=p["AllocationId"], TagSpecifications=tags
        )["NatGateway"]["NatGatewayId"]
        self.ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat_id])  # minutes on AWS, at once offline
        return nat_id

    def _VPCEndpoint(self, p, tags):
        return self.ec2.create_vpc_endpoint(
            VpcEndpointType=p["VpcEndpointType"],
            VpcId=p["VpcId"],
            ServiceName=p["ServiceName"],
            RouteTableIds=p["RouteTableIds"],
            PolicyDocument=json.dumps(p["PolicyDocument"]),
            TagSpecifications=tags,
        )["VpcEndpoint"]["VpcEndpointId"]

    def _SecurityGroup(self, p, tags):
        # CloudFormation names the group itself (STACK-LOGICALID-…); a boto3 call must: the Name tag's value.
        group_name = tags[0]["Tags"][0]["Value"]
        return self.ec2.create_security_group(
            VpcId=p["VpcId"], GroupName=group_name, Description=p["GroupDescription"], TagSpecifications=tags
        )["GroupId"]


def _build(session, name: str, cidr: str, public: bool) -> dict:
    _vpc_network(cidr)  # refuse a bad range before creating anything
    return _Builder(session, name, cidr).build(sn.PRIVATE_PUBLIC if public else sn.PRIVATE)


def build_private(session, *, name: str = "sample", cidr: str = TEMPLATE_CIDR) -> dict:
    """Build the guide's "private" sample network (``vpc-private.yaml``) and return its ids.

    A VPC ``cidr`` (172.31.0.0/16), two private subnets x.x.3.0/24 and x.x.2.0/24 in two availability
    zones, one route table for both with S3 and DynamoDB gateway endpoints, and a security group for
    functions. Nothing reaches the internet from there; S3 and DynamoDB are reachable through the
    endpoints.

    Returns a dict with ``vpc_id``, ``private_subnet_ids`` (a list of two), ``private_route_table_id``,
    ``s3_endpoint_id``, ``dynamodb_endpoint_id``, ``security_group_id``, and ``public_subnet_id``,
    ``public_route_table_id``, ``internet_gateway_id``, ``nat_gateway_id``, ``elastic_ip_allocation_id``
    set to ``None`` (the keys ``build_private_public`` fills).
    """
    return _build(session, name, cidr, public=False)


def build_private_public(session, *, name: str = "sample", cidr: str = TEMPLATE_CIDR) -> dict:
    """Build the guide's "private + public" sample network (``vpc-privatepublic.yaml``) and return its ids.

    Everything ``build_private`` builds, plus a public subnet x.x.0.0/24 in the first availability zone
    whose route table sends 0.0.0.0/0 to an attached internet gateway, a NAT gateway with an Elastic IP in
    that subnet, and 0.0.0.0/0 → NAT gateway in the private subnets' route table: a function in the
    private subnets reaches the internet through the NAT gateway.

    Returns the same keys as ``build_private``, all filled.
    """
    return _build(session, name, cidr, public=True)


# ---------------------------------------------------------------------------------------- function


def handler_zip(code: str, filename: str = "app.py") -> bytes:
    r"""A .zip deployment package holding one Python file, for ``Code={"ZipFile": ...}``.

    The bytes are the same for the same code (fixed timestamps), so CodeSha256 is stable.

    >>> package = handler_zip("def handler(event, context):\n    return 1\n")
    >>> import io, zipfile
    >>> zipfile.ZipFile(io.BytesIO(package)).namelist()
    ['app.py']
    >>> package == handler_zip("def handler(event, context):\n    return 1\n")
    True
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(filename, date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        archive.writestr(info, code)
    return buffer.getvalue()


def _execution_role(session, role_name: str) -> tuple[str, bool]:
    """The role's ARN, and whether it was just created."""
    iam = session.client("iam")
    try:
        return iam.get_role(RoleName=role_name)["Role"]["Arn"], False
    except iam.exceptions.NoSuchEntityException:
        pass
    arn = iam.create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=json.dumps(_TRUST_POLICY),
        Description="Execution role of labkit's sample Lambda functions",
    )["Role"]["Arn"]
    try:
        iam.attach_role_policy(RoleName=role_name, PolicyArn=_VPC_ACCESS_POLICY_ARN)
    except iam.exceptions.NoSuchEntityException:  # the managed policy is not known here: same rights inline
        iam.put_role_policy(
            RoleName=role_name, PolicyName="lambda-vpc-access", PolicyDocument=json.dumps(_VPC_ACCESS_POLICY)
        )
    return arn, True


def create_function(
    session,
    name: str,
    subnet_ids=(),
    security_group_ids=(),
    handler_code: str | None = None,
    *,
    role_name: str = "labkit-lambda-vpc-role",
    runtime: str = "python3.12",
) -> str:
    """Create a Python Lambda function and return its ARN.

    The code is ``handler_code`` (``DEFAULT_HANDLER`` when ``None``) as ``index.py``, handler
    ``index.handler``. The execution role ``role_name`` is created when missing, with the rights of the
    AWS managed policy AWSLambdaVPCAccessExecutionRole (attached, or the same rights inline where that
    policy can't be attached). With ``subnet_ids`` and ``security_group_ids`` the function is connected to
    their VPC; with neither it is not VPC-connected. Giving one without the other raises
    ``VpcConfigError``, as Lambda would.
    """
    subnet_ids, security_group_ids = list(subnet_ids), list(security_group_ids)
    if bool(subnet_ids) != bool(security_group_ids):
        given, missing = ("subnet_ids", "security_group_ids") if subnet_ids else ("security_group_ids", "subnet_ids")
        raise VpcConfigError(
            f"A VPC-connected function needs subnets and security groups; {given} was given without {missing}. "
            f"Pass both (e.g. subnet_ids=ids['private_subnet_ids'], security_group_ids=[ids['security_group_id']]) "
            "or neither."
        )
    role_arn, new_role = _execution_role(session, role_name)
    request = {
        "FunctionName": name,
        "Runtime": runtime,
        "Role": role_arn,
        "Handler": "index.handler",
        "Code": {"ZipFile": handler_zip(DEFAULT_HANDLER if handler_code is None else handler_code, "index.py")},
        "Description": "labkit sample function",
        "Timeout": 10,
    }
    if subnet_ids:
        request["VpcConfig"] = {"SubnetIds": subnet_ids, "SecurityGroupIds": security_group_ids}
    client = session.client("lambda")
    for attempt in range(10):
        try:
            return client.create_function(**request)["FunctionArn"]
        except client.exceptions.InvalidParameterValueException as e:
            # A role created seconds ago is not yet visible to Lambda on AWS ("cannot be assumed").
            if not new_role or "assumed" not in str(e) or attempt == 9:
                raise
            time.sleep(3)
    raise AssertionError("unreachable")  # pragma: no cover


# ------------------------------------------------------------------------------------ lesson set-ups


def function_network(lab, template: str = "vpc-private", *, group_name: str = "functions") -> dict:
    """One of the guide's sample networks with a security group for functions: the set-up lessons share.

    ``lab.deploy(template)`` (``"vpc-private"`` or ``"vpc-privatepublic"``, the guide's CloudFormation
    templates), then a security group ``group_name`` in its VPC, with AWS's defaults for a new group (all
    outbound traffic allowed, no inbound). Returns the ids: ``stack`` (the deployed stack), ``vpc_id``,
    ``subnet_ids`` (the two private subnets), ``security_group_id`` and ``vpc_config`` (ready for
    ``create_function(VpcConfig=...)``); with ``"vpc-privatepublic"`` also ``public_subnet_id``.

    >>> from labkit.lab import Lab
    >>> with Lab() as lab:
    ...     net = function_network(lab)
    ...     topo = lab.topology()
    >>> sorted(net)
    ['security_group_id', 'stack', 'subnet_ids', 'vpc_config', 'vpc_id']
    >>> net["vpc_config"] == {"SubnetIds": net["subnet_ids"], "SecurityGroupIds": [net["security_group_id"]]}
    True
    >>> [topo.subnet(s).vpc_id == net["vpc_id"] and not topo.is_public_subnet(s) for s in net["subnet_ids"]]
    [True, True]
    >>> topo.security_group(net["security_group_id"]).vpc_id == net["vpc_id"]
    True
    """
    stack = lab.deploy(template)
    out = stack.outputs
    subnet_ids = [out["privateSubnet1ID"], out["privateSubnet2ID"]]
    group = lab.client("ec2").create_security_group(
        GroupName=group_name, Description="Lambda functions", VpcId=out["privateVPCID"]
    )["GroupId"]
    ids = {
        "stack": stack,
        "vpc_id": out["privateVPCID"],
        "subnet_ids": subnet_ids,
        "security_group_id": group,
        "vpc_config": {"SubnetIds": list(subnet_ids), "SecurityGroupIds": [group]},
    }
    if "publicSubnet1ID" in out:
        ids["public_subnet_id"] = out["publicSubnet1ID"]
    return ids


class NetworkInterfaceTable(tuple):
    """Rows of network interfaces (each a dict of ``COLUMNS``), printed as a table; a tuple of dicts."""

    COLUMNS = ("interface", "subnet", "security groups", "private IP", "status", "description")

    def __str__(self) -> str:
        rows = [self.COLUMNS] + [tuple(str(r[c]) for c in self.COLUMNS) for r in self]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.COLUMNS))]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)).rstrip() for r in rows)

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython's text form: the table itself
        printer.text(str(self) if self else "(no network interfaces)")

    def _repr_html_(self) -> str:
        import html

        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.COLUMNS)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in self.COLUMNS) + "</tr>" for r in self
        )
        return f'<table class="labkit-enis"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def network_interfaces(lab, interface_type: str | None = "lambda") -> NetworkInterfaceTable:
    """The account's network interfaces of ``interface_type`` (Lambda's Hyperplane ENIs by default; ``None``:
    all), sorted by private IP address, as a table: one ``DescribeNetworkInterfaces`` call (paginated).

    ``lab`` is a ``labkit.Lab`` or a boto3 session (anything with ``.client("ec2")``).
    """
    ec2 = lab.client("ec2")
    filters = [{"Name": "interface-type", "Values": [interface_type]}] if interface_type else []
    found = [
        eni
        for page in ec2.get_paginator("describe_network_interfaces").paginate(Filters=filters)
        for eni in page["NetworkInterfaces"]
    ]
    found.sort(key=lambda eni: ipaddress.ip_address(eni.get("PrivateIpAddress") or "0.0.0.0"))
    return NetworkInterfaceTable(
        {
            "interface": eni["NetworkInterfaceId"],
            "subnet": eni.get("SubnetId", ""),
            "security groups": ", ".join(g["GroupId"] for g in eni.get("Groups", ())),
            "private IP": eni.get("PrivateIpAddress", ""),
            "status": eni.get("Status", ""),
            "description": eni.get("Description", ""),
        }
        for eni in found
    )
