"""From what the sources said (``RepoFacts``) to the board: one row per strategy or model.

How a row is put together (docs/board.md says the same for readers):

* **Releases and strategies.** A rollout moves a release of the repository (``vX.Y.Z``,
  deployments to ``paper`` and ``live``). Which version of each strategy or model a release
  ships is the audit log's Release column (the passing rows; a release the column does not
  name ships what the newest release before it shipped).
* **Live** is the newest release whose rollout stands at a live stage and is not rolled back;
  its size is that stage's size. **The rollout** shown is the newest release that ships the
  unit: the one live, or a newer one still on its way.
* **Next decision** is the controller's own arithmetic (``controller.decide`` without
  metrics): when the next stage is due and the entry conditions it will be judged on; moved
  to the first instant the release calendar allows when a window holds it then.
* **Audit** is the newest passing audit of the version the rollout ships; it expires
  ``thresholds.audit_max_age_days`` after its date (the runbook's "Within 30 days").
* **Hotfix debt** is ``debt.hotfix_debt``: ``core.rollout.hotfix`` over the hotfix releases,
  post-mortem issues and post-mortem file names, with the policy's deadlines.

Times stay aware datetimes here; the renderers show them in the board's time zone.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from releasekit.core.audit.formats import PASSING, AuditLog
from releasekit.core.board.debt import HotfixDebt, hotfix_debt
from releasekit.core.board.facts import (
    CalendarFacts,
    IssueRecord,
    Link,
    PullRecord,
    ReleaseRecord,
    RepoFacts,
)
from releasekit.core.calendar.windows import Window, covering, next_allowed
from releasekit.core.report import Finding, finding
from releasekit.core.rollout.controller import (
    DEADLINE_OPEN,
    Event,
    RolloutState,
    conditions_text,
    decide,
    state_from_events,
)
from releasekit.core.rollout.hotfix import (
    names_version,
)
from releasekit.core.rollout.plan import DAY_HOURS, RolloutPlan, Stage
from releasekit.core.signoff.policy import Policy
from releasekit.core.versioning.versions import Version, is_hotfix, parse_version
from releasekit.errors import InputError

DEFAULT_TIMEZONE = "UTC"
EVIDENCE_ASSETS = ("evidence.md", "evidence.json")
MarkerKind = Literal["pause", "resume", "rollback", "rolled-back", "divergence"]
# The recorded events a timeline marks (promotions are its bars, holds change nothing on it).
_MARKER_KINDS: dict[str, MarkerKind] = {
    "pause": "pause",
    "resume": "resume",
    "rollback": "rollback",
    "rolled-back": "rolled-back",
}


# -- the board's values ---------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedStage:
    """A stage of the plan, placed in time from the rollout's day 0."""

    id: str
    environment: str
    percent: str
    at: dt.datetime


@dataclass(frozen=True)
class ActualStage:
    """A stage as it ran: from its promotion to the next promotion or the rollback (or on)."""

    stage: str
    environment: str
    percent: str
    start: dt.datetime
    end: dt.datetime | None


@dataclass(frozen=True)
class Marker:
    """A pause, resume, rollback, completed rollback, or the first divergent observation."""

    kind: MarkerKind
    at: dt.datetime
    note: str


@dataclass(frozen=True)
class Timeline:
    """Plan against actual for one rollout, from day 0 to ``end``."""

    day0: dt.datetime
    end: dt.datetime
    now: dt.datetime
    planned: tuple[PlannedStage, ...]
    actual: tuple[ActualStage, ...]
    markers: tuple[Marker, ...]
    freezes: tuple[Window, ...] = ()


@dataclass(frozen=True)
class LastDecision:
    """The rollout's newest recorded event and the rules and words behind it."""

    at: dt.datetime
    kind: str
    stage: str | None
    percent: str
    rules: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Rollout:
    """Where one release's rollout stands and what its next decision needs."""

    version: str
    tag: str
    status: str
    stage: str | None
    environment: str | None
    percent: str
    timeline: Timeline | None
    next_stage: str | None
    next_at: dt.datetime | None
    needs: tuple[str, ...]
    deadline: dt.datetime | None
    last: LastDecision | None
    release_url: str | None
    evidence: tuple[Link, ...]


@dataclass(frozen=True)
class Audit:
    """The audit of the version a row ships: id, date, verdict and when it runs out."""

    audit_id: str
    version: str
    verdict: str
    date: dt.date
    expires: dt.date
    days_left: int


@dataclass(frozen=True)
class PullView:
    """An open release pull request and its sign-off check run."""

    number: int
    title: str
    url: str
    head_ref: str
    signoff: str
    signoff_url: str | None


@dataclass(frozen=True)
class UnitRow:
    """One strategy or model: what is live, its rollout, audit, pull requests, incidents."""

    name: str
    live_version: str | None
    live_tag: str | None
    live_percent: str | None
    version: str | None
    changed: bool
    rollout: Rollout | None
    audit: Audit | None
    pulls: tuple[PullView, ...]
    incidents: tuple[Link, ...]


@dataclass(frozen=True)
class RepoBoard:
    """One repository's part of the board."""

    repository: str
    default_branch: str
    timezone: str
    policy_found: bool
    rows: tuple[UnitRow, ...]
    rollouts: tuple[Rollout, ...]
    pulls: tuple[PullView, ...]
    hotfix_debt: tuple[HotfixDebt, ...]
    debt_issues: tuple[Link, ...]
    requests: int


@dataclass(frozen=True)
class Board:
    """The whole board: when it was built and every repository's part."""

    generated_at: dt.datetime
    repos: tuple[RepoBoard, ...]
    source: str = "github"
    findings: tuple[Finding, ...] = ()

    @property
    def row_count(self) -> int:
        """How many strategy and model rows the board has."""
        return sum(len(r.rows) for r in self.repos)


# -- time zone ------------------------------------------------------------------------------


def board_timezone(policy: Policy) -> str:
    """The policy's ``timezone`` (an IANA name; UTC when the policy file sets none)."""
    return policy.timezone


def zone(name: str) -> dt.tzinfo:
    """The time zone named ``name``; an unknown name is an ``InputError``."""
    if name == DEFAULT_TIMEZONE:
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"time zone {name!r} is unknown",
            hint="use an IANA name such as Europe/London or America/New_York",
        ) from None


# -- building -------------------------------------------------------------------------------


def build_board(repos: Sequence[RepoFacts], now: dt.datetime, *, source: str = "github") -> Board:
    """The board of ``repos`` as of ``now`` (an aware datetime); ``source``: github or fixture."""
    findings: list[Finding] = []
    parts = []
    for facts in repos:
        part, notes = _repo_board(facts, now)
        parts.append(part)
        findings += notes
    return Board(generated_at=now, repos=tuple(parts), source=source, findings=tuple(findings))


def _repo_board(facts: RepoFacts, now: dt.datetime) -> tuple[RepoBoard, list[Finding]]:
    policy = facts.policy
    tz_name = board_timezone(policy)
    today = now.astimezone(zone(tz_name)).date()
    notes: list[Finding] = []
    releases = {r.tag: r for r in facts.releases if not r.draft}
    rollouts = _rollouts(facts, policy.rollout, now, releases, notes)
    log = facts.audit_log
    if log is None:
        notes.append(
            finding(
                "BRD002",
                "warning",
                f"{facts.repository} has no audit log at {policy.paths.audit_log} on"
                f" {facts.default_branch}: the board cannot tell which strategies a release ships",
                hint="keep the audit log where the policy's paths.audit_log says (docs/board.md)",
            )
        )
    pulls = tuple(_pull_view(p) for p in facts.pulls)
    rows = []
    names = _unit_names(log)
    for name in names:
        shipped = _shipped_versions(log, name) if log is not None else {}
        rows.append(_row(name, names, shipped, rollouts, log, policy, today, facts))
    debt = hotfix_debt(facts, policy, now)
    debt_issues = tuple(
        Link(f"#{i.number} {i.title}", i.url) for i in facts.debt_issues if i.state == "open"
    )
    board = RepoBoard(
        repository=facts.repository,
        default_branch=facts.default_branch,
        timezone=tz_name,
        policy_found=facts.policy_found,
        rows=tuple(rows),
        rollouts=tuple(r.view for r in rollouts),
        pulls=pulls,
        hotfix_debt=debt,
        debt_issues=debt_issues,
        requests=facts.requests,
    )
    return board, notes


@dataclass(frozen=True)
class _Run:
    """One release's rollout: its parsed version, folded state and what the board shows."""

    version: Version
    state: RolloutState
    view: Rollout


def _rollouts(
    facts: RepoFacts,
    plan: RolloutPlan,
    now: dt.datetime,
    releases: Mapping[str, ReleaseRecord],
    notes: list[Finding],
) -> list[_Run]:
    """Every release's rollout, newest version first."""
    events: dict[str, list[Event]] = {}
    for dep in facts.deployments:
        events.setdefault(dep.version, []).extend(dep.events)
    out = []
    for text, evs in events.items():
        version = parse_version(text)
        if version is None or not evs:
            continue
        state = state_from_events(text, evs)
        release = releases.get(f"v{text}")
        out.append(_Run(version, state, _rollout_view(plan, state, now, release, facts, notes)))
    return sorted(out, key=lambda r: r.version, reverse=True)


def _rollout_view(
    plan: RolloutPlan,
    state: RolloutState,
    now: dt.datetime,
    release: ReleaseRecord | None,
    facts: RepoFacts,
    notes: list[Finding],
) -> Rollout:
    stage = plan.stage(state.stage) if state.stage else None
    next_stage: Stage | None = None
    next_at = deadline = None
    needs: tuple[str, ...] = ()
    if state.stage is not None and stage is None:
        notes.append(
            finding(
                "BRD001",
                "warning",
                f"{facts.repository}: the rollout of v{state.version} is at stage"
                f" {state.stage!r}, which the policy's plan on {facts.default_branch} does not"
                " have: its next step is not shown",
                hint="restore the stage in rollout.stages, or finish the rollout with the plan"
                " it started with (docs/rollout.md)",
            )
        )
        needs = (f"stage {state.stage} is not in the policy's plan",)
    else:
        decision = decide(plan, state, None, now)
        next_stage, next_at, deadline = decision.next_stage, decision.due_at, decision.deadline
        needs = _needs(plan, state, next_stage, deadline)
        if next_at is not None:
            next_at, held = _calendar_hold(facts.calendar, next_at)
            needs = (*held, *needs)
    last = state.events[-1] if state.events else None
    return Rollout(
        version=state.version,
        tag=f"v{state.version}",
        status=state.status,
        stage=state.stage,
        environment=stage.environment if stage else None,
        percent=_percent(state.size),
        timeline=_timeline(plan, state, now, facts.calendar.freezes),
        next_stage=None if next_stage is None or state.status == "rolled-back" else next_stage.id,
        next_at=None if state.status in ("rolled-back", "rolling-back") else next_at,
        needs=needs,
        deadline=deadline,
        last=None
        if last is None
        else LastDecision(
            last.at, last.kind, last.stage, _percent(last.size), last.rules, last.note
        ),
        release_url=release.url if release else None,
        evidence=tuple(a for a in release.assets if a.title in EVIDENCE_ASSETS) if release else (),
    )


def _calendar_hold(
    calendar: CalendarFacts, due: dt.datetime
) -> tuple[dt.datetime | None, tuple[str, ...]]:
    """When a promotion due at ``due`` may go by the calendar, and what holds it until then.

    None: no allowed instant within what the calendar knows (the controller holds it too).
    """
    if calendar.horizon is None:
        return due, ()
    held = covering(calendar.promotion, due)
    if not held:
        return due, ()
    allowed = next_allowed(calendar.promotion, due, calendar.horizon)
    names = "; ".join(dict.fromkeys(w.name for w in held))
    return allowed, (f"the calendar holds it when it is due by the clock: {names}",)


def _percent(size: float) -> str:
    return f"{size * 100:g}%"


def _needs(
    plan: RolloutPlan, state: RolloutState, nxt: Stage | None, deadline: dt.datetime | None
) -> tuple[str, ...]:
    """What the next decision needs, in the runbook's words."""
    rb = plan.rollback
    watched = (
        f"no rollback condition (live errors ≤ {rb.live_errors_above}, divergence"
        f" ≤ {rb.divergence_above * 100:g}%, no instability, no unexpected losses)"
    )
    if state.status == "rolled-back":
        return ("nothing: rolled back",)
    if state.status == "rolling-back":
        return ("the rollback workflow completes the rollback (docs/rollback.md)",)
    if state.status == "paused":
        return ("a person resumes the rollout after review (releasekit rollout resume)",)
    out: list[str] = []
    if deadline is not None:
        out.append(
            f"signal divergence back to ≤ {rb.divergence_above * 100:g}% before the deadline,"
            " or it rolls back"
        )
    if nxt is None:
        return (*out, f"nothing to promote: full size; {watched}")
    if nxt.entry is not None:
        # The controller's own words for the entry rule, as its RLT001 message gives them.
        rule = conditions_text(nxt)
        if nxt.entry.stable:
            rule += " (no instability, no critical errors, divergence within the threshold)"
        out.append(rule)
    out.append(f"fresh metrics (at most {rb.max_metrics_age_hours} h old); {watched}")
    return tuple(out)


def _timeline(
    plan: RolloutPlan, state: RolloutState, now: dt.datetime, freezes: Sequence[Window]
) -> Timeline | None:
    day0 = state.started_at
    if day0 is None:
        return None
    version = parse_version(state.version)
    stages = (plan.final,) if version is not None and is_hotfix(version) else plan.stages
    base = stages[0].day
    planned = tuple(
        PlannedStage(
            s.id, s.environment, s.percent, day0 + dt.timedelta(hours=(s.day - base) * DAY_HOURS)
        )
        for s in stages
    )
    stop = next((e.at for e in state.events if e.kind in ("rollback", "rolled-back")), None)
    promotions = [e for e in state.events if e.kind == "promote"]
    actual = []
    for i, ev in enumerate(promotions):
        following = promotions[i + 1].at if i + 1 < len(promotions) else None
        stage = plan.stage(ev.stage) if ev.stage else None
        actual.append(
            ActualStage(
                ev.stage or "-",
                stage.environment if stage else "live",
                _percent(ev.size),
                ev.at,
                following or stop,
            )
        )
    markers = [
        Marker(_MARKER_KINDS[e.kind], e.at, e.note) for e in state.events if e.kind in _MARKER_KINDS
    ]
    opened = next((e for e in state.events if DEADLINE_OPEN in e.rules), None)
    if opened is not None:
        markers.append(Marker("divergence", opened.at, opened.note))
    last_planned = planned[-1].at + dt.timedelta(hours=DAY_HOURS)
    times = [last_planned, now, *(e.at for e in state.events)]
    end = max(times)
    return Timeline(
        day0=day0,
        end=end,
        now=now,
        planned=planned,
        actual=tuple(actual),
        markers=tuple(sorted(markers, key=lambda m: m.at)),
        freezes=_freezes_within(freezes, day0, end),
    )


def _freezes_within(
    windows: Sequence[Window], start: dt.datetime, end: dt.datetime
) -> tuple[Window, ...]:
    """The freeze windows that overlap ``[start, end]``, cut to it; back-to-back ones joined."""
    out: list[Window] = []
    for w in sorted(windows, key=lambda w: w.start):
        if w.end <= start or w.start >= end:
            continue
        cut = replace(w, start=max(w.start, start), end=min(w.end, end))
        if out and out[-1].name == cut.name and out[-1].end >= cut.start:
            out[-1] = replace(out[-1], end=max(out[-1].end, cut.end))
        else:
            out.append(cut)
    return tuple(out)


# -- rows -----------------------------------------------------------------------------------


def _unit_names(log: AuditLog | None) -> list[str]:
    """Every strategy or model the audit log names, once each, by name."""
    if log is None:
        return []
    names: dict[str, str] = {}
    for row in log.rows:
        if row.strategy:
            names.setdefault(row.name_key, row.strategy)
    return sorted(names.values(), key=str.casefold)


def _shipped_versions(log: AuditLog, name: str) -> dict[Version, tuple[str, int]]:
    """Release version -> (the unit's version it ships, the audit row's index)."""
    out: dict[Version, tuple[str, int]] = {}
    for index, row in enumerate(log.rows):
        if row.name_key != name.casefold() or row.verdict not in PASSING:
            continue
        releases, _ = log.releases(row)
        for release in releases:
            out[release] = (log.field(row, "Version"), index)
    return out


def _shipped_in(shipped: Mapping[Version, tuple[str, int]], release: Version) -> str | None:
    """The unit's version in ``release``: the newest release at or before it that names it."""
    older = [v for v in shipped if v <= release]
    return shipped[max(older)][0] if older else None


def _row(
    name: str,
    names: Sequence[str],
    shipped: Mapping[Version, tuple[str, int]],
    runs: Sequence[_Run],
    log: AuditLog | None,
    policy: Policy,
    today: dt.date,
    facts: RepoFacts,
) -> UnitRow:
    ships = [r for r in runs if _shipped_in(shipped, r.version) is not None]
    live = next((r for r in ships if _is_live(r)), None)
    current = ships[0] if ships else None
    live_version = _shipped_in(shipped, live.version) if live else None
    version = _shipped_in(shipped, current.version) if current else None
    if version is None and shipped:
        version = shipped[max(shipped)][0]
    tags = {r.view.tag for r in (live, current) if r is not None}
    return UnitRow(
        name=name,
        live_version=live_version,
        live_tag=live.view.tag if live else None,
        live_percent=live.view.percent if live else None,
        version=version,
        changed=current is not None and live is not current and version != live_version,
        rollout=current.view if current else None,
        audit=_audit(log, name, version, policy, today) if log is not None else None,
        pulls=tuple(_pull_view(p) for p in facts.pulls if _touches(p, name, policy)),
        incidents=tuple(
            Link(f"#{i.number} {i.title}", i.url)
            for i in facts.incidents
            if _about(i, name, names, tags)
        ),
    )


def _about(issue: IssueRecord, name: str, names: Sequence[str], tags: set[str]) -> bool:
    """Whether an incident belongs on the unit's row.

    An incident that names units (ICT_QM) belongs to those; one that names none but names the
    live or rolling release belongs to every unit of it. Closed incidents only count when they
    are about one of those two releases (older ones are history, not the row's state).
    """
    text = f"{issue.title}\n{issue.body}"
    about_release = any(names_version(text, t) for t in tags)
    if issue.state != "open" and not about_release:
        return False
    named = [n for n in names if _names(text, n)]
    return name in named if named else about_release


def _is_live(run: _Run) -> bool:
    """At a live stage now (a rollback in progress is still live until it completes)."""
    return run.state.status != "rolled-back" and run.view.environment == "live"


def _names(text: str, name: str) -> bool:
    """Whether ``text`` has ``name`` as a word (any case)."""
    words = {w.strip(".,:;()[]#'\"").casefold() for w in text.split()}
    return name.casefold() in words


def _audit(
    log: AuditLog, name: str, version: str | None, policy: Policy, today: dt.date
) -> Audit | None:
    """The newest passing audit of ``version`` of the unit (by date, then log order)."""
    best = None
    for index, row in enumerate(log.rows):
        if row.name_key != name.casefold() or row.verdict not in PASSING:
            continue
        if version is not None and log.field(row, "Version") != version:
            continue
        date = log.date(row)
        if date is None:
            continue
        if best is None or (date, index) >= (best[0], best[1]):
            best = (date, index, row)
    if best is None:
        return None
    date, _, row = best
    expires = date + dt.timedelta(days=policy.thresholds.audit_max_age_days)
    return Audit(
        audit_id=row.audit_id,
        version=log.field(row, "Version"),
        verdict=row.verdict,
        date=date,
        expires=expires,
        days_left=(expires - today).days,
    )


def _pull_view(p: PullRecord) -> PullView:
    return PullView(p.number, p.title, p.url, p.head_ref, p.signoff or "none", p.signoff_url)


def _touches(pull: PullRecord, name: str, policy: Policy) -> bool:
    """Whether the pull request changes the unit's source (its file stem is the unit's name)."""
    roots = (policy.paths.strategies.rstrip("/") + "/", policy.paths.models.rstrip("/") + "/")
    for path in pull.files:
        stem = posixpath.splitext(posixpath.basename(path))[0]
        if path.startswith(roots) and stem.casefold() == name.casefold():
            return True
    return False
