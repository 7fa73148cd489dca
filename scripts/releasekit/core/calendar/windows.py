"""Freeze windows, closed days and session times as spans of time; the next allowed instant.

Pure: a ``CalendarPolicy``, a ``MarketCalendar``, the event list and a time range in;
``Window`` values out. Two sets of windows matter:

* ``freeze_windows``: what stops cutting or tagging a release (one-off freezes, weekly
  windows, the month-end blackout, minutes around the session open and close, events);
* ``promotion_windows``: what holds a rollout promotion — every freeze, plus closed days,
  the time of day ``promote:`` excludes, and any time the market calendar does not know
  (evidence to proceed must be complete: an unknown day never lets a promotion through).

``next_allowed`` walks forward from an instant past every window that covers it. A rollback
or a pause never asks: nothing here is consulted for them (docs/rollout.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from releasekit.core.calendar.market import ONE_DAY, MarketCalendar
from releasekit.core.calendar.policy import CalendarPolicy, DayCount

WindowKind = Literal[
    "freeze", "weekly", "month-end", "session-edge", "event", "closed", "session", "unknown"
]
DAY = dt.timedelta(hours=24)
# A trading-day count gives up after this many calendar days per trading day sought: a
# calendar with no sessions at all must not loop for ever.
_MAX_DAYS_PER_TRADING_DAY = 14


@dataclass(frozen=True)
class CalendarEvent:
    """One dated event of the event list: an instant, or a whole day in the policy's timezone."""

    name: str
    at: dt.datetime | None = None
    day: dt.date | None = None
    line: int | None = None


@dataclass(frozen=True)
class Window:
    """A span of time ``[start, end)`` (aware UTC) during which something is not allowed."""

    start: dt.datetime
    end: dt.datetime
    kind: WindowKind
    name: str
    reason: str = ""

    def contains(self, instant: dt.datetime) -> bool:
        """``start <= instant < end``."""
        return self.start <= instant < self.end

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether the window shares any instant with ``[start, end)``."""
        return self.start < end and start < self.end

    def describe(self, zone: dt.tzinfo) -> str:
        """``year-end freeze (one-off), 2026-12-21 00:00 to 2027-01-04 09:30 EST``."""
        return f"{self.name}, {local_text(self.start, zone)} to {local_text(self.end, zone)}"


def local_text(instant: dt.datetime, zone: dt.tzinfo) -> str:
    """``2026-12-21 09:30 EST``: an instant as the desk reads it, in the policy's timezone."""
    local = instant.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or ''}".rstrip()


def _at_minute(day: dt.date, minute: int, zone: dt.tzinfo) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(), zone) + dt.timedelta(minutes=minute)
    # Adding minutes to an aware datetime keeps its wall-clock offset; re-anchor in the zone
    # so a window on a daylight-saving day starts at the wall-clock time the policy wrote.
    naive = local.replace(tzinfo=None)
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def freeze_windows(
    policy: CalendarPolicy,
    market: MarketCalendar,
    events: Sequence[CalendarEvent],
    start: dt.datetime,
    end: dt.datetime,
) -> list[Window]:
    """Every freeze window that overlaps ``[start, end)``, in order of start."""
    zone = policy.zone
    out: list[Window] = [
        Window(f.start, f.end, "freeze", f"{f.reason} (one-off freeze)", f.reason)
        for f in policy.freezes
    ]
    first_day = start.astimezone(zone).date() - ONE_DAY
    last_day = end.astimezone(zone).date()
    for w in policy.weekly:
        for day in market.days(first_day, last_day):
            if day.weekday() not in w.days:
                continue
            s = _at_minute(day, w.start_minute, zone)
            e_day = day + ONE_DAY if w.end_minute <= w.start_minute else day
            e = _at_minute(e_day, w.end_minute, zone)
            out.append(Window(s, e, "weekly", f"{w.reason} (weekly {w.label()})", w.reason))
    if policy.month_end is not None:
        out += _month_end(policy, market, start, end)
    edges = policy.session_edges
    if edges is not None and (edges.open_minutes or edges.close_minutes):
        around_open = dt.timedelta(minutes=edges.open_minutes)
        around_close = dt.timedelta(minutes=edges.close_minutes)
        for opened, closed, _, last in market.trading_stretches():
            if around_open:
                out.append(
                    Window(
                        opened - around_open,
                        opened + around_open,
                        "session-edge",
                        f"{edges.reason} ({edges.open_minutes} min around the open)",
                        edges.reason,
                    )
                )
            if around_close:
                early = " early" if last.early_close else ""
                out.append(
                    Window(
                        closed - around_close,
                        closed + around_close,
                        "session-edge",
                        f"{edges.reason} ({edges.close_minutes} min around the{early} close)",
                        edges.reason,
                    )
                )
    if policy.events is not None:
        before = dt.timedelta(minutes=policy.events.before_minutes)
        after = dt.timedelta(minutes=policy.events.after_minutes)
        for ev in events:
            if ev.at is not None:
                s, e = ev.at - before, ev.at + after
            elif ev.day is not None:
                s = _at_minute(ev.day, 0, zone) - before
                e = _at_minute(ev.day + ONE_DAY, 0, zone) + after
            else:  # pragma: no cover - the event list parser gives every event a time
                continue
            out.append(Window(s, e, "event", f"{ev.name} (event)", ev.name))
    return _within(out, start, end)


def _month_end(
    policy: CalendarPolicy, market: MarketCalendar, start: dt.datetime, end: dt.datetime
) -> list[Window]:
    """The last N trading days of each month the range touches (whole market days)."""
    assert policy.month_end is not None  # checked by the caller
    n = policy.month_end.last_trading_days
    reason = policy.month_end.reason
    out: list[Window] = []
    month = market.local_date(start).replace(day=1)
    stop = market.local_date(end)
    while month <= stop:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        if market.covers(month) and market.covers(following - ONE_DAY):
            trading = [
                d for d in market.days(month, following - ONE_DAY) if market.is_trading_day(d)
            ]
            if trading:
                last_days = trading[-n:]
                out.append(
                    Window(
                        market.local_midnight(last_days[0]),
                        market.local_midnight(last_days[-1] + ONE_DAY),
                        "month-end",
                        f"{reason} (last {n} trading day{'s' if n > 1 else ''} of {month:%B %Y})",
                        reason,
                    )
                )
        month = following
    return out


def market_windows(
    policy: CalendarPolicy, market: MarketCalendar, start: dt.datetime, end: dt.datetime
) -> list[Window]:
    """Closed days, the time of day ``promote:`` excludes, and days the calendar does not know."""
    out: list[Window] = []
    first = market.local_date(start)
    last = market.local_date(end)
    if first < market.first:
        out.append(
            Window(
                start,
                market.local_midnight(market.first),
                "unknown",
                f"before the {market.name} calendar's first known day ({market.first})",
            )
        )
    if last > market.last:
        out.append(
            Window(
                market.local_midnight(market.last + ONE_DAY),
                max(end, market.local_midnight(market.last + ONE_DAY)) + DAY,
                "unknown",
                f"after the {market.name} calendar's last known day ({market.last})",
            )
        )
    for day in market.days(max(first, market.first), min(last, market.last)):
        if not market.is_trading_day(day):
            out.append(
                Window(
                    market.local_midnight(day),
                    market.local_midnight(day + ONE_DAY),
                    "closed",
                    f"{market.name} closed on {day:%a %Y-%m-%d}",
                )
            )
    stretches = market.trading_stretches()
    if policy.promote == "in_session":
        for (_, closed, _, _), (opened, _, _, _) in itertools.pairwise(stretches):
            out.append(
                Window(closed, opened, "session", f"{market.name} closed (promote: in_session)")
            )
    elif policy.promote == "out_of_session":
        for opened, closed, _, _ in stretches:
            out.append(
                Window(opened, closed, "session", f"{market.name} open (promote: out_of_session)")
            )
    return _within(out, start, end)


def promotion_windows(
    policy: CalendarPolicy,
    market: MarketCalendar,
    events: Sequence[CalendarEvent],
    start: dt.datetime,
    end: dt.datetime,
) -> list[Window]:
    """Everything that holds a promotion in ``[start, end)``: freezes and market windows."""
    return sorted(
        [
            *freeze_windows(policy, market, events, start, end),
            *market_windows(policy, market, start, end),
        ],
        key=lambda w: (w.start, w.end, w.name),
    )


def _within(windows: Iterable[Window], start: dt.datetime, end: dt.datetime) -> list[Window]:
    return sorted(
        (w for w in windows if w.overlaps(start, end)), key=lambda w: (w.start, w.end, w.name)
    )


def covering(windows: Iterable[Window], instant: dt.datetime) -> list[Window]:
    """The windows that contain ``instant``."""
    return [w for w in windows if w.contains(instant)]


def next_allowed(
    windows: Sequence[Window], instant: dt.datetime, horizon: dt.datetime
) -> dt.datetime | None:
    """The first instant at or after ``instant`` inside no window (None: not before ``horizon``).

    ``windows`` must cover at least ``[instant, horizon)``: beyond the horizon nothing is
    known, so no instant there is offered.
    """
    t = instant
    for _ in range(len(windows) + 1):
        hits = covering(windows, t)
        if not hits:
            return t if t < horizon else None
        t = max(w.end for w in hits)
    return None  # pragma: no cover - each step leaves at least one window behind


def day_start(
    market: MarketCalendar, day0: dt.datetime, n: int, count: DayCount
) -> dt.datetime | None:
    """When the rollout plan's "Day ``n``" starts, counted from ``day0`` (Day 0).

    ``calendar``: ``n`` 24-hour days after day 0 (the runbook as it reads). ``trading``: the
    ``n``-th 24-hour period after day 0 whose start falls on a trading day of the market;
    closed days do not count. None when the count runs past what the calendar knows.
    """
    if count == "calendar" or n <= 0:
        return day0 + n * DAY
    counted = 0
    k = 0
    while counted < n:
        k += 1
        if k > n * _MAX_DAYS_PER_TRADING_DAY:
            return None
        day = market.local_date(day0 + k * DAY)
        if not market.covers(day):
            return None
        if market.is_trading_day(day):
            counted += 1
    return day0 + k * DAY
