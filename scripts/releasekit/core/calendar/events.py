"""The desk's dated event list (FOMC, CPI, NFP...): YAML text in, ``CalendarEvent`` values out.

Pure. The file is a list of events, each with a ``name`` and either an ``at`` (an instant with
an offset: the release of the number) or a ``date`` (the whole day in the policy's timezone)::

    events:
      - name: FOMC rate decision
        at: 2026-12-16T14:00:00-05:00
      - name: CPI
        date: 2026-12-10

Any problem is an ``InputError`` with the file, the line and the fix: an event list that
cannot be read would silently lift the freezes it holds.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from releasekit.core.calendar.windows import CalendarEvent
from releasekit.core.dates import parse_iso_date
from releasekit.core.yamldoc import YamlDoc, parse_yaml
from releasekit.errors import InputError

MAX_EVENTS = 5000
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
_EXAMPLE = "- {name: FOMC, at: 2026-12-16T14:00:00-05:00} or - {name: CPI, date: 2026-12-10}"


def parse_events(text: str, *, shown_as: str) -> tuple[CalendarEvent, ...]:
    """The events of an event list file, in file order."""
    doc = parse_yaml(text, shown_as=shown_as)
    data = doc.data
    items = data.get("events") if isinstance(data, dict) else None
    if not isinstance(data, dict) or set(data) != {"events"} or not isinstance(items, list):
        raise InputError(
            "the event list must be a mapping with one key, `events:`, holding a list",
            file=shown_as,
            line=1,
            hint=f"write `events:` and under it one item per event: {_EXAMPLE}",
        )
    if len(items) > MAX_EVENTS:
        raise InputError(
            f"the event list has {len(items)} events, more than {MAX_EVENTS}",
            file=shown_as,
            hint="keep the coming years' events; remove the old ones",
        )
    return tuple(_event(doc, i, item) for i, item in enumerate(items))


def _event(doc: YamlDoc, i: int, item: Any) -> CalendarEvent:
    line = doc.line_of("events", i)

    def fail(message: str) -> InputError:
        return InputError(
            f"event {i + 1}: {message}", file=doc.shown_as, line=line, hint=f"write {_EXAMPLE}"
        )

    if not isinstance(item, dict):
        raise fail("is not a mapping with `name` and `at` or `date`")
    unknown = sorted(str(k) for k in item if k not in ("name", "at", "date"))
    if unknown:
        raise fail(f"unknown key `{unknown[0]}` (known: name, at, date)")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise fail("has no `name` (a short text such as FOMC)")
    if any(ord(ch) < 32 for ch in name):
        raise fail("`name` contains a control character")
    if ("at" in item) == ("date" in item):
        raise fail("needs exactly one of `at` (an instant with an offset) or `date` (a day)")
    if "date" in item:
        day = parse_iso_date(doc.raw_scalar("events", i, "date"))
        if day is None:
            raise fail(f"`date` {item['date']!r} is not a YYYY-MM-DD date")
        return CalendarEvent(name.strip(), day=day, line=line)
    raw = doc.raw_scalar("events", i, "at") or ""
    try:
        if not _INSTANT.match(raw):
            raise ValueError(raw)
        at = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"`at` {raw!r} is not a date-time with an offset") from None
    return CalendarEvent(name.strip(), at=at.astimezone(dt.UTC), line=line)
