"""A picture while it is being made: its nodes and edges, where each node sits, and how it is written as DOT.

``labkit.render.draw`` chooses what to draw and puts the network in a ``Scene``;
``labkit.render.highlight`` paints traces on it; ``Scene.picture`` writes the result as a ``Picture``:
one box per VPC, inside it one box per Availability Zone, the functions in the first column (left to
right), everything outside a VPC after them.

A node's id is the topology graph's node id (one id scheme for traces, graph and picture); a node keeps its
DOT attributes plus ``_kind`` (the kind of resource), which is not written out.
"""

from __future__ import annotations

from labkit.render.labels import SHAPES, dot_id, label_lines, plural, text_alternative
from labkit.render.palette import FILL, GREY, INK, RED, VPC_OUTLINE, VPC_TITLE
from labkit.render.picture import Picture
from labkit.vpc.graph import INTERNET, function_node, service_node
from labkit.vpc.model import LambdaFunction, Topology, Vpc, service_short_name
from labkit.vpc.results import Trace

__all__ = ["LAMBDA_NETWORK", "Scene", "function_vpcs", "traced_function"]

#: The node of Lambda's own network, where a function that is not connected to a VPC sends its traffic.
LAMBDA_NETWORK = "lambda-network"

LEGEND = (
    "thick green line: the way the traffic goes\\l"
    "red, double outline, ✘ CODE: where it stops, and why\\l"
    'dashed line "not reached": the destination it does not reach\\l'
    "dashed grey arrow: the subnet's route table\\l"
)


def traced_function(topo: Topology, source: str) -> LambdaFunction | None:
    """The function of a trace's source (``name``, ``function:name`` or an ARN), or None."""
    return topo.function_or_none(source.removeprefix("function:"))


def function_vpcs(topo: Topology, f: LambdaFunction) -> list[str]:
    """The VPCs of the subnets ``f`` is connected to (subnets this topology doesn't know are left out)."""
    out = [s.vpc_id for sid in f.subnet_ids if (s := topo.subnet_or_none(sid)) is not None]
    return list(dict.fromkeys(out))


class Scene:
    """The nodes and edges of one picture of ``topo``, showing ``vpcs`` and ``functions``, with ``traces``."""

    def __init__(
        self, topo: Topology, vpcs: list[Vpc], functions: list[LambdaFunction], traces: tuple[Trace, ...]
    ) -> None:
        self.topo = topo
        self.graph = topo.graph
        self.vpcs = vpcs
        self.vpc_set = {v.id for v in vpcs}
        self.functions = functions
        self.traces = traces
        self.nodes: dict[str, dict] = {}
        self.place: dict[str, tuple[str | None, str | None]] = {}  # node → (vpc id, AZ)
        self.edges: dict[tuple[str, str], dict] = {}

    # --- look-ups -------------------------------------------------------------------------------
    def function(self, name_or_arn: str) -> LambdaFunction | None:
        """The function of a trace's source or of a resource id, or None (``traced_function``)."""
        return traced_function(self.topo, name_or_arn)

    def resolve(self, rid: str) -> str | None:
        """The drawn node of a resource id, or of a function name or ARN; None when it is not drawn."""
        if rid in self.nodes:
            return rid
        f = self.function(rid)
        if f is not None and function_node(f.name) in self.nodes:
            return function_node(f.name)
        return None

    # --- nodes and edges ------------------------------------------------------------------------
    def node(self, nid: str, kind: str, label: str, *, vpc: str | None = None, az: str | None = None, **attrs) -> str:
        """Add a node (once: a node already there is kept as it is); ``vpc``/``az``: the boxes it sits in."""
        if nid in self.nodes:
            return nid
        base = {"label": label, "fillcolor": FILL.get(kind, FILL["other"]), "_kind": kind}
        base.update(SHAPES.get(kind, {}))
        base.update(attrs)
        self.nodes[nid] = base
        self.place[nid] = (vpc, az)
        return nid

    def edge(self, a: str, b: str, **attrs) -> None:
        """Add an edge, or update the attributes of the edge already there."""
        if (a, b) in self.edges:
            self.edges[(a, b)].update(attrs)
        else:
            self.edges[(a, b)] = dict(attrs)

    def mark(self, nid: str, colour: str, *, code: str | None = None) -> None:
        """Outline a node in ``colour``; with ``code``, mark it as the blocker (double outline, ✘ CODE)."""
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

    def internet(self) -> str:
        return self.node(INTERNET, "internet", "internet")

    def service(self, name: str) -> str:
        name = service_short_name(name.removeprefix("service:"))
        return self.node(service_node(name), "service", label_lines(f"AWS service: {name}"))

    def lambda_network(self) -> str:
        self.node(LAMBDA_NETWORK, "lambda-network", label_lines("Lambda's own network", "(function not in a VPC)"))
        self.edge(LAMBDA_NETWORK, self.internet(), color=GREY)
        return LAMBDA_NETWORK

    # --- output ---------------------------------------------------------------------------------
    def picture(self, *, legend: bool) -> Picture:
        """The scene as a ``Picture``: its DOT text, its one-line summary and its text alternative."""
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
        for vpc in self.vpcs:
            self._vpc_box(pic, vpc)
        functions = [n for n in self.nodes if self.nodes[n]["_kind"] == "function"]
        if functions:
            with pic.subgraph(name="functions") as fs:
                fs.attr(rank="min")
                for n in functions:
                    self._emit(fs, n)
        for n in self.nodes:
            if self.place[n][0] not in self.vpc_set and n not in functions:
                self._emit(pic, n)
        for (a, b), attrs in self.edges.items():
            pic.edge(dot_id(a), dot_id(b), **attrs)
        if legend:
            pic.node("legend", shape="plaintext", style="", fontsize="9", label=LEGEND)
        return pic

    def _vpc_box(self, pic: Picture, vpc: Vpc) -> None:
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
                            self._emit(z, n)
            for n in members:
                if not self.place[n][1]:
                    self._emit(c, n)

    def _emit(self, graph, nid: str) -> None:
        attrs = {k: v for k, v in self.nodes[nid].items() if not k.startswith("_")}
        graph.node(dot_id(nid), **attrs)
