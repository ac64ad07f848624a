"""Run a Lambda function's Python handler in this process, the way the Lambda Python runtime would.

``run_handler(code_zip, "app.handler", event, ...)`` loads the handler from the function's .zip
deployment package, calls it with the event and a context object like Lambda's, and returns an
``InvocationResult``: the JSON payload (or Lambda's error object), the function error, the log with its
``START`` / ``END`` / ``REPORT`` lines, and how long the invocation took in lab seconds.

While the handler runs:

* **SDK calls are gated by reachability.** Every botocore client call made while the handler runs —
  from ``boto3.client(...)``, a fresh ``boto3.Session()``, a resource, a paginator, a waiter — first asks
  ``gate(endpoint_prefix)`` (``"s3"``, ``"dynamodb"``, ``"secretsmanager"``, ``"monitoring"``…). ``None``
  means the network path is open and the call is served by the lab. A ``Trace`` means the path is blocked:
  as on AWS, the connection attempt gets no answer, so the call hangs until the function times out. The
  lab doesn't wait: it stops the handler at once (with an exception that ``except Exception`` can't catch)
  and reports a timeout whose log line names the call and the blocker. If the client was configured to
  give up earlier than the function's timeout (``Config(connect_timeout=..., retries=...)``), the call
  raises botocore's ``ConnectTimeoutError`` instead, and those seconds count towards the invocation's
  duration — exactly the difference a short client timeout makes on AWS.
* **Raw network connections** (``socket``, ``urllib``, ``http.client``, ``requests``) to anything but
  loopback ask ``gate("internet")``. Blocked: the connection hangs like an SDK call (or raises
  ``TimeoutError`` if the socket's own timeout is shorter than the time left). Open: ``ConnectionError``,
  because the lab has no real internet. Host names other than ``localhost`` resolve to addresses in
  198.18.0.0/15 without any DNS query (in a VPC, DNS answers even when the internet is out of reach).
  Nothing made through Python's ``socket`` module leaves the machine; a C library that opens its own
  sockets (libpq under psycopg2, for instance) is out of the lab's reach.
* **The environment is the function's:** ``os.environ`` holds the function's variables plus Lambda's
  reserved ones (``AWS_LAMBDA_FUNCTION_NAME``, ``AWS_REGION``, ``AWS_LAMBDA_FUNCTION_MEMORY_SIZE``,
  ``LAMBDA_TASK_ROOT``…) and the lab's fake credentials; ``boto3.DEFAULT_SESSION`` is a lab session from
  ``session_factory()``; ``print`` and ``logging`` (Lambda's log format) go to the invocation's log.
  ``MOTO_ACCOUNT_ID`` is set to the function's account (from its ARN), so every session the handler
  creates itself reaches the lab's account too.
* Everything is put back when ``run_handler`` returns, even after an exception: ``os.environ``,
  ``sys.path``, ``sys.modules``, ``sys.stdout``/``sys.stderr``, the root logger, ``boto3.DEFAULT_SESSION``
  and every patched function.

Execution environments. Like Lambda, the lab keeps a function's initialised code between invocations
(module globals survive, the second invocation has no ``Init Duration``) until its code or configuration
changes, the function times out, or ``discard_environments`` is called. The package is unpacked into a
temporary directory (``LAMBDA_TASK_ROOT``; stack traces show it as ``/var/task``). The function's modules
live in ``sys.modules`` only while it runs, so two functions can both have an ``app.py``. Modules the
package shares with the lab's own SDK (``boto3``, ``botocore``, ``urllib3``…) or the standard library are
the lab's copies when those are already loaded, so that SDK calls reach the lab; the log says so when a
package bundles one of the SDK's.

Error objects follow the Lambda Python runtime (``awslambdaric``): handler exceptions give
``{"errorMessage", "errorType", "requestId", "stackTrace"}``; ``Runtime.ImportModuleError``
("Unable to import module 'app': No module named 'app'"), ``Runtime.HandlerNotFound`` ("Handler 'x'
missing on module 'app'"), ``Runtime.MalformedHandlerName``, ``Runtime.UserCodeSyntaxError``,
``Runtime.MarshalError`` ("Unable to marshal response: Object of type set is not JSON serializable").
A timeout gives ``{"errorMessage": "2024-05-01T12:00:03.000Z <request id> Task timed out after 3.00
seconds"}``, the format Lambda returns and logs.

Limits (Python can't do what a sandbox does):

* A handler that computes for longer than its timeout can't be stopped safely mid-computation; the lab
  lets it finish and then reports the timeout (``time.sleep`` is the exception: a sleep that crosses the
  deadline stops the handler at the deadline). Time spent in simulated waits (a client timeout that
  fires) counts in ``duration_s`` but not in ``time.time()``.
* The handler runs in the caller's thread and process: one invocation at a time per process (nested
  invocations from inside a handler are fine). Threads the handler starts are gated too; a worker thread
  whose call hangs gets a ``TimeoutError`` and the invocation is reported as timed out. A thread still
  running after ``run_handler`` returns is no longer gated.
* Code that swallows ``BaseException`` can keep running after its call "hung"; the result is a timeout
  all the same, and its later output is left out of the log. ``Max Memory Used`` is not reported.
* Sessions the handler creates itself get the lab's account (``MOTO_ACCOUNT_ID``), credentials and
  region, but not other event hooks registered on the lab's session.

Example (no AWS calls, so no moto needed):

>>> import io, zipfile, boto3
>>> package = io.BytesIO()
>>> with zipfile.ZipFile(package, "w") as z:
...     z.writestr("app.py", "def handler(event, context):\\n    return {'hello': event['name']}\\n")
>>> arn = "arn:aws:lambda:us-east-1:123456789012:function:demo"
>>> result = run_handler(package.getvalue(), "app.handler", {"name": "lab"}, function_name="demo",
...     function_arn=arn, timeout_s=3, memory_mb=128, environment={},
...     session_factory=lambda: boto3.Session(aws_access_key_id="testing",
...         aws_secret_access_key="testing", region_name="us-east-1"),
...     gate=lambda service: None)
>>> result.status_code, result.payload, result.function_error, result.timed_out
(200, b'{"hello": "lab"}', None, False)
>>> result.log.splitlines()[0].startswith("START RequestId: ")
True
>>> discard_environments(arn)
"""

from __future__ import annotations

import atexit
import datetime as _dt
import decimal
import errno
import hashlib
import importlib
import io
import ipaddress
import json
import logging
import math
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import traceback
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from labkit.errors import LabkitError

if TYPE_CHECKING:  # pragma: no cover
    import boto3

    from labkit.vpc.results import Trace

__all__ = [
    "InvocationResult", "run_handler", "discard_environments", "DeploymentPackageError", "InvokeRequestError",
    "FunctionTimeout", "RealNetworkRefused",
]

#: The lab's clock for measuring invocations (seconds). A module attribute so tests can move it.
_clock = time.perf_counter
_real_sleep = time.sleep

#: Top-level modules that always come from the lab, even when a deployment package bundles its own copy:
#: the SDK (so that its calls reach the lab) and what it is built on. The standard library is added below.
_LAB_MODULES = frozenset({
    "boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six", "moto", "labkit",
})
_PROTECTED = _LAB_MODULES | frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names)

_ERROR_STACK_SKIP = os.path.normcase(os.path.abspath(__file__))


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class InvocationResult:
    """What one invocation returned, like the Invoke API's response plus the function's log."""

    status_code: int  # 200 like Lambda (function errors are still 200 with function_error set)
    payload: bytes  # JSON of the handler's return value, or the error object
    function_error: str | None  # "Unhandled" for an exception or a timeout
    log: str  # what the handler printed/logged, plus START/END/REPORT lines
    duration_s: float  # lab seconds the invocation took (== timeout when timed out)
    timed_out: bool
    blocked_by: object | None  # the labkit Trace that made an SDK call hang (timed out), else None


class DeploymentPackageError(LabkitError, ValueError):
    """The function's code is not a usable .zip deployment package."""


class InvokeRequestError(LabkitError, ValueError):
    """The event can't be passed to a function (not JSON), or run_handler was called with bad arguments."""


class FunctionTimeout(BaseException):
    """Stops a handler whose time is up (a call that would hang until the timeout, or a sleep past it).

    A ``BaseException``, so the handler's ``except Exception:`` can't swallow it, just as code can't
    catch Lambda stopping it."""


class _LabFault(BaseException):
    """The lab itself failed while the handler ran (its gate raised): unwinds the handler untouched."""


class RealNetworkRefused(LabkitError, RuntimeError):
    """Something tried to open a connection off this machine while the lab was serving an AWS call.

    Not an ``OSError``, so HTTP libraries don't turn it into a retried connection error: it reaches the
    code that made the call with its explanation."""


class _WorkerCallHung(TimeoutError):
    """Raised in a thread the handler started when its call would hang until the function times out."""


# --------------------------------------------------------------------------------- execution environments


@dataclass
class _Environment:
    """A function's execution environment: its unpacked code and, once initialised, its modules."""

    function_arn: str
    code_sha: str
    config_key: tuple
    root: str
    top_names: frozenset
    bundled_lab_modules: tuple
    log_stream_name: str
    modules: dict | None = None  # None: not initialised (next invocation is a cold start)
    root_level: int = logging.WARNING
    root_handlers: list | None = None  # the root logger's handlers as the function left them (None: Lambda's only)
    busy: bool = False
    sink: "_LogSink" = None  # type: ignore[assignment]
    log_handler: "_LambdaLogHandler" = None  # type: ignore[assignment]


_ENVIRONMENTS: dict[str, _Environment] = {}
_ROOTS_IN_USE: dict[str, int] = {}  # unpacked directory → environments using it


def discard_environments(function_arn: str | None = None) -> None:
    """Forget a function's execution environment (all of them when ``function_arn`` is None).

    Its next invocation is a cold start. Call it when a function is deleted or the lab closes; the
    unpacked code is removed from disk."""
    arns = list(_ENVIRONMENTS) if function_arn is None else [function_arn]
    for arn in arns:
        env = _ENVIRONMENTS.pop(arn, None)
        if env is not None:
            _release_root(env.root)


def _release_root(root: str) -> None:
    count = _ROOTS_IN_USE.get(root, 0) - 1
    if count > 0:
        _ROOTS_IN_USE[root] = count
        return
    _ROOTS_IN_USE.pop(root, None)
    sys.path_importer_cache.pop(root, None)
    shutil.rmtree(root, ignore_errors=True)


atexit.register(discard_environments)


def _unpack(code_zip: bytes, function_name: str) -> tuple[str, frozenset, tuple]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(code_zip))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise DeploymentPackageError(
            f"The code of function {function_name!r} is not a valid .zip deployment package ({e}). "
            "Expected the bytes of a .zip archive with the handler's module at its root, e.g. built with "
            "zipfile.ZipFile(buffer, 'w').writestr('app.py', source)."
        ) from e
    root = tempfile.mkdtemp(prefix="labkit-task-")
    try:
        with archive:
            archive.extractall(root)
            names = archive.namelist()
    except (zipfile.BadZipFile, NotImplementedError, zlib.error, OSError, EOFError, ValueError) as e:
        shutil.rmtree(root, ignore_errors=True)
        raise DeploymentPackageError(
            f"The deployment package of function {function_name!r} can't be unpacked ({type(e).__name__}: {e}). "
            "Rebuild the .zip archive (deflate or stored compression) and deploy it again."
        ) from e
    tops = set()
    for name in names:
        first, sep, _ = name.partition("/")
        if not sep:  # a file at the root: app.py, app.pyc, fast.cpython-311-x86_64-linux-gnu.so
            if not first.endswith((".py", ".pyc", ".so", ".pyd")):
                continue
            first = first.partition(".")[0]
        if first.isidentifier():
            tops.add(first)
    bundled = tuple(sorted(t for t in tops if t in _LAB_MODULES))
    return root, frozenset(tops), bundled


def _environment_for(code_zip, handler, *, function_name, function_arn, timeout_s, memory_mb, environment):
    if not isinstance(code_zip, (bytes, bytearray, memoryview)):
        raise DeploymentPackageError(
            f"The code of function {function_name!r} must be the .zip file's bytes; got {type(code_zip).__name__}."
        )
    code_sha = hashlib.sha256(code_zip).hexdigest()
    # On AWS any configuration change (environment, memory, timeout, handler) brings new execution environments.
    config_key = (handler, timeout_s, memory_mb, tuple(sorted(environment.items())))
    env = _ENVIRONMENTS.get(function_arn)
    if env is not None and env.busy:
        # The function is invoked while it runs (it invokes itself): Lambda uses another execution environment.
        if env.code_sha == code_sha:
            return _new_environment(env.root, env.top_names, env.bundled_lab_modules, function_arn, code_sha,
                                    config_key), False
        root, tops, bundled = _unpack(bytes(code_zip), function_name)
        return _new_environment(root, tops, bundled, function_arn, code_sha, config_key), False
    if env is not None and env.code_sha == code_sha:
        if env.config_key != config_key:
            env.modules = None
            env.config_key = config_key
            env.root_level = logging.WARNING
            env.root_handlers = None
            env.log_stream_name = _log_stream_name()
        return env, True
    root, tops, bundled = _unpack(bytes(code_zip), function_name)
    if env is not None:
        _release_root(env.root)
    env = _new_environment(root, tops, bundled, function_arn, code_sha, config_key)
    _ENVIRONMENTS[function_arn] = env
    return env, True


def _new_environment(root, tops, bundled, function_arn, code_sha, config_key) -> _Environment:
    _ROOTS_IN_USE[root] = _ROOTS_IN_USE.get(root, 0) + 1
    env = _Environment(function_arn=function_arn, code_sha=code_sha, config_key=config_key, root=root,
                       top_names=tops, bundled_lab_modules=bundled, log_stream_name=_log_stream_name())
    env.sink = _LogSink()
    env.log_handler = _LambdaLogHandler(env.sink)
    return env


def _log_stream_name() -> str:
    day = _dt.datetime.now(_dt.timezone.utc).strftime("%Y/%m/%d")
    return f"{day}/[$LATEST]{uuid.uuid4().hex}"


# ------------------------------------------------------------------------------------------- logging


class _LogSink(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` while a function runs: writes go to the current invocation's log.

    One sink per execution environment, so a ``logging.StreamHandler`` the function created in an earlier
    invocation still writes to the log of the current one (as on Lambda, where both go to CloudWatch)."""

    def __init__(self):
        super().__init__()
        self.target: io.StringIO | None = None
        self.fallback = None  # the caller's stream, for writes after the invocation ended

    def writable(self) -> bool:
        return True

    def write(self, s) -> int:
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        target = self.target
        if target is not None:
            return target.write(s)
        if self.fallback is not None:
            return self.fallback.write(s)
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self):  # type: ignore[override]
        return "utf-8"


class _LambdaLogHandler(logging.Handler):
    """The root logger's handler on Lambda: ``[LEVEL]\\t<UTC time>Z\\t<request id>\\t<message>``."""

    def __init__(self, sink: _LogSink):
        super().__init__()
        self.sink = sink
        self.request_id = ""
        formatter = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"
        )
        formatter.converter = time.gmtime
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if not hasattr(record, "aws_request_id"):
                record.aws_request_id = self.request_id
            self.sink.write(self.format(record))
        except Exception:
            self.handleError(record)


# ------------------------------------------------------------------------------------- the invocation


class _Invocation:
    def __init__(self, *, request_id, function_name, timeout_s, gate, sink):
        self.request_id = request_id
        self.function_name = function_name
        self.timeout_s = float(timeout_s)
        self.gate = gate
        self.thread_id = threading.get_ident()
        self.start = _clock()
        self.extra_s = 0.0  # lab seconds spent in simulated waits (a client timeout that fired)
        self.blocked: tuple[str, object] | None = None  # (what hung, the Trace)
        self.ran_out: str | None = None  # why the time ran out, when no call was blocked
        self.log_cut: int | None = None  # log position when the function's time ran out
        self.lab_fault: BaseException | None = None
        self.buffer = io.StringIO()
        self.sink = sink
        self.caller_environ: dict = {}

    def elapsed_s(self) -> float:
        return _clock() - self.start + self.extra_s

    def remaining_s(self) -> float:
        return self.timeout_s - self.elapsed_s()

    @property
    def timed_out(self) -> bool:
        return self.blocked is not None or self.ran_out is not None

    def _mark_end(self) -> None:
        if self.log_cut is None:
            self.log_cut = self.buffer.tell()

    def hang(self, what: str, trace, budget_s: float | None, give_up: Callable[[], BaseException]):
        """A connection attempt that gets no answer (the network path is blocked)."""
        in_handler_thread = threading.get_ident() == self.thread_id
        if budget_s is not None and budget_s < self.remaining_s():
            # The caller's own timeout fires before the function's: it gets an error, lab time passes.
            if in_handler_thread:
                self.extra_s += budget_s
            raise give_up()
        if self.blocked is None and self.ran_out is None:
            self.blocked = (what, trace)
            self._mark_end()
        if in_handler_thread:
            raise FunctionTimeout(what)
        raise _WorkerCallHung(f"labkit lab: {what} hangs until the function times out ({_one_line(trace)})")

    def out_of_time(self, why: str):
        if self.blocked is None and self.ran_out is None:
            self.ran_out = why
            self._mark_end()
        raise FunctionTimeout(why)

    def ask_gate(self, destination: str):
        """``gate(destination)``; the lab's own SDK calls made while answering are not gated."""
        previous = getattr(_TLS, "passthrough", False)
        _TLS.passthrough = True
        asked = _clock()
        try:
            return self.gate(destination)
        except Exception as e:
            if self.lab_fault is None:
                self.lab_fault = e
            if threading.get_ident() == self.thread_id:
                raise _LabFault() from e
            raise RuntimeError(f"labkit lab: checking the network path to {destination} failed: {e}") from e
        finally:
            _TLS.passthrough = previous
            # the lab's own work (reading the account, tracing) is not the function's time
            self.start += _clock() - asked


_TLS = threading.local()  # .passthrough: inside an SDK call the lab already let through (or inside the gate)
_STACK: list[_Invocation] = []  # running invocations, innermost last


def _current() -> _Invocation | None:
    return _STACK[-1] if _STACK else None


class _Context:
    """The context object Lambda's Python runtime passes to the handler."""

    def __init__(self, inv: _Invocation, *, function_name, function_arn, memory_mb, log_group_name,
                 log_stream_name):
        self.aws_request_id = inv.request_id
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self.function_name = function_name
        # The runtime reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE, so it is a string on AWS too.
        self.memory_limit_in_mb = str(memory_mb)
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn
        self.client_context = None
        self.identity = _CognitoIdentity()
        self.tenant_id = None
        self._invocation = inv

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._invocation.remaining_s() * 1000))

    def log(self, msg) -> None:
        self._invocation.sink.write(str(msg))

    def __repr__(self) -> str:
        return (f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
                f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
                f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
                f"invoked_function_arn={self.invoked_function_arn},client_context=None,identity={self.identity}])")


class _CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self):
        self.cognito_identity_id = None
        self.cognito_identity_pool_id = None

    def __repr__(self) -> str:
        return "CognitoIdentity([cognito_identity_id=None,cognito_identity_pool_id=None])"


def _one_line(trace) -> str:
    """The trace's verdict and blocker, on one line."""
    summary = trace.summary() if hasattr(trace, "summary") else str(trace)
    text = summary
    blocker = getattr(trace, "blocked_by", None)
    if blocker is not None:
        text += f" Blocked by {blocker}."
        fix = getattr(blocker, "fix", "")
        if fix:
            text += f" Fix: {fix}"
    return " ".join(text.split())


# ------------------------------------------------------------------------------------------ patches


_PATCHES: list[tuple[object, str, object, bool]] = []  # (owner, attribute, original, was in owner's __dict__)


def _install_patches() -> None:
    import botocore.client

    def patch(owner, name, new):
        had = name in vars(owner)
        _PATCHES.append((owner, name, getattr(owner, name), had))
        setattr(owner, name, new)

    original_call = botocore.client.BaseClient._make_api_call
    connect = socket.socket.connect
    connect_ex = socket.socket.connect_ex
    sendto = socket.socket.sendto
    getaddrinfo = socket.getaddrinfo
    gethostbyname = socket.gethostbyname
    gethostbyname_ex = socket.gethostbyname_ex

    def _make_api_call(client, operation_name, api_params):
        inv = _current()
        if inv is None or getattr(_TLS, "passthrough", False):
            return original_call(client, operation_name, api_params)
        model = client.meta.service_model
        trace = inv.ask_gate(model.endpoint_prefix)
        if trace is not None:
            _hang_sdk_call(inv, client, operation_name, trace)
        _TLS.passthrough = True
        try:
            return original_call(client, operation_name, api_params)
        finally:
            _TLS.passthrough = False

    def _connect(sock, address):
        _check_destination(sock, address)
        return connect(sock, address)

    def _connect_ex(sock, address):
        try:
            _check_destination(sock, address)
        except TimeoutError:
            if isinstance(sys.exc_info()[1], _WorkerCallHung):
                raise
            return errno.ETIMEDOUT
        except ConnectionError:
            return errno.ENETUNREACH
        return connect_ex(sock, address)

    def _sendto(sock, data, *args):
        address = args[-1]
        host = _host_of(address)
        if host is not None and not _is_local(host):
            raise ConnectionError(
                f"labkit lab: the lab has no real network, so UDP to {_describe(address)} is not sent."
            )
        return sendto(sock, data, *args)

    def _getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if _resolves_locally(host):
            return getaddrinfo(host, port, family, type, proto, flags)
        if isinstance(port, str):
            port = int(port) if port.isdigit() else socket.getservbyname(port)
        socktypes = [type] if type else [socket.SOCK_STREAM, socket.SOCK_DGRAM]
        result = []
        for socktype in socktypes:
            proto_ = proto or (socket.IPPROTO_TCP if socktype == socket.SOCK_STREAM else socket.IPPROTO_UDP)
            if family == socket.AF_INET6:
                result.append((socket.AF_INET6, socktype, proto_, "", (_lab_address(host, 6), port or 0, 0, 0)))
            else:
                result.append((socket.AF_INET, socktype, proto_, "", (_lab_address(host, 4), port or 0)))
        return result

    def _gethostbyname(host):
        if _resolves_locally(host):
            return gethostbyname(host)
        return _lab_address(host, 4)

    def _gethostbyname_ex(host):
        if _resolves_locally(host):
            return gethostbyname_ex(host)
        return (host, [], [_lab_address(host, 4)])

    def _sleep(seconds):
        inv = _current()
        if inv is None or threading.get_ident() != inv.thread_id or getattr(_TLS, "passthrough", False):
            return _real_sleep(seconds)
        remaining = inv.remaining_s()
        if seconds >= remaining:
            if remaining > 0:
                _real_sleep(remaining)
            inv.out_of_time(f"the handler was in time.sleep({seconds:g}) when its {inv.timeout_s:g}-second "
                            "timeout ran out")
        return _real_sleep(seconds)

    try:
        patch(botocore.client.BaseClient, "_make_api_call", _make_api_call)
        patch(socket.socket, "connect", _connect)
        patch(socket.socket, "connect_ex", _connect_ex)
        patch(socket.socket, "sendto", _sendto)
        patch(socket, "getaddrinfo", _getaddrinfo)
        patch(socket, "gethostbyname", _gethostbyname)
        patch(socket, "gethostbyname_ex", _gethostbyname_ex)
        patch(time, "sleep", _sleep)
    except BaseException:
        _remove_patches()
        raise


def _remove_patches() -> None:
    while _PATCHES:
        owner, name, original, had = _PATCHES.pop()
        if had:
            setattr(owner, name, original)
        else:
            delattr(owner, name)


def _hang_sdk_call(inv: _Invocation, client, operation_name: str, trace) -> None:
    from botocore.exceptions import ConnectTimeoutError

    config = client.meta.config
    retries = config.retries or {}
    attempts = retries.get("total_max_attempts")
    if attempts is None:
        attempts = 5 if retries.get("mode", "legacy") == "legacy" else 3
    connect_timeout = config.connect_timeout
    budget = None if connect_timeout is None else float(connect_timeout) * int(attempts)
    what = f"the {client.meta.service_model.service_name} {operation_name} call"
    inv.hang(what, trace, budget, lambda: ConnectTimeoutError(endpoint_url=client.meta.endpoint_url))


def _host_of(address):
    if isinstance(address, tuple) and len(address) >= 2 and isinstance(address[0], str):
        return address[0]
    return None  # AF_UNIX paths and the like: local by nature


def _is_local(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost", ""):
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified


def _resolves_locally(host) -> bool:
    if host is None or isinstance(host, (bytes, bytearray)):
        host = host.decode() if host else ""
    if _is_local(host):
        return True
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True  # a literal address: no DNS query
    except ValueError:
        return False


_LAB_NAMES: dict[str, str] = {}  # lab address → the host name it stands for


def _lab_address(host: str, version: int) -> str:
    """A stable stand-in address for a host name (198.18.0.0/15, or 2001:db8::/32 for IPv6)."""
    n = zlib.crc32(host.lower().encode()) % 131070 + 1
    if version == 6:
        address = str(ipaddress.IPv6Address(int(ipaddress.IPv6Address("2001:db8::")) + n))
    else:
        address = str(ipaddress.IPv4Address(int(ipaddress.IPv4Address("198.18.0.0")) + n))
    _LAB_NAMES[address] = host
    return address


def _describe(address) -> str:
    host, port = address[0], address[1]
    name = _LAB_NAMES.get(host)
    shown = f"{name} ({host})" if name else host
    return f"{shown}:{port}"


def _check_destination(sock, address) -> None:
    host = _host_of(address)
    if host is None or _is_local(host):
        return
    inv = _current()
    if getattr(_TLS, "passthrough", False):
        raise RealNetworkRefused(
            f"labkit lab: a request tried to leave the machine for {_describe(address)} while the lab was serving "
            "an AWS call (a client with a custom endpoint_url, or a service the lab doesn't emulate). Nothing was sent."
        )
    if inv is None:
        return
    trace = inv.ask_gate("internet")
    what = f"the connection to {_describe(address)}"
    if trace is not None:
        budget = sock.gettimeout()
        inv.hang(what, trace, budget, lambda: TimeoutError("timed out"))
    raise ConnectionError(
        f"labkit lab: the network path to the internet is open, but the lab has no real internet; "
        f"{what} can't be made. Reach AWS services through boto3 (the lab serves those), and replace calls "
        "to outside services with test data."
    )


# ------------------------------------------------------------------------------------ modules and env


def _belongs(env: _Environment, name: str, module) -> bool:
    top = name.partition(".")[0]
    if top in env.top_names and top not in _PROTECTED:
        return True
    prefix = env.root + os.sep
    filename = getattr(module, "__file__", None)
    if isinstance(filename, str) and filename.startswith(prefix):
        return True
    paths = getattr(module, "__path__", None)
    try:
        return any(isinstance(p, str) and p.startswith(prefix) for p in (paths or ()))
    except TypeError:
        return False


def _enter_modules(env: _Environment) -> dict:
    saved = dict(sys.modules)
    for name in list(saved):
        top = name.partition(".")[0]
        if top in env.top_names and top not in _PROTECTED:
            del sys.modules[name]  # the caller's module of the same name; put back afterwards
    if env.modules:
        sys.modules.update(env.modules)
    return saved


def _exit_modules(env: _Environment, saved: dict) -> dict:
    own = {}
    modules = sys.modules
    for name, module in list(modules.items()):
        if saved.get(name) is module:
            continue
        if _belongs(env, name, module):
            own[name] = module
            del modules[name]
        # else: a library imported for the first time stays loaded (like any import); a replaced one is put back
    for name, module in saved.items():
        if modules.get(name) is not module:
            modules[name] = module
    return own


_CALLER_AWS_VARIABLES = ("AWS_", "_X_AMZN_", "LAMBDA_")


def _function_environ(env: _Environment, base: dict, *, handler, function_name, function_arn, memory_mb,
                      environment, region, account, credentials, log_group_name) -> dict:
    new = {k: v for k, v in base.items() if not k.startswith(_CALLER_AWS_VARIABLES) and k != "_HANDLER"}
    for key, value in environment.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvokeRequestError(
                f"Environment variables of function {function_name!r} must be strings; got {key!r}: {value!r}."
            )
        new[key] = value
    new.update({
        "_HANDLER": handler,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}",
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": env.log_stream_name,
        "LAMBDA_TASK_ROOT": env.root,
        # No shared config or credentials files on Lambda: sessions the handler creates see only this environment.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # The lab's account for every request, whichever session the handler builds.
        "MOTO_ACCOUNT_ID": account,
    })
    if credentials is not None:
        new["AWS_ACCESS_KEY_ID"] = new["AWS_ACCESS_KEY"] = credentials.access_key
        new["AWS_SECRET_ACCESS_KEY"] = credentials.secret_key
        if credentials.token:
            new["AWS_SESSION_TOKEN"] = credentials.token
    return new


def _set_environ(target: dict) -> None:
    environ = os.environ
    for key in [k for k in environ if k not in target]:
        del environ[key]
    for key, value in target.items():
        if environ.get(key) != value:
            environ[key] = value


# ------------------------------------------------------------------------------------------- payloads


def _decode_event(event, function_name):
    if isinstance(event, (bytes, bytearray, memoryview)):
        raw = bytes(event)
        if not raw.strip():
            return {}  # Invoke without a payload: the handler gets an empty object
        try:
            return json.loads(raw)
        except ValueError as e:
            raise InvokeRequestError(
                f"Could not parse request body into json: {e}. The event for {function_name!r} must be a JSON "
                "document, e.g. json.dumps({'key': 'value'}).encode()."
            ) from e
    try:
        return json.loads(json.dumps(event))  # the handler gets its own copy, as decoded from JSON
    except (TypeError, ValueError) as e:
        raise InvokeRequestError(
            f"The event for {function_name!r} can't be sent as JSON ({e}); use dicts, lists, strings, numbers, "
            "booleans and None."
        ) from e


def _json_default(value):
    if isinstance(value, decimal.Decimal):  # the runtime's encoder writes Decimals as numbers
        if value.is_nan():
            return math.nan
        return int(value) if value == value.to_integral_value() and value.is_finite() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _marshal(value) -> bytes:
    if isinstance(value, bytes):
        return value
    ensure_ascii = sys.version_info[:2] != (3, 12)  # the runtime's encoder differs on python3.12 only
    return json.dumps(value, default=_json_default, ensure_ascii=ensure_ascii).encode("utf-8")


def _error(message: str, error_type: str, stack: list, request_id: str) -> dict:
    return {"errorMessage": message or "", "errorType": error_type or "", "requestId": request_id,
            "stackTrace": stack or []}


def _stack(tb, root: str) -> list:
    frames = traceback.extract_tb(tb)
    rows = [(f.filename, f.lineno, f.name, f.line) for f in frames]
    for i, row in enumerate(rows):
        if os.path.normcase(os.path.abspath(row[0])) != _ERROR_STACK_SKIP:
            rows = rows[i:]
            break
    else:
        rows = []
    prefix = root + os.sep
    rows = [("/var/task/" + f[len(prefix):] if f.startswith(prefix) else f, n, name, line)
            for f, n, name, line in rows]
    return traceback.format_list(rows)


def _error_log(error: dict) -> str:
    head = "[ERROR]"
    if error.get("errorType"):
        head += " " + error["errorType"]
    if error.get("errorMessage"):
        head += (":" if error.get("errorType") else "") + " " + error["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for entry in error.get("stackTrace", []):
        lines += entry.rstrip("\n").splitlines()
    return "\n".join(lines) + "\n"


class _Fault(Exception):
    """A Lambda runtime error (Runtime.*), as the runtime reports it."""

    def __init__(self, error_type: str, message: str, stack=None):
        super().__init__(message)
        self.error_type, self.message, self.stack = error_type, message, stack or []


def _load_handler(handler: str, env: _Environment):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise _Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {e}") from None
    if modname.split(".")[0] in sys.builtin_module_names:
        raise _Fault("Runtime.BuiltInModuleConflict", f"Cannot use built-in module {modname} as a handler module")
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise _Fault("Runtime.ImportModuleError", f"Unable to import module '{modname}': {e}") from None
    except SyntaxError as e:
        filename = e.filename or ""
        if filename.startswith(env.root + os.sep):
            filename = "/var/task/" + filename[len(env.root) + 1:]
        text = (e.text or "").rstrip("\n")
        raise _Fault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {e}",
                     [f'  File "{filename}" Line {e.lineno}\n    {text}']) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise _Fault("Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'") from None


def _parse_arn(function_arn: str) -> tuple[str, str]:
    parts = function_arn.split(":") if isinstance(function_arn, str) else []
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "lambda" or parts[5] != "function":
        raise InvokeRequestError(
            f"Expected a function ARN like arn:aws:lambda:us-east-1:123456789012:function:NAME; got {function_arn!r}."
        )
    region, account = parts[3], parts[4]
    if not (account.isdigit() and len(account) == 12) or not region:
        raise InvokeRequestError(f"The function ARN {function_arn!r} has no region or 12-digit account id.")
    return region, account


def _timestamp(moment: _dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --------------------------------------------------------------------------------------------- run_handler


def run_handler(code_zip: bytes, handler: str, event, *, function_name: str, function_arn: str,
                timeout_s: int, memory_mb: int, environment: dict[str, str],
                session_factory: Callable[[], "boto3.Session"],
                gate: Callable[[str], "Trace | None"]) -> InvocationResult:
    """Invoke a Python handler from a .zip deployment package in this process, gated by reachability.

    ``handler`` is ``"module.function"`` (or ``"dir/sub/module.function"``); ``event`` is a dict, list,
    string… or the JSON bytes of an Invoke payload. ``gate(endpoint_prefix)`` answers ``None`` when the
    function can reach that service (or ``"internet"``), or the ``Trace`` that shows what blocks it.
    Function errors and timeouts are results (``function_error="Unhandled"``); a package that isn't a
    .zip raises ``DeploymentPackageError`` and a payload that isn't JSON ``InvokeRequestError``.
    """
    import boto3

    if not isinstance(handler, str) or not handler:
        raise InvokeRequestError(f"The handler must be a string like 'app.handler'; got {handler!r}.")
    if not isinstance(timeout_s, (int, float)) or isinstance(timeout_s, bool) or timeout_s <= 0:
        raise InvokeRequestError(f"timeout_s must be a positive number of seconds; got {timeout_s!r}.")
    if not isinstance(environment, dict):
        raise InvokeRequestError(f"environment must be a dict of strings; got {type(environment).__name__}.")
    region, account = _parse_arn(function_arn)
    event = _decode_event(event, function_name)
    env, cacheable = _environment_for(code_zip, handler, function_name=function_name, function_arn=function_arn,
                                      timeout_s=timeout_s, memory_mb=memory_mb, environment=environment)

    lab_session = session_factory()
    credentials = lab_session.get_credentials()
    credentials = credentials.get_frozen_credentials() if credentials is not None else None
    log_group_name = f"/aws/lambda/{function_name}"
    request_id = str(uuid.uuid4())
    started_at = _dt.datetime.now(_dt.timezone.utc)
    # Built on the caller's environment (the outermost caller's, for an invocation made by a handler).
    base_environ = _STACK[0].caller_environ if _STACK else dict(os.environ)
    function_environ = _function_environ(
        env, base_environ, handler=handler, function_name=function_name, function_arn=function_arn,
        memory_mb=memory_mb, environment=environment, region=region, account=account, credentials=credentials,
        log_group_name=log_group_name)

    inv = _Invocation(request_id=request_id, function_name=function_name, timeout_s=timeout_s, gate=gate,
                      sink=env.sink)
    inv.caller_environ = base_environ
    buffer = inv.buffer
    buffer.write(f"START RequestId: {request_id} Version: $LATEST\n")
    for name in (n for n in env.bundled_lab_modules if n in sys.modules):
        buffer.write(f"labkit: the deployment package includes its own {name}; the lab's {name} is used, so "
                     "that the function's AWS calls reach the lab.\n")

    # ---- enter: save what the function changes, in the order it is put back
    saved_environ = dict(os.environ)
    saved_path = list(sys.path)
    saved_stdout, saved_stderr = sys.stdout, sys.stderr
    saved_default_session = boto3.DEFAULT_SESSION
    root_logger = logging.getLogger()
    saved_root_handlers, saved_root_level = list(root_logger.handlers), root_logger.level
    saved_passthrough = getattr(_TLS, "passthrough", False)
    saved_modules = None
    logging_set = False
    outer = not _STACK

    outcome = None  # ("ok", value) | ("error", dict) | ("exit", code)
    phase = "init"  # then "invoke" once the handler is loaded
    init_ms = None
    own = None
    cold = env.modules is None
    env.busy = True
    try:
        if outer:
            _install_patches()
        _STACK.append(inv)
        _TLS.passthrough = False
        _set_environ(function_environ)
        sys.path.insert(0, env.root)
        saved_modules = _enter_modules(env)
        env.modules = None  # they are in sys.modules now; kept again below if the environment survives
        env.sink.target, env.sink.fallback = buffer, saved_stdout
        env.log_handler.request_id = request_id
        sys.stdout = sys.stderr = env.sink
        root_logger.handlers[:] = [env.log_handler] if env.root_handlers is None else env.root_handlers
        root_logger.setLevel(env.root_level)
        logging_set = True
        boto3.DEFAULT_SESSION = lab_session
        context = _Context(inv, function_name=function_name, function_arn=function_arn, memory_mb=memory_mb,
                           log_group_name=log_group_name, log_stream_name=env.log_stream_name)
        try:
            init_start = _clock()
            try:
                function = _load_handler(handler, env)
            finally:
                if cold:
                    init_ms = (_clock() - init_start) * 1000
                    inv.start = _clock()  # like Lambda, init is not part of the invocation's duration
            phase = "invoke"
            response = function(event, context)
            try:
                outcome = ("ok", _marshal(response))
            except Exception as e:
                raise _Fault("Runtime.MarshalError", f"Unable to marshal response: {e}") from None
        except FunctionTimeout as e:
            if not inv.timed_out:  # raised by the function's own code
                inv.ran_out = f"the function's code raised FunctionTimeout({e})"
        except _LabFault:
            pass  # inv.lab_fault is raised below, once everything is put back
        except _Fault as fault:
            # Errors while loading the handler are init errors: they carry no request id, as on Lambda.
            rid = request_id if phase == "invoke" else ""
            outcome = ("error", _error(fault.message, fault.error_type, fault.stack, rid))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            outcome = ("exit", code)
        except Exception as e:
            rid = request_id if phase == "invoke" else ""
            outcome = ("error", _error(str(e), type(e).__name__, _stack(e.__traceback__, env.root), rid))
    finally:
        # ---- leave: put everything back, whatever happened
        boto3.DEFAULT_SESSION = saved_default_session
        if logging_set:
            env.root_level = root_logger.level
            env.root_handlers = list(root_logger.handlers)
        root_logger.handlers[:] = saved_root_handlers
        root_logger.setLevel(saved_root_level)
        sys.stdout, sys.stderr = saved_stdout, saved_stderr
        env.sink.target = None
        if saved_modules is not None:
            own = _exit_modules(env, saved_modules)
        sys.path[:] = saved_path
        _set_environ(saved_environ)
        _TLS.passthrough = saved_passthrough
        if _STACK and _STACK[-1] is inv:
            _STACK.pop()
        if outer:
            _remove_patches()
        env.busy = False

    if inv.lab_fault is not None:
        if not cacheable:
            _release_root(env.root)
        raise inv.lab_fault

    elapsed = inv.elapsed_s()
    if not inv.timed_out and elapsed > inv.timeout_s:
        inv.ran_out = (f"the handler ran for {elapsed:.2f} s of real time, past its {inv.timeout_s:g}-second timeout "
                       "(the lab can't stop Python code mid-computation, so it reports the timeout afterwards)")

    # ---- the execution environment after this invocation: Lambda resets it after a timeout or a crash of the
    # runtime, and retries the init of one whose init failed; otherwise the next invocation finds it warm.
    survives = phase == "invoke" and not inv.timed_out and outcome is not None and outcome[0] != "exit"
    env.modules = own if survives and cacheable else None
    if not cacheable:
        _release_root(env.root)

    # ---- the result
    log_text = buffer.getvalue()
    if inv.timed_out:
        log_text = log_text[: inv.log_cut]
        duration_s = inv.timeout_s
        if inv.blocked is not None:
            what, trace = inv.blocked
            log_text += f"labkit: {what} got no answer and hung until the function timed out: {_one_line(trace)}\n"
        else:
            log_text += f"labkit: {inv.ran_out}.\n"
        moment = started_at + _dt.timedelta(seconds=inv.timeout_s)
        message = f"{_timestamp(moment)} {request_id} Task timed out after {inv.timeout_s:.2f} seconds"
        payload = json.dumps({"errorMessage": message}).encode()
        function_error = "Unhandled"
    else:
        duration_s = elapsed
        message = None
        kind, value = outcome  # type: ignore[misc]
        if kind == "ok":
            payload, function_error = value, None
        elif kind == "exit":
            error = {"errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {value}",
                     "errorType": "Runtime.ExitError"}
            log_text += error["errorMessage"] + "\n" + error["errorType"] + "\n"
            payload, function_error = json.dumps(error).encode(), "Unhandled"
        else:
            log_text += _error_log(value)
            payload, function_error = json.dumps(value).encode(), "Unhandled"

    duration_ms = duration_s * 1000
    billed_ms = max(1, math.ceil(round(duration_ms, 6)))
    report = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed_ms} ms\t"
              f"Memory Size: {memory_mb} MB\t")
    if init_ms is not None:
        report += f"Init Duration: {init_ms:.2f} ms\t"
    if log_text and not log_text.endswith("\n"):
        log_text += "\n"
    log_text += f"END RequestId: {request_id}\n{report}\n"
    if message is not None:
        log_text += message + "\n"

    return InvocationResult(
        status_code=200,
        payload=payload,
        function_error=function_error,
        log=log_text,
        duration_s=duration_s,
        timed_out=inv.timed_out,
        blocked_by=inv.blocked[1] if inv.blocked is not None else None,
    )
