"""What the verify-audit rules read: the release, each unit's parsed evidence, the whole run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from releasekit.core.audit.formats import (
    AuditLog,
    AuditReport,
    PaperReport,
    SourceHeader,
    UnitKind,
    percent_text,
)
from releasekit.core.audit.junit import BiasResults
from releasekit.core.report import Finding
from releasekit.core.signoff.policy import Policy
from releasekit.core.versioning.versions import Version


@dataclass(frozen=True)
class ReleaseInfo:
    """The release being checked: its version (if known) and its date, and where each came from.

    ``date_file``/``date_line`` point at version.yaml's ``release_date`` when it came from
    there, so a finding about the date lands on that line.
    """

    version: Version | None
    version_source: str
    date: dt.date
    date_source: str
    date_file: str | None = None
    date_line: int | None = None


@dataclass(frozen=True)
class UnitInput:
    """One strategy or model and its evidence files (None when the file does not exist).

    ``source_rel`` is the source's repository path and ``source_sha256`` the SHA-256 of its
    text (UTF-8, LF line endings), which the audit log must record (AUD020). ``report_symlink``
    / ``paper_symlink``: the report is a symbolic link, so it was not read (AUD021).
    """

    kind: UnitKind
    header: SourceHeader
    report: AuditReport | None
    report_shown: str
    report_repo_path: str
    report_link: str
    paper: PaperReport | None
    paper_shown: str
    source_rel: str | None = None
    source_sha256: str | None = None
    report_symlink: bool = False
    paper_symlink: bool = False


@dataclass(frozen=True)
class AuditInputs:
    """Everything the evaluation needs, already read and parsed.

    ``symlinks``: governed paths (shown as findings name them) that are symbolic links and
    were not followed (AUD021). ``release_pr`` False: a change pull request, whose audit
    evidence is for a release not yet known, so what it lacks is said as notices.
    """

    policy: Policy
    release: ReleaseInfo
    units: tuple[UnitInput, ...]
    log: AuditLog | None
    log_shown: str
    bias: BiasResults | None
    selection: str
    findings: tuple[Finding, ...] = ()
    symlinks: tuple[str, ...] = ()
    log_symlink: bool = False
    release_pr: bool = True


def pct(value: Fraction) -> str:
    """A fraction of 1 as a percentage with one decimal: 5/6 → ``83.3%``."""
    return percent_text(value, 1)


def threshold_pct(value: Fraction) -> str:
    """A policy threshold as a percentage without needless decimals: 3/5 → ``60%``."""
    scaled = value * 100
    if scaled.denominator == 1:
        return f"{scaled.numerator}%"
    return percent_text(value, 2)
