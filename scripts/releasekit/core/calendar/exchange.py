"""An exchange's sessions from the ``exchange_calendars`` library, as ``MarketCalendar`` values.

The one module that imports the library, and only inside ``exchange_calendar``: it brings in
pandas and numpy (about 156 MB installed and 0.3 s of imports, docs/benchmarks.md), so it is
an optional extra (``pip install 'releasekit[calendar]'``) that only a policy naming an
exchange ever loads. Pure computation: the library ships its calendars, nothing is fetched.
"""

from __future__ import annotations

import datetime as dt
import warnings
import zoneinfo
from typing import Any

from releasekit.core.calendar.market import MarketCalendar, Session
from releasekit.errors import InputError

LIBRARY = "exchange_calendars"
EXTRA_HINT = "install the calendar extra: pip install 'releasekit[calendar]' (docs/calendar.md)"


def _library() -> Any:
    try:
        # Optional and heavy: imported here only. Untyped, and absent without the extra.
        import exchange_calendars  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        raise InputError(
            f"the policy names an exchange calendar, but the {LIBRARY} library is not installed",
            hint=EXTRA_HINT,
        ) from None
    return exchange_calendars


def exchange_calendar(code: str, first: dt.date, last: dt.date) -> MarketCalendar:
    """The sessions of exchange ``code`` from ``first`` to ``last``, clipped to what it knows.

    An unknown code is an ``InputError`` naming a few known ones. The library knows about a
    year ahead; the returned calendar's ``last`` says how far, and days after it are unknown.
    """
    xc = _library()
    names = set(xc.get_calendar_names(include_aliases=True))
    if code not in names:
        known = ", ".join(sorted(n for n in names if n.startswith("X"))[:12])
        raise InputError(
            f"calendar.market {code!r} is not an exchange calendar {LIBRARY} knows",
            hint=f"use an ISO 10383 code such as {known}, ... or 24/7 or 24/5 (docs/calendar.md)",
        )
    # The library's own pandas deprecation notices are not the desk's concern (and tests
    # turn warnings into errors): silence them for these calls only.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        return _sessions(xc, code, first, last)


def _sessions(xc: Any, code: str, first: dt.date, last: dt.date) -> MarketCalendar:
    cal = xc.get_calendar(code)
    lo = max(first, cal.first_session.date())
    hi = min(last, cal.last_session.date())
    zone = zoneinfo.ZoneInfo(str(cal.tz))
    if lo > hi:  # the range lies wholly outside what the library knows
        return MarketCalendar(code, zone, first, first - dt.timedelta(days=1), ())
    schedule = cal.schedule.loc[lo.isoformat() : hi.isoformat()]
    early = {d.date() for d in cal.early_closes}
    sessions = tuple(
        Session(
            label.date(),
            row.open.to_pydatetime().astimezone(dt.UTC),
            row.close.to_pydatetime().astimezone(dt.UTC),
            label.date() in early,
        )
        for label, row in zip(schedule.index, schedule.itertuples(), strict=True)
    )
    return MarketCalendar(code, zone, lo, hi, sessions)
