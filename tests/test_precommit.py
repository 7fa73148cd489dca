"""The pre-commit hooks (.pre-commit-hooks.yaml), run as a desk runs them: `pre-commit try-repo`.

try-repo installs this working tree the way a desk's `.pre-commit-config.yaml` would install a
release of it (``language: python``: a venv with ``pip install .``), then runs the hook in a
git repository made from the bundled example desk, with a remote whose HEAD is ``main``.
try-repo builds a fresh hook environment every time (its store is a temporary directory), so
it runs once, with every default-stage hook; the behaviour of each hook is then checked with
`pre-commit run` and a `.pre-commit-config.yaml` naming the same snapshot, as a desk's would,
whose environment (PRE_COMMIT_HOME, per module) is built once. The snapshot is this working
tree's tracked files, committed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "trading-desk"
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def git(cwd: Path, *args: str) -> str:
    """Run git with a fixed identity; its stdout."""
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return proc.stdout


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree's tracked files, committed: what try-repo installs the hooks from."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    snapshot = tmp_path_factory.mktemp("releasekit")
    for name in git(ROOT, "ls-files", "-z").split("\0"):
        source = ROOT / name
        if name and source.is_file() and not source.is_symlink():
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif name and source.is_symlink():
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source.readlink())
    git(snapshot, "init", "--quiet")
    git(snapshot, "add", "--all")
    git(snapshot, "commit", "--quiet", "-m", "snapshot")
    return snapshot


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One hook environment for the module's runs (it installs releasekit from the snapshot)."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def hooks(hooks_repo: Path, pre_commit_home: Path) -> tuple[Path, Path]:
    """(the snapshot to install the hooks from, PRE_COMMIT_HOME)."""
    return hooks_repo, pre_commit_home


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    """The example desk as a git repository on main, pushed to an origin with HEAD set."""
    repo = tmp_path / "desk"
    shutil.copytree(EXAMPLE, repo)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "desk")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", str(origin))
    git(repo, "remote", "add", "origin", str(origin))
    git(repo, "push", "--quiet", "origin", "main")
    git(repo, "remote", "set-head", "origin", "main")
    return repo


def pre_commit(
    desk: Path, hooks: tuple[Path, Path], *argv: str
) -> subprocess.CompletedProcess[str]:
    """``pre-commit ARGV`` in ``desk``; ``hooks`` is (snapshot, home)."""
    _, home = hooks
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "PRE_COMMIT_COLOR": "never",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    env.pop("GITHUB_ACTIONS", None)  # a developer's machine, not a workflow
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *argv],
        cwd=desk,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def run_hook(
    desk: Path, hooks: tuple[Path, Path], hook: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    """``pre-commit run HOOK`` with a config that pins the snapshot, as a desk's would."""
    snapshot, _ = hooks
    config = desk.parent / "pre-commit-config.yaml"
    rev = git(snapshot, "rev-parse", "HEAD").strip()
    config.write_text(
        yaml.safe_dump({"repos": [{"repo": str(snapshot), "rev": rev, "hooks": [{"id": hook}]}]}),
        encoding="utf-8",
    )
    return pre_commit(desk, hooks, "run", "--config", str(config), hook, "--verbose", *extra)


def test_the_hooks_are_the_three_gates() -> None:
    assert [h["id"] for h in HOOKS] == ["check-changelog", "verify-audit", "policy-validate"]
    for hook in HOOKS:
        assert hook["language"] == "python"  # installed from this repository's pyproject
        assert hook["entry"].startswith("releasekit ")
        assert hook["pass_filenames"] is False


def cli(desk: Path, *argv: str) -> int:
    """The exit code of ``releasekit ARGV`` run directly (this tree's code) in ``desk``."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from releasekit.cli import main; sys.exit(main(sys.argv[1:]))",
            *argv,
        ],
        cwd=desk,
        env={**os.environ, "PYTHONPATH": str(ROOT / "scripts")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.returncode


def test_try_repo_runs_the_hooks_on_the_example_desk(desk: Path, hooks: tuple[Path, Path]) -> None:
    snapshot, _ = hooks
    proc = pre_commit(desk, hooks, "try-repo", str(snapshot), "--all-files", "--verbose")
    # The hooks' verdict is the commands' verdict: pass only if both gates pass directly.
    direct = [cli(desk, "check-changelog", "--repo", "."), cli(desk, "policy", "validate")]
    assert (proc.returncode == 0) == (direct == [0, 0]), proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    # The default stage runs the two file-triggered gates; verify-audit waits for a push.
    assert "releasekit check-changelog" in proc.stdout
    assert "releasekit policy validate" in proc.stdout
    assert "releasekit verify-audit" not in proc.stdout


def test_check_changelog_hook_passes_then_blocks_a_broken_changelog(
    desk: Path, hooks: tuple[Path, Path]
) -> None:
    assert cli(desk, "check-changelog", "--repo", ".") == 0  # the example's release is sound
    proc = run_hook(desk, hooks, "check-changelog", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "releasekit check-changelog" in proc.stdout
    version = desk / "version.yaml"
    version.write_text(
        version.read_text(encoding="utf-8").replace("1.2.3", "9.9.9"), encoding="utf-8"
    )
    proc = run_hook(desk, hooks, "check-changelog", "--files", "version.yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "BLOCKED" in proc.stdout


def test_policy_validate_hook_gives_the_commands_verdict(
    desk: Path, hooks: tuple[Path, Path]
) -> None:
    policy = desk / ".github" / "release-policy.yml"
    proc = run_hook(desk, hooks, "policy-validate", "--files", str(policy))
    assert proc.returncode == cli(desk, "policy", "validate"), proc.stdout + proc.stderr
    policy.write_text("version: [unclosed\n", encoding="utf-8")
    proc = run_hook(desk, hooks, "policy-validate", "--files", str(policy))
    assert proc.returncode != 0
    assert "release-policy.yml" in proc.stdout
    # A commit that does not touch the policy does not run the hook.
    proc = run_hook(desk, hooks, "policy-validate", "--files", "CHANGELOG.md")
    assert proc.returncode == 0
    assert "(no files to check)Skipped" in proc.stdout


def test_verify_audit_hook_checks_what_the_branch_changed(
    desk: Path, hooks: tuple[Path, Path]
) -> None:
    # Nothing changed since origin/HEAD: nothing to audit, the hook passes.
    proc = run_hook(desk, hooks, "verify-audit", "--hook-stage", "pre-push")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # A strategy changed on the branch: the hook now audits exactly that strategy.
    git(desk, "switch", "--quiet", "-c", "feature")
    pine = next((desk / "strategies").rglob("*.pine"))
    pine.write_text(pine.read_text(encoding="utf-8") + "\n// tweak\n", encoding="utf-8")
    git(desk, "commit", "--quiet", "-am", "tweak a strategy")
    proc = run_hook(desk, hooks, "verify-audit", "--hook-stage", "pre-push")
    assert pine.stem.upper() in proc.stdout.upper() or pine.name in proc.stdout, proc.stdout
