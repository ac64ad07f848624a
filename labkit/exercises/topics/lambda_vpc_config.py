"""Lesson 02's exercise: the rules of a VPC configuration and of Lambda's network interfaces.

Every expected answer is what the offline lab does when the scenario is played in a fresh account (played
once per process, the first time an answer is checked).
"""

from __future__ import annotations

from labkit.exercises.catalog import register
from labkit.exercises.choice import Question, QuizExercise

ENI_COUNTS = ("2", "3", "4", "5", "6")
OUTCOMES = ("accepted", "ValidationException", "InvalidParameterValueException", "DependencyViolation")

_SCENARIO = {
    "network": "One VPC (default tenancy) with two private subnets A and B in two Availability Zones, and "
    "security groups sg-app and sg-db.",
    "enis": "Functions f1 and f2 use subnets A and B with sg-app; f3 uses subnet A with sg-app and sg-db. All "
    "three are Active.",
    "delete-group": "You delete f3, then at once delete the security group sg-db.",
    "six-groups": "You create f4 in subnet A with six security groups.",
    "dedicated": "You create f5 in a subnet of another VPC, one with dedicated instance tenancy.",
}


def _code(call) -> str:
    """Run ``call``; "accepted" when it works, else the AWS error code it raised."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return "accepted"


def play_scenario() -> dict[str, str]:
    """Play the exercise's scenario in a fresh offline lab and return what happened at each step."""
    from labkit.lab import Lab
    from labkit.samples import create_function

    with Lab() as lab:
        ec2, lam = lab.client("ec2"), lab.client("lambda")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        a, b = (
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{lab.region}{zone}")["Subnet"][
                "SubnetId"
            ]
            for i, zone in ((1, "a"), (2, "b"))
        )
        app = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
        db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
        for name, subnets, groups in (("f1", [a, b], [app]), ("f2", [a, b], [app]), ("f3", [a], [app, db])):
            create_function(lab.session, name, subnets, groups)
        waiter = lam.get_waiter("function_active_v2")
        for name in ("f1", "f2", "f3"):
            waiter.wait(FunctionName=name)
        enis = ec2.describe_network_interfaces(Filters=[{"Name": "interface-type", "Values": ["lambda"]}])
        seen = {"enis": str(len(enis["NetworkInterfaces"]))}
        lam.delete_function(FunctionName="f3")
        seen["delete-group"] = _code(lambda: ec2.delete_security_group(GroupId=db))
        extra = [ec2.create_security_group(GroupName=f"g{i}", Description="g", VpcId=vpc)["GroupId"] for i in range(5)]
        seen["six-groups"] = _code(lambda: create_function(lab.session, "f4", [a], [app] + extra))
        dedicated = ec2.create_vpc(CidrBlock="10.9.0.0/16", InstanceTenancy="dedicated")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=dedicated, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="d", Description="d", VpcId=dedicated)["GroupId"]
        seen["dedicated"] = _code(lambda: create_function(lab.session, "f5", [subnet], [group]))
    return seen


_WHY = {
    "enis": "Count the distinct (subnet, set of security groups) pairs among the three functions: functions "
    "with the same pair share one Hyperplane ENI, and another set of groups in the same subnet is "
    "another pair.",
    "delete-group": "Deleting a function does not delete its network interface at once: Lambda removes it "
    "later. What does EC2 say about deleting a group that a network interface still uses?",
    "six-groups": "A VpcConfig has limits on how many subnets and security groups it holds, checked before "
    "anything is created.",
    "dedicated": "The guide page says what Lambda does with a VPC of dedicated instance tenancy; which error "
    "code does Lambda use for a request whose parameters it can't accept?",
}


@register
class VpcConfigRules(QuizExercise):
    id = "states/vpc-config-rules"
    title = "Network interfaces and the rules of a VPC configuration"
    topic = "states"
    difficulty = "core"
    prompt = (
        "Play the scenario in params in your head, step by step, and predict what Lambda and EC2 do. Check "
        "compares your predictions with what the offline lab does when it plays the same steps (the first "
        "Check takes a few seconds)."
    )
    answer_help = (
        'Answer with a dict: exercise.check({"enis": "…", "delete-group": "…", "six-groups": "…", "dedicated": "…"}).'
    )
    hints = (
        "Lambda makes one network interface per subnet + security-group combination, and functions with the "
        "same combination share it.",
        "A network interface outlives the last function that used it for a while; EC2 refuses to delete what "
        "a network interface still uses.",
        "A VpcConfig allows up to 16 subnets and 5 security groups; a dedicated-tenancy VPC can't be used directly.",
    )
    questions = (
        Question("enis", "how many Hyperplane ENIs exist once f1, f2 and f3 are Active?", ENI_COUNTS),
        Question("delete-group", "what does EC2 answer to deleting sg-db right after deleting f3?", OUTCOMES),
        Question("six-groups", "what does Lambda answer to creating f4 with six security groups?", OUTCOMES),
        Question("dedicated", "what does Lambda answer to creating f5 in the dedicated-tenancy VPC?", OUTCOMES),
    )
    nudges = {
        "enis": "Write down each function's (subnet, set of security groups) pairs: functions with the same pair "
        "share a network interface, and a different set of groups in the same subnet makes another pair.",
        "delete-group": "Is f3's network interface gone the moment f3 is deleted? What does EC2 do when asked to "
        "delete something a network interface still uses?",
        "six-groups": "A VpcConfig has limits on how many security groups it may hold. Which service checks the "
        "request, and which kind of error does it give a request that breaks its limits?",
        "dedicated": "Can Lambda put its network interfaces in a VPC with dedicated instance tenancy? Which kind "
        "of error fits a request whose parameter values Lambda can't accept?",
    }
    _truth: dict | None = None

    def _params(self) -> dict:
        return dict(_SCENARIO)

    def expected(self):
        cls = type(self)
        if cls._truth is None:
            seen = play_scenario()
            cls._truth = {key: (seen[key], _WHY[key]) for key in _WHY}
        return cls._truth
