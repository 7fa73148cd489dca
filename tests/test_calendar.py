"""The release calendar's core: policy section, windows, next allowed instant, holds, hotfixes.

Every case runs on an injected clock and injected sessions: a New York-style exchange month
built by hand (Thanksgiving closed, the day after an early close at 13:00), so the rules are
tested without the optional exchange calendar library. The library itself is checked once,
when installed, against the same dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from releasekit.core.calendar.events import parse_events
from releasekit.core.calendar.market import MarketCalendar, Session, always_open, weekdays_only
from releasekit.core.calendar.policy import CalendarPolicy, parse_calendar_section
from releasekit.core.calendar.rules import (
    Reviewer,
    fill_roles,
    hold_finding,
    promotion_hold,
    release_action_findings,
    reviewers_from_signoff,
)
from releasekit.core.calendar.windows import (
    CalendarEvent,
    day_start,
    freeze_windows,
    next_allowed,
    promotion_windows,
)
from releasekit.core.yamldoc import parse_yaml
from releasekit.errors import InputError

NY = ZoneInfo("America/New_York")
UTC = dt.UTC
THANKSGIVING = dt.date(2026, 11, 26)
BLACK_FRIDAY = dt.date(2026, 11, 27)  # early close 13:00
FIRST = dt.date(2026, 11, 1)
LAST = dt.date(2026, 12, 31)


def ny(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    """A New York wall-clock time as an aware UTC datetime."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=NY).astimezone(UTC)


def exchange_month() -> MarketCalendar:
    """Weekday sessions 09:30-16:00 New York; Thanksgiving closed; Black Friday closes at 13:00."""
    sessions = []
    day = FIRST
    while day <= LAST:
        if day.weekday() < 5 and day != THANKSGIVING and day != dt.date(2026, 12, 25):
            early = day == BLACK_FRIDAY
            close = (13, 0) if early else (16, 0)
            sessions.append(
                Session(
                    day,
                    ny(day.year, day.month, day.day, 9, 30),
                    ny(day.year, day.month, day.day, *close),
                    early,
                )
            )
        day += dt.timedelta(days=1)
    return MarketCalendar("XNYS", NY, FIRST, LAST, tuple(sessions))


def section(yaml_text: str, timezone: str | None = "America/New_York") -> CalendarPolicy:
    """The calendar section of a policy written in YAML."""
    doc = parse_yaml(yaml_text, shown_as="policy.yml")
    return parse_calendar_section(doc.data.get("calendar"), doc, timezone=timezone)


def bad_section(yaml_text: str) -> InputError:
    with pytest.raises(InputError) as info:
        section(yaml_text)
    return info.value


WINDOW_START = ny(2026, 11, 2)
WINDOW_END = ny(2026, 12, 20)

# -- the policy section ------------------------------------------------------------------


def test_no_section_is_the_runbook_no_freeze_any_time_calendar_days() -> None:
    policy = section("version: 1\n", timezone=None)
    assert policy == CalendarPolicy()
    assert not policy.has_freezes
    assert not policy.restricts_promotions
    assert not policy.needs_exchange


def test_a_full_section_reads_every_kind_of_window() -> None:
    policy = section(
        """
calendar:
  market: XNYS
  promote: in_session
  day_count: trading
  freezes:
    - {from: "2026-12-21T00:00:00-05:00", to: "2027-01-04T09:30:00-05:00", reason: year end}
  weekly:
    - {days: [fri], from: 12:00, to: "24:00", reason: Friday afternoons}
  month_end: {last_trading_days: 2, reason: rebalancing}
  session_edges: {open_minutes: 15, close_minutes: 30}
  events: {file: docs/calendar/events.yml, before_minutes: 30, after_minutes: 90}
  hotfix: {second_founder: true}
"""
    )
    assert policy.needs_exchange
    assert policy.freezes[0].start == ny(2026, 12, 21)
    # an unquoted 12:00 is the number 720 to YAML 1.1: the text written is what counts
    assert policy.weekly[0].start_minute == 12 * 60
    assert policy.weekly[0].end_minute == 24 * 60
    assert policy.month_end is not None
    assert policy.month_end.last_trading_days == 2
    assert policy.events is not None
    assert policy.events.after_minutes == 90
    assert policy.hotfix.second_founder
    assert policy.to_dict()["weekly"][0]["from"] == "12:00"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        pytest.param("calendar:\n  markte: XNYS\n", "unknown key `markte`", 2, id="misspelt-key"),
        pytest.param(
            "calendar:\n  promote: sometimes\n", "not one of", 2, id="promote-not-an-option"
        ),
        pytest.param(
            "calendar:\n  freezes:\n    - {from: 2026-12-21, to: 2026-12-22, reason: x}\n",
            "not a date-time with an offset",
            3,
            id="freeze-without-offset",
        ),
        pytest.param(
            "calendar:\n  freezes:\n"
            '    - {from: "2026-12-22T00:00Z", to: "2026-12-21T00:00Z", reason: x}\n',
            "ends",
            3,
            id="freeze-ends-before-it-starts",
        ),
        pytest.param(
            'calendar:\n  weekly:\n    - {days: [fri], from: "25:00", to: "26:00", reason: x}\n',
            "not a time of day",
            3,
            id="weekly-time-not-a-time",
        ),
        pytest.param(
            "calendar:\n  market: 24/7\n  promote: out_of_session\n",
            "never closes",
            3,
            id="never-promotable",
        ),
        pytest.param(
            "calendar:\n  events: {file: ../outside.yml}\n",
            "not a path inside the repository",
            2,
            id="event-file-outside-repo",
        ),
    ],
)
def test_a_bad_section_names_its_line_and_the_fix(text: str, message: str, line: int) -> None:
    err = bad_section(text)
    assert message in err.problem.message
    assert err.problem.line == line
    assert err.problem.hint is not None
    assert "docs/calendar.md" in err.problem.hint


def test_an_unknown_timezone_is_refused_on_its_line() -> None:
    doc = parse_yaml("timezone: Mars/Olympus\ncalendar: {}\n", shown_as="policy.yml")
    with pytest.raises(InputError) as info:
        parse_calendar_section({}, doc, timezone="Mars/Olympus")
    assert info.value.problem.line == 1


# -- markets -----------------------------------------------------------------------------


def test_an_exchange_holiday_is_a_closed_day_that_holds_a_promotion() -> None:
    policy = section("calendar: {market: XNYS}\n")
    windows = promotion_windows(policy, exchange_month(), (), WINDOW_START, WINDOW_END)
    due = ny(2026, 11, 26, 11, 0)  # Thanksgiving, 11:00
    hold = promotion_hold(windows, due, WINDOW_END)
    assert hold is not None
    assert [w.kind for w in hold.windows] == ["closed"]
    assert "XNYS closed on Thu 2026-11-26" in hold.windows[0].name
    assert hold.until == ny(2026, 11, 27)  # Friday is a trading day (any time of it)


def test_an_early_close_moves_the_close_window_and_the_in_session_time() -> None:
    policy = section(
        "calendar: {market: XNYS, promote: in_session, session_edges: {close_minutes: 30}}\n"
    )
    market = exchange_month()
    freezes = freeze_windows(policy, market, (), WINDOW_START, WINDOW_END)
    friday_close = [w for w in freezes if w.start.date() == BLACK_FRIDAY and "close" in w.name]
    assert [(w.start, w.end) for w in friday_close] == [
        (ny(2026, 11, 27, 12, 30), ny(2026, 11, 27, 13, 30))
    ]
    assert "early close" in friday_close[0].name
    windows = promotion_windows(policy, market, (), WINDOW_START, WINDOW_END)
    # 14:00 on Black Friday is after the early close: held until Monday's open
    hold = promotion_hold(windows, ny(2026, 11, 27, 14, 0), WINDOW_END)
    assert hold is not None
    assert hold.until == ny(2026, 11, 30, 9, 30)
    # 14:00 on an ordinary Friday is in session and not near the close
    assert promotion_hold(windows, ny(2026, 11, 20, 14, 0), WINDOW_END) is None


def test_a_weekend_is_closed_for_a_24_5_market_and_open_for_24_7() -> None:
    saturday = dt.datetime(2026, 11, 21, 12, tzinfo=UTC)
    five = section("calendar: {market: 24/5}\n", timezone="UTC")
    market = weekdays_only(five.zone, FIRST, LAST)
    hold = promotion_hold(
        promotion_windows(five, market, (), WINDOW_START, WINDOW_END), saturday, WINDOW_END
    )
    assert hold is not None
    assert {w.kind for w in hold.windows} == {"closed"}
    assert hold.until == dt.datetime(2026, 11, 23, tzinfo=UTC)  # Monday 00:00 UTC
    seven = section("calendar: {market: 24/7}\n", timezone="UTC")
    market7 = always_open(seven.zone, FIRST, LAST)
    assert (
        promotion_hold(
            promotion_windows(seven, market7, (), WINDOW_START, WINDOW_END), saturday, WINDOW_END
        )
        is None
    )


def test_an_fx_week_opens_sunday_17_00_and_closes_friday_17_00_new_york() -> None:
    policy = section(
        "calendar:\n  market: 24/5\n  promote: in_session\n"
        "  week: {opens: sun 17:00, closes: fri 17:00}\n"
    )
    assert policy.week is not None
    assert policy.to_dict()["week"] == {"opens": "sun 17:00", "closes": "fri 17:00"}
    market = weekdays_only(policy.zone, FIRST, LAST, policy.week)
    windows = promotion_windows(policy, market, (), WINDOW_START, WINDOW_END)
    # Friday 18:00 is after the week's close: held until Sunday 17:00
    hold = promotion_hold(windows, ny(2026, 11, 20, 18), WINDOW_END)
    assert hold is not None
    assert hold.until == ny(2026, 11, 22, 17)
    # Wednesday 03:00 is inside the week (24 hours a day)
    assert promotion_hold(windows, ny(2026, 11, 18, 3), WINDOW_END) is None
    assert not market.is_trading_day(dt.date(2026, 11, 21))  # Saturday


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "calendar: {market: XNYS, week: {opens: sun 17:00, closes: fri 17:00}}\n",
            "24/5 market",
            id="week-without-24-5",
        ),
        pytest.param(
            "calendar: {market: 24/5, week: {opens: sun 17:00, closes: sun 17:00}}\n",
            "closes when it opens",
            id="week-never-closes",
        ),
        pytest.param(
            "calendar: {market: 24/5, week: {opens: sunday 17:00, closes: fri 17:00}}\n",
            "a day and a time",
            id="week-bad-day",
        ),
    ],
)
def test_a_bad_week_is_refused(text: str, message: str) -> None:
    assert message in bad_section(text).problem.message


def test_24_5_session_edges_are_the_week_open_and_close_not_every_midnight() -> None:
    policy = section("calendar: {market: 24/5, session_edges: {open_minutes: 60}}\n", "UTC")
    market = weekdays_only(policy.zone, FIRST, LAST)
    freezes = freeze_windows(
        policy,
        market,
        (),
        dt.datetime(2026, 11, 23, tzinfo=UTC),
        dt.datetime(2026, 11, 28, tzinfo=UTC),
    )
    assert [w.start for w in freezes] == [dt.datetime(2026, 11, 22, 23, tzinfo=UTC)]


def test_out_of_session_promotions_wait_for_the_close() -> None:
    policy = section("calendar: {market: XNYS, promote: out_of_session}\n")
    windows = promotion_windows(policy, exchange_month(), (), WINDOW_START, WINDOW_END)
    hold = promotion_hold(windows, ny(2026, 11, 20, 11, 0), WINDOW_END)
    assert hold is not None
    assert hold.until == ny(2026, 11, 20, 16, 0)


def test_days_the_calendar_does_not_know_never_let_a_promotion_through() -> None:
    policy = section("calendar: {market: XNYS}\n")
    market = exchange_month()  # known to 2026-12-31
    windows = promotion_windows(policy, market, (), ny(2026, 12, 28), ny(2027, 1, 20))
    hold = promotion_hold(windows, ny(2027, 1, 5, 12), ny(2027, 1, 20))
    assert hold is not None
    assert hold.windows[0].kind == "unknown"
    assert hold.until is None
    finding = hold_finding(policy, hold, "live-50")
    assert (finding.rule, finding.level) == ("CAL011", "warning")


# -- freeze windows ----------------------------------------------------------------------


def test_the_month_end_blackout_covers_the_last_trading_days() -> None:
    policy = section("calendar: {market: XNYS, month_end: {last_trading_days: 2}}\n")
    freezes = freeze_windows(policy, exchange_month(), (), WINDOW_START, WINDOW_END)
    month_end = [w for w in freezes if w.kind == "month-end"]
    # November's last two trading days are Fri 27 (Thanksgiving is not one) and Mon 30
    assert (month_end[0].start, month_end[0].end) == (ny(2026, 11, 27), ny(2026, 12, 1))
    assert "last 2 trading days of November 2026" in month_end[0].name


def test_an_event_list_window_surrounds_each_event() -> None:
    events = parse_events(
        "events:\n"
        "  - {name: FOMC, at: '2026-12-16T14:00:00-05:00'}\n"
        "  - {name: CPI, date: 2026-12-10}\n",
        shown_as="events.yml",
    )
    policy = section("calendar: {events: {file: e.yml, before_minutes: 60, after_minutes: 120}}\n")
    freezes = freeze_windows(policy, always_open(NY, FIRST, LAST), events, WINDOW_START, WINDOW_END)
    spans = {w.name: (w.start, w.end) for w in freezes}
    assert spans["FOMC (event)"] == (ny(2026, 12, 16, 13, 0), ny(2026, 12, 16, 16, 0))
    assert spans["CPI (event)"] == (ny(2026, 12, 9, 23, 0), ny(2026, 12, 11, 2, 0))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("- {name: x}\n", "`events:`", id="not-a-mapping"),
        pytest.param("events:\n  - {name: FOMC}\n", "exactly one of", id="no-time"),
        pytest.param(
            "events:\n  - {name: FOMC, at: '2026-12-16T14:00'}\n", "with an offset", id="no-offset"
        ),
        pytest.param("events:\n  - {name: CPI, date: 2026-13-10}\n", "YYYY-MM-DD", id="bad-date"),
        pytest.param("events:\n  - {name: CPI, day: 2026-12-10}\n", "unknown key", id="bad-key"),
    ],
)
def test_a_bad_event_list_is_an_input_error_with_its_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_events(text, shown_as="events.yml")
    assert message in info.value.problem.message
    assert info.value.problem.file == "events.yml"


def test_a_weekly_window_keeps_its_wall_clock_time_across_daylight_saving() -> None:
    policy = section(
        "calendar:\n  weekly:\n    - {days: [mon], from: '09:00', to: '10:00', reason: x}\n"
    )
    freezes = freeze_windows(
        policy, always_open(NY, FIRST, LAST), (), ny(2026, 10, 26), ny(2026, 11, 10)
    )
    # Nov 1 2026 ends daylight saving in New York: 09:00 is 14:00 UTC after it
    starts = [w.start for w in freezes]
    assert ny(2026, 11, 2, 9, 0) in starts
    assert ny(2026, 11, 2, 9, 0) == dt.datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


# -- a promotion due in a window goes at the first allowed instant after it -------------------


def test_a_promotion_due_in_a_freeze_goes_at_the_first_allowed_instant_after_it() -> None:
    policy = section(
        "calendar:\n  market: XNYS\n  promote: in_session\n"
        "  freezes:\n"
        "    - {from: '2026-12-14T00:00:00-05:00', to: '2026-12-16T12:00:00-05:00',"
        " reason: desk offsite}\n"
        "  weekly:\n    - {days: [wed], from: '11:00', to: '14:00', reason: risk meeting}\n"
    )
    windows = promotion_windows(policy, exchange_month(), (), WINDOW_START, WINDOW_END)
    hold = promotion_hold(windows, ny(2026, 12, 15, 10, 0), WINDOW_END)
    assert hold is not None
    assert [w.name for w in hold.windows] == ["desk offsite (one-off freeze)"]
    # the freeze ends Wed 12:00, inside the weekly 11:00-14:00 window: 14:00 is the first
    assert hold.until == ny(2026, 12, 16, 14, 0)
    finding = hold_finding(policy, hold, "live-50")
    assert (finding.rule, finding.level) == ("CAL010", "notice")
    assert "desk offsite" in finding.message
    assert "2026-12-16 14:00 EST" in finding.message
    # and at that instant nothing holds it
    assert promotion_hold(windows, hold.until, WINDOW_END) is None


def test_next_allowed_is_the_instant_itself_when_nothing_covers_it() -> None:
    t = ny(2026, 11, 18, 11)
    assert next_allowed([], t, WINDOW_END) == t
    assert next_allowed([], WINDOW_END, WINDOW_END) is None


# -- trading-day counting --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "n", "expected"),
    [
        pytest.param("calendar", 3, ny(2026, 11, 27, 10), id="calendar-days-as-the-runbook-reads"),
        pytest.param("trading", 1, ny(2026, 11, 25, 10), id="trading-day-1"),
        pytest.param("trading", 2, ny(2026, 11, 27, 10), id="thanksgiving-does-not-count"),
        pytest.param("trading", 3, ny(2026, 11, 30, 10), id="weekend-does-not-count"),
    ],
)
def test_day_n_counts_calendar_or_trading_days(count: Any, n: int, expected: dt.datetime) -> None:
    day0 = ny(2026, 11, 24, 10)  # Tuesday
    assert day_start(exchange_month(), day0, n, count) == expected


def test_trading_day_counting_stops_where_the_calendar_ends() -> None:
    assert day_start(exchange_month(), ny(2026, 12, 29, 10), 5, "trading") is None


# -- cutting and tagging in a freeze -----------------------------------------------------------

FREEZE = (
    "calendar:\n  freezes:\n"
    "    - {from: '2026-12-21T00:00:00-05:00', to: '2027-01-04T09:30:00-05:00',"
    " reason: year-end freeze}\n"
)
FOUNDER = Reviewer("fran", frozenset({"founder", "code_review"}))
FOUNDER_2 = Reviewer("gus", frozenset({"founder", "code_review"}))
REVIEWER = Reviewer("rita", frozenset({"code_review"}))


def _freeze_findings(
    now: dt.datetime,
    *,
    hotfix: bool = False,
    reviewers: list[Reviewer] | None = None,
    text: str = FREEZE,
) -> list[Any]:
    policy = section(text)
    freezes = freeze_windows(
        policy, always_open(NY, FIRST, LAST), (), now, now + dt.timedelta(days=60)
    )
    return release_action_findings(
        policy,
        freezes,
        now,
        now + dt.timedelta(days=60),
        action="tag",
        hotfix=hotfix,
        hotfix_roles=("founder", "code_review"),
        reviewers=reviewers,
    )


def test_tagging_inside_a_freeze_is_blocked_and_names_the_window() -> None:
    [f] = _freeze_findings(ny(2026, 12, 22, 10))
    assert (f.rule, f.level) == ("CAL001", "error")
    assert "year-end freeze (one-off freeze)" in f.message
    assert "until 2027-01-04 09:30 EST" in f.message


def test_tagging_outside_a_freeze_passes_and_names_the_next_one() -> None:
    [f] = _freeze_findings(ny(2026, 12, 18, 10))
    assert (f.rule, f.level) == ("CAL002", "notice")
    assert "next freeze: year-end freeze" in f.message


@pytest.mark.parametrize(
    ("text", "reviewers", "rule"),
    [
        pytest.param(FREEZE, [FOUNDER, REVIEWER], "CAL003", id="founder-plus-one-allowed"),
        pytest.param(FREEZE, [FOUNDER], "CAL004", id="founder-alone-refused"),
        pytest.param(FREEZE, None, "CAL004", id="no-signoff-evidence-refused"),
        pytest.param(
            FREEZE + "  hotfix: {second_founder: true}\n",
            [FOUNDER, REVIEWER],
            "CAL004",
            id="second-founder-required-and-missing",
        ),
        pytest.param(
            FREEZE + "  hotfix: {second_founder: true}\n",
            [FOUNDER, FOUNDER_2, REVIEWER],
            "CAL003",
            id="second-founder-required-and-given",
        ),
    ],
)
def test_a_hotfix_inside_a_freeze_needs_the_approvals_the_policy_names(
    text: str, reviewers: list[Reviewer] | None, rule: str
) -> None:
    [f] = _freeze_findings(ny(2026, 12, 22, 10), hotfix=True, reviewers=reviewers, text=text)
    assert f.rule == rule
    assert f.level == ("notice" if rule == "CAL003" else "error")


def test_a_hotfix_branch_may_be_cut_in_a_freeze_its_tag_asks_for_the_approvals() -> None:
    policy = section(FREEZE + "  hotfix: {second_founder: true}\n")
    now = ny(2026, 12, 22, 10)
    freezes = freeze_windows(policy, always_open(NY, FIRST, LAST), (), now, ny(2027, 2, 1))
    [f] = release_action_findings(
        policy,
        freezes,
        now,
        ny(2027, 2, 1),
        action="prepare",
        hotfix=True,
        hotfix_roles=("founder", "code_review"),
        reviewers=None,
    )
    assert (f.rule, f.level) == ("CAL005", "notice")
    assert "2 founder + code_review" in f.message


def test_two_founders_fill_founder_twice_and_a_reviewer_fills_code_review() -> None:
    filled = fill_roles(["founder", "founder", "code_review"], [FOUNDER, REVIEWER, FOUNDER_2])
    assert sorted(filled.values()) == ["fran", "gus", "rita"]
    # one person never fills two slots
    assert len(fill_roles(["founder", "code_review"], [FOUNDER])) == 1


def test_only_counted_reviewers_with_known_roles_are_taken_from_a_signoff_report() -> None:
    data = {
        "reviewers": [
            {"login": "fran", "status": "counted", "roles": {"founder": True, "code_review": None}},
            {"login": "old", "status": "stale", "roles": {"founder": True}},
            {
                "login": "rita",
                "status": "counted",
                "roles": {"founder": False, "code_review": True},
            },
        ]
    }
    assert reviewers_from_signoff(data) == [
        Reviewer("fran", frozenset({"founder"})),
        Reviewer("rita", frozenset({"code_review"})),
    ]


def test_events_get_a_line_each() -> None:
    events = parse_events("events:\n  - {name: NFP, date: 2026-12-04}\n", shown_as="e.yml")
    assert events == (CalendarEvent("NFP", day=dt.date(2026, 12, 4), line=2),)


# -- the library, when installed ------------------------------------------------------------


def test_the_exchange_library_agrees_with_the_hand_built_month() -> None:
    pytest.importorskip("exchange_calendars")
    from releasekit.core.calendar.exchange import exchange_calendar

    market = exchange_calendar("XNYS", FIRST, LAST)
    assert not market.is_trading_day(THANKSGIVING)
    friday = market.session_on(BLACK_FRIDAY)
    assert friday is not None
    assert friday.early_close
    assert friday.close == ny(2026, 11, 27, 13, 0)
    ordinary = market.session_on(dt.date(2026, 11, 20))
    assert ordinary is not None
    assert (ordinary.open, ordinary.close) == (ny(2026, 11, 20, 9, 30), ny(2026, 11, 20, 16))


def test_an_unknown_exchange_code_is_an_input_error() -> None:
    pytest.importorskip("exchange_calendars")
    from releasekit.core.calendar.exchange import exchange_calendar

    with pytest.raises(InputError, match="not an exchange calendar"):
        exchange_calendar("XNOPE", FIRST, LAST)


# -- the rollout timeline's calendar bands -------------------------------------------------


def test_timeline_bands_draw_freezes_and_closed_days_with_weekends_as_one_band() -> None:
    from releasekit.core.calendar.view import timeline_bands

    policy = section(
        "calendar:\n  market: XNYS\n  promote: in_session\n  freezes:\n"
        "    - {from: '2026-11-18T12:00:00-05:00', to: '2026-11-18T14:00:00-05:00',"
        " reason: 'FOMC: hold #1'}\n"
    )
    windows = promotion_windows(policy, exchange_month(), (), ny(2026, 11, 18), ny(2026, 11, 24))
    lines = timeline_bands(windows)
    assert lines[0] == "    section Calendar"
    # the freeze is crit and its name cannot break the chart (no ':' or '#' inside)
    assert lines[1] == "    FOMC hold 1 (one-off freeze) :crit, c0, 2026-11-18 17:00, 2h"
    # Saturday and Sunday are one band; the in-session gaps between days are not drawn
    assert lines[2:] == ["    market closed :c1, 2026-11-21 05:00, 48h"]


def test_the_promotion_calendar_answers_the_rollout_decisions_two_questions() -> None:
    from releasekit.core.calendar.promotion import promotion_calendar

    policy = section("calendar: {market: XNYS, day_count: trading}\n")
    market = exchange_month()
    consult = promotion_calendar(
        policy,
        market,
        promotion_windows(policy, market, (), WINDOW_START, WINDOW_END),
        WINDOW_END,
    )
    held = consult.hold(ny(2026, 11, 26, 11), "live-25")
    assert held is not None
    assert held.rule == "CAL010"
    assert "2026-11-27 00:00 EST" in held.message
    assert consult.hold(ny(2026, 11, 25, 11), "live-25") is None
    assert consult.day_start(ny(2026, 11, 24, 10), 2) == ny(2026, 11, 27, 10)
    assert consult.bands()[0] == "    section Calendar"


def test_a_rollback_inside_a_window_is_never_held_and_the_report_says_so() -> None:
    from releasekit.core.calendar.promotion import promotion_calendar

    policy = section("calendar: {market: XNYS}\n")
    market = exchange_month()
    consult = promotion_calendar(
        policy, market, promotion_windows(policy, market, (), WINDOW_START, WINDOW_END), WINDOW_END
    )
    [note] = consult.never_held(ny(2026, 11, 26, 11), "rollback")
    assert (note.rule, note.level) == ("CAL012", "notice")
    assert "never held" in note.message
    assert consult.never_held(ny(2026, 11, 25, 11), "rollback") == []
