"""releasekit evidence end to end: a real git checkout of a tag, PyGithub over real HTTP.

Each test builds the example desk as a git repository the way GitHub leaves it after merging a
release pull request (``main`` ← ``release/v1.2.3`` with ``--no-ff``), tags the merge commit,
seeds the contract-checked fake GitHub with that pull request (its ``merge_commit_sha`` is the
tagged commit), runs ``evidence.main`` as release.yml does, and checks the exit code, what was
written, and what was (not) read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from releasekit import __version__
from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.interface import ReleasePort
from releasekit.adapters.github.pygithub import PyGithubPort, connect
from releasekit.cli.evidence import main
from releasekit.core.signoff.evidence import parse_release_tag
from releasekit.core.signoff.policy import POLICY_PATH
from support.desk import (
    BIAS_JUNIT,
    DEMO,
    EXAMPLE,
    POLICY_ON_MAIN,
    REPO,
    SIGNED,
    STRATEGY_FILES,
    add_desk,
)
from support.github_api import FakeGitHub

BASE_POLICY: str = POLICY_ON_MAIN
TOKEN = "ghs_evidenceTESTtoken00000000000000000"
NOW = "2024-01-16T12:00:00Z"


def git(repo: Path, *args: str, when: str = "2024-01-15T09:00:00Z") -> str:
    """Run git in ``repo`` with a fixed identity and time (tagger dates too); its stdout."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo),
    }
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
        capture_output=True,
        check=True,
        env=env,
    )
    return done.stdout.decode().strip()


@dataclass(frozen=True)
class Desk:
    """The checkout: its root, the release branch's head and the merge commit on main."""

    root: Path
    base: str
    head: str
    merge: str


def desk(
    dest: Path,
    *,
    tag: str | None = "v1.2.3",
    extra: Mapping[str, str] | None = None,
    old_tags: Iterable[tuple[str, str]] = (),
) -> Desk:
    """The example desk, merged from release/v1.2.3 into main with ``--no-ff``, and tagged.

    ``extra`` (path → text) is committed on main before the release branch is cut;
    ``old_tags`` ((tag, ISO time)) are annotated tags on that base commit, made at that time.
    """
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__", ".releasekit"))
    # main's policy names the desk's people: the policy the merge is made under.
    (dest / POLICY_PATH).write_text(BASE_POLICY)
    for rel, text in (extra or {}).items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "the desk before v1.2.3", when="2024-01-10T09:00:00Z")
    base = git(dest, "rev-parse", "HEAD")
    for name, when in old_tags:
        git(dest, "tag", "-a", name, "-m", name, base, when=when)
    git(dest, "checkout", "-q", "-b", "release/v1.2.3")
    git(dest, "commit", "-q", "--allow-empty", "-m", "Release v1.2.3")
    head = git(dest, "rev-parse", "HEAD")
    git(dest, "checkout", "-q", "main")
    git(dest, "merge", "-q", "--no-ff", "-m", "Merge pull request from release/v1.2.3", head)
    merge = git(dest, "rev-parse", "HEAD")
    if tag is not None:
        git(dest, "tag", "-a", tag, "-m", f"Release {tag}", merge, when="2024-01-16T11:00:00Z")
    return Desk(dest, base, head, merge)


@pytest.fixture
def api(github_api: FakeGitHub) -> FakeGitHub:
    """The fake with the repository and its collaborators seeded."""
    return add_desk(github_api)


def seed(
    api: FakeGitHub,
    d: Desk,
    *,
    reviews: Iterable[tuple[str, str]] = SIGNED,
    head_ref: str = "release/v1.2.3",
) -> int:
    """The merged release pull request of ``d``, its reviews, and the policy at its base.

    No labels: the fake's ``pull-request-simple`` labels carry ``description: null``, which
    GitHub's schema does not allow there (a builder bug); the strategy type comes from the
    changed paths anyway.
    """
    pr = api.add_pull(
        REPO,
        head_sha=d.head,
        head_ref=head_ref,
        author="dana-quant",
        title="Release v1.2.3",
        files=STRATEGY_FILES,
        merged=True,
        merge_commit_sha=d.merge,
    )
    api.set_file(REPO, POLICY_PATH, BASE_POLICY, ref=pr.base_sha)
    for user, state in reviews:
        api.add_review(REPO, pr.number, user=user, state=state)
    return pr.number


@dataclass
class Run:
    """One evidence run: exit code, stdout, job summary, outputs, waits and requests made."""

    code: int
    out: str
    summary: str
    outputs: str
    waits: list[float] = field(default_factory=list)
    requests: int = 0

    @property
    def report(self) -> Any:
        """The JSON report on stdout (``--format json``)."""
        return json.loads(self.out)

    @property
    def step_outputs(self) -> dict[str, str]:
        """The step outputs written to ``GITHUB_OUTPUT`` (``name<<DELIMITER`` blocks)."""
        found: dict[str, str] = {}
        lines = iter(self.outputs.splitlines())
        for line in lines:
            name, _, delimiter = line.partition("<<")
            found[name] = "\n".join(iter(lambda: next(lines), delimiter))
        return found

    @property
    def rules(self) -> list[str]:
        """The rule ids of the report's error findings."""
        return [f["rule"] for f in self.report["findings"] if f["level"] == "error"]


def run(
    api: FakeGitHub | None,
    d: Desk,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    env: Mapping[str, str] | None = None,
    api_url: str | None = None,
) -> Run:
    """Run evidence as release.yml does: Actions runtime, the token in the environment."""
    summary = tmp_path / "summary.md"
    outputs = tmp_path / "outputs.txt"
    outputs.write_text("")
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))  # the runtime reads os.environ
    monkeypatch.chdir(d.root.parent)
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": api_url or (api.url if api is not None else ""),
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        **(env or {}),
    }
    waits: list[float] = []
    ports: list[PyGithubPort] = []

    def factory(e: Mapping[str, str], rt: Runtime) -> ReleasePort:
        port = connect(
            e, runtime=rt, sleep=waits.append, seconds_between_writes=None, log=io.StringIO()
        )
        ports.append(port)
        return port

    out = io.StringIO()
    bias = [] if "--bias-junit" in args else ["--bias-junit", str(BIAS_JUNIT)]
    code = main(
        ["--repo", d.root.name, "--format", "json", "--now", NOW, *bias, *args],
        env=environ,
        connect_port=factory,
        out=out,
        runtime=Runtime(True, io.StringIO(), environ),
    )
    for p in ports:
        p.close()
    return Run(
        code,
        out.getvalue(),
        summary.read_text() if summary.exists() else "",
        outputs.read_text(),
        waits,
        ports[0].request_count if ports else 0,
    )


def sha256(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_nothing_written(out: Path) -> None:
    """The bundle directory holds no file (it may not even exist)."""
    assert not out.exists() or list(out.iterdir()) == []


# -- a tag from a merged, signed-off pull request ------------------------------------------------


def test_tag_of_a_merged_signed_off_pr_passes_and_writes_the_bundle(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(tmp_path / "ws" / "desk")
    number = seed(api, d)
    out = tmp_path / "evidence"
    result = run(api, d, tmp_path, monkeypatch, "--tag", "v1.2.3", "--out", str(out))
    assert result.code == 0, result.out
    bundle = json.loads((out / "evidence.json").read_text())
    assert result.report["data"]["bundle"] == bundle
    assert bundle["schema"] == "releasekit.evidence/1"
    assert (bundle["tag"], bundle["version"], bundle["commit"]) == ("v1.2.3", "1.2.3", d.merge)
    assert (bundle["repository"], bundle["source"]) == (REPO, "github")
    assert bundle["release"] == {"kind": "final", "type": "strategy", "rollout": "staged"}
    pr = bundle["pull_request"]
    assert (pr["number"], pr["title"], pr["author"]) == (number, "Release v1.2.3", "dana-quant")
    assert (pr["head_sha"], pr["merge_commit_sha"], pr["base_ref"]) == (d.head, d.merge, "main")
    assert pr["merged_at"] == "2024-01-15T09:00:00Z"  # the merge commit's committer time
    approvals = {a["role"]: a for a in bundle["approvals"]}
    assert {r: a["login"] for r, a in approvals.items()} == {
        "code_review": "bob-dev",
        "audit": "m-okafor",
        "risk": "r-chen",
        "founder": "alice-founder",
    }
    assert all(a["commit"] == d.head and a["approved_at"] for a in approvals.values())
    (unit,) = bundle["audit"]["units"]
    assert unit["name"] == "ICT_QM"
    assert unit["report"] == {
        "path": "docs/audits/ict_qm_audit.md",
        "sha256": sha256(d.root / "docs/audits/ict_qm_audit.md"),
    }
    assert unit["paper_report"]["sha256"] == sha256(d.root / "docs/paper/ict_qm_paper.md")
    assert bundle["audit"]["log"]["sha256"] == sha256(d.root / "docs/audits/audit_log.md")
    assert {k: v["verdict"] for k, v in bundle["checks"].items()} == {
        "check-changelog": "pass",
        "verify-audit": "pass",
        "signoff": "pass",
    }
    assert bundle["signoff"]["decision"] == "APPROVED"
    assert "Fixed timeout handling in webhook" in bundle["release_notes"]
    assert (bundle["generated_at"], bundle["releasekit_version"]) == (NOW, __version__)
    md = (out / "evidence.md").read_text()
    assert md.startswith("# Release evidence: v1.2.3\n")
    assert f"`{d.merge}`" in md
    assert "| Founder | @\u200balice-founder |" in md
    assert f"`sha256:{unit['report']['sha256']}`" in md
    assert result.step_outputs["tag"] == "v1.2.3"
    assert result.step_outputs["version"] == "1.2.3"
    assert result.step_outputs["verdict"] == "pass"
    assert "Release evidence: v1.2.3" in result.summary
    # Recomputed, never read: no check run, comment or artifact was asked for; nothing written.
    assert api.requests_to("*", r"/check-runs|/comments|/artifacts") == []
    assert api.writes() == []


def test_the_pushed_tag_is_the_default(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(tmp_path / "ws" / "desk")
    seed(api, d)
    result = run(api, d, tmp_path, monkeypatch, env={"GITHUB_REF": "refs/tags/v1.2.3"})
    assert result.code == 0, result.out
    assert result.report["subject"] == "v1.2.3"
    assert "EVD006" in [f["rule"] for f in result.report["findings"]]  # no --out: said so


def test_offline_fixture_replay_passes_without_github(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(tmp_path / "ws" / "desk")
    fixture = json.loads(json.dumps(DEMO))
    fixture["pull_request"].update(
        head_sha=d.head,
        base_sha=d.base,
        merged=True,
        merge_commit_sha=d.merge,
        head_ref="release/v1.2.3",
    )
    fixture["commits"] = [{"sha": d.head, "author": "dana-quant", "committer": "dana-quant"}]
    for review in fixture["reviews"]:
        review["commit_id"] = d.head
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(fixture))
    monkeypatch.chdir(d.root.parent)
    out, bundle = io.StringIO(), tmp_path / "evidence"
    args = ["--repo", "desk", "--tag", "v1.2.3", "--now", NOW, "--fixture", str(path)]
    args += ["--bias-junit", str(BIAS_JUNIT)]
    code = main(
        [*args, "--out", str(bundle), "--format", "json"],
        env={},
        out=out,
        runtime=Runtime(False, out, {}),
    )
    assert code == 0, out.getvalue()
    assert json.loads(out.getvalue())["data"]["fixture"] is True
    # A replay is marked as such: it is not release evidence.
    assert json.loads((bundle / "evidence.json").read_text())["source"] == "fixture"
    assert "not release evidence" in (bundle / "evidence.md").read_text()


# -- tags that must not be released ----------------------------------------------------------------


def test_commit_without_a_pull_request_is_refused_and_nothing_is_written(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(tmp_path / "ws" / "desk")  # tagged, but GitHub knows no pull request of it
    out = tmp_path / "evidence"
    result = run(api, d, tmp_path, monkeypatch, "--tag", "v1.2.3", "--out", str(out))
    assert result.code == 1
    assert "EVD001" in result.rules
    (evd001,) = [f for f in result.report["findings"] if f["rule"] == "EVD001"]
    assert "did not come from a merged pull request" in evd001["message"]
    assert "release pull request" in evd001["hint"]
    assert_nothing_written(out)


def test_pr_merged_into_another_branch_is_refused(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(tmp_path / "ws" / "desk")
    pr = api.add_pull(
        REPO,
        head_sha=d.head,
        head_ref="release/v1.2.3",
        base_ref="develop",
        author="dana-quant",
        title="Release v1.2.3",
        files=STRATEGY_FILES,
        merged=True,
        merge_commit_sha=d.merge,
    )
    for user, state in SIGNED:
        api.add_review(REPO, pr.number, user=user, state=state)
    result = run(api, d, tmp_path, monkeypatch, "--tag", "v1.2.3")
    assert result.code == 1
    (evd001,) = [f for f in result.report["findings"] if f["rule"] == "EVD001"]
    assert "merged into develop, not the default branch main" in evd001["message"]
    assert api.requests_to("GET", r"/pulls/\d+/reviews$") == []  # refused before sign-off


def test_tag_on_the_head_instead_of_the_merge_commit_is_refused(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(tmp_path / "ws" / "desk", tag=None)
    git(d.root, "tag", "-a", "v1.2.3", "-m", "on the head", d.head)
    git(d.root, "checkout", "-q", "v1.2.3")
    seed(api, d)  # GitHub lists the PR for its head, but the head is not its merge commit
    out = tmp_path / "evidence"
    result = run(api, d, tmp_path, monkeypatch, "--tag", "v1.2.3", "--out", str(out))
    assert result.code == 1
    assert "EVD001" in result.rules
    assert_nothing_written(out)


@pytest.mark.parametrize(
    ("reviews", "expect"),
    [
        pytest.param(
            (("bob-dev", "APPROVED"), ("m-okafor", "APPROVED"), ("r-chen", "APPROVED")),
            "no approval of the head from founder",
            id="founder-missing",
        ),
        pytest.param("stale", "stale approvals", id="founder-approval-stale"),
        pytest.param(
            (*SIGNED, ("m-okafor", "CHANGES_REQUESTED")),
            "changes requested by @m-okafor (audit)",
            id="auditor-requested-changes",
        ),
    ],
)
def test_merged_pr_without_a_valid_sign_off_is_refused(
    api: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reviews: Any,
    expect: str,
) -> None:
    d = desk(tmp_path / "ws" / "desk")
    if reviews == "stale":
        number = seed(api, d, reviews=SIGNED[:2])
        api.add_review(REPO, number, user="alice-founder", state="APPROVED", commit_id=d.base)
    else:
        seed(api, d, reviews=reviews)
    out = tmp_path / "evidence"
    result = run(api, d, tmp_path, monkeypatch, "--tag", "v1.2.3", "--out", str(out))
    assert result.code == 1
    assert "EVD002" in result.rules
    (evd002,) = [f for f in result.report["findings"] if f["rule"] == "EVD002"]
    assert expect in evd002["message"]
    assert_nothing_written(out)


def test_forged_passing_signoff_check_run_does_not_pass_an_unapproved_pr(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(tmp_path / "ws" / "desk")
    seed(api, d, reviews=(("bob-dev", "APPROVED"),))
    for sha in (d.head, d.merge):
        api.add_check_run(REPO, name="releasekit/signoff", head_sha=sha, conclusion="success")
    out = tmp_path / "evidence"
    result = run(api, d, tmp_path, monkeypatch, "--tag", "v1.2.3", "--out", str(out))
    assert result.code == 1
    assert "EVD002" in result.rules
    assert api.requests_to("*", r"/check-runs|/check-suites|/status") == []
    assert_nothing_written(out)


def test_hotfix_tag_on_a_normal_release_pr_is_refused(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(tmp_path / "ws" / "desk", tag="v1.2.3-hotfix")
    seed(api, d)
    result = run(api, d, tmp_path, monkeypatch, "--tag", "v1.2.3-hotfix")
    assert result.code == 1
    assert "EVD005" in result.rules


def test_checkout_that_is_not_the_tag_is_refused(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(tmp_path / "ws" / "desk")
    seed(api, d)
    (d.root / "docs/audits/ict_qm_audit.md").write_text("edited after tagging\n")
    result = run(api, d, tmp_path, monkeypatch, "--tag", "v1.2.3")
    assert result.code == 1
    assert "EVD004" in result.rules


def test_evidence_file_missing_from_the_tag_is_refused(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The paper report is on disk (verify-audit reads it) but was never committed.
    d = desk(tmp_path / "ws" / "desk", extra={".gitignore": "docs/paper/ict_qm_paper.md\n"})
    seed(api, d)
    out = tmp_path / "evidence"
    result = run(api, d, tmp_path, monkeypatch, "--tag", "v1.2.3", "--out", str(out))
    assert result.code == 1
    (evd004,) = [f for f in result.report["findings"] if f["rule"] == "EVD004"]
    assert (
        "docs/paper/ict_qm_paper.md was read from the checkout but is not in" in evd004["message"]
    )
    assert_nothing_written(out)


# -- hotfix discipline ---------------------------------------------------------------------------

POSTMORTEM = "# Post-mortem: {tag}\n\nWhat happened, and what we changed.\n"


@pytest.mark.parametrize(
    ("hotfix", "postmortem", "code", "hfx"),
    [
        # The 1.3 line was hot-fixed three days ago and never properly released: a 1.2.x
        # maintenance release does not clear that (it is below 1.3.1), so it is blocked.
        pytest.param("v1.3.1-hotfix", True, 1, "HFX002", id="overdue-hotfix-blocks"),
        # v1.2.3 is the proper release of v1.2.3-hotfix: counting this tag clears HFX002 ...
        pytest.param("v1.2.3-hotfix", True, 0, None, id="follow-up-release-passes"),
        # ... but not the post-mortem, due 24 hours after the hotfix.
        pytest.param("v1.2.3-hotfix", False, 1, "HFX001", id="follow-up-without-post-mortem"),
    ],
)
def test_hotfix_debt_blocks_a_normal_release_until_cleared(
    api: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hotfix: str,
    postmortem: bool,
    code: int,
    hfx: str | None,
) -> None:
    extra = (
        {f"docs/postmortems/2024-01-12-{hotfix}.md": POSTMORTEM.format(tag=hotfix)}
        if postmortem
        else {}
    )
    d = desk(tmp_path / "ws" / "desk", extra=extra, old_tags=[(hotfix, "2024-01-12T09:00:00Z")])
    seed(api, d)
    out = tmp_path / "evidence"
    result = run(api, d, tmp_path, monkeypatch, "--tag", "v1.2.3", "--out", str(out))
    assert result.code == code, result.out
    evd003 = [f for f in result.report["findings"] if f["rule"] == "EVD003"]
    if hfx is None:
        assert (out / "evidence.json").is_file()
        assert json.loads((out / "evidence.json").read_text())["hotfix_debt"]["overdue"] == []
    else:
        assert [f["level"] for f in evd003] == ["error"]
        assert f"({hfx})" in evd003[0]["message"]
        assert hotfix in evd003[0]["message"]
        assert_nothing_written(out)


# -- bad input and GitHub failures ---------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param("v1.2; rm -rf /", id="shell"),
        pytest.param("../v1", id="traversal"),
        pytest.param("v1.2.3\n", id="trailing-newline"),
        pytest.param("v01.2.3", id="leading-zero"),
        pytest.param("v1.2.3-rc.01", id="leading-zero-pre-release"),
        pytest.param("refs/tags/v1.2.3", id="full-ref"),
        pytest.param("-v1.2.3", id="option-like"),
        pytest.param("v1.2.3+build.5", id="build-metadata"),
        pytest.param("v1.2.3-hot_fix", id="underscore"),
    ],
)
def test_bad_tag_is_exit_2_with_zero_requests(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tag: str
) -> None:
    d = desk(tmp_path / "ws" / "desk")
    seed(api, d)
    out = tmp_path / "evidence"
    result = run(api, d, tmp_path, monkeypatch, f"--tag={tag}", "--out", str(out))
    assert result.code == 2
    assert result.report["problem"]["kind"] == "input"
    assert api.requests == []
    assert_nothing_written(out)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("v1.2.3", "final"),
        ("v1.2.4-hotfix", "hotfix"),
        ("v1.2.4-hotfix.2", "hotfix"),
        ("v2.0.0-rc.1", "pre-release"),
    ],
)
def test_release_tags_and_their_kinds(text: str, kind: str) -> None:
    tag = parse_release_tag(text)
    assert tag is not None
    assert (tag.name, tag.kind) == (text, kind)


def test_tag_missing_from_the_checkout_or_no_git_is_exit_2_with_zero_requests(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(tmp_path / "ws" / "desk")
    seed(api, d)
    assert run(api, d, tmp_path, monkeypatch, "--tag", "v9.9.9").code == 2
    plain = tmp_path / "plain" / "desk"
    shutil.copytree(EXAMPLE, plain, ignore=shutil.ignore_patterns("__pycache__", ".releasekit"))
    not_git = Desk(plain, d.base, d.head, d.merge)
    result = run(api, not_git, tmp_path, monkeypatch, "--tag", "v1.2.3")
    assert result.code == 2
    assert "not a git checkout" in result.report["problem"]["message"]
    assert api.requests == []


def test_github_failing_every_read_exits_3_and_writes_nothing(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(tmp_path / "ws" / "desk")
    seed(api, d)
    api.inject("GET", r"/commits/[0-9a-f]{40}/pulls$", "502", times=None)
    out = tmp_path / "evidence"
    result = run(api, d, tmp_path, monkeypatch, "--tag", "v1.2.3", "--out", str(out))
    assert result.code == 3
    assert result.report["verdict"] == "error"
    assert result.waits == [2.0, 4.0, 8.0]
    assert result.step_outputs["verdict"] == "error"
    assert_nothing_written(out)


def test_github_unreachable_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = desk(tmp_path / "ws" / "desk")
    with FakeGitHub() as gone:
        url = gone.url  # a loopback port nobody listens on once stopped
    out = tmp_path / "evidence"
    result = run(None, d, tmp_path, monkeypatch, "--tag", "v1.2.3", "--out", str(out), api_url=url)
    assert result.code == 3
    assert_nothing_written(out)


def test_generated_at_is_the_injected_time(
    api: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = desk(tmp_path / "ws" / "desk")
    seed(api, d)
    later = dt.datetime(2024, 1, 16, 13, 30, tzinfo=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = tmp_path / "evidence"
    result = run(
        api, d, tmp_path, monkeypatch, "--tag", "v1.2.3", "--out", str(out), "--now", later
    )
    assert result.code == 0, result.out
    assert json.loads((out / "evidence.json").read_text())["generated_at"] == later


def test_bundled_offline_replay_reproduces_the_example_release(tmp_path: Path) -> None:
    # The example ships the sign-off fixture and a script that makes the tagged checkout it
    # describes: anyone can replay evidence for v1.2.3 with no token and no network.
    script = EXAMPLE / ".releasekit" / "replay_evidence.py"
    env = _offline_env()
    runs = []
    for n in (1, 2):
        out = tmp_path / f"run{n}"
        done = subprocess.run(
            [sys.executable, str(script), "--out", str(out), "--format", "json"],
            capture_output=True,
            check=False,
            env=env,
        )
        assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
        runs.append(json.loads((out / "evidence" / "evidence.json").read_text()))
    assert runs[0]["commit"] == runs[1]["commit"]  # the same commits, run after run
    assert runs[0]["source"] == "fixture"
    assert {a["role"] for a in runs[0]["approvals"]} == {"code_review", "audit", "risk", "founder"}


# -- verifying a downloaded bundle (EVD007) ------------------------------------------------------


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example release replayed offline: its checkout, fixture and the bundle as attached.

    release-notes.md is written by check-changelog --notes-out, as release.yml writes it.
    """
    root = tmp_path_factory.mktemp("released")
    script = EXAMPLE / ".releasekit" / "replay_evidence.py"
    done = subprocess.run(
        [sys.executable, str(script), "--out", str(root), "--keep"],
        capture_output=True,
        check=False,
        env=_offline_env(),
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    notes = root / "evidence" / "release-notes.md"
    releasekit(
        root, "check-changelog", "--repo", "desk", "--tag", "v1.2.3", "--notes-out", str(notes)
    )
    assert notes.is_file()
    return root


def _offline_env() -> dict[str, str]:
    """The environment of a developer's machine, with releasekit importable."""
    return {
        **{k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"},
        "PYTHONPATH": str(EXAMPLE.parents[1] / "scripts"),
    }


def releasekit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m releasekit ARGS`` in ``cwd``, offline (not as a workflow step)."""
    return subprocess.run(
        [sys.executable, "-m", "releasekit", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=_offline_env(),
    )


def verify(root: Path, bundle: Path) -> tuple[int, dict[str, Any]]:
    """``evidence --verify-bundle`` on the replayed release, offline; (exit code, report)."""
    done = releasekit(
        root,
        "evidence",
        "--repo",
        "desk",
        "--tag",
        "v1.2.3",
        "--fixture",
        "evidence-fixture.json",
        "--bias-junit",
        str(BIAS_JUNIT),
        "--verify-bundle",
        str(bundle),
        "--format",
        "json",
    )
    return done.returncode, json.loads(done.stdout)


def evd007(report: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The EVD007 findings of a report: (level, file)."""
    return [(f["level"], f.get("file")) for f in report["findings"] if f["rule"] == "EVD007"]


def test_the_attached_bundle_verifies_against_its_recomputation(released: Path) -> None:
    # No --now: recomputed at the bundle's own generated_at, days after the replay's clock.
    code, report = verify(released, released / "evidence")
    assert code == 0, report["findings"]
    assert evd007(report) == [("notice", None)]
    assert sorted(report["data"]["verified"]) == [
        "evidence.json",
        "evidence.md",
        "release-notes.md",
    ]
    notes = (released / "evidence" / "release-notes.md").read_bytes()
    assert report["data"]["verified"]["release-notes.md"] == hashlib.sha256(notes).hexdigest()


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("evidence.json", '"founder"', '"f0under"'),
        ("release-notes.md", "\n", "\nAlso: nothing.\n"),
    ],
)
def test_an_edited_bundle_file_is_named_and_blocks(
    released: Path, tmp_path: Path, name: str, old: str, new: str
) -> None:
    bundle = tmp_path / "downloaded"
    shutil.copytree(released / "evidence", bundle)
    edited = bundle / name
    text = edited.read_text(encoding="utf-8")
    assert old in text
    edited.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, report = verify(released, bundle)
    assert code == 1
    assert evd007(report) == [("error", str(edited))]


def test_verify_bundle_without_evidence_json_is_bad_input(released: Path, tmp_path: Path) -> None:
    code, report = verify(released, tmp_path)
    assert code == 2
    assert report["problem"]["file"].endswith("evidence.json")
