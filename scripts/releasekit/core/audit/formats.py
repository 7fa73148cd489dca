"""The audit evidence files, parsed: audit log, audit report, paper reconciliation, source header.

One module per format (``audit_log``, ``audit_report``, ``paper``, ``header``) over their shared
vocabulary (``fields``); this module gathers them, so callers import every format from one place.

Each parser turns text into a frozen value plus the structural findings made while reading it
(a missing column, an unreadable figure), never an exception: a malformed evidence file blocks
the release with a precise finding (exit 1), it does not stop the gate. The formats are
documented in docs/formats/, with templates that ``releasekit init`` writes to
docs/releasekit-templates/.

Markdown is read with ``core.markdown`` (markdown-it-py); only the one-line source headers
(``// Version: 2.1.0``) and single table cells are matched with regular expressions.
"""

from releasekit.core.audit.audit_log import (
    LOG_COLUMNS,
    SHA256_ALIASES,
    SHA256_COLUMN,
    AuditLog,
    AuditRow,
    is_sha256,
    parse_audit_log,
)
from releasekit.core.audit.audit_report import (
    FIXES_SECTION,
    REPORT_FIELDS,
    WALK_FORWARD_SECTION,
    WF_IS,
    WF_OOS,
    WF_OOS_PERIOD,
    WF_WINDOW,
    AuditReport,
    WalkForward,
    Window,
    parse_audit_report,
)
from releasekit.core.audit.fields import (
    AUDIT_ID_RE,
    NAME_RE,
    PASSING,
    VERDICTS,
    Figure,
    SummaryField,
    UnitKind,
    Verdict,
    audit_id_date,
    find_columns,
    parse_figure,
    percent_text,
    read_summary,
    valid_name,
)
from releasekit.core.audit.header import (
    HEADER_KEYS,
    HeaderField,
    SourceHeader,
    comment_prefix,
    parse_header,
)
from releasekit.core.audit.paper import (
    PAPER_FIELDS,
    PAPER_REQUIRED_METRICS,
    Metric,
    PaperReport,
    parse_paper_report,
    parse_period,
)

__all__ = [
    "AUDIT_ID_RE",
    "FIXES_SECTION",
    "HEADER_KEYS",
    "LOG_COLUMNS",
    "NAME_RE",
    "PAPER_FIELDS",
    "PAPER_REQUIRED_METRICS",
    "PASSING",
    "REPORT_FIELDS",
    "SHA256_ALIASES",
    "SHA256_COLUMN",
    "VERDICTS",
    "WALK_FORWARD_SECTION",
    "WF_IS",
    "WF_OOS",
    "WF_OOS_PERIOD",
    "WF_WINDOW",
    "AuditLog",
    "AuditReport",
    "AuditRow",
    "Figure",
    "HeaderField",
    "Metric",
    "PaperReport",
    "SourceHeader",
    "SummaryField",
    "UnitKind",
    "Verdict",
    "WalkForward",
    "Window",
    "audit_id_date",
    "comment_prefix",
    "find_columns",
    "is_sha256",
    "parse_audit_log",
    "parse_audit_report",
    "parse_figure",
    "parse_header",
    "parse_paper_report",
    "parse_period",
    "percent_text",
    "read_summary",
    "valid_name",
]
