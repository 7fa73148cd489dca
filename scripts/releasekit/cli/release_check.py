"""``releasekit release-check``: all the offline evidence for one release, in one report.

Runbook step: the Phase 2 "CI checks must pass" list and the Release Checklist's Pre-Release
boxes, before anyone asks for approvals: version.yaml and CHANGELOG.md agree (check-changelog)
and every strategy and model has passing audit evidence for this version (verify-audit).
Offline; needs no token. It runs both gates in-process with the same options a user would
give them, so its verdict is exactly theirs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from releasekit.cli.common import (
    ArgumentParser,
    add_bias_junit,
    new_parser,
    parse_date_arg,
    parse_or_usage,
    run_gate,
    tag_from_env,
    today,
)
from releasekit.core.render import md_escape
from releasekit.core.report import Report
from releasekit.gates.release_check import TOOL, ReleaseCheckRequest, release_check
from releasekit.workspace.release_files import shown


def parser() -> ArgumentParser:
    """The command's options: a repository, and what the two gates need."""
    p = new_parser(f"releasekit {TOOL}", (__doc__ or TOOL).splitlines()[0])
    p.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    p.add_argument("--tag", help="the tag being released, vX.Y.Z (default: GITHUB_REF on a tag)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="check-changelog's as-of date")
    add_bias_junit(p, use=", for verify-audit")
    return p


def request_from(args: argparse.Namespace) -> ReleaseCheckRequest:
    """The gate's request from parsed options (the tag from ``GITHUB_REF`` unless given)."""
    latest = today()
    return ReleaseCheckRequest(
        repo=args.repo,
        as_of=parse_date_arg(args.as_of, option="--as-of") if args.as_of else latest,
        today=latest,
        tag=args.tag or tag_from_env(os.environ),
        bias_junit=args.bias_junit,
    )


def render_details(report: Report) -> str:
    """The Markdown table of the gates that make up this report."""
    rows = ["| Gate | Checked | Verdict |", "|---|---|---|"]
    for name, gate in report.data.get("gates", {}).items():
        rows.append(f"| `{name}` | {md_escape(gate['subject'])} | {gate['verdict']} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse → request → gate (both gates) → one report → exit code."""
    args = parse_or_usage(parser(), argv, TOOL)
    if isinstance(args, int):
        return args
    return run_gate(
        TOOL,
        shown(args.repo),
        args,
        lambda: release_check(request_from(args)),
        details=render_details,
    )


if __name__ == "__main__":
    sys.exit(main())
