"""Keep a Changelog files, parsed line by line and checked (rules CHG0xx).

Keep a Changelog 1.1.0, plus the two additions of Keep a Changelog 2.0.0: an optional summary
paragraph under a release heading, and entries marked ``**Breaking:**``.

Why a line scanner and not markdown-it: a full CommonMark parse of a 10,000-release changelog
takes about 4 s on our machine (see docs/benchmarks.md), against a 0.5 s budget for the whole
gate. The structure a changelog has — ATX headings, list items, link reference definitions —
is line-shaped, so the scanner tracks exactly the CommonMark constructs that can hide or fake
that structure: fenced code blocks, HTML comments, setext headings and lazy continuation
lines. Audit reports, where tables matter, are parsed with markdown-it (``core.audit``).

Why this file is long: the scanner and the CHG rules over what it reads are one contract (a
finding's line is the scanner's line, a release's sections are re-read by the same scanner),
and the scan is one loop on purpose: a 50,000-release file is 650,000 lines, and a function
call per line would cost more than the whole scan.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple, Protocol

from releasekit.core.collector import collector_paused
from releasekit.core.dates import parse_iso_date
from releasekit.core.report import Finding, finding
from releasekit.core.versioning.versions import Version, VersionKey, parse_version, version_key

SECTION_NAMES = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
UNRELEASED = "Unreleased"
_SECTION_BY_FOLD = {name.casefold(): name for name in SECTION_NAMES}
_SECTION_SET = frozenset(SECTION_NAMES)

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]+(.*)|[ \t]*$)")
# A link reference definition. The destination is group 2 with one closing `>` dropped
# (_link_url): a greedy run, where `<?(\S+?)>?` would retry at every character of a long URL.
_LINK_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*<?(\S+)(?:[ \t].*)?$")
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
# A canonical release heading: `[X.Y.Z] - YYYY-MM-DD` (ASCII digits, SemVer's numbers).
_PLAIN_HEADING = re.compile(
    r"\[((0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*))\] - ([0-9]{4}-[0-9]{2}-[0-9]{2})"
)
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


class _Source:
    """The changelog's text, shared by its releases: a release's lines are cut out when asked."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        """Equal sources hold the same text (two parses of one file give equal releases)."""
        return isinstance(other, _Source) and (other is self or other.text == self.text)

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"_Source({len(self.text)} characters)"

    def lines(self, start: int, stop: int) -> list[str]:
        """Lines ``start`` to ``stop - 1`` (0-based), found from the top of the file.

        Linear in ``stop``: cheap for the releases rules look into (the newest, at the top),
        and never a string per line of the whole file.
        """
        text = self.text
        pos = 0
        if stop <= start:
            return []
        for _ in range(start):
            pos = text.find("\n", pos) + 1
            if pos == 0:
                return []
        end = pos
        for _ in range(stop - start):
            end = text.find("\n", end) + 1
            if end == 0:
                return text[pos:].split("\n")
        return text[pos : end - 1].split("\n")


class Release(NamedTuple):
    """A ``## [X.Y.Z] - YYYY-MM-DD`` block (or the ``## [Unreleased]`` block).

    ``version`` is as written, without brackets or a ``v`` prefix; ``key`` (the SemVer
    ordering key) and ``parsed`` are None when it is not SemVer. ``line``/``end`` are the
    1-based lines of the block (heading to the last line before the next release heading).
    The file's scan counts the entries; ``sections`` reads them from the file when asked (a
    50,000-release file has a quarter of a million entries, and most rules need none).
    A NamedTuple, not a dataclass: a long changelog builds tens of thousands of these.
    """

    version: str
    key: VersionKey | None
    date: str | None
    line: int
    end: int
    yanked: bool
    bracketed: bool
    inline_link: str | None
    entry_count: int = 0
    source: _Source | None = None

    @property
    def parsed(self) -> Version | None:
        """The version as a ``semver.Version`` (ordering uses the cheaper ``key``)."""
        return None if self.key is None else parse_version(self.version)

    @property
    def is_unreleased(self) -> bool:
        """Whether this is the ``[Unreleased]`` block."""
        return self.version.casefold() == UNRELEASED.casefold()

    @property
    def sections(self) -> tuple[Section, ...]:
        """Its ``###`` sections and their entries, in file order, read from the file now.

        Finding the release's lines walks the file from the top: cheap for the newest
        releases the rules look into, quadratic if asked of every release of a long file.
        """
        if self.source is None:
            return ()
        return _scan_sections(self.source, self.line, self.end)

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
    text: str
    title_line: int | None
    unreleased: Release | None
    releases: tuple[Release, ...]
    link_defs: tuple[LinkDef, ...]
    findings: tuple[Finding, ...] = field(default=())

    @cached_property
    def lines(self) -> tuple[str, ...]:
        """The file's lines (split on first use)."""
        return tuple(self.text.split("\n"))

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


class _Block:
    """A release block being built by the scanner."""

    __slots__ = (
        "bracketed",
        "current",
        "current_line",
        "date",
        "entries",
        "entry_count",
        "inline_link",
        "is_release",
        "key",
        "line",
        "sections",
        "seen_sections",
        "version",
        "yanked",
    )

    def __init__(
        self,
        version: str,
        key: VersionKey | None,
        date: str | None,
        line: int,
        yanked: bool,
        bracketed: bool,
        inline_link: str | None,
        *,
        is_release: bool = True,  # False for a level-2 heading that names no version (CHG010)
    ) -> None:
        self.version = version
        self.key = key
        self.date = date
        self.line = line
        self.yanked = yanked
        self.bracketed = bracketed
        self.inline_link = inline_link
        self.is_release = is_release
        self.current: str | None = None
        self.current_line = 0
        self.entry_count = 0
        self.seen_sections: dict[str, int] = {}
        # Filled only when a release's sections are read (_scan_sections).
        self.sections: list[Section] = []
        self.entries: list[Entry] = []

    def close_section(self) -> None:
        if self.current is not None:
            self.sections.append(Section(self.current, self.current_line, tuple(self.entries)))
        self.current = None
        self.entries = []

    def finish(self, end: int, source: _Source) -> Release:
        return Release(
            self.version,
            self.key,
            self.date,
            self.line,
            end,
            self.yanked,
            self.bracketed,
            self.inline_link,
            self.entry_count,
            source,
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


# Characters per slice of the file: the scan holds one slice's lines at a time, never a string
# per line of the whole file (they would be most of a large changelog's memory).
_CHUNK_CHARS = 1 << 18

_Chunk = tuple[list[str], bool]  # a slice's lines, and whether it is the last slice


def _chunks(text: str) -> Iterator[_Chunk]:
    """The lines of ``text`` (split on ``\\n``), a slice at a time.

    Each slice but the last ends with one extra line, the first line of the next slice, so the
    scanner can look one line ahead (for a setext underline) across the cut.
    """
    pos = 0
    while True:
        cut = text.find("\n", pos + _CHUNK_CHARS)
        if cut < 0:
            yield (text[pos:] if pos else text).split("\n"), True
            return
        after = text.find("\n", cut + 1)
        yield text[pos : len(text) if after < 0 else after].split("\n"), False
        pos = cut + 1


@collector_paused
def parse_changelog(text: str, *, shown_as: str) -> Changelog:
    """Parse a changelog; never raises on content (problems become findings)."""
    return _parse(text, shown_as)


class _File:
    """What the file's scan gathers: findings, release blocks, link definitions, the title."""

    __slots__ = ("blocks", "findings", "link_defs", "seen_content", "shown_as", "source", "title")

    def __init__(self, shown_as: str, source: _Source) -> None:
        self.shown_as = shown_as
        self.source = source
        self.findings: list[Finding] = []
        self.blocks: list[tuple[bool, Release]] = []  # (is a release or Unreleased, the block)
        self.link_defs: list[LinkDef] = []
        self.title: int | None = None
        self.seen_content = False

    def add(self, rule: str, level: str, message: str, line: int, hint: str | None = None) -> None:
        """Record a finding on ``line`` of the file."""
        self.findings.append(
            finding(rule, level, message, file=self.shown_as, line=line, hint=hint)  # type: ignore[arg-type]
        )


def _ignore(rule: str, level: str, message: str, line: int, hint: str | None = None) -> None:
    """The finding callback of a release's second reading: its findings were made the first."""


def _parse(text: str, shown_as: str) -> Changelog:
    source = _Source(text)
    fs = _File(shown_as, source)
    block, last = _scan(_chunks(text), None, fs)
    if block is not None:
        fs.blocks.append((block.is_release, block.finish(last, source)))
    add = fs.add
    if not fs.seen_content and fs.title is None:
        add(
            "CHG001", "error", "the changelog is empty", 1, "start from docs/templates/CHANGELOG.md"
        )
    unreleased = [b for ok, b in fs.blocks if ok and b.is_unreleased]
    releases = tuple(b for ok, b in fs.blocks if ok and not b.is_unreleased)
    for extra in unreleased[1:]:
        add(
            "CHG013",
            "error",
            "a second [Unreleased] section",
            extra.line,
            "keep one [Unreleased] section at the top",
        )
    return Changelog(
        shown_as=shown_as,
        text=text,
        title_line=fs.title,
        unreleased=unreleased[0] if unreleased else None,
        releases=releases,
        link_defs=tuple(fs.link_defs),
        findings=tuple(fs.findings),
    )


def _scan_sections(source: _Source, line: int, end: int) -> tuple[Section, ...]:
    """The sections of the release whose heading is on ``line`` and whose block ends at ``end``.

    The file's own scanner, started after the heading (where the file's scan has just left
    any fence, comment, paragraph and list): the same lines give the same entries.
    """
    block = _Block("", None, None, line, False, False, None)
    lines = source.lines(line, end + 1)  # with the next line, if any, as a look-ahead
    _scan([(lines, len(lines) <= end - line)], block, None, first=line)
    block.close_section()
    return tuple(block.sections)


def _scan(
    chunks: Iterable[_Chunk], block: _Block | None, fs: _File | None, *, first: int = 0
) -> tuple[_Block | None, int]:
    """Read the lines after line ``first``: the block still open, and the last line's number.

    With ``fs`` (the whole file): findings, link definitions, release blocks (each closed at
    the next level-2 heading) and entry counts. Without it (one release's lines): ``block``'s
    sections and entries only. Lines inside fenced code and HTML comments are skipped, so a
    ``## [1.0.0]`` in a code sample is never taken for a release; a setext heading is read on
    its text line and its underline skipped. Each line is classified by its first character
    before any regular expression runs: most lines are list items, blank or headings.
    """
    add: _Adder = _ignore if fs is None else fs.add
    detail = fs is None
    fence: str | None = None
    in_comment = False
    prev_text = False  # the previous line was paragraph text (a setext underline may follow)
    in_item = False  # the previous non-blank line belonged to a list item
    blank_before = False
    fresh = fs is not None  # nothing but blank lines read yet (CHG001)
    no = first  # 1-based number of the line being read
    skip = 0  # lines at the start of the next slice already read (a setext underline)
    for lines, final in chunks:
        n = len(lines)
        stop = n if final else n - 1  # a slice's extra last line is only a look-ahead
        i = skip
        skip = 0
        while i < stop:
            ln = lines[i]
            i += 1
            no += 1
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
            s = ln.lstrip() if ln else ln
            if not s:
                prev_text = False
                blank_before = True
                continue
            c = s[0]
            level = 0
            item: str | None = None
            if c in "-*+":  # a bullet item, a thematic break or text; never a heading
                if len(ln) - len(s) <= 3:
                    if len(s) == 1:
                        item = ""
                    elif s[1] in " \t":
                        # The file's scan counts entries: their text is read for sections only.
                        item = s[2:].strip() if detail else ""
            elif len(ln) - len(s) <= 3:
                if c == "#":
                    # An ATX heading: 1-6 '#', then a space or the end of the line.
                    where = no
                    if s[:3] == "## ":  # the usual release and section headings, by slicing
                        level = 2
                    elif s[:4] == "### ":
                        level = 3
                    else:
                        level = len(s) - len(s.lstrip("#"))
                    if level > 6 or (len(s) > level and s[level] not in " \t"):
                        level = 0
                    else:
                        heading = s[level:].strip()
                        if heading.endswith("#"):  # an optional closing sequence: "## 1.0 ##"
                            bare = heading.rstrip("#")
                            if not bare or bare[-1] in " \t":
                                heading = bare.strip()
                elif c == "<" and s.startswith("<!--"):
                    in_comment = "-->" not in s[4:]
                    prev_text = False
                    continue
                elif c in "`~":
                    fm = _FENCE.match(ln)
                    if fm:
                        fence = fm.group(1)
                        prev_text = False
                        continue
                if (
                    not level
                    and not prev_text
                    and c not in ">|"
                    and i < n
                    and lines[i].lstrip()[:1] in ("=", "-")
                    and not (c.isdigit() and _item(ln, s) is not None)
                    and not (c == "[" and _LINK_DEF.match(ln))
                ):
                    um = _SETEXT.match(lines[i])
                    if um:
                        level = 1 if um.group(1)[0] == "=" else 2
                        heading = s.strip()
                        if i == stop:  # the underline is the next slice's first line
                            skip = 1
                        i += 1
                        no += 1
                        where = no - 1  # a setext heading's line is its text line
                if not level and c.isdigit():
                    item = _item(ln, s)
            if level:
                prev_text = False
                in_item = False
                blank_before = False
                if level == 1:
                    if fs is not None:
                        _level_one(fs, heading, where)
                    fresh = False
                    continue
                if fs is None:
                    if level == 2:
                        return block, no  # not inside one release's lines
                elif fresh:
                    fresh = False
                    _untitled(fs, where)
                if level == 2:
                    if block is not None:
                        fs.blocks.append((block.is_release, block.finish(where - 1, fs.source)))  # type: ignore[union-attr]
                    block = _release_heading(heading, where, add)
                    # Fast path: the lines a release usually holds (blank lines, `- ` entries
                    # under a section, each of the six sections once, written exactly) are
                    # read here with a string test each. Any other line goes back to the loop,
                    # which would read these lines the same way (none of them depends on the
                    # state the loop keeps, and none can open a setext heading).
                    j = i
                    count = 0
                    seen = block.seen_sections
                    while j < stop:
                        ln = lines[j]
                        if not ln:
                            blank_before = True
                        elif ln[:2] == "- " and block.current is not None:
                            count += 1
                            in_item = True
                            blank_before = False
                        elif ln[:4] == "### " and ln[4:] in _SECTION_SET and ln[4:] not in seen:
                            seen[ln[4:]] = block.current_line = no + j - i + 1
                            block.current = ln[4:]
                            in_item = blank_before = False
                        else:
                            break
                        j += 1
                    block.entry_count += count
                    no += j - i
                    i = j
                elif level == 3:
                    if (
                        fs is not None
                        and block is not None
                        and heading in _SECTION_SET
                        and heading not in block.seen_sections
                    ):
                        block.seen_sections[heading] = where  # a section as it should be
                        block.current = heading
                        block.current_line = where
                    else:
                        _section_heading(block, heading, where, add, detail=fs is None)
                continue
            if fresh:
                fresh = False
                _untitled(fs, no)  # type: ignore[arg-type]
            if item is not None:
                prev_text = False
                if block is not None and block.current is not None:
                    if detail:
                        breaking = item.startswith("**") and _BREAKING.match(item) is not None
                        block.entries.append(Entry(item, no, breaking))
                    else:
                        block.entry_count += 1
                elif block is not None:
                    add(
                        "CHG024",
                        "error",
                        f"entry in {block.version} is not under a section heading",
                        no,
                        "put it under `### Added`, `### Fixed`, ... inside the release",
                    )
                in_item = True
                blank_before = False
                continue
            thematic = c in "-*_" and _THEMATIC.match(ln) is not None
            prev_text = not thematic
            if c == "[" and (not in_item or blank_before):
                ld = _LINK_DEF.match(ln)
                if ld:
                    in_item = False
                    blank_before = False
                    if fs is None:
                        continue
                    defs = fs.link_defs
                    defs.append(LinkDef(ld.group(1), _link_url(ld.group(2)), no))
                    # The definitions that follow (a long changelog ends with one per release)
                    # read here: after a definition the loop would find nothing else in them.
                    while i < stop:
                        ld = _LINK_DEF.match(lines[i]) if lines[i][:1] == "[" else None
                        if ld is None:
                            break
                        i += 1
                        no += 1
                        defs.append(LinkDef(ld.group(1), _link_url(ld.group(2)), no))
                    continue
            if (in_item and (blank_before is False or ln[:1] in (" ", "\t"))) or thematic:
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
    return block, no


def _link_url(run: str) -> str:
    """A definition's destination from its run of non-space characters: ``<url>`` or ``url``."""
    return run[:-1] if len(run) > 1 and run[-1] == ">" else run


def _untitled(fs: _File, no: int) -> None:
    """The first line with content is not a title: CHG001."""
    fs.seen_content = True
    if fs.title is None:
        fs.add(
            "CHG001",
            "error",
            "the changelog does not start with a `# ` title",
            no,
            "start the file with `# Changelog`",
        )


def _level_one(fs: _File, heading: str, no: int) -> None:
    """A ``# `` heading: the title, an extra title (CHG005) or a release one level up (CHG007)."""
    hv = _HEAD_VERSION.match(heading)
    if hv and _LOOKS_VERSION.match(hv.group("bracketed") or hv.group("bare") or ""):
        fs.add(
            "CHG007",
            "error",
            f"release heading {heading!r} is at level 1",
            no,
            "releases are level-2 headings: `## [X.Y.Z] - YYYY-MM-DD`",
        )
    elif fs.title is None and not fs.seen_content:
        fs.title = no
    else:
        fs.add(
            "CHG005",
            "warning",
            f"extra title {heading!r}",
            no,
            "a changelog has one `# ` title; use `## ` for releases",
        )
    fs.seen_content = True


def _section_heading(
    block: _Block | None, name: str, no: int, add: _Adder, *, detail: bool
) -> None:
    """A ``### `` heading: the section entries go under from here (CHG020, CHG021, CHG023)."""
    if block is None:
        add(
            "CHG023",
            "error",
            f"section {name!r} is not under a release heading",
            no,
            "put `### Added` (etc.) under a `## [X.Y.Z] - YYYY-MM-DD` heading",
        )
        return
    if detail:
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
        add("CHG020", "warning", f"section {name!r} should be written {canonical!r}", no)
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


def _release_heading(text: str, no: int, add: _Adder) -> _Block:
    """Read a level-2 heading as a release; odd forms are findings, never exceptions."""
    fast = _PLAIN_HEADING.fullmatch(text)
    if fast is not None and _calendar_date(fast.group(5)):
        # `[X.Y.Z] - YYYY-MM-DD`, the form almost every heading has: what the general reading
        # below makes of it, without its five regular expressions.
        major, minor, patch = int(fast.group(2)), int(fast.group(3)), int(fast.group(4))
        key: VersionKey = (major, minor, patch, 1, ())
        return _Block(fast.group(1), key, fast.group(5), no, False, True, None)
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
    slow_key = version_key(version)
    if slow_key is None:
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
    return _Block(version, slow_key, date, no, yanked, bracketed, url)


def _iso_day(text: str | None) -> dt.date | None:
    """``core.dates.parse_iso_date`` for the scan's dates, without its regular expression.

    ``date.fromisoformat`` reads ten characters with dashes at 4 and 7 only as ``YYYY-MM-DD``
    in ASCII digits, which is what the regular expression lets through to it.
    """
    if text is None or len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _calendar_date(text: str) -> bool:
    """Whether ``YYYY-MM-DD`` (ASCII digits, as ``_PLAIN_HEADING`` matched) is a real date."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


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
        date = _iso_day(r.date)
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
        unreleased = r is cl.unreleased  # the releases are never [Unreleased]
        want_new = "HEAD" if unreleased else r.version
        new_ok = _strip_v(cm.group("new")).casefold() == want_new.casefold() or (
            unreleased and not _LOOKS_VERSION.match(cm.group("new"))
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
