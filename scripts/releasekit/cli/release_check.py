"""``releasekit release-check``: all the offline evidence for one release, in one report.

Runbook step: the Phase 2 "CI checks must pass" list and the Release Checklist's Pre-Release
boxes, before anyone asks for approvals: version.yaml and CHANGELOG.md agree (check-changelog)
and every strategy and model has passing audit evidence for this version (verify-audit).
Offline; needs no token. It runs both gates in-process with the same options a user would
give them, so its verdict is exactly theirs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from releasekit.cli import check_changelog, verify_audit
from releasekit.cli.common import ArgumentParser, new_parser, run_gate, usage_failure
from releasekit.core.render import md_escape
from releasekit.core.report import Finding, Report, finding
from releasekit.errors import InputError
from releasekit.workspace.audit import discover
from releasekit.workspace.policy import load_policy
from releasekit.workspace.release_files import shown

TOOL = "release-check"


def parser() -> ArgumentParser:
    """The command's options: a repository, and what the two gates need."""
    p = new_parser(f"releasekit {TOOL}", (__doc__ or TOOL).splitlines()[0])
    p.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    p.add_argument("--tag", help="the tag being released, vX.Y.Z (default: GITHUB_REF on a tag)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="check-changelog's as-of date")
    p.add_argument(
        "--bias-junit",
        metavar="FILE",
        type=Path,
        help="JUnit XML of the anti-bias tests, for verify-audit",
    )
    return p


def _gate_args(args: argparse.Namespace) -> tuple[argparse.Namespace, argparse.Namespace]:
    changelog = ["--repo", str(args.repo)]
    if args.tag:
        changelog += ["--tag", args.tag]
    if args.as_of:
        changelog += ["--as-of", args.as_of]
    audit = ["--repo", str(args.repo), "--all"]
    if args.bias_junit is not None:
        audit += ["--bias-junit", str(args.bias_junit)]
    return (
        check_changelog.parser().parse_args(changelog),
        verify_audit.parser().parse_args(audit),
    )


def evaluate(args: argparse.Namespace) -> Report:
    """Run check-changelog, then verify-audit, and merge their findings into one report.

    A gate that cannot decide stops the whole check (its problem is the report's problem):
    a release is ready only when every piece of evidence could be read.
    """
    changelog_args, audit_args = _gate_args(args)
    parts: list[tuple[str, Report]] = [
        ("check-changelog", check_changelog.evaluate(changelog_args))
    ]
    extra: list[Finding] = []
    policy, _ = load_policy(args.repo)
    if discover(args.repo, policy):
        parts.append(("verify-audit", verify_audit.evaluate(audit_args)))
    else:
        # A repository without strategies or models ships no trading logic: the runbook's audit
        # requirements are for strategy and model releases. verify-audit --all would call this
        # an error (a mistyped path looks the same); here it is said, not hidden.
        extra.append(
            finding(
                "REL007",
                "notice",
                f"no strategy (*.pine under {policy.paths.strategies}/) or model (*.py under "
                f"{policy.paths.models}/): no audit evidence is needed for this release",
                hint="if this repository has strategies, set `paths:` in "
                ".github/release-policy.yml",
            )
        )
    findings = tuple(f for _, r in parts for f in r.findings) + tuple(extra)
    changelog_report = parts[0][1]
    return Report(
        TOOL,
        shown(args.repo),
        findings,
        {
            "version": changelog_report.data.get("version"),
            "release_date": changelog_report.data.get("release_date"),
            "tag": changelog_report.data.get("tag"),
            "gates": {
                name: {"verdict": r.verdict, "counts": r.counts(), "subject": r.subject}
                for name, r in parts
            },
            "audit": parts[1][1].data if len(parts) > 1 else None,
        },
    )


def render_details(report: Report) -> str:
    """The Markdown table of the gates that make up this report."""
    rows = ["| Gate | Checked | Verdict |", "|---|---|---|"]
    for name, gate in report.data.get("gates", {}).items():
        rows.append(f"| `{name}` | {md_escape(gate['subject'])} | {gate['verdict']} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse → evaluate both gates → one report → exit code."""
    try:
        args = parser().parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc)
    return run_gate(TOOL, shown(args.repo), args, lambda: evaluate(args), details=render_details)


if __name__ == "__main__":
    sys.exit(main())
