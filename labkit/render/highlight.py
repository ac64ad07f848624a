"""A trace painted on a picture: the way traffic goes in green, where it stops in red with the blocker code.

For each path of a trace: the function, its subnet and every hop that lets the traffic through are outlined
green and joined by a thick green line; the hops that stop it are red, the blocker's resource gets a
double outline and ``✘ CODE``; a red dashed line "not reached" leads to a destination no path reaches,
which is drawn dashed. A resource the picture doesn't otherwise show (a security group, a network ACL) is
added where it stops the traffic. Everything comes from the trace: this module decides nothing.
"""

from __future__ import annotations

import ipaddress

from labkit.render.labels import label_lines
from labkit.render.palette import GREEN, RED
from labkit.render.scene import Scene
from labkit.vpc.graph import function_node
from labkit.vpc.results import Trace

__all__ = ["paint"]


def paint(scene: Scene, traces: tuple[Trace, ...]) -> None:
    """Paint every trace on ``scene``; then dash the destinations that no path of any trace reaches."""
    reached: dict[str, bool] = {}  # destination node → reached by some traced path
    for t in traces:
        dest = _destination_node(scene, t)
        reached[dest] = _paint_trace(scene, t, dest) or reached.get(dest, False)
    for dest, ok in reached.items():
        if not ok:
            scene.nodes[dest].update(style="dashed,filled", color=RED, fontcolor=RED)


def _paint_trace(scene: Scene, t: Trace, dest: str) -> bool:
    """Paint one trace's paths; True when one of them reaches ``dest``."""
    f = scene.function(t.source)
    source = function_node(f.name) if f is not None and function_node(f.name) in scene.nodes else None
    reached = False
    for p in t.paths:
        seq: list[str] = []

        def add(n, seq=seq):
            if n is not None and n not in seq:
                seq.append(n)

        add(source)
        if p.subnet_id in scene.nodes:
            add(p.subnet_id)
        failing = [h for h in p.hops if not h.ok]
        for hop in p.hops:
            if not hop.ok:
                break
            n = _node_for_hop(scene, hop, t)
            if n != dest:  # the destination comes last, and only when it is reached
                add(n)
        if p.reachable:
            add(dest)
            reached = True
        for n in seq:
            scene.mark(n, GREEN)
        for a, b in zip(seq, seq[1:], strict=False):  # thick ("bold"): the path reads without colour too
            scene.edge(a, b, color=GREEN, penwidth="3", fontcolor=GREEN, style="bold")
        if not p.reachable:
            _blocked(scene, t, p, seq, failing, dest)
    return reached


def _blocked(scene: Scene, t: Trace, p, seq: list[str], failing, dest: str) -> None:
    """Red: the hops that stop traffic, the code on the blocker's resource, a dashed line to the destination."""
    b = p.blocked_by
    subnet = scene.topo.subnet_or_none(p.subnet_id) if p.subnet_id in scene.nodes else None
    vpc = subnet.vpc_id if subnet is not None else None
    red = []
    for hop in failing:
        n = _node_for_hop(scene, hop, t)
        if n is None or n == dest:
            n = _extra_node(scene, hop.resource_id, hop.kind, vpc)
        red.append(n)
    where = None
    if b is not None and b.resource_id and b.resource_id != dest:
        where = scene.resolve(b.resource_id) or _extra_node(scene, b.resource_id, "", vpc)
    stop = red[0] if red else (seq[-1] if seq else where)
    if stop is None:
        return
    for n in red:
        scene.mark(n, RED)
    scene.mark(where or stop, RED, code=b.code.value if b is not None else "BLOCKED")
    if seq and stop not in seq:
        scene.edge(seq[-1], stop, color=RED, penwidth="3", fontcolor=RED, style="bold")
    if stop != dest and scene.edges.get((stop, dest), {}).get("color") != GREEN:
        scene.edge(stop, dest, color=RED, style="dashed", label="not reached", fontcolor=RED)


def _destination_node(scene: Scene, t: Trace) -> str:
    """The node of the trace's destination: the internet, an AWS service, or an address (in its subnet)."""
    dest = t.destination.strip()
    if dest.split(":")[0].lower() == "internet":
        return scene.internet()
    host, _, port = dest.rpartition(":")
    try:
        ip = ipaddress.ip_address(host if port else dest)
    except ValueError:
        return scene.service(dest)
    subnet = scene.topo.subnet_containing(ip) if isinstance(ip, ipaddress.IPv4Address) else None
    eni = scene.topo.interface_owning(str(ip))
    inside = subnet is not None and subnet.id in scene.nodes
    return scene.node(
        f"dest/{dest.replace(':', '_')}",
        "other",
        label_lines(dest, eni.id if eni is not None else "", eni.description if eni is not None else ""),
        vpc=subnet.vpc_id if inside and subnet is not None else None,
        az=subnet.availability_zone if inside and subnet is not None else None,
    )


def _node_for_hop(scene: Scene, hop, t: Trace) -> str | None:
    """The drawn node a hop of the trace goes through, or None when the picture doesn't show it."""
    kind, rid = hop.kind, hop.resource_id
    if kind == "internet":
        return scene.internet()
    if kind == "lambda-network":
        return scene.lambda_network()
    if kind == "service":
        return scene.service(rid)
    if kind == "network-interface":
        for e in scene.topo.vpc_endpoints:
            if rid in e.network_interface_ids and e.id in scene.nodes:
                return e.id
        eni = scene.topo.network_interface(rid)
        dest = t.destination.rpartition(":")[0]
        if eni is not None and dest in eni.private_ips:
            return _destination_node(scene, t)
        return None
    return scene.resolve(rid)


_KIND_NAMES = {
    "security-group": "security group",
    "network-acl": "network ACL",
    "network-interface": "network interface",
}
_KIND_BY_PREFIX = {"sg-": "security-group", "acl-": "network-acl", "eni-": "network-interface"}


def _extra_node(scene: Scene, resource_id: str, kind: str, fallback_vpc: str | None) -> str:
    """A node for a resource the picture doesn't otherwise show (security group, network ACL…)."""
    if kind not in _KIND_NAMES:
        kind = next((k for p, k in _KIND_BY_PREFIX.items() if resource_id.startswith(p)), kind)
    obj = scene.topo.find(resource_id)
    vpc = getattr(obj, "vpc_id", None) or fallback_vpc
    name = getattr(obj, "name", "") if kind != "network-interface" else ""
    return scene.node(
        resource_id,
        "other",
        label_lines(_KIND_NAMES.get(kind, kind), name, resource_id),
        vpc=vpc if vpc in scene.vpc_set else None,
    )
