"""Build small VPC accounts with plain boto3, for tests.

``AccountBuilder`` wraps the ec2, iam and lambda clients of a session with one readable method per
resource. Every method returns the new resource's id (a function's name for ``function``). Nothing
here knows about labkit: the builder only makes AWS API calls, so a test reads like the console steps
a learner would take.

Rule helpers (``tcp``, ``all_traffic``, ``nacl_allow``, ``nacl_deny``) return the plain dicts that
``authorize_security_group_*`` and ``create_network_acl_entry`` take.
"""

from __future__ import annotations

import io
import json
import zipfile

REGION = "us-east-1"

_TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


# ------------------------------------------------------------------------------ security-group rules


def _peer(perm: dict, cidr=None, group=None, prefix_list=None) -> dict:
    if sum(x is not None for x in (cidr, group, prefix_list)) != 1:
        raise ValueError("a security-group rule needs exactly one of cidr=, group=, prefix_list=")
    perm.update(IpRanges=[], UserIdGroupPairs=[], PrefixListIds=[])
    if cidr is not None:
        perm["IpRanges"] = [{"CidrIp": cidr}]
    elif group is not None:
        perm["UserIdGroupPairs"] = [{"GroupId": group}]
    else:
        perm["PrefixListIds"] = [{"PrefixListId": prefix_list}]
    return perm


def tcp(ports, *, cidr=None, group=None, prefix_list=None) -> dict:
    """A TCP rule: ``tcp(443, cidr="0.0.0.0/0")``, ``tcp((1024, 65535), group="sg-…")``."""
    lo, hi = (ports, ports) if isinstance(ports, int) else ports
    return _peer({"IpProtocol": "tcp", "FromPort": lo, "ToPort": hi}, cidr, group, prefix_list)


def all_traffic(*, cidr=None, group=None, prefix_list=None) -> dict:
    """All protocols, all ports."""
    return _peer({"IpProtocol": "-1"}, cidr, group, prefix_list)


# ---------------------------------------------------------------------------------- network ACL rules


def _nacl_entry(number, action, egress, protocol, cidr, ports) -> dict:
    entry = {"RuleNumber": number, "RuleAction": action, "Egress": egress, "Protocol": protocol, "CidrBlock": cidr}
    if ports is not None:
        lo, hi = (ports, ports) if isinstance(ports, int) else ports
        entry["PortRange"] = {"From": lo, "To": hi}
    return entry


def nacl_allow(number, *, egress, protocol="-1", cidr="0.0.0.0/0", ports=None) -> dict:
    """``nacl_allow(100, egress=False, protocol="6", ports=(1024, 65535))``."""
    return _nacl_entry(number, "allow", egress, protocol, cidr, ports)


def nacl_deny(number, *, egress, protocol="-1", cidr="0.0.0.0/0", ports=None) -> dict:
    return _nacl_entry(number, "deny", egress, protocol, cidr, ports)


# ------------------------------------------------------------------------------------------- builder


class AccountBuilder:
    """Create VPC resources in one account/region through boto3 (moto in tests)."""

    def __init__(self, session, region: str = REGION):
        self.session = session
        self.ec2 = session.client("ec2", region_name=region)
        self.iam = session.client("iam", region_name=region)
        self.awslambda = session.client("lambda", region_name=region)
        self.region = region
        self._role_arn = None
        self._names = 0

    def _name(self, prefix: str) -> str:
        self._names += 1
        return f"{prefix}-{self._names}"

    # --- VPCs and subnets -------------------------------------------------------------------------
    def vpc(self, cidr: str = "10.0.0.0/16", tenancy: str = "default") -> str:
        return self.ec2.create_vpc(CidrBlock=cidr, InstanceTenancy=tenancy)["Vpc"]["VpcId"]

    def subnet(self, vpc: str, cidr: str, az: str = "us-east-1a") -> str:
        return self.ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]

    # --- route tables -----------------------------------------------------------------------------
    def main_route_table(self, vpc: str) -> str:
        tables = self.ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"]
        return tables[0]["RouteTableId"]

    def route_table(self, vpc: str, subnets=(), main: bool = False) -> str:
        """A new route table, explicitly associated with ``subnets``; ``main=True`` makes it the VPC's main table."""
        rtb = self.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        for subnet in subnets:
            self.ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)
        if main:
            current = self.ec2.describe_route_tables(RouteTableIds=[self.main_route_table(vpc)])["RouteTables"][0]
            assoc = next(a for a in current["Associations"] if a.get("Main"))
            self.ec2.replace_route_table_association(AssociationId=assoc["RouteTableAssociationId"], RouteTableId=rtb)
        return rtb

    def route(self, rtb: str, dest: str, *, igw=None, nat=None, vpce=None, pcx=None, eni=None) -> None:
        """``dest`` is a CIDR or a prefix-list id (pl-…); give exactly one target."""
        targets = {
            "GatewayId": igw,
            "NatGatewayId": nat,
            "VpcEndpointId": vpce,
            "VpcPeeringConnectionId": pcx,
            "NetworkInterfaceId": eni,
        }
        targets = {k: v for k, v in targets.items() if v is not None}
        if len(targets) != 1:
            raise ValueError("route() needs exactly one of igw=, nat=, vpce=, pcx=, eni=")
        where = {"DestinationPrefixListId": dest} if dest.startswith("pl-") else {"DestinationCidrBlock": dest}
        self.ec2.create_route(RouteTableId=rtb, **where, **targets)

    # --- gateways ---------------------------------------------------------------------------------
    def igw(self, vpc: str | None = None) -> str:
        """An internet gateway, attached to ``vpc`` when given."""
        igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        if vpc:
            self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        return igw

    def detach_igw(self, igw: str, vpc: str) -> None:
        self.ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)

    def delete_igw(self, igw: str, vpc: str | None = None) -> None:
        if vpc:
            self.detach_igw(igw, vpc)
        self.ec2.delete_internet_gateway(InternetGatewayId=igw)

    def nat(self, subnet: str, private: bool = False) -> str:
        """A NAT gateway in ``subnet``: public (with an Elastic IP) or private."""
        if private:
            resp = self.ec2.create_nat_gateway(SubnetId=subnet, ConnectivityType="private")
        else:
            alloc = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
            resp = self.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=alloc, ConnectivityType="public")
        return resp["NatGateway"]["NatGatewayId"]

    def delete_nat(self, nat: str) -> None:
        self.ec2.delete_nat_gateway(NatGatewayId=nat)

    # --- endpoints --------------------------------------------------------------------------------
    def service_name(self, service: str) -> str:
        return f"com.amazonaws.{self.region}.{service}"

    def prefix_list(self, service: str) -> str:
        """The AWS-managed prefix list of a gateway-endpoint service ("s3", "dynamodb")."""
        lists = self.ec2.describe_managed_prefix_lists(
            Filters=[{"Name": "prefix-list-name", "Values": [self.service_name(service)]}]
        )["PrefixLists"]
        return lists[0]["PrefixListId"]

    def gateway_endpoint(self, vpc: str, service: str, route_tables=()) -> str:
        return self.ec2.create_vpc_endpoint(
            VpcEndpointType="Gateway",
            VpcId=vpc,
            ServiceName=self.service_name(service),
            RouteTableIds=list(route_tables),
        )["VpcEndpoint"]["VpcEndpointId"]

    def interface_endpoint(self, vpc: str, service: str, subnets, groups, private_dns: bool = True) -> str:
        return self.ec2.create_vpc_endpoint(
            VpcEndpointType="Interface",
            VpcId=vpc,
            ServiceName=self.service_name(service),
            SubnetIds=list(subnets),
            SecurityGroupIds=list(groups),
            PrivateDnsEnabled=private_dns,
        )["VpcEndpoint"]["VpcEndpointId"]

    # --- security groups and network ACLs ---------------------------------------------------------
    def sg(self, vpc: str, ingress=(), egress=None, name: str | None = None) -> str:
        """A security group. ``egress=None`` keeps AWS's default allow-all outbound rule; a list replaces it."""
        group = self.ec2.create_security_group(VpcId=vpc, GroupName=name or self._name("sg"), Description="test group")[
            "GroupId"
        ]
        if ingress:
            self.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=list(ingress))
        if egress is not None:
            self.ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[all_traffic(cidr="0.0.0.0/0")])
            if egress:
                self.ec2.authorize_security_group_egress(GroupId=group, IpPermissions=list(egress))
        return group

    def nacl(self, vpc: str, subnets=(), entries=()) -> str:
        """A custom network ACL with ``entries``, associated with ``subnets`` (replacing their current ACL)."""
        acl = self.ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        for entry in entries:
            self.ec2.create_network_acl_entry(NetworkAclId=acl, **entry)
        for subnet in subnets:
            current = self.ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])[
                "NetworkAcls"
            ]
            assoc = next(a for n in current for a in n["Associations"] if a["SubnetId"] == subnet)
            self.ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl)
        return acl

    # --- peering ----------------------------------------------------------------------------------
    def peering(self, vpc_a: str, vpc_b: str, accept: bool = True) -> str:
        pcx = self.ec2.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b)["VpcPeeringConnection"][
            "VpcPeeringConnectionId"
        ]
        if accept:
            self.ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        return pcx

    def delete_peering(self, pcx: str) -> None:
        self.ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)

    # --- network interfaces and functions ---------------------------------------------------------
    def eni(self, subnet: str, groups, ip: str) -> str:
        """A plain network interface (e.g. a database) with a fixed private IP."""
        return self.ec2.create_network_interface(
            SubnetId=subnet, Groups=list(groups), PrivateIpAddress=ip, Description="database"
        )["NetworkInterface"]["NetworkInterfaceId"]

    def _role(self) -> str:
        if self._role_arn is None:
            self._role_arn = self.iam.create_role(
                RoleName=self._name("lambda-role"), AssumeRolePolicyDocument=_TRUST_POLICY
            )["Role"]["Arn"]
        return self._role_arn

    def function(self, name: str, subnets=(), groups=()) -> str:
        """A Lambda function; connected to a VPC when ``subnets`` are given. Returns its name."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("index.py", "def handler(event, context):\n    return {}\n")
        kwargs = {}
        if subnets:
            kwargs["VpcConfig"] = {"SubnetIds": list(subnets), "SecurityGroupIds": list(groups)}
        self.awslambda.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=self._role(),
            Handler="index.handler",
            Code={"ZipFile": buf.getvalue()},
            **kwargs,
        )
        return name


# ------------------------------------------------------------------------------ databases


def db_instance(
    session,
    identifier: str,
    *,
    subnet_group: str,
    security_group: str,
    subnets=None,
    engine: str = "postgres",
    az: str | None = None,
) -> str:
    """An RDS DB instance in ``subnet_group`` (created from ``subnets`` when they are given), carrying
    ``security_group``. Returns its identifier."""
    rds = session.client("rds", region_name=REGION)
    if subnets is not None:
        rds.create_db_subnet_group(
            DBSubnetGroupName=subnet_group, DBSubnetGroupDescription="db", SubnetIds=list(subnets)
        )
    rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        Engine=engine,
        DBInstanceClass="db.t3.micro",
        DBSubnetGroupName=subnet_group,
        VpcSecurityGroupIds=[security_group],
        MasterUsername="orders",
        MasterUserPassword="not-a-secret-1",
        **({"AvailabilityZone": az} if az else {}),
    )
    return identifier
