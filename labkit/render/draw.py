"""Pictures of a topology: ``lk.draw(topo, highlight=trace)``.

The picture is a ``graphviz.Digraph`` (a ``Picture``): its DOT text (``picture.source``) is built without
graphviz's ``dot`` program; rendering it (in Jupyter, ``pipe``, ``render``) needs ``dot`` and raises
``GraphvizMissingError`` with the install command when it is missing.

What is drawn, left to right: Lambda functions, the VPCs (one box each, with a box per Availability Zone
holding its subnets, NAT gateways and interface endpoints), route tables with their routes, gateways and
endpoints, then the internet and the AWS services. With ``highlight=trace`` the way traffic goes is green;
where it stops is red with the blocker code; a destination that is not reached is dashed.

This module chooses what to draw and puts the network in a ``Scene`` (``labkit.render.scene``);
``labkit.render.highlight`` paints the traces. It only presents: every answer comes from the topology's
look-ups and from the trace.

>>> from labkit.vpc.model import Topology, Vpc, Subnet, RouteTable, Route, InternetGateway
>>> topo = Topology(
...     vpcs=(Vpc("vpc-1", ("10.0.0.0/16",), name="lab"),),
...     subnets=(Subnet("subnet-1", "vpc-1", "10.0.1.0/24", "us-east-1a"),),
...     route_tables=(RouteTable("rtb-1", "vpc-1", is_main=True, routes=(
...         Route("10.0.0.0/16", "local", "local"), Route("0.0.0.0/0", "igw", "igw-1"))),),
...     internet_gateways=(InternetGateway("igw-1", ("vpc-1",)),),
... )
>>> picture = draw(topo)
>>> picture
<labkit picture: 1 VPC, 1 subnet, 0 functions>
>>> "subgraph cluster_vpc_1" in picture.source.replace('"', "").replace("-", "_")
True
"""

from __future__ import annotations

from collections.abc import Iterable

from labkit.render.highlight import paint
from labkit.render.labels import escape_label, label_lines, network_key
from labkit.render.palette import GREEN, GREY, RED
from labkit.render.picture import Picture
from labkit.render.scene import Scene, function_vpcs, traced_function
from labkit.vpc.graph import function_node, route_table_of
from labkit.vpc.model import LambdaFunction, Subnet, Topology, Vpc
from labkit.vpc.results import Trace

__all__ = ["GREEN", "RED", "Picture", "draw"]


def draw(
    topo: Topology,
    highlight: Trace | Iterable[Trace] | None = None,
    *,
    vpc_id: str | Iterable[str] | None = None,
    show_default_vpc: bool = False,
    legend: bool | None = None,
) -> Picture:
    """A picture of ``topo``; with ``highlight=trace``, the trace's paths drawn on it.

    ``vpc_id``: draw only this VPC (or these VPCs). Without it, a highlighted picture shows the traced
    function's VPC and the VPCs peered with it; an unhighlighted one shows every VPC except an empty
    default VPC (one with no functions) unless ``show_default_vpc=True``. ``legend`` (default: on when
    something is highlighted) explains the colours.
    """
    if not isinstance(topo, Topology):
        raise TypeError(
            f"draw() expects a Topology as its first argument (e.g. lk.Topology.from_boto3(session)), "
            f"got {type(topo).__name__}."
        )
    traces = _traces(highlight)
    vpc_ids = None if vpc_id is None else ((vpc_id,) if isinstance(vpc_id, str) else tuple(vpc_id))
    vpcs = _choose_vpcs(topo, traces, vpc_ids, show_default_vpc)
    scene = Scene(topo, vpcs, _choose_functions(topo, traces, vpcs, explicit=vpc_ids is not None), traces)
    _draw_network(scene)
    paint(scene, traces)
    return scene.picture(legend=bool(traces) if legend is None else legend)


def _traces(highlight) -> tuple[Trace, ...]:
    if highlight is None:
        return ()
    if isinstance(highlight, Trace):
        return (highlight,)
    if isinstance(highlight, Iterable) and not isinstance(highlight, (str, bytes)):
        items = tuple(highlight)
        if all(isinstance(t, Trace) for t in items):
            return items
    raise TypeError(
        "highlight= expects the Trace returned by lk.trace(topo, source, destination) (or a list of them), "
        f"got {type(highlight).__name__}."
    )


# ------------------------------------------------------------------------------------ what to draw


def _choose_vpcs(topo: Topology, traces: tuple[Trace, ...], vpc_ids, show_default_vpc: bool) -> list[Vpc]:
    if vpc_ids is not None:
        return _sorted_vpcs(topo.vpc(v) for v in vpc_ids)
    if traces:
        wanted: list[str] = []
        known = {v.id for v in topo.vpcs}
        for t in traces:
            if t.vpc_id in known:
                wanted.append(t.vpc_id)
            f = traced_function(topo, t.source)
            if f is not None:
                wanted += function_vpcs(topo, f)
            for p in t.paths:
                ids = [p.subnet_id] + [h.resource_id for h in p.hops]
                for rid in ids:
                    obj = topo.find(rid) if rid else None
                    vid = getattr(obj, "vpc_id", None)
                    if vid in known:
                        wanted.append(vid)
        for pcx in topo.peering_connections:
            for vid in list(wanted):
                peer = pcx.peer_of(vid)
                if peer in known:
                    wanted.append(peer)
        return _sorted_vpcs(topo.vpc(v) for v in dict.fromkeys(wanted))
    with_functions = {vid for f in topo.functions for vid in function_vpcs(topo, f)}
    return _sorted_vpcs(v for v in topo.vpcs if show_default_vpc or not v.is_default or v.id in with_functions)


def _sorted_vpcs(vpcs: Iterable[Vpc]) -> list[Vpc]:
    return sorted(
        set(vpcs), key=lambda v: (v.is_default, network_key(v.cidr_blocks[0] if v.cidr_blocks else ""), v.name, v.id)
    )


def _choose_functions(
    topo: Topology, traces: tuple[Trace, ...], vpcs: list[Vpc], *, explicit: bool
) -> list[LambdaFunction]:
    vpc_set = {v.id for v in vpcs}
    sources = {f.name for t in traces if (f := traced_function(topo, t.source)) is not None}
    out = []
    for f in topo.functions:
        if f.name in sources or any(v in vpc_set for v in function_vpcs(topo, f)):
            out.append(f)
        elif not f.vpc_connected and not traces and not explicit:
            out.append(f)
    return out


# ------------------------------------------------------------------------------------- the network


def _draw_network(scene: Scene) -> None:
    """The chosen VPCs with what is in them, their route tables and gateways, and the chosen functions."""
    subnets = _subnets(scene)
    _nat_gateways(scene, subnets)
    _endpoints(scene, subnets)
    _internet_gateways(scene)
    _route_tables(scene, subnets)
    for pcx in scene.topo.peering_connections:  # peering connections no route uses
        if (
            pcx.requester_vpc_id in scene.vpc_set or pcx.accepter_vpc_id in scene.vpc_set
        ) and pcx.id not in scene.nodes:
            _peering_node(scene, pcx.id)
    _functions(scene)


def _subnets(scene: Scene) -> dict[str, Subnet]:
    """The subnets of the chosen VPCs, each in its Availability Zone's box; public or private by its routes."""
    topo = scene.topo
    drawn: dict[str, Subnet] = {}
    for vpc in scene.vpcs:
        for s in sorted(
            topo.subnets_of(vpc.id), key=lambda s: (s.availability_zone, network_key(s.cidr), s.name, s.id)
        ):
            public = topo.is_public_subnet(s.id)
            scene.node(
                s.id,
                "public" if public else "private",
                label_lines(s.name, s.id, s.cidr, "public subnet" if public else "private subnet"),
                vpc=vpc.id,
                az=s.availability_zone or "?",
            )
            drawn[s.id] = s
    return drawn


def _nat_gateways(scene: Scene, subnets: dict[str, Subnet]) -> None:
    """NAT gateways sit in their subnet's Availability Zone, with a dotted line "in" to their subnet."""
    for nat in sorted(
        scene.topo.nat_gateways,
        key=lambda n: (network_key(subnets[n.subnet_id].cidr) if n.subnet_id in subnets else (9, 0, 0), n.id),
    ):
        if nat.vpc_id not in scene.vpc_set:
            continue
        nat_subnet = subnets.get(nat.subnet_id)
        state = "" if nat.state == "available" else f"state: {nat.state}"
        kind_text = "private NAT gateway" if nat.connectivity_type == "private" else "NAT gateway"
        scene.node(
            nat.id,
            "nat-gateway",
            label_lines(kind_text, nat.name, nat.id, state),
            vpc=nat.vpc_id,
            az=nat_subnet.availability_zone if nat_subnet else None,
        )
        if nat_subnet is not None:
            scene.edge(
                nat.id,
                nat_subnet.id,
                style="dotted",
                arrowhead="none",
                color=GREY,
                constraint="false",
                label="in",
                fontcolor=GREY,
            )


def _endpoints(scene: Scene, subnets: dict[str, Subnet]) -> None:
    """VPC endpoints: one node in the VPC; an interface endpoint has dotted lines to its subnets."""
    endpoints = sorted(
        (e for e in scene.topo.vpc_endpoints if e.vpc_id in scene.vpc_set),
        key=lambda e: (e.endpoint_type, e.service, e.id),
    )
    for e in endpoints:
        state = "" if e.state.lower() == "available" else f"state: {e.state}"
        if e.endpoint_type == "Gateway":
            scene.node(
                e.id, "vpc-endpoint", label_lines(f"gateway endpoint: {e.service}", e.name, e.id, state), vpc=e.vpc_id
            )
        else:
            dns = "private DNS on" if e.private_dns_enabled else "private DNS off"
            scene.node(
                e.id,
                "vpc-endpoint",
                label_lines(f"interface endpoint: {e.service}", e.name, e.id, dns, state),
                vpc=e.vpc_id,
            )
            for sid in e.subnet_ids:
                if sid in subnets:
                    scene.edge(
                        sid, e.id, style="dotted", color=GREY, arrowhead="none", label="interface", fontcolor=GREY
                    )
        scene.edge(e.id, scene.service(e.service), color=GREY)


def _internet_gateways(scene: Scene) -> None:
    """Internet gateways attached to a drawn VPC."""
    for igw in scene.topo.internet_gateways:
        attached = [v for v in igw.attached_vpc_ids if v in scene.vpc_set]
        if attached:
            scene.node(
                igw.id,
                "internet-gateway",
                label_lines("internet gateway", igw.name, igw.id),
                vpc=attached[0] if len(attached) == 1 else None,
            )
            scene.edge(igw.id, scene.internet(), color=GREY)


def _route_tables(scene: Scene, subnets: dict[str, Subnet]) -> None:
    """The route tables the drawn subnets use, with their routes, and a dashed arrow from each subnet."""
    tables = [rt for rt in scene.topo.route_tables if rt.vpc_id in scene.vpc_set]
    users: dict[str, list[Subnet]] = {rt.id: [] for rt in tables}
    for sid, s in subnets.items():
        rt = route_table_of(scene.graph, sid)
        if rt is not None and rt.id in users:
            users[rt.id].append(s)
    tables.sort(
        key=lambda rt: (
            min((network_key(s.cidr) for s in users[rt.id]), default=(9, 0, 0)),
            not rt.is_main,
            rt.name,
            rt.id,
        )
    )
    for rt in tables:
        if users[rt.id]:  # a table no subnet uses changes nothing: leave it out
            _route_table(scene, rt)
    for sid in subnets:
        rt = route_table_of(scene.graph, sid)
        if rt is not None and rt.id in scene.nodes:
            scene.edge(sid, rt.id, style="dashed", color=GREY)


def _functions(scene: Scene) -> None:
    """The chosen functions, left of everything, with a line to each subnet they have an interface in."""
    for f in scene.functions:
        fid = scene.node(
            function_node(f.name),
            "function",
            label_lines(f"λ {f.name}", "Lambda function", f"state: {f.state}" if f.state else ""),
        )
        if f.vpc_connected:
            for sid in scene.graph.successors(fid):  # the function's "eni" edges
                if sid in scene.nodes:
                    scene.edge(fid, sid, color=GREY)
        else:
            scene.edge(fid, scene.lambda_network(), color=GREY)


def _route_table(scene: Scene, rt) -> None:
    """A route table as a note listing its routes, and a grey arrow from it to each route's target."""
    topo = scene.topo

    def order(r):  # local first, then CIDRs by address, then prefix lists by service (ids are random)
        if r.target_kind == "local":
            return (0, (0, 0, 0), "", r.destination)
        if r.is_prefix_list:
            pl = topo.prefix_list(r.destination)
            return (2, (0, 0, 0), (pl.service or pl.name) if pl is not None else "~", r.destination)
        return (1, network_key(r.destination), "", r.destination)

    lines = []
    for r in sorted(rt.routes, key=order):
        dest = r.destination
        if r.is_prefix_list:
            pl = topo.prefix_list(r.destination)
            if pl is not None and pl.service:
                dest = f"{r.destination} ({pl.service})"
        state = " (blackhole)" if r.state == "blackhole" else ""
        lines.append(f"{escape_label(dest)} → {escape_label(r.target_id)}{state}\\l")
    head = label_lines("main route table" if rt.is_main else "route table", rt.name, rt.id)
    scene.node(rt.id, "route-table", head + "\\n" + "".join(lines), vpc=rt.vpc_id)

    for r in sorted(rt.routes, key=order):
        if r.target_kind == "local":
            continue
        target = _route_target(scene, rt.vpc_id, r)
        if target is None:
            continue
        dest = r.destination
        if r.is_prefix_list:
            pl = topo.prefix_list(r.destination)
            dest = pl.service if pl is not None and pl.service else dest
        existing = scene.edges.get((rt.id, target), {}).get("label")
        label = f"{existing}\\n{escape_label(dest)}" if existing else escape_label(dest)
        style = "dashed" if r.state == "blackhole" else "solid"
        scene.edge(rt.id, target, label=label, color=GREY, fontcolor=GREY, style=style)


_TARGET_NAMES = {
    "nat": "NAT gateway",
    "vpce": "VPC endpoint",
    "eni": "network interface",
    "instance": "EC2 instance",
    "tgw": "transit gateway",
    "vgw": "virtual private gateway",
    "eigw": "egress-only internet gateway",
}


def _route_target(scene: Scene, vpc_id: str, r) -> str | None:
    """The node a route points at; a target that is not drawn (missing, elsewhere) is added, dashed."""
    topo = scene.topo
    tid = r.target_id
    if tid in scene.nodes:
        return tid
    kind = r.target_kind
    if kind == "igw":
        igw = topo.internet_gateway(tid)
        if igw is None:
            return scene.node(
                tid, "missing", label_lines("internet gateway", tid, "not found"), vpc=vpc_id, style="dashed"
            )
        attached = "attached elsewhere" if igw.attached_vpc_ids else "not attached"
        return scene.node(
            tid, "internet-gateway", label_lines("internet gateway", igw.name, tid, attached), style="dashed,filled"
        )
    if kind == "pcx":
        return _peering_node(scene, tid)
    if kind in ("nat", "vpce"):
        obj = topo.nat_gateway(tid) if kind == "nat" else topo.vpc_endpoint(tid)
        where = "in another VPC" if obj is not None else "not found"
        return scene.node(tid, "missing", label_lines(_TARGET_NAMES[kind], tid, where), vpc=vpc_id, style="dashed")
    return scene.node(tid, "other", label_lines(_TARGET_NAMES.get(kind, "target"), tid), vpc=vpc_id)


def _peering_node(scene: Scene, pcx_id: str) -> str:
    pcx = scene.topo.peering_connection(pcx_id)
    if pcx is None:
        return scene.node(pcx_id, "missing", label_lines("peering connection", pcx_id, "not found"), style="dashed")
    status = "" if pcx.status == "active" else f"status: {pcx.status}"
    return scene.node(
        pcx_id,
        "peering",
        label_lines("peering connection", pcx.name, pcx.id, f"{pcx.requester_vpc_id} ↔ {pcx.accepter_vpc_id}", status),
    )
