"""bump-version: behaviour tables through ``main`` and the pure text edits in ``core.bump``."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from releasekit.cli.bump_version import main
from releasekit.cli.check_changelog import main as check_main
from releasekit.core.versioning.bump import (
    BumpRequest,
    bump_changelog,
    bump_version_file,
    derive_summary,
    plan_bump,
    read_strategy_header,
    set_strategy_version,
    unified_diff,
)
from releasekit.core.versioning.changelog import parse_changelog
from releasekit.core.versioning.version_file import parse_version_file
from releasekit.core.versioning.versions import parse_version

DATE = "2024-02-01"
GH = "https://github.com/desk/trading"
FIXED = "### Fixed\n- Webhook timeouts are retried.\n"
ADDED = "### Added\n- Session breakout strategy.\n"

LINKS = f"""[Unreleased]: {GH}/compare/v1.2.3...HEAD
[1.2.3]: {GH}/compare/v1.2.2...v1.2.3
[1.2.2]: {GH}/releases/tag/v1.2.2
"""

VERSION_YAML = """\
# Trading desk version record (runbook: Versioning).
version: 1.2.3  # set by bump-version
release_date: 2024-01-15

# Newest first; one line per release.
changelog:
- "1.2.3: Fixed timeout handling in webhook"
- "1.2.2: Added kill switch API endpoint"
"""

ICT_QM = """\
// @version=6
// Strategy: ICT_QM
// Version: 2.1.0
// Audit: AUD-2024-01-15-001 (PASS)
// Released: 2024-01-20
strategy("ICT QM", overlay=true)
// Version: 9.9.9 is a comment in the code, not the header
"""

BREAKOUT = """\
// @version=6
// Strategy: SESSION_BREAKOUT
// Version: 1.0.0
strategy("Session breakout")
"""


def changelog_text(unreleased: str = FIXED, *, links: str = LINKS) -> str:
    """A valid changelog at 1.2.3 with the given [Unreleased] body and link block."""
    return f"""# Changelog

All notable changes to the trading desk are documented here.

## [Unreleased]

{unreleased}
## [1.2.3] - 2024-01-15

### Fixed
- Timeout handling in the webhook.

## [1.2.2] - 2024-01-10

### Added
- Kill switch API endpoint.

{links}"""


def write_repo(
    root: Path,
    *,
    unreleased: str = FIXED,
    links: str = LINKS,
    version_yaml: str | None = VERSION_YAML,
    strategies: dict[str, str] | None = None,
) -> Path:
    """Write a consumer repository (CHANGELOG, version.yaml, strategies/) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "CHANGELOG.md").write_text(changelog_text(unreleased, links=links))
    if version_yaml is not None:
        (root / "version.yaml").write_text(version_yaml)
    files = {"pine_v6/ict_qm.pine": ICT_QM} if strategies is None else strategies
    for rel, text in files.items():
        path = root / "strategies" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root`` (not following symlinks): bytes and mtime in nanoseconds."""
    out: dict[str, tuple[bytes, int]] = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                continue
            out[path.relative_to(root).as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return out


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    """``main`` with ``--format json``: exit code and the parsed report."""
    code = main([*args, "--format", "json"])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert report["exit_code"] == code
    return code, report


def rules(report: dict[str, Any]) -> set[str]:
    """The rule ids of a JSON report's findings."""
    return {f["rule"] for f in report["findings"]}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A valid repository at 1.2.3 as the working directory (so findings name CHANGELOG.md)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return write_repo(tmp_path / "desk")


# --------------------------------------------------------------------------------------------
# The behaviour table: arguments + [Unreleased] -> exit code, version, rules


@pytest.mark.parametrize(
    ("unreleased", "args", "code", "version", "rule"),
    [
        pytest.param(FIXED, [], 0, "1.2.4", None, id="auto-fixed-is-patch"),
        pytest.param(ADDED, [], 0, "1.3.0", None, id="auto-added-is-minor"),
        pytest.param("### Removed\n- Old API.\n", [], 0, "2.0.0", None, id="auto-removed-is-major"),
        pytest.param(
            "### Changed\n- **Breaking:** new order API.\n",
            [],
            0,
            "2.0.0",
            None,
            id="auto-breaking-entry-is-major",
        ),
        pytest.param(ADDED, ["--part", "major"], 0, "2.0.0", None, id="bigger-part-than-needed"),
        pytest.param(FIXED, ["--part", "minor"], 0, "1.3.0", None, id="minor-for-fixes-is-fine"),
        pytest.param(ADDED, ["--part", "patch"], 1, None, "BMP001", id="patch-for-added-blocked"),
        pytest.param(
            "### Removed\n- Old API.\n",
            ["--part", "minor"],
            1,
            None,
            "BMP001",
            id="minor-for-removed-blocked",
        ),
        pytest.param(FIXED, ["--hotfix"], 0, "1.2.4-hotfix", None, id="hotfix"),
        pytest.param(
            FIXED, ["--hotfix", "--part", "patch"], 0, "1.2.4-hotfix", None, id="hotfix-part-patch"
        ),
        pytest.param(ADDED, ["--hotfix"], 1, None, "BMP001", id="hotfix-with-added-blocked"),
        pytest.param(ADDED, ["--pre", "rc"], 0, "1.3.0-rc.1", None, id="pre-release-rc"),
        pytest.param(
            FIXED, ["--part", "major", "--pre", "beta"], 0, "2.0.0-beta.1", None, id="pre-major"
        ),
        pytest.param("", [], 1, None, "BMP002", id="empty-unreleased-blocked"),
        pytest.param(
            "",
            ["--allow-empty", "--summary", "Rebuild"],
            0,
            "1.2.4",
            None,
            id="empty-unreleased-allowed",
        ),
        pytest.param("", ["--allow-empty"], 2, None, None, id="empty-allowed-needs-summary"),
        pytest.param(FIXED, ["--hotfix", "--part", "minor"], 2, None, None, id="hotfix-with-minor"),
        pytest.param(FIXED, ["--hotfix", "--pre", "rc"], 2, None, None, id="hotfix-with-pre"),
        pytest.param(FIXED, ["--pre", "hotfix"], 2, None, None, id="pre-label-hotfix-reserved"),
        pytest.param(FIXED, ["--pre", "r c"], 2, None, None, id="pre-label-with-space"),
        pytest.param(
            FIXED, ["--part", "patch", "--pre", "rc"], 0, "1.2.4-rc.1", None, id="pre-patch"
        ),
        pytest.param(FIXED, ["--part", "huge"], 2, None, None, id="unknown-part"),
        pytest.param(FIXED, ["--date", "2024-02-30"], 2, None, None, id="date-not-a-day"),
        pytest.param(FIXED, ["--date", "2099-01-01"], 2, None, None, id="date-in-future"),
        pytest.param(FIXED, ["--summary", "   "], 2, None, None, id="summary-blank"),
        pytest.param(FIXED, ["--summary", "a\tb\x07"], 2, None, None, id="summary-control-char"),
    ],
)
def test_bump_table(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    unreleased: str,
    args: list[str],
    code: int,
    version: str | None,
    rule: str | None,
) -> None:
    monkeypatch.chdir(tmp_path)
    root = write_repo(tmp_path / "desk", unreleased=unreleased)
    before = snapshot(root)
    date = [] if "--date" in args else ["--date", DATE]
    exit_code = main(["--repo", str(root), *date, *args, "--format", "json"])
    out = capsys.readouterr().out
    assert exit_code == code, out
    if code == 2 and "--part" in args and "huge" in args:
        return  # argparse refused it: the usage report is text, and nothing was read
    report = json.loads(out)
    if rule is not None:
        assert rule in rules(report)
    if version is None:
        assert snapshot(root) == before
        assert "version" not in report["data"]
        return
    assert report["data"]["version"] == version
    assert report["data"]["tag"] == f"v{version}"
    assert report["data"]["previous"] == "1.2.3"
    assert parse_version_file((root / "version.yaml").read_text(), shown_as="v").version == version
    assert f"## [{version}] - {DATE}" in (root / "CHANGELOG.md").read_text()
    # bump then check: the files pass the check-changelog gate as written.
    capsys.readouterr()
    assert check_main(["--repo", str(root), "--tag", f"v{version}", "--as-of", DATE]) == 0


def test_bmp001_hint_names_the_needed_part(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_repo(repo, unreleased=ADDED)
    code, report = run_json(capsys, "--repo", str(repo), "--part", "patch", "--date", DATE)
    assert code == 1
    (f,) = [f for f in report["findings"] if f["rule"] == "BMP001"]
    assert f["level"] == "error"
    assert "--part minor" in f["hint"]
    assert f["file"] == "desk/CHANGELOG.md"
    assert f["line"] == 5  # the ## [Unreleased] heading
    assert report["data"]["proposed"] == "1.2.4"
    assert report["data"]["required"] == "minor"


# --------------------------------------------------------------------------------------------
# Auto part inference (core)


def _changelog(versions: list[str], unreleased: str) -> str:
    body = "".join(
        f"## [{v}] - 2024-01-{15 - i:02d}\n\n### Fixed\n- Fix {i}.\n\n"
        for i, v in enumerate(versions)
    )
    return f"# Changelog\n\n## [Unreleased]\n\n{unreleased}\n{body}"


@pytest.mark.parametrize(
    ("versions", "unreleased", "required", "expected"),
    [
        pytest.param(["1.2.3"], FIXED, "patch", "1.2.4", id="fixed-patch"),
        pytest.param(
            ["1.2.3"], "### Security\n- CVE fix.\n", "patch", "1.2.4", id="security-patch"
        ),
        pytest.param(
            ["1.2.3"], "### Fixed\n- a\n### Security\n- b\n", "patch", "1.2.4", id="fixed+security"
        ),
        pytest.param(["1.2.3"], ADDED, "minor", "1.3.0", id="added-minor"),
        pytest.param(["1.2.3"], "### Changed\n- x\n", "minor", "1.3.0", id="changed-minor"),
        pytest.param(["1.2.3"], "### Deprecated\n- x\n", "minor", "1.3.0", id="deprecated-minor"),
        pytest.param(["1.2.3"], "### Removed\n- x\n", "major", "2.0.0", id="removed-major"),
        pytest.param(
            ["1.2.3"], "### Fixed\n- **Breaking:** x\n", "major", "2.0.0", id="breaking-fix-major"
        ),
        pytest.param(["0.4.0"], "### Removed\n- x\n", "minor", "0.5.0", id="zero-x-removed-minor"),
        pytest.param(
            ["0.4.0"], "### Changed\n- **Breaking:** x\n", "minor", "0.5.0", id="zero-x-breaking"
        ),
        pytest.param(["0.4.0"], FIXED, "patch", "0.4.1", id="zero-x-fixed-patch"),
        pytest.param(["1.2.3"], "", "patch", "1.2.4", id="empty-is-patch"),
        pytest.param(["1.2.4-hotfix", "1.2.3"], FIXED, "patch", "1.2.4", id="after-hotfix-patch"),
        pytest.param(["1.2.4-hotfix", "1.2.3"], ADDED, "minor", "1.3.0", id="after-hotfix-minor"),
        pytest.param(["1.3.0-rc.1", "1.2.3"], FIXED, "patch", "1.3.0", id="finalise-rc"),
        pytest.param([], ADDED, "minor", "0.1.0", id="first-release-from-nothing"),
    ],
)
def test_auto_part_inference(
    versions: list[str], unreleased: str, required: str, expected: str
) -> None:
    cl = parse_changelog(_changelog(versions, unreleased), shown_as="CHANGELOG.md")
    plan = plan_bump(cl, None, BumpRequest(date=dt.date(2024, 2, 1), allow_empty=True))
    assert plan.required == required
    assert str(plan.version) == expected
    assert plan.findings == ()


# --------------------------------------------------------------------------------------------
# Hotfix and pre-release sequences, each step checked by check-changelog


def add_unreleased(root: Path, body: str) -> None:
    """Put ``body`` under the (empty) ## [Unreleased] heading of the repo's changelog."""
    path = root / "CHANGELOG.md"
    path.write_text(path.read_text().replace("## [Unreleased]\n", f"## [Unreleased]\n\n{body}", 1))


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param(
            [(["--hotfix"], "1.2.4-hotfix"), (["--hotfix"], "1.2.4-hotfix.2"), ([], "1.2.4")],
            id="hotfix-twice-then-follow-up-release",
        ),
        pytest.param(
            [(["--pre", "rc"], "1.2.4-rc.1"), (["--pre", "rc"], "1.2.4-rc.2"), ([], "1.2.4")],
            id="rc-twice-then-final",
        ),
        pytest.param(
            [(["--hotfix"], "1.2.4-hotfix"), (["--part", "minor"], "1.3.0")],
            id="hotfix-then-minor",
        ),
    ],
)
def test_release_sequences(
    repo: Path, capsys: pytest.CaptureFixture[str], steps: list[tuple[list[str], str]]
) -> None:
    previous = parse_version("1.2.3")
    assert previous is not None
    for i, (args, expected) in enumerate(steps):
        if i:
            add_unreleased(repo, f"### Fixed\n- Fix number {i}.\n\n")
        code, report = run_json(capsys, "--repo", str(repo), "--date", DATE, *args)
        assert code == 0, report
        assert report["data"]["version"] == expected
        new = parse_version(expected)
        assert new is not None
        assert new > previous  # SemVer order is release order, hotfixes included
        previous = new
        assert check_main(["--repo", str(repo), "--tag", f"v{expected}", "--as-of", DATE]) == 0
        capsys.readouterr()


def test_pre_label_that_sorts_backwards_is_refused(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = run_json(capsys, "--repo", str(repo), "--date", DATE, "--pre", "rc")
    assert (code, report["data"]["version"]) == (0, "1.2.4-rc.1")
    add_unreleased(repo, "### Fixed\n- Another fix.\n\n")
    before = snapshot(repo)
    # 1.2.4-beta.1 < 1.2.4-rc.1: SemVer compares the labels as text.
    code, report = run_json(capsys, "--repo", str(repo), "--date", DATE, "--pre", "beta")
    assert code == 2
    assert "would not be greater than 1.2.4-rc.1" in report["problem"]["message"]
    assert snapshot(repo) == before


# --------------------------------------------------------------------------------------------
# --dry-run, atomicity and refusals: nothing on disk changes


def test_dry_run_prints_diff_and_writes_nothing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(repo)
    code = main(
        [
            *("--repo", str(repo), "--date", DATE, "--dry-run"),
            *("--strategy", "ICT_QM", "--strategy-version", "minor"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert snapshot(repo) == before
    assert "--- a/desk/CHANGELOG.md\n+++ b/desk/CHANGELOG.md\n" in out
    assert f"+## [1.2.4] - {DATE}\n" in out
    assert (
        "-version: 1.2.3  # set by bump-version\n-release_date: 2024-01-15\n"
        f"+version: 1.2.4  # set by bump-version\n+release_date: {DATE}\n"
    ) in out
    assert "-// Version: 2.1.0\n+// Version: 2.2.0\n" in out
    assert "bump-version: 1.2.3 → 1.2.4 — PASS" in out


def test_dry_run_json_carries_the_diff(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(repo)
    code, report = run_json(capsys, "--repo", str(repo), "--date", DATE, "--dry-run")
    assert code == 0
    assert snapshot(repo) == before
    data = report["data"]
    assert data["dry_run"] is True
    assert data["files"] == ["desk/CHANGELOG.md", "desk/version.yaml"]
    assert '+- "1.2.4: Webhook timeouts are retried"' in data["diff"]


def test_dry_run_markdown_has_a_diff_block(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repo", str(repo), "--date", DATE, "--dry-run", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "```diff\n--- a/desk/CHANGELOG.md\n" in out


def test_write_is_atomic_when_a_rename_fails(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(repo)
    real_replace = Path.replace

    def failing_replace(self: Path, target: Any) -> Path:
        if Path(target).name == "version.yaml":
            raise OSError(13, "Permission denied")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", failing_replace)
    code = main(["--repo", str(repo), "--date", DATE])
    assert code == 2
    assert "no file was changed" in capsys.readouterr().out
    after = snapshot(repo)
    # CHANGELOG.md was renamed first and then restored: same bytes, no temporary files left.
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}


def test_write_is_atomic_when_a_temporary_file_cannot_be_made(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(repo)
    import tempfile

    real_mkstemp = tempfile.mkstemp

    def failing_mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if str(kwargs.get("prefix", "")).startswith(".ict_qm.pine"):
            raise OSError(28, "No space left on device")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", failing_mkstemp)
    code = main(
        [
            *("--repo", str(repo), "--date", DATE),
            *("--strategy", "ICT_QM", "--strategy-version", "patch"),
        ]
    )
    assert code == 2, capsys.readouterr().out
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("setup", "rule"),
    [
        pytest.param(
            lambda r: (r / "version.yaml").write_text(VERSION_YAML.replace("1.2.3  #", "1.2.9  #")),
            "REL001",
            id="version-yaml-disagrees-with-changelog",
        ),
        pytest.param(
            lambda r: (r / "CHANGELOG.md").write_text(
                changelog_text().replace("## [Unreleased]\n", "")
            ),
            "CHG002",
            id="no-unreleased-section",
        ),
        pytest.param(
            lambda r: (r / "version.yaml").write_text("version: [1\n"),
            None,
            id="version-yaml-not-yaml",
        ),
        pytest.param(
            lambda r: ((r / "version.yaml").unlink(), (r / "version.yaml").mkdir()),
            None,
            id="version-yaml-is-a-directory",
        ),
    ],
)
def test_refused_before_bumping(
    repo: Path, capsys: pytest.CaptureFixture[str], setup: Any, rule: str | None
) -> None:
    setup(repo)
    before = snapshot(repo)
    code, report = run_json(capsys, "--repo", str(repo), "--date", DATE)
    assert code == 2
    assert report["verdict"] == "error"
    assert report["problem"]["kind"] == "input"
    if rule is not None:
        assert rule in rules(report)  # the check-changelog findings say what to fix
    assert snapshot(repo) == before


def test_refused_when_the_result_would_not_pass(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(repo)
    # 2024-01-01 is before the newest release (2024-01-15): the new file would fail CHG016.
    code, report = run_json(capsys, "--repo", str(repo), "--date", "2024-01-01")
    assert code == 2
    assert "would not pass check-changelog; nothing was written" in report["problem"]["message"]
    assert "CHG016" in rules(report)
    assert snapshot(repo) == before


# --------------------------------------------------------------------------------------------
# version.yaml layout


FANCY_YAML = """\
# Version record.   Comments, blank lines and quoting must survive a bump.

version: "1.2.3"    # quoted on purpose
# the date of the release above
release_date: '2024-01-15'


changelog:   # newest first
  # the newest entry goes right below this comment
  - '1.2.3: Fixed timeout handling in webhook'   # trailing comment
  - '1.2.2: Added kill switch API endpoint'
# end of file
"""


def test_version_yaml_layout_is_preserved(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "version.yaml").write_text(FANCY_YAML)
    code = main(["--repo", str(repo), "--date", DATE, "--summary", "Retry webhook's timeouts"])
    assert code == 0, capsys.readouterr().out
    assert (repo / "version.yaml").read_text() == FANCY_YAML.replace(
        'version: "1.2.3"', 'version: "1.2.4"'
    ).replace("release_date: '2024-01-15'", f"release_date: '{DATE}'").replace(
        "  # the newest entry goes right below this comment\n",
        "  # the newest entry goes right below this comment\n"
        "  - '1.2.4: Retry webhook''s timeouts'\n",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            'version: 1.2.3\nrelease_date: 2024-01-15\nchangelog:\n- "1.2.3: a"\n',
            'version: 1.2.4\nrelease_date: 2024-02-01\nchangelog:\n- "1.2.4: S \\"q\\" \\\\"\n'
            '- "1.2.3: a"\n',
            id="runbook-layout-double-quotes-escaped",
        ),
        pytest.param(
            "version: !!str 1.2.3\nrelease_date: 2024-01-15\nchangelog: ['1.2.3: a']\n",
            "version: !!str 1.2.4\nrelease_date: 2024-02-01\n"
            "changelog: ['1.2.4: S \"q\" \\', '1.2.3: a']\n",
            id="tag-kept-flow-list",
        ),
        pytest.param(
            'changelog:\n    -   "1.2.3: a"\nrelease_date: 2024-01-15\nversion: 1.2.3\n',
            'changelog:\n    -   "1.2.4: S \\"q\\" \\\\"\n    -   "1.2.3: a"\n'
            "release_date: 2024-02-01\nversion: 1.2.4\n",
            id="key-order-and-indent-kept",
        ),
        pytest.param(
            'version: 1.2.3\nrelease_date: 2024-01-15\nchangelog: [\n  "1.2.3: a",\n]\n',
            'version: 1.2.4\nrelease_date: 2024-02-01\nchangelog: [\n  "1.2.4: S \\"q\\" \\\\",'
            '\n  "1.2.3: a",\n]\n',
            id="multi-line-flow-list",
        ),
    ],
)
def test_bump_version_file_edits_text(text: str, expected: str) -> None:
    v = parse_version("1.2.4")
    assert v is not None
    new = bump_version_file(
        text, shown_as="version.yaml", version=v, date=dt.date(2024, 2, 1), summary='S "q" \\'
    )
    assert new == expected
    parsed = parse_version_file(new, shown_as="version.yaml")
    assert parsed.entries[0].raw == '1.2.4: S "q" \\'


def test_block_scalar_version_is_refused() -> None:
    v = parse_version("1.2.4")
    assert v is not None
    text = 'version: >-\n  1.2.3\nrelease_date: 2024-01-15\nchangelog:\n- "1.2.3: a"\n'
    with pytest.raises(Exception, match="cannot edit version in place"):
        bump_version_file(text, shown_as="v.yaml", version=v, date=dt.date(2024, 2, 1), summary="s")


def test_crlf_and_bom_survive(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "version.yaml").write_bytes(
        b"\xef\xbb\xbf" + VERSION_YAML.replace("\n", "\r\n").encode()
    )
    assert main(["--repo", str(repo), "--date", DATE]) == 0, capsys.readouterr().out
    raw = (repo / "version.yaml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n") == VERSION_YAML.count("\n") + 1
    assert b"version: 1.2.4  # set by bump-version\r\n" in raw
    # CHANGELOG.md was LF and stays LF.
    assert b"\r" not in (repo / "CHANGELOG.md").read_bytes()


# --------------------------------------------------------------------------------------------
# Summary


def test_summary_is_derived_from_the_first_entry(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long_entry = "Webhook " + "timeouts and retries " * 10 + "end."
    write_repo(repo, unreleased=f"### Fixed\n- {long_entry}\n- Second entry.\n")
    code, report = run_json(capsys, "--repo", str(repo), "--date", DATE)
    assert code == 0
    summary = report["data"]["summary"]
    assert summary.endswith("…")
    assert len(summary) <= 100
    assert long_entry.startswith(summary[:-1])
    assert "BMP005" in rules(report)
    vf = parse_version_file((repo / "version.yaml").read_text(), shown_as="v")
    assert vf.entries[0].raw == f"1.2.4: {summary}"


def test_explicit_summary_is_used_verbatim(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(
        capsys, "--repo", str(repo), "--date", DATE, "--summary", 'Fixed "stuck" orders: 100%'
    )
    assert code == 0
    assert "BMP005" not in rules(report)
    vf = parse_version_file((repo / "version.yaml").read_text(), shown_as="v")
    assert vf.entries[0].raw == '1.2.4: Fixed "stuck" orders: 100%'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("### Fixed\n- Short fix.\n", "Short fix", id="full-stop-dropped"),
        pytest.param("### Fixed\n-\n- Second.\n", "Second", id="blank-entry-skipped"),
        pytest.param("### Added\n- a  b\n### Fixed\n- c\n", "a b", id="first-section-first"),
        pytest.param("", None, id="no-entries"),
    ],
)
def test_derive_summary(body: str, expected: str | None) -> None:
    cl = parse_changelog(f"# C\n\n## [Unreleased]\n\n{body}", shown_as="c")
    assert cl.unreleased is not None
    assert derive_summary(cl.unreleased) == expected


# --------------------------------------------------------------------------------------------
# Compare links


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        pytest.param(
            LINKS,
            f"[Unreleased]: {GH}/compare/v1.2.4...HEAD\n[1.2.4]: {GH}/compare/v1.2.3...v1.2.4\n"
            f"[1.2.3]: {GH}/compare/v1.2.2...v1.2.3\n[1.2.2]: {GH}/releases/tag/v1.2.2\n",
            id="github-v-prefix",
        ),
        pytest.param(
            f"[Unreleased]: {GH}/compare/1.2.3..main\n[1.2.3]: {GH}/compare/1.2.2..1.2.3\n",
            f"[Unreleased]: {GH}/compare/1.2.4..main\n[1.2.4]: {GH}/compare/1.2.3..1.2.4\n"
            f"[1.2.3]: {GH}/compare/1.2.2..1.2.3\n",
            id="no-prefix-two-dots-main",
        ),
        pytest.param(
            "[unreleased]: https://gitlab.com/d/t/-/compare/v1.2.3...HEAD\n",
            "[unreleased]: https://gitlab.com/d/t/-/compare/v1.2.4...HEAD\n"
            "[1.2.4]: https://gitlab.com/d/t/-/compare/v1.2.3...v1.2.4\n",
            id="gitlab-lowercase-label",
        ),
        pytest.param(
            f"[1.2.3]: {GH}/compare/v1.2.2...v1.2.3\n[1.2.2]: {GH}/releases/tag/v1.2.2\n",
            f"[Unreleased]: {GH}/compare/v1.2.4...HEAD\n"
            f"[1.2.4]: {GH}/compare/v1.2.3...v1.2.4\n[1.2.3]: {GH}/compare/v1.2.2...v1.2.3\n"
            f"[1.2.2]: {GH}/releases/tag/v1.2.2\n",
            id="missing-unreleased-link-added-from-newest",
        ),
        pytest.param(
            f"[Unreleased]: <{GH}/compare/v1.2.3...HEAD>\n",
            f"[Unreleased]: <{GH}/compare/v1.2.4...HEAD>\n[1.2.4]: {GH}/compare/v1.2.3...v1.2.4\n",
            id="angle-brackets-kept",
        ),
        pytest.param(
            f"[Unreleased]: {GH}/compare/v1.2.1...HEAD\n",
            f"[Unreleased]: {GH}/compare/v1.2.4...HEAD\n[1.2.4]: {GH}/compare/v1.2.3...v1.2.4\n",
            id="stale-unreleased-link-fixed",
        ),
        pytest.param("", "", id="file-without-links-gets-none"),
    ],
)
def test_compare_links(
    repo: Path, capsys: pytest.CaptureFixture[str], links: str, expected: str
) -> None:
    write_repo(repo, links=links)
    code, report = run_json(capsys, "--repo", str(repo), "--date", DATE)
    assert code == 0, report
    text = (repo / "CHANGELOG.md").read_text()
    tail = text.split("- Kill switch API endpoint.\n\n", 1)[1]
    assert tail == expected
    assert "BMP004" not in rules(report)
    # Some inputs lack links for old releases (CHG030 about them stays); the new ones are right.
    link_findings = [f for f in report["findings"] if f["rule"] in ("CHG030", "CHG031", "CHG032")]
    assert not [f for f in link_findings if "1.2.4" in f["message"] or "nreleased" in f["message"]]
    assert "CHG032" not in rules(report)


def test_unrecognised_links_are_left_with_a_warning(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    links = f"[Unreleased]: {GH}/commits/main\n[1.2.3]: {GH}/releases/tag/v1.2.3\n"
    write_repo(repo, links=links)
    code, report = run_json(capsys, "--repo", str(repo), "--date", DATE)
    assert code == 0
    assert "BMP004" in rules(report)
    assert (repo / "CHANGELOG.md").read_text().endswith(links)


def test_inline_heading_links_follow_the_file() -> None:
    text = (
        f"# Changelog\n\n## [Unreleased]({GH}/compare/v1.2.3...HEAD)\n\n{FIXED}\n"
        f"## [1.2.3]({GH}/compare/v1.2.2...v1.2.3) - 2024-01-15\n\n{FIXED}"
    )
    cl = parse_changelog(text, shown_as="c")
    v = parse_version("1.2.4")
    assert v is not None
    new, findings = bump_changelog(cl, v, dt.date(2024, 2, 1))
    assert findings == []
    assert new.startswith(
        f"# Changelog\n\n## [Unreleased]({GH}/compare/v1.2.4...HEAD)\n\n"
        f"## [1.2.4]({GH}/compare/v1.2.3...v1.2.4) - 2024-02-01\n\n{FIXED}"
    )


def test_setext_unreleased_heading_is_not_split() -> None:
    text = f"Changelog\n=========\n\nUnreleased\n----------\n\n{FIXED}"
    cl = parse_changelog(text, shown_as="c")
    v = parse_version("0.1.0")
    assert v is not None
    new, _ = bump_changelog(cl, v, dt.date(2024, 2, 1))
    assert (
        new
        == f"Changelog\n=========\n\nUnreleased\n----------\n\n## [0.1.0] - 2024-02-01\n\n{FIXED}"
    )
    parsed = parse_changelog(new, shown_as="c")
    assert parsed.unreleased is not None
    assert parsed.unreleased.entry_count == 0
    assert [r.version for r in parsed.releases] == ["0.1.0"]


def test_no_version_yaml_uses_the_newest_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    root = write_repo(tmp_path / "desk", version_yaml=None, unreleased=ADDED)
    code, report = run_json(capsys, "--repo", str(root), "--date", DATE)
    assert code == 0
    assert report["data"]["previous"] == "1.2.3"
    assert report["data"]["files"] == ["desk/CHANGELOG.md"]
    assert not (root / "version.yaml").exists()


# --------------------------------------------------------------------------------------------
# --strategy


def test_strategy_updates_only_its_version_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_repo(repo, strategies={"pine_v6/ict_qm.pine": ICT_QM, "pine_v6/breakout.pine": BREAKOUT})
    code, report = run_json(
        capsys,
        "--repo",
        str(repo),
        "--date",
        DATE,
        "--strategy",
        "ICT_QM",
        "--strategy-version",
        "minor",
    )
    assert code == 0
    assert (repo / "strategies/pine_v6/ict_qm.pine").read_text() == ICT_QM.replace(
        "// Version: 2.1.0", "// Version: 2.2.0"
    )
    assert (repo / "strategies/pine_v6/breakout.pine").read_text() == BREAKOUT
    assert report["data"]["strategy"] == {
        "name": "ICT_QM",
        "file": "desk/strategies/pine_v6/ict_qm.pine",
        "previous": "2.1.0",
        "version": "2.2.0",
    }
    assert "desk/strategies/pine_v6/ict_qm.pine" in report["data"]["files"]


@pytest.mark.parametrize(
    ("target", "code", "new", "rule"),
    [
        pytest.param("patch", 0, "2.1.1", None, id="part-patch"),
        pytest.param("major", 0, "3.0.0", None, id="part-major"),
        pytest.param("2.5.0", 0, "2.5.0", None, id="explicit-version"),
        pytest.param("2.1.0", 1, None, "BMP003", id="same-version-blocked"),
        pytest.param("2.0.9", 1, None, "BMP003", id="older-version-blocked"),
        pytest.param("v2.2", 2, None, None, id="not-semver"),
    ],
)
def test_strategy_version_targets(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    target: str,
    code: int,
    new: str | None,
    rule: str | None,
) -> None:
    before = snapshot(repo)
    exit_code, report = run_json(
        capsys,
        "--repo",
        str(repo),
        "--date",
        DATE,
        "--strategy",
        "ICT_QM",
        "--strategy-version",
        target,
    )
    assert exit_code == code
    if rule is not None:
        assert rule in rules(report)
    if new is None:
        assert snapshot(repo) == before
    else:
        header = read_strategy_header((repo / "strategies/pine_v6/ict_qm.pine").read_text())
        assert header is not None
        assert header.version == new


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(
            ["--strategy", "../../etc/passwd", "--strategy-version", "minor"], id="dotdot"
        ),
        pytest.param(["--strategy", "/etc/passwd", "--strategy-version", "minor"], id="absolute"),
        pytest.param(["--strategy", "ICT_QM/../x", "--strategy-version", "minor"], id="slash"),
        pytest.param(["--strategy", "1CT_QM", "--strategy-version", "minor"], id="leading-digit"),
        pytest.param(["--strategy", "ICT-QM", "--strategy-version", "minor"], id="dash"),
        pytest.param(["--strategy", "", "--strategy-version", "minor"], id="empty"),
        pytest.param(["--strategy", "ICT_QM\n", "--strategy-version", "minor"], id="newline"),
        pytest.param(["--strategy", "NOPE", "--strategy-version", "minor"], id="unknown-strategy"),
        pytest.param(["--strategy", "ICT_QM"], id="missing-strategy-version"),
        pytest.param(["--strategy-version", "minor"], id="missing-strategy"),
    ],
)
def test_bad_strategy_arguments_are_refused(
    repo: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    before = snapshot(repo)
    code, report = run_json(capsys, "--repo", str(repo), "--date", DATE, *args)
    assert code == 2
    assert report["problem"]["kind"] == "input"
    assert snapshot(repo) == before


def test_strategy_symlink_out_of_the_repo_is_refused(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.pine"
    outside.write_text("// Strategy: EVIL\n// Version: 1.0.0\n")
    (repo / "strategies/evil.pine").symlink_to(outside)
    before, outside_before = snapshot(repo), outside.read_bytes()
    code, report = run_json(
        capsys, "--repo", str(repo), "--strategy", "EVIL", "--strategy-version", "2.0.0"
    )
    assert code == 2
    assert "outside the repository" in report["problem"]["message"]
    assert snapshot(repo) == before
    assert outside.read_bytes() == outside_before


def test_strategy_declared_twice_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    root = write_repo(tmp_path / "desk", strategies={"a/one.pine": ICT_QM, "b/two.pine": ICT_QM})
    before = snapshot(root)
    code, report = run_json(
        capsys, "--repo", str(root), "--strategy", "ICT_QM", "--strategy-version", "minor"
    )
    assert snapshot(root) == before
    assert code == 2
    assert "declared by 2 files" in report["problem"]["message"]


@pytest.mark.parametrize(
    ("text", "name", "version", "line"),
    [
        pytest.param(ICT_QM, "ICT_QM", "2.1.0", 3, id="runbook-header"),
        pytest.param("//Strategy:X\n//  Version:  1.0.0  \n", "X", "1.0.0", 2, id="tight-spacing"),
        pytest.param(
            "// Strategy: X\ncode()\n// Version: 1.0.0\n", "X", None, None, id="code-ends"
        ),
        pytest.param("code()\n// Strategy: X\n", None, None, None, id="not-in-header"),
    ],
)
def test_read_strategy_header(
    text: str, name: str | None, version: str | None, line: int | None
) -> None:
    header = read_strategy_header(text)
    if name is None:
        assert header is None
        return
    assert header is not None
    assert (header.name, header.version, header.version_line) == (name, version, line)


def test_set_strategy_version_keeps_spacing() -> None:
    v = parse_version("1.1.0")
    assert v is not None
    assert set_strategy_version("//  Version:\t1.0.0  \nx", 1, v) == "//  Version:\t1.1.0  \nx"


# --------------------------------------------------------------------------------------------
# Actions outputs and the diff helper


def test_actions_outputs_version_and_tag(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output, summary = tmp_path / "output", tmp_path / "summary"
    output.touch()
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["--repo", str(repo), "--date", DATE, "--hotfix"]) == 0
    written = output.read_text()
    assert "version<<" in written
    assert "\n1.2.4-hotfix\n" in written
    assert "\nv1.2.4-hotfix\n" in written
    assert "```diff" in summary.read_text()


def test_unified_diff_is_empty_without_changes() -> None:
    assert unified_diff("f", "a\nb\n", "a\nb\n") == ""
    assert unified_diff("f", "a\n", "b\n") == "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\n+b\n \n"


@pytest.mark.parametrize(
    ("utc", "zone", "date"),
    [
        # 09:17 in New York is 14:17 UTC, already the next day in UTC+14: the desk's day wins.
        ("2026-11-20T14:17:00+00:00", "America/New_York", "2026-11-20"),
        ("2026-11-21T02:00:00+00:00", "America/New_York", "2026-11-20"),
        ("2026-11-20T11:00:00+00:00", "Pacific/Kiritimati", "2026-11-21"),
        ("2026-11-20T23:30:00+00:00", None, "2026-11-20"),  # no policy zone: UTC
    ],
)
def test_default_release_date_is_today_in_the_policy_time_zone(
    repo: Path, utc: str, zone: str | None, date: str
) -> None:
    import datetime as dt

    from releasekit.gates.bump_version import BumpVersionRequest, bump_version

    if zone is not None:
        (repo / ".github").mkdir()
        (repo / ".github" / "release-policy.yml").write_text(f"version: 1\ntimezone: {zone}\n")
    now = dt.datetime.fromisoformat(utc)
    as_of = now.astimezone(dt.timezone(dt.timedelta(hours=14))).date()
    report = bump_version(BumpVersionRequest(repo=repo, now=now, as_of=as_of))
    assert report.verdict == "pass", report
    assert f"release_date: {date}\n" in (repo / "version.yaml").read_text()
    assert f"## [1.2.4] - {date}\n" in (repo / "CHANGELOG.md").read_text()


def test_date_help_names_the_time_zone(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps the help text
    assert "(default: today in the policy's `timezone:`, UTC when unset)" in shown
