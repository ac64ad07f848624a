"""IAM evaluations per second on the Lambda guide's VPC example policies (goal: ≥ 50,000 per second).

One evaluation = ``lk.iam.evaluate(policy, action, context=…)`` for one example policy and one request,
cycling through the seven example policies × five requests (no VPC, an allowed VPC, a foreign VPC,
subnets partly inside the allowed set, empty lists) × two actions. Policies are passed as the same
dicts every time, as a notebook or the lab does: parsing is cached, so this measures evaluation.
Also measured: all seven policies in one evaluation, a cold parse + evaluation, and ``lint``; and a 1 MiB
policy (the largest file ``labkit policy`` reads; thousands of statements, each with its own wildcard
actions and ARNs): read + lint, and read + evaluate, from cold (goal: each under 2 s).
"""

from __future__ import annotations

import copy
import json
import time

from labkit.iam import evaluate, lambda_vpc_context, lint
from labkit.iam.examples import LAMBDA_VPC_EXAMPLES

GOAL_PER_SECOND = 50_000
LARGE_POLICY_BYTES = 1 << 20
LARGE_GOAL_SECONDS = 2.0
ACTIONS = ("lambda:CreateFunction", "lambda:UpdateFunctionConfiguration")
REQUESTS = {
    "no VPC": lambda_vpc_context(),
    "allowed VPC": lambda_vpc_context(["subnet-1", "subnet-2"], ["sg-1"], "vpc-1"),
    "foreign VPC": lambda_vpc_context(["subnet-8", "subnet-9"], ["sg-9"], "vpc-9"),
    "partly inside": lambda_vpc_context(["subnet-1", "subnet-9"], ["sg-1", "sg-9"], "vpc-1"),
    "empty lists": lambda_vpc_context([], []),
}


def _rate(calls, seconds: float = 1.0) -> float:
    """Calls per second of running every call in ``calls`` repeatedly for about ``seconds``."""
    for fn in calls:  # warm the caches
        fn()
    done = 0
    t0 = time.perf_counter()
    while True:
        for fn in calls:
            fn()
        done += len(calls)
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return done / elapsed


def large_policy_text(size: int = LARGE_POLICY_BYTES) -> str:
    """A policy of just under ``size`` bytes: statements that each name their own wildcard actions and ARNs."""
    statements: list[dict] = []
    used = 60
    i = 0
    while True:
        statement = {
            "Sid": f"S{i}",
            "Effect": "Deny" if i % 3 == 0 else "Allow",
            "Action": [f"lambda:Get{i}*", "lambda:CreateFunction", f"ec2:Describe{i}?"],
            "Resource": [
                f"arn:aws:lambda:us-east-1:123456789012:function:fn-{i}-*",
                f"arn:aws:s3:::bucket-{i}/*",
                f"arn:aws:lambda:us-east-1:123456789012:function:exact-{i}",
            ],
            "Condition": {"StringEquals": {"lambda:VpcIds": [f"vpc-{i}"]}},
        }
        cost = len(json.dumps(statement)) + 2
        if used + cost > size:
            break
        statements.append(statement)
        used += cost
        i += 1
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _large(text: str) -> tuple[float, float]:
    """Seconds for a cold read + lint, and a cold read + evaluation, of ``text``."""
    from labkit.iam import parse_policy, patterns
    from labkit.iam import policy as policy_module

    def cold() -> None:
        policy_module._TEXT_CACHE.clear()
        patterns.arn_regex.cache_clear()
        patterns.like_regex.cache_clear()

    cold()
    t0 = time.perf_counter()
    lint(parse_policy(text, "large"))
    linted = time.perf_counter() - t0
    cold()
    t0 = time.perf_counter()
    evaluate(
        parse_policy(text, "large"),
        "lambda:CreateFunction",
        resource="arn:aws:lambda:us-east-1:123456789012:function:fn-7-a",
        context={"lambda:VpcIds": "vpc-7"},
    )
    evaluated = time.perf_counter() - t0
    return linted, evaluated


def run() -> dict:
    policies = list(LAMBDA_VPC_EXAMPLES.values())
    jobs = [(p, a, ctx) for p in policies for ctx in REQUESTS.values() for a in ACTIONS]
    single = [lambda p=p, a=a, c=c: evaluate(p, a, context=c) for p, a, c in jobs]
    combined = [lambda a=a, c=c: evaluate(policies, a, context=c) for c in REQUESTS.values() for a in ACTIONS]
    texts = [lambda p=p: evaluate(copy.deepcopy(p), "lambda:CreateFunction") for p in policies]
    linting = [lambda p=p: lint(p) for p in policies]

    per_policy = _rate(single, 2.0)
    all_seven = _rate(combined, 1.0)
    cold = _rate(texts, 1.0)
    lints = _rate(linting, 1.0)
    rows = [
        ("one example policy per evaluation (cached parse)", per_policy),
        ("all 7 example policies in one evaluation", all_seven),
        ("statements per second in that combined evaluation", all_seven * len(policies)),
        ("cold: fresh dict, parse + evaluation", cold),
        ("lint of one example policy", lints),
    ]
    print(f"{'measure':<52} {'per second':>12}")
    for name, value in rows:
        print(f"{name:<52} {value:>12,.0f}")
    ok = per_policy >= GOAL_PER_SECOND
    print(f"goal ≥ {GOAL_PER_SECOND:,} evaluations/s (one policy per evaluation): {'met' if ok else 'NOT met'}")
    text = large_policy_text()
    lint_s, eval_s = _large(text)
    large_ok = lint_s < LARGE_GOAL_SECONDS and eval_s < LARGE_GOAL_SECONDS
    print(
        f"1 MiB policy ({len(text):,} bytes, {text.count('Sid')} statements): read + lint {lint_s:.2f} s, "
        f"read + evaluate {eval_s:.2f} s; goal < {LARGE_GOAL_SECONDS:g} s each: {'met' if large_ok else 'NOT met'}"
    )
    return {
        "evaluations_per_second": round(per_policy),
        "combined_7_policies_per_second": round(all_seven),
        "statements_per_second": round(all_seven * len(policies)),
        "cold_parse_and_evaluate_per_second": round(cold),
        "lint_per_second": round(lints),
        "goal_per_second": GOAL_PER_SECOND,
        "large_policy_bytes": len(text),
        "large_policy_lint_seconds": round(lint_s, 3),
        "large_policy_evaluate_seconds": round(eval_s, 3),
        "large_policy_ok": large_ok,
        "ok": ok and large_ok,
    }


if __name__ == "__main__":
    run()
