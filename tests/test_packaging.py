"""Packaging: ranges for the installed package, exact hashed pins only for the action.

``pyproject.toml`` declares compatible ranges (a desk installs releasekit beside its own
packages); ``requirements.txt`` pins the versions CI tests, inside those ranges; the hashed
``requirements.lock`` is compiled from the pins and checked offline.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK_TOOL = ROOT / "tools" / "lock_requirements.py"


def declared() -> dict[str, Requirement]:
    """pyproject's runtime dependencies by canonical name."""
    reqs = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    return {canonicalize_name(r.name): r for r in reqs}


def pinned() -> dict[str, str]:
    """requirements.txt's exact pins by canonical name."""
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$", text, re.MULTILINE)
    return {canonicalize_name(name): version for name, version in pins}


def test_installed_metadata_uses_ranges_with_a_ceiling() -> None:
    assert "dependencies" not in PYPROJECT["project"].get("dynamic", [])
    for name, req in declared().items():
        operators = {spec.operator for spec in req.specifier}
        assert not operators & {"==", "==="}, f"{name} is pinned exactly"
        assert ">=" in operators, f"{name} has no floor"
        assert "<" in operators, f"{name} has no ceiling: a new major could break releasekit"


def test_every_pin_ci_tests_is_inside_its_range() -> None:
    ranges, pins = declared(), pinned()
    assert set(ranges) == set(pins)
    for name, version in pins.items():
        assert ranges[name].specifier.contains(version), f"{name}=={version} vs {ranges[name]}"


@pytest.mark.parametrize("argv", [["--check"], ["--check", "--offline"]], ids=" ".join)
def test_the_lock_check_needs_no_network(argv: list[str]) -> None:
    # An unreachable index proves it: a compile would fail, the offline check does not ask.
    proc = subprocess.run(
        [sys.executable, str(LOCK_TOOL), *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PIP_INDEX_URL": "http://127.0.0.1:9/simple"},
    )
    assert proc.returncode == 0, proc.stderr


def test_refreshing_the_lock_is_a_deliberate_command() -> None:
    proc = subprocess.run(
        [sys.executable, str(LOCK_TOOL)], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 2
    assert "--refresh" in proc.stderr
    header = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()[:6]
    assert "#    python tools/lock_requirements.py --refresh" in header
