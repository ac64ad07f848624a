"""The command's one catch-all (exit 2 bad input, 1 internal error, 130 Ctrl-C, --debug), ``labkit policy`` on
hostile input, and ``labkit reach --template`` on templates the lab can't deploy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labkit.cli import main, safe_text
from labkit.cli import policy as policy_cli
from labkit.cli import reach as reach_cli

ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def allow_all(tmp_path) -> Path:
    path = tmp_path / "allow.json"
    path.write_text(json.dumps(ALLOW_ALL))
    return path


# ------------------------------------------------------------------------------ the catch-all


def test_an_internal_error_exits_1_with_one_line_asking_to_report_it(monkeypatch, capsys):
    def broken(args):
        raise TypeError("something labkit got wrong")

    monkeypatch.setattr(reach_cli, "_session", broken)
    code, out, err = run(capsys, "reach", "f", "internet")
    line = one_error_line(err)
    assert code == 1 and out == ""
    assert line.startswith("labkit: internal error: TypeError: something labkit got wrong")
    assert "please report it" in line and "--debug" in line


def test_debug_prints_the_traceback_of_an_internal_error(monkeypatch, capsys):
    def broken(args):
        raise TypeError("something labkit got wrong")

    monkeypatch.setattr(reach_cli, "_session", broken)
    code, _, err = run(capsys, "--debug", "reach", "f", "internet")
    assert code == 1
    assert "Traceback (most recent call last)" in err and "in broken" in err
    assert err.strip().splitlines()[-1].startswith("labkit: internal error: TypeError")


def test_ctrl_c_exits_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(reach_cli, "_session", interrupted)
    code, out, err = run(capsys, "reach", "f", "internet")
    assert (code, out) == (130, "")
    assert one_error_line(err) == "labkit: interrupted"


def test_debug_is_accepted_after_a_nested_subcommand(allow_all, capsys):
    code, _, err = run(capsys, "policy", "eval", str(allow_all), "--action", "lambda", "--debug")
    assert code == 2
    assert "Traceback" in err and "ContextError" in err


# ------------------------------------------------------------------------------ --action


@pytest.mark.parametrize(
    "action", ["lambda", "::", " ", "iam:PassRole extra", "iam:", ":PassRole", "lambda:*", "", "iam:Pass\udc80Role"]
)
def test_action_must_look_like_service_colon_action(allow_all, capsys, action):
    code, out, err = run(capsys, "policy", "eval", str(allow_all), "--action", action)
    assert (code, out) == (2, "")
    line = one_error_line(err)
    assert "is not of the form service:Action" in line and "lambda:CreateFunction" in line


def test_a_well_formed_action_is_evaluated(allow_all, capsys):
    code, out, _ = run(capsys, "policy", "eval", str(allow_all), "--action", "iam:PassRole")
    assert code == 0 and "allowed" in out


# ------------------------------------------------------------------------------ policy files


def test_policy_device_file_is_refused(capsys):
    code, out, err = run(capsys, "policy", "lint", "/dev/zero")
    assert (code, out) == (2, "")
    assert "is not a regular file" in one_error_line(err)


def test_policy_urandom_is_refused(capsys):
    code, _, err = run(capsys, "policy", "eval", "/dev/urandom", "--action", "s3:GetObject")
    assert code == 2 and "is not a regular file" in one_error_line(err)


def test_policy_over_1_mib_is_refused_naming_aws_limits(tmp_path, capsys):
    path = tmp_path / "huge.json"
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/" + "x" * 1000}
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [statement] * 1100}))
    assert path.stat().st_size > policy_cli.MAX_POLICY_BYTES
    code, _, err = run(capsys, "policy", "lint", str(path))
    line = one_error_line(err)
    assert code == 2
    assert "1 MiB" in line
    assert "6,144" in line and "2,048" in line and "10,240" in line and "5,120" in line


def test_policy_nested_10000_deep(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text('{"Version": "2012-10-17", "Statement": ' + "[" * 10_000 + "]" * 10_000 + "}")
    code, _, err = run(capsys, "policy", "lint", str(path))
    assert code == 2 and "nested too deeply" in one_error_line(err)


def test_policy_with_a_5000_digit_integer(tmp_path, capsys):
    path = tmp_path / "digits.json"
    path.write_text('{"Version": "2012-10-17", "Id": ' + "7" * 5000 + ', "Statement": []}')
    code, _, err = run(capsys, "policy", "lint", str(path))
    assert code == 2 and "more digits" in one_error_line(err)


def test_binary_policy_file(tmp_path, capsys):
    path = tmp_path / "blob.json"
    path.write_bytes(b"\xff\xfe\x00binary")
    code, _, err = run(capsys, "policy", "lint", str(path))
    assert code == 2 and "not UTF-8" in one_error_line(err)


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_lone_surrogate_in_a_sid_prints(tmp_path, capsys, as_json):
    path = tmp_path / "sid.json"
    # JSON's \udc80 escape is a lone surrogate once parsed; it can't be encoded as UTF-8 when printed
    path.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Sid": "A\\udc80", "Effect": "Allow", '
        '"Action": "*", "Resource": "*"}]}'
    )
    argv = ["policy", "eval", str(path), "--action", "s3:GetObject"] + (["--json"] if as_json else [])
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "\\udc80" in out
    if as_json:
        assert json.loads(out)["matched"] == ["A\udc80"]
    lint_code, lint_out, _ = run(capsys, "policy", "lint", str(path), *(["--json"] if as_json else []))
    assert lint_code in (0, 1)
    lint_out.encode("utf-8")  # printable text


def test_safe_text_escapes_what_utf8_cant_hold():
    assert safe_text("a\udc80b") == "a\\udc80b"
    assert safe_text("plain ünïcode") == "plain ünïcode"


def test_non_string_policy_keys_are_a_policy_error():
    from labkit.iam import PolicyError, evaluate

    with pytest.raises(PolicyError, match="not a string"):
        evaluate({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", 7: "x"}}, "s3:GetObject")


# ------------------------------------------------------------------------------ templates

TEMPLATES = {
    "eks": (
        "Resources:\n  Cluster:\n    Type: AWS::EKS::Cluster\n    Properties: {Name: c}\n",
        ["Resource Cluster", "'AWS::EKS::Cluster'", "supported_types()", "without --template"],
    ),
    "custom": (
        "Resources:\n  Thing:\n    Type: Custom::Thing\n    Properties: {ServiceToken: x}\n",
        ["Resource Thing", "'Custom::Thing'", "custom resources"],
    ),
    "typo": (
        "Resources:\n  Net:\n    Type: AWS::EC2::VPCC\n    Properties: {CidrBlock: 10.0.0.0/16}\n",
        ["Resource Net", "'AWS::EC2::VPCC'", "Did you mean AWS::EC2::VPC", "AWS::EC2::Subnet"],
    ),
    "ref-nope": (
        "Resources:\n  Net:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\n"
        "  Sub:\n    Type: AWS::EC2::Subnet\n    Properties: {VpcId: !Ref Nope, CidrBlock: 10.0.1.0/24}\n",
        ["resource Sub", "'Nope'", "!Ref", "Known: Net, Sub"],
    ),
    "getatt-nope": (
        "Resources:\n  Net:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\n"
        "Outputs:\n  Id: {Value: !GetAtt Gone.VpcId}\n",
        ["output Id", "'Gone'", "!GetAtt"],
    ),
}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_the_lab_cant_deploy(tmp_path, capsys, name):
    text, words = TEMPLATES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    code, out, err = run(capsys, "reach", "f", "internet", "--template", str(path))
    assert (code, out) == (2, "")
    line = one_error_line(err)
    for word in words:
        assert word in line, (word, line)


def test_binary_template_file(tmp_path, capsys):
    path = tmp_path / "blob.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    code, _, err = run(capsys, "reach", "f", "internet", "--template", str(path))
    assert code == 2 and "not UTF-8 text" in one_error_line(err)


def test_device_as_template(capsys):
    code, _, err = run(capsys, "reach", "f", "internet", "--template", "/dev/zero")
    assert code == 2 and "not a regular file" in one_error_line(err)


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_template_is_an_error_and_never_reads_the_account(monkeypatch, capsys, value):
    def no_account(args):
        raise AssertionError("an empty --template must not read the AWS account")

    monkeypatch.setattr(reach_cli, "_session", no_account)
    code, out, err = run(capsys, "reach", "f", "internet", "--template", value)
    assert (code, out) == (2, "")
    assert "--template is empty" in one_error_line(err)


def test_sub_with_its_own_variables_is_not_a_missing_reference():
    from labkit.awslambda.cfn_templates import check_template

    check_template(
        {
            "Resources": {
                "Net": {
                    "Type": "AWS::EC2::VPC",
                    "Properties": {
                        "CidrBlock": "10.0.0.0/16",
                        "Tags": [{"Key": "Name", "Value": {"Fn::Sub": ["${X}-${AWS::Region}", {"X": "a"}]}}],
                    },
                }
            }
        }
    )
