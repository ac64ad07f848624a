"""The IAM engine on hostile input: every case is a labkit error (or a clean result), never a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.iam import ContextError, PolicyError, PolicyJSONError, evaluate, lint, parse_policy, patterns
from labkit.iam.evaluate import check_action

ALLOW = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def doc(**statement):
    return {"Version": "2012-10-17", "Statement": [{**ALLOW, **statement}]}


def test_json_nested_10000_deep_is_a_policy_json_error():
    with pytest.raises(PolicyJSONError, match="nested too deeply"):
        parse_policy('{"Statement": ' + "[" * 10_000 + "]" * 10_000 + "}")


def test_dict_nested_deeper_than_python_recursion_is_a_policy_error():
    deep: object = "x"
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(PolicyError):
        parse_policy({"Version": "2012-10-17", "Id": deep, "Statement": [ALLOW]})


def test_5000_digit_integer_in_json_is_a_policy_json_error():
    with pytest.raises(PolicyJSONError, match="more digits"):
        parse_policy('{"Statement": [], "Id": ' + "9" * 5000 + "}")


def test_5000_digit_integer_condition_value_is_a_policy_error():
    with pytest.raises(PolicyError, match="about 5000 digits"):
        parse_policy(doc(Condition={"NumericEquals": {"s3:max-keys": 10**4999}}))


@pytest.mark.parametrize("where", ["top", "statement", "condition key"])
def test_non_string_keys_are_a_policy_error(where):
    if where == "top":
        bad = {1: "x", "Statement": [ALLOW]}
    elif where == "statement":
        bad = {"Statement": [{**ALLOW, (1, 2): "x"}]}
    else:
        bad = doc(Condition={"StringEquals": {3.5: "x"}})
    with pytest.raises(PolicyError, match="not a string"):
        parse_policy(bad)


@pytest.mark.parametrize("value", [10**30, "1" + "0" * 30, -(10**30), 1e300])
def test_date_condition_with_a_huge_number_is_a_policy_error(value):
    with pytest.raises(
        PolicyError, match="DateLessThan on .aws:CurrentTime.*(outside the years 1-9999|not an ISO 8601)"
    ):
        parse_policy(doc(Condition={"DateLessThan": {"aws:CurrentTime": value}}))


def test_date_in_the_request_with_a_huge_number_is_a_clean_false():
    ev = evaluate(
        doc(Condition={"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}),
        "s3:GetObject",
        context={"aws:CurrentTime": 10**30},
    )
    assert not ev.allowed
    assert "can't be compared" in str(ev) or "not a date" in str(ev)


@pytest.mark.parametrize(
    "action",
    ["lambda", "::", " ", "iam:PassRole extra", "lambda:*", "", None, 42, "s3:Get\nObject", "iam:Pass\udc80Role"],
)
def test_evaluate_refuses_an_action_that_is_not_service_colon_action(action):
    with pytest.raises(ContextError, match="service:Action"):
        evaluate(doc(), action)


@pytest.mark.parametrize("action", ["iam:PassRole", "LAMBDA:createfunction", "execute-api:Invoke", "s3:GetObject"])
def test_well_formed_actions_pass(action):
    assert check_action(action) == action
    assert evaluate(doc(), action).allowed


def test_surrogate_sid_survives_evaluation_and_lint():
    policy = doc(Sid="A\udc80")
    ev = evaluate(policy, "s3:GetObject")
    assert ev.matched[0].label == "A\udc80"
    json.dumps(ev.to_dict())  # ASCII-escaped JSON: printable anywhere
    lint(policy)


# ------------------------------------------------------------------------------ wildcard matching

WILD_TEXT = st.text(alphabet="ab:*?/", max_size=12)
PLAIN_TEXT = st.text(alphabet="ab:/", max_size=12)


@settings(max_examples=400, deadline=None)
@given(WILD_TEXT, PLAIN_TEXT)
def test_glob_match_agrees_with_the_like_regex(pattern, text):
    expected = patterns.like_regex(patterns.plain(pattern)).fullmatch(text) is not None
    assert patterns.glob_match(pattern, text) is expected


@settings(max_examples=400, deadline=None)
@given(WILD_TEXT, PLAIN_TEXT)
def test_arn_match_agrees_with_the_arn_regex(pattern, arn):
    expected = patterns.arn_regex(patterns.plain(pattern)).fullmatch(arn) is not None
    assert patterns.arn_match(pattern, arn) is expected


def test_a_policy_with_thousands_of_unique_arns_compiles_no_regex():
    statements = [
        {
            "Effect": "Allow",
            "Action": [f"lambda:Get{i}*"],
            "Resource": [f"arn:aws:lambda:us-east-1:123456789012:function:fn-{i}-*"],
        }
        for i in range(3000)
    ]
    patterns.arn_regex.cache_clear()
    patterns.like_regex.cache_clear()
    policy = parse_policy({"Version": "2012-10-17", "Statement": statements})
    ev = evaluate(policy, "lambda:Get2999x", resource="arn:aws:lambda:us-east-1:123456789012:function:fn-2999-a")
    lint(policy)
    assert ev.allowed and [s.label for s in ev.matched] == ["#3000"]
    assert patterns.arn_regex.cache_info().currsize == 0
    assert patterns.like_regex.cache_info().currsize == 0
