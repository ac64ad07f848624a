"""The ``labkit`` command: the same engines as the notebooks, from a shell (``--json`` everywhere).

Subcommands live in their own modules (``reach``, ``policy``, ``doctor``, ``classroom``; ``aws`` makes
the read-only sessions with their timeouts, ``errors`` holds the command line's own errors); each has ``register(subparsers)`` which adds its parser and sets
``func`` to a handler ``handler(args) -> int`` (the exit code).

Exit codes of every subcommand: 0 the answer is yes (reachable, allowed, no findings, all checks pass),
1 the answer is no, 2 bad input or an AWS set-up that can't be used (one line saying what and how to fix
it), 130 interrupted (Ctrl-C). An error inside labkit itself also exits 1, with one line asking to report
it. ``--debug`` (anywhere on the command line) prints the traceback behind any error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TextIO

from labkit.errors import LabkitError

SUBCOMMANDS = ("reach", "policy", "doctor", "classroom")

#: Exit codes (docs/cli.md lists them).
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130

_DEBUG_HELP = "on an error, print the full traceback too"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labkit",
        description="Lambda-in-a-VPC teaching kit: reachability, IAM policies and environment checks.",
        epilog="exit status: 0 yes / all good, 1 no (not reachable, denied, findings), 2 bad input or an AWS "
        "set-up that can't be used, 130 interrupted. --debug prints the traceback behind an error.",
    )
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"labkit.cli.{name}").register(sub)
    _add_debug_everywhere(sub)
    return parser


def _add_debug_everywhere(sub: argparse._SubParsersAction) -> None:
    """``--debug`` works after the subcommand too (``labkit reach f internet --debug``)."""
    for parser in set(sub.choices.values()):
        if not any("--debug" in a.option_strings for a in parser._actions):
            parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _add_debug_everywhere(action)


def safe_text(text: str) -> str:
    """``text`` with whatever the terminal can't encode (lone surrogates…) written as backslash escapes.

    >>> safe_text("Sid \\udc80 ok")
    'Sid \\\\udc80 ok'
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def emit(text: str, stream: TextIO | None = None) -> None:
    """Print ``text`` so that no character can make printing fail (one policy Sid must not crash a report)."""
    out = sys.stdout if stream is None else stream
    text = safe_text(text)
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = text.encode(encoding if encoding else "ascii", "backslashreplace").decode(encoding or "ascii")
    print(text, file=out)


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        emit("labkit: interrupted", sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `labkit … | head`: the reader left; nothing to report
        return EXIT_INTERNAL
    except Exception as err:  # one catch-all: no exception reaches the user unexplained
        from labkit.cli.aws import is_setup_problem, setup_error

        if isinstance(err, LabkitError):  # bad input: a clear message, never a deep traceback
            message, code = f"labkit: error: {_one_line(err)}", EXIT_BAD_INPUT
        elif is_setup_problem(err):
            problem = setup_error(err, profile=getattr(args, "profile", None), timeout=getattr(args, "timeout", None))
            message, code = f"labkit: error: {_one_line(problem)}", EXIT_BAD_INPUT
        else:
            message = (
                f"labkit: internal error: {type(err).__name__}: {_one_line(err)[:300]}. This is a bug in "
                "labkit: please report it with the command you ran"
                + (" and the traceback above." if debug else " (rerun with --debug for the details).")
            )
            code = EXIT_INTERNAL
        if debug:
            import traceback

            emit("".join(traceback.format_exception(err)).rstrip(), sys.stderr)
        emit(message, sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
