"""The exercises' work in the offline lab: building broken networks, creating functions with chosen
permissions, and running a scripted sequence of Lambda calls. Plain boto3 calls on ``labkit.lab.Lab``.
"""

from __future__ import annotations

import json
import re

from labkit.exercises.core import Exercise
from labkit.exercises.errors import AnswerError
from labkit.exercises.feedback import Feedback
from labkit.iam.lambda_role import ENI_ACTIONS_2021, LOG_ACTIONS, TRUST_POLICY
from labkit.vpc.results import Path, Trace

FUNCTION = "orders"
ROLE = "orders-role"
VPC_ACCESS_ACTIONS = [*ENI_ACTIONS_2021, *LOG_ACTIONS]
HANDLER = '''\
import urllib.request


def handler(event, context):
    """Fetch a web page: it works only if the function's network reaches the internet."""
    with urllib.request.urlopen("https://example.com", timeout=2) as response:
        return {"status": response.status}
'''
_ACTION = re.compile(r"^[a-zA-Z0-9-]+:[A-Za-z0-9*?]+$")


def package(code: str = HANDLER) -> bytes:
    """A .zip deployment package with ``app.py``."""
    from labkit.samples import handler_zip

    return handler_zip(code, "app.py")


def new_lab():
    from labkit.lab import Lab

    return Lab()


def make_role(lab, actions, name: str = ROLE) -> str:
    """An execution role allowed exactly ``actions`` (none: no policy at all); returns its ARN."""
    iam = lab.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    if actions:
        iam.put_role_policy(
            RoleName=name,
            PolicyName="permissions",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}
            ),
        )
    return arn


def function_group(lab, vpc_id: str, name: str = "orders-fn") -> str:
    """A security group for the function: AWS's defaults (all outbound traffic, no inbound)."""
    return lab.client("ec2").create_security_group(GroupName=name, Description="The orders function", VpcId=vpc_id)[
        "GroupId"
    ]


def create_function(
    lab, role_arn: str, subnet_ids, group_ids, *, client=None, name: str = FUNCTION, code: str = HANDLER
):
    lam = client or lab.client("lambda")
    return lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role_arn,
        Handler="app.handler",
        Code={"ZipFile": package(code)},
        Timeout=5,
        VpcConfig={"SubnetIds": list(subnet_ids), "SecurityGroupIds": list(group_ids)},
    )


def check_actions(actions) -> list[str]:
    """``actions`` as a list of IAM action names, or ``AnswerError`` saying how to write them."""
    if isinstance(actions, str):
        actions = actions.replace(",", " ").split()
    if not isinstance(actions, (list, tuple, set, frozenset)):
        raise AnswerError(
            f"Give the actions as a list such as ['ec2:CreateNetworkInterface', …]; got {type(actions).__name__}."
        )
    out = []
    for a in actions:
        if not isinstance(a, str) or not _ACTION.match(a.strip()):
            raise AnswerError(
                f"{a!r} is not an IAM action name; write service:Action, e.g. 'ec2:CreateNetworkInterface'."
            )
        out.append(a.strip())
    return out


def _error_text(error) -> str:
    response = getattr(error, "response", None) or {}
    err = response.get("Error", {})
    if err:
        return f"{err.get('Code')}: {err.get('Message')}"
    return f"{type(error).__name__}: {error}"


def create_with_role_actions(actions) -> str:
    """Create a VPC function in a fresh lab whose execution role allows only ``actions``; Lambda's answer."""
    actions = check_actions(actions)
    with new_lab() as lab:
        stack = lab.deploy("vpc-private")
        vpc, subnets = _private_ids(stack)
        group = function_group(lab, vpc)
        role = make_role(lab, actions)
        try:
            result = create_function(lab, role, subnets, [group])
        except Exception as e:  # noqa: BLE001 - the error is the lesson
            return _error_text(e)
        return (
            f"CreateFunction succeeded: State {result.get('State')} ({result.get('StateReasonCode')}) while "
            "Lambda creates the function's network interfaces with the execution role."
        )


def create_as_user(actions) -> str:
    """In a fresh lab, a user allowed only ``actions`` (plus iam:PassRole) creates a VPC function; the answer."""
    actions = check_actions(actions)
    with new_lab() as lab:
        stack = lab.deploy("vpc-private")
        vpc, subnets = _private_ids(stack)
        group = function_group(lab, vpc)
        role = make_role(lab, VPC_ACCESS_ACTIONS)
        statements: list[dict] = [{"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": role}]
        if actions:
            statements.append({"Effect": "Allow", "Action": actions, "Resource": "*"})
        policy = {"Version": "2012-10-17", "Statement": statements}
        client = lab.client("lambda", policies=[policy], user="dana")
        try:
            result = create_function(lab, role, subnets, [group], client=client)
        except Exception as e:  # noqa: BLE001
            return _error_text(e)
        return f"CreateFunction succeeded: State {result.get('State')} ({result.get('StateReasonCode')})."


def _private_ids(stack) -> tuple[str, list[str]]:
    out = stack.outputs
    vpc = next(v for k, v in out.items() if k.lower().endswith("vpcid"))
    subnets = [v for k, v in sorted(out.items()) if k.lower().startswith("privatesubnet")]
    return vpc, subnets


# ------------------------------------------------------------------------------------ lab exercises


class Solution:
    """A reference fix: a function ``fix(lab, scenario)`` that changes the lab, shown by its source."""

    def __init__(self, fn):
        import inspect
        import textwrap

        self.fn = fn
        self.source = textwrap.dedent(inspect.getsource(fn))
        self.__doc__ = fn.__doc__

    def __call__(self, lab, scenario):
        return self.fn(lab, scenario)

    def __repr__(self) -> str:
        return f"<reference fix {self.fn.__name__}>"


class LabExercise(Exercise):
    """An exercise played in an offline lab: ``lab = exercise.start()`` builds the scenario (a fresh lab);
    the learner changes or explores it with ordinary boto3 code; ``exercise.check(...)`` grades it.

    ``check`` takes the exercise's own lab (``check()`` or ``check(exercise.lab)``), another lab built by
    ``start``, or a function ``fix(lab, scenario)``, which is run on a fresh copy of the scenario.
    """

    uses_lab = True
    scenario_text = ""

    def __init__(self) -> None:
        super().__init__()
        self.lab = None
        self.scenario: dict | None = None

    def build(self, lab) -> dict:
        """Set the scenario up in ``lab``; return its ids (and anything the grader needs)."""
        raise NotImplementedError

    def start(self):
        """A fresh lab with the scenario (the previous one, if any, is closed). Returns the lab."""
        self.close()
        lab = new_lab()
        try:
            self.scenario = self.build(lab)
        except BaseException:
            lab.close()
            raise
        self.lab = lab
        return lab

    def close(self) -> None:
        if self.lab is not None:
            self.lab.close()
        self.lab, self.scenario = None, None

    def reset(self) -> None:
        """Hints from the first again, and the lab back to the start of the scenario (if it was started)."""
        super().reset()
        if self.lab is not None:
            self.start()

    def started(self) -> str:
        """Start the lab (the widget's Start lab button) and say what is in it."""
        self.start()
        shown = {k: v for k, v in (self.scenario or {}).items() if not k.startswith("_")}
        lines = [
            "The lab is ready: exercise.lab is its lk.Lab (lab.client('ec2'), lab.client('lambda')…).",
            *[f"  {k}: {v}" for k, v in shown.items()],
        ]
        return "\n".join(lines)

    def _params(self) -> dict:
        params = {"scenario": self.scenario_text}
        if self.scenario is None:
            params["lab"] = "not started yet: lab = exercise.start() (or the Start lab button)"
        else:
            params.update({k: v for k, v in self.scenario.items() if not k.startswith("_")})
        return params

    def _with_lab(self, answer, grade):
        """Run ``grade(lab, scenario)`` on the lab that ``answer`` stands for."""
        from labkit.lab import Lab

        if answer is None or answer is self.lab:
            if self.lab is None or self.lab.closed:
                raise AnswerError(
                    "Start the lab first: lab = exercise.start() (or click Start lab), change it with "
                    "boto3, then check again."
                )
            return grade(self.lab, self.scenario)
        if isinstance(answer, Lab):
            if answer.closed:
                raise AnswerError("That lab is closed. Start a new one with lab = exercise.start().")
            if self.scenario is None or answer is not self.lab:
                raise AnswerError(
                    "That lab was not started by this exercise: use lab = exercise.start(), change "
                    "it, then exercise.check() (or exercise.check(lab))."
                )
            return grade(answer, self.scenario)
        if callable(answer):
            lab = new_lab()
            try:
                scenario = self.build(lab)
                try:
                    answer(lab, scenario)
                except Exception as e:  # noqa: BLE001 - the learner's code failed: say how
                    raise AnswerError(
                        f"Your fix raised {type(e).__name__}: {_error_text(e)}. Fix the code and "
                        "check again (it is called as fix(lab, scenario))."
                    ) from None
                return grade(lab, scenario)
            finally:
                lab.close()
        raise AnswerError(
            "Give the lab to check: exercise.check() checks exercise.lab (after exercise.start()); "
            "or give a function fix(lab, scenario) that changes a fresh lab."
        )

    def picture(self):
        """The lab's network now (``lk.draw``), with the function's trace highlighted."""
        from labkit.render.draw import draw
        from labkit.vpc.reach import trace

        if self.lab is None:
            raise AnswerError("Start the lab first: lab = exercise.start().")
        topo = self.lab.topology()
        return draw(topo, highlight=trace(topo, FUNCTION, self.destination))

    destination = "internet"

    def fields(self):
        return ()

    def answer_from(self, values: dict):
        return None

    def values_from(self, answer) -> dict:
        return {}

    def extra_actions(self):
        return (("Start lab", "started"), ("Show network", "picture"))


def function_or_feedback(exercise_id: str, topo):
    """The function in the lab's topology, or a Feedback saying what happened to it."""
    from labkit.vpc.errors import UnknownFunctionError

    try:
        fn = topo.function(FUNCTION)
    except UnknownFunctionError:
        return None, Feedback(
            exercise_id, False, f"The function {FUNCTION} is gone from the lab. Start again: lab = exercise.start()."
        )
    if not fn.vpc_connected:
        return None, Feedback(
            exercise_id,
            False,
            f"{FUNCTION} is no longer connected to the VPC. Without a VPC it runs in Lambda's own network and "
            "does reach the internet and AWS services — but it can no longer reach the private resources in your "
            "VPC (a database, say), which is why it was connected. Put it back in the private subnets "
            "(update_function_configuration with VpcConfig) and fix the network instead.",
        )
    return fn, None


def path_outcome(path: Path, reachable: str) -> tuple[str, str]:
    """What a case shows for one path: ``reachable``, or the blocker and its message."""
    b = path.blocked_by
    return (reachable, "") if path.reachable or b is None else (f"{b.code.value} at {b.resource_id}", b.message)


def first_blocker(t: Trace, *, fix: bool = True) -> str:
    """The summary of a trace that does not reach, with its first blocker (and the fix: ``fix``)."""
    b = t.blocked_by
    if b is None:
        return t.headline()
    return f"{t.headline()} First blocker: {b.code.value} at {b.resource_id}: {b.message}" + (
        f" Fix: {b.fix}" if b.fix and fix else ""
    )


class VpcFunctionExercise(LabExercise):
    """A lab exercise about the function ``FUNCTION`` in the scenario's VPC. Grading starts from the lab's
    topology and that function; a function the learner deleted or took out of the VPC is the feedback.
    Subclasses implement ``grade_function(topo, fn, scenario) → Feedback``."""

    def _grade(self, answer) -> Feedback:
        return self._with_lab(answer, self._grade_lab)

    def _grade_lab(self, lab, scenario) -> Feedback:
        topo = lab.topology()
        fn, early = function_or_feedback(self.id, topo)
        return early or self.grade_function(topo, fn, scenario)

    def grade_function(self, topo, fn, scenario) -> Feedback:
        raise NotImplementedError

    def not_reached(self, t: Trace, topo, cases, question: str) -> Feedback:
        """Not yet: the trace's first blocker with its fix; the nudge names the blocker and asks ``question``."""
        return Feedback(
            self.id,
            False,
            first_blocker(t),
            cases,
            trace=t,
            topology=topo,
            nudge=first_blocker(t, fix=False) + " " + question,
        )


def stack_ids(lab, stack, *, public: bool) -> dict:
    """The ids a scenario needs, from a deployed guide template."""
    r = stack.resources
    ec2 = lab.client("ec2")
    vpc = r.get("pubPrivateVPC") or r.get("privateVPC")
    ids = {
        "vpc_id": vpc,
        "private_subnet_ids": [r["privateSubnet1"], r["privateSubnet2"]],
        "private_route_table_id": r["privateRouteTable"],
    }
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]
    ids["main_route_table_id"] = main[0]["RouteTableId"] if main else None
    if public:
        ids.update(
            public_subnet_id=r["publicSubnet1"],
            public_route_table_id=r["publicRouteTable"],
            nat_gateway_id=r["natGateway"],
            internet_gateway_id=r["internetGateway"],
        )
    return ids


def add_function(lab, ids: dict) -> None:
    """The function ``orders`` in the private subnets with its own security group, Active."""
    group = function_group(lab, ids["vpc_id"])
    role = make_role(lab, VPC_ACCESS_ACTIONS)
    create_function(lab, role, ids["private_subnet_ids"], [group])
    lab.advance("3 min")
    ids["security_group_id"] = group
    ids["function"] = FUNCTION
