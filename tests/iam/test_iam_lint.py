"""Each lint finding fires on a policy with the pitfall and not on the fixed policy."""

from __future__ import annotations

import pytest

from labkit.iam import Finding, lint
from labkit.iam.examples import LAMBDA_VPC_EXAMPLES, STAY_IN_SUBNETS_FIXED
from labkit.iam.lint import CODES, LAMBDA_ACTIONS, MULTIVALUED_KEYS, SINGLE_VALUED_KEYS, expand_actions
from labkit.iam.policy import parse_policy

VPC_ACTIONS = ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"]


def st(effect="Allow", action=VPC_ACTIONS, cond=None, sid="S", **extra):
    s = {"Sid": sid, "Effect": effect, "Action": action, "Resource": "*", **extra}
    if cond is not None:
        s["Condition"] = cond
    if "NotAction" in extra:
        del s["Action"]
    if "NotResource" in extra:
        del s["Resource"]
    return s


def P(*statements, version="2012-10-17"):
    d = {"Statement": list(statements)}
    if version:
        d["Version"] = version
    return d


SUBNETS_ALLOW = {"ForAllValues:StringEquals": {"lambda:SubnetIds": ["subnet-1", "subnet-2"]}}
REQUIRE_VPC = st("Deny", cond={"Null": {"lambda:VpcIds": "true"}}, sid="RequireVpc")

# (code, bad policy or policies, fixed policy or policies)
PAIRS = [
    ("FORALLVALUES_ABSENT_KEY", LAMBDA_VPC_EXAMPLES["EnforceStayInSpecificSubnets"], STAY_IN_SUBNETS_FIXED),
    (
        "FORALLVALUES_ABSENT_KEY",
        LAMBDA_VPC_EXAMPLES["EnforceStayInSpecificSecurityGroup"],
        P(
            st(
                cond={
                    "ForAllValues:StringEquals": {"lambda:SecurityGroupIds": ["sg-1"]},
                    "StringEquals": {"lambda:VpcIds": "vpc-1"},
                }
            )
        ),
    ),
    ("FORALLVALUES_ABSENT_KEY", P(st(cond=SUBNETS_ALLOW)), P(st(cond=SUBNETS_ALLOW), REQUIRE_VPC)),
    (
        "FORALLVALUES_ABSENT_KEY",
        [P(st(cond=SUBNETS_ALLOW))],
        [P(st(cond=SUBNETS_ALLOW)), LAMBDA_VPC_EXAMPLES["EnforceVPCFunction"]],
    ),
    (
        "FORALLVALUES_ABSENT_KEY",
        P(st(action="iam:TagUser", cond={"ForAllValues:StringLike": {"aws:TagKeys": "team-*"}})),
        P(
            st(
                action="iam:TagUser",
                cond={"ForAllValues:StringLike": {"aws:TagKeys": "team-*"}, "Null": {"aws:TagKeys": "false"}},
            )
        ),
    ),
    (
        "SET_OPERATOR_ON_SINGLE_VALUED_KEY",
        P(st(cond={"ForAnyValue:StringEquals": {"aws:username": ["a", "b"]}})),
        P(st(cond={"StringEquals": {"aws:username": ["a", "b"]}})),
    ),
    (
        "SET_OPERATOR_ON_SINGLE_VALUED_KEY",
        P(st("Deny", cond={"ForAnyValue:IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        P(st("Deny", cond={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
    ),
    (
        "SET_OPERATOR_ON_SINGLE_VALUED_KEY",
        P(st("Deny", cond={"ForAnyValue:StringEquals": {"lambda:VpcIds": "vpc-1"}})),
        LAMBDA_VPC_EXAMPLES["EnforceOutOfVPC"],
    ),
    (
        "PLAIN_OPERATOR_ON_MULTIVALUED_KEY",
        P(st("Deny", cond={"StringEquals": {"lambda:SubnetIds": ["subnet-1"]}})),
        LAMBDA_VPC_EXAMPLES["EnforceOutOfSubnet"],
    ),
    (
        "PLAIN_OPERATOR_ON_MULTIVALUED_KEY",
        P(st("Deny", cond={"StringEquals": {"lambda:SecurityGroupIds": "sg-1"}})),
        LAMBDA_VPC_EXAMPLES["EnforceOutOfSecurityGroups"],
    ),
    (
        "PLAIN_OPERATOR_ON_MULTIVALUED_KEY",
        P(st("Deny", action="iam:TagUser", cond={"StringLike": {"aws:TagKeys": "x*"}})),
        P(st("Deny", action="iam:TagUser", cond={"ForAnyValue:StringLike": {"aws:TagKeys": "x*"}})),
    ),
    (
        "FORANYVALUE_NEGATED_IN_DENY",
        P(st("Deny", cond={"ForAnyValue:StringNotEquals": {"lambda:SubnetIds": ["subnet-1", "subnet-2"]}})),
        LAMBDA_VPC_EXAMPLES["EnforceOutOfSubnet"],
    ),
    ("ALLOW_WITH_NOT_ACTION", P(st(NotAction=["iam:*"])), P(st(action=["lambda:*"]))),
    (
        "ALLOW_WITH_NOT_RESOURCE",
        P(st(NotResource=["arn:aws:lambda:*:*:function:admin-*"])),
        P(st(Resource="arn:aws:lambda:*:*:function:team-*")),
    ),
    (
        "VPC_KEY_ON_OTHER_ACTIONS",
        P(st("Deny", action="lambda:*", cond={"Null": {"lambda:VpcIds": "true"}})),
        LAMBDA_VPC_EXAMPLES["EnforceVPCFunction"],
    ),
    (
        "VPC_KEY_ON_OTHER_ACTIONS",
        P(st("Allow", action="lambda:Update*", cond={"StringEquals": {"lambda:VpcIds": "vpc-1"}})),
        LAMBDA_VPC_EXAMPLES["EnforceStayInSpecificVpc"],
    ),
    (
        "VPC_KEY_ON_OTHER_ACTIONS",
        P(st("Deny", action="*", cond={"StringEquals": {"lambda:VpcIds": "vpc-1"}})),
        LAMBDA_VPC_EXAMPLES["EnforceOutOfVPC"],
    ),
    (
        "VARIABLE_IN_OLD_VERSION",
        P(st(action="iam:*AccessKey*", Resource="arn:aws:iam::123456789012:user/${aws:username}"), version=None),
        P(st(action="iam:*AccessKey*", Resource="arn:aws:iam::123456789012:user/${aws:username}")),
    ),
]


@pytest.mark.parametrize(
    "code, bad, fixed", [pytest.param(c, b, f, id=f"{c}-{n}") for n, (c, b, f) in enumerate(PAIRS)]
)
def test_finding_fires_on_pitfall_and_not_on_fix(code, bad, fixed):
    found = lint(bad)
    assert code in [f.code for f in found], [str(f) for f in found]
    hit = next(f for f in found if f.code == code)
    assert hit.message and hit.fix and hit.severity in ("error", "warning")
    assert code not in [f.code for f in lint(fixed)], [str(f) for f in lint(fixed)]


def test_every_code_is_exercised():
    assert {c for c, _, _ in PAIRS} == set(CODES)
    for severity, meaning in CODES.values():
        assert severity in ("error", "warning") and meaning


def test_seed_examples_only_the_allow_lists_of_subnets_and_groups_are_flagged():
    flagged = {sid for sid, policy in LAMBDA_VPC_EXAMPLES.items() if lint(policy)}
    assert flagged == {"EnforceStayInSpecificSubnets", "EnforceStayInSpecificSecurityGroup"}


def test_finding_names_the_statement_and_serialises():
    finding = lint(LAMBDA_VPC_EXAMPLES["EnforceStayInSpecificSubnets"])[0]
    assert isinstance(finding, Finding)
    assert finding.statement == "EnforceStayInSpecificSubnets" and finding.index == 1
    assert finding.code == "FORALLVALUES_ABSENT_KEY" and finding.severity == "error"
    assert '"Null": {"lambda:SubnetIds": "false"}' in finding.fix
    data = finding.to_dict()
    assert data["statement"] == "EnforceStayInSpecificSubnets" and data["policy"] == "policy"
    assert "FORALLVALUES_ABSENT_KEY (error)" in str(finding)
    assert "FORALLVALUES_ABSENT_KEY" in finding._repr_html_()


def test_unnamed_statement_is_named_by_number():
    findings = lint(
        P(st(sid=None, NotAction=["iam:*"]))
        | {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    )
    assert findings[0].statement == "#1" and findings[0].sid is None


def test_guard_must_require_presence():
    # StringNotEquals is true when the key is absent, so it does not guard ForAllValues
    weak = P(st(cond={**SUBNETS_ALLOW, "StringNotEquals": {"lambda:VpcIds": "vpc-9"}}))
    assert [f.code for f in lint(weak)] == ["FORALLVALUES_ABSENT_KEY"]
    # a Deny that covers only CreateFunction leaves UpdateFunctionConfiguration open
    partial = P(
        st(cond=SUBNETS_ALLOW),
        st("Deny", action="lambda:CreateFunction", cond={"Null": {"lambda:VpcIds": "true"}}, sid="D"),
    )
    assert "FORALLVALUES_ABSENT_KEY" in [f.code for f in lint(partial)]


def test_vpc_key_message_says_what_happens_to_other_actions():
    deny_all = lint(P(st("Deny", action="lambda:*", cond={"Null": {"lambda:VpcIds": "true"}})))
    assert "denies them all" in deny_all[0].message and "lambda:AddPermission" in deny_all[0].message
    allow_some = lint(
        P(
            st(
                "Allow",
                action=["lambda:CreateFunction", "lambda:InvokeFunction"],
                cond={"StringEquals": {"lambda:VpcIds": "vpc-1"}},
            )
        )
    )
    assert "never allows them" in allow_some[0].message and "lambda:InvokeFunction" in allow_some[0].message


def test_action_expansion():
    s = parse_policy(P(st(action=["lambda:Create*", "ec2:Describe*"]))).statements[0]
    covered, others = expand_actions(s)
    assert covered == {a for a in LAMBDA_ACTIONS if a.startswith("lambda:Create")} and others is True
    s = parse_policy(P(st(NotAction=["lambda:Get*", "lambda:List*"]))).statements[0]
    covered, others = expand_actions(s)
    assert "lambda:GetFunction" not in covered and "lambda:CreateFunction" in covered and others is True


def test_key_classification_is_consistent():
    assert not MULTIVALUED_KEYS & SINGLE_VALUED_KEYS
    assert "lambda:vpcids" in SINGLE_VALUED_KEYS and "lambda:subnetids" in MULTIVALUED_KEYS
    assert len(LAMBDA_ACTIONS) == len(set(LAMBDA_ACTIONS))
