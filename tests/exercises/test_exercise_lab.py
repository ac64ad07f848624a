"""Exercises played in the offline lab: graded by tracing the lab, or by running a script in it."""

from __future__ import annotations

import pytest

import labkit as lk
from labkit.exercises.labwork import FUNCTION

# ------------------------------------------------------------------------------ fix-internet


def test_fix_internet_reference_fix_is_right():
    ex = lk.exercises.get("reachability/fix-internet")
    fb = ex.check(ex.solution)
    assert fb.correct, str(fb)
    assert fb.trace is not None and fb.trace.reachable
    assert "create_route" in ex.solution_text()
    assert "orders" in fb.picture().source  # the graded trace, drawn on the lab's network


def test_fix_internet_broken_lab_names_the_blocker_and_a_fix(started):
    ex = started("reachability/fix-internet")
    fb = ex.check()
    assert not fb.correct
    assert "NO_ROUTE" in fb.message and ex.scenario["private_route_table_id"] in fb.message
    assert len(fb.failed) == 2  # one case per subnet of the function
    ex.solution(ex.lab, ex.scenario)
    assert ex.check(ex.lab).correct


def test_moving_the_function_to_the_public_subnet_is_graded_wrong_with_the_reason(started):
    lk.instructor(True)  # the full feedback (the fix, expected values); learners see it after 3 checks
    ex = started("reachability/fix-internet")
    lam = ex.lab.client("lambda")
    lam.update_function_configuration(
        FunctionName=FUNCTION,
        VpcConfig={
            "SubnetIds": [ex.scenario["public_subnet_id"]],
            "SecurityGroupIds": [ex.scenario["security_group_id"]],
        },
    )
    ex.lab.advance("5 min")
    fb = ex.check()
    assert not fb.correct
    assert "public subnet" in fb.message and "never gets a public IP" in fb.message and "NAT gateway" in fb.message
    assert any("NO_PUBLIC_IP" in c.got for c in fb.failed)


def test_routing_the_private_subnets_to_the_internet_gateway_is_graded_wrong(started):
    ex = started("reachability/fix-internet")
    ex.lab.client("ec2").create_route(
        RouteTableId=ex.scenario["private_route_table_id"],
        DestinationCidrBlock="0.0.0.0/0",
        GatewayId=ex.scenario["internet_gateway_id"],
    )
    fb = ex.check()
    assert not fb.correct
    assert "makes them public subnets" in fb.message and "NO_PUBLIC_IP" in fb.message


def test_taking_the_function_out_of_the_vpc_is_graded_wrong(started):
    ex = started("reachability/fix-internet")
    ex.lab.client("lambda").update_function_configuration(
        FunctionName=FUNCTION, VpcConfig={"SubnetIds": [], "SecurityGroupIds": []}
    )
    ex.lab.advance("5 min")
    fb = ex.check()
    assert not fb.correct and "no longer connected to the VPC" in fb.message


def test_a_fix_that_raises_gets_friendly_feedback():
    def fix(lab, scenario):
        lab.client("ec2").create_route(
            RouteTableId="rtb-nope", DestinationCidrBlock="0.0.0.0/0", NatGatewayId=scenario["nat_gateway_id"]
        )

    fb = lk.exercises.get("reachability/fix-internet").check(fix)
    assert not fb.correct
    assert fb.message.startswith("Your fix raised ClientError") and "rtb-nope" in fb.message


@pytest.mark.parametrize("answer", [None, "my lab", 3], ids=["not-started", "text", "number"])
def test_lab_exercise_without_a_lab_says_how_to_start(answer):
    fb = lk.exercises.get("reachability/fix-internet").check(answer)
    assert not fb.correct
    assert "exercise.start()" in fb.message


def test_a_lab_from_elsewhere_is_refused(started):
    ex = started("reachability/fix-internet")
    other = lk.exercises.get("reachability/fix-internet")
    fb = other.check(ex.lab)
    assert not fb.correct and "not started by this exercise" in fb.message


# ------------------------------------------------------------------------------ private-s3


def test_private_s3_reference_fix_is_right():
    ex = lk.exercises.get("reachability/private-s3")
    fb = ex.check(ex.solution)
    assert fb.correct, str(fb)
    assert all(p.via == "gateway-endpoint" for p in fb.trace.paths)


def test_private_s3_endpoint_on_the_wrong_route_table(started):
    ex = started("reachability/private-s3")
    assert "NO_ROUTE" in ex.check().message
    ex.lab.client("ec2").create_vpc_endpoint(
        VpcEndpointType="Gateway",
        VpcId=ex.scenario["vpc_id"],
        ServiceName="com.amazonaws.us-east-1.s3",
        RouteTableIds=[ex.scenario["main_route_table_id"]],
    )
    fb = ex.check()
    assert not fb.correct
    assert "NO_ENDPOINT_ACCESS" in fb.message and ex.scenario["private_route_table_id"] in fb.message


def _internet_through_nat(lab, scenario):
    """Give the private network internet access: a public subnet, an internet gateway and a NAT gateway."""
    ec2 = lab.client("ec2")
    vpc = scenario["vpc_id"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="172.31.0.0/24")["Subnet"]["SubnetId"]
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=public)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    ec2.create_route(
        RouteTableId=scenario["private_route_table_id"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat
    )


def test_private_s3_through_the_internet_is_graded_wrong():
    lk.instructor(True)  # the full feedback (the fix, expected values); learners see it after 3 checks
    fb = lk.exercises.get("reachability/private-s3").check(_internet_through_nat)
    assert not fb.correct
    assert "can now reach the internet" in fb.message and "gateway endpoint" in fb.message
    assert [c.name for c in fb.failed] == ["internet stays out of reach"]


# ------------------------------------------------------------------------------ diagnose


def test_diagnose_network_acl_replies(started):
    ex = started("reachability/diagnose")
    sol = ex.solution
    assert sol["code"] == "NACL_INBOUND" and sol["resource_id"].startswith("acl-")
    assert sol["resource_id"] not in str(ex.params)  # the answer is not handed out
    fb = ex.check(sol)
    assert fb.correct and "stateless" in fb.message
    right_code = ex.check({"code": "NACL_INBOUND", "resource_id": ex.scenario["private_route_table_id"]})
    assert not right_code.correct and "Right code" in right_code.message
    assert "lets the traffic through" in right_code.message
    wrong = ex.check({"code": "NO_ROUTE", "resource_id": ex.scenario["private_route_table_id"]})
    assert not wrong.correct and "NO_ROUTE means" in wrong.message
    right_resource = ex.check(("NACL_OUTBOUND", sol["resource_id"]))
    assert not right_resource.correct and "Right resource" in right_resource.message


def test_diagnose_nat_route_variant(started):
    ex = started("reachability/diagnose", variant="nat-route")
    assert ex.solution == {"code": "NAT_NO_INTERNET_ROUTE", "resource_id": ex.scenario["nat_gateway_id"]}
    assert ex.check(ex.solution).correct


@pytest.mark.parametrize("variant", ["nacl-replies", "nat-route"])
def test_diagnose_scenario_and_params_keep_the_answer_private(started, variant):
    ex = started("reachability/diagnose", variant=variant)
    code, resource = ex.solution["code"], ex.solution["resource_id"]
    public = {"scenario": dict(ex.scenario), "params": dict(ex.params)}
    for name, values in public.items():
        assert not any(k.startswith("_") for k in values), name  # no hidden keys to dig out
        shown = {k: v for k, v in values.items() if k != "codes"}  # params["codes"] lists every code alike
        # the blocker code is named nowhere, and nothing pairs it with the resource that stops the traffic
        assert code not in repr(shown), name
        assert not any(isinstance(v, lk.Trace) for v in shown.values()), name
    assert set(ex.params["codes"]) >= {"NACL_INBOUND", "NAT_NO_INTERNET_ROUTE", "NO_ROUTE"}
    if variant == "nacl-replies":  # the ACL is made by the breakage: its id is for the learner to find
        assert resource not in repr(public)
    else:  # the NAT gateway is part of the network the learner is given, like every other id
        assert ex.params["nat_gateway_id"] == resource
    assert ex.check({"code": code, "resource_id": resource}).correct


@pytest.mark.parametrize(
    "answer,words",
    [
        ({"code": "NACL_INBOND", "resource_id": "acl-1"}, "did you mean NACL_INBOUND"),
        ({"code": "NACL_INBOUND"}, "resource id"),
        ("acl-1", "resource id"),
    ],
)
def test_diagnose_malformed_answers(started, answer, words):
    ex = started("reachability/diagnose")
    fb = ex.check(answer)
    assert not fb.correct and words in fb.message


def test_diagnose_unknown_variant_and_not_started():
    ex = lk.exercises.get("reachability/diagnose")
    assert "exercise.start()" in ex.check({"code": "NO_ROUTE", "resource_id": "rtb-1"}).message
    with pytest.raises(ValueError, match="the variants are nacl-replies, nat-route"):
        ex.start(variant="nacl")


# ------------------------------------------------------------------------------ states against the lab


def test_timeline_predictions_match_the_lab():
    ex = lk.exercises.get("states/timeline")
    fb = ex.check(ex.solution)
    assert fb.correct, str(fb)


def test_timeline_wrong_predictions_are_explained():
    lk.instructor(True)  # the full feedback (the fix, expected values); learners see it after 3 checks
    ex = lk.exercises.get("states/timeline")
    wrong = dict(ex.solution)
    wrong["6.outcome"] = "ResourceConflictException"  # a common mistake: invoking during an update
    wrong["9.State"] = "Active"
    fb = ex.check(wrong)
    assert not fb.correct
    by_name = {c.name.split(":")[0]: c for c in fb.failed}
    assert by_name["6.outcome"].expected == "succeeds" and "previous configuration" in by_name["6.outcome"].why
    assert by_name["9.State"].expected == "Inactive" and "reclaimed" in by_name["9.State"].why


def test_what_fails_agrees_with_the_lab():
    """The quiz's static answers are what the lab's Lambda does."""
    from labkit.exercises.labwork import create_function, function_group, make_role, new_lab, package, stack_ids
    from labkit.exercises.topics.lambda_states import MOMENTS

    truth = {m.key: set(m.fails) for m in MOMENTS}
    with new_lab() as lab:
        ids = stack_ids(lab, lab.deploy("vpc-private"), public=False)
        role = make_role(
            lab, ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"]
        )
        create_function(
            lab,
            role,
            ids["private_subnet_ids"],
            [function_group(lab, ids["vpc_id"])],
            code="def handler(e, c):\n    return 1\n",
        )
        lam = lab.client("lambda")

        def fails(op):
            calls = {
                "Invoke": lambda: lam.invoke(FunctionName=FUNCTION),
                "GetFunctionConfiguration": lambda: lam.get_function_configuration(FunctionName=FUNCTION),
                "UpdateFunctionCode": lambda: lam.update_function_code(
                    FunctionName=FUNCTION, ZipFile=package("def handler(e, c):\n    return 2\n")
                ),
                "UpdateFunctionConfiguration": lambda: lam.update_function_configuration(
                    FunctionName=FUNCTION, Description="x"
                ),
                "PublishVersion": lambda: lam.publish_version(FunctionName=FUNCTION),
            }
            try:
                calls[op]()
                return False
            except lam.exceptions.ClientError as e:
                assert e.response["Error"]["Code"] in ("ResourceConflictException", "ResourceNotReadyException")
                return True

        # each probe that fails changes nothing; probe the ones that succeed last
        creating = {
            op
            for op in (
                "Invoke",
                "UpdateFunctionCode",
                "UpdateFunctionConfiguration",
                "PublishVersion",
                "GetFunctionConfiguration",
            )
            if fails(op)
        }
        assert creating == truth["creating"]
        lab.advance("5 min")
        lam.update_function_configuration(FunctionName=FUNCTION, MemorySize=256)
        updating = {
            op
            for op in (
                "UpdateFunctionCode",
                "UpdateFunctionConfiguration",
                "PublishVersion",
                "GetFunctionConfiguration",
                "Invoke",
            )
            if fails(op)
        }
        assert updating == truth["updating"]
        lab.advance("30 days")
        assert lam.get_function_configuration(FunctionName=FUNCTION)["State"] == "Inactive"
        idle = {op for op in ("GetFunctionConfiguration", "Invoke") if fails(op)}
        assert idle == truth["idle"]


# ------------------------------------------------------------------------------ permissions in the lab


@pytest.mark.parametrize("missing", ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces"])
def test_execution_role_try_in_lab_returns_the_real_error(missing):
    ex = lk.exercises.get("permissions/execution-role")
    actions = [a for a in ex.solution if a != missing]
    message = ex.try_in_lab(actions)
    assert message.startswith(
        "InvalidParameterValueException: The provided execution role does not have "
        f"permissions to call {missing.split(':')[1]} on EC2"
    )
    assert ex.try_in_lab(ex.solution).startswith("CreateFunction succeeded")


def test_read_the_error_messages_are_the_labs():
    ex = lk.exercises.get("permissions/read-the-error")
    role = lk.exercises.get("permissions/execution-role").try_in_lab([])
    assert role == ex.params["first message"]
    user = lk.exercises.get("permissions/user").try_in_lab(
        ["lambda:CreateFunction", "ec2:DescribeSubnets", "ec2:DescribeVpcs"]
    )
    expected = ex.params["second message"]
    assert user.split(" for sg-")[0] == expected.split(" for sg-")[0]
    assert user.split(". EC2 Error Code")[1] == expected.split(". EC2 Error Code")[1]


def test_user_try_in_lab():
    ex = lk.exercises.get("permissions/user")
    assert ex.try_in_lab(ex.solution).startswith("CreateFunction succeeded")
    denied = ex.try_in_lab(["ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"])
    assert denied.startswith("AccessDeniedException") and "lambda:CreateFunction" in denied
    with pytest.raises(ValueError, match="service:Action"):
        ex.try_in_lab(["CreateFunction"])


# ------------------------------------------------------------------------------ the lab widget


def test_lab_widget_start_fix_check_and_picture():
    ex = lk.exercises.get("reachability/fix-internet")
    view = ex.widget().view
    try:
        view.check_button.click()
        assert "Start the lab first" in view.feedback.value
        start, show = view.extra_buttons
        assert start.description == "Start lab" and show.description == "Show network"
        start.click()
        assert "The lab is ready" in view.extra_area.value and ex.lab is not None
        ex.solution(ex.lab, ex.scenario)
        view.check_button.click()
        assert "✔ Correct" in view.feedback.value and "reaches the internet" in view.feedback.value
        show.click()
        assert "<svg" in view.extra_area.value
        first_lab = ex.lab
        view.reset_button.click()
        assert ex.lab is not first_lab and first_lab.closed  # Reset rebuilds the broken lab
        view.check_button.click()
        assert "✘ Not yet" in view.feedback.value
    finally:
        ex.close()


def test_timeline_widget_dropdowns():
    ex = lk.exercises.get("states/timeline")
    view = ex.widget().view
    assert set(view.inputs) == {q.key for q in ex.questions}
    assert "1.LastUpdateStatus" not in view.inputs  # nothing to predict before the first update has completed
    view.set_values(ex.values_from(ex.solution))
    view.inputs["2.outcome"].value = "succeeds"
    view.check_button.click()
    assert "✘ Not yet" in view.feedback.value and "ResourceConflictException" in view.feedback.value


def test_diagnose_widget_code_and_resource():
    ex = lk.exercises.get("reachability/diagnose")
    view = ex.widget().view
    try:
        view.extra_buttons[0].click()  # Start lab
        assert ex.solution["resource_id"] not in view.header.value and "private_route_table_id" in view.header.value
        view.inputs["code"].value = "NACL_INBOUND"
        view.inputs["resource_id"].value = "  " + ex.solution["resource_id"] + " "
        view.check_button.click()
        assert "✔ Correct" in view.feedback.value
    finally:
        ex.close()
