"""Errors of the IAM engine.

Every error names where the problem is (the policy, and the statement by its ``Sid`` or its number),
what is wrong, and how to fix it. They subclass :class:`labkit.errors.LabkitError` and ``ValueError``.
"""

from __future__ import annotations

from labkit.errors import LabkitError, LabkitLookupError


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters; huge or deeply nested values stay printable.

    >>> shown("x" * 100, 10)
    "'xxxxxxxx…"
    >>> shown(10 ** 5000)
    'a number of about 5001 digits'
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__} too large to show"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PolicyError(LabkitError, ValueError):
    """A policy document that IAM would reject, or that labkit can't read.

    >>> err = PolicyError("Effect is 'allow'", where="statement #1", fix='write "Allow" or "Deny"')
    >>> str(err)
    'statement #1: Effect is \\'allow\\'. Fix: write "Allow" or "Deny".'
    >>> err.fix
    'write "Allow" or "Deny"'
    """

    def __init__(self, problem: str, *, where: str = "", fix: str = ""):
        self.problem = problem
        self.where = where
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"{self.where}: {self.problem}" if self.where else self.problem
        text = text.rstrip(".") + "."
        if self.fix:
            text += f" Fix: {self.fix.rstrip('.')}."
        return text

    def __str__(self) -> str:
        return self._message()


class PolicyJSONError(PolicyError):
    """The policy text is not valid JSON (the message gives the line and column)."""

    def __init__(self, problem: str, *, where: str = "", fix: str = "", line: int = 0, column: int = 0):
        self.line = line
        self.column = column
        super().__init__(problem, where=where, fix=fix)


class UnknownOperatorError(PolicyError):
    """A condition operator that IAM does not have (``StringEqual``, ``NullIfExists``…)."""


class ContextError(LabkitError, ValueError):
    """A request context labkit can't use (a value of the wrong type, a key given twice…)."""


class UnknownExampleError(LabkitLookupError):
    """No example policy with that name."""
