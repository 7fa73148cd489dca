"""The release board: read each repository's sources, build the board, write the static site.

Runbook: Phase 4 (staged rollout) and Emergency Release, as one page for founders and risk
reviewers — what is live, at what size, and what happens next. The board decides nothing
and never blocks: its verdict is an error only when a source could not be read (exit 2 or
3); what it shows is already each gate's own decision, recorded on GitHub.

Reads per repository, through a ``BoardSource`` (GitHub, or an offline fixture): the default
branch, the release policy and audit log at it, releasekit's deployments and their recorded
events (newest version first, stopping at the newest version that reached full size: older
ones are superseded), the releases with their evidence bundles, incident, post-mortem and
hotfix-debt issues, post-mortem file names, and the open release pull requests.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from releasekit.adapters.files import write_atomic
from releasekit.adapters.github.board import BoardSource
from releasekit.core.audit.formats import parse_audit_log
from releasekit.core.board.export import board_to_json
from releasekit.core.board.facts import CalendarFacts, DeploymentRecord, RepoFacts
from releasekit.core.board.model import Board, build_board
from releasekit.core.board.page import render_page
from releasekit.core.calendar.events import parse_events
from releasekit.core.calendar.windows import CalendarEvent, freeze_windows, promotion_windows
from releasekit.core.report import Finding, Report, finding
from releasekit.core.rollout.controller import Event, state_from_events
from releasekit.core.rollout.hotfix import DEBT_LABEL, is_hotfix_tag
from releasekit.core.rollout.plan import RolloutPlan
from releasekit.core.rollout.rollback import INCIDENT_LABEL
from releasekit.core.signoff.policy import POLICY_PATH, Policy, default_policy, parse_policy
from releasekit.core.versioning.versions import Version, parse_version
from releasekit.errors import InputError
from releasekit.gates.calendar import market_for
from releasekit.workspace.policy import defaults_notice

TOOL = "board"
INDEX_NAME = "index.html"
JSON_NAME = "board.json"
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class BoardRequest:
    """When to build the board as of, where to write it (None: nothing), and its source.

    ``source`` is ``github`` or ``fixture``; a fixture board says so at its top.
    """

    now: dt.datetime
    out_dir: Path | None = None
    source: str = "github"


@dataclass(frozen=True)
class BoardSite:
    """The board and its two files' text."""

    board: Board
    html: str
    json: str


def build_site(request: BoardRequest, sources: Sequence[BoardSource]) -> tuple[Report, BoardSite]:
    """Read every source, build the board, write ``index.html`` and ``board.json`` if asked."""
    facts = [read_repository(s, request.now) for s in sources]
    board = build_board(facts, request.now, source=request.source)
    site = BoardSite(board, render_page(board), json.dumps(board_to_json(board), indent=2) + "\n")
    notes: list[Finding] = list(board.findings)
    written: list[str] = []
    if request.out_dir is not None:
        paths = {request.out_dir / INDEX_NAME: site.html, request.out_dir / JSON_NAME: site.json}
        request.out_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(paths)
        written = [p.as_posix() for p in paths]
    repos = ", ".join(f.repository for f in facts)
    notes.append(
        finding(
            "BRD003",
            "notice",
            f"board of {repos}: {board.row_count} strategies and models, "
            + (f"written to {', '.join(written)}" if written else "not written (no --out)"),
        )
    )
    notes += [
        defaults_notice(
            f"{f.repository}:{POLICY_PATH} on {f.default_branch}",
            file=f"{f.repository}:{POLICY_PATH}",
            hint=f"commit {POLICY_PATH} on the default branch to change them",
        )
        for f in facts
        if not f.policy_found
    ]
    data = {
        "repositories": [f.repository for f in facts],
        "rows": board.row_count,
        "requests": {f.repository: f.requests for f in facts},
        "paths": written,
    }
    return Report(TOOL, repos or "no repository", tuple(notes), data), site


def read_repository(source: BoardSource, now: dt.datetime) -> RepoFacts:
    """Everything the board shows about one repository as of ``now``, read through ``source``."""
    branch = source.default_branch()
    name = source.repository
    text = source.file_at(POLICY_PATH, branch)
    policy = (
        default_policy()
        if text is None
        else parse_policy(text, shown_as=f"{name}:{POLICY_PATH} at {branch}")
    )
    log_path = policy.paths.audit_log
    log_text = source.file_at(log_path, branch)
    log = None if log_text is None else parse_audit_log(log_text, shown_as=f"{name}:{log_path}")
    deployments = tuple(_deployments(source, policy))
    releases = tuple(source.releases())
    hotfixes = any(is_hotfix_tag(r.tag) for r in releases)
    rules = policy.rollout.hotfix
    # Post-mortems matter only when there is a hotfix; without one, no request is made.
    by_issue = hotfixes and rules.postmortem in ("issue", "either")
    by_file = hotfixes and rules.postmortem in ("file", "either")
    return RepoFacts(
        repository=name,
        default_branch=branch,
        policy=policy,
        policy_found=text is not None,
        audit_log=log,
        deployments=deployments,
        releases=releases,
        incidents=tuple(source.issue_records(INCIDENT_LABEL)),
        postmortem_issues=tuple(source.issue_records(rules.postmortem_label)) if by_issue else (),
        postmortem_files=tuple(source.file_names(rules.postmortem_dir, branch)) if by_file else (),
        debt_issues=tuple(source.issue_records(DEBT_LABEL)),
        pulls=tuple(source.release_pulls()),
        calendar=_calendar(source, policy, branch, deployments, now),
        requests=source.request_count,
    )


def _deployments(source: BoardSource, policy: Policy) -> list[DeploymentRecord]:
    """Recorded events per version and environment, newest version first, superseded left out."""
    by_version: dict[Version, list[tuple[int, str]]] = {}
    for dep in source.deployments():
        version = parse_version(dep.ref[1:]) if dep.ref.startswith("v") else None
        if version is not None:
            by_version.setdefault(version, []).append((dep.id, dep.environment))
    out = []
    for version in sorted(by_version, reverse=True):
        text = str(version)
        events: list[Event] = []
        for dep_id, environment in by_version[version]:
            recorded = tuple(source.rollout_events(dep_id))
            events += recorded
            out.append(DeploymentRecord(text, environment, recorded))
        if _at_full_size(policy.rollout, events, text):
            break  # every older version was replaced by this one
    return out


def _at_full_size(plan: RolloutPlan, events: list[Event], version: str) -> bool:
    state = state_from_events(version, events)
    return state.status in ("active", "paused") and state.stage == plan.final.id


def _calendar(
    source: BoardSource,
    policy: Policy,
    branch: str,
    deployments: Sequence[DeploymentRecord],
    now: dt.datetime,
) -> CalendarFacts:
    """The calendar's windows from the oldest rollout shown to past its plan's end."""
    cal = policy.calendar
    if not cal.restricts_promotions:
        return CalendarFacts()
    times = [e.at for d in deployments for e in d.events]
    start = min(times, default=now) - DAY
    end = now + dt.timedelta(days=policy.rollout.final.day + 2)
    events: tuple[CalendarEvent, ...] = ()
    if cal.events is not None:
        name = f"{source.repository}:{cal.events.file}"
        text = source.file_at(cal.events.file, branch)
        if text is None:
            raise InputError(
                f"the calendar's event list {name} does not exist on {branch}",
                hint="commit the event list, or remove calendar.events (docs/calendar.md)",
            )
        events = parse_events(text, shown_as=name)
    first = start.astimezone(cal.zone).date() - dt.timedelta(days=1)
    last = end.astimezone(cal.zone).date() + dt.timedelta(days=1)
    market = market_for(cal, first, last)
    return CalendarFacts(
        freezes=tuple(freeze_windows(cal, market, events, start, end)),
        promotion=tuple(promotion_windows(cal, market, events, start, end)),
        horizon=end,
    )
