"""``releasekit check-changelog``: CHANGELOG.md and version.yaml tell one consistent story.

Runbook step: Phase 1 ("Update version.yaml", "Update CHANGELOG.md") and the tag-push
pipeline's tag/version/changelog consistency check. Offline; needs no token. In a pull
request run it with ``--require-unreleased`` (and ``--base`` the base commit, so that a release
PR, which changes the version, is not asked for [Unreleased] entries); on a tag push it reads
the tag from ``GITHUB_REF`` (or ``--tag``) and can write the release notes with ``--notes-out``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from releasekit.cli.common import (
    ArgumentParser,
    new_parser,
    parse_date_arg,
    parse_or_usage,
    run_gate,
    tag_from_env,
    today,
)
from releasekit.gates.check_changelog import ChangelogRequest, check_changelog
from releasekit.workspace.release_files import CHANGELOG_NAME

TOOL = "check-changelog"


def parser() -> ArgumentParser:
    """The command's options."""
    p = new_parser(f"releasekit {TOOL}", __doc__.splitlines()[0] if __doc__ else TOOL)
    p.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    p.add_argument(
        "--file",
        type=Path,
        help="check this changelog alone (skips the version.yaml and tag cross-checks)",
    )
    p.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="the date releases must not be after (default: today, UTC+14)",
    )
    p.add_argument(
        "--tag", help="the tag being released, vX.Y.Z (default: GITHUB_REF on a tag push)"
    )
    p.add_argument(
        "--require-unreleased",
        action="store_true",
        help="PR mode: block when [Unreleased] has no entries (unless --base shows a release PR)",
    )
    p.add_argument(
        "--base",
        metavar="REF",
        help="the pull request's base commit (git): a PR that changes version.yaml's version"
        " from it is a release PR, whose [Unreleased] may be empty",
    )
    p.add_argument(
        "--notes-out",
        type=Path,
        metavar="FILE",
        help="write the release's section (ready as a GitHub Release body) to FILE",
    )
    return p


def request_from(args: argparse.Namespace) -> ChangelogRequest:
    """The gate's request from parsed options (the tag from ``GITHUB_REF`` unless given)."""
    as_of = parse_date_arg(args.as_of, option="--as-of") if args.as_of else today()
    tag = args.tag if args.file is not None else args.tag or tag_from_env(os.environ)
    return ChangelogRequest(
        repo=args.repo,
        as_of=as_of,
        file=args.file,
        tag=tag,
        require_unreleased=args.require_unreleased,
        base=args.base,
        notes_out=args.notes_out,
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse → request → gate → report → exit code."""
    args = parse_or_usage(parser(), argv, TOOL)
    if isinstance(args, int):
        return args
    subject = str(args.file) if args.file is not None else str(args.repo / CHANGELOG_NAME)
    return run_gate(TOOL, subject, args, lambda: check_changelog(request_from(args)))


if __name__ == "__main__":
    sys.exit(main())
