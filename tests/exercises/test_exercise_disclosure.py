"""Feedback teaches before it tells, for every exercise of the catalogue.

A wrong first check names what is wrong and nudges, and contains none of the expected values (in the
message, the cases, the notes, the HTML the widget shows and ``to_dict``). The expected answer appears
once the learner has made three checks of that exercise (counted in the progress log, so checks from an
earlier kernel count), or opened every hint, or in instructor mode.
"""

from __future__ import annotations

import html
import json

import pytest

import labkit as lk
from labkit.exercises.store import progress_store
from labkit.exercises.topics import policy_conditions as C
from tests.policies import policy, statement

VPC_ACTIONS = ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"]
FOR_ALL_SUBNETS = {"ForAllValues:StringEquals": {"lambda:SubnetIds": C.APPROVED_SUBNETS}}


def _quiz_wrong(ex) -> tuple[dict, list[str]]:
    """Answer every question wrongly, using as few distinct options as possible; the secrets are the
    expected options the answer never mentions (an option the learner typed is theirs to see)."""
    truth = ex.solution
    answer: dict[str, str] = {}
    for q in ex.questions:
        used = [o for o in answer.values() if o in q.options and o != truth[q.key]]
        answer[q.key] = used[0] if used else next(o for o in q.options if o != truth[q.key])
    secrets = sorted({v for v in truth.values()} - set(answer.values()))
    return answer, secrets


def _quiz_wrong_words(ex) -> tuple[dict, list[str]]:
    """``_quiz_wrong`` for a quiz with a count among its answers: a short number ("3") also stands in the
    texts that are not the answer ("f3", "all 3 hints"), so only the worded secrets are searched for; every
    failed case's expected value is still checked to be empty."""
    answer, secrets = _quiz_wrong(ex)
    return answer, [s for s in secrets if not s.isdigit()]


def _select_wrong(ex) -> tuple[list, list[str]]:
    needed = list(ex.solution)
    wrong = next(o.value for o in ex.options if o.verdict == "wrong")
    return [needed[0], wrong], needed[1:]


def _what_fails_wrong(ex) -> tuple[dict, list[str]]:
    from labkit.exercises.topics.lambda_states import MOMENTS

    secrets = sorted(
        {"ResourceConflictException", "ResourceNotReadyException"} | {m.why[op] for m in MOMENTS for op in m.fails}
    )
    return {m.key: [] for m in MOMENTS}, secrets


def _policy(answer, *secrets):
    return lambda ex: (answer, list(secrets))


def _lab_wrong(secret_from_solution: str):
    def make(ex):
        ex.start()
        blocker = lk.trace(ex.lab.topology(), "orders", ex.destination).blocked_by
        return None, [blocker.fix, secret_from_solution]

    return make


def _diagnose_wrong(ex):
    ex.start()
    b = ex._blocker()
    return {"code": "BLACKHOLE_ROUTE", "resource_id": "rtb-0notthatone"}, [b.code.value, b.resource_id]


#: exercise id → a function(exercise) → (a wrong answer, the texts that would give the answer away)
WRONG = {
    "permissions/execution-role": _select_wrong,
    "permissions/user": _select_wrong,
    "permissions/read-the-error": _quiz_wrong,
    "states/what-fails": _what_fails_wrong,
    "states/timeline": _quiz_wrong,
    "states/vpc-config-rules": _quiz_wrong_words,
    "conditions/require-vpc": _policy(
        policy(statement("Deny", VPC_ACTIONS, {"StringEquals": {"lambda:VpcIds": ""}})), "Null"
    ),
    "conditions/allow-only-approved-vpc": _policy(policy(statement("Allow", VPC_ACTIONS)), "StringEquals"),
    "conditions/predict-decision": _quiz_wrong,
    "conditions/allow-only-approved-subnets": _policy(
        policy(statement("Allow", VPC_ACTIONS, FOR_ALL_SUBNETS)), "Null", "lambda:VpcIds"
    ),
    "conditions/deny-listed-groups": _policy(
        policy(
            statement("Deny", VPC_ACTIONS, {"ForAllValues:StringEquals": {"lambda:SecurityGroupIds": C.LISTED_GROUPS}})
        ),
        "ForAnyValue",
    ),
    "conditions/fix-the-pitfall": _policy(C._pitfall_policy(), "Null"),
    "reachability/predict": _quiz_wrong,
    "reachability/fix-internet": _lab_wrong("NatGatewayId"),
    "reachability/private-s3": _lab_wrong("create_vpc_endpoint"),
    "reachability/diagnose": _diagnose_wrong,
    "reachability/database": _lab_wrong("UserIdGroupPairs"),
    "reachability/name-the-fault": _quiz_wrong,
}


def _texts(fb) -> str:
    """Everything a learner can read of ``fb``: its text, its HTML (unescaped) and its JSON."""
    return "\n".join([str(fb), html.unescape(fb._repr_html_()), json.dumps(fb.to_dict(), ensure_ascii=False)])


def _assert_withheld(fb, secrets) -> None:
    assert not fb.correct and fb.withheld
    shown = _texts(fb)
    for secret in secrets:
        assert secret not in shown, f"the feedback gives {secret!r} away:\n{shown}"
    assert all(c.expected == "" for c in fb.failed)
    assert "The expected answer is shown after" in shown
    assert fb.message.strip()


def _assert_revealed(fb, secrets) -> None:
    assert not fb.correct and not fb.withheld and fb.answer
    shown = str(fb)
    for secret in secrets:
        assert secret in shown, f"{secret!r} is not shown once the answer may be:\n{shown}"


def test_every_exercise_of_the_catalogue_is_covered():
    assert sorted(WRONG) == sorted(lk.exercises.catalog().ids())


@pytest.fixture
def exercise():
    made = []

    def get(exercise_id):
        ex = lk.exercises.get(exercise_id)
        made.append(ex)
        return ex

    yield get
    for ex in made:
        if hasattr(ex, "close"):
            ex.close()


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_the_first_wrong_checks_withhold_the_answer_and_the_third_shows_it(exercise_id, exercise):
    ex = exercise(exercise_id)
    answer, secrets = WRONG[exercise_id](ex)
    assert secrets, "a meaningful test needs at least one text that would give the answer away"
    first = ex.check(answer)
    _assert_withheld(first, secrets)
    assert first.failed or first.details == () or first.message
    if ex.uses_lab:  # a check of a lab exercise is slow: an earlier kernel's check counts the same
        progress_store().record_check(ex.id, ex.topic, False)
    else:
        _assert_withheld(ex.check(answer), secrets)
    assert progress_store().attempts(ex.id) == 2
    _assert_revealed(ex.check(answer), secrets)


@pytest.mark.parametrize(
    "exercise_id",
    [
        "permissions/execution-role",
        "permissions/read-the-error",
        "states/what-fails",
        "conditions/fix-the-pitfall",
        "reachability/predict",
    ],
)
def test_opening_every_hint_shows_the_answer(exercise_id, exercise):
    ex = exercise(exercise_id)
    answer, secrets = WRONG[exercise_id](ex)
    for _ in ex.hints[:-1]:
        ex.hint()
    _assert_withheld(ex.check(answer), secrets)
    ex.hint()
    _assert_revealed(ex.check(answer), secrets)


def test_hints_and_checks_from_an_earlier_kernel_count(exercise):
    """The counts live in the progress log: a fresh exercise object (a restarted kernel) sees them."""
    answer, secrets = _select_wrong(lk.exercises.get("permissions/user"))
    before = exercise("permissions/user")
    for _ in before.hints:
        before.hint()
    after_restart = lk.exercises.get("permissions/user")
    assert after_restart.hints_shown == 0 and after_restart.answer_disclosed()
    _assert_revealed(after_restart.check(answer), secrets)


def test_instructor_mode_shows_the_answer_at_once(exercise):
    ex = exercise("conditions/predict-decision")
    answer, secrets = _quiz_wrong(ex)
    lk.instructor(True)
    _assert_revealed(ex.check(answer), secrets)


def test_a_right_answer_is_never_withheld(exercise):
    ex = exercise("permissions/execution-role")
    fb = ex.check(ex.solution)
    assert fb.correct and not fb.withheld and "ec2:DeleteNetworkInterface" in str(fb)


def test_the_status_line_counts_down(exercise):
    ex = exercise("permissions/read-the-error")
    answer, _ = _quiz_wrong(ex)
    assert "after 2 more checks" in ex.check(answer).status
    ex.hint()
    fb = ex.check(answer)
    assert "after 1 more check " in fb.status and "opened: 1" in fb.status


def test_the_widget_withholds_too(exercise):
    ex = exercise("reachability/predict")
    answer, secrets = _quiz_wrong(ex)
    view = ex.widget().view
    view.set_values(ex.values_from(answer))
    for _ in range(2):
        view.check_button.click()
        shown = html.unescape(view.feedback.value)
        assert view.last_feedback.withheld and not any(s in shown for s in secrets)
    view.check_button.click()
    shown = html.unescape(view.feedback.value)
    assert all(s in shown for s in secrets) and "The expected answer" in shown


def test_record_false_previews_do_not_count(exercise):
    ex = exercise("permissions/execution-role")
    answer, secrets = _select_wrong(ex)
    for _ in range(4):
        _assert_withheld(ex.check(answer, record=False), secrets)
    assert progress_store().attempts(ex.id) == 0
