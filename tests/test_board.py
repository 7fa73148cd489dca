"""``releasekit board`` offline: the example desk's board, the page's promises, bad input.

The example fixture (examples/trading-desk/.releasekit/board-fixture.json) is the story the
README screenshot shows: the desk's v1.2.3 at live-25 with live-50 due the next morning, a
rolled-back v1.2.2, a release PR whose sign-off failed, and a second repository with a
hotfix whose post-mortem is 3 hours overdue. The browser test (test_board_browser.py)
renders the same page in Chromium.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from releasekit.adapters.github.board_fixture import FixtureBoardSource, load_fixture
from releasekit.cli.board import main
from releasekit.core.audit.formats import parse_audit_log
from releasekit.core.board.model import Board, UnitRow, board_timezone
from releasekit.core.board.page import CSP, render_page
from releasekit.core.signoff.policy import POLICY_PATH, default_policy, parse_policy
from releasekit.errors import InputError
from releasekit.gates.board import BoardRequest, build_site

ROOT = Path(__file__).resolve().parents[1]
DESK = ROOT / "examples" / "trading-desk"
FIXTURE = DESK / ".releasekit" / "board-fixture.json"
NOW = dt.datetime(2024, 1, 22, 15, 0, tzinfo=dt.UTC)


def fixture_data() -> dict[str, Any]:
    """The example fixture as JSON data (a fresh copy to change)."""
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def build(data: dict[str, Any], tmp_path: Path) -> Board:
    """The board of a fixture document (written to ``tmp_path`` first)."""
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    sources, now = load_fixture(path, shown_as="fixture.json")
    _, site = build_site(BoardRequest(now or NOW, None, source="fixture"), sources)
    return site.board


@pytest.fixture
def board(tmp_path: Path) -> Board:
    """The example desk's board."""
    return build(fixture_data(), tmp_path)


def row(board: Board, name: str) -> UnitRow:
    """The row of one strategy or model."""
    return next(r for repo in board.repos for r in repo.rows if r.name == name)


# -- the example desk -------------------------------------------------------------------------


def audits(text: str) -> list[tuple[str, ...]]:
    """The audit log's rows as (id, strategy, version, release, date, verdict)."""
    log = parse_audit_log(text, shown_as="audit_log.md")
    columns = ("Strategy", "Version", "Release", "Date", "Verdict")
    return [(r.audit_id, *(log.field(r, c) for c in columns)) for r in log.rows]


def test_the_fixture_carries_the_example_desks_own_policy_and_audits() -> None:
    files = fixture_data()["repositories"][0]["files"]
    assert files[POLICY_PATH] == (DESK / POLICY_PATH).read_text(encoding="utf-8")
    log = "docs/audits/audit_log.md"
    assert audits(files[log]) == audits((DESK / log).read_text(encoding="utf-8"))


def test_every_strategy_and_model_of_the_audit_logs_has_a_row(board: Board) -> None:
    names = [[r.name for r in repo.rows] for repo in board.repos]
    assert names == [
        ["ICT_QM", "REGIME_FILTER", "SESSION_BREAKOUT"],
        ["FILL_PREDICTOR", "SLIPPAGE_MODEL"],
    ]


def test_live_is_the_newest_release_at_a_live_stage_with_its_size(board: Board) -> None:
    ict = row(board, "ICT_QM")
    assert (ict.live_version, ict.live_tag, ict.live_percent) == ("2.1.0", "v1.2.3", "25%")
    # The hotfix went to full size at once and replaced v2.0.0's 50%.
    fill = row(board, "FILL_PREDICTOR")
    assert (fill.live_tag, fill.live_percent) == ("v2.0.1-hotfix", "100%")


def test_the_next_decision_is_the_controllers_due_time_with_what_it_needs(board: Board) -> None:
    rollout = row(board, "ICT_QM").rollout
    assert rollout is not None
    # Day 7 is 01-23 09:00, but live-25 started 30 min late and soaks 72 h: 09:30.
    assert rollout.next_stage == "live-50"
    assert rollout.next_at == dt.datetime(2024, 1, 23, 9, 30, tzinfo=dt.UTC)
    assert any(n.startswith("days 4-6: stable") for n in rollout.needs)
    assert rollout.last is not None
    assert rollout.last.kind == "hold"
    assert rollout.last.rules == ("RLT002",)


def test_audit_expiry_counts_days_from_the_audit_date(board: Board) -> None:
    audit = row(board, "ICT_QM").audit
    assert audit is not None
    assert (audit.audit_id, audit.expires, audit.days_left) == (
        "AUD-2024-01-15-001",
        dt.date(2024, 2, 14),
        23,
    )
    expired = row(board, "SLIPPAGE_MODEL").audit
    assert expired is not None
    assert expired.days_left == -3


def test_a_release_pr_shows_on_the_rows_whose_source_it_changes(board: Board) -> None:
    assert [p.number for p in row(board, "SESSION_BREAKOUT").pulls] == [58]
    assert row(board, "ICT_QM").pulls == ()
    assert row(board, "SESSION_BREAKOUT").pulls[0].signoff == "failure"


def test_hotfix_debt_has_its_deadlines_and_what_is_overdue(board: Board) -> None:
    debt = board.repos[1].hotfix_debt
    assert [(d.owes, d.overdue, round(d.hours)) for d in debt] == [
        ("post-mortem", True, 3),
        ("proper release", False, 21),
    ]
    assert board.repos[0].hotfix_debt == ()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda repo: repo["issues"].append(
                {"number": 15, "title": "Post-mortem: v2.0.1-hotfix stale quotes",
                 "url": "https://github.com/acme/execution-models/issues/15", "state": "open",
                 "labels": ["postmortem"]}
            ),
            id="post-mortem-issue-without-a-date",
        ),
        pytest.param(
            lambda repo: repo["files"].update(
                {"docs/postmortems/2024-01-22-v2.0.1-hotfix.md": "# Post-mortem\n"}
            ),
            id="post-mortem-file",
        ),
    ],
)  # fmt: skip
def test_a_post_mortem_on_the_default_branch_clears_that_debt(
    tmp_path: Path, change: Callable[[Any], Any]
) -> None:
    data = fixture_data()
    change(data["repositories"][1])
    debt = build(data, tmp_path).repos[1].hotfix_debt
    assert [d.owes for d in debt] == ["proper release"]


def test_an_incident_naming_a_unit_is_on_that_units_row_only(board: Board) -> None:
    assert [i.title[:3] for i in row(board, "FILL_PREDICTOR").incidents] == ["#12"]
    assert row(board, "SLIPPAGE_MODEL").incidents == ()
    # A closed incident about an older release (v1.2.2) is history, not the row's state.
    assert row(board, "ICT_QM").incidents == ()


def test_the_rollback_of_v122_is_on_its_timeline(board: Board) -> None:
    rollouts = {r.tag: r for r in board.repos[0].rollouts}
    assert list(rollouts) == ["v1.2.3", "v1.2.2", "v1.2.1"]
    timeline = rollouts["v1.2.2"].timeline
    assert timeline is not None
    assert [m.kind for m in timeline.markers] == ["rollback", "rolled-back"]
    assert rollouts["v1.2.2"].status == "rolled-back"
    assert rollouts["v1.2.2"].next_at is None


def test_the_calendars_freeze_windows_are_shaded_on_the_timeline(board: Board) -> None:
    hotfix = board.repos[1].rollouts[0].timeline
    assert hotfix is not None
    # Deployed on Sunday 12:20 inside the weekend freeze, which ends at midnight.
    assert [(f.start, f.end) for f in hotfix.freezes] == [
        (dt.datetime(2024, 1, 21, 12, 20, tzinfo=dt.UTC), dt.datetime(2024, 1, 22, tzinfo=dt.UTC))
    ]
    html = render_page(board)
    assert '<rect class="freeze"' in html
    assert "<title>no weekend changes (weekly sat,sun 00:00-24:00)</title>" in html
    assert '<th scope="row">freeze</th>' in html
    # The desk's own policy has no calendar: no band on its timelines.
    assert all(r.timeline is None or r.timeline.freezes == () for r in board.repos[0].rollouts)


def test_back_to_back_freeze_days_are_one_band(tmp_path: Path) -> None:
    data = fixture_data()
    files = data["repositories"][0]["files"]
    files[POLICY_PATH] += (
        "calendar:\n  weekly:\n"
        '    - {days: [sat, sun], from: "00:00", to: "24:00", reason: no weekend changes}\n'
    )
    timeline = build(data, tmp_path).repos[0].rollouts[0].timeline
    assert timeline is not None
    # Two weekends before the plan ends (day 14 is Tue 01-30), each one band, not two days.
    assert [(f.start.day, f.end.day) for f in timeline.freezes] == [(20, 22), (27, 29)]


def test_a_promotion_due_inside_a_freeze_is_shown_when_the_calendar_lets_it_go(
    tmp_path: Path,
) -> None:
    data = fixture_data()
    files = data["repositories"][0]["files"]
    files[POLICY_PATH] += (
        "calendar:\n  weekly:\n"
        '    - {days: [tue], from: "09:00", to: "11:00", reason: risk committee}\n'
    )
    rollout = row(build(data, tmp_path), "ICT_QM").rollout
    assert rollout is not None
    # Due by the clock at 09:30 on Tuesday, inside the freeze: it may go at 11:00.
    assert rollout.next_at == dt.datetime(2024, 1, 23, 11, 0, tzinfo=dt.UTC)
    assert rollout.needs[0] == (
        "the calendar holds it when it is due by the clock: risk committee (weekly tue 09:00-11:00)"
    )


def test_a_missing_event_list_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = fixture_data()
    files = data["repositories"][1]["files"]
    files[POLICY_PATH] += "  events: {file: docs/calendar/events.yml}\n"
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["--fixture", str(path)]) == 2
    assert "docs/calendar/events.yml does not exist" in capsys.readouterr().out


def test_a_paused_rollout_needs_a_person(tmp_path: Path) -> None:
    data = fixture_data()
    live = data["repositories"][0]["deployments"][5]
    live["events"].append(
        {"at": "2024-01-22T14:30:00Z", "kind": "pause", "stage": "live-25", "size": 0.25,
         "rules": ["RLT011"], "note": "unexpected losses"}
    )  # fmt: skip
    rollout = row(build(data, tmp_path), "ICT_QM").rollout
    assert rollout is not None
    assert rollout.status == "paused"
    assert rollout.needs == (
        "a person resumes the rollout after review (releasekit rollout resume)",
    )


# -- the page ----------------------------------------------------------------------------------

RESOURCE = re.compile(
    r"""(?:\bsrc\s*=|<link\b|<script\b|@import|url\(|<iframe|<object|<embed)""", re.IGNORECASE
)


def test_the_page_is_self_contained_and_forbids_every_request(board: Board) -> None:
    html = render_page(board)
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in html
    assert "default-src 'none'" in CSP
    assert RESOURCE.search(html) is None
    # Every http(s) URL on the page is a link target, never a resource.
    urls = re.findall(r"""https?://[^\s"'<>]+""", html)
    hrefs = re.findall(r'href="(https?://[^"]+)"', html)
    assert urls
    assert sorted(urls) == sorted(hrefs)


def test_every_row_is_a_table_row_with_a_header_cell_and_the_table_a_caption(board: Board) -> None:
    html = render_page(board)
    for name in ("ICT_QM", "REGIME_FILTER", "SESSION_BREAKOUT", "FILL_PREDICTOR"):
        assert f'<tr class="unit"><th scope="row">{name}</th>' in html
    assert html.count("<caption>Strategies and models of") == 2
    assert "@media (prefers-color-scheme:dark)" in html
    assert "@media print" in html


def test_each_chart_has_a_title_a_description_and_a_table_of_the_same_facts(board: Board) -> None:
    html = render_page(board)
    svgs = re.findall(r'<svg class="timeline"[^>]*aria-labelledby="([^"]+)"', html)
    assert len(svgs) == 4  # v1.2.3, v1.2.2, v1.2.1 and the hotfix
    for labels in svgs:
        title, desc = labels.split()
        assert f'<title id="{title}">' in html
        assert f'<desc id="{desc}">' in html
    assert html.count('<table class="timeline-text">') == 4
    assert "<caption>Rollout of v1.2.2: plan and actual (text)</caption>" in html
    assert "rolled back" in html
    assert "Thu 2024-01-11 15:05 UTC" in html


def test_hostile_text_is_escaped_and_only_http_links_are_made(tmp_path: Path) -> None:
    data = fixture_data()
    pull = data["repositories"][0]["pulls"][0]
    pull["title"] = '<img src=x onerror="alert(1)">'
    pull["url"] = "javascript:alert(1)"
    html = render_page(build(data, tmp_path))
    assert "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "javascript:" not in html  # not a link, and a URL is never shown as text


def test_board_json_has_the_same_rows_and_times_in_utc(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert main(["--fixture", str(FIXTURE), "--out", str(out), "--format", "json"]) == 0
    data = json.loads((out / "board.json").read_text(encoding="utf-8"))
    html = (out / "index.html").read_text(encoding="utf-8")
    assert data["schema"] == "releasekit.board/1"
    assert data["source"] == "fixture"
    rows = [r["name"] for repo in data["repos"] for r in repo["rows"]]
    assert rows == re.findall(r'<tr class="unit"><th scope="row">([^<]+)</th>', html)
    ict = data["repos"][0]["rows"][0]
    assert ict["rollout"]["next_at"] == "2024-01-23T09:30:00Z"
    assert ict["audit"]["expires"] == "2024-02-14"
    assert "offline fixture" in html


# -- time zone ---------------------------------------------------------------------------------


def test_times_are_shown_in_the_policys_time_zone(tmp_path: Path) -> None:
    data = fixture_data()
    files = data["repositories"][0]["files"]
    files[POLICY_PATH] = "timezone: America/New_York\n" + files[POLICY_PATH]
    try:
        parse_policy(files[POLICY_PATH], shown_as="policy")
    except InputError:
        pytest.skip("this releasekit's policy has no timezone key yet")
    board = build(data, tmp_path)
    html = render_page(board)
    assert board.repos[0].timezone == "America/New_York"
    # live-50 is due 09:30 UTC: 04:30 in New York (EST); the other repository stays in UTC.
    assert "Tue 2024-01-23 04:30 EST" in html
    assert "times in America/New_York" in html
    assert board.repos[1].timezone == "UTC"


def test_without_a_timezone_key_the_board_is_in_utc() -> None:
    assert board_timezone(default_policy()) == "UTC"


# -- reads and bad input --------------------------------------------------------------------------


def test_superseded_rollouts_are_not_read(tmp_path: Path) -> None:
    """Events are read newest version first, up to the newest one that reached full size."""
    data = fixture_data()
    # An older release, listed first (deployment id 1): v1.2.1 reached 100% after it.
    older = copy.deepcopy(data["repositories"][0]["deployments"][0])
    older["version"] = "1.2.0"
    data["repositories"][0]["deployments"].insert(0, older)
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    sources, now = load_fixture(path, shown_as="f")
    desk = sources[0]
    read: list[int] = []
    original: Callable[[int], Any] = desk.rollout_events

    def spy(deployment_id: int) -> Any:
        read.append(deployment_id)
        return original(deployment_id)

    desk.rollout_events = spy  # type: ignore[method-assign]
    _, site = build_site(BoardRequest(now or NOW), [desk, sources[1]])
    versions = [r.version for r in site.board.repos[0].rollouts]
    assert versions == ["1.2.3", "1.2.2", "1.2.1"]
    assert read
    assert 1 not in read


def test_a_stage_the_plan_does_not_have_is_a_warning_not_a_guess(tmp_path: Path) -> None:
    data = fixture_data()
    data["repositories"][0]["deployments"][5]["events"][0]["stage"] = "live-33"
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    sources, now = load_fixture(path, shown_as="f")
    report, site = build_site(BoardRequest(now or NOW), sources)
    assert [f.rule for f in report.findings if f.level == "warning"] == ["BRD001"]
    rollout = row(site.board, "ICT_QM").rollout
    assert rollout is not None
    assert rollout.next_at is None
    assert rollout.needs == ("stage live-33 is not in the policy's plan",)
    assert report.exit_code == 0


def test_no_audit_log_is_a_warning_and_no_rows(tmp_path: Path) -> None:
    data = fixture_data()
    del data["repositories"][1]["files"]["docs/audits/audit_log.md"]
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    sources, now = load_fixture(path, shown_as="f")
    report, site = build_site(BoardRequest(now or NOW), sources)
    assert [f.rule for f in report.findings if f.level == "warning"] == ["BRD002"]
    assert site.board.repos[1].rows == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(lambda d: d.update(schema="x/1"), "`schema`", id="wrong-schema"),
        pytest.param(
            lambda d: d["repositories"][0]["deployments"][0].update(environment="prod"),
            "`repositories.0.deployments.0.environment`",
            id="unknown-environment",
        ),
        pytest.param(
            lambda d: d["repositories"][0]["deployments"][0]["events"][0].update(kind="yolo"),
            "unknown kind 'yolo'",
            id="unknown-event-kind",
        ),
        pytest.param(
            lambda d: d["repositories"][0]["releases"][0].update(created_at="yesterday"),
            "not an ISO-8601 date-time",
            id="bad-time",
        ),
        pytest.param(lambda d: d.update(extra=1), "Additional properties", id="unknown-key"),
    ],
)
def test_a_malformed_fixture_is_exit_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: Callable[[Any], Any], message: str
) -> None:
    data = fixture_data()
    change(data)
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "site"
    assert main(["--fixture", str(path), "--out", str(out)]) == 2
    assert message in capsys.readouterr().out
    assert not out.exists()  # nothing half-written


def test_repository_and_fixture_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--fixture", str(FIXTURE), "--repository", "acme/desk"]) == 2
    assert "do not go together" in capsys.readouterr().out


def test_without_a_token_github_mode_is_exit_2_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["--repository", "acme/desk"], env={"GITHUB_REPOSITORY": "acme/desk"})
    assert code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_the_fixture_source_answers_only_for_its_default_branch() -> None:
    source = FixtureBoardSource(fixture_data()["repositories"][0], "f")
    assert source.file_at(POLICY_PATH, "main") is not None
    assert source.file_at(POLICY_PATH, "other") is None
    assert source.request_count == 2


def test_the_report_counts_the_reads_per_repository(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--fixture", str(FIXTURE), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "pass"
    assert report["data"]["rows"] == 5
    assert report["data"]["paths"] == []
    assert set(report["data"]["requests"]) == {"acme/trading-desk", "acme/execution-models"}


def test_a_repository_without_a_policy_gets_the_runbooks_defaults(tmp_path: Path) -> None:
    data = fixture_data()
    del data["repositories"][1]["files"][POLICY_PATH]
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    sources, now = load_fixture(path, shown_as="f")
    report, site = build_site(BoardRequest(now or NOW), sources)
    assert [f.rule for f in report.findings if f.rule == "POL001"] == ["POL001"]
    assert "the runbook's defaults apply" in render_page(site.board)
    # Without the calendar section, no freeze is drawn.
    timeline = site.board.repos[1].rollouts[0].timeline
    assert timeline is not None
    assert timeline.freezes == ()
