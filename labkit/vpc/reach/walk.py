"""The walk: one subnet of the source, hop by hop along the topology's graph, to the destination.

``Walk(topo, src, dst, subnet_id).run()`` gives one ``Path``; it stops at the first blocker. Routing
follows the graph's edges (subnet → route table → route target) and the route tables' longest-prefix
tables kept on their nodes; look-ups of model objects go through ``Topology``'s public methods.
"""

from __future__ import annotations

import ipaddress
from typing import NoReturn

from labkit.vpc.graph import route_target
from labkit.vpc.model import InternetGateway, NetworkInterface, Route, RouteTable, Subnet, Topology, VpcEndpoint
from labkit.vpc.reach.destinations import Dest, Source
from labkit.vpc.reach.rules import EPHEMERAL, Side, is_private
from labkit.vpc.results import Blocker, BlockerCode, Hop, Path

IP = ipaddress.IPv4Address
#: A network ACL crossing to check for the replies: (subnet, egress, ports, peer, purpose).
Crossing = tuple[Subnet, bool, tuple[int, int], Side, str]

from labkit.vpc.reach.checks import Blocked, WalkChecks  # noqa: E402 - after the type aliases above

_BLOCKER_HOP_KIND = {
    BlockerCode.SG_EGRESS: "security-group",
    BlockerCode.SG_INGRESS: "security-group",
    BlockerCode.NACL_OUTBOUND: "network-acl",
    BlockerCode.NACL_INBOUND: "network-acl",
    BlockerCode.NO_ENDPOINT_ACCESS: "vpc-endpoint",
    BlockerCode.IGW_NOT_ATTACHED: "internet-gateway",
    BlockerCode.NAT_NO_INTERNET_ROUTE: "nat-gateway",
    BlockerCode.NO_PUBLIC_IP: "subnet",
}


def with_failing_hop(hops: list[Hop] | tuple[Hop, ...], blocker: Blocker) -> tuple[Hop, ...]:
    """Every blocked path shows where it stops: a ✘ hop at the blocker (added when no check made one)."""
    if any(not h.ok for h in hops):
        return tuple(hops)
    kind = _BLOCKER_HOP_KIND.get(blocker.code, "route-table" if blocker.resource_id.startswith("rtb-") else "resource")
    return (*hops, Hop(kind, blocker.resource_id, False, blocker.message))


def trace_lambda_network(topo: Topology, src: Source, dst: Dest) -> Path:
    """The one path of a function with no VpcConfig: Lambda's own network (internet and services only)."""
    start = Hop(
        "lambda-network",
        "lambda",
        True,
        f"{src.label} is not connected to a VPC: it runs in Lambda's own network, "
        "which has internet access and reaches AWS services",
    )
    if dst.ip is not None and (is_private(dst.ip) or topo.vpcs_containing(dst.ip)):
        vpcs = topo.vpcs_containing(dst.ip)
        where = f"in {vpcs[0].id}" if vpcs else "private"
        blocker = Blocker(
            BlockerCode.NO_ROUTE,
            src.label,
            f"{dst.ip} is a private address ({where}); a function outside your VPC can't reach private addresses.",
            "Connect the function to the VPC (VpcConfig with subnets and security groups) in subnets that "
            f"can route to {dst.ip}.",
        )
        return Path(None, with_failing_hop([start], blocker), blocker, via="lambda-network")
    end = Hop("service" if dst.kind == "service" else "internet", dst.label, True, "reached over Lambda's network")
    return Path(None, (start, end), None, via="lambda-network")


class Walk(WalkChecks):
    """Follows one subnet of the source to the destination, collecting hops; stops at the first blocker."""

    def run(self) -> Path:
        subnet = self.topo.subnet_or_none(self.subnet_id)
        if subnet is None:
            gone = Blocker(
                BlockerCode.NO_ROUTE,
                self.subnet_id,
                f"the function is configured with subnet {self.subnet_id}, which no longer exists",
                "Update the function's VpcConfig with existing subnets.",
            )
            return Path(self.subnet_id, with_failing_hop(self.hops, gone), gone, self.via, tuple(self.notes))
        self.subnet = subnet
        try:
            self.groups = list(self.topo.known_security_groups(self.src.group_ids))
            self.me = self._function_side()
            az = f", {self.subnet.availability_zone}" if self.subnet.availability_zone else ""
            where = (
                f"at {self.me.text()[:-3]}"
                if self.me.nets[0].prefixlen == 32
                else "at any address of the subnet (its Hyperplane ENI isn't known yet)"
            )
            self.hops.append(
                Hop(
                    "subnet",
                    self.subnet.id,
                    True,
                    f"{self.src.label} sends from its network interface in {self.subnet.id} "
                    f"({self.subnet.cidr}{az}) {where}",
                )
            )
            if self.dst.kind == "service":
                self._to_service()
            elif self.dst.kind == "internet":
                self._to_outside(self._far_internet(), "internet")
            else:
                self._to_ip()
            self._check_replies()
            return Path(self.subnet_id, tuple(self.hops), None, self.via, tuple(self.notes))
        except Blocked as stop:
            return Path(
                self.subnet_id, with_failing_hop(self.hops, stop.blocker), stop.blocker, self.via, tuple(self.notes)
            )

    # -- sides ------------------------------------------------------------------------------------------
    def _to_outside(self, far: Side, what: str, ip: IP | None = None, service: str | None = None) -> None:
        """Traffic leaving the VPC for a public address (the internet, or a service's public endpoint)."""
        self._sg_egress(far, what)
        self._leave(self.subnet, far, None, None, f"traffic to {what}")
        rt, route = self._route_hop(self.subnet, what, ip, service)
        if route is None:
            raise Blocked(
                Blocker(
                    BlockerCode.NO_ROUTE,
                    rt.id,
                    f"route table {rt.id} has no route to {what}: nothing leaves the VPC",
                    "Add a route 0.0.0.0/0 → a NAT gateway in a public subnet"
                    + (f", or a gateway/interface VPC endpoint for {service}" if service else "")
                    + ".",
                )
            )
        kind = route.target_kind
        if kind == "igw":
            igw = self._igw(rt, route)
            self.hops.append(Hop("internet-gateway", igw.id, False, "reached, but the function has no public IP"))
            raise Blocked(
                Blocker(
                    BlockerCode.NO_PUBLIC_IP,
                    self.subnet.id,
                    f"{self.subnet.id} is a public subnet (route {route}), but Lambda never gives a function's network "
                    "interface a public IP address, so the internet gateway can't carry its traffic",
                    "Put the function in private subnets whose route table sends 0.0.0.0/0 to a NAT gateway that sits "
                    "in a public subnet.",
                )
            )
        if kind == "nat":
            self._through_nat(rt, route, far, what, ip, service)
            return
        if kind == "vpce":
            self._gateway_endpoint(rt, route, service)
            return
        if kind == "pcx":
            self._blocked_peering_edge(rt, route, what)
        if kind == "local":
            raise Blocked(
                Blocker(
                    BlockerCode.NO_ROUTE,
                    rt.id,
                    f"{what} is not in the VPC, yet the best route is local",
                    "Check the VPC's CIDR blocks.",
                )
            )
        self._appliance(rt, route, what)

    def _igw(self, rt: RouteTable, route: Route) -> InternetGateway:
        igw = route_target(self.g, rt, route, "internet-gateway")
        vpc_id = rt.vpc_id
        if igw is None:
            raise self._blackhole(rt, route, f"internet gateway {route.target_id} no longer exists")
        if vpc_id not in igw.attached_vpc_ids:
            self.hops.append(Hop("internet-gateway", igw.id, False, f"not attached to {vpc_id}"))
            raise Blocked(
                Blocker(
                    BlockerCode.IGW_NOT_ATTACHED,
                    igw.id,
                    f"route {route} in {rt.id} points at internet gateway {igw.id}, which is not attached to {vpc_id}",
                    f"Attach {igw.id} to {vpc_id} (ec2 attach-internet-gateway), or route to a gateway attached to it.",
                )
            )
        if route.state == "blackhole":
            raise self._blackhole(rt, route, "AWS reports the route as a blackhole")
        return igw

    def _through_nat(
        self, rt: RouteTable, route: Route, far: Side, what: str, ip: IP | None, service: str | None
    ) -> None:
        nat = route_target(self.g, rt, route, "nat-gateway")
        if nat is None:
            raise self._blackhole(rt, route, f"NAT gateway {route.target_id} no longer exists")
        if nat.state != "available":
            raise self._blackhole(rt, route, f"NAT gateway {nat.id} is {nat.state}")
        if route.state == "blackhole":
            raise self._blackhole(rt, route, "AWS reports the route as a blackhole")
        nat_subnet = self.topo.subnet_or_none(nat.subnet_id)
        if nat.connectivity_type == "private":
            self.hops.append(Hop("nat-gateway", nat.id, False, "private NAT gateway: no public IP"))
            raise Blocked(
                Blocker(
                    BlockerCode.NAT_NO_INTERNET_ROUTE,
                    nat.id,
                    f"{nat.id} is a private NAT gateway: it has no public IP and can't reach the internet",
                    "Use a public NAT gateway (with an Elastic IP) in a public subnet.",
                )
            )
        if nat_subnet is None:
            raise self._blackhole(rt, route, f"the subnet of NAT gateway {nat.id} no longer exists")
        # the request enters the NAT gateway's subnet (unless the function sits in the same subnet)
        if nat_subnet.id != self.subnet.id:
            self._nacl(
                nat_subnet, False, (self.dst.port, self.dst.port), self.me, f"traffic to {what} on its way to {nat.id}"
            )
            self.replies.insert(
                0, (nat_subnet, True, EPHEMERAL, self.me, "the replies on their way back from the NAT gateway")
            )
        self.hops.append(
            Hop(
                "nat-gateway",
                nat.id,
                True,
                f"NAT gateway in {nat_subnet.id} translates to its public IP"
                + (f" {nat.public_ip}" if nat.public_ip else ""),
            )
        )
        # then it leaves from the NAT gateway's subnet: NACL outbound there, its route table
        self._nacl(nat_subnet, True, (self.dst.port, self.dst.port), far, f"traffic from {nat.id} to {what}")
        self.replies.insert(0, (nat_subnet, False, EPHEMERAL, far, "the replies reaching the NAT gateway"))
        nat_rt, nat_route = self._route_hop(nat_subnet, what, ip, service)
        if nat_route is not None and nat_route.target_kind == "vpce" and service:
            self._gateway_endpoint(nat_rt, nat_route, service)
            self.via = "nat-gateway+gateway-endpoint"
            return
        if nat_route is None or nat_route.target_kind != "igw":
            where = "no route" if nat_route is None else f"route {nat_route}"
            if nat_route is not None and nat_route.state == "blackhole":
                raise self._blackhole(nat_rt, nat_route, "AWS reports the route as a blackhole")
            raise Blocked(
                Blocker(
                    BlockerCode.NAT_NO_INTERNET_ROUTE,
                    nat.id,
                    f"NAT gateway {nat.id} sits in {nat_subnet.id}, whose route table {nat_rt.id} has {where} to an internet "
                    "gateway: a NAT gateway must be in a public subnet",
                    f"Add a route 0.0.0.0/0 → an internet gateway attached to the VPC in {nat_rt.id}, or move the NAT "
                    "gateway to a public subnet.",
                )
            )
        igw = self._igw(nat_rt, nat_route)
        self.hops.append(Hop("internet-gateway", igw.id, True, "carries the NAT gateway's traffic to the internet"))
        self.hops.append(Hop("service" if service else "internet", service or what, True, "reached"))
        self.via = "nat-gateway"

    def _gateway_endpoint(self, rt: RouteTable, route: Route, service: str | None) -> None:
        ep = route_target(self.g, rt, route, "vpc-endpoint")
        if ep is None:
            raise self._blackhole(rt, route, f"VPC endpoint {route.target_id} no longer exists")
        if ep.state.lower() != "available":
            raise self._blackhole(rt, route, f"VPC endpoint {ep.id} is {ep.state}")
        if service is None or ep.service != service:
            raise Blocked(
                Blocker(
                    BlockerCode.NO_ROUTE,
                    rt.id,
                    f"route {route} leads to the {ep.service} endpoint only",
                    "Route the traffic elsewhere.",
                )
            )
        self.hops.append(Hop("vpc-endpoint", ep.id, True, f"gateway endpoint for {service}"))
        self.hops.append(Hop("service", service, True, "reached through the gateway endpoint"))
        self.via = "gateway-endpoint"

    def _blocked_peering_edge(self, rt: RouteTable, route: Route, what: str) -> NoReturn:
        self.hops.append(Hop("peering", route.target_id, False, f"peering connections don't carry traffic to {what}"))
        raise Blocked(
            Blocker(
                BlockerCode.NO_ROUTE,
                route.target_id,
                f"route {route} sends {what} over peering connection {route.target_id}, but peering has no edge-to-edge "
                "routing: the peer's internet gateway, NAT gateway or endpoints can't be used through it",
                "Give this VPC its own NAT gateway (or VPC endpoint) and route 0.0.0.0/0 there.",
            )
        )

    def _appliance(self, rt: RouteTable, route: Route, what: str) -> NoReturn:
        self.hops[-1] = Hop(
            "route-table",
            rt.id,
            False,
            f"route {route} goes to a {route.target_kind} target labkit can't follow",
            str(route),
        )
        raise Blocked(
            Blocker(
                BlockerCode.NO_ROUTE,
                rt.id,
                f"route {route} sends {what} to {route.target_id} ({route.target_kind}); labkit can't see past that "
                "target, so it can't show that the traffic gets through",
                "Check the appliance yourself (e.g. with VPC Reachability Analyzer), or route through a NAT gateway.",
            )
        )

    def _to_service(self) -> None:
        service = self.dst.service
        assert service is not None  # a destination of kind "service" always names one
        vpc_eps = self.topo.endpoints_for(self.subnet.vpc_id, service)
        interface = [e for e in vpc_eps if e.endpoint_type == "Interface"]
        usable = [e for e in interface if e.private_dns_enabled and e.state.lower() == "available" and e.subnet_ids]
        if usable:
            self._interface_endpoint(usable[0], service)
            return
        try:
            self._to_outside(self._far_service(service), f"{service} (public endpoint)", service=service)
        except Blocked as stop:
            if stop.blocker.code in (
                BlockerCode.NO_ROUTE,
                BlockerCode.NO_PUBLIC_IP,
                BlockerCode.NAT_NO_INTERNET_ROUTE,
                BlockerCode.IGW_NOT_ATTACHED,
            ):
                unusable = self._unusable_endpoint(vpc_eps)
                if unusable is not None:
                    ep, why, fix = unusable
                    self.hops.append(Hop("vpc-endpoint", ep.id, False, why))
                    raise Blocked(
                        Blocker(
                            BlockerCode.NO_ENDPOINT_ACCESS,
                            ep.id,
                            f"{ep.endpoint_type.lower()} endpoint {ep.id} for {service} exists, but {why}; "
                            f"and there is no other way out ({stop.blocker.code.value}: {stop.blocker.message})",
                            fix,
                        )
                    ) from None
            raise
        if not vpc_eps and service in ("s3", "dynamodb") and self.via.startswith("nat"):
            self.notes.append(
                f"{service} is reached through the NAT gateway; a gateway endpoint would keep the traffic "
                "in the AWS network and avoid NAT data charges"
            )

    def _unusable_endpoint(self, eps: tuple[VpcEndpoint, ...]) -> tuple[VpcEndpoint, str, str] | None:
        rt = self._route_table(self.subnet.id)
        for ep in eps:
            if ep.endpoint_type == "Gateway":
                if rt is not None and rt.id not in ep.route_table_ids:
                    return (
                        ep,
                        f"it is not associated with route table {rt.id} of {self.subnet.id}",
                        (f"Associate {ep.id} with {rt.id} (ec2 modify-vpc-endpoint --add-route-table-ids {rt.id})."),
                    )
            elif ep.endpoint_type == "Interface":
                if ep.state.lower() != "available":
                    return ep, f"it is {ep.state}", "Wait until the endpoint is available, or recreate it."
                if not ep.private_dns_enabled:
                    return (
                        ep,
                        ("private DNS is disabled, so the service's usual name still resolves to its public endpoint"),
                        f"Enable private DNS on {ep.id} (ec2 modify-vpc-endpoint --private-dns-enabled).",
                    )
                if not ep.subnet_ids:
                    return ep, "it has no subnets", f"Add a subnet to {ep.id}."
        return None

    def _interface_endpoint(self, ep: VpcEndpoint, service: str) -> None:
        subnets = [s for s in map(self.topo.subnet_or_none, ep.subnet_ids) if s is not None]
        target = (
            next((s for s in subnets if s.id == self.subnet.id), None)
            or next((s for s in subnets if s.availability_zone == self.subnet.availability_zone), None)
            or subnets[0]
        )
        enis = (self.topo.network_interface(i) for i in ep.network_interface_ids)
        eni = next((e for e in enis if e is not None and e.subnet_id == target.id), None)
        ip: IP | None = None
        if eni is not None and eni.private_ips:
            first = ipaddress.ip_address(eni.private_ips[0])
            if isinstance(first, IP) and first in target.network:
                ip = first
        far = Side((ipaddress.IPv4Network(ip) if ip else target.network,), False, frozenset(ep.security_group_ids))
        what = f"{service} via interface endpoint {ep.id}"
        self.hops.append(
            Hop(
                "vpc-endpoint",
                ep.id,
                True,
                f"private DNS: the {service} name resolves to the endpoint's interface in {target.id}",
            )
        )
        self._sg_egress(far, what)
        self._leave(self.subnet, far, None, target, f"traffic to {what}")
        probe = ip or target.network.network_address
        rt, route = self._route_hop(self.subnet, f"the endpoint's interface in {target.id}", probe)
        if route is None or route.target_kind != "local":
            if route is None:
                raise Blocked(
                    Blocker(
                        BlockerCode.NO_ROUTE,
                        rt.id,
                        f"no route to the endpoint's interface {probe}",
                        "Restore the local route.",
                    )
                )
            self._appliance(rt, route, what)
        groups = list(self.topo.known_security_groups(ep.security_group_ids))
        self._sg_ingress(groups, f"interface endpoint {ep.id}")
        self.hops.append(Hop("service", service, True, "reached through the interface endpoint"))
        self.via = "interface-endpoint"

    def _to_ip(self) -> None:
        ip = self.dst.ip
        assert ip is not None  # a destination of kind "ip" always has its address
        vpc_id = self.subnet.vpc_id
        target_subnet = self.topo.subnet_containing(ip)
        vpc = self.topo.vpc_or_none(vpc_id)
        in_own_vpc = vpc is not None and any(ip in n for n in vpc.networks)
        owner = None if self.dst.database else self.topo.interface_owning(str(ip))
        if in_own_vpc or (target_subnet is not None and target_subnet.vpc_id == vpc_id):
            self._to_local(ip, target_subnet if target_subnet and target_subnet.vpc_id == vpc_id else None, owner)
            return
        # outside the VPC: peering (if a route says so) or the internet
        rt = self._route_table(self.subnet.id)
        route = self._lookup(rt.id, ip) if rt is not None else None
        if route is not None and route.target_kind == "pcx":
            self._to_peer(ip, owner)
            return
        if is_private(ip):
            self._to_private_elsewhere(ip)
            return
        self._to_outside(self._far_internet(ip), str(ip), ip=ip)

    def _to_private_elsewhere(self, ip: IP) -> None:
        """A private address outside the VPC: only peering (or an appliance) can get there, never the internet."""
        far = self._far_internet(ip)
        self._sg_egress(far, str(ip))
        self._leave(self.subnet, far, None, None, f"traffic to {ip}:{self.dst.port}")
        rt, route = self._route_hop(self.subnet, str(ip), ip)
        if route is None or route.target_kind in ("nat", "igw", "local"):
            how = "has no route for it" if route is None else f"sends it along {route}"
            if route is not None:
                self.hops[-1] = Hop(
                    "route-table", rt.id, False, f"route {route} can't carry a private address out", str(route)
                )
            raise Blocked(
                Blocker(
                    BlockerCode.NO_ROUTE,
                    rt.id,
                    f"{ip} is a private address outside {self.subnet.vpc_id}, and route table {rt.id} {how}; the internet "
                    "does not route private addresses, so only a peering connection (or a VPN/transit gateway) can reach it",
                    f"If {ip} is in a peered VPC, add a route for its range → the peering connection to {rt.id}, and a "
                    "route back on the peer's side.",
                )
            )
        self._appliance(rt, route, str(ip))

    def _to_local(self, ip: IP, target: Subnet | None, owner: NetworkInterface | None) -> None:
        far = self._target_side(ip, owner)
        self._sg_egress(far, self.dst.label if self.dst.database else f"{ip}")
        if target is None:
            rt, route = self._route_hop(self.subnet, str(ip), ip)
            raise Blocked(
                Blocker(
                    BlockerCode.NO_ROUTE,
                    rt.id if rt else self.subnet.id,
                    f"{ip} is in the VPC's range but in none of its subnets: nothing is there",
                    "Check the address of the resource you want to reach.",
                )
            )
        self._leave(self.subnet, far, None, target, f"traffic to {ip}:{self.dst.port}")
        if target.id != self.subnet.id:
            rt, route = self._route_hop(self.subnet, str(ip), ip)
            if route is None:
                raise Blocked(Blocker(BlockerCode.NO_ROUTE, rt.id, f"no route to {ip}", "Restore the local route."))
            if route.target_kind != "local":
                self._appliance(rt, route, str(ip))
        self._deliver(ip, target, owner)
        self.via = "local"

    def _target_side(self, ip: IP, owner: NetworkInterface | None) -> Side:
        db = self.dst.database
        if db is not None:  # any address of its subnet: rules must cover the subnet, or name its groups
            return Side((self.topo.subnet(db.subnet_id).network,), False, frozenset(db.security_group_ids))
        return Side((ipaddress.IPv4Network(ip),), False, frozenset(owner.security_group_ids) if owner else frozenset())

    def _deliver(self, ip: IP, target: Subnet, owner: NetworkInterface | None) -> None:
        db = self.dst.database
        if db is not None:
            self.hops.append(
                Hop(
                    "database",
                    db.label,
                    True,
                    f"{db.label} ({db.engine or 'database'}, tcp/{db.port}) "
                    f"listens in {target.id}"
                    + (f", {db.availability_zone}" if db.availability_zone else "")
                    + (f" — {db.via}" if db.via else ""),
                )
            )
            self._sg_ingress(list(self.topo.known_security_groups(db.security_group_ids)), db.label)
            return
        if owner is None:
            self.hops.append(Hop("subnet", target.id, True, f"{ip} is in {target.id} ({target.cidr})"))
            self.notes.append(
                f"no network interface in this account has the address {ip}; "
                "security-group ingress there could not be checked"
            )
            return
        groups = list(self.topo.known_security_groups(owner.security_group_ids))
        self.hops.append(
            Hop(
                "network-interface",
                owner.id,
                True,
                f"{ip} belongs to {owner.id}" + (f" ({owner.description})" if owner.description else ""),
            )
        )
        self._sg_ingress(groups, f"{owner.id} ({ip})")

    def _to_peer(self, ip: IP, owner: NetworkInterface | None) -> None:
        far = self._target_side(ip, owner)
        self._sg_egress(far, str(ip))
        target = self.topo.subnet_containing(ip)
        self._leave(self.subnet, far, None, None, f"traffic to {ip}:{self.dst.port}")
        rt, route = self._route_hop(self.subnet, str(ip), ip)
        if route is None:  # _to_ip comes here only when the route is a peering one
            raise Blocked(Blocker(BlockerCode.NO_ROUTE, rt.id, f"no route to {ip}", "Restore the peering route."))
        pcx = route_target(self.g, rt, route, "peering")
        if pcx is None:
            raise self._blackhole(rt, route, f"peering connection {route.target_id} no longer exists")
        if pcx.status != "active":
            raise self._blackhole(rt, route, f"peering connection {pcx.id} is {pcx.status}")
        peer_vpc = pcx.peer_of(self.subnet.vpc_id)
        if target is None or target.vpc_id != peer_vpc:
            self.hops.append(Hop("peering", pcx.id, False, f"{ip} is not in the peer VPC {peer_vpc}"))
            raise Blocked(
                Blocker(
                    BlockerCode.NO_ROUTE,
                    pcx.id,
                    f"{ip} is not in a subnet of {peer_vpc}, the VPC at the other end of {pcx.id}; peering is not "
                    "transitive and has no edge-to-edge routing",
                    f"Peer directly with the VPC that holds {ip}, and route its range to that peering connection.",
                )
            )
        self.hops.append(Hop("peering", pcx.id, True, f"peering connection to {peer_vpc}"))
        # entering the peer subnet, and the way back
        self._nacl(target, False, (self.dst.port, self.dst.port), self.me, f"traffic to {ip}:{self.dst.port}")
        self.replies.insert(0, (target, True, EPHEMERAL, self.me, "the replies"))
        back_rt = self._route_table(target.id)
        back = self._lookup(back_rt.id, self.me.nets[0].network_address) if back_rt else None
        if back_rt is None or back is None or back.target_kind != "pcx" or back.target_id != pcx.id:
            got = "no route" if back is None else f"route {back}"
            self.hops.append(
                Hop(
                    "route-table",
                    back_rt.id if back_rt else target.id,
                    False,
                    f"{got} back to {self.me.text()}: the replies can't return",
                )
            )
            raise Blocked(
                Blocker(
                    BlockerCode.NO_ROUTE,
                    back_rt.id if back_rt else target.id,
                    f"the peer side has {got} for {self.me.text()}: peering needs routes in both VPCs, and replies "
                    f"from {ip} can't find their way back",
                    f"Add a route {self.subnet.cidr} (or the VPC's CIDR) → {pcx.id} to {back_rt.id if back_rt else 'its route table'}.",
                )
            )
        self.hops.append(Hop("route-table", back_rt.id, True, f"route {back} brings the replies back", str(back)))
        self._deliver(ip, target, owner)
        self.via = "peering"
