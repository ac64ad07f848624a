"""Sending progress events from a learner's kernel to the hub's progress service.

On a JupyterHub set up with ``classroom/`` the single-user environment has ``JUPYTERHUB_API_TOKEN`` (the
learner's own token, set by the hub) and ``LABKIT_PROGRESS_URL`` (the service's URL, set by the hub's
config). Each event recorded in the local log is then also POSTed to ``{LABKIT_PROGRESS_URL}api/events``.

Rules: no hub (either variable missing) means nothing is sent and nothing is slowed down; one send waits
at most ``TIMEOUT`` seconds (connect and answer together) in the calling thread — no thread is started;
events that could not be sent wait in memory (at most ``MAX_PENDING``) and go with the next send; after a
failure, sending pauses for ``RETRY_AFTER`` seconds so a Check is never slowed twice in a row; a refusal
(401/403: the token is not accepted) stops sending for this kernel. The local log always has every event.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
import urllib.parse

URL_ENV = "LABKIT_PROGRESS_URL"
TOKEN_ENV = "JUPYTERHUB_API_TOKEN"
TIMEOUT = 0.5  # seconds, the whole send
RETRY_AFTER = 60.0  # seconds without trying after a failure
MAX_PENDING = 1000
BATCH = 200

_pending: list[dict] = []
_paused_until = 0.0
_refused = False
_lock = threading.Lock()


def configured() -> bool:
    """True when this kernel runs on a hub whose config names the progress service."""
    return bool(os.environ.get(URL_ENV, "").strip() and os.environ.get(TOKEN_ENV, "").strip())


def events_url(base: str) -> str:
    return base.rstrip("/") + "/api/events"


def send(event: dict) -> bool:
    """Queue ``event`` and try to send what is queued. True when the service took everything queued."""
    global _paused_until, _refused
    if not configured():
        return False
    with _lock:
        _pending.append(event)
        del _pending[:-MAX_PENDING]
        if _refused or time.monotonic() < _paused_until:
            return False
        batch = list(_pending[:BATCH])
        status = post(os.environ[URL_ENV].strip(), os.environ[TOKEN_ENV].strip(), batch)
        if status in (200, 201):
            del _pending[: len(batch)]
            return not _pending
        if status in (401, 403):
            _refused = True
        else:
            _paused_until = time.monotonic() + RETRY_AFTER
        return False


def post(base_url: str, token: str, events: list[dict], timeout: float = TIMEOUT) -> int | None:
    """POST ``events`` to the service; the HTTP status, or None when it could not be reached in time."""
    deadline = time.monotonic() + timeout
    url = urllib.parse.urlsplit(events_url(base_url))
    if url.scheme not in ("http", "https") or not url.hostname:
        return None
    cls = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    body = json.dumps({"events": events}, separators=(",", ":")).encode("utf-8")
    conn = cls(url.hostname, url.port, timeout=timeout)
    try:
        conn.connect()
        conn.sock.settimeout(max(0.01, deadline - time.monotonic()))
        conn.request(
            "POST",
            url.path + (f"?{url.query}" if url.query else ""),
            body=body,
            headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        )
        conn.sock.settimeout(max(0.01, deadline - time.monotonic()))
        response = conn.getresponse()
        response.read(65536)
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def _reset() -> None:
    """Forget the queue and any pause (tests)."""
    global _paused_until, _refused
    with _lock:
        _pending.clear()
        _paused_until, _refused = 0.0, False
