"""Fuzz: random objects into ``lk.trace`` and into every exercise's ``check``.

The only acceptable outcomes: a Trace or a labkit error from ``trace``; a Feedback from ``check`` (whatever
the answer, ``check`` never raises). Lab exercises are fuzzed without starting their lab (each start builds
an account): their check must still answer with Feedback, naming what to do.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import labkit as lk
from labkit.exercises.feedback import Feedback
from tests.fuzz.conftest import _small_topology, any_objects, expect_result_or_labkit_error, fuzz_settings, hostile_text

TOPOLOGY = _small_topology()
FUNCTIONS = [f.name for f in TOPOLOGY.functions]

destinations = hostile_text | st.sampled_from(
    ["internet", "s3", "dynamodb", "rds:nope", "elasticache:nope", "10.0.1.5:5432", "10.0.1.5:70000", "sqs"]
)
sources = hostile_text | st.sampled_from(FUNCTIONS) | any_objects()


@fuzz_settings(300)
@given(source=sources, destination=destinations | any_objects())
def test_trace_answers_or_raises_a_labkit_error(source, destination):
    result = expect_result_or_labkit_error(lambda: lk.trace(TOPOLOGY, source, destination))
    if isinstance(result, lk.Trace):
        assert isinstance(result.reachable, bool)
        assert str(result)


@fuzz_settings(100)
@given(topology=any_objects(), security_groups=any_objects())
def test_trace_of_anything_that_is_not_a_topology_is_a_labkit_error(topology, security_groups):
    expect_result_or_labkit_error(lambda: lk.trace(topology, "subnet-1", "internet", security_groups=security_groups))


@pytest.fixture(autouse=True)
def _scratch_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("LABKIT_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.setenv("LABKIT_INSTRUCTOR", "0")


@pytest.mark.parametrize("exercise_id", lk.exercises.catalog().ids())
def test_every_exercise_check_answers_anything_with_feedback(exercise_id):
    exercise = lk.exercises.get(exercise_id)

    @fuzz_settings(15)
    @given(answer=any_objects() | hostile_text | st.binary(max_size=64))
    def check(answer):
        feedback = exercise.check(answer, record=False)
        assert isinstance(feedback, Feedback)
        assert isinstance(feedback.message, str) and feedback.message.strip()
        assert len(str(feedback)) < 20_000  # answers are quoted as excerpts, never whole

    check()
