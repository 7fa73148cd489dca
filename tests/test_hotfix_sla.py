"""Hotfix discipline: post-mortem within 24 h, proper release within 48 h, one debt issue."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.deployments import ReleaseOpsPort, connect
from releasekit.cli import hotfix_sla
from releasekit.core.rollout.hotfix import (
    DEBT_LABEL,
    Postmortem,
    Tag,
    evaluate_hotfixes,
    hotfix_debt,
    names_version,
)
from support.github_api import FakeGitHub

ROOT = Path(__file__).resolve().parents[1]
REPO = "desk/trading"
TOKEN = "ghs_FAKEinstallationTOKEN0123456789abcdef"
HOTFIX_AT = dt.datetime(2024, 1, 15, 10, 0, tzinfo=dt.UTC)
HOTFIX = Tag("v1.2.4-hotfix", HOTFIX_AT)
BASE = [
    Tag("v1.2.2", HOTFIX_AT - dt.timedelta(days=30)),
    Tag("v1.2.3", HOTFIX_AT - dt.timedelta(days=9)),
]


def hours(n: float) -> dt.datetime:
    """``n`` hours after the hotfix tag."""
    return HOTFIX_AT + dt.timedelta(hours=n)


def rules_of(findings: list[Any]) -> list[str]:
    """Rule ids, in order."""
    return [f.rule for f in findings]


PM = Postmortem("v1.2.4-hotfix", "docs/postmortems/2024-01-15-v1.2.4-hotfix.md", hours(12))
RELEASE = Tag("v1.2.4", hours(40))


@pytest.mark.parametrize(
    ("now", "postmortems", "extra_tags", "debt", "all_rules"),
    [
        pytest.param(hours(23), [], [], [], ["HFX003", "HFX004"], id="both-pending"),
        pytest.param(hours(24), [], [], ["HFX001"], ["HFX001", "HFX004"], id="postmortem-overdue"),
        pytest.param(hours(24), [PM], [], [], ["HFX004"], id="postmortem-written"),
        pytest.param(hours(48), [PM], [], ["HFX002"], ["HFX002"], id="release-overdue"),
        pytest.param(
            hours(60), [], [], ["HFX001", "HFX002"], ["HFX001", "HFX002"], id="both-overdue"
        ),
        pytest.param(hours(60), [PM], [RELEASE], [], ["HFX005"], id="settled"),
        pytest.param(
            hours(60), [PM], [Tag("v1.3.0", hours(47))], [], ["HFX005"], id="a-later-release-counts"
        ),
        pytest.param(
            hours(60),
            [PM],
            [Tag("v1.2.4-rc.1", hours(30))],
            ["HFX002"],
            ["HFX002"],
            id="a-pre-release-is-not-a-proper-release",
        ),
    ],
)
def test_hotfix_deadlines(
    now: dt.datetime,
    postmortems: list[Postmortem],
    extra_tags: list[Tag],
    debt: list[str],
    all_rules: list[str],
) -> None:
    tags = [*BASE, HOTFIX, *extra_tags]
    assert rules_of(hotfix_debt(tags, postmortems, now)) == debt
    assert rules_of(evaluate_hotfixes(tags, postmortems, now)) == all_rules
    assert all(f.level == "error" for f in hotfix_debt(tags, postmortems, now))


def test_no_hotfix_no_debt() -> None:
    assert hotfix_debt(BASE, [], hours(1000)) == []


def test_a_second_hotfix_has_its_own_deadlines() -> None:
    second = Tag("v1.2.4-hotfix.2", hours(30))
    tags = [*BASE, HOTFIX, second]
    findings = hotfix_debt(tags, [PM], hours(55))
    # The first hotfix has its post-mortem but no release; the second has neither yet, and
    # only its post-mortem is overdue (its 48 h run from its own tag).
    assert [(f.rule, f.message.split(" ")[0]) for f in findings] == [
        ("HFX002", "v1.2.4-hotfix"),
        ("HFX001", "v1.2.4-hotfix.2"),
    ]


def test_policy_deadlines_are_used() -> None:
    assert hotfix_debt([HOTFIX], [], hours(13), postmortem_hours=12, release_hours=100)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        pytest.param("2024-01-15-v1.2.4-hotfix.md", True, id="file-name-with-v"),
        pytest.param("postmortem 1.2.4-hotfix", True, id="text-without-v"),
        pytest.param("v1.2.4-hotfix.2.md", False, id="another-hotfix-number"),
        pytest.param("v11.2.4-hotfix.md", False, id="longer-major"),
        pytest.param("v1.2.4.md", False, id="the-release-not-the-hotfix"),
    ],
)
def test_a_postmortem_must_name_exactly_the_version(text: str, named: bool) -> None:
    assert names_version(text, "v1.2.4-hotfix") is named


# --- the CLI, offline ---------------------------------------------------------------------------


def tags_file(tmp_path: Path, *tags: Tag) -> Path:
    """A --tags file."""
    path = tmp_path / "tags.txt"
    lines = ["# tag time"] + [f"{t.name} {t.created_at.isoformat()}" for t in tags]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(tmp_path: Path, *args: str, **kw: Any) -> tuple[int, dict[str, Any]]:
    """``releasekit hotfix-sla`` in ``tmp_path``; exit code and JSON report."""
    report = tmp_path / "report.json"
    code = hotfix_sla.main([f"--repo={tmp_path}", f"--report-out={report}", *args], **kw)
    return code, json.loads(report.read_text(encoding="utf-8"))


def test_offline_overdue_is_exit_1(tmp_path: Path) -> None:
    tags = tags_file(tmp_path, *BASE, HOTFIX)
    code, report = run(tmp_path, f"--tags={tags}", f"--now={hours(25).isoformat()}")
    assert code == 1
    assert [f["rule"] for f in report["findings"] if f["level"] == "error"] == ["HFX001"]


def commit_postmortem(repo: Path, name: str, text: str, at: dt.datetime) -> None:
    """A post-mortem file landed on the default branch at ``at`` (a git repository in
    ``repo``, made on first use)."""
    if not (repo / ".git").exists():
        git(repo, "init", "--quiet", "-b", "main")
    (repo / "docs" / "postmortems").mkdir(parents=True, exist_ok=True)
    (repo / "docs" / "postmortems" / name).write_text(text, encoding="utf-8")
    git(repo, "add", f"docs/postmortems/{name}")
    git(repo, "commit", "--quiet", "-m", f"Post-mortem {name}", date=at.isoformat())


def test_offline_a_postmortem_file_clears_its_debt(tmp_path: Path) -> None:
    commit_postmortem(
        tmp_path,
        "2024-01-15-feed-outage.md",
        "# Post-mortem: feed outage\n\nHotfix v1.2.4-hotfix went live at 10:00.\n",
        hours(20),
    )
    tags = tags_file(tmp_path, *BASE, HOTFIX)
    code, report = run(tmp_path, f"--tags={tags}", f"--now={hours(25).isoformat()}")
    assert code == 0
    assert [f["rule"] for f in report["findings"]] == ["HFX004"]


def git(cwd: Path, *args: str, date: str | None = None) -> None:
    """git with a fixed identity (and committer/tagger date)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    if date:
        env["GIT_COMMITTER_DATE"] = env["GIT_AUTHOR_DATE"] = date
    subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, check=True)


def test_tags_and_their_dates_come_from_git(tmp_path: Path) -> None:
    git(tmp_path, "init", "--quiet", "-b", "main")
    git(tmp_path, "commit", "--quiet", "--allow-empty", "-m", "one", date="2024-01-06T10:00:00Z")
    git(tmp_path, "tag", "-a", "v1.2.3", "-m", "Release", date="2024-01-06T10:00:00Z")
    git(tmp_path, "tag", "-a", "v1.2.4-hotfix", "-m", "Hotfix", date=HOTFIX_AT.isoformat())
    code, report = run(tmp_path, f"--now={hours(49).isoformat()}")
    assert code == 1
    assert report["data"]["hotfixes"] == ["v1.2.4-hotfix"]
    assert "due 2024-01-16T10:00:00Z" in report["findings"][0]["message"]


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("v1.2.4-hotfix", id="no-time"),
        pytest.param("v1.2.4-hotfix 2024-01-15", id="no-time-zone"),
        pytest.param("v1.2.4-hotfix yesterday", id="not-a-time"),
    ],
)
def test_a_malformed_tags_file_is_exit_2(tmp_path: Path, line: str) -> None:
    path = tmp_path / "tags.txt"
    path.write_text(line + "\n", encoding="utf-8")
    code, report = run(tmp_path, f"--tags={path}", "--now=2024-01-20T00:00:00Z")
    assert code == 2
    assert report["problem"]["file"] is not None


# --- the one debt issue on GitHub ---------------------------------------------------------------


def env_for(api: FakeGitHub) -> dict[str, str]:
    """The fake GitHub as the job's environment."""
    return {"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": api.url, "GITHUB_TOKEN": TOKEN}


def connector(env: Any, runtime: Runtime) -> ReleaseOpsPort:
    """The real adapter, no write spacing."""
    return connect(env, runtime=runtime, seconds_between_writes=None, log=io.StringIO())


@pytest.fixture
def api(github_api: FakeGitHub) -> FakeGitHub:
    """The fake with the desk's repository."""
    github_api.add_repo(REPO)
    return github_api


def github_run(api: FakeGitHub, tmp_path: Path, now: dt.datetime) -> tuple[int, dict[str, Any]]:
    """hotfix-sla --github at ``now``."""
    tags = tags_file(tmp_path, *BASE, HOTFIX)
    return run(
        tmp_path,
        f"--tags={tags}",
        f"--now={now.isoformat()}",
        "--github",
        connector=connector,
        env=env_for(api),
    )


def test_overdue_debt_opens_one_issue_and_updates_it(api: FakeGitHub, tmp_path: Path) -> None:
    assert github_run(api, tmp_path, hours(30))[0] == 1
    assert github_run(api, tmp_path, hours(30))[0] == 1  # the same: no write at all
    writes = len(api.writes())
    assert writes == 1
    assert github_run(api, tmp_path, hours(50))[0] == 1  # more debt: the same issue, updated
    issues = list(api.repo(REPO).issues.values())
    assert len(issues) == 1
    assert issues[0].labels == [DEBT_LABEL]
    assert issues[0].title == "Hotfix debt: 2 overdue items"
    assert "HFX002" in (issues[0].body or "")
    assert [w.method for w in api.writes()] == ["POST", "PATCH"]


def test_cleared_debt_closes_the_issue(api: FakeGitHub, tmp_path: Path) -> None:
    assert github_run(api, tmp_path, hours(30))[0] == 1
    commit_postmortem(tmp_path, "v1.2.4-hotfix.md", "# Post-mortem\n", hours(23))
    assert github_run(api, tmp_path, hours(31))[0] == 0
    (issue,) = api.repo(REPO).issues.values()
    assert issue.state == "closed"


def test_nothing_overdue_and_no_issue_writes_nothing(api: FakeGitHub, tmp_path: Path) -> None:
    assert github_run(api, tmp_path, hours(2))[0] == 0
    assert api.writes() == []


def test_a_labelled_postmortem_issue_counts(api: FakeGitHub, tmp_path: Path) -> None:
    api.add_issue(REPO, title="Post-mortem v1.2.4-hotfix: feed outage", labels=["postmortem"])
    code, report = github_run(api, tmp_path, hours(30))
    assert code == 0
    assert [f["rule"] for f in report["findings"]] == ["HFX004"]


def test_a_policy_counting_only_files_ignores_issues(api: FakeGitHub, tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "release-policy.yml").write_text(
        yaml.safe_dump({"version": 1, "rollout": {"hotfix": {"postmortem": "file"}}})
    )
    api.add_issue(REPO, title="Post-mortem v1.2.4-hotfix", labels=["postmortem"])
    assert github_run(api, tmp_path, hours(30))[0] == 1


def test_the_workflow_reads_tags_and_writes_only_issues() -> None:
    doc = yaml.safe_load((ROOT / ".github" / "workflows" / "hotfix-sla.yml").read_text())
    sla = doc["jobs"]["sla"]
    assert sla["permissions"] == {"contents": "read", "issues": "write"}
    checkout = sla["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0  # the tags and their dates
    assert sla["steps"][-1]["with"]["command"] == "hotfix-sla"
    assert "workflow_call" in doc[True]
