"""A linter for the policy pitfalls the kit teaches. Each finding has a stable code, the statement, a
message in a trainer's words and a suggested fix.

Codes (severity):

* ``FORALLVALUES_ABSENT_KEY`` (error) — an Allow uses ``ForAllValues:`` on a key that can be absent,
  with nothing that requires the key. ``ForAllValues`` is true when the key is absent or empty, so the
  statement also allows requests without it — e.g. a function with no VPC at all.
* ``SET_OPERATOR_ON_SINGLE_VALUED_KEY`` (warning) — ``ForAllValues:``/``ForAnyValue:`` on a key that
  has at most one value (``aws:username``, ``aws:SourceIp``, ``lambda:VpcIds``…).
* ``PLAIN_OPERATOR_ON_MULTIVALUED_KEY`` (warning) — a plain operator (``StringEquals``…) on a key that
  can hold several values (``lambda:SubnetIds``, ``lambda:SecurityGroupIds``, ``aws:TagKeys``…).
* ``FORANYVALUE_NEGATED_IN_DENY`` (warning) — ``ForAnyValue:`` with a negated operator in a Deny.
* ``ALLOW_WITH_NOT_ACTION`` / ``ALLOW_WITH_NOT_RESOURCE`` (warning) — an Allow that grants everything
  *except* what it lists.
* ``VPC_KEY_ON_OTHER_ACTIONS`` (warning) — ``lambda:VpcIds``/``SubnetIds``/``SecurityGroupIds`` in a
  statement that also covers actions other than ``lambda:CreateFunction`` and
  ``lambda:UpdateFunctionConfiguration``, where those keys are always absent.
* ``VARIABLE_IN_OLD_VERSION`` (warning) — ``${…}`` in a policy without ``"Version": "2012-10-17"``,
  where IAM reads it as literal text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from labkit.iam import patterns
from labkit.iam.conditions import Condition
from labkit.iam.examples import VPC_ACTIONS
from labkit.iam.policy import Policy, Statement, parse_policies

#: Lambda's IAM actions (Service Authorization Reference, "Actions defined by AWS Lambda"), used to expand
#: wildcards such as ``lambda:*`` or ``lambda:Update*``.
LAMBDA_ACTIONS = (
    "lambda:AddLayerVersionPermission",
    "lambda:AddPermission",
    "lambda:CreateAlias",
    "lambda:CreateCodeSigningConfig",
    "lambda:CreateEventSourceMapping",
    "lambda:CreateFunction",
    "lambda:CreateFunctionUrlConfig",
    "lambda:DeleteAlias",
    "lambda:DeleteCodeSigningConfig",
    "lambda:DeleteEventSourceMapping",
    "lambda:DeleteFunction",
    "lambda:DeleteFunctionCodeSigningConfig",
    "lambda:DeleteFunctionConcurrency",
    "lambda:DeleteFunctionEventInvokeConfig",
    "lambda:DeleteFunctionUrlConfig",
    "lambda:DeleteLayerVersion",
    "lambda:DeleteProvisionedConcurrencyConfig",
    "lambda:DisableReplication",
    "lambda:EnableReplication",
    "lambda:GetAccountSettings",
    "lambda:GetAlias",
    "lambda:GetCodeSigningConfig",
    "lambda:GetEventSourceMapping",
    "lambda:GetFunction",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetFunctionConcurrency",
    "lambda:GetFunctionConfiguration",
    "lambda:GetFunctionEventInvokeConfig",
    "lambda:GetFunctionUrlConfig",
    "lambda:GetLayerVersion",
    "lambda:GetLayerVersionPolicy",
    "lambda:GetPolicy",
    "lambda:GetProvisionedConcurrencyConfig",
    "lambda:InvokeAsync",
    "lambda:InvokeFunction",
    "lambda:InvokeFunctionUrl",
    "lambda:ListAliases",
    "lambda:ListCodeSigningConfigs",
    "lambda:ListEventSourceMappings",
    "lambda:ListFunctionEventInvokeConfigs",
    "lambda:ListFunctionUrlConfigs",
    "lambda:ListFunctions",
    "lambda:ListFunctionsByCodeSigningConfig",
    "lambda:ListLayerVersions",
    "lambda:ListLayers",
    "lambda:ListProvisionedConcurrencyConfigs",
    "lambda:ListTags",
    "lambda:ListVersionsByFunction",
    "lambda:PublishLayerVersion",
    "lambda:PublishVersion",
    "lambda:PutFunctionCodeSigningConfig",
    "lambda:PutFunctionConcurrency",
    "lambda:PutFunctionEventInvokeConfig",
    "lambda:PutProvisionedConcurrencyConfig",
    "lambda:RemoveLayerVersionPermission",
    "lambda:RemovePermission",
    "lambda:TagResource",
    "lambda:UntagResource",
    "lambda:UpdateAlias",
    "lambda:UpdateCodeSigningConfig",
    "lambda:UpdateEventSourceMapping",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionCodeSigningConfig",
    "lambda:UpdateFunctionConfiguration",
    "lambda:UpdateFunctionEventInvokeConfig",
    "lambda:UpdateFunctionUrlConfig",
)
_LAMBDA_LOWER = tuple(a.lower() for a in LAMBDA_ACTIONS)

#: The actions whose requests carry the Lambda VPC condition keys.
VPC_KEYS = ("lambda:vpcids", "lambda:subnetids", "lambda:securitygroupids")

#: Keys that can hold several values in one request (lower case). The Service Authorization Reference types
#: them ArrayOf…; the global ones are "Multivalued" in "AWS global condition context keys".
MULTIVALUED_KEYS = frozenset(
    {
        "lambda:subnetids",
        "lambda:securitygroupids",
        "lambda:layer",
        "aws:tagkeys",
        "aws:principalorgpaths",
        "aws:principalservicenameslist",
        "aws:calledvia",
    }
)
#: Keys with at most one value per request (lower case); ``lambda:VpcIds`` is a String, one VPC.
SINGLE_VALUED_KEYS = frozenset(
    {
        "aws:username",
        "aws:userid",
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:principaltype",
        "aws:securetransport",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:currenttime",
        "aws:epochtime",
        "aws:requestedregion",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:tokenissuetime",
        "aws:useragent",
        "aws:referer",
        "aws:calledviafirst",
        "aws:calledvialast",
        "aws:viaawsservice",
        "aws:principalisawsservice",
        "aws:vpcsourceip",
        "lambda:vpcids",
        "lambda:functionarn",
        "lambda:principal",
        "lambda:codesigningconfigarn",
        "lambda:functionurlauthtype",
        "lambda:sourcefunctionarn",
    }
)
SINGLE_VALUED_PREFIXES = ("aws:principaltag/", "aws:requesttag/", "aws:resourcetag/")

SEVERITIES = ("error", "warning")

#: Every finding code, with its severity and what it means.
CODES = {
    "FORALLVALUES_ABSENT_KEY": (
        "error",
        "ForAllValues in an Allow on a key that can be absent, with nothing requiring the key",
    ),
    "SET_OPERATOR_ON_SINGLE_VALUED_KEY": ("warning", "ForAllValues/ForAnyValue on a key with at most one value"),
    "PLAIN_OPERATOR_ON_MULTIVALUED_KEY": ("warning", "a plain operator on a key that can hold several values"),
    "FORANYVALUE_NEGATED_IN_DENY": ("warning", "ForAnyValue with a negated operator in a Deny"),
    "ALLOW_WITH_NOT_ACTION": ("warning", "an Allow that grants every action except those listed"),
    "ALLOW_WITH_NOT_RESOURCE": ("warning", "an Allow that grants every resource except those listed"),
    "VPC_KEY_ON_OTHER_ACTIONS": ("warning", "Lambda VPC keys in a statement that covers other actions"),
    "VARIABLE_IN_OLD_VERSION": ("warning", "a policy variable in a policy without Version 2012-10-17"),
}


@dataclass(frozen=True)
class Finding:
    """One pitfall in one statement."""

    code: str
    severity: str  # "error" or "warning"
    policy: str
    sid: str | None
    index: int
    message: str
    fix: str

    @property
    def statement(self) -> str:
        """The statement's Sid, or ``#n`` when it has none."""
        return self.sid if self.sid else f"#{self.index}"

    def __str__(self) -> str:
        return (
            f"{self.code} ({self.severity}) in {self.policy}, statement {self.statement}: {self.message}\n"
            f"    Fix: {self.fix}"
        )

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "policy": self.policy,
            "statement": self.statement,
            "sid": self.sid,
            "index": self.index,
            "message": self.message,
            "fix": self.fix,
        }

    def _repr_html_(self) -> str:
        e = html.escape
        colour = "#cf222e" if self.severity == "error" else "#9a6700"
        return (
            f'<div class="labkit-finding"><b style="color:{colour}">{e(self.code)}</b> ({e(self.severity)}) '
            f"in statement <code>{e(self.statement)}</code> of {e(self.policy)}: {e(self.message)}"
            f"<br>Fix: {e(self.fix)}</div>"
        )


# ---------------------------------------------------------------- helpers


def _single_valued(key_lower: str) -> bool:
    return key_lower in SINGLE_VALUED_KEYS or key_lower.startswith(SINGLE_VALUED_PREFIXES)


def expand_actions(st: Statement) -> tuple[set[str], bool]:
    """The Lambda actions a statement covers (canonical names), and whether it covers non-Lambda actions too.

    >>> from labkit.iam.policy import parse_policy
    >>> st = parse_policy({"Statement": {"Effect": "Allow", "Action": "lambda:Update*", "Resource": "*"}}).statements[0]
    >>> acts, others = expand_actions(st)
    >>> "lambda:UpdateFunctionConfiguration" in acts, "lambda:CreateFunction" in acts, others
    (True, False, False)
    """
    listed = st.actions_listed(_LAMBDA_LOWER)
    covered = {a for a in LAMBDA_ACTIONS if (a.lower() in listed) != st.not_action}
    if st.not_action:
        others = not any(a in ("*",) or a.split(":", 1)[0] == "*" for a in st.actions)
    else:
        others = any(a == "*" or not a.lower().startswith("lambda:") for a in st.actions)
    return covered, others


def _requires_presence(c: Condition) -> bool:
    """True when the condition is false for a missing or empty key (so it guards against absence)."""
    op = c.op
    if op.family == "Null":
        return all(v == "false" for v in c.compiled)
    if op.if_exists:
        return False
    if c.prefix == "ForAnyValue":
        return True
    return c.prefix is None and not op.negated


def _null_true_on(c: Condition) -> bool:
    return c.op.family == "Null" and all(v == "true" for v in c.compiled)


def _related(key_lower: str) -> tuple[str, ...]:
    """Keys whose presence goes together: the three Lambda VPC keys are all present or all absent/empty."""
    return VPC_KEYS if key_lower in VPC_KEYS else (key_lower,)


def _guarded_in_statement(st: Statement, key_lower: str) -> bool:
    related = _related(key_lower)
    return any(_requires_presence(c) and c.key_lower in related for c in st.conditions)


def _guarded_by_deny(allow: Statement, key_lower: str, statements: list[Statement]) -> bool:
    """A Deny elsewhere with only ``Null {key: "true"}`` that covers the Allow's actions closes the hole."""
    related = _related(key_lower)
    allow_actions, allow_others = expand_actions(allow)
    needed = {a for a in allow_actions if a in VPC_ACTIONS} if key_lower in VPC_KEYS else allow_actions
    for st in statements:
        if st.effect != "Deny" or len(st.conditions) != 1 or "*" not in st.resources or st.not_resource:
            continue
        c = st.conditions[0]
        if not (_null_true_on(c) and c.key_lower in related):
            continue
        deny_actions, deny_others = expand_actions(st)
        if needed <= deny_actions and (key_lower in VPC_KEYS or not allow_others or deny_others):
            return True
    return False


# ---------------------------------------------------------------- the checks


def _check_statement(st: Statement, policy: Policy, all_statements: list[Statement]) -> list[Finding]:
    out: list[Finding] = []

    def add(code: str, message: str, fix: str) -> None:
        out.append(Finding(code, CODES[code][0], policy.name, st.sid, st.index, message, fix))

    if st.effect == "Allow" and st.not_action:
        add(
            "ALLOW_WITH_NOT_ACTION",
            f"Allow with NotAction {_list(st.actions)} allows every other action of every service, including "
            "actions AWS adds later.",
            "list the allowed actions in Action instead; keep NotAction for Deny statements",
        )
    if st.effect == "Allow" and st.not_resource:
        add(
            "ALLOW_WITH_NOT_RESOURCE",
            f"Allow with NotResource {_list(st.resources)} allows the actions on every other resource, in every "
            "account and Region the identity can reach.",
            "list the allowed resources (ARNs) in Resource instead",
        )
    for c in st.conditions:
        key, low, op = c.key, c.key_lower, c.op
        if c.prefix and _single_valued(low):
            add(
                "SET_OPERATOR_ON_SINGLE_VALUED_KEY",
                f"{c.operator_name} on {key}, a key with at most one value per request. Set operators are for "
                "multivalued keys"
                + (
                    "; ForAllValues is also true when the key is missing, which an Allow rarely means."
                    if c.prefix == "ForAllValues"
                    else ", and AWS advises against them on single-valued keys."
                ),
                f'use "{op.name}" without the "{c.prefix}:" prefix',
            )
        if c.prefix is None and op.family != "Null" and low in MULTIVALUED_KEYS:
            add(
                "PLAIN_OPERATOR_ON_MULTIVALUED_KEY",
                f"{c.operator_name} on {key}, a key that can hold several values in one request. Say which of "
                "its values must match.",
                f'use "ForAllValues:{op.name}" (every value must be listed; add a Null "false" check) or '
                f'"ForAnyValue:{op.name}" (at least one value listed)',
            )
        if c.prefix == "ForAnyValue" and op.negated and st.effect == "Deny":
            positive = op.name[3:] if op.name.startswith("Not") else op.name.replace("Not", "", 1)
            add(
                "FORANYVALUE_NEGATED_IN_DENY",
                f"{c.operator_name} on {key} in a Deny denies as soon as one value is outside the list, and "
                "denies nothing when the key is missing or empty (ForAnyValue needs a value) — so a request "
                'without the key gets through. It is often written meaning "deny these values".',
                f'to deny listed values use "ForAnyValue:{positive}"; to deny values outside a list keep this '
                f'and add a Deny with "Null": {{"{key}": "true"}}',
            )
        if c.prefix == "ForAllValues" and st.effect == "Allow":
            if not _guarded_in_statement(st, low) and not _guarded_by_deny(st, low, all_statements):
                example = (
                    "a function with no VPC settings (or a disconnect, with empty lists)"
                    if low in VPC_KEYS
                    else "a request without the key"
                )
                add(
                    "FORALLVALUES_ABSENT_KEY",
                    f"{c.operator_name} on {key} is true when the key is absent or empty, so this Allow also "
                    f"allows {example}.",
                    f'add "Null": {{"{key}": "false"}} to this statement\'s Condition (the key must be present), or '
                    f'pair it with a Deny whose only condition is "Null": {{"{key}": "true"}}',
                )
    vpc_conditions = [c for c in st.conditions if c.key_lower in VPC_KEYS]
    if vpc_conditions:
        covered, others = expand_actions(st)
        extra = sorted(a for a in covered if a not in VPC_ACTIONS)
        if extra or others:
            shown = ", ".join(extra[:3]) + (" …" if len(extra) > 3 else "")
            if others:
                shown = (shown + ", " if shown else "") + "actions of other services"
            c = vpc_conditions[0]
            on_absent = c.evaluate({}).result
            if st.effect == "Allow":
                effect = (
                    "this statement never allows them"
                    if not on_absent
                    else "this statement allows them whatever the VPC settings"
                )
            else:
                effect = "this statement denies them all, always" if on_absent else "this condition never denies them"
            add(
                "VPC_KEY_ON_OTHER_ACTIONS",
                f"{c.key} is only in CreateFunction and UpdateFunctionConfiguration requests, but this statement "
                f"also covers {shown}. For those the key is absent, so {effect}.",
                'list only "lambda:CreateFunction" and "lambda:UpdateFunctionConfiguration" in this statement and '
                "put the other actions in a statement without VPC conditions",
            )
    return out


def _uses_variables(st: Statement) -> str | None:
    for text in (*st.actions, *st.resources, *(v for c in st.conditions for v in c.values)):
        if patterns.has_variables(text):
            return text
    return None


def _list(items: Iterable[str]) -> str:
    return "[" + ", ".join(items) + "]"


def lint(policy: object) -> list[Finding]:
    """Check one policy (dict or JSON text) or a list of them for the pitfalls above.

    >>> from labkit.iam.examples import LAMBDA_VPC_EXAMPLES, STAY_IN_SUBNETS_FIXED
    >>> [f.code for f in lint(LAMBDA_VPC_EXAMPLES["EnforceStayInSpecificSubnets"])]
    ['FORALLVALUES_ABSENT_KEY']
    >>> lint(STAY_IN_SUBNETS_FIXED)
    []
    """
    parsed = parse_policies(policy)
    statements = [st for p in parsed for st in p.statements]
    findings: list[Finding] = []
    for p in parsed:
        old_var = None
        for st in p.statements:
            findings.extend(_check_statement(st, p, statements))
            if not p.variables and old_var is None:
                text = _uses_variables(st)
                if text is not None:
                    old_var = Finding(
                        "VARIABLE_IN_OLD_VERSION",
                        CODES["VARIABLE_IN_OLD_VERSION"][0],
                        p.name,
                        st.sid,
                        st.index,
                        f"{text!r} contains a policy variable, but the policy's Version is "
                        f"{p.version}: IAM reads it as literal text.",
                        'set "Version": "2012-10-17" at the top of the policy',
                    )
        if old_var is not None:
            findings.append(old_var)
    return findings
