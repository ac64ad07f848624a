"""The invocation's log: stdout, stderr and the root logger in Lambda's format, and the error log lines."""

from __future__ import annotations

import contextlib
import io
import logging
import math
import sys
import time
from collections.abc import Iterator

__all__: list[str] = []


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


@contextlib.contextmanager
def output_to(sink: _LogSink, buffer: io.StringIO) -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` write to the invocation's log through the environment's sink."""
    saved_stdout, saved_stderr = sys.stdout, sys.stderr
    sink.target, sink.fallback = buffer, saved_stdout
    try:
        sys.stdout = sys.stderr = sink
        yield
    finally:
        sys.stdout, sys.stderr = saved_stdout, saved_stderr
        sink.target = None


@contextlib.contextmanager
def lambda_logging(env, request_id: str) -> Iterator[None]:
    """The root logger is Lambda's (or as the function left it in an earlier invocation), then the caller's."""
    root_logger = logging.getLogger()
    saved_handlers, saved_level = list(root_logger.handlers), root_logger.level
    env.log_handler.request_id = request_id
    try:
        root_logger.handlers[:] = [env.log_handler] if env.root_handlers is None else env.root_handlers
        root_logger.setLevel(env.root_level)
        yield
    finally:
        env.root_level = root_logger.level
        env.root_handlers = list(root_logger.handlers)
        root_logger.handlers[:] = saved_handlers
        root_logger.setLevel(saved_level)


def report(request_id: str, duration_s: float, memory_mb: int, init_ms: float | None) -> str:
    """The ``REPORT`` line Lambda writes after each invocation."""
    duration_ms = duration_s * 1000
    billed_ms = max(1, math.ceil(round(duration_ms, 6)))
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed_ms} ms\t"
        f"Memory Size: {memory_mb} MB\t"
    )
    if init_ms is not None:
        line += f"Init Duration: {init_ms:.2f} ms\t"
    return line
