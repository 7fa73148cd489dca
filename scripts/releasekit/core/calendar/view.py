"""The coming days as the desk reads them: sessions, closed days, freezes, promotion times.

Pure: the calendar's values in, rows and Markdown out (``releasekit calendar`` prints them and
puts them in the job summary). Every text that came from the repository (freeze reasons,
event names) is escaped for Markdown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from releasekit.core.calendar.market import ONE_DAY, MarketCalendar
from releasekit.core.calendar.policy import CalendarPolicy
from releasekit.core.calendar.windows import Window, local_text, next_allowed
from releasekit.core.render import md_escape, visible


@dataclass(frozen=True)
class DayRow:
    """One day of the table, in the policy's timezone."""

    day: dt.date
    market: str
    freezes: tuple[str, ...]
    promotion_from: str | None


@dataclass(frozen=True)
class RolloutLine:
    """An active rollout: what is next, when it is due, the first instant the calendar allows."""

    version: str
    stage: str
    next_stage: str | None
    due_at: dt.datetime | None
    allowed_at: dt.datetime | None
    held_by: tuple[str, ...] = ()


def _hm(instant: dt.datetime, zone: dt.tzinfo) -> str:
    return f"{instant.astimezone(zone):%H:%M}"


def market_text(market: MarketCalendar, day: dt.date, zone: dt.tzinfo) -> str:
    """The market on ``day``: ``open 09:30-16:00``, ``early close ...``, ``closed``, ``unknown``."""
    if not market.covers(day):
        return "unknown (beyond the market calendar)"
    session = market.session_on(day)
    if session is None:
        return "closed"
    if _hm(session.open, zone) == _hm(session.close, zone) == "00:00":
        return "open all day"
    kind = "early close" if session.early_close else "open"
    return f"{kind} {_hm(session.open, zone)}-{_hm(session.close, zone)}"


def day_rows(
    policy: CalendarPolicy,
    market: MarketCalendar,
    freezes: Sequence[Window],
    promotion: Sequence[Window],
    first: dt.date,
    days: int,
    horizon: dt.datetime,
) -> list[DayRow]:
    """One row per day from ``first``: the market, the freezes, when a promotion may first go."""
    zone = policy.zone
    rows = []
    for i in range(days):
        day = first + i * ONE_DAY
        start = dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)
        end = dt.datetime.combine(day + ONE_DAY, dt.time(), zone).astimezone(dt.UTC)
        names = tuple(dict.fromkeys(w.name for w in freezes if w.overlaps(start, end)))
        allowed = next_allowed(promotion, start, min(end, horizon))
        rows.append(
            DayRow(
                day,
                market_text(market, day, zone),
                names,
                None if allowed is None else _hm(allowed, zone),
            )
        )
    return rows


def render_markdown(
    policy: CalendarPolicy,
    rows: Sequence[DayRow],
    rollouts: Sequence[RolloutLine],
    now: dt.datetime,
) -> str:
    """The calendar as Markdown for the job summary: the days, then the active rollouts."""
    zone = policy.zone
    lines = [
        f"#### Release calendar ({md_escape(policy.market)}, {md_escape(policy.timezone)})",
        "",
        f"Now: {local_text(now, zone)}. Promotions: `{policy.promote}`; rollout days count"
        f" {policy.day_count} days.",
        "",
        "| Day | Market | Freeze windows | Promotion allowed from |",
        "|---|---|---|---|",
    ]
    for r in rows:
        freezes = "<br>".join(md_escape(n) for n in r.freezes) or "-"
        allowed = r.promotion_from or "no"
        lines.append(f"| {r.day:%a %Y-%m-%d} | {r.market} | {freezes} | {allowed} |")
    if rollouts:
        lines += [
            "",
            "| Rollout | Stage | Next | Due | Allowed from | Held by |",
            "|---|---|---|---|---|---|",
        ]
        for ro in rollouts:
            due = local_text(ro.due_at, zone) if ro.due_at else "-"
            allowed = local_text(ro.allowed_at, zone) if ro.allowed_at else "not known"
            held = "<br>".join(md_escape(h) for h in ro.held_by) or "-"
            lines.append(
                f"| v{md_escape(ro.version)} | {md_escape(ro.stage)} |"
                f" {md_escape(ro.next_stage or '-')} | {due} | {allowed} | {held} |"
            )
    return "\n".join(lines) + "\n"


def render_text(
    policy: CalendarPolicy,
    rows: Sequence[DayRow],
    rollouts: Sequence[RolloutLine],
    now: dt.datetime,
) -> str:
    """The same table for a terminal."""
    zone = policy.zone
    out = [
        f"release calendar: {policy.market}, {policy.timezone}; now {local_text(now, zone)};"
        f" promote: {policy.promote}; day count: {policy.day_count}",
        "",
    ]
    for r in rows:
        allowed = f"promote from {r.promotion_from}" if r.promotion_from else "no promotion"
        freezes = f"  freeze: {'; '.join(r.freezes)}" if r.freezes else ""
        out.append(f"{r.day:%a %Y-%m-%d}  {r.market:<24} {allowed:<20}{freezes}")
    for ro in rollouts:
        allowed = local_text(ro.allowed_at, zone) if ro.allowed_at else "not known"
        due = local_text(ro.due_at, zone) if ro.due_at else "-"
        held = f" (held by {'; '.join(ro.held_by)})" if ro.held_by else ""
        out.append(
            f"rollout v{ro.version}: {ro.stage} -> {ro.next_stage or '-'}, due {due},"
            f" allowed from {allowed}{held}"
        )
    # Reasons and event names come from the repository: no control character reaches a terminal.
    return "\n".join(visible(line) for line in out) + "\n"


def _gantt_text(text: str) -> str:
    """Text a Mermaid gantt task name can hold (its syntax uses ``:``, ``;``, ``#``, commas)."""
    kept = "".join(c if c.isalnum() or c in " ._%()+-" else " " for c in text)
    return " ".join(kept.split()) or "-"


def timeline_bands(windows: Sequence[Window], *, limit: int = 40) -> list[str]:
    """A Mermaid gantt section drawing freeze windows and closed days as bands.

    Meant to be appended to the rollout timeline (``section Calendar``): adjoining closed
    days are one band (a weekend), freezes are ``crit``; at most ``limit`` bands, earliest
    first. Times are UTC, as the timeline's ``dateFormat`` reads them.
    """
    shown = [w for w in windows if w.kind != "session"]
    merged: list[Window] = []
    for w in sorted(shown, key=lambda w: (w.start, w.end)):
        last = merged[-1] if merged else None
        if last is not None and last.kind == w.kind == "closed" and w.start <= last.end:
            merged[-1] = Window(last.start, max(last.end, w.end), "closed", "market closed")
        else:
            merged.append(
                w if w.kind != "closed" else Window(w.start, w.end, "closed", "market closed")
            )
    if not merged:
        return []
    lines = ["    section Calendar"]
    for i, w in enumerate(merged[:limit]):
        hours = max(1, round((w.end - w.start).total_seconds() / 3600))
        tag = "" if w.kind in ("closed", "unknown") else "crit, "
        start = w.start.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
        lines.append(f"    {_gantt_text(w.name)} :{tag}c{i}, {start}, {hours}h")
    return lines
