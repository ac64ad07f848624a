"""The ``labkit`` command: the same engines as the notebooks, from a shell (``--json`` everywhere).

Subcommands live in their own modules; each has ``register(subparsers)`` which adds its parser and sets
``func`` to a handler ``handler(args) -> int`` (the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from labkit.errors import LabkitError

SUBCOMMANDS = ("reach", "policy", "doctor", "classroom")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labkit",
        description="Lambda-in-a-VPC teaching kit: reachability, IAM policies and environment checks.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"labkit.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except LabkitError as err:  # bad input: a clear message, never a deep traceback
        print(f"labkit: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
