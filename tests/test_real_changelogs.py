"""Real public changelogs (tests/fixtures/changelogs/real, provenance in its README.md).

Files that follow Keep a Changelog: every release counted exactly, the newest one found on its
line, and the gate never crashes. Free-form files: blocked, with a first finding that names
the real problem on its line.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from releasekit.adapters.files import read_text
from releasekit.cli.check_changelog import main
from releasekit.core.versioning.changelog import Changelog, check_changelog, parse_changelog

CORPUS = Path(__file__).parent / "fixtures" / "changelogs" / "real"
MANIFEST: list[dict[str, Any]] = json.loads((CORPUS / "manifest.json").read_text())
KAC = [e for e in MANIFEST if e["follows_kac"]]
FREE_FORM = [e for e in MANIFEST if not e["follows_kac"]]
AS_OF = dt.date(2026, 11, 25)

# What a reviewer should read first for each free-form file (rule, line).
FIRST_FINDING = {
    "conventional-changelog__standard-version.md": ("CHG007", 5),
    "hashicorp__terraform.md": ("CHG001", 1),
    "sharkdp__fd.md": ("CHG010", 3),
    "laravel__sanctum.md": ("CHG011", 6),
    "npm__node-semver.md": ("CHG002", 3),
    "pallets__markupsafe.md": ("CHG001", 1),
    "symfony__yaml.md": ("CHG002", 4),
    "hyperium__http.md": ("CHG007", 1),
}


def parse(entry: dict[str, Any]) -> Changelog:
    path = CORPUS / entry["file"]
    return parse_changelog(read_text(path, what="changelog"), shown_as=entry["file"])


def test_corpus_spans_both_kinds() -> None:
    assert len(KAC) >= 18
    assert len(FREE_FORM) >= 5
    assert set(FIRST_FINDING) == {e["file"] for e in FREE_FORM}


@pytest.mark.parametrize("entry", KAC, ids=[e["file"] for e in KAC])
def test_keep_a_changelog_file_releases_are_counted_exactly(entry: dict[str, Any]) -> None:
    cl = parse(entry)
    assert len(cl.releases) == entry["release_count"]
    newest = cl.releases[0]
    assert (newest.version, newest.line) == (
        entry["first_release"]["version"],
        entry["first_release"]["line"],
    )


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_gate_never_crashes_and_reports_json(
    entry: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["--file", str(CORPUS / entry["file"]), "--as-of", "2026-11-25", "--format", "json"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert out["verdict"] in ("pass", "blocked")
    assert len(out["data"]["releases"]) == len(parse(entry).releases)


@pytest.mark.parametrize("entry", FREE_FORM, ids=[e["file"] for e in FREE_FORM])
def test_free_form_file_is_blocked_with_a_precise_first_finding(entry: dict[str, Any]) -> None:
    findings = check_changelog(parse(entry), as_of=AS_OF)
    errors = sorted(
        (f for f in findings if f.level == "error"), key=lambda f: (f.line or 0, f.rule)
    )
    assert errors, "a free-form changelog must not pass"
    assert (errors[0].rule, errors[0].line) == FIRST_FINDING[entry["file"]]


@pytest.mark.parametrize(
    ("file", "rule", "line"),
    [
        pytest.param("tailwindlabs__tailwindcss.md", "CHG016", 274, id="tailwind-date-order"),
        pytest.param("ajeetdsouza__zoxide.md", "CHG016", 124, id="zoxide-typo-year"),
        pytest.param("jonhoo__inferno.md", "CHG014", 157, id="inferno-malformed-date"),
        pytest.param("crate-ci__typos.md", "CHG020", 12, id="typos-nonstandard-section"),
        pytest.param("thephpleague__commonmark.md", "CHG014", 15, id="commonmark-missing-date"),
    ],
)
def test_real_defects_are_reported_precisely(file: str, rule: str, line: int) -> None:
    entry = next(e for e in MANIFEST if e["file"] == file)
    found = {(f.rule, f.line) for f in check_changelog(parse(entry), as_of=AS_OF)}
    assert (rule, line) in found


def test_canonical_keep_a_changelog_example_passes_clean() -> None:
    entry = next(e for e in MANIFEST if e["file"] == "olivierlacan__keep-a-changelog.md")
    assert check_changelog(parse(entry), as_of=AS_OF) == []
