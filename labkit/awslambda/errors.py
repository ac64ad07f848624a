"""Errors of the offline lab itself, raised to the learner as Python errors (re-exported by ``labkit.errors``).

Not to be confused with ``labkit.awslambda.exceptions``: those are AWS's own error codes, which the lab
returns to boto3 so that boto3 raises its usual ``ClientError``.
"""

from __future__ import annotations

from labkit.errors import LabkitError


class RealAwsRefused(LabkitError, PermissionError):
    """The offline lab was asked to reach real AWS."""


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


class InvokeRequestError(LabkitError, ValueError):
    """The event can't be passed to a function (not JSON), or run_handler was called with bad arguments."""


class DeploymentPackageError(LabkitError, ValueError):
    """The function's code is not a usable .zip deployment package."""


class RealNetworkRefused(LabkitError, RuntimeError):
    """Something tried to open a connection off this machine while the lab was serving an AWS call.

    Not an ``OSError``, so HTTP libraries don't turn it into a retried connection error: it reaches the
    code that made the call with its explanation."""
