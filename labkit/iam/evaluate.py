"""Deciding a request against identity-based policies, and explaining the decision like a trainer.

The logic is IAM's for identity-based policies in one account (IAM User Guide, "Policy evaluation
logic"): a request is denied by default; any statement that applies with ``"Effect": "Deny"`` denies
it (an *explicit deny*, which nothing overrides); otherwise any statement that applies with
``"Effect": "Allow"`` allows it; otherwise it stays denied (an *implicit deny*). A statement applies
when its Action (or NotAction), its Resource (or NotResource) and all of its conditions match.

The words of the decision are the IAM policy simulator's: ``allowed``, ``explicitDeny``, ``implicitDeny``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from enum import Enum

from labkit.iam.conditions import ConditionResult
from labkit.iam.context import ContextEntry, normalize_context, variable_view
from labkit.iam.errors import ContextError
from labkit.iam.errors import shown as short
from labkit.iam.policy import Statement, parse_policies

#: The form of a request's action: a service prefix, a colon and one action name, as IAM names actions
#: ("iam:PassRole", "lambda:CreateFunction"; prefix and name are case-insensitive). A request names one
#: action, so no wildcards here (they belong in a policy's Action element).
ACTION_FORM = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9]+")


_CHECKED_ACTIONS: set[str] = set()


def check_action(action: object) -> str:
    """``action`` if it has the form service:Action, else a :class:`ContextError` that shows the form.

    >>> check_action("lambda:CreateFunction")
    'lambda:CreateFunction'
    >>> check_action("iam:PassRole extra")
    Traceback (most recent call last):
    ...
    labkit.iam.errors.ContextError: action 'iam:PassRole extra' is not of the form service:Action (a service prefix, a colon and one action name of letters and digits, e.g. 'lambda:CreateFunction' or 'iam:PassRole')
    """
    if isinstance(action, str) and (action in _CHECKED_ACTIONS or ACTION_FORM.fullmatch(action)):
        if len(_CHECKED_ACTIONS) < 4096:  # a notebook uses a handful of actions: remember them
            _CHECKED_ACTIONS.add(action)
        return action
    shown = short(action, 80)
    wild = (
        " (a request names one action: wildcards belong in a policy's Action element)"
        if (isinstance(action, str) and ("*" in action or "?" in action))
        else ""
    )
    raise ContextError(
        f"action {shown} is not of the form service:Action (a service prefix, a colon and one action "
        f"name of letters and digits, e.g. 'lambda:CreateFunction' or 'iam:PassRole'){wild}"
    )


class Decision(str, Enum):
    """The outcome of an evaluation, in the IAM policy simulator's words."""

    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class StatementResult:
    """How one statement met the request: did its action, resource and conditions match, and why."""

    statement: Statement = field(repr=False, compare=False)
    action: str  # the request's action and resource, as given
    resource: str
    action_matched: bool
    resource_matched: bool | None  # None: not checked (the action did not match)
    conditions: tuple[ConditionResult, ...]
    conditions_matched: bool | None  # None: not checked
    resource_hit: str | None = None  # the Resource/NotResource entry that matched the resource
    unresolved: tuple[str, ...] = ()  # Resource patterns whose policy variables are not in the context

    @property
    def policy(self) -> str:
        return self.statement.policy

    @property
    def sid(self) -> str | None:
        return self.statement.sid

    @property
    def index(self) -> int:
        return self.statement.index

    @property
    def effect(self) -> str:
        return self.statement.effect

    @property
    def label(self) -> str:
        return self.statement.label

    @property
    def action_detail(self) -> str:
        st, action = self.statement, self.action
        if st.not_action:
            if self.action_matched:
                return f"NotAction {_show(st.actions)} does not list {action} → action matched"
            return f"NotAction lists {st.listed_action(action.lower())}, which covers {action} → action not matched"
        if self.action_matched:
            return f"action matched {st.listed_action(action.lower())}"
        return f"action {action} is not in {_show(st.actions)}"

    @property
    def resource_detail(self) -> str:
        st, resource, hit = self.statement, self.resource, self.resource_hit
        if self.resource_matched is None:
            return "resource not checked"
        if st.not_resource:
            if self.unresolved:
                return (
                    f"NotResource {self.unresolved[0]} uses a policy variable that is not in the request "
                    "context → resource not matched"
                )
            if hit is None:
                return f"resource {resource} is not in NotResource {_show(st.resources)} → matched"
            return f"resource {resource} is covered by NotResource {hit} → not matched"
        if self.resource_matched:
            return f"resource {resource} matched" + ("" if hit == resource else f" {hit}")
        text = f"resource {resource} matches none of {_show(st.resources)}"
        if self.unresolved:
            text += f" (policy variable in {self.unresolved[0]} not in the request context)"
        return text

    @property
    def applies(self) -> bool:
        """True when action, resource and every condition matched: the statement's Effect takes part."""
        return bool(self.action_matched and self.resource_matched and self.conditions_matched)

    @property
    def outcome(self) -> str:
        if self.applies:
            return "this statement denies" if self.effect == "Deny" else "this statement allows"
        if not self.action_matched:
            return "does not apply (action)"
        if not self.resource_matched:
            return "does not apply (resource)"
        return "does not apply (condition)"

    def __str__(self) -> str:
        bits = [f"Statement {self.label} ({self.effect}): {self.action_detail}"]
        if self.resource_matched is not None:
            bits.append(self.resource_detail)
        if self.conditions_matched is not None:
            if self.conditions:
                bits.extend(f"condition {c}" for c in self.conditions)
            else:
                bits.append("no condition")
        return "; ".join(bits) + f"; → {self.outcome}"

    def to_dict(self) -> dict:
        return {
            "policy": self.policy,
            "sid": self.sid,
            "index": self.index,
            "effect": self.effect,
            "applies": self.applies,
            "action": {"matched": self.action_matched, "detail": self.action_detail},
            "resource": {"matched": self.resource_matched, "detail": self.resource_detail},
            "conditions_matched": self.conditions_matched,
            "conditions": [c.to_dict() for c in self.conditions],
        }


@dataclass(frozen=True)
class Evaluation:
    """The answer to "may this request happen?": the decision and the statement-by-statement reasoning."""

    action: str
    resource: str
    context: dict
    decision: Decision
    statements: tuple[StatementResult, ...]

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOWED

    @property
    def matched(self) -> tuple[StatementResult, ...]:
        """The statements that decided: the denying ones, else the allowing ones (none for an implicit deny)."""
        if self.decision is Decision.EXPLICIT_DENY:
            return tuple(s for s in self.statements if s.applies and s.effect == "Deny")
        if self.decision is Decision.ALLOWED:
            return tuple(s for s in self.statements if s.applies and s.effect == "Allow")
        return ()

    def summary(self) -> str:
        names = ", ".join(s.label for s in self.matched)
        if self.decision is Decision.EXPLICIT_DENY:
            return (
                f"{self.action} on {self.resource}: explicitDeny (statement {names} denies it; an explicit deny "
                "overrides every allow)"
            )
        if self.decision is Decision.ALLOWED:
            return f"{self.action} on {self.resource}: allowed (statement {names} allows it and no statement denies it)"
        if not self.statements:
            return f"{self.action} on {self.resource}: implicitDeny (there are no statements)"
        return f"{self.action} on {self.resource}: implicitDeny (no statement allows it, so it is denied by default)"

    def _context_text(self) -> str:
        if not self.context:
            return "request context: empty (every condition key is absent)"
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.context.items())
        return f"request context: {shown}"

    def __str__(self) -> str:
        lines = [self.summary(), self._context_text()]
        policies = []
        for s in self.statements:
            if s.policy not in policies:
                policies.append(s.policy)
        multi = len(policies) > 1
        for s in self.statements:
            lines.append(("  " if not multi else f"  [{s.policy}] ") + str(s))
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "action": self.action,
            "resource": self.resource,
            "context": {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.context.items()},
            "decision": self.decision.value,
            "matched": [s.label for s in self.matched],
            "statements": [s.to_dict() for s in self.statements],
        }

    def _repr_html_(self) -> str:
        e = html.escape
        colour = "#1a7f37" if self.allowed else "#cf222e"
        out = [
            f'<div class="labkit-iam"><p style="font-weight:bold;color:{colour}">{e(self.summary())}</p>',
            f"<p>{e(self._context_text())}</p><ol>",
        ]
        matched = self.matched
        for s in self.statements:
            style = ' style="font-weight:bold"' if any(s is m for m in matched) else ""
            out.append(
                f"<li{style}>Statement <code>{e(s.label)}</code> ({e(s.effect)}, {e(s.policy)}): "
                f"<b>{e(s.outcome)}</b><ul><li>{e(s.action_detail)}</li>"
            )
            if s.resource_matched is not None:
                out.append(f"<li>{e(s.resource_detail)}</li>")
            for c in s.conditions if s.conditions_matched is not None else ():
                mark = "✔" if c.result else "✘"
                out.append(
                    f"<li>{mark} condition <code>{e(c.operator)}</code> <code>{e(c.key)}</code>: {e(c.reason)}</li>"
                )
            out.append("</ul></li>")
        out.append("</ol></div>")
        return "".join(out)


def _show(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _statement_result(
    st: Statement,
    action: str,
    action_lower: str,
    resource: str,
    ctx: dict[str, ContextEntry],
    variables: dict[str, str],
) -> StatementResult:
    action_ok = st.action_listed_fast(action_lower) != st.not_action
    if not action_ok:
        return StatementResult(st, action, resource, False, None, (), None)
    hit, unresolved = st.listed_resource(resource, variables)
    if st.not_resource:
        resource_ok = hit is None and not unresolved
    else:
        resource_ok = hit is not None
    if not resource_ok:
        return StatementResult(st, action, resource, True, False, (), None, hit, tuple(unresolved))
    results = tuple([c.evaluate(ctx, variables) for c in st.conditions])
    cond_ok = True
    for r in results:
        if not r.result:
            cond_ok = False
            break
    return StatementResult(st, action, resource, True, True, results, cond_ok, hit)


def evaluate(policies: object, action: str, resource: str = "*", context: dict | None = None) -> Evaluation:
    """Decide whether identity-based ``policies`` allow ``action`` on ``resource`` with this request ``context``.

    ``policies``: one policy document (dict or JSON text) or a list of them. ``context``: condition key →
    str, list of str, bool or number; a key that is not given is absent from the request.

    >>> require_vpc = {"Version": "2012-10-17", "Statement": [
    ...     {"Sid": "EnforceVPCFunction", "Effect": "Deny", "Resource": "*",
    ...      "Action": ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"],
    ...      "Condition": {"Null": {"lambda:VpcIds": "true"}}},
    ...     {"Sid": "AllowLambda", "Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}
    >>> evaluate(require_vpc, "lambda:CreateFunction").decision
    <Decision.EXPLICIT_DENY: 'explicitDeny'>
    >>> ev = evaluate(require_vpc, "lambda:CreateFunction", context=lambda_vpc_context(["subnet-1"], ["sg-1"], "vpc-1"))
    >>> ev.decision.value, [s.label for s in ev.matched]
    ('allowed', ['AllowLambda'])
    >>> print(evaluate(require_vpc, "lambda:createfunction").statements[0])
    Statement EnforceVPCFunction (Deny): action matched lambda:CreateFunction; resource * matched; condition Null lambda:VpcIds: key absent → Null is true; policy wants true → true; → this statement denies
    """
    check_action(action)
    if not isinstance(resource, str) or not resource:
        raise ContextError(f"resource must be '*' or an ARN string, got {short(resource, 80)}")
    parsed = parse_policies(policies)
    ctx = normalize_context(context)
    variables = variable_view(ctx) if any(p.has_variables for p in parsed) else {}
    action_lower = action.lower()
    results = []
    for p in parsed:
        for st in p.statements:
            results.append(_statement_result(st, action, action_lower, resource, ctx, variables))
    denied = allowed = False
    for r in results:
        if r.applies:
            if r.effect == "Deny":
                denied = True
                break
            allowed = True
    decision = Decision.EXPLICIT_DENY if denied else Decision.ALLOWED if allowed else Decision.IMPLICIT_DENY
    shown = {e.key: (tuple(e.values) if e.is_list else e.values[0]) for e in ctx.values()}
    return Evaluation(action, resource, shown, decision, tuple(results))


def is_allowed(policies: object, action: str, resource: str = "*", context: dict | None = None) -> bool:
    """The bool twin of :func:`evaluate`.

    >>> is_allowed({"Statement": {"Effect": "Allow", "Action": "lambda:Get*", "Resource": "*"}}, "lambda:GetFunction")
    True
    """
    return evaluate(policies, action, resource, context).allowed


def lambda_vpc_context(subnet_ids: object = None, security_group_ids: object = None, vpc_id: str | None = None) -> dict:
    """The VPC condition keys of a CreateFunction/UpdateFunctionConfiguration request.

    * no VPC settings in the request (all arguments ``None``): ``{}`` — the keys are absent;
    * a VPC configuration: ``lambda:VpcIds`` (one VPC: Lambda derives it from the subnets and security
      groups, it is not a request parameter), ``lambda:SubnetIds`` and ``lambda:SecurityGroupIds`` (lists);
    * a disconnect (``SubnetIds=[]`` and ``SecurityGroupIds=[]``): both lists are empty and there is no
      ``lambda:VpcIds``. labkit treats an empty list like an absent key for every operator, so ``Null`` is
      true, ``ForAllValues`` true and ``ForAnyValue`` false.

    >>> lambda_vpc_context()
    {}
    >>> lambda_vpc_context(["subnet-1", "subnet-2"], ["sg-1"], "vpc-1")
    {'lambda:VpcIds': 'vpc-1', 'lambda:SubnetIds': ['subnet-1', 'subnet-2'], 'lambda:SecurityGroupIds': ['sg-1']}
    >>> lambda_vpc_context([], [])
    {'lambda:SubnetIds': [], 'lambda:SecurityGroupIds': []}
    """
    if subnet_ids is None and security_group_ids is None:
        if vpc_id is not None:
            raise ContextError(
                "a VPC id was given without subnets or security groups; Lambda derives the VPC from "
                "them. Give subnet_ids and security_group_ids too"
            )
        return {}
    subnets = _id_list(subnet_ids, "subnet_ids")
    groups = _id_list(security_group_ids, "security_group_ids")
    if not subnets and not groups:
        if vpc_id is not None:
            raise ContextError(
                f"vpc_id {vpc_id!r} was given for a request with empty subnet and security group lists "
                "(a disconnect): such a request has no VPC. Leave vpc_id out"
            )
        return {"lambda:SubnetIds": [], "lambda:SecurityGroupIds": []}
    if not isinstance(vpc_id, str) or not vpc_id:
        raise ContextError(
            "vpc_id is needed when subnets or security groups are given (Lambda derives it from them; "
            "labkit must be told), e.g. vpc_id='vpc-0abc'"
        )
    return {"lambda:VpcIds": vpc_id, "lambda:SubnetIds": subnets, "lambda:SecurityGroupIds": groups}


def _id_list(value: object, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ContextError(
            f"{name} must be a list of ids, got {value!r}; write e.g. [{value!r}]"
            if isinstance(value, str)
            else f"{name} must be a list of ids, got {type(value).__name__}"
        )
    for item in value:
        if not isinstance(item, str) or not item:
            raise ContextError(f"{name} holds {item!r}, which is not an id string")
    return list(value)
