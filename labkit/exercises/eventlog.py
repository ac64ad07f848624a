"""The progress log's format: events (one JSON object a line), their checks, and what they add up to.

``labkit.exercises.store`` writes the log; the class report (``labkit.classroom``) reads learners' logs with
``read_events``. The format is described in ``labkit.exercises.store`` and docs/classroom.md.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

VERSION = 1
KINDS = ("check", "hint", "reset", "solution", "migrated")
LEGACY_FORMAT = "labkit-progress"
ANSWER_CHARS = 4000  # a recorded answer longer than this is cut


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _answer_value(answer):
    """The answer as JSON can hold it (text for anything else), cut to ANSWER_CHARS characters."""
    try:
        text = json.dumps(answer, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = json.dumps(str(answer), ensure_ascii=False)
    if len(text) <= ANSWER_CHARS:
        return json.loads(text)
    return (answer if isinstance(answer, str) else text)[:ANSWER_CHARS] + "…"


# ---------------------------------------------------------------------------------- events


def valid_event(raw) -> dict | None:
    """``raw`` as an event when it is one (the fields labkit needs, with the right types), else None."""
    if not isinstance(raw, dict) or raw.get("kind") not in KINDS:
        return None
    if not isinstance(raw.get("exercise"), str) or not raw["exercise"] or not isinstance(raw.get("time"), str):
        return None
    if not isinstance(raw.get("id"), str) or not raw["id"]:
        return None
    if raw["kind"] == "check" and not isinstance(raw.get("correct"), bool):
        return None
    return raw


def legacy_events(data) -> list[dict]:
    """The ``migrated`` events standing for an earlier labkit's ``progress.json`` content (a dict)."""
    out = []
    exercises = data.get("exercises") if isinstance(data, dict) else None
    for exercise_id, raw in sorted((exercises or {}).items()):
        if not isinstance(exercise_id, str) or not isinstance(raw, dict):
            continue
        attempts, correct, hints = _count(raw.get("attempts")), _count(raw.get("correct")), _count(raw.get("hints"))
        if not (attempts or hints):
            continue
        stamp = next(
            (raw[k] for k in ("last_checked", "solved_at", "first_checked") if isinstance(raw.get(k), str)),
            "1970-01-01T00:00:00Z",
        )
        event = {
            "v": VERSION,
            "kind": "migrated",
            "exercise": exercise_id,
            "time": stamp,
            "topic": raw.get("topic") if isinstance(raw.get("topic"), str) else exercise_id.split("/")[0],
            "attempts": attempts,
            "correct_checks": correct,
            "hints": hints,
            "solved": bool(raw.get("solved")) or correct > 0,
        }
        for key in ("first_checked", "solved_at"):
            if isinstance(raw.get(key), str):
                event[key] = raw[key]
        # the same legacy content always gives the same ids, so importing it twice adds nothing
        event["id"] = uuid.uuid5(uuid.NAMESPACE_URL, "labkit-migrated:" + json.dumps(event, sort_keys=True)).hex
        out.append(event)
    return out


def _legacy_data(text: str):
    """The parsed content when ``text`` is an earlier labkit's progress.json, else None."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("format") == LEGACY_FORMAT and isinstance(data.get("exercises"), dict):
        return data
    return None


def _may_be_legacy(start: bytes) -> bool:
    """Whether a file beginning with ``start`` may be an earlier labkit's progress.json (not an event log)."""
    if not start.lstrip().startswith(b"{"):
        return False
    first = start.split(b"\n", 1)[0]
    try:
        return valid_event(json.loads(first)) is None
    except ValueError:
        return True


def parse_lines(text: str) -> tuple[list[dict], int]:
    """(the events in ``text``, the number of non-empty lines that are not events)."""
    events, bad = [], 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            event = valid_event(json.loads(line))
        except ValueError:
            event = None
        if event is None:
            bad += 1
        else:
            events.append(event)
    return events, bad


def read_events(path) -> tuple[list[dict], int]:
    """(events, skipped lines) of a log file — or of an earlier labkit's progress.json, read as events.

    Raises ``OSError`` when the file can't be read; never raises for its content.
    """
    raw = Path(path).expanduser().read_bytes()
    text = raw.decode("utf-8", errors="replace")
    legacy = _legacy_data(text)
    if legacy is not None:
        return legacy_events(legacy), 0
    return parse_lines(text)


class _Tally:
    """What the events say about one exercise."""

    __slots__ = (
        "attempts",
        "attempts_since_reset",
        "correct",
        "first_checked",
        "hints",
        "hints_max",
        "last_checked",
        "resets",
        "solutions",
        "solved",
        "solved_at",
        "topic",
    )

    def __init__(self) -> None:
        self.topic = ""
        self.attempts = self.attempts_since_reset = self.correct = self.hints = self.hints_max = 0
        self.resets = self.solutions = 0
        self.solved = False
        self.first_checked = self.last_checked = self.solved_at = None

    def add(self, e: dict) -> None:
        kind, time = e["kind"], e["time"]
        if isinstance(e.get("topic"), str) and e["topic"]:
            self.topic = e["topic"]
        if kind == "check":
            self.attempts += 1
            self.attempts_since_reset += 1
            self.first_checked = self.first_checked or time
            self.last_checked = time
            if e["correct"]:
                self.correct += 1
                if not self.solved:
                    self.solved, self.solved_at = True, time
        elif kind == "hint":
            self.hints += 1
            number = e.get("hint")
            self.hints_max = max(self.hints_max, _count(number) if _count(number) else self.hints)
        elif kind == "reset":
            self.resets += 1
            self.attempts_since_reset = 0
        elif kind == "solution":
            self.solutions += 1
        elif kind == "migrated":
            self.attempts += _count(e.get("attempts"))
            self.attempts_since_reset += _count(e.get("attempts"))
            self.correct += _count(e.get("correct_checks"))
            self.hints += _count(e.get("hints"))
            self.hints_max = max(self.hints_max, _count(e.get("hints")))
            if e.get("solved") and not self.solved:
                self.solved, self.solved_at = True, e.get("solved_at") if isinstance(e.get("solved_at"), str) else time
            first = e.get("first_checked") if isinstance(e.get("first_checked"), str) else None
            self.first_checked = self.first_checked or first
            self.last_checked = self.last_checked or time

    def entry(self) -> dict:
        out = {
            "topic": self.topic,
            "attempts": self.attempts,
            "correct": self.correct,
            "hints": self.hints,
            "solved": self.solved,
        }
        for key in ("first_checked", "last_checked", "solved_at"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


def _empty_entry(topic: str = "") -> dict:
    return {"topic": topic, "attempts": 0, "correct": 0, "hints": 0, "solved": False}
