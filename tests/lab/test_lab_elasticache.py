"""The lab records what moto drops of ElastiCache: a cache cluster's security groups and its nodes
(``describe_cache_clusters(ShowCacheNodeInfo=True)`` answers with SecurityGroups and CacheNodes, as AWS
does), so ``"elasticache:NAME"`` traces work in a lab."""

from __future__ import annotations

import pytest

import labkit as lk
from labkit import samples


@pytest.fixture(scope="module")
def net(lab):
    ids = samples.build_private(lab.session, name="cache")
    ec2 = lab.client("ec2")
    fn_sg = ids["security_group_id"]
    db_sg = ec2.create_security_group(GroupName="cache-db", Description="cache", VpcId=ids["vpc_id"])["GroupId"]
    samples.create_function(lab.session, "orders", ids["private_subnet_ids"], [fn_sg])
    lab.client("lambda").get_waiter("function_active_v2").wait(FunctionName="orders")
    ecc = lab.client("elasticache")
    ecc.create_cache_subnet_group(
        CacheSubnetGroupName="cache", CacheSubnetGroupDescription="cache", SubnetIds=ids["private_subnet_ids"]
    )
    ecc.create_cache_cluster(
        CacheClusterId="sessions",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=1,
        CacheSubnetGroupName="cache",
        SecurityGroupIds=[db_sg],
    )
    ecc.create_replication_group(
        ReplicationGroupId="carts",
        ReplicationGroupDescription="carts",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=1,
        CacheSubnetGroupName="cache",
        SecurityGroupIds=[db_sg],
        Port=6380,
    )
    return dict(ids, fn_sg=fn_sg, db_sg=db_sg, ec2=ec2, ecc=ecc)


def test_describe_cache_clusters_answers_with_groups_and_nodes(lab, net):
    clusters = {
        c["CacheClusterId"]: c for c in net["ecc"].describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
    }
    assert set(clusters) >= {"sessions", "carts-001"}  # a replication group's member cluster is listed too
    for name, port in (("sessions", 6379), ("carts-001", 6380)):
        c = clusters[name]
        assert [g["SecurityGroupId"] for g in c["SecurityGroups"]] == [net["db_sg"]]
        node = c["CacheNodes"][0]
        assert node["Endpoint"]["Port"] == port and node["Endpoint"]["Address"].startswith(f"{name}.")
        assert node["Endpoint"]["Address"].endswith(".cache.amazonaws.com")
        assert node["CustomerAvailabilityZone"].startswith(lab.region)
    groups = net["ecc"].describe_cache_subnet_groups(CacheSubnetGroupName="cache")["CacheSubnetGroups"]
    zones = {s["SubnetAvailabilityZone"]["Name"]: s["SubnetIdentifier"] for s in groups[0]["Subnets"]}
    assert len(zones) == 2  # each subnet's zone, as AWS answers
    zone = clusters["sessions"]["CacheNodes"][0]["CustomerAvailabilityZone"]
    assert lab.topology().database("elasticache", "sessions").subnet_id == zones[zone]
    plain = net["ecc"].describe_cache_clusters()["CacheClusters"]
    assert all("CacheNodes" not in c for c in plain)  # only with ShowCacheNodeInfo, as on AWS


def test_without_a_rule_the_cache_group_blocks_then_a_group_reference_admits(lab, net):
    t = lk.trace(lab.topology(), "orders", "elasticache:sessions")
    assert not t.reachable and t.blocked_by.code.value == "SG_INGRESS"
    assert t.blocked_by.resource_id == net["db_sg"]
    for port in (6379, 6380):
        net["ec2"].authorize_security_group_ingress(
            GroupId=net["db_sg"],
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": net["fn_sg"]}]}
            ],
        )
    assert lk.trace(lab.topology(), "orders", "elasticache:sessions").reachable  # the topology was refreshed
    assert lk.trace(lab.topology(), "orders", "elasticache:carts").reachable  # the primary of the group


def test_a_memcached_cluster_gets_its_engines_port(lab, net):
    net["ecc"].create_cache_cluster(
        CacheClusterId="scratch",
        Engine="memcached",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=2,
        CacheSubnetGroupName="cache",
        SecurityGroupIds=[net["db_sg"]],
    )
    db = lab.topology().database("elasticache", "scratch")
    assert (db.port, db.security_group_ids) == (11211, (net["db_sg"],))
    c = net["ecc"].describe_cache_clusters(CacheClusterId="scratch", ShowCacheNodeInfo=True)["CacheClusters"][0]
    assert [n["CacheNodeId"] for n in c["CacheNodes"]] == ["0001", "0002"]
