"""release-check: one report from check-changelog and verify-audit, with their exact verdicts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from releasekit.cli.release_check import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "trading-desk"


@pytest.fixture
def desk(tmp_path: Path) -> Path:
    copy = tmp_path / "desk"
    shutil.copytree(EXAMPLE, copy)
    return copy


def run(repo: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["--repo", str(repo), "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_example_as_shipped_is_ready(desk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(desk, capsys)
    assert code == 0
    assert out["verdict"] == "pass"
    gates = out["data"]["gates"]
    assert {name: g["verdict"] for name, g in gates.items()} == {
        "check-changelog": "pass",
        "verify-audit": "pass",
    }
    assert out["data"]["version"] == "1.2.3"


def test_a_changelog_problem_blocks_the_release(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vy = desk / "version.yaml"
    vy.write_text(vy.read_text().replace("version: 1.2.3", "version: 1.2.4", 1))
    code, out = run(desk, capsys)
    assert code == 1
    rules = {f["rule"] for f in out["findings"]}
    assert "REL001" in rules


def test_an_open_audit_fix_blocks_the_release(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = desk / "docs" / "audits" / "ict_qm_audit.md"
    text = report.read_text()
    assert "- [x]" in text
    report.write_text(text.replace("- [x]", "- [ ]", 1))
    code, out = run(desk, capsys)
    assert code == 1
    blocking = [f for f in out["findings"] if f["level"] == "error"]
    assert [f["rule"] for f in blocking] == ["AUD003"]
    assert blocking[0]["file"].endswith("ict_qm_audit.md")


def test_unreadable_evidence_stops_the_check_with_exit_2(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (desk / "CHANGELOG.md").unlink()
    code, out = run(desk, capsys)
    assert code == 2
    assert out["verdict"] == "error"
