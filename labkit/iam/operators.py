"""Condition operators: the registry (name → :class:`Operator`), families, and ``lookup`` of a written name.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from labkit.iam import patterns
from labkit.iam.errors import UnknownOperatorError
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
