"""``lk.draw``: what the DOT source holds, how a trace is highlighted, and what happens without ``dot``."""

from __future__ import annotations

import re
import shutil

import pytest

import labkit as lk
from labkit.errors import GraphvizMissingError, UnknownResourceError
from labkit.render.draw import GREEN, RED, Picture, draw
from labkit.vpc.model import (
    InternetGateway,
    LambdaFunction,
    NatGateway,
    PeeringConnection,
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
from labkit.vpc.results import Blocker, BlockerCode, Hop, Path, Trace

# ------------------------------------------------------------------------------------ DOT reading

_ID = r'"(?:[^"\\]|\\.)*"|[\w./-]+'
_NODE = re.compile(rf"^\s*({_ID}) \[(.*)\]$")
_EDGE = re.compile(rf"^\s*({_ID}) -> ({_ID})(?: \[(.*)\])?$")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')


def _unquote(s: str) -> str:
    return s[1:-1].replace('\\"', '"') if s.startswith('"') else s


def _attrs(text: str | None) -> dict[str, str]:
    return {k: _unquote(v) for k, v in _ATTR.findall(text or "")}


class Dot:
    """The nodes, edges and clusters of a picture's DOT source."""

    def __init__(self, source: str):
        self.nodes: dict[str, dict] = {}
        self.edges: dict[tuple[str, str], dict] = {}
        self.cluster_of: dict[str, list[str]] = {}  # node → enclosing clusters, outermost first
        self.clusters: list[str] = []
        stack: list[str] = []
        for line in source.splitlines():
            s = line.strip()
            if s.startswith("subgraph "):
                name = _unquote(s[len("subgraph ") :].rstrip(" {"))
                stack.append(name)
                if name.startswith("cluster"):
                    self.clusters.append(name)
            elif s == "}":
                if stack:
                    stack.pop()
            elif m := _EDGE.match(line):
                self.edges[(_unquote(m.group(1)), _unquote(m.group(2)))] = _attrs(m.group(3))
            elif (m := _NODE.match(line)) and _unquote(m.group(1)) not in ("graph", "node", "edge"):
                nid = _unquote(m.group(1))
                self.nodes[nid] = _attrs(m.group(2))
                self.cluster_of[nid] = [c for c in stack if c.startswith("cluster")]


# ------------------------------------------------------------------------------------ a small account


def account(**extra) -> Topology:
    """The guide's "private + public" network, by hand, plus a function in each kind of subnet."""
    base = dict(
        vpcs=(Vpc("vpc-1", ("10.0.0.0/16",), name="lab"), Vpc("vpc-default", ("172.31.0.0/16",), is_default=True)),
        subnets=(
            Subnet("subnet-pub", "vpc-1", "10.0.0.0/24", "us-east-1a", name="public"),
            Subnet("subnet-a", "vpc-1", "10.0.1.0/24", "us-east-1a", name="private-a"),
            Subnet("subnet-b", "vpc-1", "10.0.2.0/24", "us-east-1b", name="private-b"),
            Subnet("subnet-def", "vpc-default", "172.31.0.0/20", "us-east-1a"),
        ),
        route_tables=(
            RouteTable("rtb-main", "vpc-1", (Route("10.0.0.0/16", "local", "local"),), is_main=True),
            RouteTable(
                "rtb-priv",
                "vpc-1",
                (
                    Route("10.0.0.0/16", "local", "local"),
                    Route("0.0.0.0/0", "nat", "nat-1"),
                    Route("pl-s3", "vpce", "vpce-s3"),
                ),
                ("subnet-a", "subnet-b"),
                name="private",
            ),
            RouteTable(
                "rtb-pub",
                "vpc-1",
                (Route("10.0.0.0/16", "local", "local"), Route("0.0.0.0/0", "igw", "igw-1")),
                ("subnet-pub",),
                name="public",
            ),
            RouteTable("rtb-def", "vpc-default", (Route("172.31.0.0/16", "local", "local"),), is_main=True),
        ),
        internet_gateways=(InternetGateway("igw-1", ("vpc-1",)),),
        nat_gateways=(NatGateway("nat-1", "vpc-1", "subnet-pub"),),
        vpc_endpoints=(
            VpcEndpoint("vpce-s3", "vpc-1", "com.amazonaws.us-east-1.s3", "Gateway", route_table_ids=("rtb-priv",)),
        ),
        prefix_lists=(PrefixList("pl-s3", "com.amazonaws.us-east-1.s3"),),
        security_groups=(SecurityGroup("sg-fn", "vpc-1", "fn", egress=(SgRule("-1", cidr="0.0.0.0/0"),)),),
        functions=(
            LambdaFunction("private-fn", subnet_ids=("subnet-a", "subnet-b"), security_group_ids=("sg-fn",)),
            LambdaFunction("public-fn", subnet_ids=("subnet-pub",), security_group_ids=("sg-fn",)),
        ),
    )
    base.update(extra)
    return Topology(**base)


def hop(kind, rid, ok=True):
    return Hop(kind, rid, ok, "detail")


# ------------------------------------------------------------------------------------ structure


def test_vpcs_and_availability_zones_are_clusters_holding_their_subnets():
    dot = Dot(draw(account()).source)
    assert "cluster_vpc-1" in dot.clusters
    assert dot.cluster_of["subnet-a"] == ["cluster_vpc-1", "cluster_vpc-1_us-east-1a"]
    assert dot.cluster_of["subnet-pub"] == ["cluster_vpc-1", "cluster_vpc-1_us-east-1a"]
    assert dot.cluster_of["subnet-b"] == ["cluster_vpc-1", "cluster_vpc-1_us-east-1b"]
    assert dot.cluster_of["nat-1"] == ["cluster_vpc-1", "cluster_vpc-1_us-east-1a"]  # in its subnet's AZ


@pytest.mark.parametrize(
    "subnet, words",
    [
        ("subnet-pub", ["public", "10.0.0.0/24", "public subnet"]),
        ("subnet-a", ["private-a", "10.0.1.0/24", "private subnet"]),
    ],
    ids=["public", "private"],
)
def test_subnet_label_says_name_id_cidr_and_public_or_private(subnet, words):
    label = Dot(draw(account()).source).nodes[subnet]["label"]
    assert subnet in label
    for w in words:
        assert w in label


def test_route_tables_gateways_endpoints_and_functions_are_drawn_and_connected():
    dot = Dot(draw(account()).source)
    assert "0.0.0.0/0 → nat-1" in dot.nodes["rtb-priv"]["label"]
    assert "pl-s3 (s3) → vpce-s3" in dot.nodes["rtb-priv"]["label"]
    assert "gateway endpoint: s3" in dot.nodes["vpce-s3"]["label"]
    assert "NAT gateway" in dot.nodes["nat-1"]["label"]
    assert "internet gateway" in dot.nodes["igw-1"]["label"]
    assert ("subnet-a", "rtb-priv") in dot.edges and ("subnet-pub", "rtb-pub") in dot.edges
    assert dot.edges[("rtb-priv", "nat-1")]["label"] == "0.0.0.0/0"
    assert dot.edges[("rtb-priv", "vpce-s3")]["label"] == "s3"
    assert ("igw-1", "internet") in dot.edges
    assert ("vpce-s3", "service/s3") in dot.edges
    assert {
        ("function/private-fn", "subnet-a"),
        ("function/private-fn", "subnet-b"),
        ("function/public-fn", "subnet-pub"),
    } <= set(dot.edges)
    assert dot.cluster_of["function/private-fn"] == []  # functions sit outside the VPC box


def test_a_route_table_no_subnet_uses_is_left_out():
    assert "rtb-main" not in Dot(draw(account()).source).nodes


def test_interface_endpoint_and_peering_are_drawn():
    topo = account(
        vpcs=account().vpcs + (Vpc("vpc-2", ("10.1.0.0/16",), name="data"),),
        subnets=account().subnets + (Subnet("subnet-db", "vpc-2", "10.1.5.0/24", "us-east-1a"),),
        vpc_endpoints=account().vpc_endpoints
        + (
            VpcEndpoint(
                "vpce-sm",
                "vpc-1",
                "com.amazonaws.us-east-1.secretsmanager",
                "Interface",
                subnet_ids=("subnet-a",),
                private_dns_enabled=True,
            ),
        ),
        peering_connections=(PeeringConnection("pcx-1", "vpc-1", "vpc-2"),),
    )
    dot = Dot(draw(topo).source)
    assert "interface endpoint: secretsmanager" in dot.nodes["vpce-sm"]["label"]
    assert "private DNS on" in dot.nodes["vpce-sm"]["label"]
    assert ("subnet-a", "vpce-sm") in dot.edges and ("vpce-sm", "service/secretsmanager") in dot.edges
    assert "vpc-1 ↔ vpc-2" in dot.nodes["pcx-1"]["label"]
    assert "cluster_vpc-2" in dot.clusters


def test_function_outside_a_vpc_goes_through_lambdas_own_network():
    topo = account(functions=(LambdaFunction("plain"),))
    dot = Dot(draw(topo).source)
    assert ("function/plain", "lambda-network") in dot.edges
    assert ("lambda-network", "internet") in dot.edges


def test_empty_default_vpc_is_left_out_unless_asked_or_it_has_a_function():
    assert "cluster_vpc-default" not in Dot(draw(account()).source).clusters
    assert "cluster_vpc-default" in Dot(draw(account(), show_default_vpc=True).source).clusters
    with_fn = account(functions=(LambdaFunction("in-default", subnet_ids=("subnet-def",)),))
    assert "cluster_vpc-default" in Dot(draw(with_fn).source).clusters


def test_vpc_id_limits_the_picture_and_an_unknown_one_is_a_clear_error():
    dot = Dot(draw(account(), vpc_id="vpc-default").source)
    assert dot.clusters == ["cluster_vpc-default", "cluster_vpc-default_us-east-1a"]
    assert "subnet-a" not in dot.nodes
    with pytest.raises(UnknownResourceError, match="vpc-nope.*Known: vpc-1, vpc-default"):
        draw(account(), vpc_id="vpc-nope")


@pytest.mark.parametrize("bad", ["private-fn internet", 42, [1, 2]], ids=["str", "int", "list"])
def test_highlight_must_be_a_trace(bad):
    with pytest.raises(TypeError, match=r"lk\.trace"):
        draw(account(), highlight=bad)


def test_repr_says_what_is_drawn_without_memory_addresses():
    text = repr(draw(account()))
    assert text == "<labkit picture: 1 VPC, 3 subnets, 2 functions>"


# ------------------------------------------------------------------------------------ highlight


def nat_trace() -> Trace:
    def path(subnet):
        return Path(
            subnet,
            (
                hop("subnet", subnet),
                hop("security-group", "sg-fn"),
                hop("network-acl", "acl-1"),
                hop("route-table", "rtb-priv"),
                hop("nat-gateway", "nat-1"),
                hop("route-table", "rtb-pub"),
                hop("internet-gateway", "igw-1"),
                hop("internet", "internet"),
            ),
            via="nat-gateway",
        )

    return Trace("private-fn", "internet", (path("subnet-a"), path("subnet-b")), vpc_id="vpc-1")


def no_public_ip_trace() -> Trace:
    return Trace(
        "public-fn",
        "internet",
        (
            Path(
                "subnet-pub",
                (
                    hop("subnet", "subnet-pub"),
                    hop("security-group", "sg-fn"),
                    hop("route-table", "rtb-pub"),
                    hop("internet-gateway", "igw-1", ok=False),
                ),
                blocked_by=Blocker(BlockerCode.NO_PUBLIC_IP, "subnet-pub", "no public IP"),
            ),
        ),
        vpc_id="vpc-1",
    )


def test_reachable_path_is_green_from_function_to_destination():
    dot = Dot(draw(account(), highlight=nat_trace()).source)
    along = ["function/private-fn", "subnet-a", "rtb-priv", "nat-1", "rtb-pub", "igw-1", "internet"]
    for n in along + ["subnet-b"]:
        assert dot.nodes[n].get("color") == GREEN, n
    for a, b in zip(along, along[1:], strict=False):
        assert dot.edges[(a, b)].get("color") == GREEN, (a, b)
    assert "dashed" not in dot.nodes["internet"].get("style", "")
    assert dot.nodes["function/public-fn"].get("color") != GREEN  # not on the path
    assert dot.nodes["vpce-s3"].get("color") != GREEN


def test_blocker_is_red_with_its_code_and_the_destination_dashed():
    dot = Dot(draw(account(), highlight=no_public_ip_trace()).source)
    assert dot.nodes["subnet-pub"]["color"] == RED
    assert "✘ NO_PUBLIC_IP" in dot.nodes["subnet-pub"]["label"]
    assert dot.nodes["igw-1"]["color"] == RED  # the hop that failed
    assert dot.edges[("rtb-pub", "igw-1")]["color"] == RED
    assert "dashed" in dot.nodes["internet"]["style"]
    assert dot.edges[("igw-1", "internet")]["style"] == "dashed"
    assert dot.edges[("igw-1", "internet")]["label"] == "not reached"
    assert dot.nodes["function/public-fn"]["color"] == GREEN
    assert "public-fn can NOT reach internet" in draw(account(), highlight=no_public_ip_trace()).source


def test_a_blocking_security_group_gets_its_own_red_node():
    t = Trace(
        "private-fn",
        "s3",
        (
            Path(
                "subnet-a",
                (hop("subnet", "subnet-a"), hop("security-group", "sg-fn", ok=False)),
                blocked_by=Blocker(BlockerCode.SG_EGRESS, "sg-fn", "no outbound rule"),
            ),
        ),
        vpc_id="vpc-1",
    )
    dot = Dot(draw(account(), highlight=t).source)
    assert dot.nodes["sg-fn"]["color"] == RED
    assert "security group" in dot.nodes["sg-fn"]["label"] and "✘ SG_EGRESS" in dot.nodes["sg-fn"]["label"]
    assert dot.cluster_of["sg-fn"] == ["cluster_vpc-1"]
    assert dot.edges[("subnet-a", "sg-fn")]["color"] == RED
    assert dot.edges[("sg-fn", "service/s3")]["label"] == "not reached"
    assert "dashed" in dot.nodes["service/s3"]["style"]


def test_highlight_draws_only_the_functions_vpc_and_its_peers():
    other = (Vpc("vpc-2", ("10.1.0.0/16",)), Vpc("vpc-3", ("10.2.0.0/16",)))
    topo = account(
        vpcs=account().vpcs + other,
        subnets=account().subnets
        + (
            Subnet("subnet-2", "vpc-2", "10.1.0.0/24", "us-east-1a"),
            Subnet("subnet-3", "vpc-3", "10.2.0.0/24", "us-east-1a"),
        ),
        peering_connections=(PeeringConnection("pcx-1", "vpc-1", "vpc-2"),),
    )
    assert {"cluster_vpc-1", "cluster_vpc-2", "cluster_vpc-3"} <= set(Dot(draw(topo).source).clusters)
    clusters = set(Dot(draw(topo, highlight=nat_trace()).source).clusters)
    assert {"cluster_vpc-1", "cluster_vpc-2"} <= clusters
    assert "cluster_vpc-3" not in clusters


def test_highlight_with_the_real_trace_engine():
    topo = account()
    picture = draw(topo, highlight=lk.trace(topo, "public-fn", "internet"))
    dot = Dot(picture.source)
    assert "✘ NO_PUBLIC_IP" in dot.nodes["subnet-pub"]["label"]
    assert dot.nodes["rtb-pub"]["color"] == GREEN
    ok = Dot(draw(topo, highlight=lk.trace(topo, "private-fn", "s3")).source)
    assert ok.edges[("rtb-priv", "vpce-s3")]["color"] == GREEN
    assert ok.edges[("vpce-s3", "service/s3")]["color"] == GREEN
    assert ok.nodes["nat-1"].get("color") != GREEN


# ------------------------------------------------------------------------------------ rendering


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH where graphviz's ``dot`` can't be found."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("dot") is None


@pytest.mark.parametrize(
    "render",
    [
        lambda p: p._repr_mimebundle_(),
        lambda p: p._repr_svg_(),
        lambda p: p.pipe(format="svg"),
        lambda p: p.render(outfile=None, directory=None),
    ],
    ids=["mimebundle", "svg", "pipe", "render"],
)
def test_missing_dot_says_how_to_install_it(no_dot, render, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    picture = draw(account(), highlight=no_public_ip_trace())
    with pytest.raises(GraphvizMissingError) as err:
        render(picture)
    for command in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
        assert command in str(err.value)
    assert "NO_PUBLIC_IP" in picture.source  # the DOT text needs no dot


needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")


@needs_dot
def test_mimebundle_is_svg_when_dot_is_installed():
    bundle = draw(account(), highlight=no_public_ip_trace())._repr_mimebundle_()
    assert list(bundle) == [
        "text/html",
        "image/svg+xml",
    ]  # the accessible figure first (tests/test_render_accessible.py)
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert "NO_PUBLIC_IP" in bundle["text/html"]
    assert "NO_PUBLIC_IP" in bundle["image/svg+xml"]


def test_copy_and_subgraphs_keep_the_picture_class():
    picture = draw(account())
    twin = picture.copy()
    assert isinstance(twin, Picture) and twin.source == picture.source and repr(twin) == repr(picture)


# ------------------------------------------------------------------------------------ in the offline account


def test_sample_network_in_moto(session):
    from labkit import samples

    ids = samples.build_private_public(session)
    samples.create_function(session, "in-private", ids["private_subnet_ids"], [ids["security_group_id"]])
    samples.create_function(session, "in-public", [ids["public_subnet_id"]], [ids["security_group_id"]])
    topo = lk.Topology.from_boto3(session)

    whole = Dot(draw(topo).source)
    assert [c for c in whole.clusters if c.count("_") == 1] == [f"cluster_{ids['vpc_id']}"]  # no default VPC

    dot = Dot(draw(topo, highlight=lk.trace(topo, "in-private", "internet")).source)
    for node in (
        *ids["private_subnet_ids"],
        ids["private_route_table_id"],
        ids["nat_gateway_id"],
        ids["public_route_table_id"],
        ids["internet_gateway_id"],
        "internet",
    ):
        assert dot.nodes[node]["color"] == GREEN, node

    dot = Dot(draw(topo, highlight=lk.trace(topo, "in-public", "internet")).source)
    assert "✘ NO_PUBLIC_IP" in dot.nodes[ids["public_subnet_id"]]["label"]
    assert "dashed" in dot.nodes["internet"]["style"]


def test_legend_comes_with_a_highlight_and_can_be_hidden():
    assert "legend" not in Dot(draw(account()).source).nodes
    assert "legend" in Dot(draw(account(), highlight=nat_trace()).source).nodes
    assert "legend" not in Dot(draw(account(), highlight=nat_trace(), legend=False).source).nodes


def test_several_traces_at_once():
    dot = Dot(draw(account(), highlight=[nat_trace(), no_public_ip_trace()]).source)
    assert dot.nodes["nat-1"]["color"] == GREEN
    assert "✘ NO_PUBLIC_IP" in dot.nodes["subnet-pub"]["label"]
    assert "dashed" not in dot.nodes["internet"].get("style", "")  # reached by the first trace


def test_dot_available_follows_path(no_dot):
    assert lk.render.dot_available() is False


def test_function_outside_a_vpc_cannot_reach_a_private_address():
    topo = account(functions=(LambdaFunction("plain"),))
    dot = Dot(draw(topo, highlight=lk.trace(topo, "plain", "10.0.1.5:5432")).source)
    assert dot.clusters == []  # the function has no VPC: none is drawn
    assert dot.edges[("function/plain", "lambda-network")]["color"] == GREEN
    assert "✘ NO_ROUTE" in dot.nodes["function/plain"]["label"]
    assert dot.nodes["dest/10.0.1.5_5432"]["label"] == "10.0.1.5:5432"
    assert "dashed" in dot.nodes["dest/10.0.1.5_5432"]["style"]
    [into] = [attrs for (a, b), attrs in dot.edges.items() if b == "dest/10.0.1.5_5432"]
    assert (into["label"], into["style"], into["color"]) == ("not reached", "dashed", RED)


def test_a_database_whose_security_group_refuses_the_function():
    from labkit.vpc.model import NetworkInterface

    topo = account(
        network_interfaces=(
            NetworkInterface("eni-db", "subnet-b", "vpc-1", ("10.0.2.20",), ("sg-db",), description="database"),
        ),
        security_groups=account().security_groups + (SecurityGroup("sg-db", "vpc-1", "db"),),
    )
    dot = Dot(draw(topo, highlight=lk.trace(topo, "private-fn", "10.0.2.20:5432")).source)
    dest = "dest/10.0.2.20_5432"
    assert dot.cluster_of[dest] == ["cluster_vpc-1", "cluster_vpc-1_us-east-1b"]  # drawn where the address is
    assert "eni-db" in dot.nodes[dest]["label"]
    assert "✘ SG_INGRESS" in dot.nodes["sg-db"]["label"]
    assert dot.edges[("rtb-priv", "sg-db")]["color"] == RED
    assert dot.edges[("sg-db", dest)]["label"] == "not reached"
    assert not any(b == dest and a != "sg-db" for a, b in dot.edges)  # nothing else gets there


def test_jupyter_shows_the_missing_dot_error_once(no_dot):
    from IPython.core.formatters import DisplayFormatter
    from IPython.testing.globalipapp import get_ipython

    shell = get_ipython()
    errors = []
    shell.showtraceback = lambda *a, **k: errors.append(a)
    bundle, _ = DisplayFormatter(parent=shell).format(draw(account(), highlight=no_public_ip_trace()))
    assert len(errors) == 1
    assert bundle == {
        "text/plain": "<labkit picture: 1 VPC, 3 subnets, 2 functions; public-fn can NOT reach internet (tcp/443).>"
    }
