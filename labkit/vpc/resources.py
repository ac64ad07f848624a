"""The VPC model's resources: frozen dataclasses, one per AWS networking concept (a VPC, a subnet, a route…).

Field names follow the EC2 API in snake_case. Collections are tuples so that every object is hashable and
immutable. ``labkit.vpc.model.Topology`` holds them all (and re-exports them).

>>> Subnet("subnet-1", "vpc-1", "10.0.1.0/24", "us-east-1a").network.num_addresses
256
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cached_property

from labkit.vpc.protocols import port_text, prefix_mask, protocol_name, protocol_number, service_short_name

__all__ = [
    "Vpc",
    "Subnet",
    "Route",
    "RouteTable",
    "InternetGateway",
    "NatGateway",
    "VpcEndpoint",
    "SgRule",
    "SecurityGroup",
    "NaclEntry",
    "NetworkAcl",
    "PeeringConnection",
    "NetworkInterface",
    "PrefixList",
    "LambdaFunction",
]


# --------------------------------------------------------------------------------------------- network


@dataclass(frozen=True)
class Vpc:
    id: str
    cidr_blocks: tuple[str, ...]
    instance_tenancy: str = "default"  # "default" | "dedicated" | "host"
    is_default: bool = False
    state: str = "available"
    name: str = ""

    @cached_property
    def networks(self) -> tuple[ipaddress.IPv4Network, ...]:
        return tuple(ipaddress.IPv4Network(c) for c in self.cidr_blocks)


@dataclass(frozen=True)
class Subnet:
    id: str
    vpc_id: str
    cidr: str
    availability_zone: str = ""
    map_public_ip_on_launch: bool = False
    available_ip_count: int | None = None
    name: str = ""

    @cached_property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.cidr)


@dataclass(frozen=True)
class Route:
    """One route. ``destination`` is a CIDR ("0.0.0.0/0") or a prefix-list id ("pl-63a5400a")."""

    destination: str
    target_kind: str  # one of TARGET_KINDS
    target_id: str  # "local" for the local route
    state: str = "active"  # "active" | "blackhole" (as AWS reports it)
    origin: str = "CreateRoute"

    @property
    def is_prefix_list(self) -> bool:
        return self.destination.startswith("pl-")

    @cached_property
    def network(self) -> ipaddress.IPv4Network | None:
        return None if self.is_prefix_list else ipaddress.IPv4Network(self.destination)

    def __str__(self) -> str:
        return f"{self.destination} → {self.target_id}"


@dataclass(frozen=True)
class RouteTable:
    id: str
    vpc_id: str
    routes: tuple[Route, ...] = ()
    subnet_ids: tuple[str, ...] = ()  # explicit associations
    is_main: bool = False
    name: str = ""


@dataclass(frozen=True)
class InternetGateway:
    id: str
    attached_vpc_ids: tuple[str, ...] = ()  # attachments in state "available"/"attached"
    name: str = ""


@dataclass(frozen=True)
class NatGateway:
    id: str
    vpc_id: str
    subnet_id: str
    state: str = "available"  # pending | failed | available | deleting | deleted
    connectivity_type: str = "public"  # public | private
    public_ip: str | None = None
    private_ip: str | None = None
    name: str = ""


@dataclass(frozen=True)
class VpcEndpoint:
    id: str
    vpc_id: str
    service_name: str  # e.g. "com.amazonaws.us-east-1.s3"
    endpoint_type: str  # "Gateway" | "Interface" | "GatewayLoadBalancer"
    state: str = "available"
    route_table_ids: tuple[str, ...] = ()  # gateway endpoints
    subnet_ids: tuple[str, ...] = ()  # interface endpoints
    security_group_ids: tuple[str, ...] = ()  # interface endpoints
    private_dns_enabled: bool = False  # interface endpoints
    network_interface_ids: tuple[str, ...] = ()
    name: str = ""

    @property
    def service(self) -> str:
        """The short service name: "s3", "dynamodb", "secretsmanager", …"""
        return service_short_name(self.service_name)


@dataclass(frozen=True)
class SgRule:
    """One security-group rule with exactly one peer: a CIDR, a prefix list or a referenced group.

    ``protocol`` is "-1" (all), "tcp", "udp", "icmp" or a protocol number as a string.
    Ports are inclusive; for "-1" they are ignored.
    """

    protocol: str
    from_port: int | None = None
    to_port: int | None = None
    cidr: str | None = None
    prefix_list_id: str | None = None
    group_id: str | None = None
    description: str = ""

    @cached_property
    def network(self) -> ipaddress.IPv4Network | None:
        return ipaddress.IPv4Network(self.cidr) if self.cidr else None

    def __str__(self) -> str:
        return self._text

    @cached_property
    def _text(self) -> str:
        peer = self.cidr or self.prefix_list_id or self.group_id or "?"
        return f"{protocol_name(self.protocol)} {port_text(self.protocol, self.from_port, self.to_port)} {peer}"


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    vpc_id: str
    name: str = ""
    ingress: tuple[SgRule, ...] = ()
    egress: tuple[SgRule, ...] = ()


@dataclass(frozen=True)
class NaclEntry:
    """One numbered network ACL rule. ``rule_number`` 32767 is the default rule, shown as ``*``."""

    rule_number: int
    egress: bool
    action: str  # "allow" | "deny"
    protocol: str = "-1"
    cidr: str = "0.0.0.0/0"
    from_port: int | None = None
    to_port: int | None = None

    @cached_property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.cidr)

    @property
    def label(self) -> str:
        return "*" if self.rule_number >= 32767 else str(self.rule_number)

    @cached_property
    def compiled(self) -> tuple:
        """(protocol number, first port, last port, network int, prefix length) for fast matching."""
        proto = protocol_number(self.protocol)
        if proto in ("6", "17") and self.from_port is not None:
            lo, hi = self.from_port, self.to_port if self.to_port is not None else self.from_port
        else:
            lo, hi = 0, 65535
        return proto, lo, hi, int(self.network.network_address), self.network.prefixlen

    def __str__(self) -> str:
        return self._text

    @cached_property
    def _text(self) -> str:
        direction = "outbound" if self.egress else "inbound"
        ports = port_text(self.protocol, self.from_port, self.to_port)
        return f"{direction} rule {self.label}: {self.action} {protocol_name(self.protocol)} {ports} {self.cidr}"


@dataclass(frozen=True)
class NetworkAcl:
    id: str
    vpc_id: str
    entries: tuple[NaclEntry, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    is_default: bool = False
    name: str = ""

    @cached_property
    def outbound(self) -> tuple[NaclEntry, ...]:
        return tuple(sorted((e for e in self.entries if e.egress), key=lambda e: e.rule_number))

    @cached_property
    def inbound(self) -> tuple[NaclEntry, ...]:
        return tuple(sorted((e for e in self.entries if not e.egress), key=lambda e: e.rule_number))

    @cached_property
    def compiled(self) -> dict[bool, tuple]:
        """Per direction (egress True/False): rules in order as
        (protocol, first port, last port, network int, prefix length, mask, is allow, entry)."""
        out = {}
        for egress, rules in ((True, self.outbound), (False, self.inbound)):
            out[egress] = tuple((*e.compiled, prefix_mask(e.compiled[4]), e.action == "allow", e) for e in rules)
        return out


@dataclass(frozen=True)
class PeeringConnection:
    id: str
    requester_vpc_id: str
    accepter_vpc_id: str
    status: str = "active"  # pending-acceptance | active | rejected | deleted | …
    requester_cidrs: tuple[str, ...] = ()
    accepter_cidrs: tuple[str, ...] = ()
    name: str = ""

    def peer_of(self, vpc_id: str) -> str | None:
        if vpc_id == self.requester_vpc_id:
            return self.accepter_vpc_id
        if vpc_id == self.accepter_vpc_id:
            return self.requester_vpc_id
        return None


@dataclass(frozen=True)
class NetworkInterface:
    """An ENI: a database, an instance, an interface endpoint's or a Lambda Hyperplane interface."""

    id: str
    subnet_id: str
    vpc_id: str
    private_ips: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    interface_type: str = "interface"  # "interface" | "lambda" | "vpc_endpoint" | "nat_gateway" | …
    description: str = ""
    requester_id: str = ""
    public_ip: str | None = None
    status: str = "in-use"


@dataclass(frozen=True)
class PrefixList:
    """A prefix list (AWS-managed for S3/DynamoDB, or customer-managed). ``cidrs`` may be unknown (empty)."""

    id: str
    name: str
    cidrs: tuple[str, ...] = ()

    @property
    def service(self) -> str | None:
        """ "s3" for AWS's ``com.amazonaws.<region>.s3`` list, else None."""
        return service_short_name(self.name) if self.name.startswith(("com.amazonaws.", "cn.com.amazonaws.")) else None


@dataclass(frozen=True)
class LambdaFunction:
    """A Lambda function. ``subnet_ids`` empty means not connected to a VPC."""

    name: str
    arn: str = ""
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    vpc_id: str | None = None  # derived from the subnets (moto reports a placeholder)
    state: str | None = None
    runtime: str | None = None

    @property
    def vpc_connected(self) -> bool:
        return bool(self.subnet_ids)
