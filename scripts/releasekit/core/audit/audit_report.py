"""The audit report (docs/formats/audit-report.md): summary, Section 5 fixes, Section 6."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from releasekit.core.audit.fields import (
    VERDICTS,
    Figure,
    SummaryField,
    audit_id_date,
    find_columns,
    parse_figure,
    read_summary_table,
)
from releasekit.core.collector import collector_paused
from releasekit.core.dates import parse_iso_date
from releasekit.core.markdown import (
    Outline,
    Section,
    TaskItem,
    parse_outline,
    plain_text,
    task_items,
)
from releasekit.core.report import Finding, finding
from releasekit.core.versioning.versions import parse_version

_CONSISTENCY_RE = re.compile(r"^consistency\b\W*(?P<fig>[+\-\u2212]?\d+(?:\.\d+)?\s*%)", re.I)
_NUMBERED = re.compile(r"^(\d{1,3})\.\s*(.*)$")
REPORT_FIELDS = ("Audit ID", "Strategy", "Version", "Auditor", "Date", "Verdict")
WF_WINDOW = ("Window",)
WF_IS = ("IS return", "IS return %", "IS return (%)", "In-sample return")
WF_OOS = ("OOS return", "OOS return %", "OOS return (%)", "Out-of-sample return")
WF_OOS_PERIOD = ("Out-of-sample", "Out of sample", "OOS", "OOS period", "Out-of-sample period")
FIXES_SECTION = 5
WALK_FORWARD_SECTION = 6


# --------------------------------------------------------------------------------------------
# Audit report


@dataclass(frozen=True)
class Window:
    """One walk-forward window: its label, in-/out-of-sample returns, out-of-sample period."""

    label: str
    line: int
    is_return: Figure | None
    oos_return: Figure | None
    oos_period: str = ""


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


@collector_paused
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
    summary, more = read_summary_table(
        summary_table,
        shown_as,
        "AUD017",
        "audit report",
        missing="the audit report has no summary table before its numbered sections",
        template="audit_report.md",
        fields=REPORT_FIELDS,
    )
    findings += more
    if summary_table is not None:
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
    cols, missing = find_columns(
        table, {"Window": WF_WINDOW, "IS return": WF_IS, "OOS return": WF_OOS}
    )
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
    oos_period = table.column(*WF_OOS_PERIOD)
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
        period = plain_text(row.cell(oos_period)) if oos_period is not None else ""
        windows.append(Window(label, row.line, figures["IS return"], figures["OOS return"], period))
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
