"""labkit's errors.

Every error subclasses a built-in (``ValueError`` or ``LookupError``) so ordinary ``except`` clauses
work, and every message says what was expected, what was given, and how to fix it.
"""

from __future__ import annotations


class LabkitError(Exception):
    """Base class of every labkit error."""


class UnknownResourceError(LabkitError, LookupError):
    """A function, subnet, security group… that the topology does not have."""

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0]) if self.args else ""


class UnknownFunctionError(UnknownResourceError):
    """No Lambda function with that name or ARN."""


class UnknownSubnetError(UnknownResourceError):
    """No subnet with that id."""


class DestinationError(LabkitError, ValueError):
    """A trace destination labkit can't parse or doesn't support."""


class SourceError(LabkitError, ValueError):
    """A trace source that is neither a function nor subnet + security groups."""


class ReadOnlyViolation(LabkitError, PermissionError):
    """Something tried to call a mutating AWS operation from a read-only session."""


class RealAwsRefused(LabkitError, PermissionError):
    """The offline lab was asked to reach real AWS."""


class AwsAccessError(LabkitError, PermissionError):
    """AWS could not be read: no credentials, credentials rejected, or access denied."""


class AwsSetupError(LabkitError, ValueError):
    """The session can't reach an AWS region: no region, an unknown or disabled region, no endpoint."""


class VpcConfigError(LabkitError, ValueError):
    """Subnets without security groups (or the reverse): Lambda needs both, or neither."""


class GraphvizMissingError(LabkitError, RuntimeError):
    """graphviz's ``dot`` program is not installed, so a picture can't be rendered."""


def did_you_mean(given: str, choices, limit: int = 8) -> str:
    """A short "choose one of …" sentence for error messages.

    >>> did_you_mean("fn", ["alpha", "beta"])
    'Known: alpha, beta.'
    >>> did_you_mean("x", [])
    'There are none.'
    """
    import difflib

    choices = sorted(set(choices))
    if not choices:
        return "There are none."
    close = difflib.get_close_matches(given, choices, n=3)
    shown = ", ".join(choices[:limit]) + (f" … ({len(choices)} in all)" if len(choices) > limit else "")
    hint = f"Did you mean {' or '.join(close)}? " if close else ""
    return f"{hint}Known: {shown}."


class LabError(LabkitError, RuntimeError):
    """The offline lab can't do what was asked (it is closed, moto is missing, the environment forces one account…)."""


class LabClosedError(LabError):
    """A call through a lab that has been closed."""


class DurationError(LabkitError, ValueError):
    """A lab clock duration labkit can't read (``lab.advance("3 fortnights")``) or a negative one."""


class TimingsError(LabkitError, ValueError):
    """A lab timings table with an unknown key or a bad value."""


class TemplateError(LabkitError, ValueError):
    """A CloudFormation template the lab can't read or find."""


class DeployError(LabkitError, RuntimeError):
    """A CloudFormation stack the lab could not create; the message names the failing resource."""
