"""check-changelog's CHG rules, one behaviour per row, on small changelogs written inline."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from releasekit.core.report import Finding
from releasekit.core.versioning.changelog import check_changelog, parse_changelog

AS_OF = dt.date(2026, 11, 25)

GOOD = """\
# Changelog

Intro text.

## [Unreleased]

### Added
- Something new

## [1.2.0] - 2024-02-01

A summary paragraph (Keep a Changelog 2.0.0).

### Added
- Session breakout strategy
  with a continuation line

### Fixed
- Timeout handling

## [1.1.0] - 2024-01-15
### Changed
- **Breaking:** new config format

[Unreleased]: https://github.com/o/r/compare/v1.2.0...HEAD
[1.2.0]: https://github.com/o/r/compare/v1.1.0...v1.2.0
[1.1.0]: https://github.com/o/r/releases/tag/v1.1.0
"""


def findings_of(text: str, as_of: dt.date = AS_OF) -> list[Finding]:
    cl = parse_changelog(textwrap.dedent(text), shown_as="CHANGELOG.md")
    return check_changelog(cl, as_of=as_of)


def rules(text: str) -> list[tuple[str, str, int | None]]:
    return sorted((f.rule, f.level, f.line) for f in findings_of(text))


def test_good_changelog_has_no_findings() -> None:
    assert findings_of(GOOD) == []


def test_good_changelog_parses_releases_sections_and_breaking_entries() -> None:
    cl = parse_changelog(GOOD, shown_as="CHANGELOG.md")
    assert [(r.version, r.date, r.line) for r in cl.releases] == [
        ("1.2.0", "2024-02-01", 10),
        ("1.1.0", "2024-01-15", 21),
    ]
    assert cl.unreleased is not None
    assert cl.unreleased.entry_count == 1
    assert [s.name for s in cl.releases[0].sections] == ["Added", "Fixed"]
    assert not cl.releases[0].has_breaking()
    assert cl.releases[1].has_breaking()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n### Added\n- x\n",
            [("CHG001", "error", 1)],
            id="missing-title",
        ),
        pytest.param(
            "# Changelog\n\n## [1.0.0] - 2024-01-01\n### Added\n- x\n",
            [("CHG002", "error", 3)],
            id="missing-unreleased",
        ),
        pytest.param(
            "# C\n\n## [1.0.0] - 2024-01-01\n### Added\n- x\n\n## [Unreleased]\n",
            [("CHG003", "error", 7)],
            id="unreleased-after-a-release",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## Version 1.0 (2020)\n",
            [("CHG010", "error", 5)],
            id="heading-not-a-release",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0] - 2024-01-01\n### Added\n- x\n",
            [("CHG011", "error", 5)],
            id="version-not-semver",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n### Added\n- x\n"
            "## [1.1.0] - 2023-01-01\n### Added\n- y\n",
            [("CHG012", "error", 8)],
            id="versions-not-descending",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n### Added\n- x\n"
            "## [1.0.0] - 2023-01-01\n### Added\n- y\n",
            [("CHG013", "error", 8)],
            id="version-repeated",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2024-02-30\n### Added\n- x\n",
            [("CHG014", "error", 5)],
            id="date-not-a-calendar-date",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0]\n### Added\n- x\n",
            [("CHG014", "error", 5)],
            id="release-without-date",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2027-01-01\n### Added\n- x\n",
            [("CHG015", "error", 5)],
            id="date-after-as-of",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.1.0] - 2024-01-01\n### Added\n- x\n"
            "## [1.0.0] - 2024-03-01\n### Added\n- y\n",
            [("CHG016", "error", 8)],
            id="dates-increase-down-the-file",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n### Improvements\n- x\n",
            [("CHG020", "error", 6)],
            id="unknown-section",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n### added\n- x\n",
            [("CHG020", "warning", 6)],
            id="section-wrong-case",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n### Added\n- x\n### Added\n- y\n",
            [("CHG021", "error", 8)],
            id="section-repeated",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n### Added\n- x\n\nplain text\n",
            [("CHG022", "error", 9)],
            id="entry-not-a-list-item",
        ),
        pytest.param(
            "# C\n\n### Added\n- x\n\n## [Unreleased]\n",
            [("CHG023", "error", 3)],
            id="section-outside-a-release",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n- x\n",
            [("CHG024", "error", 6), ("CHG025", "warning", 5)],
            id="entry-without-section",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n",
            [("CHG025", "warning", 5)],
            id="release-without-entries",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## 1.0.0 - 2024-01-01\n### Added\n- x\n",
            [("CHG004", "warning", 5)],
            id="version-without-brackets",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [v1.0.0] - 2024-01-01\n### Added\n- x\n",
            [("CHG004", "warning", 5)],
            id="version-with-v-prefix",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0] (2024-01-01)\n### Added\n- x\n",
            [("CHG004", "warning", 5)],
            id="date-in-parentheses",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n# Another title\n",
            [("CHG005", "warning", 5)],
            id="second-title",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n# v1.0.0 (2024-01-01)\n",
            [("CHG007", "error", 5)],
            id="release-at-level-one",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## 1.1.0 - Unreleased\n### Added\n- x\n",
            [("CHG004", "warning", 5), ("CHG013", "error", 5)],
            id="planned-version-heading",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n## [Unreleased]\n",
            [("CHG013", "error", 4)],
            id="two-unreleased-sections",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.1.0] - 2024-01-02\n### Added\n- x\n"
            "## [1.0.0] - 2024-01-01\n### Added\n- y\n\n"
            "[Unreleased]: https://g/o/r/compare/v1.1.0...HEAD\n"
            "[1.1.0]: https://g/o/r/compare/v1.0.0...v1.1.0\n",
            [("CHG030", "warning", 8)],
            id="missing-link-definition",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n### Added\n- x\n\n"
            "[unreleased]: https://g/o/r/compare/v1.0.0...HEAD\n"
            "[1.0.0]: https://g/o/r/releases/v1.0.0\n[0.9.0]: https://g/o/r/releases/v0.9.0\n",
            [("CHG031", "warning", 11)],
            id="link-definition-for-unknown-version",
        ),
        pytest.param(
            "# C\n\n## [Unreleased]\n\n## [1.1.0] - 2024-01-02\n### Added\n- x\n"
            "## [1.0.0] - 2024-01-01\n### Added\n- y\n\n"
            "[Unreleased]: https://g/o/r/compare/v1.1.0...main\n"
            "[1.1.0]: https://g/o/r/compare/v0.9.0...v1.1.0\n[1.0.0]: https://g/o/r/tree/v1.0.0\n",
            [("CHG032", "warning", 13)],
            id="compare-link-from-wrong-release",
        ),
    ],
)
def test_rule(text: str, expected: list[tuple[str, str, int | None]]) -> None:
    assert rules(text) == sorted(expected)


@pytest.mark.parametrize(
    ("heading", "version", "date", "yanked"),
    [
        pytest.param("## [1.2.0] - 2024-01-01", "1.2.0", "2024-01-01", False, id="canonical"),
        pytest.param(
            "## [1.2.0](https://x/y) - 2024-01-01", "1.2.0", "2024-01-01", False, id="inline-link"
        ),
        pytest.param("## [1.2.0] - 2024-01-01 [YANKED]", "1.2.0", "2024-01-01", True, id="yanked"),
        pytest.param(
            "## [2.0.0-rc.1] - 2024-01-01", "2.0.0-rc.1", "2024-01-01", False, id="prerelease"
        ),
        pytest.param(
            "## [1.2.4-hotfix] - 2024-01-01",
            "1.2.4-hotfix",
            "2024-01-01",
            False,
            id="runbook-hotfix",
        ),
        pytest.param(
            "## 1.2.0 – 2024-01-01", "1.2.0", "2024-01-01", False, id="en-dash-no-brackets"
        ),
        pytest.param("## [1.2.0][] - 2024-01-01", "1.2.0", "2024-01-01", False, id="collapsed-ref"),
        pytest.param(
            "##   [1.2.0] - 2024-01-01   ##", "1.2.0", "2024-01-01", False, id="closing-hashes"
        ),
    ],
)
def test_heading_forms_are_read(heading: str, version: str, date: str, yanked: bool) -> None:
    cl = parse_changelog(f"# C\n\n## [Unreleased]\n\n{heading}\n### Added\n- x\n", shown_as="C")
    assert [(r.version, r.date, r.yanked) for r in cl.releases] == [(version, date, yanked)]


@pytest.mark.parametrize(
    "hidden",
    [
        pytest.param("```\n## [9.9.9] - 2020-01-01\n```\n", id="backtick-fence"),
        pytest.param("~~~~md\n## [9.9.9] - 2020-01-01\n~~~~\n", id="tilde-fence"),
        pytest.param("<!--\n## [9.9.9] - 2020-01-01\n-->\n", id="html-comment"),
        pytest.param("<!-- ## [9.9.9] - 2020-01-01 -->\n", id="one-line-comment"),
        pytest.param("    ## [9.9.9] - 2020-01-01\n", id="indented-code"),
    ],
)
def test_headings_in_code_and_comments_are_not_releases(hidden: str) -> None:
    text = f"# C\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n### Added\n- x\n\n{hidden}"
    cl = parse_changelog(text, shown_as="C")
    assert [r.version for r in cl.releases] == ["1.0.0"]


def test_setext_title_and_release_headings_are_read() -> None:
    text = "Changelog\n=========\n\n[Unreleased]\n------------\n\n[1.0.0] - 2024-01-01\n---\n"
    cl = parse_changelog(text, shown_as="C")
    assert cl.title_line == 1
    assert cl.unreleased is not None
    assert [r.version for r in cl.releases] == ["1.0.0"]


def test_lazy_continuation_line_belongs_to_the_entry() -> None:
    text = "# C\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n### Added\n- first line\nlazy\n"
    assert findings_of(text) == []


def test_notes_are_the_release_body_without_link_definitions() -> None:
    cl = parse_changelog(GOOD, shown_as="C")
    notes = cl.notes(cl.releases[1])
    assert notes == "### Changed\n- **Breaking:** new config format\n"


def test_empty_file_is_reported_not_crashed() -> None:
    assert ("CHG001", "error", 1) in rules("")


def test_finding_lines_point_at_the_offending_heading_in_a_crlf_file() -> None:
    from releasekit.adapters.files import decode_text

    text = decode_text(
        b"# C\r\n\r\n## [Unreleased]\r\n\r\n## [1.0] - 2024-01-01\r\n", what="c", shown_as="C"
    )
    assert ("CHG011", "error", 5) in rules(text)
