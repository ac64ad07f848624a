"""One invocation in progress: its time budget, what stopped it, and the context object the handler gets."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable

__all__ = ["FunctionTimeout"]

#: The lab's clock for measuring invocations (seconds). A module attribute so tests can move it.
_clock = time.perf_counter
#: Real sleeping, for sleeps that end within the function's timeout. A module attribute so tests can replace it.
_real_sleep = time.sleep


class FunctionTimeout(BaseException):
    """Stops a handler whose time is up (a call that would hang until the timeout, or a sleep past it).

    A ``BaseException``, so the handler's ``except Exception:`` can't swallow it, just as code can't
    catch Lambda stopping it."""


class _LabFault(BaseException):
    """The lab itself failed while the handler ran (its gate raised): unwinds the handler untouched."""


class _WorkerCallHung(TimeoutError):
    """Raised in a thread the handler started when its call would hang until the function times out."""


class _Invocation:
    """One running invocation: its timeout, the time it used, and why it stopped early (if it did)."""

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

    def __init__(self, inv: _Invocation, *, function_name, function_arn, memory_mb, log_group_name, log_stream_name):
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
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},client_context=None,identity={self.identity}])"
        )


class _CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self):
        self.cognito_identity_id = None
        self.cognito_identity_pool_id = None

    def __repr__(self) -> str:
        return "CognitoIdentity([cognito_identity_id=None,cognito_identity_pool_id=None])"


def _one_line(trace) -> str:
    """The trace's verdict and blocker, on one line."""
    summary = trace.headline() if hasattr(trace, "headline") else str(trace)
    text = summary
    blocker = getattr(trace, "blocked_by", None)
    if blocker is not None:
        text += f" Blocked by {blocker}."
        fix = getattr(blocker, "fix", "")
        if fix:
            text += f" Fix: {fix}"
    return " ".join(text.split())
