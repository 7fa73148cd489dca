"""The release header of a strategy or model source (docs/formats/strategy-header.md)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from releasekit.core.audit.fields import UnitKind, audit_id_date, valid_name
from releasekit.core.dates import parse_iso_date
from releasekit.core.report import Finding, finding
from releasekit.core.versioning.versions import Version, parse_version

HEADER_KEYS = ("Strategy", "Model", "Version", "Audit", "Released")
_HEADER_SCAN_LINES = 100


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
