"""Attacks on signoff-gate over the loopback GitHub, each beside its legitimate control.

Each attack once got an APPROVED: a stale policy, a pull request into a weaker branch, the
3,000-file listing cap, a contributor approving their own change, the runbook's missing Risk
line, shared code a model imports, and a look-alike Unicode login. Each test shows the attack
held and the same pull request done properly approved, so a fix that holds everything cannot
pass them either.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from releasekit.core.signoff.policy import POLICY_PATH
from support.desk import POLICY_ON_MAIN, REPO, SIGNED, STRATEGY_FILES, add_desk
from support.github_api import FakeGitHub, PullFile
from test_signoff_github import WITH_UNRELEASED_ENTRY, checkout, git, run, seed

MODEL_SIGNED = (
    ("bob-dev", "APPROVED"),
    ("a-sato", "APPROVED"),
    ("r-chen", "APPROVED"),
    ("alice-founder", "APPROVED"),
)


def decided(
    api: FakeGitHub, workspace: Path, number: int, tmp_path: Path, mp: pytest.MonkeyPatch, **kw: Any
) -> tuple[int, dict[str, Any]]:
    """Exit code and JSON report of one gate run."""
    result = run(api, workspace, number, tmp_path, mp, "--format", "json", **kw)
    return result.code, json.loads(result.out)


def rules(report: dict[str, Any], level: str = "error") -> list[str]:
    """The rule ids of the report's findings of ``level``."""
    return [f["rule"] for f in report["findings"] if f["level"] == level]


@pytest.fixture
def api(github_api: FakeGitHub) -> FakeGitHub:
    """The fake with the desk's repository and collaborators seeded."""
    return add_desk(github_api)


@pytest.fixture
def desk(tmp_path: Path) -> tuple[Path, str]:
    """A shallow checkout of the example desk at the head (no base commit in it)."""
    return checkout(tmp_path / "ws" / "desk")


# -- the policy is the default branch's, at the time of the decision -----------------------------


def test_stale_policy_of_the_base_commit_lets_no_removed_founder_approve(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    api.set_collaborator(REPO, "old-founder", "admin")
    signed = (*SIGNED[:3], ("old-founder", "APPROVED"))
    number = seed(api, head, reviews=signed)
    # When the pull request was opened, its base commit still named old-founder; main has
    # removed her since. GitHub does not move base.sha when main moves on.
    then = POLICY_ON_MAIN.replace("[alice-founder]", "[alice-founder, old-founder]")
    api.set_file(REPO, POLICY_PATH, then, ref=api.repo(REPO).pulls[number].base_sha)
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert code == 1
    assert report["data"]["missing_roles"] == ["founder"]
    assert report["data"]["policy"]["ref"] == "main"
    # Control: the founder main names now approves the same pull request.
    api.add_review(REPO, number, user="alice-founder", state="APPROVED")
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert (code, report["data"]["decision"]) == (0, "APPROVED")


def test_policy_tightened_on_main_after_the_pull_request_opened_applies(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    tighter = POLICY_ON_MAIN.replace(
        "approvals: [code_review, audit, risk, founder]",
        "approvals: [code_review, code_review, audit, risk, founder]",
    )
    assert tighter != POLICY_ON_MAIN
    api.set_file(REPO, POLICY_PATH, tighter, ref="main")
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert code == 1
    assert report["data"]["missing_roles"] == ["code_review"]
    api.add_review(REPO, number, user="carol-dev", state="APPROVED")  # the second reviewer
    assert decided(api, workspace, number, tmp_path, monkeypatch)[0] == 0


def test_pull_request_into_a_weaker_branch_is_judged_by_the_default_branchs_policy(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    api.set_collaborator(REPO, "mallory", "write")
    api.set_ref(REPO, "heads/release-staging", "5" * 40)
    pr = api.add_pull(
        REPO,
        head_sha=head,
        head_ref="release/v1.2.3",
        base_ref="release-staging",
        author="dana-quant",
        labels=["release:strategy"],
        files=STRATEGY_FILES,
    )
    weak = POLICY_ON_MAIN.replace("[alice-founder]", "[mallory]")
    api.set_file(REPO, POLICY_PATH, weak, ref="release-staging")
    api.set_file(REPO, POLICY_PATH, POLICY_ON_MAIN, ref="main")
    for user, state in (*SIGNED[:3], ("mallory", "APPROVED")):
        api.add_review(REPO, pr.number, user=user, state=state)
    code, report = decided(api, workspace, pr.number, tmp_path, monkeypatch)
    assert code == 1
    assert report["data"]["missing_roles"] == ["founder"]
    assert "SGN014" in rules(report, "notice")
    api.add_review(REPO, pr.number, user="alice-founder", state="APPROVED")
    code, report = decided(api, workspace, pr.number, tmp_path, monkeypatch)
    assert code == 0, report["findings"]


# -- every changed file --------------------------------------------------------------------------


NOTES = [f"notes/n{i:04}.md" for i in range(3000)]


def test_a_strategy_change_past_githubs_3000_file_listing_holds(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head, labels=(), files=(*NOTES, "strategies/README.md"), reviews=SIGNED)
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert code == 1
    assert "SGN019" in rules(report)
    assert report["data"]["changed_files"] == {
        "seen": 3000,
        "expected": 3001,
        "source": "GitHub's list of the pull request's files",
    }


def test_the_same_change_read_from_git_is_a_strategy_release_and_approved(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, base = checkout(tmp_path / "ws" / "desk", WITH_UNRELEASED_ENTRY)
    for note in NOTES:
        (workspace / note).parent.mkdir(exist_ok=True)
        (workspace / note).write_text("a note\n")
    (workspace / "strategies" / "README.md").write_text("How the desk's strategies are laid out.\n")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "notes, and the strategies' readme")
    head = git(workspace, "rev-parse", "HEAD")
    api.set_ref(REPO, "heads/main", base)
    number = seed(api, head, labels=(), files=(*NOTES, "strategies/README.md"), reviews=SIGNED)
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert code == 0, report["findings"]
    assert report["data"]["release_type"] == "strategy"
    assert report["data"]["changed_files"]["seen"] == 3001
    # Without the auditor the same pull request holds: the strategy path was seen.
    number = seed(api, head, labels=(), files=(*NOTES, "strategies/README.md"), reviews=())
    for user, state in SIGNED:
        if user != "m-okafor":
            api.add_review(REPO, number, user=user, state=state)
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert (code, report["data"]["missing_roles"]) == (1, ["audit"])


# -- contributors ---------------------------------------------------------------------------------


def test_someone_who_pushed_commits_cannot_sign_off_as_code_reviewer(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    api.add_pull_commit(REPO, number, author="dana-quant")
    api.add_pull_commit(REPO, number, author="dana-quant", committer="bob-dev")
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert code == 1
    assert report["data"]["missing_roles"] == ["code_review"]
    (excluded,) = report["data"]["excluded"]
    assert excluded["login"] == "bob-dev"
    assert excluded["why"][0].startswith("committed ")
    assert "SGN018" in rules(report, "warning")
    # Control: a reviewer who contributed nothing fills the role.
    api.add_review(REPO, number, user="carol-dev", state="APPROVED")
    assert decided(api, workspace, number, tmp_path, monkeypatch)[0] == 0


def test_the_pusher_of_the_event_is_a_contributor_too(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    event = {
        "action": "synchronize",
        "pull_request": {"number": number},
        "repository": {"default_branch": "main"},
        "sender": {"login": "bob-dev"},
    }
    code, report = decided(api, workspace, number, tmp_path, monkeypatch, event=event)
    assert code == 1
    assert report["data"]["excluded"][0]["why"] == ["pushed to the pull request"]
    event["sender"] = {"login": "dana-quant"}
    assert decided(api, workspace, number, tmp_path, monkeypatch, event=event)[0] == 0


def test_a_role_may_allow_contributors_when_the_policy_says_so(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    allowing = POLICY_ON_MAIN.replace(
        "    permission: write ", "    allow_contributors: true\n    permission: write "
    )
    assert allowing != POLICY_ON_MAIN
    number = seed(api, head, policy=allowing)
    api.add_pull_commit(REPO, number, author="bob-dev")
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert code == 0, report["findings"]
    assert report["data"]["excluded"] == []


def test_more_commits_than_github_lists_holds(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head)
    for _ in range(251):
        api.add_pull_commit(REPO, number, author="dana-quant")
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert code == 1
    assert "SGN018" in rules(report)
    assert report["data"]["contributors"] is None


# -- the runbook's approvals ---------------------------------------------------------------------


def test_a_strategy_release_needs_the_risk_line_of_the_sign_off_checklist(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    without_risk = tuple(r for r in SIGNED if r[0] != "r-chen")
    number = seed(api, head, reviews=without_risk, policy=POLICY_ON_MAIN)
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert (code, report["data"]["missing_roles"]) == (1, ["risk"])
    api.add_review(REPO, number, user="r-chen", state="APPROVED")
    assert decided(api, workspace, number, tmp_path, monkeypatch)[0] == 0


# -- code a model imports -------------------------------------------------------------------------


def test_a_change_to_code_a_model_imports_is_a_model_release(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bars = "features/bars.py"
    workspace, head = checkout(tmp_path / "ws" / "desk", WITH_UNRELEASED_ENTRY)
    number = seed(api, head, labels=(), files=(PullFile(bars),), reviews=(SIGNED[0],))
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert code == 1
    assert report["data"]["release_type"] == "model"
    assert report["data"]["missing_roles"] == ["model_audit", "risk", "founder"]
    chain = [f["message"] for f in report["findings"] if f["rule"] == "SGN020"]
    assert chain[0].startswith("features/bars.py is imported by models/regime_filter.py")
    # Control: the model's own approvals sign the same change off.
    for user, state in MODEL_SIGNED[1:]:
        api.add_review(REPO, number, user=user, state=state)
    assert decided(api, workspace, number, tmp_path, monkeypatch)[0] == 0


def test_a_change_to_code_no_governed_file_imports_stays_a_bug_fix(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = "features/plot.py"
    edit = {**WITH_UNRELEASED_ENTRY, tool: "import math\n\nprint(math.pi)\n"}
    workspace, head = checkout(tmp_path / "ws" / "desk", edit)
    number = seed(api, head, labels=(), files=(tool,), reviews=(SIGNED[0],))
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert (code, report["data"]["release_type"]) == (0, "bugfix")
    assert "SGN020" not in rules(report, "notice")


def test_a_release_branch_name_never_waives_the_unreleased_entry(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # seed's head branch is release/v1.2.3, but the PR leaves version.yaml alone: a change PR.
    tool = "features/plot.py"
    workspace, head = checkout(tmp_path / "ws" / "desk", {tool: "print(1)\n"})
    number = seed(api, head, labels=(), files=(tool,), reviews=(SIGNED[0],))
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert (code, rules(report)) == (1, ["REL004"])
    # Control: the same PR that also changes version.yaml is a release PR, [Unreleased] moved.
    number = seed(api, head, labels=(), files=(tool, "version.yaml"), reviews=(SIGNED[0],))
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert "REL004" not in rules(report)


# -- logins -------------------------------------------------------------------------------------


def test_a_look_alike_unicode_login_never_fills_a_named_role(
    api: FakeGitHub, desk: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, head = desk
    number = seed(api, head, reviews=(*SIGNED[:3], ("\u017fam-founder", "APPROVED")))
    named = POLICY_ON_MAIN.replace("[alice-founder]", "[sam-founder]")
    api.set_file(REPO, POLICY_PATH, named, ref="main")
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert (code, report["data"]["missing_roles"]) == (1, ["founder"])
    # Control: the real account, in another ASCII case, is the founder.
    api.set_collaborator(REPO, "sam-founder", "admin")
    api.add_review(REPO, number, user="Sam-Founder", state="APPROVED")
    code, report = decided(api, workspace, number, tmp_path, monkeypatch)
    assert (code, report["data"]["decision"]) == (0, "APPROVED")
