"""The picture's words and shapes: DOT node names, labels, node shapes, and the picture's text alternative."""

from __future__ import annotations

import ipaddress

from labkit.render.palette import GREY
from labkit.vpc.results import Trace, named


def dot_id(node_id: str) -> str:
    """The DOT name of a graph node: ``function:orders`` → ``function/orders``, ``service:s3`` → ``service/s3``.

    The picture's nodes are the graph's nodes (same ids); only the colon changes, because in a DOT edge
    ``a:b`` means port ``b`` of node ``a``.

    >>> dot_id("function:orders"), dot_id("service:s3"), dot_id("subnet-1")
    ('function/orders', 'service/s3', 'subnet-1')
    """
    return node_id.replace(":", "/")


def escape_label(text: str) -> str:
    """User text inside a DOT label: keep backslashes literal."""
    return str(text).replace("\\", "\\\\")


def label_lines(*lines: str) -> str:
    return "\\n".join(escape_label(line) for line in lines if line)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def network_key(cidr: str):
    try:
        net = ipaddress.ip_network(cidr, strict=False)
        return (net.version, int(net.network_address), net.prefixlen)
    except ValueError:
        return (9, 0, 0)


def text_alternative(summary: str, traces: tuple[Trace, ...]) -> str:
    """What the picture shows, in sentences (its text alternative): what is drawn, then each trace's result."""
    drawn = summary.split(";")[0]
    text = f"A picture of the network: {drawn}, left to right from the functions to the destinations."
    for t in traces:
        text += " " + t.headline()
        blockers = {(b.code.value, b.resource_id) for b in t.blockers}
        if blockers:
            text += " It stops at " + ", ".join(f"{named(r, t.names)}: {c}" for c, r in sorted(blockers)) + "."
    if traces:
        text += (
            " A thick line shows the way the traffic goes; where it stops is marked ✘ with the blocker "
            "code and a double outline; a dashed line leads to a destination that is not reached."
        )
    return text


SHAPES = {
    "function": {"shape": "box", "style": "rounded,filled"},
    "public": {"shape": "box", "style": "filled"},
    "private": {"shape": "box", "style": "filled"},
    "route-table": {"shape": "note"},
    "internet-gateway": {"shape": "box", "style": "rounded,filled"},
    "nat-gateway": {"shape": "box", "style": "rounded,filled"},
    "vpc-endpoint": {"shape": "box", "style": "rounded,filled"},
    "peering": {"shape": "box", "style": "rounded,filled"},
    "internet": {"shape": "ellipse"},
    "service": {"shape": "ellipse"},
    "lambda-network": {"shape": "ellipse"},
    "missing": {"shape": "box", "style": "dashed,filled", "color": GREY, "fontcolor": GREY},
    "other": {"shape": "box"},
}
