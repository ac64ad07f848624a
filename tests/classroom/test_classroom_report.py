"""The class report from learners' progress logs: good, corrupted, missing, empty and foreign files."""

from __future__ import annotations

import csv
import json

import pytest

import labkit as lk
from labkit.cli import main
from labkit.exercises.store import ProgressStore

EX = "permissions/user"
OTHER = "states/what-fails"


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """/home-like folders: alice solves EX at the 2nd check after a hint; bob fails twice; carol solves OTHER."""
    monkeypatch.setenv("LABKIT_RECORD_ANSWERS", "1")

    def log(name):
        return ProgressStore(tmp_path / "home" / name / ".labkit" / "events.jsonl")

    alice, bob, carol = log("alice"), log("bob"), log("carol")
    alice.record_check(EX, "permissions", False, answer=["lambda:CreateFunction"])
    alice.record_hint(EX, "permissions", number=1)
    alice.record_check(EX, "permissions", True, answer=["right"])
    bob.record_check(EX, "permissions", False, answer=["lambda:CreateFunction"])
    bob.record_check(EX, "permissions", False, answer=["other"])
    carol.record_check(OTHER, "states", True)
    return tmp_path / "home"


def test_per_learner_and_per_exercise_figures(homes):
    report = lk.classroom.report(str(homes / "*" / ".labkit" / "events.jsonl"))
    assert report.learners == ["alice", "bob", "carol"] and set(report.exercises) == {EX, OTHER}
    a, b = report.cell("alice", EX), report.cell("bob", EX)
    assert (a.solved, a.attempts, a.hints) == (True, 2, 1) and a.time_to_solve_s is not None
    assert (b.solved, b.attempts) == (False, 2) and b.time_to_solve_s is None
    row = {r["exercise"]: r for r in report.per_exercise()}[EX]
    assert row["learners_tried"] == 2 and row["learners_solved"] == 1 and row["solve_rate"] == 0.5
    assert row["median_attempts"] == 2
    assert row["commonest_wrong_first_answer"] == ["lambda:CreateFunction"]
    assert row["commonest_wrong_first_answer_count"] == 2
    assert report.problems == []


def test_csv_and_html_with_a_heatmap(homes, tmp_path):
    report = lk.classroom.report(homes)  # a folder: its */.labkit/events.jsonl
    rows = list(csv.DictReader(open(report.to_csv(tmp_path / "out" / "class.csv"), encoding="utf-8")))
    assert {(r["learner"], r["exercise"], r["solved"], r["attempts"]) for r in rows} == {
        ("alice", EX, "True", "2"),
        ("bob", EX, "False", "2"),
        ("carol", OTHER, "True", "1"),
    }
    page = report.to_html()
    assert page.count("<tr><th style='text-align:left") == 3 and "background:#" in page
    assert "lambda:CreateFunction" in page  # the commonest wrong first answer


def test_bad_files_are_counted_and_named_never_fatal(homes, tmp_path):
    (homes / "dave" / ".labkit").mkdir(parents=True)
    (homes / "dave" / ".labkit" / "events.jsonl").write_text("")  # empty
    erin = homes / "erin" / ".labkit" / "events.jsonl"
    erin.parent.mkdir(parents=True)
    good = (homes / "carol" / ".labkit" / "events.jsonl").read_text().replace(OTHER, EX)
    erin.write_text("{broken\n" + good.replace('"id":"', '"id":"e'))  # one corrupted line, one event
    foreign = tmp_path / "notes.jsonl"
    foreign.write_text('{"hello": "world"}\n')
    binary = tmp_path / "blob.jsonl"
    binary.write_bytes(b"\x00\xff\xfe" * 50)
    report = lk.classroom.report(
        str(homes / "*" / ".labkit" / "events.jsonl"), str(foreign), str(binary), str(tmp_path / "missing.jsonl")
    )
    kinds = {(p.kind, p.path.split("/")[-1] if p.kind != "empty" else "dave") for p in report.problems}
    assert kinds == {
        ("empty", "dave"),
        ("corrupted", "events.jsonl"),
        ("foreign", "notes.jsonl"),
        ("foreign", "blob.jsonl"),
        ("missing", "missing.jsonl"),
    }
    assert "erin" in report.learners and report.cell("erin", EX).solved
    assert "dave" not in report.learners
    text = str(report)
    assert "1 missing" in text and "2 foreign" in text and "notes.jsonl" in text


def test_a_legacy_progress_json_is_read_too(tmp_path):
    path = tmp_path / "frank" / ".labkit" / "progress.json"
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "format": "labkit-progress",
                "version": 1,
                "exercises": {EX: {"topic": "permissions", "attempts": 4, "correct": 1, "hints": 2, "solved": True}},
            }
        )
    )
    report = lk.classroom.report(tmp_path)
    assert report.cell("frank", EX).attempts == 4 and report.cell("frank", EX).solved


def test_cli_report_writes_csv_and_html_and_survives_only_bad_paths(homes, tmp_path, capsys):
    out_csv, out_html = tmp_path / "r.csv", tmp_path / "r.html"
    assert main(["classroom", "report", str(homes), "--csv", str(out_csv), "--html", str(out_html)]) == 0
    text = capsys.readouterr().out
    assert "3 learner(s)" in text and EX in text
    assert out_csv.read_text().startswith("learner,exercise,solved") and "<table" in out_html.read_text()
    assert main(["classroom", "report", str(tmp_path / "nowhere")]) == 0
    assert "missing" in capsys.readouterr().out


def test_cli_report_needs_a_source_and_a_reachable_hub(capsys, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    assert main(["classroom", "report"]) == 2
    assert "Give progress files" in capsys.readouterr().err
    assert main(["classroom", "report", "--hub", "https://hub.example.org"]) == 2
    assert "admin's API token" in capsys.readouterr().err
    from labkit.classroom.localhub import free_port

    assert main(["classroom", "report", "--hub", f"http://127.0.0.1:{free_port()}", "--token", "t"]) == 2
    assert "Could not reach" in capsys.readouterr().err
