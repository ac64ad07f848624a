"""The operator registry: every operator (and its IfExists twin) on matching, non-matching and missing values."""

from __future__ import annotations

import pytest

from labkit.iam import OPERATORS, UnknownOperatorError, evaluate
from labkit.iam.conditions import compile_condition
from labkit.iam.context import normalize_context
from labkit.iam.operators import lookup

# positive base operator → (policy value, a request value that matches, one that does not)
SAMPLES = {
    "StringEquals": ("alice", "alice", "Alice"),
    "StringEqualsIgnoreCase": ("alice", "ALICE", "bob"),
    "StringLike": ("subnet-0*", "subnet-0abc", "subnet-1abc"),
    "NumericEquals": ("10", 10, 11),
    "NumericLessThan": ("10", 9, 10),
    "NumericLessThanEquals": ("10", "10", 11),
    "NumericGreaterThan": ("10", 10.5, 10),
    "NumericGreaterThanEquals": ("10", 10, 9.99),
    "DateEquals": ("2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z", "2024-05-01T00:00:01Z"),
    "DateLessThan": ("2024-05-01T00:00:00Z", "2024-04-30T23:59:59Z", "2024-05-01T00:00:00Z"),
    "DateLessThanEquals": ("2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z", "2024-05-02"),
    "DateGreaterThan": ("2024-05-01T00:00:00Z", "2024-05-01T00:00:01Z", "2024-05-01T00:00:00Z"),
    "DateGreaterThanEquals": ("2024-05-01T00:00:00Z", 1714521600, "2024-04-30"),
    "Bool": ("true", True, False),
    "BinaryEquals": ("YWJj", b"abc", b"abd"),
    "IpAddress": ("10.0.0.0/8", "10.1.2.3", "11.0.0.1"),
    "ArnLike": (
        "arn:aws:sns:*:111122223333:t-*",
        "arn:aws:sns:us-east-1:111122223333:t-1",
        "arn:aws:sns:us-east-1:999999999999:t-1",
    ),
    "ArnEquals": (
        "arn:aws:sns:us-east-1:111122223333:t",
        "arn:aws:sns:us-east-1:111122223333:t",
        "arn:aws:sns:us-east-1:111122223333:u",
    ),
}


def positive_of(name: str) -> str:
    base = OPERATORS[name].base
    if base == "NotIpAddress":
        return "IpAddress"
    return base.replace("Not", "", 1)


NON_NULL = sorted(n for n in OPERATORS if n != "Null")


def test_registry_has_every_iam_operator():
    base = {n for n, op in OPERATORS.items() if not op.if_exists}
    assert len(base) == 27
    assert {n for n, op in OPERATORS.items() if op.if_exists} == {b + "IfExists" for b in base if b != "Null"}
    assert "NullIfExists" not in OPERATORS
    negated = {n for n in base if OPERATORS[n].negated}
    assert negated == {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
        "ArnNotEquals",
        "ArnNotLike",
    }


@pytest.mark.parametrize("name", NON_NULL)
def test_operator_on_present_value(name):
    op = OPERATORS[name]
    policy_value, hit, miss = SAMPLES[positive_of(name)]
    assert op(hit, [policy_value]) is (not op.negated)
    assert op(miss, [policy_value]) is op.negated


@pytest.mark.parametrize("name", NON_NULL)
def test_operator_on_absent_key(name):
    """Missing key: plain → false, negated → true, IfExists → true (IAM UG, Condition operators)."""
    op = OPERATORS[name]
    policy_value = SAMPLES[positive_of(name)][0]
    cond = compile_condition(name, "my:key", (policy_value,), variables=True)
    result = cond.evaluate(normalize_context({}))
    assert result.result is (op.if_exists or op.negated)
    assert "absent" in result.reason


@pytest.mark.parametrize("name", NON_NULL)
def test_ifexists_twin_agrees_when_present(name):
    op = OPERATORS[name]
    twin = OPERATORS[op.base + "IfExists"]
    policy_value, hit, miss = SAMPLES[positive_of(name)]
    for value in (hit, miss):
        assert op(value, [policy_value]) == twin(value, [policy_value])


@pytest.mark.parametrize(
    "prefix, values, expected",
    [
        ("ForAnyValue", [20, 5], True),
        ("ForAllValues", [20, 5], False),
        ("ForAllValues", [1, 5], True),
        ("ForAnyValue", [20, 30], False),
    ],
)
def test_set_prefix_on_numbers(prefix, values, expected):
    cond = compile_condition(f"{prefix}:NumericLessThan", "my:sizes", ("10",), variables=True)
    assert cond.evaluate(normalize_context({"my:sizes": values})).result is expected


@pytest.mark.parametrize(
    "prefix, negated_values, expected",
    [
        # ForAllValues with a negated operator: no request value may be listed
        ("ForAllValues", ["sg-8", "sg-9"], True),
        ("ForAllValues", ["sg-1", "sg-9"], False),
        # ForAnyValue with a negated operator: at least one request value is not listed
        ("ForAnyValue", ["sg-1", "sg-9"], True),
        ("ForAnyValue", ["sg-1", "sg-2"], False),
    ],
)
def test_set_prefix_with_negated_operator(prefix, negated_values, expected):
    cond = compile_condition(f"{prefix}:StringNotEquals", "lambda:SecurityGroupIds", ("sg-1", "sg-2"), variables=True)
    assert cond.evaluate(normalize_context({"lambda:SecurityGroupIds": negated_values})).result is expected


def test_null_checks_presence_not_value():
    absent = compile_condition("Null", "lambda:VpcIds", ("true",), variables=True)
    assert absent.evaluate(normalize_context({})).result is True
    assert absent.evaluate(normalize_context({"lambda:VpcIds": "vpc-1"})).result is False
    # an empty string is a value for a single-valued key, but an empty data set for Null
    assert absent.evaluate(normalize_context({"lambda:VpcIds": ""})).result is True


@pytest.mark.parametrize(
    "name, suggestion",
    [
        ("StringEqual", "StringEquals"),
        ("stringequals", "StringEquals"),
        ("NumericLessThen", "NumericLessThan"),
        ("ForAllValue:StringEquals", "ForAllValues:StringEquals"),
        ("IpAddressIfExist", "IpAddressIfExists"),
    ],
)
def test_unknown_operator_suggests(name, suggestion):
    with pytest.raises(UnknownOperatorError) as err:
        lookup(name)
    assert suggestion in str(err.value)
    assert "Fix:" in str(err.value)


@pytest.mark.parametrize("name", ["NullIfExists", "ForAllValues:Null", "Equals", "ForEveryValue:StringLike"])
def test_operators_iam_does_not_have(name):
    with pytest.raises(UnknownOperatorError):
        lookup(name)


def test_unknown_operator_is_never_a_pass():
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringEqual": {"aws:username": "a"}}},
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
        ],
    }
    with pytest.raises(UnknownOperatorError, match="StringEquals"):
        evaluate(policy, "lambda:CreateFunction", context={"aws:username": "a"})


def test_condition_result_reports_the_values():
    cond = compile_condition("ForAllValues:StringEquals", "lambda:SubnetIds", ("subnet-1", "subnet-2"), variables=True)
    res = cond.evaluate(normalize_context({"lambda:SubnetIds": ["subnet-1", "subnet-9"]}))
    assert res.result is False
    assert res.context_value == ("subnet-1", "subnet-9")
    assert res.policy_values == ("subnet-1", "subnet-2")
    assert "subnet-9" in res.reason and "ForAllValues" in res.reason
    assert res.to_dict()["context_value"] == ["subnet-1", "subnet-9"]
