"""How an Evaluation explains itself (text, HTML, JSON), and the request context of Lambda VPC settings."""

from __future__ import annotations

import json

import pytest

from labkit.iam import ContextError, Decision, evaluate, is_allowed, lambda_vpc_context, parse_policy
from labkit.iam.examples import LAMBDA_VPC_EXAMPLES, example

ENFORCE_VPC = LAMBDA_VPC_EXAMPLES["EnforceVPCFunction"]
STAY_IN_SUBNETS = LAMBDA_VPC_EXAMPLES["EnforceStayInSpecificSubnets"]


def test_text_explains_each_statement_like_a_trainer():
    ev = evaluate([ENFORCE_VPC, STAY_IN_SUBNETS], "lambda:CreateFunction")
    text = str(ev)
    assert text.splitlines()[0].startswith("lambda:CreateFunction on *: explicitDeny")
    assert "request context: empty" in text
    deny = next(line for line in text.splitlines() if "EnforceVPCFunction" in line and "Statement" in line)
    for part in (
        "Statement EnforceVPCFunction (Deny)",
        "action matched lambda:CreateFunction",
        "resource * matched",
        "Null lambda:VpcIds",
        "key absent",
        "→ this statement denies",
    ):
        assert part in deny
    allow = next(line for line in text.splitlines() if "EnforceStayInSpecificSubnets" in line)
    assert "ForAllValues:StringEquals lambda:SubnetIds" in allow and "→ this statement allows" in allow


def test_matched_are_the_deciding_statements():
    ev = evaluate([ENFORCE_VPC, STAY_IN_SUBNETS], "lambda:CreateFunction")
    assert [s.label for s in ev.matched] == ["EnforceVPCFunction"]
    ev = evaluate(
        [ENFORCE_VPC, STAY_IN_SUBNETS],
        "lambda:CreateFunction",
        context=lambda_vpc_context(["subnet-1"], ["sg-1"], "vpc-1"),
    )
    assert ev.decision is Decision.ALLOWED
    assert [s.label for s in ev.matched] == ["EnforceStayInSpecificSubnets"]
    ev = evaluate(STAY_IN_SUBNETS, "lambda:CreateFunction", context=lambda_vpc_context(["subnet-9"], ["sg-1"], "vpc-1"))
    assert ev.decision is Decision.IMPLICIT_DENY and ev.matched == ()
    assert "no statement allows it" in ev.summary()


def test_statement_result_says_why_it_did_not_apply():
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Other", "Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"},
            {
                "Sid": "Mine",
                "Effect": "Allow",
                "Action": "lambda:*",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:mine",
            },
        ],
    }
    ev = evaluate(policy, "lambda:CreateFunction", resource="arn:aws:lambda:us-east-1:123456789012:function:yours")
    other, mine = ev.statements
    assert other.action_matched is False and other.resource_matched is None and other.outcome.endswith("(action)")
    assert "is not in [lambda:GetFunction]" in other.action_detail
    assert mine.action_matched and mine.resource_matched is False and mine.outcome.endswith("(resource)")
    assert "matches none of" in mine.resource_detail


def test_not_action_and_not_resource_are_explained():
    policy = {
        "Statement": [{"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:lambda:*:*:function:safe-*"}]
    }
    ev = evaluate(policy, "lambda:DeleteFunction", resource="arn:aws:lambda:us-east-1:1:function:prod")
    st = ev.statements[0]
    assert st.applies and "does not list lambda:DeleteFunction" in st.action_detail
    assert "is not in NotResource" in st.resource_detail
    ev = evaluate(policy, "iam:CreateUser")
    assert "NotAction lists iam:*" in ev.statements[0].action_detail


def test_to_dict_is_json_and_complete():
    ctx = lambda_vpc_context(["subnet-1", "subnet-9"], ["sg-1"], "vpc-1")
    ev = evaluate([ENFORCE_VPC, STAY_IN_SUBNETS], "lambda:UpdateFunctionConfiguration", context=ctx)
    data = json.loads(json.dumps(ev.to_dict()))
    assert data["decision"] == "implicitDeny"
    assert data["context"]["lambda:SubnetIds"] == ["subnet-1", "subnet-9"]
    assert data["matched"] == []
    subnets = data["statements"][1]
    assert subnets["sid"] == "EnforceStayInSpecificSubnets" and subnets["applies"] is False
    cond = subnets["conditions"][0]
    assert cond == {
        "operator": "ForAllValues:StringEquals",
        "key": "lambda:SubnetIds",
        "context_value": ["subnet-1", "subnet-9"],
        "policy_values": ["subnet-1", "subnet-2"],
        "result": False,
        "reason": cond["reason"],
    }
    assert "subnet-9" in cond["reason"]


def test_html_shows_decision_and_escapes():
    policy = {
        "Statement": {
            "Sid": "X",
            "Effect": "Allow",
            "Action": "lambda:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:username": "<b>"}},
        }
    }
    html = evaluate(policy, "lambda:GetFunction", context={"aws:username": "<b>"})._repr_html_()
    assert "allowed" in html and "aws:username=&lt;b&gt;" in html and "aws:username=<b>" not in html
    assert "#1a7f37" in html


def test_is_allowed_twin():
    assert is_allowed(STAY_IN_SUBNETS, "lambda:CreateFunction") is True  # the pitfall
    assert is_allowed(ENFORCE_VPC, "lambda:CreateFunction") is False


def test_parsed_policy_is_reused_and_edits_are_seen():
    policy = example("EnforceOutOfVPC")
    assert parse_policy(policy) is parse_policy(policy)
    before = evaluate(
        [policy, {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}],
        "lambda:CreateFunction",
        context=lambda_vpc_context(["subnet-1"], ["sg-1"], "vpc-3"),
    )
    policy["Statement"][0]["Condition"]["StringEquals"]["lambda:VpcIds"].append("vpc-3")
    after = evaluate(
        [policy, {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}],
        "lambda:CreateFunction",
        context=lambda_vpc_context(["subnet-1"], ["sg-1"], "vpc-3"),
    )
    assert before.decision is Decision.ALLOWED and after.decision is Decision.EXPLICIT_DENY


def test_json_text_policies_are_accepted():
    text = json.dumps(ENFORCE_VPC)
    assert evaluate(text, "lambda:CreateFunction").decision is Decision.EXPLICIT_DENY
    assert evaluate([text], "lambda:CreateFunction").decision is Decision.EXPLICIT_DENY


# ------------------------------------------------------------------ lambda_vpc_context


def test_vpc_context_without_vpc_settings_is_empty():
    assert lambda_vpc_context() == {}


def test_vpc_context_with_settings():
    assert lambda_vpc_context(["subnet-1", "subnet-2"], ("sg-1",), "vpc-1") == {
        "lambda:VpcIds": "vpc-1",
        "lambda:SubnetIds": ["subnet-1", "subnet-2"],
        "lambda:SecurityGroupIds": ["sg-1"],
    }


def test_vpc_context_of_a_disconnect():
    ctx = lambda_vpc_context([], [])
    assert ctx == {"lambda:SubnetIds": [], "lambda:SecurityGroupIds": []}
    assert "lambda:VpcIds" not in ctx


@pytest.mark.parametrize(
    "operator, value, expected",
    [
        ("Null", "true", True),
        ("Null", "false", False),
        ("ForAllValues:StringEquals", "subnet-1", True),
        ("ForAnyValue:StringEquals", "subnet-1", False),
        ("StringEquals", "subnet-1", False),
        ("StringNotEquals", "subnet-1", True),
    ],
)
def test_disconnect_behaves_like_absent_keys(operator, value, expected):
    policy = {
        "Statement": {
            "Effect": "Allow",
            "Action": "lambda:UpdateFunctionConfiguration",
            "Resource": "*",
            "Condition": {operator: {"lambda:SubnetIds": value}},
        }
    }
    for ctx in (lambda_vpc_context([], []), lambda_vpc_context()):
        ev = evaluate(policy, "lambda:UpdateFunctionConfiguration", context=ctx)
        assert ev.allowed is expected, str(ev)


@pytest.mark.parametrize(
    "args, message",
    [
        ((["subnet-1"], ["sg-1"], None), "vpc_id is needed"),
        (("subnet-1", ["sg-1"], "vpc-1"), "must be a list"),
        (([], [], "vpc-1"), "disconnect"),
        ((None, None, "vpc-1"), "without subnets"),
        (([""], ["sg-1"], "vpc-1"), "not an id"),
    ],
)
def test_vpc_context_errors(args, message):
    with pytest.raises(ContextError, match=message):
        lambda_vpc_context(*args)
