"""One condition (operator + key) of a policy's Condition block: compiled once (``compile_condition``),
evaluated against a request context, with the reason for its result (``ConditionResult``).

The operators' meaning is in :mod:`labkit.iam.operators`; the request context in :mod:`labkit.iam.context`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from labkit.iam import patterns
from labkit.iam.context import ContextEntry, variable_view
from labkit.iam.errors import PolicyError
from labkit.iam.operators import Operator, lookup
from labkit.iam.values import bool_text as _bool_text
from labkit.iam.values import to_str as _to_str

# ---------------------------------------------------------------- evaluating one condition (operator + key)


@dataclass(frozen=True)
class ConditionResult:
    """The outcome of one operator/key pair of a Condition block, with the trainer's explanation."""

    operator: str  # as written in the policy, e.g. "ForAllValues:StringEquals"
    key: str  # as written in the policy
    context_value: Any  # the request's value (str or list), None when the key is absent
    policy_values: tuple[str, ...]
    result: bool
    why: Any = field(repr=False, compare=False)  # the reason, or a function that writes it (on demand)

    @property
    def reason(self) -> str:
        """Why the condition is true or false, e.g. ``subnet-9 matches none of [subnet-1, subnet-2] → false``."""
        why = self.why
        return why() if callable(why) else why

    def __str__(self) -> str:
        return f"{self.operator} {self.key}: {self.reason}"

    def to_dict(self) -> dict:
        cv = list(self.context_value) if isinstance(self.context_value, tuple) else self.context_value
        return {
            "operator": self.operator,
            "key": self.key,
            "context_value": cv,
            "policy_values": list(self.policy_values),
            "result": self.result,
            "reason": self.reason,
        }


def _fmt(values: Any) -> str:
    if isinstance(values, (list, tuple)):
        return "[" + ", ".join(str(v) for v in values) + "]"
    return str(values)


def _tf(flag: bool) -> str:
    return "true" if flag else "false"


def absent_result(op: Operator, prefix: str | None, empty: bool) -> tuple[bool, str]:
    """Result and reason when the key is absent (``empty``: present but with no values)."""
    what = "key present with no values (empty)" if empty else "key absent"
    if op.family == "Null":
        raise AssertionError("Null is decided by evaluate_null")
    if op.if_exists:
        return True, f"{what} → true (…IfExists passes when there is no value to check)"
    if prefix == "ForAllValues":
        return True, f"{what} → true (ForAllValues is true when the request has no values: nothing fails)"
    if prefix == "ForAnyValue":
        return False, f"{what} → false (ForAnyValue needs at least one value that matches)"
    if op.negated:
        return True, f"{what} → true (a negated operator is true when the key is missing)"
    return False, f"{what} → false (a missing key matches nothing)"


def evaluate_null(want: tuple[str, ...], present: bool, empty: bool = False) -> tuple[bool, str]:
    """``Null``: ``"true"`` means the key must be absent (or empty), ``"false"`` that it must be present."""
    is_null = not present
    result = any((w == "true") == is_null for w in want)
    if is_null:
        state = "key present with no values (empty) → Null is true" if empty else "key absent → Null is true"
    else:
        state = "key present → Null is false"
    return result, f"{state}; policy wants {'/'.join(want)} → {_tf(result)}"


# ---------------------------------------------------------------- one compiled condition


class Condition:
    """One operator/key pair of a Condition block, compiled once and evaluated many times."""

    __slots__ = ("operator_name", "op", "prefix", "key", "key_lower", "values", "compiled", "static", "lookup")

    def __init__(
        self,
        operator_name: str,
        op: Operator,
        prefix: str | None,
        key: str,
        values: tuple[str, ...],
        compiled: tuple,
        static: bool,
    ):
        self.operator_name = operator_name
        self.op = op
        self.prefix = prefix
        self.key = key
        self.key_lower = key.lower()
        self.values = values
        self.compiled = compiled  # per value: a compiled policy value, or a patterns.Template
        self.static = static  # no policy variables
        # fast path for exact string comparisons: request text → the policy value it equals
        self.lookup = None
        if static and op.family == "String" and not op.wildcards:
            table: dict[str, str] = {}
            for text, comp in zip(values, compiled, strict=False):
                table.setdefault(comp, text)
            self.lookup = table

    def __repr__(self) -> str:
        return f"Condition({self.operator_name!r}, {self.key!r}, {list(self.values)!r})"

    def _from_pieces(self, pieces: tuple[patterns.Piece, ...]) -> Any:
        op = self.op
        if op.family == "Arn":
            return patterns.arn_regex(pieces)
        if op.wildcards:
            return patterns.like_regex(pieces)
        text = patterns.join(pieces)
        if op.ignore_case:
            return text.lower()
        if op.family == "Bool":
            return _bool_text(text)
        return text

    def _resolved(self, variables: dict[str, str]) -> list:
        out: list[Any] = []
        for item in self.compiled:
            if isinstance(item, patterns.Template):
                pieces = item.resolve(variables)
                if pieces is None:
                    out.append(None)
                    continue
                try:
                    out.append(self._from_pieces(pieces))
                except ValueError:
                    out.append(None)
            else:
                out.append(item)
        return out

    def evaluate(self, context: dict[str, ContextEntry], variables: dict[str, str] | None = None) -> ConditionResult:
        """Evaluate against a normalised context (see :func:`normalize_context`)."""
        op = self.op
        entry = context.get(self.key_lower)
        shown = None if entry is None else (entry.values if entry.is_list else entry.values[0])
        if op.family == "Null":
            empty = entry is not None and entry.empty_for(None, null=True)
            result, reason = evaluate_null(self.compiled, entry is not None and not empty, empty)
            return ConditionResult(self.operator_name, self.key, shown, self.values, result, reason)
        if entry is None or entry.empty_for(self.prefix):
            result, reason = absent_result(op, self.prefix, entry is not None)
            return ConditionResult(self.operator_name, self.key, shown, self.values, result, reason)
        compiled: Sequence[Any]
        if self.static:
            compiled = self.compiled
        else:
            compiled = self._resolved(variables if variables is not None else variable_view(context))
        result, why = self._present(entry, compiled)
        return ConditionResult(self.operator_name, self.key, shown, self.values, result, why)

    def _present(self, entry: ContextEntry, compiled: Sequence[Any]) -> tuple[bool, Any]:
        op = self.op
        negated = op.negated
        values = self.values
        unresolved = None
        if not self.static:
            unresolved = next((t for t, c in zip(values, compiled, strict=False) if c is None), None)
            if unresolved is not None and negated:
                return False, (
                    f"policy variable in {unresolved!r} is not in the request context, so IAM can't "
                    "evaluate the statement → false"
                )
        hits: list = []  # per request value: the policy value it matches, or None
        errors: dict[int, str] = {}
        lookup = self.lookup
        if lookup is not None:
            fold = op.ignore_case
            for raw in entry.values:
                text = raw if raw.__class__ is str else _to_str(raw)
                hits.append(lookup.get(text.lower() if fold else text))
        else:
            for n, raw in enumerate(entry.values):
                try:
                    value = op.coerce(raw)
                except ValueError as err:
                    hits.append(None)
                    errors[n] = str(err)
                    continue
                hit = None
                for text, pol in zip(values, compiled, strict=False):
                    if pol is not None and op.match(value, pol):
                        hit = text
                        break
                hits.append(hit)
        oks = [h is None for h in hits] if negated else [h is not None for h in hits]
        prefix = self.prefix
        if prefix is None and not entry.is_list:
            mode = "single"
            result = oks[0]
        elif prefix == "ForAllValues" or (prefix is None and negated):
            mode = "all"
            result = all(oks)
        else:
            mode = "any"
            result = any(oks)

        def why() -> str:
            note = f" (policy variable in {unresolved!r} unresolved: that value matches nothing)" if unresolved else ""
            lines = []
            for n, (raw, hit) in enumerate(zip(entry.values, hits, strict=False)):
                if n in errors:
                    lines.append(f"{raw!r} can't be compared ({errors[n]})")
                elif hit is None:
                    lines.append(f"{raw} matches none of {_fmt(values)}")
                else:
                    lines.append(f"{raw} matches {hit}")
            if mode == "single":
                return f"{lines[0]} → {_tf(result)}{note}"
            if mode == "all":
                tag = "ForAllValues" if prefix else "no set operator on a list: every value must pass"
                if not result:
                    bad = oks.index(False)
                    return f"{lines[bad]} → false ({tag}){note}"
                return f"every value passes ({'; '.join(lines)}) → true{note}"
            tag = "ForAnyValue" if prefix else "no set operator on a list: one passing value is enough"
            if result:
                return f"{lines[oks.index(True)]} → true ({tag}){note}"
            return f"no value passes ({'; '.join(lines)}) → false{note}"

        return result, why


def compile_condition(
    operator_name: str, key: str, values: tuple[str, ...], *, variables: bool, where: str = ""
) -> Condition:
    """Compile one operator/key pair; ``variables`` says whether the policy version allows policy variables.

    >>> from labkit.iam.context import normalize_context
    >>> c = compile_condition("ForAllValues:StringEquals", "lambda:SubnetIds", ("subnet-1", "subnet-2"), variables=True)
    >>> c.evaluate(normalize_context({})).result          # absent key: ForAllValues is true
    True
    >>> c.evaluate(normalize_context({"lambda:SubnetIds": ["subnet-1", "subnet-9"]})).reason
    'subnet-9 matches none of [subnet-1, subnet-2] → false (ForAllValues)'
    """
    op, prefix = lookup(operator_name)
    if not values:
        raise PolicyError(
            f"condition {operator_name} on {key!r} has no values",
            where=where,
            fix='give at least one value, e.g. "lambda:VpcIds": ["vpc-1"]',
        )
    compiled: list = []
    static = True
    for text in values:
        if op.family == "Null":
            if text.strip().lower() not in ("true", "false"):
                raise PolicyError(
                    f'Null on {key!r} takes "true" or "false", not {text!r}',
                    where=where,
                    fix='"true" means the key is absent, "false" that it is present',
                )
            compiled.append(text.strip().lower())
            continue
        if variables and patterns.has_variables(text):
            if not op.variables:
                raise PolicyError(
                    f"{operator_name} on {key!r} uses a policy variable in {text!r}, but variables work only with "
                    "the String, ARN and Bool operators",
                    where=where,
                    fix="write the value literally, or use a String operator",
                )
            compiled.append(patterns.Template.parse(text))
            static = False
            continue
        try:
            compiled.append(op.compile(text))
        except ValueError as err:
            raise PolicyError(f"{operator_name} on {key!r}: {err}", where=where, fix=_value_fix(op.family)) from None
    return Condition(operator_name, op, prefix, key, tuple(values), tuple(compiled), static)


def _value_fix(family: str) -> str:
    return {
        "Numeric": 'give a number such as "10" or "2.5"',
        "Date": 'give an ISO 8601 date/time such as "2024-01-01T00:00:00Z" or epoch seconds',
        "Bool": 'give "true" or "false"',
        "Binary": "give the base-64 encoding of the bytes",
        "IpAddress": 'give an address or a CIDR range such as "203.0.113.0/24"',
    }.get(family, "correct the value")
