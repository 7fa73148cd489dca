"""``releasekit calendar``: the release calendar — sessions, closed days, freezes, promotion times.

Offline; needs no token. Two forms::

    releasekit calendar [show] [--days 30] [--state STATE.json ...] [--now ISO-8601]
    releasekit calendar check --action prepare|tag [--hotfix --signoff-report FILE]

``show`` prints the next days as a table (Markdown in the job summary) and, for each rollout
state file given, the next instant the calendar allows its promotion. ``check`` is the step
prepare-release and tag-release run before cutting or tagging: exit 1 inside a freeze window,
naming it, unless it is a hotfix carrying the approvals the policy names (docs/calendar.md).
An exchange market needs the calendar extra (``pip install 'releasekit[calendar]'``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from releasekit.cli.common import ArgumentParser, run_gate, usage_failure
from releasekit.cli.common.ops import Clock, add_common, parse_now, utc_now
from releasekit.core.report import Report
from releasekit.errors import InputError
from releasekit.gates.calendar import TOOL, CheckRequest, ShowRequest, check, show

MAX_DAYS = 366


def parser() -> ArgumentParser:
    """The command's options: ``show`` (the default) and ``check``.

    ``--format``, ``--report-out``, ``--repo``, ``--policy`` and ``--now`` may come before the
    subcommand (the composite action passes them there) or after it.
    """
    top = ArgumentParser(prog=f"releasekit {TOOL}", description=(__doc__ or TOOL).splitlines()[0])
    add_common(top, top=True)
    top.add_argument("--now", metavar="ISO-8601", help="the time to judge at (default: now)")
    # The composite action passes --hotfix before the subcommand, people after it.
    top.add_argument("--hotfix", action="store_true", help="check: the release is a hotfix")
    sub = top.add_subparsers(dest="action_name", metavar="{show,check}")
    sub.required = True
    show_p = sub.add_parser("show", help="the next days, and when each rollout may be promoted")
    check_p = sub.add_parser(
        "check", help="may a release be cut or tagged now? (exit 1 in a freeze)"
    )
    for p in (show_p, check_p):
        add_common(p, top=False)
        p.add_argument("--now", metavar="ISO-8601", default=argparse.SUPPRESS, help="as above")
    show_p.add_argument("--days", type=int, default=30, help="how many days to show (default 30)")
    show_p.add_argument(
        "--state",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a rollout state file (repeatable): when may its next promotion go",
    )
    check_p.add_argument("--action", choices=("prepare", "tag"), required=True)
    check_p.add_argument(
        "--hotfix", action="store_true", default=argparse.SUPPRESS, help="the release is a hotfix"
    )
    check_p.add_argument(
        "--signoff-report",
        type=Path,
        metavar="FILE",
        help="the hotfix PR's signoff-gate JSON report (its approvals), for a hotfix in a freeze",
    )
    return top


def main(
    argv: list[str] | None = None, *, clock: Clock = utc_now, out: TextIO | None = None
) -> int:
    """Entry point: ``calendar [show]`` or ``calendar check``; ``clock`` is injectable for tests."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    # `releasekit calendar` and `releasekit calendar --days 10` mean `show`.
    if not {"show", "check", "-h", "--help"} & set(args_in):
        args_in.insert(0, "show")
    try:
        args = parser().parse_args(args_in)
    except InputError as exc:
        return usage_failure(TOOL, exc, out)
    if args.action_name == "check":
        return _check(args, clock, out)
    return _show(args, clock, out)


def _check(args: argparse.Namespace, clock: Clock, out: TextIO | None) -> int:
    def evaluate() -> Report:
        return check(
            CheckRequest(
                repo=args.repo,
                policy=args.policy,
                now=parse_now(args.now, clock),
                action=args.action,
                hotfix=args.hotfix,
                signoff_report=args.signoff_report,
            )
        )

    return run_gate(TOOL, f"calendar check --action {args.action}", args, evaluate, out=out)


def _show(args: argparse.Namespace, clock: Clock, out: TextIO | None) -> int:
    tables: dict[str, str] = {}

    def evaluate() -> Report:
        if not 1 <= args.days <= MAX_DAYS:
            raise InputError(
                f"--days {args.days} is out of range", hint=f"show 1 to {MAX_DAYS} days"
            )
        shown = show(
            ShowRequest(
                repo=args.repo,
                policy=args.policy,
                now=parse_now(args.now, clock),
                days=args.days,
                states=tuple(args.state),
            )
        )
        tables["text"], tables["markdown"] = shown.text, shown.markdown
        return shown.report

    stream = sys.stdout if out is None else out
    code = run_gate(
        TOOL,
        "calendar",
        args,
        evaluate,
        out=stream,
        details=lambda _report: tables.get("markdown", ""),
    )
    # The table itself, for a person at a terminal (JSON and Markdown carry it already).
    if args.format == "text" and "text" in tables:
        stream.write("\n" + tables["text"])
    return code


if __name__ == "__main__":
    sys.exit(main())
