"""release-check: one report from check-changelog and verify-audit, with their exact verdicts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from releasekit.cli import main as releasekit_main
from releasekit.cli.release_check import main
from releasekit.cli.verify_audit import main as verify_audit_main

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


# --- nothing to audit: release-check and verify-audit give one verdict ------------------------


def both_gates(repo: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[int, set[str]]]:
    """(exit code, rule ids) of release-check and of verify-audit on the same repository."""
    results = []
    for gate in (main, verify_audit_main):
        code = gate(["--repo", str(repo), "--format", "json"])
        out = json.loads(capsys.readouterr().out)
        results.append((code, {f"{f['level']}:{f['rule']}" for f in out["findings"]}))
    return results


def test_a_fresh_init_repository_has_nothing_to_audit_in_both_gates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    assert releasekit_main(["init", "--repo", str(repo)]) == 0
    capsys.readouterr()
    [release, audit] = both_gates(repo, capsys)
    assert release[0] == audit[0] == 0
    assert "notice:AUD023" in release[1]
    assert "notice:AUD023" in audit[1]
    assert not any(r.startswith("error:") for r in release[1] | audit[1])


def test_audits_of_strategies_that_cannot_be_found_block_both_gates(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The audit log records ICT_QM and the others, but the policy's paths find none of them.
    shutil.rmtree(desk / "strategies")
    shutil.rmtree(desk / "models")
    [release, audit] = both_gates(desk, capsys)
    assert release[0] == audit[0] == 1
    assert "error:AUD015" in release[1]
    assert "error:AUD015" in audit[1]
    assert "notice:AUD023" not in release[1] | audit[1]
