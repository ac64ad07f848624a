"""Small pure helpers of the model: route target kinds, protocol numbers and names, port text, service names, masks."""

from __future__ import annotations

#: Route target kinds. ``local`` is the VPC's own range; the others name the resource a route sends to.
TARGET_KINDS = (
    "local",  # within the VPC
    "igw",  # internet gateway
    "nat",  # NAT gateway
    "vpce",  # gateway VPC endpoint (S3, DynamoDB)
    "pcx",  # VPC peering connection
    "eni",  # a network interface (e.g. a NAT instance or an appliance)
    "instance",  # an EC2 instance
    "tgw",  # transit gateway
    "vgw",  # virtual private gateway (VPN)
    "eigw",  # egress-only internet gateway (IPv6 only)
    "other",  # carrier gateway, local gateway, core network…
)


def service_short_name(service_name: str) -> str:
    """``com.amazonaws.us-east-1.s3`` → ``s3``; ``com.amazonaws.us-east-1.ecr.api`` → ``ecr.api``.

    >>> service_short_name("com.amazonaws.eu-west-1.dynamodb")
    'dynamodb'
    >>> service_short_name("com.amazonaws.us-east-1.ecr.dkr")
    'ecr.dkr'
    >>> service_short_name("s3")
    's3'
    """
    parts = service_name.split(".")
    if len(parts) >= 4 and parts[0] in ("com", "cn") and parts[1].startswith("amazonaws"):
        return ".".join(parts[3:])
    return service_name


_PROTOCOL_NAMES = {
    "-1": "all traffic",
    "6": "tcp",
    "17": "udp",
    "1": "icmp",
    "tcp": "tcp",
    "udp": "udp",
    "icmp": "icmp",
}
_PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "all": "-1"}


def protocol_number(protocol: str | int) -> str:
    """Normalise a protocol to AWS's numeric string ("-1" for all).

    >>> protocol_number("tcp"), protocol_number(6), protocol_number("-1"), protocol_number("ALL")
    ('6', '6', '-1', '-1')
    """
    p = str(protocol).lower()
    return _PROTOCOL_NUMBERS.get(p, p)


def protocol_name(protocol: str | int) -> str:
    p = str(protocol).lower()
    return _PROTOCOL_NAMES.get(p, f"protocol {p}")


def port_text(protocol: str, from_port: int | None, to_port: int | None) -> str:
    if protocol_number(protocol) == "-1" or from_port is None or (from_port == 0 and to_port == 65535):
        return "all ports"
    if from_port == -1:
        return "all ports"
    return f"port {from_port}" if from_port == to_port else f"ports {from_port}-{to_port}"


def prefix_mask(prefixlen: int) -> int:
    """The IPv4 netmask of a prefix length, as an int (the one mask of labkit's CIDR arithmetic).

    >>> hex(prefix_mask(24)), prefix_mask(0), prefix_mask(32) == 0xFFFFFFFF
    ('0xffffff00', 0, True)
    """
    return (0xFFFFFFFF << (32 - prefixlen)) & 0xFFFFFFFF
