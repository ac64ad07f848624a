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
  * ``"IP:PORT"``: an address in the function's VPC, in a peered VPC, or outside (the internet).

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

from labkit.vpc.model import Topology
from labkit.vpc.results import Trace


def trace(topo: Topology, source, destination: str, *, security_groups=None) -> Trace:
    """Can ``source`` reach ``destination`` in ``topo``? See the module docstring for the rules."""
    raise NotImplementedError  # being written


def can_reach(topo: Topology, source, destination: str, *, security_groups=None) -> bool:
    """Bool twin of :func:`trace`."""
    return trace(topo, source, destination, security_groups=security_groups).reachable
