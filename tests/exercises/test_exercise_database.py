"""reachability/database: the function reaches its RDS database once the database's security group admits the
function's group on the database's port. Graded by tracing the lab to ``rds:orders-db``.

One lab is started for the module; each case makes its change in it, checks, and undoes the change.
"""

from __future__ import annotations

import pytest

import labkit as lk
from labkit.exercises.topics.vpc_databases import DATABASE, DB_PORT

ID = "reachability/database"


@pytest.fixture(scope="module")
def database():
    ex = lk.exercises.get(ID)
    ex.start()
    yield ex
    ex.close()


def _rule(group_id, port, *, source_group=None, cidr=None):
    peer = {"UserIdGroupPairs": [{"GroupId": source_group}]} if source_group else {"IpRanges": [{"CidrIp": cidr}]}
    return group_id, [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **peer}]


def _check_with(ex, group_id, permissions):
    """Add the inbound rule to the exercise's lab, check, and take the rule away again."""
    ec2 = ex.lab.client("ec2")
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=permissions)
    try:
        return ex.check()
    finally:
        ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=permissions)


def test_the_scenario_database_is_blocked_at_its_own_security_group(database):
    s = database.scenario
    t = lk.trace(database.lab.topology(), "orders", f"rds:{DATABASE}")
    assert not t.reachable
    assert {(p.blocked_by.code.value, p.blocked_by.resource_id) for p in t.paths} == {
        ("SG_INGRESS", s["db_security_group_id"])
    }
    fb = database.check()
    assert not fb.correct and "SG_INGRESS" in fb.message


def test_the_reference_fix_is_graded_right():
    ex = lk.exercises.get(ID)
    fb = ex.check(ex._solution())
    assert fb.correct, str(fb)
    assert all(c.passed for c in fb.details) and len(fb.details) == 3


def test_the_rule_written_in_the_lab_is_graded_right(database):
    s = database.scenario
    fb = _check_with(database, *_rule(s["db_security_group_id"], DB_PORT, source_group=s["security_group_id"]))
    assert fb.correct, str(fb)
    assert s["security_group_id"] in fb.message


def test_a_rule_on_the_function_group_is_wrong_and_says_whose_group(database):
    s = database.scenario
    fb = _check_with(database, *_rule(s["security_group_id"], DB_PORT, source_group=s["db_security_group_id"]))
    assert not fb.correct
    assert "function's own group" in fb.message and "database's security group" in fb.message


def test_the_port_of_the_lesson_database_is_wrong_and_names_the_port_to_look_for(database):
    s = database.scenario
    assert DB_PORT != 5432  # the lesson's PostgreSQL port: copying it is the mistake this case is about
    fb = _check_with(database, *_rule(s["db_security_group_id"], 5432, source_group=s["security_group_id"]))
    assert not fb.correct
    assert "port" in fb.message and "describe_db_instances" in fb.message


def test_an_address_rule_reaches_but_is_graded_wrong(database):
    s = database.scenario
    fb = _check_with(database, *_rule(s["db_security_group_id"], DB_PORT, cidr="172.31.0.0/16"))
    assert not fb.correct
    assert "reaches the database now" in fb.message and "172.31.0.0/16" in fb.message
    reach = [c for c in fb.details if c.name.startswith("rds:")]
    assert reach and all(c.passed for c in reach)  # the trace itself is fine: the grader says why it is still wrong


def test_a_rule_open_to_the_world_is_graded_wrong(database):
    s = database.scenario
    fb = _check_with(database, *_rule(s["db_security_group_id"], DB_PORT, cidr="0.0.0.0/0"))
    assert not fb.correct and "0.0.0.0/0" in fb.message and "revoke_security_group_ingress" in fb.message


@pytest.mark.parametrize("answer", [42, "authorize it", {"GroupId": "sg-1"}, ["rule"]], ids=repr)
def test_malformed_answers_get_friendly_feedback(database, answer):
    fb = database.check(answer)
    assert not fb.correct and "exercise.check()" in fb.message


def test_a_check_before_the_lab_is_started_says_how_to_start():
    fb = lk.exercises.get(ID).check()
    assert not fb.correct and "exercise.start()" in fb.message


def test_a_fix_that_raises_is_reported_not_raised():
    def fix(lab, scenario):
        lab.client("ec2").authorize_security_group_ingress(GroupId="sg-0000000000000000", IpPermissions=[])

    fb = lk.exercises.get(ID).check(fix)
    assert not fb.correct and "Your fix raised" in fb.message
