"""labkit's progress service: storage, and who may do what on a real JupyterHub (127.0.0.1)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from labkit.classroom import client
from labkit.classroom.service import EventDB


def _event(i: int, **kw) -> dict:
    return {
        "v": 1,
        "id": f"ev{i}",
        "time": f"2026-01-01T00:00:{i:02d}Z",
        "kind": "check",
        "exercise": "permissions/user",
        "topic": "permissions",
        "attempt": i,
        "correct": False,
        "hints": 0,
        **kw,
    }


def test_the_database_adds_each_event_once_per_learner_and_rejects_non_events(tmp_path):
    db = EventDB(tmp_path / "events.sqlite")
    assert db.add("alice", [_event(1), _event(2), {"kind": "nonsense"}, "text"]) == {
        "added": 2,
        "duplicates": 0,
        "rejected": 2,
    }
    assert db.add("alice", [_event(2), _event(3)]) == {"added": 1, "duplicates": 1, "rejected": 0}
    assert db.add("bob", [_event(1)])["added"] == 1  # the same id from another learner is another event
    assert [(e["user"], e["id"]) for e in db.events()] == [
        ("alice", "ev1"),
        ("bob", "ev1"),
        ("alice", "ev2"),
        ("alice", "ev3"),
    ]
    assert [e["id"] for e in db.events("bob")] == ["ev1"]
    assert (tmp_path / "events.sqlite").stat().st_mode & 0o777 == 0o600


def test_a_user_field_in_an_event_is_not_stored_the_token_decides(tmp_path):
    db = EventDB(":memory:")
    db.add("alice", [_event(1, user="mallory")])
    assert [e["user"] for e in db.events()] == ["alice"]


def test_without_a_hub_nothing_is_sent_and_nothing_waits(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    monkeypatch.delenv("LABKIT_PROGRESS_URL", raising=False)
    client._reset()
    assert client.send(_event(1)) is False and client._pending == []


def test_a_service_that_is_down_costs_one_short_try_then_a_pause(monkeypatch):
    from labkit.classroom.localhub import free_port

    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "x")
    monkeypatch.setenv("LABKIT_PROGRESS_URL", f"http://127.0.0.1:{free_port()}/services/labkit-progress/")
    client._reset()
    calls = []
    real_post = client.post
    monkeypatch.setattr(client, "post", lambda *a, **k: calls.append(1) or real_post(*a, **k))
    assert client.send(_event(1)) is False
    assert client.send(_event(2)) is False  # paused: no second try
    assert len(calls) == 1 and len(client._pending) == 2  # kept for the next send
    client._reset()


# ------------------------------------------------------------------------------ on a real hub


def _request(url: str, token: str | None, body=None):
    headers = {"Authorization": f"token {token}"} if token is not None else {}
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=headers, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.mark.hub
def test_permissions_on_a_real_hub(hub):
    base = f"{hub.url}/services/labkit-progress/api/events"
    alice, bob = hub.create_user("alice"), hub.create_user("bob")
    # a learner adds events; the user field in the body is ignored: they are the token owner's
    status, text = _request(base, alice, {"events": [_event(1, user="bob"), _event(2)]})
    assert status == 200 and json.loads(text)["added"] == 2
    assert _request(base, bob, {"events": [_event(1)]})[0] == 200
    # no token, or a token the hub does not know: refused, nothing stored
    assert _request(base, None, {"events": [_event(9)]})[0] == 401
    assert _request(base, "not-a-token", {"events": [_event(9)]})[0] == 403
    # learners can't read, not even their own events; the admin (instructor) reads everything
    assert _request(base, alice, None)[0] == 403
    assert _request(base, None, None)[0] == 401
    status, text = _request(base, hub.admin_token, None)
    assert status == 200
    stored = [json.loads(line) for line in text.splitlines()]
    mine = sorted((e["user"], e["id"]) for e in stored if e["user"] in ("alice", "bob", "mallory"))
    assert mine == [("alice", "ev1"), ("alice", "ev2"), ("bob", "ev1")]  # other hub tests' learners aside
    assert "ev9" not in text
    status, text = _request(base + "?user=bob", hub.admin_token, None)
    assert [json.loads(line)["id"] for line in text.splitlines()] == ["ev1"]
    # malformed bodies get a clear 400
    status, text = _request(base, alice, {"not": "events"})
    assert status == 400 and "events" in text
    # the kernel-side client sends with the learner's token
    assert client.post(f"{hub.url}/services/labkit-progress/", alice, [_event(3)], timeout=10) == 200
    # the report page is for admins only
    assert _request(f"{hub.url}/services/labkit-progress/report", alice, None)[0] == 403
    status, page = _request(f"{hub.url}/services/labkit-progress/report", hub.admin_token, None)
    assert status == 200 and "alice" in page and "bob" in page


def test_a_service_that_never_answers_gives_up_instead_of_holding_the_check(monkeypatch, tmp_path):
    import socket
    import time

    import labkit as lk
    from labkit.exercises import store

    monkeypatch.setenv("LABKIT_PROGRESS", str(tmp_path / "events.jsonl"))
    store.use_default()

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections (the kernel's backlog) but never answers
    try:
        port = listener.getsockname()[1]
        started = time.monotonic()
        assert client.post(f"http://127.0.0.1:{port}/services/labkit-progress/", "t", [_event(1)], timeout=0.3) is None
        assert time.monotonic() - started < 5  # gave up (the budget is 0.3 s), did not wait for an answer
        monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "t")
        monkeypatch.setenv("LABKIT_PROGRESS_URL", f"http://127.0.0.1:{port}/services/labkit-progress/")
        client._reset()
        ex = lk.exercises.get("permissions/user")
        assert ex.check(ex.solution).correct  # the Check goes on; the event is in the local log
        assert lk.exercises.progress_store().solved("permissions/user")
        assert len(client._pending) == 1
    finally:
        listener.close()
        client._reset()
        store.use_default()
