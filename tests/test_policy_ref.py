"""``verify-audit --policy-ref``: the audit thresholds come from the base commit, not the PR.

A ``pull_request`` workflow runs with the pull request's own files, so a policy read from the
checkout lets a pull request loosen the gate that judges it (reference/github-facts.md). Each
case builds a real git repository in ``tmp_path`` from the example desk: the base commit on
``main`` holds a strict policy, a later commit on the pull request's branch loosens it, and the
gate must judge with the base's. Then the edges: no policy at the ref (defaults + POL001), a
ref git does not know (exit 2 with the ``fetch-depth: 0`` fix), hostile refs (refused before
git runs, no shell ever), and the PR gate workflow that passes the base SHA.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasekit.adapters.git import commit_parents, resolve_commit, show_prefix
from releasekit.cli.verify_audit import main
from releasekit.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "trading-desk"
WORKFLOWS = ROOT / ".github" / "workflows"
TEMPLATE = ROOT / "docs" / "templates" / "workflows" / "releasekit.yml"
POLICY = ".github/release-policy.yml"
DEFAULT_WF = "walk_forward_consistency_above: 0.60"
# The example's ICT_QM has 7 of 8 walk-forward windows profitable (87.5%): above 0.80, not 0.90.
STRICT_WF = "walk_forward_consistency_above: 0.90"
LOOSE_WF = "walk_forward_consistency_above: 0.80"
ICT = ["--strategy", "ICT_QM", "--version", "1.2.3"]


def git(cwd: Path, *args: str) -> str:
    """Run git with no user or system configuration; fail the test when git fails."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=env
    )
    return proc.stdout.strip()


def set_policy(desk: Path, line: str) -> None:
    """Replace the example policy's walk-forward threshold line."""
    path = desk / POLICY
    text = path.read_text(encoding="utf-8")
    current = re.search(r"walk_forward_consistency_above: [0-9.]+", text)
    assert current is not None
    path.write_text(text.replace(current.group(0), line), encoding="utf-8")


def commit_all(cwd: Path, message: str) -> str:
    """Commit everything; the new commit's SHA."""
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "-m", message)
    return git(cwd, "rev-parse", "HEAD")


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    """Run verify-audit with --format json; no traceback may reach stderr."""
    code = main([*args, "--format", "json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    return code, json.loads(captured.out)


def rules(out: dict[str, Any], level: str | None = None) -> list[str]:
    """The rule ids of a report's findings (of one level, when given)."""
    return [f["rule"] for f in out["findings"] if level is None or f["level"] == level]


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example desk in ``tmp_path/trading-desk``; the cwd is ``tmp_path``."""
    repo = tmp_path / "trading-desk"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return repo


@pytest.fixture
def loosened(desk: Path) -> str:
    """Base commit on main with a strict policy; the PR branch loosens it. The base SHA."""
    git(desk, "init", "-q", "-b", "main")
    set_policy(desk, STRICT_WF)
    base = commit_all(desk, "base: strict walk-forward threshold")
    git(desk, "checkout", "-q", "-b", "feature")
    set_policy(desk, LOOSE_WF)
    commit_all(desk, "PR: loosen the threshold")
    return base


# ---------------------------------------------------------------------------------------------
# The base commit's policy decides


def test_without_policy_ref_the_prs_own_loosened_policy_passes(
    desk: Path, loosened: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The hole --policy-ref closes: read from the checkout, the PR's threshold lets it pass.
    code, out = run_json(["--repo", "trading-desk", *ICT], capsys)
    assert code == 0, out["findings"]
    assert out["data"]["thresholds"]["walk_forward_consistency_above"] == 0.8


@pytest.mark.parametrize(
    "ref",
    [
        pytest.param("main", id="branch"),
        pytest.param(None, id="base-sha"),
        pytest.param("HEAD~1", id="relative-ref"),
    ],
)
def test_policy_ref_applies_the_base_commits_policy(
    desk: Path, loosened: str, capsys: pytest.CaptureFixture[str], ref: str | None
) -> None:
    ref = ref or loosened
    code, out = run_json(["--repo", "trading-desk", *ICT, f"--policy-ref={ref}"], capsys)
    assert code == 1
    assert "AUD004" in rules(out, "error")
    assert out["data"]["thresholds"]["walk_forward_consistency_above"] == 0.9
    assert out["data"]["policy"] == f"trading-desk/{POLICY} at {ref}"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: set_policy(d, "walk_forward_consistency_above: 0.10"), id="edit"),
        pytest.param(lambda d: (d / POLICY).unlink(), id="delete"),
    ],
)
def test_the_working_tree_is_never_read(
    desk: Path, loosened: str, capsys: pytest.CaptureFixture[str], change: Callable[[Path], None]
) -> None:
    change(desk)  # uncommitted: what a step before the gate could do to the checkout
    code, out = run_json(["--repo", "trading-desk", *ICT, f"--policy-ref={loosened}"], capsys)
    assert code == 1
    assert out["data"]["thresholds"]["walk_forward_consistency_above"] == 0.9


def test_repo_in_a_subdirectory_of_the_work_tree(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The policy path is relative to --repo, not to the top of the git work tree.
    git(tmp_path, "init", "-q", "-b", "main")
    set_policy(desk, STRICT_WF)
    commit_all(tmp_path, "base")
    set_policy(desk, LOOSE_WF)
    commit_all(tmp_path, "loosen")
    code, out = run_json(["--repo", "trading-desk", *ICT, "--policy-ref=HEAD~1"], capsys)
    assert code == 1
    assert "AUD004" in rules(out, "error")


# ---------------------------------------------------------------------------------------------
# No policy, or an unusable one, at the ref


def test_no_policy_at_the_ref_means_the_runbook_defaults_and_pol001(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(desk, "init", "-q", "-b", "main")
    policy_text = (desk / POLICY).read_text(encoding="utf-8")
    (desk / POLICY).unlink()
    commit_all(desk, "base: no policy")
    (desk / POLICY).write_text(policy_text.replace(DEFAULT_WF, STRICT_WF), encoding="utf-8")
    commit_all(desk, "PR: add a strict policy")
    code, out = run_json(["--repo", "trading-desk", *ICT], capsys)
    assert code == 1  # the PR's own strict policy would block ...
    code, out = run_json(["--repo", "trading-desk", *ICT, "--policy-ref=main~1"], capsys)
    assert code == 0, out["findings"]  # ... but it is not the base's: the defaults apply
    [pol001] = [f for f in out["findings"] if f["rule"] == "POL001"]
    assert pol001["level"] == "notice"
    assert f"{POLICY} at main~1" in pol001["message"]
    assert out["data"]["thresholds"]["walk_forward_consistency_above"] == 0.6
    assert out["data"]["policy"] is None


def test_an_invalid_policy_at_the_ref_is_exit_2_with_its_line(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(desk, "init", "-q", "-b", "main")
    set_policy(desk, "walk_forward_consistency_above: 1.5")
    commit_all(desk, "base: broken policy")
    code, out = run_json(["--repo", "trading-desk", *ICT, "--policy-ref=main"], capsys)
    assert code == 2
    problem = out["problem"]
    assert problem["file"] == f"trading-desk/{POLICY} at main"
    assert isinstance(problem["line"], int)


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        pytest.param(
            lambda d: ((d / POLICY).unlink(), (d / POLICY).symlink_to("/etc/passwd")),
            "symlink",
            id="symlink",
        ),
        pytest.param(
            lambda d: ((d / POLICY).unlink(), (d / POLICY).mkdir(), (d / POLICY / "x").touch()),
            "directory",
            id="directory",
        ),
        pytest.param(
            lambda d: (d / POLICY).write_text("#" * 70_000 + "\nversion: 1\n"),
            "over the 65,536-byte limit",
            id="oversized",
        ),
    ],
)
def test_what_is_not_a_plausible_policy_at_the_ref_is_exit_2(
    desk: Path,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[Path], object],
    words: str,
) -> None:
    git(desk, "init", "-q", "-b", "main")
    damage(desk)
    commit_all(desk, "base: damaged policy")
    code, out = run_json(["--repo", "trading-desk", *ICT, "--policy-ref=main"], capsys)
    assert code == 2
    assert words in out["problem"]["message"]


# ---------------------------------------------------------------------------------------------
# Refs git cannot use


@pytest.mark.parametrize(
    "ref",
    [
        pytest.param("no-such-branch", id="unknown-branch"),
        pytest.param("0123456789abcdef0123456789abcdef01234567", id="sha-not-fetched"),
    ],
)
def test_a_ref_git_does_not_know_is_exit_2_with_the_fetch_depth_fix(
    desk: Path, loosened: str, capsys: pytest.CaptureFixture[str], ref: str
) -> None:
    code, out = run_json(["--repo", "trading-desk", *ICT, f"--policy-ref={ref}"], capsys)
    assert code == 2
    assert "git does not know" in out["problem"]["message"]
    assert "fetch-depth: 0" in out["problem"]["hint"]


def test_a_shallow_clone_without_the_base_is_exit_2_with_the_fix(
    desk: Path, loosened: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # What actions/checkout does by default (fetch-depth: 1): the base commit is not there.
    git(tmp_path, "clone", "-q", "--depth=1", "--branch=feature", desk.as_uri(), "shallow")
    code, out = run_json(["--repo", "shallow", *ICT, f"--policy-ref={loosened}"], capsys)
    assert code == 2
    assert "fetch-depth: 0" in out["problem"]["hint"]


def test_outside_git_is_exit_2(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_json(["--repo", "trading-desk", *ICT, "--policy-ref=main"], capsys)
    assert code == 2
    assert "not inside a git repository" in out["problem"]["message"]


def test_git_missing_is_exit_3(
    desk: Path, loosened: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(desk / "no-bin-here"))
    code, out = run_json(["--repo", "trading-desk", *ICT, "--policy-ref=main"], capsys)
    assert code == 3
    assert "git is not installed" in out["problem"]["message"]


# ---------------------------------------------------------------------------------------------
# No shell, ever


@pytest.mark.parametrize(
    "ref",
    [
        pytest.param("HEAD;touch pwned", id="semicolon"),
        pytest.param("$(touch pwned)", id="command-substitution"),
        pytest.param("`touch pwned`", id="backticks"),
        pytest.param("main && touch pwned", id="and-list"),
        pytest.param("main\ntouch pwned", id="newline"),
        pytest.param("--output=pwned", id="option-injection"),
        pytest.param("main..HEAD", id="range-not-a-ref"),
    ],
)
def test_hostile_refs_are_refused_before_git_runs(
    desk: Path,
    loosened: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    ref: str,
) -> None:
    calls: list[object] = []
    real_run = subprocess.run

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return real_run(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    code, out = run_json(["--repo", "trading-desk", *ICT, f"--policy-ref={ref}"], capsys)
    assert code == 2
    assert "--policy-ref" in out["problem"]["message"]
    assert "is not a git ref" in out["problem"]["message"]
    assert calls == []  # refused before any process started
    assert not list(tmp_path.rglob("pwned"))


def test_git_runs_as_an_argument_list_never_through_a_shell(
    desk: Path, loosened: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[tuple[object, dict[str, Any]]] = []
    real_run = subprocess.run

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append((args[0], kwargs))
        return real_run(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    code, _ = run_json(["--repo", "trading-desk", *ICT, f"--policy-ref={loosened}"], capsys)
    assert code == 1
    assert seen, "git was never run"
    for cmd, kwargs in seen:
        assert isinstance(cmd, list), cmd
        assert cmd[0] == "git"
        assert not kwargs.get("shell", False)
        assert "timeout" in kwargs
    # The ref reaches git as one argument of its own, never spliced into a command line.
    assert any(f"{loosened}^{{commit}}" in cmd for cmd, _ in seen if isinstance(cmd, list))


# ---------------------------------------------------------------------------------------------
# The workflows that pass the base SHA, grant the comment and re-run on a retarget


def load(path: Path) -> dict[str, Any]:
    """A workflow as a dict, with YAML 1.1's ``on: -> True`` undone."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def audit_steps() -> dict[str, dict[str, Any]]:
    """The steps of pr-gate's audit job, by id."""
    steps = load(WORKFLOWS / "pr-gate.yml")["jobs"]["audit"]["steps"]
    return {s["id"]: s for s in steps if "id" in s}


def test_pr_gate_audits_with_the_base_commits_policy() -> None:
    steps = audit_steps()
    audit = steps["audit"]["with"]
    assert audit["command"] == "verify-audit"
    # One validated value for both: the diff and the policy are the same base commit's.
    assert audit["policy-ref"] == audit["changed-since"] == "${{ steps.base.outputs.sha }}"
    assert "GITHUB_EVENT_PATH" in steps["base"]["run"]
    checkout = load(WORKFLOWS / "pr-gate.yml")["jobs"]["audit"]["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0  # the base commit must be in the clone


needs_jq = pytest.mark.skipif(
    shutil.which("jq") is None, reason="jq is preinstalled on GitHub's runners but missing here"
)


@needs_jq
@pytest.mark.parametrize(
    ("base_sha", "code"),
    [
        pytest.param("a" * 40, 0, id="sha"),
        pytest.param(None, 2, id="no-pull-request"),
        pytest.param("main", 2, id="not-a-sha"),
        pytest.param("$(touch pwned)", 2, id="command-substitution"),
        pytest.param("a" * 40 + "\nsha=" + "b" * 40, 2, id="output-injection"),
    ],
)
def test_the_base_sha_step_accepts_only_a_commit_sha(
    tmp_path: Path, base_sha: str | None, code: int
) -> None:
    payload: dict[str, Any] = {} if base_sha is None else {"pull_request": {"base": {}}}
    if base_sha is not None:
        payload["pull_request"]["base"]["sha"] = base_sha
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    out = tmp_path / "output"
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", audit_steps()["base"]["run"]],
        env={
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_OUTPUT": str(out),
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == code, proc.stdout + proc.stderr
    written = out.read_text(encoding="utf-8") if out.exists() else ""
    assert written == (f"sha={base_sha}\n" if code == 0 else "")
    assert not list(tmp_path.rglob("pwned"))


def test_only_the_signoff_job_may_write_to_pull_requests() -> None:
    jobs = load(WORKFLOWS / "pr-gate.yml")["jobs"]
    writers = {
        name for name, job in jobs.items() if job["permissions"].get("pull-requests") == "write"
    }
    assert writers == {"signoff"}


def quickstart_caller() -> dict[str, Any]:
    """The first YAML block of docs/quickstart.md (what `releasekit init` writes)."""
    text = (ROOT / "docs" / "quickstart.md").read_text(encoding="utf-8")
    block = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)[0]
    doc = yaml.safe_load(block)
    doc["on"] = doc.pop(True)
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize(
    "caller",
    [
        pytest.param(lambda: load(WORKFLOWS / "pr.yml"), id="pr.yml"),
        pytest.param(lambda: load(TEMPLATE), id="template"),
        pytest.param(quickstart_caller, id="quickstart"),
    ],
)
def test_callers_rerun_on_retarget_and_grant_the_comment(
    caller: Callable[[], dict[str, Any]],
) -> None:
    doc = caller()
    # `edited` is the only event a change of base branch fires.
    types = doc["on"]["pull_request"]["types"]
    assert {"opened", "synchronize", "reopened", "edited", "ready_for_review"} <= set(types)
    [job] = doc["jobs"].values()
    assert job["permissions"]["pull-requests"] == "write"


# ---------------------------------------------------------------------------------------------
# The git helpers signoff-gate's workspace check moved into adapters/git.py


def test_show_prefix_resolve_commit_and_parents(tmp_path: Path) -> None:
    assert show_prefix(tmp_path) is None  # not a git checkout
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f").write_text("x", encoding="utf-8")
    first = commit_all(tmp_path, "first")
    assert show_prefix(tmp_path) == ""
    assert show_prefix(tmp_path / "sub") == "sub/"
    assert resolve_commit(tmp_path, "HEAD") == first
    assert resolve_commit(tmp_path, "no-such-ref") is None
    assert commit_parents(tmp_path, "HEAD") == []
    # A "parent <sha>" line in the message is text: only the commit header names parents,
    # so a checkout cannot pass for GitHub's merge of the head by quoting the head's SHA.
    (tmp_path / "sub" / "f").write_text("y", encoding="utf-8")
    forged = f"second\n\nparent {'b' * 40}"  # read as [first, bbb...]: "merge of bbb..."
    second = commit_all(tmp_path, forged)
    assert commit_parents(tmp_path, second) == [first]
    with pytest.raises(InputError, match="not a git ref"):
        resolve_commit(tmp_path, "HEAD;touch pwned")
