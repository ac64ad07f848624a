"""The way out of the VPC, in the lab: fix the function's way to the internet and to S3, and diagnose a broken network
(the learner changes the lab with boto3; the check traces the result)."""

from __future__ import annotations

from labkit.errors import did_you_mean
from labkit.exercises.catalog import register
from labkit.exercises.core import Field
from labkit.exercises.errors import AnswerError
from labkit.exercises.feedback import Case, Feedback
from labkit.exercises.labwork import (
    FUNCTION,
    LabExercise,
    Solution,
    VpcFunctionExercise,
    add_function,
    path_outcome,
    stack_ids,
)
from labkit.exercises.topics.vpc_reachability import OUTCOMES
from labkit.vpc.reach import trace
from labkit.vpc.results import BLOCKER_MEANINGS, Blocker, BlockerCode, Trace

# ------------------------------------------------------------------------------ in the lab


def _fix_internet(lab, scenario):
    """Route the private subnets' internet traffic to the NAT gateway in the public subnet."""
    lab.client("ec2").create_route(
        RouteTableId=scenario["private_route_table_id"],
        DestinationCidrBlock="0.0.0.0/0",
        NatGatewayId=scenario["nat_gateway_id"],
    )


@register
class FixInternet(VpcFunctionExercise):
    id = "reachability/fix-internet"
    title = "Give the function internet access"
    topic = "reachability"
    difficulty = "core"
    destination = "internet"
    scenario_text = (
        "The guide's private + public network (vpc-privatepublic): two private subnets, a public "
        "subnet with a NAT gateway, an internet gateway. The function orders runs in the two private "
        "subnets and must call a web API on the internet — but it can't. It must stay in the private "
        "subnets (it also talks to a database there)."
    )
    prompt = (
        "lab = exercise.start() builds the network. Find out why orders can't reach the internet and fix the "
        "lab with boto3 (lab.client('ec2')…). Then exercise.check() traces the lab. "
        "lk.trace(lab.topology(), 'orders', 'internet') shows what the grader sees."
    )
    answer_help = (
        "Change exercise.lab, then exercise.check(); or exercise.check(fix) with a function "
        "fix(lab, scenario) that changes a fresh copy of the lab."
    )
    hints = (
        "Trace it: print(lk.trace(lab.topology(), 'orders', 'internet')). Which hop fails?",
        "Look at the route table of the private subnets: where does 0.0.0.0/0 go?",
        "A Lambda function never gets a public IP, so moving it to the public subnet can't work. Its traffic must "
        "go through the NAT gateway, which has one.",
        "ec2.create_route(RouteTableId=<private route table>, DestinationCidrBlock='0.0.0.0/0', "
        "NatGatewayId=<the NAT gateway>).",
    )

    def build(self, lab) -> dict:
        stack = lab.deploy("vpc-privatepublic")
        ids = stack_ids(lab, stack, public=True)
        lab.client("ec2").delete_route(RouteTableId=ids["private_route_table_id"], DestinationCidrBlock="0.0.0.0/0")
        add_function(lab, ids)
        return ids

    def _solution(self):
        return Solution(_fix_internet)

    def grade_function(self, topo, fn, scenario) -> Feedback:
        t = trace(topo, FUNCTION, "internet")
        cases = tuple(
            Case(f"from {p.subnet_id}", p.reachable, "reachable", *path_outcome(p, "reachable")) for p in t.paths
        )
        public = [s for s in fn.subnet_ids if topo.is_public_subnet(s)]
        if public:
            moved = [s for s in public if s not in scenario["private_subnet_ids"]]
            if moved:
                why = (
                    f"You moved {FUNCTION} into a public subnet ({', '.join(moved)}). A function's network "
                    "interface never gets a public IP address, even there, so the internet gateway can't carry "
                    "its traffic (NO_PUBLIC_IP)."
                )
            else:
                why = (
                    "Your change sends the function's subnets straight to the internet gateway, which makes them "
                    "public subnets. A function's network interface never gets a public IP address, so the "
                    "internet gateway can't carry its traffic (NO_PUBLIC_IP)."
                )
            return Feedback(
                self.id,
                False,
                why + " Keep the function in private subnets and send their 0.0.0.0/0 "
                "traffic to the NAT gateway in the public subnet: the NAT gateway has a public IP.",
                cases,
                trace=t,
                topology=topo,
                nudge=why + " Keep the function in private subnets: which resource of this VPC has a "
                "public IP address and could carry their traffic out?",
            )
        if t.reachable:
            via = ", ".join(sorted({p.via for p in t.paths}))
            return Feedback(
                self.id,
                True,
                f"{FUNCTION} reaches the internet from all its subnets (via {via}): "
                "private subnet → NAT gateway → internet gateway.",
                cases,
                trace=t,
                topology=topo,
            )
        return self.not_reached(t, topo, cases, self.nudge_text)

    nudge_text = (
        "Which resource of this VPC has a public IP address, and does the private subnets' route table "
        "lead their internet traffic to it?"
    )


def _fix_s3(lab, scenario):
    """An S3 gateway endpoint on the route table the private subnets use."""
    lab.client("ec2").create_vpc_endpoint(
        VpcEndpointType="Gateway",
        VpcId=scenario["vpc_id"],
        ServiceName=f"com.amazonaws.{lab.region}.s3",
        RouteTableIds=[scenario["private_route_table_id"]],
    )


@register
class PrivateS3(VpcFunctionExercise):
    id = "reachability/private-s3"
    title = "Reach S3 without the internet"
    topic = "reachability"
    difficulty = "core"
    destination = "s3"
    scenario_text = (
        "The guide's private network (vpc-private) — two private subnets, no internet access by design — "
        "but built without its S3 endpoint (only the DynamoDB one is there). The function orders runs in "
        "both subnets and must read objects from S3: its S3 calls time out."
    )
    prompt = (
        "lab = exercise.start() builds the network. Make S3 reachable from both subnets WITHOUT giving the "
        "function internet access, by changing the lab with boto3. Then exercise.check()."
    )
    answer_help = (
        "Change exercise.lab, then exercise.check(); or exercise.check(fix) with a function fix(lab, scenario)."
    )
    hints = (
        "Trace it: print(lk.trace(lab.topology(), 'orders', 's3')).",
        "Without internet access, AWS services are reached through VPC endpoints. For S3, a gateway endpoint is free.",
        "A gateway endpoint adds a route (to the S3 prefix list) only to the route tables you associate it with. "
        "Which route table do the private subnets use? (Not the VPC's main one.)",
        "ec2.create_vpc_endpoint(VpcEndpointType='Gateway', VpcId=..., ServiceName='com.amazonaws.us-east-1.s3', "
        "RouteTableIds=[<the private subnets' route table>]).",
    )

    def build(self, lab) -> dict:
        from labkit.awslambda.cfn_templates import load_template

        template, _ = load_template("vpc-private")
        del template["Resources"]["s3Endpoint"]
        stack = lab.deploy(template, name="vpc-private")
        ids = stack_ids(lab, stack, public=False)
        add_function(lab, ids)
        return ids

    def _solution(self):
        return Solution(_fix_s3)

    def grade_function(self, topo, fn, scenario) -> Feedback:
        t = trace(topo, FUNCTION, "s3")
        internet = trace(topo, FUNCTION, "internet")
        cases = tuple(
            Case(f"S3 from {p.subnet_id}", p.reachable, "reachable", *path_outcome(p, f"reachable via {p.via}"))
            for p in t.paths
        )
        cases += (
            Case(
                "internet stays out of reach",
                not internet.reachable,
                "not reachable",
                "reachable" if internet.reachable else "not reachable",
            ),
        )
        if internet.reachable or any(p.reachable for p in internet.paths):
            return Feedback(
                self.id,
                False,
                f"{FUNCTION} can now reach the internet, which this private network "
                "must not allow: S3 then goes over the internet too. Undo that (remove the route to the "
                "NAT or internet gateway) and give the private subnets a way to S3 that stays inside AWS: "
                "a gateway endpoint associated with their route table.",
                cases,
                trace=t,
                topology=topo,
                nudge=f"{FUNCTION} can now reach the internet, which this private network must not "
                "allow: S3 then goes over the internet too. Undo that change, and look for a way to S3 "
                "that stays inside AWS.",
            )
        if t.reachable:
            via = ", ".join(sorted({p.via for p in t.paths}))
            return Feedback(
                self.id,
                True,
                f"{FUNCTION} reaches S3 from all its subnets via {via}, and the internet stays out of reach.",
                cases,
                trace=t,
                topology=topo,
            )
        return self.not_reached(
            t,
            topo,
            cases,
            "Without internet access, how do private subnets reach "
            "an AWS service — and which route table must know about it?",
        )


def _break_nacl_replies(lab, ids) -> None:
    """A network ACL on the private subnets that admits only port 443 inbound: the replies (to ephemeral ports)
    of the function's own connections are dropped."""
    ec2 = lab.client("ec2")
    acl = ec2.create_network_acl(VpcId=ids["vpc_id"])["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=acl, RuleNumber=100, Egress=True, Protocol="-1", RuleAction="allow", CidrBlock="0.0.0.0/0"
    )
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=100,
        Egress=False,
        Protocol="6",
        RuleAction="allow",
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 443, "To": 443},
    )
    acls = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [ids["vpc_id"]]}])["NetworkAcls"]
    for subnet in ids["private_subnet_ids"]:
        assoc = next(
            a["NetworkAclAssociationId"] for n in acls for a in n.get("Associations", ()) if a["SubnetId"] == subnet
        )
        ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)


def _break_nat_route(lab, ids) -> None:
    """The public subnet's route to the internet gateway is gone: the NAT gateway has no way out."""
    lab.client("ec2").delete_route(RouteTableId=ids["public_route_table_id"], DestinationCidrBlock="0.0.0.0/0")


DIAGNOSE_VARIANTS = {"nacl-replies": _break_nacl_replies, "nat-route": _break_nat_route}


@register
class Diagnose(LabExercise):
    id = "reachability/diagnose"
    title = "Diagnose the broken network"
    topic = "reachability"
    difficulty = "challenge"
    destination = "internet"
    variant = "nacl-replies"
    scenario_text = (
        "The guide's private + public network, with the function orders in its two private subnets. "
        "It worked yesterday; today every call to the internet times out. One change broke it."
    )
    prompt = (
        "lab = exercise.start() builds the broken network. Explore it with boto3 (describe_route_tables, "
        "describe_network_acls, describe_security_groups…) and name the blocker: its code (params['codes']) "
        "and the id of the resource that stops the traffic. exercise.start(variant='nat-route') gives another "
        "breakage."
    )
    answer_help = 'Answer with a dict: exercise.check({"code": "NACL_INBOUND", "resource_id": "acl-…"}).'
    hints = (
        "Follow a packet: security group → network ACL (out) → route table → NAT gateway → its subnet's route "
        "table → internet gateway — and the replies on the way back.",
        "The routes are all there. What else did someone add to the private subnets?",
        "Network ACLs are stateless: the replies come back to the function's ephemeral ports (1024-65535) and must "
        "be allowed inbound.",
    )

    def __init__(self) -> None:
        super().__init__()
        # The answer: the function's trace to the internet just after the breakage. It is kept here, out of
        # ``scenario`` and ``params``, which the learner reads.
        self._trace: Trace | None = None

    def start(self, variant: str | None = None):
        """A fresh lab with the broken network (``variant``: one of DIAGNOSE_VARIANTS)."""
        if variant is not None:
            if variant not in DIAGNOSE_VARIANTS:
                raise AnswerError(f"No variant {variant!r}; the variants are {', '.join(DIAGNOSE_VARIANTS)}.")
            self.variant = variant
        lab = super().start()
        self._trace = trace(lab.topology(), FUNCTION, "internet")
        return lab

    def close(self) -> None:
        super().close()
        self._trace = None

    def build(self, lab) -> dict:
        stack = lab.deploy("vpc-privatepublic")
        ids = stack_ids(lab, stack, public=True)
        add_function(lab, ids)
        DIAGNOSE_VARIANTS[self.variant](lab, ids)
        return ids

    def _params(self) -> dict:
        params = super()._params()
        params["codes"] = {c.value: m for c, m in BLOCKER_MEANINGS.items()}
        return params

    def _solution(self):
        if self._trace is None:
            return "Start the lab first (exercise.start()); the answer names resources of that lab."
        b = self._blocker()
        return {"code": b.code.value, "resource_id": b.resource_id}

    def _blocker(self) -> Blocker:
        """What the learner must find: the first blocker of the trace taken just after the breakage."""
        b = self._trace.blocked_by if self._trace is not None else None
        if b is None:
            raise RuntimeError(f"{self.id}: the scenario {self.variant!r} left the network unbroken")
        return b

    def fields(self):
        codes = tuple((c, c) for c in ("",) + OUTCOMES[1:])
        return (
            Field("code", "Blocker code", "choice", codes, default=""),
            Field("resource_id", "Resource id", "text", placeholder="e.g. rtb-0123…, acl-…, nat-…"),
        )

    def answer_from(self, values: dict):
        return {"code": values.get("code") or "", "resource_id": (values.get("resource_id") or "").strip()}

    def values_from(self, answer) -> dict:
        return dict(answer) if isinstance(answer, dict) else {}

    def _grade(self, answer) -> Feedback:
        if self._trace is None:
            raise AnswerError("Start the lab first: lab = exercise.start() (or click Start lab), then explore it.")
        if isinstance(answer, (list, tuple)) and len(answer) == 2:
            answer = {"code": answer[0], "resource_id": answer[1]}
        if not isinstance(answer, dict) or not answer.get("code") or not answer.get("resource_id"):
            raise AnswerError(
                'Name the blocker with its code and the resource id: {"code": "NO_ROUTE", '
                '"resource_id": "rtb-0123…"}. params["codes"] lists the codes.'
            )
        code = str(answer["code"]).strip().upper()
        if code not in OUTCOMES[1:]:
            raise AnswerError(
                f"{answer['code']!r} is not a blocker code"
                + did_you_mean(code, OUTCOMES[1:], n=1, form=" (did you mean {}?)")
                + f". The codes are: {', '.join(OUTCOMES[1:])}."
            )
        resource = str(answer["resource_id"]).strip()
        t = self._trace
        b = self._blocker()
        ok_code, ok_resource = code == b.code.value, resource == b.resource_id
        cases = (
            Case(
                "blocker code",
                ok_code,
                b.code.value,
                code,
                nudge="" if ok_code else "What does that resource do to the traffic, in the codes' words?",
            ),
            Case(
                "resource",
                ok_resource,
                b.resource_id,
                resource,
                nudge="" if ok_resource else "Which resource on the path stops the traffic (or its replies)?",
            ),
        )
        if ok_code and ok_resource:
            return Feedback(
                self.id,
                True,
                f"Found it: {b.code.value} at {b.resource_id}. {b.message}" + (f" Fix: {b.fix}" if b.fix else ""),
                cases,
                trace=t,
            )
        passing = [h for p in t.paths for h in p.hops if h.ok and h.resource_id == resource]
        parts = []
        if ok_code:
            parts.append(f"Right code ({code}), but the resource that stops traffic is another one.")
        elif ok_resource:
            parts.append(
                f"Right resource, but not the right code: {code} means "
                f"{BLOCKER_MEANINGS[BlockerCode(code)]}. What does this resource do to the traffic?"
            )
        else:
            parts.append(f"Not that: {code} means {BLOCKER_MEANINGS[BlockerCode(code)]}.")
        if passing and not ok_resource:
            parts.append(f"{resource} lets the traffic through: {passing[0].detail}.")
        elif not ok_resource and not any(h.resource_id == resource for p in t.paths for h in p.hops):
            parts.append(f"{resource} is not on the function's path to the internet.")
        blockers = {p.blocked_by.resource_id for p in t.paths if p.blocked_by}
        fine = sorted(
            {
                f"{h.kind} {h.resource_id}"
                for p in t.paths
                for h in p.hops
                if h.ok
                and h.kind in ("security-group", "route-table", "nat-gateway", "internet-gateway")
                and h.resource_id not in blockers
            }
        )
        if fine:
            parts.append("Checks that pass on the way: " + ", ".join(fine) + ".")
        return Feedback(self.id, False, " ".join(parts), cases)
