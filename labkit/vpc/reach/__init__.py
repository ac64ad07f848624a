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

The rooms of this package: ``destinations`` (services, aliases, parsing the two ends), ``rules``
(security groups, network ACLs, CIDR arithmetic: pure functions), ``walk`` (one subnet's path along the
graph) and this module (``trace`` and ``can_reach``).
"""

from __future__ import annotations

from collections.abc import Sequence

from labkit.errors import shown
from labkit.vpc.errors import SourceError
from labkit.vpc.model import Topology
from labkit.vpc.reach.destinations import (
    ACCEPTED_DESTINATIONS,
    KNOWN_SERVICES,
    SERVICE_ALIASES,
    parse_destination,
    resolve_source,
)
from labkit.vpc.reach.rules import EPHEMERAL, PRIVATE_RANGES
from labkit.vpc.reach.walk import Walk, trace_lambda_network
from labkit.vpc.results import Path, Trace

__all__ = [
    "trace",
    "can_reach",
    "KNOWN_SERVICES",
    "SERVICE_ALIASES",
    "ACCEPTED_DESTINATIONS",
    "EPHEMERAL",
    "PRIVATE_RANGES",
]


def trace(topo: Topology, source: object, destination: object, *, security_groups: object = None) -> Trace:
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
    if not isinstance(topo, Topology):
        raise SourceError(
            f"trace(topo, source, destination) needs a labkit Topology first; got {type(topo).__name__} "
            f"{shown(topo, 60)}. Get one with lab.topology() or lk.Topology.from_boto3(session)."
        )
    src = resolve_source(topo, source, security_groups)
    dst = parse_destination(topo, destination)
    g = topo.graph
    if not src.subnet_ids:
        return Trace(
            source=src.label,
            destination=dst.label,
            paths=(trace_lambda_network(topo, src, dst),),
            protocol="tcp",
            port=dst.port,
            vpc_id=None,
        )
    paths = tuple(Walk(topo, g, src, dst, sid).run() for sid in _in_az_order(topo, src.subnet_ids))
    return Trace(
        source=src.label,
        destination=dst.label,
        paths=paths,
        protocol="tcp",
        port=dst.port,
        vpc_id=src.vpc_id,
        names=_names(topo, paths),
    )


def _names(topo: Topology, paths: Sequence[Path]) -> dict[str, str]:
    """The Name tag of every resource the paths name (security groups: their group name), by id."""
    ids = (
        {p.subnet_id for p in paths}
        | {h.resource_id for p in paths for h in p.hops}
        | {p.blocked_by.resource_id for p in paths if p.blocked_by}
    )
    names = topo.names
    return {i: names[i] for i in ids if i in names}


def _in_az_order(topo: Topology, subnet_ids: tuple[str, ...]) -> list[str]:
    """Paths come in a stable, readable order: by Availability Zone, then CIDR (ids are random)."""

    def key(sid: str) -> tuple[int, str, int, str]:
        s = topo.subnet_or_none(sid)
        return (0, s.availability_zone, int(s.network.network_address), sid) if s else (1, "", 0, sid)

    return sorted(subnet_ids, key=key)


def can_reach(topo: Topology, source: object, destination: object, *, security_groups: object = None) -> bool:
    """Bool twin of :func:`trace`."""
    return trace(topo, source, destination, security_groups=security_groups).reachable
