"""Invoke on the lab: the Invoke wire format around the in-process runtime, and the network gate it asks."""

from __future__ import annotations

import base64
import json
from typing import Any

from labkit.awslambda import states
from labkit.awslambda.exceptions import InvalidRequestContentException, ServiceException
from labkit.awslambda.response_builders import http_response, metadata, streaming_body
from labkit.awslambda.states import FunctionRecord, Snapshot, apply, refusal

__all__ = ["Invoker", "read_event"]

#: Invoke with ``LogType="Tail"`` returns the last 4 KB of the log.
_LOG_TAIL_BYTES = 4096

#: The operations that run the function.
INVOKE_OPERATIONS = ("Invoke", "InvokeAsync", "InvokeWithResponseStream")


class Invoker:
    """Runs a function's handler for Invoke and answers in Invoke's wire format."""

    def __init__(self, lab, lifecycle):
        self._lab = lab
        self._lifecycle = lifecycle
        self.last_result = None  # the runtime's InvocationResult of the latest invocation

    def invoke(self, record: FunctionRecord, params: dict, operation: str):
        """``(http, parsed)`` for an Invoke, InvokeAsync or InvokeWithResponseStream call."""
        error = refusal("Invoke", record)
        if error is not None:
            if record.state == states.INACTIVE:
                apply(record, "invoke")
                self._lifecycle.start(record, "reactivate", record.effective)
            raise error
        invocation_type = params.get("InvocationType") or "RequestResponse"
        if operation == "InvokeAsync":
            invocation_type = "Event"
        if invocation_type == "DryRun":
            return http_response(204), {"StatusCode": 204, "ResponseMetadata": metadata(204)}
        event = read_event(params.get("Payload", params.get("InvokeArgs")))
        snapshot = record.effective
        if snapshot.vpc_connected:
            self._lab.topology()  # read the account now, not while the handler's time runs
        try:
            from labkit.awslambda import runtime
        except ImportError as e:  # pragma: no cover - the runtime ships with labkit
            raise ServiceException(f"The lab can't run handlers here: {e}") from e
        result = runtime.run_handler(
            snapshot.code_zip,
            snapshot.handler,
            event,
            function_name=record.name,
            function_arn=record.arn,
            timeout_s=snapshot.timeout,
            memory_mb=snapshot.memory,
            environment=dict(snapshot.environment),
            session_factory=self._lab.session_factory,
            gate=lambda service: self.gate(record.name, snapshot, service),
        )
        record.last_used = self._lab.clock.elapsed
        self.last_result = result
        if invocation_type == "RequestResponse" and result.duration_s:
            self._lab.clock.advance(result.duration_s)
        if operation == "InvokeAsync":
            return http_response(202), {"Status": 202, "ResponseMetadata": metadata(202)}
        return _wire(result, invocation_type, params.get("LogType"))

    def gate(self, name: str, snapshot: Snapshot, service: str):
        """``None`` when the function (as ``snapshot`` connects it) reaches ``service``; else the blocking Trace."""
        if not snapshot.vpc_connected:
            return None
        from labkit.vpc.errors import DestinationError
        from labkit.vpc.reach import trace

        topology = self._lab.topology()
        current = topology.function_or_none(name)
        same = (
            current is not None
            and set(current.subnet_ids) == set(snapshot.subnet_ids)
            and set(current.security_group_ids) == set(snapshot.security_group_ids)
        )
        source: str | list[str]
        groups: list[str] | None
        if same:
            source, groups = name, None
        else:
            source, groups = list(snapshot.subnet_ids), list(snapshot.security_group_ids)
        try:
            result = trace(topology, source, service, security_groups=groups)
        except DestinationError:
            result = trace(topology, source, "internet", security_groups=groups)
        return None if result.reachable else result


def _wire(result, invocation_type: str, log_type: str | None):
    """The Invoke response: status, ``FunctionError``, the log tail and the payload, in body and headers."""
    event = invocation_type == "Event"
    status = 202 if event else 200
    headers = {"x-amz-executed-version": "$LATEST"}
    parsed: dict[str, Any] = {"StatusCode": status, "ExecutedVersion": "$LATEST"}
    body = b"" if event else bytes(result.payload or b"")
    if result.function_error and not event:
        parsed["FunctionError"] = result.function_error
        headers["x-amz-function-error"] = result.function_error
    if log_type == "Tail" and not event:
        tail = (result.log or "").encode()[-_LOG_TAIL_BYTES:]
        parsed["LogResult"] = base64.b64encode(tail).decode()
        headers["x-amz-log-result"] = parsed["LogResult"]
    parsed["Payload"] = streaming_body(body)
    parsed["ResponseMetadata"] = metadata(status, headers)
    return http_response(status, headers), parsed


def read_event(payload) -> Any:
    """The invocation's event: the Payload parsed as JSON (``{}`` when there is none)."""
    if payload is None:
        return {}
    if hasattr(payload, "read"):
        payload = payload.read()
    if isinstance(payload, (bytes, bytearray)):
        payload = bytes(payload).decode("utf-8")
    if not str(payload).strip():
        return {}
    try:
        return json.loads(payload)
    except ValueError as e:
        raise InvalidRequestContentException(f"Could not parse request body into json: {e}") from None
