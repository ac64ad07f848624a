"""The progress store: missing, corrupted, unwritable and concurrently written files."""

from __future__ import annotations

import json
import multiprocessing
import threading
import warnings

import pytest

import labkit as lk
from labkit.exercises import mode, store
from labkit.exercises.store import ProgressStore, ProgressStoreWarning

SOLUTION = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "Action": ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"],
            "Resource": "*",
            "Condition": {"Null": {"lambda:VpcIds": "true"}},
        }
    ],
}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("LABKIT_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.delenv("LABKIT_INSTRUCTOR", raising=False)
    mode._reset()
    store.use_default()
    yield
    store.use_default()


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_checks_and_hints_are_events_in_the_file_from_the_environment(tmp_path):
    ex = lk.exercises.get("conditions/require-vpc")
    ex.check({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    ex.hint()
    ex.check(SOLUTION)
    events = _lines(tmp_path / "progress.json")
    assert [e["kind"] for e in events] == ["check", "hint", "check"]
    assert [e.get("attempt") for e in events] == [1, None, 2]
    assert events[0]["correct"] is False and events[2]["correct"] is True
    assert events[0]["hints"] == 0 and events[1]["hint"] == 1 and events[2]["hints"] == 1
    assert all(e["exercise"] == ex.id and e["topic"] == "conditions" for e in events)
    assert len({e["id"] for e in events}) == 3 and all(e["time"].endswith("Z") for e in events)
    assert all("answer" not in e for e in events)  # answers only with LABKIT_RECORD_ANSWERS=1
    entry = lk.exercises.progress_store().entry(ex.id)
    assert entry["attempts"] == 2 and entry["correct"] == 1 and entry["hints"] == 1
    assert entry["solved"] is True and "solved_at" in entry
    assert store.attempts(ex.id) == 2 and store.hints_opened(ex.id) == 1


def test_the_log_is_readable_by_its_owner_only(tmp_path):
    lk.exercises.get("permissions/user").check(["lambda:CreateFunction"])
    assert (tmp_path / "progress.json").stat().st_mode & 0o777 == 0o600


def test_answers_are_recorded_only_when_asked(tmp_path, monkeypatch):
    ex = lk.exercises.get("permissions/user")
    ex.check(["lambda:CreateFunction"])
    monkeypatch.setenv("LABKIT_RECORD_ANSWERS", "1")
    ex.check(["lambda:CreateFunction", "ec2:CreateNetworkInterface"])
    ex.check("x" * 10_000)
    events = _lines(tmp_path / "progress.json")
    assert "answer" not in events[0]
    assert events[1]["answer"] == ["lambda:CreateFunction", "ec2:CreateNetworkInterface"]
    assert len(events[2]["answer"]) <= store.ANSWER_CHARS + 1


def test_reset_and_solution_are_events_and_attempts_can_count_since_reset(tmp_path):
    ex = lk.exercises.get("conditions/require-vpc")
    ex.check({})
    ex.hint()
    ex.hint()
    ex.reset()
    ex.check({})
    ex.show_solution()  # a learner: not shown, not recorded
    lk.instructor(True)
    ex.show_solution()
    kinds = [e["kind"] for e in _lines(tmp_path / "progress.json")]
    assert kinds == ["check", "hint", "hint", "reset", "check", "solution"]
    assert store.attempts(ex.id) == 2 and store.attempts(ex.id, since_reset=True) == 1
    assert store.hints_opened(ex.id) == 2
    ex.hint()  # hint 1 again after the reset: the highest opened stays 2
    assert store.hints_opened(ex.id) == 2 and lk.exercises.progress_store().entry(ex.id)["hints"] == 3


def test_record_false_leaves_the_file_alone(tmp_path):
    lk.exercises.get("conditions/require-vpc").check(SOLUTION, record=False)
    assert not (tmp_path / "progress.json").exists()


def test_default_path_is_under_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("LABKIT_PROGRESS")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert lk.exercises.progress_store().path == tmp_path / "home" / ".labkit" / "events.jsonl"


def test_progress_store_path_is_configurable_and_wins_over_the_environment(tmp_path):
    chosen = tmp_path / "course" / "mine.json"
    s = lk.exercises.progress_store(chosen)
    assert s.path == chosen and lk.exercises.progress_store() is s
    lk.exercises.get("permissions/user").check(["lambda:CreateFunction"])
    assert [e["exercise"] for e in _lines(chosen)] == ["permissions/user"]
    assert not (tmp_path / "progress.json").exists()


def test_progress_store_rejects_a_folder_or_a_non_path(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        lk.exercises.progress_store(tmp_path)
    with pytest.raises(TypeError, match="file path"):
        lk.exercises.progress_store(42)


def test_missing_file_and_folder_start_fresh_without_a_warning(tmp_path):
    s = ProgressStore(tmp_path / "not" / "yet" / "events.jsonl")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert s.load()["exercises"] == {} and s.events() == []
        s.record_check("states/what-fails", "states", True)
    assert s.entry("states/what-fails")["attempts"] == 1
    assert (tmp_path / "not" / "yet").stat().st_mode & 0o777 == 0o700


def _event(**kw):
    base = {
        "v": 1,
        "id": "e1",
        "time": "2026-01-01T00:00:00Z",
        "kind": "check",
        "exercise": "permissions/user",
        "topic": "permissions",
        "attempt": 1,
        "correct": False,
        "hints": 0,
    }
    return json.dumps({**base, **kw})


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        "[1, 2, 3]",
        '{"kind": "check"}',
        "\x00\xff garbage",
        _event(id="x", kind="dance"),
        _event(id="y", correct="yes"),
        '{"v": 1, "id": "e9", "kind": "check", "ex',
    ],
    ids=["bad-json", "a-list", "missing-fields", "binary", "unknown-kind", "bad-type", "cut-mid-write"],
)
def test_a_corrupted_line_is_skipped_with_one_warning_never_fatal(tmp_path, bad):
    path = tmp_path / "events.jsonl"
    path.write_text(
        _event(id="a") + "\n" + bad + "\n" + _event(id="b", correct=True, attempt=2) + "\n",
        encoding="utf-8",
        errors="surrogateescape",
    )
    s = ProgressStore(path)
    with pytest.warns(ProgressStoreWarning, match="skipped 1 line"):
        assert s.entry("permissions/user")["attempts"] == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once only
        s.record_check("permissions/user", "permissions", True)
        assert s.attempts("permissions/user") == 3 and s.skipped_lines == 1


def test_a_line_cut_at_the_end_does_not_swallow_the_next_event(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(_event(id="a") + "\n" + '{"v": 1, "id": "cut", "ki')  # a crash mid-write
    with pytest.warns(ProgressStoreWarning, match="skipped 1 line"):  # the cut line, once complete
        ProgressStore(path).record_check("permissions/user", "permissions", True)
    fresh = ProgressStore(path)
    with pytest.warns(ProgressStoreWarning):
        assert fresh.attempts("permissions/user") == 2 and fresh.solved("permissions/user")


def test_a_corrupted_file_never_breaks_an_exercise(tmp_path):
    (tmp_path / "progress.json").write_text("{oops\n")
    with pytest.warns(ProgressStoreWarning):
        fb = lk.exercises.get("conditions/require-vpc").check(SOLUTION)
    assert fb.correct and store.attempts("conditions/require-vpc") == 1


LEGACY = {
    "format": "labkit-progress",
    "version": 1,
    "exercises": {
        "permissions/user": {
            "topic": "permissions",
            "attempts": 3,
            "correct": 1,
            "hints": 2,
            "solved": True,
            "first_checked": "2026-01-01T10:00:00+00:00",
            "last_checked": "2026-01-01T10:05:00+00:00",
            "solved_at": "2026-01-01T10:05:00+00:00",
        },
        "states/what-fails": {"attempts": "many", "correct": -3, "hints": True},
        "conditions/x": 7,
    },
}


def test_a_legacy_progress_json_beside_the_default_log_is_migrated_on_first_use(monkeypatch, tmp_path):
    monkeypatch.delenv("LABKIT_PROGRESS")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".labkit").mkdir()
    (tmp_path / ".labkit" / "progress.json").write_text(json.dumps(LEGACY, indent=1))
    s = lk.exercises.progress_store()
    entry = s.entry("permissions/user")
    assert entry["attempts"] == 3 and entry["correct"] == 1 and entry["hints"] == 2 and entry["solved"]
    assert s.entry("states/what-fails")["attempts"] == 0  # bad counts become zero
    assert not (tmp_path / ".labkit" / "progress.json").exists()
    assert (tmp_path / ".labkit" / "progress.json.migrated").exists()
    s.record_check("permissions/user", "permissions", False)
    assert _lines(tmp_path / ".labkit" / "events.jsonl")[-1]["attempt"] == 4


def test_a_legacy_file_at_the_log_path_is_rewritten_as_events(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(json.dumps(LEGACY))
    assert ProgressStore(path).attempts("permissions/user") == 3
    assert [e["kind"] for e in _lines(path)] == ["migrated"]
    assert json.loads((tmp_path / "progress.json.migrated").read_text()) == LEGACY


def test_export_and_import_merge_without_duplicates(tmp_path):
    ex = lk.exercises.get("permissions/user")
    ex.check(["lambda:CreateFunction"])
    ex.hint()
    out = lk.exercises.export_progress(tmp_path / "download" / "mine.jsonl")
    assert len(_lines(out)) == 2
    assert lk.exercises.import_progress(out) == 0  # nothing new
    other = ProgressStore(tmp_path / "other.jsonl")
    other.record_check("states/what-fails", "states", True)
    assert lk.exercises.import_progress(tmp_path / "other.jsonl") == 1
    assert lk.exercises.import_progress(tmp_path / "other.jsonl") == 0
    assert store.attempts("states/what-fails") == 1 and store.attempts("permissions/user") == 1
    legacy = tmp_path / "old.json"
    legacy.write_text(json.dumps(LEGACY))
    assert lk.exercises.import_progress(legacy) == 1 and lk.exercises.import_progress(legacy) == 0
    assert store.attempts("permissions/user") == 4


def test_import_of_a_missing_or_foreign_file_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="export_progress"):
        lk.exercises.import_progress(tmp_path / "nope.jsonl")
    (tmp_path / "notes.txt").write_text("shopping list\n")
    with pytest.raises(ValueError, match="no labkit progress events"):
        lk.exercises.import_progress(tmp_path / "notes.txt")


def test_an_unwritable_file_warns_once_and_keeps_progress_in_memory(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    s = ProgressStore(blocker / "events.jsonl")
    with pytest.warns(ProgressStoreWarning, match="in memory"):
        s.record_check("permissions/user", "permissions", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.record_check("permissions/user", "permissions", True)
        s.record_hint("permissions/user", "permissions")
    entry = s.entry("permissions/user")
    assert entry["attempts"] == 2 and entry["solved"] and entry["hints"] == 1


def _worker(path: str, exercise_id: str, n: int) -> None:
    s = ProgressStore(path)
    for i in range(n):
        s.record_check(exercise_id, "conditions", i % 2 == 0)


def test_kernels_writing_at_once_lose_nothing_and_mix_no_lines(tmp_path):
    path = tmp_path / "events.jsonl"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(str(path), f"conditions/ex-{k % 2}", 40)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    events = _lines(path)  # every line is whole JSON
    assert len(events) == 160 and len({e["id"] for e in events}) == 160
    for k in (0, 1):
        attempts = [e["attempt"] for e in events if e["exercise"] == f"conditions/ex-{k}"]
        assert sorted(attempts) == list(range(1, 81))  # each number given once: appends were serialised
    fresh = ProgressStore(path)
    assert fresh.entry("conditions/ex-1")["attempts"] == 80 and fresh.entry("conditions/ex-1")["correct"] == 40


def test_threads_writing_at_once_lose_nothing(tmp_path):
    s = ProgressStore(tmp_path / "events.jsonl")
    threads = [
        threading.Thread(target=lambda: [s.record_hint("states/what-fails", "states") for _ in range(20)])
        for _ in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ProgressStore(tmp_path / "events.jsonl").entry("states/what-fails")["hints"] == 100


def test_summary_and_progress_widget_per_topic(tmp_path):
    lk.exercises.get("conditions/require-vpc").check(SOLUTION)
    lk.exercises.get("conditions/allow-only-approved-vpc").check(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    )
    summary = lk.exercises.progress_store().summary()
    cond = summary["conditions"]
    assert cond["solved"] == 1 and cond["attempted"] == 2 and cond["total"] == len(lk.exercises.catalog("conditions"))
    assert summary["permissions"]["solved"] == 0
    box = lk.exercises.progress()
    bars = [c.children[0] for c in box.children[0].children if hasattr(c, "children") and c.children]
    by_topic = {b.description: b for b in bars}
    assert by_topic["conditions"].value == 1 and by_topic["conditions"].max == cond["total"]
    assert by_topic["permissions"].value == 0
    lk.exercises.get("permissions/user").check(lk.exercises.get("permissions/user").solution)
    box.refresh_button.click()
    bars = [c.children[0] for c in box.children[0].children if hasattr(c, "children") and c.children]
    assert {b.description: b.value for b in bars}["permissions"] == 1
    assert str(tmp_path / "progress.json") in box.children[0].children[-1].value


def test_clear_forgets_everything(tmp_path):
    lk.exercises.get("conditions/require-vpc").check(SOLUTION)
    lk.exercises.progress_store().clear()
    assert lk.exercises.progress_store().summary()["conditions"]["attempted"] == 0


def test_progress_widget_downloads_the_log_and_loads_one_back(tmp_path):
    import base64
    import datetime

    lk.exercises.get("permissions/user").check(["lambda:CreateFunction"])
    box = lk.exercises.progress()
    href = box.download_link.value.split('href="')[1].split('"')[0]
    downloaded = base64.b64decode(href.split("base64,")[1]).decode()
    assert [json.loads(line)["exercise"] for line in downloaded.splitlines()] == ["permissions/user"]
    other = ProgressStore(tmp_path / "other.jsonl")
    other.record_check("permissions/user", "permissions", True)
    content = (tmp_path / "other.jsonl").read_bytes()
    box.upload.value = (
        {
            "name": "other.jsonl",
            "type": "",
            "size": len(content),
            "content": memoryview(content),
            "last_modified": datetime.datetime.now(datetime.UTC),
        },
    )
    assert "1 new event" in box.message.value
    assert store.attempts("permissions/user") == 2 and lk.exercises.progress_store().solved("permissions/user")
    junk = b"not a log\n"
    box.upload.value = (
        {
            "name": "x.jsonl",
            "type": "",
            "size": len(junk),
            "content": memoryview(junk),
            "last_modified": datetime.datetime.now(datetime.UTC),
        },
    )
    assert "no labkit progress events" in box.message.value
