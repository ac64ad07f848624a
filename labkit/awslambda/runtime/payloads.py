"""What goes in and out of a handler: the event, the JSON response, Lambda's error objects and the result."""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import math
import os
import sys
import traceback
from dataclasses import dataclass

from labkit.awslambda.errors import InvokeRequestError

__all__ = ["InvocationResult", "InvokeRequestError"]

_HERE = os.path.dirname(os.path.abspath(__file__))
#: Frames of the lab's own code at the top of a handler's stack trace (the runtime calling the handler).
_ERROR_STACK_SKIP = frozenset(
    os.path.normcase(os.path.join(_HERE, name)) for name in ("__init__.py", "environments.py")
)


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
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id,
        "stackTrace": stack or [],
    }


def _stack(tb, root: str) -> list:
    frames = traceback.extract_tb(tb)
    rows = [(f.filename, f.lineno, f.name, f.line) for f in frames]
    for i, row in enumerate(rows):
        if os.path.normcase(os.path.abspath(row[0])) not in _ERROR_STACK_SKIP:
            rows = rows[i:]
            break
    else:
        rows = []
    prefix = root + os.sep
    rows = [
        ("/var/task/" + f[len(prefix) :] if f.startswith(prefix) else f, n, name, line) for f, n, name, line in rows
    ]
    return traceback.format_list([(f, n or 0, name, line) for f, n, name, line in rows])


class _Fault(Exception):
    """A Lambda runtime error (Runtime.*), as the runtime reports it."""

    def __init__(self, error_type: str, message: str, stack=None):
        super().__init__(message)
        self.error_type, self.message, self.stack = error_type, message, stack or []


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
