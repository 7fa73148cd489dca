"""Keep a Changelog files, parsed line by line and checked (rules CHG0xx).

Keep a Changelog 1.1.0, plus the two additions of Keep a Changelog 2.0.0: an optional summary
paragraph under a release heading, and entries marked ``**Breaking:**``.

Why a line scanner and not markdown-it: a full CommonMark parse of a 10,000-release changelog
takes about 4 s on our machine (see docs/benchmarks.md), against a 0.5 s budget for the whole
gate. The structure a changelog has — ATX headings, list items, link reference definitions —
is line-shaped, so the scanner tracks exactly the CommonMark constructs that can hide or fake
that structure: fenced code blocks, HTML comments, setext headings and lazy continuation
lines. Audit reports, where tables matter, are parsed with markdown-it (``core.audit``).
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple, Protocol

from releasekit.core.dates import parse_iso_date
from releasekit.core.report import Finding, finding
from releasekit.core.versioning.versions import Version, VersionKey, parse_version, version_key

SECTION_NAMES = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
UNRELEASED = "Unreleased"
_SECTION_BY_FOLD = {name.casefold(): name for name in SECTION_NAMES}

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]+(.*)|[ \t]*$)")
_LINK_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*<?(\S+?)>?(?:[ \t].*)?$")
_THEMATIC = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
# The version part of a level-2 heading: [X](url), [X][ref], [X] or a bare token.
_HEAD_VERSION = re.compile(
    r"^(?:\[(?P<bracketed>[^\]]+)\](?:\((?P<url>[^)\s]*)\)|\[[^\]]*\])?|(?P<bare>[^\s\[\]()]+))"
)
_CANONICAL_REST = re.compile(r"^ - (?P<date>\d{4}-\d{2}-\d{2})(?P<yanked> \[YANKED\])?$")
_LENIENT_REST = re.compile(
    r"^[ \t]*(?:[-–—:][ \t]*)?\(?(?P<date>[^\s()\[\]]+)?\)?(?P<yanked>[ \t]*\[YANKED\])?[ \t]*$",
    re.IGNORECASE,
)
_PLANNED = re.compile(r"^[ \t]*(?:[-–—:][ \t]*)?\(?unreleased\)?[ \t]*$", re.IGNORECASE)
_LOOKS_VERSION = re.compile(r"^[vV]?\d+(?:\.\d+)+")
_BREAKING = re.compile(r"^\*\*Breaking:?\*\*:?", re.IGNORECASE)
_COMPARE = re.compile(r"/compare/(?P<old>.+?)\.{2,3}(?P<new>[^/?#]+)$")


class Entry(NamedTuple):
    """One list item under a section: its first line of text."""

    text: str
    line: int
    breaking: bool


class Section(NamedTuple):
    """A ``### Added`` (etc.) block and its entries."""

    name: str
    line: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Release:
    """A ``## [X.Y.Z] - YYYY-MM-DD`` block (or the ``## [Unreleased]`` block).

    ``version`` is as written, without brackets or a ``v`` prefix; ``key`` (the SemVer
    ordering key) and ``parsed`` are None when it is not SemVer. ``line``/``end`` are the
    1-based lines of the block (heading to the last line before the next release heading).
    """

    version: str
    key: VersionKey | None
    date: str | None
    line: int
    end: int
    yanked: bool
    bracketed: bool
    inline_link: str | None
    sections: tuple[Section, ...]

    @cached_property
    def parsed(self) -> Version | None:
        """The version as a ``semver.Version`` (built on first use: ordering uses ``key``)."""
        return None if self.key is None else parse_version(self.version)

    @property
    def is_unreleased(self) -> bool:
        """Whether this is the ``[Unreleased]`` block."""
        return self.version.casefold() == UNRELEASED.casefold()

    @property
    def entry_count(self) -> int:
        """How many list entries the release has across its sections."""
        return sum(len(s.entries) for s in self.sections)

    def section_names(self) -> set[str]:
        """The names of its sections."""
        return {s.name for s in self.sections}

    def has_breaking(self) -> bool:
        """Whether any entry is marked ``**Breaking:**`` (Keep a Changelog 2.0.0)."""
        return any(e.breaking for s in self.sections for e in s.entries)


class LinkDef(NamedTuple):
    """A link reference definition ``[label]: url``."""

    label: str
    url: str
    line: int


@dataclass(frozen=True)
class Changelog:
    """A parsed changelog and the structural findings made while reading it."""

    shown_as: str
    lines: tuple[str, ...]
    title_line: int | None
    unreleased: Release | None
    releases: tuple[Release, ...]
    link_defs: tuple[LinkDef, ...]
    findings: tuple[Finding, ...] = field(default=())

    def release(self, version: Version) -> Release | None:
        """The release whose version equals ``version``, if any."""
        key = version_key(str(version))
        return next((r for r in self.releases if r.key == key), None)

    def notes(self, release: Release) -> str:
        """The release's body as Markdown, ready for a GitHub Release (no heading, no link defs)."""
        body = [ln for ln in self.lines[release.line : release.end] if not _LINK_DEF.match(ln)]
        while body and not body[-1].strip():
            body.pop()
        while body and not body[0].strip():
            body.pop(0)
        return "\n".join(body) + "\n"


# --------------------------------------------------------------------------------------------
# Scanning


@dataclass
class _Block:
    """A release block being built by the scanner."""

    version: str
    key: VersionKey | None
    date: str | None
    line: int
    yanked: bool
    bracketed: bool
    inline_link: str | None
    sections: list[Section] = field(default_factory=list)
    current: str | None = None
    current_line: int = 0
    entries: list[Entry] = field(default_factory=list)
    seen_sections: dict[str, int] = field(default_factory=dict)
    is_release: bool = True  # False for a level-2 heading that names no version (CHG010)

    def close_section(self) -> None:
        if self.current is not None:
            self.sections.append(Section(self.current, self.current_line, tuple(self.entries)))
        self.current = None
        self.entries = []

    def finish(self, end: int) -> Release:
        self.close_section()
        return Release(
            self.version,
            self.key,
            self.date,
            self.line,
            end,
            self.yanked,
            self.bracketed,
            self.inline_link,
            tuple(self.sections),
        )


def _item(ln: str, s: str) -> str | None:
    """The text of a list item opened on this line (``s``: the line left-stripped), or None.

    Bullet items are recognised with string tests (most changelog lines are bullets, and a
    regex call per line costs more than the rest of the scan); ordered items use the regex.
    """
    c = s[0]
    if c in "-*+":
        if len(ln) - len(s) > 3:
            return None
        if len(s) == 1:
            return ""
        return s[2:].strip() if s[1] in " \t" else None
    if c.isdigit():
        m = _LIST_ITEM.match(ln)
        return None if m is None else (m.group(1) or "").strip()
    return None


def _atx(s: str) -> tuple[int, str] | None:
    """Level and text of an ATX heading (``s``: the line left-stripped, indent ≤ 3), or None."""
    level = len(s) - len(s.lstrip("#"))
    if level > 6 or (len(s) > level and s[level] not in " \t"):
        return None
    text = s[level:].strip()
    if text.endswith("#"):  # an optional closing sequence: "## 1.0.0 ##"
        bare = text.rstrip("#")
        if not bare or bare[-1] in " \t":
            text = bare.strip()
    return level, text


_Logical = tuple[int, str, str, int, str, str | None]


def _logical_lines(lines: list[str]) -> Iterator[_Logical]:
    """Yield (line number, line, left-stripped line, heading level or 0, heading text, item).

    Lines inside fenced code and HTML comments are not yielded at all, so a ``## [1.0.0]``
    in a code sample is never taken for a release. Setext headings are folded into their
    text line (level 1 or 2) and the underline skipped. The first-character tests before
    each regex keep the scan linear and cheap: most lines are list items or prose.
    """
    fence: str | None = None
    in_comment = False
    n = len(lines)
    i = 0
    prev_text = False  # whether the previous yielded line was paragraph text
    while i < n:
        ln = lines[i]
        i += 1
        if fence is not None:
            stripped = ln.strip()
            if (
                stripped[:1] == fence[0]
                and len(stripped) >= len(fence)
                and (stripped == fence[0] * len(stripped))
            ):
                fence = None
            continue
        if in_comment:
            if "-->" in ln:
                in_comment = False
            continue
        s = ln.lstrip()
        if not s:
            prev_text = False
            yield i, ln, s, 0, "", None
            continue
        c = s[0]
        indent = len(ln) - len(s)
        if indent <= 3:
            if c == "<" and s.startswith("<!--"):
                in_comment = "-->" not in s[4:]
                prev_text = False
                continue
            if c in "`~":
                fm = _FENCE.match(ln)
                if fm:
                    fence = fm.group(1)
                    prev_text = False
                    continue
            if c == "#":
                atx = _atx(s)
                if atx is not None:
                    prev_text = False
                    yield i, ln, s, atx[0], atx[1], None
                    continue
            if (
                not prev_text
                and i < n
                and lines[i].lstrip()[:1] in ("=", "-")
                and c not in ">-*+|"
                and _item(ln, s) is None
                and not (c == "[" and _LINK_DEF.match(ln))
            ):
                um = _SETEXT.match(lines[i])
                if um:
                    i += 1
                    prev_text = False
                    yield i - 1, ln, s, 1 if um.group(1)[0] == "=" else 2, s.strip(), None
                    continue
        item = _item(ln, s)
        yield i, ln, s, 0, "", item
        prev_text = item is None and not (c in "-*_" and _THEMATIC.match(ln))


def parse_changelog(text: str, *, shown_as: str) -> Changelog:
    """Parse a changelog; never raises on content (problems become findings)."""
    # NOTE: the scan allocates hundreds of thousands of small objects and no reference
    # cycles, so the cyclic collector only costs time here (up to half the parse on a
    # 10,000-release file, in bursts). It is paused for the scan and restored after.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse(text, shown_as)
    finally:
        if was_enabled:
            gc.enable()


def _parse(text: str, shown_as: str) -> Changelog:
    lines = text.split("\n")
    findings: list[Finding] = []
    f = shown_as

    def add(rule: str, level: str, message: str, line: int, hint: str | None = None) -> None:
        findings.append(finding(rule, level, message, file=f, line=line, hint=hint))  # type: ignore[arg-type]

    title_line: int | None = None
    seen_content = False
    blocks: list[tuple[bool, Release]] = []  # (is a release or Unreleased, the block)
    link_defs: list[LinkDef] = []
    block: _Block | None = None
    in_item = False  # the previous non-blank line belonged to a list item
    blank_before = False

    for no, ln, s, level, heading, item in _logical_lines(lines):
        if not s:
            blank_before = True
            continue
        if level == 1:
            hv = _HEAD_VERSION.match(heading)
            if hv and _LOOKS_VERSION.match(hv.group("bracketed") or hv.group("bare") or ""):
                add(
                    "CHG007",
                    "error",
                    f"release heading {heading!r} is at level 1",
                    no,
                    "releases are level-2 headings: `## [X.Y.Z] - YYYY-MM-DD`",
                )
            elif title_line is None and not seen_content:
                title_line = no
            else:
                add(
                    "CHG005",
                    "warning",
                    f"extra title {heading!r}",
                    no,
                    "a changelog has one `# ` title; use `## ` for releases",
                )
            seen_content = True
            in_item = False
            blank_before = False
            continue
        if not seen_content and title_line is None:
            add(
                "CHG001",
                "error",
                "the changelog does not start with a `# ` title",
                no,
                "start the file with `# Changelog`",
            )
        seen_content = True
        if level == 2:
            if block is not None:
                blocks.append((block.is_release, block.finish(no - 1)))
            block = _release_heading(heading, no, add)
            in_item = False
            blank_before = False
            continue
        if level == 3:
            name = heading
            if block is None:
                add(
                    "CHG023",
                    "error",
                    f"section {name!r} is not under a release heading",
                    no,
                    "put `### Added` (etc.) under a `## [X.Y.Z] - YYYY-MM-DD` heading",
                )
            else:
                block.close_section()
                canonical = _SECTION_BY_FOLD.get(name.casefold())
                if canonical is None:
                    add(
                        "CHG020",
                        "error",
                        f"section {name!r} is not one of {', '.join(SECTION_NAMES)}",
                        no,
                        "move its entries under one of the six Keep a Changelog sections",
                    )
                    canonical = name
                elif canonical != name:
                    add(
                        "CHG020", "warning", f"section {name!r} should be written {canonical!r}", no
                    )
                if canonical in block.seen_sections:
                    add(
                        "CHG021",
                        "error",
                        f"section {canonical!r} appears twice in {block.version} "
                        f"(first on line {block.seen_sections[canonical]})",
                        no,
                        "merge the two sections",
                    )
                else:
                    block.seen_sections[canonical] = no
                block.current = canonical
                block.current_line = no
            in_item = False
            blank_before = False
            continue
        if level >= 4:
            in_item = False
            blank_before = False
            continue
        c = s[0]
        ld = _LINK_DEF.match(ln) if c == "[" else None
        if ld and (not in_item or blank_before):
            link_defs.append(LinkDef(ld.group(1), ld.group(2), no))
            in_item = False
            blank_before = False
            continue
        indented = ln[:1] in (" ", "\t") and not item
        if item is not None:
            if block is not None and block.current is not None:
                body = item
                block.entries.append(
                    Entry(body, no, body.startswith("**") and _BREAKING.match(body) is not None)
                )
            elif block is not None:
                add(
                    "CHG024",
                    "error",
                    f"entry in {block.version} is not under a section heading",
                    no,
                    "put it under `### Added`, `### Fixed`, ... inside the release",
                )
            in_item = True
        elif (in_item and (indented or not blank_before)) or (c in "-*_" and _THEMATIC.match(ln)):
            pass  # continuation of a list item (indented, or lazy) or a rule line
        elif block is not None and block.current is not None:
            add(
                "CHG022",
                "error",
                f"text under {block.current!r} in {block.version} is not a list entry",
                no,
                "write each change as a `- ` list item",
            )
            in_item = False
        else:
            in_item = False  # a summary paragraph under a release, or intro text
        blank_before = False

    if block is not None:
        blocks.append((block.is_release, block.finish(len(lines))))
    if not seen_content and title_line is None:
        add(
            "CHG001", "error", "the changelog is empty", 1, "start from docs/templates/CHANGELOG.md"
        )

    unreleased = [b for ok, b in blocks if ok and b.is_unreleased]
    releases = tuple(b for ok, b in blocks if ok and not b.is_unreleased)
    for extra in unreleased[1:]:
        add(
            "CHG013",
            "error",
            "a second [Unreleased] section",
            extra.line,
            "keep one [Unreleased] section at the top",
        )
    return Changelog(
        shown_as=f,
        lines=tuple(lines),
        title_line=title_line,
        unreleased=unreleased[0] if unreleased else None,
        releases=releases,
        link_defs=tuple(link_defs),
        findings=tuple(findings),
    )


def _release_heading(text: str, no: int, add: _Adder) -> _Block:
    """Read a level-2 heading as a release; odd forms are findings, never exceptions."""
    m = _HEAD_VERSION.match(text)
    raw = (m.group("bracketed") or m.group("bare") or "") if m else ""
    bracketed = bool(m and m.group("bracketed") is not None)
    url = m.group("url") if m else None
    rest = text[m.end() :] if m else text
    if raw.casefold() == UNRELEASED.casefold():
        if not bracketed:
            add("CHG004", "warning", "write the heading as `## [Unreleased]`", no)
        return _Block(UNRELEASED, None, None, no, False, bracketed, url)
    if not _LOOKS_VERSION.match(raw):
        add(
            "CHG010",
            "error",
            f"heading {text!r} is not a release heading",
            no,
            "write releases as `## [X.Y.Z] - YYYY-MM-DD` (and `## [Unreleased]` on top)",
        )
        return _Block(raw or text, None, None, no, False, bracketed, url, is_release=False)
    version = raw[1:] if raw[0] in "vV" else raw
    if _PLANNED.match(rest):
        add(
            "CHG004",
            "warning",
            f"write the planned {version} as `## [Unreleased]`",
            no,
            "a version gets its heading when it is released (bump-version does it)",
        )
        return _Block(UNRELEASED, None, None, no, False, bracketed, url)
    key = version_key(version)
    if key is None:
        add(
            "CHG011",
            "error",
            f"version {raw!r} is not SemVer 2.0.0",
            no,
            "write MAJOR.MINOR.PATCH with optional -prerelease, e.g. 1.4.0 or 2.0.0-rc.1",
        )
    elif version != raw:
        add(
            "CHG004",
            "warning",
            f"version {raw!r} has a 'v' prefix",
            no,
            f"write `## [{version}]`; the tag is v{version}, the changelog version is {version}",
        )
    canonical = _CANONICAL_REST.match(rest)
    if canonical:
        date, yanked = canonical.group("date"), canonical.group("yanked") is not None
    else:
        lenient = _LENIENT_REST.match(rest)
        date = lenient.group("date") if lenient else None
        yanked = bool(lenient and lenient.group("yanked"))
        if lenient is None:
            add(
                "CHG004",
                "error",
                f"cannot read the date in heading {text!r}",
                no,
                "write `## [X.Y.Z] - YYYY-MM-DD`",
            )
        elif date is None:
            add(
                "CHG014",
                "error",
                f"release {version} has no date",
                no,
                "add the release date: `## [X.Y.Z] - YYYY-MM-DD`",
            )
        else:
            add(
                "CHG004",
                "warning",
                f"heading {text!r} is not in the form `[X.Y.Z] - YYYY-MM-DD`",
                no,
                "use brackets, one ' - ' and an ISO date",
            )
    if canonical and not bracketed:
        add(
            "CHG004",
            "warning",
            f"version {raw} is not in brackets",
            no,
            f"write `## [{version}] - {date}` so it can link to its diff",
        )
    if date is not None and parse_iso_date(date) is None:
        add(
            "CHG014",
            "error",
            f"release {version} date {date!r} is not a calendar date YYYY-MM-DD",
            no,
            "write the date as YYYY-MM-DD, e.g. 2024-01-15",
        )
    return _Block(version, key, date, no, yanked, bracketed, url)


class _Adder(Protocol):
    """The finding-adding callback the scanner passes to heading readers."""

    def __call__(
        self, rule: str, level: str, message: str, line: int, hint: str | None = None
    ) -> None:
        """Record a finding."""


# --------------------------------------------------------------------------------------------
# Rules over the parsed file


def check_changelog(cl: Changelog, *, as_of: dt.date) -> list[Finding]:
    """All CHG rules: the parser's structural findings plus order, dates and links."""
    f = cl.shown_as
    out = list(cl.findings)
    # A file whose releases are all level-1 headings (CHG007) is built differently, not just
    # missing a section: its CHG007 findings say so, and "no [Unreleased]" would be noise.
    level_one_only = not cl.releases and any(x.rule == "CHG007" for x in cl.findings)
    u = cl.unreleased
    if u is None:
        if not level_one_only:
            newest_line = cl.releases[0].line if cl.releases else (cl.title_line or 0) + 1
            out.append(
                finding(
                    "CHG002",
                    "error",
                    "no `## [Unreleased]` section",
                    file=f,
                    line=newest_line,
                    hint="add `## [Unreleased]` above the newest release",
                )
            )
    elif cl.releases and cl.releases[0].line < u.line:
        out.append(
            finding(
                "CHG003",
                "error",
                "[Unreleased] must come before every release",
                file=f,
                line=u.line,
                hint="move `## [Unreleased]` to the top, above the newest release",
            )
        )
    if not cl.releases and cl.unreleased is None and not level_one_only:
        out.append(
            finding(
                "CHG006",
                "error",
                "no release headings found",
                file=f,
                line=cl.title_line or 1,
                hint="releases are `## [X.Y.Z] - YYYY-MM-DD` headings",
            )
        )
    out += _order_and_dates(cl, as_of)
    out += _link_consistency(cl)
    for r in cl.releases:
        if r.entry_count == 0 and r.key is not None:
            out.append(
                finding(
                    "CHG025",
                    "warning",
                    f"release {r.version} has no entries",
                    file=f,
                    line=r.line,
                    hint="list what changed under `### Added`, `### Fixed`, ...",
                )
            )
    return out


def _order_and_dates(cl: Changelog, as_of: dt.date) -> list[Finding]:
    f = cl.shown_as
    out: list[Finding] = []
    seen: dict[VersionKey, int] = {}
    newer: Release | None = None  # the nearest valid release above
    newer_dated: tuple[dt.date, Release] | None = None
    for r in cl.releases:
        if r.key is not None:
            if r.key in seen:
                out.append(
                    finding(
                        "CHG013",
                        "error",
                        f"version {r.version} appears twice (also on line {seen[r.key]})",
                        file=f,
                        line=r.line,
                        hint="keep one heading per version",
                    )
                )
            elif newer is not None and newer.key is not None and r.key > newer.key:
                out.append(
                    finding(
                        "CHG012",
                        "error",
                        f"versions must descend: {r.version} is listed below "
                        f"{newer.version} (line {newer.line})",
                        file=f,
                        line=r.line,
                        hint="list releases newest first",
                    )
                )
            seen.setdefault(r.key, r.line)
            newer = r
        date = parse_iso_date(r.date)
        if date is None:
            continue
        if date > as_of:
            out.append(
                finding(
                    "CHG015",
                    "error",
                    f"release {r.version} is dated {date}, after {as_of}",
                    file=f,
                    line=r.line,
                    hint="date a release the day it ships (or pass --as-of)",
                )
            )
        if newer_dated is not None and date > newer_dated[0]:
            above = newer_dated[1]
            out.append(
                finding(
                    "CHG016",
                    "error",
                    f"release {r.version} ({date}) is dated after the newer release "
                    f"{above.version} ({newer_dated[0]}, line {above.line})",
                    file=f,
                    line=r.line,
                    hint="dates must not increase down the file; check both dates",
                )
            )
        newer_dated = (date, r)
    return out


def _strip_v(label: str) -> str:
    return label[1:] if label[:1] in ("v", "V") and label[1:2].isdigit() else label


def _link_consistency(cl: Changelog) -> list[Finding]:
    f = cl.shown_as
    out: list[Finding] = []
    defs: dict[str, LinkDef] = {}
    for ld in cl.link_defs:
        defs.setdefault(_strip_v(ld.label).casefold(), ld)
    version_defs = {k: d for k, d in defs.items() if _LOOKS_VERSION.match(k)}
    if not version_defs:
        return out  # the file does not link its versions; nothing to be consistent with
    known = {r.version.casefold() for r in cl.releases}
    blocks = ([cl.unreleased] if cl.unreleased is not None else []) + list(cl.releases)
    # older_of[i]: the nearest SemVer release below block i (computed once, bottom-up, so the
    # check stays linear in the number of releases).
    older_of: list[Release | None] = [None] * len(blocks)
    below: Release | None = None
    for i in range(len(blocks) - 1, -1, -1):
        older_of[i] = below
        if blocks[i].key is not None:
            below = blocks[i]
    for i, r in enumerate(blocks):
        key = r.version.casefold()
        if not r.bracketed or r.inline_link is not None:
            continue
        d = defs.get(key)
        if d is None:
            out.append(
                finding(
                    "CHG030",
                    "warning",
                    f"[{r.version}] has no link reference definition",
                    file=f,
                    line=r.line,
                    hint=f"add `[{r.version}]: <compare URL>` at the end of the file",
                )
            )
            continue
        older = older_of[i]
        cm = _COMPARE.search(d.url)
        if cm is None or older is None:
            continue
        want_new = "HEAD" if r.is_unreleased else r.version
        new_ok = _strip_v(cm.group("new")).casefold() == want_new.casefold() or (
            r.is_unreleased and not _LOOKS_VERSION.match(cm.group("new"))
        )
        old_ok = _strip_v(cm.group("old").rsplit("@", 1)[-1]).casefold() == older.version.casefold()
        if not (new_ok and old_ok):
            out.append(
                finding(
                    "CHG032",
                    "warning",
                    f"link for [{r.version}] compares {cm.group('old')}...{cm.group('new')},"
                    f" expected {older.version}...{want_new}",
                    file=f,
                    line=d.line,
                    hint="point each compare link from the previous release to this one",
                )
            )
    for key, d in version_defs.items():
        if key not in known:
            out.append(
                finding(
                    "CHG031",
                    "warning",
                    f"link definition [{d.label}] names no release in this file",
                    file=f,
                    line=d.line,
                    hint="remove it or add the missing release",
                )
            )
    return out
