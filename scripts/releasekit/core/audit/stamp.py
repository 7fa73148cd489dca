"""Writing an audited file's SHA-256 into its audit log row (``releasekit audit stamp``).

Pure: the log's text in, the new text out. The row keeps every other cell as written; a log
from before the SHA-256 column gets the column in every audit table (empty for the other
rows), so the first stamp is also the migration. A row that already records a different
hash is refused: a file that changed after its audit needs a new audit, not a new hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from releasekit.core.audit.audit_log import SHA256_ALIASES, SHA256_COLUMN, is_sha256
from releasekit.core.markdown import Row, Table, parse_outline, plain_text
from releasekit.errors import InputError

# What an empty hash cell may be written as before it is stamped.
_EMPTY = frozenset({"", "-", "—", "–", "n/a", "none"})


@dataclass(frozen=True)
class Stamp:
    """The stamped log: its new text, the row's line, and what changed."""

    text: str
    line: int
    changed: bool
    added_column: bool


def stamp_log(
    text: str,
    *,
    shown_as: str,
    audit_id: str,
    strategy: str,
    version: str | None,
    sha256: str,
) -> Stamp:
    """Record ``sha256`` in the SHA-256 cell of ``audit_id``'s row (an ``InputError`` if not).

    ``strategy`` and ``version`` are the file's (its header's): the row must be an audit of
    that strategy and, when both are known, of that version. The result is unchanged
    (``changed`` False) when the row already records this hash.
    """
    if not is_sha256(sha256):
        raise InputError(f"{sha256!r} is not a SHA-256", hint="pass 64 hexadecimal digits")
    lines = text.split("\n")
    tables = [t for t in parse_outline(text).tables if t.column("Audit ID") is not None]
    found = _find_row(tables, audit_id)
    if found is None:
        raise InputError(
            f"audit {audit_id} is not in the audit log",
            file=shown_as,
            hint="record the audit's row first (docs/formats/audit-log.md), then stamp it",
        )
    table, row = found
    named = table.column("Strategy")
    about = plain_text(row.cell(named)) if named is not None else ""
    if about.casefold() != strategy.casefold():
        raise InputError(
            f"audit {audit_id} is of {about or 'no strategy'}, not {strategy}",
            file=shown_as,
            line=row.line,
            hint=f"name {strategy}'s own audit (--audit), or the strategy that audit is of",
        )
    version_col = table.column("Version")
    audited = plain_text(row.cell(version_col)) if version_col is not None else ""
    if version is not None and audited and audited != version:
        raise InputError(
            f"audit {audit_id} audited {strategy} {audited}, but the file is version {version}",
            file=shown_as,
            line=row.line,
            hint="stamp the audit of the version the file is (its header's Version); a new"
            " version needs its own audit",
        )
    nested = [t.line for t in tables if t.depth != 0]
    if nested:
        raise InputError(
            "an audit table is inside a list or quote, so it cannot be edited safely",
            file=shown_as,
            line=nested[0],
            hint="keep the audit tables at the top level of the audit log",
        )
    added = False
    column = table.column(*SHA256_ALIASES)
    if column is None:
        for t in tables:
            _add_column(lines, t)
        added = True
        column = len(table.header)
    current = plain_text(row.cell(column)) if not added else ""
    if current.lower() == sha256.lower():
        return Stamp(text, row.line, changed=False, added_column=False)
    if current.casefold() not in _EMPTY:
        raise InputError(
            f"audit {audit_id} already records the {SHA256_COLUMN} {current[:80]}: the file it"
            " audited is not the one given now",
            file=shown_as,
            line=row.line,
            hint="a file that changed after its audit needs a new audit (a new row); never"
            " re-stamp an old one",
        )
    cells = _padded(lines[row.line - 1], len(table.header) + (1 if added else 0))
    cells[column] = f" {sha256.lower()} "
    lines[row.line - 1] = "|" + "|".join(cells) + "|"
    return Stamp("\n".join(lines), row.line, changed=True, added_column=added)


def _find_row(tables: list[Table], audit_id: str) -> tuple[Table, Row] | None:
    for t in tables:
        idx = t.column("Audit ID")
        for row in t.rows:
            if idx is not None and plain_text(row.cell(idx)) == audit_id:
                return t, row
    return None


def _padded(line: str, width: int) -> list[str]:
    """A table row's raw cells as written (escapes kept), padded with empty ones to ``width``.

    Cells are split at the pipes GFM splits at: every ``|`` not escaped with a backslash.
    """
    body = line.strip()
    cells: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            current.append(body[i : i + 2])
            i += 2
            continue
        if ch == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    cells.append("".join(current))
    if body.startswith("|"):
        cells = cells[1:]
    if body.endswith("|") and not body.endswith("\\|") and len(cells) > 1:
        cells = cells[:-1]  # the closing pipe's empty remainder
    cells = cells[:width]
    return cells + [" "] * (width - len(cells))


def _add_column(lines: list[str], table: Table) -> None:
    """Append the SHA-256 column to one table: header, delimiter, and an empty cell per row."""
    width = len(table.header)
    lines[table.line - 1] = _append_cell(lines[table.line - 1], f" {SHA256_COLUMN} ")
    lines[table.line] = _append_cell(lines[table.line], "---")
    for row in table.rows:
        lines[row.line - 1] = "|" + "|".join(_padded(lines[row.line - 1], width + 1)) + "|"


def _append_cell(line: str, cell: str) -> str:
    """A header or delimiter row with one more cell (its other cells as written)."""
    body = line.rstrip()
    return f"{body}{cell}|" if body.endswith("|") else f"{body}|{cell}"
