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
  loopback, the instance metadata address 169.254.169.254 included, ask ``gate("internet")`` and never
  reach the real network. Blocked: the connection hangs like an SDK call (or raises ``TimeoutError`` if
  the socket's own timeout is shorter than the time left). Open: ``ConnectionRefusedError`` ("the lab has
  no internet server"), because the lab has no real internet. Host names other than ``localhost`` resolve to addresses in
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
  lets it finish and then reports the timeout. ``time.sleep`` is the exception: a sleep that would cross
  the deadline doesn't wait at all, it stops the handler at once as if it had slept until the timeout
  (a sleep that ends within the timeout really sleeps). Time spent in simulated waits (a client timeout
  that fires, a sleep past the deadline) counts in ``duration_s`` but not in ``time.time()``.
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

Modules: ``environments`` (unpacked code, modules kept between invocations, environment variables),
``logs`` (stdout, stderr and logging in Lambda's format), ``sandbox`` (the SDK, network, DNS and sleep
gates), ``context`` (the invocation in progress and the handler's context object), ``payloads`` (the
event, the response, error objects and ``InvocationResult``).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from labkit.awslambda.runtime import context as _context
from labkit.awslambda.runtime.context import _STACK, FunctionTimeout, _Context, _Invocation, _LabFault, _one_line
from labkit.awslambda.runtime.environments import (
    DeploymentPackageError,
    _environment_for,
    _function_environ,
    _load_handler,
    _release_root,
    code_on_path,
    discard_environments,
    environ,
    function_modules,
    in_use,
)
from labkit.awslambda.runtime.logs import _error_log, lambda_logging, output_to, report
from labkit.awslambda.runtime.payloads import (
    InvocationResult,
    InvokeRequestError,
    _decode_event,
    _error,
    _Fault,
    _marshal,
    _parse_arn,
    _stack,
    _timestamp,
)
from labkit.awslambda.runtime.sandbox import RealNetworkRefused, gated

if TYPE_CHECKING:  # pragma: no cover
    import boto3

    from labkit.vpc.results import Trace

__all__ = [
    "InvocationResult",
    "run_handler",
    "discard_environments",
    "DeploymentPackageError",
    "InvokeRequestError",
    "FunctionTimeout",
    "RealNetworkRefused",
]


@contextlib.contextmanager
def _default_session(session) -> Iterator[None]:
    """``boto3.DEFAULT_SESSION`` is the lab's session, so ``boto3.client(...)`` in the handler reaches the lab."""
    import boto3

    saved = boto3.DEFAULT_SESSION
    boto3.DEFAULT_SESSION = session
    try:
        yield
    finally:
        boto3.DEFAULT_SESSION = saved


def run_handler(
    code_zip: bytes,
    handler: str,
    event,
    *,
    function_name: str,
    function_arn: str,
    timeout_s: int,
    memory_mb: int,
    environment: dict[str, str],
    session_factory: Callable[[], boto3.Session],
    gate: Callable[[str], Trace | None],
) -> InvocationResult:
    """Invoke a Python handler from a .zip deployment package in this process, gated by reachability.

    ``handler`` is ``"module.function"`` (or ``"dir/sub/module.function"``); ``event`` is a dict, list,
    string… or the JSON bytes of an Invoke payload. ``gate(endpoint_prefix)`` answers ``None`` when the
    function can reach that service (or ``"internet"``), or the ``Trace`` that shows what blocks it.
    Function errors and timeouts are results (``function_error="Unhandled"``); a package that isn't a
    .zip raises ``DeploymentPackageError`` and a payload that isn't JSON ``InvokeRequestError``.
    """
    if not isinstance(handler, str) or not handler:
        raise InvokeRequestError(f"The handler must be a string like 'app.handler'; got {handler!r}.")
    if not isinstance(timeout_s, (int, float)) or isinstance(timeout_s, bool) or timeout_s <= 0:
        raise InvokeRequestError(f"timeout_s must be a positive number of seconds; got {timeout_s!r}.")
    if not isinstance(environment, dict):
        raise InvokeRequestError(f"environment must be a dict of strings; got {type(environment).__name__}.")
    region, account = _parse_arn(function_arn)
    event = _decode_event(event, function_name)
    env, cacheable = _environment_for(
        code_zip,
        handler,
        function_name=function_name,
        function_arn=function_arn,
        timeout_s=timeout_s,
        memory_mb=memory_mb,
        environment=environment,
    )

    lab_session = session_factory()
    credentials = lab_session.get_credentials()
    credentials = credentials.get_frozen_credentials() if credentials is not None else None
    log_group_name = f"/aws/lambda/{function_name}"
    request_id = str(uuid.uuid4())
    started_at = _dt.datetime.now(_dt.UTC)
    # Built on the caller's environment (the outermost caller's, for an invocation made by a handler).
    base_environ = _STACK[0].caller_environ if _STACK else dict(os.environ)
    function_environ = _function_environ(
        env,
        base_environ,
        handler=handler,
        function_name=function_name,
        function_arn=function_arn,
        memory_mb=memory_mb,
        environment=environment,
        region=region,
        account=account,
        credentials=credentials,
        log_group_name=log_group_name,
    )

    inv = _Invocation(request_id=request_id, function_name=function_name, timeout_s=timeout_s, gate=gate, sink=env.sink)
    inv.caller_environ = base_environ
    buffer = inv.buffer
    buffer.write(f"START RequestId: {request_id} Version: $LATEST\n")
    for name in (n for n in env.bundled_lab_modules if n in sys.modules):
        buffer.write(
            f"labkit: the deployment package includes its own {name}; the lab's {name} is used, so "
            "that the function's AWS calls reach the lab.\n"
        )

    outcome: tuple[str, Any] | None = None  # ("ok", bytes) | ("error", dict) | ("exit", code)
    phase = "init"  # then "invoke" once the handler is loaded
    init_ms = None
    cold = env.modules is None
    # Each piece of state the function changes is saved and put back by its own context manager, in reverse
    # order, whatever happens.
    with contextlib.ExitStack() as state:
        state.enter_context(in_use(env))
        state.enter_context(gated(inv))
        state.enter_context(environ(function_environ))
        state.enter_context(code_on_path(env))
        own = state.enter_context(function_modules(env))
        state.enter_context(output_to(env.sink, buffer))
        state.enter_context(lambda_logging(env, request_id))
        state.enter_context(_default_session(lab_session))
        context = _Context(
            inv,
            function_name=function_name,
            function_arn=function_arn,
            memory_mb=memory_mb,
            log_group_name=log_group_name,
            log_stream_name=env.log_stream_name,
        )
        try:
            init_start = _context._clock()
            try:
                function = _load_handler(handler, env)
            finally:
                if cold:
                    init_ms = (_context._clock() - init_start) * 1000
                    inv.start = _context._clock()  # like Lambda, init is not part of the invocation's duration
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

    if inv.lab_fault is not None:
        if not cacheable:
            _release_root(env.root)
        raise inv.lab_fault

    elapsed = inv.elapsed_s()
    if not inv.timed_out and elapsed > inv.timeout_s:
        inv.ran_out = (
            f"the handler ran for {elapsed:.2f} s of real time, past its {inv.timeout_s:g}-second timeout "
            "(the lab can't stop Python code mid-computation, so it reports the timeout afterwards)"
        )

    # The execution environment after this invocation: Lambda resets it after a timeout or a crash of the
    # runtime, and retries the init of one whose init failed; otherwise the next invocation finds it warm.
    survives = phase == "invoke" and not inv.timed_out and outcome is not None and outcome[0] != "exit"
    env.modules = own if survives and cacheable else None
    if not cacheable:
        _release_root(env.root)

    # The result.
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
            error = {
                "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {value}",
                "errorType": "Runtime.ExitError",
            }
            log_text += error["errorMessage"] + "\n" + error["errorType"] + "\n"
            payload, function_error = json.dumps(error).encode(), "Unhandled"
        else:
            log_text += _error_log(value)
            payload, function_error = json.dumps(value).encode(), "Unhandled"

    if log_text and not log_text.endswith("\n"):
        log_text += "\n"
    log_text += f"END RequestId: {request_id}\n{report(request_id, duration_s, memory_mb, init_ms)}\n"
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
