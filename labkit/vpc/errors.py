"""Errors of the network model, the importer and reachability (re-exported by ``labkit.errors``)."""

from __future__ import annotations

from labkit.errors import LabkitError, LabkitLookupError


class UnknownResourceError(LabkitLookupError):
    """A function, subnet, security group… that the topology does not have."""


class UnknownFunctionError(UnknownResourceError):
    """No Lambda function with that name or ARN."""


class UnknownSubnetError(UnknownResourceError):
    """No subnet with that id."""


class DestinationError(LabkitError, ValueError):
    """A trace destination labkit can't parse or doesn't support."""


class SourceError(LabkitError, ValueError):
    """A trace source that is neither a function nor subnet + security groups."""


class VpcConfigError(LabkitError, ValueError):
    """Subnets without security groups (or the reverse): Lambda needs both, or neither."""


class ReadOnlyViolation(LabkitError, PermissionError):
    """Something tried to call a mutating AWS operation from a read-only session."""


class AwsAccessError(LabkitError, PermissionError):
    """AWS could not be read: no credentials, credentials rejected, or access denied."""


class AwsSetupError(LabkitError, ValueError):
    """The session can't reach an AWS region: no region, an unknown or disabled region, no endpoint."""
