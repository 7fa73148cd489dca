#!/usr/bin/env python3
"""Check or refresh ``requirements.lock``: the composite action's hashed runtime pins.

The action installs its own environment with
``pip install --require-hashes --no-deps -r requirements.lock``, so the lock must hold every
runtime dependency (transitive ones too) with the sha256 of every file PyPI has for it, and
must pin the top-level packages at exactly the versions in ``requirements.txt``.

    python tools/lock_requirements.py --check      # offline: hashed, and agrees with the pins
    python tools/lock_requirements.py --refresh    # recompile from PyPI and rewrite the lock
    python tools/lock_requirements.py --check --against-pypi   # also: equal to a fresh compile

CI runs ``--check``: it needs no network, so a new release on PyPI (a transitive dependency's,
say) can never turn an untouched commit red. Refreshing is a deliberate change, reviewed like
any other: after a pin moves in requirements.txt, or to take newer transitive releases.
``--refresh`` and ``--against-pypi`` need pip-tools (requirements-dev.txt) and PyPI. Hashes
come from PyPI alone: pip's local configuration (extra indexes, find-links, constraints) is
switched off for the compile, so a mirror can never leak into the lock.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
LOCK = ROOT / "requirements.lock"
INDEX_URL = "https://pypi.org/simple"
COMPILE_COMMAND = "python tools/lock_requirements.py --refresh"

_PIN = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;\\]+)")
_HASH = re.compile(r"--hash=sha256:(?P<digest>[0-9a-f]{64})")


@dataclass(frozen=True)
class Locked:
    """One requirement of the lock: a pinned version and the hashes pip will accept."""

    name: str
    version: str
    hashes: frozenset[str]


def canonical(name: str) -> str:
    """PEP 503 name normalisation: ``PyGithub`` and ``pygithub`` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _logical_lines(text: str) -> list[str]:
    """Lines with ``\\`` continuations joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        body = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if body:
            out.append(body)
    return out


def parse_requirements(text: str) -> dict[str, str]:
    """``requirements.txt`` pins: canonical name → version (every line must be ``name==v``)."""
    pins: dict[str, str] = {}
    for line in _logical_lines(text):
        match = _PIN.match(line)
        if match is None:
            raise ValueError(f"not an exact pin (name==version): {line!r}")
        pins[canonical(match["name"])] = match["version"]
    return pins


def parse_lock(text: str) -> dict[str, Locked]:
    """The lock's requirements by canonical name, each with its hashes."""
    locked: dict[str, Locked] = {}
    for line in _logical_lines(text):
        if line.startswith("-"):
            raise ValueError(f"the lock must hold requirements only, not options: {line!r}")
        match = _PIN.match(line)
        if match is None:
            raise ValueError(f"not an exact pin (name==version): {line!r}")
        name = canonical(match["name"])
        locked[name] = Locked(
            name, match["version"], frozenset(m["digest"] for m in _HASH.finditer(line))
        )
    return locked


def consistency_problems(requirements_text: str, lock_text: str) -> list[str]:
    """Why the lock cannot be installed as the action does, or disagrees with the pins."""
    problems: list[str] = []
    try:
        wanted = parse_requirements(requirements_text)
        locked = parse_lock(lock_text)
    except ValueError as exc:
        return [str(exc)]
    for item in locked.values():
        if not item.hashes:
            problems.append(f"{item.name}=={item.version} has no --hash=sha256: entries")
    for name, version in wanted.items():
        if name not in locked:
            problems.append(f"{name} is in requirements.txt but not in the lock")
        elif locked[name].version != version:
            problems.append(
                f"{name}: requirements.txt pins {version}, the lock {locked[name].version}"
            )
    return problems


def compile_lock(requirements: Path, output: Path) -> None:
    """Run pip-compile --generate-hashes against PyPI only, writing ``output``."""
    pip_compile = shutil.which("pip-compile")
    if pip_compile is None:
        raise SystemExit("pip-compile not found: pip install -r requirements-dev.txt")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull  # no mirrors, find-links or constraints of this host
    env["CUSTOM_COMPILE_COMMAND"] = COMPILE_COMMAND  # the header tells how to regenerate
    subprocess.run(
        [
            pip_compile,
            "--quiet",
            "--generate-hashes",
            "--allow-unsafe",
            "--strip-extras",
            "--no-emit-index-url",
            "--no-emit-find-links",
            "--rebuild",
            f"--index-url={INDEX_URL}",
            f"--output-file={output}",
            requirements.name,
        ],
        check=True,
        env=env,
        cwd=requirements.parent,
    )


def main(argv: list[str] | None = None) -> int:
    """``--check`` (offline, exit 1 when inconsistent) or ``--refresh`` (rewrite the lock)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="check the lock; no network")
    mode.add_argument("--refresh", action="store_true", help="recompile the lock from PyPI")
    parser.add_argument(
        "--against-pypi",
        action="store_true",
        help="with --check: also compare with a fresh compile (network)",
    )
    # Accepted for older docs and scripts: --check has been offline since 0.x.
    parser.add_argument("--offline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    requirements_text = REQUIREMENTS.read_text(encoding="utf-8")
    if args.refresh:
        compile_lock(REQUIREMENTS, LOCK.relative_to(REQUIREMENTS.parent))
        problems = consistency_problems(requirements_text, LOCK.read_text(encoding="utf-8"))
        for problem in problems:
            print(f"lock: {problem}", file=sys.stderr)
        return 1 if problems else 0

    lock_text = LOCK.read_text(encoding="utf-8") if LOCK.exists() else ""
    problems = consistency_problems(requirements_text, lock_text)
    for problem in problems:
        print(f"requirements.lock: {problem}", file=sys.stderr)
    if problems:
        print(f"fix the pins, or refresh the lock: `{COMPILE_COMMAND}`", file=sys.stderr)
        return 1
    if not args.against_pypi:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "requirements.lock"
        shutil.copy(REQUIREMENTS, Path(tmp) / "requirements.txt")
        compile_lock(Path(tmp) / "requirements.txt", fresh.relative_to(tmp))
        fresh_text = fresh.read_text(encoding="utf-8")
    if parse_lock(fresh_text) != parse_lock(lock_text):
        diff = difflib.unified_diff(
            lock_text.splitlines(), fresh_text.splitlines(), "requirements.lock", "fresh", n=1
        )
        print("\n".join(diff), file=sys.stderr)
        print(f"PyPI has newer releases than the lock: `{COMPILE_COMMAND}`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
