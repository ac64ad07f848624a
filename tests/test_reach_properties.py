"""Property tests of ``trace`` on random topologies built from model objects.

* trace never raises on a well-formed topology and a valid source/destination;
* it is deterministic, also when the describe output comes in another order;
* adding an allow rule (security group or network ACL) never turns reachable into unreachable.
"""

from __future__ import annotations

import dataclasses
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit.vpc.model import (
    InternetGateway,
    LambdaFunction,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    PrefixList,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Topology,
    Vpc,
    VpcEndpoint,
)
from labkit.vpc.reach import trace

DESTINATIONS = [
    "internet",
    "s3",
    "dynamodb",
    "sqs",
    "10.0.1.10:5432",
    "10.0.2.10:443",
    "10.1.0.10:443",
    "198.51.100.7:80",
    "internet:8080",
]

PORT_CHOICES = [(443, 443), (5432, 5432), (0, 65535), (1024, 65535), (32768, 65535), (80, 80)]
CIDR_CHOICES = ["0.0.0.0/0", "10.0.0.0/16", "10.0.1.0/24", "10.0.2.0/24", "10.0.0.0/24", "203.0.113.0/24"]


@st.composite
def sg_rules(draw, max_size=3):
    rules = []
    for _ in range(draw(st.integers(0, max_size))):
        proto = draw(st.sampled_from(["-1", "tcp", "udp"]))
        lo, hi = draw(st.sampled_from(PORT_CHOICES))
        peer = draw(st.sampled_from(["cidr", "group", "pl"]))
        rules.append(
            SgRule(
                proto,
                None if proto == "-1" else lo,
                None if proto == "-1" else hi,
                cidr=draw(st.sampled_from(CIDR_CHOICES)) if peer == "cidr" else None,
                group_id=draw(st.sampled_from(["sg-fn", "sg-db", "sg-ep"])) if peer == "group" else None,
                prefix_list_id="pl-s3" if peer == "pl" else None,
            )
        )
    return tuple(rules)


@st.composite
def nacl_entries(draw):
    entries, used = [], set()
    for _ in range(draw(st.integers(0, 4))):
        egress = draw(st.booleans())
        number = draw(st.integers(1, 200))
        if (egress, number) in used:
            continue
        used.add((egress, number))
        proto = draw(st.sampled_from(["-1", "6"]))
        lo, hi = draw(st.sampled_from(PORT_CHOICES))
        entries.append(
            NaclEntry(
                number,
                egress,
                draw(st.sampled_from(["allow", "deny"])),
                proto,
                draw(st.sampled_from(CIDR_CHOICES)),
                None if proto == "-1" else lo,
                None if proto == "-1" else hi,
            )
        )
    return entries


@st.composite
def topologies(draw):
    subnets = (
        Subnet("subnet-pub", "vpc-1", "10.0.0.0/24", "us-east-1a"),
        Subnet("subnet-a", "vpc-1", "10.0.1.0/24", "us-east-1a"),
        Subnet("subnet-b", "vpc-1", "10.0.2.0/24", "us-east-1b"),
        Subnet("subnet-peer", "vpc-2", "10.1.0.0/24", "us-east-1a"),
    )
    default_route = draw(
        st.sampled_from(
            [None, ("igw", "igw-1"), ("nat", "nat-1"), ("nat", "nat-gone"), ("pcx", "pcx-1"), ("eni", "eni-x")]
        )
    )
    private_routes = [Route("10.0.0.0/16", "local", "local")]
    if default_route:
        private_routes.append(Route("0.0.0.0/0", *default_route))
    if draw(st.booleans()):
        private_routes.append(Route("pl-s3", "vpce", "vpce-s3"))
    if draw(st.booleans()):
        private_routes.append(Route("10.1.0.0/16", "pcx", "pcx-1"))
    if draw(st.booleans()):
        private_routes.append(
            Route("203.0.113.0/24", draw(st.sampled_from(["igw", "nat"])), draw(st.sampled_from(["igw-1", "nat-1"])))
        )
    public_routes = [Route("10.0.0.0/16", "local", "local")]
    if draw(st.booleans()):
        public_routes.append(Route("0.0.0.0/0", "igw", "igw-1"))
    peer_routes = [Route("10.1.0.0/16", "local", "local")]
    if draw(st.booleans()):
        peer_routes.append(Route(draw(st.sampled_from(["10.0.0.0/16", "10.0.1.0/24"])), "pcx", "pcx-1"))
    explicit = draw(st.sampled_from([("subnet-a",), ("subnet-a", "subnet-b"), ()]))
    route_tables = (
        RouteTable("rtb-main", "vpc-1", tuple(private_routes[:1]), is_main=True),
        RouteTable("rtb-priv", "vpc-1", tuple(private_routes), explicit),
        RouteTable("rtb-pub", "vpc-1", tuple(public_routes), ("subnet-pub",)),
        RouteTable("rtb-peer", "vpc-2", tuple(peer_routes), is_main=True),
    )
    nat_subnet = draw(st.sampled_from(["subnet-pub", "subnet-a"]))
    security_groups = (
        SecurityGroup("sg-fn", "vpc-1", egress=draw(sg_rules())),
        SecurityGroup("sg-db", "vpc-1", ingress=draw(sg_rules())),
        SecurityGroup("sg-ep", "vpc-1", ingress=draw(sg_rules())),
        SecurityGroup("sg-peer", "vpc-2", ingress=draw(sg_rules())),
    )
    acl_entries = draw(nacl_entries())
    network_acls = (
        NetworkAcl(
            "acl-default", "vpc-1", (NaclEntry(100, True, "allow"), NaclEntry(100, False, "allow")), is_default=True
        ),
        NetworkAcl(
            "acl-custom",
            "vpc-1",
            tuple(acl_entries),
            draw(st.sampled_from([(), ("subnet-a",), ("subnet-b",), ("subnet-pub",)])),
        ),
    )
    endpoints = [
        VpcEndpoint(
            "vpce-s3",
            "vpc-1",
            "com.amazonaws.us-east-1.s3",
            "Gateway",
            state=draw(st.sampled_from(["available", "pending"])),
            route_table_ids=("rtb-priv",),
        )
    ]
    if draw(st.booleans()):
        endpoints.append(
            VpcEndpoint(
                "vpce-sqs",
                "vpc-1",
                "com.amazonaws.us-east-1.sqs",
                "Interface",
                subnet_ids=draw(st.sampled_from([("subnet-a",), ("subnet-b",), ("subnet-a", "subnet-b")])),
                security_group_ids=("sg-ep",),
                private_dns_enabled=draw(st.booleans()),
            )
        )
    fn_subnets = draw(st.sampled_from([("subnet-a",), ("subnet-b",), ("subnet-a", "subnet-b"), ("subnet-pub",), ()]))
    return Topology(
        vpcs=(Vpc("vpc-1", ("10.0.0.0/16",)), Vpc("vpc-2", ("10.1.0.0/16",))),
        subnets=subnets,
        route_tables=route_tables,
        internet_gateways=(InternetGateway("igw-1", draw(st.sampled_from([("vpc-1",), ()]))),),
        nat_gateways=(
            NatGateway(
                "nat-1",
                "vpc-1",
                nat_subnet,
                state=draw(st.sampled_from(["available", "deleted"])),
                connectivity_type=draw(st.sampled_from(["public", "public", "private"])),
            ),
        ),
        vpc_endpoints=tuple(endpoints),
        security_groups=security_groups,
        network_acls=network_acls,
        peering_connections=(
            __import__("labkit.vpc.model", fromlist=["PeeringConnection"]).PeeringConnection(
                "pcx-1", "vpc-1", "vpc-2", draw(st.sampled_from(["active", "pending-acceptance"]))
            ),
        ),
        network_interfaces=(
            NetworkInterface("eni-db1", "subnet-a", "vpc-1", ("10.0.1.10",), ("sg-db",)),
            NetworkInterface("eni-db2", "subnet-b", "vpc-1", ("10.0.2.10",), ("sg-db",)),
            NetworkInterface("eni-peer", "subnet-peer", "vpc-2", ("10.1.0.10",), ("sg-peer",)),
        ),
        prefix_lists=(PrefixList("pl-s3", "com.amazonaws.us-east-1.s3"),),
        functions=(LambdaFunction("fn", subnet_ids=fn_subnets, security_group_ids=("sg-fn",) if fn_subnets else ()),),
    )


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(topologies(), st.sampled_from(DESTINATIONS))
def test_trace_never_raises_and_always_explains(topo, dest):
    t = trace(topo, "fn", dest)
    assert len(t.paths) == max(1, len(topo.function("fn").subnet_ids))
    for p in t.paths:
        if not p.reachable:
            assert p.blocked_by.resource_id and p.blocked_by.message
            assert p.blocked_by.code.value in str(t)
        assert p.hops, "every path shows at least one hop"
    assert t.to_dict()["reachable"] == t.reachable


@SETTINGS
@given(topologies(), st.sampled_from(DESTINATIONS), st.randoms(use_true_random=False))
def test_trace_is_deterministic_and_order_independent(topo, dest, rnd: random.Random):
    first = trace(topo, "fn", dest).to_dict()
    assert trace(topo, "fn", dest).to_dict() == first
    shuffled = {}
    for f in dataclasses.fields(Topology):
        value = getattr(topo, f.name)
        if isinstance(value, tuple):
            value = list(value)
            rnd.shuffle(value)
            value = tuple(value)
        shuffled[f.name] = value
    assert trace(Topology(**shuffled), "fn", dest).to_dict() == first


def _with_allow(topo: Topology, where: str, rule) -> Topology:
    if where == "nacl":
        acls = tuple(
            dataclasses.replace(a, entries=a.entries + (rule(a),))
            if all((e.rule_number, e.egress) != (rule(a).rule_number, rule(a).egress) for e in a.entries)
            else a
            for a in topo.network_acls
        )
        return dataclasses.replace(topo, network_acls=acls)
    sgs = tuple(dataclasses.replace(sg, **{where: getattr(sg, where) + (rule,)}) for sg in topo.security_groups)
    return dataclasses.replace(topo, security_groups=sgs)


@st.composite
def allow_rules(draw):
    where = draw(st.sampled_from(["nacl", "ingress", "egress"]))
    lo, hi = draw(st.sampled_from(PORT_CHOICES))
    cidr = draw(st.sampled_from(CIDR_CHOICES))
    if where == "nacl":
        number = draw(st.integers(1, 400))  # anywhere in the order (skipped where the number is taken)
        egress = draw(st.booleans())
        return where, lambda acl: NaclEntry(number, egress, "allow", "6", cidr, lo, hi)
    peer = draw(st.sampled_from(["cidr", "group"]))
    return where, SgRule(
        "tcp",
        lo,
        hi,
        cidr=cidr if peer == "cidr" else None,
        group_id=draw(st.sampled_from(["sg-fn", "sg-db"])) if peer == "group" else None,
    )


@SETTINGS
@given(topologies(), st.sampled_from(DESTINATIONS), allow_rules())
def test_adding_an_allow_rule_never_breaks_reachability(topo, dest, extra):
    before = trace(topo, "fn", dest)
    after = trace(_with_allow(topo, *extra), "fn", dest)
    for b, a in zip(before.paths, after.paths, strict=False):
        if b.reachable:
            assert a.reachable, f"allow rule {extra} broke {b.subnet_id}: {a.blocked_by}"
