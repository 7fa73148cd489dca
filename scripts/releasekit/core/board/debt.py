"""Hotfix debt on the board: what each hotfix release still owes, with its deadline.

``core.rollout.hotfix`` (the runbook's Emergency Release, steps 6-7: a post-mortem within
24 hours, a proper release within 48 hours) over the repository's releases, post-mortem
issues and post-mortem file names, with the policy's deadlines.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass

from releasekit.core.board.facts import RepoFacts
from releasekit.core.rollout.hotfix import (
    Postmortem,
    Tag,
    hotfix_statuses,
    is_hotfix_tag,
    names_version,
)
from releasekit.core.signoff.policy import Policy


@dataclass(frozen=True)
class HotfixDebt:
    """One thing a hotfix still owes (a post-mortem or a proper release) and its deadline."""

    tag: str
    owes: str
    due: dt.datetime
    overdue: bool
    hours: float


def hotfix_debt(facts: RepoFacts, policy: Policy, now: dt.datetime) -> tuple[HotfixDebt, ...]:
    """What every hotfix release still owes as of ``now``, earliest deadline first."""
    rules = policy.rollout.hotfix
    tags = [
        Tag(r.tag, r.created_at)
        for r in facts.releases
        if r.created_at is not None and not r.draft and r.tag.startswith("v")
    ]
    hotfixes = [t.name for t in tags if is_hotfix_tag(t.name)]
    # What the board reads is there now (an issue, a file on the default branch): it counts,
    # dated when known, else as of now (the board shows what is owed, not how late it came).
    postmortems: list[Postmortem] = []
    if rules.postmortem in ("issue", "either"):
        postmortems += [
            Postmortem(tag, f"#{i.number}", i.created_at or now)
            for i in facts.postmortem_issues
            for tag in hotfixes
            if names_version(i.title, tag) or names_version(i.body, tag)
        ]
    if rules.postmortem in ("file", "either"):
        postmortems += [
            Postmortem(tag, path, now)
            for path in facts.postmortem_files
            for tag in hotfixes
            if names_version(posixpath.basename(path), tag)
        ]
    out = []
    for s in hotfix_statuses(
        tags,
        postmortems,
        postmortem_hours=rules.postmortem_hours,
        release_hours=rules.release_hours,
    ):
        owed: list[tuple[str, dt.datetime]] = []
        if s.postmortem is None:
            owed.append(("post-mortem", s.postmortem_due))
        if s.release is None:
            owed.append(("proper release", s.release_due))
        for owes, due in owed:
            late = (now - due).total_seconds() / 3600
            out.append(HotfixDebt(s.tag.name, owes, due, late > 0, abs(late)))
    return tuple(sorted(out, key=lambda d: d.due))
