"""Pictures of a topology: ``lk.draw(topo, highlight=trace)``.

The picture is a ``graphviz.Digraph`` (a ``Picture``): its DOT text (``picture.source``) is built without
graphviz's ``dot`` program; rendering it (in Jupyter, ``pipe``, ``render``) needs ``dot`` and raises
``GraphvizMissingError`` with the install command when it is missing.

What is drawn, left to right: Lambda functions, the VPCs (one box each, with a box per Availability Zone
holding its subnets, NAT gateways and interface endpoints), route tables with their routes, gateways and
endpoints, then the internet and the AWS services. With ``highlight=trace`` the way traffic goes is green;
where it stops is red with the blocker code; a destination that is not reached is dashed.

This module only presents: every answer comes from the topology's look-ups and from the trace.

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

import ipaddress
from collections.abc import Iterable

from labkit.render.labels import SHAPES, dot_id, escape_label, label_lines, network_key, plural, text_alternative
from labkit.render.palette import FILL, GREEN, GREY, INK, RED, VPC_OUTLINE, VPC_TITLE
from labkit.render.picture import Picture
from labkit.vpc.graph import INTERNET, function_node, route_table_of, service_node
from labkit.vpc.model import LambdaFunction, Subnet, Topology, service_short_name
from labkit.vpc.results import Trace

LAMBDA_NETWORK = "lambda-network"


# ------------------------------------------------------------------------------------------- draw


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
    builder = _Builder(topo, traces, vpc_ids, show_default_vpc)
    return builder.picture(legend=bool(traces) if legend is None else legend)


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


# ------------------------------------------------------------------------------------------- labels


# ------------------------------------------------------------------------------------------- builder


class _Builder:
    """Collects nodes (with where they sit) and edges, then writes them as DOT."""

    def __init__(self, topo: Topology, traces: tuple[Trace, ...], vpc_ids, show_default_vpc: bool):
        self.topo = topo
        self.graph = topo.graph  # node ids are the graph's: one id scheme for traces, graph and picture
        self.traces = traces
        self.subnets = {s.id: s for s in topo.subnets}
        self.nodes: dict[str, dict] = {}
        self.place: dict[str, tuple[str | None, str | None]] = {}  # node → (vpc id, AZ)
        self.edges: dict[tuple[str, str], dict] = {}
        self.explicit_vpcs = vpc_ids is not None
        self.destinations: dict[str, bool] = {}  # destination node → reached by some traced path
        self.vpcs = self._choose_vpcs(vpc_ids, show_default_vpc)
        self.vpc_set = {v.id for v in self.vpcs}
        self.functions = self._choose_functions()
        self._structure()
        for t in traces:
            self._highlight(t)
        for dest, reached in self.destinations.items():
            if not reached:
                self.nodes[dest].update(style="dashed,filled", color=RED, fontcolor=RED)

    # --- what to draw ---------------------------------------------------------------------------
    def _function(self, name_or_arn: str) -> LambdaFunction | None:
        name = name_or_arn.removeprefix("function:")
        try:
            return self.topo.function(name)
        except LookupError:
            return None

    def _function_vpcs(self, f: LambdaFunction) -> list[str]:
        out = [self.subnets[sid].vpc_id for sid in f.subnet_ids if sid in self.subnets]
        return list(dict.fromkeys(out))

    def _choose_vpcs(self, vpc_ids, show_default_vpc):
        topo = self.topo
        if vpc_ids is not None:
            return self._sorted_vpcs(topo.vpc(v) for v in vpc_ids)
        if self.traces:
            wanted: list[str] = []
            known = {v.id for v in topo.vpcs}
            for t in self.traces:
                if t.vpc_id in known:
                    wanted.append(t.vpc_id)
                f = self._function(t.source)
                if f is not None:
                    wanted += self._function_vpcs(f)
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
            return self._sorted_vpcs(topo.vpc(v) for v in dict.fromkeys(wanted))
        with_functions = {vid for f in topo.functions for vid in self._function_vpcs(f)}
        return self._sorted_vpcs(v for v in topo.vpcs if show_default_vpc or not v.is_default or v.id in with_functions)

    @staticmethod
    def _sorted_vpcs(vpcs):
        return sorted(
            set(vpcs),
            key=lambda v: (v.is_default, network_key(v.cidr_blocks[0] if v.cidr_blocks else ""), v.name, v.id),
        )

    def _choose_functions(self):
        topo = self.topo
        sources = {f.name for t in self.traces if (f := self._function(t.source)) is not None}
        out = []
        for f in topo.functions:
            vpcs = self._function_vpcs(f)
            if f.name in sources or any(v in self.vpc_set for v in vpcs):
                out.append(f)
            elif not f.vpc_connected and not self.traces and not self.explicit_vpcs:
                out.append(f)
        return out

    # --- nodes and edges ------------------------------------------------------------------------
    def node(self, nid: str, kind: str, label: str, *, vpc: str | None = None, az: str | None = None, **attrs):
        if nid in self.nodes:
            return nid
        base = {"label": label, "fillcolor": FILL.get(kind, FILL["other"]), "_kind": kind}
        base.update(SHAPES.get(kind, {}))
        base.update(attrs)
        self.nodes[nid] = base
        self.place[nid] = (vpc, az)
        return nid

    def edge(self, a: str, b: str, **attrs):
        if (a, b) in self.edges:
            self.edges[(a, b)].update(attrs)
        else:
            self.edges[(a, b)] = dict(attrs)

    def internet(self) -> str:
        return self.node(INTERNET, "internet", "internet")

    def service(self, name: str) -> str:
        name = service_short_name(name.removeprefix("service:"))
        return self.node(service_node(name), "service", label_lines(f"AWS service: {name}"))

    def lambda_network(self) -> str:
        self.node(LAMBDA_NETWORK, "lambda-network", label_lines("Lambda's own network", "(function not in a VPC)"))
        self.edge(LAMBDA_NETWORK, self.internet(), color=GREY)
        return LAMBDA_NETWORK

    def _structure(self) -> None:
        topo = self.topo
        drawn_subnets = {}
        for vpc in self.vpcs:
            for s in sorted(
                topo.subnets_of(vpc.id), key=lambda s: (s.availability_zone, network_key(s.cidr), s.name, s.id)
            ):
                public = topo.is_public_subnet(s.id)
                self.node(
                    s.id,
                    "public" if public else "private",
                    label_lines(s.name, s.id, s.cidr, "public subnet" if public else "private subnet"),
                    vpc=vpc.id,
                    az=s.availability_zone or "?",
                )
                drawn_subnets[s.id] = s

        # NAT gateways sit in their subnet's Availability Zone.
        for nat in sorted(
            topo.nat_gateways,
            key=lambda n: (
                network_key(drawn_subnets[n.subnet_id].cidr) if n.subnet_id in drawn_subnets else (9, 0, 0),
                n.id,
            ),
        ):
            if nat.vpc_id not in self.vpc_set:
                continue
            nat_subnet = drawn_subnets.get(nat.subnet_id)
            state = "" if nat.state == "available" else f"state: {nat.state}"
            kind_text = "private NAT gateway" if nat.connectivity_type == "private" else "NAT gateway"
            self.node(
                nat.id,
                "nat-gateway",
                label_lines(kind_text, nat.name, nat.id, state),
                vpc=nat.vpc_id,
                az=nat_subnet.availability_zone if nat_subnet else None,
            )
            if nat_subnet is not None:
                self.edge(
                    nat.id,
                    nat_subnet.id,
                    style="dotted",
                    arrowhead="none",
                    color=GREY,
                    constraint="false",
                    label="in",
                    fontcolor=GREY,
                )

        # Interface endpoints: one node in the VPC, dotted lines to the subnets holding their interfaces.
        endpoints = sorted(
            (e for e in topo.vpc_endpoints if e.vpc_id in self.vpc_set),
            key=lambda e: (e.endpoint_type, e.service, e.id),
        )
        for e in endpoints:
            state = "" if e.state.lower() == "available" else f"state: {e.state}"
            if e.endpoint_type == "Gateway":
                self.node(
                    e.id,
                    "vpc-endpoint",
                    label_lines(f"gateway endpoint: {e.service}", e.name, e.id, state),
                    vpc=e.vpc_id,
                )
            else:
                dns = "private DNS on" if e.private_dns_enabled else "private DNS off"
                self.node(
                    e.id,
                    "vpc-endpoint",
                    label_lines(f"interface endpoint: {e.service}", e.name, e.id, dns, state),
                    vpc=e.vpc_id,
                )
                for sid in e.subnet_ids:
                    if sid in drawn_subnets:
                        self.edge(
                            sid, e.id, style="dotted", color=GREY, arrowhead="none", label="interface", fontcolor=GREY
                        )
            self.edge(e.id, self.service(e.service), color=GREY)

        # Internet gateways attached to a drawn VPC.
        for igw in topo.internet_gateways:
            attached = [v for v in igw.attached_vpc_ids if v in self.vpc_set]
            if attached:
                self.node(
                    igw.id,
                    "internet-gateway",
                    label_lines("internet gateway", igw.name, igw.id),
                    vpc=attached[0] if len(attached) == 1 else None,
                )
                self.edge(igw.id, self.internet(), color=GREY)

        # Route tables, their routes and what the routes point at.
        tables = [rt for rt in topo.route_tables if rt.vpc_id in self.vpc_set]
        users: dict[str, list[Subnet]] = {rt.id: [] for rt in tables}
        for sid, s in drawn_subnets.items():
            rt = route_table_of(self.graph, sid)
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
                self._route_table(rt)
        for sid in drawn_subnets:
            rt = route_table_of(self.graph, sid)
            if rt is not None and rt.id in self.nodes:
                self.edge(sid, rt.id, style="dashed", color=GREY)

        # Peering connections of drawn VPCs not yet drawn (no route uses them).
        for pcx in topo.peering_connections:
            if (
                pcx.requester_vpc_id in self.vpc_set or pcx.accepter_vpc_id in self.vpc_set
            ) and pcx.id not in self.nodes:
                self._peering_node(pcx.id)

        # Functions, left of everything.
        for f in self.functions:
            fid = self.node(
                function_node(f.name),
                "function",
                label_lines(f"λ {f.name}", "Lambda function", f"state: {f.state}" if f.state else ""),
            )
            if f.vpc_connected:
                for sid in self.graph.successors(fid):  # the function's "eni" edges
                    if sid in self.nodes:
                        self.edge(fid, sid, color=GREY)
            else:
                self.edge(fid, self.lambda_network(), color=GREY)

    def _route_table(self, rt) -> None:
        topo = self.topo

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
        self.node(rt.id, "route-table", head + "\\n" + "".join(lines), vpc=rt.vpc_id)

        for r in sorted(rt.routes, key=order):
            if r.target_kind == "local":
                continue
            target = self._route_target(rt.vpc_id, r)
            if target is None:
                continue
            dest = r.destination
            if r.is_prefix_list:
                pl = topo.prefix_list(r.destination)
                dest = pl.service if pl is not None and pl.service else dest
            existing = self.edges.get((rt.id, target), {}).get("label")
            label = f"{existing}\\n{escape_label(dest)}" if existing else escape_label(dest)
            style = "dashed" if r.state == "blackhole" else "solid"
            self.edge(rt.id, target, label=label, color=GREY, fontcolor=GREY, style=style)

    def _route_target(self, vpc_id: str, r) -> str | None:
        topo = self.topo
        tid = r.target_id
        if tid in self.nodes:
            return tid
        kind = r.target_kind
        if kind == "igw":
            igw = topo.internet_gateway(tid)
            if igw is None:
                return self.node(
                    tid, "missing", label_lines("internet gateway", tid, "not found"), vpc=vpc_id, style="dashed"
                )
            attached = "attached elsewhere" if igw.attached_vpc_ids else "not attached"
            return self.node(
                tid, "internet-gateway", label_lines("internet gateway", igw.name, tid, attached), style="dashed,filled"
            )
        if kind == "pcx":
            return self._peering_node(tid)
        names = {
            "nat": "NAT gateway",
            "vpce": "VPC endpoint",
            "eni": "network interface",
            "instance": "EC2 instance",
            "tgw": "transit gateway",
            "vgw": "virtual private gateway",
            "eigw": "egress-only internet gateway",
        }
        if kind in ("nat", "vpce"):
            obj = topo.nat_gateway(tid) if kind == "nat" else topo.vpc_endpoint(tid)
            where = "in another VPC" if obj is not None else "not found"
            return self.node(tid, "missing", label_lines(names[kind], tid, where), vpc=vpc_id, style="dashed")
        return self.node(tid, "other", label_lines(names.get(kind, "target"), tid), vpc=vpc_id)

    def _peering_node(self, pcx_id: str) -> str:
        pcx = self.topo.peering_connection(pcx_id)
        if pcx is None:
            return self.node(pcx_id, "missing", label_lines("peering connection", pcx_id, "not found"), style="dashed")
        status = "" if pcx.status == "active" else f"status: {pcx.status}"
        return self.node(
            pcx_id,
            "peering",
            label_lines(
                "peering connection", pcx.name, pcx.id, f"{pcx.requester_vpc_id} ↔ {pcx.accepter_vpc_id}", status
            ),
        )

    # --- highlight ------------------------------------------------------------------------------
    def _destination_node(self, t: Trace) -> str:
        dest = t.destination.strip()
        if dest.split(":")[0].lower() == "internet":
            return self.internet()
        host, _, port = dest.rpartition(":")
        try:
            ip = ipaddress.ip_address(host if port else dest)
        except ValueError:
            return self.service(dest)
        subnet = self.topo.subnet_containing(ip) if isinstance(ip, ipaddress.IPv4Address) else None
        eni = self.topo.interface_owning(str(ip))
        inside = subnet is not None and subnet.id in self.nodes
        return self.node(
            f"dest/{dest.replace(':', '_')}",
            "other",
            label_lines(dest, eni.id if eni is not None else "", eni.description if eni is not None else ""),
            vpc=subnet.vpc_id if inside and subnet is not None else None,
            az=subnet.availability_zone if inside and subnet is not None else None,
        )

    def _node_for_hop(self, hop, t: Trace) -> str | None:
        kind, rid = hop.kind, hop.resource_id
        if kind == "internet":
            return self.internet()
        if kind == "lambda-network":
            return self.lambda_network()
        if kind == "service":
            return self.service(rid)
        if kind == "network-interface":
            for e in self.topo.vpc_endpoints:
                if rid in e.network_interface_ids and e.id in self.nodes:
                    return e.id
            eni = self.topo.network_interface(rid)
            dest = t.destination.rpartition(":")[0]
            if eni is not None and dest in eni.private_ips:
                return self._destination_node(t)
            return None
        return self._resolve(rid)

    def _resolve(self, rid: str) -> str | None:
        """The drawn node of a resource id, or of a function name or ARN; None when it is not drawn."""
        if rid in self.nodes:
            return rid
        f = self._function(rid)
        if f is not None and function_node(f.name) in self.nodes:
            return function_node(f.name)
        return None

    def _extra_node(self, resource_id: str, kind: str, fallback_vpc: str | None) -> str:
        """A node for a resource the picture doesn't otherwise show (security group, network ACL…)."""
        names = {
            "security-group": "security group",
            "network-acl": "network ACL",
            "network-interface": "network interface",
        }
        by_prefix = {"sg-": "security-group", "acl-": "network-acl", "eni-": "network-interface"}
        if kind not in names:
            kind = next((k for p, k in by_prefix.items() if resource_id.startswith(p)), kind)
        obj = self.topo.find(resource_id)
        vpc = getattr(obj, "vpc_id", None) or fallback_vpc
        name = getattr(obj, "name", "") if kind != "network-interface" else ""
        return self.node(
            resource_id,
            "other",
            label_lines(names.get(kind, kind), name, resource_id),
            vpc=vpc if vpc in self.vpc_set else None,
        )

    def _highlight(self, t: Trace) -> None:
        dest = self._destination_node(t)
        f = self._function(t.source)
        source = function_node(f.name) if f is not None and function_node(f.name) in self.nodes else None
        reached = False
        for p in t.paths:
            seq: list[str] = []

            def add(n, seq=seq):
                if n is not None and n not in seq:
                    seq.append(n)

            add(source)
            if p.subnet_id in self.nodes:
                add(p.subnet_id)
            failing = [h for h in p.hops if not h.ok]
            for hop in p.hops:
                if not hop.ok:
                    break
                n = self._node_for_hop(hop, t)
                if n != dest:  # the destination comes last, and only when it is reached
                    add(n)
            if p.reachable:
                add(dest)
                reached = True
            for n in seq:
                self._mark(n, GREEN)
            for a, b in zip(seq, seq[1:], strict=False):  # thick ("bold"): the path reads without colour too
                self.edge(a, b, color=GREEN, penwidth="3", fontcolor=GREEN, style="bold")
            if p.reachable:
                continue
            self._blocked(t, p, seq, failing, dest)
        self.destinations[dest] = self.destinations.get(dest, False) or reached

    def _blocked(self, t: Trace, p, seq: list[str], failing, dest: str) -> None:
        """Red: the hops that stop traffic, the code on the blocker's resource, a dashed line to the destination."""
        b = p.blocked_by
        vpc = self.subnets[p.subnet_id].vpc_id if p.subnet_id in self.nodes else None
        red = []
        for hop in failing:
            n = self._node_for_hop(hop, t)
            if n is None or n == dest:
                n = self._extra_node(hop.resource_id, hop.kind, vpc)
            red.append(n)
        where = None
        if b is not None and b.resource_id and b.resource_id != dest:
            where = self._resolve(b.resource_id) or self._extra_node(b.resource_id, "", vpc)
        stop = red[0] if red else (seq[-1] if seq else where)
        if stop is None:
            return
        for n in red:
            self._mark(n, RED)
        self._mark(where or stop, RED, code=b.code.value if b is not None else "BLOCKED")
        if seq and stop not in seq:
            self.edge(seq[-1], stop, color=RED, penwidth="3", fontcolor=RED, style="bold")
        if stop != dest and self.edges.get((stop, dest), {}).get("color") != GREEN:
            self.edge(stop, dest, color=RED, style="dashed", label="not reached", fontcolor=RED)

    def _mark(self, nid: str, colour: str, *, code: str | None = None) -> None:
        attrs = self.nodes[nid]
        if attrs.get("color") == RED and colour != RED:
            return  # red (where traffic stops) wins over green
        attrs.update(color=colour, penwidth="2.5")
        if colour == RED:
            attrs["fontcolor"] = RED
        if code:  # the blocker: a double outline and its code, readable without colour
            attrs["peripheries"] = "2"
            if f"✘ {code}" not in attrs["label"]:
                attrs["label"] += f"\\n✘ {code}"

    # --- output ---------------------------------------------------------------------------------
    def picture(self, *, legend: bool) -> Picture:
        n_subnets = sum(1 for n in self.nodes.values() if n["_kind"] in ("public", "private"))
        summary = (
            f"{plural(len(self.vpcs), 'VPC')}, {plural(n_subnets, 'subnet')}, {plural(len(self.functions), 'function')}"
        )
        titles = [t.headline() for t in self.traces]
        if titles:
            summary += "; " + " ".join(titles)
        pic = Picture(
            name="labkit",
            summary=summary,
            description=text_alternative(summary, self.traces),
            graph_attr={
                "rankdir": "LR",
                "compound": "true",
                "fontname": "Helvetica",
                "fontsize": "11",
                "nodesep": "0.3",
                "ranksep": "0.6",
                "newrank": "true",
            },
            node_attr={"fontname": "Helvetica", "fontsize": "10", "style": "filled", "color": INK, "fontcolor": INK},
            edge_attr={"fontname": "Helvetica", "fontsize": "9", "color": GREY, "arrowsize": "0.7"},
        )
        if titles:
            pic.attr(label=label_lines(*titles), labelloc="t", fontsize="13")

        def emit(graph, nid):
            attrs = {k: v for k, v in self.nodes[nid].items() if not k.startswith("_")}
            graph.node(dot_id(nid), **attrs)

        for vpc in self.vpcs:
            members = [n for n in self.nodes if self.place[n][0] == vpc.id]
            azs = sorted({az for n in members if (az := self.place[n][1])})
            label = label_lines(
                f"VPC {vpc.name}" if vpc.name else "VPC",
                vpc.id,
                ", ".join(vpc.cidr_blocks),
                "default VPC" if vpc.is_default else "",
                f"instance tenancy: {vpc.instance_tenancy}" if vpc.instance_tenancy != "default" else "",
            )
            with pic.subgraph(name=f"cluster_{vpc.id}") as c:
                c.attr(label=label, style="rounded", color=VPC_OUTLINE, fontcolor=VPC_TITLE, labeljust="l")
                for az in azs:
                    with c.subgraph(name=f"cluster_{vpc.id}_{az}") as z:
                        z.attr(
                            label=label_lines(f"Availability Zone {az}"),
                            style="dashed",
                            color=GREY,
                            fontcolor=GREY,
                            labeljust="l",
                        )
                        for n in members:
                            if self.place[n][1] == az:
                                emit(z, n)
                for n in members:
                    if not self.place[n][1]:
                        emit(c, n)
        functions = [n for n in self.nodes if self.nodes[n]["_kind"] == "function"]
        if functions:
            with pic.subgraph(name="functions") as fs:
                fs.attr(rank="min")
                for n in functions:
                    emit(fs, n)
        for n in self.nodes:
            if self.place[n][0] not in self.vpc_set and n not in functions:
                emit(pic, n)
        for (a, b), attrs in self.edges.items():
            pic.edge(dot_id(a), dot_id(b), **attrs)
        if legend:
            pic.node(
                "legend",
                shape="plaintext",
                style="",
                fontsize="9",
                label=(
                    "thick green line: the way the traffic goes\\l"
                    "red, double outline, ✘ CODE: where it stops, and why\\l"
                    'dashed line "not reached": the destination it does not reach\\l'
                    "dashed grey arrow: the subnet's route table\\l"
                ),
            )
        return pic
