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

SOLUTION = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"], "Resource": "*",
     "Condition": {"Null": {"lambda:VpcIds": "true"}}}]}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("LABKIT_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.delenv("LABKIT_INSTRUCTOR", raising=False)
    mode._reset()
    store.use_default()
    yield
    store.use_default()


def test_checks_and_hints_are_counted_in_the_file_from_the_environment(tmp_path):
    ex = lk.exercises.get("conditions/require-vpc")
    ex.check({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    ex.hint()
    ex.check(SOLUTION)
    data = json.loads((tmp_path / "progress.json").read_text())
    entry = data["exercises"]["conditions/require-vpc"]
    assert entry["attempts"] == 2 and entry["correct"] == 1 and entry["hints"] == 1
    assert entry["solved"] is True and entry["topic"] == "conditions" and "solved_at" in entry


def test_record_false_leaves_the_file_alone(tmp_path):
    lk.exercises.get("conditions/require-vpc").check(SOLUTION, record=False)
    assert not (tmp_path / "progress.json").exists()


def test_default_path_is_under_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("LABKIT_PROGRESS")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert lk.exercises.progress_store().path == tmp_path / "home" / ".labkit" / "progress.json"


def test_progress_store_path_is_configurable_and_wins_over_the_environment(tmp_path):
    chosen = tmp_path / "course" / "mine.json"
    s = lk.exercises.progress_store(chosen)
    assert s.path == chosen and lk.exercises.progress_store() is s
    lk.exercises.get("permissions/user").check(["lambda:CreateFunction"])
    assert json.loads(chosen.read_text())["exercises"]["permissions/user"]["attempts"] == 1
    assert not (tmp_path / "progress.json").exists()


def test_progress_store_rejects_a_folder_or_a_non_path(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        lk.exercises.progress_store(tmp_path)
    with pytest.raises(TypeError, match="file path"):
        lk.exercises.progress_store(42)


def test_missing_file_and_folder_start_fresh_without_a_warning(tmp_path):
    s = ProgressStore(tmp_path / "not" / "yet" / "progress.json")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert s.load()["exercises"] == {}
        s.record_check("states/what-fails", "states", True)
    assert s.entry("states/what-fails")["attempts"] == 1


@pytest.mark.parametrize("content", ["{not json", "[1, 2, 3]", '{"format": "other"}', "\x00\xff garbage",
                                     '{"format": "labkit-progress", "version": 99, "exercises": {}}'],
                         ids=["bad-json", "a-list", "wrong-format", "binary", "future-version"])
def test_a_corrupted_file_warns_once_is_kept_aside_and_progress_starts_fresh(tmp_path, content):
    path = tmp_path / "progress.json"
    path.write_text(content, encoding="utf-8", errors="surrogateescape")
    s = ProgressStore(path)
    with pytest.warns(ProgressStoreWarning, match="starting fresh"):
        assert s.load()["exercises"] == {}
        s.record_check("conditions/require-vpc", "conditions", False)
        s.record_check("conditions/require-vpc", "conditions", True)
    assert s.entry("conditions/require-vpc")["attempts"] == 2
    assert (tmp_path / "progress.json.corrupt").exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once only
        s.load()


def test_a_corrupted_file_never_breaks_an_exercise(tmp_path):
    (tmp_path / "progress.json").write_text("{oops")
    with pytest.warns(ProgressStoreWarning):
        fb = lk.exercises.get("conditions/require-vpc").check(SOLUTION)
    assert fb.correct


def test_bad_entries_inside_a_good_file_are_cleaned(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(json.dumps({"format": "labkit-progress", "version": 1, "exercises": {
        "permissions/user": {"attempts": "many", "correct": -3, "hints": True}, "states/what-fails": 7}}))
    s = ProgressStore(path)
    assert s.entry("permissions/user") == {"topic": "", "attempts": 0, "correct": 0, "hints": 0, "solved": False}
    s.record_check("permissions/user", "permissions", True)
    assert s.entry("permissions/user")["attempts"] == 1


def test_an_unwritable_file_warns_once_and_keeps_progress_in_memory(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    s = ProgressStore(blocker / "progress.json")
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


def test_two_kernels_writing_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "progress.json")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(path, f"conditions/ex-{k % 2}", 25)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    data = json.loads((tmp_path / "progress.json").read_text())
    assert data["exercises"]["conditions/ex-0"]["attempts"] == 50
    assert data["exercises"]["conditions/ex-1"]["attempts"] == 50
    assert data["exercises"]["conditions/ex-1"]["correct"] == 26
    assert not list(tmp_path.glob(".progress.json.*.tmp"))


def test_threads_writing_at_once_lose_nothing(tmp_path):
    s = ProgressStore(tmp_path / "progress.json")
    threads = [threading.Thread(target=lambda: [s.record_hint("states/what-fails", "states") for _ in range(20)])
               for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ProgressStore(tmp_path / "progress.json").entry("states/what-fails")["hints"] == 100


def test_summary_and_progress_widget_per_topic(tmp_path):
    lk.exercises.get("conditions/require-vpc").check(SOLUTION)
    lk.exercises.get("conditions/allow-only-approved-vpc").check({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
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
