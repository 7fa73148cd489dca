"""version.yaml (VER), cross-file (REL) rules and the version arithmetic they rest on."""

from __future__ import annotations

import datetime as dt

import pytest

from releasekit.core.report import Report
from releasekit.core.versioning.changelog import parse_changelog
from releasekit.core.versioning.release_rules import evaluate_release_files, required_bump
from releasekit.core.versioning.version_file import check_version_file, parse_version_file
from releasekit.core.versioning.versions import (
    bump_kind,
    is_production,
    next_version,
    parse_version,
)
from releasekit.errors import InputError

AS_OF = dt.date(2026, 11, 25)

VERSION_YAML = """\
# version.yaml (root of repo)
version: 1.2.3
release_date: 2024-01-15
changelog:
- "1.2.3: Fixed timeout handling in webhook"
- "1.2.2: Added kill switch API endpoint"
"""


def ver_rules(text: str) -> list[tuple[str, str, int | None]]:
    vf = parse_version_file(text, shown_as="version.yaml")
    return sorted((f.rule, f.level, f.line) for f in check_version_file(vf, as_of=AS_OF))


def test_runbook_version_yaml_passes() -> None:
    assert ver_rules(VERSION_YAML) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "release_date: 2024-01-15\nchangelog: []\n",
            [("VER001", "error", 1)],
            id="version-missing",
        ),
        pytest.param(
            'version: 1.10\nrelease_date: 2024-01-15\nchangelog:\n- "1.10: x"\n',
            [("VER001", "error", 1), ("VER004", "error", 4)],
            id="version-read-as-written-not-as-float",
        ),
        pytest.param(
            'version: 1.2.3\nchangelog:\n- "1.2.3: x"\n',
            [("VER002", "error", 1)],
            id="release-date-missing",
        ),
        pytest.param(
            'version: 1.2.3\nrelease_date: 2024-13-01\nchangelog:\n- "1.2.3: x"\n',
            [("VER002", "error", 2)],
            id="release-date-invalid",
        ),
        pytest.param(
            'version: 1.2.3\nrelease_date: 2099-01-01\nchangelog:\n- "1.2.3: x"\n',
            [("VER008", "error", 2)],
            id="release-date-in-future",
        ),
        pytest.param(
            "version: 1.2.3\nrelease_date: 2024-01-15\n",
            [("VER003", "error", 1)],
            id="changelog-list-missing",
        ),
        pytest.param(
            'version: 1.2.3\nrelease_date: 2024-01-15\nchangelog:\n- "no colon"\n',
            [("VER003", "error", 4), ("VER006", "error", 4)][:1],
            id="entry-malformed",
        ),
        pytest.param(
            'version: 1.2.3\nrelease_date: 2024-01-15\nchangelog:\n- "1.2.3: a"\n- "1.2.4: b"\n',
            [("VER005", "error", 5)],
            id="entries-ascending",
        ),
        pytest.param(
            'version: 1.2.3\nrelease_date: 2024-01-15\nchangelog:\n- "1.2.3: a"\n- "1.2.3: b"\n',
            [("VER005", "error", 5)],
            id="entry-repeated",
        ),
        pytest.param(
            'version: 1.2.3\nrelease_date: 2024-01-15\nchangelog:\n- "1.2.2: a"\n',
            [("VER006", "error", 4)],
            id="first-entry-not-version",
        ),
        pytest.param(
            'version: 1.2.3\nrelease_date: 2024-01-15\nchangelog:\n- "1.2.3: a"\nowner: me\n',
            [("VER007", "warning", 5)],
            id="unknown-key",
        ),
    ],
)
def test_version_file_rule(text: str, expected: list[tuple[str, str, int | None]]) -> None:
    assert ver_rules(text) == sorted(expected)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("- just\n- a list\n", id="not-a-mapping"),
        pytest.param("version: 1.2.3\nversion: 1.2.4\n", id="duplicate-key"),
        pytest.param("a: &x [1, 2]\nb: *x\n", id="alias"),
        pytest.param("version: [1.2.3\n", id="syntax-error"),
        pytest.param("version: !!python/object/apply:os.system ['true']\n", id="python-tag"),
    ],
)
def test_unusable_version_yaml_is_an_input_error_with_a_line(text: str) -> None:
    with pytest.raises(InputError) as info:
        parse_version_file(text, shown_as="version.yaml")
    assert info.value.problem.file == "version.yaml"
    assert info.value.problem.line is not None


CHANGELOG = """\
# Changelog

## [Unreleased]

## [{new}] - 2024-01-15
{sections}
## [1.2.2] - 2024-01-10
### Fixed
- y
"""


def release_report(
    new: str, sections: str, version_yaml: str | None = None, tag: str | None = None
) -> Report:
    cl = parse_changelog(CHANGELOG.format(new=new, sections=sections), shown_as="CHANGELOG.md")
    vf = None if version_yaml is None else parse_version_file(version_yaml, shown_as="version.yaml")
    return evaluate_release_files(cl, vf, as_of=AS_OF, tag=tag)


@pytest.mark.parametrize(
    ("new", "sections", "blocked"),
    [
        pytest.param("1.2.3", "### Fixed\n- a\n", False, id="fixed-is-a-patch"),
        pytest.param("1.2.3", "### Security\n- a\n", False, id="security-is-a-patch"),
        pytest.param("1.2.3", "### Added\n- a\n", True, id="added-needs-minor"),
        pytest.param("1.3.0", "### Added\n- a\n", False, id="added-as-minor"),
        pytest.param("1.2.3", "### Changed\n- a\n", True, id="changed-needs-minor"),
        pytest.param("1.2.3", "### Deprecated\n- a\n", True, id="deprecated-needs-minor"),
        pytest.param("1.3.0", "### Removed\n- a\n", True, id="removed-needs-major"),
        pytest.param("2.0.0", "### Removed\n- a\n", False, id="removed-as-major"),
        pytest.param("1.3.0", "### Changed\n- **Breaking:** a\n", True, id="breaking-needs-major"),
        pytest.param("2.0.0", "### Fixed\n- a\n", False, id="bigger-bump-is-allowed"),
        pytest.param("1.2.3-hotfix", "### Fixed\n- a\n", False, id="hotfix-is-a-patch"),
    ],
)
def test_version_bump_must_fit_the_sections(new: str, sections: str, blocked: bool) -> None:
    report = release_report(new, sections)
    assert [f.rule for f in report.findings if f.rule == "REL003"] == (
        ["REL003"] if blocked else []
    )


def test_follow_up_release_after_hotfix_is_measured_from_the_last_final_release() -> None:
    text = (
        "# C\n\n## [Unreleased]\n\n## [1.2.4] - 2024-01-20\n### Fixed\n- a\n\n"
        "## [1.2.4-hotfix] - 2024-01-16\n### Fixed\n- a\n\n## [1.2.3] - 2024-01-15\n"
        "### Fixed\n- b\n"
    )
    cl = parse_changelog(text, shown_as="C")
    report = evaluate_release_files(cl, None, as_of=AS_OF)
    assert report.verdict == "pass", report.findings


def test_initial_development_breaking_change_needs_only_minor() -> None:
    cl = parse_changelog("# C\n\n## [Unreleased]\n### Removed\n- a\n", shown_as="C")
    assert cl.unreleased is not None
    assert required_bump(cl.unreleased, initial_development=True) == "minor"
    assert required_bump(cl.unreleased) == "major"


@pytest.mark.parametrize(
    ("version_yaml", "tag", "rule"),
    [
        pytest.param(
            'version: 1.2.4\nrelease_date: 2024-01-15\nchangelog:\n- "1.2.4: a"\n',
            None,
            "REL001",
            id="version-yaml-ahead-of-changelog",
        ),
        pytest.param(
            'version: 1.2.3\nrelease_date: 2024-01-14\nchangelog:\n- "1.2.3: a"\n',
            None,
            "REL005",
            id="dates-differ",
        ),
        pytest.param(
            'version: 1.2.3\nrelease_date: 2024-01-15\nchangelog:\n- "1.2.3: a"\n',
            "v1.2.4",
            "REL002",
            id="tag-differs",
        ),
        pytest.param(
            'version: 1.2.3\nrelease_date: 2024-01-15\nchangelog:\n- "1.2.3: a"\n',
            "release-1.2.3",
            "REL002",
            id="tag-not-semver",
        ),
        pytest.param(
            'version: 1.2.3\nrelease_date: 2024-01-15\nchangelog:\n- "1.2.3: a"\n- "1.1.0: old"\n',
            None,
            "REL006",
            id="version-yaml-lists-unknown-release",
        ),
    ],
)
def test_cross_file_rule(version_yaml: str, tag: str | None, rule: str) -> None:
    report = release_report("1.2.3", "### Fixed\n- a\n", version_yaml, tag)
    assert rule in {f.rule for f in report.findings}


def test_consistent_files_and_tag_pass() -> None:
    vy = 'version: 1.2.3\nrelease_date: 2024-01-15\nchangelog:\n- "1.2.3: a"\n- "1.2.2: b"\n'
    report = release_report("1.2.3", "### Fixed\n- a\n", vy, "v1.2.3")
    assert report.verdict == "pass", report.findings
    assert report.data["releases"] == [
        {"version": "1.2.3", "date": "2024-01-15", "line": 5, "yanked": False},
        {"version": "1.2.2", "date": "2024-01-10", "line": 9, "yanked": False},
    ]


@pytest.mark.parametrize(
    ("current", "part", "hotfix", "pre", "expected"),
    [
        pytest.param("1.2.3", "patch", False, None, "1.2.4", id="patch"),
        pytest.param("1.2.3", "minor", False, None, "1.3.0", id="minor"),
        pytest.param("1.2.3", "major", False, None, "2.0.0", id="major"),
        pytest.param("1.2.3", "patch", True, None, "1.2.4-hotfix", id="hotfix"),
        pytest.param("1.2.4-hotfix", "patch", True, None, "1.2.4-hotfix.2", id="second-hotfix"),
        pytest.param("1.2.4-hotfix.2", "patch", True, None, "1.2.4-hotfix.3", id="third-hotfix"),
        pytest.param(
            "1.2.4-hotfix", "patch", False, None, "1.2.4", id="proper-release-after-hotfix"
        ),
        pytest.param("1.2.4-hotfix", "minor", False, None, "1.3.0", id="minor-after-hotfix"),
        pytest.param("1.2.3", "minor", False, "rc", "1.3.0-rc.1", id="first-rc"),
        pytest.param("1.3.0-rc.1", "minor", False, "rc", "1.3.0-rc.2", id="next-rc"),
        pytest.param("1.3.0-rc.2", "minor", False, None, "1.3.0", id="final-after-rc"),
        pytest.param("1.2.3+build.5", "patch", False, None, "1.2.4", id="build-metadata-dropped"),
    ],
)
def test_next_version(
    current: str, part: str, hotfix: bool, pre: str | None, expected: str
) -> None:
    v = parse_version(current)
    assert v is not None
    assert str(next_version(v, part, hotfix=hotfix, pre=pre)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("current", "hotfix", "pre"),
    [
        pytest.param("1.3.0-rc.1", True, None, id="hotfix-from-prerelease"),
        pytest.param("1.2.3", True, "rc", id="hotfix-and-pre"),
        pytest.param("1.2.3", False, "hotfix", id="pre-label-reserved"),
        pytest.param("1.2.3", False, "r c", id="pre-label-invalid"),
    ],
)
def test_next_version_refuses(current: str, hotfix: bool, pre: str | None) -> None:
    v = parse_version(current)
    assert v is not None
    with pytest.raises(InputError):
        next_version(v, "patch", hotfix=hotfix, pre=pre)


def test_hotfix_ordering_and_status() -> None:
    released, hotfix, follow_up = (parse_version(s) for s in ("1.2.3", "1.2.4-hotfix", "1.2.4"))
    assert released is not None
    assert hotfix is not None
    assert follow_up is not None
    assert released < hotfix < follow_up
    assert is_production(hotfix)
    assert is_production(follow_up)
    rc = parse_version("1.3.0-rc.1")
    assert rc is not None
    assert not is_production(rc)
    assert bump_kind(released, hotfix) == "patch"
    assert bump_kind(hotfix, follow_up) == "pre"
    assert bump_kind(follow_up, hotfix) is None
