"""The check-changelog entry point: exit codes, formats, notes, tags and the Actions runtime."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from releasekit.adapters.actions import Runtime
from releasekit.cli import main as releasekit_main
from releasekit.cli.bump_version import main as bump_version
from releasekit.cli.check_changelog import main
from releasekit.core.render import render_markdown
from releasekit.core.report import Report, finding

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"

CHANGELOG = """\
# Changelog

## [Unreleased]

### Added
- Walk-forward report

## [1.2.3] - 2024-01-15

### Fixed
- Fixed timeout handling in webhook

## [1.2.2] - 2024-01-10

### Added
- Added kill switch API endpoint

[Unreleased]: https://github.com/desk/algo/compare/v1.2.3...HEAD
[1.2.3]: https://github.com/desk/algo/compare/v1.2.2...v1.2.3
[1.2.2]: https://github.com/desk/algo/releases/tag/v1.2.2
"""
VERSION = """\
version: 1.2.3
release_date: 2024-01-15
changelog:
- "1.2.3: Fixed timeout handling in webhook"
- "1.2.2: Added kill switch API endpoint"
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "CHANGELOG.md").write_text(CHANGELOG)
    (tmp_path / "version.yaml").write_text(VERSION)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_REF", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main([*args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_consistent_repo_passes_with_release_list(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_json(["--repo", "."], capsys)
    assert code == 0
    assert out["verdict"] == "pass"
    assert out["schema"] == "releasekit.report/1"
    assert out["data"]["releases"] == [  # type: ignore[index]
        {"version": "1.2.3", "date": "2024-01-15", "line": 8, "yanked": False},
        {"version": "1.2.2", "date": "2024-01-10", "line": 13, "yanked": False},
    ]


def test_blocked_exits_1_and_names_file_and_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "version.yaml").write_text(VERSION.replace("version: 1.2.3", "version: 1.2.4"))
    code, out = run_json(["--repo", "."], capsys)
    assert code == 1
    assert out["verdict"] == "blocked"
    first = out["findings"][0]  # type: ignore[index]
    assert (first["rule"], first["file"], first["line"]) == ("REL001", "version.yaml", 1)


def test_tag_from_github_ref_is_checked(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_REF", "refs/tags/v1.2.4")
    code, out = run_json(["--repo", "."], capsys)
    assert code == 1
    assert [f["rule"] for f in out["findings"]] == ["REL002"]  # type: ignore[attr-defined]
    monkeypatch.setenv("GITHUB_REF", "refs/tags/v1.2.3")
    assert main(["--repo", "."]) == 0


def test_require_unreleased_blocks_an_empty_unreleased(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--repo", ".", "--require-unreleased"]) == 0
    capsys.readouterr()
    (repo / "CHANGELOG.md").write_text(CHANGELOG.replace("### Added\n- Walk-forward report\n", ""))
    code, out = run_json(["--repo", ".", "--require-unreleased"], capsys)
    assert code == 1
    assert out["findings"][0]["rule"] == "REL004"  # type: ignore[index]


def test_notes_out_writes_the_tagged_release_section(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_json(["--repo", ".", "--tag", "v1.2.3", "--notes-out", "notes.md"], capsys)
    assert code == 0
    assert (repo / "notes.md").read_text() == "### Fixed\n- Fixed timeout handling in webhook\n"
    assert out["data"]["notes_path"] == "notes.md"  # type: ignore[index]


def test_notes_are_not_written_for_a_blocked_release(repo: Path) -> None:
    assert main(["--repo", ".", "--tag", "v9.9.9", "--notes-out", "notes.md"]) == 1
    assert not (repo / "notes.md").exists()


def test_file_mode_skips_cross_checks(repo: Path) -> None:
    (repo / "version.yaml").write_text(VERSION.replace("version: 1.2.3", "version: 7.0.0"))
    assert main(["--file", "CHANGELOG.md"]) == 0


def test_as_of_moves_today(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_json(["--repo", ".", "--as-of", "2024-01-12"], capsys)
    assert code == 1
    assert {f["rule"] for f in out["findings"]} == {"CHG015", "VER008"}  # type: ignore[attr-defined]
    assert main(["--repo", ".", "--as-of", "2024-02-30"]) == 2


def test_usage_error_is_exit_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-such-option"]) == 2
    assert "unrecognized arguments" in capsys.readouterr().out


def test_text_format_has_verdict_location_and_fix(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "version.yaml").write_text(VERSION.replace("version: 1.2.3", "version: 1.2.4"))
    main(["--repo", "."])
    text = capsys.readouterr().out
    assert "BLOCKED" in text
    assert "version.yaml:1" in text
    assert "fix: run bump-version" in text
    assert "\033[" not in text  # not a TTY: no colour


def test_report_out_writes_the_same_json(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--repo", ".", "--report-out", "report.json", "--format", "json"])
    assert code == 0
    assert json.loads((repo / "report.json").read_text()) == json.loads(capsys.readouterr().out)


def test_actions_runtime_gets_outputs_summary_and_annotations(repo: Path, tmp_path: Path) -> None:
    output, summary = tmp_path / "output.txt", tmp_path / "summary.md"
    output.write_text("")
    env = {
        **os.environ,
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    (repo / "version.yaml").write_text(VERSION.replace("version: 1.2.3", "version: 1.2.4"))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_changelog.py"), "--repo", "."],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo,
        env=env,
    )
    assert proc.returncode == 1
    assert "::error file=version.yaml,line=1,title=REL001::version.yaml says 1.2.4" in proc.stdout
    outputs = output.read_text()
    assert "verdict<<ghadelimiter_" in outputs
    assert "\nblocked\n" in outputs
    assert "exit-code<<" in outputs
    assert summary.read_text().startswith("### ⛔ releasekit check-changelog: **BLOCKED**")


def test_annotations_are_capped_per_level() -> None:
    report = Report(
        "t", "s", tuple(finding("CHG022", "error", f"e{i}", file="C", line=i) for i in range(25))
    )
    out = io.StringIO()
    Runtime(True, out, {}).annotate(report)
    lines = out.getvalue().splitlines()
    assert sum(ln.startswith("::error ") for ln in lines) == 10
    assert lines[-1].endswith("15 more findings are in the job summary")


def test_annotation_text_from_files_cannot_inject_workflow_commands() -> None:
    report = Report(
        "t",
        "s",
        (
            finding(
                "CHG010", "error", "x\n::set-output name=verdict::pass", file="a,b:c.md", line=1
            ),
        ),
    )
    out = io.StringIO()
    Runtime(True, out, {}).annotate(report)
    assert out.getvalue().count("\n") == 1  # one command line: the newline was escaped
    assert "file=a%2Cb%3Ac.md" in out.getvalue()


def test_summary_respects_the_step_limit(tmp_path: Path) -> None:
    summary = tmp_path / "s.md"
    summary.write_bytes(b"x" * (1024 * 1024 - 10))
    rt = Runtime(True, io.StringIO(), {"GITHUB_STEP_SUMMARY": str(summary)})
    assert rt.append_summary("y" * 100) is False
    assert summary.stat().st_size == 1024 * 1024 - 10


def test_markdown_is_cut_to_a_limit_keeping_the_decision() -> None:
    report = Report(
        "check-changelog",
        "CHANGELOG.md",
        tuple(finding("CHG022", "error", "m" * 200, file="C", line=i) for i in range(500)),
    )
    text = render_markdown(report, limit=65_535)
    assert len(text.encode()) <= 65_535
    assert text.startswith("### ⛔ releasekit check-changelog: **BLOCKED**")
    assert "500 errors" in text
    assert "Cut to fit GitHub's size limit" in text


def test_markdown_escapes_text_from_files() -> None:
    report = Report(
        "t", "s", (finding("CHG010", "error", "heading '<img src=x>| @team'", file="C", line=1),)
    )
    text = render_markdown(report)
    assert "<img" not in text
    assert "\\|" in text
    assert "@\u200bteam" in text


@pytest.mark.parametrize(
    ("name", "mutate"),
    [
        pytest.param("pass", None, id="pass"),
        pytest.param("blocked", ("version: 1.2.3", "version: 1.3.0"), id="blocked"),
    ],
)
def test_golden_markdown(
    repo: Path, capsys: pytest.CaptureFixture[str], name: str, mutate: tuple[str, str] | None
) -> None:
    if mutate is not None:
        (repo / "version.yaml").write_text(VERSION.replace(*mutate))
    main(["--repo", ".", "--format", "markdown", "--as-of", "2026-11-25"])
    text = capsys.readouterr().out
    from releasekit import __version__

    text = text.replace(f"releasekit {__version__}", "releasekit VERSION")
    golden = GOLDEN / f"check_changelog_{name}.md"
    if os.environ.get("RELEASEKIT_UPDATE_GOLDEN") == "1":
        golden.write_text(text)
    assert text == golden.read_text()


def test_releasekit_dispatcher_and_script_shim(repo: Path) -> None:
    assert releasekit_main(["check-changelog", "--repo", "."]) == 0
    assert releasekit_main(["no-such-command"]) == 2
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_changelog.py"), "--repo", "."],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS" in proc.stdout


def test_offline_gate_does_not_import_pygithub(repo: Path) -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'scripts')!r}); "
        "from releasekit.cli import main; main(['check-changelog', '--repo', '.']); "
        "print('github' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo
    )
    assert proc.stdout.strip().endswith("False")


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=env
    ).stdout.strip()


@pytest.fixture
def base(repo: Path) -> str:
    """The pull request's base commit: the repository as the fixture wrote it."""
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    return _git(repo, "rev-parse", "HEAD")


def _rules(out: dict[str, object]) -> list[str]:
    findings = out["findings"]
    assert isinstance(findings, list)
    return [f["rule"] for f in findings]


def _bump_to_1_3_0(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """bump-version moves [Unreleased] into [1.3.0] and version.yaml names 1.3.0."""
    assert bump_version(["--repo", str(repo), "--part", "minor", "--date", "2024-02-01"]) == 0
    capsys.readouterr()


def test_a_release_pr_needs_no_unreleased_entry(
    repo: Path, base: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _bump_to_1_3_0(repo, capsys)
    code, out = run_json(["--require-unreleased", "--as-of", "2024-02-01"], capsys)
    assert code == 1
    assert _rules(out) == ["REL004"]
    code, out = run_json(["--require-unreleased", "--as-of", "2024-02-01", "--base", base], capsys)
    assert code == 0
    assert _rules(out) == ["REL008"]
    assert out["data"]["release_pr"] is True  # type: ignore[index]


def test_a_change_pr_still_needs_its_unreleased_entry(
    repo: Path, base: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "CHANGELOG.md").write_text(CHANGELOG.replace("### Added\n- Walk-forward report\n", ""))
    code, out = run_json(["--require-unreleased", "--as-of", "2024-02-01", "--base", base], capsys)
    assert code == 1
    assert _rules(out) == ["REL004"]
    assert out["data"]["release_pr"] is False  # type: ignore[index]


def test_an_unknown_base_is_bad_input(
    repo: Path, base: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_json(["--require-unreleased", "--base", "no-such-ref"], capsys)
    assert code == 2
    assert "--base" in out["problem"]["message"]  # type: ignore[index]


def release_files(repo: Path, version: str) -> None:
    """CHANGELOG.md and version.yaml that agree on ``version``, released 2024-01-16."""
    entry = "Stop the runaway order loop"
    section = f"## [{version}] - 2024-01-16\n\n### Fixed\n- {entry}\n\n"
    link = f"[{version}]: https://github.com/desk/algo/compare/v1.2.3...v{version}\n"
    changelog = CHANGELOG.replace("## [1.2.3]", section + "## [1.2.3]", 1)
    (repo / "CHANGELOG.md").write_text(changelog.replace("[1.2.3]: https", link + "[1.2.3]: https"))
    head = f'version: {version}\nrelease_date: 2024-01-16\nchangelog:\n- "{version}: {entry}"\n'
    old_head = "version: 1.2.3\nrelease_date: 2024-01-15\nchangelog:\n"
    (repo / "version.yaml").write_text(VERSION.replace(old_head, head))


@pytest.mark.parametrize(
    "version", ["1.2.4-HOTFIX", "1.2.4-hotfix1", "1.2.4-hot-fix", "1.2.4-Hotfix.2"]
)
def test_a_tag_that_only_looks_like_a_hotfix_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str], version: str
) -> None:
    # The tag workflows run check-changelog --tag before tagging (tag-release) and on the tag
    # push (release-checks, release): files that agree with such a tag still do not pass.
    release_files(repo, version)
    code, out = run_json(["--repo", ".", "--tag", f"v{version}"], capsys)
    errors = [f["rule"] for f in out["findings"] if f["level"] == "error"]  # type: ignore[attr-defined]
    assert (code, errors) == (1, ["HFX008"])


@pytest.mark.parametrize("version", ["1.2.4-hotfix", "1.2.4-hotfix.2"])
def test_a_hotfix_tag_as_the_runbook_writes_it_passes(
    repo: Path, capsys: pytest.CaptureFixture[str], version: str
) -> None:
    release_files(repo, version)
    code, out = run_json(["--repo", ".", "--tag", f"v{version}"], capsys)
    assert code == 0, out["findings"]
    assert "HFX008" not in {f["rule"] for f in out["findings"]}  # type: ignore[attr-defined]
