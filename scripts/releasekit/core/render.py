"""Renderings of one ``Report``: terminal text, JSON, and Markdown (check run, comment, summary).

Every rendering is derived from the same report, so a developer's terminal, a reviewer's PR
comment and the JSON a script reads can never disagree about the verdict.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from releasekit import __version__
from releasekit.core.report import Finding, Report, Verdict

JSON_SCHEMA_ID = "releasekit.report/1"

_VERDICT_WORD: dict[Verdict, str] = {"pass": "PASS", "blocked": "BLOCKED", "error": "ERROR"}
_VERDICT_ICON: dict[Verdict, str] = {"pass": "✅", "blocked": "⛔", "error": "⚠️"}
_ANSI = {"error": "\033[31m", "warning": "\033[33m", "notice": "\033[36m", "pass": "\033[32m"}
_RESET = "\033[0m"
_BOLD = "\033[1m"

DetailsRenderer = Callable[[Report], str]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(report: Report) -> str:
    """One line: the counts, or the problem that stopped the gate."""
    if report.problem is not None:
        kind = "bad input" if report.problem.kind == "input" else "GitHub/infrastructure error"
        return f"could not decide ({kind}): exit {report.exit_code}"
    c = report.counts()
    return ", ".join(
        (
            _plural(c["error"], "error"),
            _plural(c["warning"], "warning"),
            _plural(c["notice"], "notice"),
        )
    )


def render_text(report: Report, *, color: bool = False) -> str:
    """Terminal text: a header with the verdict, one block per finding, a count line."""

    def paint(text: str, key: str) -> str:
        return f"{_ANSI[key]}{text}{_RESET}" if color else text

    verdict = report.verdict
    word = _VERDICT_WORD[verdict]
    word = paint(word, "pass" if verdict == "pass" else "error")
    head = f"{report.tool}: {report.subject} — {word}"
    lines = [f"{_BOLD}{head}{_RESET}" if color else head]
    if report.problem is not None:
        p = report.problem
        where = p.location()
        lines.append(f"  {paint('error', 'error')}  {where + ': ' if where else ''}{p.message}")
        if p.hint:
            lines.append(f"         fix: {p.hint}")
    for f in report.sorted_findings():
        where = f.location()
        lines.append(
            f"  {paint(f.level, f.level):<7}  {f.rule}  {where + '  ' if where else ''}{f.message}"
        )
        if f.hint:
            lines.append(f"           fix: {f.hint}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "level": f.level,
        "message": f.message,
        "file": f.file,
        "line": f.line,
        "hint": f.hint,
    }


def report_to_json(report: Report) -> dict[str, Any]:
    """The stable JSON object documented in docs/reference/json-report.md."""
    p = report.problem
    return {
        "schema": JSON_SCHEMA_ID,
        "releasekit_version": __version__,
        "tool": report.tool,
        "subject": report.subject,
        "verdict": report.verdict,
        "exit_code": report.exit_code,
        "counts": report.counts(),
        "findings": [_finding_json(f) for f in report.sorted_findings()],
        "problem": None
        if p is None
        else {"kind": p.kind, "message": p.message, "file": p.file, "line": p.line, "hint": p.hint},
        "data": dict(report.data),
    }


def render_json(report: Report) -> str:
    """``report_to_json`` as indented text with a trailing newline."""
    return json.dumps(report_to_json(report), indent=2, ensure_ascii=False, default=str) + "\n"


_MD_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "|": "\\|",
        "<": "&lt;",
        ">": "&gt;",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "`": "\\`",
        "\n": " ",
        "\r": " ",
        # A zero-width space after @ keeps text from a changelog or PR from pinging people.
        "@": "@\u200b",
    }
)


def md_escape(text: str) -> str:
    """Escape text from files or users for a Markdown table cell or paragraph."""
    return text.translate(_MD_ESCAPES)


def _md_row(f: Finding) -> str:
    where = f"`{f.location()}`" if f.file else ""
    hint = md_escape(f.hint) if f.hint else ""
    return f"| {f.level} | `{f.rule}` | {where} | {md_escape(f.message)} | {hint} |"


def markdown_heading(report: Report) -> str:
    """The decision line that every Markdown rendering starts with and no cut removes."""
    v = report.verdict
    return (
        f"### {_VERDICT_ICON[v]} releasekit {report.tool}: **{_VERDICT_WORD[v]}**"
        f" — {md_escape(report.subject)}"
    )


def render_markdown(
    report: Report,
    *,
    details: DetailsRenderer | None = None,
    limit: int | None = None,
    overflow_note: str = "The full report is in the job summary and the JSON report.",
) -> str:
    """Markdown for a check-run summary, a PR comment or a job summary.

    ``limit`` is a size in UTF-8 bytes (bytes ≥ characters, so it is safe for GitHub's
    character limits too). When the full text would exceed it, the heading and the counts
    are always kept, findings are kept in severity order while they fit, and a note says how
    many were left out and where the full report is.
    """
    head = [markdown_heading(report), "", summary_line(report), ""]
    if report.problem is not None:
        p = report.problem
        where = f"`{p.location()}`: " if p.file else ""
        head.append(f"> **The gate could not decide.** {where}{md_escape(p.message)}")
        if p.hint:
            head.append(f">\n> **Fix:** {md_escape(p.hint)}")
        head.append("")
    rows = [_md_row(f) for f in report.sorted_findings()]
    table_head = ["| Level | Rule | Where | Finding | How to fix |", "|---|---|---|---|---|"]
    tail = [details(report)] if details is not None else []
    footer = [f"<sub>releasekit {__version__}</sub>", ""]

    def assemble(n_rows: int, with_tail: bool, note: str | None) -> str:
        parts = list(head)
        if rows:
            parts += [*table_head, *rows[:n_rows], ""]
        if note:
            parts += [note, ""]
        if with_tail and tail:
            parts += [*tail, ""]
        parts += footer
        return "\n".join(parts)

    full = assemble(len(rows), True, None)
    if limit is None or len(full.encode()) <= limit:
        return full
    # Drop the details first, then findings from the least severe end, until it fits.
    for n in range(len(rows), -1, -1):
        left_out = len(rows) - n
        note = (
            f"> **Cut to fit GitHub's size limit:** {left_out} of {len(rows)} findings"
            f" and the details are not shown. {md_escape(overflow_note)}"
        )
        text = assemble(n, False, note)
        if len(text.encode()) <= limit:
            return text
    # Even the heading alone is too big only for absurd limits; cut bytes, keep valid UTF-8.
    return full.encode()[:limit].decode(errors="ignore")
