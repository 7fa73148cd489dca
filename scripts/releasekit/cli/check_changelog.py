"""``releasekit check-changelog``: CHANGELOG.md and version.yaml tell one consistent story.

Runbook step: Phase 1 ("Update version.yaml", "Update CHANGELOG.md") and the tag-push
pipeline's tag/version/changelog consistency check. Offline; needs no token. In a pull
request run it with ``--require-unreleased``; on a tag push it reads the tag from
``GITHUB_REF`` (or ``--tag``) and can write the release notes with ``--notes-out``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from releasekit.adapters.files import write_atomic
from releasekit.cli.common import (
    ArgumentParser,
    new_parser,
    parse_date_arg,
    run_gate,
    tag_from_env,
    today,
    usage_failure,
)
from releasekit.core.report import Report
from releasekit.core.versioning.release_rules import evaluate_release_files
from releasekit.core.versioning.versions import parse_version
from releasekit.errors import InputError
from releasekit.workspace.release_files import (
    CHANGELOG_NAME,
    VERSION_NAME,
    load_changelog,
    load_version_file,
)

TOOL = "check-changelog"


def parser() -> ArgumentParser:
    """The command's options (``release-check`` reuses them)."""
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
        help="PR mode: block when [Unreleased] has no entries",
    )
    p.add_argument(
        "--notes-out",
        type=Path,
        metavar="FILE",
        help="write the release's section (ready as a GitHub Release body) to FILE",
    )
    return p


def evaluate(args: argparse.Namespace) -> Report:
    """Load the files named by parsed options and evaluate them (errors raise).

    ``release-check`` calls this in-process with its own options.
    """
    as_of = parse_date_arg(args.as_of, option="--as-of") if args.as_of else today()
    if args.file is not None:
        cl = load_changelog(args.file)
        vf = None
        tag = args.tag
    else:
        cl = load_changelog(args.repo / CHANGELOG_NAME)
        vpath = args.repo / VERSION_NAME
        vf = load_version_file(vpath) if vpath.exists() else None
        tag = args.tag or tag_from_env(os.environ)
    report = evaluate_release_files(
        cl, vf, as_of=as_of, tag=tag, require_unreleased=args.require_unreleased
    )
    if args.notes_out is not None and report.verdict == "pass":
        wanted = (
            parse_version(tag[1:])
            if tag and tag.startswith("v")
            else (vf.parsed_version if vf is not None else None)
        )
        release = (
            cl.release(wanted) if wanted is not None else (cl.releases[0] if cl.releases else None)
        )
        if release is None:
            raise InputError(
                "no release to write notes for",
                file=cl.shown_as,
                hint="add the release section before asking for its notes",
            )
        write_atomic({args.notes_out: cl.notes(release)})
        report = report.with_data(notes_path=str(args.notes_out))
    return report


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse → load → evaluate → report → exit code."""
    parser_ = parser()
    try:
        args = parser_.parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc)
    subject = str(args.file) if args.file is not None else str(args.repo / CHANGELOG_NAME)
    return run_gate(TOOL, subject, args, lambda: evaluate(args))


if __name__ == "__main__":
    sys.exit(main())
