"""reachability/name-the-fault (lesson 07): three faults, graded with lk.trace."""

import labkit as lk
from labkit.exercises.topics.vpc_faults import DATABASE, _peered
from labkit.vpc.reach import trace


def test_the_three_faults_are_the_blockers_the_lesson_names():
    ex = lk.exercises.get("reachability/name-the-fault")
    assert ex.solution == {"a": "BLACKHOLE_ROUTE", "b": "IGW_NOT_ATTACHED", "c": "NO_ROUTE"}


def test_the_peering_fault_is_fixed_by_the_route_back():
    assert not trace(_peered(False), "orders", DATABASE).reachable
    assert trace(_peered(True), "orders", DATABASE).reachable


def test_a_wrong_answer_is_named_and_the_pictures_draw():
    ex = lk.exercises.get("reachability/name-the-fault")
    fb = ex.check({"a": "NO_ROUTE", "b": "IGW_NOT_ATTACHED", "c": "NO_ROUTE"}, record=False)
    assert not fb.correct and [c.name[0] for c in fb.details if not c.passed] == ["a"]
    assert "digraph" in ex.picture("c").source
