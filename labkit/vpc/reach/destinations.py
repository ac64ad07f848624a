"""The two ends of a trace: AWS service names and aliases, destination parsing, source resolution.

>>> from labkit.vpc.model import Topology
>>> parse_destination(Topology(), "Secrets-Manager").service, parse_destination(Topology(), "internet:80").port
('secretsmanager', 80)
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from labkit.errors import shown
from labkit.vpc.databases import Database, split_name
from labkit.vpc.errors import DestinationError, SourceError
from labkit.vpc.model import LambdaFunction, Topology, service_short_name

#: AWS services a destination may name (short endpoint names). Any service that has a VPC endpoint in
#: the topology is accepted too.
KNOWN_SERVICES = frozenset(
    """
s3 dynamodb sqs sns sts kms secretsmanager ssm ssmmessages ec2messages ec2 logs monitoring events
lambda states execute-api ecr.api ecr.dkr ecs kinesis-streams kinesis-firehose firehose rds rds-data
elasticache athena glue sagemaker.api sagemaker.runtime bedrock bedrock-runtime appconfig appconfigdata
cloudformation codebuild codecommit codepipeline config elasticloadbalancing autoscaling xray email-smtp
ses textract comprehend rekognition translate polly transcribe elasticfilesystem backup servicecatalog
redshift redshift-data es aoss airflow.api mq pipes scheduler synthetics iot.data cognito-idp
""".split()
)

#: Other names people use for a service → its endpoint name.
SERVICE_ALIASES = {
    "secrets-manager": "secretsmanager",
    "cloudwatch": "monitoring",
    "cloudwatch-logs": "logs",
    "eventbridge": "events",
    "step-functions": "states",
    "stepfunctions": "states",
    "api-gateway": "execute-api",
    "dynamo": "dynamodb",
    "kinesis": "kinesis-streams",
}

ACCEPTED_DESTINATIONS = (
    '"internet" (or "internet:PORT"), an AWS service name such as "s3", "dynamodb", "sqs", '
    '"secretsmanager", "IP:PORT" such as "10.0.2.15:5432", or a database by name: "rds:DB_INSTANCE_ID" or '
    '"elasticache:CACHE_CLUSTER_OR_REPLICATION_GROUP_ID"'
)


@dataclass(frozen=True)
class Source:
    """Where a trace starts: subnets and security groups (none: outside any VPC)."""

    label: str
    subnet_ids: tuple[str, ...]
    group_ids: tuple[str, ...]
    vpc_id: str | None


@dataclass(frozen=True)
class Dest:
    """Where a trace goes (protocol tcp): the internet, a service's endpoint, or one address."""

    label: str
    kind: str  # "internet" | "service" | "ip"
    port: int
    service: str | None = None
    ip: ipaddress.IPv4Address | None = None
    database: Database | None = None  # "rds:NAME" / "elasticache:NAME": an address in its subnet, its groups


def parse_port(text: str, destination: object) -> int:
    """A port written with ASCII digits only, from 1 to 65535.

    >>> parse_port("443", "internet:443")
    443
    >>> parse_port("+80", "10.0.0.5:+80")
    Traceback (most recent call last):
    ...
    labkit.vpc.errors.DestinationError: '10.0.0.5:+80': the port must be a number from 1 to 65535 (digits 0-9 only), got '+80'.
    """
    port = int(text) if text.isascii() and text.isdigit() and len(text) <= 5 else -1
    if not 1 <= port <= 65535:
        raise DestinationError(
            f"{shown(destination)}: the port must be a number from 1 to 65535 (digits 0-9 only), got {shown(text)}."
        )
    return port


def parse_destination(topo: Topology, destination: object) -> Dest:
    """Read a destination string (see ``ACCEPTED_DESTINATIONS``); raise ``DestinationError`` with the fix."""
    if not isinstance(destination, str) or not destination.strip():
        raise DestinationError(
            f"Empty or non-text destination {shown(destination)}. Accepted: {ACCEPTED_DESTINATIONS}."
        )
    text = destination.strip()
    low = text.lower()
    named = split_name(text)
    if named is not None:
        db = topo.database(*named)
        subnet = topo.subnet_or_none(db.subnet_id)
        if subnet is None:
            raise DestinationError(f"{db.label} is in subnet {db.subnet_id}, which this topology does not have.")
        # an address of its subnet stands for the database (its own address is a DNS name)
        return Dest(db.label, "ip", db.port, ip=subnet.network.network_address + 4, database=db)
    if low == "internet" or low.startswith("internet:"):
        port = parse_port(text.partition(":")[2], destination) if ":" in low else 443
        return Dest("internet" if port == 443 else f"internet:{port}", "internet", port)
    if ":" in text:
        host, _, port_text = text.rpartition(":")
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            raise DestinationError(
                f"{shown(destination)} is not IP:PORT: {shown(host)} is not an IPv4 address. Accepted: {ACCEPTED_DESTINATIONS}."
            ) from None
        if not isinstance(ip, ipaddress.IPv4Address):
            raise DestinationError(f"{shown(destination)}: labkit models IPv4 only. Give an IPv4 address.")
        port = parse_port(port_text, destination)
        return Dest(f"{ip}:{port}", "ip", port, ip=ip)
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        raise DestinationError(f'{shown(destination)} has no port: write it as IP:PORT, e.g. "{text}:443".')
    service = SERVICE_ALIASES.get(low, low)
    if service.startswith(("com.amazonaws.", "cn.com.amazonaws.")):
        service = service_short_name(service)
    if service in KNOWN_SERVICES or any(e.service == service for e in topo.vpc_endpoints):
        return Dest(service, "service", 443, service=service)
    raise DestinationError(
        f"Unknown destination {shown(destination)}. Accepted: {ACCEPTED_DESTINATIONS}. "
        f"AWS service names labkit knows: {', '.join(sorted(KNOWN_SERVICES))}."
    )


def _ids(value: object, what: str, example: str) -> tuple[str, ...]:
    """One id or a list/tuple of ids, all text; else ``SourceError`` naming what is accepted."""
    items = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, (list, tuple)) else None
    if items is None or not all(isinstance(i, str) and i for i in items):
        raise SourceError(f"{what} must be an id or a list of ids such as [{shown(example)}]; got {shown(value)}.")
    return items


def resolve_source(topo: Topology, source: object, security_groups: object) -> Source:
    """A function (name, ARN or ``LambdaFunction``) or subnets + ``security_groups`` → a ``Source``."""
    if isinstance(source, LambdaFunction):
        fn = source
    elif isinstance(source, (list, tuple)) or (isinstance(source, str) and source.startswith("subnet-")):
        subnet_ids = _ids(source, "A subnet source", "subnet-0abc")
        if not subnet_ids:
            raise SourceError("A subnet source needs at least one subnet id, e.g. ['subnet-0abc'].")
        if not security_groups:
            raise SourceError(
                f"A subnet source needs its security groups: trace(topo, {shown(source)}, dest, "
                "security_groups=['sg-…']). Or give a function name or ARN as the source."
            )
        groups = _ids(security_groups, "security_groups", "sg-0abc")
        subnets = [topo.subnet(s) for s in subnet_ids]
        vpcs = {s.vpc_id for s in subnets} | {topo.security_group(g).vpc_id for g in groups}
        if len(vpcs) != 1:
            raise SourceError(
                f"The subnets and security groups of a source must all be in one VPC; these span {sorted(vpcs)}. "
                "Lambda refuses such a VpcConfig too: pick subnets and groups of the same VPC."
            )
        label = " + ".join(subnet_ids) + " (" + ", ".join(groups) + ")"
        return Source(label, subnet_ids, groups, vpcs.pop())
    elif isinstance(source, str):
        fn = topo.function(source)
    else:
        raise SourceError(
            f"A trace source is a function name or ARN, or a subnet id with security_groups=[…]; got {shown(source)}."
        )
    vpc_id = fn.vpc_id
    if fn.subnet_ids and vpc_id is None:
        known = [s.vpc_id for s in (topo.subnet_or_none(i) for i in fn.subnet_ids) if s is not None]
        vpc_id = known[0] if known else None
    return Source(fn.name, tuple(fn.subnet_ids), tuple(fn.security_group_ids), vpc_id)
