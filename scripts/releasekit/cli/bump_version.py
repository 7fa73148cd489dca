"""``releasekit bump-version``: cut a release in CHANGELOG.md, version.yaml and a strategy header.

Runbook step: Phase 1, "Update version.yaml" and "Update CHANGELOG.md" (and Emergency Release,
step 4, with ``--hotfix``). Offline; needs no token. In Actions it runs in the prepare-release
job, whose ``contents: write`` is for the workflow's own ``git push`` of the release branch,
not for this command. ``--dry-run`` prints the unified diff and writes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from releasekit.cli.common import (
    ArgumentParser,
    new_parser,
    parse_date_arg,
    parse_or_usage,
    run_gate,
    today,
)
from releasekit.core.report import Report
from releasekit.core.versioning.bump import PART_CHOICES, TOOL
from releasekit.gates.bump_version import BumpVersionRequest, bump_version
from releasekit.workspace.release_files import CHANGELOG_NAME, shown


def _parser() -> ArgumentParser:
    p = new_parser(f"releasekit {TOOL}", __doc__.splitlines()[0] if __doc__ else TOOL)
    p.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    p.add_argument(
        "--part",
        choices=PART_CHOICES,
        default="auto",
        help="which part to bump; auto (default) takes the smallest one [Unreleased] allows",
    )
    p.add_argument(
        "--hotfix",
        action="store_true",
        help="emergency release: 1.2.3 -> 1.2.4-hotfix, 1.2.4-hotfix -> 1.2.4-hotfix.2",
    )
    p.add_argument("--pre", metavar="LABEL", help="make a pre-release: -LABEL.1, -LABEL.2, ...")
    p.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="release date (default: today in the policy's `timezone:`, UTC when unset)",
    )
    p.add_argument(
        "--summary",
        metavar="TEXT",
        help='the version.yaml line "X.Y.Z: TEXT" (default: the first [Unreleased] entry)',
    )
    p.add_argument(
        "--allow-empty", action="store_true", help="release even if [Unreleased] has no entries"
    )
    p.add_argument(
        "--strategy",
        metavar="NAME",
        help="also bump this strategy's `// Version:` header (found under strategies/)",
    )
    p.add_argument(
        "--strategy-version",
        metavar="X.Y.Z|major|minor|patch",
        help="the strategy's new version, or the part of its own version to bump",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print the unified diff and write nothing"
    )
    return p


def request_from(args: argparse.Namespace) -> BumpVersionRequest:
    """The gate's request from parsed options."""
    return BumpVersionRequest(
        repo=args.repo,
        now=dt.datetime.now(dt.UTC),
        as_of=today(),
        date=parse_date_arg(args.date, option="--date") if args.date else None,
        part=args.part,
        hotfix=args.hotfix,
        pre=args.pre,
        summary=args.summary,
        allow_empty=args.allow_empty,
        strategy=args.strategy,
        strategy_version=args.strategy_version,
        dry_run=args.dry_run,
    )


def _diff_details(report: Report) -> str:
    """The diff as a fenced Markdown block for the job summary and ``--format markdown``."""
    diff = report.data.get("diff")
    if not isinstance(diff, str) or not diff:
        return ""
    fence = "`" * max(3, _longest_backtick_run(diff) + 1)
    return f"<details><summary>Diff</summary>\n\n{fence}diff\n{diff}{fence}\n\n</details>"


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return longest


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse → request → gate (writes unless --dry-run) → report → exit code."""
    parser = _parser()
    args = parse_or_usage(parser, argv, TOOL)
    if isinstance(args, int):
        return args

    def evaluate() -> Report:
        report = bump_version(request_from(args))
        # --dry-run's text output is the diff itself, then the report below it.
        if args.dry_run and args.format == "text" and report.verdict == "pass":
            sys.stdout.write(str(report.data.get("diff", "")))
        return report

    subject = shown(args.repo / CHANGELOG_NAME)
    return run_gate(TOOL, subject, args, evaluate, details=_diff_details)


if __name__ == "__main__":
    sys.exit(main())
