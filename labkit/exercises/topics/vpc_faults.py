"""Lesson 07's closing exercise: name the blocker of three more faults — a blackhole route, a detached
internet gateway, and a peering connection with a route on one side only. Graded with ``lk.trace`` on
small networks built from the same pieces as ``reachability/predict``."""

from __future__ import annotations

import dataclasses

from labkit.exercises.catalog import register
from labkit.exercises.choice import Question, QuizExercise
from labkit.exercises.topics.vpc_reachability import _TO_IGW, _TO_NAT, _VPC, OUTCOMES, REACHABLE, _network, _why
from labkit.vpc.model import PeeringConnection, Route, RouteTable, Subnet, Topology, Vpc
from labkit.vpc.reach import trace

_PCX, _DATA_VPC, _DB_SUBNET = "pcx-0d77", "vpc-0d1", "subnet-0d88"
DATABASE = "10.1.2.15:5432"


def _peered(return_route: bool) -> Topology:
    """The shop network (app subnet → NAT gateway → internet) plus a VPC "data" (10.1.0.0/16) peered with it;
    the app subnet routes 10.1.0.0/16 to the peering connection; the database subnet routes back only if
    ``return_route``."""
    base = _network([_TO_NAT], [_TO_IGW])
    to_peer = Route("10.1.0.0/16", "pcx", _PCX)
    tables = tuple(
        dataclasses.replace(rt, routes=rt.routes + (to_peer,)) if rt.id == "rtb-0priv" else rt
        for rt in base.route_tables
    )
    data_routes: tuple[Route, ...] = (Route("10.1.0.0/16", "local", "local"),)
    if return_route:
        data_routes += (Route("10.0.0.0/16", "pcx", _PCX),)
    return dataclasses.replace(
        base,
        vpcs=base.vpcs + (Vpc(_DATA_VPC, ("10.1.0.0/16",), name="data"),),
        subnets=base.subnets + (Subnet(_DB_SUBNET, _DATA_VPC, "10.1.2.0/24", "us-east-1a", name="database"),),
        route_tables=tables + (RouteTable("rtb-0data", _DATA_VPC, data_routes, (_DB_SUBNET,), name="database"),),
        peering_connections=(
            PeeringConnection(
                _PCX,
                _VPC,
                _DATA_VPC,
                requester_cidrs=("10.0.0.0/16",),
                accepter_cidrs=("10.1.0.0/16",),
                name="shop-data",
            ),
        ),
    )


#: key → (what the learner is told, destination, topology factory)
FAULTS = {
    "a": (
        "To save money, someone deleted the NAT gateway nat-0d44 and left the app subnet's route table as it "
        "was (0.0.0.0/0 → nat-0d44). Destination: the internet.",
        "internet",
        lambda: _network([_TO_NAT], [_TO_IGW], nat=False),
    ),
    "b": (
        "Every route is in place: app subnet → NAT gateway → public subnet → internet gateway igw-0c33. During a "
        "clean-up, igw-0c33 was detached from the VPC (it still exists). Destination: the internet.",
        "internet",
        lambda: _network([_TO_NAT], [_TO_IGW], igw_attached=False),
    ),
    "c": (
        "The orders database moved to the VPC data (10.1.0.0/16), peered with the shop VPC by pcx-0d77 (active). "
        "The app subnet's route table sends 10.1.0.0/16 to pcx-0d77; the database subnet's route table has only "
        "its local route. Destination: the database, " + DATABASE + ".",
        DATABASE,
        lambda: _peered(False),
    ),
}


@register
class NameTheFault(QuizExercise):
    id = "reachability/name-the-fault"
    title = "Three more faults: name the blocker"
    topic = "reachability"
    difficulty = "core"
    prompt = (
        "Three more weekend changes, each in its own copy of the shop network, with the function orders in the "
        "app subnet (params['faults']). For each, name the blocker that stops orders first, or 'reachable'. "
        "exercise.picture('a') draws network a."
    )
    answer_help = 'Answer with a dict: exercise.check({"a": "…", "b": "…", "c": "…"}).'
    hints = (
        "A route whose target no longer exists is not skipped: the most specific route always decides.",
        "An internet gateway carries traffic only for the VPC it is attached to.",
        "A peering connection carries traffic only where both VPCs have a route for the other side: replies need "
        "their way back.",
    )
    questions = tuple(Question(k, v[0], OUTCOMES) for k, v in FAULTS.items())
    nudges = {
        "a": "Which route decides where the traffic to the internet goes, and does its target still exist? A "
        "route is not skipped because its target is gone.",
        "b": "Follow the traffic to the internet gateway: which VPC does it carry traffic for, now that the "
        "clean-up is done?",
        "c": "The request reaches the database's subnet. Where does the reply go: which route of the database "
        "subnet's table covers the function's address?",
    }
    _truth: dict | None = None
    _topologies: dict | None = None

    def _params(self) -> dict:
        return {"faults": {k: v[0] for k, v in FAULTS.items()}}

    @classmethod
    def topologies(cls) -> dict[str, Topology]:
        if cls._topologies is None:
            cls._topologies = {k: v[2]() for k, v in FAULTS.items()}
        return cls._topologies

    def expected(self):
        cls = type(self)
        if cls._truth is None:
            truth = {}
            for key, (_, dest, _factory) in FAULTS.items():
                t = trace(self.topologies()[key], "orders", dest)
                truth[key] = (REACHABLE if t.reachable else t.blocked_by.code.value, _why(t))
            cls._truth = truth
        return cls._truth

    def picture(self, key: str, *, reveal: bool = False):
        """Network ``key`` drawn as a graphviz picture; ``reveal=True`` highlights its trace (the answer)."""
        from labkit.render.draw import draw
        from labkit.vpc.errors import UnknownResourceError

        if key not in FAULTS:
            raise UnknownResourceError(f"no network {key!r}; the networks are {', '.join(FAULTS)}")
        topo = self.topologies()[key]
        return draw(topo, highlight=trace(topo, "orders", FAULTS[key][1]) if reveal else None)
