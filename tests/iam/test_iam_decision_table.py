"""lk.iam.decision_table: the decisions of policies × requests, as text, HTML and data."""

import pytest

import labkit as lk

EX = lk.iam.examples.LAMBDA_VPC_EXAMPLES
ALLOW_LAMBDA = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}
REQUESTS = {
    "no VPC": lk.iam.lambda_vpc_context(),
    "allowed VPC": lk.iam.lambda_vpc_context(["subnet-1", "subnet-2"], ["sg-1"], "vpc-1"),
    "disconnect": ("lambda:UpdateFunctionConfiguration", lk.iam.lambda_vpc_context([], [])),
}


def test_every_cell_is_the_evaluators_decision():
    policies = {"require VPC": [ALLOW_LAMBDA, EX["EnforceVPCFunction"]], "stay": EX["EnforceStayInSpecificSubnets"]}
    table = lk.iam.decision_table(policies, REQUESTS)
    for name, docs in policies.items():
        for req, value in REQUESTS.items():
            action, ctx = value if isinstance(value, tuple) else ("lambda:CreateFunction", value)
            assert table.decision(name, req) == lk.iam.evaluate(docs, action, context=ctx).decision.value
    # the pitfall shows in the table: the Allow list lets a function leave the VPC
    assert table.row("stay") == {"no VPC": "allowed", "allowed VPC": "allowed", "disconnect": "allowed"}
    assert table.row("require VPC")["no VPC"] == "explicitDeny"


def test_text_html_and_data_agree():
    table = lk.iam.decision_table({"stay": EX["EnforceStayInSpecificSubnets"]}, REQUESTS)
    text = str(table).splitlines()
    assert text[0].split() == ["policy", "no", "VPC", "allowed", "VPC", "disconnect"]
    assert text[1].split() == ["stay", "allowed", "allowed", "allowed"]
    html = table._repr_html_()
    assert html.count("<tr>") == 2 and "<th>stay</th>" in html
    data = table.to_dict()
    assert data["requests"] == list(REQUESTS) and data["rows"][0]["decisions"]["disconnect"] == "allowed"


@pytest.mark.parametrize(
    "policies,requests,words",
    [
        ({}, REQUESTS, "policies must be a non-empty dict"),
        ({"p": ALLOW_LAMBDA}, {}, "requests must be a non-empty dict"),
        ({"p": ALLOW_LAMBDA}, {"r": ["subnet-1"]}, "Request 'r'"),
    ],
    ids=["no-policies", "no-requests", "bad-request"],
)
def test_bad_input_names_the_problem(policies, requests, words):
    with pytest.raises(lk.iam.ContextError, match=words):
        lk.iam.decision_table(policies, requests)


def test_unknown_row_or_column_lists_the_known_ones():
    table = lk.iam.decision_table({"p": ALLOW_LAMBDA}, {"r": {}})
    with pytest.raises(KeyError, match="the requests are: r"):
        table.decision("p", "x")
