"""Errors of the IAM engine.

Every error names where the problem is (the policy, and the statement by its ``Sid`` or its number),
what is wrong, and how to fix it. They subclass :class:`labkit.errors.LabkitError` and ``ValueError``.
"""

from __future__ import annotations

from labkit.errors import LabkitError, LabkitLookupError


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
