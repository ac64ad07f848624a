"""Reachability on paper: predict what stops a VPC-connected function from reaching the internet
or S3, in small networks (used by vpc_faults too). Every answer is graded with ``lk.trace``."""

from __future__ import annotations

from labkit.exercises.catalog import register
from labkit.exercises.choice import Question, QuizExercise
from labkit.vpc.model import (
    InternetGateway,
    LambdaFunction,
    NatGateway,
    PrefixList,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    Topology,
    Vpc,
    VpcEndpoint,
)
from labkit.vpc.reach import trace
from labkit.vpc.results import BLOCKER_MEANINGS, BlockerCode

REACHABLE = "reachable"
OUTCOMES = (REACHABLE,) + tuple(c.value for c in BlockerCode)

# ------------------------------------------------------------------------------ small networks

_VPC, _PRIV, _PUB = "vpc-0e1", "subnet-0a11", "subnet-0b22"
_IGW, _NAT, _SG, _VPCE = "igw-0c33", "nat-0d44", "sg-0f66", "vpce-0e55"
_LOCAL = Route("10.0.0.0/16", "local", "local")
_TO_IGW = Route("0.0.0.0/0", "igw", _IGW)
_TO_NAT = Route("0.0.0.0/0", "nat", _NAT)


def _network(
    private_routes=(), public_routes=None, *, nat=True, sg_egress=True, igw_attached=True, endpoint_route_tables=None
) -> Topology:
    """A VPC 10.0.0.0/16 with the function's subnet ``app`` (route table ``rtb-0priv``, named ``app``: it is
    private or public depending on its routes), a public subnet (``rtb-0pub``), an internet gateway,
    optionally a NAT gateway in the public subnet and an S3 gateway endpoint, and the function ``orders`` in
    the ``app`` subnet."""
    route_tables = [
        RouteTable("rtb-0priv", _VPC, (_LOCAL,) + tuple(private_routes), (_PRIV,), name="app"),
        RouteTable("rtb-0main", _VPC, (_LOCAL,), (), is_main=True, name="main"),
    ]
    if public_routes is not None:
        route_tables.append(RouteTable("rtb-0pub", _VPC, (_LOCAL,) + tuple(public_routes), (_PUB,), name="public"))
    endpoints: tuple[VpcEndpoint, ...] = ()
    if endpoint_route_tables is not None:
        endpoints = (
            VpcEndpoint(
                _VPCE, _VPC, "com.amazonaws.us-east-1.s3", "Gateway", route_table_ids=tuple(endpoint_route_tables)
            ),
        )
    return Topology(
        vpcs=(Vpc(_VPC, ("10.0.0.0/16",), name="shop"),),
        subnets=(
            Subnet(_PRIV, _VPC, "10.0.1.0/24", "us-east-1a", name="app"),
            Subnet(_PUB, _VPC, "10.0.0.0/24", "us-east-1a", map_public_ip_on_launch=True, name="public"),
        ),
        route_tables=tuple(route_tables),
        internet_gateways=(InternetGateway(_IGW, (_VPC,) if igw_attached else ()),),
        nat_gateways=(NatGateway(_NAT, _VPC, _PUB, public_ip="203.0.113.7"),) if nat else (),
        vpc_endpoints=endpoints,
        security_groups=(
            SecurityGroup(_SG, _VPC, "orders-fn", egress=(SgRule("-1", cidr="0.0.0.0/0"),) if sg_egress else ()),
        ),
        prefix_lists=(PrefixList("pl-63a5400a", "com.amazonaws.us-east-1.s3", ("52.216.0.0/15",)),),
        functions=(LambdaFunction("orders", subnet_ids=(_PRIV,), security_group_ids=(_SG,), vpc_id=_VPC),),
    )


#: key → (description shown to the learner, destination, topology factory)
PREDICT_SCENARIOS = {
    "a": (
        "The function's subnet (app) has a route table that sends 0.0.0.0/0 straight to the internet gateway "
        "(attached); there is no NAT gateway. The security group allows all outbound traffic. Destination: "
        "the internet.",
        "internet",
        lambda: _network([_TO_IGW], [_TO_IGW], nat=False),
    ),
    "b": (
        "The app subnet sends 0.0.0.0/0 to a NAT gateway in the public subnet; the public subnet's route "
        "table has only its local route. Destination: the internet.",
        "internet",
        lambda: _network([_TO_NAT], []),
    ),
    "c": (
        "The app subnet's route table has only its local route; the VPC has no endpoints and no NAT "
        "gateway. Destination: S3.",
        "s3",
        lambda: _network([], None, nat=False),
    ),
    "d": (
        "App subnet → NAT gateway → public subnet → attached internet gateway, all routes in place; the "
        "function's security group has no outbound rules. Destination: the internet.",
        "internet",
        lambda: _network([_TO_NAT], [_TO_IGW], sg_egress=False),
    ),
    "e": (
        "App subnet → NAT gateway → public subnet → attached internet gateway, all routes in place; the "
        "security group allows all outbound traffic. Destination: the internet.",
        "internet",
        lambda: _network([_TO_NAT], [_TO_IGW]),
    ),
    "f": (
        "The VPC has an S3 gateway endpoint, associated with the public subnet's route table only. The "
        "app subnet's route table has only its local route, and there is no NAT gateway. Destination: S3.",
        "s3",
        lambda: _network([], [_TO_IGW], nat=False, endpoint_route_tables=["rtb-0pub"]),
    ),
}


def _why(t) -> str:
    if t.reachable:
        return f"{t.headline()} (via {t.paths[0].via})."
    b = t.blocked_by
    return f"{b.code.value} at {b.resource_id}: {b.message}" + (f" Fix: {b.fix}" if b.fix else "")


@register
class PredictBlocker(QuizExercise):
    id = "reachability/predict"
    title = "Predict the blocker"
    topic = "reachability"
    difficulty = "intro"
    prompt = (
        "The function orders is connected to the subnet named app of each small network in params['networks']. "
        "For each one, predict whether it reaches the destination, and if not, which blocker stops it first. "
        "Blocker codes and their meaning: params['codes']. (exercise.picture('a') draws network a.)"
    )
    answer_help = 'Answer with a dict: exercise.check({"a": "NO_PUBLIC_IP", "b": "…", …, "e": "reachable"}).'
    hints = (
        "A Lambda function's network interface never gets a public IP address — even in a subnet whose route "
        "table leads to an internet gateway.",
        "A NAT gateway reaches the internet only if ITS subnet routes 0.0.0.0/0 to an attached internet gateway.",
        "Traffic meets the function's security group first, then the route table. A gateway endpoint only "
        "helps the subnets whose route tables it is associated with.",
    )
    questions = tuple(Question(k, v[0], OUTCOMES) for k, v in PREDICT_SCENARIOS.items())
    nudges = {
        "a": "What does an internet gateway need from the network interface that sends traffic through it — and "
        "does a Lambda function's interface have it?",
        "b": "Follow the NAT gateway's own traffic: where does its subnet send 0.0.0.0/0?",
        "c": "A subnet with only its local route: which way out of the VPC could the traffic to S3 take?",
        "d": "Before any route table, the traffic has to leave the function's network interface. What may leave it?",
        "e": "Follow each hop in turn: security group, route table, NAT gateway, its subnet's route table, internet "
        "gateway. Does any of them stop the traffic?",
        "f": "Which route tables is the endpoint associated with, and which route table does the function's subnet "
        "use?",
    }
    _truth: dict | None = None
    _topologies: dict | None = None

    def _params(self) -> dict:
        return {
            "networks": {k: v[0] for k, v in PREDICT_SCENARIOS.items()},
            "codes": {c.value: m for c, m in BLOCKER_MEANINGS.items()},
        }

    @classmethod
    def topologies(cls) -> dict[str, Topology]:
        if cls._topologies is None:
            cls._topologies = {k: v[2]() for k, v in PREDICT_SCENARIOS.items()}
        return cls._topologies

    def expected(self):
        cls = type(self)
        if cls._truth is None:
            truth = {}
            for key, (_, dest, _factory) in PREDICT_SCENARIOS.items():
                t = trace(self.topologies()[key], "orders", dest)
                truth[key] = (REACHABLE if t.reachable else t.blocked_by.code.value, _why(t))
            cls._truth = truth
        return cls._truth

    def prepare(self) -> None:
        """Compute the traces now (the widget calls this so that its first Check is quick)."""
        self.expected()

    def picture(self, key: str, *, reveal: bool = False):
        """Network ``key`` drawn as a graphviz picture; ``reveal=True`` highlights its trace (the answer)."""
        from labkit.render.draw import draw
        from labkit.vpc.errors import UnknownResourceError

        if key not in PREDICT_SCENARIOS:
            raise UnknownResourceError(f"no network {key!r}; the networks are {', '.join(PREDICT_SCENARIOS)}")
        topo = self.topologies()[key]
        return draw(topo, highlight=trace(topo, "orders", PREDICT_SCENARIOS[key][1]) if reveal else None)
