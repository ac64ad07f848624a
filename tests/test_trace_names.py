"""Traces name resources like the console (Name tag next to the id) and have a short form."""

from __future__ import annotations

import pytest

import labkit as lk
from labkit.vpc.model import LambdaFunction, Route, RouteTable, SecurityGroup, SgRule, Subnet, Topology, Vpc

SUBNET_A, SUBNET_B = "subnet-0a1b2c3d4e5f60718", "subnet-0c6a7b8c9d0e1f203"


def _topology(egress: bool) -> Topology:
    local = Route("10.0.0.0/16", "local", "local")
    return Topology(
        vpcs=(Vpc("vpc-0123456789abcdef0", ("10.0.0.0/16",), name="sample"),),
        subnets=(
            Subnet(SUBNET_A, "vpc-0123456789abcdef0", "10.0.1.0/24", "us-east-1a", name="sample-private-subnet-a"),
            Subnet(SUBNET_B, "vpc-0123456789abcdef0", "10.0.2.0/24", "us-east-1b", name="sample-private-subnet-b"),
        ),
        route_tables=(
            RouteTable(
                "rtb-0fedcba987654321f",
                "vpc-0123456789abcdef0",
                (local,),
                (SUBNET_A, SUBNET_B),
                name="sample-private-routes",
            ),
            RouteTable("rtb-0main0000000000000", "vpc-0123456789abcdef0", (local,), is_main=True),
        ),
        security_groups=(
            SecurityGroup(
                "sg-0aaaabbbbccccdddd",
                "vpc-0123456789abcdef0",
                "orders-fn",
                egress=(SgRule("-1", cidr="0.0.0.0/0"),) if egress else (),
            ),
        ),
        functions=(
            LambdaFunction(
                "orders",
                subnet_ids=(SUBNET_A, SUBNET_B),
                security_group_ids=("sg-0aaaabbbbccccdddd",),
                vpc_id="vpc-0123456789abcdef0",
            ),
        ),
    )


@pytest.mark.parametrize("egress", [True, False], ids=["no-route", "no-egress"])
def test_the_short_form_fits_in_15_lines_of_100_characters(egress):
    t = lk.trace(_topology(egress), "orders", "internet")
    short = t.summary().splitlines()
    assert not t.reachable
    assert len(short) <= 15 and all(len(line) <= 100 for line in short), t.summary()
    assert short[0] == t.headline()
    assert any("sample-private-subnet-b (subnet-0c6a…)" in line for line in short)
    assert sum("✘" in line for line in short) == 2  # one line per subnet
    assert any(line.strip().startswith("Fix:") for line in short)


def test_names_in_the_full_text_the_html_and_the_json():
    t = lk.trace(_topology(True), "orders", "internet")
    text = str(t)
    assert f"sample-private-subnet-b ({SUBNET_B})" in text
    assert "sample-private-routes (rtb-0fedcba987654321f)" in text
    assert "orders-fn (sg-0aaaabbbbccccdddd)" in text
    assert t.summary() not in text or len(text.splitlines()) > len(t.summary().splitlines())
    d = t.to_dict()
    assert [p["name"] for p in d["paths"]] == ["sample-private-subnet-a", "sample-private-subnet-b"]
    assert d["paths"][0]["blocked_by"]["name"] == "sample-private-routes"
    assert {h["name"] for h in d["paths"][0]["hops"]} >= {"sample-private-subnet-a", "orders-fn"}
    page = t._repr_html_()
    assert page.index("labkit-trace-summary") < page.index("<details>")  # the short form first, details folded
    assert "sample-private-subnet-b (subnet-0c6a…)" in page and f"sample-private-subnet-b ({SUBNET_B})" in page


def test_unnamed_resources_show_their_id_only():
    topo = _topology(True)
    t = lk.trace(topo, "orders", "internet")
    assert "rtb-0main" not in str(t)
    assert lk.vpc.results.named("sg-1", {}) == "sg-1"


def test_a_reachable_trace_names_how():
    t = lk.trace(_topology(True), "orders", "10.0.2.9:5432")
    assert t.reachable
    assert t.summary().splitlines()[1].startswith("  ✔ from sample-private-subnet-a (subnet-0a1b…)")
