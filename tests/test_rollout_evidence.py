"""Fail closed where money moves: each class of input that once promoted, continued or deployed
when the runbook says hold, pause or roll back, written as a timeline with an injected clock.

The rule (docs/rollout.md): evidence to stop is accepted from any plausible reading; evidence to
proceed must be complete, finite, fresh and consistent, otherwise hold. The property tests at
the end check it for random metric sequences.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.deployments import TASK, ReleaseOpsPort, connect
from releasekit.cli import rollout as rollout_cli
from releasekit.core.rollout.controller import (
    CLOCK_SKEW,
    Decision,
    Event,
    Metrics,
    RolloutState,
    decide,
    decode_event,
    encode_event,
    parse_metrics,
    parse_state,
    state_from_events,
    state_to_json,
)
from releasekit.core.rollout.hotfix import Postmortem, Tag, evaluate_hotfixes, hotfix_debt
from releasekit.core.rollout.plan import DEFAULT_PLAN
from releasekit.core.rollout.rollback import Deployed, plan_rollback, stable_target
from releasekit.errors import InputError
from support.github_api import FakeGitHub

PLAN = DEFAULT_PLAN
T0 = dt.datetime(2024, 1, 1, 9, 0, tzinfo=dt.UTC)
REPO = "desk/trading"
TOKEN = "ghs_FAKEinstallationTOKEN0123456789abcdef"
FULL = ("RLT001",)


def at(day: float, hours: float = 0) -> dt.datetime:
    """``day`` days (and ``hours``) after day 0 of the rollout."""
    return T0 + dt.timedelta(days=day, hours=hours)


def snapshot(state: RolloutState, now: dt.datetime, **changes: Any) -> Metrics:
    """A complete, healthy reading of the current stage from its start to ``now``."""
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


def rollout_at(*stages: tuple[str, float]) -> RolloutState:
    """A rollout of 1.2.3 promoted to each ``(stage, day)`` in turn."""
    events = [
        Event(at(day), "promote", sid, s.size, FULL)
        for sid, day in stages
        if (s := PLAN.stage(sid)) is not None
    ]
    return state_from_events("1.2.3", events)


def rules(decision: Decision) -> list[str]:
    """The decision's rule ids."""
    return [f.rule for f in decision.findings]


LIVE_25 = (("paper", 0), ("live-25", 4))
LIVE_50 = (*LIVE_25, ("live-50", 7))


# --- reading: non-finite, out-of-range, duplicated, deeply nested -----------------------------


def metrics_text(**fields: Any) -> str:
    """A snapshot as text, one field per line (so errors have a line to name)."""
    data: dict[str, Any] = {
        "schema": "releasekit.rollout-metrics/1",
        "version": "1.2.3",
        "environment": "live",
        "period": {"start": "2024-01-05T09:00:00Z", "end": "2024-01-08T08:30:00Z"},
        "trades": 14,
        "errors": {"critical": 0},
        "live_errors": 0,
        "pnl": {"value": 310.5, "expected_min": -500, "expected_max": 2000},
        "signal_divergence": 0.08,
        "instability": [],
    }
    data.update(fields)
    return json.dumps(data, indent=1)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        pytest.param('"signal_divergence": NaN', "NaN is not a finite", id="nan"),
        pytest.param('"signal_divergence": Infinity', "Infinity is not", id="infinity"),
        pytest.param('"signal_divergence": -Infinity', "-Infinity is not", id="minus-inf"),
        pytest.param('"signal_divergence": 1e1000', "1e1000 is not a finite", id="overflow"),
        pytest.param('"signal_divergence": 1.5', "maximum", id="divergence-above-1"),
        pytest.param('"live_errors": -1', "minimum", id="negative-count"),
        pytest.param('"trades": 10000000000000', "maximum", id="count-out-of-range"),
    ],
)
def test_a_non_finite_or_out_of_range_number_is_refused_with_its_line(raw: str, words: str) -> None:
    key = raw.split(":")[0].strip('"')
    text = metrics_text().splitlines()
    index = next(i for i, t in enumerate(text) if t.strip().startswith(f'"{key}"'))
    text[index] = " " + raw + ("," if text[index].rstrip().endswith(",") else "")
    line = index + 1
    with pytest.raises(InputError, match=words) as caught:
        parse_metrics("\n".join(text), shown_as="metrics.json")
    assert (caught.value.problem.file, caught.value.problem.line) == ("metrics.json", line)


def test_a_duplicated_key_is_refused_not_read_as_the_last_value() -> None:
    text = metrics_text().replace('"live_errors": 0,', '"live_errors": 10,\n "live_errors": 0,')
    with pytest.raises(InputError, match="'live_errors' appears twice") as caught:
        parse_metrics(text, shown_as="m.json")
    second = [i for i, t in enumerate(text.splitlines(), 1) if '"live_errors"' in t][1]
    assert caught.value.problem.line == second


def write_state(path: Path, *events: Event) -> Path:
    """A state file of 1.2.3 with ``events``."""
    path.write_text(json.dumps(state_to_json(state_from_events("1.2.3", events)), indent=1))
    return path


@pytest.mark.parametrize(
    ("which", "text"),
    [
        pytest.param("metrics", "[" * 5000 + "]" * 5000, id="deep-metrics-list"),
        pytest.param("metrics", '{"a":' * 5000 + "1" + "}" * 5000, id="deep-metrics-object"),
        pytest.param("state", '{"schema": ' + "[" * 100_000 + "]" * 100_000 + "}", id="deep-state"),
        pytest.param("state", None, id="nan-size-in-state"),
        pytest.param("state", "huge", id="overflowing-size-in-state"),
        pytest.param("metrics", metrics_text(pnl=None).replace("null", "NaN"), id="nan-pnl"),
    ],
)
def test_every_malformed_state_or_metrics_file_is_exit_2_with_file_line_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str, text: str | None
) -> None:
    paper = Event(T0, "promote", "paper", 1.0, FULL)
    state = write_state(tmp_path / "state.json", paper)
    metrics = tmp_path / "metrics.json"
    metrics.write_text(metrics_text(environment="paper"))
    if which == "state":
        body = state.read_text()
        if text is None:
            body = body.replace('"size": 1.0', '"size": NaN')
        elif text == "huge":
            body = body.replace('"size": 1.0', '"size": 1e999')
        else:
            body = text
        state.write_text(body)
    else:
        metrics.write_text(text or "")
    code = rollout_cli.main(
        [
            "--format=json",
            "decide",
            f"--state={state}",
            f"--metrics={metrics}",
            "--now=2024-01-05T09:00:00Z",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in err
    problem = json.loads(out)["problem"]
    assert problem["file"].endswith(f"{which}.json")
    assert isinstance(problem["line"], int)


# --- missing evidence is not good news -----------------------------------------------------


@pytest.mark.parametrize(
    "missing",
    ["live_errors", "signal_divergence", "instability", "pnl"],
)
def test_a_snapshot_missing_a_measurement_never_promotes_and_names_it(missing: str) -> None:
    state = rollout_at(*LIVE_25)
    fields: dict[str, Any] = {missing: None}
    if missing == "pnl":
        fields |= {"pnl_expected_min": None, "pnl_expected_max": None}
    d = decide(PLAN, state, snapshot(state, at(7), **fields), at(7))
    assert d.action == "hold"
    assert d.inconclusive
    assert any(f.rule == "RLT030" and missing in f.message for f in d.findings)


def test_day_7_without_a_live_error_count_holds_although_everything_else_is_clean() -> None:
    state = rollout_at(*LIVE_25)
    d = decide(PLAN, state, snapshot(state, at(7), live_errors=None), at(7))
    assert (d.action, d.after.stage) == ("hold", "live-25")


# --- evidence to stop is accepted from any plausible reading ---------------------------------


def test_ten_live_errors_in_a_reading_dated_after_now_roll_back_and_name_the_reading() -> None:
    state = rollout_at(*LIVE_25)
    now = at(5)
    reading = snapshot(state, now + dt.timedelta(minutes=10), live_errors=10, shown_as="m.json")
    d = decide(PLAN, state, reading, now)
    assert d.action == "rollback"
    assert "RLT033" in rules(d)
    trigger = next(f for f in d.findings if f.rule == "RLT010")
    assert "reading m.json, 2024-01-05T09:00:00Z to 2024-01-06T09:10:00Z" in trigger.message


def test_a_reading_within_the_tolerated_skew_is_current() -> None:
    state = rollout_at(*LIVE_25)
    reading = snapshot(state, at(7) + CLOCK_SKEW)
    assert decide(PLAN, state, reading, at(7)).action == "promote"


def test_a_healthy_reading_dated_after_now_never_promotes() -> None:
    state = rollout_at(*LIVE_25)
    reading = snapshot(state, at(7) + dt.timedelta(hours=1))
    d = decide(PLAN, state, reading, at(7))
    assert d.action == "hold"
    assert "RLT033" in rules(d)


def test_a_stale_partial_reading_still_triggers_a_rollback() -> None:
    state = rollout_at(*LIVE_25)
    stale = Metrics(start=at(4), end=at(4, 2), live_errors=6, shown_as="old.json")
    d = decide(PLAN, state, stale, at(6))
    assert d.action == "rollback"
    assert "RLT032" in rules(d)
    assert "old.json" in next(f.message for f in d.findings if f.rule == "RLT010")


def test_a_stale_reading_cannot_close_a_divergence_deadline() -> None:
    state = rollout_at(*LIVE_50)
    opened = decide(PLAN, state, snapshot(state, at(8), signal_divergence=0.4), at(8))
    assert "RLT014" in rules(opened)
    stale = snapshot(opened.after, at(8, 1), signal_divergence=0.1)
    d = decide(PLAN, opened.after, stale, at(9, 1))  # 24 h later, reading 24 h old
    assert d.action == "rollback"
    assert "RLT015" not in rules(d)


def test_losses_pause_even_from_a_reading_missing_other_measurements() -> None:
    state = rollout_at(*LIVE_25)
    partial = Metrics(start=at(4), end=at(5), pnl=-900.0, pnl_expected_min=-500.0)
    d = decide(PLAN, state, partial, at(5))
    assert d.action == "pause"


# --- late stage changes --------------------------------------------------------------------


def test_a_late_move_to_25_percent_shifts_the_next_window_and_does_not_stick() -> None:
    # live-25 started on day 5, not day 4: live-50 is judged on days 5-7 and due on day 8.
    state = rollout_at(("paper", 0), ("live-25", 5))
    early = decide(PLAN, state, snapshot(state, at(7)), at(7))
    assert early.action == "hold"
    assert early.due_at == at(8)
    d = decide(PLAN, state, snapshot(state, at(8)), at(8))
    assert (d.action, d.after.stage) == ("promote", "live-50"), rules(d)


# --- release type sets the rollout mode ----------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "stage", "rule"),
    [
        pytest.param("staged", "paper", None, id="strategy-staged"),
        pytest.param("direct", "live-100", "RLT006", id="config-direct"),
        pytest.param("immediate", "live-100", "RLT004", id="hotfix-immediate"),
    ],
)
def test_the_recorded_release_type_decides_the_first_deployment(
    mode: Any, stage: str, rule: str | None
) -> None:
    d = decide(PLAN, RolloutState("1.3.0"), None, T0, mode=mode)
    assert (d.action, d.after.stage) == ("promote", stage)
    if rule:
        assert rule in rules(d)


def evidence_bundle(path: Path, tag: str, rollout: str) -> Path:
    """The part of an evidence.json the rollout reads."""
    bundle = {"schema": "releasekit.evidence/1", "tag": tag, "release": {"rollout": rollout}}
    path.write_text(json.dumps(bundle, indent=1))
    return path


def test_a_config_change_from_its_evidence_bundle_goes_live_directly(tmp_path: Path) -> None:
    bundle = evidence_bundle(tmp_path / "evidence.json", "v1.3.0", "direct")
    state = tmp_path / "state.json"
    code = rollout_cli.main(
        [
            "decide",
            f"--state={state}",
            "--version=v1.3.0",
            f"--evidence={bundle}",
            f"--now={T0.isoformat()}",
            "--write-state",
        ]
    )
    assert code == 0
    assert '"stage": "live-100"' in state.read_text()


def test_an_evidence_bundle_of_another_release_is_refused(tmp_path: Path) -> None:
    bundle = evidence_bundle(tmp_path / "evidence.json", "v1.2.9", "direct")
    state = tmp_path / "state.json"
    args = ["decide", f"--state={state}", "--version=1.3.0", f"--evidence={bundle}"]
    assert rollout_cli.main([*args, f"--now={T0.isoformat()}", "--write-state"]) == 2
    assert not state.exists()


# --- every unfinished release is decided -----------------------------------------------------


def env_for(api: FakeGitHub) -> dict[str, str]:
    """The job's environment, pointed at the fake."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    return {
        **inherited,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": api.url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "4711",
    }


def connector(env: Any, runtime: Runtime) -> ReleaseOpsPort:
    """The real adapter, no write spacing."""
    return connect(env, runtime=runtime, seconds_between_writes=None, log=io.StringIO())


def seed(api: FakeGitHub, tag: str, environment: str, *events: Event) -> None:
    """releasekit's deployment of ``tag`` with ``events`` as its statuses."""
    dep = api.add_deployment(REPO, ref=tag, environment=environment, task=TASK)
    for ev in events:
        api.add_deployment_status(REPO, dep.id, state="success", description=encode_event(ev))


def test_an_older_release_still_at_25_percent_is_rolled_back_although_a_newer_one_exists(
    github_api: FakeGitHub, tmp_path: Path
) -> None:
    api = github_api
    api.add_repo(REPO)
    for tag in ("v1.2.2", "v1.2.3"):
        api.set_ref(REPO, f"tags/{tag}", "1" * 39 + tag[-1])
    seed(api, "v1.2.2", "paper", Event(T0, "promote", "paper", 1.0, FULL))
    seed(api, "v1.2.2", "live", Event(at(4), "promote", "live-25", 0.25, FULL))
    seed(api, "v1.2.3", "paper", Event(at(5), "promote", "paper", 1.0, FULL))
    metrics = tmp_path / "m.json"
    metrics.write_text(metrics_text(version="1.2.2", live_errors=6))
    report = tmp_path / "report.json"
    code = rollout_cli.main(
        [
            f"--repo={tmp_path}",
            f"--report-out={report}",
            "decide",
            "--from-github",
            f"--metrics={metrics}",
            "--now=2024-01-08T09:00:00Z",
        ],
        connector=connector,
        env=env_for(api),
    )
    data = json.loads(report.read_text())
    assert code == 1
    assert (data["data"]["version"], data["data"]["action"]) == ("1.2.2", "rollback")
    assert {(r["version"], r["action"]) for r in data["data"]["releases"]} == {
        ("1.2.2", "rollback"),
        ("1.2.3", "hold"),
    }
    assert "RLT034" in [f["rule"] for f in data["findings"]]


# --- rollback targets --------------------------------------------------------------------------


def live(version: str, when: dt.datetime, *more: Event) -> Deployed:
    """``version`` reached 100% live at ``when`` (then ``more``)."""
    return Deployed(version, "live", (Event(when, "promote", "live-100", 1.0, FULL), *more))


HISTORY = [
    live("1.2.0", T0),
    live(
        "1.2.1",
        at(10),
        Event(at(11), "rolled-back", "live-100", 0.0, FULL),
        Event(at(12), "promote", "live-100", 1.0, FULL),
    ),
    live("1.2.5", at(30)),  # newer than the failing one
    Deployed("1.2.3", "live", (Event(at(20), "promote", "live-25", 0.25, FULL),)),
]


def test_the_previous_stable_version_is_older_full_size_and_never_rolled_back() -> None:
    # 1.2.5 is newer; 1.2.1 was rolled back once, even though it was promoted again later.
    assert stable_target(HISTORY, "v1.2.3") == "v1.2.0"


@pytest.mark.parametrize("target", ["v1.2.5", "v1.2.1", "v1.2.4"])
def test_an_explicit_target_must_pass_the_same_test(target: str) -> None:
    with pytest.raises(InputError, match="not a stable version"):
        plan_rollback(
            failing_tag="v1.2.3",
            target_tag=target,
            reason="r",
            condition="live-errors",
            deployed=HISTORY,
        )


# --- hotfix SLA --------------------------------------------------------------------------------

HOTFIX = Tag("v1.2.4-hotfix", at(20))


def test_a_release_tagged_before_the_hotfix_does_not_settle_it() -> None:
    tags = [Tag("v1.2.4", at(19)), HOTFIX]
    pm = Postmortem(HOTFIX.name, "#1", at(20, 2))
    assert [f.rule for f in hotfix_debt(tags, [pm], at(23))] == ["HFX002"]


def test_a_late_post_mortem_is_reported_late() -> None:
    pm = Postmortem(HOTFIX.name, "docs/postmortems/pm.md", at(21, 5))  # 29 h after
    findings = evaluate_hotfixes([HOTFIX, Tag("v1.2.4", at(21))], [pm], at(22))
    late = [f for f in findings if f.rule == "HFX006"]
    assert len(late) == 1
    assert "5 h after its deadline" in late[0].message


def test_an_unmerged_post_mortem_does_not_count() -> None:
    pm = Postmortem(HOTFIX.name, "docs/postmortems/pm.md", None)
    assert [f.rule for f in hotfix_debt([HOTFIX], [pm], at(21, 1))] == ["HFX001"]


@pytest.mark.parametrize(
    "name", ["v1.2.4-HOTFIX", "v1.2.4_hotfix", "v1.2.4-hotfix1", "v1.2.4-hot-fix"]
)
def test_a_look_alike_hotfix_tag_is_refused(name: str) -> None:
    findings = hotfix_debt([Tag(name, at(20))], [], at(20, 1))
    assert [f.rule for f in findings] == ["HFX008"]


# --- properties --------------------------------------------------------------------------------

READING_HOURS = st.integers(min_value=1, max_value=12)


@st.composite
def readings(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A random sequence of readings of a live-25 rollout (days 4 to 15)."""
    n = draw(st.integers(min_value=1, max_value=12))
    return [
        {
            "live_errors": draw(st.integers(min_value=0, max_value=6)),
            "signal_divergence": draw(st.floats(min_value=0, max_value=0.6)),
            "pnl": draw(st.floats(min_value=-1000, max_value=2000)),
            "instability": draw(st.sampled_from([(), (), (), ("restart",)])),
            "step": draw(READING_HOURS),
        }
        for _ in range(n)
    ]


def _stops(plan_rules: Any, r: dict[str, Any]) -> bool:
    return (
        r["live_errors"] > plan_rules.live_errors_above
        or bool(r["instability"])
        or r["pnl"] < -500.0
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(readings())
def test_property_after_a_stop_reading_the_controller_never_promotes(
    seq: list[dict[str, Any]],
) -> None:
    state = rollout_at(*LIVE_25)
    now = at(6)
    stopped = False
    for r in seq:
        now += dt.timedelta(hours=r["step"])
        m = snapshot(
            state,
            now,
            live_errors=r["live_errors"],
            signal_divergence=r["signal_divergence"],
            pnl=r["pnl"],
            instability=r["instability"],
        )
        d = decide(PLAN, state, m, now)
        if _stops(PLAN.rollback, r):
            stopped = True
            assert d.action in ("rollback", "pause")
        if stopped:
            assert d.action != "promote"
        state = d.after
        if state.status == "rolled-back":
            break


MEASUREMENTS = ["live_errors", "signal_divergence", "instability", "pnl", "trades"]


@settings(max_examples=150, deadline=None)
@given(
    day=st.floats(min_value=7, max_value=20),
    missing=st.lists(st.sampled_from(MEASUREMENTS), min_size=1, unique=True),
    nonfinite=st.sampled_from([None, "nan", "inf", "-inf"]),
)
def test_property_a_missing_or_non_finite_value_never_promotes(
    day: float, missing: list[str], nonfinite: str | None
) -> None:
    state = rollout_at(*LIVE_25)
    now = at(day)
    fields: dict[str, Any] = {name: None for name in missing if name != "trades"}
    if "pnl" in missing:
        fields |= {"pnl_expected_min": None, "pnl_expected_max": None}
    if "trades" in missing:
        fields["critical_errors"] = None
    d = decide(PLAN, state, snapshot(state, now, **fields), now)
    assert d.action != "promote"
    if nonfinite is not None:
        # Non-finite values never reach the controller: the reader refuses them.
        text = metrics_text(signal_divergence=0.1).replace(
            "0.1", nonfinite.replace("inf", "Infinity").replace("nan", "NaN"), 1
        )
        with pytest.raises(InputError):
            parse_metrics(text, shown_as="m.json")


def test_a_bad_event_time_in_a_state_file_names_its_line() -> None:
    text = json.dumps(
        state_to_json(state_from_events("1.2.3", [Event(T0, "promote", "paper", 1.0, FULL)])),
        indent=1,
    ).replace("2024-01-01T09:00:00Z", "yesterday")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if '"yesterday"' in t)
    with pytest.raises(InputError, match="not an ISO-8601") as caught:
        parse_state(text, shown_as="state.json")
    assert caught.value.problem.line == line


@pytest.mark.parametrize("percent", ["nan%", "inf%", "150%", "-5%"])
def test_a_status_with_an_impossible_size_is_not_an_event(percent: str) -> None:
    good = encode_event(Event(T0, "promote", "live-25", 0.25, FULL))
    assert decode_event(good) is not None
    assert decode_event(good.replace("25%", percent)) is None


def test_without_an_entry_window_the_reading_must_cover_the_whole_stage() -> None:
    plan = replace(PLAN, stages=(PLAN.stages[0], replace(PLAN.stages[-1], day=1, entry=None)))
    state = decide(plan, RolloutState("1.2.3"), None, T0).after
    late_start = replace(snapshot(state, at(1)), start=at(0, 12))
    d = decide(plan, state, late_start, at(1))
    assert d.action == "hold"
    assert "RLT031" in rules(d)
    assert decide(plan, state, snapshot(state, at(1)), at(1)).action == "promote"


def test_with_several_releases_a_metrics_file_about_none_of_them_is_refused(
    github_api: FakeGitHub, tmp_path: Path
) -> None:
    api = github_api
    api.add_repo(REPO)
    seed(api, "v1.2.2", "live", Event(at(4), "promote", "live-25", 0.25, FULL))
    seed(api, "v1.2.3", "paper", Event(at(5), "promote", "paper", 1.0, FULL))
    metrics = tmp_path / "m.json"
    metrics.write_text(metrics_text(version="1.2.1", live_errors=6))
    code = rollout_cli.main(
        [f"--repo={tmp_path}", "decide", "--from-github", f"--metrics={metrics}"],
        connector=connector,
        env=env_for(api),
        clock=lambda: at(8),
    )
    assert code == 2
    assert api.writes() == []


@pytest.mark.parametrize("field", ["version", "environment"])
def test_a_reading_that_does_not_name_its_subject_never_promotes(field: str) -> None:
    state = rollout_at(*LIVE_25)
    d = decide(PLAN, state, snapshot(state, at(7), **{field: None}), at(7))
    assert d.action == "hold"
    assert any(f.rule == "RLT030" and field in f.message for f in d.findings)
    stop = decide(PLAN, state, snapshot(state, at(7), **{field: None, "live_errors": 4}), at(7))
    assert stop.action == "rollback"


@pytest.mark.parametrize("given", ["1.2.3", "v1.2.3"])
def test_a_version_argument_with_or_without_v_means_the_same_tag(
    github_api: FakeGitHub, tmp_path: Path, given: str
) -> None:
    api = github_api
    api.add_repo(REPO)
    api.set_ref(REPO, "tags/v1.2.3", "1" * 40)
    report = tmp_path / "report.json"
    args = ["decide", "--from-github", f"--version={given}", f"--now={T0.isoformat()}"]
    code = rollout_cli.main(
        [f"--repo={tmp_path}", f"--report-out={report}", *args],
        connector=connector,
        env=env_for(api),
    )
    data = json.loads(report.read_text())
    assert code == 0
    assert data["subject"] == "v1.2.3 rollout"
    assert (data["data"]["version"], data["data"]["action"]) == ("1.2.3", "promote")
