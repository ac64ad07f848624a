"""Fuzzing the policy reader, ``lk.iam.evaluate`` and every ``labkit`` argument: only results, labkit errors,
or exit codes with a message come out."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from labkit.iam import evaluate, lint, parse_policy
from labkit.iam.policy import Policy

from .conftest import (
    any_objects,
    assert_clean_exit,
    expect_result_or_labkit_error,
    fuzz_settings,
    hostile_text,
    json_values,
    policy_shapes,
)

GOOD = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}


# ------------------------------------------------------------------------------ the policy reader


@fuzz_settings(150)
@given(st.binary(max_size=300))
def test_random_bytes_into_the_policy_reader(data):
    result = expect_result_or_labkit_error(lambda: parse_policy(data, name="fuzz"))
    assert isinstance(result, (Policy, ValueError))


@fuzz_settings(150)
@given(policy_shapes())
def test_random_json_shapes_into_the_reader_lint_and_evaluate(document):
    def whole():
        policy = parse_policy(document)
        lint(policy)
        return evaluate(policy, "lambda:CreateFunction", context={"lambda:VpcIds": "vpc-1"})

    expect_result_or_labkit_error(whole)
    try:
        text = json.dumps(document)
    except (ValueError, TypeError):  # NaN is fine for json; keys that aren't JSON are not
        return
    expect_result_or_labkit_error(lambda: parse_policy(text))


@fuzz_settings(80)
@given(json_values())
def test_arbitrary_json_text_into_the_reader(value):
    expect_result_or_labkit_error(lambda: parse_policy(json.dumps(value)))


# ------------------------------------------------------------------------------ evaluate


@fuzz_settings(200)
@given(
    any_objects() | st.just(GOOD),
    any_objects() | hostile_text,
    any_objects() | hostile_text,
    any_objects() | st.dictionaries(hostile_text, any_objects(), max_size=3),
)
def test_random_objects_into_evaluate(policies, action, resource, context):
    expect_result_or_labkit_error(lambda: evaluate(policies, action, resource=resource, context=context))


# ------------------------------------------------------------------------------ the command line


def _policy_file(directory: str, content: bytes) -> str:
    path = Path(directory) / "policy.json"
    path.write_bytes(content)
    return str(path)


@fuzz_settings(70)
@given(
    hostile_text,
    hostile_text,
    st.lists(hostile_text, max_size=3),
    st.lists(hostile_text, max_size=2),
    st.booleans(),
    st.binary(max_size=120) | st.just(json.dumps(GOOD).encode()),
)
def test_random_policy_eval_arguments(action, resource, context, vpc_config, as_json, content):
    with tempfile.TemporaryDirectory() as d:
        argv = ["policy", "eval", _policy_file(d, content), "--action", action, "--resource", resource]
        if context:
            argv += ["--context", *context]
        if vpc_config:
            argv += ["--vpc-config", *vpc_config]
        assert_clean_exit(argv + (["--json"] if as_json else []))


@fuzz_settings(50)
@given(st.lists(hostile_text, min_size=1, max_size=3), st.booleans())
def test_random_policy_lint_paths(paths, as_json):
    assert_clean_exit(["policy", "lint", *paths] + (["--json"] if as_json else []))


@fuzz_settings(50)
@given(
    st.lists(hostile_text | st.sampled_from(["eval", "lint", "--json", "--action", "--context", "--debug"]), max_size=5)
)
def test_random_words_after_labkit_policy(words):
    assert_clean_exit(["policy", *words])


@fuzz_settings(120)
@given(
    hostile_text,
    hostile_text,
    st.fixed_dictionaries(
        {},
        optional={
            "--region": hostile_text,
            "--profile": hostile_text,
            "--template": hostile_text,
            "--timeout": hostile_text,
        },
    ),
    st.booleans(),
    st.booleans(),
)
def test_random_reach_arguments(offline_cli, function, destination, options, as_json, every):
    argv = ["reach"] + ([function, destination] if not every else ["--all"])
    for flag, value in options.items():
        argv.append(f"{flag}={value}")
    code, out, err = assert_clean_exit(argv + (["--json"] if as_json else []))
    if code in (0, 1) and as_json:
        json.loads(out)


@fuzz_settings(40)
@given(
    st.lists(
        hostile_text | st.sampled_from(["reach", "policy", "doctor", "--all", "--json", "fn", "internet"]), max_size=4
    )
)
def test_random_words_after_labkit(offline_cli, words):
    if words[:1] == ["doctor"]:  # doctor inspects this machine (slow, and not input handling)
        words = words[1:]
    assert_clean_exit(words)
