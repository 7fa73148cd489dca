"""A market's sessions as plain values: when it is open, when closed, where it is unknown.

Pure. ``MarketCalendar`` holds the sessions between two dates; outside them nothing is known,
and what is not known never lets a release move forward (``unknown_spans``). The two built-in
markets need no library: ``24/7`` is one session per day, midnight to midnight, every day;
``24/5`` is the same Monday to Friday, in the policy's timezone. An exchange's sessions come
from the optional library through ``core.calendar.exchange`` and arrive here as the same values,
so every rule below is tested with injected sessions and no library.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Session:
    """One trading session: its date (the market's label), open and close (aware UTC)."""

    day: dt.date
    open: dt.datetime
    close: dt.datetime
    early_close: bool = False


@dataclass(frozen=True)
class MarketCalendar:
    """A market's sessions from ``first`` to ``last`` (dates, inclusive), in time order.

    ``zone`` is the market's own timezone: closed days run from its midnight to its midnight.
    """

    name: str
    zone: dt.tzinfo
    first: dt.date
    last: dt.date
    sessions: tuple[Session, ...]
    _days: dict[dt.date, Session] = field(init=False, repr=False, compare=False)
    _opens: list[dt.datetime] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Index the sessions by date and by open (the values stay as given)."""
        object.__setattr__(self, "_days", {s.day: s for s in self.sessions})
        object.__setattr__(self, "_opens", [s.open for s in self.sessions])

    def covers(self, day: dt.date) -> bool:
        """Whether the calendar knows ``day`` (inside ``first`` .. ``last``)."""
        return self.first <= day <= self.last

    def session_on(self, day: dt.date) -> Session | None:
        """The session labelled ``day``, or None (closed, or not known)."""
        return self._days.get(day)

    def is_trading_day(self, day: dt.date) -> bool:
        """``day`` has a session (a day outside the calendar is not known to be one)."""
        return day in self._days

    def session_at(self, instant: dt.datetime) -> Session | None:
        """The session open at ``instant`` (open <= instant < close), or None."""
        i = bisect.bisect_right(self._opens, instant) - 1
        if i >= 0 and self.sessions[i].open <= instant < self.sessions[i].close:
            return self.sessions[i]
        return None

    def days(self, first: dt.date, last: dt.date) -> Iterator[dt.date]:
        """Every date from ``first`` to ``last`` inclusive."""
        day = first
        while day <= last:
            yield day
            day += ONE_DAY

    def local_midnight(self, day: dt.date) -> dt.datetime:
        """The start of ``day`` in the market's timezone, as an aware UTC datetime."""
        return dt.datetime.combine(day, dt.time(), self.zone).astimezone(dt.UTC)

    def local_date(self, instant: dt.datetime) -> dt.date:
        """The market's date at ``instant``."""
        return instant.astimezone(self.zone).date()

    def trading_stretches(self) -> list[tuple[dt.datetime, dt.datetime, Session, Session]]:
        """Contiguous stretches of trading: (open, close, first session, last session).

        A session that starts where the previous one ended (24/5's midnights) continues one
        stretch: the market really opens at a stretch's start and closes at its end.
        """
        out: list[tuple[dt.datetime, dt.datetime, Session, Session]] = []
        for s in self.sessions:
            if out and out[-1][1] >= s.open:
                start, _, first, _ = out[-1]
                out[-1] = (start, max(out[-1][1], s.close), first, s)
            else:
                out.append((s.open, s.close, s, s))
        return out


MINUTES_PER_WEEK = 7 * 24 * 60
# 24/5's default week: Monday 00:00 to Saturday 00:00 (minutes from Monday 00:00).
WEEKDAYS_WEEK = (0, 5 * 24 * 60)


def _local(day: dt.date, minute: int, zone: dt.tzinfo) -> dt.datetime:
    """``minute`` minutes into ``day`` on the wall clock of ``zone``, as aware UTC."""
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def weekly_hours(
    name: str,
    zone: dt.tzinfo,
    first: dt.date,
    last: dt.date,
    week: tuple[int, int],
) -> MarketCalendar:
    """A market open each week from ``week[0]`` to ``week[1]`` (minutes from Monday 00:00).

    Each day gets the part of the open week that falls on it as its session, so an FX week
    from Sunday 17:00 to Friday 17:00 has a short Sunday and a short Friday session and no
    Saturday. A close at or before the open wraps over the week's end.
    """
    opens, closes = week
    spans = [(opens, closes)] if opens < closes else [(opens, MINUTES_PER_WEEK), (0, closes)]
    sessions = []
    day = first
    while day <= last:
        base = day.weekday() * 24 * 60
        for lo, hi in spans:
            start, end = max(lo, base), min(hi, base + 24 * 60)
            if start < end:
                sessions.append(
                    Session(day, _local(day, start - base, zone), _local(day, end - base, zone))
                )
        day += ONE_DAY
    return MarketCalendar(name, zone, first, last, tuple(sessions))


def always_open(zone: dt.tzinfo, first: dt.date, last: dt.date) -> MarketCalendar:
    """``24/7``: a session every day, midnight to midnight in ``zone``."""
    return weekly_hours("24/7", zone, first, last, (0, MINUTES_PER_WEEK))


def weekdays_only(
    zone: dt.tzinfo, first: dt.date, last: dt.date, week: tuple[int, int] = WEEKDAYS_WEEK
) -> MarketCalendar:
    """``24/5``: Monday to Friday in ``zone`` by default, or the ``week`` the policy gives."""
    return weekly_hours("24/5", zone, first, last, week)
