"""Property tests of ``evaluate`` on random well-formed policies and request contexts.

* evaluate never raises on a well-formed policy and context;
* adding a Deny statement never turns a decision into ``allowed``;
* neither the order of statements nor the order of policies changes the decision;
* a decision is ``explicitDeny`` exactly when some Deny statement applies.
"""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.iam import OPERATORS, Decision, evaluate, lint

ACTIONS = ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction", "ec2:RunInstances"]
ACTION_PATTERNS = [
    "lambda:CreateFunction",
    "lambda:*",
    "lambda:Update*",
    "*",
    "ec2:Run?nstances",
    "lambda:UpdateFunctionConfiguration",
    "LAMBDA:invokefunction",
]
RESOURCES = [
    "*",
    "arn:aws:lambda:us-east-1:123456789012:function:app",
    "arn:aws:lambda:us-east-1:123456789012:function:db",
]
RESOURCE_PATTERNS = [
    "*",
    "arn:aws:lambda:*:123456789012:function:*",
    "arn:aws:lambda:us-east-1:*:function:app*",
    "arn:aws:lambda:us-east-1:123456789012:function:${aws:username}",
]

# family → (condition keys, policy-value strategy, request-value strategy)
WORDS = st.sampled_from(["subnet-1", "subnet-2", "subnet-9", "alice", "Alice", "vpc-1", "", "a*", "x?z"])
PATTERNS = st.sampled_from(["subnet-*", "subnet-?", "alice", "*", "${aws:username}", "${*}", "vpc-${aws:username}"])
NUMBERS = st.integers(min_value=-5, max_value=20)
DATES = st.sampled_from(["2020-01-01T00:00:00Z", "2021-06-01", "2019-07-16T12:00:00+02:00", "1577836800"])
IPS = st.sampled_from(["10.0.0.1", "10.1.2.3", "192.0.2.7", "2001:db8::1"])
CIDRS = st.sampled_from(["10.0.0.0/8", "10.0.0.1", "192.0.2.0/24", "2001:db8::/32"])
ARNS = st.sampled_from(["arn:aws:sns:us-east-1:111122223333:t-1", "arn:aws:sns:eu-west-1:999999999999:t-2"])
ARN_PATTERNS = st.sampled_from(
    ["arn:aws:sns:*:111122223333:t-*", "arn:aws:sns:*:*:*", "arn:aws:sns:us-east-1:*:${aws:username}"]
)
BLOBS = st.binary(min_size=0, max_size=4)

FAMILIES = {
    "String": (["k:str", "lambda:SubnetIds", "aws:username"], st.one_of(WORDS, PATTERNS), WORDS),
    "Numeric": (["k:num"], NUMBERS.map(str), st.one_of(NUMBERS, NUMBERS.map(str))),
    "Date": (["k:date"], DATES, DATES),
    "Bool": (["k:bool"], st.sampled_from(["true", "false"]), st.booleans()),
    "Binary": (["k:bin"], BLOBS.map(lambda b: base64.b64encode(b).decode()), BLOBS),
    "IpAddress": (["k:ip"], CIDRS, IPS),
    "Arn": (["k:arn"], ARN_PATTERNS, ARNS),
    "Null": (["k:str", "lambda:VpcIds", "lambda:SubnetIds"], st.sampled_from(["true", "false"]), WORDS),
}


@st.composite
def conditions(draw):
    block: dict = {}
    for _ in range(draw(st.integers(0, 2))):
        name = draw(st.sampled_from(sorted(OPERATORS)))
        family = OPERATORS[name].family
        keys, policy_values, _ = FAMILIES[family]
        if family != "Null" and draw(st.booleans()):
            name = draw(st.sampled_from(["ForAllValues", "ForAnyValue"])) + ":" + name
        values = draw(st.lists(policy_values, min_size=1, max_size=3))
        block.setdefault(name, {})[draw(st.sampled_from(keys))] = values if len(values) > 1 else values[0]
    return block


@st.composite
def statements(draw, effect=None):
    stmt = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    actions = draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3, unique=True))
    stmt["NotAction" if draw(st.integers(0, 5)) == 0 else "Action"] = actions
    resources = draw(st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2, unique=True))
    stmt["NotResource" if draw(st.integers(0, 5)) == 0 else "Resource"] = resources
    cond = draw(conditions())
    if cond:
        stmt["Condition"] = cond
    if draw(st.booleans()):
        stmt["Sid"] = f"S{draw(st.integers(0, 999))}"
    return stmt


@st.composite
def policies(draw):
    out = []
    for _ in range(draw(st.integers(1, 3))):
        doc = {"Statement": draw(st.lists(statements(), min_size=1, max_size=4))}
        if draw(st.integers(0, 4)):
            doc["Version"] = "2012-10-17"
        out.append(doc)
    return out


@st.composite
def contexts(draw):
    ctx: dict = {}
    for keys, _, request_values in FAMILIES.values():
        for key in keys:
            if key in ctx or draw(st.booleans()):
                continue
            if key in ("lambda:SubnetIds",) or draw(st.integers(0, 4)) == 0:
                ctx[key] = draw(st.lists(request_values, max_size=3))
            else:
                ctx[key] = draw(request_values)
    if draw(st.booleans()):
        ctx["k:flag"] = draw(st.sampled_from(["true", "false"]))
    return ctx


REQUESTS = st.tuples(st.sampled_from(ACTIONS), st.sampled_from(RESOURCES), contexts())


@settings(max_examples=200, deadline=None)
@given(policies(), REQUESTS)
def test_evaluate_never_raises_and_is_consistent(docs, request):
    action, resource, ctx = request
    ev = evaluate(docs, action, resource=resource, context=ctx)
    assert isinstance(ev.decision, Decision)
    denies = [s for s in ev.statements if s.applies and s.effect == "Deny"]
    allows = [s for s in ev.statements if s.applies and s.effect == "Allow"]
    expected = Decision.EXPLICIT_DENY if denies else Decision.ALLOWED if allows else Decision.IMPLICIT_DENY
    assert ev.decision is expected
    assert len(ev.statements) == sum(len(d["Statement"]) for d in docs)
    str(ev), ev.to_dict(), ev._repr_html_()  # the explanation renders for anything evaluate accepts
    lint(docs)


@settings(max_examples=200, deadline=None)
@given(policies(), REQUESTS, statements(effect="Deny"), st.data())
def test_adding_a_deny_never_allows(docs, request, deny, data):
    action, resource, ctx = request
    before = evaluate(docs, action, resource=resource, context=ctx).decision
    target = data.draw(st.integers(0, len(docs) - 1))
    changed = [dict(d) for d in docs]
    changed[target] = {**changed[target], "Statement": changed[target]["Statement"] + [deny]}
    after = evaluate(changed, action, resource=resource, context=ctx).decision
    if after is Decision.ALLOWED:
        assert before is Decision.ALLOWED
    if before is not Decision.ALLOWED:
        assert after is not Decision.ALLOWED


@settings(max_examples=200, deadline=None)
@given(policies(), REQUESTS, st.randoms(use_true_random=False))
def test_order_of_statements_and_policies_does_not_matter(docs, request, rnd):
    action, resource, ctx = request
    before = evaluate(docs, action, resource=resource, context=ctx).decision
    shuffled = []
    for d in docs:
        stmts = list(d["Statement"])
        rnd.shuffle(stmts)
        shuffled.append({**d, "Statement": stmts})
    rnd.shuffle(shuffled)
    assert evaluate(shuffled, action, resource=resource, context=ctx).decision is before
