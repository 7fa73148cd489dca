"""README's first screen stays true: two set-up commands, and the test command is CI's.

Both commands make and use a virtual environment themselves, so they work on a stock Debian or
Ubuntu Python (whose own site-packages are "externally managed", PEP 668). The first is run
here exactly as written, from a fresh directory, with a stock interpreter where there is one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(README.splitlines()[:30])
COMMANDS = re.findall(r"```bash\n(.+?)\n```", FIRST_SCREEN, re.DOTALL)
VENV = ["python3 -m venv .venv", ". .venv/bin/activate"]


def test_first_screen_has_exactly_two_one_line_commands() -> None:
    assert len(COMMANDS) == 2
    assert all("\n" not in c for c in COMMANDS)
    assert "Python ≥ 3.11" in FIRST_SCREEN


def test_test_command_is_the_one_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    block = ci.split("# --- README test command (keep in sync with README.md) ---\n")[1]
    ci_command = block.split("\n# --- end ---")[0].strip()
    parts = COMMANDS[1].split(" && ")
    assert parts[:3] == [*VENV, "pip install -r requirements-dev.txt"]
    assert " && ".join(parts[3:]) == ci_command


def test_ci_fails_when_any_step_of_the_test_command_fails(tmp_path: Path) -> None:
    # The README command is an && list, which `set -e` lets fail silently unless it is the
    # last command that fails: .ci/run must check the list's status itself.
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    head, rest = ci.split("# --- README test command (keep in sync with README.md) ---\n")
    _, after = rest.split("\n# --- end ---\n")
    script = tmp_path / "run"
    for first in ("false", "true"):
        script.write_text(
            f"set -euo pipefail\n{first} && true\n# --- end ---\n{after}".replace(
                "python scripts/check_changelog.py --repo .", "echo reached"
            ).replace("python tools/lock_requirements.py --check", "true"),
            encoding="utf-8",
        )
        proc = subprocess.run(
            ["bash", str(script)], capture_output=True, text=True, check=False, timeout=30
        )
        assert (proc.returncode != 0) == (first == "false"), proc.stdout + proc.stderr
        assert ("reached" in proc.stdout) == (first == "true")
    assert "set -euo pipefail" in head


def stock_python() -> str:
    """The distribution's own python3 when it is 3.11+ (Debian's), else this interpreter."""
    for candidate in ("/usr/bin/python3",):
        if Path(candidate).exists():
            proc = subprocess.run(
                [
                    candidate,
                    "-c",
                    "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))",
                ],
                capture_output=True,
                check=False,
            )
            if proc.returncode == 0:
                return candidate
    return sys.executable


def test_demo_command_runs_as_written_in_a_fresh_venv(tmp_path: Path) -> None:
    parts = COMMANDS[0].split(" && ")
    assert parts[:3] == [*VENV, "pip install -r requirements.txt"]
    assert parts[3].startswith("python scripts/")
    # A fresh directory with what the command needs; python3 is a stock interpreter.
    work = tmp_path / "releasekit"
    work.mkdir()
    shutil.copy(ROOT / "requirements.txt", work / "requirements.txt")
    for name in ("scripts", "examples"):
        (work / name).symlink_to(ROOT / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(stock_python())
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(tmp_path)),  # pip's cache
        "LANG": "C.UTF-8",
    }  # no GITHUB_TOKEN, no GITHUB_ACTIONS
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-c", COMMANDS[0]],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "PASS" in proc.stdout
    assert (work / ".venv" / "pyvenv.cfg").exists()
