"""``labkit reach``: can a Lambda function reach a destination, and if not, what blocks it?

    labkit reach my-function internet --profile prod --region eu-west-1
    labkit reach my-function s3 --json
    labkit reach --all

The account is read with ``Topology.from_boto3`` (Describe/List/Get calls only, nothing is changed), or,
with ``--template``, a CloudFormation template is deployed into an offline ``labkit.Lab`` and traced there.
Exit code: 0 reachable (every function × destination with ``--all``), 1 not reachable, 2 bad input or
an account that can't be read. Reading an account has time limits (``--timeout``, ``LABKIT_AWS_TIMEOUT``)
and a bounded number of retries: see :mod:`labkit.cli.aws`.
"""

from __future__ import annotations

import argparse
import json

from labkit.cli import emit
from labkit.cli.errors import ReachUsageError
from labkit.errors import LabkitError

#: The destinations ``--all`` checks for every function.
ALL_DESTINATIONS = ("internet", "s3", "dynamodb")

EXAMPLES = """\
examples:
  labkit reach my-function internet              can my-function reach the internet (tcp/443)?
  labkit reach my-function s3 --profile prod     same question about S3, with the AWS profile "prod"
  labkit reach my-function 10.0.2.15:5432        an address and port (a database in the VPC)
  labkit reach my-function internet --json       the whole trace as JSON
  labkit reach --all --region eu-west-1          every function × internet, s3, dynamodb as a table
  labkit reach my-function internet --template stack.yaml
                                                 the same, on a template deployed into an offline lab

DEST is "internet" (or "internet:PORT"), an AWS service name ("s3", "dynamodb", "sqs",
"secretsmanager", …) or IP:PORT. The account is only read (Describe/List/Get calls).
time limits: each AWS call waits at most 5 s to connect and 10 s for an answer (--timeout SECONDS or
LABKIT_AWS_TIMEOUT set both) and is tried at most twice (unless AWS_MAX_ATTEMPTS/AWS_RETRY_MODE or the
profile's max_attempts/retry_mode say otherwise).
exit status: 0 reachable, 1 not reachable, 2 bad input or the account can't be read.
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "reach",
        help="can a Lambda function reach a destination? what blocks it?",
        description="Trace the way from a Lambda function to a destination in an AWS account (read-only) "
        "and say whether traffic gets there, and if not, which resource stops it and why.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("function", nargs="?", metavar="FUNCTION", help="function name or ARN")
    p.add_argument("destination", nargs="?", metavar="DEST", help='"internet", a service ("s3", …) or IP:PORT')
    p.add_argument(
        "--all",
        action="store_true",
        help=f"check every function against {', '.join(ALL_DESTINATIONS)} and print a table",
    )
    p.add_argument("--profile", metavar="P", help="AWS profile to read the account with (default: boto3's)")
    p.add_argument("--region", metavar="R", help="AWS region (default: the profile's)")
    p.add_argument(
        "--template",
        metavar="T",
        help="instead of an AWS account, deploy this CloudFormation template (a path, or a sample: "
        "vpc-private, vpc-privatepublic) into an offline lab and trace there; nothing reaches AWS",
    )
    p.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_timeout_arg,
        help="seconds to wait for AWS to connect and to answer, each (default: connect 5, read 10; "
        "also LABKIT_AWS_TIMEOUT)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)


def _timeout_arg(text: str) -> float:
    from labkit.cli.aws import parse_timeout

    try:
        return parse_timeout(text)
    except LabkitError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _session(args):
    """The boto3 session to read the account with, with labkit's time limits (tests replace this function)."""
    from labkit.cli.aws import make_session

    return make_session(args.profile, args.region, getattr(args, "timeout", None))


def _topology(args):
    """The account to trace: a real one (read-only), or a template deployed into an offline lab."""
    if isinstance(args.template, list):  # argparse turns "--template=--" into a list of what follows "--"
        args.template = " ".join(args.template)
    if args.template is not None:
        if not args.template.strip():
            raise ReachUsageError(
                "--template is empty: give a template file (stack.yaml), or a labkit template (vpc-private, "
                "vpc-privatepublic); leave --template out to read the AWS account instead."
            )
        if args.profile:
            raise ReachUsageError(
                "--template deploys into an offline lab and --profile reads a real account: give one of them."
            )
        from labkit.awslambda.cfn_templates import check_template, load_template
        from labkit.lab import Lab

        body, name = load_template(args.template)  # a template that can't be deployed fails before the lab opens
        check_template(body)
        with Lab(region=args.region or "us-east-1") as lab:
            lab.deploy(body, name=name)
            return lab.topology()
    from labkit.cli.aws import is_setup_problem, setup_error
    from labkit.vpc.errors import AwsSetupError
    from labkit.vpc.model import Topology

    session = _session(args)
    timeout = getattr(args, "timeout", None)
    try:
        return Topology.from_boto3(session)
    except AwsSetupError as err:  # the importer's own words, except for a stalled network or a proxy
        raise setup_error(err, profile=args.profile, timeout=timeout) from err
    except LabkitError:
        raise
    except Exception as err:
        if is_setup_problem(err):
            raise setup_error(err, profile=args.profile, timeout=timeout) from err
        raise


def run(args) -> int:
    if args.all:
        if args.function or args.destination:
            raise ReachUsageError(
                "--all checks every function against internet, s3 and dynamodb: give either --all "
                f"or FUNCTION DEST, not both (got {' '.join(filter(None, [args.function, args.destination]))!r}). "
                "Example: labkit reach --all"
            )
    elif not (args.function and args.destination):
        missing = "FUNCTION and DEST" if not args.function else "DEST"
        raise ReachUsageError(
            f"labkit reach needs {missing}: e.g. `labkit reach my-function internet`, "
            "or `labkit reach --all` for every function."
        )

    topo = _topology(args)
    if args.all:
        return _run_all(topo, args)

    from labkit.vpc.reach import trace

    t = trace(topo, args.function, args.destination)
    emit(json.dumps(t.to_dict(), indent=2) if args.json else str(t))
    return 0 if t.reachable else 1


def _cell(t) -> str:
    if t.reachable:
        return "yes"
    b = t.blocked_by
    return f"NO ({b.code.value} at {b.resource_id})" if b is not None else "NO"


def _run_all(topo, args) -> int:
    from labkit.vpc.reach import trace

    if not topo.functions:
        where = f"region {topo.region}" + (f" of account {topo.account_id}" if topo.account_id else "")
        raise ReachUsageError(
            f"No Lambda functions in {where}. Check the region (--region) and the profile (--profile)."
        )
    traces = [[trace(topo, f.name, d) for d in ALL_DESTINATIONS] for f in topo.functions]
    everything = all(t.reachable for row in traces for t in row)
    if args.json:
        emit(
            json.dumps(
                {
                    "region": topo.region,
                    "destinations": list(ALL_DESTINATIONS),
                    "reachable": everything,
                    "traces": [t.to_dict() for row in traces for t in row],
                },
                indent=2,
            )
        )
        return 0 if everything else 1

    header = ["function", *ALL_DESTINATIONS]
    rows = [[f.name, *(_cell(t) for t in row)] for f, row in zip(topo.functions, traces, strict=False)]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        emit("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip())
    ok = sum(t.reachable for row in traces for t in row)
    total = sum(len(row) for row in traces)
    summary = f"{ok} of {total} reachable."
    if not everything:
        summary += " Why a NO: labkit reach FUNCTION DEST"
    emit(f"\n{summary}")
    return 0 if everything else 1
