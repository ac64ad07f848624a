"""``labkit policy eval`` and ``labkit policy lint``: output, JSON and exit codes (0 / 1 / 2)."""

from __future__ import annotations

import json

import pytest

from labkit.cli import main
from labkit.cli.policy import parse_context_item, parse_vpc_config
from labkit.iam import ContextError
from labkit.iam.examples import LAMBDA_VPC_EXAMPLES, STAY_IN_SUBNETS_FIXED


@pytest.fixture
def files(tmp_path):
    def write(name, document):
        path = tmp_path / name
        path.write_text(document if isinstance(document, str) else json.dumps(document, indent=2))
        return str(path)

    return {
        "require_vpc": write("require-vpc.json", LAMBDA_VPC_EXAMPLES["EnforceVPCFunction"]),
        "subnets": write("subnets.json", LAMBDA_VPC_EXAMPLES["EnforceStayInSpecificSubnets"]),
        "fixed": write("fixed.json", STAY_IN_SUBNETS_FIXED),
        "allow_all": write("allow-all.json", {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}),
        "broken": write("broken.json", '{"Version": "2012-10-17", "Statement": [\n  {"Effect": "Allow",}\n]}'),
        "typo": write(
            "typo.json",
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"StringEqual": {"aws:username": "a"}},
                }
            },
        ),
        "tmp": tmp_path,
    }


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_eval_denied_without_vpc(files, capsys):
    code, out, _ = run(
        capsys, "policy", "eval", files["require_vpc"], files["allow_all"], "--action", "lambda:CreateFunction"
    )
    assert code == 1
    assert out.startswith("lambda:CreateFunction on *: explicitDeny")
    assert "EnforceVPCFunction (Deny)" in out and "→ this statement denies" in out


def test_eval_allowed_with_vpc_config(files, capsys):
    code, out, _ = run(
        capsys,
        "policy",
        "eval",
        files["require_vpc"],
        files["subnets"],
        "--action",
        "lambda:UpdateFunctionConfiguration",
        "--vpc-config",
        "subnets=subnet-1,subnet-2",
        "sgs=sg-1",
        "vpc=vpc-1",
    )
    assert code == 0
    assert "allowed" in out.splitlines()[0]
    assert "lambda:SubnetIds=[subnet-1, subnet-2]" in out


def test_eval_json(files, capsys):
    code, out, _ = run(
        capsys,
        "policy",
        "eval",
        files["subnets"],
        "--action",
        "lambda:CreateFunction",
        "--context",
        "lambda:SubnetIds=subnet-1,subnet-9",
        "lambda:VpcIds=vpc-1",
        "--json",
    )
    data = json.loads(out)
    assert code == 1 and data["decision"] == "implicitDeny"
    assert data["context"] == {"lambda:SubnetIds": ["subnet-1", "subnet-9"], "lambda:VpcIds": "vpc-1"}
    assert data["statements"][0]["conditions"][0]["result"] is False
    assert data["statements"][0]["policy"] == files["subnets"]


def test_eval_the_pitfall_from_the_shell(files, capsys):
    """Empty lists (a disconnect) pass ForAllValues alone, but not the fixed policy."""
    args = ["--action", "lambda:UpdateFunctionConfiguration", "--vpc-config", "subnets=", "sgs=", "--json"]
    code, out, _ = run(capsys, "policy", "eval", files["subnets"], *args)
    assert code == 0 and json.loads(out)["decision"] == "allowed"
    code, out, _ = run(capsys, "policy", "eval", files["fixed"], *args)
    assert code == 1 and json.loads(out)["decision"] == "implicitDeny"


def test_context_may_repeat_and_use_json(files, capsys):
    policy = {
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}, "NumericLessThanEquals": {"s3:max-keys": "10"}},
        }
    }
    path = files["tmp"] / "s3.json"
    path.write_text(json.dumps(policy))
    code, _, _ = run(
        capsys,
        "policy",
        "eval",
        str(path),
        "--action",
        "s3:ListBucket",
        "--context",
        "aws:SecureTransport:=true",
        "--context",
        "s3:max-keys:=10",
    )
    assert code == 0
    code, _, _ = run(
        capsys,
        "policy",
        "eval",
        str(path),
        "--action",
        "s3:ListBucket",
        "--context",
        "aws:SecureTransport:=true",
        "--context",
        "s3:max-keys:=11",
    )
    assert code == 1


def test_lint_finds_the_pitfall(files, capsys):
    code, out, _ = run(capsys, "policy", "lint", files["subnets"])
    assert code == 1
    assert "FORALLVALUES_ABSENT_KEY (error)" in out and "EnforceStayInSpecificSubnets" in out and "Fix:" in out


def test_lint_json_and_clean_policy(files, capsys):
    code, out, _ = run(capsys, "policy", "lint", files["subnets"], "--json")
    finding = json.loads(out)["findings"][0]
    assert (
        code == 1
        and finding["code"] == "FORALLVALUES_ABSENT_KEY"
        and finding["statement"] == "EnforceStayInSpecificSubnets"
    )
    code, out, _ = run(capsys, "policy", "lint", files["fixed"], "--json")
    assert code == 0 and json.loads(out) == {"findings": []}
    code, out, _ = run(capsys, "policy", "lint", files["subnets"], files["require_vpc"])
    assert code == 0 and out.startswith("no findings")


@pytest.mark.parametrize(
    "argv, words",
    [
        (["policy", "eval", "{broken}", "--action", "lambda:CreateFunction"], "line 2, column 22"),
        (["policy", "lint", "{typo}"], "did you mean StringEquals"),
        (["policy", "eval", "{missing}", "--action", "lambda:CreateFunction"], "does not exist"),
        (["policy", "eval", "{allow_all}", "--action", "lambda:CreateFunction", "--context", "novalue"], "has no '='"),
        (
            ["policy", "eval", "{allow_all}", "--action", "lambda:CreateFunction", "--vpc-config", "subnets=subnet-1"],
            "vpc_id is needed",
        ),
        (
            ["policy", "eval", "{allow_all}", "--action", "lambda:CreateFunction", "--vpc-config", "zones=a"],
            "unknown setting",
        ),
        (["policy", "eval", "{allow_all}", "--action", "lambda:CreateFunction", "--context", "k:=[1,"], "JSON value"),
        (
            ["policy", "eval", "{allow_all}", "--action", "lambda:CreateFunction", "--context", "a=1", "A=2"],
            "more than once",
        ),
    ],
)
def test_bad_input_exits_2_with_a_message(files, capsys, argv, words):
    argv = [
        a.format(missing=str(files["tmp"] / "nope.json"), **{k: v for k, v in files.items() if k != "tmp"})
        for a in argv
    ]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("labkit: error:") and words in err
    assert out == ""


def test_policy_without_subcommand_prints_help(capsys):
    code, out, _ = run(capsys, "policy")
    assert code == 2 and "eval" in out and "lint" in out


def test_action_is_required(files, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["policy", "eval", files["allow_all"]])
    assert exit_info.value.code == 2
    assert "--action" in capsys.readouterr().err


@pytest.mark.parametrize(
    "item, expected",
    [
        ("aws:username=alice", ("aws:username", "alice")),
        ("lambda:SubnetIds=subnet-1,subnet-2", ("lambda:SubnetIds", ["subnet-1", "subnet-2"])),
        ("lambda:SubnetIds=[]", ("lambda:SubnetIds", [])),
        ("lambda:SubnetIds=[subnet-1]", ("lambda:SubnetIds", ["subnet-1"])),
        ("aws:MultiFactorAuthPresent:=false", ("aws:MultiFactorAuthPresent", False)),
        ('aws:TagKeys:=["a,b"]', ("aws:TagKeys", ["a,b"])),
        ("aws:Referer=https://x/?a=b", ("aws:Referer", "https://x/?a=b")),
    ],
)
def test_context_syntax(item, expected):
    assert parse_context_item(item) == expected


@pytest.mark.parametrize(
    "items, expected",
    [
        (
            ["subnets=subnet-1", "sgs=sg-1,sg-2", "vpc=vpc-1"],
            {"lambda:VpcIds": "vpc-1", "lambda:SubnetIds": ["subnet-1"], "lambda:SecurityGroupIds": ["sg-1", "sg-2"]},
        ),
        (["SubnetIds=[]", "SecurityGroupIds=[]"], {"lambda:SubnetIds": [], "lambda:SecurityGroupIds": []}),
        (["subnets="], {"lambda:SubnetIds": [], "lambda:SecurityGroupIds": []}),
    ],
)
def test_vpc_config_syntax(items, expected):
    assert parse_vpc_config(items) == expected


def test_vpc_config_twice_is_an_error():
    with pytest.raises(ContextError, match="twice"):
        parse_vpc_config(["subnets=a", "subnets=b"])
