"""The shared vocabulary of the audit evidence formats: names, verdicts, ids, figures, tables.

The formats themselves are in ``audit_log``, ``audit_report``, ``paper`` and ``header`` (read
them together through ``core.audit.formats``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Literal

from releasekit.core.dates import parse_iso_date
from releasekit.core.markdown import Table, plain_text
from releasekit.core.report import Finding, finding

Verdict = Literal["PASS", "PASS-WITH-FIXES", "FAIL"]
UnitKind = Literal["strategy", "model"]
VERDICTS: tuple[Verdict, ...] = ("PASS", "PASS-WITH-FIXES", "FAIL")
PASSING: frozenset[str] = frozenset({"PASS", "PASS-WITH-FIXES"})

# A strategy or model name: what `--strategy` takes and what headers declare. It becomes part
# of file names ({name}_audit.md), so it is an identifier: no '/', '.', spaces or shell syntax.
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
AUDIT_ID_RE = re.compile(r"^AUD-(\d{4}-\d{2}-\d{2})-(\d{3})$")
_FIGURE_RE = re.compile(r"^(?P<sign>[+\-\u2212]?)\s*(?P<num>\d+(?:\.(?P<dec>\d+))?)\s*(?P<pct>%)?$")


def valid_name(name: str) -> bool:
    """Whether ``name`` is a valid strategy/model name (letters, digits, ``_``; ≤ 64 chars)."""
    return NAME_RE.fullmatch(name) is not None


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


def find_columns(
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


def read_summary_table(
    table: Table | None,
    shown_as: str,
    rule: str,
    what: str,
    *,
    missing: str,
    template: str,
    fields: Sequence[str],
) -> tuple[dict[str, SummaryField], list[Finding]]:
    """A report's summary fields and their findings; with no table, the ``missing`` error.

    ``template`` names the file under docs/releasekit-templates/ that lists ``fields``.
    """
    if table is None:
        hint = (
            f"start from docs/releasekit-templates/{template} (`releasekit init` writes it):"
            " | Field | Value | with " + ", ".join(fields)
        )
        return {}, [finding(rule, "error", missing, file=shown_as, line=1, hint=hint)]
    return read_summary(table, shown_as, rule, what)


def read_summary(
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
