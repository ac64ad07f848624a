"""Condition keys for VPC settings: write identity policies with ``lambda:VpcIds``,
``lambda:SubnetIds`` and ``lambda:SecurityGroupIds``, graded by their behaviour on a battery of requests."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

from labkit.exercises.catalog import register
from labkit.exercises.core import Exercise, Field
from labkit.exercises.feedback import Feedback
from labkit.exercises.grading import Request, grade_policy, read_policies
from labkit.iam import lambda_vpc_context
from labkit.iam.examples import VPC_ACTIONS, example

CREATE, UPDATE = "lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"

# The scenario's network (ids in the style of the Lambda guide's examples).
VPC = "vpc-08e1234569e011e83"
APPROVED_SUBNETS = ["subnet-071f712345678e7c8", "subnet-07fd123456788a036"]
OTHER_SUBNET = "subnet-0804f77612345cacf"  # same VPC, not approved
SG = "sg-085912345678492fb"
SG_OTHER = "sg-0a1b2c3d4e5f60718"
FOREIGN_VPC = "vpc-0c1d2e3f405162738"
FOREIGN_SUBNET = "subnet-0f9e8d7c6b5a49382"
FOREIGN_SG = "sg-0f1e2d3c4b5a69788"
SECOND_VPC = "vpc-0b2a3c4d5e6f70819"
SECOND_VPC_SUBNET = "subnet-0e5d4c3b2a1f09876"
SECOND_VPC_SG = "sg-0c4d5e6f708192a3b"
LISTED_GROUPS = ["sg-0badc0ffee0000001", "sg-0badc0ffee0000002"]

ALLOW_ALL_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "DevelopersUseLambda", "Effect": "Allow", "Action": "lambda:*", "Resource": "*"}],
}

NO_VPC = lambda_vpc_context()
DISCONNECT = lambda_vpc_context([], [])

STARTER_DENY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "…", "Effect": "Deny", "Action": ["…"], "Resource": "*", "Condition": {"…": {"…": "…"}}}],
}
STARTER_ALLOW = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "…", "Effect": "Allow", "Action": ["…"], "Resource": "*", "Condition": {"…": {"…": ["…"]}}}],
}


def _ctx(subnets, groups, vpc):
    return lambda_vpc_context(list(subnets), list(groups), vpc)


NO_VPC_SLIPS_THROUGH = (
    'A function without a VPC slips through. ForAllValues:StringEquals asks "is any subnet in the request not '
    'on my list?" — a request with no VPC settings (or with empty lists) names no subnet, so nothing fails and '
    'the Allow applies. Fix: add "Null": {"lambda:SubnetIds": "false"} (the key must be present) to the '
    "same Condition — or a StringEquals on lambda:VpcIds — or pair the Allow with a Deny on "
    '"Null": {"lambda:VpcIds": "true"}.'
)


class PolicyExercise(Exercise):
    """Write a policy; it is graded on ``battery()`` together with the learner's ``existing`` policies."""

    existing: tuple = ()
    starter: dict = STARTER_ALLOW
    advice: dict[str, str] = {}  # tag → what to change (shown once the answer may be shown)
    nudges: dict[str, str] = {}  # tag → the same idea without the fix (shown before)
    answer_help = (
        "Answer with a policy document: exercise.check({...}) or exercise.check('''{ JSON }'''); "
        "a list of policies works too."
    )

    def battery(self) -> tuple[Request, ...]:
        raise NotImplementedError

    def _grade(self, answer) -> Feedback:
        example = json.dumps(self.starter, ensure_ascii=False)
        feedback = grade_policy(
            self.id,
            answer,
            self.battery(),
            existing=self.existing,
            example=example,
            advice=self.advice,
            nudges=self.nudges,
        )
        if not feedback.correct:
            extra = self.extra_advice(read_policies(answer))
            if extra:
                advice, nudge = extra if isinstance(extra, tuple) else (extra, extra)
                feedback = replace(
                    feedback,
                    message=feedback.message + "\n" + advice,
                    nudge=(feedback.nudge or feedback.message) + "\n" + nudge,
                )
        return feedback

    def extra_advice(self, policies) -> str | tuple[str, str]:
        """More advice for a wrong answer: a text, or (the advice, the same without the fix)."""
        return ""

    def requests_text(self) -> list[str]:
        return [f"{r.name} → should be {'allowed' if r.allowed else 'denied'}" for r in self.battery()]

    def fields(self) -> tuple[Field, ...]:
        return (
            Field(
                "policy", "Your policy (JSON)", "code", default=json.dumps(self.starter, indent=2, ensure_ascii=False)
            ),
        )

    def answer_from(self, values: dict):
        return values.get("policy")

    def values_from(self, answer) -> dict:
        return {"policy": answer if isinstance(answer, str) else json.dumps(answer, indent=2, ensure_ascii=False)}


def _has_deny(policies) -> bool:
    return any(st.effect == "Deny" for p in policies for st in p.statements)


OTHER_ACTIONS_ADVICE = (
    "Your Deny also blocks actions whose requests never carry the VPC keys (Invoke, GetFunction, "
    'UpdateFunctionCode…): for them lambda:VpcIds is always absent, so "Null … true" is true. List only '
    "lambda:CreateFunction and lambda:UpdateFunctionConfiguration in the Deny's Action."
)
OTHER_ACTIONS_NUDGE = (
    "Your Deny also blocks actions whose requests never carry the VPC keys (Invoke, GetFunction, "
    "UpdateFunctionCode…): for them lambda:VpcIds is always absent. Which actions is the rule about?"
)
NO_VPC_SLIPS_THROUGH_NUDGE = (
    'A function without a VPC slips through. ForAllValues:StringEquals asks "is any subnet in the request not '
    'on my list?" — a request with no VPC settings (or with empty lists) names no subnet, so nothing fails and '
    "the Allow applies. What else must the condition require of the request?"
)


@register
class RequireVpc(PolicyExercise):
    id = "conditions/require-vpc"
    title = "Require a VPC"
    topic = "conditions"
    difficulty = "intro"
    prompt = (
        "Your developers have the policy in params['existing_policy']: every Lambda action. Add a policy that "
        "makes sure every function they create or reconfigure is connected to a VPC: creating a function, or "
        "updating its configuration, without a VPC must be denied. Everything else they do with Lambda must keep "
        "working, including a configuration change (memory, timeout…) of a function that is already in a VPC."
    )
    hints = (
        "The existing policy allows lambda:*, so only an explicit Deny can stop a request.",
        "Which condition key is missing from a request without VPC settings? lambda:VpcIds (Lambda derives it "
        "from the subnets and security groups).",
        'The Null operator tests whether a key is absent: "Null": {"lambda:VpcIds": "true"}.',
        "Limit the Deny to lambda:CreateFunction and lambda:UpdateFunctionConfiguration — the only actions "
        "whose requests carry the VPC keys.",
    )
    existing = (ALLOW_ALL_LAMBDA,)
    starter = STARTER_DENY
    advice = {
        "other-actions": OTHER_ACTIONS_ADVICE,
        "tip": "A configuration change of a function that is already in a VPC (memory, timeout…) must keep "
        "working: the function keeps its VPC. Deny only when lambda:VpcIds is absent.",
        "no-vpc": "A request without VPC settings carries no lambda:VpcIds, lambda:SubnetIds or "
        "lambda:SecurityGroupIds at all: a condition that compares values never matches it. Test "
        'the key\'s absence with "Null": {"lambda:VpcIds": "true"}.',
    }
    nudges = {
        "other-actions": OTHER_ACTIONS_NUDGE,
        "no-vpc": "A request without VPC settings carries no lambda:VpcIds, lambda:SubnetIds or "
        "lambda:SecurityGroupIds at all: a condition that compares values never matches it. Which "
        "condition operator asks whether a key is there at all?",
    }

    def _params(self) -> dict:
        return {
            "existing_policy": copy.deepcopy(ALLOW_ALL_LAMBDA),
            "actions": list(VPC_ACTIONS),
            "requests": self.requests_text(),
        }

    def _solution(self):
        return example("EnforceVPCFunction")

    def battery(self):
        in_vpc = _ctx(APPROVED_SUBNETS, [SG], VPC)
        return (
            Request(
                "CreateFunction without VPC settings",
                CREATE,
                NO_VPC,
                False,
                "A function created without VPC settings is exactly what must be stopped.",
                "no-vpc",
            ),
            Request("CreateFunction in a VPC", CREATE, in_vpc, True, "A VPC-connected function is what you want."),
            Request(
                "UpdateFunctionConfiguration moving it to other subnets of a VPC",
                UPDATE,
                _ctx([OTHER_SUBNET], [SG], VPC),
                True,
                "The function stays in a VPC.",
            ),
            Request(
                "UpdateFunctionConfiguration disconnecting it (empty subnet and security group lists)",
                UPDATE,
                DISCONNECT,
                False,
                "A disconnect leaves the function without a VPC: no lambda:VpcIds.",
                "no-vpc",
            ),
            Request(
                "UpdateFunctionConfiguration changing only the memory of a function already in a VPC (the "
                "request has no VpcConfig: the guide's Tip)",
                UPDATE,
                in_vpc,
                True,
                "The guide's Tip: a function that already has a VPC configuration can be updated without one, "
                "and it stays in its VPC. labkit's model judges such a request on the function's current VPC "
                "settings, so lambda:VpcIds is present.",
                "tip",
            ),
            Request(
                "InvokeFunction",
                "lambda:InvokeFunction",
                {},
                True,
                "Invoking must keep working (its requests never carry VPC keys).",
                "other-actions",
            ),
            Request(
                "UpdateFunctionCode",
                "lambda:UpdateFunctionCode",
                {},
                True,
                "Deploying new code must keep working.",
                "other-actions",
            ),
            Request("GetFunction", "lambda:GetFunction", {}, True, "Reading must keep working.", "other-actions"),
        )

    def extra_advice(self, policies) -> str | tuple[str, str]:
        if not _has_deny(policies):
            return (
                "Your answer has no Deny statement: next to the existing Allow of lambda:*, another Allow "
                'changes nothing. Write "Effect": "Deny".',
                "Next to the existing Allow of lambda:*, another Allow changes nothing. Which kind of statement "
                "can refuse what an Allow permits?",
            )
        return ""


@register
class AllowOnlyApprovedSubnets(PolicyExercise):
    id = "conditions/allow-only-approved-subnets"
    title = "Allow functions only in approved subnets"
    topic = "conditions"
    difficulty = "core"
    prompt = (
        "Write an Allow policy that lets users create functions only in the approved subnets "
        "params['subnet_ids'] of the VPC params['vpc_id'] (with any security group of that VPC). Any other "
        "function creation must not be allowed. The users have no other policy."
    )
    hints = (
        'lambda:SubnetIds holds a list: use a set operator. Which one means "every subnet is on my list"?',
        "ForAllValues:StringEquals on lambda:SubnetIds — but what does it say about a request that names no "
        "subnet at all?",
        "A function created without VPC settings has no lambda:SubnetIds, and ForAllValues is then true.",
        'Also require the key: "Null": {"lambda:SubnetIds": "false"}, or StringEquals on lambda:VpcIds.',
    )
    advice = {
        "no-vpc": NO_VPC_SLIPS_THROUGH,
        "partial": "A request that names an approved subnet AND another one must be refused: every subnet "
        "must be approved (ForAllValues), not just one (ForAnyValue).",
        "vpc-only": "Allowing the VPC is not enough: other subnets of the same VPC must stay refused.",
    }
    nudges = {
        "no-vpc": NO_VPC_SLIPS_THROUGH_NUDGE,
        "partial": "A request that names an approved subnet AND another one must be refused. Is your "
        "condition satisfied by one approved subnet? Which set operator asks it of every subnet?",
        "vpc-only": "Allowing the VPC is not enough: other subnets of the same VPC must stay refused.",
    }

    def _params(self) -> dict:
        return {
            "vpc_id": VPC,
            "subnet_ids": list(APPROVED_SUBNETS),
            "security_group_ids": [SG, SG_OTHER],
            "other subnet of the same VPC": OTHER_SUBNET,
            "requests": self.requests_text(),
        }

    def _solution(self):
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "CreateOnlyInApprovedSubnets",
                    "Effect": "Allow",
                    "Action": CREATE,
                    "Resource": "*",
                    "Condition": {
                        "ForAllValues:StringEquals": {"lambda:SubnetIds": list(APPROVED_SUBNETS)},
                        "StringEquals": {"lambda:VpcIds": VPC},
                    },
                }
            ],
        }

    def battery(self):
        return (
            Request(
                "CreateFunction in both approved subnets",
                CREATE,
                _ctx(APPROVED_SUBNETS, [SG], VPC),
                True,
                "Both subnets are approved.",
            ),
            Request(
                "CreateFunction in one approved subnet, another security group",
                CREATE,
                _ctx(APPROVED_SUBNETS[:1], [SG_OTHER], VPC),
                True,
                "An approved subnet; any security group of the VPC is fine.",
            ),
            Request(
                "CreateFunction in an approved subnet plus an unapproved one of the same VPC",
                CREATE,
                _ctx([APPROVED_SUBNETS[0], OTHER_SUBNET], [SG], VPC),
                False,
                f"{OTHER_SUBNET} is not approved: every subnet must be.",
                "partial",
            ),
            Request(
                "CreateFunction in an unapproved subnet of the same VPC",
                CREATE,
                _ctx([OTHER_SUBNET], [SG], VPC),
                False,
                f"{OTHER_SUBNET} is not approved.",
                "vpc-only",
            ),
            Request(
                "CreateFunction in another VPC",
                CREATE,
                _ctx([FOREIGN_SUBNET], [FOREIGN_SG], FOREIGN_VPC),
                False,
                "Neither the VPC nor the subnet is approved.",
            ),
            Request(
                "CreateFunction without VPC settings",
                CREATE,
                NO_VPC,
                False,
                "A function with no VPC at all is not in an approved subnet.",
                "no-vpc",
            ),
            Request(
                "CreateFunction with empty subnet and security group lists",
                CREATE,
                DISCONNECT,
                False,
                "Empty lists mean no VPC: not in an approved subnet.",
                "no-vpc",
            ),
        )


@register
class AllowOnlyApprovedVpc(PolicyExercise):
    id = "conditions/allow-only-approved-vpc"
    title = "Allow functions only in approved VPCs"
    topic = "conditions"
    difficulty = "intro"
    prompt = (
        "Write an Allow policy that lets users create functions and update their configuration only when the "
        "function is connected to one of the VPCs in params['vpc_ids']. Nothing else about VPCs is allowed. "
        "The users have no other policy for these two actions."
    )
    hints = (
        "lambda:VpcIds holds one value (one VPC per function): a plain operator fits.",
        "StringEquals with a list of values is true when the request's value is any of them.",
        "A request without a VPC has no lambda:VpcIds, and StringEquals on an absent key is false — exactly right.",
    )
    advice = {
        "no-vpc": "A function without a VPC slips through. lambda:VpcIds holds a single value, so a set "
        "operator is the wrong tool: ForAllValues is true when the key is absent. Use "
        '"StringEquals": {"lambda:VpcIds": [...]}, which is false when the key is absent.',
        "other-vpc": "A function in a VPC that is not on the list must be refused: compare lambda:VpcIds "
        "with the exact VPC ids (StringEquals), not a wildcard.",
    }
    nudges = {
        "no-vpc": "A function without a VPC slips through. lambda:VpcIds holds a single value, so a set "
        "operator is the wrong tool (ForAllValues is true when the key is absent). Which plain "
        "operator is false when the key is absent?",
        "other-vpc": "A function in a VPC that is not on the list must be refused: compare lambda:VpcIds "
        "with the exact VPC ids, not a pattern.",
    }

    def _params(self) -> dict:
        return {"vpc_ids": [VPC, SECOND_VPC], "actions": list(VPC_ACTIONS), "requests": self.requests_text()}

    def _solution(self):
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "EnforceStayInSpecificVpc",
                    "Effect": "Allow",
                    "Action": list(VPC_ACTIONS),
                    "Resource": "*",
                    "Condition": {"StringEquals": {"lambda:VpcIds": [VPC, SECOND_VPC]}},
                }
            ],
        }

    def battery(self):
        return (
            Request(f"CreateFunction in {VPC}", CREATE, _ctx(APPROVED_SUBNETS, [SG], VPC), True, "An approved VPC."),
            Request(
                f"UpdateFunctionConfiguration into {SECOND_VPC}",
                UPDATE,
                _ctx([SECOND_VPC_SUBNET], [SECOND_VPC_SG], SECOND_VPC),
                True,
                "An approved VPC.",
            ),
            Request(
                "CreateFunction in another VPC",
                CREATE,
                _ctx([FOREIGN_SUBNET], [FOREIGN_SG], FOREIGN_VPC),
                False,
                f"{FOREIGN_VPC} is not approved.",
                "other-vpc",
            ),
            Request(
                "CreateFunction without VPC settings", CREATE, NO_VPC, False, "No VPC is not an approved VPC.", "no-vpc"
            ),
            Request(
                "UpdateFunctionConfiguration disconnecting it (empty lists)",
                UPDATE,
                DISCONNECT,
                False,
                "A disconnect leaves no VPC.",
                "no-vpc",
            ),
        )


@register
class DenyListedGroups(PolicyExercise):
    id = "conditions/deny-listed-groups"
    title = "Deny listed security groups"
    topic = "conditions"
    difficulty = "core"
    prompt = (
        "The security groups in params['security_group_ids'] are being retired. Your developers have the policy "
        "in params['existing_policy']. Add a policy that denies creating a function, or updating its "
        "configuration, with any of those groups — even alongside other groups. Functions with other groups, or "
        "with no VPC at all, must stay allowed, and so must every other Lambda action."
    )
    hints = (
        'lambda:SecurityGroupIds holds a list: "deny if any of them is listed" is a ForAnyValue question.',
        "ForAnyValue:StringEquals on lambda:SecurityGroupIds with the retired ids.",
        "Why not ForAllValues? It would deny only when EVERY group is retired — and it is true when the key is "
        "absent, so it would also deny functions without a VPC.",
    )
    existing = (ALLOW_ALL_LAMBDA,)
    starter = STARTER_DENY
    advice = {
        "mixed": "A request that adds one unlisted group next to a retired one escapes your Deny. "
        "ForAllValues is true only when every group is listed; use ForAnyValue:StringEquals "
        "(true when at least one group is listed).",
        "no-vpc-deny": "Your Deny also hits functions without a VPC: ForAllValues (or a negated operator) is "
        "true when lambda:SecurityGroupIds is absent. ForAnyValue:StringEquals is false then.",
        "other-actions": OTHER_ACTIONS_ADVICE,
    }
    nudges = {
        "mixed": "A request that adds one unlisted group next to a retired one escapes your Deny. Your "
        "condition asks whether every group is retired; the rule is about any one of them. Which set "
        "operator asks that?",
        "no-vpc-deny": "Your Deny also hits functions without a VPC: your operator is true when "
        "lambda:SecurityGroupIds is absent. Which set operator is false on an absent key?",
        "other-actions": OTHER_ACTIONS_NUDGE,
    }

    def _params(self) -> dict:
        return {
            "security_group_ids": list(LISTED_GROUPS),
            "existing_policy": copy.deepcopy(ALLOW_ALL_LAMBDA),
            "actions": list(VPC_ACTIONS),
            "requests": self.requests_text(),
        }

    def _solution(self):
        return example("EnforceOutOfSecurityGroups", LISTED_GROUPS)

    def battery(self):
        return (
            Request(
                "CreateFunction with a retired group",
                CREATE,
                _ctx(APPROVED_SUBNETS, LISTED_GROUPS[:1], VPC),
                False,
                f"{LISTED_GROUPS[0]} is retired.",
            ),
            Request(
                "CreateFunction with a retired group and an allowed one",
                CREATE,
                _ctx(APPROVED_SUBNETS, [SG, LISTED_GROUPS[1]], VPC),
                False,
                f"{LISTED_GROUPS[1]} is retired, even next to {SG}.",
                "mixed",
            ),
            Request(
                "UpdateFunctionConfiguration to both retired groups",
                UPDATE,
                _ctx(APPROVED_SUBNETS, LISTED_GROUPS, VPC),
                False,
                "Both groups are retired.",
            ),
            Request(
                "CreateFunction with allowed groups only",
                CREATE,
                _ctx(APPROVED_SUBNETS, [SG, SG_OTHER], VPC),
                True,
                "No retired group.",
            ),
            Request(
                "CreateFunction without VPC settings",
                CREATE,
                NO_VPC,
                True,
                "No security group at all: nothing retired is used.",
                "no-vpc-deny",
            ),
            Request(
                "UpdateFunctionConfiguration disconnecting it (empty lists)",
                UPDATE,
                DISCONNECT,
                True,
                "No security group at all.",
                "no-vpc-deny",
            ),
            Request(
                "InvokeFunction", "lambda:InvokeFunction", {}, True, "Other actions must keep working.", "other-actions"
            ),
        )

    def extra_advice(self, policies) -> str | tuple[str, str]:
        if not _has_deny(policies):
            return (
                "Your answer has no Deny statement: next to the existing Allow of lambda:*, only a Deny can "
                "refuse anything.",
                "Next to the existing Allow of lambda:*, another Allow changes nothing. Which kind of statement "
                "can refuse what an Allow permits?",
            )
        return ""


def _pitfall_policy() -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnforceStayInSpecificSubnets",
                "Effect": "Allow",
                "Action": list(VPC_ACTIONS),
                "Resource": "*",
                "Condition": {"ForAllValues:StringEquals": {"lambda:SubnetIds": list(APPROVED_SUBNETS)}},
            }
        ],
    }
