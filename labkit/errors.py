"""labkit's errors: the base classes, ``shown`` and ``did_you_mean`` for messages, and every error by name.

Every error subclasses a built-in (``ValueError``, ``LookupError``…) so ordinary ``except`` clauses
work, and every message says what was expected, what was given, and how to fix it.

One rule: a subpackage with errors of its own keeps them in its ``errors`` module
(``labkit.vpc.errors``, ``labkit.iam.errors``, ``labkit.awslambda.errors``, ``labkit.render.errors``,
``labkit.exercises.errors``, ``labkit.classroom.errors``, ``labkit.cli.errors``) and builds them on the base classes here; this module re-exports them by
name (``from labkit.errors import PolicyError`` works), loading the subpackage's errors module only when
such a name is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable


class LabkitError(Exception):
    """Base class of every labkit error."""


class LabkitLookupError(LabkitError, LookupError):
    """Base class of labkit's "no such thing" errors (a resource, an exercise, an example policy…).

    ``str()`` is the message itself: a plain ``LookupError`` would quote it like a dict key.

    >>> str(LabkitLookupError("No subnet 'x'."))
    "No subnet 'x'."
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def shown(value: object, limit: int = 120) -> str:
    """``repr(value)`` for a message: never raises (a 5,000-digit int's repr does), at most ``limit`` characters.

    >>> shown("internet:80")
    "'internet:80'"
    >>> shown(10**5000)
    '<int of about 5001 digits>'
    >>> len(shown("x" * 1000)) <= 120
    True
    """
    try:
        text = repr(value)
    except ValueError:
        if isinstance(value, int):  # too many digits to print
            return f"<int of about {int(value.bit_length() * 0.30103) + 1} digits>"
        return f"<{type(value).__name__}>"
    except Exception:  # noqa: BLE001 - a broken __repr__ of a learner's object
        return f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def did_you_mean(
    given: object,
    choices: Iterable[object],
    limit: int = 8,
    *,
    n: int = 3,
    cutoff: float = 0.6,
    form: str | None = None,
    quote: bool = False,
) -> str:
    """The "did you mean …" part of an error message: labkit's one place for close-match suggestions.

    By default a sentence that suggests up to ``n`` close matches and lists the known ``choices``
    (at most ``limit`` of them). With ``form``, only the suggestion: ``form`` with ``{}`` replaced by the
    close matches (joined with "or"), or ``""`` when none is close. ``quote`` shows the matches with
    ``repr``. ``cutoff`` is how similar a match must be (0 to 1). Anything given is compared as text.

    >>> did_you_mean("fn", ["alpha", "beta"])
    'Known: alpha, beta.'
    >>> did_you_mean("x", [])
    'There are none.'
    >>> did_you_mean("Statment", ["Statement", "Version"])
    'Did you mean Statement? Known: Statement, Version.'
    >>> did_you_mean("alowed", ["allowed", "denied"], n=1, form=" (did you mean {}?)", quote=True)
    " (did you mean 'allowed'?)"
    >>> did_you_mean("zzz", ["allowed"], form=" (did you mean {}?)")
    ''
    """
    import difflib

    names = sorted({str(c) for c in choices})
    text = str(given)
    longest = max((len(c) for c in names), default=0)
    # difflib's ratio is at most 2·len(choice)/(len(text)+len(choice)): far longer text can't be close.
    reachable = longest > 0 and 2 * longest / (len(text) + longest) >= cutoff
    close = difflib.get_close_matches(text, names, n=n, cutoff=cutoff) if reachable else []
    shown_close = " or ".join(repr(c) if quote else c for c in close)
    if form is not None:
        return form.replace("{}", shown_close) if close else ""
    if not names:
        return "There are none."
    shown = ", ".join(names[:limit]) + (f" … ({len(names)} in all)" if len(names) > limit else "")
    hint = f"Did you mean {shown_close}? " if close else ""
    return f"{hint}Known: {shown}."


# Errors that live with their subpackage, re-exported here by name (loaded on first use, so that
# ``import labkit.errors`` stays free of the engines and no import cycle forms).
_ELSEWHERE = {
    "UnknownResourceError": "labkit.vpc.errors",
    "UnknownFunctionError": "labkit.vpc.errors",
    "UnknownSubnetError": "labkit.vpc.errors",
    "DestinationError": "labkit.vpc.errors",
    "SourceError": "labkit.vpc.errors",
    "VpcConfigError": "labkit.vpc.errors",
    "ReadOnlyViolation": "labkit.vpc.errors",
    "AwsAccessError": "labkit.vpc.errors",
    "AwsSetupError": "labkit.vpc.errors",
    "RealAwsRefused": "labkit.awslambda.errors",
    "LabError": "labkit.awslambda.errors",
    "LabClosedError": "labkit.awslambda.errors",
    "DurationError": "labkit.awslambda.errors",
    "TimingsError": "labkit.awslambda.errors",
    "TemplateError": "labkit.awslambda.errors",
    "DeployError": "labkit.awslambda.errors",
    "GraphvizMissingError": "labkit.render.errors",
    "InvokeRequestError": "labkit.awslambda.errors",
    "DeploymentPackageError": "labkit.awslambda.errors",
    "RealNetworkRefused": "labkit.awslambda.errors",
    "ReportSourceError": "labkit.classroom.errors",
    "LinkError": "labkit.classroom.errors",
    "ReachUsageError": "labkit.cli.errors",
    "PolicyError": "labkit.iam.errors",
    "PolicyJSONError": "labkit.iam.errors",
    "UnknownOperatorError": "labkit.iam.errors",
    "ContextError": "labkit.iam.errors",
    "UnknownExampleError": "labkit.iam.errors",
    "UnknownExerciseError": "labkit.exercises.errors",
    "AnswerError": "labkit.exercises.errors",
}


def __getattr__(name: str) -> type[LabkitError]:
    if name in _ELSEWHERE:
        error: type[LabkitError] = getattr(importlib.import_module(_ELSEWHERE[name]), name)
        return error
    raise AttributeError(f"module 'labkit.errors' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_ELSEWHERE))
