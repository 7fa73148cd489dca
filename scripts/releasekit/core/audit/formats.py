"""The audit evidence files, parsed: audit log, audit report, paper reconciliation, source header.

Each parser turns text into a frozen value plus the structural findings made while reading it
(a missing column, an unreadable figure), never an exception: a malformed evidence file blocks
the release with a precise finding (exit 1), it does not stop the gate. The formats are
documented in docs/formats/ with templates in docs/templates/.

Markdown is read with ``core.markdown`` (markdown-it-py); only the one-line source headers
(``// Version: 2.1.0``) and single table cells are matched with regular expressions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import Literal, NamedTuple

from releasekit.core.dates import parse_iso_date
from releasekit.core.markdown import (
    Outline,
    Row,
    Section,
    Table,
    TaskItem,
    links,
    parse_outline,
    plain_text,
    task_items,
)
from releasekit.core.report import Finding, finding
from releasekit.core.versioning.versions import Version, parse_version

Verdict = Literal["PASS", "PASS-WITH-FIXES", "FAIL"]
UnitKind = Literal["strategy", "model"]
VERDICTS: tuple[Verdict, ...] = ("PASS", "PASS-WITH-FIXES", "FAIL")
PASSING: frozenset[str] = frozenset({"PASS", "PASS-WITH-FIXES"})

# A strategy or model name: what `--strategy` takes and what headers declare. It becomes part
# of file names ({name}_audit.md), so it is an identifier: no '/', '.', spaces or shell syntax.
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
AUDIT_ID_RE = re.compile(r"^AUD-(\d{4}-\d{2}-\d{2})-(\d{3})$")
_FIGURE_RE = re.compile(r"^(?P<sign>[+\-\u2212]?)\s*(?P<num>\d+(?:\.(?P<dec>\d+))?)\s*(?P<pct>%)?$")
_PERIOD_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+to\s+(\d{4}-\d{2}-\d{2})$")
_CONSISTENCY_RE = re.compile(r"^consistency\b\W*(?P<fig>[+\-\u2212]?\d+(?:\.\d+)?\s*%)", re.I)
_NUMBERED = re.compile(r"^(\d{1,3})\.\s*(.*)$")
_NO_RELEASE = frozenset({"", "-", "—", "–", "n/a", "none"})

LOG_COLUMNS = ("Audit ID", "Strategy", "Version", "Release", "Date", "Auditor", "Verdict", "Report")
REPORT_FIELDS = ("Audit ID", "Strategy", "Version", "Auditor", "Date", "Verdict")
PAPER_FIELDS = ("Strategy", "Version", "Paper period", "Backtest period")
PAPER_REQUIRED_METRICS = ("Sharpe", "Trades", "Win rate")
WF_WINDOW = ("Window",)
WF_IS = ("IS return", "IS return %", "IS return (%)", "In-sample return")
WF_OOS = ("OOS return", "OOS return %", "OOS return (%)", "Out-of-sample return")
FIXES_SECTION = 5
WALK_FORWARD_SECTION = 6
HEADER_KEYS = ("Strategy", "Model", "Version", "Audit", "Released")
_HEADER_SCAN_LINES = 100


def valid_name(name: str) -> bool:
    """Whether ``name`` is a valid strategy/model name (letters, digits, ``_``; ≤ 64 chars)."""
    return NAME_RE.fullmatch(name) is not None


@lru_cache(maxsize=8192)
def _date_ok(text: str) -> bool:
    return parse_iso_date(text) is not None


def _id_ok(audit_id: str) -> bool:
    """``audit_id_date(audit_id) is not None``, with the date check cached (dates repeat)."""
    m = AUDIT_ID_RE.fullmatch(audit_id)
    return m is not None and _date_ok(m.group(1))


def audit_id_date(audit_id: str) -> dt.date | None:
    """The date in ``AUD-YYYY-MM-DD-NNN``, or None when the id is not of that form."""
    m = AUDIT_ID_RE.fullmatch(audit_id)
    return parse_iso_date(m.group(1)) if m else None


# --------------------------------------------------------------------------------------------
# Figures (numbers in tables) and how a stated figure is compared with a computed one


@dataclass(frozen=True)
class Figure:
    """A number as written in a report: ``-1.30%`` is value -1.30, percent, 2 decimals."""

    value: Decimal
    percent: bool
    decimals: int
    raw: str

    @property
    def exact(self) -> Fraction:
        """The value as an exact fraction (decimal text has no binary rounding)."""
        return Fraction(self.value)

    def agrees_with(self, computed: Fraction) -> bool:
        """Whether this stated figure is ``computed`` rounded to the decimals written.

        ``83%``, ``83.3%`` and ``83.33%`` all agree with 5/6 = 83.333…%: the stated figure may
        differ from the computed one by at most half a unit of its last written digit.
        """
        return abs(self.exact - computed) <= Fraction(5, 10 ** (self.decimals + 1))


def parse_figure(text: str) -> Figure | None:
    """``+4.2%``, ``-1.3``, ``−0.5 %`` (Unicode minus), ``25`` → a ``Figure``; else None."""
    m = _FIGURE_RE.fullmatch(text.strip())
    if m is None:
        return None
    try:
        value = Decimal(m.group("num"))
    except InvalidOperation:
        return None
    if m.group("sign") in ("-", "\u2212"):
        value = -value
    dec = m.group("dec")
    return Figure(value, m.group("pct") is not None, len(dec) if dec else 0, text.strip())


def percent_text(value: Fraction, decimals: int = 1) -> str:
    """A fraction of 1 as a percentage with ``decimals`` places: 5/6 → ``83.3%``."""
    scaled = value * 100
    q = Decimal(scaled.numerator) / Decimal(scaled.denominator)
    return f"{q:.{decimals}f}%"


# --------------------------------------------------------------------------------------------
# Tables with named columns


def _columns(
    table: Table, wanted: Mapping[str, tuple[str, ...]]
) -> tuple[dict[str, int], list[str]]:
    """Locate named columns (by any alias, any case): the map, and the names not found."""
    found: dict[str, int] = {}
    missing: list[str] = []
    for key, aliases in wanted.items():
        idx = table.column(*aliases)
        if idx is None:
            missing.append(key)
        else:
            found[key] = idx
    return found, missing


@dataclass(frozen=True)
class SummaryField:
    """One ``| Field | Value |`` row of a report's summary table, as plain text."""

    value: str
    line: int


def _summary(
    table: Table, shown_as: str, rule: str, what: str
) -> tuple[dict[str, SummaryField], list[Finding]]:
    out: dict[str, SummaryField] = {}
    findings: list[Finding] = []
    if len(table.header) < 2:
        findings.append(
            finding(
                rule,
                "error",
                f"the {what} summary table must have two columns (Field | Value)",
                file=shown_as,
                line=table.line,
                hint="write `| Field | Value |` and one row per field",
            )
        )
        return out, findings
    for row in table.rows:
        key = plain_text(row.cell(0)).casefold()
        if key in out:
            findings.append(
                finding(
                    rule,
                    "error",
                    f"summary field {plain_text(row.cell(0))!r} is given twice"
                    f" (first on line {out[key].line})",
                    file=shown_as,
                    line=row.line,
                    hint="keep one row per field",
                )
            )
            continue
        out[key] = SummaryField(plain_text(row.cell(1)), row.line)
    return out, findings


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

    def for_strategy(self, name: str) -> list[AuditRow]:
        """Every row of one strategy or model (any case), in file order."""
        key = name.casefold()
        return [r for r in self.rows if r.name_key == key]


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
                hint="start from docs/templates/audit_log.md: | Audit ID | Strategy | Version |"
                " Release | Date | Auditor | Verdict | Report |",
            )
        )
    for table in audit_tables:
        cols, missing = _columns(table, wanted)
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


# --------------------------------------------------------------------------------------------
# Audit report


@dataclass(frozen=True)
class Window:
    """One walk-forward window: its label and in-/out-of-sample returns."""

    label: str
    line: int
    is_return: Figure | None
    oos_return: Figure | None


@dataclass(frozen=True)
class WalkForward:
    """Section 6: the windows table and the consistency the author stated."""

    heading_line: int
    table_line: int | None
    windows: tuple[Window, ...]
    stated: Figure | None
    stated_line: int | None

    @property
    def readable(self) -> tuple[Window, ...]:
        """The windows whose out-of-sample return could be read."""
        return tuple(w for w in self.windows if w.oos_return is not None)

    @property
    def profitable(self) -> int:
        """How many windows had an out-of-sample return > 0 (0 is not a profit)."""
        return sum(1 for w in self.readable if w.oos_return is not None and w.oos_return.value > 0)

    @property
    def consistency(self) -> Fraction | None:
        """profitable / readable windows, exactly; None with no readable window."""
        n = len(self.readable)
        return Fraction(self.profitable, n) if n else None


@dataclass(frozen=True)
class AuditReport:
    """``docs/audits/{strategy}_audit.md``: the summary fields, Section 5 and Section 6."""

    shown_as: str
    summary: Mapping[str, SummaryField]
    summary_line: int | None
    fixes: tuple[TaskItem, ...] | None
    fixes_line: int | None
    walk_forward: WalkForward | None
    findings: tuple[Finding, ...]

    def get(self, name: str) -> SummaryField | None:
        """A summary field by name (any case)."""
        return self.summary.get(name.casefold())


def _numbered_sections(outline: Outline, shown_as: str) -> tuple[dict[int, Section], list[Finding]]:
    out: dict[int, Section] = {}
    findings: list[Finding] = []
    for s in outline.sections(2):
        m = _NUMBERED.match(s.heading.text)
        if m is None:
            continue
        n = int(m.group(1))
        if n in out:
            findings.append(
                finding(
                    "AUD017",
                    "error",
                    f"there are two sections numbered {n} (first on line {out[n].heading.line})",
                    file=shown_as,
                    line=s.heading.line,
                    hint="number the report's sections 1, 2, 3, ... once each",
                )
            )
            continue
        out[n] = s
    return out, findings


def _section_title_ok(section: Section, *prefixes: str) -> bool:
    m = _NUMBERED.match(section.heading.text)
    title = (m.group(2) if m else section.heading.text).casefold()
    return any(title.startswith(p.casefold()) for p in prefixes)


def parse_audit_report(text: str, *, shown_as: str) -> AuditReport:
    """Parse an audit report (summary table, Section 5 fixes, Section 6 walk-forward)."""
    outline = parse_outline(text)
    findings: list[Finding] = []
    sections, more = _numbered_sections(outline, shown_as)
    findings += more
    first_section = min((s.heading.line for s in sections.values()), default=None)
    summary_table = next(
        (
            t
            for t in outline.tables
            if t.depth == 0 and (first_section is None or t.line < first_section)
        ),
        None,
    )
    summary: dict[str, SummaryField] = {}
    if summary_table is None:
        findings.append(
            finding(
                "AUD017",
                "error",
                "the audit report has no summary table before its numbered sections",
                file=shown_as,
                line=1,
                hint="start from docs/templates/audit_report.md: | Field | Value | with "
                + ", ".join(REPORT_FIELDS),
            )
        )
    else:
        summary, more = _summary(summary_table, shown_as, "AUD017", "audit report")
        findings += more
        findings += _check_report_fields(summary, shown_as, summary_table.line)

    fixes: tuple[TaskItem, ...] | None = None
    fixes_line: int | None = None
    s5 = sections.get(FIXES_SECTION)
    if s5 is not None:
        fixes_line = s5.heading.line
        if not _section_title_ok(s5, "Fixes"):
            findings.append(_title_finding(s5, shown_as, FIXES_SECTION, "Fixes"))
        fixes = tuple(task_items(outline.section_source(s5), first_line=s5.start))

    walk_forward: WalkForward | None = None
    s6 = sections.get(WALK_FORWARD_SECTION)
    if s6 is not None:
        if not _section_title_ok(s6, "Walk-forward", "Walk forward", "Walkforward"):
            findings.append(_title_finding(s6, shown_as, WALK_FORWARD_SECTION, "Walk-forward"))
        walk_forward, more = _walk_forward(outline, s6, shown_as)
        findings += more
    return AuditReport(
        shown_as,
        summary,
        summary_table.line if summary_table is not None else None,
        fixes,
        fixes_line,
        walk_forward,
        tuple(findings),
    )


def _title_finding(section: Section, shown_as: str, number: int, title: str) -> Finding:
    return finding(
        "AUD017",
        "error",
        f"Section {number} is titled {section.heading.text!r}; the format puts {title} there",
        file=shown_as,
        line=section.heading.line,
        hint=f"write `## {number}. {title}` (see docs/formats/audit-report.md)",
    )


def _check_report_fields(
    summary: Mapping[str, SummaryField], shown_as: str, table_line: int
) -> list[Finding]:
    out: list[Finding] = []
    for name in REPORT_FIELDS:
        f = summary.get(name.casefold())
        if f is None:
            out.append(
                finding(
                    "AUD017",
                    "error",
                    f"the summary table has no {name!r} row",
                    file=shown_as,
                    line=table_line,
                    hint=f"add `| {name} | ... |`",
                )
            )
            continue
        problem = _field_problem(name, f.value)
        if problem is not None:
            out.append(
                finding("AUD017", "error", problem[0], file=shown_as, line=f.line, hint=problem[1])
            )
    return out


def _field_problem(name: str, value: str) -> tuple[str, str] | None:
    """Why a summary value cannot be used, with the fix; None when it is fine."""
    if name == "Audit ID" and audit_id_date(value) is None:
        return f"Audit ID {value!r} is not AUD-YYYY-MM-DD-NNN", "write e.g. AUD-2024-01-15-001"
    if name == "Version" and parse_version(value) is None:
        return f"Version {value!r} is not SemVer", "write MAJOR.MINOR.PATCH, e.g. 2.1.0"
    if name == "Date" and parse_iso_date(value) is None:
        return f"Date {value!r} is not a calendar date YYYY-MM-DD", "write e.g. 2024-01-15"
    if name == "Verdict" and value not in VERDICTS:
        return (
            f"Verdict {value!r} is not PASS, PASS-WITH-FIXES or FAIL",
            "write one of the three verdicts in capitals",
        )
    if name in ("Strategy", "Auditor") and not value:
        return f"{name} is empty", f"write the {name.lower()}"
    return None


def _walk_forward(
    outline: Outline, section: Section, shown_as: str
) -> tuple[WalkForward, list[Finding]]:
    findings: list[Finding] = []
    stated: Figure | None = None
    stated_line: int | None = None
    for p in outline.paragraphs_in(section):
        text = p.text
        if not text.casefold().startswith("consistency"):
            continue
        m = _CONSISTENCY_RE.match(text)
        stated = parse_figure(m.group("fig")) if m else None
        stated_line = p.line
        if stated is None:
            findings.append(
                finding(
                    "AUD005",
                    "error",
                    f"cannot read the stated consistency in {text[:80]!r}",
                    file=shown_as,
                    line=p.line,
                    hint="write `Consistency: 83.3% (5 of 6 out-of-sample windows profitable)`",
                )
            )
        break
    tables = outline.tables_in(section)
    if not tables:
        findings.append(
            finding(
                "AUD005",
                "error",
                "Section 6 has no walk-forward table",
                file=shown_as,
                line=section.heading.line,
                hint="add | Window | In-sample | IS return | Out-of-sample | OOS return | (one row"
                " per window)",
            )
        )
        return WalkForward(section.heading.line, None, (), stated, stated_line), findings
    table = tables[0]
    cols, missing = _columns(table, {"Window": WF_WINDOW, "IS return": WF_IS, "OOS return": WF_OOS})
    if missing:
        findings.append(
            finding(
                "AUD005",
                "error",
                f"the walk-forward table has no {', '.join(missing)} column",
                file=shown_as,
                line=table.line,
                hint="the columns are Window, IS return and OOS return (plus any others)",
            )
        )
        return WalkForward(section.heading.line, table.line, (), stated, stated_line), findings
    windows: list[Window] = []
    for row in table.rows:
        label = plain_text(row.cell(cols["Window"]))
        figures: dict[str, Figure | None] = {}
        for key in ("IS return", "OOS return"):
            raw = plain_text(row.cell(cols[key]))
            fig = parse_figure(raw)
            figures[key] = fig
            if fig is None:
                findings.append(
                    finding(
                        "AUD005",
                        "error",
                        f"window {label or '?'}: {key} {raw!r} is not a number",
                        file=shown_as,
                        line=row.line,
                        hint="write a return like +4.2% or -1.3%",
                    )
                )
        windows.append(Window(label, row.line, figures["IS return"], figures["OOS return"]))
    if not windows:
        findings.append(
            finding(
                "AUD005",
                "error",
                "the walk-forward table has no windows",
                file=shown_as,
                line=table.line,
                hint="add one row per walk-forward window",
            )
        )
    return (
        WalkForward(section.heading.line, table.line, tuple(windows), stated, stated_line),
        findings,
    )


# --------------------------------------------------------------------------------------------
# Paper reconciliation report


@dataclass(frozen=True)
class Metric:
    """One metrics row: paper and backtest figures and the divergence the author stated."""

    name: str
    line: int
    paper: Figure | None
    backtest: Figure | None
    stated: Figure | None
    has_stated_column: bool


@dataclass(frozen=True)
class PaperReport:
    """``docs/paper/{strategy}_paper.md``: summary fields and the metrics table."""

    shown_as: str
    summary: Mapping[str, SummaryField]
    metrics: tuple[Metric, ...]
    metrics_line: int | None
    findings: tuple[Finding, ...]

    def get(self, name: str) -> SummaryField | None:
        """A summary field by name (any case)."""
        return self.summary.get(name.casefold())

    def metric(self, name: str) -> Metric | None:
        """A metric row by name (any case)."""
        key = name.casefold()
        return next((m for m in self.metrics if m.name.casefold() == key), None)

    def period(self, name: str) -> tuple[dt.date, dt.date] | None:
        """A ``YYYY-MM-DD to YYYY-MM-DD`` summary field as two dates (None when unreadable)."""
        f = self.get(name)
        return parse_period(f.value) if f is not None else None


def parse_period(text: str) -> tuple[dt.date, dt.date] | None:
    """``2024-01-01 to 2024-01-14`` → the two dates; None when malformed or reversed."""
    m = _PERIOD_RE.fullmatch(text.strip())
    if m is None:
        return None
    start, end = parse_iso_date(m.group(1)), parse_iso_date(m.group(2))
    if start is None or end is None or end < start:
        return None
    return start, end


def parse_paper_report(text: str, *, shown_as: str) -> PaperReport:
    """Parse a paper reconciliation report; never raises."""
    outline = parse_outline(text)
    findings: list[Finding] = []
    top = [t for t in outline.tables if t.depth == 0]
    summary_table = next((t for t in top if t.column("Metric") is None), None)
    summary: dict[str, SummaryField] = {}
    if summary_table is None:
        findings.append(
            finding(
                "AUD007",
                "error",
                "the paper report has no summary table",
                file=shown_as,
                line=1,
                hint="start from docs/templates/paper_reconciliation.md: | Field | Value | with "
                + ", ".join(PAPER_FIELDS),
            )
        )
    else:
        summary, more = _summary(summary_table, shown_as, "AUD007", "paper report")
        findings += more
        for name in PAPER_FIELDS:
            f = summary.get(name.casefold())
            if f is None:
                findings.append(
                    finding(
                        "AUD007",
                        "error",
                        f"the paper report's summary has no {name!r} row",
                        file=shown_as,
                        line=summary_table.line,
                        hint=f"add `| {name} | ... |`",
                    )
                )
            elif name.endswith("period") and parse_period(f.value) is None:
                findings.append(
                    finding(
                        "AUD007",
                        "error",
                        f"{name} {f.value!r} is not `YYYY-MM-DD to YYYY-MM-DD`",
                        file=shown_as,
                        line=f.line,
                        hint="write e.g. `2024-01-01 to 2024-01-14` (start before end)",
                    )
                )
    metrics_table = next((t for t in top if t.column("Metric") is not None), None)
    metrics: list[Metric] = []
    if metrics_table is None:
        findings.append(
            finding(
                "AUD007",
                "error",
                "the paper report has no metrics table"
                " (| Metric | Paper | Backtest | Divergence |)",
                file=shown_as,
                line=1,
                hint="add one row each for " + ", ".join(PAPER_REQUIRED_METRICS),
            )
        )
    else:
        cols, missing = _columns(
            metrics_table,
            {"Metric": ("Metric",), "Paper": ("Paper",), "Backtest": ("Backtest",)},
        )
        if missing:
            findings.append(
                finding(
                    "AUD007",
                    "error",
                    f"the metrics table has no {', '.join(missing)} column",
                    file=shown_as,
                    line=metrics_table.line,
                    hint="the columns are Metric, Paper, Backtest and (optional) Divergence",
                )
            )
        else:
            div_col = metrics_table.column("Divergence")
            for row in metrics_table.rows:
                name = plain_text(row.cell(cols["Metric"]))
                stated = (
                    parse_figure(plain_text(row.cell(div_col))) if div_col is not None else None
                )
                metrics.append(
                    Metric(
                        name,
                        row.line,
                        parse_figure(plain_text(row.cell(cols["Paper"]))),
                        parse_figure(plain_text(row.cell(cols["Backtest"]))),
                        stated,
                        div_col is not None and bool(plain_text(row.cell(div_col))),
                    )
                )
    return PaperReport(
        shown_as,
        summary,
        tuple(metrics),
        metrics_table.line if metrics_table is not None else None,
        tuple(findings),
    )


# --------------------------------------------------------------------------------------------
# Source headers


@dataclass(frozen=True)
class HeaderField:
    """One ``// Key: value`` header line."""

    value: str
    line: int


@dataclass(frozen=True)
class SourceHeader:
    """The release header of a strategy (``//``) or model (``#``) source file."""

    shown_as: str
    kind: UnitKind
    stem: str
    fields: Mapping[str, HeaderField]
    findings: tuple[Finding, ...]

    def get(self, key: str) -> HeaderField | None:
        """A header field by canonical key (``Strategy``, ``Version``, ``Audit``, ...)."""
        return self.fields.get(key)

    @property
    def name_field(self) -> HeaderField | None:
        """The ``Strategy:`` (or, in a model, ``Model:``) field."""
        return self.fields.get("Strategy") or self.fields.get("Model")

    @property
    def name(self) -> str:
        """The declared name when it is valid, else the file name upper-cased."""
        f = self.name_field
        return f.value if f is not None and valid_name(f.value) else self.stem.upper()

    @property
    def version(self) -> Version | None:
        """The declared version, when it is SemVer."""
        f = self.fields.get("Version")
        return parse_version(f.value) if f is not None else None

    @property
    def audit_id(self) -> str | None:
        """The audit id of ``Audit: AUD-... (VERDICT)``, when well formed."""
        f = self.fields.get("Audit")
        m = _HEADER_AUDIT.fullmatch(f.value) if f is not None else None
        return m.group(1) if m else None

    @property
    def audit_verdict(self) -> str | None:
        """The verdict in parentheses of the ``Audit:`` line, when well formed."""
        f = self.fields.get("Audit")
        m = _HEADER_AUDIT.fullmatch(f.value) if f is not None else None
        return m.group(2) if m else None

    @property
    def released(self) -> dt.date | None:
        """The ``Released:`` date, when it is a calendar date."""
        f = self.fields.get("Released")
        return parse_iso_date(f.value) if f is not None else None


_HEADER_AUDIT = re.compile(r"(AUD-\d{4}-\d{2}-\d{2}-\d{3})\s*\((PASS|PASS-WITH-FIXES|FAIL)\)")
_HEADER_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]*?)\s*:\s*(?P<value>.*?)\s*$")


def comment_prefix(kind: UnitKind) -> str:
    """``//`` for Pine strategies, ``#`` for Python models."""
    return "//" if kind == "strategy" else "#"


def parse_header(text: str, *, shown_as: str, kind: UnitKind, stem: str) -> SourceHeader:
    """Read the leading comment block of a source file and check its release keys (AUD014)."""
    prefix = comment_prefix(kind)
    fields: dict[str, HeaderField] = {}
    findings: list[Finding] = []
    canonical = {k.casefold(): k for k in HEADER_KEYS}
    for no, line in enumerate(text.split("\n")[:_HEADER_SCAN_LINES], start=1):
        s = line.strip()
        if not s:
            continue
        if not s.startswith(prefix):
            break
        m = _HEADER_LINE.match(s[len(prefix) :].strip())
        if m is None:
            continue
        key = canonical.get(m.group("key").casefold())
        if key is None:
            continue
        if key in fields:
            findings.append(
                finding(
                    "AUD014",
                    "error",
                    f"header key {key!r} appears twice (first on line {fields[key].line})",
                    file=shown_as,
                    line=no,
                    hint="keep one line per header key",
                )
            )
            continue
        fields[key] = HeaderField(m.group("value"), no)
    header = SourceHeader(shown_as, kind, stem, fields, ())
    findings += _check_header(header, prefix)
    return SourceHeader(shown_as, kind, stem, fields, tuple(findings))


def _check_header(h: SourceHeader, prefix: str) -> list[Finding]:
    out: list[Finding] = []
    f = h.shown_as

    def add(message: str, line: int | None, hint: str) -> None:
        """Record an AUD014 error on this header."""
        out.append(finding("AUD014", "error", message, file=f, line=line or 1, hint=hint))

    if not h.fields:
        add(
            "no release header (Strategy, Version, Audit, Released) at the top of the file",
            1,
            f"start the file with `{prefix} Strategy: NAME`, `{prefix} Version: X.Y.Z`,"
            f" `{prefix} Audit: AUD-YYYY-MM-DD-NNN (PASS)`, `{prefix} Released: YYYY-MM-DD`"
            + (
                "; a helper module that is not a model is named _name.py"
                if h.kind == "model"
                else ""
            ),
        )
        return out
    name_key = "Strategy" if h.kind == "strategy" else "Strategy or Model"
    if h.kind == "strategy" and "Model" in h.fields:
        add(
            "a Pine strategy names itself with `Strategy:`, not `Model:`",
            h.fields["Model"].line,
            f"write `{prefix} Strategy: {h.stem.upper()}`",
        )
    if h.kind == "model" and "Model" in h.fields and "Strategy" in h.fields:
        add(
            "the header has both `Strategy:` and `Model:`",
            h.fields["Model"].line,
            "keep one name line",
        )
    nf = h.name_field
    if nf is None:
        add(
            f"the header has no `{name_key}:` line",
            min(x.line for x in h.fields.values()),
            f"add `{prefix} Strategy: {h.stem.upper()}`",
        )
    elif not valid_name(nf.value):
        add(
            f"name {nf.value!r} is not a valid strategy name",
            nf.line,
            "use letters, digits and _ only, starting with a letter (e.g. ICT_QM)",
        )
    elif nf.value.casefold() != h.stem.casefold():
        add(
            f"the header names {nf.value}, but the file is {h.stem}"
            f" (expected {nf.value.lower()} as the file name)",
            nf.line,
            "name the file after the strategy, lower-cased, or fix the header",
        )
    version = h.fields.get("Version")
    if version is None:
        add("the header has no `Version:` line", 1, f"add `{prefix} Version: X.Y.Z`")
    elif h.version is None:
        add(
            f"Version {version.value!r} is not SemVer",
            version.line,
            "write MAJOR.MINOR.PATCH, e.g. 2.1.0",
        )
    audit = h.fields.get("Audit")
    if audit is None:
        add(
            "the header has no `Audit:` line",
            1,
            f"add `{prefix} Audit: AUD-YYYY-MM-DD-NNN (PASS)` naming the audit of this version",
        )
    elif h.audit_id is None or audit_id_date(h.audit_id) is None:
        add(
            f"Audit {audit.value!r} is not `AUD-YYYY-MM-DD-NNN (VERDICT)`",
            audit.line,
            "write e.g. `AUD-2024-01-15-001 (PASS)`; the verdict is PASS, PASS-WITH-FIXES or FAIL",
        )
    released = h.fields.get("Released")
    if released is None:
        add("the header has no `Released:` line", 1, f"add `{prefix} Released: YYYY-MM-DD`")
    elif h.released is None:
        add(
            f"Released {released.value!r} is not a calendar date YYYY-MM-DD",
            released.line,
            "write e.g. 2024-01-20",
        )
    return out
