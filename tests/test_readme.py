"""README's first screen stays true: two set-up commands, and the test command is CI's."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(README.splitlines()[:30])
COMMANDS = re.findall(r"```bash\n(.+?)\n```", FIRST_SCREEN, re.DOTALL)


def test_first_screen_has_exactly_two_one_line_commands() -> None:
    assert len(COMMANDS) == 2
    assert all("\n" not in c for c in COMMANDS)


def test_test_command_is_the_one_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    block = ci.split("# --- README test command (keep in sync with README.md) ---\n")[1]
    ci_command = block.split("\n# --- end ---")[0].strip()
    install, _, test = COMMANDS[1].partition(" && ")
    assert install == "pip install -r requirements-dev.txt"
    assert test == ci_command


def test_demo_command_runs_on_the_bundled_example_without_a_token() -> None:
    install, _, demo = COMMANDS[0].partition(" && ")
    assert install == "pip install -r requirements.txt"
    argv = demo.split()
    assert argv[0] == "python"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT)}  # no GITHUB_TOKEN, no GITHUB_ACTIONS
    proc = subprocess.run(
        [sys.executable, *argv[1:]], cwd=ROOT, capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS" in proc.stdout
