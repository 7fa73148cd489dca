"""The staged-rollout controller: a scripted 14-day timeline with an injected clock, the rollback
table row by row, inconclusive data, the divergence deadline, the offline CLI contract, the
record on GitHub (deployments against the loopback fake), the golden summary and rollout.yml.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasekit import __version__
from releasekit.adapters.actions import Runtime
from releasekit.adapters.commands import run_command
from releasekit.adapters.github.deployments import TASK, ReleaseOpsPort, connect
from releasekit.cli import rollout as rollout_cli
from releasekit.core.render import render_markdown
from releasekit.core.report import Report
from releasekit.core.rollout.controller import (
    Decision,
    Event,
    Metrics,
    RolloutState,
    decide,
    decode_event,
    encode_event,
    parse_state,
    resume,
    state_from_events,
    state_to_json,
)
from releasekit.core.rollout.plan import DEFAULT_PLAN
from releasekit.core.rollout.present import details_markdown
from releasekit.errors import InfraError, InputError
from releasekit.gates import rollout as rollout_gate
from support.github_api import FakeGitHub

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "rollout"
GOLDEN = ROOT / "tests" / "golden"
WORKFLOW = ROOT / ".github" / "workflows" / "rollout.yml"
PLAN = DEFAULT_PLAN
T0 = dt.datetime(2024, 1, 1, 9, 0, tzinfo=dt.UTC)
REPO = "desk/trading"
TOKEN = "ghs_FAKEinstallationTOKEN0123456789abcdef"


def at(day: float, hours: float = 0) -> dt.datetime:
    """``day`` days (and ``hours``) after day 0 of the rollout."""
    return T0 + dt.timedelta(days=day, hours=hours)


def healthy(state: RolloutState, now: dt.datetime, **changes: Any) -> Metrics:
    """A clean snapshot of the current stage, from its start to ``now``."""
    stage = PLAN.stage(state.stage or "")
    assert stage is not None
    assert state.stage_started_at is not None
    base = Metrics(
        start=state.stage_started_at,
        end=now,
        version=state.version,
        environment=stage.environment,
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


class Desk:
    """A rollout driven step by step: decisions are applied as a state file would keep them."""

    def __init__(self, version: str = "1.2.3") -> None:
        self.state = RolloutState(version)
        self.log: list[tuple[dt.datetime, str, str | None]] = []

    def step(self, now: dt.datetime, **metrics: Any) -> Decision:
        """Decide at ``now`` with a healthy snapshot (changed by ``metrics``), and apply it."""
        snapshot = healthy(self.state, now, **metrics) if self.state.stage else None
        return self.apply(decide(PLAN, self.state, snapshot, now))

    def step_without_metrics(self, now: dt.datetime) -> Decision:
        """Decide at ``now`` with no snapshot at all."""
        return self.apply(decide(PLAN, self.state, None, now))

    def apply(self, decision: Decision) -> Decision:
        self.state = decision.after
        self.log.append(
            (
                decision.event.at if decision.event else dt.datetime.min.replace(tzinfo=dt.UTC),
                decision.action,
                decision.after.stage,
            )
        )
        return decision

    def run_to(self, stage: str) -> None:
        """The happy path up to (and including) the promotion to ``stage``."""
        days = {"paper": 0, "live-25": 4, "live-50": 7, "live-100": 14}
        for name, day in days.items():
            d = self.step(at(day)) if name != "paper" else self.step(at(0))
            assert (d.action, d.after.stage) == ("promote", name)
            if name == stage:
                return
        raise AssertionError(stage)


def rules(decision: Decision) -> list[str]:
    """The decision's rule ids, in order."""
    return [f.rule for f in decision.findings]


# --- the happy path ----------------------------------------------------------------------------


def test_scripted_14_day_timeline_reaches_full_size_on_the_runbook_days() -> None:
    desk = Desk()
    promotions: list[tuple[float, str]] = []
    # A decision every 6 hours for 15 days: the clock is injected, nothing sleeps.
    for tick in range(0, 15 * 4 + 1):
        now = at(0, tick * 6)
        d = desk.step(now)
        assert d.action in ("promote", "hold"), rules(d)
        if d.action == "promote":
            promotions.append(((now - T0) / dt.timedelta(days=1), d.after.stage or ""))
    assert promotions == [(0, "paper"), (4, "live-25"), (7, "live-50"), (14, "live-100")]
    assert desk.state.stage == "live-100"
    assert desk.state.size == 1.0
    final = desk.step(at(15))
    assert (final.action, rules(final)) == ("hold", ["RLT003"])


def test_the_first_decision_deploys_to_paper_without_metrics() -> None:
    d = decide(PLAN, RolloutState("1.2.3"), None, T0)
    assert d.action == "promote"
    assert d.next_stage is not None
    assert (d.next_stage.id, d.next_stage.environment, d.next_stage.size) == ("paper", "paper", 1)
    assert d.after.started_at == T0


def test_a_hotfix_skips_paper_and_goes_live_at_full_size() -> None:
    d = decide(PLAN, RolloutState("1.2.4-hotfix"), None, T0)
    assert d.action == "promote"
    assert d.after.stage == "live-100"
    assert rules(d) == ["RLT004", "RLT001"]


@pytest.mark.parametrize(
    ("stage", "before", "due"),
    [
        pytest.param("paper", at(3, 23), at(4), id="live-25-waits-for-day-4"),
        pytest.param("live-25", at(6, 23), at(7), id="live-50-waits-for-day-7"),
        pytest.param("live-50", at(13, 23), at(14), id="live-100-waits-for-day-14"),
    ],
)
def test_no_promotion_before_its_day(stage: str, before: dt.datetime, due: dt.datetime) -> None:
    desk = Desk()
    desk.run_to(stage)
    d = desk.step(before)
    assert d.action == "hold"
    assert rules(d) == ["RLT002"]
    assert d.due_at == due


def test_paper_soak_of_24_hours_holds_a_plan_whose_next_day_comes_sooner() -> None:
    # A plan may promote the day after paper starts, but never before paper ran 24 h.
    plan = replace(
        PLAN,
        stages=(replace(PLAN.stages[0]), replace(PLAN.stages[-1], day=1, entry=None)),
    )
    state = decide(plan, RolloutState("1.2.3"), None, at(0, 6)).after  # paper at 06:00 +9h
    early = decide(plan, state, healthy(state, at(1, 3)), at(1, 3))
    assert early.action == "hold"
    assert early.due_at == at(1, 6)
    on_time = decide(plan, state, healthy(state, at(1, 6)), at(1, 6))
    assert on_time.action == "promote"


# --- the rollback table ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metrics", "action", "rule", "condition"),
    [
        pytest.param({"live_errors": 4}, "rollback", "RLT010", "live-errors", id="live-errors"),
        pytest.param(
            {"pnl": -900.0}, "pause", "RLT011", "unexpected-losses", id="unexpected-losses"
        ),
        pytest.param(
            {"instability": ("process-restarts",)},
            "rollback",
            "RLT013",
            "system-instability",
            id="system-instability",
        ),
    ],
)
def test_each_immediate_row_of_the_rollback_table(
    metrics: dict[str, Any], action: str, rule: str, condition: str
) -> None:
    desk = Desk()
    desk.run_to("live-25")
    d = desk.step(at(5), **metrics)
    assert d.action == action
    assert rule in rules(d)
    assert d.condition == condition
    errors = [f for f in d.findings if f.level == "error"]
    assert [f.rule for f in errors] == [rule]


def test_three_live_errors_is_not_a_rollback_four_is() -> None:
    desk = Desk()
    desk.run_to("live-25")
    assert desk.step(at(5), live_errors=3).action == "hold"
    assert desk.step(at(5, 1), live_errors=4).action == "rollback"


def test_the_divergence_row_opens_a_24_hour_deadline_then_rolls_back() -> None:
    desk = Desk()
    desk.run_to("live-25")
    opened = desk.step(at(5), signal_divergence=0.35)
    assert opened.action == "hold"
    assert "RLT014" in rules(opened)
    assert not [f for f in opened.findings if f.level == "error"]
    assert opened.deadline == at(6)
    assert desk.state.divergence_since == at(5)
    still = desk.step(at(5, 23), signal_divergence=0.40)
    assert (still.action, still.deadline) == ("hold", at(6))
    expired = desk.step(at(6), signal_divergence=0.40)
    assert expired.action == "rollback"
    assert "RLT012" in rules(expired)
    assert expired.condition == "signal-divergence"


def test_divergence_that_recovers_before_the_deadline_closes_it() -> None:
    desk = Desk()
    desk.run_to("live-25")
    desk.step(at(5), signal_divergence=0.35)
    closed = desk.step(at(5, 12), signal_divergence=0.10)
    assert closed.action == "hold"
    assert "RLT015" in rules(closed)
    assert closed.deadline is None
    assert desk.state.divergence_since is None
    # After the deadline would have passed, nothing rolls back: it was closed.
    later = desk.step(at(6, 1))
    assert later.action == "hold"


def test_divergence_exactly_at_the_threshold_opens_nothing() -> None:
    desk = Desk()
    desk.run_to("live-25")
    d = desk.step(at(5), signal_divergence=0.30)
    assert "RLT014" not in rules(d)
    assert desk.state.divergence_since is None


def test_no_metrics_after_the_divergence_deadline_is_a_rollback() -> None:
    desk = Desk()
    desk.run_to("live-25")
    desk.step(at(5), signal_divergence=0.5)
    d = desk.step(at(6, 1), signal_divergence=None)
    assert d.action == "rollback"
    assert "RLT012" in rules(d)


def test_an_open_divergence_deadline_blocks_a_due_promotion() -> None:
    desk = Desk()
    desk.run_to("live-25")
    desk.step(at(6, 12), signal_divergence=0.35)
    d = desk.step(at(7), signal_divergence=0.35)  # live-50 is due at day 7
    assert d.action == "hold"
    assert d.after.stage == "live-25"


def test_a_rollback_wins_over_a_pending_promotion() -> None:
    desk = Desk()
    desk.run_to("live-25")
    d = desk.step(at(7), live_errors=9)  # live-50 is due now, its window was clean
    assert d.action == "rollback"
    assert d.after.stage == "live-25"
    assert rules(d) == ["RLT010", "RLT019"]
    assert d.next_stage is not None
    assert d.next_stage.id == "live-50"


def test_a_pause_wins_over_a_pending_promotion_and_lasts_until_resumed() -> None:
    desk = Desk()
    desk.run_to("live-25")
    paused = desk.step(at(7), pnl=-1000.0)
    assert paused.action == "pause"
    assert "RLT019" in rules(paused)
    again = desk.step(at(7, 6))  # healthy metrics do not end a pause: a person does
    assert again.action == "pause"
    assert rules(again) == ["RLT016", "RLT019"]
    desk.state = resume(desk.state, at(7, 7), reason="losses explained", by="alice")
    assert desk.state.status == "active"
    assert desk.step(at(7, 8)).action == "promote"


def test_rollback_stays_decided_until_the_rollback_completes() -> None:
    desk = Desk()
    desk.run_to("live-25")
    desk.step(at(5), live_errors=5)
    d = desk.step(at(5, 1))
    assert (d.action, rules(d)) == ("rollback", ["RLT017"])
    assert d.condition == "live-errors"


def test_a_rolled_back_version_is_left_alone() -> None:
    state = state_from_events(
        "1.2.3",
        [
            Event(at(0), "promote", "paper", 1.0, ("RLT001",)),
            Event(at(1), "rolled-back", "paper", 1.0, ("RBK001", "RLT013")),
        ],
    )
    d = decide(PLAN, state, None, at(2))
    assert (d.action, rules(d), d.event) == ("hold", ["RLT005"], None)


# --- inconclusive data: hold, never promote ------------------------------------------------------


@pytest.mark.parametrize(
    ("metrics", "rule"),
    [
        pytest.param({"trades": None}, "RLT030", id="no-trade-count"),
        pytest.param({"pnl": None}, "RLT030", id="no-pnl"),
        pytest.param({"critical_errors": None}, "RLT030", id="no-error-count"),
        pytest.param({"end": at(3)}, "RLT032", id="stale-snapshot"),
        pytest.param({"start": at(2)}, "RLT031", id="window-not-covered"),
    ],
)
def test_inconclusive_data_holds_and_never_promotes(metrics: dict[str, Any], rule: str) -> None:
    desk = Desk()
    desk.run_to("paper")
    d = desk.step(at(4), **metrics)  # live-25 is due
    assert d.action == "hold"
    assert rule in rules(d)
    assert d.inconclusive
    assert d.after.stage == "paper"


def test_no_snapshot_at_all_holds() -> None:
    desk = Desk()
    desk.run_to("paper")
    d = desk.step_without_metrics(at(4))
    assert (d.action, d.inconclusive) == ("hold", True)


@pytest.mark.parametrize(
    ("metrics", "rule"),
    [
        pytest.param({"trades": 9}, "RLT020", id="nine-trades"),
        pytest.param({"critical_errors": 1}, "RLT021", id="critical-error"),
        pytest.param({"pnl": 2500.0}, "RLT022", id="pnl-above-range"),
    ],
)
def test_paper_validation_conditions(metrics: dict[str, Any], rule: str) -> None:
    desk = Desk()
    desk.run_to("paper")
    d = desk.step(at(4), **metrics)
    assert d.action == "hold"
    assert rule in rules(d)
    assert not d.inconclusive


def test_ten_trades_are_enough() -> None:
    desk = Desk()
    desk.run_to("paper")
    assert desk.step(at(4), trades=10).action == "promote"


def test_an_unstable_window_blocks_the_next_live_size() -> None:
    desk = Desk()
    desk.run_to("live-25")
    d = desk.step(at(7), critical_errors=2)
    assert (d.action, rules(d)) == ("hold", ["RLT023"])


@pytest.mark.parametrize(
    ("metrics", "words"),
    [
        pytest.param({"version": "1.2.2"}, "about v1.2.2", id="other-version"),
        pytest.param({"environment": "live"}, "about live", id="other-environment"),
    ],
)
def test_metrics_about_something_else_are_refused(metrics: dict[str, Any], words: str) -> None:
    desk = Desk()
    desk.run_to("paper")
    with pytest.raises(InputError, match=words):
        desk.step(at(4), **metrics)


def test_a_repeated_hold_is_not_recorded_again() -> None:
    desk = Desk()
    desk.run_to("paper")
    first = desk.step(at(1))
    second = desk.step(at(2))
    assert first.event is not None
    assert second.event is None
    assert len(desk.state.events) == 2


# --- state: file and deployment statuses -----------------------------------------------------


def test_state_file_round_trips_and_folds_to_the_same_state() -> None:
    desk = Desk()
    desk.run_to("live-50")
    desk.step(at(8), signal_divergence=0.4)
    text = json.dumps(state_to_json(desk.state))
    again = parse_state(text, shown_as="state.json")
    assert again == desk.state
    assert again.divergence_since == at(8)


def test_events_survive_a_deployment_status_description() -> None:
    desk = Desk()
    desk.run_to("live-25")
    desk.step(at(5), signal_divergence=0.4)
    decoded = []
    for ev in desk.state.events:
        text = encode_event(ev)
        assert len(text) <= 140
        back = decode_event(text)
        assert back is not None
        decoded.append(back)
    rebuilt = state_from_events("1.2.3", decoded)
    assert (rebuilt.stage, rebuilt.size, rebuilt.divergence_since) == ("live-25", 0.25, at(5))


@pytest.mark.parametrize(
    "text",
    [
        "deployed by hand",
        "rk1 yesterday promote live-100 100% RLT001",
        "rk1 20240101T090000Z explode live-100 100% RLT001",
        "rk1 20240101T090000Z promote live-100 lots RLT001",
    ],
)
def test_descriptions_that_are_not_our_events_are_ignored(text: str) -> None:
    assert decode_event(text) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("{", "not JSON", id="not-json"),
        pytest.param('{"schema": "x"}', "not a releasekit.rollout-state/1", id="wrong-schema"),
        pytest.param(
            '{"schema": "releasekit.rollout-state/1", "version": "1.2; rm -rf ~"}',
            "is not X.Y.Z",
            id="bad-version",
        ),
        pytest.param(
            '{"schema": "releasekit.rollout-state/1", "version": "1.2.3",'
            ' "events": [{"at": "2024-01-01", "kind": "promote"}]}',
            "no time zone",
            id="naive-time",
        ),
    ],
)
def test_a_broken_state_file_is_refused(text: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        parse_state(text, shown_as="state.json")


# --- the offline CLI contract -----------------------------------------------------------------


def write_metrics(path: Path, **fields: Any) -> Path:
    """A metrics snapshot file (healthy paper figures unless overridden)."""
    data: dict[str, Any] = {
        "schema": "releasekit.rollout-metrics/1",
        "version": "1.2.3",
        "period": {"start": "2024-01-01T09:00:00Z", "end": "2024-01-05T08:30:00Z"},
        "trades": 14,
        "errors": {"critical": 0, "error": 2, "warning": 7},
        "live_errors": 0,
        "pnl": {"value": 310.5, "expected_min": -500, "expected_max": 2000, "currency": "USD"},
        "signal_divergence": 0.08,
        "instability": [],
    }
    data.update(fields)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def write_state(path: Path, *events: Event) -> Path:
    """A state file of version 1.2.3 with ``events``."""
    state = state_from_events("1.2.3", events)
    path.write_text(json.dumps(state_to_json(state)), encoding="utf-8")
    return path


PAPER = Event(T0, "promote", "paper", 1.0, ("RLT001",))
LIVE_25 = Event(at(4), "promote", "live-25", 0.25, ("RLT001",))


def run_shim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python scripts/rollout.py ARGS`` exactly as a person would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "rollout.py"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("events", "metrics", "now", "action", "code"),
    [
        pytest.param((PAPER,), {}, "2024-01-05T09:00:00Z", "promote", 0, id="promote"),
        pytest.param(
            (PAPER,),
            {"period": {"start": "2024-01-01T09:00:00Z", "end": "2024-01-03T08:00:00Z"}},
            "2024-01-03T09:00:00Z",
            "hold",
            0,
            id="hold",
        ),
        pytest.param(
            (PAPER,),
            {"pnl": {"value": -900, "expected_min": -500, "expected_max": 2000}},
            "2024-01-05T09:00:00Z",
            "pause",
            1,
            id="pause",
        ),
        pytest.param(
            (PAPER,),
            {"instability": ["feed-gaps"]},
            "2024-01-05T09:00:00Z",
            "rollback",
            1,
            id="rollback",
        ),
    ],
)
def test_offline_contract_decide_prints_json_and_changes_nothing(
    tmp_path: Path,
    events: tuple[Event, ...],
    metrics: dict[str, Any],
    now: str,
    action: str,
    code: int,
) -> None:
    state = write_state(tmp_path / "state.json", *events)
    before = state.read_bytes()
    snapshot = write_metrics(tmp_path / "metrics.json", environment="paper", **metrics)
    proc = run_shim(
        "decide",
        "--state",
        str(state),
        "--metrics",
        str(snapshot),
        "--now",
        now,
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert proc.returncode == code, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["exit_code"] == code
    assert report["verdict"] == ("pass" if code == 0 else "blocked")
    data = report["data"]
    assert data["action"] == action
    assert {"action", "stage", "size", "reasons", "next_stage", "deadline"} <= set(data)
    assert (data["stage"], data["size"]) == ("paper", 1.0)
    assert data["next_stage"]["id"] == "live-25"
    assert all({"rule", "level", "message"} <= set(r) for r in data["reasons"])
    assert state.read_bytes() == before  # nothing written without --write-state


def test_write_state_writes_the_new_state(tmp_path: Path) -> None:
    state = write_state(tmp_path / "state.json", PAPER)
    snapshot = write_metrics(tmp_path / "metrics.json", environment="paper")
    code = rollout_cli.main(
        [
            "decide",
            f"--state={state}",
            f"--metrics={snapshot}",
            "--now=2024-01-05T09:00:00Z",
            "--write-state",
        ]
    )
    assert code == 0
    after = parse_state(state.read_text(encoding="utf-8"), shown_as="state.json")
    assert (after.stage, after.size, after.stage_started_at) == ("live-25", 0.25, at(4))
    assert not list(tmp_path.glob(".state.json.*"))  # no temporary file left behind


def test_a_new_rollout_starts_from_a_missing_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    code = rollout_cli.main(
        [
            "decide",
            f"--state={state}",
            "--version=1.2.3",
            f"--now={T0.isoformat()}",
            "--write-state",
        ]
    )
    assert code == 0
    assert parse_state(state.read_text(), shown_as="s").stage == "paper"


def test_options_before_the_subcommand_as_the_composite_action_passes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = write_state(tmp_path / "state.json", PAPER)
    code = rollout_cli.main(
        [
            "--format=json",
            f"--report-out={tmp_path / 'report.json'}",
            f"--repo={tmp_path}",
            "decide",
            f"--state={state}",
            "--now=2024-01-02T09:00:00Z",
        ]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["data"]["action"] == "hold"
    assert json.loads((tmp_path / "report.json").read_text())["data"]["action"] == "hold"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["decide"], id="no-state-source"),
        pytest.param(["decide", "--state=s.json", "--record"], id="record-needs-github"),
        pytest.param(["decide", "--state=s.json", "--now=yesterday"], id="bad-now"),
        pytest.param(["decide", "--from-github", "--version=1.2; rm -rf ~"], id="hostile-version"),
    ],
)
def test_bad_command_lines_exit_2_before_anything(tmp_path: Path, args: list[str]) -> None:
    write_state(tmp_path / "s.json", PAPER)
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert rollout_cli.main(args) == 2
    finally:
        os.chdir(cwd)


def policy_with(tmp_path: Path, **commands: list[str]) -> Path:
    """A repository whose policy configures ``commands`` (the runbook's stages)."""
    (tmp_path / ".github").mkdir(exist_ok=True)
    text = yaml.safe_dump({"version": 1, "rollout": {"commands": commands}})
    (tmp_path / ".github" / "release-policy.yml").write_text(text, encoding="utf-8")
    return tmp_path


def fixture_command(name: str, *args: str) -> list[str]:
    """argv running one of the fake commands in tests/fixtures/rollout."""
    return [sys.executable, str(FIXTURES / f"{name}.py"), *args]


def logged(log: Path) -> list[dict[str, Any]]:
    """The calls the fake commands recorded."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_the_policy_metrics_command_runs_without_a_shell_or_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = policy_with(
        tmp_path,
        metrics=fixture_command(
            "metrics", "--version", "{version}", "--since", "{since}", "{until}"
        ),
    )
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("ROLLOUT_LOG", str(log))
    monkeypatch.setenv("FAKE_METRICS", str(write_metrics(tmp_path / "m.json", environment="paper")))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    state = write_state(tmp_path / "state.json", PAPER)
    code = rollout_cli.main(
        ["decide", f"--repo={repo}", f"--state={state}", "--now=2024-01-05T09:00:00Z"]
    )
    assert code == 0
    (call,) = logged(log)
    assert call["argv"] == [
        "--version",
        "1.2.3",
        "--since",
        "2024-01-01T09:00:00Z",
        "2024-01-05T09:00:00Z",
    ]
    assert call["saw_token"] is False


# --- the record on GitHub (loopback fake) ------------------------------------------------------


def env_for(api: FakeGitHub, **extra: str) -> dict[str, str]:
    """The Actions environment pointed at the fake (GITHUB_ACTIONS unset: no runtime output)."""
    # The process environment (the fake commands' settings) without the real runner's.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    return {
        **inherited,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": api.url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "4711",
        **extra,
    }


def connector(env: Any, runtime: Runtime) -> ReleaseOpsPort:
    """The real adapter without GitHub's one-second write spacing (nothing sleeps in tests)."""
    return connect(env, runtime=runtime, seconds_between_writes=None, log=io.StringIO())


@pytest.fixture
def api(github_api: FakeGitHub) -> FakeGitHub:
    """The fake with the desk's repository and its release tags."""
    github_api.add_repo(REPO)
    for tag in ("v1.2.2", "v1.2.3"):
        github_api.set_ref(REPO, f"tags/{tag}", "1" * 39 + tag[-1])
    return github_api


@pytest.fixture
def port(api: FakeGitHub) -> Iterator[ReleaseOpsPort]:
    """A connected adapter."""
    p = connector(env_for(api), Runtime(False, io.StringIO(), {}))
    yield p
    p.close()


def github_decide(
    api: FakeGitHub, tmp_path: Path, now: dt.datetime, *extra: str, metrics: Path | None = None
) -> int:
    """``rollout decide --from-github`` at ``now`` against the fake."""
    args = ["decide", "--from-github", "--version=1.2.3", f"--now={now.isoformat()}", *extra]
    if metrics is not None:
        args.append(f"--metrics={metrics}")
    return rollout_cli.main([f"--repo={tmp_path}", *args], connector=connector, env=env_for(api))


def test_promotions_are_deployments_and_statuses_and_the_state_rebuilds(
    api: FakeGitHub, tmp_path: Path, port: ReleaseOpsPort, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = policy_with(
        tmp_path, deploy=fixture_command("deploy", "{tag}", "{environment}", "{size}")
    )
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("ROLLOUT_LOG", str(log))
    assert github_decide(api, repo, T0, "--record", "--deploy") == 0
    paper = write_metrics(tmp_path / "paper.json", environment="paper")
    assert github_decide(api, repo, at(4), "--record", "--deploy", metrics=paper) == 0
    assert [c["argv"] for c in logged(log)] == [
        ["v1.2.3", "paper", "1"],
        ["v1.2.3", "live", "0.25"],
    ]
    deployments = api.repo(REPO).deployments.values()
    assert sorted((d.ref, d.environment, d.task) for d in deployments) == [
        ("v1.2.3", "live", TASK),
        ("v1.2.3", "paper", TASK),
    ]
    state = rollout_gate.github_state(port, "1.2.3")
    assert (state.stage, state.size, state.started_at, state.stage_started_at) == (
        "live-25",
        0.25,
        T0,
        at(4),
    )
    live = next(d for d in deployments if d.environment == "live")
    assert live.payload["size"] == 0.25
    assert [s.state for s in live.statuses] == ["success"]


def test_a_rerun_of_the_same_decision_writes_nothing(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = policy_with(tmp_path, deploy=fixture_command("deploy", "{tag}"))
    monkeypatch.setenv("ROLLOUT_LOG", str(tmp_path / "calls.jsonl"))
    assert github_decide(api, repo, T0, "--record", "--deploy") == 0
    assert github_decide(api, repo, at(1), "--record") == 0  # hold: RLT030 (no metrics), recorded
    writes = len(api.writes())
    assert github_decide(api, repo, at(1, 1), "--record") == 0  # the same hold again
    assert len(api.writes()) == writes


def test_the_deciding_job_never_records_a_promotion_it_did_not_deploy(
    api: FakeGitHub, tmp_path: Path
) -> None:
    assert github_decide(api, tmp_path, T0, "--record") == 0
    assert api.writes() == []


def test_a_status_forged_by_someone_else_does_not_move_the_rollout(
    api: FakeGitHub, port: ReleaseOpsPort
) -> None:
    dep = api.add_deployment(REPO, ref="v1.2.3", environment="live", task=TASK)
    api.set_viewer("mallory", "User")
    api.add_deployment_status(
        REPO,
        dep.id,
        state="success",
        description="rk1 20240101T090000Z promote live-100 100% RLT001",
    )
    api.set_viewer("github-actions[bot]")
    assert rollout_gate.github_state(port, "1.2.3").stage is None


def test_a_status_write_that_failed_after_github_stored_it_is_not_repeated(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = policy_with(tmp_path, deploy=fixture_command("deploy", "{tag}"))
    monkeypatch.setenv("ROLLOUT_LOG", str(tmp_path / "calls.jsonl"))
    api.inject("POST", r"/statuses$", "502-after-store")
    rc = rollout_cli.main(
        [
            f"--repo={repo}",
            "decide",
            "--from-github",
            "--version=1.2.3",
            f"--now={T0.isoformat()}",
            "--record",
            "--deploy",
        ],
        connector=lambda env, runtime: connect(
            env,
            runtime=runtime,
            seconds_between_writes=None,
            sleep=lambda _s: None,
            log=io.StringIO(),
        ),
        env=env_for(api),
    )
    assert rc == 0
    (dep,) = api.repo(REPO).deployments.values()
    assert len(dep.statuses) == 1


def test_a_promotion_ticks_the_release_tracker(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = policy_with(tmp_path, deploy=fixture_command("deploy", "{tag}"))
    monkeypatch.setenv("ROLLOUT_LOG", str(tmp_path / "calls.jsonl"))
    assert github_decide(api, repo, T0, "--record", "--deploy", "--tracker") == 0
    (issue,) = api.repo(REPO).issues.values()
    assert issue.title == "Release checklist: v1.2.3"
    assert "- [x] Deployed to paper" in (issue.body or "")
    assert "- [x] Tag created" in (issue.body or "")
    assert "- [ ] Deployed to live (minimal)" in (issue.body or "")


def test_a_failed_deployment_is_not_recorded(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = policy_with(tmp_path, deploy=fixture_command("deploy", "{tag}"))
    monkeypatch.setenv("ROLLOUT_LOG", str(tmp_path / "calls.jsonl"))
    monkeypatch.setenv("FAKE_DEPLOY_EXIT", "4")
    assert github_decide(api, repo, T0, "--record", "--deploy") == 1
    assert api.writes() == []


def test_deploy_refuses_when_the_promotion_changed_since_it_was_decided(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = policy_with(tmp_path, deploy=fixture_command("deploy", "{tag}"))
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("ROLLOUT_LOG", str(log))
    assert github_decide(api, repo, T0, "--record", "--deploy", "--expect-stage=live-25") == 1
    assert logged(log) == []
    assert api.writes() == []


# --- the job summary (golden Markdown) ---------------------------------------------------------


def golden_text(decision: Decision, now: dt.datetime) -> str:
    """The job summary of ``decision``, version-independent."""
    report = Report(
        "rollout", f"v{decision.before.version} rollout", decision.findings, {"action": "x"}
    )
    text = render_markdown(report, details=lambda _r: details_markdown(PLAN, decision, now))
    return text.replace(f"releasekit {__version__}", "releasekit VERSION")


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/``name`` (RELEASEKIT_UPDATE_GOLDEN=1 rewrites it)."""
    golden = GOLDEN / name
    if os.environ.get("RELEASEKIT_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_golden_summary_of_a_completed_rollout() -> None:
    desk = Desk()
    desk.run_to("live-100")
    d = desk.step(at(15))
    check_golden("rollout_complete.md", golden_text(d, at(15)))


def test_golden_summary_of_a_rollback() -> None:
    desk = Desk()
    desk.run_to("live-25")
    desk.step(at(5), signal_divergence=0.45)
    d = desk.step(at(6, 2), signal_divergence=0.5, live_errors=7)
    check_golden("rollout_rollback.md", golden_text(d, at(6, 2)))


def test_the_chart_is_a_plain_mermaid_gantt_whatever_the_text() -> None:
    desk = Desk("1.2.3")
    desk.run_to("live-25")
    text = details_markdown(PLAN, desk.step(at(5)), at(5))
    chart = text.split("```mermaid\n", 1)[1].split("```", 1)[0]
    lines = chart.splitlines()
    assert lines[0] == "gantt"
    for line in lines[1:]:
        body = line.strip()
        if body.split(" ", 1)[0] in {"title", "dateFormat", "axisFormat", "section"}:
            continue
        name, _, spec = body.partition(" :")
        assert spec, line
        assert not set(name) & set(":#;,"), line


# --- rollout.yml ------------------------------------------------------------------------------


def workflow() -> dict[str, Any]:
    """rollout.yml with YAML 1.1's ``on: -> True`` undone."""
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    doc["on"] = doc.pop(True)
    return doc


def run_bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """A step's script as the runner runs it."""
    base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_promotions_run_only_in_one_of_the_two_fixed_environments() -> None:
    jobs = workflow()["jobs"]
    named = {job_id: job["environment"] for job_id, job in jobs.items() if "environment" in job}
    assert set(named) == {"promote", "rollback"}
    assert named["rollback"] == "live"
    # Whatever the decide job outputs, the expression can only yield these two literals.
    assert named["promote"] == (
        "${{ needs.decide.outputs.environment == 'live' && 'live' || 'paper' }}"
    )
    condition = jobs["promote"]["if"]
    assert "needs.decide.outputs.action == 'promote'" in condition
    assert 'contains(fromJSON(\'["paper","live"]\'), needs.decide.outputs.environment)' in (
        condition
    )


def decision_reader(tmp_path: Path, data: dict[str, Any]) -> tuple[int, str, dict[str, str]]:
    """Run rollout.yml's step that turns the report into job outputs."""
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"data": data}), encoding="utf-8")
    step = next(s for s in workflow()["jobs"]["decide"]["steps"] if s.get("id") == "outputs")
    out = tmp_path / "out"
    proc = run_bash(step["run"], {"RK_REPORT": str(report), "GITHUB_OUTPUT": str(out)}, tmp_path)
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    outputs = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    return proc.returncode, proc.stdout, outputs


GOOD = {
    "action": "promote",
    "version": "1.2.3",
    "next_stage": {"id": "live-25", "environment": "live"},
    "condition": None,
}


def test_the_decision_reader_passes_a_valid_decision(tmp_path: Path) -> None:
    code, _, outputs = decision_reader(tmp_path, GOOD)
    assert code == 0
    assert outputs == {
        "action": "promote",
        "version": "1.2.3",
        "stage": "live-25",
        "environment": "live",
        "condition": "",
    }


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"action": "promote; rm -rf ~"}, id="action"),
        pytest.param({"next_stage": {"id": "live-25", "environment": "prod"}}, id="environment"),
        pytest.param(
            {"next_stage": {"id": "x$(touch pwned)", "environment": "live"}}, id="stage-injection"
        ),
        pytest.param({"version": "1.2.3\nenvironment=live"}, id="version-newline"),
        pytest.param({"action": "rollback", "condition": "../etc"}, id="condition"),
    ],
)
def test_the_decision_reader_refuses_anything_outside_its_sets(
    tmp_path: Path, change: dict[str, Any]
) -> None:
    code, _, outputs = decision_reader(tmp_path, {**GOOD, **change})
    assert code == 2
    assert outputs == {}
    assert not (tmp_path / "pwned").exists()


# --- the deployments adapter itself ------------------------------------------------------------


def test_a_deployment_is_created_once_even_when_github_stored_it_but_answered_502(
    api: FakeGitHub, port: ReleaseOpsPort
) -> None:
    api.inject("POST", r"/deployments$", "502-after-store")
    retrying = connect(
        env_for(api),
        runtime=Runtime(False, io.StringIO(), {}),
        seconds_between_writes=None,
        sleep=lambda _s: None,
        log=io.StringIO(),
    )
    dep, created = retrying.ensure_deployment(
        tag="v1.2.3", environment="paper", payload={"size": 1.0}, description="d"
    )
    again, created_again = port.ensure_deployment(
        tag="v1.2.3", environment="paper", payload={"size": 1.0}, description="d"
    )
    assert (dep.id, created_again) == (again.id, False)
    assert not created  # found on the re-read after the 502, not sent twice
    assert len(api.repo(REPO).deployments) == 1
    (post,) = api.requests_to("POST", r"/deployments$")
    assert post.body["required_contexts"] == []
    assert post.body["auto_merge"] is False


@pytest.mark.parametrize("what", ["deployment", "status"])
def test_a_write_that_may_still_land_is_never_sent_again(
    api: FakeGitHub, port: ReleaseOpsPort, what: str
) -> None:
    dep, _ = port.ensure_deployment(tag="v1.2.3", environment="paper", payload={}, description="")
    path = r"/deployments$" if what == "deployment" else r"/deployments/\d+/statuses$"
    api.inject("POST", path, "timeout", 1, seconds=2.0)
    stalled = connect(
        env_for(api),
        runtime=Runtime(False, io.StringIO(), {}),
        seconds_between_writes=None,
        sleep=lambda _s: None,
        timeout=1,
        log=io.StringIO(),
    )

    def write() -> object:
        if what == "deployment":
            return stalled.ensure_deployment(
                tag="v1.2.4", environment="paper", payload={}, description=""
            )
        return stalled.add_status(dep.id, "success", "promoted")

    with pytest.raises(InfraError, match=f"the {what} is not visible yet") as caught:
        write()
    assert "without a duplicate" in (caught.value.problem.hint or "")
    deadline = time.monotonic() + 20.0  # the fake logs the stalled POST once it lands
    while not any(r.fault == "timeout" for r in api.requests_to("POST", path)):
        assert time.monotonic() < deadline, "the stalled request never finished"
        time.sleep(0.05)
    stalled_posts = [r for r in api.requests_to("POST", path) if r.fault == "timeout"]
    assert len(stalled_posts) == 1
    posts = api.requests_to("POST", path)
    assert len(posts) == (2 if what == "deployment" else 1)  # the setup's deployment, then one


def test_deployments_of_other_tools_and_people_are_not_ours(
    api: FakeGitHub, port: ReleaseOpsPort
) -> None:
    api.add_deployment(REPO, ref="v1.2.3", environment="live", task="deploy")
    api.set_viewer("mallory", "User")
    api.add_deployment(REPO, ref="v1.2.3", environment="live", task=TASK)
    api.set_viewer("github-actions[bot]")
    assert port.deployments() == []


@pytest.mark.parametrize(
    ("environment", "tag"),
    [
        pytest.param("production", "v1.2.3", id="environment-outside-the-fixed-set"),
        pytest.param("paper", "main", id="branch-not-tag"),
        pytest.param("paper", "v1.2.3; rm -rf ~", id="hostile-tag"),
    ],
)
def test_the_adapter_refuses_names_outside_its_sets_before_any_request(
    api: FakeGitHub, port: ReleaseOpsPort, environment: str, tag: str
) -> None:
    with pytest.raises(InputError):
        port.ensure_deployment(tag=tag, environment=environment, payload={}, description="")
    assert api.requests == []


def test_tags_that_do_not_exist_are_none(api: FakeGitHub, port: ReleaseOpsPort) -> None:
    assert port.tag_target("v9.9.9") is None
    target = port.tag_target("v1.2.3")
    assert target is not None
    assert target[1] == "1" * 39 + "3"


def test_a_new_rollout_of_a_tag_that_does_not_exist_is_refused(
    api: FakeGitHub, tmp_path: Path
) -> None:
    code = rollout_cli.main(
        [f"--repo={tmp_path}", "decide", "--from-github", "--version=9.9.9", "--record"],
        connector=connector,
        env=env_for(api),
    )
    assert code == 2
    assert api.writes() == []


# --- running the user's commands ------------------------------------------------------------


def test_a_command_that_floods_its_output_is_stopped_at_the_cap(tmp_path: Path) -> None:
    result = run_command(
        fixture_command("chatty", "flood"), what="metrics command", max_output_bytes=100_000
    )
    assert result.output_over_limit
    assert not result.ok
    assert len(result.stdout) == 100_000


def test_a_command_that_hangs_is_stopped_at_its_timeout() -> None:
    # The command would sleep 60 s; its process group is killed at the (small) timeout.
    result = run_command(fixture_command("chatty", "hang"), what="deploy command", timeout=0.05)
    assert result.timed_out
    assert "did not finish in time" in result.describe()


def test_a_missing_program_is_a_configuration_error() -> None:
    with pytest.raises(InputError, match="was not found"):
        run_command(["releasekit-no-such-program"], what="deploy command")


def test_user_commands_never_see_the_github_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("ROLLOUT_LOG", str(log))
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("RELEASEKIT_GITHUB_TOKEN", TOKEN)
    assert run_command(fixture_command("kill_switch"), what="kill switch command").ok
    assert logged(log)[0]["saw_token"] is False


def test_resume_after_review_is_recorded_with_who_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTOR", "alice")
    paused = Event(at(5), "pause", "live-25", 0.25, ("RLT011",))
    state = write_state(tmp_path / "state.json", PAPER, LIVE_25, paused)
    args = [f"--state={state}", "--reason=losses were a data error", f"--now={at(5, 3)}"]
    assert rollout_cli.main(["resume", *args, "--write-state"]) == 0
    after = parse_state(state.read_text(encoding="utf-8"), shown_as="s")
    assert after.status == "active"
    assert after.events[-1].note == "resumed by alice: losses were a data error"
    assert rollout_cli.main(["resume", *args]) == 2  # not paused any more
