"""What a trace returns: frozen ``Trace → Path → Hop`` objects, each readable as text, HTML and JSON.

A ``Trace`` answers "can this source reach that destination?". It has one ``Path`` per subnet of the
function (a function in two subnets can work from one and not the other). A path is a list of hops, each
naming the AWS resource it crossed and the verdict there; the first hop that stops traffic is the
path's ``blocked_by``.

Resources are named the way the console shows them: the Name tag next to the id
("sample-private-subnet-b (subnet-0c6a…)"), from the trace's ``names`` (id → Name tag). ``str(trace)`` is
the full explanation; ``trace.summary()`` the short form (one line per subnet, the blocker and its fix,
at most 15 lines of at most 100 characters for a two-subnet function); ``trace.headline()`` one line.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

#: The width of the short form's lines (``Trace.summary``).
SUMMARY_WIDTH = 100


def named(resource_id: str | None, names: Mapping[str, str], *, short: bool = False) -> str:
    """``"NAME (id)"`` when the resource has a Name tag, else the id; ``short``: the id cut to its first
    characters, as the console's narrow columns do ("subnet-0c6a…").

    >>> named("subnet-0c6a1234", {"subnet-0c6a1234": "private-b"}, short=True)
    'private-b (subnet-0c6a…)'
    >>> named("sg-1", {})
    'sg-1'
    """
    if not resource_id:
        return ""
    name = names.get(resource_id, "")
    if not name or name == resource_id:
        return resource_id
    shown = resource_id
    if short and "-" in resource_id and len(resource_id) > 12:
        kind, _, rest = resource_id.partition("-")
        shown = f"{kind}-{rest[:4]}…"
    return f"{name} ({shown})"


def _cut(line: str, width: int = SUMMARY_WIDTH) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


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
        return self.render({})

    def render(self, names: Mapping[str, str]) -> str:
        mark = "✔" if self.ok else "✘"
        return f"{mark} {self.kind} {named(self.resource_id, names)}: {self.detail}"

    def to_dict(self, names: Mapping[str, str] | None = None) -> dict:
        return {
            "kind": self.kind,
            "resource_id": self.resource_id,
            "name": (names or {}).get(self.resource_id, ""),
            "ok": self.ok,
            "detail": self.detail,
            "rule": self.rule,
        }


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
        return self.render({})

    def where(self, names: Mapping[str, str], *, short: bool = False) -> str:
        return f"from {named(self.subnet_id, names, short=short)}" if self.subnet_id else "from Lambda's own network"

    def render(self, names: Mapping[str, str]) -> str:
        head = f"{self.where(names)}: {'reachable' if self.reachable else 'BLOCKED'}" + (
            f" (via {self.via})" if self.via and self.reachable else ""
        )
        lines = [head] + [f"    {h.render(names)}" for h in self.hops]
        if self.blocked_by:
            lines.append(f"    → blocked: {self.blocked_by.code.value} at {named(self.blocked_by.resource_id, names)}")
            lines.append(f"      {self.blocked_by.message}")
            if self.blocked_by.fix:
                lines.append(f"      Fix: {self.blocked_by.fix}")
        lines += [f"    note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self, names: Mapping[str, str] | None = None) -> dict:
        names = names or {}
        blocker = self.blocked_by.to_dict() if self.blocked_by else None
        if blocker is not None and self.blocked_by is not None:
            blocker["name"] = names.get(self.blocked_by.resource_id, "")
        return {
            "subnet_id": self.subnet_id,
            "name": names.get(self.subnet_id or "", ""),
            "reachable": self.reachable,
            "via": self.via,
            "blocked_by": blocker,
            "hops": [h.to_dict(names) for h in self.hops],
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
    names: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)  # id → Name tag

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

    def headline(self) -> str:
        """The verdict in one line."""
        ok = [p for p in self.paths if p.reachable]
        has_port = self.destination.rpartition(":")[2].isdigit()
        dest = f"{self.destination}" + ("" if has_port else f" (tcp/{self.port})")
        if self.reachable:
            return f"{self.source} CAN reach {dest}" + (
                f" from all {len(self.paths)} of its subnets." if len(self.paths) > 1 else "."
            )
        if ok:
            return (
                f"{self.source} reaches {dest} from only {len(ok)} of its {len(self.paths)} subnets: "
                "invocations that land in the other subnets fail."
            )
        return f"{self.source} can NOT reach {dest}."

    def summary(self) -> str:
        """The short form: the verdict, then one line per subnet, and for a blocked one the blocker, what
        happened and the fix (each at most two lines). Lines are at most ``SUMMARY_WIDTH`` characters."""
        lines = textwrap.wrap(self.headline(), SUMMARY_WIDTH)
        for p in self.paths:
            where = p.where(self.names, short=True)
            if p.reachable:
                lines.append(_cut(f"  ✔ {where}" + (f" via {p.via}" if p.via else "")))
                continue
            b = p.blocked_by
            if b is None:  # an unreachable path always names its blocker
                continue
            lines.append(_cut(f"  ✘ {where}: {b.code.value} at {named(b.resource_id, self.names, short=True)}"))
            lines += textwrap.wrap(
                b.message,
                SUMMARY_WIDTH,
                initial_indent="      ",
                subsequent_indent="      ",
                max_lines=2,
                placeholder=" …",
            )
            if b.fix:
                lines += textwrap.wrap(
                    f"Fix: {b.fix}",
                    SUMMARY_WIDTH,
                    initial_indent="      ",
                    subsequent_indent="      ",
                    max_lines=2,
                    placeholder=" …",
                )
        return "\n".join(lines)

    def __str__(self) -> str:
        lines = [self.headline()]
        for p in self.paths:
            lines.append(p.render(self.names))
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
            "paths": [p.to_dict(self.names) for p in self.paths],
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str:
        """The short form first (``summary``); every hop of every subnet folded below it."""
        e = html.escape
        from labkit.render import palette

        colour = palette.GREEN if self.reachable else palette.RED
        head, _, rest = self.summary().partition("\n")
        parts = [f'<div class="labkit-trace"><p style="font-weight:bold;color:{colour}">{e(head)}</p>']
        if rest:
            parts.append(f'<pre class="labkit-trace-summary" style="margin:0">{e(rest)}</pre>')
        parts.append("<details><summary>Every hop, subnet by subnet</summary>")
        for p in self.paths:
            where = (
                f"from subnet <code>{e(named(p.subnet_id, self.names))}</code>"
                if p.subnet_id
                else "from Lambda's own network"
            )
            state = "reachable" + (f" via {e(p.via)}" if p.via else "") if p.reachable else "blocked"
            parts.append(f"<p>{where}: <b>{state}</b></p><ol>")
            for h in p.hops:
                mark = "✔" if h.ok else "✘"
                style = "" if h.ok else f' style="color:{palette.RED};font-weight:bold"'
                parts.append(
                    f"<li{style}>{mark} {e(h.kind)} <code>{e(named(h.resource_id, self.names))}</code>: "
                    f"{e(h.detail)}</li>"
                )
            parts.append("</ol>")
            if p.blocked_by:
                b = p.blocked_by
                parts.append(
                    f'<p style="color:{palette.RED}">Blocked: <b>{e(b.code.value)}</b> at '
                    f"<code>{e(named(b.resource_id, self.names))}</code>. "
                    f"{e(b.message)}</p>" + (f"<p>Fix: {e(b.fix)}</p>" if b.fix else "")
                )
            for n in p.notes:
                parts.append(f"<p><i>Note: {e(n)}</i></p>")
        parts.append("</details>")
        for n in self.notes:
            parts.append(f"<p><i>Note: {e(n)}</i></p>")
        parts.append("</div>")
        return "".join(parts)
