"""Selection and quiz exercises: permissions, states, reachability predictions."""

from __future__ import annotations

import pytest

import labkit as lk

ROLE = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"]
USER = [
    "lambda:CreateFunction",
    "lambda:UpdateFunctionConfiguration",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
]


def test_execution_role_reference_is_the_three_eni_actions():
    ex = lk.exercises.get("permissions/execution-role")
    assert sorted(ex.solution) == sorted(ROLE)


@pytest.mark.parametrize(
    "answer",
    [
        ROLE,
        ROLE
        + ["ec2:DescribeSubnets", "ec2:AssignPrivateIpAddresses", "logs:PutLogEvents"],  # the managed policy's extras
        "ec2:createnetworkinterface, EC2:DescribeNetworkInterfaces ec2:DeleteNetworkInterface",  # text, any case
        set(ROLE),
    ],
    ids=["exact", "with-managed-policy-extras", "text", "set"],
)
def test_execution_role_right_answers(answer):
    fb = lk.exercises.get("permissions/execution-role").check(answer)
    assert fb.correct, str(fb)


@pytest.mark.parametrize(
    "answer,missing,extra,why",
    [
        (ROLE[:2], ["ec2:DeleteNetworkInterface"], [], "deletes the network interfaces"),
        (ROLE + ["ec2:DescribeSecurityGroups"], [], ["ec2:DescribeSecurityGroups"], "caller's permissions"),
        (
            ["ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeSecurityGroups"],
            ROLE,
            ["ec2:DescribeVpcs", "ec2:DescribeSecurityGroups"],
            "CreateNetworkInterface on EC2",
        ),
    ],
    ids=["missing-delete", "user-permission-on-role", "user-set-on-role"],
)
def test_execution_role_wrong_answers_say_what_is_missing_or_extra(answer, missing, extra, why):
    lk.instructor(True)  # the full feedback (expected values and reasons); learners see it after 3 checks
    fb = lk.exercises.get("permissions/execution-role").check(answer)
    assert not fb.correct
    for m in missing:
        assert m in fb.message.split("Missing:")[1]
    for x in extra:
        assert x in fb.message.split("Not needed here:")[1]
    assert any(why in c.why for c in fb.failed)


def test_selection_with_an_unknown_action_suggests_the_close_one():
    fb = lk.exercises.get("permissions/execution-role").check(["ec2:CreateNetworkInterfaces"])
    assert not fb.correct
    assert "did you mean 'ec2:CreateNetworkInterface'" in fb.message and "The choices are" in fb.message


def test_user_permissions():
    lk.instructor(True)  # the full feedback (expected values and reasons); learners see it after 3 checks
    ex = lk.exercises.get("permissions/user")
    assert sorted(ex.solution) == sorted(USER)
    assert ex.check(USER).correct
    fb = ex.check(USER[:2] + ["ec2:CreateNetworkInterface"])
    assert not fb.correct
    assert "ec2:DescribeSubnets" in fb.message and "ec2:CreateNetworkInterface" in fb.message
    assert any("execution role" in c.why for c in fb.failed if c.name == "ec2:CreateNetworkInterface")


def test_read_the_error_tells_role_from_caller():
    lk.instructor(True)  # the full feedback (expected values and reasons); learners see it after 3 checks
    ex = lk.exercises.get("permissions/read-the-error")
    assert "execution role" in ex.params["first message"]
    assert "request credentials" in ex.params["second message"]
    swapped = dict(ex.solution, second_who="the function's execution role")
    fb = ex.check(swapped)
    assert not fb.correct
    assert [c.expected for c in fb.failed] == ["the person calling CreateFunction"]
    assert "caller" in fb.failed[0].why
    assert ex.check(list(ex.solution.values())).correct  # answers in question order work too


def test_what_fails_reference_follows_the_function_states_page():
    ex = lk.exercises.get("states/what-fails")
    sol = ex.solution
    assert set(sol["creating"]) == {"Invoke", "UpdateFunctionCode", "UpdateFunctionConfiguration", "PublishVersion"}
    assert "Invoke" not in sol["updating"] and "UpdateFunctionConfiguration" in sol["updating"]
    assert sol["idle"] == ["Invoke"]


def test_what_fails_wrong_answers_explain():
    lk.instructor(True)  # the full feedback (expected values and reasons); learners see it after 3 checks
    ex = lk.exercises.get("states/what-fails")
    fb = ex.check(dict(ex.solution, updating=["Invoke", "UpdateFunctionCode"]))
    assert not fb.correct
    invoke = next(c for c in fb.failed if c.name == "updating: Invoke")
    assert invoke.expected == "works" and "previous code and configuration" in invoke.why
    assert "No answer for: idle" in ex.check({"creating": [], "updating": []}).message
    assert "not among the choices" in ex.check({"creating": ["Delete"]}).message.lower()
    assert "the moments are" in ex.check({"later": []}).message


def test_reachability_predict_is_graded_by_the_trace():
    lk.instructor(True)  # the full feedback (expected values and reasons); learners see it after 3 checks
    ex = lk.exercises.get("reachability/predict")
    sol = ex.solution
    assert sol == {
        "a": "NO_PUBLIC_IP",
        "b": "NAT_NO_INTERNET_ROUTE",
        "c": "NO_ROUTE",
        "d": "SG_EGRESS",
        "e": "reachable",
        "f": "NO_ENDPOINT_ACCESS",
    }
    fb = ex.check(dict(sol, a="reachable"))
    assert not fb.correct
    case = fb.failed[0]
    assert case.expected == "NO_PUBLIC_IP" and "public IP" in case.why
    assert "did you mean 'NO_ROUTE'" in ex.check(dict(sol, c="NO_ROUT")).message


def test_reachability_predict_pictures_hide_the_answer_unless_asked():
    ex = lk.exercises.get("reachability/predict")
    hidden = ex.picture("a").source
    shown = ex.picture("a", reveal=True).source
    assert "NO_PUBLIC_IP" not in hidden and "NO_PUBLIC_IP" in shown
    with pytest.raises(LookupError, match="the networks are a, b"):
        ex.picture("z")
