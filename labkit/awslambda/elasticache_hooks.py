"""ElastiCache as a trace destination needs it: the cache clusters' security groups and nodes, which moto drops.

AWS's DescribeCacheClusters returns each cluster's ``SecurityGroups`` and, with ShowCacheNodeInfo, its
``CacheNodes`` (each with an ``Endpoint`` address and port, and its ``CustomerAvailabilityZone``); moto
returns neither, and lists no member clusters of a replication group. The lab records them from the create
calls (CreateCacheCluster, CreateReplicationGroup, and the SecurityGroupIds of ModifyCacheCluster /
ModifyReplicationGroup) and adds them to DescribeCacheClusters answers; DescribeCacheSubnetGroups answers get
each subnet's Availability Zone (moto leaves it empty). So ``"elasticache:NAME"`` traces
work in the lab as on a real account. The endpoint's host name is labkit's model of AWS's form.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ElastiCacheHooks"]

#: The engines' default ports (AWS: Redis OSS and Valkey 6379, Memcached 11211).
_PORTS = {"redis": 6379, "valkey": 6379, "memcached": 11211}


@dataclass
class _Cluster:
    """What the lab knows of one cache cluster beyond moto."""

    cluster_id: str
    engine: str
    port: int
    security_group_ids: list[str]
    subnet_group: str = ""
    zone: str = ""
    replication_group: str = ""  # set for a member cluster that moto does not list itself
    nodes: int = 1
    extra: dict = field(default_factory=dict)  # the fields of a member cluster moto does not list


class ElastiCacheHooks:
    """What the lab does after ElastiCache calls (a table from operation name to step, like ``Ec2Hooks``)."""

    def __init__(self, lab: Any) -> None:
        self._lab = lab
        self.clusters: dict[str, _Cluster] = {}

    def after(self, operation: str, params: dict, parsed: dict) -> None:
        step = _AFTER.get(operation)
        if step is not None and isinstance(parsed, dict):
            step(self, params, parsed)

    # after the call

    def _cluster_created(self, params: dict, parsed: dict) -> None:
        c = parsed.get("CacheCluster") or {}
        name = c.get("CacheClusterId") or params.get("CacheClusterId", "")
        engine = (c.get("Engine") or params.get("Engine") or "redis").lower()
        subnet_group = c.get("CacheSubnetGroupName") or params.get("CacheSubnetGroupName", "")
        self.clusters[name] = _Cluster(
            name,
            engine,
            int(params.get("Port") or _PORTS.get(engine, 0)),
            list(params.get("SecurityGroupIds") or ()),
            subnet_group,
            params.get("PreferredAvailabilityZone") or self._first_zone(subnet_group),
            nodes=int(params.get("NumCacheNodes") or 1),
        )

    def _replication_group_created(self, params: dict, parsed: dict) -> None:
        rg = parsed.get("ReplicationGroup") or {}
        rg_id = rg.get("ReplicationGroupId") or params.get("ReplicationGroupId", "")
        primary = params.get("PrimaryClusterId")
        if primary:  # made from an existing cluster: it keeps its own groups unless new ones are given
            if primary in self.clusters and params.get("SecurityGroupIds"):
                self.clusters[primary].security_group_ids = list(params["SecurityGroupIds"])
            return
        engine = (params.get("Engine") or "redis").lower()
        subnet_group = params.get("CacheSubnetGroupName", "")
        for group in rg.get("NodeGroups") or ():
            for member in group.get("NodeGroupMembers") or ():
                name = member.get("CacheClusterId", "")
                if not name:
                    continue
                self.clusters[name] = _Cluster(
                    name,
                    engine,
                    int(params.get("Port") or _PORTS.get(engine, 0)),
                    list(params.get("SecurityGroupIds") or ()),
                    subnet_group,
                    member.get("PreferredAvailabilityZone") or self._first_zone(subnet_group),
                    replication_group=rg_id,
                    extra={
                        "CacheNodeType": params.get("CacheNodeType", ""),
                        "Engine": engine,
                        "CacheClusterStatus": "available",
                        "NumCacheNodes": 1,
                        "CacheSubnetGroupName": subnet_group,
                        "ReplicationGroupId": rg_id,
                    },
                )

    def _groups_modified(self, params: dict, parsed: dict) -> None:
        groups = params.get("SecurityGroupIds")
        if not groups:
            return
        if params.get("CacheClusterId") in self.clusters:
            self.clusters[params["CacheClusterId"]].security_group_ids = list(groups)
        for c in self.clusters.values():
            if params.get("ReplicationGroupId") and c.replication_group == params["ReplicationGroupId"]:
                c.security_group_ids = list(groups)

    def _replication_group_deleted(self, params: dict, parsed: dict) -> None:
        rg_id = params.get("ReplicationGroupId", "")
        # (a deleted cluster stays listed while "deleting", as on AWS; moto keeps it so, with its record)
        for name in [n for n, c in self.clusters.items() if c.replication_group == rg_id]:
            del self.clusters[name]

    def _clusters_described(self, params: dict, parsed: dict) -> None:
        """Add what moto leaves out: each cluster's SecurityGroups, its CacheNodes (with ShowCacheNodeInfo),
        and (on the last page, unless one cluster was asked for) the member clusters moto does not list."""
        listed = parsed.setdefault("CacheClusters", [])
        seen = set()
        for entry in listed:
            seen.add(entry.get("CacheClusterId"))
            self._amend(entry, params)
        if params.get("CacheClusterId") or parsed.get("Marker"):
            return
        for c in self.clusters.values():
            if c.replication_group and c.cluster_id not in seen:
                entry = {"CacheClusterId": c.cluster_id, **c.extra}
                self._amend(entry, params)
                listed.append(entry)

    def _amend(self, entry: dict, params: dict) -> None:
        c = self.clusters.get(entry.get("CacheClusterId", ""))
        if c is None:
            return
        entry.setdefault("SecurityGroups", [{"SecurityGroupId": g, "Status": "active"} for g in c.security_group_ids])
        if c.zone:
            entry.setdefault("PreferredAvailabilityZone", c.zone)
        if params.get("ShowCacheNodeInfo") and not entry.get("CacheNodes"):
            entry["CacheNodes"] = [
                {
                    "CacheNodeId": f"{n:04d}",
                    "CacheNodeStatus": "available",
                    "Endpoint": {"Address": self._address(c, n), "Port": c.port},
                    "CustomerAvailabilityZone": c.zone,
                }
                for n in range(1, c.nodes + 1)
            ]

    # helpers

    def _address(self, c: _Cluster, node: int) -> str:
        """A node's host name in AWS's form (cluster.xxxxxx.node.region.cache.amazonaws.com; labkit's model)."""
        tag = hashlib.sha256(f"{self._lab.account_id}:{c.cluster_id}".encode()).hexdigest()[:6]
        region = self._lab.region.split("-")
        short = region[0] + "".join(p[0] for p in region[1:-1]) + region[-1]
        return f"{c.cluster_id}.{tag}.{node:04d}.{short}.cache.amazonaws.com"

    def _first_zone(self, subnet_group: str) -> str:
        """The Availability Zone of the subnet group's first subnet (where AWS places a cluster given none)."""
        if not subnet_group:
            return ""
        try:
            found = self._lab.internal("elasticache").describe_cache_subnet_groups(CacheSubnetGroupName=subnet_group)
        except Exception:  # noqa: BLE001 - moto refused the group: the create call itself reported it
            return ""
        ids = [
            s.get("SubnetIdentifier", "") for g in found.get("CacheSubnetGroups") or () for s in g.get("Subnets") or ()
        ]
        return self._zones(ids[:1]).get(ids[0], "") if ids else ""

    def _zones(self, subnet_ids) -> dict[str, str]:
        """subnet id → its Availability Zone (from EC2; a subnet that is gone is left out)."""
        ids = [i for i in dict.fromkeys(subnet_ids) if i]
        if not ids:
            return {}
        try:
            found = self._lab.internal("ec2").describe_subnets(Filters=[{"Name": "subnet-id", "Values": ids}])
        except Exception:  # noqa: BLE001
            return {}
        return {s["SubnetId"]: s.get("AvailabilityZone", "") for s in found.get("Subnets") or ()}

    def _subnet_groups_described(self, params: dict, parsed: dict) -> None:
        """Add each subnet's Availability Zone (AWS gives ``SubnetAvailabilityZone.Name``; moto leaves it empty)."""
        subnets = [
            s
            for g in parsed.get("CacheSubnetGroups") or ()
            for s in g.get("Subnets") or ()
            if not (s.get("SubnetAvailabilityZone") or {}).get("Name")
        ]
        zones = self._zones(s.get("SubnetIdentifier", "") for s in subnets)
        for s in subnets:
            if zones.get(s.get("SubnetIdentifier", "")):
                s["SubnetAvailabilityZone"] = {"Name": zones[s["SubnetIdentifier"]]}


_AFTER = {
    "CreateCacheCluster": ElastiCacheHooks._cluster_created,
    "CreateReplicationGroup": ElastiCacheHooks._replication_group_created,
    "ModifyCacheCluster": ElastiCacheHooks._groups_modified,
    "ModifyReplicationGroup": ElastiCacheHooks._groups_modified,
    "DeleteReplicationGroup": ElastiCacheHooks._replication_group_deleted,
    "DescribeCacheClusters": ElastiCacheHooks._clusters_described,
    "DescribeCacheSubnetGroups": ElastiCacheHooks._subnet_groups_described,
}
