"""states/vpc-config-rules (lesson 02): the expected answers are what the offline lab does."""

import labkit as lk
from labkit.exercises.topics.lambda_vpc_config import play_scenario


def test_the_lab_plays_the_rules_the_lesson_teaches():
    seen = play_scenario()
    assert seen == {
        "enis": "3",
        "delete-group": "DependencyViolation",
        "six-groups": "ValidationException",
        "dedicated": "InvalidParameterValueException",
    }


def test_wrong_answers_are_named_with_a_nudge_and_right_ones_pass():
    ex = lk.exercises.get("states/vpc-config-rules")
    truth = ex.solution
    assert ex.check(dict(truth), record=False).correct
    wrong = dict(truth, enis="2")
    fb = ex.check(wrong, record=False)
    assert not fb.correct
    failed = [c for c in fb.details if not c.passed]
    assert len(failed) == 1 and failed[0].name.startswith("enis")
    assert "pairs" in failed[0].why
