"""The progress log under concurrent writers: kernels (processes) appending and importing at once."""

from __future__ import annotations

import json
import multiprocessing

from labkit.exercises.store import ProgressStore


def _learner(path: str, k: int, n: int) -> None:
    s = ProgressStore(path)
    for i in range(n):
        s.record_hint(f"states/ex-{k}", "states", number=i + 1)
        s.record_check(f"states/ex-{k}", "states", i == n - 1, answer={"try": i, "text": "é" * 200})
        if i % 5 == 4:
            s.record_reset(f"states/ex-{k}", "states")


def _importer(path: str, source: str, rounds: int) -> None:
    s = ProgressStore(path)
    events = ProgressStore(source).events()
    for _ in range(rounds):
        s.merge(events)  # the same events again and again: added once


def test_processes_appending_and_importing_at_once_keep_every_event_once(tmp_path, monkeypatch):
    monkeypatch.setenv("LABKIT_RECORD_ANSWERS", "1")  # long lines (answers) make interleaving likelier
    path = str(tmp_path / "events.jsonl")
    other = ProgressStore(tmp_path / "other.jsonl")
    for i in range(30):
        other.record_check("permissions/user", "permissions", i % 3 == 0)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_learner, args=(path, k, 20)) for k in range(4)]
    procs.append(ctx.Process(target=_importer, args=(path, str(tmp_path / "other.jsonl"), 10)))
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0
    lines = (tmp_path / "events.jsonl").read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]  # every line whole
    assert len(events) == 4 * (20 + 20 + 4) + 30
    assert len({e["id"] for e in events}) == len(events)
    store = ProgressStore(path)
    for k in range(4):
        checks = [e["attempt"] for e in events if e["exercise"] == f"states/ex-{k}" and e["kind"] == "check"]
        assert sorted(checks) == list(range(1, 21))
        assert store.attempts(f"states/ex-{k}") == 20 and store.attempts(f"states/ex-{k}", since_reset=True) == 0
        assert store.solved(f"states/ex-{k}") and store.hints_opened(f"states/ex-{k}") == 20
    assert store.attempts("permissions/user") == 30 and store.skipped_lines == 0
    assert (tmp_path / "events.jsonl").stat().st_mode & 0o777 == 0o600
