"""The paper reconciliation report (docs/formats/paper-reconciliation.md), parsed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from releasekit.core.audit.fields import (
    Figure,
    SummaryField,
    find_columns,
    parse_figure,
    read_summary_table,
)
from releasekit.core.collector import collector_paused
from releasekit.core.dates import parse_iso_date
from releasekit.core.markdown import parse_outline, plain_text
from releasekit.core.report import Finding, finding

_PERIOD_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+to\s+(\d{4}-\d{2}-\d{2})$")
PAPER_FIELDS = ("Strategy", "Version", "Paper period", "Backtest period")
PAPER_REQUIRED_METRICS = ("Sharpe", "Trades", "Win rate")


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


@collector_paused
def parse_paper_report(text: str, *, shown_as: str) -> PaperReport:
    """Parse a paper reconciliation report; never raises."""
    outline = parse_outline(text)
    findings: list[Finding] = []
    top = [t for t in outline.tables if t.depth == 0]
    summary_table = next((t for t in top if t.column("Metric") is None), None)
    summary, more = read_summary_table(
        summary_table,
        shown_as,
        "AUD007",
        "paper report",
        missing="the paper report has no summary table",
        template="paper_reconciliation.md",
        fields=PAPER_FIELDS,
    )
    findings += more
    if summary_table is not None:
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
        cols, missing = find_columns(
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
