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
longest-prefix matching (the hot path of ``trace``).

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

import networkx as nx

from labkit.vpc.model import Topology

INTERNET = "internet"


def service_node(service: str) -> str:
    return f"service:{service}"


def build_graph(topo: Topology) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_node(INTERNET, kind="internet", obj=None)

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
    for eni in topo.network_interfaces:
        g.add_node(eni.id, kind="network-interface", obj=eni)
        g.add_edge(eni.subnet_id, eni.id, kind="attached")

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
        rt = topo.route_table_for(s.id)
        if rt is not None:
            g.add_edge(s.id, rt.id, kind="uses", main=s.id not in rt.subnet_ids)

    for f in topo.functions:
        g.add_node(f"function:{f.name}", kind="function", obj=f)
        for sid in f.subnet_ids:
            if sid in g:
                g.add_edge(f"function:{f.name}", sid, kind="eni")

    # Hyperplane ENIs by (subnet, groups): a function's address when Lambda has created its interface.
    g.graph["lambda_enis"] = {
        (eni.subnet_id, frozenset(eni.security_group_ids)): eni
        for eni in topo.network_interfaces
        if eni.interface_type == "lambda" and eni.private_ips
    }
    return g


def _lpm(topo: Topology, routes) -> tuple:
    """Routes as (prefixlen, network int, mask int, route), most specific first.

    Prefix-list routes of AWS-managed service lists match the service (prefixlen -1 marks them; they
    win over CIDR routes for their service, as AWS documents for gateway endpoints). Customer prefix
    lists with known CIDRs expand into one entry per CIDR.
    """
    out = []
    for r in routes:
        if r.is_prefix_list:
            pl = topo.prefix_list(r.destination)
            if pl is not None and pl.service is None:
                for c in pl.cidrs:
                    net = _net(c)
                    out.append((net.prefixlen, int(net.network_address), int(net.netmask), r))
            else:
                out.append((-1, 0, 0, r))
        else:
            net = r.network
            out.append((net.prefixlen, int(net.network_address), int(net.netmask), r))
    out.sort(key=lambda t: -t[0])
    return tuple(out)


def _net(cidr: str):
    import ipaddress

    return ipaddress.ip_network(cidr, strict=False)
