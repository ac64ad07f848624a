"""Security-group and network-ACL rule matching, and the CIDR arithmetic they need: pure functions.

A flow's far end is a ``Side``: its address ranges, and (for security groups) its groups and prefix
lists. Rules are matched against a side with integer arithmetic on (network int, prefix length) pairs.

>>> import ipaddress
>>> fn = Side((ipaddress.ip_network("10.0.1.0/24"),), universal=True)
>>> fn.covered_by(ipaddress.ip_network("10.0.0.0/16")), fn.covered_by(ipaddress.ip_network("10.0.1.0/25"))
(True, False)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from labkit.vpc.model import NaclEntry, NetworkAcl, SecurityGroup, SgRule, Topology, prefix_mask, protocol_number

Net = ipaddress.IPv4Network
ANY = ipaddress.IPv4Network("0.0.0.0/0")
#: Lambda functions and NAT gateways use the whole range 1024-65535 as client (ephemeral) ports.
EPHEMERAL = (1024, 65535)
#: Addresses the internet does not route: RFC 1918 and the shared address space of RFC 6598.
PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def is_private(ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    """RFC 1918 / RFC 6598 address (documentation ranges such as 203.0.113.0/24 count as public here).

    >>> is_private(ipaddress.ip_address("172.20.1.1")), is_private(ipaddress.ip_address("198.51.100.7"))
    (True, False)
    """
    return ip is not None and any(ip in n for n in PRIVATE_RANGES)


def covers(addr: int, plen: int, ints: Iterable[tuple[int, int]]) -> bool:
    """Does the network (``addr``/``plen``) contain every range of ``ints`` ((network int, prefix length))?

    >>> ten = int(ipaddress.ip_address("10.0.0.0"))
    >>> covers(ten, 8, [(ten + 256, 24)]), covers(ten, 24, [(ten, 16)])
    (True, False)
    """
    mask = prefix_mask(plen)
    return all(p >= plen and a & mask == addr for a, p in ints)


def overlaps(addr: int, plen: int, ints: Iterable[tuple[int, int]]) -> bool:
    """Does the network (``addr``/``plen``) share at least one address with a range of ``ints``?

    >>> ten = int(ipaddress.ip_address("10.0.0.0"))
    >>> overlaps(ten, 24, [(ten, 16)]), overlaps(ten + 256, 24, [(ten, 24)])
    (True, False)
    """
    for a, p in ints:
        mask = prefix_mask(min(p, plen))
        if a & mask == addr & mask:
            return True
    return False


def subtract(ranges: Sequence[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """Inclusive port ranges minus ``lo``-``hi``.

    >>> subtract([(1024, 65535)], 2000, 3000)
    [(1024, 1999), (3001, 65535)]
    >>> subtract([(80, 80)], 0, 65535)
    []
    """
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


@dataclass(frozen=True)
class Side:
    """One end of a flow for rule matching: its address range(s), groups and prefix lists."""

    nets: tuple[Net, ...]
    universal: bool  # True: every address in nets must be covered (the function's side)
    groups: frozenset[str] = frozenset()
    prefix_lists: frozenset[str] = frozenset()
    ints: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    _text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ints", tuple((int(n.network_address), n.prefixlen) for n in self.nets))
        object.__setattr__(self, "_text", ", ".join(str(n) for n in self.nets))

    def covered_by(self, net: Net) -> bool:
        return covers(int(net.network_address), net.prefixlen, self.ints)

    def text(self) -> str:
        return self._text


def proto_matches(rule_protocol: str, protocol: str) -> bool:
    """Does a rule's protocol ("-1", "tcp", "6", …) match a flow's protocol number?

    >>> proto_matches("-1", "6"), proto_matches("tcp", "6"), proto_matches("udp", "6")
    (True, True, False)
    """
    p = protocol_number(rule_protocol)
    return p == "-1" or p == protocol


def _port_in(rule: SgRule, port: int) -> bool:
    if protocol_number(rule.protocol) == "-1" or rule.from_port is None or rule.from_port == -1:
        return True
    return rule.from_port <= port <= (rule.to_port if rule.to_port is not None else rule.from_port)


def sg_allows(
    groups: Sequence[SecurityGroup], egress: bool, protocol: str, port: int, peer: Side, topo: Topology
) -> tuple[SecurityGroup, SgRule] | None:
    """First rule (in group order) allowing the flow, or None. Security groups only allow.

    >>> web = SecurityGroup("sg-1", "vpc-1", egress=(SgRule("tcp", 443, 443, cidr="0.0.0.0/0"),))
    >>> out = Side((ipaddress.ip_network("198.51.100.7/32"),), universal=False)
    >>> sg_allows([web], True, "6", 443, out, Topology())[1].cidr, sg_allows([web], True, "6", 80, out, Topology())
    ('0.0.0.0/0', None)
    """
    for sg in groups:
        for rule in sg.egress if egress else sg.ingress:
            if not proto_matches(rule.protocol, protocol) or not _port_in(rule, port):
                continue
            if rule.cidr is not None and rule.network is not None and peer.covered_by(rule.network):
                return sg, rule
            if rule.group_id is not None and rule.group_id in peer.groups:
                return sg, rule
            if rule.prefix_list_id is not None:
                if rule.prefix_list_id in peer.prefix_lists:
                    return sg, rule
                pl = topo.prefix_list(rule.prefix_list_id)
                if (
                    pl is not None
                    and pl.cidrs
                    and all(any(n.subnet_of(ipaddress.IPv4Network(c)) for c in pl.cidrs) for n in peer.nets)
                ):
                    return sg, rule
    return None


def nacl_decide(
    nacl: NetworkAcl | None, egress: bool, protocol: str, ports: tuple[int, int], peer: Side
) -> tuple[bool, NaclEntry | None]:
    """Evaluate a network ACL for a flow over a port range. Returns (allowed, deciding entry or None).

    Rules are read lowest number first; for each port the first matching rule decides; a deny that
    applies to any part of the range blocks; ports no rule decides fall to the final ``*`` deny. On the
    function's side (``peer.universal``) a deny only has to overlap the peer's range to block.

    >>> acl = NetworkAcl("acl-1", "vpc-1", (NaclEntry(100, True, "allow", "6", "0.0.0.0/0", 443, 443),))
    >>> out = Side((ANY,), universal=False)
    >>> nacl_decide(acl, True, "6", (443, 443), out)[0], nacl_decide(acl, True, "6", (80, 80), out)
    (True, (False, None))
    """
    if nacl is None:
        return True, None
    undecided = [ports]
    ints = peer.ints
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
                if covered or (universal and p < plen and addr & prefix_mask(p) == x):
                    return False, entry
                continue
        else:
            covered = all(p >= plen and x & mask == addr for x, p in ints)
            if not allow:
                if covered or (universal and overlaps(addr, plen, ints)):
                    return False, entry
                continue
        if covered:
            undecided = subtract(undecided, lo, hi)
            if not undecided:
                return True, entry
    return False, None
