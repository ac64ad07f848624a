"""Responses the lab hands to botocore instead of sending a request (``before-call`` short-circuits)."""

from __future__ import annotations

import uuid

__all__ = ["http_response", "metadata", "streaming_body"]


def http_response(status: int, headers: dict | None = None):
    """A botocore ``AWSResponse`` with this status (botocore reads only the status and headers)."""
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    h = HTTPHeaders()
    for key, value in (headers or {}).items():
        h[key] = value
    return AWSResponse("https://lab.labkit.invalid/", status, h, None)


def metadata(status: int, headers: dict | None = None) -> dict:
    request_id = str(uuid.uuid4())
    return {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": {"x-amzn-requestid": request_id, **(headers or {})},
        "RetryAttempts": 0,
    }


def streaming_body(data: bytes):
    """A botocore ``StreamingBody`` over ``data`` (what ``invoke()["Payload"]`` is)."""
    import io

    from botocore.response import StreamingBody

    return StreamingBody(io.BytesIO(data), len(data))
