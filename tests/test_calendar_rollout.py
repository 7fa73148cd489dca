"""The calendar inside the rollout decision: held promotions, never-held rollbacks, trading days.

Each case runs the real controller (``decide``) on an injected clock with a hand-built New York
exchange month (Thanksgiving closed, Black Friday closing at 13:00) and healthy metrics, then
once through ``releasekit rollout decide`` with a policy on disk.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from releasekit.cli import main as releasekit_main
from releasekit.core.calendar.promotion import PromotionCalendar, promotion_calendar
from releasekit.core.calendar.windows import promotion_windows
from releasekit.core.rollout.controller import (
    Decision,
    Event,
    Metrics,
    RolloutState,
    decide,
    state_from_events,
    state_to_json,
)
from releasekit.core.rollout.plan import DEFAULT_PLAN
from test_calendar import WINDOW_END, WINDOW_START, exchange_month, ny, section

PLAN = DEFAULT_PLAN


def consult(yaml_text: str) -> PromotionCalendar:
    """The calendar a decision consults, over the hand-built month."""
    policy = section(yaml_text)
    market = exchange_month()
    windows = promotion_windows(policy, market, (), WINDOW_START, WINDOW_END)
    return promotion_calendar(policy, market, windows, WINDOW_END)


def paper_since(at: dt.datetime) -> RolloutState:
    return state_from_events("1.2.3", [Event(at, "promote", "paper", 1.0, ("RLT001",))])


def healthy(state: RolloutState, now: dt.datetime, **changes: Any) -> Metrics:
    """A clean paper reading from the stage's start to ``now``."""
    assert state.stage_started_at is not None
    base = Metrics(
        start=state.stage_started_at,
        end=now,
        version=state.version,
        environment="paper",
        trades=25,
        critical_errors=0,
        live_errors=0,
        pnl=120.0,
        pnl_expected_min=-500.0,
        pnl_expected_max=2000.0,
        signal_divergence=0.05,
        instability=(),
    )
    return replace(base, **changes)


def rules(decision: Decision) -> list[str]:
    return [f.rule for f in decision.findings]


# Paper from Tue 17 Nov 10:00 New York: live-25 is due on day 4, Saturday 21 Nov, 10:00.
DAY0 = ny(2026, 11, 17, 10)
DUE = ny(2026, 11, 21, 10)


def test_without_a_calendar_the_promotion_goes_on_its_day() -> None:
    state = paper_since(DAY0)
    decision = decide(PLAN, state, healthy(state, DUE), DUE)
    assert decision.action == "promote"


def test_a_promotion_due_on_a_closed_day_is_held_and_goes_at_the_first_allowed_instant() -> None:
    calendar = consult("calendar: {market: XNYS, promote: in_session}\n")
    state = paper_since(DAY0)
    held = decide(PLAN, state, healthy(state, DUE), DUE, calendar=calendar)
    assert held.action == "hold"
    assert "RLT001" not in rules(held)
    [cal] = [f for f in held.findings if f.rule == "CAL010"]
    assert "XNYS closed on Sat 2026-11-21" in cal.message
    assert "until 2026-11-23 09:30 EST" in cal.message
    # a minute before Monday's open it is still held; at the open it goes
    before = ny(2026, 11, 23, 9, 29)
    assert decide(PLAN, state, healthy(state, before), before, calendar=calendar).action == "hold"
    opened = ny(2026, 11, 23, 9, 30)
    go = decide(PLAN, state, healthy(state, opened), opened, calendar=calendar)
    assert go.action == "promote"
    assert go.after.stage == "live-25"


def test_a_promotion_due_in_a_freeze_is_held_until_the_freeze_ends() -> None:
    calendar = consult(
        "calendar:\n  market: XNYS\n  freezes:\n"
        "    - {from: '2026-11-23T00:00:00-05:00', to: '2026-11-24T12:00:00-05:00',"
        " reason: risk offsite}\n"
    )
    state = paper_since(DAY0)
    now = ny(2026, 11, 23, 11)
    held = decide(PLAN, state, healthy(state, now), now, calendar=calendar)
    assert held.action == "hold"
    [cal] = [f for f in held.findings if f.rule == "CAL010"]
    assert "risk offsite (one-off freeze)" in cal.message
    assert "until 2026-11-24 12:00 EST" in cal.message
    after = ny(2026, 11, 24, 12)
    assert decide(PLAN, state, healthy(state, after), after, calendar=calendar).action == "promote"


def test_a_rollback_inside_a_window_is_not_held() -> None:
    calendar = consult("calendar: {market: XNYS}\n")
    state = paper_since(DAY0)
    thanksgiving = ny(2026, 11, 26, 11)
    decision = decide(
        PLAN,
        state,
        healthy(state, thanksgiving, instability=("feed-gaps",)),
        thanksgiving,
        calendar=calendar,
    )
    assert decision.action == "rollback"
    assert "CAL012" in rules(decision)
    assert "CAL010" not in rules(decision)


def test_a_pause_inside_a_window_is_not_held() -> None:
    calendar = consult("calendar: {market: XNYS}\n")
    state = paper_since(DAY0)
    saturday = ny(2026, 11, 21, 11)
    decision = decide(
        PLAN, state, healthy(state, saturday, pnl=-900.0), saturday, calendar=calendar
    )
    assert decision.action == "pause"
    assert "CAL012" in rules(decision)


def test_the_first_deployment_on_a_closed_day_waits_but_a_hotfix_does_not() -> None:
    calendar = consult("calendar: {market: XNYS}\n")
    thanksgiving = ny(2026, 11, 26, 11)
    staged = decide(PLAN, RolloutState("1.2.3"), None, thanksgiving, calendar=calendar)
    assert staged.action == "hold"
    assert "CAL010" in rules(staged)
    hotfix = decide(PLAN, RolloutState("1.2.4-hotfix"), None, thanksgiving, calendar=calendar)
    assert hotfix.action == "promote"


def test_trading_day_counting_moves_day_4_past_closed_days() -> None:
    calendar = consult("calendar: {market: XNYS, day_count: trading}\n")
    # Paper from Tue 24 Nov 10:00: trading days 1-3 are Wed 25, Fri 27 (Thu is Thanksgiving)
    # and Mon 30; Day 4 is Tue 1 Dec 10:00, not Sat 28 Nov as calendar days would have it.
    state = paper_since(ny(2026, 11, 24, 10))
    saturday = ny(2026, 11, 28, 10)
    early = decide(PLAN, state, healthy(state, saturday), saturday, calendar=calendar)
    assert early.action == "hold"
    assert early.due_at == ny(2026, 12, 1, 10)
    tuesday = ny(2026, 12, 1, 10)
    assert decide(PLAN, state, healthy(state, tuesday), tuesday, calendar=calendar).action == (
        "promote"
    )


POLICY = """\
version: 1
timezone: America/New_York
calendar:
  market: 24/5
  freezes:
    - {from: "2026-11-20T00:00:00-05:00", to: "2026-11-24T12:00:00-05:00", reason: desk offsite}
"""


def test_rollout_decide_holds_a_promotion_in_a_freeze_and_says_until_when(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "release-policy.yml").write_text(POLICY)
    state = paper_since(DAY0)
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(state_to_json(state)))
    now = ny(2026, 11, 23, 11)
    reading = healthy(state, now)
    metrics = {
        "schema": "releasekit.rollout-metrics/1",
        "version": "1.2.3",
        "environment": "paper",
        "period": {"start": reading.start.isoformat(), "end": reading.end.isoformat()},
        "trades": 25,
        "errors": {"critical": 0},
        "live_errors": 0,
        "pnl": {"value": 120, "expected_min": -500, "expected_max": 2000},
        "signal_divergence": 0.05,
        "instability": [],
    }
    metrics_file = tmp_path / "metrics.json"
    metrics_file.write_text(json.dumps(metrics))
    out = tmp_path / "report.json"
    argv = ["rollout", "decide", "--repo", str(tmp_path), "--state", str(state_file)]
    argv += ["--metrics", str(metrics_file), "--now", now.isoformat(), "--report-out", str(out)]
    code = releasekit_main([*argv, "--format", "json"])
    report = json.loads(out.read_text())
    assert code == 0
    assert report["data"]["action"] == "hold"
    [cal] = [f for f in report["findings"] if f["rule"] == "CAL010"]
    assert "desk offsite" in cal["message"]
    assert "until 2026-11-24 12:00 EST" in cal["message"]


def test_rollout_decide_without_an_exchange_never_imports_the_library(tmp_path: Path) -> None:
    from test_calendar_cli import probe

    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "release-policy.yml").write_text(POLICY)
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(state_to_json(paper_since(DAY0))))
    argv = ["rollout", "decide", "--repo", str(tmp_path), "--state", str(state_file)]
    result = probe([*argv, "--now", ny(2026, 11, 23, 11).isoformat()])
    assert result["loaded"] == []
    assert result["code"] == 0


def test_the_rollout_chart_draws_the_calendar_as_bands(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "release-policy.yml").write_text(POLICY)
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(state_to_json(paper_since(DAY0))))
    argv = ["rollout", "decide", "--repo", str(tmp_path), "--state", str(state_file)]
    releasekit_main([*argv, "--now", ny(2026, 11, 23, 11).isoformat(), "--format", "markdown"])
    chart = capsys.readouterr().out.split("```mermaid")[1].split("```")[0]
    calendar = chart.split("    section Calendar\n")[1]
    assert "    desk offsite (one-off freeze) :crit, c0, 2026-11-20 05:00, 108h" in calendar
    assert "    market closed :" in calendar  # the weekend inside the freeze, as one band
