"""signoff-gate end to end over real HTTP: PyGithub adapter → contract-checked fake GitHub.

The workspace is a git checkout of the example desk whose commit is the pull request's head,
as ``actions/checkout`` leaves it. Each test seeds the fake, runs ``signoff_gate.main`` as the
workflow would (Actions runtime, event payload, token in the environment) and asserts the
exit code, what was posted, what was read and how many requests it took.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.interface import GitHubPort
from releasekit.adapters.github.pygithub import connect
from releasekit.cli.signoff_gate import main
from releasekit.core.signoff.policy import POLICY_PATH
from support.desk import (
    BIAS_JUNIT,
    EXAMPLE,
    POLICY_ON_MAIN,
    REPO,
    SIGNED,
    STRATEGY_FILES,
    add_desk,
)
from support.github_api import FakeGitHub, PullFile, load_event

BASE_POLICY: str = POLICY_ON_MAIN

# A change PR (one that leaves version.yaml alone) says what it changes in [Unreleased],
# whatever its branch is called: the example's CHANGELOG.md with that entry.
WITH_UNRELEASED_ENTRY = {
    "CHANGELOG.md": (EXAMPLE / "CHANGELOG.md")
    .read_text(encoding="utf-8")
    .replace("## [Unreleased]\n", "## [Unreleased]\n\n### Changed\n- Paper trading notes.\n", 1)
}

TOKEN = "ghs_signoffGATEtestTOKEN000000000000000"
CHECK = "releasekit/signoff"


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity; its stdout."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo),
    }
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args],
        capture_output=True,
        check=True,
        env=env,
    )
    return done.stdout.decode().strip()


def checkout(dest: Path, edit: Mapping[str, str] | None = None) -> tuple[Path, str]:
    """A git checkout of the example desk (with ``edit``: path → new text); (root, HEAD SHA)."""
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__", ".releasekit"))
    for rel, text in (edit or {}).items():
        (dest / rel).write_text(text)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "release v1.2.3")
    return dest, git(dest, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The example desk checked out at the head (shared: the gate only reads it)."""
    return checkout(tmp_path_factory.mktemp("ws") / "desk")


@dataclass
class Run:
    """One gate run: exit code, stdout, job summary, waits and requests made."""

    code: int
    out: str
    summary: str
    log: str
    commands: str
    waits: list[float] = field(default_factory=list)
    requests: int = 0


@pytest.fixture
def api(github_api: FakeGitHub) -> FakeGitHub:
    """The fake with the repository and its collaborators seeded."""
    return add_desk(github_api)


def seed(
    api: FakeGitHub,
    head_sha: str,
    *,
    reviews: Iterable[tuple[str, str]] = SIGNED,
    files: Iterable[str | PullFile] = STRATEGY_FILES,
    labels: Iterable[str] = ("release:strategy",),
    head_ref: str = "release/v1.2.3",
    policy: str | None = BASE_POLICY,
) -> int:
    """A pull request at ``head_sha`` with reviews on it and the policy on the default branch."""
    pr = api.add_pull(
        REPO,
        head_sha=head_sha,
        head_ref=head_ref,
        author="dana-quant",
        title="Release v1.2.3",
        labels=labels,
        files=files,
    )
    if policy is not None:
        api.set_file(REPO, POLICY_PATH, policy, ref="main")
    for user, state in reviews:
        api.add_review(REPO, pr.number, user=user, state=state)
    return pr.number


def run(
    api: FakeGitHub | None,
    workspace: Path,
    number: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    event: dict[str, Any] | None = None,
    api_url: str | None = None,
) -> Run:
    """Run the gate as the workflow does: Actions runtime, event payload, token in the env."""
    payload = event or {
        "pull_request": {"number": number},
        "repository": {"default_branch": "main"},
    }
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(payload))
    summary = tmp_path / "summary.md"
    outputs = tmp_path / "outputs.txt"
    outputs.touch()
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))  # the runtime reads os.environ
    monkeypatch.chdir(workspace.parent)
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": api_url or (api.url if api is not None else ""),
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "77",
    }
    waits: list[float] = []
    ports: list[Any] = []

    def factory(environ: Mapping[str, str], rt: Runtime) -> GitHubPort:
        port = connect(
            environ, runtime=rt, sleep=waits.append, seconds_between_writes=None, log=io.StringIO()
        )
        ports.append(port)
        return port

    out, log, commands = io.StringIO(), io.StringIO(), io.StringIO()
    bias = [] if "--bias-junit" in args else ["--bias-junit", str(BIAS_JUNIT)]
    code = main(
        ["--repo", workspace.name, *bias, *args],
        env=env,
        connect_port=factory,
        out=out,
        runtime=Runtime(True, commands, env),
        log=log,
    )
    for p in ports:
        p.close()
    return Run(
        code,
        out.getvalue(),
        summary.read_text() if summary.exists() else "",
        log.getvalue(),
        commands.getvalue(),
        waits,
        ports[0].request_count if ports else 0,
    )


def check_runs(api: FakeGitHub) -> list[Any]:
    """The check runs stored on the fake."""
    return list(api.repo(REPO).check_runs.values())


def comments(api: FakeGitHub) -> list[Any]:
    """The issue comments stored on the fake."""
    return list(api.repo(REPO).comments.values())


# -- the decision, published --------------------------------------------------------------------


def test_signed_off_strategy_release_is_approved_and_published(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    result = run(api, workspace, number, tmp_path, monkeypatch)
    assert result.code == 0, result.out
    assert "APPROVED for production" in result.summary
    (check,) = check_runs(api)
    assert (check.name, check.head_sha, check.conclusion) == (CHECK, head, "success")
    (comment,) = comments(api)
    assert "- [x] APPROVED for production" in comment.body
    assert "- [x] Auditor: @\u200bm-okafor" in comment.body


LISTED_REVIEWER = BASE_POLICY.replace(
    "    logins: []\n    teams: []\n    permission: write",
    "    logins: [bob-dev]\n    teams: []\n    permission: write",
)


def test_shallow_checkout_costs_ten_requests_and_nine_when_reviewers_are_listed(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    # The checkout lacks the base commit, so the files come from GitHub: PR, files, reviews,
    # commits, policy, bob-dev's permission; check run and comment: a read and a write each.
    # m-okafor, r-chen and alice-founder are listed in the policy: no lookup.
    assert run(api, workspace, number, tmp_path, monkeypatch).requests == 10
    assert LISTED_REVIEWER != BASE_POLICY
    number = seed(api, head, policy=LISTED_REVIEWER)
    before = len(api.requests)
    assert run(api, workspace, number, tmp_path, monkeypatch).requests == 9
    assert len(api.requests) - before == 9
    assert len(api.writes()) == 4  # two check runs and two comments, one each per PR


def test_full_history_checkout_reads_the_files_from_git_in_eight_requests(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pr-gate's signoff job checks out with fetch-depth: 0, so git has the base and the head.
    workspace, base = checkout(tmp_path / "ws" / "desk", WITH_UNRELEASED_ENTRY)
    paper = workspace / "docs" / "paper" / "ict_qm_paper.md"
    paper.write_text(paper.read_text() + "\n")
    git(workspace, "commit", "-q", "-am", "paper trading notes")
    head = git(workspace, "rev-parse", "HEAD")
    api.set_ref(REPO, "heads/main", base)
    number = seed(api, head, policy=LISTED_REVIEWER, files=("docs/paper/ict_qm_paper.md",))
    result = run(api, workspace, number, tmp_path, monkeypatch, "--format", "json")
    report = json.loads(result.out)
    assert result.code == 0, result.out
    # PR, reviews, commits, policy; check run and comment: a read and a write each.
    assert result.requests == 8
    assert api.requests_to("GET", r"/files$") == []
    assert report["data"]["changed_files"]["source"].startswith("git diff")


def test_ten_reruns_leave_one_comment_and_one_check_run(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    results = [run(api, workspace, number, tmp_path, monkeypatch) for _ in range(10)]
    assert {r.code for r in results} == {0}
    assert len(check_runs(api)) == 1
    assert len(comments(api)) == 1
    assert len(api.writes()) == 2  # the first run's; an unchanged rerun writes nothing
    assert results[-1].requests == 8  # 5 reads, 1 lookup, 2 upsert reads


def test_pull_request_review_event_is_decided_too(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    event = load_event("pull_request_review.submitted")
    event["pull_request"]["number"] = number
    event["repository"]["default_branch"] = "main"
    result = run(api, workspace, number, tmp_path, monkeypatch, event=event)
    assert result.code == 0, result.out


# -- bypasses --------------------------------------------------------------------------------------


def test_head_policy_granting_founder_is_ignored_default_branch_policy_applies(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil = BASE_POLICY.replace("logins: [alice-founder]", "logins: [mallory, dana-quant]")
    workspace, head = checkout(tmp_path / "ws" / "desk", {POLICY_PATH: evil})
    api.set_collaborator(REPO, "mallory", "write")
    number = seed(
        api,
        head,
        reviews=(*SIGNED[:3], ("mallory", "APPROVED")),
        files=(*STRATEGY_FILES, POLICY_PATH),
    )
    api.set_file(REPO, POLICY_PATH, evil, ref=head)  # the head's copy on GitHub, too
    result = run(api, workspace, number, tmp_path, monkeypatch, "--format", "json")
    report = json.loads(result.out)
    assert result.code == 1
    assert report["data"]["missing_roles"] == ["founder"]
    assert "SGN009" in [f["rule"] for f in report["findings"]]
    refs = {r.query.get("ref", [""])[0] for r in api.requests_to("GET", "/contents/")}
    assert refs == {"main"}  # the default branch's tip, never the head or the base commit


def test_self_bot_and_stale_approvals_never_count(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head, reviews=(("bob-dev", "APPROVED"),))
    api.add_review(REPO, number, user="dana-quant", state="APPROVED")
    api.add_review(REPO, number, user="release-helper", user_type="Bot", state="APPROVED")
    api.add_review(REPO, number, user="m-okafor", state="APPROVED", commit_id="f" * 40)
    api.add_review(REPO, number, user="alice-founder", state="APPROVED", commit_id="e" * 40)
    result = run(api, workspace, number, tmp_path, monkeypatch, "--format", "json")
    report = json.loads(result.out)
    assert result.code == 1
    assert report["data"]["decision"] == "HOLD"
    assert report["data"]["missing_roles"] == ["audit", "risk", "founder"]
    found = [f["rule"] for f in report["findings"]]
    assert found.count("SGN004") == 2
    assert found.count("SGN003") == 2
    assert check_runs(api)[0].conclusion == "failure"


def test_changes_requested_on_page_three_rejects(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    for i in range(220):
        api.add_review(REPO, number, user=f"watcher{i}", state="COMMENTED")
    api.add_review(REPO, number, user="m-okafor", state="CHANGES_REQUESTED")
    result = run(api, workspace, number, tmp_path, monkeypatch, "--format", "json")
    report = json.loads(result.out)
    assert len(api.requests_to("GET", r"/reviews$")) == 3
    assert result.code == 1
    assert report["data"]["decision"] == "REJECTED"
    assert report["data"]["rejected_by"][0]["login"] == "m-okafor"
    assert "REJECTED reason: changes requested by @\u200bm-okafor" in comments(api)[0].body


def test_team_lookup_answering_404_exits_3_with_the_summary_written(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    by_team = BASE_POLICY.replace(
        "logins: [alice-founder]\n    teams: []", "logins: []\n    teams: [acme/founders]"
    )
    number = seed(api, head, policy=by_team)
    result = run(api, workspace, number, tmp_path, monkeypatch)
    assert result.code == 3
    assert "could not decide" in result.summary
    assert "Members: read" in result.summary
    assert check_runs(api)[0].conclusion == "failure"  # never green


def test_pending_team_membership_holds(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    by_team = BASE_POLICY.replace(
        "logins: [alice-founder]\n    teams: []", "logins: []\n    teams: [acme/founders]"
    )
    api.set_team_membership("acme", "founders", "alice-founder", state="pending")
    number = seed(api, head, policy=by_team)
    result = run(api, workspace, number, tmp_path, monkeypatch, "--format", "json")
    report = json.loads(result.out)
    assert result.code == 1
    assert report["data"]["missing_roles"] == ["founder"]
    api.set_team_membership("acme", "founders", "alice-founder", state="active")
    assert run(api, workspace, number, tmp_path, monkeypatch).code == 0


def test_checkout_that_is_not_the_head_holds(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, _ = desk
    number = seed(api, "9" * 40)
    result = run(api, workspace, number, tmp_path, monkeypatch, "--format", "json")
    report = json.loads(result.out)
    assert result.code == 1
    assert "evidence checked out at the head commit" in report["data"]["pending"]


def test_merge_checkout_of_the_head_is_the_head(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = checkout(tmp_path / "ws" / "desk")
    # refs/pull/N/merge: a merge commit of the base branch (first parent) and the head.
    git(workspace, "checkout", "-q", "--orphan", "base")
    git(workspace, "commit", "-q", "-m", "base moved on")
    git(workspace, "merge", "-q", "--no-ff", "--allow-unrelated-histories", "-m", "merge", head)
    assert git(workspace, "rev-parse", "HEAD^2") == head
    number = seed(api, head)
    assert run(api, workspace, number, tmp_path, monkeypatch).code == 0


# -- merge queue -------------------------------------------------------------------------------


def squash_group(tmp_path: Path) -> tuple[Path, str, str]:
    """A checkout of a squash merge group's head: the PR's tree, not the PR's head as a parent."""
    workspace, head = checkout(tmp_path / "ws" / "desk")
    git(workspace, "checkout", "-q", "--orphan", "gh-readonly-queue/main/pr-1")
    git(workspace, "commit", "-q", "-m", "Release v1.2.3 (#1)")
    group_head = git(workspace, "rev-parse", "HEAD")
    assert git(workspace, "rev-list", "--parents", "-n1", "HEAD") == group_head  # no parent
    return workspace, head, group_head


def merge_group_event(number: int, head: str, group_head: str) -> dict[str, Any]:
    """A ``merge_group`` (checks_requested) payload for the group made for PR ``number``."""
    return {
        "action": "checks_requested",
        "merge_group": {
            "head_sha": group_head,
            "head_ref": f"refs/heads/gh-readonly-queue/main/pr-{number}-{head}",
            "base_sha": "0" * 40,
            "base_ref": "refs/heads/main",
        },
        "repository": {"default_branch": "main"},
    }


def group_args(queued: str, group_head: str) -> tuple[str, ...]:
    """What pr-gate's signoff job passes in a merge group (from the event's head ref and SHA)."""
    return ("--merge-group-head", group_head, "--queued-head", queued)


def test_approved_squash_merge_group_passes_on_the_groups_head(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head, group_head = squash_group(tmp_path)
    number = seed(api, head)
    event = merge_group_event(number, head, group_head)
    args = ("--pr", str(number), *group_args(head, group_head), "--format", "json")
    result = run(api, workspace, number, tmp_path, monkeypatch, *args, event=event)
    assert result.code == 0, result.out
    assert "SGN015" not in [f["rule"] for f in json.loads(result.out)["findings"]]
    # The required check lands on the commit the queue tests, not on the PR's head.
    (check,) = check_runs(api)
    assert (check.head_sha, check.conclusion) == (group_head, "success")


def test_merge_group_whose_pull_request_lost_its_approval_holds(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head, group_head = squash_group(tmp_path)
    # Queued while approved; the founder's approval was dismissed afterwards.
    dismissed = [(u, "DISMISSED" if u == "alice-founder" else s) for u, s in SIGNED]
    number = seed(api, head, reviews=dismissed)
    event = merge_group_event(number, head, group_head)
    args = ("--pr", str(number), *group_args(head, group_head), "--format", "json")
    result = run(api, workspace, number, tmp_path, monkeypatch, *args, event=event)
    assert result.code == 1, result.out
    assert json.loads(result.out)["data"]["missing_roles"] == ["founder"]
    (check,) = check_runs(api)
    assert check.head_sha == group_head
    assert check.conclusion != "success"


def test_merge_group_checkout_that_is_not_the_groups_head_holds(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head, _ = squash_group(tmp_path)
    number = seed(api, head)
    other = "a" * 40
    args = ("--pr", str(number), *group_args(head, other), "--format", "json")
    event = merge_group_event(number, head, other)
    result = run(api, workspace, number, tmp_path, monkeypatch, *args, event=event)
    assert result.code == 1
    assert "SGN015" in [f["rule"] for f in json.loads(result.out)["findings"]]


def test_merge_group_whose_pull_request_moved_since_it_was_queued_holds(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head, group_head = squash_group(tmp_path)
    # The group was made from an earlier head; the approvals are of the PR's head now.
    queued = "b" * 40
    number = seed(api, head)
    args = ("--pr", str(number), *group_args(queued, group_head), "--format", "json")
    event = merge_group_event(number, queued, group_head)
    result = run(api, workspace, number, tmp_path, monkeypatch, *args, event=event)
    assert result.code == 1
    messages = [f["message"] for f in json.loads(result.out)["findings"] if f["rule"] == "SGN015"]
    assert any("was made from bbbbbbb" in m for m in messages), messages


def test_merge_group_head_must_be_a_commit_sha(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    result = run(api, workspace, number, tmp_path, monkeypatch, "--merge-group-head", "main")
    assert result.code == 2
    assert check_runs(api) == []


# -- faults ------------------------------------------------------------------------------------


def test_502_on_a_read_is_retried_and_decided(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    api.inject("GET", r"/reviews$", "502")
    api.inject("GET", r"/permission$", "502")
    result = run(api, workspace, number, tmp_path, monkeypatch)
    assert result.code == 0, result.out
    assert result.waits == [2.0, 2.0]
    assert len(api.requests_to("GET", r"/reviews$")) == 2


def test_github_failing_every_read_exits_3_never_0(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    api.inject("GET", r"/reviews$", "502", times=None)
    result = run(api, workspace, number, tmp_path, monkeypatch, "--no-publish-required")
    assert result.code == 3
    assert "could not decide" in result.summary
    assert result.waits == [2.0, 4.0, 8.0]


def test_github_unreachable_exits_3_with_the_summary_written(
    desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, _ = desk
    with FakeGitHub() as gone:
        url = gone.url  # a loopback port that nobody listens on once stopped
    result = run(None, workspace, 7, tmp_path, monkeypatch, api_url=url)
    assert result.code == 3
    assert "### ⚠️ releasekit signoff-gate: **ERROR** — PR #7" in result.summary
    assert "could not decide" in result.summary
    assert "could not publish" in result.summary
    assert result.waits == [2.0, 4.0, 8.0]


def test_comment_refused_by_a_read_only_token_is_a_notice_in_auto_mode(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    api.inject("POST", r"/comments$", "403-integration", times=None)
    result = run(api, workspace, number, tmp_path, monkeypatch)
    assert result.code == 0
    assert "::notice" in result.commands
    assert "pull-requests: write" in result.commands
    assert len(check_runs(api)) == 1
    always = run(api, workspace, number, tmp_path, monkeypatch, "--comment", "always")
    assert always.code == 3  # asked for, not posted: a pass nobody sees is not a pass


@pytest.mark.parametrize(
    ("method", "path", "fault", "times", "code", "waits"),
    [
        pytest.param("GET", r"/pulls/\d+$", "502", 1, 0, [2.0], id="502-on-the-pull-request"),
        pytest.param("GET", r"/files$", "403-secondary", 1, 0, [60.0], id="secondary-limit"),
        pytest.param("GET", r"/permission$", "502", 2, 0, [2.0, 4.0], id="502-on-a-lookup"),
        pytest.param("POST", r"/check-runs$", "502-after-store", 1, 0, None, id="check-stored"),
        pytest.param("POST", r"/comments$", "502-after-store", 1, 0, None, id="comment-stored"),
        pytest.param("GET", r"/pulls/\d+$", "404", 1, 3, [], id="pull-request-404"),
        pytest.param("GET", r"/contents/", "502", None, 3, [2.0, 4.0, 8.0], id="policy-unreadable"),
        pytest.param("GET", r"/reviews$", "primary-exhausted", 1, 3, [], id="limit-past-bound"),
        pytest.param("GET", r"/permission$", "403-integration", 1, 3, [], id="lookup-forbidden"),
    ],
)
def test_fault_matrix_never_passes_on_failure_and_never_duplicates(
    api: FakeGitHub,
    desk: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
    fault: str,
    times: int | None,
    code: int,
    waits: list[float] | None,
) -> None:
    workspace, head = desk
    number = seed(api, head)
    api.inject(method, path, fault, times=times, reset_in=4000)
    result = run(api, workspace, number, tmp_path, monkeypatch)
    assert result.code == code, result.out
    if waits is not None:
        assert result.waits == waits
    assert len(check_runs(api)) <= 1
    assert len(comments(api)) <= 1
    if code == 0:
        assert check_runs(api)[0].conclusion == "success"
        assert len(comments(api)) == 1
    else:
        assert "could not decide" in result.summary
        assert all(c.conclusion == "failure" for c in check_runs(api))
