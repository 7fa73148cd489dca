"""The audit log (docs/formats/audit-log.md): one row per audit, parsed; never raises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from releasekit.core.audit.fields import (
    AUDIT_ID_RE,
    NAME_RE,
    VERDICTS,
    audit_id_date,
    find_columns,
    valid_name,
)
from releasekit.core.collector import collector_paused
from releasekit.core.dates import parse_iso_date
from releasekit.core.markdown import Row, links, parse_outline, plain_text
from releasekit.core.report import Finding, finding
from releasekit.core.versioning.versions import Version, parse_version

_NO_RELEASE = frozenset({"", "-", "—", "–", "n/a", "none"})
LOG_COLUMNS = ("Audit ID", "Strategy", "Version", "Release", "Date", "Auditor", "Verdict", "Report")
# The SHA-256 of the strategy or model file the audit audited (verify-audit's AUD020). Optional
# in the table so that a log written before the column existed still parses: the rule says
# what to paste, instead of the whole log failing to read.
SHA256_COLUMN = "SHA-256"
SHA256_ALIASES = ("SHA-256", "sha256", "Source SHA-256")  # matched in any case
_SHA256_HEX = frozenset("0123456789abcdef")


@lru_cache(maxsize=8192)
def _date_ok(text: str) -> bool:
    return parse_iso_date(text) is not None


def _id_ok(audit_id: str) -> bool:
    """``audit_id_date(audit_id) is not None``, with the date check cached (dates repeat)."""
    m = AUDIT_ID_RE.fullmatch(audit_id)
    return m is not None and _date_ok(m.group(1))


# --------------------------------------------------------------------------------------------
# Audit log


class AuditRow(NamedTuple):
    """One audit in the log. The fields every rule needs are parsed; the rest stay raw cells.

    A NamedTuple, not a dataclass: a 50,000-row log builds 50,000 of these.
    """

    audit_id: str
    strategy: str
    verdict: str
    line: int
    source: Row
    table: int  # index into AuditLog.columns

    @property
    def name_key(self) -> str:
        """The strategy name compared case-insensitively."""
        return self.strategy.casefold()


@dataclass(frozen=True)
class AuditLog:
    """The parsed audit log: rows in file order, an index by id, and structural findings."""

    shown_as: str
    rows: tuple[AuditRow, ...]
    by_id: Mapping[str, AuditRow]
    columns: tuple[Mapping[str, int], ...]
    findings: tuple[Finding, ...]

    def field(self, row: AuditRow, name: str) -> str:
        """A column's plain text for ``row`` (``name`` as in ``LOG_COLUMNS``)."""
        return plain_text(row.source.cell(self.columns[row.table][name]))

    def raw(self, row: AuditRow, name: str) -> str:
        """A column's raw Markdown for ``row``."""
        return row.source.cell(self.columns[row.table][name])

    def date(self, row: AuditRow) -> dt.date | None:
        """The row's Date column as a date, or None when it is not ``YYYY-MM-DD``."""
        return parse_iso_date(self.field(row, "Date"))

    def report_links(self, row: AuditRow) -> list[str]:
        """The link targets in the row's Report column."""
        return links(self.raw(row, "Report"))

    def releases(self, row: AuditRow) -> tuple[list[Version], list[str]]:
        """The versions in the Release column, and the entries that are not SemVer versions.

        The column lists the releases of the repository (version.yaml ``version``) that ship
        the audited strategy version, comma-separated; ``—`` or empty means none.
        """
        text = self.field(row, "Release")
        if text.casefold() in _NO_RELEASE:
            return [], []
        good: list[Version] = []
        bad: list[str] = []
        for part in text.split(","):
            item = part.strip()
            v = parse_version(item[1:] if item[:1] in ("v", "V") else item)
            if v is None:
                bad.append(item)
            else:
                good.append(v)
        return good, bad

    def has_sha256(self, row: AuditRow) -> bool:
        """Whether the row's table has the SHA-256 column (logs from before it may not)."""
        return SHA256_COLUMN in self.columns[row.table]

    def sha256(self, row: AuditRow) -> str:
        """The row's SHA-256 cell as written (``""`` when the table has no such column)."""
        if not self.has_sha256(row):
            return ""
        return self.field(row, SHA256_COLUMN)

    def for_strategy(self, name: str) -> list[AuditRow]:
        """Every row of one strategy or model (any case), in file order."""
        key = name.casefold()
        return [r for r in self.rows if r.name_key == key]


@collector_paused
def parse_audit_log(text: str, *, shown_as: str) -> AuditLog:
    """Parse the audit log's tables (those with an ``Audit ID`` column); never raises."""
    outline = parse_outline(text)
    findings: list[Finding] = []
    rows: list[AuditRow] = []
    by_id: dict[str, AuditRow] = {}
    columns: list[Mapping[str, int]] = []
    wanted = {c: (c,) for c in LOG_COLUMNS}
    audit_tables = [t for t in outline.tables if t.column("Audit ID") is not None]
    if not audit_tables:
        findings.append(
            finding(
                "AUD016",
                "error",
                "the audit log has no audit table (a table with an `Audit ID` column)",
                file=shown_as,
                line=1,
                hint="start from the audit log `releasekit init` writes (docs/audits/audit_log.md):"
                " | Audit ID | Strategy | Version | Release | Date | Auditor | Verdict | Report |"
                " SHA-256 |",
            )
        )
    for table in audit_tables:
        cols, missing = find_columns(table, wanted)
        if missing:
            findings.append(
                finding(
                    "AUD016",
                    "error",
                    f"the audit table has no {', '.join(missing)} column"
                    f"{'s' if len(missing) > 1 else ''}",
                    file=shown_as,
                    line=table.line,
                    hint="the audit log's columns are " + " | ".join(LOG_COLUMNS),
                )
            )
            continue
        sha = table.column(*SHA256_ALIASES)
        if sha is not None:
            cols[SHA256_COLUMN] = sha
        index = len(columns)
        columns.append(cols)
        c_id, c_strategy, c_verdict = cols["Audit ID"], cols["Strategy"], cols["Verdict"]
        for row in table.rows:
            # The hot loop of a 50,000-row log: plain_text trims, so the raw parts do.
            parts = row.parts
            n = len(parts)
            aid = plain_text(parts[c_id]) if c_id < n else ""
            entry = AuditRow(
                aid,
                plain_text(parts[c_strategy]) if c_strategy < n else "",
                plain_text(parts[c_verdict]) if c_verdict < n else "",
                row.line,
                row,
                index,
            )
            if not (
                entry.verdict in VERDICTS
                and aid not in by_id
                and _id_ok(aid)
                and NAME_RE.fullmatch(entry.strategy)
            ):
                findings += _check_row(entry, shown_as, by_id)
            rows.append(entry)
            by_id.setdefault(aid, entry)
    return AuditLog(shown_as, tuple(rows), by_id, tuple(columns), tuple(findings))


def _check_row(row: AuditRow, shown_as: str, seen: Mapping[str, AuditRow]) -> list[Finding]:
    """The checks every row gets, whichever strategy it is about: id, verdict, uniqueness."""
    out: list[Finding] = []
    if audit_id_date(row.audit_id) is None:
        out.append(
            finding(
                "AUD016",
                "error",
                f"audit id {row.audit_id!r} is not AUD-YYYY-MM-DD-NNN",
                file=shown_as,
                line=row.line,
                hint="write ids like AUD-2024-01-15-001 (a real date, three digits)",
            )
        )
    elif row.audit_id in seen:
        out.append(
            finding(
                "AUD016",
                "error",
                f"audit id {row.audit_id} is used twice (first on line {seen[row.audit_id].line})",
                file=shown_as,
                line=row.line,
                hint="give each audit its own id (raise the NNN counter)",
            )
        )
    if row.verdict not in VERDICTS:
        out.append(
            finding(
                "AUD016",
                "error",
                f"verdict {row.verdict!r} of {row.audit_id} is not PASS, PASS-WITH-FIXES or FAIL",
                file=shown_as,
                line=row.line,
                hint="write one of PASS, PASS-WITH-FIXES, FAIL in capitals",
            )
        )
    if not valid_name(row.strategy):
        out.append(
            finding(
                "AUD016",
                "error",
                f"strategy {row.strategy!r} of {row.audit_id} is not a strategy name",
                file=shown_as,
                line=row.line,
                hint="write the name as in the source header (letters, digits, _), e.g. ICT_QM",
            )
        )
    return out


def is_sha256(text: str) -> bool:
    """Whether ``text`` is a SHA-256 digest written as 64 hexadecimal digits (any case)."""
    return len(text) == 64 and set(text.lower()) <= _SHA256_HEX
