"""Every releasekit command shown in README.md and docs/*.md exists, takes the flags shown, and
runs as written.

Commands are taken from fenced blocks (``bash``, ``sh``, ``shell``; ``console`` lines after
``$ ``; a ``text`` block's ``releasekit ...`` synopsis), with ``\\`` continuations joined and
``&&`` lists split. Each one is checked twice:

- **its flags**: the command (and sub-command) exists and its ``--help`` lists every ``--flag``
  the line shows;
- **as written**: unless it names a placeholder or needs GitHub (listed below, with the
  reason), it runs against a copy of this repository's example desk (or a git copy of it, for
  a command that runs inside a desk) and must not be refused as usage (argparse's exit 2) or
  crash (exit 3, "internal error"). A blocked verdict (1) or bad input (2, with a fix) is what
  several pages show on purpose.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from releasekit.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLE = ROOT / "examples" / "trading-desk"
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_SHELL = ("bash", "sh", "shell")
# What marks a line as an illustration rather than a command to run as written.
PLACEHOLDERS = re.compile(r"<[^>]*>|\bOWNER\b|\$[A-Z_{]|\[--|\bX\.Y\.Z\b|\bFILE\b")
# Commands that need a real GitHub repository and its token, and why they are not run here
# (each of these roads runs over the loopback GitHub in its own tests and in the drill).
NEEDS_GITHUB = {
    "--github": "reads post-mortem issues and keeps the hotfix-debt issue on GitHub",
    "kill-switch-release": "records the release of the kill switch on GitHub",
    "rollback.py run": "deploys the previous version and records it on GitHub",
    "GITHUB_TOKEN=": "the line sets a token: the command reads the repository through the API",
    "rollback.py plan": "reads the version's deployments from GitHub to find the target",
}


@dataclass(frozen=True)
class Shown:
    """One command as a page shows it."""

    page: str
    line: str
    argv: tuple[str, ...]
    synopsis: bool

    @property
    def id(self) -> str:
        return f"{self.page}: {self.line[:70]}"


def _commands(text: str, page: str) -> list[Shown]:
    found: list[Shown] = []
    for lang, body in _FENCE.findall(text):
        joined = re.sub(r"\\\n\s*", " ", body)
        for raw in joined.splitlines():
            line = raw.strip()
            if lang == "console":
                if not line.startswith("$ "):
                    continue
                line = line[2:]
            elif lang == "text":
                if not line.startswith("releasekit "):
                    continue
            elif lang not in _SHELL:
                continue
            for part in re.split(r"\s*(?:&&|;)\s*", line):
                try:
                    argv = shlex.split(part, comments=True)
                except ValueError:
                    continue
                while argv and re.fullmatch(r"[A-Z_]+=.*", argv[0]):
                    argv = argv[1:]  # an environment assignment before the command
                if _is_ours(argv):
                    found.append(Shown(page, part, tuple(argv), lang == "text"))
    return found


def _is_ours(argv: list[str]) -> bool:
    if argv[:1] == ["releasekit"]:
        return True
    if argv[:3] == ["python", "-m", "releasekit"]:
        return True
    return (
        len(argv) > 1
        and argv[0] == "python"
        and re.fullmatch(r"scripts/\w+\.py", argv[1]) is not None
    )


SHOWN = [c for page in PAGES for c in _commands(page.read_text("utf-8"), page.name)]


def _command_name(argv: tuple[str, ...]) -> tuple[str, list[str]]:
    """(releasekit command, the rest of argv)."""
    if argv[0] == "releasekit":
        return argv[1], list(argv[2:])
    if argv[1] == "-m":
        return argv[3], list(argv[4:])
    shim = (ROOT / argv[1]).read_text(encoding="utf-8")
    match = re.search(r'main\(\["([a-z-]+)", \*sys\.argv\[1:\]\]\)', shim)
    assert match is not None, f"{argv[1]} is not a releasekit shim"
    return match.group(1), list(argv[2:])


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    env["PYTHONPATH"] = str(ROOT / "scripts")
    return env


@functools.cache
def _help(words: tuple[str, ...]) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "releasekit", *words, "--help"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_the_pages_show_commands() -> None:
    pages = {c.page for c in SHOWN}
    assert len(SHOWN) >= 30
    assert {"walkthrough.md", "verify-audit.md", "rollout.md", "hotfix.md"} <= pages


@pytest.mark.parametrize("shown", SHOWN, ids=lambda c: c.id)
def test_command_exists_and_takes_every_flag_shown(shown: Shown) -> None:
    name, rest = _command_name(shown.argv)
    assert name in COMMANDS, f"{shown.page}: no command {name!r}"
    words: tuple[str, ...] = (name,)
    if rest and not rest[0].startswith(("-", "[")):
        code, _ = _help((name, rest[0]))
        if code == 0:
            words = (name, rest[0])
    code, text = _help(words)
    assert code == 0, text
    if len(words) == 1:  # a command with sub-commands runs its default one without a name
        listed = re.search(r"^  \{([a-z,-]+)\}\s*$", text, re.MULTILINE)
        for sub in listed.group(1).split(",") if listed else ():
            text += _help((name, sub))[1]
    flags = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", shown.line))
    missing = sorted(f for f in flags if not re.search(rf"(?<![\w-]){f}(?![\w-])", text))
    assert not missing, f"{shown.page}: `{' '.join(words)}` has no {missing}"


# Offline, but only in a checkout made for it.
NEEDS_A_TAGGED_CHECKOUT = {
    "--fixture signoff-fixture.json": "needs the tagged merge the fixture names, which"
    " replay_evidence.py makes (tests/test_evidence.py runs that replay)",
}


def _skip_reason(shown: Shown) -> str | None:
    if shown.synopsis or PLACEHOLDERS.search(shown.line):
        return "a synopsis or a placeholder, not a command to run as written"
    for needle, why in NEEDS_A_TAGGED_CHECKOUT.items():
        if needle in shown.line and "evidence" in shown.line:
            return why
    for needle, why in NEEDS_GITHUB.items():
        if needle in shown.line:
            return f"needs a real GitHub token: {why}"
    return None


RUNNABLE = [c for c in SHOWN if _skip_reason(c) is None]


def test_the_skipped_commands_are_the_listed_ones() -> None:
    skipped = {c.line: _skip_reason(c) for c in SHOWN if _skip_reason(c)}
    github = [line for line, why in skipped.items() if why and "GitHub" in why]
    # Each NEEDS_GITHUB entry still matches a shown command (no stale exemption).
    for needle in NEEDS_GITHUB:
        assert any(needle in line for line in github), f"stale exemption: {needle}"
    assert len(RUNNABLE) >= len(SHOWN) // 2


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of examples/trading-desk where the pages' paths expect it."""
    root = tmp_path_factory.mktemp("docs")
    shutil.copytree(EXAMPLE, root / "examples" / "trading-desk")
    return root


# Files a page's command reads that a desk has of its own (the rollout's state and the monitoring
# snapshot): the command is run, and may only stop on their absence (exit 2, naming the file).
USER_FILES = ("state.json", "metrics.json", "rollout-state.json")
# Lines a page shows being refused as bad input, on purpose.
REFUSED_ON_PURPOSE = ("--strategy '../../etc/passwd'",)


def _desk(base: Path) -> Path:
    """A git checkout of the example desk, for a command that runs inside a desk: with a
    change under [Unreleased] (bump-version's pages cut a release), the example's sign-off
    fixture where evidence.md names it, and a tags file as hotfix.md writes it."""
    desk = base / "desk"
    shutil.copytree(EXAMPLE, desk, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(desk / ".releasekit" / "signoff-fixture.json", desk / "signoff-fixture.json")
    (desk / "tags.txt").write_text("v1.2.4-hotfix 2024-01-15T09:00:00Z\n", encoding="utf-8")
    changelog = desk / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text(encoding="utf-8").replace(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n### Fixed\n- Reconnects no longer repeat orders.\n",
            1,
        ),
        encoding="utf-8",
    )
    env = {**_env(), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "desk"]):
        subprocess.run(["git", *args], cwd=desk, env=env, check=True, capture_output=True)
    return desk


@pytest.mark.parametrize("shown", RUNNABLE, ids=lambda c: c.id)
def test_command_runs_as_written(shown: Shown, workspace: Path, tmp_path: Path) -> None:
    name, rest = _command_name(shown.argv)
    cwd = workspace if any("examples/" in a for a in shown.argv) else _desk(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "releasekit", name, *rest],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert "usage:" not in done.stderr, f"{shown.page}: refused as usage:\n{output}"
    assert done.returncode in (0, 1, 2), output
    if any(needle in shown.line for needle in REFUSED_ON_PURPOSE):
        assert done.returncode == 2, output
        return
    if done.returncode == 2:
        named = [f for f in USER_FILES if f in output and "not found" in output]
        assert named, f"{shown.page}: bad input:\n{output}"
    assert "internal error" not in output, output
    assert "Traceback" not in output, output
