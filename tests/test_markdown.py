"""core.markdown: tables, sections, task lists and plain text, with line numbers.

The compact table rule must read every table exactly as markdown-it's own rule does; the
plain-text fast path must give what a full inline parse gives. Both are checked here against
markdown-it itself, on hand-written edge cases and on generated input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from releasekit.core.markdown import (
    _parsed_plain_text,
    links,
    parse_outline,
    plain_text,
    stock_table_parser,
    task_items,
)

ROOT = Path(__file__).resolve().parents[1]


def stock_tables(text: str) -> list[tuple[int, tuple[str, ...], list[tuple[int, tuple[str, ...]]]]]:
    """Tables as markdown-it's own table rule reads them: (line, header, [(line, cells)])."""
    tokens = stock_table_parser().parse(text)
    out: list[Any] = []
    current: list[Any] | None = None
    row: list[str] | None = None
    row_line = 0
    in_head = False
    for tok in tokens:
        if tok.type == "table_open":
            assert tok.map is not None
            current = [tok.map[0] + 1, (), []]
        elif tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            assert tok.map is not None
            row, row_line = [], tok.map[0] + 1
        elif tok.type == "inline" and row is not None:
            row.append(tok.content)
        elif tok.type == "tr_close" and current is not None and row is not None:
            if in_head:
                current[1] = tuple(row)
            else:
                current[2].append((row_line, tuple(row)))
            row = None
        elif tok.type == "table_close" and current is not None:
            out.append((current[0], current[1], current[2]))
            current = None
    return out


def ours(text: str) -> list[tuple[int, tuple[str, ...], list[tuple[int, tuple[str, ...]]]]]:
    return [
        (t.line, t.header, [(r.line, r.cells) for r in t.rows]) for t in parse_outline(text).tables
    ]


EDGE_CASES = {
    "simple": "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "no-outer-pipes": "a | b\n--- | ---\n1 | 2\n",
    "aligned": "| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n",
    "escaped-pipe": "| a | b |\n|---|---|\n| x \\| y | `c\\|d` |\n",
    "backslash-not-pipe": "| a | b |\n|---|---|\n| C:\\\\dir | \\*x\\* |\n",
    "missing-cells": "| a | b | c |\n|---|---|---|\n| 1 |\n| 1 | 2 |\n",
    "extra-cells": "| a | b |\n|---|---|\n| 1 | 2 | 3 | 4 |\n",
    "empty-cells": "| a | b |\n|---|---|\n|  |  |\n| | x |\n",
    "ends-at-heading": "| a |\n|---|\n| 1 |\n## Next\n| b |\n",
    "ends-at-list": "| a |\n|---|\n| 1 |\n- item\n",
    "ends-at-fence": "| a |\n|---|\n| 1 |\n```\n| 2 |\n```\n",
    "ends-at-blockquote": "| a |\n|---|\n| 1 |\n> quote\n",
    "ends-at-blank": "| a |\n|---|\n| 1 |\n\n| 2 |\n",
    "digit-row-continues": "| a |\n|---|\n| 1 |\n2 |\n3. x\n",
    "dash-row": "| a |\n|---|\n| 1 |\n- | x\n",
    "html-start": "| a |\n|---|\n<div>\n",
    "in-code-fence": "```\n| a | b |\n|---|---|\n| 1 | 2 |\n```\n",
    "indented-code": "    | a | b |\n    |---|---|\n    | 1 | 2 |\n",
    "in-list-item": "- item\n\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n",
    "in-blockquote": "> | a | b |\n> |---|---|\n> | 1 | 2 |\n",
    "interrupts-paragraph": "text\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "column-count-mismatch": "| a | b |\n|---|\n| 1 | 2 |\n",
    "no-pipe-header": "a\n|---|\n| 1 |\n",
    "delimiter-with-text": "| a | b |\n|---|x--|\n",
    "unicode-space": "| a\u00a0| b |\n|---|---|\n|\u00a01\u00a0| 2 |\n",
    "two-tables": "| a |\n|---|\n| 1 |\n\n| b |\n|---|\n| 2 |\n",
    "header-only": "| a | b |\n|---|---|\n",
    "nested-quote-list": "> - | a |\n>   |---|\n>   | 1 |\n",
    "crlf": "| a | b |\r\n|---|---|\r\n| 1 | 2 |\r\n",
}


@pytest.mark.parametrize("text", list(EDGE_CASES.values()), ids=list(EDGE_CASES))
def test_compact_table_rule_reads_tables_as_markdown_it_does(text: str) -> None:
    assert ours(text) == stock_tables(text)


def _corpus() -> list[Any]:
    files = sorted((ROOT / "examples" / "trading-desk" / "docs").rglob("*.md"))
    files += sorted((ROOT / "docs" / "templates").glob("*.md"))
    files += sorted((ROOT / "docs" / "formats").glob("*.md"))
    return [pytest.param(p, id=p.name) for p in files]


@pytest.mark.parametrize("path", _corpus())
def test_compact_table_rule_on_real_documents(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert ours(text) == stock_tables(text)


_CELL = st.text(alphabet=" ab1|\\-:`*_\u00a0", min_size=0, max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    header=st.lists(_CELL, min_size=1, max_size=4),
    rows=st.lists(st.lists(_CELL, min_size=0, max_size=5), min_size=0, max_size=5),
    outer=st.booleans(),
    follow=st.sampled_from(["", "\n", "\n# h\n", "\n- x\n", "\n> q\n", "\ntext\n", "\n    code\n"]),
)
def test_compact_table_rule_on_generated_tables(
    header: list[str], rows: list[list[str]], outer: bool, follow: str
) -> None:
    def line(cells: list[str]) -> str:
        body = "|".join(cells)
        return f"|{body}|" if outer else body

    text = "\n".join([line(header), line(["---"] * len(header)), *(line(r) for r in rows)]) + follow
    assert ours(text) == stock_tables(text)


def test_table_lines_and_cells() -> None:
    text = "# T\n\nintro\n\n| Audit ID | Verdict |\n|---|---|\n| AUD-1 | **PASS** |\n| AUD-2 |\n"
    [table] = parse_outline(text).tables
    assert table.line == 5
    assert table.end == 8
    assert table.column("audit id") == 0
    assert table.column("Verdict", "Result") == 1
    assert table.column("Missing") is None
    assert [r.line for r in table.rows] == [7, 8]
    assert table.rows[0].cells == ("AUD-1", "**PASS**")
    assert table.rows[1].cells == ("AUD-2", "")
    assert plain_text(table.rows[0].cell(1)) == "PASS"


def test_sections_ignore_headings_in_code_and_lists() -> None:
    text = (
        "# Report\n"  # 1
        "\n"
        "## 1. Scope\n"  # 3
        "text\n"
        "```\n"
        "## 5. Not a heading\n"  # 6
        "```\n"
        "- ## 6. In a list\n"  # 8
        "\n"
        "Setext\n"  # 10
        "------\n"
        "body\n"  # 12
        "### sub\n"
        "more\n"
    )
    outline = parse_outline(text)
    sections = outline.sections(2)
    assert [(s.heading.text, s.heading.line, s.start, s.end) for s in sections] == [
        ("1. Scope", 3, 4, 9),
        ("Setext", 10, 12, 14),
    ]
    assert outline.section_source(sections[1]) == "body\n### sub\nmore"
    assert [h.depth for h in outline.headings if h.text == "6. In a list"] == [1]


def test_task_items_with_lines_and_states() -> None:
    text = (
        "intro\n"
        "- [x] done\n"
        "- [ ] open\n"
        "- [X] done too\n"
        "- plain\n"
        "  - [ ] nested open\n"
        "  - note\n"
        "1. [x] ordered\n"
        "- \n"
    )
    items = task_items(text, first_line=41)
    assert [(i.line, i.checked, i.text, i.depth) for i in items] == [
        (42, True, "done", 1),
        (43, False, "open", 1),
        (44, True, "done too", 1),
        (45, None, "plain", 1),
        (46, False, "nested open", 2),
        (47, None, "note", 2),
        (48, True, "ordered", 1),
        (49, None, "", 1),
    ]


def test_task_box_must_be_followed_by_a_space() -> None:
    [item] = task_items("- [x]done\n")
    assert item.checked is None


def test_links() -> None:
    assert links("[report](ict_qm_audit.md)") == ["ict_qm_audit.md"]
    assert links("<https://example.com/a.md> and [b](b.md#x)") == [
        "https://example.com/a.md",
        "b.md#x",
    ]
    assert links("no link [here]") == []
    assert links("plain") == []


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        pytest.param("**PASS**", "PASS", id="strong"),
        pytest.param("`code_x`", "code_x", id="code-span"),
        pytest.param("[ict_qm](a.md)", "ict_qm", id="link-text"),
        pytest.param("a\\|b", "a|b", id="escape"),
        pytest.param("A &amp; B", "A & B", id="entity"),
        pytest.param("<b>x</b>", "x", id="html-dropped"),
        pytest.param("_under_", "under", id="emphasis-underscore"),
        pytest.param("ICT_QM", "ICT_QM", id="intraword-underscore"),
        pytest.param("  padded  ", "padded", id="trimmed"),
    ],
)
def test_plain_text(raw: str, text: str) -> None:
    assert plain_text(raw) == text


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aZ9 _*`[]()!<>&\\-.:|~#\u00e9", max_size=20))
def test_plain_text_fast_path_agrees_with_a_full_inline_parse(raw: str) -> None:
    assert plain_text(raw) == _parsed_plain_text(raw)


def test_outline_normalises_line_endings_and_nul() -> None:
    outline = parse_outline("## A\r\nx\0y\r\n")
    assert outline.headings[0].text == "A"
    assert outline.paragraphs[0].raw == "x\ufffdy"
