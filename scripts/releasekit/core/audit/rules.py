"""The verify-audit evaluation: audit evidence for strategy and model releases (rules AUD0xx).

The runbook's central rule (section "Audit Sign-Off Requirements"): no strategy or model
reaches production without a passing audit (PASS or PASS-WITH-FIXES), every fix of report
Section 5 complete, walk-forward consistency above 60% (Section 6), paper results within 20%
of the backtest over a paper period of at least 10 trades, an audit no older than 30 days,
and passing anti-bias tests. The runbook's own ``verify_audit.py`` only warned when the
release was missing from the audit log; here every missing piece of evidence is an error.

"Today" never enters a rule: the audit's age is measured against the *release date* (the
``--release-date`` option, else version.yaml's ``release_date``), so re-running the gate on an
old release gives the same answer, and the example repository keeps passing. That the release
date is not in the future is checked by check-changelog (VER008, CHG015) and by the CLI for
``--release-date``. docs/verify-audit.md explains the choice.

Pure: parsed files and facts in, a ``Report`` out. ``cli.verify_audit`` does the reading.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from releasekit.core.audit.formats import (
    PAPER_REQUIRED_METRICS,
    PASSING,
    VERDICTS,
    AuditLog,
    AuditReport,
    AuditRow,
    PaperReport,
    SourceHeader,
    UnitKind,
    audit_id_date,
    percent_text,
)
from releasekit.core.audit.junit import BiasResults
from releasekit.core.dates import parse_iso_date
from releasekit.core.render import md_escape
from releasekit.core.report import Finding, Report, finding
from releasekit.core.signoff.policy import Policy
from releasekit.core.versioning.versions import Version, parse_version

TOOL = "verify-audit"


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
    """One strategy or model and its evidence files (None when the file does not exist)."""

    kind: UnitKind
    header: SourceHeader
    report: AuditReport | None
    report_shown: str
    report_repo_path: str
    report_link: str
    paper: PaperReport | None
    paper_shown: str


@dataclass(frozen=True)
class AuditInputs:
    """Everything the evaluation needs, already read and parsed."""

    policy: Policy
    release: ReleaseInfo
    units: tuple[UnitInput, ...]
    log: AuditLog | None
    log_shown: str
    bias: BiasResults | None
    selection: str
    findings: tuple[Finding, ...] = ()


def _pct(value: Fraction) -> str:
    return percent_text(value, 1)


def _threshold_pct(value: Fraction) -> str:
    """A policy threshold as a percentage without needless decimals: 3/5 → ``60%``."""
    scaled = value * 100
    if scaled.denominator == 1:
        return f"{scaled.numerator}%"
    return percent_text(value, 2)


# --------------------------------------------------------------------------------------------
# The audit log row of the header's audit


def _log_checks(
    u: UnitInput, log: AuditLog, release: ReleaseInfo, data: dict[str, Any]
) -> tuple[list[Finding], AuditRow | None]:
    h = u.header
    out: list[Finding] = []
    aid = h.audit_id
    audit_line = h.get("Audit")
    if aid is None:
        out.append(
            finding(
                "AUD010",
                "notice",
                f"{h.name}: the audit log was not searched (the header names no readable audit)",
                file=h.shown_as,
                line=audit_line.line if audit_line else 1,
            )
        )
        return out, None
    row = log.by_id.get(aid)
    if row is None:
        out.append(
            finding(
                "AUD010",
                "error",
                f"{h.name}'s header names audit {aid}, which is not in the audit log",
                file=h.shown_as,
                line=audit_line.line if audit_line else 1,
                hint=f"add the audit's row to {log.shown_as}, or name the audit that approved"
                f" {h.name} {h.version or ''}".rstrip(),
            )
        )
        out.append(
            finding(
                "AUD012",
                "notice",
                f"{h.name}: whether the release is documented was not checked (audit {aid} is"
                " not in the log)",
                file=log.shown_as,
            )
        )
        return out, None
    lf = log.shown_as
    if row.name_key != h.name.casefold():
        out.append(
            finding(
                "AUD010",
                "error",
                f"audit {aid} in the audit log is of {row.strategy}, not {h.name}",
                file=lf,
                line=row.line,
                hint=f"name {h.name}'s own audit in the header of {h.shown_as}",
            )
        )
    if h.audit_verdict is not None and row.verdict in VERDICTS and h.audit_verdict != row.verdict:
        out.append(
            finding(
                "AUD002",
                "error",
                f"{h.name}'s header says {aid} ({h.audit_verdict}), but the audit log records"
                f" {row.verdict}",
                file=h.shown_as,
                line=audit_line.line if audit_line else 1,
                hint=f"copy the verdict from the audit log: `Audit: {aid} ({row.verdict})`",
            )
        )
    log_version = parse_version(log.field(row, "Version"))
    if log_version is None:
        out.append(
            finding(
                "AUD016",
                "error",
                f"Version {log.field(row, 'Version')!r} of {aid} is not SemVer",
                file=lf,
                line=row.line,
                hint="write the audited version as MAJOR.MINOR.PATCH",
            )
        )
    elif h.version is not None and log_version != h.version:
        out.append(
            finding(
                "AUD011",
                "error",
                f"{h.name}'s header is version {h.version}, but {aid} in the audit log audited"
                f" version {log_version}",
                file=lf,
                line=row.line,
                hint=f"the audit must be of the version being released: re-audit {h.name}"
                f" {h.version}, or fix the header's Version",
            )
        )
    if log.date(row) is None:
        out.append(
            finding(
                "AUD016",
                "error",
                f"Date {log.field(row, 'Date')!r} of {aid} is not a calendar date YYYY-MM-DD",
                file=lf,
                line=row.line,
                hint="write e.g. 2024-01-15",
            )
        )
    out += _release_documented(h, row, log, release, data)
    out += _later_failures(h, row, log)
    out += _report_link(u, row, log)
    return out, row


def _release_documented(
    h: SourceHeader, row: AuditRow, log: AuditLog, release: ReleaseInfo, data: dict[str, Any]
) -> list[Finding]:
    """AUD012: the release version is in the Release column of the header's audit."""
    good, bad = log.releases(row)
    out = [
        finding(
            "AUD016",
            "error",
            f"Release entry {item!r} of {row.audit_id} is not a SemVer version",
            file=log.shown_as,
            line=row.line,
            hint="list release versions separated by commas, e.g. `1.2.2, 1.2.3`, or `—`",
        )
        for item in bad
    ]
    if release.version is None:
        return out  # the run-level notice says the release version is unknown
    documented = release.version in good
    data["release_documented"] = documented
    if not documented:
        listed = ", ".join(str(v) for v in good) or "no release"
        out.append(
            finding(
                "AUD012",
                "error",
                f"release {release.version} is not documented in the audit log: {row.audit_id}"
                f" ({h.name}) lists {listed} in its Release column",
                file=log.shown_as,
                line=row.line,
                hint=f"once the audit approves {h.name} {h.version or ''} for release"
                f" {release.version}, add {release.version} to the Release column of"
                f" {row.audit_id}",
            )
        )
    return out


def _later_failures(h: SourceHeader, row: AuditRow, log: AuditLog) -> list[Finding]:
    """AUD018: a FAIL of the same strategy version, later than the audit the header names."""
    if h.version is None:
        return []
    when = log.date(row) or audit_id_date(row.audit_id)
    if when is None:
        return []
    out: list[Finding] = []
    for other in log.for_strategy(h.name):
        if other.audit_id == row.audit_id or other.verdict != "FAIL":
            continue
        if parse_version(log.field(other, "Version")) != h.version:
            continue
        other_date = log.date(other) or audit_id_date(other.audit_id)
        if other_date is None:
            continue
        if other_date > when or (other_date == when and other.audit_id > row.audit_id):
            out.append(
                finding(
                    "AUD018",
                    "error",
                    f"a later audit of {h.name} {h.version}, {other.audit_id} ({other_date}),"
                    f" failed: the {row.verdict} of {row.audit_id} ({when}) no longer stands",
                    file=log.shown_as,
                    line=other.line,
                    hint="address the failed audit's findings and re-audit; the header must"
                    " name the newest passing audit",
                )
            )
    return out


def _report_link(u: UnitInput, row: AuditRow, log: AuditLog) -> list[Finding]:
    """AUD017 (warning): the log row's Report link leads to the unit's audit report."""
    targets = log.report_links(row)
    for t in targets:
        path = t.split("#", 1)[0]
        if posixpath.normpath(path) == posixpath.normpath(u.report_link) or path.endswith(
            "/" + u.report_repo_path
        ):
            return []
    shown = ", ".join(targets) if targets else md_escape(log.field(row, "Report")) or "nothing"
    return [
        finding(
            "AUD017",
            "warning",
            f"the Report column of {row.audit_id} links to {shown}, not to {u.report_link}",
            file=log.shown_as,
            line=row.line,
            hint=f"write `[{posixpath.basename(u.report_link)}]({u.report_link})`",
        )
    ]


# --------------------------------------------------------------------------------------------
# The audit report


def _verdict_checks(u: UnitInput, row: AuditRow | None, log: AuditLog | None) -> list[Finding]:
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


def _report_checks(
    u: UnitInput,
    row: AuditRow | None,
    log: AuditLog | None,
    policy: Policy,
    data: dict[str, Any],
) -> list[Finding]:
    h = u.header
    rep = u.report
    if rep is None:
        return [
            finding(
                "AUD001",
                "error",
                f"no audit report for {h.name}: {u.report_shown} does not exist",
                file=u.report_shown,
                hint="write the report from docs/templates/audit_report.md (runbook:"
                " docs/audits/{strategy}_audit.md, the strategy name lower-cased)",
            ),
            finding(
                "AUD003",
                "notice",
                f"{h.name}: Section 5 fixes not checked (no audit report)",
                file=u.report_shown,
            ),
            finding(
                "AUD004",
                "notice",
                f"{h.name}: walk-forward consistency not checked (no audit report)",
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
                    f"fix not complete: {item.text[:120]!r}",
                    file=f,
                    line=item.line,
                    hint="complete and verify the fix, then tick it `- [x]` (runbook: all fixes"
                    " complete, Section 5)",
                )
            )
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
    out: list[Finding] = []
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
        "consistency": _pct(consistency),
    }
    if wf.stated is None:
        out.append(
            finding(
                "AUD005",
                "warning",
                f"Section 6 does not state the consistency (computed: {_pct(consistency)},"
                f" {wf.profitable} of {n} windows)",
                file=f,
                line=wf.heading_line,
                hint=f"add `Consistency: {_pct(consistency)} ({wf.profitable} of {n}"
                " out-of-sample windows profitable)`",
            )
        )
    elif not wf.stated.percent or not wf.stated.agrees_with(consistency * 100):
        out.append(
            finding(
                "AUD005",
                "error",
                f"Section 6 states consistency {wf.stated.raw}, but the table gives"
                f" {wf.profitable} of {n} profitable out-of-sample windows = {_pct(consistency)}",
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
                f"{h.name}: walk-forward consistency {_pct(consistency)} ({wf.profitable} of {n}"
                f" out-of-sample windows profitable) is not above {_threshold_pct(threshold)}",
                file=f,
                line=wf.table_line or wf.heading_line,
                hint="the strategy is not robust out of sample (runbook: > 60% consistency);"
                " rework it and re-run the walk-forward, never the table",
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# Audit age


def _age_checks(
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


# --------------------------------------------------------------------------------------------
# Paper reconciliation


def _paper_checks(
    u: UnitInput, release: ReleaseInfo, policy: Policy, data: dict[str, Any]
) -> list[Finding]:
    """AUD006/AUD007/AUD008 and the paper report's version (AUD011)."""
    h = u.header
    p = u.paper
    if p is None:
        return [
            finding(
                "AUD007",
                "error",
                f"no paper reconciliation report for {h.name}: {u.paper_shown} does not exist",
                file=u.paper_shown,
                hint="write it from docs/templates/paper_reconciliation.md (runbook: paper"
                " results within 20% of backtest)",
            ),
            finding(
                "AUD006",
                "notice",
                f"{h.name}: paper divergence not checked (no paper report)",
                file=u.paper_shown,
            ),
            finding(
                "AUD008",
                "notice",
                f"{h.name}: paper trades not counted (no paper report)",
                file=u.paper_shown,
            ),
        ]
    f = p.shown_as
    out = list(p.findings)
    ps = p.get("Strategy")
    if ps is not None and ps.value.casefold() != h.name.casefold():
        out.append(
            finding(
                "AUD007",
                "error",
                f"the paper report is about {ps.value}, not {h.name}",
                file=f,
                line=ps.line,
                hint=f"{u.paper_shown} must reconcile {h.name}",
            )
        )
    pv = p.get("Version")
    pv_parsed = parse_version(pv.value) if pv is not None else None
    if pv is not None and pv_parsed is None:
        out.append(
            finding(
                "AUD007",
                "error",
                f"Version {pv.value!r} is not SemVer",
                file=f,
                line=pv.line,
                hint="write MAJOR.MINOR.PATCH",
            )
        )
    elif pv is not None and h.version is not None and pv_parsed != h.version:
        out.append(
            finding(
                "AUD011",
                "error",
                f"{h.name}'s header is version {h.version}, but the paper report is of version"
                f" {pv_parsed}",
                file=f,
                line=pv.line,
                hint=f"paper-trade {h.name} {h.version} and reconcile that version",
            )
        )
    paper_period = p.period("Paper period")
    backtest_period = p.period("Backtest period")
    pp = p.get("Paper period")
    if paper_period is not None and backtest_period is not None and paper_period != backtest_period:
        bp = p.get("Backtest period")
        out.append(
            finding(
                "AUD007",
                "error",
                f"the backtest period ({bp.value if bp else '?'}) is not the paper period"
                f" ({pp.value if pp else '?'})",
                file=f,
                line=bp.line if bp else None,
                hint="compare paper and backtest over the same period (re-run the backtest)",
            )
        )
    if paper_period is not None and paper_period[1] > release.date and pp is not None:
        out.append(
            finding(
                "AUD007",
                "error",
                f"the paper period ends {paper_period[1]}, after the release date {release.date}",
                file=f,
                line=pp.line,
                hint="the evidence must exist before the release: report the paper period"
                " that ended before it",
            )
        )
    if paper_period is not None:
        data["paper_period"] = f"{paper_period[0]} to {paper_period[1]}"
    for name in PAPER_REQUIRED_METRICS:
        if p.metric(name) is None and p.metrics_line is not None:
            out.append(
                finding(
                    "AUD007",
                    "error",
                    f"the metrics table has no {name!r} row",
                    file=f,
                    line=p.metrics_line,
                    hint=f"add `| {name} | paper | backtest | divergence |`",
                )
            )
    out += _divergences(u, p, policy, data)
    out += _trades(u, p, policy, data)
    return out


def _divergences(
    u: UnitInput, p: PaperReport, policy: Policy, data: dict[str, Any]
) -> list[Finding]:
    h = u.header
    f = p.shown_as
    limit = policy.thresholds.divergence_fraction
    out: list[Finding] = []
    worst: Fraction | None = None
    for m in p.metrics:
        if m.paper is None or m.backtest is None:
            out.append(
                finding(
                    "AUD007",
                    "error",
                    f"{m.name}: the paper or backtest figure is not a number",
                    file=f,
                    line=m.line,
                    hint="write plain numbers such as 1.20, 25 or 52.0%",
                )
            )
            continue
        if m.paper.percent != m.backtest.percent:
            out.append(
                finding(
                    "AUD007",
                    "error",
                    f"{m.name}: paper {m.paper.raw} and backtest {m.backtest.raw} are not in the"
                    " same unit",
                    file=f,
                    line=m.line,
                    hint="write both as percentages or both as plain numbers",
                )
            )
            continue
        if m.backtest.value == 0:
            out.append(
                finding(
                    "AUD007",
                    "error",
                    f"{m.name}: the backtest figure is 0, so the divergence"
                    " |paper − backtest| / |backtest| is undefined",
                    file=f,
                    line=m.line,
                    hint="a zero backtest figure cannot be compared against: check the backtest,"
                    " or reconcile over a period where it is not zero",
                )
            )
            continue
        div = abs(m.paper.exact - m.backtest.exact) / abs(m.backtest.exact)
        worst = div if worst is None or div > worst else worst
        if m.has_stated_column and (
            m.stated is None or not m.stated.percent or not m.stated.agrees_with(div * 100)
        ):
            shown = m.stated.raw if m.stated is not None else "an unreadable figure"
            out.append(
                finding(
                    "AUD007",
                    "error",
                    f"{m.name}: the stated divergence is {shown}, but |{m.paper.raw} −"
                    f" {m.backtest.raw}| / |{m.backtest.raw}| = {_pct(div)}",
                    file=f,
                    line=m.line,
                    hint="state the divergence the figures give, or correct the figures",
                )
            )
        if div > limit:
            out.append(
                finding(
                    "AUD006",
                    "error",
                    f"{h.name}: paper {m.name} {m.paper.raw} vs backtest {m.backtest.raw} diverges"
                    f" {_pct(div)}, over the {_threshold_pct(limit)} allowed",
                    file=f,
                    line=m.line,
                    hint="find the cause (fills, slippage, data) and paper-trade again before"
                    " releasing (runbook: paper results within 20% of backtest)",
                )
            )
    if worst is not None:
        data["paper_max_divergence"] = _pct(worst)
    return out


def _trades(u: UnitInput, p: PaperReport, policy: Policy, data: dict[str, Any]) -> list[Finding]:
    h = u.header
    m = p.metric("Trades")
    if m is None or m.paper is None:
        return [
            finding(
                "AUD008",
                "notice",
                f"{h.name}: paper trades not counted (no readable Trades row)",
                file=p.shown_as,
                line=p.metrics_line,
            )
        ]
    fig = m.paper
    if fig.percent or fig.decimals or fig.value < 0:
        return [
            finding(
                "AUD007",
                "error",
                f"Trades {fig.raw!r} is not a count of trades",
                file=p.shown_as,
                line=m.line,
                hint="write the number of paper trades as a whole number",
            )
        ]
    trades = int(fig.value)
    data["paper_trades"] = trades
    need = policy.thresholds.paper_min_trades
    if trades < need:
        period = p.get("Paper period")
        return [
            finding(
                "AUD008",
                "error",
                f"{h.name}: {trades} paper trades"
                f"{' in ' + period.value if period else ''}; at least {need} are required",
                file=p.shown_as,
                line=m.line,
                hint="keep paper trading until the period has the minimum number of trades"
                " (runbook Phase 4: minimum 10 trades; the policy sets the number)",
            )
        ]
    return []


# --------------------------------------------------------------------------------------------
# Anti-bias tests


def check_bias(bias: BiasResults | None) -> list[Finding]:
    """AUD013: the anti-bias tests ran, and none failed or errored."""
    if bias is None:
        return [
            finding(
                "AUD013",
                "notice",
                "anti-bias test results were not checked",
                hint="pass --bias-junit FILE from `pytest tests/test_bias.py --junitxml=FILE`"
                " (the runbook's anti-bias CI step)",
            )
        ]
    f = bias.shown_as
    out: list[Finding] = []
    if bias.failures or bias.errors:
        names = ", ".join(bias.failed_names)
        out.append(
            finding(
                "AUD013",
                "error",
                f"anti-bias tests failed: {bias.failures} failed, {bias.errors} errored"
                f"{' (' + names + ')' if names else ''}",
                file=f,
                hint="a failing anti-bias test means look-ahead or survivorship bias: fix the"
                " code, never the test",
            )
        )
    if bias.ran == 0:
        out.append(
            finding(
                "AUD013",
                "error",
                f"no anti-bias test ran ({bias.tests} collected, {bias.skipped} skipped)",
                file=f,
                hint="run the anti-bias tests (pytest tests/test_bias.py --junitxml=FILE) and"
                " pass that file",
            )
        )
    elif bias.skipped:
        out.append(
            finding(
                "AUD013",
                "warning",
                f"{bias.skipped} anti-bias test(s) were skipped",
                file=f,
                hint="a skipped bias test proves nothing: make it run",
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# The evaluation


def check_unit(
    u: UnitInput, log: AuditLog | None, release: ReleaseInfo, policy: Policy
) -> tuple[list[Finding], dict[str, Any]]:
    """Every AUD rule for one strategy or model; returns its findings and its JSON summary."""
    h = u.header
    data: dict[str, Any] = {
        "name": h.name,
        "kind": u.kind,
        "file": h.shown_as,
        "version": str(h.version) if h.version is not None else None,
        "audit_id": h.audit_id,
    }
    out = list(h.findings)
    row: AuditRow | None = None
    if log is not None:
        more, row = _log_checks(u, log, release, data)
        out += more
    rep_verdict = u.report.get("Verdict") if u.report is not None else None
    if row is not None:
        data["verdict"] = row.verdict
    elif rep_verdict is not None:
        data["verdict"] = rep_verdict.value
    else:
        data["verdict"] = h.audit_verdict
    out += _verdict_checks(u, row, log)
    out += _report_checks(u, row, log, policy, data)
    out += _age_checks(u, row, log, release, policy, data)
    out += _paper_checks(u, release, policy, data)
    return out, data


def evaluate_audit(inputs: AuditInputs, *, subject: str) -> Report:
    """The verify-audit gate over every selected strategy and model."""
    findings: list[Finding] = list(inputs.findings)
    units: list[dict[str, Any]] = []
    if inputs.log is None:
        findings.append(
            finding(
                "AUD016",
                "error",
                f"no audit log: {inputs.log_shown} does not exist",
                file=inputs.log_shown,
                hint="keep one row per audit there (docs/templates/audit_log.md); the runbook"
                " reads docs/audits/audit_log.md",
            )
        )
    else:
        findings += inputs.log.findings
    if inputs.release.version is None:
        findings.append(
            finding(
                "AUD012",
                "notice",
                "no release version is known, so the audit log was not checked for it",
                hint="pass --version X.Y.Z (the tag being released) or keep version.yaml",
            )
        )
    for u in inputs.units:
        more, data = check_unit(u, inputs.log, inputs.release, inputs.policy)
        findings += more
        units.append(data)
    findings += check_bias(inputs.bias)
    bias = inputs.bias
    report_data: dict[str, Any] = {
        "version": str(inputs.release.version) if inputs.release.version is not None else None,
        "release_date": inputs.release.date.isoformat(),
        "release_date_source": inputs.release.date_source,
        "selection": inputs.selection,
        "policy": inputs.policy.source,
        "thresholds": inputs.policy.to_dict()["thresholds"],
        "strategies": units,
        "bias_tests": None
        if bias is None
        else {
            "tests": bias.tests,
            "passed": bias.passed,
            "failures": bias.failures,
            "errors": bias.errors,
            "skipped": bias.skipped,
        },
    }
    return Report(TOOL, subject, tuple(findings), report_data)


def render_details(report: Report) -> str:
    """The Markdown evidence table under the findings (check run, PR comment, job summary)."""
    d: Mapping[str, Any] = report.data
    units = d.get("strategies") or []
    if not units:
        return ""
    th = d.get("thresholds") or {}
    lines = [
        "#### Evidence",
        "",
        "| Strategy | Version | Audit | Verdict | Audit age | Walk-forward | Paper divergence"
        " (max) | Paper trades |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for u in units:
        wf = u.get("walk_forward") or {}
        age = u.get("audit_age_days")
        lines.append(
            "| "
            + " | ".join(
                md_escape(str(x))
                for x in (
                    u.get("name") or "?",
                    u.get("version") or "?",
                    u.get("audit_id") or "?",
                    u.get("verdict") or "?",
                    f"{age} days" if age is not None else "?",
                    wf.get("consistency", "?"),
                    u.get("paper_max_divergence", "?"),
                    u.get("paper_trades", "?"),
                )
            )
            + " |"
        )
    version = d.get("version") or "unknown version"
    wf_limit = _threshold_pct(Fraction(str(th.get("walk_forward_consistency_above"))))
    div_limit = _threshold_pct(Fraction(str(th.get("paper_max_divergence"))))
    lines += [
        "",
        f"Release {md_escape(str(version))} dated {d.get('release_date')}"
        f" ({md_escape(str(d.get('release_date_source')))}). Limits: audit at most"
        f" {th.get('audit_max_age_days')} days old at the release date, walk-forward"
        f" consistency above {wf_limit}, paper divergence at most {div_limit} with at least"
        f" {th.get('paper_min_trades')} paper trades (policy:"
        f" {md_escape(str(d.get('policy') or 'runbook defaults'))}).",
    ]
    return "\n".join(lines)
