"""``labkit classroom``: nbgitpuller links for the lessons, and the class report.

labkit classroom link --hub URL --repo URL [--branch B] [--lesson 03] [--student] [--binder-url URL] [--env-repo URL]
labkit classroom report (--hub URL | PATH…) [--csv FILE] [--html FILE] [--token T]
"""

from __future__ import annotations

import json

from labkit.classroom.pull_links import DEFAULT_BINDER, make_links


def register(sub) -> None:
    parser = sub.add_parser(
        "classroom",
        help="links for a class on JupyterHub or Binder, and the class report",
        description="A class on JupyterHub: nbgitpuller links and the class report (see docs/classroom.md).",
    )
    cmds = parser.add_subparsers(dest="classroom_command", metavar="ACTION")

    link = cmds.add_parser(
        "link",
        help="the nbgitpuller links of a lesson (or of every lesson)",
        description="Print nbgitpuller links that put the lessons into each learner's home and "
        "open one: JupyterHub, Binder, and Canvas/LTI (the hub needs the LTI "
        "authenticator for the last one).",
    )
    link.add_argument("--hub", required=True, help="the JupyterHub's address, e.g. https://hub.example.org")
    link.add_argument("--repo", required=True, help="the git repository with the lessons (https)")
    link.add_argument("--branch", default="main", help="its branch (default main)")
    link.add_argument("--lesson", help="one lesson, e.g. 03 (default: every lesson)")
    link.add_argument("--student", action="store_true", help="open the student copies (student/) instead")
    link.add_argument("--binder-url", default=DEFAULT_BINDER, help=f"the BinderHub (default {DEFAULT_BINDER})")
    link.add_argument("--env-repo", help="the repository Binder builds the environment from (default --repo)")
    link.add_argument("--json", action="store_true", help="print JSON")
    link.set_defaults(func=_link)

    report = cmds.add_parser(
        "report",
        help="where the class is stuck (from the hub or progress files)",
        description="Per learner × exercise (solved, checks, hints, time to solve) and per "
        "exercise (solve rate, median checks, commonest wrong first answer).",
    )
    report.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="progress logs, folders or patterns, e.g. '/home/*/.labkit/events.jsonl'",
    )
    report.add_argument("--hub", help="read the hub's progress service instead (an admin's token)")
    report.add_argument("--token", help="the admin's API token (default $JUPYTERHUB_API_TOKEN)")
    report.add_argument("--csv", metavar="FILE", help="write one row per learner × exercise")
    report.add_argument("--html", metavar="FILE", help="write the report with its heatmap as a web page")
    report.add_argument("--json", action="store_true", help="print JSON")
    report.set_defaults(func=_report)
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)


def _link(args) -> int:
    found = make_links(
        args.hub,
        args.repo,
        branch=args.branch,
        lesson=args.lesson,
        student=args.student,
        binder_url=args.binder_url,
        env_repo=args.env_repo,
    )
    if args.json:
        print(json.dumps([x.to_dict() for x in found], indent=2))
        return 0
    for x in found:
        print(
            f"{x.lesson}\n  JupyterHub:  {x.jupyterhub}\n  Binder:      {x.binder}\n"
            f"  Canvas/LTI:  {x.canvas}   (needs the hub's LTI authenticator)\n"
        )
    return 0


def _report(args) -> int:
    from labkit.classroom.class_report import build_report

    report = build_report(args.paths, hub=args.hub, token=args.token)
    if args.csv:
        report.to_csv(args.csv)
    if args.html:
        report.write_html(args.html)
    if args.json:
        print(
            json.dumps(
                {
                    "learners": report.learners,
                    "exercises": report.per_exercise(),
                    "rows": report.rows(),
                    "problems": [p.__dict__ for p in report.problems],
                },
                indent=2,
                default=str,
            )
        )
    else:
        print(report)
        for what, path in (("CSV", args.csv), ("HTML", args.html)):
            if path:
                print(f"{what} written to {path}")
    return 0
