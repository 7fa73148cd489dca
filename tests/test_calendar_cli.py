"""``releasekit calendar`` end to end: a repository on disk, an injected clock, exit codes.

Also checks the promise of the optional dependency: commands that use no exchange calendar
never import the library (nor pandas), checked in a fresh interpreter through ``sys.modules``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from releasekit.cli.calendar import main

ROOT = Path(__file__).resolve().parents[1]
HAS_LIBRARY = importlib.util.find_spec("exchange_calendars") is not None

POLICY = """\
version: 1
timezone: America/New_York
calendar:
  market: 24/5
  freezes:
    - {from: "2026-12-14T00:00:00-05:00", to: "2026-12-16T12:00:00-05:00", reason: desk offsite}
  events: {file: docs/calendar/events.yml, before_minutes: 60, after_minutes: 60}
"""
# The month-end blackout follows the exchange's sessions: checking it loads the calendar.
EXCHANGE_POLICY = (
    POLICY.replace("market: 24/5", "market: XNYS") + "  month_end: {last_trading_days: 2}\n"
)
EVENTS = 'events:\n  - {name: FOMC, at: "2026-12-09T14:00:00-05:00"}\n'


def clock_at(text: str) -> Any:
    """An injected clock that always reads ``text``."""
    value = dt.datetime.fromisoformat(text)
    return lambda: value


def make_repo(tmp_path: Path, policy: str | None = POLICY, events: str = EVENTS) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    if policy is not None:
        (tmp_path / ".github").mkdir()
        (tmp_path / ".github" / "release-policy.yml").write_text(policy)
    (tmp_path / "docs" / "calendar").mkdir(parents=True)
    (tmp_path / "docs" / "calendar" / "events.yml").write_text(events)
    return tmp_path


def run(argv: list[str], now: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, clock=clock_at(now), out=out)
    return code, out.getvalue()


def run_json(argv: list[str], now: str) -> tuple[int, dict[str, Any]]:
    code, text = run([*argv, "--format", "json"], now)
    return code, json.loads(text)


@pytest.mark.parametrize(
    ("now", "code", "rule", "named"),
    [
        pytest.param("2026-12-15T15:00:00+00:00", 1, "CAL001", "desk offsite", id="in-one-off"),
        pytest.param("2026-12-09T19:30:00+00:00", 1, "CAL001", "FOMC (event)", id="in-event"),
        pytest.param("2026-12-10T15:00:00+00:00", 0, "CAL002", "next freeze", id="clear"),
    ],
)
def test_check_exits_1_inside_a_freeze_and_names_the_window(
    tmp_path: Path, now: str, code: int, rule: str, named: str
) -> None:
    repo = make_repo(tmp_path)
    got, report = run_json(["check", "--action", "tag", "--repo", str(repo)], now)
    assert got == code
    [f] = report["findings"]
    assert f["rule"] == rule
    assert named in f["message"]


def _signoff_report(path: Path, reviewers: list[tuple[str, dict[str, bool]]]) -> Path:
    data = {
        "reviewers": [{"login": u, "status": "counted", "roles": roles} for u, roles in reviewers]
    }
    path.write_text(json.dumps({"tool": "signoff-gate", "data": data}))
    return path


@pytest.mark.parametrize(
    ("second_founder", "reviewers", "code"),
    [
        pytest.param(
            False,
            [("fran", {"founder": True}), ("rita", {"founder": False, "code_review": True})],
            0,
            id="founder-plus-one",
        ),
        pytest.param(True, [("fran", {"founder": True, "code_review": True})], 1, id="alone"),
        pytest.param(
            True,
            [("fran", {"founder": True}), ("rita", {"code_review": True})],
            1,
            id="second-founder-missing",
        ),
        pytest.param(
            True,
            [
                ("fran", {"founder": True}),
                ("gus", {"founder": True}),
                ("rita", {"code_review": True}),
            ],
            0,
            id="second-founder-given",
        ),
    ],
)
def test_a_hotfix_in_a_freeze_goes_only_with_the_named_approvals(
    tmp_path: Path, second_founder: bool, reviewers: list[tuple[str, dict[str, bool]]], code: int
) -> None:
    extra = "  hotfix: {second_founder: true}\n" if second_founder else ""
    repo = make_repo(tmp_path, POLICY + extra)
    signoff = _signoff_report(tmp_path / "signoff.json", reviewers)
    argv = ["check", "--action", "tag", "--hotfix", "--signoff-report", str(signoff)]
    got, report = run_json([*argv, "--repo", str(repo)], "2026-12-15T15:00:00+00:00")
    assert got == code
    assert report["findings"][0]["rule"] == ("CAL003" if code == 0 else "CAL004")


def test_a_hotfix_without_its_signoff_report_is_refused_in_a_freeze(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    got, report = run_json(
        ["check", "--action", "tag", "--hotfix", "--repo", str(repo)], "2026-12-15T15:00:00+00:00"
    )
    assert got == 1
    assert report["findings"][0]["rule"] == "CAL004"


def test_no_policy_means_no_freeze(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, policy=None)
    got, report = run_json(["check", "--action", "tag", "--repo", str(repo)], "2026-12-25T12:00Z")
    assert got == 0
    assert sorted(f["rule"] for f in report["findings"]) == ["CAL002", "POL001"]


def test_a_broken_event_list_is_exit_2_with_its_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, events="events:\n  - {name: FOMC, at: tomorrow}\n")
    got, report = run_json(["check", "--action", "tag", "--repo", str(repo)], "2026-12-10T15:00Z")
    assert got == 2
    assert report["problem"]["file"].endswith("docs/calendar/events.yml")
    assert report["problem"]["line"] == 2


def _state(path: Path, day0: str) -> Path:
    path.write_text(
        json.dumps(
            {
                "schema": "releasekit.rollout-state/1",
                "version": "1.2.3",
                "events": [
                    {"at": day0, "kind": "promote", "stage": "paper", "size": 1.0, "rules": []}
                ],
            }
        )
    )
    return path


def test_show_gives_the_next_days_and_each_rollouts_next_allowed_instant(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    # paper from Thu 10 Dec 15:00Z: live-25 is due on day 4, Mon 14 Dec, inside the offsite
    state = _state(tmp_path / "state.json", "2026-12-10T15:00:00Z")
    got, report = run_json(
        ["show", "--repo", str(repo), "--days", "7", "--state", str(state)],
        "2026-12-12T12:00:00+00:00",
    )
    assert got == 0
    days = {d["date"]: d for d in report["data"]["days"]}
    assert len(days) == 7
    assert days["2026-12-12"]["market"] == "closed"
    assert days["2026-12-14"]["freezes"] == ["desk offsite (one-off freeze)"]
    assert days["2026-12-14"]["promotion_from"] is None
    assert days["2026-12-16"]["promotion_from"] == "12:00"
    [ro] = report["data"]["rollouts"]
    assert ro["next_stage"] == "live-25"
    assert ro["due_at"] == "2026-12-14T15:00:00+00:00"
    assert ro["allowed_at"] == "2026-12-16T17:00:00+00:00"  # 12:00 New York
    assert [f["rule"] for f in report["findings"]] == ["CAL010"]


def test_show_markdown_is_a_table_for_the_job_summary(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    got, text = run(
        ["--repo", str(repo), "--days", "3", "--format", "markdown"], "2026-12-14T12:00Z"
    )
    assert got == 0
    assert "| Day | Market | Freeze windows | Promotion allowed from |" in text
    assert "| Mon 2026-12-14 | open all day | desk offsite (one-off freeze) | no |" in text


def test_days_out_of_range_is_exit_2(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    assert run(["--repo", str(repo), "--days", "0"], "2026-12-14T12:00Z")[0] == 2


# -- the optional library is imported only when a policy names an exchange -------------------

PROBE = """
import json, sys
sys.argv = ["releasekit"] + json.loads(sys.argv[1])
from releasekit.cli import main
code = main(sys.argv[1:])
sys.stderr.write(json.dumps({"code": code, "loaded": sorted(
    m for m in ("exchange_calendars", "pandas", "numpy") if sys.modules.get(m))}) + "\\n")
"""


def probe(argv: list[str], *, block_library: bool = False) -> dict[str, Any]:
    """Run ``releasekit argv`` in a fresh interpreter; the modules it loaded, and its exit code."""
    code = PROBE
    if block_library:  # as if the calendar extra were not installed
        code = "import sys\nsys.modules['exchange_calendars'] = None\n" + code
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(argv)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "scripts")},
        check=False,
    )
    result: dict[str, Any] = json.loads(done.stderr.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["check-changelog", "--repo", "examples/trading-desk"], id="check-changelog"),
        pytest.param(["policy", "validate", "--repo", "examples/trading-desk"], id="policy"),
        pytest.param(["calendar", "check", "--action", "tag"], id="calendar-24-5"),
    ],
)
def test_gates_without_an_exchange_never_import_the_library(
    argv: list[str], tmp_path: Path
) -> None:
    if argv[0] == "calendar":
        argv = [*argv, "--repo", str(make_repo(tmp_path))]
    result = probe(argv)
    assert result["loaded"] == []


@pytest.mark.skipif(not HAS_LIBRARY, reason="the calendar extra is not installed")
def test_a_policy_naming_an_exchange_does_import_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, EXCHANGE_POLICY)
    result = probe(["calendar", "check", "--action", "tag", "--repo", str(repo)])
    assert "exchange_calendars" in result["loaded"]


def test_an_exchange_without_the_extra_is_exit_2_naming_the_extra(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, EXCHANGE_POLICY)
    out = tmp_path / "report.json"
    argv = ["calendar", "check", "--action", "tag", "--repo", str(repo), "--report-out", str(out)]
    result = probe(argv, block_library=True)
    assert result["code"] == 2
    problem = json.loads(out.read_text())["problem"]
    assert "releasekit[calendar]" in problem["hint"]


def test_a_freeze_that_needs_no_sessions_never_loads_the_exchange(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, POLICY.replace("market: 24/5", "market: XNYS"))
    argv = ["calendar", "check", "--action", "tag", "--repo", str(repo)]
    result = probe(argv, block_library=True)
    assert (result["code"], result["loaded"]) == (0, [])


def test_options_may_come_before_the_subcommand_as_the_action_passes_them(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    out = tmp_path / "calendar.json"
    argv = ["--format=json", f"--report-out={out}", f"--repo={repo}", "check", "--action=tag"]
    code, _ = run(argv, "2026-12-15T15:00:00+00:00")
    assert code == 1
    assert json.loads(out.read_text())["findings"][0]["rule"] == "CAL001"


def test_policy_names_another_policy_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, policy=None)
    other = tmp_path / "other-policy.yml"
    other.write_text(POLICY)
    argv = ["check", "--action", "tag", "--repo", str(repo), "--policy", str(other)]
    got, report = run_json(argv, "2026-12-15T15:00:00+00:00")
    assert got == 1
    assert report["findings"][0]["rule"] == "CAL001"


def test_the_action_passes_hotfix_before_the_subcommand(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    argv = ["--format=json", f"--repo={repo}", "--hotfix", "check", "--action=prepare"]
    code, text = run(argv, "2026-12-15T15:00:00+00:00")
    assert code == 0
    assert json.loads(text)["findings"][0]["rule"] == "CAL005"


def test_hostile_reasons_reach_neither_the_terminal_nor_the_summary_raw(tmp_path: Path) -> None:
    policy = POLICY.replace("reason: desk offsite", "reason: '<b>x</b> | [y](z) ::error::'")
    repo = make_repo(tmp_path, policy)
    code, text = run(["--repo", str(repo), "--days", "3"], "2026-12-14T12:00Z")
    assert code == 0
    assert "<b>x</b> | [y](z) ::error:: (one-off freeze)" in text  # shown, on its own row
    code, md = run(
        ["--repo", str(repo), "--days", "3", "--format", "markdown"], "2026-12-14T12:00Z"
    )
    assert "&lt;b&gt;x&lt;/b&gt; \\| \\[y\\](z) ::error:: (one-off freeze)" in md


def test_a_control_character_in_a_reason_is_exit_2(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, POLICY.replace("reason: desk offsite", 'reason: "a\\u001b[31mb"'))
    code, report = run_json(["check", "--action", "tag", "--repo", str(repo)], "2026-12-14T12:00Z")
    assert code == 2
    assert "one line of plain text" in report["problem"]["message"]


@pytest.mark.parametrize(
    ("hotfix", "action", "code", "rule"),
    [
        pytest.param("false", "tag", 1, "CAL001", id="tag-in-freeze"),
        pytest.param("true", "prepare", 0, "CAL005", id="hotfix-branch-in-freeze"),
    ],
)
def test_the_workflow_step_runs_through_the_composite_action(
    tmp_path: Path, hotfix: str, action: str, code: int, rule: str
) -> None:
    from test_action_steps import prepare_venv, run_action

    repo = make_repo(tmp_path / "workspace")
    runner_temp = tmp_path / "runner_temp"
    (runner_temp / "home").mkdir(parents=True)
    prepare_venv(runner_temp)
    args = f"check\n--action={action}\n--now=2026-12-15T15:00:00Z"
    run = run_action(
        {"command": "calendar", "hotfix": hotfix, "format": "json", "args": args},
        workspace=repo,
        runner_temp=runner_temp,
    )
    assert run.returncode == code
    assert run.outputs["verdict"] == ("blocked" if code else "pass")
    report = json.loads(Path(run.outputs["report-path"]).read_text())
    assert report["findings"][0]["rule"] == rule
    assert "Release calendar" not in run.summary  # a check's summary is its findings
