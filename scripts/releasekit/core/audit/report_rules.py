"""verify-audit's rules on the audit report: verdict (AUD002), fixes (AUD003), walk-forward
(AUD004/AUD005), the report being that audit's (AUD011/AUD017), and the audit's age (AUD009).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from releasekit.core.audit.formats import (
    PASSING,
    VERDICTS,
    AuditLog,
    AuditReport,
    AuditRow,
    Window,
)
from releasekit.core.audit.inputs import ReleaseInfo, UnitInput, pct, threshold_pct
from releasekit.core.dates import parse_iso_date
from releasekit.core.markdown import TaskItem
from releasekit.core.report import Finding, finding
from releasekit.core.signoff.policy import Policy
from releasekit.core.versioning.versions import parse_version

# --------------------------------------------------------------------------------------------
# The audit report


def verdict_checks(u: UnitInput, row: AuditRow | None, log: AuditLog | None) -> list[Finding]:
    """AUD002: the audit's verdict passes, and the log and the report agree on it.

    The verdict that decides is the audit log's (the register), else the report's, else the
    one the header states; disagreements between them are findings of their own.
    """
    h = u.header
    out: list[Finding] = []
    rep = u.report.get("Verdict") if u.report is not None else None
    rep_verdict = rep.value if rep is not None and rep.value in VERDICTS else None
    verdict: str | None
    if row is not None and log is not None and row.verdict in VERDICTS:
        verdict, file, where = row.verdict, log.shown_as, row.line
    elif rep_verdict is not None and rep is not None and u.report is not None:
        verdict, file, where = rep_verdict, u.report.shown_as, rep.line
    else:
        audit_field = h.get("Audit")
        verdict, file, where = h.audit_verdict, h.shown_as, audit_field.line if audit_field else 1
    if verdict is not None and verdict not in PASSING:
        version = f" {h.version}" if h.version is not None else ""
        out.append(
            finding(
                "AUD002",
                "error",
                f"the audit of {h.name}{version} ({h.audit_id or 'no id'}) has verdict"
                f" {verdict}: a failed audit blocks the release",
                file=file,
                line=where,
                hint="fix what the audit found, get a new audit with a passing verdict, and"
                " name it in the header",
            )
        )
    if (
        row is not None
        and rep_verdict is not None
        and row.verdict in VERDICTS
        and rep is not None
        and u.report is not None
        and rep_verdict != row.verdict
    ):
        out.append(
            finding(
                "AUD002",
                "error",
                f"the audit report says {rep_verdict}, but the audit log records {row.verdict}"
                f" for {row.audit_id}",
                file=u.report.shown_as,
                line=rep.line,
                hint="the log and the report must record the same verdict",
            )
        )
    return out


def report_checks(
    u: UnitInput,
    row: AuditRow | None,
    log: AuditLog | None,
    policy: Policy,
    data: dict[str, Any],
) -> list[Finding]:
    h = u.header
    rep = u.report
    if rep is None:
        why = (
            "the audit report is a symbolic link (AUD021)"
            if u.report_symlink
            else "no audit report"
        )
        missing = [
            finding(
                "AUD001",
                "error",
                f"no audit report for {h.name}: {u.report_shown} does not exist",
                file=u.report_shown,
                hint="write the report from docs/releasekit-templates/audit_report.md (`releasekit"
                " init` writes the template; runbook: docs/audits/{strategy}_audit.md, the"
                " strategy name lower-cased)",
            )
        ]
        return [
            *([] if u.report_symlink else missing),
            finding(
                "AUD003",
                "notice",
                f"{h.name}: Section 5 fixes not checked ({why})",
                file=u.report_shown,
            ),
            finding(
                "AUD004",
                "notice",
                f"{h.name}: walk-forward consistency not checked ({why})",
                file=u.report_shown,
            ),
        ]
    out = list(rep.findings)
    f = rep.shown_as
    rid = rep.get("Audit ID")
    if rid is not None and h.audit_id is not None and rid.value != h.audit_id:
        out.append(
            finding(
                "AUD017",
                "error",
                f"the audit report documents {rid.value}, but {h.name}'s header names {h.audit_id}",
                file=f,
                line=rid.line,
                hint="the report must be the one of the audit named in the header: update one"
                " of them",
            )
        )
    rs = rep.get("Strategy")
    if rs is not None and rs.value and rs.value.casefold() != h.name.casefold():
        out.append(
            finding(
                "AUD017",
                "error",
                f"the audit report is about {rs.value}, not {h.name}",
                file=f,
                line=rs.line,
                hint=f"{u.report_shown} must report on {h.name}",
            )
        )
    rv = rep.get("Version")
    rv_parsed = parse_version(rv.value) if rv is not None else None
    if (
        rv is not None
        and rv_parsed is not None
        and h.version is not None
        and rv_parsed != h.version
    ):
        out.append(
            finding(
                "AUD011",
                "error",
                f"{h.name}'s header is version {h.version}, but the audit report audited"
                f" version {rv_parsed}",
                file=f,
                line=rv.line,
                hint=f"re-audit {h.name} {h.version}, or fix the header's Version",
            )
        )
    rd = rep.get("Date")
    rd_parsed = parse_iso_date(rd.value) if rd is not None else None
    log_date = log.date(row) if log is not None and row is not None else None
    if rd is not None and rd_parsed is not None and log_date is not None and rd_parsed != log_date:
        out.append(
            finding(
                "AUD017",
                "error",
                f"the audit report is dated {rd_parsed}, but the audit log dates"
                f" {row.audit_id if row else ''} {log_date}",
                file=f,
                line=rd.line,
                hint="the report and the log must give the same audit date",
            )
        )
    out += _fixes(u, rep)
    out += _walk_forward(u, rep, policy, data)
    return out


def _fixes(u: UnitInput, rep: AuditReport) -> list[Finding]:
    """AUD003: every Section 5 fix is a checked task item; PASS-WITH-FIXES lists some."""
    h = u.header
    f = rep.shown_as
    verdict = rep.get("Verdict")
    if rep.fixes is None:
        return [
            finding(
                "AUD003",
                "error",
                "the audit report has no Section 5 (Fixes)",
                file=f,
                line=rep.summary_line or 1,
                hint="add `## 5. Fixes` with one `- [x] ...` task per fix (or `None.`)",
            )
        ]
    out: list[Finding] = []
    top = [i for i in rep.fixes if i.depth == 1]
    if verdict is not None and verdict.value == "PASS-WITH-FIXES" and not top:
        out.append(
            finding(
                "AUD003",
                "error",
                f"{h.name}'s audit is PASS-WITH-FIXES, but Section 5 lists no fixes",
                file=f,
                line=rep.fixes_line,
                hint="list each required fix as `- [x] what was fixed (evidence)`",
            )
        )
    for item in rep.fixes:
        if item.checked is None and item.depth == 1:
            out.append(
                finding(
                    "AUD003",
                    "error",
                    f"Section 5 item {item.text[:80]!r} is not a task item, so it cannot be"
                    " shown done",
                    file=f,
                    line=item.line,
                    hint="write each fix as `- [ ] ...` and tick it `- [x]` when it is verified",
                )
            )
        elif item.checked is False:
            out.append(
                finding(
                    "AUD003",
                    "error",
                    f"fix not complete: {fix_name(item.text)[:120]!r}",
                    file=f,
                    line=item.line,
                    hint="complete and verify the fix, then tick it `- [x]` (runbook: all fixes"
                    " complete, Section 5)",
                )
            )
    for item, texts in _ticked_fixes(rep.fixes):
        problem = verification_problem(texts)
        if problem is not None:
            out.append(
                finding(
                    "AUD003",
                    "error",
                    f"fix ticked but {problem}: {fix_name(item.text)[:120]!r}",
                    file=f,
                    line=item.line,
                    hint="a fix is complete when it is ticked and says how it was verified:"
                    " `- [x] what was fixed — Verified: how (test, CI run, re-run)`"
                    " (docs/formats/audit-report.md)",
                )
            )
    return out


# "Verified: <how>": the format of a fix's verification (docs/formats/audit-report.md).
_VERIFIED = re.compile(r"\bverified\s*:\s*(?P<how>[^\n]*)", re.IGNORECASE)
# Words that say the fix was *not* verified, wherever they stand in the item.
_NOT_VERIFIED = re.compile(
    r"\b(?:not|never|un|yet\s+to\s+be|to\s+be|awaiting|pending|without)[\s-]*"
    r"(?:(?:yet|been|fully|be)[\s-]+)*verifi"
    r"|\bverification\s+(?:is\s+)?(?:pending|outstanding|to\s+follow|not\s+done|missing)",
    re.IGNORECASE,
)
_NO_EVIDENCE = frozenset(
    {"", "no", "not yet", "pending", "tbd", "todo", "n/a", "na", "none", "-", "—", "–", "?"}
)


def fix_name(text: str) -> str:
    """A fix item's description: its text without the ``Verified:`` part, for messages."""
    m = _VERIFIED.search(text)
    return text if m is None else text[: m.start()].rstrip(" —–-:;,")


def _ticked_fixes(items: tuple[TaskItem, ...]) -> list[tuple[TaskItem, list[str]]]:
    """Each ticked top-level fix with its own text and the texts of the items nested under it."""
    out: list[tuple[TaskItem, list[str]]] = []
    current: list[str] | None = None
    for item in items:
        if item.depth == 1:
            current = [item.text] if item.checked else None
            if current is not None:
                out.append((item, current))
        elif current is not None:
            current.append(item.text)
    return out


def verification_problem(texts: list[str]) -> str | None:
    """Why a ticked fix's verification does not count (None when it is explicit).

    It must say ``Verified: <how>`` (in the item or an item nested under it), with a real
    answer after the colon, and nowhere say that it is not verified.
    """
    joined = "\n".join(texts)
    if _NOT_VERIFIED.search(joined):
        return "it says it is not verified"
    m = _VERIFIED.search(joined)
    if m is None:
        return "it does not say how it was verified"
    how = m.group("how").strip().strip(".").strip().casefold()
    if how in _NO_EVIDENCE:
        return f"its verification is {m.group('how').strip() or 'empty'!r}"
    return None


def _distinct_windows(windows: tuple[Window, ...], file: str) -> list[Finding]:
    """AUD005: no window id and no out-of-sample period appears twice.

    A window pasted twice counts its result twice: 3 profitable of 5 distinct windows (60%,
    not above the threshold) becomes 5 of 7 (71%) with window 1 pasted twice more.
    """
    out: list[Finding] = []
    seen_label: dict[str, Window] = {}
    seen_period: dict[str, Window] = {}
    for w in windows:
        label = w.label.casefold()
        period = " ".join(w.oos_period.split()).casefold()
        first = seen_label.get(label) if label else None
        if first is not None:
            out.append(
                finding(
                    "AUD005",
                    "error",
                    f"walk-forward window {w.label} appears twice (first on line {first.line})",
                    file=file,
                    line=w.line,
                    hint="each window is one out-of-sample test: list it once, with its own id",
                )
            )
        else:
            earlier = seen_period.get(period) if period else None
            if earlier is not None:
                out.append(
                    finding(
                        "AUD005",
                        "error",
                        f"walk-forward windows {earlier.label} and {w.label} test the same"
                        f" out-of-sample period {w.oos_period}",
                        file=file,
                        line=w.line,
                        hint="each window tests its own out-of-sample period: a repeated"
                        " period counts one result twice",
                    )
                )
        if label:
            seen_label.setdefault(label, w)
        if period:
            seen_period.setdefault(period, w)
    return out


def _walk_forward(
    u: UnitInput, rep: AuditReport, policy: Policy, data: dict[str, Any]
) -> list[Finding]:
    """AUD004/AUD005: consistency computed from the Section 6 table, above the threshold."""
    h = u.header
    f = rep.shown_as
    wf = rep.walk_forward
    if wf is None:
        return [
            finding(
                "AUD005",
                "error",
                "the audit report has no Section 6 (Walk-forward)",
                file=f,
                line=rep.summary_line or 1,
                hint="add `## 6. Walk-forward` with the windows table and `Consistency: N%`",
            ),
            finding(
                "AUD004",
                "notice",
                f"{h.name}: walk-forward consistency not checked (no Section 6)",
                file=f,
            ),
        ]
    out: list[Finding] = _distinct_windows(wf.windows, f)
    consistency = wf.consistency
    if consistency is None:
        out.append(
            finding(
                "AUD004",
                "notice",
                f"{h.name}: walk-forward consistency not computed (no readable window)",
                file=f,
                line=wf.table_line or wf.heading_line,
            )
        )
        return out
    n = len(wf.readable)
    data["walk_forward"] = {
        "windows": n,
        "profitable": wf.profitable,
        "consistency": pct(consistency),
    }
    if wf.stated is None:
        out.append(
            finding(
                "AUD005",
                "warning",
                f"Section 6 does not state the consistency (computed: {pct(consistency)},"
                f" {wf.profitable} of {n} windows)",
                file=f,
                line=wf.heading_line,
                hint=f"add `Consistency: {pct(consistency)} ({wf.profitable} of {n}"
                " out-of-sample windows profitable)`",
            )
        )
    elif not wf.stated.percent or not wf.stated.agrees_with(consistency * 100):
        out.append(
            finding(
                "AUD005",
                "error",
                f"Section 6 states consistency {wf.stated.raw}, but the table gives"
                f" {wf.profitable} of {n} profitable out-of-sample windows = {pct(consistency)}",
                file=f,
                line=wf.stated_line,
                hint="state the figure the table gives (profitable OOS windows / all windows),"
                " or correct the table",
            )
        )
    threshold = policy.thresholds.walk_forward_fraction
    if not consistency > threshold:  # strictly greater: 60% exactly does not pass
        out.append(
            finding(
                "AUD004",
                "error",
                f"{h.name}: walk-forward consistency {pct(consistency)} ({wf.profitable} of {n}"
                f" out-of-sample windows profitable) is not above {threshold_pct(threshold)}",
                file=f,
                line=wf.table_line or wf.heading_line,
                hint="the strategy is not robust out of sample (runbook: > 60% consistency);"
                " rework it and re-run the walk-forward, never the table",
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# Audit age


def age_checks(
    u: UnitInput,
    row: AuditRow | None,
    log: AuditLog | None,
    release: ReleaseInfo,
    policy: Policy,
    data: dict[str, Any],
) -> list[Finding]:
    """AUD009: the audit is at most the policy's days older than the release, and before it."""
    h = u.header
    candidates: list[tuple[dt.date, str, int | None]] = []
    if u.report is not None:
        rd = u.report.get("Date")
        parsed = parse_iso_date(rd.value) if rd is not None else None
        if parsed is not None and rd is not None:
            candidates.append((parsed, u.report.shown_as, rd.line))
    if row is not None and log is not None:
        ld = log.date(row)
        if ld is not None:
            candidates.append((ld, log.shown_as, row.line))
    if not candidates:
        return [
            finding(
                "AUD009",
                "notice",
                f"{h.name}: the audit's age was not checked (no readable audit date)",
                file=h.shown_as,
            )
        ]
    # When the report and the log disagree (AUD017), the older date decides: fail closed.
    audit_date, file, line = min(candidates, key=lambda c: c[0])
    age = (release.date - audit_date).days
    data["audit_date"] = audit_date.isoformat()
    data["audit_age_days"] = age
    out: list[Finding] = []
    limit = policy.thresholds.audit_max_age_days
    if age < 0:
        out.append(
            finding(
                "AUD009",
                "error",
                f"the audit of {h.name} is dated {audit_date}, after the release date"
                f" {release.date} ({release.date_source})",
                file=file,
                line=line,
                hint="an audit must come before the release it approves: check both dates",
            )
        )
    elif age > limit:
        out.append(
            finding(
                "AUD009",
                "error",
                f"the audit of {h.name} ({audit_date}) is {age} days old at the release date"
                f" {release.date}; at most {limit} days are allowed",
                file=file,
                line=line,
                hint=f"re-audit {h.name}, record the audit in the log, and name it in the header"
                " (runbook: audit within 30 days; the policy sets the limit)",
            )
        )
    released = h.get("Released")
    if h.released is not None and released is not None and h.released < audit_date:
        out.append(
            finding(
                "AUD009",
                "error",
                f"{h.name}'s header says it was released {h.released}, before its audit"
                f" ({audit_date})",
                file=h.shown_as,
                line=released.line,
                hint="nothing is released before its audit: fix the Released date or the audit",
            )
        )
    return out
