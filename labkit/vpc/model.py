"""The VPC model: ``Topology``, holding one frozen dataclass per AWS networking concept (``labkit.vpc.resources``,
re-exported here) with its look-ups.

No boto3 here: ``Topology.from_boto3`` (in ``labkit.vpc.importer``) reads an account and builds these
objects; tests and benchmarks may also build them by hand.

Field names follow the EC2 API in snake_case. Collections are tuples so that every object is hashable
and immutable. ``Topology`` keeps look-up indexes (``topo.subnet("subnet-1")``) that are computed once.

>>> topo = Topology(
...     vpcs=(Vpc("vpc-1", ("10.0.0.0/16",)),),
...     subnets=(Subnet("subnet-1", "vpc-1", "10.0.1.0/24", "us-east-1a"),),
...     route_tables=(RouteTable("rtb-1", "vpc-1", routes=(Route("10.0.0.0/16", "local", "local"),), is_main=True),),
... )
>>> topo.route_table_for("subnet-1").id
'rtb-1'
>>> topo.subnet("subnet-1").vpc_id
'vpc-1'
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from labkit.errors import did_you_mean
from labkit.vpc.errors import UnknownFunctionError, UnknownResourceError, UnknownSubnetError
from labkit.vpc.protocols import (
    TARGET_KINDS,
    port_text,
    prefix_mask,
    protocol_name,
    protocol_number,
    service_short_name,
)
from labkit.vpc.resources import (
    InternetGateway,
    LambdaFunction,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    PeeringConnection,
    PrefixList,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Vpc,
    VpcEndpoint,
)

if TYPE_CHECKING:
    import networkx as nx

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
    "Topology",
    "TARGET_KINDS",
    "service_short_name",
    "protocol_number",
    "protocol_name",
    "port_text",
    "prefix_mask",
]


def _index(items: Iterable[Any], key: str = "id") -> dict[str, Any]:
    return {getattr(i, key): i for i in items}


# ------------------------------------------------------------------------------------------- topology


@dataclass(frozen=True)
class Topology:
    """A whole account (one region), immutable. Build with ``Topology.from_boto3(session)``.

    The look-up indexes and the networkx graph are computed on first use and kept.
    """

    vpcs: tuple[Vpc, ...] = ()
    subnets: tuple[Subnet, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    internet_gateways: tuple[InternetGateway, ...] = ()
    nat_gateways: tuple[NatGateway, ...] = ()
    vpc_endpoints: tuple[VpcEndpoint, ...] = ()
    security_groups: tuple[SecurityGroup, ...] = ()
    network_acls: tuple[NetworkAcl, ...] = ()
    peering_connections: tuple[PeeringConnection, ...] = ()
    network_interfaces: tuple[NetworkInterface, ...] = ()
    prefix_lists: tuple[PrefixList, ...] = ()
    functions: tuple[LambdaFunction, ...] = ()
    region: str = "us-east-1"
    account_id: str = ""
    meta: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)
    #: databases a trace may name ("rds:NAME", "elasticache:NAME"), see ``labkit.vpc.databases``; a topology
    #: read from an account finds them with ``database_loader`` when a trace first names one.
    databases: tuple = ()
    database_loader: Any = field(default=None, compare=False, hash=False, repr=False)

    # --- construction ------------------------------------------------------------------------------
    @classmethod
    def from_boto3(cls, session: Any, *, region: str | None = None) -> Topology:
        """Read an account (moto or real) with Describe/List/Get calls only. See ``labkit.vpc.importer``."""
        from labkit.vpc.importer import topology_from_boto3

        return topology_from_boto3(session, region=region)

    def __post_init__(self) -> None:
        # Canonical order: describe output may come in any order, the analysis must not care.
        for name in (
            "vpcs",
            "subnets",
            "route_tables",
            "internet_gateways",
            "nat_gateways",
            "vpc_endpoints",
            "security_groups",
            "network_acls",
            "peering_connections",
            "network_interfaces",
            "prefix_lists",
        ):
            object.__setattr__(self, name, tuple(sorted(getattr(self, name), key=lambda o: o.id)))
        object.__setattr__(self, "functions", tuple(sorted(self.functions, key=lambda f: f.name)))

    def database(self, kind: str, name: str) -> Any:
        """The database ``kind`` ("rds" or "elasticache") named ``name``, as a ``labkit.vpc.databases.Database``
        (read from the account on first use). ``DestinationError`` lists the names that exist."""
        from dataclasses import replace

        from labkit.vpc.databases import lookup

        db = lookup(self.databases, self.database_loader, kind, name)
        in_az = [
            s
            for s in (self.subnet_or_none(i) for i in db.subnet_choices)
            if s is not None and db.availability_zone and s.availability_zone == db.availability_zone
        ]
        if in_az and in_az[0].id != db.subnet_id:  # the subnet group's AZs were not reported: the subnets say
            db = replace(db, subnet_id=in_az[0].id)
        return db

    # --- indexes ------------------------------------------------------------------------------------
    @cached_property
    def _vpcs(self) -> dict[str, Vpc]:
        return _index(self.vpcs)

    @cached_property
    def _subnets(self) -> dict[str, Subnet]:
        return _index(self.subnets)

    @cached_property
    def _route_tables(self) -> dict[str, RouteTable]:
        return _index(self.route_tables)

    @cached_property
    def _igws(self) -> dict[str, InternetGateway]:
        return _index(self.internet_gateways)

    @cached_property
    def _nats(self) -> dict[str, NatGateway]:
        return _index(self.nat_gateways)

    @cached_property
    def _endpoints(self) -> dict[str, VpcEndpoint]:
        return _index(self.vpc_endpoints)

    @cached_property
    def _sgs(self) -> dict[str, SecurityGroup]:
        return _index(self.security_groups)

    @cached_property
    def _peerings(self) -> dict[str, PeeringConnection]:
        return _index(self.peering_connections)

    @cached_property
    def _enis(self) -> dict[str, NetworkInterface]:
        return _index(self.network_interfaces)

    @cached_property
    def _prefix_lists(self) -> dict[str, PrefixList]:
        return _index(self.prefix_lists)

    @cached_property
    def _functions(self) -> dict[str, LambdaFunction]:
        out = {}
        for f in self.functions:
            out[f.name] = f
            if f.arn:
                out[f.arn] = f
                out[f.arn + ":$LATEST"] = f
        return out

    @cached_property
    def names(self) -> dict[str, str]:
        """Resource id → its Name tag (a security group: its group name), for every resource that has one."""
        out: dict[str, str] = {}
        for objects in (
            self.vpcs,
            self.subnets,
            self.route_tables,
            self.internet_gateways,
            self.nat_gateways,
            self.vpc_endpoints,
            self.security_groups,
            self.network_acls,
            self.peering_connections,
        ):
            for o in objects:
                name = getattr(o, "name", "")
                if name:
                    out[o.id] = name
        return out

    @cached_property
    def _route_table_of_subnet(self) -> dict[str, RouteTable]:
        main = {rt.vpc_id: rt for rt in self.route_tables if rt.is_main}
        out = {s.id: main[s.vpc_id] for s in self.subnets if s.vpc_id in main}
        for rt in self.route_tables:
            for sid in rt.subnet_ids:
                out[sid] = rt
        return out

    @cached_property
    def _nacl_of_subnet(self) -> dict[str, NetworkAcl]:
        default = {n.vpc_id: n for n in self.network_acls if n.is_default}
        out = {s.id: default[s.vpc_id] for s in self.subnets if s.vpc_id in default}
        for n in self.network_acls:
            for sid in n.subnet_ids:
                out[sid] = n
        return out

    @cached_property
    def _ip_owner(self) -> dict[str, NetworkInterface]:
        return {ip: eni for eni in self.network_interfaces for ip in eni.private_ips}

    @cached_property
    def _subnet_prefix_index(self) -> tuple[tuple[int, ...], dict[tuple[int, int], Subnet]]:
        lengths = sorted({s.network.prefixlen for s in self.subnets}, reverse=True)
        table = {(s.network.prefixlen, int(s.network.network_address)): s for s in self.subnets}
        return tuple(lengths), table

    @cached_property
    def _vpc_prefix_index(self) -> tuple[tuple[int, ...], dict[tuple[int, int], Vpc]]:
        lengths = sorted({n.prefixlen for v in self.vpcs for n in v.networks}, reverse=True)
        table = {(n.prefixlen, int(n.network_address)): v for v in self.vpcs for n in v.networks}
        return tuple(lengths), table

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The networkx graph of this topology (built once, see ``labkit.vpc.graph``)."""
        from labkit.vpc.graph import build_graph

        return build_graph(self)

    # --- look-ups -----------------------------------------------------------------------------------
    def vpc(self, vpc_id: str) -> Vpc:
        return self._get(self._vpcs, vpc_id, "VPC")

    def subnet(self, subnet_id: str) -> Subnet:
        try:
            return self._subnets[subnet_id]
        except KeyError:
            raise UnknownSubnetError(
                f"No subnet {subnet_id!r} in this topology. {did_you_mean(subnet_id, self._subnets)}"
            ) from None

    def route_table(self, rtb_id: str) -> RouteTable:
        return self._get(self._route_tables, rtb_id, "route table")

    def security_group(self, sg_id: str) -> SecurityGroup:
        return self._get(self._sgs, sg_id, "security group")

    def function(self, name_or_arn: str) -> LambdaFunction:
        try:
            return self._functions[name_or_arn]
        except KeyError:
            names = [f.name for f in self.functions]
            raise UnknownFunctionError(
                f"No Lambda function {name_or_arn!r} in this topology (give a function name or ARN). "
                f"{did_you_mean(name_or_arn, names)}"
            ) from None

    def find(self, resource_id: str) -> object | None:
        """Any object by id (``None`` when unknown)."""
        for index in (
            self._subnets,
            self._route_tables,
            self._igws,
            self._nats,
            self._endpoints,
            self._sgs,
            self._peerings,
            self._enis,
            self._vpcs,
            self._prefix_lists,
        ):
            if resource_id in index:
                return index[resource_id]
        return self._functions.get(resource_id)

    def internet_gateway(self, igw_id: str) -> InternetGateway | None:
        return self._igws.get(igw_id)

    def nat_gateway(self, nat_id: str) -> NatGateway | None:
        return self._nats.get(nat_id)

    def vpc_endpoint(self, vpce_id: str) -> VpcEndpoint | None:
        return self._endpoints.get(vpce_id)

    def peering_connection(self, pcx_id: str) -> PeeringConnection | None:
        return self._peerings.get(pcx_id)

    def network_interface(self, eni_id: str) -> NetworkInterface | None:
        return self._enis.get(eni_id)

    def prefix_list(self, pl_id: str) -> PrefixList | None:
        return self._prefix_lists.get(pl_id)

    def subnet_or_none(self, subnet_id: str) -> Subnet | None:
        """The subnet, or ``None`` when this topology has no such subnet (e.g. a function's stale VpcConfig)."""
        return self._subnets.get(subnet_id)

    def vpc_or_none(self, vpc_id: str) -> Vpc | None:
        """The VPC, or ``None`` when unknown."""
        return self._vpcs.get(vpc_id)

    def function_or_none(self, name_or_arn: str) -> LambdaFunction | None:
        """The function by name or ARN, or ``None`` when unknown."""
        return self._functions.get(name_or_arn)

    def known_security_groups(self, sg_ids: Iterable[str]) -> tuple[SecurityGroup, ...]:
        """The groups of ``sg_ids`` that this topology has, in the order given (unknown ids are skipped)."""
        sgs = self._sgs
        return tuple(sgs[g] for g in sg_ids if g in sgs)

    def route_table_of(self, subnet_id: str) -> RouteTable | None:
        """Like ``route_table_for`` without checking the subnet: ``None`` for an unknown subnet."""
        return self._route_table_of_subnet.get(subnet_id)

    def route_table_for(self, subnet_id: str) -> RouteTable | None:
        """The subnet's explicitly associated route table, else its VPC's main route table."""
        self.subnet(subnet_id)
        return self._route_table_of_subnet.get(subnet_id)

    def network_acl_for(self, subnet_id: str) -> NetworkAcl | None:
        """The network ACL associated with the subnet (the VPC's default ACL when none is explicit)."""
        self.subnet(subnet_id)
        return self._nacl_of_subnet.get(subnet_id)

    def is_public_subnet(self, subnet_id: str) -> bool:
        """A public subnet's route table sends 0.0.0.0/0 to an internet gateway (a Lambda function there
        still has no public IP). Every other subnet is private."""
        rt = self.route_table_for(subnet_id)
        return rt is not None and any(r.destination == "0.0.0.0/0" and r.target_kind == "igw" for r in rt.routes)

    def subnets_of(self, vpc_id: str) -> tuple[Subnet, ...]:
        return tuple(s for s in self.subnets if s.vpc_id == vpc_id)

    def subnet_containing(self, ip: str | ipaddress.IPv4Address) -> Subnet | None:
        """The subnet whose CIDR contains ``ip`` (longest prefix when several VPCs overlap)."""
        addr = int(ipaddress.ip_address(ip))
        lengths, table = self._subnet_prefix_index
        for n in lengths:
            hit = table.get((n, addr & prefix_mask(n)))
            if hit is not None:
                return hit
        return None

    def vpcs_containing(self, ip: str | ipaddress.IPv4Address) -> tuple[Vpc, ...]:
        """Every VPC with a CIDR block containing ``ip`` (VPCs of one account may overlap)."""
        addr = int(ipaddress.ip_address(ip))
        lengths, table = self._vpc_prefix_index
        hits = [table.get((n, addr & prefix_mask(n))) for n in lengths]
        return tuple(v for v in hits if v is not None)

    def interface_owning(self, ip: str) -> NetworkInterface | None:
        return self._ip_owner.get(str(ip))

    def endpoints_for(self, vpc_id: str, service: str) -> tuple[VpcEndpoint, ...]:
        return self._endpoints_by_vpc_service.get((vpc_id, service), ())

    @cached_property
    def _endpoints_by_vpc_service(self) -> dict[tuple[str, str], tuple[VpcEndpoint, ...]]:
        out: dict[tuple[str, str], list[VpcEndpoint]] = {}
        for e in self.vpc_endpoints:
            out.setdefault((e.vpc_id, e.service), []).append(e)
        return {k: tuple(v) for k, v in out.items()}

    def prefix_list_for_service(self, service: str) -> PrefixList | None:
        for p in self.prefix_lists:
            if p.service == service:
                return p
        return None

    @staticmethod
    def _get(index: Mapping[str, Any], key: str, what: str) -> Any:
        try:
            return index[key]
        except KeyError:
            raise UnknownResourceError(f"No {what} {key!r} in this topology. {did_you_mean(key, index)}") from None
