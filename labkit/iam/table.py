"""A decision table: how each of several policies decides each of several requests.

``decision_table(policies, requests)`` evaluates every policy (or set of policies) on every request with
``labkit.iam.evaluate`` and keeps the decisions in a frozen table that prints as text, shows as HTML in
Jupyter and converts to plain data (``to_dict``). It is the table a lesson shows when it asks "how does each
of the guide's example policies decide these requests?"

>>> deny_no_vpc = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Resource": "*",
...     "Action": "lambda:CreateFunction", "Condition": {"Null": {"lambda:VpcIds": "true"}}}]}
>>> allow_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}
>>> table = decision_table({"require a VPC": [allow_all, deny_no_vpc], "allow all": allow_all},
...                        {"no VPC": lambda_vpc_context(), "vpc-1": lambda_vpc_context(["subnet-1"], ["sg-1"], "vpc-1")})
>>> print(table)
policy         no VPC        vpc-1
require a VPC  explicitDeny  allowed
allow all      allowed       allowed
>>> table.decision("require a VPC", "no VPC")
'explicitDeny'
>>> table.to_dict()["rows"][0]
{'policy': 'require a VPC', 'decisions': {'no VPC': 'explicitDeny', 'vpc-1': 'allowed'}}
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labkit.iam.errors import ContextError
from labkit.iam.evaluate import evaluate, lambda_vpc_context  # noqa: F401  (lambda_vpc_context: doctest)

__all__ = ["DecisionTable", "decision_table"]


@dataclass(frozen=True)
class DecisionTable:
    """Decisions of ``policies`` (rows) on ``requests`` (columns): ``decisions[row][column]`` is a
    decision value (``allowed``, ``explicitDeny``, ``implicitDeny``)."""

    policies: tuple[str, ...]
    requests: tuple[str, ...]
    decisions: tuple[tuple[str, ...], ...]
    action: str

    def decision(self, policy: str, request: str) -> str:
        """The decision of the row ``policy`` on the column ``request``."""
        for name, known in (("policy", self.policies), ("request", self.requests)):
            value = policy if name == "policy" else request
            if value not in known:
                raise KeyError(f"No {name} named {value!r} in this table; the {name}s are: {', '.join(known)}.")
        return self.decisions[self.policies.index(policy)][self.requests.index(request)]

    def row(self, policy: str) -> dict[str, str]:
        """{request: decision} for one policy."""
        return {r: self.decision(policy, r) for r in self.requests}

    def to_dict(self) -> dict:
        return {
            "action": self.action,
            "requests": list(self.requests),
            "rows": [
                {"policy": p, "decisions": dict(zip(self.requests, row, strict=False))}
                for p, row in zip(self.policies, self.decisions, strict=False)
            ],
        }

    def __str__(self) -> str:
        header = ("policy",) + self.requests
        rows = [header] + [(p,) + row for p, row in zip(self.policies, self.decisions, strict=False)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)).rstrip() for r in rows)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython's text form: the table itself
        printer.text(str(self))

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(c)}</th>" for c in ("policy",) + self.requests)
        body = []
        for p, row in zip(self.policies, self.decisions, strict=False):
            cells = "".join(f'<td class="labkit-{esc(d)}">{esc(d)}</td>' for d in row)
            body.append(f"<tr><th>{esc(p)}</th>{cells}</tr>")
        return (
            f'<table class="labkit-decision-table"><caption>Decisions for {esc(self.action)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )


def _request(name: str, value: Any, default_action: str) -> tuple[str, dict]:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return value[0], dict(value[1] or {})
    if isinstance(value, Mapping):
        return default_action, dict(value)
    raise ContextError(
        f"Request {name!r}: give a context dict (e.g. lk.iam.lambda_vpc_context(...)) or an "
        f"(action, context) pair; got {type(value).__name__}."
    )


def decision_table(
    policies: Mapping, requests: Mapping, action: str = "lambda:CreateFunction", resource: str = "*"
) -> DecisionTable:
    """Evaluate each entry of ``policies`` on each entry of ``requests``.

    ``policies``: name → a policy document, or a list of documents evaluated together (e.g. a Deny
    guardrail with the Allow it sits next to). ``requests``: name → a request context (condition keys,
    as built by ``lambda_vpc_context``), or an ``(action, context)`` pair for a request with another action
    than ``action``.
    """
    if not isinstance(policies, Mapping) or not policies:
        raise ContextError("policies must be a non-empty dict: name → policy document (or list of documents).")
    if not isinstance(requests, Mapping) or not requests:
        raise ContextError("requests must be a non-empty dict: name → request context (or (action, context)).")
    reqs = {str(name): _request(str(name), value, action) for name, value in requests.items()}
    rows = tuple(
        tuple(evaluate(docs, act, resource=resource, context=ctx).decision.value for act, ctx in reqs.values())
        for docs in policies.values()
    )
    return DecisionTable(tuple(str(p) for p in policies), tuple(reqs), rows, action)
