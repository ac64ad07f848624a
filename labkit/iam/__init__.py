"""labkit's IAM engine: evaluate identity-based policies with their Condition blocks, and lint them.

    import labkit as lk
    ev = lk.iam.evaluate(policy, "lambda:CreateFunction", context=lk.iam.lambda_vpc_context(
        ["subnet-1"], ["sg-1"], "vpc-1"))
    ev.decision            # Decision.ALLOWED / EXPLICIT_DENY / IMPLICIT_DENY
    print(ev)              # the statement-by-statement reasoning
    lk.iam.lint(policy)    # pitfalls, e.g. ForAllValues on a key that can be absent

Modules: ``policy`` (reading and checking documents), ``operators`` (the operator registry), ``context`` (the
request context), ``conditions`` (one compiled condition and its result), ``values``
(reading condition values), ``patterns`` (wildcards and policy variables),
``evaluate`` (decisions and their explanation), ``lint`` (pitfall findings), ``table`` (decision tables:
policies × requests), ``examples`` (the Lambda guide's example policies), ``lambda_role`` (the execution
role's trust policy and network-interface actions), ``errors``. No boto3 or moto here.
"""

from labkit.iam import examples
from labkit.iam.conditions import ConditionResult
from labkit.iam.errors import ContextError, PolicyError, PolicyJSONError, UnknownOperatorError
from labkit.iam.evaluate import Decision, Evaluation, StatementResult, evaluate, is_allowed, lambda_vpc_context
from labkit.iam.lint import CODES as LINT_CODES
from labkit.iam.lint import LAMBDA_ACTIONS, Finding, lint
from labkit.iam.operators import OPERATORS, Operator
from labkit.iam.policy import Policy, Statement, parse_policies, parse_policy
from labkit.iam.table import DecisionTable, decision_table

__all__ = [
    "evaluate",
    "is_allowed",
    "Decision",
    "Evaluation",
    "StatementResult",
    "ConditionResult",
    "lint",
    "Finding",
    "LINT_CODES",
    "LAMBDA_ACTIONS",
    "lambda_vpc_context",
    "parse_policy",
    "parse_policies",
    "Policy",
    "Statement",
    "OPERATORS",
    "Operator",
    "PolicyError",
    "PolicyJSONError",
    "UnknownOperatorError",
    "ContextError",
    "examples",
    "decision_table",
    "DecisionTable",
]
