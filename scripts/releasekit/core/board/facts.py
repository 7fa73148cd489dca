"""What the board's sources said, as plain values: one ``RepoFacts`` per repository.

The GitHub adapter (``adapters.github.board``) and the offline fixture reader fill these in;
``model.build_board`` turns them into the board. Every string here is repository content or
GitHub data and is treated as hostile by the renderers (escaped, never interpreted).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from releasekit.core.audit.formats import AuditLog
from releasekit.core.calendar.windows import Window
from releasekit.core.rollout.controller import Event
from releasekit.core.signoff.policy import Policy


@dataclass(frozen=True)
class Link:
    """A titled link (an issue, a release asset, a pull request)."""

    title: str
    url: str


@dataclass(frozen=True)
class DeploymentRecord:
    """releasekit's recorded rollout events of one version in one environment."""

    version: str
    environment: str
    events: tuple[Event, ...]


@dataclass(frozen=True)
class ReleaseRecord:
    """A GitHub Release: its tag, page, creation time and attached files."""

    tag: str
    url: str
    created_at: dt.datetime | None
    prerelease: bool = False
    draft: bool = False
    assets: tuple[Link, ...] = ()


@dataclass(frozen=True)
class IssueRecord:
    """An issue (incident, post-mortem, hotfix debt, tracker); never a pull request."""

    number: int
    title: str
    url: str
    state: str
    labels: tuple[str, ...]
    created_at: dt.datetime | None
    body: str = ""


@dataclass(frozen=True)
class PullRecord:
    """An open release or hotfix pull request and its ``releasekit/signoff`` check run.

    ``signoff`` is the check run's conclusion (``success``, ``failure``, ...), ``pending``
    while it runs, or None when no check run from releasekit's workflow exists on the head.
    ``files`` are the paths the pull request changes.
    """

    number: int
    title: str
    url: str
    head_ref: str
    signoff: str | None
    signoff_url: str | None
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class CalendarFacts:
    """The release calendar over the rollouts shown (docs/calendar.md).

    ``freezes`` are drawn on the timelines; ``promotion`` holds a promotion (every freeze,
    closed days, the session times ``promote:`` excludes); both are known until ``horizon``.
    """

    freezes: tuple[Window, ...] = ()
    promotion: tuple[Window, ...] = ()
    horizon: dt.datetime | None = None


@dataclass(frozen=True)
class RepoFacts:
    """Everything the board reads about one repository, at its default branch.

    ``policy_found`` is False when the branch has no policy file (the runbook's defaults
    apply); ``audit_log`` is None when it has no audit log.
    """

    repository: str
    default_branch: str
    policy: Policy
    policy_found: bool
    audit_log: AuditLog | None
    deployments: tuple[DeploymentRecord, ...] = ()
    releases: tuple[ReleaseRecord, ...] = ()
    incidents: tuple[IssueRecord, ...] = ()
    postmortem_issues: tuple[IssueRecord, ...] = ()
    postmortem_files: tuple[str, ...] = ()
    debt_issues: tuple[IssueRecord, ...] = ()
    pulls: tuple[PullRecord, ...] = ()
    calendar: CalendarFacts = CalendarFacts()
    requests: int = 0
