"""docs/readonly-policy.json: generated from the importer's calls, current, and exactly read-only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import labkit as lk
from labkit.vpc.importer import IMPORTER_CALLS, minimal_read_only_policy

DOC = Path(__file__).resolve().parent.parent / "docs" / "readonly-policy.json"


def test_the_shipped_policy_is_the_generated_one():
    shipped = json.loads(DOC.read_text(encoding="utf-8"))
    assert shipped == minimal_read_only_policy(), (
        "docs/readonly-policy.json is stale: run python tools/make_readonly_policy.py"
    )


@pytest.mark.parametrize("service,operation", IMPORTER_CALLS)
def test_every_importer_call_is_allowed(service, operation):
    policy = json.loads(DOC.read_text(encoding="utf-8"))
    if (service, operation) == ("sts", "GetCallerIdentity"):
        # no IAM permission is needed for it, so the policy does not list it
        assert "sts:GetCallerIdentity" not in json.dumps(policy)
        return
    assert lk.iam.evaluate(policy, f"{service}:{operation}").allowed


@pytest.mark.parametrize(
    "action",
    [
        "ec2:CreateVpc",
        "sts:GetSessionToken",
        "ec2:DeleteSubnet",
        "lambda:UpdateFunctionConfiguration",
        "rds:DeleteDBInstance",
        "elasticache:ModifyCacheCluster",
        "lambda:GetFunction",
        "iam:PassRole",
    ],
)
def test_anything_else_is_denied(action):
    policy = json.loads(DOC.read_text(encoding="utf-8"))
    assert not lk.iam.evaluate(policy, action).allowed
