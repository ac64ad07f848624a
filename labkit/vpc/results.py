"""What a trace returns: frozen ``Trace → Path → Hop`` objects, each readable as text, HTML and JSON.

A ``Trace`` answers "can this source reach that destination?". It has one ``Path`` per subnet of the
function (a function in two subnets can work from one and not the other). A path is a list of hops, each
naming the AWS resource it crossed and the verdict there; the first hop that stops traffic is the
path's ``blocked_by``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from enum import Enum


class BlockerCode(str, Enum):
    """Why a path stops. A closed set: every unreachable path carries exactly one of these."""

    NO_ROUTE = "NO_ROUTE"
    BLACKHOLE_ROUTE = "BLACKHOLE_ROUTE"
    NO_PUBLIC_IP = "NO_PUBLIC_IP"
    NAT_NO_INTERNET_ROUTE = "NAT_NO_INTERNET_ROUTE"
    IGW_NOT_ATTACHED = "IGW_NOT_ATTACHED"
    SG_EGRESS = "SG_EGRESS"
    SG_INGRESS = "SG_INGRESS"
    NACL_OUTBOUND = "NACL_OUTBOUND"
    NACL_INBOUND = "NACL_INBOUND"
    NO_ENDPOINT_ACCESS = "NO_ENDPOINT_ACCESS"

    def __str__(self) -> str:
        return self.value


#: One sentence per code, for legends and the README.
BLOCKER_MEANINGS = {
    BlockerCode.NO_ROUTE: "the route table has no route that matches the destination",
    BlockerCode.BLACKHOLE_ROUTE: "the matching route points at a target that no longer works (deleted NAT gateway, "
    "detached gateway, inactive peering)",
    BlockerCode.NO_PUBLIC_IP: "the subnet routes to an internet gateway, but a Lambda function's network interface "
    "never has a public IP address",
    BlockerCode.NAT_NO_INTERNET_ROUTE: "the NAT gateway's own subnet has no route to an attached internet gateway",
    BlockerCode.IGW_NOT_ATTACHED: "the route points at an internet gateway that is not attached to this VPC",
    BlockerCode.SG_EGRESS: "no outbound rule of the function's security groups allows the traffic",
    BlockerCode.SG_INGRESS: "no inbound rule of the destination's security groups admits the traffic",
    BlockerCode.NACL_OUTBOUND: "a network ACL's outbound rules deny the traffic (or its replies)",
    BlockerCode.NACL_INBOUND: "a network ACL's inbound rules deny the traffic (or its replies)",
    BlockerCode.NO_ENDPOINT_ACCESS: "a VPC endpoint for the service exists but this subnet can't use it",
}


@dataclass(frozen=True)
class Blocker:
    code: BlockerCode
    resource_id: str  # the resource that stops traffic (route table, NAT gateway, security group, ACL…)
    message: str  # what happened, in a trainer's words
    fix: str = ""  # what to change

    def __str__(self) -> str:
        return f"{self.code.value} at {self.resource_id}: {self.message}"

    def to_dict(self) -> dict:
        return {"code": self.code.value, "resource_id": self.resource_id, "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class Hop:
    """One step of a path: the resource crossed, what it decided and why."""

    kind: str  # "function", "security-group", "network-acl", "route-table", "nat-gateway", "internet-gateway",
    #            "vpc-endpoint", "peering", "subnet", "network-interface", "internet", "service", "lambda-network"
    resource_id: str
    ok: bool
    detail: str  # e.g. "route 0.0.0.0/0 → nat-0abc (most specific match)"
    rule: str = ""  # the rule that admitted/blocked, as text (SG/NACL rule, route)

    def __str__(self) -> str:
        mark = "✔" if self.ok else "✘"
        return f"{mark} {self.kind} {self.resource_id}: {self.detail}"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "resource_id": self.resource_id, "ok": self.ok, "detail": self.detail, "rule": self.rule}


@dataclass(frozen=True)
class Path:
    """The path from one subnet of the source (``subnet_id`` None: Lambda's own network)."""

    subnet_id: str | None
    hops: tuple[Hop, ...]
    blocked_by: Blocker | None = None
    via: str = ""  # how it is reached: "nat-gateway", "gateway-endpoint", "interface-endpoint", "local", "peering",
    #                "lambda-network", "nat-gateway+gateway-endpoint"
    notes: tuple[str, ...] = ()

    @property
    def reachable(self) -> bool:
        return self.blocked_by is None

    def __str__(self) -> str:
        where = f"from {self.subnet_id}" if self.subnet_id else "from Lambda's own network"
        head = f"{where}: {'reachable' if self.reachable else 'BLOCKED'}" + (f" (via {self.via})" if self.via and self.reachable else "")
        lines = [head] + [f"    {h}" for h in self.hops]
        if self.blocked_by:
            lines.append(f"    → blocked: {self.blocked_by.code.value} at {self.blocked_by.resource_id}")
            lines.append(f"      {self.blocked_by.message}")
            if self.blocked_by.fix:
                lines.append(f"      Fix: {self.blocked_by.fix}")
        lines += [f"    note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "subnet_id": self.subnet_id,
            "reachable": self.reachable,
            "via": self.via,
            "blocked_by": self.blocked_by.to_dict() if self.blocked_by else None,
            "hops": [h.to_dict() for h in self.hops],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Trace:
    """The answer to "can ``source`` reach ``destination``?"."""

    source: str  # function name, or "subnet-… + sg-…"
    destination: str  # as given, normalised ("internet", "s3", "10.0.2.15:5432")
    paths: tuple[Path, ...]
    protocol: str = "tcp"
    port: int = 443
    vpc_id: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def reachable(self) -> bool:
        """True only if the destination is reachable from every subnet of the source."""
        return bool(self.paths) and all(p.reachable for p in self.paths)

    @property
    def blockers(self) -> tuple[Blocker, ...]:
        return tuple(p.blocked_by for p in self.paths if p.blocked_by is not None)

    @property
    def blocked_by(self) -> Blocker | None:
        """The first blocker (``None`` when every path is reachable)."""
        b = self.blockers
        return b[0] if b else None

    def __bool__(self) -> bool:
        return self.reachable

    def summary(self) -> str:
        ok = [p for p in self.paths if p.reachable]
        dest = f"{self.destination}" + ("" if ":" in self.destination else f" (tcp/{self.port})")
        if self.reachable:
            return f"{self.source} CAN reach {dest}" + (
                f" from all {len(self.paths)} of its subnets." if len(self.paths) > 1 else "."
            )
        if ok:
            return (f"{self.source} reaches {dest} from only {len(ok)} of its {len(self.paths)} subnets: "
                    "invocations that land in the other subnets fail.")
        return f"{self.source} can NOT reach {dest}."

    def __str__(self) -> str:
        lines = [self.summary()]
        for p in self.paths:
            lines.append(str(p))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "destination": self.destination,
            "protocol": self.protocol,
            "port": self.port,
            "vpc_id": self.vpc_id,
            "reachable": self.reachable,
            "paths": [p.to_dict() for p in self.paths],
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str:
        e = html.escape
        from labkit.render import palette

        colour = palette.GREEN if self.reachable else palette.RED
        parts = [f'<div class="labkit-trace"><p style="font-weight:bold;color:{colour}">{e(self.summary())}</p>']
        for p in self.paths:
            where = f"from subnet <code>{e(p.subnet_id)}</code>" if p.subnet_id else "from Lambda's own network"
            state = "reachable" + (f" via {e(p.via)}" if p.via else "") if p.reachable else "blocked"
            parts.append(f"<details open><summary>{where}: <b>{state}</b></summary><ol>")
            for h in p.hops:
                mark = "✔" if h.ok else "✘"
                style = "" if h.ok else f' style="color:{palette.RED};font-weight:bold"'
                parts.append(f"<li{style}>{mark} {e(h.kind)} <code>{e(h.resource_id)}</code>: {e(h.detail)}</li>")
            parts.append("</ol>")
            if p.blocked_by:
                b = p.blocked_by
                parts.append(
                    f'<p style="color:{palette.RED}">Blocked: <b>{e(b.code.value)}</b> at <code>{e(b.resource_id)}</code>. '
                    f"{e(b.message)}</p>" + (f"<p>Fix: {e(b.fix)}</p>" if b.fix else "")
                )
            for n in p.notes:
                parts.append(f"<p><i>Note: {e(n)}</i></p>")
            parts.append("</details>")
        for n in self.notes:
            parts.append(f"<p><i>Note: {e(n)}</i></p>")
        parts.append("</div>")
        return "".join(parts)
