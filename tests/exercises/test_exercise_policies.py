"""Policy exercises: graded by behaviour over a battery of requests, with the evaluator's reasons."""

from __future__ import annotations

import json

import pytest

import labkit as lk
from labkit.exercises.topics import policy_conditions as C
from tests.policies import policy, statement

CREATE_UPDATE = ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"]


def st(effect, condition=None, action=None, sid=None) -> dict:
    return statement(effect, action or list(CREATE_UPDATE), condition, sid)


APPROVED = C.APPROVED_SUBNETS
FOR_ALL_SUBNETS = {"ForAllValues:StringEquals": {"lambda:SubnetIds": APPROVED}}

# (exercise id, case id, answer) — answers that are right in a different way than the reference
RIGHT = [
    ("conditions/require-vpc", "null-subnets", policy(st("Deny", {"Null": {"lambda:SubnetIds": "true"}}))),
    (
        "conditions/require-vpc",
        "two-statements",
        policy(
            st("Deny", {"Null": {"lambda:VpcIds": "true"}}, "lambda:CreateFunction"),
            st("Deny", {"Null": {"lambda:VpcIds": "true"}}, "lambda:UpdateFunctionConfiguration"),
        ),
    ),
    ("conditions/require-vpc", "json-text", json.dumps(policy(st("Deny", {"Null": {"lambda:VpcIds": "true"}})))),
    (
        "conditions/allow-only-approved-subnets",
        "null-false",
        policy(st("Allow", {**FOR_ALL_SUBNETS, "Null": {"lambda:SubnetIds": "false"}}, "lambda:CreateFunction")),
    ),
    (
        "conditions/allow-only-approved-subnets",
        "allow-plus-deny",
        [
            policy(st("Allow", FOR_ALL_SUBNETS, "lambda:CreateFunction")),
            policy(st("Deny", {"Null": {"lambda:VpcIds": "true"}}, "lambda:CreateFunction")),
        ],
    ),
    (
        "conditions/allow-only-approved-subnets",
        "create-and-update",
        policy(st("Allow", {**FOR_ALL_SUBNETS, "StringEquals": {"lambda:VpcIds": C.VPC}})),
    ),
    (
        "conditions/allow-only-approved-vpc",
        "string-equals-ignore-case",
        policy(st("Allow", {"StringEqualsIgnoreCase": {"lambda:VpcIds": [C.VPC, C.SECOND_VPC]}})),
    ),
    (
        "conditions/deny-listed-groups",
        "two-statements",
        policy(
            st("Deny", {"ForAnyValue:StringEquals": {"lambda:SecurityGroupIds": C.LISTED_GROUPS[:1]}}),
            st("Deny", {"ForAnyValue:StringEquals": {"lambda:SecurityGroupIds": C.LISTED_GROUPS[1:]}}),
        ),
    ),
    (
        "conditions/fix-the-pitfall",
        "paired-deny",
        [C._pitfall_policy(), policy(st("Deny", {"Null": {"lambda:VpcIds": "true"}}))],
    ),
    (
        "conditions/fix-the-pitfall",
        "vpc-equals",
        policy(st("Allow", {**FOR_ALL_SUBNETS, "StringEquals": {"lambda:VpcIds": C.VPC}})),
    ),
]


@pytest.mark.parametrize("exercise_id,answer", [(r[0], r[2]) for r in RIGHT], ids=[f"{r[0]}:{r[1]}" for r in RIGHT])
def test_answers_right_in_another_way_are_graded_right(exercise_id, answer):
    fb = lk.exercises.get(exercise_id).check(answer)
    assert fb.correct, str(fb)
    assert all(c.passed for c in fb.details)


# (exercise id, case id, answer, wrongly-decided request names (substrings), words the message must contain)
WRONG = [
    (
        "conditions/require-vpc",
        "an-allow-instead",
        policy(st("Allow", {"Null": {"lambda:VpcIds": "false"}})),
        ["CreateFunction without VPC settings"],
        ["wrongly ALLOWS", "no Deny statement"],
    ),
    (
        "conditions/require-vpc",
        "deny-on-every-action",
        policy(st("Deny", {"Null": {"lambda:VpcIds": "true"}}, "lambda:*")),
        ["InvokeFunction", "UpdateFunctionCode", "GetFunction"],
        ["wrongly DENIES", "never carry the VPC keys"],
    ),
    (
        "conditions/require-vpc",
        "compares-values",
        policy(st("Deny", {"StringEquals": {"lambda:VpcIds": ""}})),
        ["CreateFunction without VPC settings"],
        ["Null", "lambda:VpcIds"],
    ),
    (
        "conditions/require-vpc",
        "only-create",
        policy(st("Deny", {"Null": {"lambda:VpcIds": "true"}}, "lambda:CreateFunction")),
        ["disconnecting"],
        ["wrongly ALLOWS"],
    ),
    (
        "conditions/allow-only-approved-subnets",
        "forallvalues-only",
        policy(st("Allow", FOR_ALL_SUBNETS)),
        ["CreateFunction without VPC settings", "empty subnet and security group lists"],
        ["A function without a VPC slips through", '"Null": {"lambda:SubnetIds": "false"}'],
    ),
    (
        "conditions/allow-only-approved-subnets",
        "foranyvalue",
        policy(st("Allow", {"ForAnyValue:StringEquals": {"lambda:SubnetIds": APPROVED}})),
        ["an approved subnet plus an unapproved one"],
        ["every subnet must be approved"],
    ),
    (
        "conditions/allow-only-approved-subnets",
        "vpc-only",
        policy(st("Allow", {"StringEquals": {"lambda:VpcIds": C.VPC}})),
        ["unapproved subnet of the same VPC"],
        ["other subnets of the same VPC"],
    ),
    (
        "conditions/allow-only-approved-vpc",
        "forallvalues-on-vpc",
        policy(st("Allow", {"ForAllValues:StringEquals": {"lambda:VpcIds": [C.VPC, C.SECOND_VPC]}})),
        ["without VPC settings", "disconnecting"],
        ["single value", "StringEquals"],
    ),
    (
        "conditions/allow-only-approved-vpc",
        "wildcard",
        policy(st("Allow", {"StringLike": {"lambda:VpcIds": "vpc-*"}})),
        ["another VPC"],
        ["exact VPC ids"],
    ),
    (
        "conditions/deny-listed-groups",
        "forallvalues-in-deny",
        policy(st("Deny", {"ForAllValues:StringEquals": {"lambda:SecurityGroupIds": C.LISTED_GROUPS}})),
        ["a retired group and an allowed one", "without VPC settings"],
        ["ForAnyValue:StringEquals", "escapes"],
    ),
    (
        "conditions/deny-listed-groups",
        "allow-instead",
        policy(st("Allow", {"ForAnyValue:StringNotEquals": {"lambda:SecurityGroupIds": C.LISTED_GROUPS}})),
        ["with a retired group"],
        ["no Deny statement"],
    ),
    (
        "conditions/fix-the-pitfall",
        "unchanged",
        C._pitfall_policy(),
        ["without VPC settings", "disconnecting"],
        ["slips through"],
    ),
    (
        "conditions/fix-the-pitfall",
        "over-fixed",
        policy(st("Allow", {**FOR_ALL_SUBNETS, "Null": {"lambda:SubnetIds": "false"}}, "lambda:CreateFunction")),
        ["UpdateFunctionConfiguration to one approved subnet"],
        ["rightly allowed"],
    ),
]


@pytest.mark.parametrize(
    "exercise_id,answer,wrong_requests,words", [r[0:1] + r[2:] for r in WRONG], ids=[f"{r[0]}:{r[1]}" for r in WRONG]
)
def test_typical_mistakes_are_graded_wrong_with_specific_advice(exercise_id, answer, wrong_requests, words):
    lk.instructor(True)  # the full feedback (expected values and reasons); learners see it after 3 checks
    fb = lk.exercises.get(exercise_id).check(answer)
    assert not fb.correct
    failed = [c.name for c in fb.failed]
    for name in wrong_requests:
        assert any(name in f for f in failed), (name, failed)
    for word in words:
        assert word in fb.message, (word, fb.message)
    for case in fb.failed:
        assert "Statement" in case.why or "implicitDeny" in case.why  # the evaluator's reasoning is shown


def test_the_forallvalues_only_answer_names_the_no_vpc_request_and_the_evaluator_reason():
    lk.instructor(True)  # the full feedback (expected values and reasons); learners see it after 3 checks
    fb = lk.exercises.get("conditions/allow-only-approved-subnets").check(
        policy(st("Allow", FOR_ALL_SUBNETS, "lambda:CreateFunction"))
    )
    case = next(c for c in fb.details if c.name == "CreateFunction without VPC settings")
    assert not case.passed and case.expected == "denied" and case.got == "allowed"
    assert "key absent → true" in case.why
    assert any(n.startswith("FORALLVALUES_ABSENT_KEY") for n in fb.notes)


def test_a_right_answer_with_a_lint_warning_is_correct_and_says_so():
    plain = policy(st("Deny", {"StringEquals": {"lambda:SecurityGroupIds": C.LISTED_GROUPS}}))
    fb = lk.exercises.get("conditions/deny-listed-groups").check(plain)
    assert fb.correct
    assert "warnings" in fb.message
    assert any("PLAIN_OPERATOR_ON_MULTIVALUED_KEY" in n for n in fb.notes)


MALFORMED = [
    ("bad-json", '{"Version": "2012-10-17", "Statement": [', ["not valid JSON", "line 1"]),
    ("python-quotes", "{'Version': '2012-10-17'}", ["double quotes"]),
    (
        "unknown-operator",
        policy(st("Deny", {"StringEqual": {"lambda:VpcIds": "x"}})),
        ["unknown condition operator 'StringEqual'", "StringEquals"],
    ),
    ("single-statement", st("Deny", {"Null": {"lambda:VpcIds": "true"}}), ["single statement", '"Statement"']),
    ("empty", "   ", ["empty"]),
    ("empty-statement-list", {"Version": "2012-10-17", "Statement": []}, ["at least one statement"]),
    ("not-a-policy", 3.5, ["float", "dict or JSON text"]),
    ("principal", policy({**st("Deny"), "Principal": "*"}), ["Principal"]),
    ("list-json-bad", "[{", ["not valid JSON"]),
]


@pytest.mark.parametrize("answer,words", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_policies_get_a_message_that_says_what_and_how(answer, words):
    fb = lk.exercises.get("conditions/require-vpc").check(answer)
    assert fb.correct is False and not fb.details
    for word in words:
        assert word in fb.message, (word, fb.message)


def test_a_list_of_policies_in_json_text_is_accepted():
    text = json.dumps([policy(st("Deny", {"Null": {"lambda:VpcIds": "true"}}))])
    assert lk.exercises.get("conditions/require-vpc").check(text).correct


def test_predict_decision_uses_the_evaluator():
    lk.instructor(True)  # the full feedback (expected values and reasons); learners see it after 3 checks
    ex = lk.exercises.get("conditions/predict-decision")
    assert ex.solution["b"] == "allowed"  # the pitfall: no VPC passes ForAllValues
    assert ex.solution["c"] == "explicitDeny" and ex.solution["e"] == "implicitDeny"
    wrong = dict(ex.solution, b="implicitDeny")
    fb = ex.check(wrong)
    assert not fb.correct
    case = next(c for c in fb.failed)
    assert case.expected == "allowed" and "ForAllValues" in case.why
    assert "did you mean 'allowed'" in ex.check(dict(ex.solution, a="alowed")).message
    assert "No question 'z'" in ex.check({"z": "allowed"}).message
