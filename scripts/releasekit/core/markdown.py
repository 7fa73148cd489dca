"""Markdown structure for the gates: tables, numbered sections and task lists, with line numbers.

Everything here is parsed with markdown-it-py (CommonMark plus the GFM table rule and the
``mdit_py_plugins.tasklists`` plugin), never with regular expressions over the raw text: a
table inside a fenced code block, a ``## 5. Fixes`` heading quoted in a blockquote or an
escaped ``\\|`` in a cell must mean on the gate what they mean on GitHub. Line numbers come
from the tokens' ``.map`` (0-based ``[start, end)``) and are reported 1-based.

Speed (docs/benchmarks/verify-audit.md): a stock parse of a 5 MB audit report or a
50,000-row audit log takes 4-6 s, almost all of it spent building three ``Token`` objects
per table cell and parsing the inline Markdown of every cell and paragraph. So the outline
parse

* runs the block rules only (the core ``inline`` rule is off): inline Markdown is parsed
  later, and only for the text a rule actually reads (``plain_text``, ``links``);
* replaces markdown-it's ``table`` rule with ``_compact_table``, a copy of it (same
  recognition, same row termination, same cell splitting) that emits one ``rk_table`` token
  holding the raw cells instead of three tokens per cell. ``tests/test_markdown.py`` checks
  it against the stock rule cell by cell;
* leaves task lists to ``task_items``, which parses just the lines of one section with the
  full parser and the tasklists plugin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from markdown_it import MarkdownIt
from markdown_it.common.utils import MD_TRIM_CHARS, isStrSpace, mdTrim
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_block.table import escapedSplit
from markdown_it.token import Token
from mdit_py_plugins.tasklists import tasklists_plugin

TABLE_TOKEN = "rk_table"  # noqa: S105 - a token type name, not a secret
# The same limit as markdown-it's table rule: how many cells a table may leave out (and the
# parser fill in) before the table is cut short, so a tiny input cannot expand without bound.
_MAX_AUTOCOMPLETED_CELLS = 0x10000
_DELIMITER_CELL = re.compile(r"^:?-+:?$")
# The characters with which a table row can start another block (fence, blockquote, rule,
# list, HTML block, ATX heading). A row starting with anything else cannot be interrupted, so
# the terminator rules need not run for it: this is what keeps a 50,000-row table fast.
_BLOCK_STARTS = frozenset("`~>*-_+<#0123456789")
# Inline Markdown that can make the rendered text differ from the source text. A cell or
# paragraph without any of them is plain text already and is not parsed (see plain_text).
# An underscore between two ASCII letters or digits (STRAT_12, ICT_QM) is neither left- nor
# right-flanking only, so CommonMark never reads it as emphasis; any other underscore counts.
_INLINE_SPECIAL = re.compile(r"[\\`*\[\]!<>&\n]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


class Row(NamedTuple):
    """One table body row: its 1-based line and its cells' raw Markdown.

    A row has exactly as many cells as the header (``width``): missing cells are ``""`` and
    cells past the header's count are dropped, as GitHub renders them. The cells are kept as
    split and trimmed only when read (``cell``): a 5 MB report's appendix tables are never
    read, and trimming their 400,000 cells up front cost a third of the gate's time.
    """

    line: int
    parts: tuple[str, ...]
    width: int

    def cell(self, i: int) -> str:
        """Cell ``i``'s raw Markdown, trimmed (``""`` when the row left it out)."""
        return mdTrim(self.parts[i]) if i < len(self.parts) else ""

    @property
    def cells(self) -> tuple[str, ...]:
        """Every cell's raw Markdown, trimmed, padded to the header's width."""
        return tuple(self.cell(i) for i in range(self.width))


@dataclass(frozen=True)
class Table:
    """A GFM table: the header's raw cells, its body rows, and where it is."""

    line: int
    end: int
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    depth: int

    def column(self, *names: str) -> int | None:
        """Index of the first header cell whose text matches one of ``names`` (any case)."""
        wanted = {n.casefold() for n in names}
        for i, cell in enumerate(self.header):
            if plain_text(cell).casefold() in wanted:
                return i
        return None


@dataclass(frozen=True)
class Heading:
    """A heading: level 1-6, raw inline Markdown, 1-based first line, body start line."""

    level: int
    raw: str
    line: int
    body_line: int
    depth: int

    @property
    def text(self) -> str:
        """The heading as plain text."""
        return plain_text(self.raw)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph's raw inline Markdown and its 1-based first line."""

    raw: str
    line: int
    depth: int

    @property
    def text(self) -> str:
        """The paragraph as plain text."""
        return plain_text(self.raw)


@dataclass(frozen=True)
class Section:
    """The lines under a top-level heading, up to the next heading of the same or a higher level.

    ``start`` is the 1-based first body line, ``end`` the 1-based last line (``end < start``
    for an empty section).
    """

    heading: Heading
    start: int
    end: int

    def contains(self, line: int) -> bool:
        """Whether a 1-based line is in the section's body."""
        return self.start <= line <= self.end


@dataclass(frozen=True)
class TaskItem:
    """A list item in a task list region: ``checked`` is None when it is not a task item."""

    line: int
    checked: bool | None
    text: str
    depth: int


@dataclass(frozen=True)
class Outline:
    """The block structure of a Markdown document: headings, tables and paragraphs, in order.

    ``depth`` on each element is its container nesting (0 = top level, 1 = inside a list item
    or blockquote, ...). Section headings are top-level headings only.
    """

    source: str
    headings: tuple[Heading, ...]
    tables: tuple[Table, ...]
    paragraphs: tuple[Paragraph, ...]
    line_count: int

    def sections(self, level: int = 2) -> list[Section]:
        """Top-level headings of ``level`` with their body line ranges."""
        top = [h for h in self.headings if h.depth == 0]
        out: list[Section] = []
        for i, h in enumerate(top):
            if h.level != level:
                continue
            end = self.line_count
            for nxt in top[i + 1 :]:
                if nxt.level <= level:
                    end = nxt.line - 1
                    break
            out.append(Section(h, h.body_line, end))
        return out

    def tables_in(self, section: Section) -> list[Table]:
        """The tables whose first line is in the section."""
        return [t for t in self.tables if section.contains(t.line)]

    def paragraphs_in(self, section: Section) -> list[Paragraph]:
        """The paragraphs whose first line is in the section."""
        return [p for p in self.paragraphs if section.contains(p.line)]

    def section_source(self, section: Section) -> str:
        """The section's body lines as text (for a second, full parse of just that part)."""
        if section.end < section.start:
            return ""
        lines = self.source.split("\n")
        return "\n".join(lines[section.start - 1 : section.end])


# --------------------------------------------------------------------------------------------
# Parsers


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _compact_table(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's GFM ``table`` block rule, emitting one ``rk_table`` token per table.

    Derived from markdown-it-py 4.3.0 ``rules_block/table.py`` (MIT, itself a port of
    markdown-it): the checks, their order and the row termination are the same; only the
    output differs (``meta["header"]`` and ``meta["rows"]`` hold the trimmed raw cells).
    """
    if start_line + 2 > end_line:
        return False
    next_line = start_line + 1
    if state.sCount[next_line] < state.blkIndent:
        return False
    if state.is_code_block(next_line):
        return False
    pos = state.bMarks[next_line] + state.tShift[next_line]
    maximum = state.eMarks[next_line]
    if pos >= maximum:
        return False
    first_ch = state.src[pos]
    pos += 1
    if first_ch not in ("|", "-", ":"):
        return False
    if pos >= maximum:
        return False
    second_ch = state.src[pos]
    pos += 1
    if second_ch not in ("|", "-", ":") and not isStrSpace(second_ch):
        return False
    if first_ch == "-" and isStrSpace(second_ch):
        return False
    while pos < maximum:
        ch = state.src[pos]
        if ch not in ("|", "-", ":") and not isStrSpace(ch):
            return False
        pos += 1
    columns = _line(state, start_line + 1).split("|")
    aligns = 0
    for i, column in enumerate(columns):
        t = mdTrim(column)
        if not t:
            if i in (0, len(columns) - 1):
                continue
            return False
        if not _DELIMITER_CELL.search(t):
            return False
        aligns += 1
    head = mdTrim(_line(state, start_line))
    if "|" not in head:
        return False
    if state.is_code_block(start_line):
        return False
    header = escapedSplit(head)
    if header and header[0] == "":
        header.pop(0)
    if header and header[-1] == "":
        header.pop()
    column_count = len(header)
    if column_count == 0 or column_count != aligns:
        return False
    if silent:
        return True

    old_parent = state.parentType
    state.parentType = "table"
    terminators = state.md.block.ruler.getRules("blockquote")
    rows: list[Row] = []
    autocompleted = 0
    next_line = start_line + 2
    # The loop below runs once per row of every table (50,000 times for a big audit log), so
    # it reads the state's arrays directly; each step is the stock rule's, in the same order.
    src, b_marks, e_marks, t_shift, s_count = (
        state.src,
        state.bMarks,
        state.eMarks,
        state.tShift,
        state.sCount,
    )
    blk_indent = state.blkIndent
    while next_line < end_line:
        if s_count[next_line] < blk_indent:
            break
        text = src[b_marks[next_line] + t_shift[next_line] : e_marks[next_line]]
        if (
            text
            and text[0] in _BLOCK_STARTS
            and any(rule(state, next_line, end_line, True) for rule in terminators)
        ):
            break
        text = text.strip(MD_TRIM_CHARS)
        if not text:
            break
        if state.is_code_block(next_line):
            break
        cells = text.split("|") if "\\" not in text else escapedSplit(text)
        if cells and cells[0] == "":
            cells.pop(0)
        if cells and cells[-1] == "":
            cells.pop()
        autocompleted += column_count - len(cells)
        if autocompleted > _MAX_AUTOCOMPLETED_CELLS:
            break
        parts = tuple(cells) if len(cells) <= column_count else tuple(cells[:column_count])
        rows.append(Row(next_line + 1, parts, column_count))
        next_line += 1

    token = state.push(TABLE_TOKEN, "table", 0)
    token.map = [start_line, next_line]
    token.meta = {"header": tuple(mdTrim(c) for c in header), "rows": tuple(rows)}
    state.parentType = old_parent
    state.line = next_line
    return True


@lru_cache(maxsize=1)
def _outline_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark")
    md.block.ruler.at("table", _compact_table, {"alt": ["paragraph", "reference"]})
    md.enable("table")
    # Inline Markdown is parsed on demand (plain_text, links); line endings and NUL are
    # normalised by parse_outline itself, only when the text has them (read_text's text never
    # does), which saves two regex passes over megabytes.
    md.disable(["inline", "normalize"])
    return md


@lru_cache(maxsize=1)
def _full_parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").use(tasklists_plugin)


@lru_cache(maxsize=1)
def _inline_parser() -> MarkdownIt:
    return MarkdownIt("commonmark")


def stock_table_parser() -> MarkdownIt:
    """markdown-it with its own table rule: the reference ``_compact_table`` is tested against."""
    return MarkdownIt("commonmark").enable("table")


def parse_outline(text: str) -> Outline:
    """Parse a document's block structure (headings, tables, paragraphs) with line numbers."""
    if "\r" in text or "\0" in text:
        # What markdown-it's "normalize" rule does (CommonMark: line endings, U+0000).
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    tokens = _outline_parser().parse(text)
    headings: list[Heading] = []
    tables: list[Table] = []
    paragraphs: list[Paragraph] = []
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.nesting == 1 and tok.type in _CONTAINERS:
            depth += 1
        elif tok.nesting == -1 and tok.type in _CONTAINER_CLOSES:
            depth -= 1
        elif tok.type == "heading_open" and tok.map is not None:
            headings.append(
                Heading(
                    int(tok.tag[1]),
                    _inline_content(tokens, i),
                    tok.map[0] + 1,
                    tok.map[1] + 1,
                    depth,
                )
            )
        elif tok.type == "paragraph_open" and tok.map is not None:
            paragraphs.append(Paragraph(_inline_content(tokens, i), tok.map[0] + 1, depth))
        elif tok.type == TABLE_TOKEN and tok.map is not None:
            tables.append(
                Table(
                    tok.map[0] + 1,
                    tok.map[1],
                    tok.meta["header"],
                    tok.meta["rows"],
                    depth,
                )
            )
    line_count = text.count("\n") + (0 if text.endswith("\n") else 1)
    return Outline(text, tuple(headings), tuple(tables), tuple(paragraphs), line_count)


_CONTAINERS = frozenset({"bullet_list_open", "ordered_list_open", "blockquote_open"})
_CONTAINER_CLOSES = frozenset({"bullet_list_close", "ordered_list_close", "blockquote_close"})


def _inline_content(tokens: Sequence[Token], i: int) -> str:
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    return nxt.content if nxt is not None and nxt.type == "inline" else ""


def _walk_inline(children: Sequence[Token]) -> Iterator[Token]:
    for child in children:
        yield child
        if child.children:
            yield from _walk_inline(child.children)


def plain_text(raw: str) -> str:
    """Inline Markdown as the text a reader sees: ``**PASS**`` → ``PASS``, links → their text.

    Code spans keep their content, HTML tags are dropped, entities and backslash escapes are
    resolved. Text without inline syntax (most table cells) is returned as is, unparsed.
    """
    if not _INLINE_SPECIAL.search(raw):
        return raw.strip()
    return _parsed_plain_text(raw)


def _parsed_plain_text(raw: str) -> str:
    """``plain_text`` by a full inline parse (what the fast path must agree with)."""
    tokens = _inline_parser().parseInline(raw)
    parts: list[str] = []
    for tok in _walk_inline(tokens[0].children or []) if tokens else ():
        if tok.type in ("text", "code_inline"):
            parts.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def links(raw: str) -> list[str]:
    """The targets of the inline links in ``raw`` (``[text](target)`` and ``<autolinks>``)."""
    if "[" not in raw and "<" not in raw:
        return []
    tokens = _inline_parser().parseInline(raw)
    out: list[str] = []
    for tok in _walk_inline(tokens[0].children or []) if tokens else ():
        if tok.type == "link_open":
            href = tok.attrGet("href")
            if isinstance(href, str):
                out.append(href)
    return out


def task_items(text: str, *, first_line: int = 1) -> list[TaskItem]:
    """Every list item in ``text`` and whether it is a task (``- [ ]``/``- [x]``) and checked.

    ``text`` is usually one section's body (``Outline.section_source``); ``first_line`` is
    its 1-based line in the file, so the items carry file line numbers.
    """
    tokens = _full_parser().parse(text)
    out: list[TaskItem] = []
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "list_item_open" and tok.map is not None:
            line = tok.map[0] + first_line
            inline = tokens[i + 2] if i + 2 < len(tokens) else None
            if inline is None or inline.type != "inline" or tokens[i + 1].type != "paragraph_open":
                out.append(TaskItem(line, None, "", depth))
                continue
            checked: bool | None = None
            if "task-list-item" in str(tok.attrGet("class") or ""):
                box = inline.children[0] if inline.children else None
                checked = box is not None and 'checked="checked"' in box.content
            out.append(TaskItem(line, checked, plain_text(inline.content), depth))
    return out
