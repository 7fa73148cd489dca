"""The changelog scanner reads a large file a slice at a time, and a release's entries on demand.

Both are for memory (no string per line of the whole file, no object per entry): these
properties hold that neither changes what is read. Any cut of the file into slices gives the
findings, releases and link definitions of reading it whole, and a release's sections read
on demand are the ones the file's scan counted.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from releasekit.core.versioning import changelog
from releasekit.core.versioning.changelog import check_changelog, parse_changelog

LINES = [
    "# Changelog\n",
    "## [Unreleased]\n",
    "## [1.2.3] - 2024-01-15\n",
    "## [1.2.4] - 2024-01-16\n",
    "## 1.2.5 - 2024-01-17\n",
    "## [v2.0.0] - 2024-02-30\n",
    "## [0.1.0-rc.1] - 2024-01-01 [YANKED]\n",
    "### Added\n",
    "### fixed\n",
    "### Bogus\n",
    "- x\n",
    "- **Breaking:** y\n",
    "  - nested\n",
    "1. one\n",
    "```\n",
    "<!--\n",
    "-->\n",
    "[1.2.3]: https://x/compare/v1.2.2...v1.2.3\n",
    "---\n",
    "===\n",
    "Title\n",
    "text\n",
    "    indented\n",
    "\n",
    "#### deep\n",
    "-\n",
]
TEXT = st.lists(st.sampled_from(LINES) | st.text(max_size=6), max_size=50).map("".join)


def reading(text: str) -> tuple[object, ...]:
    """Everything the parse and the rules say about ``text``."""
    cl = parse_changelog(text, shown_as="CHANGELOG.md")
    blocks = [r for r in (cl.unreleased, *cl.releases) if r is not None]
    return (
        cl.title_line,
        cl.releases,
        cl.unreleased,
        cl.link_defs,
        cl.findings,
        [r.sections for r in blocks],
        check_changelog(cl, as_of=dt.date(2024, 6, 1)),
    )


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=TEXT, chunk=st.integers(min_value=1, max_value=40))
def test_any_cut_into_slices_reads_as_the_whole_file(
    text: str, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slices of ``chunk`` characters (a setext underline across a cut included) change nothing."""
    whole = reading(text)
    with monkeypatch.context() as m:
        m.setattr(changelog, "_CHUNK_CHARS", chunk)
        assert reading(text) == whole


@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_sections_read_on_demand_hold_the_counted_entries(text: str) -> None:
    """Each release's entry count is the number of entries its sections hold."""
    cl = parse_changelog(text, shown_as="CHANGELOG.md")
    for r in (cl.unreleased, *cl.releases):
        if r is not None:
            assert r.entry_count == sum(len(s.entries) for s in r.sections)


def test_a_release_reads_its_own_entries() -> None:
    """The second release's sections, breaking mark and line numbers, read after the scan."""
    text = (
        "# Changelog\n\n## [Unreleased]\n\n### Added\n- next\n\n"
        "## [2.0.0] - 2024-02-01\n\n### Removed\n- **Breaking:** old API\n\n### Fixed\n- a\n- b\n\n"
        "## [1.0.0] - 2024-01-01\n\n### Added\n- first\n"
    )
    cl = parse_changelog(text, shown_as="CHANGELOG.md")
    two = cl.releases[0]
    assert [(s.name, s.line, len(s.entries)) for s in two.sections] == [
        ("Removed", 10, 1),
        ("Fixed", 13, 2),
    ]
    assert two.sections[0].entries[0].text == "**Breaking:** old API"
    assert two.has_breaking()
    assert not cl.releases[1].has_breaking()
    assert [e.line for e in two.sections[1].entries] == [14, 15]
