"""Renderings of one ``Report``: terminal text, JSON, and Markdown (check run, comment, summary).

Every rendering is derived from the same report, so a developer's terminal, a reviewer's PR
comment and the JSON a script reads can never disagree about the verdict.

Text in a report (file names, headings, keys, messages quoting them) comes from the
repository, so a pull request's author controls it (docs/security.md). Every rendering shows
it, never obeys it: control characters are made visible (``visible``), a newline inside a
value cannot start a line of its own, Markdown syntax is escaped outside our own code spans
(``md_escape``) and the JSON escapes what a log viewer or the Actions runner would act on.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import defaultdict
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


# Never printed raw: C0 controls (tab and newline are handled by the caller), DEL, C1 controls
# (U+0085 is a line break to some readers), the Unicode line/paragraph separators, the bidi
# controls that reorder what a reviewer sees (CVE-2021-42574) and lone surrogates (a file
# name that is not UTF-8 arrives as surrogate escapes, and could not be written out at all).
_UNSAFE_CLASS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
    "\u202a-\u202e\u2066-\u2069\ud800-\udfff"
)
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
# Default-ignorable code points (zero-width space, soft hyphen, ...): printed as they are, but
# a culture-sensitive comparison may skip them, so the Actions runner may not see them
# between the two colons of "::" or the characters of "##[" (adapters/actions.py).
IGNORABLE_CLASS = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_UNSAFE_OR_NEWLINE = re.compile(f"[\n{_UNSAFE_CLASS}]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _show(match: re.Match[str]) -> str:
    c = match.group()
    named = _NAMED.get(c)
    if named is not None:
        return named
    code = ord(c)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\u202e``).

    Tab is kept. A newline is shown as ``\\n`` (one value stays on one line) unless
    ``keep_newlines`` (a multi-line document being shown as lines).
    """
    pattern = _UNSAFE if keep_newlines else _UNSAFE_OR_NEWLINE
    return pattern.sub(_show, text) if pattern.search(text) else text


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

    v = visible  # every field may quote the repository: one value, one line, no raw controls
    verdict = report.verdict
    word = _VERDICT_WORD[verdict]
    word = paint(word, "pass" if verdict == "pass" else "error")
    head = f"{report.tool}: {v(report.subject)} — {word}"
    lines = [f"{_BOLD}{head}{_RESET}" if color else head]
    if report.problem is not None:
        p = report.problem
        where = v(p.location())
        lines.append(f"  {paint('error', 'error')}  {where + ': ' if where else ''}{v(p.message)}")
        if p.hint:
            lines.append(f"         fix: {v(p.hint)}")
    for f in report.sorted_findings():
        where = v(f.location())
        lines.append(
            f"  {paint(f.level, f.level):<7}  {v(f.rule)}  {where + '  ' if where else ''}"
            f"{v(f.message)}"
        )
        if f.hint:
            lines.append(f"           fix: {v(f.hint)}")
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


# In JSON text: what ``visible`` shows, the ignorable characters, and the "[" of the legacy
# workflow-command prefix "##[" (the runner acts on it anywhere in a line). Escaped as
# \uXXXX, the JSON value is unchanged.
_JSON_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}{IGNORABLE_CLASS}]|(?<=##)\\[")


def render_json(report: Report) -> str:
    """``report_to_json`` as indented text with a trailing newline.

    Non-ASCII text stays readable, but control characters, bidi controls, default-ignorable
    characters, lone surrogates and the ``[`` of ``##[`` are written as ``\\uXXXX`` escapes:
    the decoded values are exactly the report's, while the text itself is safe to print in
    an Actions log (the output boundary passes it unchanged).
    """
    text = json.dumps(report_to_json(report), indent=2, ensure_ascii=False, default=str)
    return _JSON_UNSAFE.sub(_json_escape, text) + "\n"


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # JSON spells a character beyond the BMP as a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


# Backslash first, so that the backslashes the other escapes add are not doubled. A chain of
# str.replace is several times faster than str.translate with a mapping.
_MD_ESCAPES = (
    ("\\", "\\\\"),
    ("|", "\\|"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ("*", "\\*"),
    ("_", "\\_"),
    ("[", "\\["),
    ("]", "\\]"),
    ("`", "\\`"),
    ("\n", " "),
    ("\r", " "),
)
# GitHub links an @-mention only where the @ follows the start or a character that is not a
# word character and precedes a letter or digit (pkg@v1.2.3 and mail addresses never ping).
# There a zero-width space after the @ keeps text from a changelog or PR from pinging anyone;
# inside a code span nothing pings, so commands in backticks are copied exactly as written.
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])")
_BACKTICKS = re.compile(r"`+")


def _md_prose(text: str) -> str:
    for char, escaped in _MD_ESCAPES:
        if char in text:
            text = text.replace(char, escaped)
    return _MENTION.sub("@\u200b", visible(text)) if "@" in text else visible(text)


def _md_code(content: str, fence: str) -> str:
    # A line break in a code span renders as a space; "\|" keeps a table cell whole and
    # renders as "|" (GFM), so the span reads exactly as the text it quotes.
    flat = content.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return f"{fence}{visible(flat).replace('|', chr(92) + '|')}{fence}"


def md_escape(text: str) -> str:
    """Escape text from files or users for a Markdown table cell or paragraph.

    Everything is shown literally: Markdown and HTML syntax is escaped, line breaks become
    spaces, control characters become visible escapes and @-mentions cannot ping. Text between
    a pair of equal backtick runs stays a code span, verbatim (no zero-width space after an
    @ there), so a command in a hint can be copied from the rendered comment and run as it is.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    if not runs:
        return _md_prose(text)
    # Where each run length occurs, to find a run's closing partner in O(log n): a PR
    # author's text with thousands of backticks must not make this quadratic.
    by_length: dict[int, list[int]] = defaultdict(list)
    for i, (start, end) in enumerate(runs):
        by_length[end - start].append(i)
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(runs):
        start, end = runs[i]
        same = by_length[end - start]
        k = bisect.bisect_right(same, i)
        if k == len(same):
            i += 1  # no closing run: these backticks are text, escaped with the prose
            continue
        j = same[k]
        out.append(_md_prose(text[pos:start]))
        out.append(_md_code(text[end : runs[j][0]], text[start:end]))
        pos = runs[j][1]
        i = j + 1
    out.append(_md_prose(text[pos:]))
    return "".join(out)


def code_span(text: str) -> str:
    """``text`` as one Markdown code span, whatever backticks it holds (for names and paths)."""
    longest = max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return _md_code(f"{pad}{text}{pad}", fence)


def _md_row(f: Finding) -> str:
    where = code_span(f.location()) if f.file else ""
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
        where = f"{code_span(p.location())}: " if p.file else ""
        head.append(f"> **The gate could not decide.** {where}{md_escape(p.message)}")
        if p.hint:
            head.append(f">\n> **Fix:** {md_escape(p.hint)}")
        head.append("")
    findings = report.sorted_findings()
    table_head = ["| Level | Rule | Where | Finding | How to fix |", "|---|---|---|---|---|"]
    tail = [details(report)] if details is not None else []
    footer = [f"<sub>releasekit {__version__}</sub>", ""]
    rows: list[str] = []  # the rendered rows: a prefix of the findings, in order

    def assemble(n_rows: int, with_tail: bool, note: str | None) -> str:
        parts = list(head)
        if findings:
            parts += [*table_head, *rows[:n_rows], ""]
        if note:
            parts += [note, ""]
        if with_tail and tail:
            parts += [*tail, ""]
        parts += footer
        return "\n".join(parts)

    if limit is None:
        rows.extend(_md_row(f) for f in findings)
        return assemble(len(rows), True, None)

    # Rows are rendered only while some cut could still hold them: a report of 100,000
    # findings renders the few hundred that fit a check run, not all of them. ``sizes[n]``
    # is the bytes of the first n rows with their line breaks.
    smallest = len(assemble(0, False, None).encode())  # no cut is smaller than this
    sizes = [0]
    for f in findings:
        if smallest + sizes[-1] > limit:
            break
        rows.append(_md_row(f))
        sizes.append(sizes[-1] + len(rows[-1].encode()) + 1)
    if len(rows) == len(findings):
        full = assemble(len(rows), True, None)
        if len(full.encode()) <= limit:
            return full

    # Drop the details first, then findings from the least severe end, until it fits. The
    # size of a cut is computed from the row sizes, never by rendering it, and the largest
    # number of rows that fits is found by bisection.
    def cut_note(n: int) -> str:
        return (
            f"> **Cut to fit GitHub's size limit:** {len(findings) - n} of {len(findings)}"
            f" findings and the details are not shown. {md_escape(overflow_note)}"
        )

    def size(n: int) -> int:
        return len(assemble(0, False, cut_note(n)).encode()) + sizes[n]

    low, high = 0, len(rows)  # the answer is the largest n in [low, high] with size(n) ≤ limit
    if size(0) <= limit:
        while low < high:
            mid = (low + high + 1) // 2
            if size(mid) <= limit:
                low = mid
            else:
                high = mid - 1
        text = assemble(low, False, cut_note(low))
        if len(text.encode()) <= limit:
            return text
    # Even the heading alone is too big only for absurd limits; cut bytes, keep valid UTF-8.
    return assemble(0, False, cut_note(0)).encode()[:limit].decode(errors="ignore")
