"""Every exercise's check returns Feedback, whatever it is given, and never echoes a huge answer whole."""

from __future__ import annotations

import sys

import pytest

import labkit as lk
from labkit.exercises.core import MAX_MESSAGE_CHARS, Exercise
from labkit.exercises.feedback import EXCERPT_CHARS, Feedback, excerpt

IDS = lk.exercises.ids()
LAB_IDS = [i for i in IDS if lk.exercises.get(i).uses_lab]
MEGABYTE = "x" * 1_000_000
MESSAGE_LIMIT = 2000  # what a learner can read; a check that quotes a megabyte breaks the notebook


def _exit_fix(lab, scenario):
    sys.exit("the learner's code calls sys.exit")


def _all_texts(fb: Feedback) -> list[str]:
    texts = [fb.message, *fb.notes]
    for c in fb.details:
        texts += [c.name, c.expected, c.got, c.why]
    return texts


def _assert_bounded_feedback(fb, exercise_id):
    assert isinstance(fb, Feedback)
    assert fb.exercise_id == exercise_id and not fb.correct
    assert fb.message and len(fb.message) < MESSAGE_LIMIT
    assert all(len(t) < MESSAGE_LIMIT for t in _all_texts(fb))
    assert len(str(fb)) < 20 * MESSAGE_LIMIT


@pytest.mark.parametrize(
    "answer",
    [None, 42, {}, MEGABYTE, [MEGABYTE], {"answer": MEGABYTE}, MEGABYTE.encode(), object(), _exit_fix],
    ids=[
        "none",
        "int",
        "empty-dict",
        "megabyte-text",
        "megabyte-item",
        "megabyte-value",
        "megabyte-bytes",
        "object",
        "code-that-exits",
    ],
)
@pytest.mark.parametrize("exercise_id", IDS)
def test_every_check_returns_short_feedback_for_any_answer(exercise_id, answer):
    ex = lk.exercises.get(exercise_id)
    try:
        fb = ex.check(answer)
    finally:
        if hasattr(ex, "close"):  # a lab exercise: drop its lab
            ex.close()
    _assert_bounded_feedback(fb, exercise_id)


@pytest.mark.parametrize("exercise_id", ["reachability/fix-internet", "reachability/private-s3"])
def test_a_fix_that_calls_sys_exit_is_graded_wrong_with_the_reason(exercise_id):
    fb = lk.exercises.get(exercise_id).check(_exit_fix)
    assert not fb.correct
    assert "SystemExit" in fb.message and "the learner's code calls sys.exit" in fb.message


@pytest.mark.parametrize("exercise_id", LAB_IDS)
def test_a_megabyte_answer_is_quoted_only_as_an_excerpt(exercise_id):
    fb = lk.exercises.get(exercise_id).check(MEGABYTE)
    assert MEGABYTE[: EXCERPT_CHARS + 1] not in str(fb)


def test_a_megabyte_selection_item_is_quoted_as_an_excerpt_with_an_ellipsis():
    fb = lk.exercises.get("permissions/execution-role").check([MEGABYTE])
    assert not fb.correct
    assert "xxx…" in fb.message
    assert "x" * EXCERPT_CHARS not in fb.message
    assert "The choices are" in fb.message  # the advice after the quote is kept


class _Raising(Exercise):
    id, title, topic = "test/raising", "Raises", "permissions"

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def _grade(self, answer):
        raise self.error


class _Echoing(Exercise):
    id, title, topic = "test/echoing", "Echoes", "permissions"

    def _grade(self, answer):
        return Feedback(self.id, False, f"You wrote {answer!r}; write a policy instead.")


@pytest.mark.parametrize(
    "error",
    [SystemExit(3), SystemExit(MEGABYTE), ValueError(MEGABYTE), RecursionError()],
    ids=["exit-code", "exit-megabyte", "value-error", "recursion-error"],
)
def test_the_framework_turns_any_exception_of_a_check_into_feedback(error):
    fb = _Raising(error).check("answer", record=False)
    assert isinstance(fb, Feedback) and not fb.correct
    assert type(error).__name__ in fb.message and len(fb.message) < MESSAGE_LIMIT


def test_keyboard_interrupt_is_never_swallowed():
    with pytest.raises(KeyboardInterrupt):
        _Raising(KeyboardInterrupt()).check("answer", record=False)


def test_an_echoed_answer_is_cut_to_an_excerpt_and_the_rest_of_the_message_kept():
    fb = _Echoing().check(MEGABYTE, record=False)
    assert fb.message.startswith("You wrote 'xxx") and fb.message.endswith("; write a policy instead.")
    assert len(fb.message) < EXCERPT_CHARS + 100


def test_short_answers_are_echoed_unchanged():
    fb = _Echoing().check("Allow *", record=False)
    assert fb.message == "You wrote 'Allow *'; write a policy instead."


def test_excerpt():
    assert excerpt("abc") == "abc"
    assert excerpt("a" * 300) == "a" * (EXCERPT_CHARS - 1) + "…"
    assert len(excerpt(list(range(10_000)))) == EXCERPT_CHARS
    assert MAX_MESSAGE_CHARS <= MESSAGE_LIMIT
