"""The release-check gate: all the offline evidence for one release, in one report.

Runbook step: the Phase 2 "CI checks must pass" list and the Release Checklist's Pre-Release
boxes: version.yaml and CHANGELOG.md agree (the check-changelog gate) and every strategy and
model has passing audit evidence for this version (the verify-audit gate). Both gates run
in-process with the requests a user's own options would make, so the verdict is exactly theirs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from releasekit.core.report import Report
from releasekit.gates.check_changelog import ChangelogRequest, check_changelog
from releasekit.gates.verify_audit import VerifyAuditRequest, verify_audit
from releasekit.workspace.release_files import shown

TOOL = "release-check"


@dataclass(frozen=True)
class ReleaseCheckRequest:
    """The repository, the tag being released (resolved by the caller), and the evidence dates.

    ``as_of`` is check-changelog's "not after" date and ``today`` verify-audit's; both are the
    latest calendar date anywhere on Earth unless the user names one.
    """

    repo: Path
    as_of: dt.date
    today: dt.date
    tag: str | None = None
    bias_junit: Path | None = None


def release_check(request: ReleaseCheckRequest) -> Report:
    """Run check-changelog, then verify-audit, and merge their findings into one report.

    A gate that cannot decide stops the whole check (its problem is the report's problem):
    a release is ready only when every piece of evidence could be read.
    """
    changelog = check_changelog(
        ChangelogRequest(repo=request.repo, as_of=request.as_of, tag=request.tag)
    )
    # verify-audit decides a repository with no strategy or model too (AUD023 notice, or
    # AUD015 when the audit log records audits nobody can find), so both gates agree on it.
    audit = verify_audit(
        VerifyAuditRequest(repo=request.repo, today=request.today, bias_junit=request.bias_junit)
    )
    parts: list[tuple[str, Report]] = [("check-changelog", changelog), ("verify-audit", audit)]
    findings = tuple(f for _, r in parts for f in r.findings)
    return Report(
        TOOL,
        shown(request.repo),
        findings,
        {
            "version": changelog.data.get("version"),
            "release_date": changelog.data.get("release_date"),
            "tag": changelog.data.get("tag"),
            "gates": {
                name: {"verdict": r.verdict, "counts": r.counts(), "subject": r.subject}
                for name, r in parts
            },
            "audit": audit.data,
        },
    )
