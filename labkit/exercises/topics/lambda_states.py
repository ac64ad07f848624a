"""Function states: what ``State`` and ``LastUpdateStatus`` say, and which operations fail meanwhile.

Facts (Lambda Developer Guide, "Lambda function states"):

* while a new function is ``Pending``, Invoke, UpdateFunctionCode, UpdateFunctionConfiguration and
  PublishVersion fail (ResourceConflictException); reading the configuration works;
* while an update is in progress (``State`` stays ``Active``, ``LastUpdateStatus`` is ``InProgress``),
  UpdateFunctionCode, UpdateFunctionConfiguration and PublishVersion fail; invocations run the previous
  code and configuration;
* an ``Inactive`` function (idle long enough for Lambda to reclaim its network interfaces): invoking it
  fails (ResourceNotReadyException) and moves it to ``Pending`` until the interfaces are back.
"""

from __future__ import annotations

from dataclasses import dataclass

from labkit.exercises.catalog import register
from labkit.exercises.choice import Question, QuizExercise, read_selection
from labkit.exercises.core import Exercise, Field
from labkit.exercises.errors import AnswerError
from labkit.exercises.feedback import Case, Feedback
from labkit.iam.lambda_role import ENI_ACTIONS_2021

OPERATIONS = (
    "Invoke",
    "GetFunctionConfiguration",
    "UpdateFunctionCode",
    "UpdateFunctionConfiguration",
    "PublishVersion",
)


@dataclass(frozen=True)
class Moment:
    key: str
    text: str
    options: tuple[str, ...]
    fails: tuple[str, ...]
    why: dict  # operation → why it fails / works
    nudge: str = ""  # for a wrong answer at this moment: the idea, without saying what fails


_PENDING_WHY = (
    "While a new function is Pending, Lambda is still creating its network interfaces: operations "
    "on the function fail with ResourceConflictException."
)
_UPDATING_WHY = (
    "While LastUpdateStatus is InProgress, another update or a new version must wait (ResourceConflictException)."
)

MOMENTS = (
    Moment(
        "creating",
        "Seconds after CreateFunction of a new function connected to two subnets "
        "(State: Pending, StateReasonCode: Creating).",
        OPERATIONS,
        ("Invoke", "UpdateFunctionCode", "UpdateFunctionConfiguration", "PublishVersion"),
        {
            "Invoke": _PENDING_WHY + " A function is invoked only once it is Active.",
            "GetFunctionConfiguration": "Reading the configuration always works — it is how you watch the state.",
            "UpdateFunctionCode": _PENDING_WHY,
            "UpdateFunctionConfiguration": _PENDING_WHY,
            "PublishVersion": _PENDING_WHY,
        },
        "Lambda is still setting the new function up. Which of these calls need a function that is ready, and "
        "which only read what is there?",
    ),
    Moment(
        "updating",
        "Seconds after UpdateFunctionConfiguration moved an Active function to other subnets "
        "(State: Active, LastUpdateStatus: InProgress).",
        OPERATIONS,
        ("UpdateFunctionCode", "UpdateFunctionConfiguration", "PublishVersion"),
        {
            "Invoke": "Invocations keep working during an update: they run the previous code and configuration.",
            "GetFunctionConfiguration": "Reading always works; it shows LastUpdateStatus InProgress.",
            "UpdateFunctionCode": _UPDATING_WHY,
            "UpdateFunctionConfiguration": _UPDATING_WHY,
            "PublishVersion": _UPDATING_WHY,
        },
        "The function stays in service while the update runs. Which calls would start another change on top "
        "of the running one?",
    ),
    Moment(
        "idle",
        "After a long time without invocations (State: Inactive, StateReasonCode: Idle).",
        ("Invoke", "GetFunctionConfiguration"),
        ("Invoke",),
        {
            "Invoke": "Lambda reclaimed the network interfaces: the invocation fails (ResourceNotReadyException) "
            "and the function goes to Pending until they are back (StateReasonCode Restoring in the lab: "
            "labkit's model), then Active.",
            "GetFunctionConfiguration": "Reading works, and shows State Inactive.",
        },
        "After a long idle time, Lambda reclaimed something the function needs to run. Which call needs it?",
    ),
)


@register
class WhatFails(Exercise):
    id = "states/what-fails"
    title = "Which operations fail now?"
    topic = "states"
    difficulty = "intro"
    prompt = (
        "At each of the moments in params['moments'], which of the operations fail? Pick every operation "
        "that fails (an empty list if none does)."
    )
    answer_help = (
        'Answer with a dict of lists: exercise.check({"creating": ["Invoke", …], "updating": [...], "idle": [...]}).'
    )
    hints = (
        "Reading a function's configuration never fails because of its state: that is how you watch it.",
        "Pending: Lambda is still setting the function up — it can be neither invoked nor changed.",
        "During an update the function stays Active: invocations run the previous version of the configuration.",
    )

    def _params(self) -> dict:
        return {"moments": {m.key: m.text for m in MOMENTS}, "operations": {m.key: list(m.options) for m in MOMENTS}}

    def _solution(self):
        return {m.key: list(m.fails) for m in MOMENTS}

    def _grade(self, answer) -> Feedback:
        keys = [m.key for m in MOMENTS]
        if not isinstance(answer, dict) or not answer:
            raise AnswerError(
                f"Give a dict with one list per moment ({', '.join(keys)}), e.g. "
                '{"creating": ["Invoke"], "updating": [], "idle": []}.'
            )
        unknown = [k for k in answer if k not in keys]
        if unknown:
            raise AnswerError(f"No moment {', '.join(map(repr, unknown))}; the moments are {', '.join(keys)}.")
        cases, unanswered = [], []
        for m in MOMENTS:
            if m.key not in answer:
                unanswered.append(m.key)
            given = set(read_selection(answer.get(m.key) or [], m.options, "operation")) if m.key in answer else None
            for op in m.options:
                fails = op in m.fails
                if given is None:
                    cases.append(
                        Case(
                            f"{m.key}: {op}",
                            False,
                            "fails" if fails else "works",
                            "no answer",
                            m.why[op],
                            nudge=m.nudge,
                        )
                    )
                    continue
                said = op in given
                ok = said == fails
                cases.append(
                    Case(
                        f"{m.key}: {op}",
                        ok,
                        "fails" if fails else "works",
                        "fails" if said else "works",
                        "" if ok else m.why[op],
                        nudge="" if ok else m.nudge,
                    )
                )
        wrong = [c for c in cases if not c.passed]
        if not wrong:
            return Feedback(self.id, True, "Right at every moment.", tuple(cases))
        msg = f"{len(cases) - len(wrong)} of {len(cases)} right."
        if unanswered:
            msg += f" No answer for: {', '.join(unanswered)}."
        return Feedback(self.id, False, msg + " The wrong ones say why.", tuple(cases))

    def fields(self) -> tuple[Field, ...]:
        return tuple(
            Field(m.key, f"{m.key}: {m.text}", "multi", tuple((o, o) for o in m.options), default=()) for m in MOMENTS
        )

    def answer_from(self, values: dict):
        return {k: list(v or ()) for k, v in values.items()}

    def values_from(self, answer) -> dict:
        return {k: tuple(v) for k, v in answer.items()}


# ------------------------------------------------------------------------------------ timeline (lab)

STATES = ("Pending", "Active", "Inactive", "Failed")
UPDATE_STATUSES = ("InProgress", "Successful", "Failed", "(none)")
OUTCOMES = ("succeeds", "ResourceConflictException", "ResourceNotReadyException", "InvalidParameterValueException")


@dataclass(frozen=True)
class Step:
    key: str
    text: str
    call: str | None  # "create", "invoke", "update-memory", "update-timeout", or None (the clock moves)
    wait: str | None = None
    ask_update_status: bool = True


#: The script. ``ask_update_status`` is False right after creation: the function has no LastUpdateStatus to
#: predict before its first update has completed — the lesson there is the State.
TIMELINE = (
    Step(
        "1",
        "CreateFunction, connected to the two private subnets of the vpc-private network",
        "create",
        ask_update_status=False,
    ),
    Step("2", "Invoke it at once", "invoke", ask_update_status=False),
    Step("3", "Wait 2 minutes", None, "2 min"),
    Step("4", "Invoke it", "invoke"),
    Step("5", "UpdateFunctionConfiguration: MemorySize 256", "update-memory"),
    Step("6", "Invoke it at once (the update is still running)", "invoke"),
    Step("7", "UpdateFunctionConfiguration again at once: Timeout 10", "update-timeout"),
    Step("8", "Wait 1 minute", None, "1 min"),
    Step("9", "Three weeks pass without any invocation", None, "21 days"),
    Step("10", "Invoke it", "invoke"),
    Step("11", "Wait 2 minutes", None, "2 min"),
    Step("12", "Invoke it", "invoke"),
)


def _timeline_questions() -> tuple[Question, ...]:
    out = []
    for s in TIMELINE:
        if s.call and s.call != "create":
            out.append(Question(f"{s.key}.outcome", f"step {s.key} ({s.text}): does the call succeed?", OUTCOMES))
        out.append(Question(f"{s.key}.State", f"after step {s.key}: State", STATES))
        if s.ask_update_status:
            out.append(Question(f"{s.key}.LastUpdateStatus", f"after step {s.key}: LastUpdateStatus", UPDATE_STATUSES))
    return tuple(out)


def run_timeline() -> list[dict]:
    """Run the script in a fresh offline lab; per step: the call's outcome, then State and LastUpdateStatus."""
    from labkit.exercises.labwork import create_function, function_group, make_role, new_lab, stack_ids

    code = "def handler(event, context):\n    return {'ok': True}\n"
    observed = []
    with new_lab() as lab:
        ids = stack_ids(lab, lab.deploy("vpc-private"), public=False)
        group = function_group(lab, ids["vpc_id"])
        role = make_role(lab, list(ENI_ACTIONS_2021))
        lam = lab.client("lambda")
        for step in TIMELINE:
            outcome = None
            if step.wait:
                lab.advance(step.wait)
            if step.call:
                try:
                    if step.call == "create":
                        create_function(lab, role, ids["private_subnet_ids"], [group], code=code)
                    elif step.call == "invoke":
                        lam.invoke(FunctionName="orders", Payload=b"{}")
                    elif step.call == "update-memory":
                        lam.update_function_configuration(FunctionName="orders", MemorySize=256)
                    elif step.call == "update-timeout":
                        lam.update_function_configuration(FunctionName="orders", Timeout=10)
                    outcome = "succeeds"
                except lam.exceptions.ClientError as e:
                    outcome = e.response["Error"]["Code"]
            config = lam.get_function_configuration(FunctionName="orders")
            observed.append(
                {
                    "step": step.key,
                    "outcome": outcome,
                    "State": config.get("State"),
                    "LastUpdateStatus": config.get("LastUpdateStatus") or "(none)",
                }
            )
    return observed


_CREATE_WHY = (
    "A new VPC function is Pending (StateReasonCode Creating) while Lambda creates its Hyperplane network "
    "interfaces — that takes a while the first time for a subnet + security-group pair."
)
_OUTCOME_WHY = {
    "ResourceConflictException": "The function is not ready for this call: while it is Pending, invocations and "
    "changes fail; while an update is InProgress, another update fails.",
    "ResourceNotReadyException": "An Inactive function's network interfaces were reclaimed: the invocation fails, "
    "and the function goes to Pending while Lambda recreates them.",
    "succeeds": "Nothing blocks the call: an Active function is invoked — even during an update, when the "
    "previous configuration serves it.",
}
_STATE_WHY = {
    "Pending": "Pending: Lambda is creating (or recreating) the function's network interfaces.",
    "Active": "Active: the network interfaces are ready; an update keeps the function Active.",
    "Inactive": "Inactive (reason Idle): after a long time without invocations (the lab: 14 days) Lambda "
    "reclaimed the network interfaces.",
    "Failed": "Failed: Lambda could not set the function up.",
}
_UPDATE_WHY = {
    "InProgress": "InProgress: an update was started and has not finished yet.",
    "Successful": "Successful: the last update finished, and the status stays so until the next update.",
    "Failed": "Failed: the last update failed; the previous configuration stays.",
    "(none)": "No LastUpdateStatus yet.",
}


@register
class Timeline(QuizExercise):
    id = "states/timeline"
    title = "Predict the states, step by step"
    topic = "states"
    difficulty = "core"
    uses_lab = True
    prompt = (
        "A script creates a VPC-connected function and then invokes, updates and leaves it idle (params['steps']). "
        "Predict, after each step, the function's State and LastUpdateStatus, and whether each call succeeds "
        "(or which error it gets). Your predictions are checked against the offline lab running the script "
        "(the first check takes a few seconds)."
    )
    answer_help = (
        'Answer with a dict: exercise.check({"1.State": "Pending", "2.outcome": "…", "2.State": "…", '
        '"3.State": "…", "3.LastUpdateStatus": "…", …}); params["questions"] lists the keys.'
    )
    hints = (
        "A new VPC function starts Pending and becomes Active once its network interfaces exist (90 seconds in the "
        'lab; on AWS it "can take several minutes").',
        "Pending functions refuse invocations and changes: ResourceConflictException.",
        "An update keeps State Active; LastUpdateStatus is InProgress meanwhile, and invocations still work.",
        "A long time without invocations (14 days in the lab): Inactive. The next invocation fails with "
        "ResourceNotReadyException and wakes the function up (Pending, then Active).",
    )
    questions = _timeline_questions()
    _observed: list | None = None

    def nudge(self, key: str, given: str) -> str:
        step, what = key.split(".")
        text = next(s.text for s in TIMELINE if s.key == step)
        if what == "outcome":
            return (
                f"Step {step} ({text}): is the function ready for this call at that moment, or is Lambda still "
                "busy with it (creating its network interfaces, an update, or reclaimed interfaces)?"
            )
        if what == "State":
            return (
                f"After step {step}: what is Lambda doing with the function's network interfaces at that "
                "moment — creating them, done, or reclaimed after a long idle time?"
            )
        return (
            f"After step {step}: has an update been started, and has it finished yet? An update's status "
            "stays until the next update."
        )

    def _params(self) -> dict:
        return {"steps": {s.key: s.text for s in TIMELINE}, "questions": [q.key for q in self.questions]}

    @classmethod
    def observed(cls) -> list[dict]:
        """What the lab did (the script is run once per kernel)."""
        if cls._observed is None:
            cls._observed = run_timeline()
        return cls._observed

    def expected(self):
        truth = {}
        steps = {s.key: s for s in TIMELINE}
        for obs in self.observed():
            step = steps[obs["step"]]
            if step.call and step.call != "create":
                truth[f"{step.key}.outcome"] = (obs["outcome"], _OUTCOME_WHY.get(obs["outcome"], ""))
            state_why = _STATE_WHY.get(obs["State"], "")
            if step.call == "create":
                state_why = _CREATE_WHY
            truth[f"{step.key}.State"] = (obs["State"], state_why)
            if step.ask_update_status:
                truth[f"{step.key}.LastUpdateStatus"] = (
                    obs["LastUpdateStatus"],
                    _UPDATE_WHY.get(obs["LastUpdateStatus"], ""),
                )
        return truth

    def _solution(self):
        """The documented behaviour (the check compares it with what the lab does)."""
        sol = {
            "1.State": "Pending",
            "2.outcome": "ResourceConflictException",
            "2.State": "Pending",
            "3.State": "Active",
            "3.LastUpdateStatus": "Successful",
            "4.outcome": "succeeds",
            "4.State": "Active",
            "4.LastUpdateStatus": "Successful",
            "5.outcome": "succeeds",
            "5.State": "Active",
            "5.LastUpdateStatus": "InProgress",
            "6.outcome": "succeeds",
            "6.State": "Active",
            "6.LastUpdateStatus": "InProgress",
            "7.outcome": "ResourceConflictException",
            "7.State": "Active",
            "7.LastUpdateStatus": "InProgress",
            "8.State": "Active",
            "8.LastUpdateStatus": "Successful",
            "9.State": "Inactive",
            "9.LastUpdateStatus": "Successful",
            "10.outcome": "ResourceNotReadyException",
            "10.State": "Pending",
            "10.LastUpdateStatus": "Successful",
            "11.State": "Active",
            "11.LastUpdateStatus": "Successful",
            "12.outcome": "succeeds",
            "12.State": "Active",
            "12.LastUpdateStatus": "Successful",
        }
        return sol
