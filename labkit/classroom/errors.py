"""Errors of the classroom tools (re-exported by ``labkit.errors``)."""

from __future__ import annotations

from labkit.errors import LabkitError


class ReportSourceError(LabkitError, ValueError):
    """The report's source (the hub, a token) can't be used."""


class LinkError(LabkitError, ValueError):
    """A hub, repository or lesson given for a link is not usable."""
