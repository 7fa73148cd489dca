"""What the rollout decision asks the calendar: may a promotion go now, and when does Day N start.

Pure: a ``PromotionCalendar`` holds the policy's calendar section, the market's sessions and
the promotion windows over a range; the rollout controller asks it two things and nothing
else, so a rollout without a ``calendar:`` section never builds one.

* ``hold(now, target)``: None when a promotion due now may go; else the CAL010/CAL011 finding
  saying which windows hold it and until when. Only promotions ask: a rollback or a pause is
  never held (docs/rollout.md, "The calendar").
* ``day_start(day0, n)``: when the plan's Day ``n`` starts — ``n`` 24-hour days after day 0,
  or, with ``day_count: trading``, the ``n``-th such day that falls on a trading day (None
  when the market calendar ends first: the promotion is then not due).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from releasekit.core.calendar.market import MarketCalendar
from releasekit.core.calendar.policy import CalendarPolicy
from releasekit.core.calendar.rules import Hold, hold_finding, promotion_hold
from releasekit.core.calendar.view import timeline_bands
from releasekit.core.calendar.windows import Window, day_start
from releasekit.core.report import Finding, finding


@dataclass(frozen=True)
class PromotionCalendar:
    """The calendar as the rollout decision sees it, over ``[windows' start, horizon)``."""

    policy: CalendarPolicy
    market: MarketCalendar
    windows: tuple[Window, ...]
    horizon: dt.datetime

    def held(self, now: dt.datetime) -> Hold | None:
        """The windows holding a promotion at ``now`` and the next allowed instant, or None."""
        return promotion_hold(self.windows, now, self.horizon)

    def hold(self, now: dt.datetime, target: str) -> Finding | None:
        """CAL010/CAL011 when a promotion to ``target`` may not go at ``now``; None: it may."""
        hold = self.held(now)
        return None if hold is None else hold_finding(self.policy, hold, target)

    def never_held(self, now: dt.datetime, action: str) -> list[Finding]:
        """CAL012 when a rollback or a pause happens inside a window: it goes ahead anyway."""
        hold = self.held(now)
        if hold is None:
            return []
        windows = "; ".join(w.describe(self.policy.zone) for w in hold.windows)
        return [
            finding(
                "CAL012",
                "notice",
                f"the {action} goes ahead inside the calendar's windows ({windows}): a rollback"
                " or a pause is never held",
            )
        ]

    def day_start(self, day0: dt.datetime, n: int) -> dt.datetime | None:
        """When the plan's Day ``n`` starts (see the module docstring)."""
        return day_start(self.market, day0, n, self.policy.day_count)

    def bands(self, start: dt.datetime | None = None, end: dt.datetime | None = None) -> list[str]:
        """The freeze windows and closed days (between ``start`` and ``end`` when given) as a
        Mermaid gantt section for the rollout chart."""
        lo = start or min((w.start for w in self.windows), default=self.horizon)
        hi = end or self.horizon
        return timeline_bands([w for w in self.windows if w.overlaps(lo, hi)])


def promotion_calendar(
    policy: CalendarPolicy, market: MarketCalendar, windows: Sequence[Window], horizon: dt.datetime
) -> PromotionCalendar:
    """A ``PromotionCalendar`` from the values a gate loaded."""
    return PromotionCalendar(policy, market, tuple(windows), horizon)
