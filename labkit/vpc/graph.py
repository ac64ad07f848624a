"""The topology as a networkx graph: the structure ``trace`` walks and ``draw`` pictures.

Nodes are AWS resource ids (plus ``"internet"`` and ``"service:<name>"``); each node has ``kind`` and
``obj`` (the model object). Edges say how traffic can move:

* function → subnet (the function has a network interface there)
* subnet → route table (explicit association, else the VPC's main table; ``main=True`` then)
* route table → target, one edge per route target, with the ``routes`` that use it
  (``local`` routes point at the VPC node; VPC → each of its subnets)
* NAT gateway → its subnet; internet gateway → internet (when attached to a VPC)
* gateway endpoint → service; subnet → interface endpoint → service
* peering connection → each of its two VPCs

Each route table node also carries ``lpm``: its routes sorted most specific first, ready for
longest-prefix matching (the hot path of ``trace``); each subnet node names the end of its ``uses``
edge (``route_table``) and its Lambda interfaces (``lambda_interfaces``). ``route_table_of``, ``longest_prefix_table``,
``route_target`` and ``lambda_interface`` are how ``trace`` walks the graph.

>>> from labkit.vpc.model import Topology, Vpc, Subnet, RouteTable, Route, InternetGateway
>>> topo = Topology(
...     vpcs=(Vpc("vpc-1", ("10.0.0.0/16",)),),
...     subnets=(Subnet("subnet-1", "vpc-1", "10.0.1.0/24"),),
...     route_tables=(RouteTable("rtb-1", "vpc-1", routes=(
...         Route("10.0.0.0/16", "local", "local"), Route("0.0.0.0/0", "igw", "igw-1")), is_main=True),),
...     internet_gateways=(InternetGateway("igw-1", ("vpc-1",)),),
... )
>>> import networkx as nx
>>> nx.shortest_path(topo.graph, "subnet-1", "internet")
['subnet-1', 'rtb-1', 'igw-1', 'internet']
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the model does not import this module at load time, nor this module the model
    import networkx as nx

    from labkit.vpc.model import NetworkInterface, Route, RouteTable, Topology

INTERNET = "internet"


def service_node(service: str) -> str:
    """The node id of an AWS service reached through endpoints: ``service:s3``."""
    return f"service:{service}"


def function_node(name: str) -> str:
    """The node id of a Lambda function: ``function:orders`` (the one id scheme of traces and pictures)."""
    return f"function:{name}"


#: A longest-prefix table: (prefix length, network int, mask int, route), most specific first.
LpmTable = tuple[tuple[int, int, int, "Route"], ...]


def build_graph(topo: Topology) -> nx.DiGraph:
    """The graph of ``topo`` (see this module's docstring for its nodes and edges)."""
    import networkx as nx  # loaded with the first graph: `import labkit` stays light

    g = nx.DiGraph()
    g.add_node(INTERNET, kind="internet", obj=None)
    topo_subnets = {s.id for s in topo.subnets}

    for v in topo.vpcs:
        g.add_node(v.id, kind="vpc", obj=v)
    for s in topo.subnets:
        g.add_node(s.id, kind="subnet", obj=s)
        g.add_edge(s.vpc_id, s.id, kind="local")
    for igw in topo.internet_gateways:
        g.add_node(igw.id, kind="internet-gateway", obj=igw)
        if igw.attached_vpc_ids:
            g.add_edge(igw.id, INTERNET, kind="internet")
        for vpc_id in igw.attached_vpc_ids:
            g.add_edge(igw.id, vpc_id, kind="attachment")
    for nat in topo.nat_gateways:
        g.add_node(nat.id, kind="nat-gateway", obj=nat)
        g.add_edge(nat.id, nat.subnet_id, kind="lives-in")
    for e in topo.vpc_endpoints:
        g.add_node(e.id, kind="vpc-endpoint", obj=e)
        g.add_edge(e.id, service_node(e.service), kind="service")
        g.nodes[service_node(e.service)].update(kind="service", obj=e.service)
        for sid in e.subnet_ids:
            g.add_edge(sid, e.id, kind="interface-endpoint")
    for p in topo.peering_connections:
        g.add_node(p.id, kind="peering", obj=p)
        g.add_edge(p.id, p.requester_vpc_id, kind="peer")
        g.add_edge(p.id, p.accepter_vpc_id, kind="peer")
    for s in topo.subnets:
        g.nodes[s.id]["lambda_interfaces"] = ()
    for eni in topo.network_interfaces:
        g.add_node(eni.id, kind="network-interface", obj=eni)
        g.add_edge(eni.subnet_id, eni.id, kind="attached")
        if eni.interface_type == "lambda" and eni.private_ips and eni.subnet_id in topo_subnets:
            g.nodes[eni.subnet_id]["lambda_interfaces"] += (eni.id,)  # ends of its "attached" edges

    for rt in topo.route_tables:
        g.add_node(rt.id, kind="route-table", obj=rt, lpm=_lpm(topo, rt.routes))
        for route in rt.routes:
            target = rt.vpc_id if route.target_kind == "local" else route.target_id
            if target not in g:
                g.add_node(target, kind="missing", obj=None)  # a route to something that no longer exists
            if g.has_edge(rt.id, target):
                g.edges[rt.id, target]["routes"] += (route,)
            else:
                g.add_edge(rt.id, target, kind="route", routes=(route,))
    for s in topo.subnets:
        used = topo.route_table_for(s.id)
        if used is not None:
            g.add_edge(s.id, used.id, kind="uses", main=s.id not in used.subnet_ids)
        g.nodes[s.id]["route_table"] = used.id if used is not None else None  # the end of its "uses" edge

    for f in topo.functions:
        g.add_node(function_node(f.name), kind="function", obj=f)
        for sid in f.subnet_ids:
            if sid in g:
                g.add_edge(function_node(f.name), sid, kind="eni")
    return g


# ------------------------------------------------------------------------------------- walking it


def route_table_of(g: nx.DiGraph, subnet_id: str) -> RouteTable | None:
    """The route table a subnet uses: the end of its ``uses`` edge (``None`` when it has none).

    The subnet node keeps that end as ``route_table``, so the hot path of ``trace`` need not scan edges.
    """
    rtb_id = g.nodes[subnet_id].get("route_table")
    if rtb_id is None:
        return None
    rt: RouteTable = g.nodes[rtb_id]["obj"]
    return rt


def longest_prefix_table(g: nx.DiGraph, rtb_id: str) -> LpmTable:
    """The route table node's routes for longest-prefix matching, most specific first."""
    table: LpmTable = g.nodes[rtb_id]["lpm"]
    return table


def route_target(g: nx.DiGraph, rt: RouteTable, route: Route, kind: str) -> Any:
    """The model object at the end of the route table → target edge that carries ``route`` when the node
    there is of ``kind`` ("nat-gateway", "internet-gateway", "vpc-endpoint", "peering"); else ``None``
    (the target no longer exists)."""
    target = rt.vpc_id if route.target_kind == "local" else route.target_id
    node = g.nodes[target] if g.has_edge(rt.id, target) else None
    return node["obj"] if node is not None and node["kind"] == kind else None


def lambda_interface(g: nx.DiGraph, subnet_id: str, group_ids: Iterable[str]) -> NetworkInterface | None:
    """The Hyperplane ENI Lambda created in the subnet for these security groups (the function's address):
    one of the subnet's ``attached`` interfaces, which its node lists as ``lambda_interfaces``; ``None``
    when Lambda hasn't created it (yet)."""
    groups = frozenset(group_ids)
    found = None
    for eni_id in g.nodes[subnet_id].get("lambda_interfaces", ()):
        eni: NetworkInterface = g.nodes[eni_id]["obj"]
        if frozenset(eni.security_group_ids) == groups:
            found = eni  # the last one, as AWS lists them by id
    return found


def _lpm(topo: Topology, routes: Iterable[Route]) -> LpmTable:
    """Routes as (prefixlen, network int, mask int, route), most specific first.

    Prefix-list routes of AWS-managed service lists match the service (prefixlen -1 marks them; they
    win over CIDR routes for their service, as AWS documents for gateway endpoints). Customer prefix
    lists with known CIDRs expand into one entry per CIDR.
    """
    out: list[tuple[int, int, int, Route]] = []
    for r in routes:
        network = r.network
        if network is not None:
            out.append((network.prefixlen, int(network.network_address), int(network.netmask), r))
            continue
        pl = topo.prefix_list(r.destination)  # a prefix-list route
        if pl is not None and pl.service is None:
            for c in pl.cidrs:
                net = _net(c)
                out.append((net.prefixlen, int(net.network_address), int(net.netmask), r))
        else:
            out.append((-1, 0, 0, r))
    out.sort(key=lambda t: -t[0])
    return tuple(out)


def _net(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr, strict=False)
