"""The checks a walk makes at each hop: security groups, network ACLs (and their replies), route look-ups.

``WalkChecks`` holds the walk's state and the per-hop checks; ``labkit.vpc.reach.walk.Walk`` adds the
routes to each kind of destination. A check that stops the traffic raises ``Blocked``.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from labkit.vpc.graph import lambda_interface, longest_prefix_table, route_table_of
from labkit.vpc.model import Route, RouteTable, SecurityGroup, Subnet, Topology
from labkit.vpc.reach.destinations import Dest, Source
from labkit.vpc.reach.rules import ANY, EPHEMERAL, Side, nacl_decide, sg_allows
from labkit.vpc.results import Blocker, BlockerCode, Hop

if TYPE_CHECKING:
    import networkx as nx

IP = ipaddress.IPv4Address
#: A network ACL crossing to check for the replies: (subnet, egress, ports, peer, purpose).
Crossing = tuple[Subnet, bool, tuple[int, int], Side, str]


class Blocked(Exception):
    """Raised inside a walk at the first check that stops the traffic."""

    def __init__(self, blocker: Blocker) -> None:
        self.blocker = blocker


class WalkChecks:
    """The state of one walk (one subnet of the source) and the checks it makes at each hop."""

    def __init__(self, topo: Topology, g: nx.DiGraph, src: Source, dst: Dest, subnet_id: str) -> None:
        self.topo, self.g, self.src, self.dst, self.subnet_id = topo, g, src, dst, subnet_id
        self.hops: list[Hop] = []
        self.notes: list[str] = []
        self.replies: list[Crossing] = []  # NACL crossings to check for the replies, in reply order
        self.via = ""
        self.subnet: Subnet  # set by run()
        self.groups: list[SecurityGroup]
        self.me: Side

    # -- driver ---------------------------------------------------------------------------------------
    def _function_side(self) -> Side:
        eni = lambda_interface(self.g, self.subnet.id, self.src.group_ids)
        if eni is not None:
            net = ipaddress.IPv4Network(eni.private_ips[0])
        else:
            net = self.subnet.network
        return Side((net,), True, frozenset(self.src.group_ids))

    def _far_internet(self, ip: IP | None = None) -> Side:
        if ip is not None:
            return Side((ipaddress.IPv4Network(ip),), False)
        return Side((ANY,), False)

    def _far_service(self, service: str) -> Side:
        pl = self.topo.prefix_list_for_service(service)
        if pl is not None and pl.cidrs:
            return Side(tuple(ipaddress.IPv4Network(c) for c in pl.cidrs), False, prefix_lists=frozenset({pl.id}))
        return Side((ANY,), False, prefix_lists=frozenset({pl.id}) if pl else frozenset())

    # -- checks -----------------------------------------------------------------------------------------
    def _sg_egress(self, far: Side, what: str) -> None:
        found = sg_allows(self.groups, True, "6", self.dst.port, far, self.topo)
        first = self.src.group_ids[0] if self.src.group_ids else "(no security group)"
        if found is None:
            self.hops.append(
                Hop(
                    "security-group",
                    first,
                    False,
                    f"no outbound rule of {', '.join(self.src.group_ids) or 'its groups'} allows tcp/{self.dst.port} to {what}",
                )
            )
            raise Blocked(
                Blocker(
                    BlockerCode.SG_EGRESS,
                    first,
                    f"the function's security groups ({', '.join(self.src.group_ids)}) have no outbound rule that "
                    f"allows tcp/{self.dst.port} to {what}",
                    f"Add an outbound rule to {first}: tcp {self.dst.port} to {far.text()}"
                    + (f" (or the prefix list {sorted(far.prefix_lists)[0]})" if far.prefix_lists else "")
                    + ".",
                )
            )
        sg, rule = found
        self.hops.append(
            Hop("security-group", sg.id, True, f"outbound rule allows tcp/{self.dst.port} to {what}", str(rule))
        )

    def _sg_ingress(self, groups: list[SecurityGroup], owner: str) -> None:
        found = sg_allows(groups, False, "6", self.dst.port, self.me, self.topo)
        ids = [g.id for g in groups]
        if found is None:
            first = ids[0] if ids else owner
            self.hops.append(
                Hop(
                    "security-group",
                    first,
                    False,
                    f"no inbound rule of {', '.join(ids)} ({owner}) admits tcp/{self.dst.port} from the function",
                )
            )
            raise Blocked(
                Blocker(
                    BlockerCode.SG_INGRESS,
                    first,
                    f"the security groups of {owner} ({', '.join(ids)}) have no inbound rule admitting tcp/{self.dst.port} "
                    f"from the function ({self.me.text()}, groups {', '.join(self.src.group_ids)})",
                    f"Add an inbound rule to {first}: tcp {self.dst.port} from the function's security group "
                    f"{self.src.group_ids[0] if self.src.group_ids else ''} (or from {self.me.text()}).",
                )
            )
        sg, rule = found
        self.hops.append(
            Hop(
                "security-group",
                sg.id,
                True,
                f"inbound rule admits tcp/{self.dst.port} from the function ({owner})",
                str(rule),
            )
        )

    def _nacl(self, subnet: Subnet, egress: bool, ports: tuple[int, int], peer: Side, purpose: str) -> None:
        nacl = self.topo.network_acl_for(subnet.id)
        ok, entry = nacl_decide(nacl, egress, "6", ports, peer)
        direction = "outbound" if egress else "inbound"
        port_text = f"tcp/{ports[0]}" if ports[0] == ports[1] else f"tcp/{ports[0]}-{ports[1]}"
        peer_text = ("to " if egress else "from ") + peer.text()
        if nacl is None:
            return
        if ok and entry is not None:
            self.hops.append(
                Hop(
                    "network-acl",
                    nacl.id,
                    True,
                    f"{direction} rule {entry.label} of {subnet.id}'s ACL allows {purpose} ({port_text} {peer_text})",
                    str(entry),
                )
            )
            return
        why = f"rule {entry.label} denies it" if entry else "no rule allows all of it, so the final * rule denies it"
        self.hops.append(
            Hop(
                "network-acl",
                nacl.id,
                False,
                f"{direction}: {purpose} ({port_text} {peer_text}) — {why}",
                str(entry) if entry else "*",
            )
        )
        code = BlockerCode.NACL_OUTBOUND if egress else BlockerCode.NACL_INBOUND
        stateless = " Network ACLs are stateless: replies need rules of their own." if "repl" in purpose else ""
        raise Blocked(
            Blocker(
                code,
                nacl.id,
                f"the {direction} rules of network ACL {nacl.id} (subnet {subnet.id}) block {purpose}: {port_text} {peer_text}; {why}.{stateless}",
                f"Add an {direction} allow rule to {nacl.id} for {port_text} {peer_text}, numbered below any deny that matches.",
            )
        )

    def _leave(self, subnet: Subnet, far: Side, near_side: Side | None, into: Subnet | None, purpose: str) -> None:
        """Cross from ``subnet`` towards ``far`` (entering ``into`` if inside a VPC); record the replies."""
        if into is not None and into.id == subnet.id:
            return  # traffic inside one subnet doesn't cross its network ACL
        self._nacl(subnet, True, (self.dst.port, self.dst.port), far, purpose)
        # replies come back to ``subnet`` from far, to the client's ephemeral ports
        self.replies.append((subnet, False, EPHEMERAL, far, "the replies"))
        if into is not None:
            src_side = near_side or self.me
            self._nacl(into, False, (self.dst.port, self.dst.port), src_side, purpose)
            self.replies.insert(0, (into, True, EPHEMERAL, src_side, "the replies"))

    def _check_replies(self) -> None:
        for subnet, egress, ports, peer, purpose in self.replies:
            self._nacl(subnet, egress, ports, peer, purpose)

    # -- routing --------------------------------------------------------------------------------------
    def _route_table(self, subnet_id: str) -> RouteTable | None:
        return route_table_of(self.g, subnet_id)

    def _lookup(self, rtb_id: str, ip: IP | None = None, service: str | None = None) -> Route | None:
        lpm = longest_prefix_table(self.g, rtb_id)
        if service is not None:
            for plen, _, _, route in reversed(lpm):
                if plen != -1:
                    break
                if self._route_service(route) == service:
                    return route
        if ip is None:
            # "the internet" (or a service's public endpoint) in general: the default route decides.
            # Routes for particular public ranges only decide for addresses in those ranges (IP:PORT).
            for plen, _net, _mask, route in lpm:
                if plen == 0:
                    return route
            return None
        addr = int(ip)
        for plen, net, mask, route in lpm:
            if plen >= 0 and addr & mask == net:
                return route
        return None

    def _route_service(self, route: Route) -> str | None:
        pl = self.topo.prefix_list(route.destination)
        if pl is not None and pl.service:
            return pl.service
        ep = self.topo.vpc_endpoint(route.target_id)
        return ep.service if ep is not None else None

    def _route_hop(
        self, subnet: Subnet, what: str, ip: IP | None = None, service: str | None = None
    ) -> tuple[RouteTable, Route | None]:
        rt = self._route_table(subnet.id)
        if rt is None:
            self.hops.append(Hop("route-table", subnet.id, False, "the subnet has no route table"))
            raise Blocked(
                Blocker(
                    BlockerCode.NO_ROUTE,
                    subnet.id,
                    f"subnet {subnet.id} has no route table",
                    "Associate a route table with the subnet.",
                )
            )
        route = self._lookup(rt.id, ip, service)
        how = "main route table" if subnet.id not in rt.subnet_ids else "associated route table"
        if route is None:
            self.hops.append(Hop("route-table", rt.id, False, f"{how} of {subnet.id} has no route to {what}"))
            return rt, None
        self.hops.append(
            Hop(
                "route-table",
                rt.id,
                True,
                f"{how} of {subnet.id}: route {route} matches {what} (most specific)",
                str(route),
            )
        )
        return rt, route

    def _blackhole(self, rt: RouteTable, route: Route, why: str) -> Blocked:
        self.hops[-1] = Hop("route-table", rt.id, False, f"route {route} is a blackhole: {why}", str(route))
        return Blocked(
            Blocker(
                BlockerCode.BLACKHOLE_ROUTE,
                rt.id,
                f"route {route} in {rt.id} is a blackhole: {why}. The most specific route always decides, so "
                "traffic is dropped there rather than trying another route.",
                f"Replace the route in {rt.id} with a working target (e.g. an available NAT gateway) or delete it.",
            )
        )

    # -- destinations ------------------------------------------------------------------------------------
