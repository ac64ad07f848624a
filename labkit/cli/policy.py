"""``labkit policy``: evaluate a request against identity-based policies, or lint a policy.

    labkit policy eval POLICY.json [POLICY.json …] --action lambda:CreateFunction \\
        [--resource ARN] [--context KEY=VALUE …] [--vpc-config subnets=a,b sgs=c vpc=v] [--json]
    labkit policy lint POLICY.json [POLICY.json …] [--json]

``--context`` (repeatable, each takes one or more KEY=VALUE):

* ``key=value`` a single string value (``aws:username=alice``);
* ``key=v1,v2`` a list (``lambda:SubnetIds=subnet-1,subnet-2``); ``key=[]`` an empty list;
  ``key=[v]`` a one-element list;
* ``key:=JSON`` the value as JSON, for anything else (``aws:MultiFactorAuthPresent:=true``,
  ``aws:TagKeys:=["a,b"]``).

``--vpc-config subnets=… sgs=… vpc=…`` builds the Lambda VPC keys as a CreateFunction or
UpdateFunctionConfiguration request has them (``subnets= sgs=`` is a disconnect: empty lists, no VPC).

Exit codes: 0 allowed / no findings, 1 denied / findings, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import stat

from labkit.cli import emit
from labkit.iam.errors import ContextError, PolicyError

EPILOG = """context values: key=value (string), key=v1,v2 (list), key=[] (empty list), key:=JSON (exact JSON value).
exit codes: 0 allowed / no findings, 1 denied / findings, 2 bad input."""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "policy",
        help="evaluate or lint IAM identity-based policies",
        description="Evaluate a request against IAM policies, or lint a policy.",
    )
    sub = parser.add_subparsers(dest="policy_command", metavar="{eval,lint}")
    ev = sub.add_parser(
        "eval",
        help="decide a request: allowed, explicitDeny or implicitDeny, and why",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ev.add_argument("policies", nargs="+", metavar="POLICY.json", help="identity-based policy documents")
    ev.add_argument("--action", required=True, help="the action, e.g. lambda:CreateFunction")
    ev.add_argument("--resource", default="*", help='the resource ARN (default "*")')
    ev.add_argument(
        "--context",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help="request context keys (repeatable)",
    )
    ev.add_argument(
        "--vpc-config",
        nargs="+",
        metavar="subnets=…|sgs=…|vpc=…",
        help="Lambda VPC settings of the request: subnets=a,b sgs=c vpc=v",
    )
    ev.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    lint = sub.add_parser(
        "lint",
        help="find the pitfalls the kit teaches",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lint.add_argument("policies", nargs="+", metavar="POLICY.json", help="policy documents to check together")
    lint.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.set_defaults(func=handler, _policy_parser=parser)


def handler(args) -> int:
    if args.policy_command == "eval":
        return _eval(args)
    if args.policy_command == "lint":
        return _lint(args)
    args._policy_parser.print_help()
    return 2


# ---------------------------------------------------------------- input

#: The largest policy file read, in bytes. AWS's own limits are far smaller (IAM User Guide, "IAM and AWS STS
#: quotas", counted in characters without white space): a managed policy 6,144; the inline policies of a user
#: 2,048, of a group 5,120, of a role 10,240.
MAX_POLICY_BYTES = 1 << 20
AWS_LIMITS = (
    "AWS itself accepts far smaller policies: 6,144 characters for a managed policy, and for all inline "
    "policies of a user 2,048, of a group 5,120, of a role 10,240 (white space not counted)"
)


def _read(path: str) -> str:
    """The text of a policy file: a regular UTF-8 file of at most :data:`MAX_POLICY_BYTES` bytes."""
    if not path:
        raise PolicyError("the policy file name is empty", fix="give the path of a .json file")
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError(path)
            if not stat.S_ISREG(info.st_mode):
                raise PolicyError(
                    f"{path!r} is not a regular file (a device, pipe or socket)",
                    fix="save the policy to a .json file and give its path",
                )
            if info.st_size > MAX_POLICY_BYTES:
                raise PolicyError(
                    f"policy file {path!r} is {info.st_size:,} bytes; labkit reads policies of at "
                    f"most {MAX_POLICY_BYTES:,} bytes (1 MiB). {AWS_LIMITS}",
                    fix="split the policy, or check that this is the right file",
                )
            data = f.read(MAX_POLICY_BYTES + 1)
    except FileNotFoundError:
        raise PolicyError(f"policy file {path!r} does not exist", fix="check the path") from None
    except IsADirectoryError:
        raise PolicyError(f"{path!r} is a directory, not a policy file", fix="give the path of a .json file") from None
    except (OSError, ValueError) as err:  # ValueError: a path with a NUL character
        raise PolicyError(f"can't read policy file {path!r}: {err}", fix="give a readable UTF-8 JSON file") from None
    if len(data) > MAX_POLICY_BYTES:  # the file grew while it was read
        raise PolicyError(
            f"policy file {path!r} is over {MAX_POLICY_BYTES:,} bytes (1 MiB). {AWS_LIMITS}",
            fix="split the policy, or check that this is the right file",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise PolicyError(
            f"policy file {path!r} is not UTF-8 text (byte {err.start:,} is {data[err.start : err.start + 1]!r})",
            fix="give a UTF-8 JSON file (a binary file is not a policy)",
        ) from None


def _load(paths: list[str]):
    from labkit.iam.policy import parse_policy

    return [parse_policy(_read(p), name=p) for p in paths]


def parse_context_item(item: str) -> tuple[str, object]:
    """One ``--context`` item → (key, value).

    >>> parse_context_item("lambda:SubnetIds=subnet-1,subnet-2")
    ('lambda:SubnetIds', ['subnet-1', 'subnet-2'])
    >>> parse_context_item("aws:username=alice")
    ('aws:username', 'alice')
    >>> parse_context_item("lambda:SubnetIds=[]")
    ('lambda:SubnetIds', [])
    >>> parse_context_item("aws:SecureTransport:=true")
    ('aws:SecureTransport', True)
    """
    if "=" not in item:
        raise ContextError(f"--context item {item!r} has no '='; write KEY=VALUE, e.g. lambda:VpcIds=vpc-1")
    key, text = item.split("=", 1)
    if key.endswith(":"):
        key = key[:-1]
        try:
            value = json.loads(text)
        except json.JSONDecodeError as err:
            raise ContextError(
                f'--context {key}:= needs a JSON value, got {text!r} ({err.msg}); e.g. aws:TagKeys:=\'["a", "b"]\''
            ) from None
    elif text == "[]":
        value = []
    elif text.startswith("[") and text.endswith("]"):
        value = [v for v in text[1:-1].split(",")]
    elif "," in text:
        value = text.split(",")
    else:
        value = text
    if not key:
        raise ContextError(f"--context item {item!r} has an empty key; write KEY=VALUE")
    return key, value


def parse_vpc_config(items: list[str]) -> dict:
    """``--vpc-config`` items → the Lambda VPC keys (see :func:`labkit.iam.lambda_vpc_context`).

    >>> parse_vpc_config(["subnets=subnet-1,subnet-2", "sgs=sg-1", "vpc=vpc-1"])["lambda:SubnetIds"]
    ['subnet-1', 'subnet-2']
    >>> parse_vpc_config(["subnets=", "sgs="])
    {'lambda:SubnetIds': [], 'lambda:SecurityGroupIds': []}
    """
    from labkit.iam.evaluate import lambda_vpc_context

    names = {
        "subnets": "subnets",
        "subnetids": "subnets",
        "sgs": "sgs",
        "securitygroupids": "sgs",
        "security-groups": "sgs",
        "vpc": "vpc",
        "vpcid": "vpc",
        "vpc-id": "vpc",
    }
    got: dict[str, list[str]] = {}
    vpc: str | None = None
    seen: set[str] = set()
    for item in items:
        if "=" not in item:
            raise ContextError(f"--vpc-config item {item!r} has no '='; write subnets=a,b sgs=c vpc=v")
        name, text = item.split("=", 1)
        canon = names.get(name.strip().lower())
        if canon is None:
            raise ContextError(f"--vpc-config item {item!r}: unknown setting {name!r}; use subnets=, sgs= and vpc=")
        if canon in got or (canon == "vpc" and "vpc" in seen):
            raise ContextError(f"--vpc-config gives {canon}= twice; give it once")
        seen.add(canon)
        if canon == "vpc":
            vpc = text or None
        else:
            got[canon] = [v for v in text.strip("[]").split(",") if v]
    return lambda_vpc_context(
        got.get("subnets", [] if "sgs" in got else None), got.get("sgs", [] if "subnets" in got else None), vpc
    )


def _context(args) -> dict:
    context: dict = {}
    if args.vpc_config:
        context.update(parse_vpc_config(args.vpc_config))
    for item in args.context:
        key, value = parse_context_item(item)
        clash = next((k for k in context if k.lower() == key.lower()), None)
        if clash is not None:
            raise ContextError(f"--context gives {key!r} more than once (or also through --vpc-config); give it once")
        context[key] = value
    return context


# ---------------------------------------------------------------- commands


def _eval(args) -> int:
    from labkit.iam.evaluate import check_action, evaluate

    check_action(args.action)
    policies = _load(args.policies)
    context = _context(args)
    ev = evaluate(policies, args.action, resource=args.resource, context=context)
    if args.json:
        emit(json.dumps(ev.to_dict(), indent=2))
    else:
        emit(str(ev))
    return 0 if ev.allowed else 1


def _lint(args) -> int:
    from labkit.iam.lint import lint

    policies = _load(args.policies)
    findings = lint(policies)
    if args.json:
        emit(json.dumps({"findings": [f.to_dict() for f in findings]}, indent=2))
    elif findings:
        emit("\n".join(str(f) for f in findings))
    else:
        emit(f"no findings in {', '.join(args.policies)}")
    return 1 if findings else 0
