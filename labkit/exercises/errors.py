"""Errors of the exercises (re-exported by ``labkit.errors``)."""

from __future__ import annotations

from labkit.errors import LabkitError, LabkitLookupError


class UnknownExerciseError(LabkitLookupError):
    """``lk.exercises.get`` was given an id that is not in the catalog (or ``catalog`` an unknown topic)."""


class AnswerError(LabkitError, ValueError):
    """An answer the checker can't read. ``check`` turns it into friendly feedback; it never escapes."""
