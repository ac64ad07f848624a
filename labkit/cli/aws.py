"""The AWS session of the command line: time limits, bounded retries, and set-up problems as one clear line.

A command that reads a real account must fail within seconds when the network stalls, never hang for
minutes. Every client of the session that :func:`make_session` returns carries a botocore ``Config``:

* ``connect_timeout`` (default :data:`CONNECT_TIMEOUT` seconds) and ``read_timeout`` (default
  :data:`READ_TIMEOUT` seconds). ``--timeout SECONDS`` sets both; without the flag, the environment
  variable ``LABKIT_AWS_TIMEOUT`` does; the flag wins when both are given.
* retries: at most :data:`MAX_ATTEMPTS` attempts in all (the first call and one retry), ``standard``
  mode, unless the user chose their own: ``AWS_MAX_ATTEMPTS`` / ``AWS_RETRY_MODE`` or ``max_attempts``
  / ``retry_mode`` in the profile of ``~/.aws/config`` are respected as they are.

:func:`setup_error` turns what botocore raises for a broken set-up (a missing profile, a failing
``credential_process``, a garbled config file, an endpoint that does not answer, a refused proxy…)
into an ``AwsSetupError`` whose message names the problem and the fix; the command prints it as one
line and exits 2.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any
from urllib.parse import urlsplit

from labkit.vpc.errors import AwsSetupError

#: Seconds to wait for a connection to an AWS endpoint, and for an answer on it.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
#: Attempts per call in all (the first one included) unless the user's AWS settings say otherwise.
MAX_ATTEMPTS = 2
RETRY_MODE = "standard"
#: The environment variable that sets both timeouts (``--timeout`` wins over it).
TIMEOUT_ENV = "LABKIT_AWS_TIMEOUT"
#: The largest timeout accepted, in seconds.
MAX_TIMEOUT = 3600.0

RETRY_MODES = ("legacy", "standard", "adaptive")


def parse_timeout(text: str, where: str = "--timeout") -> float:
    """A positive number of seconds (at most :data:`MAX_TIMEOUT`), or ``AwsSetupError``.

    >>> parse_timeout("2.5")
    2.5
    >>> parse_timeout("0")
    Traceback (most recent call last):
    ...
    labkit.vpc.errors.AwsSetupError: --timeout must be a number of seconds above 0 and at most 3600, e.g. --timeout 5; got '0'.
    """
    try:
        value = float(text.strip())
    except (ValueError, AttributeError):
        value = math.nan
    if not (0 < value <= MAX_TIMEOUT):
        example = f"{TIMEOUT_ENV}=5" if where == TIMEOUT_ENV else "--timeout 5"
        raise AwsSetupError(
            f"{where} must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}, e.g. "
            f"{example}; got {text[:40]!r}."
        )
    return value


def timeouts(flag: float | None = None, environ: dict[str, str] | None = None) -> tuple[float, float]:
    """(connect, read) timeouts in seconds: the flag's value, else ``LABKIT_AWS_TIMEOUT``'s, else the defaults.

    >>> timeouts(None, {})
    (5.0, 10.0)
    >>> timeouts(None, {"LABKIT_AWS_TIMEOUT": "2"}), timeouts(1.0, {"LABKIT_AWS_TIMEOUT": "2"})
    ((2.0, 2.0), (1.0, 1.0))
    """
    env = os.environ if environ is None else environ
    if flag is not None:
        return flag, flag
    text = env.get(TIMEOUT_ENV)
    if text is not None and text.strip():
        value = parse_timeout(text, TIMEOUT_ENV)
        return value, value
    return CONNECT_TIMEOUT, READ_TIMEOUT


def _user_setting(botocore_session: Any, name: str) -> object:
    """A retry setting the user chose (environment or config file), or None; a broken one is an AwsSetupError."""
    try:
        return botocore_session.get_config_variable(name)
    except Exception as e:  # a garbled config file or value: botocore raises a variety of errors here
        raise setup_error(e) from None


def client_config(botocore_session: Any, timeout: float | None = None) -> Any:
    """The botocore ``Config`` every client of the command gets (see the module docstring)."""
    from botocore.config import Config

    connect, read = timeouts(timeout)
    retries: dict[str, object] = {}
    attempts = _user_setting(botocore_session, "max_attempts")
    mode = _user_setting(botocore_session, "retry_mode")
    if attempts is None:
        retries["total_max_attempts"] = MAX_ATTEMPTS
    if mode is None:
        retries["mode"] = RETRY_MODE
    return Config(connect_timeout=connect, read_timeout=read, retries=retries or None)


def check_settings(environ: dict[str, str] | None = None) -> None:
    """Refuse AWS settings from the environment that botocore would trip over later with a raw error."""
    env = os.environ if environ is None else environ
    for name, value in sorted(env.items()):
        if name == "AWS_ENDPOINT_URL" or name.startswith("AWS_ENDPOINT_URL_"):
            if value and not _is_url(value):
                raise AwsSetupError(
                    f"{name}={value[:80]!r} is not a URL. Write a full URL such as https://ec2.us-east-1.amazonaws.com "
                    f"(or http://127.0.0.1:5000 for a local endpoint), or unset it: unset {name}."
                )
    attempts = env.get("AWS_MAX_ATTEMPTS")
    if attempts is not None and not (attempts.strip().isascii() and attempts.strip().isdigit() and int(attempts) >= 1):
        raise AwsSetupError(
            f"AWS_MAX_ATTEMPTS={attempts[:40]!r} is not a whole number of attempts. Write e.g. "
            "AWS_MAX_ATTEMPTS=3, or unset it (labkit then tries each call at most "
            f"{MAX_ATTEMPTS} times)."
        )
    mode = env.get("AWS_RETRY_MODE")
    if mode is not None and mode not in RETRY_MODES:
        raise AwsSetupError(
            f"AWS_RETRY_MODE={mode[:40]!r} is not a retry mode: use one of {', '.join(RETRY_MODES)}, or unset it."
        )


def _is_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def make_session(profile: str | None, region: str | None, timeout: float | None = None) -> Any:
    """A ``boto3.Session`` whose clients all have labkit's time limits and retry bound.

    Raises ``AwsSetupError`` (one line, with the fix) for a missing profile and broken settings.
    """
    check_settings()
    timeouts(timeout)  # a bad LABKIT_AWS_TIMEOUT is refused before anything else
    import boto3
    import botocore.session

    try:
        core = botocore.session.Session()
        session = boto3.Session(botocore_session=core, profile_name=profile, region_name=region)
        # every client created from this session (the importer's included) starts from this Config
        core.set_default_client_config(client_config(core, timeout))
        session.region_name  # noqa: B018 - reads the profile: a missing one or a garbled file fails here, not later
    except AwsSetupError:
        raise
    except Exception as e:  # ProfileNotFound, ConfigParseError, …
        raise setup_error(e, profile=profile, timeout=timeout) from e
    return session


def _known_profiles() -> str:
    try:
        import botocore.session

        names = sorted(botocore.session.Session(profile=None).full_config.get("profiles", {}))
    except Exception:  # the config file itself may be what is broken
        return "unknown"
    return ", ".join(names) or "none"


def _endpoint(error: BaseException) -> str:
    kwargs = getattr(error, "kwargs", None) or {}
    return str(kwargs.get("endpoint_url") or kwargs.get("proxy_url") or "the AWS endpoint")


def is_setup_problem(error: BaseException) -> bool:
    """Whether ``error`` comes from the AWS set-up (botocore/urllib3), not from a bug in labkit."""
    if isinstance(error, AwsSetupError):
        return True
    try:
        from botocore.exceptions import BotoCoreError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        return False
    if isinstance(error, BotoCoreError):
        return True
    # botocore raises plain ValueErrors for some bad settings (an invalid endpoint URL, a non-numeric value)
    tb = error.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return (
        isinstance(error, ValueError)
        and last is not None
        and (
            f"{os.sep}botocore{os.sep}" in last
            or f"{os.sep}boto3{os.sep}" in last
            or f"{os.sep}urllib3{os.sep}" in last
        )
    )


def setup_error(error: BaseException, *, profile: str | None = None, timeout: float | None = None) -> AwsSetupError:
    """An ``AwsSetupError`` with one clear line for an error botocore raised about the set-up."""
    from botocore import exceptions as bx

    cause = error.__cause__ if isinstance(error, AwsSetupError) and error.__cause__ is not None else error
    name = type(cause).__name__
    if isinstance(cause, bx.ProfileNotFound):
        missing = cause.kwargs.get("profile") or profile or os.environ.get("AWS_PROFILE") or "?"
        via = "" if profile else " (named by the AWS_PROFILE environment variable)"
        return AwsSetupError(
            f"AWS profile {missing!r}{via} not found in the AWS config files (known profiles: {_known_profiles()}). "
            f"Create it with `aws configure --profile {missing}`, or pick a known one with --profile"
            + (", or unset AWS_PROFILE." if not profile else ".")
        )
    if isinstance(cause, bx.ConfigParseError):
        return AwsSetupError(
            f"The AWS config file can't be read ({cause}). Fix its syntax ([profile NAME] sections "
            "of key = value lines), or point AWS_CONFIG_FILE at a good one."
        )
    if isinstance(cause, (bx.ReadTimeoutError, bx.ConnectTimeoutError)):
        what = "did not answer" if isinstance(cause, bx.ReadTimeoutError) else "could not be connected to"
        try:
            connect, read = timeouts(timeout)
        except AwsSetupError:
            connect, read = CONNECT_TIMEOUT, READ_TIMEOUT
        return AwsSetupError(
            f"{_endpoint(cause)} {what} in time (connect timeout {connect:g} s, read timeout {read:g} s). Check the "
            "network, a proxy (HTTPS_PROXY) or AWS_ENDPOINT_URL; on a slow link allow more time with --timeout "
            f"SECONDS or {TIMEOUT_ENV}."
        )
    if isinstance(cause, bx.ProxyConnectionError):
        reason = re.search(r"\[Errno -?\d+\] [^\"')]+", str(cause.kwargs.get("error", cause)))
        return AwsSetupError(
            f"The proxy {cause.kwargs.get('proxy_url', '?')} refused or dropped the connection"
            + (f" ({reason.group(0).strip()})" if reason else "")
            + ". Check HTTPS_PROXY / HTTP_PROXY (or unset "
            "them), or add the AWS endpoint to NO_PROXY."
        )
    if isinstance(cause, bx.EndpointConnectionError):
        return AwsSetupError(
            f"Could not connect to {_endpoint(cause)}. Check the region (--region), AWS_ENDPOINT_URL, a proxy "
            f"(HTTPS_PROXY) and that this machine can reach AWS; on a slow link allow more time with --timeout SECONDS."
        )
    if isinstance(cause, bx.CredentialRetrievalError):
        return AwsSetupError(
            f"The AWS credentials could not be obtained ({cause}). Fix the profile's credential_process (run it by "
            "hand to see its error) or use another profile with --profile."
        )
    if isinstance(cause, (bx.InvalidConfigError, bx.PartialCredentialsError, bx.NoCredentialsError)):
        return AwsSetupError(
            f"The AWS profile set-up is incomplete ({cause}). Fix ~/.aws/config (e.g. a "
            "source_profile that names an existing profile), or use another profile with --profile."
        )
    if isinstance(error, AwsSetupError):
        return error
    text = str(cause).splitlines()[0] if str(cause) else name
    return AwsSetupError(
        f"The AWS set-up can't be used ({name}: {text[:300]}). Check ~/.aws/config, "
        "~/.aws/credentials and the AWS_* environment variables (AWS_PROFILE, AWS_ENDPOINT_URL, "
        "AWS_MAX_ATTEMPTS, HTTPS_PROXY…)."
    )
