"""The request context of an evaluation: each key's values normalised (``normalize_context``), and the
values a policy variable may take (``variable_view``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from labkit.iam.errors import ContextError
from labkit.iam.errors import shown as _short
from labkit.iam.values import to_str as _to_str

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
