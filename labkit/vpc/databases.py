"""Databases as trace destinations: ``"rds:NAME"`` and ``"elasticache:NAME"``.

``"rds:NAME"`` is a DB instance identifier; ``"elasticache:NAME"`` a cache cluster id, or a replication
group id meaning the cluster of its primary node. Each resolves to a ``Database``: the subnet it listens in
(the subnet of its subnet group in its Availability Zone; for a Multi-AZ RDS instance, the primary's AZ),
its security groups and its port. A trace to it then goes like a trace to an address in that subnet, and
the database's security groups must admit the function (SG_INGRESS otherwise).

Reading: a topology read from an account (``Topology.from_boto3``) keeps a ``DatabaseLoader`` that reads
the databases of one kind when a trace first names one, and keeps them (read-only, paginated, a constant
number of calls: ``DATABASE_CALLS`` — one for RDS, three for ElastiCache). Traces to anything else make no
such call, so a role without rds/elasticache permissions is unaffected until it names a database; then a
denied call is an ``AwsAccessError`` naming the missing permission. A hand-built topology lists its
databases in ``Topology(databases=(Database(...), ...))``.

Out of scope (an error says so): Aurora DB clusters (their instances' engine starts with ``aurora``) and
ElastiCache Serverless caches (they are not cache clusters).

This module imports no AWS SDK: the loader calls the session it was given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from labkit.errors import did_you_mean
from labkit.vpc.errors import AwsAccessError, DestinationError

KINDS = ("rds", "elasticache")

#: The calls the loader makes: (service, boto3 method, key of the list in each page, API operation).
#: ``describe_cache_clusters`` is called with ShowCacheNodeInfo=True (the nodes' endpoints and AZs).
DATABASE_CALLS: tuple[tuple[str, str, str, str], ...] = (
    ("rds", "describe_db_instances", "DBInstances", "DescribeDBInstances"),
    ("elasticache", "describe_cache_clusters", "CacheClusters", "DescribeCacheClusters"),
    ("elasticache", "describe_cache_subnet_groups", "CacheSubnetGroups", "DescribeCacheSubnetGroups"),
    ("elasticache", "describe_replication_groups", "ReplicationGroups", "DescribeReplicationGroups"),
)

#: Default ports by engine, when a description carries none (a database still being created).
DEFAULT_PORTS = {
    "postgres": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "oracle": 1521,
    "sqlserver": 1433,
    "db2": 50000,
    "redis": 6379,
    "valkey": 6379,
    "memcached": 11211,
}


@dataclass(frozen=True)
class Database:
    """A database a function may need to reach: where it listens (subnet, port) and its security groups."""

    kind: str  # "rds" | "elasticache"
    name: str  # the DB instance identifier, or the cache cluster id
    subnet_id: str
    security_group_ids: tuple[str, ...]
    port: int
    vpc_id: str | None = None
    engine: str = ""
    availability_zone: str = ""
    address: str = ""  # the endpoint's DNS name, when known
    via: str = ""  # "replication group RG (primary)" when named by its replication group
    subnet_choices: tuple[str, ...] = ()  # the subnet group's subnets (to place it by AZ when AWS omits them)

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"

    def __str__(self) -> str:
        return (
            f"{self.label} ({self.engine or 'database'} on tcp/{self.port} in {self.subnet_id}"
            + (f", {self.availability_zone}" if self.availability_zone else "")
            + f", groups {', '.join(self.security_group_ids) or 'none'})"
        )


def split_name(destination: str) -> tuple[str, str] | None:
    """``("rds", "orders-db")`` for ``"rds:orders-db"``; None when the text names no database."""
    kind, sep, name = destination.partition(":")
    if not sep or kind.lower() not in KINDS:
        return None
    name = name.strip()
    if not name:
        raise DestinationError(
            f'{destination!r} names no database: write {kind.lower()}:NAME, e.g. "{kind.lower()}:orders-db".'
        )
    return kind.lower(), name


def not_found(kind: str, name: str, known: dict[str, Any], groups: dict[str, Any] | None = None) -> DestinationError:
    """The error for a name that is not there, with the ones that are."""
    names = sorted(known) + sorted(groups or ())
    what = "DB instance" if kind == "rds" else "cache cluster or replication group"
    listed = ", ".join(names) if names else "none in this account and region"
    scope = (
        " Aurora DB clusters are out of scope: name one of the cluster's DB instances only if it is not Aurora."
        if kind == "rds"
        else " ElastiCache Serverless caches are out of scope (they are not cache clusters)."
    )
    return DestinationError(
        f"No {what} named {name!r}"
        + did_you_mean(name, names, n=1, form=" (did you mean {}?)", quote=True)
        + f". The {kind} destinations here: {listed}.{scope}"
    )


# ------------------------------------------------------------------------------------------ from AWS


def _subnet_in_az(subnets: list[dict], az: str) -> str:
    """The subnet of a subnet group in ``az`` (the first one when none matches, e.g. an AZ not reported)."""
    for s in subnets:
        if (s.get("SubnetAvailabilityZone") or {}).get("Name") == az:
            return s.get("SubnetIdentifier", "")
    return subnets[0].get("SubnetIdentifier", "") if subnets else ""


def rds_from_aws(instances: list[dict]) -> dict[str, Database | str]:
    """DB instance id → ``Database`` (or the reason it can't be a destination, e.g. Aurora)."""
    out: dict[str, Database | str] = {}
    for inst in instances:
        name = inst.get("DBInstanceIdentifier", "")
        engine = inst.get("Engine", "") or ""
        if engine.startswith("aurora") or inst.get("DBClusterIdentifier"):
            out[name] = (
                f"rds:{name} belongs to the Aurora DB cluster {inst.get('DBClusterIdentifier', '?')}: "
                "Aurora clusters are out of scope for labkit's trace. Trace its address instead "
                '("IP:PORT").'
            )
            continue
        group = inst.get("DBSubnetGroup") or {}
        az = inst.get("AvailabilityZone", "")  # Multi-AZ: the primary's zone
        subnet = _subnet_in_az(group.get("Subnets") or [], az)
        if not subnet:
            out[name] = (
                f"rds:{name} has no DB subnet group (a DB instance outside a VPC): it has no subnet to trace to."
            )
            continue
        endpoint = inst.get("Endpoint") or {}
        port = endpoint.get("Port") or inst.get("DbInstancePort") or DEFAULT_PORTS.get(engine.split("-")[0], 0)
        out[name] = Database(
            "rds",
            name,
            subnet,
            tuple(
                g["VpcSecurityGroupId"]
                for g in inst.get("VpcSecurityGroups") or ()
                if g.get("Status", "active") != "removing"
            ),
            int(port),
            group.get("VpcId"),
            engine,
            az,
            endpoint.get("Address", ""),
        )
    return out


def elasticache_from_aws(
    clusters: list[dict], subnet_groups: list[dict], replication_groups: list[dict]
) -> tuple[dict[str, Database | str], dict[str, str]]:
    """(cache cluster id → ``Database`` or the reason it can't be one, replication group id → primary's id)."""
    groups = {g.get("CacheSubnetGroupName"): g for g in subnet_groups}
    out: dict[str, Database | str] = {}
    for c in clusters:
        name = c.get("CacheClusterId", "")
        group = groups.get(c.get("CacheSubnetGroupName"))
        if group is None:
            out[name] = f"elasticache:{name} has no cache subnet group in a VPC: it has no subnet to trace to."
            continue
        nodes = c.get("CacheNodes") or []
        az = (nodes[0].get("CustomerAvailabilityZone") if nodes else "") or c.get("PreferredAvailabilityZone", "")
        endpoint = (nodes[0].get("Endpoint") if nodes else None) or c.get("ConfigurationEndpoint") or {}
        engine = c.get("Engine", "") or ""
        port = endpoint.get("Port") or DEFAULT_PORTS.get(engine, 0)
        subnets = list(group.get("Subnets") or ())
        out[name] = Database(
            "elasticache",
            name,
            _subnet_in_az(subnets, az),
            tuple(g["SecurityGroupId"] for g in c.get("SecurityGroups") or ()),
            int(port),
            group.get("VpcId"),
            engine,
            az,
            endpoint.get("Address", ""),
            subnet_choices=tuple(s.get("SubnetIdentifier", "") for s in subnets),
        )
    primaries: dict[str, str] = {}
    for rg in replication_groups:
        for ng in rg.get("NodeGroups") or ():
            for m in ng.get("NodeGroupMembers") or ():
                if m.get("CurrentRole") == "primary" and rg.get("ReplicationGroupId") not in primaries:
                    primaries[rg["ReplicationGroupId"]] = m.get("CacheClusterId", "")
    return out, primaries


class DatabaseLoader:
    """Reads one kind of database from an account on first use, and keeps it.

    ``calls``: every (service, operation) made so far, in order (tests count them).
    """

    def __init__(self, session: Any, region: str) -> None:
        self.session = session
        self.region = region
        self.calls: list[tuple[str, str]] = []
        self._read: dict[str, tuple[dict[str, Database | str], dict[str, str]]] = {}

    def __call__(self, kind: str) -> tuple[dict[str, Database | str], dict[str, str]]:
        if kind not in self._read:
            if kind == "rds":
                self._read[kind] = (rds_from_aws(self._collect("rds", 0)), {})
            else:
                self._read[kind] = elasticache_from_aws(
                    self._collect("elasticache", 1, ShowCacheNodeInfo=True),
                    self._collect("elasticache", 2),
                    self._collect("elasticache", 3),
                )
        return self._read[kind]

    def _collect(self, service: str, index: int, **params: Any) -> list[dict]:
        from labkit.vpc.importer import read_only_client

        _, method, key, operation = DATABASE_CALLS[index]
        client = read_only_client(self.session, service, region_name=self.region)
        self.calls.append((service, operation))
        items: list[dict] = []
        try:
            for page in client.get_paginator(method).paginate(**params):
                items.extend(page.get(key) or ())
        except Exception as e:  # noqa: BLE001 - a denied call gets a message naming the permission
            code = (getattr(e, "response", None) or {}).get("Error", {}).get("Code", "")
            if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"):
                raise AwsAccessError(
                    f"AWS said {code} for {service}:{operation}, which labkit needs to trace to a {service} "
                    f"destination. Allow {service}:{operation} (docs/readonly-policy.json lists every call "
                    'labkit reach makes), or trace the database\'s address instead ("IP:PORT").'
                ) from e
            raise
        return items


def lookup(databases: tuple[Database, ...], loader: Callable[[str], Any] | None, kind: str, name: str) -> Database:
    """The database ``kind:name`` from the topology's list, else from its loader; ``DestinationError`` if none."""
    listed = {d.name: d for d in databases if d.kind == kind}
    found: dict[str, Database | str] = dict(listed)
    primaries: dict[str, str] = {}
    if name not in found and loader is not None:
        read, primaries = loader(kind)
        found.update(read)
    via = ""
    if name not in found and name in primaries:
        via, name = f"replication group {name} (its primary node)", primaries[name]
    hit = found.get(name)
    if hit is None:
        raise not_found(kind, name, {k: v for k, v in found.items()}, primaries)
    if isinstance(hit, str):
        raise DestinationError(hit)
    if via:
        from dataclasses import replace

        hit = replace(hit, via=via)
    return hit
