"""Condition-key pitfalls: fix a ForAllValues policy that lets no-VPC functions through, and predict decisions."""

from __future__ import annotations

from labkit.exercises.catalog import register
from labkit.exercises.choice import Question, QuizExercise
from labkit.exercises.grading import Request
from labkit.exercises.topics.policy_conditions import (
    APPROVED_SUBNETS,
    CREATE,
    DISCONNECT,
    FOREIGN_SG,
    FOREIGN_SUBNET,
    FOREIGN_VPC,
    LISTED_GROUPS,
    NO_VPC,
    NO_VPC_SLIPS_THROUGH,
    NO_VPC_SLIPS_THROUGH_NUDGE,
    OTHER_SUBNET,
    SG,
    SG_OTHER,
    UPDATE,
    VPC,
    PolicyExercise,
    _ctx,
    _pitfall_policy,
)
from labkit.iam import evaluate
from labkit.iam.examples import example


@register
class FixThePitfall(PolicyExercise):
    id = "conditions/fix-the-pitfall"
    title = "Fix the ForAllValues pitfall"
    topic = "conditions"
    difficulty = "challenge"
    prompt = (
        "The policy in params['policy'] was meant to keep functions in the approved subnets. Users report they "
        "can still create functions with no VPC at all. Fix it (change the statement, or add statements or a "
        "second policy) so that functions can be created and updated only in the approved subnets — and keep "
        "everything it rightly allowed."
    )
    hints = (
        "Evaluate it yourself: lk.iam.evaluate(policy, 'lambda:CreateFunction', context=lk.iam.lambda_vpc_context()).",
        "lk.iam.lint(policy) names the pitfall and the fix.",
        "ForAllValues is true on an absent key. Add a condition that requires the key to be present.",
    )
    advice = {
        "no-vpc": NO_VPC_SLIPS_THROUGH,
        "kept": "Your fix refuses requests the original policy rightly allowed: functions in the approved "
        "subnets must still be created and updated.",
    }
    nudges = {
        "no-vpc": NO_VPC_SLIPS_THROUGH_NUDGE,
        "kept": "Your fix refuses requests the original policy rightly allowed: functions in the approved "
        "subnets must still be created and updated.",
    }

    @property
    def starter(self):  # the widget starts from the broken policy
        return _pitfall_policy()

    def _params(self) -> dict:
        return {
            "policy": _pitfall_policy(),
            "subnet_ids": list(APPROVED_SUBNETS),
            "vpc_id": VPC,
            "requests": self.requests_text(),
        }

    def _solution(self):
        fixed = _pitfall_policy()
        fixed["Statement"][0]["Condition"]["Null"] = {"lambda:SubnetIds": "false"}
        return fixed

    def battery(self):
        return (
            Request(
                "CreateFunction in the approved subnets",
                CREATE,
                _ctx(APPROVED_SUBNETS, [SG], VPC),
                True,
                "The original policy allowed this, rightly.",
                "kept",
            ),
            Request(
                "UpdateFunctionConfiguration to one approved subnet",
                UPDATE,
                _ctx(APPROVED_SUBNETS[1:], [SG_OTHER], VPC),
                True,
                "Rightly allowed before: keep it.",
                "kept",
            ),
            Request(
                "CreateFunction in an approved and an unapproved subnet",
                CREATE,
                _ctx([APPROVED_SUBNETS[0], OTHER_SUBNET], [SG], VPC),
                False,
                "Every subnet must be approved.",
            ),
            Request(
                "CreateFunction in another VPC",
                CREATE,
                _ctx([FOREIGN_SUBNET], [FOREIGN_SG], FOREIGN_VPC),
                False,
                "Not an approved subnet.",
            ),
            Request(
                "CreateFunction without VPC settings",
                CREATE,
                NO_VPC,
                False,
                "The reported hole: a function with no VPC.",
                "no-vpc",
            ),
            Request(
                "UpdateFunctionConfiguration disconnecting it (empty lists)",
                UPDATE,
                DISCONNECT,
                False,
                "The same hole through an update: empty lists mean no VPC.",
                "no-vpc",
            ),
        )


# ------------------------------------------------------------------------------------ predict


DECISIONS = ("allowed", "explicitDeny", "implicitDeny")


def _predict_policies() -> list[dict]:
    stay = _pitfall_policy()
    deny_groups = example("EnforceOutOfSecurityGroups", LISTED_GROUPS)
    return [stay, deny_groups]


_PREDICT_REQUESTS = {
    "a": ("CreateFunction in both approved subnets with " + SG, CREATE, lambda: _ctx(APPROVED_SUBNETS, [SG], VPC)),
    "b": ("CreateFunction without VPC settings", CREATE, lambda: NO_VPC),
    "c": (
        "CreateFunction in an approved subnet with a retired group " + LISTED_GROUPS[0],
        CREATE,
        lambda: _ctx(APPROVED_SUBNETS[:1], [LISTED_GROUPS[0]], VPC),
    ),
    "d": (
        "UpdateFunctionConfiguration to an unapproved subnet " + OTHER_SUBNET,
        UPDATE,
        lambda: _ctx([OTHER_SUBNET], [SG], VPC),
    ),
    "e": ("InvokeFunction", "lambda:InvokeFunction", lambda: {}),
    "f": (
        "UpdateFunctionConfiguration changing only the memory of a function already in both approved subnets "
        "with " + SG + " (the request has no VpcConfig: the guide's Tip)",
        UPDATE,
        lambda: _ctx(APPROVED_SUBNETS, [SG], VPC),
    ),
}


@register
class PredictDecision(QuizExercise):
    id = "conditions/predict-decision"
    title = "Predict the decision"
    topic = "conditions"
    difficulty = "intro"
    prompt = (
        "A user has the two policies in params['policies'] and nothing else. For each request, predict IAM's "
        "decision: allowed, explicitDeny (a Deny applies) or implicitDeny (no Allow applies). A request without "
        "VpcConfig on a function that already has one is judged on the function's current VPC settings "
        "(labkit's model: AWS documents that the request is possible, not its condition keys)."
    )
    answer_help = 'Answer with a dict: exercise.check({"a": "allowed", "b": "…", …}).'
    hints = (
        "A Deny that applies wins over every Allow (explicitDeny). Without one, an Allow that applies gives "
        "allowed; with neither, implicitDeny.",
        "ForAllValues on an absent key is true; ForAnyValue on an absent key is false.",
        "InvokeFunction is not in either statement's Action list.",
    )
    questions = tuple(Question(k, v[0], DECISIONS) for k, v in _PREDICT_REQUESTS.items())
    nudges = {
        "a": "Take the two subnets one by one against the subnet policy's list, then ask whether the Deny's "
        "condition holds for this request's groups.",
        "b": "No VPC settings: the request carries none of the lambda: VPC keys. What does ForAllValues say "
        "about an absent key, and what does ForAnyValue say?",
        "c": "Both policies speak about this request. Which statement's condition holds — and which effect wins "
        "when an Allow and a Deny both apply?",
        "d": "Is the subnet on the approved list? If no statement with an Allow applies, what is left?",
        "e": "Look at each statement's Action list: is InvokeFunction named anywhere?",
    }

    def _params(self) -> dict:
        return {"policies": _predict_policies(), "requests": {k: v[0] for k, v in _PREDICT_REQUESTS.items()}}

    _truth: dict | None = None

    def expected(self):
        if PredictDecision._truth is None:
            policies = _predict_policies()
            truth = {}
            for key, (_, action, ctx) in _PREDICT_REQUESTS.items():
                ev = evaluate(policies, action, context=ctx())
                truth[key] = (ev.decision.value, str(ev))
            PredictDecision._truth = truth
        return PredictDecision._truth
