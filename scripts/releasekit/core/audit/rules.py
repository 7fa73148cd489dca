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

Pure: parsed files and facts in, a ``Report`` out; ``workspace.audit`` does the reading. The
audit report's rules are in ``report_rules``, the paper reconciliation's in ``paper_rules``.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from releasekit.core.audit.formats import (
    SHA256_COLUMN,
    VERDICTS,
    AuditLog,
    AuditRow,
    SourceHeader,
    audit_id_date,
    is_sha256,
)
from releasekit.core.audit.inputs import (
    AuditInputs,
    ReleaseInfo,
    UnitInput,
    threshold_pct,
)
from releasekit.core.audit.junit import BiasResults
from releasekit.core.audit.paper_rules import paper_checks
from releasekit.core.audit.report_rules import age_checks, report_checks, verdict_checks
from releasekit.core.render import md_escape
from releasekit.core.report import Finding, Report, finding
from releasekit.core.signoff.policy import Policy
from releasekit.core.versioning.versions import parse_version

TOOL = "verify-audit"
# What an empty evidence cell may be written as.
_NO_VALUE = frozenset({"", "-", "—", "–", "n/a", "none"})

__all__ = [
    "TOOL",
    "AuditInputs",
    "ReleaseInfo",
    "UnitInput",
    "check_bias",
    "check_unit",
    "evaluate_audit",
    "render_details",
]


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
    out += content_checks(u, row, log, data)
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


def content_checks(
    u: UnitInput, row: AuditRow, log: AuditLog, data: dict[str, Any]
) -> list[Finding]:
    """AUD020: the file that ships is byte for byte the file the audit audited.

    The header only *claims* an audit; the SHA-256 in the audit's log row binds the audit to
    the exact text the auditor read. A source whose text changed after its audit (new logic
    behind an old header) matches no audited hash and blocks, whatever its header says.
    """
    digest = u.source_sha256
    if digest is None:
        return []
    data["sha256"] = digest
    rel = u.source_rel or u.header.shown_as
    aid = row.audit_id
    stamp = f"releasekit audit stamp {u.header.name} --audit {aid}"
    recorded = log.sha256(row)
    if not log.has_sha256(row):
        return [
            finding(
                "AUD020",
                "error",
                f"the audit log has no {SHA256_COLUMN} column, so nothing binds {aid} to the"
                f" file it audited ({rel})",
                file=log.shown_as,
                line=row.line,
                hint=f"add a `{SHA256_COLUMN}` column to the audit table and, if {rel} as it is"
                f" now is the file {aid} audited, write {digest} in its row (`{stamp}` does"
                " both); otherwise re-audit",
            )
        ]
    if recorded.casefold() in _NO_VALUE:
        return [
            finding(
                "AUD020",
                "error",
                f"{aid} records no {SHA256_COLUMN} of the file it audited ({rel})",
                file=log.shown_as,
                line=row.line,
                hint=f"if {rel} as it is now is the file {aid} audited, write {digest} in the"
                f" {SHA256_COLUMN} column (`{stamp}`); otherwise re-audit",
            )
        ]
    if not is_sha256(recorded):
        return [
            finding(
                "AUD020",
                "error",
                f"{SHA256_COLUMN} {recorded[:80]!r} of {aid} is not a SHA-256 (64 hex digits)",
                file=log.shown_as,
                line=row.line,
                hint=f"write the SHA-256 of the audited file (`sha256sum {rel}`, or `{stamp}`)",
            )
        ]
    matches = recorded.lower() == digest
    data["audited_file_matches"] = matches
    if matches:
        return []
    others = [
        r.audit_id
        for r in log.for_strategy(u.header.name)
        if r.audit_id != aid and log.sha256(r).lower() == digest
    ]
    elsewhere = f"; it is the file {', '.join(others)} audited" if others else ""
    return [
        finding(
            "AUD020",
            "error",
            f"{rel} is not the file {aid} audited: its SHA-256 is {digest[:12]}…, the audit"
            f" recorded {recorded.lower()[:12]}…{elsewhere}",
            file=u.header.shown_as,
            line=1,
            hint=f"the code changed after its audit: get {rel} as it is now audited and record"
            " that audit with its SHA-256, or restore the audited file (a header naming an old"
            " audit does not cover new code)",
        )
    ]


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
    out += verdict_checks(u, row, log)
    out += report_checks(u, row, log, policy, data)
    out += age_checks(u, row, log, release, policy, data)
    out += paper_checks(u, release, policy, data)
    return out, data


def evaluate_audit(inputs: AuditInputs, *, subject: str) -> Report:
    """The verify-audit gate over every selected strategy and model."""
    findings: list[Finding] = list(inputs.findings)
    findings += symlink_findings(inputs.symlinks)
    evidence: list[Finding] = []  # what a change pull request reports as needed before release
    units: list[dict[str, Any]] = []
    if inputs.log_symlink:
        evidence.append(
            finding(
                "AUD016",
                "error",
                f"the audit log {inputs.log_shown} is a symbolic link, so it was not read (AUD021)",
                file=inputs.log_shown,
                hint="commit the audit log itself at that path",
            )
        )
    elif inputs.log is None:
        evidence.append(
            finding(
                "AUD016",
                "error",
                f"no audit log: {inputs.log_shown} does not exist",
                file=inputs.log_shown,
                hint="keep one row per audit there (`releasekit init` writes an empty one; format:"
                " docs/formats/audit-log.md in releasekit); the runbook reads"
                " docs/audits/audit_log.md",
            )
        )
    else:
        evidence += inputs.log.findings
    if inputs.release.version is None and inputs.release_pr:
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
        evidence += more
        units.append(data)
    if inputs.release_pr:
        findings += evidence
    else:
        findings += [_before_release(f) for f in evidence]
        findings += [_needed_before_release(u, inputs) for u in inputs.units]
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
    if not inputs.release_pr:
        report_data["pull_request"] = "change"
    return Report(TOOL, subject, tuple(findings), report_data)


# Rules about the *shape* of what a change pull request changes stay errors there: a malformed
# header (AUD014), a strategy defined twice (AUD015), a symlink (AUD021). Every other rule is
# about evidence the next release will need.
_SHAPE_RULES = frozenset({"AUD014", "AUD015", "AUD021"})


def _before_release(f: Finding) -> Finding:
    """An evidence error of a change pull request, said as what the release will need."""
    if f.level != "error" or f.rule in _SHAPE_RULES:
        return f
    return dataclasses.replace(f, level="notice", message=f"before release: {f.message}")


def _needed_before_release(u: UnitInput, inputs: AuditInputs) -> Finding:
    """AUD022: the files a changed strategy or model needs before a release may ship it."""
    h = u.header
    version = f" {h.version}" if h.version is not None else ""
    digest = f" with SHA-256 {u.source_sha256}" if u.source_sha256 is not None else ""
    return finding(
        "AUD022",
        "notice",
        f"{h.name}{version} changed: before a release ships it, it needs a passing audit of this"
        f" code in {u.report_shown}, its row in {inputs.log_shown}{digest} naming the release,"
        f" and a paper reconciliation in {u.paper_shown}",
        file=h.shown_as,
        hint="the release pull request (the one that changes version.yaml's version) is"
        " blocked until they exist; `releasekit audit stamp` writes the SHA-256 when the"
        " audit is recorded",
    )


def symlink_findings(symlinks: tuple[str, ...]) -> list[Finding]:
    """AUD021: governed paths that are symbolic links (never followed, never skipped)."""
    return [
        finding(
            "AUD021",
            "error",
            f"{path} is a symbolic link: strategy, model, audit and paper paths are never"
            " followed through links, so nothing behind it was checked",
            file=path,
            hint="replace the link with the file or directory itself (git stores a link as the"
            " text of its target, not the content the auditor read)",
        )
        for path in symlinks
    ]


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
    wf_limit = threshold_pct(Fraction(str(th.get("walk_forward_consistency_above"))))
    div_limit = threshold_pct(Fraction(str(th.get("paper_max_divergence"))))
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
