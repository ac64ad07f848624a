"""Shared fixtures of the exercise tests.

``_isolated`` (automatic): each test gets its own progress file (``$LABKIT_PROGRESS`` in its tmp_path),
instructor mode off and no forced moto account, so tests neither read nor write a learner's progress.
``started``: start lab exercises by id; their labs are closed after the test.
"""

from __future__ import annotations

import pytest

import labkit as lk
from labkit.exercises import mode


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("LABKIT_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.delenv("LABKIT_INSTRUCTOR", raising=False)
    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)
    mode._reset()
    yield
    mode._reset()


@pytest.fixture
def started():
    """A function that starts a lab exercise by id (its lab is closed after the test)."""
    made = []

    def start(exercise_id, **kwargs):
        ex = lk.exercises.get(exercise_id)
        ex.start(**kwargs)
        made.append(ex)
        return ex

    yield start
    for ex in made:
        ex.close()
