"""Describe output → model objects: ``build_topology`` and one converter per AWS resource kind.

Pure functions over the dicts boto3 returns (no client, no boto3 import): the importer collects the
answers, this module turns them into a ``Topology`` in a canonical order. See ``labkit.vpc.importer``
for what is kept and what is left out.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from labkit.vpc.model import (
    InternetGateway,
    LambdaFunction,
    NaclEntry,
    NatGateway,
    NetworkAcl,
    NetworkInterface,
    PeeringConnection,
    PrefixList,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Topology,
    Vpc,
    VpcEndpoint,
)

__all__ = ["build_topology", "route_from_aws", "sg_rules_from_aws"]


def build_topology(
    responses: Mapping[str, Iterable[Mapping]], *, region: str = "us-east-1", account_id: str = ""
) -> Topology:
    """A ``Topology`` from describe output: ``responses`` maps each list key of ``IMPORT_CALLS``
    ("Vpcs", "Subnets", …, "Functions") to its items. Missing keys mean "none of those".

    >>> topo = build_topology({
    ...     "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
    ...     "Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"}],
    ...     "Functions": [{"FunctionName": "f", "VpcConfig": {"SubnetIds": ["subnet-1"], "VpcId": "vpc-123abc"}}],
    ... })
    >>> topo.function("f").vpc_id, topo.subnet("subnet-1").cidr
    ('vpc-1', '10.0.1.0/24')
    """
    r = {k: list(v) for k, v in responses.items()}
    subnets = tuple(_subnet(s) for s in r.get("Subnets", ()))
    vpcs = tuple(_vpc(v) for v in r.get("Vpcs", ()))
    vpc_of_subnet = {s.id: s.vpc_id for s in subnets}
    vpc_ids = {v.id for v in vpcs}
    return Topology(
        vpcs=vpcs,
        subnets=subnets,
        route_tables=tuple(_route_table(t) for t in r.get("RouteTables", ())),
        internet_gateways=tuple(_igw(g) for g in r.get("InternetGateways", ())),
        nat_gateways=tuple(_nat(n) for n in r.get("NatGateways", ())),
        vpc_endpoints=tuple(_endpoint(e) for e in r.get("VpcEndpoints", ())),
        security_groups=tuple(_security_group(g) for g in r.get("SecurityGroups", ())),
        network_acls=tuple(_nacl(a) for a in r.get("NetworkAcls", ())),
        peering_connections=tuple(_peering(p) for p in r.get("VpcPeeringConnections", ())),
        network_interfaces=tuple(_eni(e) for e in r.get("NetworkInterfaces", ())),
        prefix_lists=tuple(_prefix_list(p) for p in r.get("PrefixLists", ())),
        functions=tuple(_function(f, vpc_of_subnet, vpc_ids) for f in r.get("Functions", ())),
        region=region,
        account_id=account_id,
        meta={"source": "boto3"},
    )


def _name(item: Mapping) -> str:
    for tag in item.get("Tags") or item.get("TagSet") or ():
        if tag.get("Key") == "Name":
            return tag.get("Value", "") or ""
    return ""


def _ids(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if v}))


def _cidr_key(cidr: str) -> tuple[int, int, int]:
    n = ipaddress.ip_network(cidr, strict=False)
    return (n.version, int(n.network_address), n.prefixlen)


def _cidrs(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({c for c in values if c}, key=_cidr_key))


def _vpc(v: Mapping) -> Vpc:
    primary = v.get("CidrBlock", "")
    secondary = [
        a.get("CidrBlock")
        for a in v.get("CidrBlockAssociationSet") or ()
        if (a.get("CidrBlockState") or {}).get("State", "associated") == "associated" and a.get("CidrBlock") != primary
    ]
    return Vpc(
        id=v["VpcId"],
        cidr_blocks=((primary,) if primary else ()) + _cidrs(secondary),
        instance_tenancy=v.get("InstanceTenancy", "default") or "default",
        is_default=bool(v.get("IsDefault", False)),
        state=v.get("State", "available") or "available",
        name=_name(v),
    )


def _subnet(s: Mapping) -> Subnet:
    count = s.get("AvailableIpAddressCount")
    return Subnet(
        id=s["SubnetId"],
        vpc_id=s.get("VpcId", ""),
        cidr=s.get("CidrBlock", ""),
        availability_zone=s.get("AvailabilityZone", "") or "",
        map_public_ip_on_launch=bool(s.get("MapPublicIpOnLaunch", False)),
        available_ip_count=int(count) if count is not None else None,
        name=_name(s),
    )


# Route targets: (response key, kind), checked in this order. A route through a NAT instance names
# both the instance and its network interface: the instance wins.
_TARGET_KEYS = (
    ("NatGatewayId", "nat"),
    ("VpcPeeringConnectionId", "pcx"),
    ("TransitGatewayId", "tgw"),
    ("EgressOnlyInternetGatewayId", "eigw"),
    ("InstanceId", "instance"),
    ("NetworkInterfaceId", "eni"),
    ("GatewayId", None),  # kind from the id's prefix
    ("CarrierGatewayId", "other"),
    ("LocalGatewayId", "other"),
    ("CoreNetworkArn", "other"),
)
_GATEWAY_PREFIXES = (("igw-", "igw"), ("vpce-", "vpce"), ("vgw-", "vgw"), ("eigw-", "eigw"), ("nat-", "nat"))


def _target(r: Mapping) -> tuple[str, str]:
    for key, kind in _TARGET_KEYS:
        value = r.get(key)
        if not value:
            continue
        if kind is None:
            if value == "local":
                return "local", "local"
            kind = next((k for p, k in _GATEWAY_PREFIXES if value.startswith(p)), "other")
        return kind, value
    return "other", ""


def route_from_aws(r: Mapping) -> Route | None:
    """One entry of ``RouteTables[].Routes`` as a ``Route``; ``None`` for an IPv6-only route.

    >>> route_from_aws({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "State": "active"})
    Route(destination='0.0.0.0/0', target_kind='nat', target_id='nat-1', state='active', origin='CreateRoute')
    >>> route_from_aws({"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1"}).target_kind
    'vpce'
    >>> route_from_aws({"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}).target_kind
    'local'
    >>> route_from_aws({"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-1"}) is None
    True
    """
    destination = r.get("DestinationCidrBlock") or r.get("DestinationPrefixListId")
    if not destination:
        return None
    kind, target = _target(r)
    return Route(
        destination,
        kind,
        target,
        state=r.get("State", "active") or "active",
        origin=r.get("Origin", "CreateRoute") or "CreateRoute",
    )


def _route_key(route: Route) -> tuple:
    n = route.network
    if n is None:  # a prefix-list route
        return (1, 0, 0, route.destination, route.target_id)
    return (0, -n.prefixlen, int(n.network_address), route.destination, route.target_id)


def _route_table(t: Mapping) -> RouteTable:
    routes = (route_from_aws(r) for r in t.get("Routes") or ())
    associations = [
        a
        for a in t.get("Associations") or ()
        if (a.get("AssociationState") or {}).get("State", "associated") in ("associated", "associating")
    ]
    return RouteTable(
        id=t["RouteTableId"],
        vpc_id=t.get("VpcId", ""),
        routes=tuple(sorted((r for r in routes if r is not None), key=_route_key)),
        subnet_ids=_ids(a.get("SubnetId") for a in associations),
        is_main=any(a.get("Main") for a in associations),
        name=_name(t),
    )


def _igw(g: Mapping) -> InternetGateway:
    attached = (a.get("VpcId") for a in g.get("Attachments") or () if a.get("State") in ("available", "attached"))
    return InternetGateway(id=g["InternetGatewayId"], attached_vpc_ids=_ids(attached), name=_name(g))


def _nat(n: Mapping) -> NatGateway:
    addresses = sorted(
        n.get("NatGatewayAddresses") or (),
        key=lambda a: (not a.get("IsPrimary", False), a.get("PrivateIp") or "", a.get("PublicIp") or ""),
    )
    first = addresses[0] if addresses else {}
    return NatGateway(
        id=n["NatGatewayId"],
        vpc_id=n.get("VpcId", ""),
        subnet_id=n.get("SubnetId", ""),
        state=n.get("State", "available") or "available",
        connectivity_type=n.get("ConnectivityType", "public") or "public",
        public_ip=first.get("PublicIp"),
        private_ip=first.get("PrivateIp"),
        name=_name(n),
    )


def _endpoint(e: Mapping) -> VpcEndpoint:
    return VpcEndpoint(
        id=e["VpcEndpointId"],
        vpc_id=e.get("VpcId", ""),
        service_name=e.get("ServiceName", ""),
        endpoint_type=e.get("VpcEndpointType", "Gateway") or "Gateway",
        state=(e.get("State") or "available").lower(),
        route_table_ids=_ids(e.get("RouteTableIds") or ()),
        subnet_ids=_ids(e.get("SubnetIds") or ()),
        security_group_ids=_ids(g.get("GroupId") for g in e.get("Groups") or ()),
        private_dns_enabled=bool(e.get("PrivateDnsEnabled", False)),
        network_interface_ids=_ids(e.get("NetworkInterfaceIds") or ()),
        name=_name(e),
    )


def _rule_key(rule: SgRule) -> tuple:
    # Same protocol and ports together; then CIDRs (by address), prefix lists, groups.
    if rule.cidr:
        peer = (0, _cidr_key(rule.cidr), rule.cidr)
    else:
        peer = (1, (0, 0, 0), rule.prefix_list_id) if rule.prefix_list_id else (2, (0, 0, 0), rule.group_id or "")
    return (
        rule.protocol,
        rule.from_port if rule.from_port is not None else -2,
        rule.to_port if rule.to_port is not None else -2,
        peer,
        rule.description,
    )


def sg_rules_from_aws(permissions: Iterable[Mapping]) -> tuple[SgRule, ...]:
    """Flatten ``IpPermissions`` (or ``IpPermissionsEgress``) into one ``SgRule`` per peer: each IPv4 CIDR,
    each prefix list, each referenced group. IPv6 ranges are skipped. The result is sorted.

    >>> rules = sg_rules_from_aws([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
    ...     "IpRanges": [{"CidrIp": "10.0.0.0/16"}], "UserIdGroupPairs": [{"GroupId": "sg-1"}],
    ...     "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    >>> [str(r) for r in rules]
    ['tcp port 443 10.0.0.0/16', 'tcp port 443 sg-1']
    """
    rules = []
    for p in permissions:
        proto = str(p.get("IpProtocol", "-1")).lower()
        ports = {"from_port": p.get("FromPort"), "to_port": p.get("ToPort")}
        if proto == "-1":
            ports = {"from_port": None, "to_port": None}
        for rng in p.get("IpRanges") or ():
            if rng.get("CidrIp"):
                rules.append(SgRule(proto, cidr=rng["CidrIp"], description=rng.get("Description", "") or "", **ports))
        for pl in p.get("PrefixListIds") or ():
            if pl.get("PrefixListId"):
                rules.append(
                    SgRule(
                        proto, prefix_list_id=pl["PrefixListId"], description=pl.get("Description", "") or "", **ports
                    )
                )
        for pair in p.get("UserIdGroupPairs") or ():
            if pair.get("GroupId"):
                rules.append(
                    SgRule(proto, group_id=pair["GroupId"], description=pair.get("Description", "") or "", **ports)
                )
    return tuple(sorted(rules, key=_rule_key))


def _security_group(g: Mapping) -> SecurityGroup:
    return SecurityGroup(
        id=g["GroupId"],
        vpc_id=g.get("VpcId", ""),
        name=g.get("GroupName", "") or "",
        ingress=sg_rules_from_aws(g.get("IpPermissions") or ()),
        egress=sg_rules_from_aws(g.get("IpPermissionsEgress") or ()),
    )


def _nacl(a: Mapping) -> NetworkAcl:
    entries = []
    for e in a.get("Entries") or ():
        if not e.get("CidrBlock"):  # IPv6 entry
            continue
        ports = e.get("PortRange") or {}
        entries.append(
            NaclEntry(
                rule_number=int(e.get("RuleNumber", 32767)),
                egress=bool(e.get("Egress", False)),
                action=(e.get("RuleAction") or "deny").lower(),
                protocol=str(e.get("Protocol", "-1")),
                cidr=e["CidrBlock"],
                from_port=ports.get("From"),
                to_port=ports.get("To"),
            )
        )
    return NetworkAcl(
        id=a["NetworkAclId"],
        vpc_id=a.get("VpcId", ""),
        entries=tuple(sorted(entries, key=lambda e: (e.egress, e.rule_number, e.cidr))),
        subnet_ids=_ids(s.get("SubnetId") for s in a.get("Associations") or ()),
        is_default=bool(a.get("IsDefault", False)),
        name=_name(a),
    )


def _vpc_info_cidrs(info: Mapping) -> tuple[str, ...]:
    cidrs = [c.get("CidrBlock") for c in info.get("CidrBlockSet") or ()]
    return _cidrs(cidrs + [info.get("CidrBlock")])


def _peering(p: Mapping) -> PeeringConnection:
    requester, accepter = p.get("RequesterVpcInfo") or {}, p.get("AccepterVpcInfo") or {}
    return PeeringConnection(
        id=p["VpcPeeringConnectionId"],
        requester_vpc_id=requester.get("VpcId", ""),
        accepter_vpc_id=accepter.get("VpcId", ""),
        status=(p.get("Status") or {}).get("Code", "active") or "active",
        requester_cidrs=_vpc_info_cidrs(requester),
        accepter_cidrs=_vpc_info_cidrs(accepter),
        name=_name(p),
    )


def _eni(e: Mapping) -> NetworkInterface:
    addresses = e.get("PrivateIpAddresses") or ()
    primary = next((a.get("PrivateIpAddress") for a in addresses if a.get("Primary")), None)
    primary = primary or e.get("PrivateIpAddress")
    others = sorted(
        {a.get("PrivateIpAddress") for a in addresses if a.get("PrivateIpAddress")} - {primary},
        key=lambda ip: int(ipaddress.ip_address(ip)),
    )
    return NetworkInterface(
        id=e["NetworkInterfaceId"],
        subnet_id=e.get("SubnetId", ""),
        vpc_id=e.get("VpcId", ""),
        private_ips=((primary,) if primary else ()) + tuple(others),
        security_group_ids=_ids(g.get("GroupId") for g in e.get("Groups") or ()),
        interface_type=e.get("InterfaceType", "interface") or "interface",
        description=e.get("Description", "") or "",
        requester_id=e.get("RequesterId", "") or "",
        public_ip=(e.get("Association") or {}).get("PublicIp"),
        status=e.get("Status", "in-use") or "in-use",
    )


def _prefix_list(p: Mapping) -> PrefixList:
    return PrefixList(id=p["PrefixListId"], name=p.get("PrefixListName", "") or "", cidrs=_cidrs(p.get("Cidrs") or ()))


def _function(f: Mapping, vpc_of_subnet: Mapping[str, str], vpc_ids: set[str]) -> LambdaFunction:
    config = f.get("VpcConfig") or {}
    subnet_ids = _ids(config.get("SubnetIds") or ())
    vpc_id = None
    if subnet_ids:
        vpc_id = next((vpc_of_subnet[s] for s in subnet_ids if s in vpc_of_subnet), None)
        if vpc_id is None and config.get("VpcId") in vpc_ids:
            vpc_id = config["VpcId"]
    return LambdaFunction(
        name=f["FunctionName"],
        arn=f.get("FunctionArn", "") or "",
        subnet_ids=subnet_ids,
        security_group_ids=_ids(config.get("SecurityGroupIds") or ()),
        vpc_id=vpc_id,
        state=f.get("State"),
        runtime=f.get("Runtime"),
    )
