"""Shared pieces of the fuzz suite: settings, strategies, an offline ``labkit`` command, and the one rule.

The rule: whatever goes in, what comes out is a result, a labkit error, or (on the command line) exit 0/1
with output or exit 2 with one ``labkit: error:``/usage line; never a traceback, never an internal error.

    from tests.fuzz.conftest import fuzz_settings, json_values, run_cli, assert_clean_exit

The suite as a whole stays within about 60 seconds: size ``max_examples`` with that in mind.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from labkit.errors import LabkitError


def fuzz_settings(max_examples: int) -> settings:
    """Hypothesis settings for a fuzz test: no per-example deadline (the machine is shared), no database."""
    return settings(
        deadline=None,
        max_examples=max_examples,
        database=None,
        derandomize=True,  # the same examples on every run: CI sees what was checked here
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


#: Text that includes what breaks naive code: lone surrogates, NUL, control and non-ASCII characters.
hostile_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40) | st.sampled_from(
    [
        "",
        " ",
        "::",
        "\x00",
        "\udc80",
        "-",
        "--",
        "--help-me",
        "*",
        "?",
        "${aws:username}",
        "1e309",
        "nan",
        "internet",
        "internet:٣",
        "10.0.0.1:+80",
        "s3",
        "lambda",
        "iam:PassRole extra",
        "~",
        ".",
        "/",
        "/dev/zero",
    ]
)

_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | hostile_text


def json_values(max_leaves: int = 30) -> st.SearchStrategy:
    """Random JSON-like values (dicts with string keys, lists, scalars), nested a few levels."""
    return st.recursive(
        _scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
        max_leaves=max_leaves,
    )


_POLICY_WORDS = st.sampled_from(
    [
        "Version",
        "Statement",
        "Id",
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "Principal",
        "Allow",
        "Deny",
        "2012-10-17",
        "2008-10-17",
        "*",
        "lambda:*",
        "lambda:CreateFunction",
        "arn:aws:lambda:*:*:function:*",
        "StringEquals",
        "DateLessThan",
        "Null",
        "ForAllValues:StringLike",
        "NumericLessThan",
        "IpAddress",
        "lambda:VpcIds",
        "aws:CurrentTime",
        "true",
    ]
)
_policy_scalars = _scalars | _POLICY_WORDS


def policy_shapes() -> st.SearchStrategy:
    """Random documents built from policy words: closer to real policies than arbitrary JSON."""
    values = st.recursive(
        _policy_scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_POLICY_WORDS | hostile_text, inner, max_size=5),
        max_leaves=25,
    )
    statement = st.dictionaries(_POLICY_WORDS, values, max_size=6)
    return (
        st.fixed_dictionaries(
            {},
            optional={
                "Version": _POLICY_WORDS | values,
                "Statement": statement | st.lists(statement, max_size=3) | values,
                "Id": values,
            },
        )
        | values
    )


def any_objects() -> st.SearchStrategy:
    """Arbitrary Python objects a notebook could pass by mistake."""
    return (
        json_values()
        | st.builds(object)
        | st.binary(max_size=20)
        | st.sets(st.integers(), max_size=3)
        | st.tuples(hostile_text, st.integers())
        | st.just(10**5000)
        | st.sampled_from([float("nan"), Ellipsis])
    )


def expect_result_or_labkit_error(call: Callable[[], object]) -> object:
    """Run ``call``: a result or a labkit error pass; anything else fails the test (with the input shown)."""
    try:
        return call()
    except LabkitError as err:
        assert str(err).strip(), "a labkit error must say something"
        return err


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``labkit ARGV`` in this process: (exit code, stdout, stderr). Usage errors count as exit 2."""
    from labkit.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse: --help (0) and usage errors (2)
            code = stop.code if isinstance(stop.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def assert_clean_exit(argv: list[str]) -> tuple[int, str, str]:
    """Run the command; exit 0/1 (an answer) or 2 (bad input, with a message); no traceback, no internal error."""
    code, out, err = run_cli(argv)
    assert "Traceback" not in err, (argv, err)
    assert "internal error" not in err, (argv, err)
    assert code in (0, 1, 2), (argv, code, err)
    if code == 2:
        assert "error:" in err or out.startswith("usage:"), (argv, out, err)
    (out + err).encode("utf-8")  # every character printed is printable
    return code, out, err


def _small_topology():
    from labkit.vpc.importer import build_topology

    return build_topology(
        {
            "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
            "Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24"}],
            "RouteTables": [
                {
                    "RouteTableId": "rtb-1",
                    "VpcId": "vpc-1",
                    "Associations": [{"Main": True, "AssociationState": {"State": "associated"}}],
                    "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}],
                }
            ],
            "SecurityGroups": [
                {
                    "GroupId": "sg-1",
                    "VpcId": "vpc-1",
                    "IpPermissions": [],
                    "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
                }
            ],
            "Functions": [
                {"FunctionName": "fn", "VpcConfig": {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}}
            ],
        }
    )


@pytest.fixture(scope="module")
def offline_cli():
    """The ``labkit`` command with its AWS session stubbed: ``reach`` reads a small in-memory account, and
    nothing can reach a real account or the instance metadata address (169.254.169.254)."""
    from labkit.cli import aws as aws_cli
    from labkit.cli import reach as reach_cli
    from labkit.vpc import model

    patch = pytest.MonkeyPatch()
    topology = _small_topology()
    patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    patch.setattr(reach_cli, "_session", lambda args: object())
    patch.setattr(model.Topology, "from_boto3", classmethod(lambda cls, session, *, region=None: topology))

    def no_real_session(*args, **kwargs):
        raise AssertionError("the fuzz suite must not build a real AWS session")

    patch.setattr(aws_cli, "make_session", no_real_session)
    yield topology
    patch.undo()
