"""The policy's ``calendar:`` section: the desk's market, its freeze windows and promotion times.

Pure: the section's value, its ``YamlDoc`` and the policy's ``timezone:`` in, a frozen
``CalendarPolicy`` out, or an ``InputError`` naming the file, the line and the fix. The section
is validated against ``releasekit/schemas/policy.calendar.schema.json`` first, then for what a
schema cannot say (a window that ends before it starts, a time of day that is not one, a
policy under which no promotion could ever happen).

Left out, the section is the runbook as it reads: no freeze, promotions at any time, the
rollout plan's "Day N" counted in calendar days (``DEFAULT_CALENDAR``). Naming an exchange
does not import the exchange calendar library here: only a gate that needs the sessions does
(``core.calendar.exchange``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from jsonschema import Draft202012Validator, ValidationError

from releasekit.core.schema_errors import line_of, raise_first_error, schema_of
from releasekit.core.yamldoc import YamlDoc
from releasekit.errors import InputError

SCHEMA_NAME = "policy.calendar.schema.json"
Promote = Literal["in_session", "out_of_session", "any"]
DayCount = Literal["calendar", "trading"]
ALWAYS_OPEN = "24/7"
WEEKDAYS_ONLY = "24/5"
BUILT_IN_MARKETS = (ALWAYS_OPEN, WEEKDAYS_ONLY)
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class OneOffFreeze:
    """A freeze from one instant to another (aware datetimes), for a reason."""

    start: dt.datetime
    end: dt.datetime
    reason: str


@dataclass(frozen=True)
class WeeklyFreeze:
    """A freeze on ``days`` (0 = Monday) from ``start_minute`` to ``end_minute`` of the day.

    Minutes count from midnight in the policy's timezone; an end at or before the start ends
    on the next day (``fri 22:00`` to ``02:00`` is Friday night).
    """

    days: tuple[int, ...]
    start_minute: int
    end_minute: int
    reason: str

    def label(self) -> str:
        """``mon,fri 15:00-24:00``: the window as the policy writes it."""
        names = ",".join(WEEKDAY_NAMES[d] for d in self.days)
        return f"{names} {_clock_text(self.start_minute)}-{_clock_text(self.end_minute)}"


@dataclass(frozen=True)
class MonthEndFreeze:
    """A blackout over the last ``last_trading_days`` trading days of every month."""

    last_trading_days: int
    reason: str = "month-end blackout"


@dataclass(frozen=True)
class SessionEdges:
    """Freezes of ``open_minutes`` around each market open, ``close_minutes`` around each close."""

    open_minutes: int = 0
    close_minutes: int = 0
    reason: str = "session open/close"


@dataclass(frozen=True)
class EventWindows:
    """The dated event list ``file`` and the window around each of its events."""

    file: str
    before_minutes: int = 60
    after_minutes: int = 60


@dataclass(frozen=True)
class HotfixInFreeze:
    """What a hotfix inside a freeze needs beyond its release type's approvals."""

    second_founder: bool = False


@dataclass(frozen=True)
class CalendarPolicy:
    """The ``calendar:`` section, with the policy's ``timezone:`` it is read in."""

    market: str = ALWAYS_OPEN
    timezone: str = "UTC"
    # 24/5 only: the open and close of the trading week, minutes from Monday 00:00.
    week: tuple[int, int] | None = None
    promote: Promote = "any"
    day_count: DayCount = "calendar"
    freezes: tuple[OneOffFreeze, ...] = ()
    weekly: tuple[WeeklyFreeze, ...] = ()
    month_end: MonthEndFreeze | None = None
    session_edges: SessionEdges | None = None
    events: EventWindows | None = None
    hotfix: HotfixInFreeze = HotfixInFreeze()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The policy's timezone (checked when the policy was parsed)."""
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def needs_exchange(self) -> bool:
        """The market is an exchange code: its sessions come from the calendar library."""
        return self.market not in BUILT_IN_MARKETS

    @property
    def has_freezes(self) -> bool:
        """Any freeze window at all (one-off, weekly, month-end, session edges, events)."""
        edges = self.session_edges
        return bool(
            self.freezes
            or self.weekly
            or self.month_end
            or self.events
            or (edges is not None and (edges.open_minutes or edges.close_minutes))
        )

    @property
    def restricts_promotions(self) -> bool:
        """Whether anything here can ever hold a promotion (else the rollout skips the calendar)."""
        return self.has_freezes or self.market != ALWAYS_OPEN or self.promote != "any"

    def to_dict(self) -> dict[str, Any]:
        """The section as plain data, written the way the policy file writes it."""
        out: dict[str, Any] = {
            "market": self.market,
            "timezone": self.timezone,
            "promote": self.promote,
            "day_count": self.day_count,
            **(
                {}
                if self.week is None
                else {
                    "week": {"opens": _week_text(self.week[0]), "closes": _week_text(self.week[1])}
                }
            ),
            "freezes": [
                {"from": f.start.isoformat(), "to": f.end.isoformat(), "reason": f.reason}
                for f in self.freezes
            ],
            "weekly": [
                {
                    "days": [WEEKDAY_NAMES[d] for d in w.days],
                    "from": _clock_text(w.start_minute),
                    "to": _clock_text(w.end_minute),
                    "reason": w.reason,
                }
                for w in self.weekly
            ],
            "hotfix": {"second_founder": self.hotfix.second_founder},
        }
        if self.month_end is not None:
            out["month_end"] = {
                "last_trading_days": self.month_end.last_trading_days,
                "reason": self.month_end.reason,
            }
        if self.session_edges is not None:
            e = self.session_edges
            out["session_edges"] = {
                "open_minutes": e.open_minutes,
                "close_minutes": e.close_minutes,
                "reason": e.reason,
            }
        if self.events is not None:
            ev = self.events
            out["events"] = {
                "file": ev.file,
                "before_minutes": ev.before_minutes,
                "after_minutes": ev.after_minutes,
            }
        return out


DEFAULT_CALENDAR = CalendarPolicy()


def _clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _week_text(minute: int) -> str:
    day, rest = divmod(minute, MINUTES_PER_DAY)
    return f"{WEEKDAY_NAMES[day % 7]} {_clock_text(rest)}"


@lru_cache(maxsize=1)
def calendar_schema() -> dict[str, Any]:
    """The JSON Schema of the ``calendar:`` section (shipped inside the package)."""
    text = (resources.files("releasekit") / "schemas" / SCHEMA_NAME).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def check_timezone(name: Any, doc: YamlDoc) -> str:
    """The policy's ``timezone:`` (None: UTC) as an IANA zone name, or an ``InputError``."""
    if name is None:
        return "UTC"
    if isinstance(name, str) and name and ".." not in name and not name.startswith("/"):
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return name
    raise InputError(
        f"release policy: timezone {name!r} is not an IANA time zone",
        file=doc.shown_as,
        line=doc.line_of("timezone"),
        hint="write a zone such as UTC, America/New_York or Europe/London (docs/calendar.md)",
    )


def parse_calendar_section(
    value: Any, doc: YamlDoc, *, timezone: Any = None, path: tuple[str | int, ...] = ("calendar",)
) -> CalendarPolicy:
    """The ``calendar:`` section at ``path`` of ``doc``, read in the policy's ``timezone``.

    ``value`` is the section's data (None: no freeze, the runbook's behaviour). Every problem
    is an ``InputError`` with the policy file, the line of the offending key and the fix.
    """
    zone_name = check_timezone(timezone, doc)
    if value is None:
        return CalendarPolicy(timezone=zone_name)
    _validate(value, doc, path)
    p = _Reader(doc, path, zoneinfo.ZoneInfo(zone_name))
    edges = value.get("session_edges")
    month_end = value.get("month_end")
    events = value.get("events")
    policy = CalendarPolicy(
        market=str(value.get("market", ALWAYS_OPEN)),
        timezone=zone_name,
        week=p.week(value),
        promote=value.get("promote", "any"),
        day_count=value.get("day_count", "calendar"),
        freezes=tuple(p.one_off(i, f) for i, f in enumerate(value.get("freezes") or [])),
        weekly=tuple(p.weekly(i, w) for i, w in enumerate(value.get("weekly") or [])),
        month_end=None
        if month_end is None
        else MonthEndFreeze(
            int(month_end["last_trading_days"]),
            str(month_end.get("reason", MonthEndFreeze.reason)),
        ),
        session_edges=None
        if edges is None
        else SessionEdges(
            int(edges.get("open_minutes", 0)),
            int(edges.get("close_minutes", 0)),
            str(edges.get("reason", SessionEdges.reason)),
        ),
        events=None
        if events is None
        else EventWindows(
            str(events["file"]),
            int(events.get("before_minutes", EventWindows.before_minutes)),
            int(events.get("after_minutes", EventWindows.after_minutes)),
        ),
        hotfix=HotfixInFreeze(bool((value.get("hotfix") or {}).get("second_founder", False))),
    )
    if policy.market == ALWAYS_OPEN and policy.promote == "out_of_session":
        raise p.fail(
            ("promote",),
            "promote: out_of_session with market 24/7: a market that never closes leaves no"
            " time at which a rollout could be promoted",
            "use promote: any (or in_session), or name the market the desk trades",
        )
    return policy


def _validate(value: Any, doc: YamlDoc, path: tuple[str | int, ...]) -> None:
    raise_first_error(
        Draft202012Validator(calendar_schema()).iter_errors(value),
        doc,
        path,
        explain=_explain,
        docs="docs/calendar.md",
    )


def _explain(error: ValidationError, dotted: str) -> tuple[str, str]:
    schema = schema_of(error)
    about = str(schema.get("description", "")).rstrip(".")
    what = schema.get("x-what")
    if error.validator == "pattern" and isinstance(what, str):
        return f"`{dotted}` is {error.instance!r}, not {what}", str(schema.get("x-fix", about))
    if error.validator == "enum":
        values = error.validator_value if isinstance(error.validator_value, list) else []
        allowed = ", ".join(str(v) for v in values)
        return f"`{dotted}` is {error.instance!r}, not one of: {allowed}", about or "pick one"
    return f"`{dotted}`: {error.message}"[:300], about or "see the schema"


class _Reader:
    """Typed values from schema-valid data, checking what the schema cannot."""

    def __init__(self, doc: YamlDoc, path: tuple[str | int, ...], zone: dt.tzinfo) -> None:
        self.doc = doc
        self.path = path
        self.zone = zone

    def fail(self, where: tuple[str | int, ...], message: str, hint: str) -> InputError:
        """An ``InputError`` at the line of ``path + where``."""
        return InputError(
            f"release policy: {message}",
            file=self.doc.shown_as,
            line=line_of(self.doc, (*self.path, *where)),
            hint=f"{hint} (docs/calendar.md)",
        )

    def instant(self, where: tuple[str | int, ...], text: str) -> dt.datetime:
        """An ISO-8601 date-time with an offset (the schema checked its shape)."""
        try:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(
                where,
                f"`{'.'.join(map(str, (*self.path, *where)))}` {text!r} is not a real date-time",
                "write e.g. 2026-12-21T00:00:00-05:00",
            ) from None
        return value.astimezone(dt.UTC)

    def one_off(self, i: int, item: dict[str, Any]) -> OneOffFreeze:
        """A one-off freeze; it must end after it starts."""
        start = self.instant(("freezes", i, "from"), str(item["from"]))
        end = self.instant(("freezes", i, "to"), str(item["to"]))
        if end <= start:
            raise self.fail(
                ("freezes", i, "to"),
                f"freeze {item['reason']!r} ends ({item['to']}) before it starts ({item['from']})",
                "write `to` after `from`",
            )
        return OneOffFreeze(start, end, str(item["reason"]))

    def clock(self, where: tuple[str | int, ...]) -> int:
        """A time of day in minutes from midnight; ``24:00`` is the end of the day."""
        # YAML 1.1 reads an unquoted 12:00 as the number 720 (base 60): take the text written.
        raw = self.doc.raw_scalar(*self.path, *where)
        match = _CLOCK.match(raw or "")
        minutes = None if match is None else int(match[1]) * 60 + int(match[2])
        if minutes is None or minutes > MINUTES_PER_DAY:
            raise self.fail(
                where,
                f"`{'.'.join(map(str, (*self.path, *where)))}` is {raw!r}, not a time of day",
                'write HH:MM, e.g. "15:30" (24:00 is the end of the day)',
            )
        return minutes

    def week(self, value: dict[str, Any]) -> tuple[int, int] | None:
        """``week:`` as minutes from Monday 00:00; only a 24/5 market has a week to set."""
        given = value.get("week")
        if given is None:
            return None
        if value.get("market") != WEEKDAYS_ONLY:
            raise self.fail(
                ("week",),
                "`week` sets the trading week of a 24/5 market, but the market is"
                f" {value.get('market', ALWAYS_OPEN)!r}",
                "remove `week`, or write market: 24/5",
            )
        week = 7 * MINUTES_PER_DAY
        ends = []
        for key in ("opens", "closes"):
            day, _, clock = str(given[key]).partition(" ")
            hours, minutes = clock.split(":")
            minute = WEEKDAY_NAMES.index(day) * MINUTES_PER_DAY + int(hours) * 60 + int(minutes)
            ends.append(minute % week)
        if ends[0] == ends[1]:
            raise self.fail(
                ("week", "closes"),
                "the trading week closes when it opens",
                'use market: 24/7 for a market that never closes, or e.g. closes: "fri 17:00"',
            )
        return ends[0], ends[1]

    def weekly(self, i: int, item: dict[str, Any]) -> WeeklyFreeze:
        """A weekly freeze; ``to`` equal to ``from`` is a whole day from ``from``."""
        start = self.clock(("weekly", i, "from"))
        end = self.clock(("weekly", i, "to"))
        if start == MINUTES_PER_DAY:
            raise self.fail(
                ("weekly", i, "from"),
                "a weekly window cannot start at 24:00",
                "start it at 00:00 of the next day",
            )
        days = tuple(sorted(WEEKDAY_NAMES.index(d) for d in item["days"]))
        return WeeklyFreeze(days, start, end, str(item["reason"]))
