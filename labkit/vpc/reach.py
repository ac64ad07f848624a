"""Reachability: can a Lambda function (or a subnet + security groups) reach a destination?

``trace(topo, source, destination)`` walks the topology's networkx graph the way a packet would and
returns a ``Trace`` (see ``labkit.vpc.results``) with one ``Path`` per subnet of the source.

Semantics (AWS VPC User Guide and Lambda Developer Guide)
---------------------------------------------------------
Sources
  * a function name or ARN. A function with no VpcConfig runs in Lambda's own network: it reaches the
    internet and every AWS service; it cannot reach private addresses inside your VPCs (NO_ROUTE).
  * an explicit subnet id (or list of subnet ids) with ``security_groups=[...]``.
  The function's address is its Hyperplane ENI's IP when the topology has it (interface type "lambda" in
  that subnet with the same groups), otherwise any address of the subnet: rules that must admit the
  function must then cover the whole subnet CIDR.

Destinations (protocol tcp)
  * ``"internet"``: any public address, port 443 (``"internet:80"`` for another port).
  * ``"s3"``, ``"dynamodb"``, or any other service name (``"sqs"``, ``"secretsmanager"``, ``"ecr.api"``…),
    port 443.
  * ``"IP:PORT"``: an address in the function's VPC, in a peered VPC, or outside (the internet). A
    private address (RFC 1918, 100.64.0.0/10) outside the VPC is reached only through peering (or an
    appliance): a route sending it to a NAT or internet gateway is NO_ROUTE, as the internet doesn't
    route private addresses. "The internet" in general is decided by the default route (0.0.0.0/0);
    routes for particular public ranges decide only for addresses in them.

Checks, in the order a packet meets them (the first failure is the blocker):
  1. SG egress of the function's groups must allow protocol/port to the destination (a CIDR rule covering
     the destination, the service's prefix list, or a group of the destination interface). → SG_EGRESS
     (resource: the function's first security group).
  2. Leaving the subnet (destination not in the same subnet): the subnet's network ACL outbound rules
     (lowest number first, first match decides, ``*`` denies) must allow the request. → NACL_OUTBOUND
     (resource: the ACL id).
  3. Route table of the subnet (explicit association, else the VPC's main table); the most specific
     matching route wins (a prefix-list route of a gateway endpoint wins over 0.0.0.0/0 for its service);
     no match → NO_ROUTE (resource: route table). A matching route whose target is gone or unusable —
     state "blackhole", NAT gateway missing/deleted/failed, peering not active, endpoint not available —
     → BLACKHOLE_ROUTE (resource: route table). The route always decides; AWS never falls back to a
     less specific route.
  4. The route's target:
     * internet gateway not attached to this VPC → IGW_NOT_ATTACHED (resource: igw id).
     * internet gateway attached, from the function's subnet → NO_PUBLIC_IP (resource: the function's
       subnet): a Lambda ENI never has a public IP, even in a public subnet.
     * NAT gateway (available, public): its subnet's network ACL inbound (request) and outbound (towards
       the destination) are checked, then its subnet's route table must send the destination to an
       internet gateway attached to the VPC. No route, or a route elsewhere → NAT_NO_INTERNET_ROUTE
       (resource: the NAT gateway); route to a detached internet gateway → IGW_NOT_ATTACHED; a blackhole
       route there → BLACKHOLE_ROUTE. A private NAT gateway never reaches the internet →
       NAT_NO_INTERNET_ROUTE.
     * gateway endpoint (prefix-list route): reaches its service (S3 or DynamoDB) only.
     * peering connection (active): the peer VPC must contain the destination, and the destination
       subnet's route table must route the source subnet's range back through the same peering
       connection, else NO_ROUTE (resource: the peer's route table). Peering never carries traffic to
       the internet or to the peer's gateways (no edge-to-edge routing) → NO_ROUTE.
     * local: the destination is in this VPC; a subnet must contain it (else NO_ROUTE).
     * appliances (instance, ENI, transit gateway, VPN gateway…): labkit can't see past them → NO_ROUTE
       with a message that says so.
  5. Entering the destination subnet: its network ACL inbound rules. → NACL_INBOUND.
  6. The destination's security groups (an interface endpoint's groups, the ENI owning the IP) must
     admit the traffic from the function (CIDR covering the function's address, or a referenced group
     the function has). → SG_INGRESS (resource: the destination's first group).
  7. Replies (network ACLs are stateless, security groups are stateful): every network ACL crossed must
     also let the replies through — from the destination's port to the client's ephemeral ports
     1024-65535 (Lambda and NAT gateways use that whole range). The reply leaving a subnet is checked
     against its outbound rules (NACL_OUTBOUND) and entering a subnet against its inbound rules
     (NACL_INBOUND).

Services: an interface endpoint for the service in the function's VPC with private DNS enabled answers
the service's name, so traffic goes to the endpoint's network interface (in the function's subnet's AZ
when it has one there): steps 1-2, 5-7 against the endpoint (its security group must admit 443 from the
function → SG_INGRESS on the endpoint's group). Otherwise the service's public endpoint is the
destination: a gateway endpoint route (S3, DynamoDB) in the subnet's route table, else the internet path
(NAT). When that fails and the VPC has an endpoint for the service that this subnet can't use (gateway
endpoint not associated with the subnet's route table, interface endpoint without private DNS, endpoint
not available), the blocker is NO_ENDPOINT_ACCESS on that endpoint, with the reason.

Network ACL rule matching: protocol "-1" matches all; ports inclusive; a rule must match the *whole*
port range concerned (e.g. the 1024-65535 replies): a deny that hits any part of it blocks, ports left
undecided fall to ``*`` (deny). On the function's side the rule's CIDR must contain the function's
address (for allow) or just overlap it (for deny); on the far side (internet, a service) it must contain
the whole destination range.
"""


from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from labkit.errors import DestinationError, SourceError, UnknownSubnetError
from labkit.vpc.model import (
    LambdaFunction,
    NetworkAcl,
    NetworkInterface,
    Route,
    SecurityGroup,
    Subnet,
    Topology,
    VpcEndpoint,
    protocol_number,
)
from labkit.vpc.results import Blocker, BlockerCode, Hop, Path, Trace

Net = ipaddress.IPv4Network
ANY = ipaddress.ip_network("0.0.0.0/0")
#: Lambda functions and NAT gateways use the whole range 1024-65535 as client (ephemeral) ports.
EPHEMERAL = (1024, 65535)

#: AWS services a destination may name (short endpoint names). Any service that has a VPC endpoint in
#: the topology is accepted too.
KNOWN_SERVICES = frozenset("""
s3 dynamodb sqs sns sts kms secretsmanager ssm ssmmessages ec2messages ec2 logs monitoring events
lambda states execute-api ecr.api ecr.dkr ecs kinesis-streams kinesis-firehose firehose rds rds-data
elasticache athena glue sagemaker.api sagemaker.runtime bedrock bedrock-runtime appconfig appconfigdata
cloudformation codebuild codecommit codepipeline config elasticloadbalancing autoscaling xray email-smtp
ses textract comprehend rekognition translate polly transcribe elasticfilesystem backup servicecatalog
redshift redshift-data es aoss airflow.api mq pipes scheduler synthetics iot.data cognito-idp
""".split())

_SERVICE_ALIASES = {"secrets-manager": "secretsmanager", "cloudwatch": "monitoring", "cloudwatch-logs": "logs",
                    "eventbridge": "events", "step-functions": "states", "stepfunctions": "states",
                    "api-gateway": "execute-api", "dynamo": "dynamodb", "kinesis": "kinesis-streams"}

ACCEPTED_DESTINATIONS = (
    '"internet" (or "internet:PORT"), an AWS service name such as "s3", "dynamodb", "sqs", '
    '"secretsmanager", or "IP:PORT" such as "10.0.2.15:5432"'
)


# ------------------------------------------------------------------------------------- public entry


def trace(topo: Topology, source, destination: str, *, security_groups=None) -> Trace:
    """Can ``source`` reach ``destination`` in ``topo``? See the module docstring for the rules.

    ``source`` is a function name or ARN (or a ``LambdaFunction``), or a subnet id / list of subnet ids
    together with ``security_groups``.

    >>> from labkit.vpc.model import *
    >>> topo = Topology(
    ...     vpcs=(Vpc("vpc-1", ("10.0.0.0/16",)),),
    ...     subnets=(Subnet("subnet-pub", "vpc-1", "10.0.0.0/24"), Subnet("subnet-priv", "vpc-1", "10.0.1.0/24")),
    ...     route_tables=(
    ...         RouteTable("rtb-main", "vpc-1", (Route("10.0.0.0/16", "local", "local"),
    ...                                          Route("0.0.0.0/0", "nat", "nat-1")), is_main=True),
    ...         RouteTable("rtb-pub", "vpc-1", (Route("10.0.0.0/16", "local", "local"),
    ...                                         Route("0.0.0.0/0", "igw", "igw-1")), ("subnet-pub",))),
    ...     internet_gateways=(InternetGateway("igw-1", ("vpc-1",)),),
    ...     nat_gateways=(NatGateway("nat-1", "vpc-1", "subnet-pub"),),
    ...     security_groups=(SecurityGroup("sg-1", "vpc-1", egress=(SgRule("-1", cidr="0.0.0.0/0"),)),),
    ...     functions=(LambdaFunction("in-private", subnet_ids=("subnet-priv",), security_group_ids=("sg-1",)),
    ...                LambdaFunction("in-public", subnet_ids=("subnet-pub",), security_group_ids=("sg-1",))),
    ... )
    >>> trace(topo, "in-private", "internet").reachable
    True
    >>> t = trace(topo, "in-public", "internet")
    >>> t.reachable, t.blocked_by.code.value, t.blocked_by.resource_id
    (False, 'NO_PUBLIC_IP', 'subnet-pub')
    """
    src = _resolve_source(topo, source, security_groups)
    dst = _parse_destination(topo, destination)
    g = topo.graph
    if not src.subnet_ids:
        paths = (_trace_lambda_network(topo, src, dst),)
        vpc_id = None
    else:
        paths = tuple(_Walk(topo, g, src, dst, sid).run() for sid in _in_az_order(topo, src.subnet_ids))
        vpc_id = src.vpc_id
    return Trace(source=src.label, destination=dst.label, paths=paths, protocol="tcp", port=dst.port, vpc_id=vpc_id)


def _in_az_order(topo: Topology, subnet_ids) -> list[str]:
    """Paths come in a stable, readable order: by Availability Zone, then CIDR (ids are random)."""
    def key(sid):
        s = topo._subnets.get(sid)
        return (0, s.availability_zone, int(s.network.network_address), sid) if s else (1, "", 0, sid)

    return sorted(subnet_ids, key=key)


def can_reach(topo: Topology, source, destination: str, *, security_groups=None) -> bool:
    """Bool twin of :func:`trace`."""
    return trace(topo, source, destination, security_groups=security_groups).reachable


# --------------------------------------------------------------------------------- source & dest


@dataclass(frozen=True)
class _Source:
    label: str
    subnet_ids: tuple[str, ...]
    group_ids: tuple[str, ...]
    vpc_id: str | None


@dataclass(frozen=True)
class _Dest:
    label: str
    kind: str  # "internet" | "service" | "ip"
    port: int
    service: str | None = None
    ip: ipaddress.IPv4Address | None = None


def _resolve_source(topo: Topology, source, security_groups) -> _Source:
    if isinstance(source, LambdaFunction):
        fn = source
    elif isinstance(source, (list, tuple)) or (isinstance(source, str) and source.startswith("subnet-")):
        subnet_ids = (source,) if isinstance(source, str) else tuple(source)
        if not security_groups:
            raise SourceError(
                f"A subnet source needs its security groups: trace(topo, {source!r}, dest, "
                "security_groups=['sg-…']). Or give a function name or ARN as the source."
            )
        groups = (security_groups,) if isinstance(security_groups, str) else tuple(security_groups)
        subnets = [topo.subnet(s) for s in subnet_ids]
        for g in groups:
            topo.security_group(g)
        vpcs = {s.vpc_id for s in subnets} | {topo.security_group(g).vpc_id for g in groups}
        if len(vpcs) != 1:
            raise SourceError(
                f"The subnets and security groups of a source must all be in one VPC; these span {sorted(vpcs)}. "
                "Lambda refuses such a VpcConfig too: pick subnets and groups of the same VPC."
            )
        label = " + ".join(subnet_ids) + " (" + ", ".join(groups) + ")"
        return _Source(label, subnet_ids, groups, vpcs.pop())
    elif isinstance(source, str):
        fn = topo.function(source)
    else:
        raise SourceError(
            f"A trace source is a function name or ARN, or a subnet id with security_groups=[…]; got {source!r}."
        )
    vpc_id = fn.vpc_id
    if fn.subnet_ids and vpc_id is None:
        known = [topo._subnets[s].vpc_id for s in fn.subnet_ids if s in topo._subnets]
        vpc_id = known[0] if known else None
    return _Source(fn.name, tuple(fn.subnet_ids), tuple(fn.security_group_ids), vpc_id)


def _parse_destination(topo: Topology, destination) -> _Dest:
    if not isinstance(destination, str) or not destination.strip():
        raise DestinationError(f"Empty or non-text destination {destination!r}. Accepted: {ACCEPTED_DESTINATIONS}.")
    text = destination.strip()
    low = text.lower()
    if low == "internet" or low.startswith("internet:"):
        port = _port(text.partition(":")[2], destination) if ":" in low else 443
        return _Dest("internet" if port == 443 else f"internet:{port}", "internet", port)
    if ":" in text:
        host, _, port_text = text.rpartition(":")
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            raise DestinationError(
                f"{destination!r} is not IP:PORT: {host!r} is not an IPv4 address. Accepted: {ACCEPTED_DESTINATIONS}."
            ) from None
        if ip.version != 4:
            raise DestinationError(f"{destination!r}: labkit models IPv4 only. Give an IPv4 address.")
        return _Dest(f"{ip}:{_port(port_text, destination)}", "ip", _port(port_text, destination), ip=ip)
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        raise DestinationError(f"{destination!r} has no port: write it as IP:PORT, e.g. \"{text}:443\".")
    service = _SERVICE_ALIASES.get(low, low)
    if service.startswith(("com.amazonaws.", "cn.com.amazonaws.")):
        from labkit.vpc.model import service_short_name

        service = service_short_name(service)
    if service in KNOWN_SERVICES or any(e.service == service for e in topo.vpc_endpoints):
        return _Dest(service, "service", 443, service=service)
    raise DestinationError(
        f"Unknown destination {destination!r}. Accepted: {ACCEPTED_DESTINATIONS}. "
        f"AWS service names labkit knows: {', '.join(sorted(KNOWN_SERVICES))}."
    )


#: Addresses the internet does not route: RFC 1918 and the shared address space of RFC 6598.
PRIVATE_RANGES = tuple(ipaddress.ip_network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))


def _is_private(ip) -> bool:
    """RFC 1918 / RFC 6598 address (documentation ranges such as 203.0.113.0/24 count as public here).

    >>> _is_private(ipaddress.ip_address("172.20.1.1")), _is_private(ipaddress.ip_address("198.51.100.7"))
    (True, False)
    """
    return any(ip in n for n in PRIVATE_RANGES)


def _port(text: str, destination: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise DestinationError(f"{destination!r}: the port must be a number from 1 to 65535, got {text!r}.")
    return port


def _trace_lambda_network(topo: Topology, src: _Source, dst: _Dest) -> Path:
    start = Hop("lambda-network", "lambda", True,
                f"{src.label} is not connected to a VPC: it runs in Lambda's own network, "
                "which has internet access and reaches AWS services")
    if dst.kind == "ip" and (_is_private(dst.ip) or topo.vpcs_containing(dst.ip)):
        vpcs = topo.vpcs_containing(dst.ip)
        where = f"in {vpcs[0].id}" if vpcs else "private"
        blocker = Blocker(
            BlockerCode.NO_ROUTE, src.label,
            f"{dst.ip} is a private address ({where}); a function outside your VPC can't reach private addresses.",
            "Connect the function to the VPC (VpcConfig with subnets and security groups) in subnets that "
            f"can route to {dst.ip}.",
        )
        return Path(None, _with_failing_hop([start], blocker), blocker, via="lambda-network")
    end = Hop("service" if dst.kind == "service" else "internet", dst.label, True, "reached over Lambda's network")
    return Path(None, (start, end), None, via="lambda-network")


_BLOCKER_HOP_KIND = {
    BlockerCode.SG_EGRESS: "security-group", BlockerCode.SG_INGRESS: "security-group",
    BlockerCode.NACL_OUTBOUND: "network-acl", BlockerCode.NACL_INBOUND: "network-acl",
    BlockerCode.NO_ENDPOINT_ACCESS: "vpc-endpoint", BlockerCode.IGW_NOT_ATTACHED: "internet-gateway",
    BlockerCode.NAT_NO_INTERNET_ROUTE: "nat-gateway", BlockerCode.NO_PUBLIC_IP: "subnet",
}


def _with_failing_hop(hops, blocker: Blocker) -> tuple[Hop, ...]:
    """Every blocked path shows where it stops: a ✘ hop at the blocker (added when no check made one)."""
    if any(not h.ok for h in hops):
        return tuple(hops)
    kind = _BLOCKER_HOP_KIND.get(blocker.code, "route-table" if blocker.resource_id.startswith("rtb-") else "resource")
    return (*hops, Hop(kind, blocker.resource_id, False, blocker.message))


# ------------------------------------------------------------------------------------ rule checks


def _mask(plen: int) -> int:
    return (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF


@dataclass(frozen=True)
class _Side:
    """One end of a flow for rule matching: its address range(s), groups and prefix lists."""

    nets: tuple[Net, ...]
    universal: bool  # True: every address in nets must be covered (the function's side)
    groups: frozenset = frozenset()
    prefix_lists: frozenset = frozenset()

    def __post_init__(self):
        object.__setattr__(self, "_ints", tuple((int(n.network_address), n.prefixlen) for n in self.nets))
        object.__setattr__(self, "_text", ", ".join(str(n) for n in self.nets))

    def covered_by(self, net: Net) -> bool:
        return self.covered_by_int(int(net.network_address), net.prefixlen)

    def covered_by_int(self, addr: int, plen: int) -> bool:
        mask = _mask(plen)
        return all(p >= plen and a & mask == addr for a, p in self._ints)

    def touched_by_int(self, addr: int, plen: int) -> bool:
        for a, p in self._ints:
            mask = _mask(min(p, plen))
            if a & mask == addr & mask:
                return True
        return False

    def text(self) -> str:
        return self._text


def _proto_matches(rule_protocol: str, protocol: str) -> bool:
    p = protocol_number(rule_protocol)
    return p == "-1" or p == protocol


def _sg_allows(groups: list[SecurityGroup], egress: bool, protocol: str, port: int, peer: _Side, topo: Topology):
    """First rule (in group order) allowing the flow, or None. Security groups only allow."""
    for sg in groups:
        for rule in sg.egress if egress else sg.ingress:
            if not _proto_matches(rule.protocol, protocol):
                continue
            if protocol_number(rule.protocol) != "-1" and rule.from_port is not None and rule.from_port != -1:
                if not rule.from_port <= port <= (rule.to_port if rule.to_port is not None else rule.from_port):
                    continue
            if rule.cidr is not None and peer.covered_by(rule.network):
                return sg, rule
            if rule.group_id is not None and rule.group_id in peer.groups:
                return sg, rule
            if rule.prefix_list_id is not None:
                if rule.prefix_list_id in peer.prefix_lists:
                    return sg, rule
                pl = topo.prefix_list(rule.prefix_list_id)
                if pl is not None and pl.cidrs and all(
                    any(n.subnet_of(ipaddress.ip_network(c)) for c in pl.cidrs) for n in peer.nets
                ):
                    return sg, rule
    return None


def _nacl_decide(nacl: NetworkAcl | None, egress: bool, protocol: str, ports: tuple[int, int], peer: _Side):
    """Evaluate a network ACL for a flow over a port range. Returns (allowed, deciding entry or None).

    Rules are read lowest number first; for each port the first matching rule decides; a deny that
    applies to any port of the range blocks; ports no rule decides fall to the final ``*`` deny.
    """
    if nacl is None:
        return True, None
    undecided = [ports]
    ints = peer._ints
    universal = peer.universal
    single = ints[0] if len(ints) == 1 else None
    for proto, lo, hi, addr, plen, mask, allow, entry in nacl.compiled[egress]:
        if proto != "-1" and proto != protocol:
            continue
        for a, b in undecided:
            if a <= hi and lo <= b:
                break
        else:
            continue
        if single is not None:  # the usual case: one range on the peer's side
            x, p = single
            covered = p >= plen and x & mask == addr
            if not allow:
                if covered or (universal and p < plen and addr & _mask(p) == x):
                    return False, entry
                continue
        else:
            covered = all(p >= plen and x & mask == addr for x, p in ints)
            if not allow:
                if covered or (universal and peer.touched_by_int(addr, plen)):
                    return False, entry
                continue
        if covered:
            undecided = _subtract(undecided, lo, hi)
            if not undecided:
                return True, entry
    return False, None


def _subtract(ranges, lo, hi):
    out = []
    for a, b in ranges:
        if hi < a or lo > b:
            out.append((a, b))
            continue
        if a < lo:
            out.append((a, lo - 1))
        if hi < b:
            out.append((hi + 1, b))
    return out


# -------------------------------------------------------------------------------------- the walk


class _Blocked(Exception):
    def __init__(self, blocker: Blocker):
        self.blocker = blocker


class _Walk:
    """Follows one subnet of the source to the destination, collecting hops; stops at the first blocker."""

    def __init__(self, topo: Topology, g, src: _Source, dst: _Dest, subnet_id: str):
        self.topo, self.g, self.src, self.dst, self.subnet_id = topo, g, src, dst, subnet_id
        self.hops: list[Hop] = []
        self.notes: list[str] = []
        self.replies: list[tuple] = []  # NACL crossings to check for the replies, in reply order
        self.via = ""

    # -- driver ---------------------------------------------------------------------------------------
    def run(self) -> Path:
        try:
            self.subnet = self.topo._subnets.get(self.subnet_id)
            if self.subnet is None:
                raise _Blocked(Blocker(
                    BlockerCode.NO_ROUTE, self.subnet_id,
                    f"the function is configured with subnet {self.subnet_id}, which no longer exists",
                    "Update the function's VpcConfig with existing subnets.",
                ))
            self.groups = [self.topo._sgs[g] for g in self.src.group_ids if g in self.topo._sgs]
            self.me = self._function_side()
            az = f", {self.subnet.availability_zone}" if self.subnet.availability_zone else ""
            where = (f"at {self.me.text()[:-3]}" if self.me.nets[0].prefixlen == 32
                     else "at any address of the subnet (its Hyperplane ENI isn't known yet)")
            self.hops.append(Hop("subnet", self.subnet.id, True,
                                 f"{self.src.label} sends from its network interface in {self.subnet.id} "
                                 f"({self.subnet.cidr}{az}) {where}"))
            if self.dst.kind == "service":
                self._to_service()
            elif self.dst.kind == "internet":
                self._to_outside(self._far_internet(), "internet")
            else:
                self._to_ip()
            self._check_replies()
            return Path(self.subnet_id, tuple(self.hops), None, self.via, tuple(self.notes))
        except _Blocked as stop:
            return Path(self.subnet_id, _with_failing_hop(self.hops, stop.blocker), stop.blocker, self.via,
                        tuple(self.notes))

    # -- sides ------------------------------------------------------------------------------------------
    def _function_side(self) -> _Side:
        eni = self.g.graph["lambda_enis"].get((self.subnet.id, frozenset(self.src.group_ids)))
        if eni is not None:
            net = ipaddress.ip_network(eni.private_ips[0])
        else:
            net = self.subnet.network
        return _Side((net,), True, frozenset(self.src.group_ids))

    def _far_internet(self, ip=None) -> _Side:
        if ip is not None:
            return _Side((ipaddress.ip_network(ip),), False)
        return _Side((ANY,), False)

    def _far_service(self, service: str) -> _Side:
        pl = self.topo.prefix_list_for_service(service)
        if pl is not None and pl.cidrs:
            return _Side(tuple(ipaddress.ip_network(c) for c in pl.cidrs), False, prefix_lists=frozenset({pl.id}))
        return _Side((ANY,), False, prefix_lists=frozenset({pl.id}) if pl else frozenset())

    # -- checks -----------------------------------------------------------------------------------------
    def _sg_egress(self, far: _Side, what: str) -> None:
        found = _sg_allows(self.groups, True, "6", self.dst.port, far, self.topo)
        first = self.src.group_ids[0] if self.src.group_ids else "(no security group)"
        if found is None:
            self.hops.append(Hop("security-group", first, False,
                                 f"no outbound rule of {', '.join(self.src.group_ids) or 'its groups'} allows tcp/{self.dst.port} to {what}"))
            raise _Blocked(Blocker(
                BlockerCode.SG_EGRESS, first,
                f"the function's security groups ({', '.join(self.src.group_ids)}) have no outbound rule that "
                f"allows tcp/{self.dst.port} to {what}",
                f"Add an outbound rule to {first}: tcp {self.dst.port} to {far.text()}"
                + (f" (or the prefix list {sorted(far.prefix_lists)[0]})" if far.prefix_lists else "") + ".",
            ))
        sg, rule = found
        self.hops.append(Hop("security-group", sg.id, True, f"outbound rule allows tcp/{self.dst.port} to {what}", str(rule)))

    def _sg_ingress(self, groups: list[SecurityGroup], owner: str) -> None:
        found = _sg_allows(groups, False, "6", self.dst.port, self.me, self.topo)
        ids = [g.id for g in groups]
        if found is None:
            first = ids[0] if ids else owner
            self.hops.append(Hop("security-group", first, False,
                                 f"no inbound rule of {', '.join(ids)} ({owner}) admits tcp/{self.dst.port} from the function"))
            raise _Blocked(Blocker(
                BlockerCode.SG_INGRESS, first,
                f"the security groups of {owner} ({', '.join(ids)}) have no inbound rule admitting tcp/{self.dst.port} "
                f"from the function ({self.me.text()}, groups {', '.join(self.src.group_ids)})",
                f"Add an inbound rule to {first}: tcp {self.dst.port} from the function's security group "
                f"{self.src.group_ids[0] if self.src.group_ids else ''} (or from {self.me.text()}).",
            ))
        sg, rule = found
        self.hops.append(Hop("security-group", sg.id, True, f"inbound rule admits tcp/{self.dst.port} from the function ({owner})", str(rule)))

    def _nacl(self, subnet: Subnet, egress: bool, ports, peer: _Side, purpose: str) -> None:
        nacl = self.topo.network_acl_for(subnet.id)
        ok, entry = _nacl_decide(nacl, egress, "6", ports, peer)
        direction = "outbound" if egress else "inbound"
        port_text = f"tcp/{ports[0]}" if ports[0] == ports[1] else f"tcp/{ports[0]}-{ports[1]}"
        peer_text = ("to " if egress else "from ") + peer.text()
        if nacl is None:
            return
        if ok:
            self.hops.append(Hop("network-acl", nacl.id, True,
                                 f"{direction} rule {entry.label} of {subnet.id}'s ACL allows {purpose} ({port_text} {peer_text})", str(entry)))
            return
        why = f"rule {entry.label} denies it" if entry else "no rule allows all of it, so the final * rule denies it"
        self.hops.append(Hop("network-acl", nacl.id, False,
                             f"{direction}: {purpose} ({port_text} {peer_text}) — {why}", str(entry) if entry else "*"))
        code = BlockerCode.NACL_OUTBOUND if egress else BlockerCode.NACL_INBOUND
        stateless = " Network ACLs are stateless: replies need rules of their own." if "repl" in purpose else ""
        raise _Blocked(Blocker(
            code, nacl.id,
            f"the {direction} rules of network ACL {nacl.id} (subnet {subnet.id}) block {purpose}: {port_text} {peer_text}; {why}.{stateless}",
            f"Add an {direction} allow rule to {nacl.id} for {port_text} {peer_text}, numbered below any deny that matches.",
        ))

    def _leave(self, subnet: Subnet, far: _Side, near_side: _Side | None, into: Subnet | None, purpose: str) -> None:
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
    def _lookup(self, rtb_id: str, ip=None, service: str | None = None) -> Route | None:
        lpm = self.g.nodes[rtb_id]["lpm"]
        if service is not None:
            for plen, _, _, route in reversed(lpm):
                if plen != -1:
                    break
                if self._route_service(route) == service:
                    return route
        if ip is None:
            # "the internet" (or a service's public endpoint) in general: the default route decides.
            # Routes for particular public ranges only decide for addresses in those ranges (IP:PORT).
            for plen, net, mask, route in lpm:
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

    def _route_hop(self, subnet: Subnet, what: str, ip=None, service=None):
        rt = self.topo.route_table_for(subnet.id)
        if rt is None:
            self.hops.append(Hop("route-table", subnet.id, False, "the subnet has no route table"))
            raise _Blocked(Blocker(BlockerCode.NO_ROUTE, subnet.id, f"subnet {subnet.id} has no route table",
                                   "Associate a route table with the subnet."))
        route = self._lookup(rt.id, ip, service)
        how = "main route table" if subnet.id not in rt.subnet_ids else "associated route table"
        if route is None:
            self.hops.append(Hop("route-table", rt.id, False, f"{how} of {subnet.id} has no route to {what}"))
            return rt, None
        self.hops.append(Hop("route-table", rt.id, True, f"{how} of {subnet.id}: route {route} matches {what} (most specific)", str(route)))
        return rt, route

    def _blackhole(self, rt, route: Route, why: str):
        self.hops[-1] = Hop("route-table", rt.id, False, f"route {route} is a blackhole: {why}", str(route))
        return _Blocked(Blocker(
            BlockerCode.BLACKHOLE_ROUTE, rt.id,
            f"route {route} in {rt.id} is a blackhole: {why}. The most specific route always decides, so "
            "traffic is dropped there rather than trying another route.",
            f"Replace the route in {rt.id} with a working target (e.g. an available NAT gateway) or delete it.",
        ))

    # -- destinations ------------------------------------------------------------------------------------
    def _to_outside(self, far: _Side, what: str, ip=None, service=None) -> None:
        """Traffic leaving the VPC for a public address (the internet, or a service's public endpoint)."""
        self._sg_egress(far, what)
        self._leave(self.subnet, far, None, None, f"traffic to {what}")
        rt, route = self._route_hop(self.subnet, what, ip, service)
        if route is None:
            raise _Blocked(Blocker(
                BlockerCode.NO_ROUTE, rt.id,
                f"route table {rt.id} has no route to {what}: nothing leaves the VPC",
                "Add a route 0.0.0.0/0 → a NAT gateway in a public subnet"
                + (f", or a gateway/interface VPC endpoint for {service}" if service else "") + ".",
            ))
        kind = route.target_kind
        if kind == "igw":
            igw = self._igw(rt, route)
            self.hops.append(Hop("internet-gateway", igw.id, False, "reached, but the function has no public IP"))
            raise _Blocked(Blocker(
                BlockerCode.NO_PUBLIC_IP, self.subnet.id,
                f"{self.subnet.id} is a public subnet (route {route}), but Lambda never gives a function's network "
                "interface a public IP address, so the internet gateway can't carry its traffic",
                "Put the function in private subnets whose route table sends 0.0.0.0/0 to a NAT gateway that sits "
                "in a public subnet.",
            ))
        if kind == "nat":
            self._through_nat(rt, route, far, what, ip, service)
            return
        if kind == "vpce":
            self._gateway_endpoint(rt, route, service)
            return
        if kind == "pcx":
            self._blocked_peering_edge(rt, route, what)
        if kind == "local":
            raise _Blocked(Blocker(BlockerCode.NO_ROUTE, rt.id, f"{what} is not in the VPC, yet the best route is local",
                                   "Check the VPC's CIDR blocks."))
        self._appliance(rt, route, what)

    def _igw(self, rt, route: Route):
        igw = self.topo.internet_gateway(route.target_id)
        vpc_id = self.topo._route_tables[rt.id].vpc_id
        if igw is None:
            raise self._blackhole(rt, route, f"internet gateway {route.target_id} no longer exists")
        if vpc_id not in igw.attached_vpc_ids:
            self.hops.append(Hop("internet-gateway", igw.id, False, f"not attached to {vpc_id}"))
            raise _Blocked(Blocker(
                BlockerCode.IGW_NOT_ATTACHED, igw.id,
                f"route {route} in {rt.id} points at internet gateway {igw.id}, which is not attached to {vpc_id}",
                f"Attach {igw.id} to {vpc_id} (ec2 attach-internet-gateway), or route to a gateway attached to it.",
            ))
        if route.state == "blackhole":
            raise self._blackhole(rt, route, "AWS reports the route as a blackhole")
        return igw

    def _through_nat(self, rt, route: Route, far: _Side, what: str, ip, service) -> None:
        nat = self.topo.nat_gateway(route.target_id)
        if nat is None:
            raise self._blackhole(rt, route, f"NAT gateway {route.target_id} no longer exists")
        if nat.state != "available":
            raise self._blackhole(rt, route, f"NAT gateway {nat.id} is {nat.state}")
        if route.state == "blackhole":
            raise self._blackhole(rt, route, "AWS reports the route as a blackhole")
        nat_subnet = self.topo._subnets.get(nat.subnet_id)
        if nat.connectivity_type == "private":
            self.hops.append(Hop("nat-gateway", nat.id, False, "private NAT gateway: no public IP"))
            raise _Blocked(Blocker(
                BlockerCode.NAT_NO_INTERNET_ROUTE, nat.id,
                f"{nat.id} is a private NAT gateway: it has no public IP and can't reach the internet",
                "Use a public NAT gateway (with an Elastic IP) in a public subnet.",
            ))
        if nat_subnet is None:
            raise self._blackhole(rt, route, f"the subnet of NAT gateway {nat.id} no longer exists")
        # the request enters the NAT gateway's subnet (unless the function sits in the same subnet)
        if nat_subnet.id != self.subnet.id:
            self._nacl(nat_subnet, False, (self.dst.port, self.dst.port), self.me, f"traffic to {what} on its way to {nat.id}")
            self.replies.insert(0, (nat_subnet, True, EPHEMERAL, self.me, "the replies on their way back from the NAT gateway"))
        self.hops.append(Hop("nat-gateway", nat.id, True, f"NAT gateway in {nat_subnet.id} translates to its public IP"
                             + (f" {nat.public_ip}" if nat.public_ip else "")))
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
            raise _Blocked(Blocker(
                BlockerCode.NAT_NO_INTERNET_ROUTE, nat.id,
                f"NAT gateway {nat.id} sits in {nat_subnet.id}, whose route table {nat_rt.id} has {where} to an internet "
                "gateway: a NAT gateway must be in a public subnet",
                f"Add a route 0.0.0.0/0 → an internet gateway attached to the VPC in {nat_rt.id}, or move the NAT "
                "gateway to a public subnet.",
            ))
        igw = self._igw(nat_rt, nat_route)
        self.hops.append(Hop("internet-gateway", igw.id, True, "carries the NAT gateway's traffic to the internet"))
        self.hops.append(Hop("service" if service else "internet", service or what, True, "reached"))
        self.via = "nat-gateway"

    def _gateway_endpoint(self, rt, route: Route, service: str | None) -> None:
        ep = self.topo.vpc_endpoint(route.target_id)
        if ep is None:
            raise self._blackhole(rt, route, f"VPC endpoint {route.target_id} no longer exists")
        if ep.state.lower() != "available":
            raise self._blackhole(rt, route, f"VPC endpoint {ep.id} is {ep.state}")
        if service is None or ep.service != service:
            raise _Blocked(Blocker(BlockerCode.NO_ROUTE, rt.id, f"route {route} leads to the {ep.service} endpoint only",
                                   "Route the traffic elsewhere."))
        self.hops.append(Hop("vpc-endpoint", ep.id, True, f"gateway endpoint for {service}"))
        self.hops.append(Hop("service", service, True, "reached through the gateway endpoint"))
        self.via = "gateway-endpoint"

    def _blocked_peering_edge(self, rt, route: Route, what: str):
        self.hops.append(Hop("peering", route.target_id, False, f"peering connections don't carry traffic to {what}"))
        raise _Blocked(Blocker(
            BlockerCode.NO_ROUTE, route.target_id,
            f"route {route} sends {what} over peering connection {route.target_id}, but peering has no edge-to-edge "
            "routing: the peer's internet gateway, NAT gateway or endpoints can't be used through it",
            "Give this VPC its own NAT gateway (or VPC endpoint) and route 0.0.0.0/0 there.",
        ))

    def _appliance(self, rt, route: Route, what: str):
        self.hops[-1] = Hop("route-table", rt.id, False, f"route {route} goes to a {route.target_kind} target labkit can't follow", str(route))
        raise _Blocked(Blocker(
            BlockerCode.NO_ROUTE, rt.id,
            f"route {route} sends {what} to {route.target_id} ({route.target_kind}); labkit can't see past that "
            "target, so it can't show that the traffic gets through",
            "Check the appliance yourself (e.g. with VPC Reachability Analyzer), or route through a NAT gateway.",
        ))

    def _to_service(self) -> None:
        service = self.dst.service
        vpc_eps = self.topo.endpoints_for(self.subnet.vpc_id, service)
        interface = [e for e in vpc_eps if e.endpoint_type == "Interface"]
        usable = [e for e in interface if e.private_dns_enabled and e.state.lower() == "available" and e.subnet_ids]
        if usable:
            self._interface_endpoint(usable[0])
            return
        try:
            self._to_outside(self._far_service(service), f"{service} (public endpoint)", service=service)
        except _Blocked as stop:
            if stop.blocker.code in (BlockerCode.NO_ROUTE, BlockerCode.NO_PUBLIC_IP, BlockerCode.NAT_NO_INTERNET_ROUTE,
                                     BlockerCode.IGW_NOT_ATTACHED):
                unusable = self._unusable_endpoint(vpc_eps)
                if unusable is not None:
                    ep, why, fix = unusable
                    self.hops.append(Hop("vpc-endpoint", ep.id, False, why))
                    raise _Blocked(Blocker(BlockerCode.NO_ENDPOINT_ACCESS, ep.id,
                                           f"{ep.endpoint_type.lower()} endpoint {ep.id} for {service} exists, but {why}; "
                                           f"and there is no other way out ({stop.blocker.code.value}: {stop.blocker.message})",
                                           fix)) from None
            raise
        if not vpc_eps and service in ("s3", "dynamodb") and self.via.startswith("nat"):
            self.notes.append(f"{service} is reached through the NAT gateway; a gateway endpoint would keep the traffic "
                              "in the AWS network and avoid NAT data charges")

    def _unusable_endpoint(self, eps):
        rt = self.topo.route_table_for(self.subnet.id)
        for ep in eps:
            if ep.endpoint_type == "Gateway":
                if rt is not None and rt.id not in ep.route_table_ids:
                    return ep, f"it is not associated with route table {rt.id} of {self.subnet.id}", (
                        f"Associate {ep.id} with {rt.id} (ec2 modify-vpc-endpoint --add-route-table-ids {rt.id}).")
            elif ep.endpoint_type == "Interface":
                if ep.state.lower() != "available":
                    return ep, f"it is {ep.state}", "Wait until the endpoint is available, or recreate it."
                if not ep.private_dns_enabled:
                    return ep, ("private DNS is disabled, so the service's usual name still resolves to its public "
                                "endpoint"), f"Enable private DNS on {ep.id} (ec2 modify-vpc-endpoint --private-dns-enabled)."
                if not ep.subnet_ids:
                    return ep, "it has no subnets", f"Add a subnet to {ep.id}."
        return None

    def _interface_endpoint(self, ep: VpcEndpoint) -> None:
        subnets = [self.topo._subnets[s] for s in ep.subnet_ids if s in self.topo._subnets]
        target = next((s for s in subnets if s.id == self.subnet.id), None) or next(
            (s for s in subnets if s.availability_zone == self.subnet.availability_zone), None) or subnets[0]
        eni = next((self.topo.network_interface(i) for i in ep.network_interface_ids
                    if self.topo.network_interface(i) and self.topo.network_interface(i).subnet_id == target.id), None)
        ip = None
        if eni is not None and eni.private_ips and ipaddress.ip_address(eni.private_ips[0]) in target.network:
            ip = ipaddress.ip_address(eni.private_ips[0])
        far = _Side((ipaddress.ip_network(ip) if ip else target.network,), False, frozenset(ep.security_group_ids))
        what = f"{self.dst.service} via interface endpoint {ep.id}"
        self.hops.append(Hop("vpc-endpoint", ep.id, True,
                             f"private DNS: the {self.dst.service} name resolves to the endpoint's interface in {target.id}"))
        self._sg_egress(far, what)
        self._leave(self.subnet, far, None, target, f"traffic to {what}")
        probe = ip or target.network.network_address
        rt, route = self._route_hop(self.subnet, f"the endpoint's interface in {target.id}", probe)
        if route is None or route.target_kind != "local":
            if route is None:
                raise _Blocked(Blocker(BlockerCode.NO_ROUTE, rt.id, f"no route to the endpoint's interface {probe}",
                                       "Restore the local route."))
            self._appliance(rt, route, what)
        groups = [self.topo._sgs[g] for g in ep.security_group_ids if g in self.topo._sgs]
        self._sg_ingress(groups, f"interface endpoint {ep.id}")
        self.hops.append(Hop("service", self.dst.service, True, "reached through the interface endpoint"))
        self.via = "interface-endpoint"

    def _to_ip(self) -> None:
        ip = self.dst.ip
        vpc_id = self.subnet.vpc_id
        target_subnet = self.topo.subnet_containing(ip)
        in_own_vpc = any(ip in n for n in self.topo._vpcs[vpc_id].networks) if vpc_id in self.topo._vpcs else False
        owner = self.topo.interface_owning(str(ip))
        if in_own_vpc or (target_subnet is not None and target_subnet.vpc_id == vpc_id):
            self._to_local(ip, target_subnet if target_subnet and target_subnet.vpc_id == vpc_id else None, owner)
            return
        # outside the VPC: peering (if a route says so) or the internet
        rt = self.topo.route_table_for(self.subnet.id)
        route = self._lookup(rt.id, ip) if rt is not None else None
        if route is not None and route.target_kind == "pcx":
            self._to_peer(ip, owner)
            return
        if _is_private(ip):
            self._to_private_elsewhere(ip)
            return
        self._to_outside(self._far_internet(ip), str(ip), ip=ip)

    def _to_private_elsewhere(self, ip) -> None:
        """A private address outside the VPC: only peering (or an appliance) can get there, never the internet."""
        far = self._far_internet(ip)
        self._sg_egress(far, str(ip))
        self._leave(self.subnet, far, None, None, f"traffic to {ip}:{self.dst.port}")
        rt, route = self._route_hop(self.subnet, str(ip), ip)
        if route is None or route.target_kind in ("nat", "igw", "local"):
            how = "has no route for it" if route is None else f"sends it along {route}"
            if route is not None:
                self.hops[-1] = Hop("route-table", rt.id, False, f"route {route} can't carry a private address out", str(route))
            raise _Blocked(Blocker(
                BlockerCode.NO_ROUTE, rt.id,
                f"{ip} is a private address outside {self.subnet.vpc_id}, and route table {rt.id} {how}; the internet "
                "does not route private addresses, so only a peering connection (or a VPN/transit gateway) can reach it",
                f"If {ip} is in a peered VPC, add a route for its range → the peering connection to {rt.id}, and a "
                "route back on the peer's side.",
            ))
        self._appliance(rt, route, str(ip))

    def _to_local(self, ip, target: Subnet | None, owner: NetworkInterface | None) -> None:
        far = self._target_side(ip, owner)
        self._sg_egress(far, f"{ip}")
        if target is None:
            rt, route = self._route_hop(self.subnet, str(ip), ip)
            raise _Blocked(Blocker(BlockerCode.NO_ROUTE, rt.id if rt else self.subnet.id,
                                   f"{ip} is in the VPC's range but in none of its subnets: nothing is there",
                                   "Check the address of the resource you want to reach."))
        self._leave(self.subnet, far, None, target, f"traffic to {ip}:{self.dst.port}")
        if target.id != self.subnet.id:
            rt, route = self._route_hop(self.subnet, str(ip), ip)
            if route is None:
                raise _Blocked(Blocker(BlockerCode.NO_ROUTE, rt.id, f"no route to {ip}", "Restore the local route."))
            if route.target_kind != "local":
                self._appliance(rt, route, str(ip))
        self._deliver(ip, target, owner)
        self.via = "local"

    def _target_side(self, ip, owner: NetworkInterface | None) -> _Side:
        return _Side((ipaddress.ip_network(ip),), False, frozenset(owner.security_group_ids) if owner else frozenset())

    def _deliver(self, ip, target: Subnet, owner: NetworkInterface | None) -> None:
        if owner is None:
            self.hops.append(Hop("subnet", target.id, True, f"{ip} is in {target.id} ({target.cidr})"))
            self.notes.append(f"no network interface in this account has the address {ip}; "
                              "security-group ingress there could not be checked")
            return
        groups = [self.topo._sgs[g] for g in owner.security_group_ids if g in self.topo._sgs]
        self.hops.append(Hop("network-interface", owner.id, True, f"{ip} belongs to {owner.id}"
                             + (f" ({owner.description})" if owner.description else "")))
        self._sg_ingress(groups, f"{owner.id} ({ip})")

    def _to_peer(self, ip, owner) -> None:
        far = self._target_side(ip, owner)
        self._sg_egress(far, str(ip))
        target = self.topo.subnet_containing(ip)
        self._leave(self.subnet, far, None, None, f"traffic to {ip}:{self.dst.port}")
        rt, route = self._route_hop(self.subnet, str(ip), ip)
        pcx = self.topo.peering_connection(route.target_id)
        if pcx is None:
            raise self._blackhole(rt, route, f"peering connection {route.target_id} no longer exists")
        if pcx.status != "active":
            raise self._blackhole(rt, route, f"peering connection {pcx.id} is {pcx.status}")
        peer_vpc = pcx.peer_of(self.subnet.vpc_id)
        if target is None or target.vpc_id != peer_vpc:
            self.hops.append(Hop("peering", pcx.id, False, f"{ip} is not in the peer VPC {peer_vpc}"))
            raise _Blocked(Blocker(
                BlockerCode.NO_ROUTE, pcx.id,
                f"{ip} is not in a subnet of {peer_vpc}, the VPC at the other end of {pcx.id}; peering is not "
                "transitive and has no edge-to-edge routing",
                f"Peer directly with the VPC that holds {ip}, and route its range to that peering connection.",
            ))
        self.hops.append(Hop("peering", pcx.id, True, f"peering connection to {peer_vpc}"))
        # entering the peer subnet, and the way back
        self._nacl(target, False, (self.dst.port, self.dst.port), self.me, f"traffic to {ip}:{self.dst.port}")
        self.replies.insert(0, (target, True, EPHEMERAL, self.me, "the replies"))
        back_rt = self.topo.route_table_for(target.id)
        back = self._lookup(back_rt.id, self.me.nets[0].network_address) if back_rt else None
        if back is None or back.target_kind != "pcx" or back.target_id != pcx.id:
            got = "no route" if back is None else f"route {back}"
            self.hops.append(Hop("route-table", back_rt.id if back_rt else target.id, False,
                                 f"{got} back to {self.me.text()}: the replies can't return"))
            raise _Blocked(Blocker(
                BlockerCode.NO_ROUTE, back_rt.id if back_rt else target.id,
                f"the peer side has {got} for {self.me.text()}: peering needs routes in both VPCs, and replies "
                f"from {ip} can't find their way back",
                f"Add a route {self.subnet.cidr} (or the VPC's CIDR) → {pcx.id} to {back_rt.id if back_rt else 'its route table'}.",
            ))
        self.hops.append(Hop("route-table", back_rt.id, True, f"route {back} brings the replies back", str(back)))
        self._deliver(ip, target, owner)
        self.via = "peering"
