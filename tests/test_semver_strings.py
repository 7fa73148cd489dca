"""Official SemVer 2.0.0 test strings: the valid accepted, the invalid refused on their line."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from releasekit.core.versioning.changelog import check_changelog, parse_changelog
from releasekit.core.versioning.versions import parse_version, version_key

FIXTURES = Path(__file__).parent / "fixtures" / "semver"


def strings(name: str) -> list[str]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [ln for ln in lines if ln and not ln.startswith("#")]


VALID = strings("valid.txt")
INVALID = sorted(set(strings("invalid.txt")))


def test_the_published_lists_are_loaded() -> None:
    assert len(VALID) >= 30
    assert len(INVALID) >= 30


@pytest.mark.parametrize("text", VALID)
def test_valid_string_is_accepted(text: str) -> None:
    assert parse_version(text) is not None
    assert version_key(text) is not None
    changelog = f"# C\n\n## [Unreleased]\n\n## [{text}] - 2024-01-01\n### Fixed\n- x\n"
    cl = parse_changelog(changelog, shown_as="C")
    assert [r.version for r in cl.releases] == [text]
    assert [f for f in check_changelog(cl, as_of=dt.date(2026, 1, 1)) if f.level == "error"] == []


@pytest.mark.parametrize("text", INVALID)
def test_invalid_string_is_rejected_on_its_line(text: str) -> None:
    assert parse_version(text) is None
    assert version_key(text) is None
    changelog = f"# C\n\n## [Unreleased]\n\n## [{text}] - 2024-01-01\n### Fixed\n- x\n"
    cl = parse_changelog(changelog, shown_as="C")
    errors = [f for f in check_changelog(cl, as_of=dt.date(2026, 1, 1)) if f.level == "error"]
    assert [(f.rule, f.line) for f in errors] in ([("CHG011", 5)], [("CHG010", 5)])


def test_ordering_key_agrees_with_semver_precedence_on_every_valid_pair() -> None:
    for a, b in itertools.combinations(VALID, 2):
        va, vb = parse_version(a), parse_version(b)
        ka, kb = version_key(a), version_key(b)
        assert va is not None
        assert vb is not None
        assert ka is not None
        assert kb is not None
        assert (ka < kb) == (va < vb), (a, b)
        assert (ka == kb) == (va.compare(vb) == 0), (a, b)
