"""Every ``scripts/<gate>.py`` goes through the dispatcher's output boundary.

The shims are what a runbook step or a workflow ``run:`` line calls (``python
scripts/verify_audit.py``), so they print to the runner as much as ``releasekit <command>``
does. Each shim is run here as a process, as the runner would run it (``GITHUB_ACTIONS=true``),
on a copy of the example desk with hostile text in every field that reaches output and in
its arguments; no output line may be a workflow command other than our own annotations, and
no raw control character may be printed (the checker of tests/test_hostile_output.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from releasekit.cli import COMMANDS
from test_hostile_output import (
    _RAW_CONTROL,
    DESK,
    FIXTURE,
    FRAGMENTS,
    OUR_ANNOTATIONS,
    SITES,
    plant,
    runner_commands,
)

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
HOSTILE = "x" + "".join(FRAGMENTS)
# The text as one command-line argument: a process argument cannot hold a NUL byte.
ARG = HOSTILE.replace("\0", "")

# Each shim and the command it is (``calendar_gate.py``: a ``calendar.py`` would hide the
# standard library's module).
SHIMS = {
    "audit.py": "audit",
    "board.py": "board",
    "bump_version.py": "bump-version",
    "calendar_gate.py": "calendar",
    "check_changelog.py": "check-changelog",
    "doctor.py": "doctor",
    "evidence.py": "evidence",
    "hotfix_sla.py": "hotfix-sla",
    "release_check.py": "release-check",
    "rollback.py": "rollback",
    "rollout.py": "rollout",
    "signoff_gate.py": "signoff-gate",
    "tracker.py": "tracker",
    "verify_audit.py": "verify-audit",
}


def hostile_desk(tmp: Path, sites: set[str]) -> Path:
    """The example desk with ``HOSTILE`` in ``sites``, plus hostile inputs for the other gates."""
    repo = tmp / "desk"
    shutil.copytree(DESK, repo)
    plant(repo, HOSTILE, sites)
    state = {"schema": "releasekit.rollout-state/1", "version": "1.2.3", "events": [], ARG: 1}
    (repo / "state.json").write_text(json.dumps(state))
    (repo / "metrics.json").write_text(json.dumps({ARG: ARG}))
    (repo / "settings.json").write_text(json.dumps({"repository": {"default_branch": ARG}}))
    tag = "".join(ARG.split())  # one tags-file field: no white space
    (repo / "tags.txt").write_text(
        f"v1.2.4-hotfix 2024-01-15T10:00:00Z\n{tag} 2024-01-15T11:00:00Z\n"
    )
    board = repo / ".releasekit" / "board-fixture.json"
    data = json.loads(board.read_text())
    desk = data["repositories"][0]
    desk["issues"][0]["title"] = desk["pulls"][0]["title"] = desk["pulls"][0]["head_ref"] = ARG
    desk["files"]["docs/audits/audit_log.md"] += f"\n## {ARG}\n"
    board.write_text(json.dumps(data))
    return repo


def arguments(shim: str, repo: Path, tmp: Path) -> list[str]:
    """Arguments that make ``shim`` read the desk's hostile content (or echo a hostile value)."""
    r = f"--repo={repo}"
    return {
        "audit.py": ["stamp", "ICT_QM", r, "--dry-run"],
        "board.py": [f"--fixture={repo / '.releasekit' / 'board-fixture.json'}",
                     f"--out={tmp / 'site'}"],
        "bump_version.py": [r, "--dry-run", "--part=patch", "--allow-empty",
                            "--summary=Routine release"],
        "calendar_gate.py": [r, "show"],
        "check_changelog.py": [r],
        "doctor.py": [r, f"--fixture={repo / 'settings.json'}", f"--required-check={ARG}"],
        "evidence.py": [r, "--tag=v1.2.3", f"--fixture={repo / FIXTURE}", f"--out={tmp / 'ev'}"],
        "hotfix_sla.py": [r, f"--tags={repo / 'tags.txt'}", "--now=2024-01-16T10:00:00Z"],
        "release_check.py": [r],
        "rollback.py": [r, "plan", "--version=v1.2.3", f"--reason={ARG[:150]}",
                        f"--condition={ARG}"],
        "rollout.py": [r, "decide", f"--state={repo / 'state.json'}",
                       f"--metrics={repo / 'metrics.json'}", "--now=2024-01-05T09:00:00Z"],
        "signoff_gate.py": [r, f"--fixture={repo / FIXTURE}", "--explain"],
        "tracker.py": [r, "tick", ARG, "--version=v1.2.3", f"--evidence={ARG}"],
        "verify_audit.py": [r, "--all"],
    }[shim]  # fmt: skip


def run_shim(
    shim: str, args: list[str], tmp: Path, *, active: bool = True
) -> subprocess.CompletedProcess[str]:
    """``python scripts/<shim> ARGS`` in an Actions step's (or a terminal's) environment."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "RELEASEKIT_", "RUNNER_"))
    }
    (tmp / "output").touch()
    (tmp / "summary").touch()
    env |= {
        "GITHUB_ACTIONS": "true" if active else "false",
        "GITHUB_OUTPUT": str(tmp / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary"),
        "PYTHONIOENCODING": "utf-8:surrogateescape",
    }
    return subprocess.run(
        [sys.executable, str(SCRIPTS / shim), *args],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        timeout=120,
        check=False,
    )


def assert_no_command(proc: subprocess.CompletedProcess[str], *, active: bool = True) -> None:
    """Exit 0-3, no traceback, no raw control byte, and no command but our annotations."""
    shown = f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert proc.returncode in (0, 1, 2, 3), shown
    assert "Traceback (most recent call last)" not in proc.stderr, shown
    for stream in (proc.stdout, proc.stderr):
        assert _RAW_CONTROL.search(stream) is None, shown
        for form, name, line in runner_commands(stream):
            assert active, line  # outside Actions we issue no command at all
            assert (form, name) in {("v2", n) for n in OUR_ANNOTATIONS}, line
            assert line.startswith(f"::{name} "), line


def test_every_shim_is_listed_and_names_a_command() -> None:
    # A new shim must join this test; each names a command the dispatcher knows.
    assert sorted(p.name for p in SCRIPTS.glob("*.py")) == sorted(SHIMS)
    assert set(SHIMS.values()) <= set(COMMANDS)


@pytest.mark.parametrize("active", [True, False], ids=["actions", "terminal"])
@pytest.mark.parametrize("shim", sorted(SHIMS))
def test_a_shim_prints_no_workflow_command_from_hostile_content(
    tmp_path: Path, shim: str, active: bool
) -> None:
    # Every site but the policy key, which stops each gate at the policy (the test below).
    repo = hostile_desk(tmp_path, set(SITES) - {"policy-key"})
    args = arguments(shim, repo, tmp_path)
    assert_no_command(run_shim(shim, args, tmp_path, active=active), active=active)


@pytest.mark.parametrize("shim", sorted(SHIMS))
def test_a_shim_prints_no_workflow_command_from_a_hostile_policy_key(
    tmp_path: Path, shim: str
) -> None:
    repo = hostile_desk(tmp_path, {"policy-key"})
    assert_no_command(run_shim(shim, arguments(shim, repo, tmp_path), tmp_path))


@pytest.mark.parametrize("shim", sorted(SHIMS))
def test_a_shim_prints_no_workflow_command_from_a_hostile_argument(
    tmp_path: Path, shim: str
) -> None:
    # argparse repeats an unknown option in its error; that message crosses the boundary too.
    proc = run_shim(shim, [f"--{ARG}"], tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "\\n  ::warning::w" in proc.stdout + proc.stderr  # the argument, shown escaped
    assert_no_command(proc)


@pytest.mark.parametrize(("shim", "command"), sorted(SHIMS.items()))
def test_a_shim_answers_as_its_command(tmp_path: Path, shim: str, command: str) -> None:
    proc = run_shim(shim, ["--help"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: releasekit {command} "), proc.stdout
