"""The catalog, lookup, the shape every exercise shares, and instructor mode."""

from __future__ import annotations

import pytest

import labkit as lk
from tests.policies import policy, statement

REQUIRED_IDS = {
    "permissions/execution-role",
    "permissions/user",
    "states/timeline",
    "conditions/require-vpc",
    "conditions/allow-only-approved-subnets",
    "conditions/deny-listed-groups",
    "reachability/diagnose",
    "reachability/fix-internet",
    "reachability/private-s3",
}


def test_catalog_lists_at_least_twelve_exercises_with_the_required_ids():
    cat = lk.exercises.catalog()
    ids = cat.ids()
    assert len(ids) >= 12
    assert len(set(ids)) == len(ids)
    missing = REQUIRED_IDS - set(ids)
    assert not missing, f"missing exercises: {missing}"


def test_catalog_records_are_frozen_and_display_as_a_table():
    cat = lk.exercises.catalog()
    entry = cat[0]
    assert {"id", "title", "topic", "difficulty"} <= set(entry.__dataclass_fields__)
    with pytest.raises(AttributeError):
        entry.title = "changed"
    html = cat._repr_html_()
    assert html.startswith("<table") and "conditions/require-vpc" in html
    assert "conditions/require-vpc" in str(cat)


def test_catalog_by_topic_and_unknown_topic():
    conditions = lk.exercises.catalog("conditions")
    assert conditions and all(e.topic == "conditions" for e in conditions)
    with pytest.raises(LookupError, match="permissions"):
        lk.exercises.catalog("condition")


def test_unknown_id_is_a_lookup_error_that_lists_the_ids():
    with pytest.raises(lk.exercises.UnknownExerciseError) as info:
        lk.exercises.get("conditions/require-vcp")
    assert isinstance(info.value, LookupError)
    text = str(info.value)
    assert "conditions/require-vpc" in text and "catalog()" in text


@pytest.mark.parametrize("exercise_id", lk.exercises.ids())
def test_every_exercise_has_its_data(exercise_id):
    ex = lk.exercises.get(exercise_id)
    assert ex.id == exercise_id and ex.title and ex.prompt
    assert ex.topic in lk.exercises.TOPICS and ex.difficulty in ("intro", "core", "challenge")
    assert len(ex.hints) >= 2
    assert isinstance(dict(ex.params), dict)
    with pytest.raises(TypeError):
        ex.params["x"] = 1  # read-only
    assert ex.title in str(ex) and ex.title in ex._repr_html_()
    assert ex.fields() is not None


@pytest.mark.parametrize("exercise_id", [i for i in lk.exercises.ids() if not lk.exercises.get(i).uses_lab])
def test_every_solution_is_graded_correct(exercise_id):
    ex = lk.exercises.get(exercise_id)
    fb = ex.check(ex.solution)
    assert fb.correct, str(fb)
    assert fb.exercise_id == exercise_id and fb.message


@pytest.mark.parametrize("exercise_id", lk.exercises.ids())
@pytest.mark.parametrize("answer", [None, "", 42, [], {}, "not an answer at all {"], ids=repr)
def test_malformed_answers_give_friendly_feedback_not_exceptions(exercise_id, answer):
    fb = lk.exercises.get(exercise_id).check(answer)
    assert fb.correct is False
    assert len(fb.message) > 20
    assert "Traceback" not in fb.message and "could not be checked" not in fb.message


def test_hints_are_progressive_and_the_last_one_repeats():
    ex = lk.exercises.get("conditions/require-vpc")
    shown = [ex.hint() for _ in range(len(ex.hints) + 2)]
    assert shown[0].startswith("Hint 1/") and shown[1].startswith("Hint 2/")
    assert shown[-1] == shown[-2] == f"Hint {len(ex.hints)}/{len(ex.hints)}: {ex.hints[-1]}"
    ex.reset()
    assert ex.hint().startswith("Hint 1/")


def test_solutions_are_shown_only_in_instructor_mode(monkeypatch):
    ex = lk.exercises.get("conditions/require-vpc")
    assert "instructor mode" in ex.show_solution()
    assert "Solution (instructor mode)" not in ex._repr_html_()
    previous = lk.instructor(True)
    assert previous is False
    assert "EnforceVPCFunction" in ex.show_solution()
    assert "Solution (instructor mode)" in ex._repr_html_()
    lk.instructor(False)
    assert "EnforceVPCFunction" not in ex.show_solution()


@pytest.mark.parametrize("value,on", [("1", True), ("true", True), ("0", False), ("", False)])
def test_instructor_mode_from_the_environment(monkeypatch, value, on):
    monkeypatch.setenv("LABKIT_INSTRUCTOR", value)
    assert lk.exercises.is_instructor() is on


def test_instructor_call_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("LABKIT_INSTRUCTOR", "1")
    lk.instructor(False)
    assert not lk.exercises.is_instructor()


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_instructor_rejects_non_bools_with_a_clear_message(bad):
    with pytest.raises(TypeError, match=r"lk.instructor\(True\)"):
        lk.instructor(bad)


def test_labkit_exposes_exercises_and_instructor_lazily():
    assert "exercises" in lk.__all__ and "instructor" in lk.__all__
    assert lk.exercises.get is not None
    assert callable(lk.instructor)


def test_feedback_renders_as_text_html_and_json():
    ex = lk.exercises.get("conditions/require-vpc")
    fb = ex.check(policy(statement("Deny", "lambda:CreateFunction", {"Null": {"lambda:VpcIds": "true"}})))
    assert not fb.correct
    assert fb.failed and fb.passed
    assert fb.score == f"{len(fb.passed)}/{len(fb.details)}"
    assert "✘" in str(fb) and "disconnecting" in str(fb)
    assert 'class="labkit-feedback"' in fb._repr_html_()
    data = fb.to_dict()
    assert data["correct"] is False and any(not c["passed"] for c in data["details"])
