"""Databases by name in a trace ("rds:NAME", "elasticache:NAME"), table-driven, on moto with plain boto3.

Each case builds a small account: a VPC with the function's subnet (us-east-1a) and the database's
subnet group (us-east-1a, us-east-1b), the function's group, the database's group; then changes one thing
and traces from the function's subnet and group to the database.
"""

from __future__ import annotations

import dataclasses

import pytest

import labkit as lk
from labkit.errors import AwsAccessError, DestinationError
from labkit.vpc.databases import Database, elasticache_from_aws
from tests.builders import db_instance


def _account(session) -> dict:
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    fn_subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    db_a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.10.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    db_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.11.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    fn_sg = ec2.create_security_group(GroupName="orders-fn", Description="function", VpcId=vpc)["GroupId"]
    db_sg = ec2.create_security_group(GroupName="orders-db", Description="database", VpcId=vpc)["GroupId"]
    db_instance(
        session, "orders-db", subnet_group="orders", security_group=db_sg, subnets=[db_a, db_b], az="us-east-1b"
    )
    return {"ec2": ec2, "vpc": vpc, "fn_subnet": fn_subnet, "db_a": db_a, "db_b": db_b, "fn_sg": fn_sg, "db_sg": db_sg}


def _admit_group(ids, port=5432):
    ids["ec2"].authorize_security_group_ingress(
        GroupId=ids["db_sg"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": ids["fn_sg"]}]}
        ],
    )


def _admit_other_port(ids):
    _admit_group(ids, port=3306)


def _admit_function_subnet_cidr(ids):
    ids["ec2"].authorize_security_group_ingress(
        GroupId=ids["db_sg"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.1.0/24"}]}
        ],
    )


def _deny_nacl_inbound(ids):
    """The database subnet's network ACL admits everything but tcp/5432 (rule 90 denies it)."""
    _admit_group(ids)
    ec2 = ids["ec2"]
    acl = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [ids["db_b"]]}])[
        "NetworkAcls"
    ][0]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=90,
        Egress=False,
        Protocol="6",
        RuleAction="deny",
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 5432, "To": 5432},
    )


def _database_in_another_vpc(ids):
    """The DB's subnet group is in a VPC that is not peered: no route leads there."""
    _admit_group(ids)
    ec2 = ids["ec2"]
    other = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    s = ec2.create_subnet(VpcId=other, CidrBlock="10.1.0.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="far-db", Description="db", VpcId=other)["GroupId"]
    db_instance(
        ids["session"], "far-db", subnet_group="far", security_group=sg, subnets=[s], engine="mysql", az="us-east-1b"
    )


# (case id, change, destination, expected outcome, the resource that blocks — "db_sg", "acl", "rtb")
CASES = [
    ("reachable-by-group-reference", _admit_group, "rds:orders-db", "reachable", None),
    ("no-inbound-rule", lambda ids: None, "rds:orders-db", "SG_INGRESS", "db_sg"),
    ("inbound-rule-for-another-port", _admit_other_port, "rds:orders-db", "SG_INGRESS", "db_sg"),
    ("reachable-by-cidr", _admit_function_subnet_cidr, "rds:orders-db", "reachable", None),
    ("nacl-denies-the-port", _deny_nacl_inbound, "rds:orders-db", "NACL_INBOUND", "acl"),
    ("database-in-an-unpeered-vpc", _database_in_another_vpc, "rds:far-db", "NO_ROUTE", "rtb"),
]


@pytest.mark.parametrize("case,change,destination,outcome,blocker", CASES, ids=[c[0] for c in CASES])
def test_rds_destinations(session, case, change, destination, outcome, blocker):
    ids = _account(session)
    ids["session"] = session
    change(ids)
    topo = lk.Topology.from_boto3(session)
    t = lk.trace(topo, ids["fn_subnet"], destination, security_groups=[ids["fn_sg"]])
    got = "reachable" if t.reachable else t.blocked_by.code.value
    assert got == outcome, str(t)
    if blocker == "db_sg":
        assert t.blocked_by.resource_id == ids["db_sg"]
    elif blocker == "acl":
        assert t.blocked_by.resource_id.startswith("acl-")
    elif blocker == "rtb":
        assert t.blocked_by.resource_id.startswith("rtb-")
    if destination == "rds:orders-db" and outcome in ("reachable", "SG_INGRESS"):
        hop = next(h for h in t.paths[0].hops if h.kind == "database")
        # the instance is in us-east-1b: the subnet of its subnet group in that zone
        assert ids["db_b"] in hop.detail and "tcp/5432" in hop.detail


def test_the_fix_is_a_group_reference(session):
    ids = _account(session)
    before = lk.trace(
        lk.Topology.from_boto3(session), ids["fn_subnet"], "rds:orders-db", security_groups=[ids["fn_sg"]]
    )
    assert before.blocked_by.code.value == "SG_INGRESS" and ids["fn_sg"] in before.blocked_by.fix
    _admit_group(ids)
    after = lk.trace(lk.Topology.from_boto3(session), ids["fn_subnet"], "rds:orders-db", security_groups=[ids["fn_sg"]])
    assert after.reachable and after.destination == "rds:orders-db" and after.port == 5432


def test_databases_are_read_only_when_named_once_and_with_a_constant_number_of_calls(session):
    ids = _account(session)
    _admit_group(ids)
    for n in range(3):  # more instances: still one paginated call
        db_instance(session, f"extra-{n}", subnet_group="orders", security_group=ids["db_sg"], engine="mysql")
    topo = lk.Topology.from_boto3(session)
    calls = topo.database_loader.calls
    lk.trace(topo, ids["fn_subnet"], "internet", security_groups=[ids["fn_sg"]])
    lk.trace(topo, ids["fn_subnet"], "10.0.11.20:5432", security_groups=[ids["fn_sg"]])
    assert calls == []  # other traces read no database
    for name in ("orders-db", "extra-0", "orders-db"):
        lk.trace(topo, ids["fn_subnet"], f"rds:{name}", security_groups=[ids["fn_sg"]])
    assert calls == [("rds", "DescribeDBInstances")]


def test_an_unknown_name_lists_the_ones_that_exist(session):
    ids = _account(session)
    topo = lk.Topology.from_boto3(session)
    with pytest.raises(DestinationError, match=r"did you mean 'orders-db'.*The rds destinations here: orders-db"):
        lk.trace(topo, ids["fn_subnet"], "rds:order-db", security_groups=[ids["fn_sg"]])
    with pytest.raises(DestinationError, match="none in this account"):
        lk.trace(topo, ids["fn_subnet"], "elasticache:sessions", security_groups=[ids["fn_sg"]])
    with pytest.raises(DestinationError, match="names no database"):
        lk.trace(topo, ids["fn_subnet"], "rds:", security_groups=[ids["fn_sg"]])


def test_elasticache_cluster_and_replication_group(session):
    ids = _account(session)
    ecc = session.client("elasticache")
    ecc.create_cache_subnet_group(
        CacheSubnetGroupName="cache", CacheSubnetGroupDescription="c", SubnetIds=[ids["db_a"], ids["db_b"]]
    )
    ecc.create_cache_cluster(
        CacheClusterId="sessions",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=1,
        CacheSubnetGroupName="cache",
        SecurityGroupIds=[ids["db_sg"]],
        PreferredAvailabilityZone="us-east-1b",
    )
    ecc.create_replication_group(
        ReplicationGroupId="carts", ReplicationGroupDescription="carts", PrimaryClusterId="sessions"
    )
    topo = lk.Topology.from_boto3(session)
    db = topo.database("elasticache", "sessions")
    assert (db.subnet_id, db.port, db.engine) == (ids["db_b"], 6379, "redis")  # placed by its AZ
    assert len(topo.database_loader.calls) == 3
    topo.database("elasticache", "sessions")
    assert len(topo.database_loader.calls) == 3  # kept
    primary = ecc.describe_replication_groups()["ReplicationGroups"][0]["NodeGroups"][0]["NodeGroupMembers"][0]
    known = {c["CacheClusterId"] for c in ecc.describe_cache_clusters()["CacheClusters"]}
    if primary["CacheClusterId"] in known:
        assert topo.database("elasticache", "carts").via.startswith("replication group carts")
    with pytest.raises(DestinationError, match="sessions"):
        topo.database("elasticache", "session")


def test_elasticache_as_aws_describes_it():
    """AWS returns the cluster's security groups and nodes (moto drops them): a replication group id means
    the cluster of its primary node."""
    clusters = [
        {
            "CacheClusterId": "carts-001",
            "Engine": "redis",
            "CacheSubnetGroupName": "cache",
            "SecurityGroups": [{"SecurityGroupId": "sg-db", "Status": "active"}],
            "CacheNodes": [
                {
                    "CacheNodeId": "0001",
                    "Endpoint": {"Address": "carts-001.x.cache.amazonaws.com", "Port": 6380},
                    "CustomerAvailabilityZone": "us-east-1b",
                }
            ],
            "ReplicationGroupId": "carts",
        },
        {
            "CacheClusterId": "carts-002",
            "Engine": "redis",
            "CacheSubnetGroupName": "cache",
            "CacheNodes": [{"CustomerAvailabilityZone": "us-east-1a", "Endpoint": {"Port": 6380}}],
        },
    ]
    groups = [
        {
            "CacheSubnetGroupName": "cache",
            "VpcId": "vpc-1",
            "Subnets": [
                {"SubnetIdentifier": "subnet-a", "SubnetAvailabilityZone": {"Name": "us-east-1a"}},
                {"SubnetIdentifier": "subnet-b", "SubnetAvailabilityZone": {"Name": "us-east-1b"}},
            ],
        }
    ]
    rgs = [
        {
            "ReplicationGroupId": "carts",
            "NodeGroups": [
                {
                    "NodeGroupMembers": [
                        {"CacheClusterId": "carts-002", "CurrentRole": "replica"},
                        {"CacheClusterId": "carts-001", "CurrentRole": "primary"},
                    ]
                }
            ],
        }
    ]
    found, primaries = elasticache_from_aws(clusters, groups, rgs)
    assert primaries == {"carts": "carts-001"}
    db = found["carts-001"]
    assert isinstance(db, Database)
    assert (db.subnet_id, db.security_group_ids, db.port) == ("subnet-b", ("sg-db",), 6380)


def test_aurora_is_out_of_scope():
    from labkit.vpc.databases import rds_from_aws

    out = rds_from_aws(
        [{"DBInstanceIdentifier": "aurora-1", "Engine": "aurora-postgresql", "DBClusterIdentifier": "shop"}]
    )
    assert "out of scope" in out["aurora-1"]
    topo = lk.Topology(databases=())
    topo = dataclasses.replace(topo, database_loader=lambda kind: (out, {}))
    with pytest.raises(DestinationError, match="Aurora clusters are out of scope"):
        topo.database("rds", "aurora-1")


class _DeniedSession:
    """A session whose rds client answers AccessDenied (botocore's Stubber: nothing is sent)."""

    region_name = "us-east-1"

    def __init__(self, session):
        self._session = session

    def client(self, service, region_name=None):
        from botocore.stub import Stubber

        client = self._session.client(service, region_name=region_name)
        stub = Stubber(client)
        stub.add_client_error("describe_db_instances", service_error_code="AccessDenied", http_status_code=403)
        stub.activate()
        return client


def test_access_denied_names_the_missing_permission(session):
    from labkit.vpc.databases import DatabaseLoader

    topo = dataclasses.replace(lk.Topology(), database_loader=DatabaseLoader(_DeniedSession(session), "us-east-1"))
    with pytest.raises(AwsAccessError, match="rds:DescribeDBInstances"):
        topo.database("rds", "orders-db")


def test_the_database_calls_are_in_the_read_only_allow_list_and_policy():
    from labkit.vpc.importer import IMPORTER_CALLS, minimal_read_only_policy

    for call in [
        ("rds", "DescribeDBInstances"),
        ("elasticache", "DescribeCacheClusters"),
        ("elasticache", "DescribeCacheSubnetGroups"),
        ("elasticache", "DescribeReplicationGroups"),
    ]:
        assert call in IMPORTER_CALLS
        assert f"{call[0]}:{call[1]}" in minimal_read_only_policy()["Statement"][0]["Action"]
