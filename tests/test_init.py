"""releasekit init: a new repository whose own gates pass, idempotent, never overwriting."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from releasekit.cli.init import main as init
from releasekit.cli.policy import main as policy
from releasekit.cli.release_check import main as release_check

ROOT = Path(__file__).resolve().parents[1]
SHA = "11bd71901bbe5b1630ceea73d27597364c9af683"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = init([*args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def snapshot(repo: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(repo).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(repo.rglob("*"))
        if p.is_file()
    }


def test_empty_directory_becomes_a_repository_whose_gates_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "--repo", str(tmp_path), "--date", "2026-11-20")
    assert code == 0
    assert set(out["data"]["created"]) == {
        ".github/release-policy.yml",
        ".github/workflows/releasekit.yml",
        ".github/workflows/release.yml",
        ".github/CODEOWNERS",
        "version.yaml",
        "CHANGELOG.md",
        "docs/audits/audit_log.md",
        "docs/releasekit-templates/audit_report.md",
        "docs/releasekit-templates/paper_reconciliation.md",
        "docs/releasekit-templates/strategy_header.pine",
    }
    assert release_check(["--repo", str(tmp_path)]) == 0
    assert policy(["validate", "--repo", str(tmp_path)]) == 0
    for wf in (tmp_path / ".github" / "workflows").glob("*.yml"):
        assert yaml.safe_load(wf.read_text())["permissions"] == {}


def test_placeholders_are_warned_about_until_filled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = run(capsys, "--repo", str(tmp_path))
    assert [f["rule"] for f in out["findings"]] == ["INI002", "INI002"]
    _, out = run(
        capsys,
        "--repo",
        str(tmp_path),
        "--uses",
        f"acme/releasekit@{SHA}",
        "--uses-version",
        "v1.0.0",
        "--owners",
        "@acme/release",
        "--force",
    )
    assert out["findings"] == []
    workflow = (tmp_path / ".github" / "workflows" / "releasekit.yml").read_text()
    assert f"uses: acme/releasekit/.github/workflows/pr-gate.yml@{SHA} # v1.0.0" in workflow
    owners = (tmp_path / ".github" / "CODEOWNERS").read_text()
    assert re.search(r"^/\.github/release-policy\.yml\s+@acme/release$", owners, re.MULTILINE)
    assert re.search(r"^/\.github/workflows/\s+@acme/release$", owners, re.MULTILINE)


def test_rerun_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "--repo", str(tmp_path), "--date", "2026-11-20")
    before = snapshot(tmp_path)
    code, out = run(capsys, "--repo", str(tmp_path), "--date", "2026-11-20")
    assert code == 0
    assert out["data"]["created"] == []
    assert len(out["data"]["unchanged"]) == 10
    assert snapshot(tmp_path) == before


def test_existing_files_are_kept_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\nours\n")
    code, out = run(capsys, "--repo", str(tmp_path))
    assert code == 0
    assert out["data"]["kept"] == ["CHANGELOG.md"]
    assert (tmp_path / "CHANGELOG.md").read_text() == "# Changelog\n\nours\n"
    assert "INI001" in [f["rule"] for f in out["findings"]]
    code, out = run(capsys, "--repo", str(tmp_path), "--force")
    assert out["data"]["replaced"] == ["CHANGELOG.md"]
    assert "## [Unreleased]" in (tmp_path / "CHANGELOG.md").read_text()


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--repo", str(tmp_path), "--dry-run")
    assert code == 0
    assert len(out["data"]["created"]) == 10
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--uses", "acme/releasekit@main"], id="uses-a-branch-not-a-sha"),
        pytest.param(["--uses", f"acme/releasekit@{SHA}; rm -rf /"], id="uses-injection"),
        pytest.param(["--uses-version", "1.0"], id="bad-version-comment"),
        pytest.param(["--owners", "everyone"], id="owners-not-a-handle"),
        pytest.param(["--version", "1.0"], id="first-version-not-semver"),
        pytest.param(["--date", "2026-02-30"], id="bad-date"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, out = run(capsys, "--repo", str(tmp_path), *args)
    assert code == 2
    assert out["verdict"] == "error"
    assert list(tmp_path.iterdir()) == []


def test_scaffolded_workflows_pass_zizmor_when_pinned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        capsys,
        "--repo",
        str(tmp_path),
        "--uses",
        f"acme/releasekit@{SHA}",
        "--uses-version",
        "v1.0.0",
        "--owners",
        "@acme/release",
    )
    proc = subprocess.run(
        ["zizmor", "--offline", "--pedantic", "--format", "json", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout) == []


def test_quickstart_shows_exactly_what_init_writes() -> None:
    quickstart = (ROOT / "docs" / "quickstart.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", quickstart, re.DOTALL)
    templates = ROOT / "docs" / "templates" / "workflows"
    assert blocks[:2] == [
        (templates / "releasekit.yml").read_text(),
        (templates / "release.yml").read_text(),
    ]
