"""Reachability cases for ``lk.trace``, one named scenario per row.

Each row names a build function (it creates an account with ``AccountBuilder`` inside moto and returns
its handles: ``{"subnet": "subnet-…", "nat": "nat-…", …}``), the trace (source, destination) and the
expected outcome for every path: reachable, or blocked with a code at a resource (given by handle).

The expectations follow AWS's documentation:
  * VPC User Guide — route priority (longest prefix match; a subnet without an explicit association uses
    the main route table), NAT gateways (public NAT in a public subnet; a private NAT gateway can't reach
    the internet), internet gateways, gateway endpoints (prefix-list routes in the associated route tables
    only), interface endpoints (private DNS; the endpoint's security group must admit the caller),
    security groups (stateful), network ACLs (stateless, numbered rules, first match wins, custom ACLs
    deny by default, ephemeral ports: NAT gateways and Lambda functions use 1024-65535), VPC peering
    (routes needed on both sides, no transitive peering, no edge-to-edge routing).
  * Lambda Developer Guide — a VPC-connected function has no public IP, even in a public subnet; internet
    access needs a NAT gateway in a public subnet; a function without VPC configuration has internet and
    AWS service access but no access to private resources in a VPC.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from typing import NamedTuple

import pytest

import labkit as lk
from labkit.vpc.results import BlockerCode
from tests.builders import AccountBuilder, all_traffic, nacl_allow, nacl_deny, tcp

# --------------------------------------------------------------------------------------- expectations


class Expect(NamedTuple):
    subnet: str | None  # handle of the function subnet; None = Lambda's own network
    reachable: bool
    code: str | None = None
    at: str | tuple[str, ...] | None = None  # handle(s) of the blocking resource
    via: str | None = None


def ok(subnet: str | None = "subnet", via: str | None = None) -> Expect:
    return Expect(subnet, True, via=via)


def blocked(code: str, at: str | tuple[str, ...], subnet: str | None = "subnet") -> Expect:
    assert code in BlockerCode.__members__, code
    return Expect(subnet, False, code, at)


class Case(NamedTuple):
    build: Callable[[AccountBuilder], dict]
    destination: str
    expects: tuple[Expect, ...]
    source: object = "fn"  # "fn" or (subnet handle, [group handles])
    check_hops: bool = True  # False: see test_blocked_path_marks_the_failing_hop


def case(case_id, build, destination, *expects, source="fn", marks=(), check_hops=True):
    return pytest.param(Case(build, destination, tuple(expects), source, check_hops), id=case_id, marks=marks)


# -------------------------------------------------------------------------------------------- helpers
# Address plan: function subnet 10.0.1.0/24 (us-east-1a), public subnet 10.0.0.0/24, database subnet
# 10.0.2.0/24 (us-east-1b) with the database at 10.0.2.10; peer VPC 10.1.0.0/16; third VPC 10.2.0.0/16.

DB = "10.0.2.10:5432"
PUBLIC_IP = "198.51.100.10:443"  # an address outside every VPC (TEST-NET-2)


def _function_vpc(b, sg_egress=None) -> dict:
    """A VPC with the function's (private) subnet, its own route table (local route only) and group."""
    h = {"vpc": b.vpc("10.0.0.0/16")}
    h["subnet"] = b.subnet(h["vpc"], "10.0.1.0/24", "us-east-1a")
    h["rtb"] = b.route_table(h["vpc"], [h["subnet"]])
    h["sg"] = b.sg(h["vpc"], egress=sg_egress)
    return h


def _public_subnet(b, h, *, private_nat=False, igw_route=True) -> dict:
    """A public subnet (0.0.0.0/0 → attached internet gateway) holding a NAT gateway."""
    h["public"] = b.subnet(h["vpc"], "10.0.0.0/24", "us-east-1a")
    h["public_rtb"] = b.route_table(h["vpc"], [h["public"]])
    h["igw"] = b.igw(h["vpc"])
    if igw_route:
        b.route(h["public_rtb"], "0.0.0.0/0", igw=h["igw"])
    h["nat"] = b.nat(h["public"], private=private_nat)
    return h


def _nat_vpc(b, sg_egress=None) -> dict:
    """The textbook set-up: function subnet 0.0.0.0/0 → NAT gateway in a public subnet → internet gateway."""
    h = _function_vpc(b, sg_egress)
    _public_subnet(b, h)
    b.route(h["rtb"], "0.0.0.0/0", nat=h["nat"])
    return h


def _database(b, h, ingress, *, subnet="db_subnet", ip="10.0.2.10") -> dict:
    """A database network interface; in its own subnet unless ``subnet`` names an existing handle."""
    if subnet not in h:
        h[subnet] = b.subnet(h["vpc"], "10.0.2.0/24", "us-east-1b")
    h["db_sg"] = b.sg(h["vpc"], ingress=ingress)
    h["db"] = b.eni(h[subnet], [h["db_sg"]], ip)
    return h


def _fn(b, h, subnets=("subnet",)) -> dict:
    h["fn"] = b.function("fn", [h[s] for s in subnets], [h["sg"]])
    return h


# ------------------------------------------------------------------------- builds: internet, NAT, IGW


def private_subnet_only_local_route(b):
    return _fn(b, _function_vpc(b))


def nat_in_public_subnet(b):
    return _fn(b, _nat_vpc(b))


def function_in_public_subnet(b):
    h = _function_vpc(b)
    h["igw"] = b.igw(h["vpc"])
    b.route(h["rtb"], "0.0.0.0/0", igw=h["igw"])
    return _fn(b, h)


def function_subnet_on_main_table_routing_to_igw(b):
    """The function subnet has no explicit association: the main table (0.0.0.0/0 → IGW) applies."""
    h = {"vpc": b.vpc("10.0.0.0/16")}
    h["subnet"] = b.subnet(h["vpc"], "10.0.1.0/24")
    h["main_rtb"] = b.main_route_table(h["vpc"])
    h["igw"] = b.igw(h["vpc"])
    b.route(h["main_rtb"], "0.0.0.0/0", igw=h["igw"])
    h["sg"] = b.sg(h["vpc"])
    return _fn(b, h)


def function_subnet_on_replaced_main_table_routing_to_nat(b):
    h = {"vpc": b.vpc("10.0.0.0/16")}
    h["subnet"] = b.subnet(h["vpc"], "10.0.1.0/24")
    h["sg"] = b.sg(h["vpc"])
    _public_subnet(b, h)
    h["main_rtb"] = b.route_table(h["vpc"], main=True)
    b.route(h["main_rtb"], "0.0.0.0/0", nat=h["nat"])
    return _fn(b, h)


def nat_route_in_unassociated_table(b):
    """A table with 0.0.0.0/0 → NAT exists but is associated with nothing; the subnet uses the main table."""
    h = {"vpc": b.vpc("10.0.0.0/16")}
    h["subnet"] = b.subnet(h["vpc"], "10.0.1.0/24")
    h["main_rtb"] = b.main_route_table(h["vpc"])
    h["sg"] = b.sg(h["vpc"])
    _public_subnet(b, h)
    h["spare_rtb"] = b.route_table(h["vpc"])
    b.route(h["spare_rtb"], "0.0.0.0/0", nat=h["nat"])
    return _fn(b, h)


def nat_in_private_subnet(b):
    """The NAT gateway's subnet has no route to an internet gateway."""
    h = _function_vpc(b)
    _public_subnet(b, h, igw_route=False)
    b.route(h["rtb"], "0.0.0.0/0", nat=h["nat"])
    return _fn(b, h)


def private_nat_gateway_in_public_subnet(b):
    h = _function_vpc(b)
    _public_subnet(b, h, private_nat=True)
    b.route(h["rtb"], "0.0.0.0/0", nat=h["nat"])
    return _fn(b, h)


def nat_subnet_on_main_table_routing_to_igw(b):
    h = _function_vpc(b)
    h["public"] = b.subnet(h["vpc"], "10.0.0.0/24")
    h["main_rtb"] = b.main_route_table(h["vpc"])
    h["igw"] = b.igw(h["vpc"])
    b.route(h["main_rtb"], "0.0.0.0/0", igw=h["igw"])
    h["nat"] = b.nat(h["public"])
    b.route(h["rtb"], "0.0.0.0/0", nat=h["nat"])
    return _fn(b, h)


def deleted_nat_gateway(b):
    h = _nat_vpc(b)
    b.delete_nat(h["nat"])
    return _fn(b, h)


def nat_subnet_igw_detached(b):
    h = _nat_vpc(b)
    b.detach_igw(h["igw"], h["vpc"])
    return _fn(b, h)


def nat_subnet_igw_deleted(b):
    h = _nat_vpc(b)
    b.delete_igw(h["igw"], vpc=h["vpc"])
    return _fn(b, h)


def nat_subnet_routes_to_igw_of_other_vpc(b):
    h = _function_vpc(b)
    h["public"] = b.subnet(h["vpc"], "10.0.0.0/24")
    h["public_rtb"] = b.route_table(h["vpc"], [h["public"]])
    h["other_vpc"] = b.vpc("10.9.0.0/16")
    h["igw"] = b.igw(h["other_vpc"])
    b.route(h["public_rtb"], "0.0.0.0/0", igw=h["igw"])
    h["nat"] = b.nat(h["public"])
    b.route(h["rtb"], "0.0.0.0/0", nat=h["nat"])
    return _fn(b, h)


def function_subnet_routes_to_detached_igw(b):
    h = function_in_public_subnet(b)
    b.detach_igw(h["igw"], h["vpc"])
    return h


def function_subnet_routes_to_deleted_igw(b):
    h = function_in_public_subnet(b)
    b.delete_igw(h["igw"], vpc=h["vpc"])
    return h


def more_specific_route_to_nat_over_default_to_deleted_nat(b):
    h = _function_vpc(b)
    _public_subnet(b, h)
    h["old_nat"] = b.nat(h["public"])
    b.route(h["rtb"], "0.0.0.0/0", nat=h["old_nat"])
    b.delete_nat(h["old_nat"])
    b.route(h["rtb"], "198.51.100.0/24", nat=h["nat"])
    return _fn(b, h)


def more_specific_route_to_deleted_nat_over_working_default(b):
    h = _nat_vpc(b)
    h["old_nat"] = b.nat(h["public"])
    b.route(h["rtb"], "198.51.100.0/24", nat=h["old_nat"])
    b.delete_nat(h["old_nat"])
    return _fn(b, h)


def default_to_nat_and_deleted_nat_for_203_0_113_0(b):
    """Internet traffic in general follows 0.0.0.0/0 → NAT; only 203.0.113.0/24 goes to a deleted NAT."""
    h = _nat_vpc(b)
    h["old_nat"] = b.nat(h["public"])
    b.route(h["rtb"], "203.0.113.0/24", nat=h["old_nat"])
    b.delete_nat(h["old_nat"])
    return _fn(b, h)


def more_specific_route_to_igw_over_default_to_nat(b):
    h = _nat_vpc(b)
    b.route(h["rtb"], "198.51.100.0/24", igw=h["igw"])
    return _fn(b, h)


# ------------------------------------------------------------------------------ builds: AWS services


def s3_gateway_endpoint(b):
    h = _function_vpc(b)
    h["s3_endpoint"] = b.gateway_endpoint(h["vpc"], "s3", [h["rtb"]])
    return _fn(b, h)


def s3_gateway_endpoint_on_other_table(b, *, nat=False):
    """The endpoint is associated with another subnet's table, not the function subnet's."""
    h = _nat_vpc(b) if nat else _function_vpc(b)
    h["other_subnet"] = b.subnet(h["vpc"], "10.0.3.0/24", "us-east-1b")
    h["other_rtb"] = b.route_table(h["vpc"], [h["other_subnet"]])
    h["s3_endpoint"] = b.gateway_endpoint(h["vpc"], "s3", [h["other_rtb"]])
    return _fn(b, h)


def s3_gateway_endpoint_on_other_table_with_nat(b):
    return s3_gateway_endpoint_on_other_table(b, nat=True)


def s3_gateway_endpoint_and_default_to_deleted_nat(b):
    h = _function_vpc(b)
    _public_subnet(b, h)
    b.route(h["rtb"], "0.0.0.0/0", nat=h["nat"])
    b.delete_nat(h["nat"])
    h["s3_endpoint"] = b.gateway_endpoint(h["vpc"], "s3", [h["rtb"]])
    return _fn(b, h)


def dynamodb_gateway_endpoint_only(b):
    h = _function_vpc(b)
    h["ddb_endpoint"] = b.gateway_endpoint(h["vpc"], "dynamodb", [h["rtb"]])
    return _fn(b, h)


def _interface_endpoint(b, ingress, *, private_dns=True, nat=False, own_subnet=False) -> dict:
    h = _nat_vpc(b) if nat else _function_vpc(b)
    where = "subnet"
    if own_subnet:
        h["endpoint_subnet"] = b.subnet(h["vpc"], "10.0.4.0/24", "us-east-1a")
        where = "endpoint_subnet"
    h["endpoint_sg"] = b.sg(h["vpc"], ingress=ingress(h))
    h["endpoint"] = b.interface_endpoint(
        h["vpc"], "secretsmanager", [h[where]], [h["endpoint_sg"]], private_dns=private_dns
    )
    return h


def secretsmanager_endpoint_admits_vpc_on_443(b):
    return _fn(b, _interface_endpoint(b, lambda h: [tcp(443, cidr="10.0.0.0/16")]))


def secretsmanager_endpoint_admits_only_5432(b):
    return _fn(b, _interface_endpoint(b, lambda h: [tcp(5432, cidr="10.0.0.0/16")]))


def secretsmanager_endpoint_admits_function_group(b):
    return _fn(b, _interface_endpoint(b, lambda h: [tcp(443, group=h["sg"])]))


def secretsmanager_endpoint_admits_other_subnet_only(b):
    return _fn(b, _interface_endpoint(b, lambda h: [tcp(443, cidr="10.0.3.0/24")]))


def secretsmanager_endpoint_without_private_dns(b):
    return _fn(b, _interface_endpoint(b, lambda h: [tcp(443, cidr="10.0.0.0/16")], private_dns=False))


def secretsmanager_endpoint_without_private_dns_but_nat(b):
    return _fn(b, _interface_endpoint(b, lambda h: [tcp(443, cidr="10.0.0.0/16")], private_dns=False, nat=True))


def secretsmanager_endpoint_subnet_nacl_denies_443(b):
    h = _interface_endpoint(b, lambda h: [tcp(443, cidr="10.0.0.0/16")], own_subnet=True)
    h["nacl"] = b.nacl(
        h["vpc"],
        [h["endpoint_subnet"]],
        [
            nacl_deny(100, egress=False, protocol="6", ports=443),
            nacl_allow(200, egress=False),
            nacl_allow(100, egress=True),
        ],
    )
    return _fn(b, h)


# ---------------------------------------------------------------------------- builds: security groups


def egress_only_5432_with_nat(b):
    return _fn(b, _nat_vpc(b, sg_egress=[tcp(5432, cidr="0.0.0.0/0")]))


def egress_only_443_with_nat(b):
    return _fn(b, _nat_vpc(b, sg_egress=[tcp(443, cidr="0.0.0.0/0")]))


def egress_removed_with_s3_endpoint(b):
    h = _function_vpc(b, sg_egress=[])
    h["s3_endpoint"] = b.gateway_endpoint(h["vpc"], "s3", [h["rtb"]])
    return _fn(b, h)


def egress_to_s3_prefix_list_with_both_endpoints(b):
    h = {"vpc": b.vpc("10.0.0.0/16")}
    h["subnet"] = b.subnet(h["vpc"], "10.0.1.0/24")
    h["rtb"] = b.route_table(h["vpc"], [h["subnet"]])
    h["sg"] = b.sg(h["vpc"], egress=[tcp(443, prefix_list=b.prefix_list("s3"))])
    h["s3_endpoint"] = b.gateway_endpoint(h["vpc"], "s3", [h["rtb"]])
    h["ddb_endpoint"] = b.gateway_endpoint(h["vpc"], "dynamodb", [h["rtb"]])
    return _fn(b, h)


def db_admits_function_group(b):
    h = _function_vpc(b)
    return _fn(b, _database(b, h, [tcp(5432, group=h["sg"])]))


def db_admits_other_subnet_cidr(b):
    return _fn(b, _database(b, _function_vpc(b), [tcp(5432, cidr="10.0.3.0/24")]))


def db_admits_half_of_function_subnet(b):
    """10.0.1.0/25 covers only part of the function subnet: the function's address may be outside it."""
    return _fn(b, _database(b, _function_vpc(b), [tcp(5432, cidr="10.0.1.0/25")]))


def db_admits_vpc_cidr(b):
    return _fn(b, _database(b, _function_vpc(b), [tcp(5432, cidr="10.0.0.0/16")]))


def db_admits_only_3306(b):
    h = _function_vpc(b)
    return _fn(b, _database(b, h, [tcp(3306, group=h["sg"])]))


def egress_5432_to_db_group(b):
    h = _function_vpc(b)
    _database(b, h, [tcp(5432, cidr="10.0.0.0/16")])
    b.ec2.revoke_security_group_egress(GroupId=h["sg"], IpPermissions=[all_traffic(cidr="0.0.0.0/0")])
    b.ec2.authorize_security_group_egress(GroupId=h["sg"], IpPermissions=[tcp(5432, group=h["db_sg"])])
    return _fn(b, h)


def egress_5432_to_unrelated_group(b):
    h = _function_vpc(b)
    _database(b, h, [tcp(5432, cidr="10.0.0.0/16")])
    h["cache_sg"] = b.sg(h["vpc"])
    b.ec2.revoke_security_group_egress(GroupId=h["sg"], IpPermissions=[all_traffic(cidr="0.0.0.0/0")])
    b.ec2.authorize_security_group_egress(GroupId=h["sg"], IpPermissions=[tcp(5432, group=h["cache_sg"])])
    return _fn(b, h)


# ------------------------------------------------------------------------------ builds: network ACLs


def _nat_vpc_with_function_nacl(b, entries) -> dict:
    h = _nat_vpc(b)
    h["nacl"] = b.nacl(h["vpc"], [h["subnet"]], entries)
    return _fn(b, h)


def nacl_outbound_denies_all(b):
    return _nat_vpc_with_function_nacl(b, [nacl_deny(100, egress=True), nacl_allow(100, egress=False)])


def nacl_inbound_allows_only_443(b):
    return _nat_vpc_with_function_nacl(
        b, [nacl_allow(100, egress=True), nacl_allow(100, egress=False, protocol="6", ports=443)]
    )


def nacl_inbound_allows_32768_65535(b):
    return _nat_vpc_with_function_nacl(
        b, [nacl_allow(100, egress=True), nacl_allow(100, egress=False, protocol="6", ports=(32768, 65535))]
    )


def nacl_outbound_443_inbound_1024_65535(b):
    return _nat_vpc_with_function_nacl(
        b,
        [
            nacl_allow(100, egress=True, protocol="6", ports=443),
            nacl_allow(100, egress=False, protocol="6", ports=(1024, 65535)),
        ],
    )


def nacl_deny_443_before_allow_all(b):
    return _nat_vpc_with_function_nacl(
        b,
        [
            nacl_deny(90, egress=True, protocol="6", ports=443),
            nacl_allow(100, egress=True),
            nacl_allow(100, egress=False),
        ],
    )


def nacl_allow_443_before_deny_all(b):
    return _nat_vpc_with_function_nacl(
        b,
        [
            nacl_allow(90, egress=True, protocol="6", ports=443),
            nacl_deny(100, egress=True),
            nacl_allow(100, egress=False),
        ],
    )


def custom_nacl_without_entries(b):
    return _nat_vpc_with_function_nacl(b, [])


def db_in_same_subnet_behind_empty_nacl(b):
    h = _function_vpc(b)
    _database(b, h, [tcp(5432, group=h["sg"])], subnet="subnet", ip="10.0.1.200")
    h["nacl"] = b.nacl(h["vpc"], [h["subnet"]], [])
    return _fn(b, h)


def db_in_other_subnet_behind_empty_nacl(b):
    h = _function_vpc(b)
    _database(b, h, [tcp(5432, group=h["sg"])])
    h["nacl"] = b.nacl(h["vpc"], [h["db_subnet"]], [])
    return _fn(b, h)


def nat_subnet_nacl_inbound_32768_65535(b):
    h = _nat_vpc(b)
    h["nat_nacl"] = b.nacl(
        h["vpc"],
        [h["public"]],
        [
            nacl_allow(100, egress=False, protocol="6", cidr="10.0.0.0/16", ports=443),
            nacl_allow(110, egress=False, protocol="6", ports=(32768, 65535)),
            nacl_allow(100, egress=True),
        ],
    )
    return _fn(b, h)


def nat_subnet_nacl_inbound_1024_65535(b):
    h = _nat_vpc(b)
    h["nat_nacl"] = b.nacl(
        h["vpc"],
        [h["public"]],
        [
            nacl_allow(100, egress=False, protocol="6", cidr="10.0.0.0/16", ports=443),
            nacl_allow(110, egress=False, protocol="6", ports=(1024, 65535)),
            nacl_allow(100, egress=True),
        ],
    )
    return _fn(b, h)


def db_subnet_nacl_without_ephemeral_outbound(b):
    h = _function_vpc(b)
    _database(b, h, [tcp(5432, group=h["sg"])])
    h["db_nacl"] = b.nacl(
        h["vpc"],
        [h["db_subnet"]],
        [
            nacl_allow(100, egress=False, protocol="6", cidr="10.0.1.0/24", ports=5432),
            nacl_allow(100, egress=True, protocol="6", cidr="10.0.1.0/24", ports=5432),
        ],
    )
    return _fn(b, h)


def db_subnet_nacl_with_ephemeral_outbound(b):
    h = _function_vpc(b)
    _database(b, h, [tcp(5432, group=h["sg"])])
    h["db_nacl"] = b.nacl(
        h["vpc"],
        [h["db_subnet"]],
        [
            nacl_allow(100, egress=False, protocol="6", cidr="10.0.1.0/24", ports=5432),
            nacl_allow(100, egress=True, protocol="6", cidr="10.0.1.0/24", ports=(1024, 65535)),
        ],
    )
    return _fn(b, h)


def db_subnet_nacl_denies_5432_inbound(b):
    h = _function_vpc(b)
    _database(b, h, [tcp(5432, group=h["sg"])])
    h["db_nacl"] = b.nacl(
        h["vpc"],
        [h["db_subnet"]],
        [
            nacl_deny(50, egress=False, protocol="6", ports=5432),
            nacl_allow(100, egress=False),
            nacl_allow(100, egress=True),
        ],
    )
    return _fn(b, h)


# ---------------------------------------------------------------------------------- builds: peering


def _peered(b, *, accept=True, route_there=True, route_back=True) -> dict:
    h = _function_vpc(b)
    h["peer_vpc"] = b.vpc("10.1.0.0/16")
    h["peer_subnet"] = b.subnet(h["peer_vpc"], "10.1.1.0/24", "us-east-1a")
    h["peer_rtb"] = b.route_table(h["peer_vpc"], [h["peer_subnet"]])
    h["db_sg"] = b.sg(h["peer_vpc"], ingress=[tcp(5432, cidr="10.0.1.0/24")])
    h["db"] = b.eni(h["peer_subnet"], [h["db_sg"]], "10.1.1.10")
    h["pcx"] = b.peering(h["vpc"], h["peer_vpc"], accept=accept)
    if route_there:
        b.route(h["rtb"], "10.1.0.0/16", pcx=h["pcx"])
    if route_back:
        b.route(h["peer_rtb"], "10.0.0.0/16", pcx=h["pcx"])
    return h


def peering_with_routes_both_ways(b):
    return _fn(b, _peered(b))


def peering_without_return_route(b):
    return _fn(b, _peered(b, route_back=False))


def peering_without_route_there(b):
    return _fn(b, _peered(b, route_there=False))


def peering_never_accepted(b):
    return _fn(b, _peered(b, accept=False))


def peering_deleted(b):
    h = _peered(b)
    b.delete_peering(h["pcx"])
    return _fn(b, h)


def peering_chain_to_third_vpc(b):
    """A ↔ B ↔ C: A routes C's range to the A-B connection; peering is not transitive."""
    h = _peered(b)
    h["third_vpc"] = b.vpc("10.2.0.0/16")
    h["third_subnet"] = b.subnet(h["third_vpc"], "10.2.1.0/24")
    h["third_rtb"] = b.route_table(h["third_vpc"], [h["third_subnet"]])
    h["third_sg"] = b.sg(h["third_vpc"], ingress=[tcp(5432, cidr="10.0.0.0/8")])
    b.eni(h["third_subnet"], [h["third_sg"]], "10.2.1.10")
    h["pcx_bc"] = b.peering(h["peer_vpc"], h["third_vpc"])
    b.route(h["peer_rtb"], "10.2.0.0/16", pcx=h["pcx_bc"])
    b.route(h["third_rtb"], "10.0.0.0/8", pcx=h["pcx_bc"])
    b.route(h["rtb"], "10.2.0.0/16", pcx=h["pcx"])
    return _fn(b, h)


def default_route_through_peering_to_nat(b):
    """The peer VPC has a NAT gateway and an internet gateway; edge-to-edge routing is not supported."""
    h = _peered(b)
    h["peer_public"] = b.subnet(h["peer_vpc"], "10.1.0.0/24")
    h["peer_public_rtb"] = b.route_table(h["peer_vpc"], [h["peer_public"]])
    h["peer_igw"] = b.igw(h["peer_vpc"])
    b.route(h["peer_public_rtb"], "0.0.0.0/0", igw=h["peer_igw"])
    h["peer_nat"] = b.nat(h["peer_public"])
    b.route(h["peer_rtb"], "0.0.0.0/0", nat=h["peer_nat"])
    b.route(h["rtb"], "0.0.0.0/0", pcx=h["pcx"])
    return _fn(b, h)


def peering_without_route_there_but_nat_default(b):
    """No route for the peer's range: 10.1.1.10 falls to 0.0.0.0/0 → NAT, which can't carry a private address."""
    h = _peered(b, route_there=False)
    _public_subnet(b, h)
    b.route(h["rtb"], "0.0.0.0/0", nat=h["nat"])
    return _fn(b, h)


# ------------------------------------------------------------------- builds: functions without a VPC


def function_without_vpc(b):
    h = _database(b, _function_vpc(b), [tcp(5432, cidr="0.0.0.0/0")])
    h["fn"] = b.function("fn")
    return h


# --------------------------------------------------------------- builds: the AWS guide's sample VPCs


def aws_sample_private(b):
    """vpc-private.yaml: two private subnets, one route table, S3 and DynamoDB gateway endpoints."""
    h = {"vpc": b.vpc("172.31.0.0/16")}
    h["subnet_a"] = b.subnet(h["vpc"], "172.31.3.0/24", "us-east-1a")
    h["subnet_b"] = b.subnet(h["vpc"], "172.31.2.0/24", "us-east-1b")
    h["private_rtb"] = b.route_table(h["vpc"], [h["subnet_a"], h["subnet_b"]])
    h["s3_endpoint"] = b.gateway_endpoint(h["vpc"], "s3", [h["private_rtb"]])
    h["ddb_endpoint"] = b.gateway_endpoint(h["vpc"], "dynamodb", [h["private_rtb"]])
    h["sg"] = b.sg(h["vpc"])
    return _fn(b, h, subnets=("subnet_a", "subnet_b"))


def aws_sample_private_public(b):
    """vpc-privatepublic.yaml: the private sample plus a public subnet with a NAT gateway and an IGW."""
    h = {"vpc": b.vpc("172.31.0.0/16")}
    h["public"] = b.subnet(h["vpc"], "172.31.0.0/24", "us-east-1a")
    h["subnet_a"] = b.subnet(h["vpc"], "172.31.3.0/24", "us-east-1a")
    h["subnet_b"] = b.subnet(h["vpc"], "172.31.2.0/24", "us-east-1b")
    h["igw"] = b.igw(h["vpc"])
    h["public_rtb"] = b.route_table(h["vpc"], [h["public"]])
    b.route(h["public_rtb"], "0.0.0.0/0", igw=h["igw"])
    h["nat"] = b.nat(h["public"])
    h["private_rtb"] = b.route_table(h["vpc"], [h["subnet_a"], h["subnet_b"]])
    b.route(h["private_rtb"], "0.0.0.0/0", nat=h["nat"])
    h["s3_endpoint"] = b.gateway_endpoint(h["vpc"], "s3", [h["private_rtb"]])
    h["ddb_endpoint"] = b.gateway_endpoint(h["vpc"], "dynamodb", [h["private_rtb"]])
    h["sg"] = b.sg(h["vpc"])
    return _fn(b, h, subnets=("subnet_a", "subnet_b"))


# ------------------------------------------------------------------------ builds: several subnets


def two_subnets_one_routes_to_nat(b):
    h = _nat_vpc(b)
    h["subnet_b"] = b.subnet(h["vpc"], "10.0.5.0/24", "us-east-1b")
    h["rtb_b"] = b.route_table(h["vpc"], [h["subnet_b"]])
    return _fn(b, h, subnets=("subnet", "subnet_b"))


def two_subnets_both_route_to_nat(b):
    h = _nat_vpc(b)
    h["subnet_b"] = b.subnet(h["vpc"], "10.0.5.0/24", "us-east-1b")
    b.ec2.associate_route_table(RouteTableId=h["rtb"], SubnetId=h["subnet_b"])
    return _fn(b, h, subnets=("subnet", "subnet_b"))


# ------------------------------------------------------------------------------------------ the table

EXPLICIT = ("subnet", ["sg"])  # a subnet + its security groups instead of a function name

CASES = [
    # internet, NAT gateways, internet gateways
    case(
        "private-subnet-local-route-only--internet--NO_ROUTE",
        private_subnet_only_local_route,
        "internet",
        blocked("NO_ROUTE", "rtb"),
    ),
    case("nat-in-public-subnet--internet--reachable", nat_in_public_subnet, "internet", ok(via="nat-gateway")),
    case(
        "function-in-public-subnet--internet--NO_PUBLIC_IP",
        function_in_public_subnet,
        "internet",
        blocked("NO_PUBLIC_IP", "subnet"),
    ),
    case(
        "function-subnet-on-main-table-to-igw--internet--NO_PUBLIC_IP",
        function_subnet_on_main_table_routing_to_igw,
        "internet",
        blocked("NO_PUBLIC_IP", "subnet"),
    ),
    case(
        "function-subnet-on-replaced-main-table-to-nat--internet--reachable",
        function_subnet_on_replaced_main_table_routing_to_nat,
        "internet",
        ok(via="nat-gateway"),
    ),
    case(
        "nat-route-in-unassociated-table--internet--NO_ROUTE-on-main-table",
        nat_route_in_unassociated_table,
        "internet",
        blocked("NO_ROUTE", "main_rtb"),
    ),
    case(
        "nat-in-private-subnet--internet--NAT_NO_INTERNET_ROUTE",
        nat_in_private_subnet,
        "internet",
        blocked("NAT_NO_INTERNET_ROUTE", "nat"),
    ),
    case(
        "private-nat-gateway--internet--NAT_NO_INTERNET_ROUTE",
        private_nat_gateway_in_public_subnet,
        "internet",
        blocked("NAT_NO_INTERNET_ROUTE", "nat"),
    ),
    case(
        "nat-subnet-on-main-table-to-igw--internet--reachable",
        nat_subnet_on_main_table_routing_to_igw,
        "internet",
        ok(via="nat-gateway"),
    ),
    case(
        "deleted-nat-gateway--internet--BLACKHOLE_ROUTE",
        deleted_nat_gateway,
        "internet",
        blocked("BLACKHOLE_ROUTE", "rtb"),
    ),
    case(
        "nat-subnet-igw-detached--internet--IGW_NOT_ATTACHED",
        nat_subnet_igw_detached,
        "internet",
        blocked("IGW_NOT_ATTACHED", "igw"),
    ),
    case(
        "nat-subnet-igw-deleted--internet--BLACKHOLE_ROUTE",
        nat_subnet_igw_deleted,
        "internet",
        blocked("BLACKHOLE_ROUTE", "public_rtb"),
    ),
    case(
        "nat-subnet-routes-to-igw-of-other-vpc--internet--IGW_NOT_ATTACHED",
        nat_subnet_routes_to_igw_of_other_vpc,
        "internet",
        blocked("IGW_NOT_ATTACHED", "igw"),
    ),
    case(
        "function-subnet-routes-to-detached-igw--internet--IGW_NOT_ATTACHED",
        function_subnet_routes_to_detached_igw,
        "internet",
        blocked("IGW_NOT_ATTACHED", "igw"),
    ),
    case(
        "function-subnet-routes-to-deleted-igw--internet--BLACKHOLE_ROUTE",
        function_subnet_routes_to_deleted_igw,
        "internet",
        blocked("BLACKHOLE_ROUTE", "rtb"),
    ),
    case("public-ip-destination-via-nat--reachable", nat_in_public_subnet, PUBLIC_IP, ok(via="nat-gateway")),
    # longest prefix match
    case(
        "lpm-/24-to-nat-beats-default-to-deleted-nat--reachable",
        more_specific_route_to_nat_over_default_to_deleted_nat,
        PUBLIC_IP,
        ok(via="nat-gateway"),
    ),
    case(
        "lpm-default-to-deleted-nat-applies-outside-the-/24--BLACKHOLE_ROUTE",
        more_specific_route_to_nat_over_default_to_deleted_nat,
        "internet",
        blocked("BLACKHOLE_ROUTE", "rtb"),
    ),
    case(
        "lpm-/24-to-deleted-nat-beats-working-default--BLACKHOLE_ROUTE",
        more_specific_route_to_deleted_nat_over_working_default,
        PUBLIC_IP,
        blocked("BLACKHOLE_ROUTE", "rtb"),
    ),
    case(
        "lpm-/24-to-igw-beats-default-to-nat--NO_PUBLIC_IP",
        more_specific_route_to_igw_over_default_to_nat,
        PUBLIC_IP,
        blocked("NO_PUBLIC_IP", "subnet"),
    ),
    case(
        "lpm-default-to-nat-still-serves-the-rest-of-the-internet--reachable",
        more_specific_route_to_igw_over_default_to_nat,
        "internet",
        ok(via="nat-gateway"),
    ),
    case(
        "lpm-route-for-one-/24-does-not-decide-the-internet--reachable",
        default_to_nat_and_deleted_nat_for_203_0_113_0,
        "internet",
        ok(via="nat-gateway"),
    ),
    case(
        "vpc-address-outside-every-subnet--NO_ROUTE", db_admits_vpc_cidr, "10.0.200.5:5432", blocked("NO_ROUTE", "rtb")
    ),
    # gateway endpoints
    case("s3-gateway-endpoint--s3--reachable", s3_gateway_endpoint, "s3", ok(via="gateway-endpoint")),
    case("s3-gateway-endpoint--internet--NO_ROUTE", s3_gateway_endpoint, "internet", blocked("NO_ROUTE", "rtb")),
    case(
        "s3-endpoint-on-other-table-no-nat--s3--NO_ENDPOINT_ACCESS",
        s3_gateway_endpoint_on_other_table,
        "s3",
        blocked("NO_ENDPOINT_ACCESS", "s3_endpoint"),
    ),
    case(
        "s3-endpoint-on-other-table-with-nat--s3--reachable-via-nat",
        s3_gateway_endpoint_on_other_table_with_nat,
        "s3",
        ok(via="nat-gateway"),
    ),
    case(
        "s3-endpoint-route-beats-default-to-deleted-nat--s3--reachable",
        s3_gateway_endpoint_and_default_to_deleted_nat,
        "s3",
        ok(via="gateway-endpoint"),
    ),
    case(
        "s3-endpoint-route-only-for-s3--internet--BLACKHOLE_ROUTE",
        s3_gateway_endpoint_and_default_to_deleted_nat,
        "internet",
        blocked("BLACKHOLE_ROUTE", "rtb"),
    ),
    case(
        "dynamodb-endpoint--dynamodb--reachable", dynamodb_gateway_endpoint_only, "dynamodb", ok(via="gateway-endpoint")
    ),
    case(
        "dynamodb-endpoint-does-not-give-s3--NO_ROUTE", dynamodb_gateway_endpoint_only, "s3", blocked("NO_ROUTE", "rtb")
    ),
    case("no-endpoint-no-nat--sqs--NO_ROUTE", dynamodb_gateway_endpoint_only, "sqs", blocked("NO_ROUTE", "rtb")),
    # interface endpoints
    case(
        "interface-endpoint-private-dns-sg-443--secretsmanager--reachable",
        secretsmanager_endpoint_admits_vpc_on_443,
        "secretsmanager",
        ok(via="interface-endpoint"),
    ),
    case(
        "interface-endpoint-sg-admits-function-group--reachable",
        secretsmanager_endpoint_admits_function_group,
        "secretsmanager",
        ok(via="interface-endpoint"),
    ),
    case(
        "interface-endpoint-sg-only-5432--SG_INGRESS",
        secretsmanager_endpoint_admits_only_5432,
        "secretsmanager",
        blocked("SG_INGRESS", "endpoint_sg"),
    ),
    case(
        "interface-endpoint-sg-cidr-misses-function-subnet--SG_INGRESS",
        secretsmanager_endpoint_admits_other_subnet_only,
        "secretsmanager",
        blocked("SG_INGRESS", "endpoint_sg"),
    ),
    case(
        "interface-endpoint-private-dns-off--NO_ENDPOINT_ACCESS",
        secretsmanager_endpoint_without_private_dns,
        "secretsmanager",
        blocked("NO_ENDPOINT_ACCESS", "endpoint"),
    ),
    case(
        "interface-endpoint-private-dns-off-with-nat--reachable-via-nat",
        secretsmanager_endpoint_without_private_dns_but_nat,
        "secretsmanager",
        ok(via="nat-gateway"),
    ),
    case(
        "interface-endpoint-for-secretsmanager-not-for-sqs--NO_ROUTE",
        secretsmanager_endpoint_admits_vpc_on_443,
        "sqs",
        blocked("NO_ROUTE", "rtb"),
    ),
    case(
        "interface-endpoint-subnet-nacl-denies-443--NACL_INBOUND",
        secretsmanager_endpoint_subnet_nacl_denies_443,
        "secretsmanager",
        blocked("NACL_INBOUND", "nacl"),
    ),
    # security groups
    case("sg-egress-only-5432--internet--SG_EGRESS", egress_only_5432_with_nat, "internet", blocked("SG_EGRESS", "sg")),
    case(
        "sg-egress-only-443--internet-port-80--SG_EGRESS",
        egress_only_443_with_nat,
        "internet:80",
        blocked("SG_EGRESS", "sg"),
    ),
    case("sg-egress-only-443--internet--reachable", egress_only_443_with_nat, "internet", ok(via="nat-gateway")),
    case("sg-egress-removed--s3--SG_EGRESS", egress_removed_with_s3_endpoint, "s3", blocked("SG_EGRESS", "sg")),
    case(
        "sg-egress-to-s3-prefix-list--s3--reachable",
        egress_to_s3_prefix_list_with_both_endpoints,
        "s3",
        ok(via="gateway-endpoint"),
    ),
    case(
        "sg-egress-to-s3-prefix-list--dynamodb--SG_EGRESS",
        egress_to_s3_prefix_list_with_both_endpoints,
        "dynamodb",
        blocked("SG_EGRESS", "sg"),
    ),
    case("db-ingress-from-function-group--reachable", db_admits_function_group, DB, ok(via="local")),
    case(
        "db-ingress-cidr-of-other-subnet--SG_INGRESS", db_admits_other_subnet_cidr, DB, blocked("SG_INGRESS", "db_sg")
    ),
    case(
        "db-ingress-cidr-half-of-function-subnet--SG_INGRESS",
        db_admits_half_of_function_subnet,
        DB,
        blocked("SG_INGRESS", "db_sg"),
    ),
    case("db-ingress-cidr-of-vpc--reachable", db_admits_vpc_cidr, DB, ok(via="local")),
    case("db-ingress-only-3306--port-5432--SG_INGRESS", db_admits_only_3306, DB, blocked("SG_INGRESS", "db_sg")),
    case("sg-egress-5432-to-db-group--reachable", egress_5432_to_db_group, DB, ok(via="local")),
    case(
        "sg-egress-5432-to-unrelated-group--SG_EGRESS", egress_5432_to_unrelated_group, DB, blocked("SG_EGRESS", "sg")
    ),
    # network ACLs
    case(
        "nacl-outbound-denies-all--NACL_OUTBOUND",
        nacl_outbound_denies_all,
        "internet",
        blocked("NACL_OUTBOUND", "nacl"),
    ),
    case(
        "nacl-inbound-only-443-no-ephemeral-ports--NACL_INBOUND",
        nacl_inbound_allows_only_443,
        "internet",
        blocked("NACL_INBOUND", "nacl"),
    ),
    case(
        "nacl-inbound-32768-65535-too-narrow-for-lambda--NACL_INBOUND",
        nacl_inbound_allows_32768_65535,
        "internet",
        blocked("NACL_INBOUND", "nacl"),
    ),
    case(
        "nacl-outbound-443-inbound-1024-65535--reachable",
        nacl_outbound_443_inbound_1024_65535,
        "internet",
        ok(via="nat-gateway"),
    ),
    case(
        "nacl-lower-numbered-deny-before-allow--NACL_OUTBOUND",
        nacl_deny_443_before_allow_all,
        "internet",
        blocked("NACL_OUTBOUND", "nacl"),
    ),
    case(
        "nacl-lower-numbered-allow-before-deny--reachable",
        nacl_allow_443_before_deny_all,
        "internet",
        ok(via="nat-gateway"),
    ),
    case(
        "custom-nacl-without-entries--NACL_OUTBOUND",
        custom_nacl_without_entries,
        "internet",
        blocked("NACL_OUTBOUND", "nacl"),
    ),
    case(
        "same-subnet-db-not-subject-to-nacl--reachable",
        db_in_same_subnet_behind_empty_nacl,
        "10.0.1.200:5432",
        ok(via="local"),
    ),
    case(
        "other-subnet-db-behind-empty-nacl--NACL_INBOUND",
        db_in_other_subnet_behind_empty_nacl,
        DB,
        blocked("NACL_INBOUND", "nacl"),
    ),
    case(
        "nat-subnet-nacl-inbound-32768-65535-too-narrow-for-nat--NACL_INBOUND",
        nat_subnet_nacl_inbound_32768_65535,
        "internet",
        blocked("NACL_INBOUND", "nat_nacl"),
    ),
    case(
        "nat-subnet-nacl-inbound-1024-65535--reachable",
        nat_subnet_nacl_inbound_1024_65535,
        "internet",
        ok(via="nat-gateway"),
    ),
    case(
        "db-subnet-nacl-no-ephemeral-outbound--NACL_OUTBOUND",
        db_subnet_nacl_without_ephemeral_outbound,
        DB,
        blocked("NACL_OUTBOUND", "db_nacl"),
    ),
    case("db-subnet-nacl-ephemeral-outbound--reachable", db_subnet_nacl_with_ephemeral_outbound, DB, ok(via="local")),
    case(
        "db-subnet-nacl-denies-5432-inbound--NACL_INBOUND",
        db_subnet_nacl_denies_5432_inbound,
        DB,
        blocked("NACL_INBOUND", "db_nacl"),
    ),
    # peering
    case("peering-routes-both-ways--reachable", peering_with_routes_both_ways, "10.1.1.10:5432", ok()),
    case(
        "peering-missing-return-route--NO_ROUTE",
        peering_without_return_route,
        "10.1.1.10:5432",
        blocked("NO_ROUTE", "peer_rtb"),
    ),
    case(
        "peering-missing-route-there--NO_ROUTE",
        peering_without_route_there,
        "10.1.1.10:5432",
        blocked("NO_ROUTE", "rtb"),
    ),
    case(
        "private-ip-of-peer-via-nat-default-route--NO_ROUTE",
        peering_without_route_there_but_nat_default,
        "10.1.1.10:5432",
        blocked("NO_ROUTE", "rtb"),
    ),
    case(
        "public-ip-via-same-nat--reachable",
        peering_without_route_there_but_nat_default,
        PUBLIC_IP,
        ok(via="nat-gateway"),
    ),
    case(
        "peering-never-accepted--BLACKHOLE_ROUTE",
        peering_never_accepted,
        "10.1.1.10:5432",
        blocked("BLACKHOLE_ROUTE", "rtb"),
    ),
    case("peering-deleted--BLACKHOLE_ROUTE", peering_deleted, "10.1.1.10:5432", blocked("BLACKHOLE_ROUTE", "rtb")),
    case("peering-not-transitive--NO_ROUTE", peering_chain_to_third_vpc, "10.2.1.10:5432", blocked("NO_ROUTE", "pcx")),
    case(
        "no-internet-through-peering--NO_ROUTE",
        default_route_through_peering_to_nat,
        "internet",
        blocked("NO_ROUTE", "pcx"),
    ),
    # a function without VPC configuration
    case("no-vpc--internet--reachable", function_without_vpc, "internet", ok(subnet=None)),
    case("no-vpc--s3--reachable", function_without_vpc, "s3", ok(subnet=None)),
    case("no-vpc--dynamodb--reachable", function_without_vpc, "dynamodb", ok(subnet=None)),
    case("no-vpc--sqs--reachable", function_without_vpc, "sqs", ok(subnet=None)),
    case(
        "no-vpc--private-ip-in-vpc--NO_ROUTE",
        function_without_vpc,
        DB,
        blocked("NO_ROUTE", "fn", subnet=None),
        check_hops=False,
    ),
    # the AWS guide's sample networks
    case(
        "aws-sample-private--s3--reachable",
        aws_sample_private,
        "s3",
        ok("subnet_a", via="gateway-endpoint"),
        ok("subnet_b", via="gateway-endpoint"),
    ),
    case(
        "aws-sample-private--dynamodb--reachable",
        aws_sample_private,
        "dynamodb",
        ok("subnet_a", via="gateway-endpoint"),
        ok("subnet_b", via="gateway-endpoint"),
    ),
    case(
        "aws-sample-private--internet--NO_ROUTE",
        aws_sample_private,
        "internet",
        blocked("NO_ROUTE", "private_rtb", "subnet_a"),
        blocked("NO_ROUTE", "private_rtb", "subnet_b"),
    ),
    case(
        "aws-sample-private-public--internet--reachable-via-nat",
        aws_sample_private_public,
        "internet",
        ok("subnet_a", via="nat-gateway"),
        ok("subnet_b", via="nat-gateway"),
    ),
    case(
        "aws-sample-private-public--s3--reachable-via-endpoint",
        aws_sample_private_public,
        "s3",
        ok("subnet_a", via="gateway-endpoint"),
        ok("subnet_b", via="gateway-endpoint"),
    ),
    # several subnets, explicit sources
    case(
        "two-subnets-only-one-routes-to-nat--not-reachable",
        two_subnets_one_routes_to_nat,
        "internet",
        ok("subnet", via="nat-gateway"),
        blocked("NO_ROUTE", "rtb_b", "subnet_b"),
    ),
    case(
        "two-subnets-both-route-to-nat--reachable",
        two_subnets_both_route_to_nat,
        "internet",
        ok("subnet", via="nat-gateway"),
        ok("subnet_b", via="nat-gateway"),
    ),
    case(
        "explicit-subnet-and-group--internet--reachable",
        nat_in_public_subnet,
        "internet",
        ok(via="nat-gateway"),
        source=EXPLICIT,
    ),
    case(
        "explicit-subnet-and-group--sg-egress-only-5432--SG_EGRESS",
        egress_only_5432_with_nat,
        "internet",
        blocked("SG_EGRESS", "sg"),
        source=EXPLICIT,
    ),
]


# ------------------------------------------------------------------------------------------- running


def _run(session, c: Case):
    b = AccountBuilder(session)
    h = c.build(b)
    topo = lk.Topology.from_boto3(session)
    if c.source == "fn":
        t = lk.trace(topo, source=h["fn"], destination=c.destination)
    else:
        subnet, groups = c.source
        t = lk.trace(topo, source=h[subnet], destination=c.destination, security_groups=[h[g] for g in groups])
    return h, topo, t


@pytest.mark.parametrize("c", CASES)
def test_trace_case(session, c: Case):
    h, topo, t = _run(session, c)
    text = str(t)

    assert len(t.paths) == len(c.expects), text
    by_subnet = {p.subnet_id: p for p in t.paths}
    for e in c.expects:
        subnet_id = h[e.subnet] if e.subnet else None
        assert subnet_id in by_subnet, f"no path from {e.subnet} ({subnet_id}):\n{text}"
        path = by_subnet[subnet_id]
        assert path.reachable is e.reachable, text
        if e.reachable:
            assert path.blocked_by is None
            assert all(hop.ok for hop in path.hops), text
            if e.via:
                assert path.via == e.via, text
        else:
            expected_ids = {h[a] for a in ((e.at,) if isinstance(e.at, str) else e.at)}
            assert path.blocked_by.code is BlockerCode(e.code), text
            assert path.blocked_by.resource_id in expected_ids, text
            if c.check_hops:  # the path shows where it stops (results: "the first hop that stops traffic")
                assert any(not hop.ok for hop in path.hops), text
            # the explanation names the blocker
            assert e.code in text and path.blocked_by.resource_id in text, text
            assert path.blocked_by.message

    assert t.reachable is all(e.reachable for e in c.expects)
    assert bool(t) is t.reachable
    if t.reachable:
        assert t.blocked_by is None
    else:
        assert t.blocked_by is not None and t.blocked_by.code.value in text
    assert (
        lk.can_reach(topo, source=_source_of(h, c), destination=c.destination, security_groups=_groups_of(h, c))
        is t.reachable
    )


def _source_of(h, c: Case):
    return h["fn"] if c.source == "fn" else h[c.source[0]]


def _groups_of(h, c: Case):
    return None if c.source == "fn" else [h[g] for g in c.source[1]]


@pytest.mark.parametrize(
    "build, destination",
    [
        pytest.param(db_admits_vpc_cidr, "10.0.200.5:5432", id="vpc-address-outside-every-subnet"),
        pytest.param(function_without_vpc, DB, id="no-vpc-function-to-private-ip"),
    ],
)
def test_blocked_path_marks_the_failing_hop(session, build, destination):
    h = build(AccountBuilder(session))
    t = lk.trace(lk.Topology.from_boto3(session), source=h["fn"], destination=destination)
    (path,) = t.paths
    assert path.blocked_by is not None
    assert any(not hop.ok for hop in path.hops), str(t)


def test_two_subnets_paths_differ_and_summary_says_so(session):
    h, _, t = _run(session, Case(two_subnets_one_routes_to_nat, "internet", ()))
    assert t.reachable is False
    assert {p.subnet_id: p.reachable for p in t.paths} == {h["subnet"]: True, h["subnet_b"]: False}
    assert t.blocked_by.code is BlockerCode.NO_ROUTE and t.blocked_by.resource_id == h["rtb_b"]
    assert "1 of its 2 subnets" in t.summary()


# ---------------------------------------------------------------------- describe order doesn't matter


def _shuffled(topo: lk.Topology, seed: int) -> lk.Topology:
    rng = random.Random(seed)

    def mix(items):
        items = list(items)
        rng.shuffle(items)
        return tuple(items)

    fields = {}
    for f in dataclasses.fields(topo):
        value = getattr(topo, f.name)
        if isinstance(value, tuple):
            if f.name == "route_tables":
                value = tuple(
                    dataclasses.replace(rt, routes=mix(rt.routes), subnet_ids=mix(rt.subnet_ids)) for rt in value
                )
            if f.name == "network_acls":
                value = tuple(
                    dataclasses.replace(n, entries=mix(n.entries), subnet_ids=mix(n.subnet_ids)) for n in value
                )
            value = mix(value)
        fields[f.name] = value
    return lk.Topology(**fields)


ORDER_CASES = [
    pytest.param(aws_sample_private_public, "internet", id="sample-private-public-internet"),
    pytest.param(aws_sample_private, "internet", id="sample-private-internet"),
    pytest.param(two_subnets_one_routes_to_nat, "internet", id="two-subnets"),
    pytest.param(more_specific_route_to_deleted_nat_over_working_default, PUBLIC_IP, id="longest-prefix"),
    pytest.param(peering_without_return_route, "10.1.1.10:5432", id="peering"),
    pytest.param(nacl_deny_443_before_allow_all, "internet", id="nacl-order"),
    pytest.param(secretsmanager_endpoint_admits_vpc_on_443, "secretsmanager", id="interface-endpoint"),
    pytest.param(db_admits_function_group, DB, id="db-by-group"),
]


@pytest.mark.parametrize("build, destination", ORDER_CASES)
def test_trace_does_not_depend_on_describe_order(session, build, destination):
    h = build(AccountBuilder(session))
    topo = lk.Topology.from_boto3(session)
    expected = lk.trace(topo, source=h["fn"], destination=destination).to_dict()
    for seed in range(3):
        again = _shuffled(topo, seed)
        assert lk.trace(again, source=h["fn"], destination=destination).to_dict() == expected


# ------------------------------------------------------------- the same sample networks, via lk.samples

SAMPLE_CASES = [
    # (sample builder, destination, reachable, blocker code, blocking resource key in the returned ids, via)
    pytest.param("build_private", "s3", True, None, None, "gateway-endpoint", id="private-s3"),
    pytest.param("build_private", "dynamodb", True, None, None, "gateway-endpoint", id="private-dynamodb"),
    pytest.param("build_private", "internet", False, "NO_ROUTE", "private_route_table_id", None, id="private-internet"),
    pytest.param("build_private", "sqs", False, "NO_ROUTE", "private_route_table_id", None, id="private-sqs"),
    pytest.param("build_private_public", "internet", True, None, None, "nat-gateway", id="private-public-internet"),
    pytest.param("build_private_public", "s3", True, None, None, "gateway-endpoint", id="private-public-s3"),
    pytest.param("build_private_public", "sqs", True, None, None, "nat-gateway", id="private-public-sqs"),
]


@pytest.mark.parametrize("builder, destination, reachable, code, at, via", SAMPLE_CASES)
def test_aws_guide_sample_networks(session, builder, destination, reachable, code, at, via):
    ids = getattr(lk.samples, builder)(session)
    lk.samples.create_function(session, "fn", ids["private_subnet_ids"], [ids["security_group_id"]])
    t = lk.trace(lk.Topology.from_boto3(session), source="fn", destination=destination)
    assert sorted(p.subnet_id for p in t.paths) == sorted(ids["private_subnet_ids"])
    assert t.reachable is reachable
    for path in t.paths:
        if reachable:
            assert path.blocked_by is None and path.via == via, str(t)
        else:
            assert (path.blocked_by.code.value, path.blocked_by.resource_id) == (code, ids[at]), str(t)
            assert code in str(t)
