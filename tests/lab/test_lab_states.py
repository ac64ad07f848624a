"""The function-state and last-update-status tables, and what each state refuses (no moto needed)."""

from __future__ import annotations

import pytest

from labkit.awslambda.exceptions import ResourceConflictException, ResourceNotReadyException
from labkit.awslambda.states import STATE_TRANSITIONS, FunctionRecord, StateError, apply, refusal

ARN = "arn:aws:lambda:us-east-1:210000000001:function:f"


def record_after(*events, **failure) -> FunctionRecord:
    r = FunctionRecord("f", ARN)
    for event in events:
        apply(r, event, **(failure if event.endswith("failed") else {}))
    return r


@pytest.mark.parametrize(
    "events, state, code, reason, update_status",
    [
        pytest.param(["create"], "Pending", "Creating", "The function is being created.", None, id="new-vpc-function"),
        pytest.param(["create_plain"], "Active", None, None, "Successful", id="new-function-without-vpc"),
        pytest.param(["create", "network_ready"], "Active", None, None, "Successful", id="enis-ready"),
        pytest.param(["create", "network_failed"], "Failed", "InvalidSubnet", "gone", None, id="creation-failed"),
        pytest.param(["create", "network_ready", "update"], "Active", None, None, "InProgress", id="update-started"),
        pytest.param(
            ["create", "network_ready", "update", "update_done"], "Active", None, None, "Successful", id="update-done"
        ),
        pytest.param(
            ["create", "network_ready", "update", "update_failed"], "Active", None, None, "Failed", id="update-failed"
        ),
        pytest.param(
            ["create", "network_ready", "idle"],
            "Inactive",
            "Idle",
            "The function is currently idle.",
            "Successful",
            id="idle",
        ),
        pytest.param(
            ["create", "network_ready", "idle", "invoke"],
            "Pending",
            "Restoring",
            "The function is being restored.",
            "Successful",
            id="reactivating",
        ),
        pytest.param(
            ["create", "network_ready", "idle", "invoke", "network_ready"],
            "Active",
            None,
            None,
            "Successful",
            id="reactivated",
        ),
        pytest.param(
            ["create", "network_ready", "idle", "invoke", "reactivate_failed"],
            "Inactive",
            "InvalidSubnet",
            "gone",
            "Successful",
            id="reactivation-failed",
        ),
        pytest.param(
            ["create", "network_ready", "idle", "update"],
            "Inactive",
            "Idle",
            "The function is currently idle.",
            "InProgress",
            id="update-while-idle",
        ),
    ],
)
def test_transitions(events, state, code, reason, update_status):
    r = record_after(*events, reason_code="InvalidSubnet", reason="gone")
    assert (r.state, r.state_reason_code, r.state_reason, r.last_update_status) == (state, code, reason, update_status)


def test_a_failed_update_keeps_its_reason_until_the_next_update():
    r = record_after("create", "network_ready", "update")
    apply(r, "update_failed", reason_code="SubnetOutOfIPAddresses", reason="no free address")
    assert r.fields() == {
        "State": "Active",
        "LastUpdateStatus": "Failed",
        "LastUpdateStatusReason": "no free address",
        "LastUpdateStatusReasonCode": "SubnetOutOfIPAddresses",
    }
    apply(r, "update")
    assert r.fields() == {"State": "Active", "LastUpdateStatus": "InProgress"}


@pytest.mark.parametrize(
    "events, event",
    [
        pytest.param(["create"], "idle", id="pending-cannot-go-idle"),
        pytest.param(["create", "network_failed"], "update", id="failed-cannot-update"),
        pytest.param(["create", "network_ready"], "network_ready", id="active-is-not-waiting"),
        pytest.param(["create", "network_ready"], "update_done", id="no-update-in-progress"),
    ],
)
def test_a_transition_missing_from_the_table_is_a_bug_not_a_silent_change(events, event):
    r = record_after(*events, reason_code="InvalidSubnet", reason="gone")
    with pytest.raises(StateError):
        apply(r, event)


def test_every_state_the_table_reaches_is_an_aws_state():
    aws_states = {"Pending", "Active", "Inactive", "Failed"}
    assert {new for new, _, _ in STATE_TRANSITIONS.values()} <= aws_states


STATE_MESSAGE = "The operation cannot be performed at this time. The function is currently in the following state: "


@pytest.mark.parametrize(
    "events, operation, error, message",
    [
        pytest.param(["create"], "Invoke", ResourceConflictException, STATE_MESSAGE + "Pending", id="invoke-pending"),
        pytest.param(
            ["create", "network_failed"],
            "Invoke",
            ResourceConflictException,
            STATE_MESSAGE + "Failed",
            id="invoke-failed",
        ),
        pytest.param(
            ["create", "network_ready", "idle"],
            "Invoke",
            ResourceNotReadyException,
            "The function is inactive and its VPC connection is no longer available.",
            id="invoke-inactive",
        ),
        pytest.param(
            ["create"],
            "UpdateFunctionCode",
            ResourceConflictException,
            STATE_MESSAGE + "Pending",
            id="update-code-pending",
        ),
        pytest.param(
            ["create"], "PublishVersion", ResourceConflictException, STATE_MESSAGE + "Pending", id="publish-pending"
        ),
        pytest.param(
            ["create", "network_ready", "update"],
            "UpdateFunctionConfiguration",
            ResourceConflictException,
            f"The operation cannot be performed at this time. An update is in progress for resource: {ARN}",
            id="second-update",
        ),
        pytest.param(
            ["create", "network_ready", "update"],
            "PublishVersion",
            ResourceConflictException,
            "An update is in progress",
            id="publish-during-update",
        ),
        pytest.param(["create", "network_ready", "update"], "Invoke", None, None, id="invoke-during-update-runs"),
        pytest.param(["create", "network_ready"], "UpdateFunctionCode", None, None, id="update-active"),
        pytest.param(
            ["create", "network_ready", "idle"], "UpdateFunctionConfiguration", None, None, id="update-inactive"
        ),
        pytest.param(["create"], "GetFunction", None, None, id="reads-always-work"),
    ],
)
def test_what_each_state_refuses(events, operation, error, message):
    r = record_after(*events, reason_code="InvalidSubnet", reason="gone")
    got = refusal(operation, r)
    if error is None:
        assert got is None
    else:
        assert isinstance(got, error) and message in got.message
