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
from releasekit.core.repo.scaffold import (
    CALLER_TEMPLATES,
    COPIED_TEMPLATES,
    FILLED_TEMPLATES,
    NOT_WRITTEN_TEMPLATES,
)

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


ROLES = ("--founder", "f-ounder", "--auditor", "a-uditor", "--risk", "r-isk")
WRITTEN = {
    ".github/release-policy.yml",
    ".github/workflows/releasekit.yml",
    ".github/workflows/release.yml",
    ".github/workflows/prepare-release.yml",
    ".github/workflows/tag-release.yml",
    ".github/workflows/rollout.yml",
    ".github/workflows/rollback.yml",
    ".github/workflows/hotfix-sla.yml",
    ".github/dependabot.yml",
    ".github/CODEOWNERS",
    "version.yaml",
    "CHANGELOG.md",
    "docs/audits/audit_log.md",
    "docs/releasekit-templates/audit_report.md",
    "docs/releasekit-templates/paper_reconciliation.md",
    "docs/releasekit-templates/strategy_header.pine",
    "docs/releasekit-templates/model_header.py",
    "requirements.txt",
    "requirements-dev.txt",
    "src/__init__.py",
    "tests/test_bias.py",
    ".secrets.baseline",
}


def test_empty_directory_becomes_a_repository_whose_gates_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "--repo", str(tmp_path), "--date", "2026-11-20", *ROLES)
    assert code == 0
    assert set(out["data"]["created"]) == WRITTEN
    assert release_check(["--repo", str(tmp_path)]) == 0
    assert policy(["validate", "--repo", str(tmp_path)]) == 0
    for wf in (tmp_path / ".github" / "workflows").glob("*.yml"):
        assert yaml.safe_load(wf.read_text())["permissions"] == {}


def test_placeholders_are_warned_about_until_filled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = run(capsys, "--repo", str(tmp_path))
    assert [f["rule"] for f in out["findings"]] == ["INI002", "INI002", "INI002"]
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
        *ROLES,
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
    assert len(out["data"]["unchanged"]) == len(WRITTEN)
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
    assert len(out["data"]["created"]) == len(WRITTEN)
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


def test_role_options_fill_the_policy_roles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(
        capsys,
        "--repo",
        str(tmp_path),
        *ROLES,
        "--auditor",
        "acme/auditors",
        "--code-reviewer",
        "c-reviewer",
    )
    assert code == 0
    assert policy(["show", "--repo", str(tmp_path), "--format", "json"]) == 0
    roles = json.loads(capsys.readouterr().out)["policy"]["roles"]
    assert roles["founder"]["logins"] == ["f-ounder"]
    assert roles["audit"]["logins"] == roles["model_audit"]["logins"] == ["a-uditor"]
    assert roles["audit"]["teams"] == roles["model_audit"]["teams"] == ["acme/auditors"]
    assert roles["risk"]["logins"] == ["r-isk"]
    assert roles["code_review"]["logins"] == ["c-reviewer"]
    assert roles["code_review"]["permission"] == "write"


@pytest.mark.parametrize("login", ["@alice", "a--b", "alice-", "al ice", "x: [y]", "a" * 40])
def test_a_role_that_is_not_a_login_or_team_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], login: str
) -> None:
    code, out = run(capsys, "--repo", str(tmp_path), "--founder", login)
    assert code == 2
    assert "--founder" in out["problem"]["message"]
    assert list(tmp_path.iterdir()) == []


def test_unfilled_roles_are_named_in_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = run(capsys, "--repo", str(tmp_path), "--founder", "f-ounder")
    (roles,) = [f for f in out["findings"] if "names nobody" in f["message"]]
    assert "audit, model_audit, risk" in roles["message"]
    assert "--auditor LOGIN --risk LOGIN" in roles["hint"]


def test_the_pipeline_inputs_exist_and_the_bias_stub_runs(tmp_path: Path) -> None:
    """release-checks.yml's defaults: requirements-dev.txt, src, tests/test_bias.py."""
    assert init(["--repo", str(tmp_path), *ROLES]) == 0
    dev = (tmp_path / "requirements-dev.txt").read_text().splitlines()
    ours = set((ROOT / "requirements-dev.txt").read_text().splitlines())
    tools = [line for line in dev if "==" in line]
    assert {t.split("==")[0] for t in tools} >= {"ruff", "mypy", "pytest", "pytest-cov"}
    assert {"detect-secrets", "pip-audit"} <= {t.split("==")[0] for t in tools}
    assert set(tools) <= ours  # the versions releasekit's own CI runs
    assert "-r requirements.txt" in dev
    assert (tmp_path / "src" / "__init__.py").is_file()

    def bias(junit: Path) -> int:
        return subprocess.run(
            [
                "python",
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--junitxml={junit}",
                "tests/test_bias.py",
            ],
            cwd=tmp_path,
            capture_output=True,
            check=False,
        ).returncode

    assert bias(tmp_path / "clean.xml") == 0
    strategies = tmp_path / "strategies"
    strategies.mkdir()
    (strategies / "peek.pine").write_text(
        "// Strategy: PEEK\nx = request.security(syminfo.tickerid, 'D', close,"
        " lookahead = barmerge.lookahead_on)\n"
    )
    assert bias(tmp_path / "peek.xml") == 1


def test_secrets_baseline_is_made_by_detect_secrets_and_the_hook_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The security job runs `git ls-files -z | xargs -0 detect-secrets-hook --baseline`."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "settings.py").write_text('aws_key = "AKIAIOSFODNN7EXAMPLE"\n')
    subprocess.run(["git", "-C", str(tmp_path), "add", "settings.py"], check=True)
    code, out = run(capsys, "--repo", str(tmp_path), "--uses", f"acme/releasekit@{SHA}", *ROLES)
    assert code == 0
    (flagged,) = [f for f in out["findings"] if f["rule"] == "INI004"]
    assert "settings.py" in flagged["message"]
    baseline = json.loads((tmp_path / ".secrets.baseline").read_text())
    assert set(baseline["results"]) == {"settings.py"}
    assert baseline["generated_at"].endswith("T00:00:00Z")
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    files = subprocess.run(
        ["git", "-C", str(tmp_path), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    hook = subprocess.run(
        ["detect-secrets-hook", "--baseline", ".secrets.baseline", *files],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert hook.returncode == 0, hook.stdout + hook.stderr
    (tmp_path / "new.py").write_text('password = "hunter2-but-longer-9Zq"\n')
    hook = subprocess.run(
        ["detect-secrets-hook", "--baseline", ".secrets.baseline", *files, "new.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert hook.returncode == 1  # the baseline records what was there, not what comes later


def test_text_output_lists_every_file_and_dry_run_force_shows_the_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(["--repo", str(tmp_path), *ROLES]) == 0
    listed = capsys.readouterr().out
    assert {line.removeprefix("created: ") for line in listed.splitlines()} >= WRITTEN
    (tmp_path / "requirements.txt").write_text("numpy==2.3.0\n")
    before = snapshot(tmp_path)
    assert init(["--repo", str(tmp_path), *ROLES, "--dry-run", "--force"]) == 0
    out = capsys.readouterr().out
    assert "--- a/requirements.txt\n+++ b/requirements.txt\n" in out
    assert "-numpy==2.3.0\n" in out
    assert "would be replaced: requirements.txt" in out
    assert snapshot(tmp_path) == before


def test_scaffolded_audit_log_text_matches_its_rows(tmp_path: Path) -> None:
    assert init(["--repo", str(tmp_path), *ROLES]) == 0
    log = (tmp_path / "docs" / "audits" / "audit_log.md").read_text()
    assert "| AUD-" not in log
    assert "example row" not in log


def test_placeholder_pin_names_this_releasekit_version(tmp_path: Path) -> None:
    from releasekit import __version__

    assert init(["--repo", str(tmp_path), *ROLES]) == 0
    for name in ("releasekit.yml", "release.yml", "prepare-release.yml", "tag-release.yml"):
        text = (tmp_path / ".github" / "workflows" / name).read_text()
        assert f"@<sha> # v{__version__}\n" in text
        assert re.findall(r"# v\d+\.\d+\.\d+", text) == [f"# v{__version__}"] * len(
            re.findall(r"# v\d+\.\d+\.\d+", text)
        )


@pytest.mark.parametrize(
    ("utc", "zone", "date"),
    [
        # 09:17 in New York is 14:17 UTC; 02:00 UTC is still yesterday evening there.
        ("2026-11-20T14:17:00+00:00", "America/New_York", "2026-11-20"),
        ("2026-11-20T02:00:00+00:00", "America/New_York", "2026-11-19"),
        ("2026-11-20T11:00:00+00:00", "Pacific/Kiritimati", "2026-11-21"),
        ("2026-11-20T23:30:00+00:00", None, "2026-11-20"),
    ],
)
def test_stamped_date_is_today_in_the_desk_time_zone(
    tmp_path: Path, utc: str, zone: str | None, date: str
) -> None:
    import datetime as dt

    from releasekit.gates.init import InitRequest
    from releasekit.gates.init import init as init_gate

    now = dt.datetime.fromisoformat(utc)
    report = init_gate(InitRequest(repo=tmp_path, now=now, timezone=zone))
    assert report.verdict == "pass"
    assert f"release_date: {date}\n" in (tmp_path / "version.yaml").read_text()
    if zone is not None:
        assert f"timezone: {zone} " in (tmp_path / ".github" / "release-policy.yml").read_text()


def test_an_unknown_time_zone_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "--repo", str(tmp_path), "--timezone", "Mars/Olympus_Mons")
    assert code == 2
    assert "Mars/Olympus_Mons" in out["problem"]["message"]
    assert list(tmp_path.iterdir()) == []


def test_an_existing_src_layout_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "src" / "desk").mkdir(parents=True)
    (tmp_path / "src" / "desk" / "__init__.py").write_text("")
    code, out = run(capsys, "--repo", str(tmp_path), *ROLES)
    assert code == 0
    assert set(out["data"]["created"]) == WRITTEN - {"src/__init__.py"}
    assert not (tmp_path / "src" / "__init__.py").exists()


def test_without_detect_secrets_the_baseline_is_named_as_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "detect_secrets.core", None)  # import fails
    code, out = run(capsys, "--repo", str(tmp_path), *ROLES)
    assert code == 0
    assert set(out["data"]["created"]) == WRITTEN - {".secrets.baseline"}
    (missing,) = [f for f in out["findings"] if f["rule"] == "INI003"]
    assert "pip install detect-secrets" in missing["hint"]


def test_a_kept_policy_is_not_warned_about_for_roles_it_may_fill(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(["--repo", str(tmp_path), *ROLES]) == 0
    capsys.readouterr()
    code, out = run(capsys, "--repo", str(tmp_path))
    assert code == 0
    assert out["data"]["kept"] == [".github/release-policy.yml"]
    assert not [f for f in out["findings"] if "names nobody" in f["message"]]


def test_policy_validate_refuses_the_roles_init_left_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert init(["--repo", str(tmp_path), "--founder", "f-ounder"]) == 0
    capsys.readouterr()
    assert policy(["validate", "--repo", str(tmp_path), "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert {f["rule"] for f in found} == {"POL002"}
    named = " ".join(f["message"] for f in found)
    assert all(f"roles.{role} " in named for role in ("audit", "model_audit", "risk"))
    assert "roles.founder " not in named


def test_init_writes_every_shipped_template_or_says_why_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shipped = ROOT / "scripts" / "releasekit" / "templates"
    names = {p.relative_to(shipped).as_posix() for p in shipped.rglob("*") if p.is_file()}
    written = {*CALLER_TEMPLATES, *COPIED_TEMPLATES, *FILLED_TEMPLATES}
    assert names == written | set(NOT_WRITTEN_TEMPLATES)
    assert not written & set(NOT_WRITTEN_TEMPLATES)
    # Every workflow caller is one init writes, under .github/workflows/ with the same name.
    callers = {n for n in names if n.startswith("workflows/")}
    assert {CALLER_TEMPLATES[n] for n in callers} == {f".github/{n}" for n in callers}
    run(capsys, "--repo", str(tmp_path), "--uses", f"acme/releasekit@{SHA}")
    for name, dest in COPIED_TEMPLATES.items():
        assert (tmp_path / dest).read_text() == (shipped / name).read_text(), dest
    for name, dest in CALLER_TEMPLATES.items():
        caller = yaml.safe_load((tmp_path / dest).read_text())
        assert caller == yaml.safe_load(
            (shipped / name)
            .read_text()
            .replace("OWNER/releasekit/", "acme/releasekit/")
            .replace("@<sha>", f"@{SHA}")
        ), dest
