"""IAM evaluations per second on the Lambda guide's VPC example policies (goal: ≥ 50,000 per second).

One evaluation = ``lk.iam.evaluate(policy, action, context=…)`` for one example policy and one request,
cycling through the seven example policies × five requests (no VPC, an allowed VPC, a foreign VPC,
subnets partly inside the allowed set, empty lists) × two actions. Policies are passed as the same
dicts every time, as a notebook or the lab does: parsing is cached, so this measures evaluation.
Also measured: all seven policies in one evaluation, a cold parse + evaluation, and ``lint``.
"""

from __future__ import annotations

import copy
import time

from labkit.iam import evaluate, lambda_vpc_context, lint
from labkit.iam.examples import LAMBDA_VPC_EXAMPLES

GOAL_PER_SECOND = 50_000
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
    return {
        "evaluations_per_second": round(per_policy),
        "combined_7_policies_per_second": round(all_seven),
        "statements_per_second": round(all_seven * len(policies)),
        "cold_parse_and_evaluate_per_second": round(cold),
        "lint_per_second": round(lints),
        "goal_per_second": GOAL_PER_SECOND,
        "ok": ok,
    }


if __name__ == "__main__":
    run()
