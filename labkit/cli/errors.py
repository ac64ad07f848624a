"""Errors of the command line (re-exported by ``labkit.errors``)."""

from __future__ import annotations

from labkit.errors import LabkitError


class ReachUsageError(LabkitError, ValueError):
    """``labkit reach`` was given arguments that don't fit together."""
