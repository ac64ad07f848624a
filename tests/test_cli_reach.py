"""``labkit reach``, run through ``labkit.cli.main`` against the offline (moto) account."""

from __future__ import annotations

import argparse
import json

import pytest

import labkit as lk
from labkit import samples
from labkit.cli import main
from labkit.cli import reach as reach_cli
from tests.builders import db_instance


@pytest.fixture
def ids(session, monkeypatch):
    """The "private + public" sample network with one function in each kind of subnet; the CLI reads it."""
    ids = samples.build_private_public(session)
    samples.create_function(session, "in-private", ids["private_subnet_ids"], [ids["security_group_id"]])
    samples.create_function(session, "in-public", [ids["public_subnet_id"]], [ids["security_group_id"]])
    monkeypatch.setattr(reach_cli, "_session", lambda args: session)
    return ids


def run(capsys, *argv):
    code = main(["reach", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_reachable_exits_0_and_explains(ids, capsys):
    code, out, _ = run(capsys, "in-private", "internet")
    assert code == 0
    assert out.startswith("in-private CAN reach internet")
    assert ids["nat_gateway_id"] in out


def test_not_reachable_exits_1_and_names_the_blocker(ids, capsys):
    code, out, _ = run(capsys, "in-public", "internet")
    assert code == 1
    assert "can NOT reach internet" in out
    assert f"NO_PUBLIC_IP at sample-public-subnet ({ids['public_subnet_id']})" in out  # Name tag next to the id


def test_json_is_the_traces_dict(ids, session, capsys):
    code, out, _ = run(capsys, "in-public", "internet", "--json")
    data = json.loads(out)
    expected = lk.trace(lk.Topology.from_boto3(session), "in-public", "internet").to_dict()
    assert code == 1
    assert data == expected
    assert data["reachable"] is False
    assert data["paths"][0]["blocked_by"]["code"] == "NO_PUBLIC_IP"


def test_all_prints_a_table_of_functions_by_destination(ids, capsys):
    code, out, _ = run(capsys, "--all")
    lines = out.splitlines()
    assert lines[0].split() == ["function", "internet", "s3", "dynamodb"]
    rows = {line.split()[0]: line for line in lines[2:] if line.strip() and not line[0].isdigit()}
    assert rows["in-private"].split()[1:] == ["yes", "yes", "yes"]
    assert f"NO (NO_PUBLIC_IP at {ids['public_subnet_id']})" in rows["in-public"]
    assert code == 1
    reachable = sum(row.split()[1:].count("yes") for row in rows.values())
    assert f"{reachable} of 6 reachable." in out


def test_all_exits_0_when_every_function_reaches_everything(session, monkeypatch, capsys):
    ids = samples.build_private_public(session)
    samples.create_function(session, "in-private", ids["private_subnet_ids"], [ids["security_group_id"]])
    monkeypatch.setattr(reach_cli, "_session", lambda args: session)
    code, out, _ = run(capsys, "--all")
    assert code == 0
    assert "3 of 3 reachable." in out


def test_all_json_lists_every_trace(ids, capsys):
    code, out, _ = run(capsys, "--all", "--json")
    data = json.loads(out)
    assert code == 1 and data["reachable"] is False
    assert data["destinations"] == ["internet", "s3", "dynamodb"]
    pairs = {(t["source"], t["destination"]): t["reachable"] for t in data["traces"]}
    assert len(pairs) == 6
    assert pairs[("in-private", "s3")] is True
    assert pairs[("in-public", "internet")] is False


@pytest.mark.parametrize(
    "argv, message",
    [(["nope", "internet"], "No Lambda function 'nope'"), (["in-private", "not a destination!"], "not a destination")],
    ids=["unknown-function", "bad-destination"],
)
def test_bad_input_exits_2_with_a_message(ids, capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("labkit: error:")
    assert message in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["in-private"], "needs DEST"),
        ([], "needs FUNCTION and DEST"),
        (["in-private", "internet", "--all"], "either --all or FUNCTION DEST"),
    ],
    ids=["no-destination", "nothing", "all-and-function"],
)
def test_arguments_that_dont_fit_exit_2_before_reading_the_account(monkeypatch, capsys, argv, message):
    def no_account(args):
        raise AssertionError("the account must not be read")

    monkeypatch.setattr(reach_cli, "_session", no_account)
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("labkit: error:") and message in err


def test_unknown_function_error_lists_the_known_ones(ids, capsys):
    _, _, err = run(capsys, "in-privat", "internet")
    assert "Did you mean in-private?" in err


def test_all_without_functions_exits_2(session, monkeypatch, capsys):
    monkeypatch.setattr(reach_cli, "_session", lambda args: session)
    code, _, err = run(capsys, "--all")
    assert code == 2
    assert "No Lambda functions in region us-east-1" in err


def test_unknown_profile_exits_2_with_the_fix(session, capsys):
    # the session fixture points the AWS config files at nothing: no profile exists
    code, _, err = run(capsys, "in-private", "internet", "--profile", "no-such-profile")
    assert code == 2
    assert "no-such-profile" in err and "aws configure --profile no-such-profile" in err


def test_profile_and_region_reach_the_session(session):
    made = reach_cli._session(argparse.Namespace(profile=None, region="eu-west-3"))
    assert made.region_name == "eu-west-3"


# --------------------------------------------------------------------------------------- --template

TEMPLATE = __import__("pathlib").Path(__file__).parent / "data" / "function-in-private-subnet.yaml"


def test_template_is_deployed_into_an_offline_lab_and_traced(capsys):
    code = main(["reach", "orders", "internet", "--template", str(TEMPLATE)])
    out = capsys.readouterr().out
    assert code == 1
    assert "orders can NOT reach internet" in out and "NO_ROUTE" in out


def test_template_json_names_the_blocker(capsys):
    code = main(["reach", "orders", "s3", "--template", str(TEMPLATE), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["reachable"] is False
    assert data["paths"][0]["blocked_by"]["code"] == "NO_ROUTE"


def test_template_and_profile_together_are_refused(capsys):
    code = main(["reach", "orders", "internet", "--template", str(TEMPLATE), "--profile", "prod"])
    assert code == 2
    assert "--template" in capsys.readouterr().err


@pytest.fixture
def database(ids, session):
    """A PostgreSQL DB instance "orders-db" in the private subnets, with its own security group (no rule yet)."""
    ec2 = session.client("ec2")
    db_sg = ec2.create_security_group(GroupName="orders-db", Description="database", VpcId=ids["vpc_id"])["GroupId"]
    db_instance(session, "orders-db", subnet_group="orders", security_group=db_sg, subnets=ids["private_subnet_ids"])
    return {"ec2": ec2, "db_sg": db_sg, "fn_sg": ids["security_group_id"]}


def test_a_database_by_name_not_admitted_exits_1_with_sg_ingress(database, capsys):
    code, out, _ = run(capsys, "in-private", "rds:orders-db")
    assert code == 1
    assert "in-private can NOT reach rds:orders-db" in out
    assert "SG_INGRESS" in out and database["db_sg"] in out


def test_a_database_admitting_the_functions_group_exits_0(database, capsys):
    database["ec2"].authorize_security_group_ingress(
        GroupId=database["db_sg"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": database["fn_sg"]}],
            }
        ],
    )
    code, out, _ = run(capsys, "in-private", "rds:orders-db")
    assert code == 0
    assert out.startswith("in-private CAN reach rds:orders-db")


def test_an_unknown_database_exits_2_listing_the_known_ones(database, capsys):
    code, _, err = run(capsys, "in-private", "rds:orders")
    assert code == 2
    assert "orders-db" in err
