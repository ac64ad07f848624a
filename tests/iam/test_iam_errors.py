"""Bad policies and bad contexts: a labkit error (a ValueError) naming the policy, the statement and the fix."""

from __future__ import annotations

import json

import pytest

from labkit.errors import LabkitError
from labkit.iam import ContextError, PolicyError, PolicyJSONError, UnknownOperatorError, evaluate, lint, parse_policy


def doc(statement, **top):
    return {"Version": "2012-10-17", "Statement": [statement], **top}


GOOD = {"Sid": "Good", "Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"}


def bad(**changes):
    st = {k: v for k, v in GOOD.items() if changes.get(k, "") is not None}
    st.update({k: v for k, v in changes.items() if v is not None})
    return st


# (id, document, error class, words the message must contain: the problem, the statement, the fix)
CASES = [
    (
        "missing-effect",
        doc(bad(Effect=None)),
        PolicyError,
        ["statement Good (#1)", "Effect is missing", "Fix:", '"Allow"'],
    ),
    (
        "effect-lowercase",
        doc(bad(Effect="allow")),
        PolicyError,
        ["statement Good", "Effect is 'allow'", "Did you mean Allow"],
    ),
    ("effect-other", doc(bad(Effect="Permit")), PolicyError, ["Effect is 'Permit'", '"Allow" or "Deny"']),
    ("missing-action", doc(bad(Action=None)), PolicyError, ["statement Good", "Action is missing", 'add "Action"']),
    ("action-and-notaction", doc(bad(NotAction="iam:*")), PolicyError, ["both Action and NotAction", "keep one"]),
    (
        "action-without-prefix",
        doc(bad(Action="CreateFunction")),
        PolicyError,
        ["'CreateFunction'", "lambda:CreateFunction"],
    ),
    ("action-empty-list", doc(bad(Action=[])), PolicyError, ["Action is an empty list"]),
    ("missing-resource", doc(bad(Resource=None)), PolicyError, ["Resource is missing", '"Resource": "*"']),
    ("resource-not-arn", doc(bad(Resource="my-function")), PolicyError, ["neither", "arn:aws:lambda:"]),
    ("resource-and-notresource", doc(bad(NotResource="*")), PolicyError, ["both Resource and NotResource"]),
    (
        "principal-in-identity-policy",
        doc(bad(Principal={"AWS": "*"})),
        PolicyError,
        ["Principal is not allowed", 'remove "Principal"'],
    ),
    (
        "unknown-statement-key",
        doc(bad(Conditions={})),
        PolicyError,
        ["unknown statement element 'Conditions'", "Did you mean Condition"],
    ),
    (
        "unknown-top-level-key",
        doc(GOOD, Statements=[]),
        PolicyError,
        ["unknown top-level element 'Statements'", "Did you mean Statement"],
    ),
    ("bad-version", doc(GOOD) | {"Version": "2012-10-18"}, PolicyError, ["Version is '2012-10-18'", '"2012-10-17"']),
    ("version-as-date-number", doc(GOOD) | {"Version": 2012}, PolicyError, ["Version is 2012"]),
    ("missing-statement", {"Version": "2012-10-17"}, PolicyError, ["Statement is missing"]),
    ("empty-statement-list", {"Version": "2012-10-17", "Statement": []}, PolicyError, ["Statement is an empty list"]),
    ("statement-not-object", {"Version": "2012-10-17", "Statement": ["Allow"]}, PolicyError, ["statement #1 is a str"]),
    (
        "unknown-operator",
        doc(bad(Condition={"StringEqual": {"aws:username": "a"}})),
        UnknownOperatorError,
        ["statement Good", "unknown condition operator 'StringEqual'", "did you mean StringEquals?"],
    ),
    (
        "null-ifexists",
        doc(bad(Condition={"NullIfExists": {"lambda:VpcIds": "true"}})),
        UnknownOperatorError,
        ["statement Good", "NullIfExists", 'use "Null"'],
    ),
    ("null-bad-value", doc(bad(Condition={"Null": {"lambda:VpcIds": "yes"}})), PolicyError, ['"true" or "false"']),
    (
        "numeric-bad-value",
        doc(bad(Condition={"NumericLessThan": {"s3:max-keys": "ten"}})),
        PolicyError,
        ["statement Good", "'ten' is not a number", "give a number"],
    ),
    ("ip-bad-value", doc(bad(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.300/8"}})), PolicyError, ["CIDR"]),
    (
        "date-bad-value",
        doc(bad(Condition={"DateLessThan": {"aws:CurrentTime": "yesterday"}})),
        PolicyError,
        ["ISO 8601"],
    ),
    ("binary-bad-value", doc(bad(Condition={"BinaryEquals": {"k": "not base64!"}})), PolicyError, ["base-64"]),
    (
        "bool-bad-value",
        doc(bad(Condition={"Bool": {"aws:SecureTransport": "yes"}})),
        PolicyError,
        ['"true" or "false"'],
    ),
    (
        "variable-with-numeric",
        doc(bad(Condition={"NumericEquals": {"s3:max-keys": "${aws:username}"}})),
        PolicyError,
        ["variables work only with the String, ARN and Bool operators"],
    ),
    (
        "condition-empty-values",
        doc(bad(Condition={"StringEquals": {"aws:username": []}})),
        PolicyError,
        ["has no values"],
    ),
    ("condition-not-object", doc(bad(Condition=["StringEquals"])), PolicyError, ["Condition must be an object"]),
    (
        "condition-value-object",
        doc(bad(Condition={"StringEquals": {"aws:username": {"a": 1}}})),
        PolicyError,
        ["not a string, number or boolean"],
    ),
    (
        "unnamed-statement",
        {"Statement": [GOOD, {"Effect": "Allow", "Action": "*"}]},
        PolicyError,
        ["statement #2 (no Sid)", "Resource is missing"],
    ),
    ("sid-not-string", doc(bad(Sid=7)), PolicyError, ["Sid is 7"]),
]


@pytest.mark.parametrize("document, error, words", [pytest.param(d, e, w, id=i) for i, d, e, w in CASES])
def test_bad_policy_is_a_clear_error(document, error, words):
    with pytest.raises(error) as info:
        parse_policy(document, name="team.json")
    message = str(info.value)
    assert isinstance(info.value, LabkitError) and isinstance(info.value, ValueError)
    assert message.startswith("team.json")
    assert "Fix:" in message and info.value.fix
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("function", [evaluate, lint])
def test_errors_surface_from_evaluate_and_lint(function):
    document = doc(bad(Effect="allow"))
    args = (document, "lambda:CreateFunction") if function is evaluate else (document,)
    with pytest.raises(PolicyError, match="Effect is 'allow'"):
        function(*args)


def test_malformed_json_reports_line_and_column():
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow" "Action": "*"}\n  ]\n}'
    with pytest.raises(PolicyJSONError) as info:
        parse_policy(text, name="broken.json")
    assert (info.value.line, info.value.column) == (4, 24)
    assert "broken.json: not valid JSON at line 4, column 24" in str(info.value)


def test_duplicate_json_keys_are_an_error_not_a_silent_overwrite():
    text = json.dumps(doc(GOOD))[:-1] + ', "Statement": []}'
    with pytest.raises(PolicyJSONError, match="'Statement' appears twice"):
        parse_policy(text)


def test_error_names_the_policy_in_a_list():
    with pytest.raises(PolicyError, match=r"^policy 2, statement #1 \(no Sid\): Effect is missing"):
        evaluate([doc(GOOD), {"Statement": {"Action": "*", "Resource": "*"}}], "lambda:CreateFunction")


@pytest.mark.parametrize(
    "context, words",
    [
        ({"aws:username": None}, "leave the key out"),
        ({"aws:username": {"a": 1}}, "type dict"),
        ({"aws:username": "a", "AWS:UserName": "b"}, "given twice"),
        ("aws:username=a", "must be a dict"),
        ({"lambda:SubnetIds": ["subnet-1", None]}, "is None"),
    ],
)
def test_bad_context_is_a_clear_error(context, words):
    with pytest.raises(ContextError, match=words):
        evaluate(doc(GOOD), "lambda:CreateFunction", context=context)


@pytest.mark.parametrize("action, resource", [("", "*"), (None, "*"), ("lambda:CreateFunction", "")])
def test_bad_request(action, resource):
    with pytest.raises(ContextError):
        evaluate(doc(GOOD), action, resource=resource)


def test_policies_of_wrong_type():
    with pytest.raises(PolicyError, match="got int"):
        evaluate(42, "lambda:CreateFunction")
