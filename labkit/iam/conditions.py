"""Condition operators: a registry (name → :class:`Operator`) and the evaluation of one condition.

Facts from the IAM User Guide ("IAM JSON policy elements: Condition operators", "Conditions with
multiple context keys or values", "Single-valued vs. multivalued context keys"):

* Operators AND together, keys under one operator AND together, the values of one key OR together;
  for a *negated* operator (``StringNotEquals``, ``NotIpAddress``, ``ArnNotLike``…) the values NOR
  together: the request value must match none of them.
* A key missing from the request: a plain operator is **false**, a negated operator is **true**,
  ``…IfExists`` is **true**, ``Null`` tests exactly that (``"true"``: the key is absent).
* ``ForAllValues:`` is true when every request value passes, and also when the key is absent or its
  value set is empty; ``ForAnyValue:`` is true when at least one value passes, false when absent/empty.
* ``IfExists`` exists for every operator except ``Null``. Policy variables work with the String, ARN
  and Bool operators only.
* An empty list (e.g. ``lambda:SubnetIds`` of a disconnect request) is an empty value set: labkit
  treats it exactly like a missing key, for every operator. An empty string is an empty value set for
  the set prefixes and ``Null``, as the User Guide says.
"""

from __future__ import annotations

import operator as _op
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from labkit.iam import patterns
from labkit.iam.errors import ContextError, PolicyError, UnknownOperatorError
from labkit.iam.errors import shown as _short
from labkit.iam.values import address as _address
from labkit.iam.values import binary as _binary
from labkit.iam.values import bool_text as _bool_text
from labkit.iam.values import date as _date
from labkit.iam.values import in_network as _in_network
from labkit.iam.values import network as _network
from labkit.iam.values import number as _number
from labkit.iam.values import to_str as _to_str

SET_PREFIXES = ("ForAllValues", "ForAnyValue")


# ---------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Family:
    """What the operators of one family share: how to read policy and request values, whether variables work."""

    name: str
    compile: Callable[[str], Any]  # policy value (text) → comparable; raises ValueError
    coerce: Callable[[Any], Any]  # request value → comparable; raises ValueError
    variables: bool


def _compile_string(text: str) -> str:
    return text


def _compile_lower(text: str) -> str:
    return text.lower()


def _compile_like(text: str) -> re.Pattern:
    return patterns.like_regex(patterns.plain(text))


def _compile_arn(text: str) -> re.Pattern:
    return patterns.arn_regex(patterns.plain(text))


FAMILIES = {
    "String": Family("String", _compile_string, _to_str, True),
    "Numeric": Family("Numeric", _number, _number, False),
    "Date": Family("Date", _date, _date, False),
    "Bool": Family("Bool", _bool_text, _bool_text, True),
    "Binary": Family("Binary", _binary, _binary, False),
    "IpAddress": Family("IpAddress", _network, _address, False),
    "Arn": Family("Arn", _compile_arn, _to_str, True),
    "Null": Family("Null", _bool_text, lambda v: v, False),
}


@dataclass(frozen=True)
class Operator:
    """One condition operator, e.g. ``StringLike`` or ``NumericLessThanIfExists``.

    ``match(request_value, policy_value)`` is the positive test of one pair (for a negated operator,
    the test it negates); ``compile``/``coerce`` read policy and request values.

    >>> op = OPERATORS["StringLike"]
    >>> op.match("subnet-0abc", op.compile("subnet-*"))
    True
    >>> OPERATORS["StringNotEqualsIfExists"].negated, OPERATORS["StringNotEqualsIfExists"].if_exists
    (True, True)
    """

    name: str
    base: str
    family: str
    negated: bool
    if_exists: bool
    description: str
    _compile: Callable[[str], Any] = field(repr=False)
    _coerce: Callable[[Any], Any] = field(repr=False)
    _match: Callable[[Any, Any], bool] = field(repr=False)
    variables: bool = False
    ignore_case: bool = False
    wildcards: bool = False

    def compile(self, text: str) -> Any:
        return self._compile(text)

    def coerce(self, value: Any) -> Any:
        return self._coerce(value)

    def match(self, request_value: Any, policy_value: Any) -> bool:
        return self._match(request_value, policy_value)

    def __call__(self, request_value: Any, policy_values: list) -> bool:
        """Evaluate the operator for one present, single request value against policy values (text).

        >>> OPERATORS["StringNotEquals"]("vpc-3", ["vpc-1", "vpc-2"])   # NOR: matches none of them
        True
        >>> OPERATORS["NumericLessThan"](5, ["10"])
        True
        """
        value = self.coerce(request_value)
        hit = any(self.match(value, self.compile(p)) for p in policy_values)
        return not hit if self.negated else hit


def _string_like_match(value: str, rx: re.Pattern) -> bool:
    return rx.fullmatch(value) is not None


def _lower_eq(value: str, policy: str) -> bool:
    return value.lower() == policy


_BASE: list[tuple[str, str, bool, str, Callable, Callable | None, dict]] = [
    # name, family, negated, description, match, compile override, extras
    ("StringEquals", "String", False, "exact match, case-sensitive", _op.eq, None, {}),
    ("StringNotEquals", "String", True, "matches none of the values, case-sensitive", _op.eq, None, {}),
    (
        "StringEqualsIgnoreCase",
        "String",
        False,
        "exact match, ignoring case",
        _lower_eq,
        _compile_lower,
        {"ignore_case": True},
    ),
    (
        "StringNotEqualsIgnoreCase",
        "String",
        True,
        "matches none of the values, ignoring case",
        _lower_eq,
        _compile_lower,
        {"ignore_case": True},
    ),
    (
        "StringLike",
        "String",
        False,
        "case-sensitive match with * and ? wildcards",
        _string_like_match,
        _compile_like,
        {"wildcards": True},
    ),
    (
        "StringNotLike",
        "String",
        True,
        "matches none of the wildcard patterns",
        _string_like_match,
        _compile_like,
        {"wildcards": True},
    ),
    ("NumericEquals", "Numeric", False, "number equal to", _op.eq, None, {}),
    ("NumericNotEquals", "Numeric", True, "number equal to none of", _op.eq, None, {}),
    ("NumericLessThan", "Numeric", False, "number less than", _op.lt, None, {}),
    ("NumericLessThanEquals", "Numeric", False, "number less than or equal to", _op.le, None, {}),
    ("NumericGreaterThan", "Numeric", False, "number greater than", _op.gt, None, {}),
    ("NumericGreaterThanEquals", "Numeric", False, "number greater than or equal to", _op.ge, None, {}),
    ("DateEquals", "Date", False, "same date and time", _op.eq, None, {}),
    ("DateNotEquals", "Date", True, "none of the dates", _op.eq, None, {}),
    ("DateLessThan", "Date", False, "before", _op.lt, None, {}),
    ("DateLessThanEquals", "Date", False, "at or before", _op.le, None, {}),
    ("DateGreaterThan", "Date", False, "after", _op.gt, None, {}),
    ("DateGreaterThanEquals", "Date", False, "at or after", _op.ge, None, {}),
    ("Bool", "Bool", False, 'boolean match ("true"/"false")', _op.eq, None, {}),
    ("BinaryEquals", "Binary", False, "byte-for-byte match of a base-64 value", _op.eq, None, {}),
    ("IpAddress", "IpAddress", False, "address inside the CIDR range", _in_network, None, {}),
    ("NotIpAddress", "IpAddress", True, "address inside none of the ranges", _in_network, None, {}),
    (
        "ArnEquals",
        "Arn",
        False,
        "ARN match, segment by segment, with wildcards (same as ArnLike)",
        _string_like_match,
        None,
        {"wildcards": True},
    ),
    (
        "ArnLike",
        "Arn",
        False,
        "ARN match, segment by segment, with wildcards",
        _string_like_match,
        None,
        {"wildcards": True},
    ),
    (
        "ArnNotEquals",
        "Arn",
        True,
        "matches none of the ARN patterns (same as ArnNotLike)",
        _string_like_match,
        None,
        {"wildcards": True},
    ),
    ("ArnNotLike", "Arn", True, "matches none of the ARN patterns", _string_like_match, None, {"wildcards": True}),
    ("Null", "Null", False, '"true": the key is absent (or empty); "false": it is present', _op.eq, None, {}),
]


def _build() -> dict[str, Operator]:
    registry: dict[str, Operator] = {}
    for name, fam, negated, desc, match, compile_override, extras in _BASE:
        family = FAMILIES[fam]
        compile_fn = compile_override or family.compile
        registry[name] = Operator(
            name,
            name,
            fam,
            negated,
            False,
            desc,
            compile_fn,
            family.coerce,
            match,
            variables=family.variables,
            **extras,
        )
        if name != "Null":
            registry[name + "IfExists"] = Operator(
                name + "IfExists",
                name,
                fam,
                negated,
                True,
                desc + "; true if the key is absent",
                compile_fn,
                family.coerce,
                match,
                variables=family.variables,
                **extras,
            )
    return registry


#: Every condition operator IAM has, by name (base operators and their ``…IfExists`` variants).
OPERATORS: dict[str, Operator] = _build()


def _operator_hint(name: str) -> str:
    from labkit.errors import did_you_mean

    folded = {n.lower(): n for n in OPERATORS}
    if name.lower() in folded:
        hint = f"did you mean {folded[name.lower()]}? "
    else:
        hint = did_you_mean(name, OPERATORS, n=1, cutoff=0.6, form="did you mean {}? ")
    return hint + "Operator names are case-sensitive; labkit.iam.OPERATORS lists them all"


def _prefix_hint(prefix: str, base: str) -> str:
    from labkit.errors import did_you_mean

    hint = did_you_mean(prefix, SET_PREFIXES, n=1, cutoff=0.5, form=f"did you mean {{}}:{base}? ")
    return hint + "The set prefixes are ForAllValues: (every value must match) and ForAnyValue: (at least one)"


@lru_cache(maxsize=1024)
def lookup(name: str) -> tuple[Operator, str | None]:
    """The operator and set prefix (``"ForAllValues"``, ``"ForAnyValue"`` or ``None``) for a name.

    >>> op, prefix = lookup("ForAllValues:StringEquals")
    >>> op.name, prefix
    ('StringEquals', 'ForAllValues')
    >>> lookup("StringEqual")
    Traceback (most recent call last):
    ...
    labkit.iam.errors.UnknownOperatorError: unknown condition operator 'StringEqual'. Fix: did you mean StringEquals? Operator names are case-sensitive; labkit.iam.OPERATORS lists them all.
    """
    if not isinstance(name, str):
        raise UnknownOperatorError(
            f"condition operator {_short(name)} is not a string", fix="write an operator name such as StringEquals"
        )
    prefix = None
    base = name
    if ":" in name:
        prefix, base = name.split(":", 1)
        if prefix not in SET_PREFIXES:
            raise UnknownOperatorError(
                f"unknown set prefix {prefix!r} in condition operator {name!r}", fix=_prefix_hint(prefix, base)
            )
    op = OPERATORS.get(base)
    if op is None:
        if base == "NullIfExists":
            raise UnknownOperatorError(
                "unknown condition operator 'NullIfExists': Null has no IfExists variant (it already tests "
                "whether the key exists)",
                fix='use "Null" with "true" (key absent) or "false" (key present)',
            )
        raise UnknownOperatorError(f"unknown condition operator {name!r}", fix=_operator_hint(base))
    if prefix and op.family == "Null":
        raise UnknownOperatorError(f"{name!r}: Null can't take a set prefix", fix=f'write "Null" without "{prefix}:"')
    return op, prefix


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


# ---------------------------------------------------------------- the request context


class ContextEntry:
    """One key of the request context, normalised: its values as a tuple, and whether it was a list."""

    __slots__ = ("key", "values", "is_list")

    def __init__(self, key: str, values: tuple, is_list: bool):
        self.key = key
        self.values = values
        self.is_list = is_list

    @property
    def display(self) -> Any:
        return list(self.values) if self.is_list else self.values[0]

    def empty_for(self, prefix: str | None, null: bool = False) -> bool:
        """An empty value set: an empty list always; an empty string for the set prefixes and Null."""
        if self.is_list and not self.values:
            return True
        return (prefix is not None or null) and self.values == ("",)


def normalize_context(context: dict | None) -> dict[str, ContextEntry]:
    """Lower-case key → :class:`ContextEntry`. Values: str, bool, number, date, bytes, or a list of them.

    >>> ctx = normalize_context({"lambda:SubnetIds": ["subnet-1"], "aws:SecureTransport": True})
    >>> sorted(ctx), ctx["lambda:subnetids"].values, ctx["aws:securetransport"].values
    (['aws:securetransport', 'lambda:subnetids'], ('subnet-1',), (True,))
    """
    if context is None:
        return {}
    if not isinstance(context, dict):
        raise ContextError(
            f"the request context must be a dict of key → value, got {type(context).__name__}; "
            'write e.g. {"lambda:VpcIds": "vpc-1"}'
        )
    out: dict[str, ContextEntry] = {}
    for key, value in context.items():
        if key.__class__ is not str or not key:
            raise ContextError(f"context key {_short(key)} is not a non-empty string; write keys like 'lambda:VpcIds'")
        low = key.lower()
        if low in out:
            raise ContextError(
                f"context key {key!r} is given twice ({out[low].key!r} and {key!r}); key names are "
                "case-insensitive in IAM, so keep only one"
            )
        kind = value.__class__
        if kind in _SCALARS:
            out[low] = ContextEntry(key, (value,), False)
        elif kind is list or kind is tuple or isinstance(value, (list, tuple, set, frozenset)):
            items = tuple(sorted(value, key=str) if isinstance(value, (set, frozenset)) else value)
            for item in items:
                if item.__class__ not in _SCALARS:
                    _check_scalar(key, item)
            out[low] = ContextEntry(key, items, True)
        else:
            _check_scalar(key, value)
            out[low] = ContextEntry(key, (value,), False)
    return out


_SCALARS = frozenset({str, bool, int, float, Decimal, datetime, bytes, bytearray})


def _check_scalar(key: str, value: Any) -> None:
    if value is None:
        raise ContextError(f"context key {key!r} is None; leave the key out of the context to make it absent")
    if not isinstance(value, (str, bool, int, float, Decimal, datetime, bytes, bytearray)):
        raise ContextError(
            f"context key {key!r} has a value of type {type(value).__name__}; give a string, "
            "bool, number, date or a list of them"
        )


def variable_view(context: dict[str, ContextEntry]) -> dict[str, str]:
    """The values usable as policy variables: single-valued keys only, as text."""
    out = {}
    for low, entry in context.items():
        if not entry.is_list:
            try:
                out[low] = _to_str(entry.values[0])
            except ValueError:
                pass
    return out


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
