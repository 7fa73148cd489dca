"""The release calendar's use cases: show the coming days, check a cut or a tag, hold a promotion.

* ``show``: the next N days (sessions, closed days, freeze windows, when a promotion may go)
  and, for each active rollout given, the next allowed promotion instant.
* ``check``: may a release be cut (``prepare``) or tagged (``tag``) now? Exit 1 inside a
  freeze, naming the window, unless it is a hotfix with the approvals the policy names.
* ``promotion_hold``: the hook the rollout decision calls when a promotion is due.

The market's sessions are loaded once per call, for a range a little wider than asked (a
month-end blackout needs the whole month). An exchange calendar imports its library here and
nowhere else on the way; ``24/7`` and ``24/5`` import nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from releasekit.core.calendar.market import (
    WEEKDAYS_WEEK,
    MarketCalendar,
    always_open,
    weekdays_only,
)
from releasekit.core.calendar.policy import WEEKDAYS_ONLY, CalendarPolicy
from releasekit.core.calendar.promotion import PromotionCalendar, promotion_calendar
from releasekit.core.calendar.rules import (
    ReleaseAction,
    release_action_findings,
    reviewers_from_signoff,
)
from releasekit.core.calendar.view import RolloutLine, day_rows, render_markdown, render_text
from releasekit.core.calendar.windows import (
    CalendarEvent,
    Window,
    freeze_windows,
    local_text,
    promotion_windows,
)
from releasekit.core.report import Finding, Report, finding
from releasekit.core.rollout.controller import decide
from releasekit.core.signoff.policy import POLICY_PATH, Policy
from releasekit.workspace.calendar import load_events, load_policy_from, load_report_data
from releasekit.workspace.ops import read_state

TOOL = "calendar"
# Sessions are loaded this far either side of the range asked about: a month-end blackout
# needs the whole month, and a hold may run past the range.
MARGIN = dt.timedelta(days=45)
# How far ahead a held promotion or a freeze's end is looked for.
LOOKAHEAD = dt.timedelta(days=60)


@dataclass(frozen=True)
class Calendar:
    """The policy's calendar section with its market's sessions and events, for a range."""

    policy: CalendarPolicy
    market: MarketCalendar
    events: tuple[CalendarEvent, ...]
    start: dt.datetime
    end: dt.datetime

    def freezes(self) -> list[Window]:
        """The freeze windows over the range."""
        return freeze_windows(self.policy, self.market, self.events, self.start, self.end)

    def promotion(self) -> list[Window]:
        """Everything that holds a promotion over the range."""
        return promotion_windows(self.policy, self.market, self.events, self.start, self.end)


def market_for(policy: CalendarPolicy, first: dt.date, last: dt.date) -> MarketCalendar:
    """The market's sessions from ``first`` to ``last`` (an exchange loads its library here)."""
    if policy.market == WEEKDAYS_ONLY:
        week = policy.week if policy.week is not None else WEEKDAYS_WEEK
        return weekdays_only(policy.zone, first, last, week)
    if policy.needs_exchange:
        from releasekit.core.calendar.exchange import exchange_calendar

        return exchange_calendar(policy.market, first, last)
    return always_open(policy.zone, first, last)


def load_calendar(
    repo: Path,
    policy: CalendarPolicy,
    start: dt.datetime,
    end: dt.datetime,
    *,
    sessions: bool = True,
) -> Calendar:
    """The calendar of ``policy`` over ``[start, end)``, its event list read from ``repo``.

    ``sessions=False``: only the freeze windows that need no market are asked for (one-off,
    weekly, events), so no exchange calendar is loaded for them.
    """
    zone = policy.zone
    first = (start - MARGIN).astimezone(zone).date()
    last = (end + MARGIN).astimezone(zone).date()
    market = market_for(policy, first, last) if sessions else always_open(zone, first, last)
    return Calendar(policy, market, load_events(repo, policy), start, end)


def rollout_calendar(
    repo: Path, policy: CalendarPolicy, start: dt.datetime, now: dt.datetime
) -> PromotionCalendar | None:
    """What a rollout decision at ``now`` consults, for a rollout that started at ``start``.

    None when the policy's calendar can never hold a promotion nor move a day (no
    ``calendar:`` section: the runbook as it reads), so such a rollout loads nothing.
    """
    if not policy.restricts_promotions and policy.day_count == "calendar":
        return None
    calendar = load_calendar(repo, policy, min(start, now), now + LOOKAHEAD)
    return promotion_calendar(policy, calendar.market, calendar.promotion(), calendar.end)


def calendar_for_rollout(
    repo: Path, policy_file: Path | None, start: dt.datetime, now: dt.datetime
) -> PromotionCalendar | None:
    """The calendar ``rollout decide`` consults (None: the policy has no calendar to apply).

    ``policy_file`` is ``rollout --policy`` (None: the repository's policy).
    """
    policy, _ = load_policy_from(repo, policy_file)
    return rollout_calendar(repo, policy.calendar, start, now)


# -- releasekit calendar check ----------------------------------------------------------------


@dataclass(frozen=True)
class CheckRequest:
    """``releasekit calendar check``: may a release be cut or tagged at ``now``?"""

    repo: Path
    now: dt.datetime
    action: ReleaseAction
    policy: Path | None = None
    hotfix: bool = False
    signoff_report: Path | None = None


def check(request: CheckRequest) -> Report:
    """CAL001-CAL004 for cutting or tagging a release at ``request.now``."""
    policy, notices = load_policy_from(request.repo, request.policy)
    cal = policy.calendar
    subject = f"{request.action} at {local_text(request.now, cal.zone)}"
    if not cal.has_freezes:
        return Report(
            TOOL,
            subject,
            (
                *notices,
                finding("CAL002", "notice", "the policy has no freeze window: nothing to hold"),
            ),
            {"action": request.action, "freezes": []},
        )
    # Cutting or tagging is held by freezes only; the market matters only to the freezes that
    # follow its sessions (month-end, open and close).
    sessions = cal.month_end is not None or cal.session_edges is not None
    calendar = load_calendar(
        request.repo, cal, request.now, request.now + LOOKAHEAD, sessions=sessions
    )
    freezes = calendar.freezes()
    reviewers = None
    if request.hotfix and request.signoff_report is not None:
        reviewers = reviewers_from_signoff(
            load_report_data(request.signoff_report, tool="signoff-gate")
        )
    findings = release_action_findings(
        cal,
        freezes,
        request.now,
        calendar.end,
        action=request.action,
        hotfix=request.hotfix,
        hotfix_roles=policy.release_types.hotfix.approvals,
        reviewers=reviewers,
    )
    active = [w for w in freezes if w.contains(request.now)]
    return Report(
        TOOL,
        subject,
        (*notices, *findings),
        {
            "action": request.action,
            "hotfix": request.hotfix,
            "now": request.now.isoformat(),
            "freezes": [_window_json(w) for w in active],
        },
    )


def _window_json(w: Window) -> dict[str, str]:
    return {"name": w.name, "kind": w.kind, "start": w.start.isoformat(), "end": w.end.isoformat()}


# -- releasekit calendar (show) ---------------------------------------------------------------


@dataclass(frozen=True)
class ShowRequest:
    """``releasekit calendar``: the next ``days`` days, and the rollouts in ``states``."""

    repo: Path
    now: dt.datetime
    policy: Path | None = None
    days: int = 30
    states: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Shown:
    """The report, and the table rendered for the terminal and for the job summary."""

    report: Report
    text: str
    markdown: str


def show(request: ShowRequest) -> Shown:
    """The coming days and each active rollout's next allowed promotion instant."""
    policy, notices = load_policy_from(request.repo, request.policy)
    cal = policy.calendar
    zone = cal.zone
    first = request.now.astimezone(zone).date()
    start = dt.datetime.combine(first, dt.time(), zone).astimezone(dt.UTC)
    end = start + dt.timedelta(days=request.days)
    calendar = load_calendar(request.repo, cal, start, end + LOOKAHEAD)
    freezes = calendar.freezes()
    promotion = calendar.promotion()
    rows = day_rows(cal, calendar.market, freezes, promotion, first, request.days, calendar.end)
    consult = promotion_calendar(cal, calendar.market, promotion, calendar.end)
    rollouts = [_rollout_line(policy, consult, path, request.now) for path in request.states]
    findings: list[Finding] = list(notices)
    for ro in rollouts:
        if ro.held_by and ro.due_at is not None:
            when = local_text(ro.allowed_at, zone) if ro.allowed_at else "no known instant"
            findings.append(
                finding(
                    "CAL010",
                    "notice",
                    f"v{ro.version}: the promotion to {ro.next_stage} due"
                    f" {local_text(ro.due_at, zone)} is held by the calendar"
                    f" ({'; '.join(ro.held_by)}) until {when}",
                )
            )
    data = {
        "market": cal.market,
        "timezone": cal.timezone,
        "promote": cal.promote,
        "day_count": cal.day_count,
        "days": [
            {
                "date": r.day.isoformat(),
                "market": r.market,
                "freezes": list(r.freezes),
                "promotion_from": r.promotion_from,
            }
            for r in rows
        ],
        "rollouts": [
            {
                "version": ro.version,
                "stage": ro.stage,
                "next_stage": ro.next_stage,
                "due_at": ro.due_at.isoformat() if ro.due_at else None,
                "allowed_at": ro.allowed_at.isoformat() if ro.allowed_at else None,
                "held_by": list(ro.held_by),
            }
            for ro in rollouts
        ],
    }
    report = Report(
        TOOL, f"{policy.source or POLICY_PATH}: next {request.days} days", tuple(findings), data
    )
    return Shown(
        report,
        render_text(cal, rows, rollouts, request.now),
        render_markdown(cal, rows, rollouts, request.now),
    )


def _rollout_line(
    policy: Policy, calendar: PromotionCalendar, path: Path, now: dt.datetime
) -> RolloutLine:
    """Where one rollout stands, when its next promotion is due and when the calendar allows it."""
    state, _ = read_state(path)
    # With the calendar, the due instant counts trading days when the policy says so.
    decision = decide(policy.rollout, state, None, now, calendar=calendar)
    nxt = decision.next_stage
    due = decision.due_at
    if nxt is None or due is None or state.status != "active":
        return RolloutLine(state.version, state.stage or "not deployed", None, None, None)
    at = max(due, now)
    hold = calendar.held(at)
    if hold is None:
        return RolloutLine(state.version, state.stage or "-", nxt.id, due, at)
    return RolloutLine(
        state.version,
        state.stage or "-",
        nxt.id,
        due,
        hold.until,
        tuple(w.name for w in hold.windows),
    )
