"""Errors of the pictures (re-exported by ``labkit.errors``)."""

from __future__ import annotations

from labkit.errors import LabkitError


class GraphvizMissingError(LabkitError, RuntimeError):
    """graphviz's ``dot`` program is not installed, so a picture can't be rendered."""
