"""Function states and last-update statuses, as transition tables.

``State`` (with ``StateReason`` / ``StateReasonCode``):

====================  =====================  ==========  ============================================
state                 event                  new state   reason code
====================  =====================  ==========  ============================================
(new, VPC)            ``create``             Pending     Creating — "The function is being created."
(new, no VPC)         ``create_plain``       Active      —
Pending               ``network_ready``      Active      —
Pending               ``network_failed``     Failed      why (InvalidSubnet, SubnetOutOfIPAddresses…)
Active                ``idle``               Inactive    Idle — "The function is currently idle."
Inactive              ``invoke``             Pending     Restoring (labkit's model; the invocation fails: ResourceNotReadyException)
Pending (reactivating) ``network_ready``     Active      —
Pending (reactivating) ``reactivate_failed`` Inactive    why (the states page: Lambda couldn't recreate the resources)
====================  =====================  ==========  ============================================

``LastUpdateStatus`` (with ``LastUpdateStatusReason`` / ``LastUpdateStatusReasonCode``): absent while a
new function is being created, then:

====================  =====================  ==========
status                event                  new status
====================  =====================  ==========
(none)                ``created``            Successful
Successful / Failed   ``update``             InProgress
InProgress            ``update_done``        Successful
InProgress            ``update_failed``      Failed (reason code: why; the previous configuration stays)
====================  =====================  ==========

``refusal(operation, record)`` says which operations a state refuses, and with which AWS error:

=========================================  ===========================  ===========================================
operation                                  refused when                 error
=========================================  ===========================  ===========================================
Invoke                                     Pending, Failed              ResourceConflictException (the state)
Invoke                                     Inactive                     ResourceNotReadyException (and reactivation starts)
UpdateFunctionCode, UpdateFunctionConfiguration, PublishVersion  Pending, Failed  ResourceConflictException (the state)
UpdateFunctionCode, UpdateFunctionConfiguration, PublishVersion  LastUpdateStatus InProgress  ResourceConflictException (update in progress)
=========================================  ===========================  ===========================================

Invocations during an update run the previous code and configuration.

>>> r = FunctionRecord("f", "arn:aws:lambda:us-east-1:111122223333:function:f")
>>> apply(r, "create"); (r.state, r.state_reason_code, r.last_update_status)
('Pending', 'Creating', None)
>>> apply(r, "network_ready"); (r.state, r.state_reason_code, r.last_update_status)
('Active', None, 'Successful')
>>> refusal("Invoke", r) is None
True
>>> apply(r, "update"); type(refusal("UpdateFunctionCode", r)).__name__
'ResourceConflictException'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from labkit.awslambda.exceptions import AwsError, ResourceConflictException, ResourceNotReadyException

__all__ = [
    "STATE_TRANSITIONS",
    "UPDATE_TRANSITIONS",
    "FunctionRecord",
    "Snapshot",
    "apply",
    "refusal",
    "StateError",
    "REASONS",
]

PENDING, ACTIVE, INACTIVE, FAILED = "Pending", "Active", "Inactive", "Failed"
IN_PROGRESS, SUCCESSFUL, UPDATE_FAILED = "InProgress", "Successful", "Failed"

#: Reason texts of the reason codes the lab sets itself.
REASONS = {
    "Creating": "The function is being created.",
    "Idle": "The function is currently idle.",
    # labkit's model: the API lists Restoring among the reason codes, no page says which one a waking
    # function shows, nor its text.
    "Restoring": "The function is being restored.",
}

# (state, event) → (new state, reason code or None, event that the update status follows or None).
# A reason code of ... means "the one the event carries" (a failure says why).
STATE_TRANSITIONS: dict[tuple[str | None, str], tuple[str, object, str | None]] = {
    (None, "create"): (PENDING, "Creating", None),
    (None, "create_plain"): (ACTIVE, None, "created"),
    (PENDING, "network_ready"): (ACTIVE, None, "created"),
    (PENDING, "network_failed"): (FAILED, ..., None),
    (ACTIVE, "idle"): (INACTIVE, "Idle", None),
    (INACTIVE, "invoke"): (PENDING, "Restoring", None),
    (PENDING, "reactivate_failed"): (INACTIVE, ..., None),
    # updates and their ends leave State alone
    (ACTIVE, "update"): (ACTIVE, None, "update"),
    (INACTIVE, "update"): (INACTIVE, "Idle", "update"),
    (ACTIVE, "update_done"): (ACTIVE, None, "update_done"),
    (INACTIVE, "update_done"): (INACTIVE, "Idle", "update_done"),
    (ACTIVE, "update_failed"): (ACTIVE, None, "update_failed"),
    (INACTIVE, "update_failed"): (INACTIVE, "Idle", "update_failed"),
}

# (last update status, event) → new status; a reason code travels with "update_failed".
UPDATE_TRANSITIONS: dict[tuple[str | None, str], str] = {
    (None, "created"): SUCCESSFUL,
    (SUCCESSFUL, "created"): SUCCESSFUL,  # a reactivated function keeps its status
    (UPDATE_FAILED, "created"): UPDATE_FAILED,
    (SUCCESSFUL, "update"): IN_PROGRESS,
    (UPDATE_FAILED, "update"): IN_PROGRESS,
    (IN_PROGRESS, "update_done"): SUCCESSFUL,
    (IN_PROGRESS, "update_failed"): UPDATE_FAILED,
}


class StateError(AssertionError):
    """A transition the tables don't have: a bug in the lab, never a learner's mistake."""


@dataclass(frozen=True)
class Snapshot:
    """What an invocation runs: the code and the configuration that were in place when it was taken."""

    code_zip: bytes = b""
    handler: str = ""
    runtime: str = ""
    timeout: int = 3
    memory: int = 128
    environment: tuple[tuple[str, str], ...] = ()
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    vpc_id: str = ""
    role: str = ""

    @property
    def vpc_connected(self) -> bool:
        return bool(self.subnet_ids)

    @property
    def combinations(self) -> frozenset[tuple[str, frozenset[str]]]:
        """The (subnet, security groups) combinations: one Hyperplane ENI each."""
        groups = frozenset(self.security_group_ids)
        return frozenset((s, groups) for s in self.subnet_ids)


@dataclass
class FunctionRecord:
    """The lab's view of one function: its state fields and what invocations run."""

    name: str
    arn: str
    state: str | None = None
    state_reason: str | None = None
    state_reason_code: str | None = None
    last_update_status: str | None = None
    last_update_status_reason: str | None = None
    last_update_status_reason_code: str | None = None
    effective: Snapshot = field(default_factory=Snapshot)  # what invocations run
    target: Snapshot | None = None  # what a creation/update is setting up
    combinations: frozenset = frozenset()  # ENI combinations the function holds
    generation: int = 0  # bumps on every start of work; stale events check it
    last_used: float = 0.0  # lab seconds of the last invocation/activation
    idle_event: object = None
    work: str | None = None  # "create" | "update" | "reactivate" | None
    work_network: bool = False  # whether that work sets up ENIs

    def fields(self) -> dict:
        """The response fields of GetFunctionConfiguration for this record."""
        out: dict = {"State": self.state}
        if self.state_reason:
            out["StateReason"] = self.state_reason
        if self.state_reason_code:
            out["StateReasonCode"] = self.state_reason_code
        if self.last_update_status:
            out["LastUpdateStatus"] = self.last_update_status
        if self.last_update_status_reason:
            out["LastUpdateStatusReason"] = self.last_update_status_reason
        if self.last_update_status_reason_code:
            out["LastUpdateStatusReasonCode"] = self.last_update_status_reason_code
        return out


def apply(record: FunctionRecord, event: str, *, reason_code: str | None = None, reason: str | None = None) -> None:
    """Move ``record`` through the tables for ``event`` (failures carry ``reason_code`` and ``reason``)."""
    key = (record.state, event)
    if key not in STATE_TRANSITIONS:
        raise StateError(f"no transition from state {record.state!r} on {event!r} (function {record.name})")
    new_state, table_code, update_event = STATE_TRANSITIONS[key]
    code: str | None
    if table_code is ...:
        code, text = reason_code, reason
    else:
        code = table_code if isinstance(table_code, str) else None
        text = REASONS.get(code) if code else None
    record.state, record.state_reason_code, record.state_reason = new_state, code, text
    if update_event is not None:
        update_key = (record.last_update_status, update_event)
        if update_key not in UPDATE_TRANSITIONS:
            raise StateError(
                f"no update transition from {record.last_update_status!r} on {update_event!r} (function {record.name})"
            )
        record.last_update_status = UPDATE_TRANSITIONS[update_key]
        if update_event == "update_failed":
            record.last_update_status_reason_code, record.last_update_status_reason = reason_code, reason
        elif update_event in ("update", "update_done"):
            record.last_update_status_reason_code = record.last_update_status_reason = None


#: Operations that change a function and are refused while it is Pending/Failed or an update is in progress.
UPDATING_OPERATIONS = frozenset({"UpdateFunctionCode", "UpdateFunctionConfiguration", "PublishVersion"})

_STATE_MESSAGE = (
    "The operation cannot be performed at this time. The function is currently in the following state: {state}"
)
_UPDATE_MESSAGE = "The operation cannot be performed at this time. An update is in progress for resource: {arn}"
_NOT_READY_MESSAGE = (
    "The function is inactive and its VPC connection is no longer available. Wait for the VPC "
    "connection to reestablish and try again."
)


def refusal(operation: str, record: FunctionRecord) -> AwsError | None:
    """The error AWS gives for ``operation`` on a function in ``record``'s state, or None when it may proceed."""
    if operation == "Invoke":
        if record.state in (PENDING, FAILED):
            return ResourceConflictException(_STATE_MESSAGE.format(state=record.state))
        if record.state == INACTIVE:
            return ResourceNotReadyException(_NOT_READY_MESSAGE)
        return None
    if operation in UPDATING_OPERATIONS:
        if record.state in (PENDING, FAILED):
            return ResourceConflictException(_STATE_MESSAGE.format(state=record.state))
        if record.last_update_status == IN_PROGRESS:
            return ResourceConflictException(_UPDATE_MESSAGE.format(arn=record.arn))
    return None
