"""The hotfix-sla gate: every hotfix has its post-mortem (24 h) and proper release (48 h).

Runbook: Emergency Release (Hotfix), steps 6-7. Tags come from git or a tags file, post-mortems
from the policy's directory and/or (with GitHub) labelled issues, all through
``workspace.ops``; the deadlines are ``core.rollout.hotfix``. With GitHub, ONE issue (label
``hotfix-debt``) is kept open and current while debt exists and closed when it is cleared.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from releasekit.core.report import Finding, Report, finding
from releasekit.core.rollout.controller import iso
from releasekit.core.rollout.hotfix import (
    DEBT_LABEL,
    DEBT_MARKER,
    Postmortem,
    debt_issue,
    evaluate_hotfixes,
    is_hotfix_tag,
    names_version,
)
from releasekit.core.rollout.plan import HotfixRules
from releasekit.errors import InputError
from releasekit.gates.rollout import OpsPorts
from releasekit.workspace.ops import git_tags, load_plan, postmortem_files, read_tags_file

if TYPE_CHECKING:
    from releasekit.adapters.github.deployments import ReleaseOpsPort

TOOL = "hotfix-sla"


@dataclass(frozen=True)
class HotfixSlaRequest:
    """What to check: the repository, its tags (a tags file, else git), the time, GitHub."""

    repo: Path
    now: dt.datetime
    policy: Path | None = None
    tags: Path | None = None
    github: bool = False
    run_url: str = ""


def hotfix_sla(request: HotfixSlaRequest, ports: OpsPorts) -> Report:
    """Every hotfix's deadlines at ``now``; with GitHub, the hotfix-debt issue kept current."""
    plan, _ = load_plan(request.repo, request.policy)
    rules = plan.hotfix
    now = request.now
    tags = read_tags_file(request.tags) if request.tags is not None else git_tags(request.repo)
    hotfixes = [t for t in tags if is_hotfix_tag(t.name)]
    port = ports.github() if request.github else None
    if rules.postmortem == "issue" and port is None:
        raise InputError(
            "the policy counts only post-mortem issues (rollout.hotfix.postmortem: issue),"
            " which need --github",
            hint="run with --github and a token with issues: read",
        )
    postmortems: list[Postmortem] = []
    if rules.postmortem in ("file", "either"):
        postmortems += postmortem_files(request.repo, rules, [t.name for t in hotfixes])
    if rules.postmortem in ("issue", "either") and port is not None:
        postmortems += postmortem_issues(port, rules, [t.name for t in hotfixes])
    findings = evaluate_hotfixes(
        tags,
        postmortems,
        now,
        postmortem_hours=rules.postmortem_hours,
        release_hours=rules.release_hours,
    )
    extra: list[Finding] = []
    issue_url = None
    if port is not None:
        overdue = [f for f in findings if f.level == "error"]
        if overdue:
            title, body = debt_issue(findings, now, request.run_url)
            result = port.upsert_issue(marker=DEBT_MARKER, title=title, body=body, label=DEBT_LABEL)
            issue_url = result.url
            extra.append(finding("HFX010", "notice", f"hotfix debt issue: {result.url}"))
        else:
            result = port.upsert_issue(
                marker=DEBT_MARKER,
                title="Hotfix debt: cleared",
                body=f"Nothing is overdue (checked {iso(now)}).\n",
                label=DEBT_LABEL,
                state="closed",
            )
            if result.id:
                extra.append(finding("HFX010", "notice", f"hotfix debt issue closed: {result.url}"))
    data = {
        "now": iso(now),
        "hotfixes": [t.name for t in hotfixes],
        "overdue": [f.message for f in findings if f.level == "error"],
        "issue_url": issue_url,
    }
    return Report(TOOL, "hotfix deadlines", (*findings, *extra), data)


def postmortem_issues(
    port: ReleaseOpsPort, rules: HotfixRules, hotfix_tags: list[str]
) -> list[Postmortem]:
    """Issues labelled as post-mortems whose title or body names a hotfix (timed by when they
    were opened)."""
    out = []
    for issue in port.issues(label=rules.postmortem_label):
        for tag in hotfix_tags:
            if names_version(issue.title, tag) or names_version(issue.body[:65536], tag):
                out.append(Postmortem(tag, f"#{issue.number}", issue.created_at))
    return out
