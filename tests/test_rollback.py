"""Rollback end to end against the loopback GitHub, with fake kill-switch, deploy and verify
commands (tests/fixtures/rollout/*.py record their argv); the founders-only kill-switch
release; zero side effects on invalid input; and rollback.yml's input checks.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.deployments import TASK, ReleaseOpsPort, connect
from releasekit.cli import rollback as rollback_cli
from releasekit.core.rollout.controller import Event, encode_event
from releasekit.core.rollout.rollback import (
    INCIDENT_TEMPLATE,
    Deployed,
    check_reason,
    plan_rollback,
    stable_target,
    verify_output_names,
)
from releasekit.errors import InputError
from support.github_api import FakeGitHub

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "rollout"
WORKFLOW = ROOT / ".github" / "workflows" / "rollback.yml"
REPO = "desk/trading"
TOKEN = "ghs_FAKEinstallationTOKEN0123456789abcdef"
T0 = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)
NOW = dt.datetime(2024, 1, 20, 14, 30, tzinfo=dt.UTC)
FOREIGN_SHA = "0123456789abcdef0123456789abcdef01234567"


def fixture(name: str, *args: str) -> list[str]:
    """argv of one fake command."""
    return [sys.executable, str(FIXTURES / f"{name}.py"), *args]


POLICY: dict[str, Any] = {
    "version": 1,
    "rollout": {
        "commands": {
            "kill_switch_activate": fixture("kill_switch", "--activate", "--reason", "{reason}"),
            "kill_switch_deactivate": fixture(
                "kill_switch", "--deactivate", "--authorized-by={authorized_by}"
            ),
            "deploy": fixture("deploy", "{tag}", "--env", "{environment}", "--size", "{size}"),
            "verify": fixture("verify", "--version={tag}"),
        }
    },
    "roles": {"founder": {"logins": ["alice"], "teams": ["desk/founders"]}},
}


def git(cwd: Path, *args: str) -> str:
    """git with a fixed identity; its stdout."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """A checkout of the desk's repository: the policy, and tags v1.2.2 and v1.2.3."""
    work = tmp_path / "desk"
    work.mkdir()
    git(work, "init", "--quiet", "-b", "main")
    (work / ".github").mkdir()
    (work / ".github" / "release-policy.yml").write_text(yaml.safe_dump(POLICY), encoding="utf-8")
    (work / "VERSION").write_text("1.2.2\n", encoding="utf-8")
    git(work, "add", ".")
    git(work, "commit", "--quiet", "-m", "Release v1.2.2")
    git(work, "tag", "-a", "v1.2.2", "-m", "Release v1.2.2")
    (work / "VERSION").write_text("1.2.3\n", encoding="utf-8")
    git(work, "commit", "--quiet", "-am", "Release v1.2.3")
    git(work, "tag", "-a", "v1.2.3", "-m", "Release v1.2.3")
    return work


def ours(api: FakeGitHub, tag: str, environment: str, *events: Event) -> None:
    """Seed releasekit's deployment of ``tag`` with ``events`` as its statuses."""
    dep = api.add_deployment(REPO, ref=tag, environment=environment, task=TASK)
    for ev in events:
        api.add_deployment_status(REPO, dep.id, state="success", description=encode_event(ev))


@pytest.fixture
def api(github_api: FakeGitHub, desk: Path) -> FakeGitHub:
    """GitHub with the desk's tags (as the checkout has them) and the rollout history:
    v1.2.2 reached 100% live; v1.2.3 is at 25% live."""
    github_api.add_repo(REPO)
    for tag in ("v1.2.2", "v1.2.3"):
        github_api.set_ref(REPO, f"tags/{tag}", git(desk, "rev-parse", f"refs/tags/{tag}"))
    day = dt.timedelta(days=1)
    ours(github_api, "v1.2.2", "paper", Event(T0, "promote", "paper", 1.0, ("RLT001",)))
    ours(
        github_api,
        "v1.2.2",
        "live",
        Event(T0 + 4 * day, "promote", "live-25", 0.25, ("RLT001",)),
        Event(T0 + 14 * day, "promote", "live-100", 1.0, ("RLT001",)),
    )
    ours(github_api, "v1.2.3", "paper", Event(T0 + 15 * day, "promote", "paper", 1.0, ("RLT001",)))
    ours(
        github_api, "v1.2.3", "live", Event(T0 + 19 * day, "promote", "live-25", 0.25, ("RLT001",))
    )
    github_api.set_file(REPO, ".github/release-policy.yml", yaml.safe_dump(POLICY), ref="main")
    return github_api


def env_for(api: FakeGitHub, log: Path, **extra: str) -> dict[str, str]:
    """The job's environment: the fake GitHub, and where the fake commands log."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    return {
        **inherited,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": api.url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "99",
        "ROLLOUT_LOG": str(log),
        **extra,
    }


def connector(env: Any, runtime: Runtime) -> ReleaseOpsPort:
    """The real adapter, no write spacing, no real waits."""
    return connect(
        env, runtime=runtime, seconds_between_writes=None, sleep=lambda _s: None, log=io.StringIO()
    )


class Clock:
    """An injected clock: one minute per reading."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=1)
        return self.now


def run(
    api: FakeGitHub, desk: Path, log: Path, *args: str, **env: str
) -> tuple[int, dict[str, Any]]:
    """``releasekit rollback ARGS`` against the fake; exit code and the JSON report."""
    report = log.parent / "report.json"
    code = rollback_cli.main(
        [f"--repo={desk}", f"--report-out={report}", *args],
        connector=connector,
        clock=Clock(),
        env=env_for(api, log, **env),
    )
    data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return code, data


def calls(log: Path) -> list[dict[str, Any]]:
    """What the fake commands recorded."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def statuses(api: FakeGitHub, tag: str) -> dict[str, list[tuple[str, str]]]:
    """Per environment, the (state, description) of every status of ``tag``'s deployments."""
    out: dict[str, list[tuple[str, str]]] = {}
    for dep in api.repo(REPO).deployments.values():
        if dep.ref == tag:
            out[dep.environment] = [(s.state, s.description) for s in dep.statuses]
    return out


ROLLBACK = ("run", "--version=v1.2.3", "--reason=5 live errors in 1 h", "--condition=live-errors")


# --- end to end -----------------------------------------------------------------------------


def test_rollback_end_to_end(api: FakeGitHub, desk: Path, tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    metrics = tmp_path / "metrics.json"
    metrics.write_text(
        json.dumps(
            {
                "schema": "releasekit.rollout-metrics/1",
                "period": {"start": "2024-01-20T09:00:00Z", "end": "2024-01-20T14:00:00Z"},
                "live_errors": 5,
            }
        ),
        encoding="utf-8",
    )
    code, report = run(api, desk, log, *ROLLBACK, f"--metrics={metrics}")
    assert code == 0, report
    done = calls(log)
    # Runbook order: kill switch, then deploy the previous stable version, then verify.
    assert [c["name"] for c in done] == ["kill-switch", "deploy", "verify"]
    assert done[0]["argv"] == ["--activate", "--reason", "5 live errors in 1 h"]
    assert done[0]["cwd"] == str(desk)
    assert done[1]["argv"] == ["v1.2.2", "--env", "live", "--size", "1"]
    # The deploy ran in a checkout of the target tag, not in the default branch's checkout.
    worktree = Path(done[1]["cwd"])
    assert worktree != desk
    assert not worktree.exists()  # removed afterwards
    assert git(desk, "worktree", "list").count("\n") == 0
    assert not any(c["saw_token"] for c in done)
    assert report["data"]["target"] == "v1.2.2"
    assert report["data"]["target_source"] == "history"
    assert [s["step"] for s in report["data"]["steps"]] == [
        "kill-switch",
        "checkout",
        "deploy",
        "verify",
        "record",
    ]
    # The record: the target is live at 100%, the failing version's deployments inactive.
    target_live = statuses(api, "v1.2.2")["live"]
    assert target_live[-1][0] == "success"
    assert target_live[-1][1].startswith("rk1 20240120T")
    assert " promote live-100 100% RBK001 " in target_live[-1][1]
    failing = statuses(api, "v1.2.3")
    assert failing["paper"][-1][0] == "inactive"
    assert failing["live"][-1][0] == "inactive"
    assert "rolled-back" in failing["live"][-1][1]
    # Exactly what is live at what size: the failing version at 0% everywhere.
    assert " rolled-back live-25 0% " in failing["live"][-1][1]
    assert " 0% " in failing["paper"][-1][1]
    # The incident record.
    (issue,) = api.repo(REPO).issues.values()
    assert issue.title == "Incident: v1.2.3 rolled back to v1.2.2 (live-errors)"
    assert issue.labels == ["incident"]
    body = issue.body or ""
    assert body.startswith("<!-- releasekit:incident v1.2.3 -->")
    assert "docs/runbooks/incident_response.md" in body
    assert "| Outcome | rolled back; kill switch active |" in body
    assert '"live_errors": 5' in body
    assert "| kill-switch | ok" in body
    assert "https://github.com/desk/trading/actions/runs/99" in body


def test_a_rerun_updates_the_one_incident_issue(
    api: FakeGitHub, desk: Path, tmp_path: Path
) -> None:
    log = tmp_path / "calls.jsonl"
    assert run(api, desk, log, *ROLLBACK, FAKE_DEPLOY_EXIT="7")[0] == 1
    assert run(api, desk, log, *ROLLBACK)[0] == 0
    assert len(api.repo(REPO).issues) == 1


def test_a_rerun_after_a_completed_rollback_runs_nothing(
    api: FakeGitHub, desk: Path, tmp_path: Path
) -> None:
    log = tmp_path / "calls.jsonl"
    assert run(api, desk, log, *ROLLBACK)[0] == 0
    done = len(calls(log))
    writes = len(api.writes())
    code, report = run(api, desk, log, *ROLLBACK)
    assert code == 2
    assert "already rolled back" in report["problem"]["message"]
    assert len(calls(log)) == done
    assert len(api.writes()) == writes


def test_an_explicit_target_is_used(api: FakeGitHub, desk: Path, tmp_path: Path) -> None:
    git(desk, "tag", "v1.2.1", "v1.2.2^{commit}")
    api.set_ref(REPO, "tags/v1.2.1", git(desk, "rev-parse", "refs/tags/v1.2.1"))
    full = Event(T0 - dt.timedelta(days=20), "promote", "live-100", 1.0, ("RLT001",))
    ours(api, "v1.2.1", "live", full)
    log = tmp_path / "calls.jsonl"
    code, report = run(api, desk, log, *ROLLBACK, "--target=1.2.1")
    assert code == 0, report
    assert report["data"]["target_source"] == "input"
    assert calls(log)[1]["argv"][0] == "v1.2.1"


def test_a_target_that_was_never_live_at_full_size_is_refused_before_anything_runs(
    api: FakeGitHub, desk: Path, tmp_path: Path
) -> None:
    git(desk, "tag", "v1.2.1", "v1.2.2^{commit}")
    api.set_ref(REPO, "tags/v1.2.1", git(desk, "rev-parse", "refs/tags/v1.2.1"))
    log = tmp_path / "calls.jsonl"
    code, report = run(api, desk, log, *ROLLBACK, "--target=v1.2.1")
    assert code == 2
    assert "is not a stable version" in report["problem"]["message"]
    assert "v1.2.2" in report["problem"]["hint"]
    assert calls(log) == []
    assert api.writes() == []


def test_a_failing_kill_switch_stops_the_rollback_but_the_incident_is_recorded(
    api: FakeGitHub, desk: Path, tmp_path: Path
) -> None:
    log = tmp_path / "calls.jsonl"
    code, report = run(api, desk, log, *ROLLBACK, FAKE_KILL_SWITCH_EXIT="1")
    assert code == 1
    assert [c["name"] for c in calls(log)] == ["kill-switch"]
    assert [f["rule"] for f in report["findings"] if f["level"] == "error"] == ["RBK002"]
    assert all(s[0] == "success" for s in statuses(api, "v1.2.3")["live"])
    (issue,) = api.repo(REPO).issues.values()
    assert "| Outcome | incomplete: kill-switch failed |" in (issue.body or "")


def test_a_failing_deploy_stops_before_verification_and_records_nothing(
    api: FakeGitHub, desk: Path, tmp_path: Path
) -> None:
    log = tmp_path / "calls.jsonl"
    code, report = run(api, desk, log, *ROLLBACK, FAKE_DEPLOY_EXIT="7")
    assert code == 1
    assert [c["name"] for c in calls(log)] == ["kill-switch", "deploy"]
    assert [f["rule"] for f in report["findings"] if f["level"] == "error"] == ["RBK003"]
    assert statuses(api, "v1.2.3")["live"][-1][0] == "success"
    (issue,) = api.repo(REPO).issues.values()
    assert "| Outcome | incomplete: deploy failed |" in (issue.body or "")


def test_verify_must_report_the_target_version(api: FakeGitHub, desk: Path, tmp_path: Path) -> None:
    bad_verify = {**POLICY}
    bad_verify["rollout"] = {
        "commands": {**POLICY["rollout"]["commands"], "verify": fixture("kill_switch")}
    }
    (desk / ".github" / "release-policy.yml").write_text(yaml.safe_dump(bad_verify))
    log = tmp_path / "calls.jsonl"
    code, report = run(api, desk, log, *ROLLBACK)
    assert code == 1
    assert [f["rule"] for f in report["findings"] if f["level"] == "error"] == ["RBK004"]
    # Not verified, so not recorded: the failing version is still the live one on GitHub.
    assert statuses(api, "v1.2.3")["live"][-1][0] == "success"


@pytest.mark.parametrize(
    ("output", "tag", "named"),
    [
        pytest.param("deployed version: v1.2.2", "v1.2.2", True, id="with-v"),
        pytest.param("running 1.2.2 since 10:00", "v1.2.2", True, id="without-v"),
        pytest.param("deployed version: v1.2.20", "v1.2.2", False, id="longer-number"),
        pytest.param("deployed version: v11.2.2", "v1.2.2", False, id="longer-major"),
        pytest.param("v1.2.2-hotfix", "v1.2.2", False, id="hotfix-is-another-version"),
        pytest.param("v1.2.4-hotfix.2", "v1.2.4-hotfix", False, id="hotfix-number"),
        pytest.param("", "v1.2.2", False, id="nothing"),
    ],
)
def test_verify_output_must_name_exactly_the_version(output: str, tag: str, named: bool) -> None:
    assert verify_output_names(output, tag) is named


def test_plan_changes_nothing(api: FakeGitHub, desk: Path, tmp_path: Path) -> None:
    log = tmp_path / "calls.jsonl"
    code, report = run(api, desk, log, "plan", *ROLLBACK[1:])
    assert code == 0
    assert report["data"]["target"] == "v1.2.2"
    assert api.writes() == []
    assert calls(log) == []


# --- invalid input: refused before any side effect -------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(("--version=1.2; rm -rf ~",), "not a release tag", id="injection"),
        pytest.param(("--version=../",), "not a release tag", id="traversal"),
        pytest.param((f"--version={FOREIGN_SHA}",), "not a release tag", id="foreign-sha"),
        pytest.param(("--version=v9.9.9",), "is not a tag of", id="tag-does-not-exist"),
        pytest.param(("--target=../../etc/passwd",), "not a release tag", id="target-traversal"),
        pytest.param(("--target=v0.0.1",), "is not a tag of", id="target-does-not-exist"),
        pytest.param(("--target=main",), "not a release tag", id="target-branch"),
        pytest.param(("--reason=line one\nline two",), "line break", id="reason-newline"),
        pytest.param(("--reason=" + "x" * 201,), "over 200", id="reason-too-long"),
        pytest.param(("--reason=  ",), "reason is empty", id="reason-empty"),
        pytest.param(("--condition=because",), "not one of the runbook", id="condition"),
        pytest.param(("--version=v1.2.3", "--target=v1.2.3"), "is the failing", id="same"),
    ],
)
def test_invalid_input_makes_no_write_and_runs_nothing(
    api: FakeGitHub, desk: Path, tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    log = tmp_path / "calls.jsonl"
    argv = dict(a.split("=", 1) for a in ROLLBACK[1:])
    argv.update(dict(a.split("=", 1) for a in args))
    code, report = run(api, desk, log, "run", *(f"{k}={v}" for k, v in argv.items()))
    assert code == 2
    assert words in report["problem"]["message"]
    assert api.writes() == []
    assert calls(log) == []


def test_no_stable_version_in_the_history_is_bad_input(
    api: FakeGitHub, desk: Path, tmp_path: Path
) -> None:
    # v1.2.3 is in rollout; nothing older ever reached 100% live.
    for dep in list(api.repo(REPO).deployments.values()):
        if dep.ref == "v1.2.2":
            del api.repo(REPO).deployments[dep.id]
    code, report = run(api, desk, tmp_path / "calls.jsonl", *ROLLBACK)
    assert code == 2
    assert "no stable version" in report["problem"]["message"]
    assert api.writes() == []


def test_a_failing_version_that_was_never_deployed_is_refused(
    api: FakeGitHub, desk: Path, tmp_path: Path
) -> None:
    api.repo(REPO).deployments.clear()
    log = tmp_path / "calls.jsonl"
    code, report = run(api, desk, log, *ROLLBACK)
    assert code == 2
    assert "never deployed" in report["problem"]["message"]
    assert calls(log) == []
    assert api.writes() == []


def test_a_local_tag_that_differs_from_githubs_is_refused(
    api: FakeGitHub, desk: Path, tmp_path: Path
) -> None:
    api.set_ref(REPO, "tags/v1.2.2", FOREIGN_SHA)
    log = tmp_path / "calls.jsonl"
    code, report = run(api, desk, log, *ROLLBACK)
    assert code == 2
    assert "is not GitHub's" in report["problem"]["message"]
    assert api.writes() == []
    assert calls(log) == []


def test_the_last_version_at_full_size_that_is_still_good_is_the_target() -> None:
    day = dt.timedelta(days=1)
    full = ("RLT001",)

    def live(version: str, when: dt.datetime, *more: Event) -> Deployed:
        return Deployed(version, "live", (Event(when, "promote", "live-100", 1.0, full), *more))

    history = [
        live("1.2.0", T0),
        live("1.2.1", T0 + 10 * day),
        live("1.2.2", T0 + 20 * day, Event(T0 + 21 * day, "rolled-back", "live-100", 1.0, full)),
        Deployed("1.2.3", "paper", (Event(T0 + 22 * day, "promote", "paper", 1.0, full),)),
        Deployed("1.2.3", "live", (Event(T0 + 23 * day, "promote", "live-25", 0.25, full),)),
    ]
    assert stable_target(history, "v1.2.3") == "v1.2.1"  # 1.2.2 was rolled back itself
    assert stable_target(history, "v1.2.1") == "v1.2.0"
    # Paper at size 1.0 is not "100%": only live counts.
    assert stable_target(history[3:], "v1.2.9") is None
    with pytest.raises(InputError, match="no stable version"):
        plan_rollback(
            failing_tag="v1.2.3", target_tag=None, reason="r", condition="live-errors", deployed=[]
        )


@pytest.mark.parametrize("text", ["ok", "x" * 200, "émojis 🚨 are fine"])
def test_reasons_within_bounds_are_kept(text: str) -> None:
    assert check_reason(text) == text


def test_the_incident_template_in_the_docs_is_the_one_used() -> None:
    doc = (ROOT / "docs" / "templates" / "incident.md").read_text(encoding="utf-8")
    assert INCIDENT_TEMPLATE in doc


# --- releasing the kill switch: founders only --------------------------------------------------

RELEASE = ("kill-switch-release", "--reason=fixed in v1.2.4", "--policy-ref=main")


def incident(api: FakeGitHub) -> int:
    """An open incident issue written by releasekit; its number."""
    return api.add_issue(
        REPO,
        title="Incident: v1.2.3 rolled back to v1.2.2 (live-errors)",
        body="<!-- releasekit:incident v1.2.3 -->\n...",
        labels=["incident"],
        user="github-actions[bot]",
    ).number


def test_a_founder_by_login_releases_the_kill_switch_and_it_is_recorded(
    api: FakeGitHub, desk: Path, tmp_path: Path
) -> None:
    number = incident(api)
    log = tmp_path / "calls.jsonl"
    code, report = run(api, desk, log, *RELEASE, GITHUB_ACTOR="alice")
    assert code == 0, report
    (call,) = calls(log)
    assert call["argv"] == ["--deactivate", "--authorized-by=alice"]
    assert report["data"]["via"] == {"alice": "policy login"}
    (comment,) = api.repo(REPO).comments.values()
    assert comment.issue_number == number
    assert "alice (policy login)" in comment.body
    assert "fixed in v1.2.4" in comment.body


def test_an_active_team_member_is_a_founder(api: FakeGitHub, desk: Path, tmp_path: Path) -> None:
    api.set_team_membership("desk", "founders", "bob", state="active")
    code, report = run(api, desk, tmp_path / "calls.jsonl", *RELEASE, GITHUB_ACTOR="bob")
    assert code == 0, report
    assert report["data"]["via"] == {"bob": "team desk/founders"}
    (issue,) = api.repo(REPO).issues.values()  # no incident open: a record issue instead
    assert issue.title == "Kill switch released"


def test_a_founder_role_by_permission_counts_admins_only(
    api: FakeGitHub, desk: Path, tmp_path: Path
) -> None:
    policy = {**POLICY, "roles": {"founder": {"permission": "admin"}}}
    api.set_file(REPO, ".github/release-policy.yml", yaml.safe_dump(policy), ref="main")
    api.set_collaborator(REPO, "erin", "admin")
    api.set_collaborator(REPO, "frank", "maintain")
    code, report = run(api, desk, tmp_path / "a.jsonl", *RELEASE, GITHUB_ACTOR="erin")
    assert code == 0, report
    assert report["data"]["via"] == {"erin": "admin permission"}
    code, report = run(api, desk, tmp_path / "b.jsonl", *RELEASE, GITHUB_ACTOR="frank")
    assert code == 1
    assert calls(tmp_path / "b.jsonl") == []


@pytest.mark.parametrize(
    ("actor", "triggering", "setup"),
    [
        pytest.param("mallory", "", None, id="not-a-founder"),
        pytest.param("carol", "", "pending", id="pending-team-member"),
        pytest.param("alice", "mallory", None, id="re-run-by-a-non-founder"),
    ],
)
def test_anyone_else_is_refused_and_nothing_happens(
    api: FakeGitHub,
    desk: Path,
    tmp_path: Path,
    actor: str,
    triggering: str,
    setup: str | None,
) -> None:
    api.set_team_membership("desk", "founders", "bob", state="active")
    if setup == "pending":
        api.set_team_membership("desk", "founders", "carol", state="pending")
    log = tmp_path / "calls.jsonl"
    extra = {"GITHUB_TRIGGERING_ACTOR": triggering} if triggering else {}
    code, report = run(api, desk, log, *RELEASE, GITHUB_ACTOR=actor, **extra)
    assert code == 1
    assert [f["rule"] for f in report["findings"]] == ["RBK010"]
    assert calls(log) == []
    assert api.writes() == []


def test_a_team_that_cannot_be_read_is_exit_3_never_not_a_member(
    api: FakeGitHub, desk: Path, tmp_path: Path
) -> None:
    # No membership seeded for desk/founders: GitHub answers 404 for the team itself, as it
    # does for a GITHUB_TOKEN that cannot see teams.
    log = tmp_path / "calls.jsonl"
    code, report = run(api, desk, log, *RELEASE, GITHUB_ACTOR="dave")
    assert code == 3
    assert "cannot tell" in report["problem"]["message"]
    assert calls(log) == []
    assert api.writes() == []


def test_roles_come_from_the_default_branch_not_the_checkout(
    api: FakeGitHub, desk: Path, tmp_path: Path
) -> None:
    api.set_team_membership("desk", "founders", "bob", state="active")
    forged = {**POLICY, "roles": {"founder": {"logins": ["mallory"]}}}
    (desk / ".github" / "release-policy.yml").write_text(yaml.safe_dump(forged))
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"repository": {"default_branch": "main"}}), encoding="utf-8")
    log = tmp_path / "calls.jsonl"
    code, _ = run(
        api,
        desk,
        log,
        "kill-switch-release",
        "--reason=trust me",
        GITHUB_ACTOR="mallory",
        GITHUB_EVENT_PATH=str(event),
    )
    assert code == 1
    assert calls(log) == []


def test_no_actor_is_bad_input(api: FakeGitHub, desk: Path, tmp_path: Path) -> None:
    code, report = run(api, desk, tmp_path / "calls.jsonl", *RELEASE)
    assert code == 2
    assert "GITHUB_ACTOR" in report["problem"]["message"]


# --- rollback.yml ------------------------------------------------------------------------------


def workflow() -> dict[str, Any]:
    """rollback.yml with YAML 1.1's ``on: -> True`` undone."""
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    doc["on"] = doc.pop(True)
    return doc


def check_inputs(tmp_path: Path, **inputs: str) -> tuple[int, str, dict[str, str]]:
    """Run rollback.yml's input check with ``inputs``; exit code, stdout, outputs."""
    step = workflow()["jobs"]["inputs"]["steps"][0]
    env = {
        "RK_OPERATION": "rollback",
        "RK_VERSION": "v1.2.3",
        "RK_TARGET": "",
        "RK_REASON": "5 live errors",
        "RK_CONDITION": "live-errors",
        **inputs,
    }
    out = tmp_path / "out"
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "GITHUB_OUTPUT": str(out), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    return proc.returncode, proc.stdout, dict(x.split("=", 1) for x in text.splitlines())


def test_the_input_job_can_write_nothing_and_every_other_job_waits_for_it() -> None:
    jobs = workflow()["jobs"]
    assert jobs["inputs"]["permissions"] == {}
    assert not any(s.get("uses") for s in jobs["inputs"]["steps"])
    for name in ("rollback", "release-kill-switch"):
        assert "inputs" in jobs[name]["needs"]
        assert jobs[name]["environment"] == "live"
    assert "actor" not in json.dumps(jobs)


def test_valid_inputs_pass_the_check(tmp_path: Path) -> None:
    code, _, outputs = check_inputs(tmp_path, RK_TARGET="v1.2.4-hotfix.2")
    assert code == 0
    assert outputs["version"] == "v1.2.3"
    assert outputs["target"] == "v1.2.4-hotfix.2"


@pytest.mark.parametrize(
    "inputs",
    [
        pytest.param({"RK_VERSION": "1.2; rm -rf ~"}, id="injection"),
        pytest.param({"RK_VERSION": "v1.2.3$(touch pwned)"}, id="command-substitution"),
        pytest.param({"RK_VERSION": "../"}, id="traversal"),
        pytest.param({"RK_VERSION": FOREIGN_SHA}, id="foreign-sha"),
        pytest.param({"RK_VERSION": "v01.2.3"}, id="leading-zero"),
        pytest.param({"RK_TARGET": "refs/heads/main"}, id="target-branch"),
        pytest.param({"RK_REASON": "one\nversion=v0.0.1"}, id="reason-output-injection"),
        pytest.param({"RK_REASON": "x" * 201}, id="reason-too-long"),
        pytest.param({"RK_REASON": ""}, id="reason-empty"),
        pytest.param({"RK_CONDITION": "whim"}, id="condition"),
        pytest.param({"RK_OPERATION": "deploy"}, id="operation"),
    ],
)
def test_hostile_inputs_stop_the_workflow_before_anything(
    tmp_path: Path, inputs: dict[str, str]
) -> None:
    code, stdout, outputs = check_inputs(tmp_path, **inputs)
    assert code == 2
    assert "::error title=releasekit rollback: invalid input::" in stdout
    assert outputs == {}
    assert not (tmp_path / "pwned").exists()
