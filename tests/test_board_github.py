"""``releasekit board`` against the contract-checked fake GitHub, over real HTTP.

The board reads only releasekit's own deployment statuses and check runs (a forged
"rolled back" or a passing ``releasekit/signoff`` from another app changes nothing), stops
reading rollouts at the newest release that reached full size, and reports its requests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.board import BoardPort, BoardSource, connect
from releasekit.cli.board import Connector, main
from releasekit.core.rollout.controller import Event, encode_event
from support.board_seed import now_for, seed_desk
from support.github_api import FakeGitHub

REPO = "acme/desk"
OTHER = "acme/models"
TOKEN = "ghs_FAKEboardTOKEN000000000000000000000"
STRATEGIES = 3
RELEASES = 4


def connector(api: FakeGitHub) -> Connector:
    """A connector for ``releasekit board`` that talks to the fake without sleeping."""

    def factory(env: Mapping[str, str], runtime: Runtime) -> BoardSource:
        full = {**env, "GITHUB_API_URL": api.url, "GITHUB_TOKEN": TOKEN}
        return connect(full, runtime=runtime, sleep=lambda _: None, log=io.StringIO())

    return factory


def run(api: FakeGitHub, tmp_path: Path, *repos: str) -> tuple[int, Any, Any]:
    """Build the board of ``repos``; (exit code, board.json, the JSON report)."""
    out = tmp_path / "site"
    args = ["--out", str(out), "--format", "json", "--now", now_for(RELEASES).isoformat()]
    for repo in repos:
        args += ["--repository", repo]
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        code = main(args, connector=connector(api), env={})
    board = json.loads((out / "board.json").read_text()) if (out / "board.json").exists() else {}
    return code, board, json.loads(sink.getvalue())


@pytest.fixture
def api(github_api: FakeGitHub) -> FakeGitHub:
    """The fake with a desk of 3 strategies and 4 releases, the newest at live-25."""
    seed_desk(github_api, REPO, strategies=STRATEGIES, releases=RELEASES)
    return github_api


def test_the_board_shows_the_rollout_in_progress_and_what_is_live(
    api: FakeGitHub, tmp_path: Path
) -> None:
    code, board, report = run(api, tmp_path, REPO)
    assert code == 0
    rows = board["repos"][0]["rows"]
    assert [r["name"] for r in rows] == ["STRAT_00", "STRAT_01", "STRAT_02"]
    first = rows[0]
    assert (first["live_version"], first["live_tag"], first["live_percent"]) == (
        "1.0.3",
        "v1.3.0",
        "25%",
    )
    assert first["rollout"]["next_stage"] == "live-50"
    assert first["rollout"]["evidence"][0]["url"].endswith(
        "/releases/download/v1.3.0/evidence.json"
    )
    assert [i["title"][:3] for i in first["incidents"]] == ["#1 "]
    assert [p["signoff"] for p in rows[1]["pulls"]] == ["failure"]
    assert rows[0]["pulls"] == []
    assert report["data"]["requests"][REPO] == len(api.requests)


def test_rollouts_older_than_the_newest_full_size_release_are_not_read(
    api: FakeGitHub, tmp_path: Path
) -> None:
    run(api, tmp_path, REPO)
    status_reads = [r for r in api.requests if r.operation_id == "repos/list-deployment-statuses"]
    # v1.3.0 (paper and live) and v1.2.0 (paper and live, at 100%): 4, not 8.
    assert len(status_reads) == 4


def test_a_status_forged_by_another_account_changes_nothing(
    api: FakeGitHub, tmp_path: Path
) -> None:
    live = next(
        d
        for d in api.repo(REPO).deployments.values()
        if (d.ref, d.environment) == ("v1.3.0", "live")
    )
    api.set_viewer("mallory")
    # Newer than every real event: were it counted, the rollout would read "rolled-back".
    forged = Event(now_for(RELEASES), "rolled-back", "live-25", 0.25, ("RLT010",))
    api.add_deployment_status(REPO, live.id, state="success", description=encode_event(forged))
    api.set_viewer("github-actions[bot]")
    _, board, _ = run(api, tmp_path, REPO)
    assert board["repos"][0]["rows"][0]["rollout"]["status"] == "active"


def test_a_signoff_check_run_from_another_app_is_not_the_signoff(
    api: FakeGitHub, tmp_path: Path
) -> None:
    pr = next(iter(api.repo(REPO).pulls.values()))
    api.add_check_run(
        REPO, name="releasekit/signoff", head_sha=pr.head_sha, conclusion="success", app_slug="evil"
    )
    _, board, _ = run(api, tmp_path, REPO)
    assert board["repos"][0]["pulls"][0]["signoff"] == "failure"


def test_several_repositories_of_one_organisation(api: FakeGitHub, tmp_path: Path) -> None:
    seed_desk(api, OTHER, strategies=1, releases=2)
    code, board, report = run(api, tmp_path, REPO, OTHER)
    assert code == 0
    assert [r["repository"] for r in board["repos"]] == [REPO, OTHER]
    assert board["repos"][1]["rows"][0]["live_tag"] == "v1.1.0"
    assert set(report["data"]["requests"]) == {REPO, OTHER}


def test_an_unreadable_repository_is_exit_3_and_nothing_is_written(
    api: FakeGitHub, tmp_path: Path
) -> None:
    code, board, report = run(api, tmp_path, "acme/missing")
    assert code == 3
    assert board == {}
    assert report["verdict"] == "error"


def test_the_port_is_a_board_source(api: FakeGitHub) -> None:
    env = {"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": api.url, "GITHUB_TOKEN": TOKEN}
    port = connect(env, runtime=Runtime(False, io.StringIO(), env), log=io.StringIO())
    source: BoardSource = port
    assert isinstance(port, BoardPort)
    assert source.file_names("docs/audits", "main") == ["docs/audits/audit_log.md"]
    assert source.file_names("docs/postmortems", "main") == []
    port.close()


def test_hotfix_debt_from_releases_and_a_post_mortem_file(api: FakeGitHub, tmp_path: Path) -> None:
    now = now_for(RELEASES)
    tagged = (now - dt.timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    api.add_release(REPO, tag_name=f"v1.{RELEASES}.0-hotfix", created_at=tagged)
    api.set_file(REPO, f"docs/postmortems/v1.{RELEASES}.0-hotfix.md", "# Post-mortem\n")
    _, board, _ = run(api, tmp_path, REPO)
    debt = board["repos"][0]["hotfix_debt"]
    # The post-mortem file counts; the proper release (48 h) is due in 18 h.
    assert [(d["owes"], d["overdue"], round(d["hours"])) for d in debt] == [
        ("proper release", False, 18)
    ]
    listed = [r for r in api.requests if r.operation_id == "repos/get-content"]
    assert len(listed) == 3  # policy, audit log and the post-mortem directory
