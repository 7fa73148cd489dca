"""The composite action's shell, executed: a broken step fails here, not in a user's repo.

``run_action`` plays the runner's part for ``action.yml``: it evaluates the ``${{ }}``
expressions of each step's ``env:`` with the test's inputs (and the earlier steps' outputs),
gives every step a fresh ``GITHUB_OUTPUT``, runs the ``run:`` script with
``bash --noprofile --norc -eo pipefail`` as the runner does, and stops at the first failing
step. Only the expressions the action is allowed to use are understood; anything else fails
the test, so the action cannot quietly grow an expression this harness does not model.

Speed and the network: the real environment step creates a venv and installs the hashed lock
from PyPI. Most tests instead pre-create ``$RUNNER_TEMP/releasekit-venv`` with the lock's
marker — exactly what an earlier releasekit step of the same job leaves behind, so the reuse
path under test is a real one, not a test-only switch — whose ``bin/python`` runs the current
interpreter. The install path itself is run against a stub interpreter that records the pip
command line, and the lock's content is checked offline below.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXAMPLE = ROOT / "examples" / "trading-desk"
LOCK_TOOL = ROOT / "tools" / "lock_requirements.py"
FAKE_TOKEN = "ghs_faketoken_for_tests"
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_RUNTIME_DEPS = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)


@dataclass
class StepResult:
    """One executed step: exit code, output and the outputs it wrote."""

    id: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


@dataclass
class ActionRun:
    """What running the action produced, as a workflow would see it."""

    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    @property
    def returncode(self) -> int:
        """The failing step's code (the step a workflow would show red), else 0."""
        return self.steps[-1].returncode if self.steps else 0

    @property
    def stdout(self) -> str:
        """All steps' standard output, in order."""
        return "".join(s.stdout for s in self.steps)

    def ran(self, step_id: str) -> bool:
        """Whether the step with this id was executed."""
        return any(s.id == step_id for s in self.steps)


def read_output_file(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file: ``name=value`` lines and ``name<<DELIM`` blocks."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            end = lines.index(delim, i + 1)
            out[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
        else:
            name, _, value = line.partition("=")
            out[name] = value
            i += 1
    return out


def evaluate(value: Any, context: dict[str, str]) -> str:
    """Substitute ``${{ expr }}`` with the context's value; unknown expressions fail the test."""
    text = str(value)

    def sub(match: re.Match[str]) -> str:
        expr = match.group(1)
        if expr not in context:
            pytest.fail(f"action.yml uses an expression this harness does not model: {expr}")
        return context[expr]

    return _EXPR.sub(sub, text)


def run_action(
    inputs: dict[str, str],
    *,
    workspace: Path,
    runner_temp: Path,
    event: dict[str, Any] | None = None,
    extra_env: dict[str, str] | None = None,
) -> ActionRun:
    """Run action.yml's steps like the runner does; stop at the first failing step."""
    unknown = set(inputs) - set(ACTION["inputs"])
    assert not unknown, f"not inputs of action.yml: {unknown}"
    context: dict[str, str] = {"github.action_path": str(ROOT), "github.token": FAKE_TOKEN}
    for name, spec in ACTION["inputs"].items():
        default = evaluate(spec.get("default", ""), context)
        context[f"inputs.{name}"] = inputs.get(name, default)
    event_path = runner_temp / "event.json"
    event_path.write_text(json.dumps(event or {}), encoding="utf-8")
    summary = runner_temp / "step_summary.md"
    base_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(runner_temp / "home"),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REPOSITORY": "desk/trading",
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(runner_temp),
        "RUNNER_OS": "Linux",
        **(extra_env or {}),
    }
    result = ActionRun()
    for index, step in enumerate(ACTION["runs"]["steps"]):
        step_id = step.get("id", f"step{index}")
        output_file = runner_temp / f"output_{index}"
        output_file.write_text("")
        env = {**base_env, "GITHUB_OUTPUT": str(output_file)}
        for key, value in (step.get("env") or {}).items():
            env[key] = evaluate(value, context)
        assert step["shell"] == "bash"
        script = runner_temp / f"step_{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        outputs = read_output_file(output_file)
        result.steps.append(StepResult(step_id, proc.returncode, proc.stdout, proc.stderr, outputs))
        for name, value in outputs.items():
            context[f"steps.{step_id}.outputs.{name}"] = value
        if proc.returncode != 0:
            break
    for name, spec in ACTION["outputs"].items():
        # An output of a step that did not run (or did not set it) is empty, as in Actions.
        expr = _EXPR.fullmatch(spec["value"])
        assert expr is not None
        result.outputs[name] = context.get(expr.group(1), "")
    result.summary = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return result


def lock_marker() -> str:
    """What the environment step records for the current requirements.lock."""
    return hashlib.sha256((ROOT / "requirements.lock").read_bytes()).hexdigest()


def write_executable(path: Path, text: str) -> None:
    """Write a shell script and make it executable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def prepare_venv(runner_temp: Path, python: str = sys.executable) -> Path:
    """The venv an earlier releasekit step of this job would have left, running ``python``."""
    venv = runner_temp / "releasekit-venv"
    write_executable(venv / "bin" / "python", f'#!/bin/sh\nexec "{python}" "$@"\n')
    (venv / ".releasekit-lock").write_text(lock_marker(), encoding="utf-8")
    return venv


@pytest.fixture
def runner_temp(tmp_path: Path) -> Path:
    """RUNNER_TEMP for one job."""
    path = tmp_path / "runner_temp"
    (path / "home").mkdir(parents=True)
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The repository a gate checks: examples/trading-desk, copied so tests never change it.

    Until the example exists, this repository's own CHANGELOG.md and version.yaml stand in.
    """
    target = tmp_path / "workspace"
    if (EXAMPLE / "CHANGELOG.md").exists() and (EXAMPLE / "version.yaml").exists():
        shutil.copytree(EXAMPLE, target)
    else:
        target.mkdir()
        for name in ("CHANGELOG.md", "version.yaml"):
            shutil.copy(ROOT / name, target / name)
    return target


# --- the gate, end to end through the action's shell ---------------------------------------


def test_passing_gate_sets_outputs_writes_summary_and_succeeds(
    repo: Path, runner_temp: Path
) -> None:
    prepare_venv(runner_temp)
    run = run_action({"command": "check-changelog"}, workspace=repo, runner_temp=runner_temp)
    assert run.returncode == 0, run.stdout + run.steps[-1].stderr
    assert [s.id for s in run.steps] == ["validate", "env", "run"]
    assert run.outputs["verdict"] == "pass"
    assert run.outputs["exit-code"] == "0"
    report = Path(run.outputs["report-path"])
    assert report == runner_temp / "releasekit" / "check-changelog.json"
    assert json.loads(report.read_text(encoding="utf-8"))["verdict"] == "pass"
    assert "check-changelog" in run.summary


def test_blocked_verdict_fails_the_step_with_exit_1(repo: Path, runner_temp: Path) -> None:
    prepare_venv(runner_temp)
    run = run_action(
        {"command": "check-changelog", "tag": "v999.0.0"}, workspace=repo, runner_temp=runner_temp
    )
    assert run.returncode == 1
    assert run.outputs["verdict"] == "blocked"
    assert run.outputs["exit-code"] == "1"
    assert "::error" in run.stdout  # the finding is annotated on its file
    assert "REL002" in run.summary


def test_notes_out_reaches_the_notes_path_output(repo: Path, runner_temp: Path) -> None:
    prepare_venv(runner_temp)
    notes = runner_temp / "notes.md"
    run = run_action(
        {"command": "check-changelog", "notes-out": str(notes)},
        workspace=repo,
        runner_temp=runner_temp,
    )
    assert run.returncode == 0, run.stdout
    assert run.outputs["notes-path"] == str(notes)
    assert notes.read_text(encoding="utf-8").strip()


def test_report_out_and_format_inputs_are_honoured(repo: Path, runner_temp: Path) -> None:
    prepare_venv(runner_temp)
    out = runner_temp / "custom" / "report.json"
    run = run_action(
        {"command": "check-changelog", "format": "json", "report-out": str(out)},
        workspace=repo,
        runner_temp=runner_temp,
    )
    assert run.returncode == 0
    assert run.outputs["report-path"] == str(out)
    assert out.exists()
    assert '"verdict": "pass"' in run.steps[-1].stdout


@pytest.mark.parametrize(
    "inputs",
    [
        pytest.param({"command": "policy"}, id="policy-validate"),
        pytest.param({"command": "verify-audit"}, id="verify-audit"),
        pytest.param({"command": "check-changelog", "require-unreleased": "true"}, id="pr-mode"),
    ],
)
def test_example_repo_gates_report_through_the_action(
    repo: Path, runner_temp: Path, inputs: dict[str, str]
) -> None:
    if not (repo / ".github" / "release-policy.yml").exists():
        pytest.skip("examples/trading-desk is not there yet")
    prepare_venv(runner_temp)
    run = run_action(inputs, workspace=repo, runner_temp=runner_temp)
    # Whatever the example's verdict, the step's exit code is the gate's, and it was reported.
    assert run.outputs["verdict"] in ("pass", "blocked"), run.steps[-1].stdout
    assert run.returncode == int(run.outputs["exit-code"])
    assert Path(run.outputs["report-path"]).exists()
    assert run.summary.strip()


# --- what is refused before anything runs -----------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("deploy", id="unknown-command"),
        pytest.param("check-changelog; touch pwned", id="shell-injection"),
        pytest.param("$(touch pwned)", id="command-substitution"),
        pytest.param("--help", id="option-as-command"),
        pytest.param("", id="empty"),
        pytest.param("check-changelog\nbump-version", id="two-lines"),
    ],
)
def test_invalid_command_is_refused_before_anything_runs(
    repo: Path, runner_temp: Path, command: str
) -> None:
    run = run_action({"command": command}, workspace=repo, runner_temp=runner_temp)
    assert run.returncode == 2
    assert [s.id for s in run.steps] == ["validate"]
    assert "::error title=releasekit: invalid input::command must be one of" in run.stdout
    assert not (runner_temp / "releasekit-venv").exists()
    assert not (repo / "pwned").exists()
    assert run.outputs["verdict"] == ""


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        pytest.param({"format": "yaml"}, "format must be", id="format"),
        pytest.param({"require-unreleased": "yes"}, "require-unreleased must be", id="bool"),
        pytest.param({"hotfix": "1"}, "hotfix must be", id="hotfix-bool"),
        pytest.param({"pr": "12; rm -rf /"}, "pr must be", id="pr-injection"),
        pytest.param({"pr": "0"}, "pr must be", id="pr-zero"),
    ],
)
def test_invalid_inputs_are_refused_before_anything_runs(
    repo: Path, runner_temp: Path, inputs: dict[str, str], message: str
) -> None:
    run = run_action(
        {"command": "check-changelog", **inputs}, workspace=repo, runner_temp=runner_temp
    )
    assert run.returncode == 2
    assert not run.ran("env")
    assert message in run.stdout


def test_windows_runner_is_not_refused(repo: Path, runner_temp: Path) -> None:
    prepare_venv(runner_temp)
    run = run_action(
        {"command": "check-changelog"},
        workspace=repo,
        runner_temp=runner_temp,
        extra_env={"RUNNER_OS": "Windows"},
    )
    assert run.ran("run")
    assert "Linux and macOS" not in run.stdout


def test_a_windows_venv_layout_is_found_and_reused(repo: Path, runner_temp: Path) -> None:
    # `python -m venv` on Windows makes Scripts/python.exe, not bin/python.
    venv = runner_temp / "releasekit-venv"
    write_executable(venv / "Scripts" / "python.exe", f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (venv / ".releasekit-lock").write_text(lock_marker(), encoding="utf-8")
    run = run_action({"command": "check-changelog"}, workspace=repo, runner_temp=runner_temp)
    env_step = next(s for s in run.steps if s.id == "env")
    assert "Reusing" in env_step.stdout
    assert env_step.outputs == {"python": str(venv / "Scripts" / "python.exe")}
    assert run.ran("run")


def test_shell_metacharacters_in_values_stay_data(repo: Path, runner_temp: Path) -> None:
    prepare_venv(runner_temp)
    run = run_action(
        {"command": "check-changelog", "tag": 'v1.0.0$(touch pwned)`touch pwned2`"; touch pwned3'},
        workspace=repo,
        runner_temp=runner_temp,
    )
    assert run.returncode in (1, 2)  # releasekit refuses or blocks the tag; the shell ran nothing
    assert not list(repo.glob("pwned*"))
    assert not list(runner_temp.glob("pwned*"))


# --- how the command line is built (a stub interpreter records it) ---------------------------


def recording_python(runner_temp: Path) -> Path:
    """A venv whose python records argv and GITHUB_TOKEN's presence, then runs releasekit."""
    log = runner_temp / "argv.json"
    stub = runner_temp / "recorder.py"
    stub.write_text(
        "import json, os, sys\n"
        f"log = {str(log)!r}\n"
        "record = {'argv': sys.argv[1:], 'token': os.environ.get('GITHUB_TOKEN')}\n"
        "with open(log, 'w') as fh:\n"
        "    json.dump(record, fh)\n"
        "with open(os.environ['GITHUB_OUTPUT'], 'a') as fh:\n"
        "    fh.write('verdict=pass\\n')\n",
        encoding="utf-8",
    )
    prepare_venv(runner_temp, python=sys.executable)
    write_executable(
        runner_temp / "releasekit-venv" / "bin" / "python",
        f'#!/bin/sh\nexec "{sys.executable}" "{stub}" "$@"\n',
    )
    return log


def test_every_input_becomes_one_option_and_the_token_stays_in_the_environment(
    repo: Path, runner_temp: Path
) -> None:
    log = recording_python(runner_temp)
    run = run_action(
        {
            "command": "verify-audit",
            "repo-path": "sub dir",
            "tag": "-v1.2.3",
            "version": "1.2.3",
            "strategy": "ICT QM",
            "changed-since": "origin/main",
            "base": "-base-sha",
            "policy-ref": "-base",
            "bias-junit": "junit bias.xml",
            "require-unreleased": "true",
            "hotfix": "true",
            "pr": "42",
            "args": "--as-of=2026-01-01\n\n--extra value with spaces",
            "github-token": "ghs_secret_value",
        },
        workspace=repo,
        runner_temp=runner_temp,
    )
    assert run.returncode == 0, run.stdout + run.steps[-1].stderr
    recorded = json.loads(log.read_text(encoding="utf-8"))
    argv = recorded["argv"]
    assert argv[:2] == ["-I", "-c"]  # isolated: no PYTHONPATH, no workspace on sys.path
    assert argv[3] == str(ROOT / "scripts")  # this action's own copy of the toolkit
    assert argv[4:] == [
        "verify-audit",
        "--format=text",
        f"--report-out={runner_temp}/releasekit/verify-audit.json",
        "--repo=sub dir",
        "--tag=-v1.2.3",
        "--version=1.2.3",
        "--strategy=ICT QM",
        "--changed-since=origin/main",
        "--base=-base-sha",
        "--policy-ref=-base",
        "--bias-junit=junit bias.xml",
        "--pr=42",
        "--hotfix",
        "--require-unreleased",
        "--as-of=2026-01-01",
        "--extra value with spaces",
    ]
    assert recorded["token"] == "ghs_secret_value"
    assert all("ghs_secret_value" not in a for a in argv)


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in ``repo`` (made a git repository if it is not one); the new SHA."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    if not (repo / ".git").exists():
        subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", message], check=True, env=env)
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, env=env, capture_output=True
    )
    return head.stdout.decode().strip()


def make_release_pr(repo: Path) -> None:
    """What bump-version leaves in a release PR: 1.2.4 and its section, [Unreleased] empty."""
    version = repo / "version.yaml"
    version.write_text(
        version.read_text(encoding="utf-8").replace(
            "version: 1.2.3\nrelease_date: 2024-01-15\nchangelog:\n",
            'version: 1.2.4\nrelease_date: 2024-02-01\nchangelog:\n- "1.2.4: Fixed order sizing"\n',
        ),
        encoding="utf-8",
    )
    changelog = repo / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text(encoding="utf-8").replace(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n## [1.2.4] - 2024-02-01\n\n### Fixed\n- Fixed order sizing.\n",
            1,
        ),
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    ("release_pr", "code", "rule"),
    [
        pytest.param(True, 0, "REL008", id="release-pr-may-empty-unreleased"),
        pytest.param(False, 1, "REL004", id="change-pr-needs-its-entry"),
    ],
)
def test_pr_gate_changelog_step_tells_a_release_pr_by_its_version(
    repo: Path, runner_temp: Path, release_pr: bool, code: int, rule: str
) -> None:
    # pr-gate's changelog step: require-unreleased and base, the PR's base commit, whatever
    # the branch is called. The example's [Unreleased] is empty in both pull requests.
    assert "## [Unreleased]\n\n## [1.2.3]" in (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    base = commit_all(repo, "base")
    if release_pr:
        make_release_pr(repo)
    else:
        (repo / "NOTES.txt").write_text("a change that forgot its changelog entry\n")
    commit_all(repo, "the pull request")
    prepare_venv(runner_temp)
    run = run_action(
        {"command": "check-changelog", "require-unreleased": "true", "base": base},
        workspace=repo,
        runner_temp=runner_temp,
    )
    assert run.returncode == code, run.stdout + run.steps[-1].stderr
    assert rule in run.summary
    report = json.loads(Path(run.outputs["report-path"]).read_text(encoding="utf-8"))
    assert report["data"]["release_pr"] is release_pr


def test_default_token_is_the_jobs_github_token(repo: Path, runner_temp: Path) -> None:
    log = recording_python(runner_temp)
    run = run_action({"command": "signoff-gate"}, workspace=repo, runner_temp=runner_temp)
    assert run.returncode == 0
    recorded = json.loads(log.read_text(encoding="utf-8"))
    assert recorded["token"] == FAKE_TOKEN
    assert not any(a.startswith("--pr") for a in recorded["argv"])  # read from the event


def test_self_ref_gets_no_repo_option(repo: Path, runner_temp: Path) -> None:
    log = recording_python(runner_temp)
    sha = "a" * 40
    run = run_action(
        {"command": "self-ref", "expect-sha": sha}, workspace=repo, runner_temp=runner_temp
    )
    assert run.returncode == 0
    argv = json.loads(log.read_text(encoding="utf-8"))["argv"]
    assert f"--expect-sha={sha}" in argv
    assert not any(a.startswith("--repo=") for a in argv)


def test_policy_runs_its_validate_subcommand(repo: Path, runner_temp: Path) -> None:
    log = recording_python(runner_temp)
    run = run_action({"command": "policy"}, workspace=repo, runner_temp=runner_temp)
    assert run.returncode == 0
    argv = json.loads(log.read_text(encoding="utf-8"))["argv"]
    assert argv[4:6] == ["policy", "validate"]


def test_a_crash_without_a_verdict_is_an_error_never_a_block(repo: Path, runner_temp: Path) -> None:
    venv = prepare_venv(runner_temp)
    write_executable(venv / "bin" / "python", "#!/bin/sh\necho Traceback >&2\nexit 1\n")
    run = run_action({"command": "check-changelog"}, workspace=repo, runner_temp=runner_temp)
    assert run.returncode == 3
    assert run.outputs["verdict"] == "error"
    assert run.outputs["exit-code"] == "3"
    assert "without a verdict" in run.stdout


def test_workspace_releasekit_directory_cannot_shadow_the_action(
    repo: Path, runner_temp: Path
) -> None:
    prepare_venv(runner_temp)
    (repo / "releasekit").mkdir()
    (repo / "releasekit" / "__init__.py").write_text("raise SystemExit('shadowed')\n")
    run = run_action(
        {"command": "check-changelog"},
        workspace=repo,
        runner_temp=runner_temp,
        extra_env={"PYTHONPATH": str(repo)},
    )
    assert run.returncode == 0, run.steps[-1].stderr
    assert "shadowed" not in run.steps[-1].stderr


# --- the environment step: hashed install, reuse, interpreter checks ---------------------------


def stub_interpreter(runner_temp: Path, *, version_ok: bool = True) -> tuple[Path, Path]:
    """A base python whose ``-m venv DIR`` makes a venv whose pip only records its argv."""
    log = runner_temp / "pip-argv.txt"
    base = runner_temp / "base-python"
    venv_python = f'#!/bin/sh\nif [ "$1" = "-m" ]; then printf "%s\\n" "$@" > "{log}"; fi\n'

    write_executable(
        base,
        "#!/bin/bash\n"
        'if [ "$1" = "-c" ]; then exit ' + ("0" if version_ok else "1") + "; fi\n"
        'if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then\n'
        '  mkdir -p "$3/bin"\n'
        f"  cat > \"$3/bin/python\" <<'PY'\n{venv_python}PY\n"
        '  chmod +x "$3/bin/python"\n'
        "  exit 0\n"
        "fi\n"
        "exit 99\n",
    )
    return base, log


def test_fresh_environment_installs_the_lock_with_hashes_only(
    repo: Path, runner_temp: Path
) -> None:
    base, log = stub_interpreter(runner_temp)
    run = run_action(
        {"command": "check-changelog", "python": str(base)},
        workspace=repo,
        runner_temp=runner_temp,
    )
    env_step = next(s for s in run.steps if s.id == "env")
    assert env_step.returncode == 0, env_step.stderr
    assert log.read_text(encoding="utf-8").splitlines() == [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
        "--require-hashes",
        "--no-deps",
        "--only-binary=:all:",
        "-r",
        str(ROOT / "requirements.lock"),
    ]
    venv = runner_temp / "releasekit-venv"
    assert (venv / ".releasekit-lock").read_text(encoding="utf-8") == lock_marker()
    assert env_step.outputs == {"python": str(venv / "bin" / "python")}


def test_environment_is_reused_only_for_the_same_lock(repo: Path, runner_temp: Path) -> None:
    base, log = stub_interpreter(runner_temp)
    venv = prepare_venv(runner_temp)
    run = run_action(
        {"command": "check-changelog", "python": str(base)},
        workspace=repo,
        runner_temp=runner_temp,
    )
    assert "Reusing" in run.steps[1].stdout
    assert not log.exists()
    (venv / ".releasekit-lock").write_text("0" * 64)  # a venv from another lock
    run = run_action(
        {"command": "check-changelog", "python": str(base)},
        workspace=repo,
        runner_temp=runner_temp,
    )
    assert log.exists()
    assert (venv / ".releasekit-lock").read_text(encoding="utf-8") == lock_marker()


def test_old_interpreter_is_refused_with_exit_3(repo: Path, runner_temp: Path) -> None:
    base, _ = stub_interpreter(runner_temp, version_ok=False)
    run = run_action(
        {"command": "check-changelog", "python": str(base)},
        workspace=repo,
        runner_temp=runner_temp,
    )
    assert run.returncode == 3
    assert "Python 3.11+ needed" in run.stdout
    assert not run.ran("run")


# --- the lock the environment step installs -------------------------------------------------


def test_every_lock_requirement_is_pinned_and_hashed() -> None:
    blocks: list[list[str]] = []
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line[0].isspace():
            blocks[-1].append(line.strip())
        else:
            blocks.append([line])
    assert len(blocks) >= 7
    for head, *rest in blocks:
        assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*==\S+ \\", head), head
        hashes = [x for x in rest if x.startswith("--hash=")]
        assert hashes, f"{head} has no hash"
        assert all(re.fullmatch(r"--hash=sha256:[0-9a-f]{64}( \\)?", h) for h in hashes), head
        assert not [x for x in rest if x.startswith("-") and not x.startswith("--hash=")], head


def test_every_runtime_dependency_is_locked_at_its_pinned_version() -> None:
    def canonical(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    wanted = {
        canonical(n): v
        for n, v in _RUNTIME_DEPS.findall((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    }
    locked = {
        canonical(n): v
        for n, v in _RUNTIME_DEPS.findall((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    }
    assert wanted, "requirements.txt lists no pinned runtime dependency"
    for name, version in wanted.items():
        assert locked.get(name) == version, (
            f"{name}: requirements.txt {version}, lock {locked.get(name)}"
        )


def test_lock_tool_check_agrees_offline() -> None:
    proc = subprocess.run(
        [sys.executable, str(LOCK_TOOL), "--check", "--offline"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


def test_lock_tool_reports_an_unhashed_or_drifted_lock() -> None:
    spec = importlib.util.spec_from_file_location("lock_requirements", LOCK_TOOL)
    assert spec is not None
    assert spec.loader is not None
    lock_requirements = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = lock_requirements  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(lock_requirements)
    finally:
        del sys.modules[spec.name]
    problems = lock_requirements.consistency_problems(
        "PyYAML==6.0.3\nsemver==3.1.2\n",
        "pyyaml==6.0.2 \\\n    --hash=sha256:" + "a" * 64 + "\nsemver==3.1.2\n",
    )
    assert problems == [
        "semver==3.1.2 has no --hash=sha256: entries",
        "pyyaml: requirements.txt pins 6.0.3, the lock 6.0.2",
    ]


def test_without_python3_the_default_falls_back_to_python(repo: Path, runner_temp: Path) -> None:
    # A Windows runner's PATH: bash's tools and `python`, no `python3`.
    base, log = stub_interpreter(runner_temp)
    bin_dir = runner_temp / "winbin"
    bin_dir.mkdir()
    for tool in ("bash", "sh", "cat", "cut", "rm", "mkdir", "dirname", "grep", "chmod"):
        found = shutil.which(tool)
        assert found is not None, tool
        (bin_dir / tool).symlink_to(found)
    (bin_dir / "sha256sum").symlink_to(shutil.which("sha256sum") or "/usr/bin/sha256sum")
    (bin_dir / "python").symlink_to(base)
    run = run_action(
        {"command": "check-changelog"},
        workspace=repo,
        runner_temp=runner_temp,
        extra_env={"PATH": str(bin_dir), "RUNNER_OS": "Windows"},
    )
    env_step = next(s for s in run.steps if s.id == "env")
    assert env_step.returncode == 0, env_step.stdout + env_step.stderr
    assert log.read_text(encoding="utf-8").splitlines()[:3] == ["-m", "pip", "install"]
