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

Both also create a security group ``NAME-function`` for the function (the templates have none; it has
AWS's default rules: all outbound traffic allowed, no inbound). ``cidr`` moves the whole network to
another range of /16 to /22 (the subnets are the same /24s counted from its start: the 4th, 3rd and
1st), e.g. to avoid overlapping the default VPC, which also uses 172.31.0.0/16.

``create_function`` creates a Python function, optionally connected to subnets and security groups.
"""

from __future__ import annotations

import io
import ipaddress
import json
import time
import zipfile

from labkit.errors import VpcConfigError
from labkit.iam.lambda_role import TRUST_POLICY, VPC_ACCESS_EXECUTION_ROLE_ARN, VPC_ACCESS_EXECUTION_ROLE_POLICY

__all__ = ["build_private", "build_private_public", "create_function", "VpcConfigError", "DEFAULT_HANDLER",
           "TEMPLATE_CIDR"]

#: The VPC range of both templates.
TEMPLATE_CIDR = "172.31.0.0/16"

#: The handler ``create_function`` deploys when none is given.
DEFAULT_HANDLER = '''\
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"hello": "from a Lambda function"})}
'''

_TRUST_POLICY = TRUST_POLICY
_VPC_ACCESS_POLICY_ARN = VPC_ACCESS_EXECUTION_ROLE_ARN
# What AWSLambdaVPCAccessExecutionRole allows, for accounts that can't attach it (moto without its
# managed-policy catalogue).
_VPC_ACCESS_POLICY = VPC_ACCESS_EXECUTION_ROLE_POLICY


# VpcConfigError lives in labkit.errors (imported above).


# ---------------------------------------------------------------------------------------- networks


def _tags(kind: str, name: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def _subnet_cidr(vpc_cidr: str, third_octet: int) -> str:
    """The /24 of the template, moved into ``vpc_cidr``.

    >>> _subnet_cidr("172.31.0.0/16", 3), _subnet_cidr("10.20.0.0/16", 2)
    ('172.31.3.0/24', '10.20.2.0/24')
    """
    return str(list(_vpc_network(vpc_cidr).subnets(new_prefix=24))[third_octet])


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
    names = sorted(z["ZoneName"] for z in zones["AvailabilityZones"] if z.get("ZoneType", "availability-zone")
                   == "availability-zone")
    if len(names) < 2:
        raise ValueError(f"The sample networks need two availability zones; this region has {names}.")
    return names[:2]


def _region(session, ec2) -> str:
    return ec2.meta.region_name or session.region_name


def _build(session, name: str, cidr: str, public: bool) -> dict:
    _vpc_network(cidr)  # refuse a bad range before creating anything
    ec2 = session.client("ec2")
    region = _region(session, ec2)
    zone_a, zone_b = _two_zones(ec2)
    prefix = f"{name}-private-subnet" if public else f"{name}-subnet"

    vpc_id = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=_tags("vpc", name))["Vpc"]["VpcId"]
    ec2.get_waiter("vpc_available").wait(VpcIds=[vpc_id])
    private_subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=_subnet_cidr(cidr, octet), AvailabilityZone=zone,
                          TagSpecifications=_tags("subnet", f"{prefix}-{letter}"))["Subnet"]["SubnetId"]
        for octet, zone, letter in ((3, zone_a, "a"), (2, zone_b, "b"))
    ]
    private_rt = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=_tags("route-table", f"{name}-private"))
    private_rt_id = private_rt["RouteTable"]["RouteTableId"]
    for subnet_id in private_subnet_ids:
        ec2.associate_route_table(RouteTableId=private_rt_id, SubnetId=subnet_id)

    ids = {
        "vpc_id": vpc_id,
        "private_subnet_ids": private_subnet_ids,
        "public_subnet_id": None,
        "private_route_table_id": private_rt_id,
        "public_route_table_id": None,
        "internet_gateway_id": None,
        "nat_gateway_id": None,
        "elastic_ip_allocation_id": None,
    }

    if public:
        public_subnet_id = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=_subnet_cidr(cidr, 0), AvailabilityZone=zone_a,
            TagSpecifications=_tags("subnet", f"{name}-public-subnet"),
        )["Subnet"]["SubnetId"]
        ec2.modify_subnet_attribute(SubnetId=public_subnet_id, MapPublicIpOnLaunch={"Value": True})
        igw_id = ec2.create_internet_gateway(
            TagSpecifications=_tags("internet-gateway", f"{name}-gateway"))["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
        public_rt_id = ec2.create_route_table(
            VpcId=vpc_id, TagSpecifications=_tags("route-table", f"{name}-public"))["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=public_rt_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
        ec2.associate_route_table(RouteTableId=public_rt_id, SubnetId=public_subnet_id)
        allocation_id = ec2.allocate_address(Domain="vpc", TagSpecifications=_tags("elastic-ip", f"{name}-nat"))[
            "AllocationId"]
        nat_id = ec2.create_nat_gateway(
            SubnetId=public_subnet_id, AllocationId=allocation_id,
            TagSpecifications=_tags("natgateway", f"{name}-nat"),
        )["NatGateway"]["NatGatewayId"]
        ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat_id])  # minutes on AWS, at once offline
        ec2.create_route(RouteTableId=private_rt_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
        ids.update(public_subnet_id=public_subnet_id, public_route_table_id=public_rt_id, internet_gateway_id=igw_id,
                   nat_gateway_id=nat_id, elastic_ip_allocation_id=allocation_id)

    for service in ("s3", "dynamodb"):
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": [f"{service}:*"], "Resource": ["*"]}]}
        endpoint = ec2.create_vpc_endpoint(
            VpcEndpointType="Gateway", VpcId=vpc_id, ServiceName=f"com.amazonaws.{region}.{service}",
            RouteTableIds=[private_rt_id], PolicyDocument=json.dumps(policy),
            TagSpecifications=_tags("vpc-endpoint", f"{name}-{service}"),
        )
        ids[f"{service}_endpoint_id"] = endpoint["VpcEndpoint"]["VpcEndpointId"]

    ids["security_group_id"] = ec2.create_security_group(
        VpcId=vpc_id, GroupName=f"{name}-function", Description=f"Lambda functions of the {name} sample network",
        TagSpecifications=_tags("security-group", f"{name}-function"),
    )["GroupId"]
    return ids


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
    arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(_TRUST_POLICY),
                          Description="Execution role of labkit's sample Lambda functions")["Role"]["Arn"]
    try:
        iam.attach_role_policy(RoleName=role_name, PolicyArn=_VPC_ACCESS_POLICY_ARN)
    except iam.exceptions.NoSuchEntityException:  # the managed policy is not known here: same rights inline
        iam.put_role_policy(RoleName=role_name, PolicyName="lambda-vpc-access",
                            PolicyDocument=json.dumps(_VPC_ACCESS_POLICY))
    return arn, True


def create_function(session, name: str, subnet_ids=(), security_group_ids=(), handler_code: str | None = None,
                    *, role_name: str = "labkit-lambda-vpc-role", runtime: str = "python3.12") -> str:
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
