"""The runbook's "Release Audit Sign-Off" checklist of a sign-off decision, and ``--explain``.

Pure: the decision's facts in (the evidence gates' reports, the role assignments), the
checklist as data and as Markdown out, every box ticked from evidence only. A required item
that is not ticked is an error in the decision (``decision._unchecked_findings``), so the
checklist never shows APPROVED beside an unticked required box; a change PR's audit items are
listed as needed before release instead of as boxes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from releasekit.core.audit.formats import PASSING, percent_text
from releasekit.core.render import md_escape
from releasekit.core.report import Finding, Report
from releasekit.core.signoff.policy import POLICY_PATH, RoleName, Thresholds
from releasekit.core.signoff.release_types import Classification

Decision = Literal["APPROVED", "HOLD", "REJECTED"]

ROLE_TITLES: dict[RoleName, str] = {
    "code_review": "Code review",
    "audit": "Auditor",
    "model_audit": "Model auditor",
    "risk": "Risk",
    "founder": "Founder",
}


@dataclass(frozen=True)
class PaperMetric:
    """One paper-vs-backtest figure for the checklist (``Sharpe 1.20 vs 1.40 (14.3%)``)."""

    name: str
    paper: str
    backtest: str
    divergence: str


@dataclass(frozen=True)
class UnitEvidence:
    """A changed strategy or model and the evidence files the checklist points at."""

    name: str
    kind: str
    version: str | None
    report_path: str
    report_exists: bool
    paper_path: str
    paper_period: str | None = None
    paper_trades: int | None = None
    headline: PaperMetric | None = None
    max_divergence: Fraction | None = None


@dataclass(frozen=True)
class Evidence:
    """The evidence gates' reports (check-changelog, verify-audit) and what they looked at."""

    reports: tuple[Report, ...] = ()
    units: tuple[UnitEvidence, ...] = ()
    findings: tuple[Finding, ...] = ()
    bias_source: str | None = None
    # A release PR (it changes the version, or is a hotfix) must carry all of its release's
    # evidence; a change PR's audit evidence is for a release not yet made (notices only).
    release_pr: bool = True

    def report(self, tool: str) -> Report | None:
        """The report of the gate ``tool``, if it ran."""
        return next((r for r in self.reports if r.tool == tool), None)


def short_sha(sha: str | None) -> str:
    """The first seven characters of a SHA (``?`` when unknown)."""
    return sha[:7] if sha else "?"


def _ref(ref: object) -> str:
    """A branch name as it is; a commit SHA shortened."""
    text = str(ref or "?")
    return short_sha(text) if len(text) == 40 and text.isalnum() else text


def at_login(login: str) -> str:
    """``@login`` (Markdown escaping keeps it from pinging)."""
    return f"@{login}"


# -- the checklist --------------------------------------------------------------------------


def build_checklist(
    thresholds: Thresholds,
    evidence: Evidence,
    cls: Classification,
    assignments: Sequence[Mapping[str, Any]],
    decision: Decision,
    pending: Sequence[str],
    reasons: Sequence[str],
) -> dict[str, Any]:
    """The checklist's items as data: units, anti-bias results, approvals and the decision."""
    th = thresholds
    audit = evidence.report("verify-audit")
    changelog = evidence.report("check-changelog")
    audit_units = {
        str(u.get("name", "")).casefold(): u
        for u in (audit.data.get("strategies") or [] if audit is not None else [])
        if isinstance(u, Mapping)
    }
    units = []
    for u in evidence.units:
        d = audit_units.get(u.name.casefold(), {})
        verdict = d.get("verdict")
        age = d.get("audit_age_days")
        units.append(
            {
                "name": u.name,
                "kind": u.kind,
                "version": u.version,
                "report_path": u.report_path,
                "report_exists": u.report_exists,
                "audit_id": d.get("audit_id"),
                "verdict": verdict,
                "verdict_ok": verdict in PASSING,
                "audit_date": d.get("audit_date"),
                "audit_age_days": age,
                "age_ok": isinstance(age, int) and 0 <= age <= th.audit_max_age_days,
                "paper_path": u.paper_path,
                "paper_period": u.paper_period,
                "paper_trades": u.paper_trades,
                "trades_ok": u.paper_trades is not None and u.paper_trades >= th.paper_min_trades,
                "headline": None
                if u.headline is None
                else {
                    "name": u.headline.name,
                    "paper": u.headline.paper,
                    "backtest": u.headline.backtest,
                    "divergence": u.headline.divergence,
                },
                "max_divergence": None
                if u.max_divergence is None
                else percent_text(u.max_divergence, 1),
                "divergence_ok": u.max_divergence is not None
                and u.max_divergence <= th.divergence_fraction,
            }
        )
    bias_data = audit.data.get("bias_tests") if audit is not None else None
    bias: dict[str, Any] = {"given": isinstance(bias_data, Mapping), "ok": False, "text": ""}
    if isinstance(bias_data, Mapping):
        ran = int(bias_data.get("passed", 0)) + int(bias_data.get("failures", 0))
        ran += int(bias_data.get("errors", 0))
        failed = int(bias_data.get("failures", 0)) + int(bias_data.get("errors", 0))
        bias["ok"] = ran > 0 and failed == 0
        bias["text"] = (
            f"{'PASS' if bias['ok'] else 'FAIL'} ({bias_data.get('passed', 0)} passed,"
            f" {failed} failed, {bias_data.get('skipped', 0)} skipped"
            + (f"; {evidence.bias_source}" if evidence.bias_source else "")
            + ")"
        )
    version = None
    for source in (audit, changelog):
        if source is not None and isinstance(source.data.get("version"), str):
            version = source.data["version"]
            break
    return {
        "version": version,
        "audited": cls.audited,
        # Every box is required in a strategy or model release PR (or a release PR touching
        # audited code); a change PR lists what its release will need, unticked and unrequired.
        "required": evidence.release_pr and (cls.audited or bool(units)),
        "units": units,
        "bias": bias,
        "limits": {
            "audit_max_age_days": th.audit_max_age_days,
            "paper_min_trades": th.paper_min_trades,
            "paper_max_divergence": percent_text(th.divergence_fraction, 0),
        },
        "approvals": [dict(a) for a in assignments],
        "decision": decision,
        "pending": list(pending),
        "reasons": list(reasons),
    }


def _box(ok: bool, required: bool = True) -> str:
    """A ticked box, an unticked one for a required item, or a note for a later one.

    A change PR's audit items are for a release not yet made: they are listed as needed
    before release, never as an unticked box beside an APPROVED decision.
    """
    if ok:
        return "- [x]"
    return "- [ ]" if required else "- _before release:_"


def render_details(report: Report) -> str:
    """The runbook's "Release Audit Sign-Off" checklist, every box ticked from evidence only."""
    d: Mapping[str, Any] = report.data
    c = d.get("checklist")
    pr = d.get("pull_request")
    if not isinstance(c, Mapping) or not isinstance(pr, Mapping):
        return ""
    e = md_escape
    version = c.get("version")
    title = f"v{e(str(version))}" if version else f"PR #{pr.get('number')}"
    policy = d.get("policy") or {}
    where = "from" if policy.get("found") else "absent, defaults, at"
    lines = [
        f"#### Release Audit Sign-Off: {title}",
        "",
        f"PR #{pr.get('number')} {e(str(pr.get('title', '')))}"
        f" by {e(at_login(str(pr.get('author'))))}"
        f" · {e(str(d.get('release_type')))} release, rollout {e(str(d.get('rollout')))}"
        f" · head `{short_sha(pr.get('head_sha'))}` · policy `{POLICY_PATH}` {where}"
        f" `{_ref(policy.get('ref'))}`",
        "",
    ]
    limits = c.get("limits") or {}
    units = c.get("units") or []
    need = bool(c.get("required", True))
    if not c.get("audited") and not units:
        lines += [
            f"##### Strategy: none — a {e(str(d.get('release_type')))} release needs no audit",
            "",
        ]
    elif not units:
        lines += ["##### Strategy: no strategy or model source changed", ""]
    for u in units:
        kind = "Model" if u.get("kind") == "model" else "Strategy"
        ver = f" v{e(str(u['version']))}" if u.get("version") else ""
        verdict = e(str(u.get("verdict") or "unknown"))
        audit_id = f" ({e(str(u['audit_id']))})" if u.get("audit_id") else ""
        age = u.get("audit_age_days")
        within = (
            f"{'Yes' if u.get('age_ok') else 'No'} ({age} days at the release date)"
            if isinstance(age, int)
            else "unknown"
        )
        report_state = "" if u.get("report_exists") else " (missing)"
        lines += [
            f"##### {kind}: {e(str(u.get('name')))}{ver}",
            f"{_box(bool(u.get('report_exists')), need)} Audit report:"
            f" {e(str(u.get('report_path')))}{report_state}",
            f"{_box(bool(u.get('verdict_ok')), need)} Verdict: {verdict}{audit_id}",
            f"{_box(u.get('audit_date') is not None, need)} Audit date:"
            f" {e(str(u.get('audit_date') or 'unknown'))}",
            f"{_box(bool(u.get('age_ok')), need)} Within {limits.get('audit_max_age_days')} days:"
            f" {within}",
            "",
        ]
    if c.get("audited") or units:
        bias = c.get("bias") or {}
        bias_text = (
            e(str(bias.get("text")))
            if bias.get("given")
            else "not checked (no anti-bias JUnit XML was given: --bias-junit)"
        )
        lines += [
            "##### Validation",
            f"{_box(bool(bias.get('ok')), need)} Anti-bias tests: {bias_text}",
        ]
        for u in units:
            name = f" ({e(str(u.get('name')))})" if len(units) > 1 else ""
            trades = u.get("paper_trades")
            period = e(str(u.get("paper_period") or "period unknown"))
            trades_text = f"{trades} trades" if trades is not None else "trades unknown"
            lines.append(
                f"{_box(bool(u.get('trades_ok')), need)} Paper trading{name}: {period},"
                f" {trades_text} (at least {limits.get('paper_min_trades')})"
            )
            h = u.get("headline")
            head = (
                f"{e(str(h['name']))} {e(str(h['paper']))} vs {e(str(h['backtest']))}"
                f" ({e(str(h['divergence']))} divergence); "
                if isinstance(h, Mapping)
                else ""
            )
            worst = u.get("max_divergence")
            worst_text = f"largest divergence {e(str(worst))}" if worst else "divergence unknown"
            lines.append(
                f"{_box(bool(u.get('divergence_ok')), need)} Paper vs backtest{name}: {head}"
                f"{worst_text} (at most {e(str(limits.get('paper_max_divergence')))})"
            )
        lines.append("")
    lines.append("##### Approvals")
    for a in c.get("approvals") or []:
        role = a.get("role")
        title_text = next((t for r, t in ROLE_TITLES.items() if r == role), str(role))
        if a.get("login"):
            lines.append(
                f"- [x] {title_text}: {e(at_login(str(a['login'])))} Date: {e(str(a.get('date')))}"
            )
        else:
            lines.append(f"- [ ] {title_text}: _missing_")
    decision = c.get("decision")
    pending = "; ".join(str(p) for p in c.get("pending") or []) or "—"
    reasons = "; ".join(str(r) for r in c.get("reasons") or []) or "—"
    lines += [
        "",
        "##### Release Decision",
        f"{_box(decision == 'APPROVED')} APPROVED for production",
        f"{_box(decision == 'HOLD')} HOLD pending: {e(pending) if decision == 'HOLD' else '—'}",
        f"{_box(decision == 'REJECTED')} REJECTED reason:"
        f" {e(reasons) if decision == 'REJECTED' else '—'}",
    ]
    return "\n".join(lines)


def render_explain(report: Report) -> str:
    """``--explain``: the required roles, who fills which and how, and what is missing (text)."""
    d: Mapping[str, Any] = report.data
    pr = d.get("pull_request")
    if not isinstance(pr, Mapping):
        return "signoff-gate: no decision to explain (the gate stopped before deciding)\n"
    lines = [f"signoff-gate: PR #{pr.get('number')} — {d.get('decision')}"]
    policy = d.get("policy") or {}
    found = "read" if policy.get("found") else "absent: runbook defaults"
    lines.append(f"policy: {POLICY_PATH} at {_ref(policy.get('ref'))} ({found})")
    lines.append(f"release type: {d.get('release_type')} (rollout {d.get('rollout')})")
    for m in d.get("matches") or []:
        lines.append(f"  {m.get('type')}: {m.get('source')} {m.get('detail')}")
    if d.get("hotfix"):
        criteria = ", ".join(d.get("hotfix_criteria") or []) or "none declared"
        lines.append(f"  hotfix criteria: {criteria}")
    lines.append(f"required roles: {', '.join(d.get('required_roles') or [])}")
    for role, who in (d.get("role_holders") or {}).items():
        lines.append(f"  {role}: {who}")
    lines.append("reviewers (latest decisive review):")
    reviewers = d.get("reviewers") or []
    if not reviewers:
        lines.append("  none")
    for r in reviewers:
        what = {
            "counted": "counts",
            "stale": f"stale: on {short_sha(r.get('commit_id'))}, not the head",
            "author": "the author: never counts",
            "bot": "a bot: never counts",
            "dismissed": "dismissed: no decision",
            "changes-requested": "requested changes",
            "ignored": "ignored",
        }.get(str(r.get("status")), str(r.get("status")))
        lines.append(f"  @{r.get('login')}: {r.get('state')} — {what}")
        via = r.get("via") or {}
        for role, held in (r.get("roles") or {}).items():
            if held is None:
                lines.append(f"      {role}: not looked up (the roles were filled without it)")
            else:
                mark = "holds" if held else "does not hold"
                lines.append(f"      {role}: {mark} ({via.get(role)})")
        if r.get("assigned"):
            lines.append(f"      → signs off as {r['assigned']}")
    lines.append("roles:")
    for a in d.get("assignments") or []:
        if a.get("login"):
            lines.append(f"  {a['role']}: @{a['login']} ({a.get('via')}, {a.get('date')})")
        else:
            lines.append(f"  {a['role']}: MISSING")
    for x in d.get("rejected_by") or []:
        lines.append(f"rejected by @{x['login']} ({x['role']}) on {x.get('date')}")
    evidence = d.get("evidence") or {}
    shown = ", ".join(f"{k} {str(v).upper()}" for k, v in evidence.items()) or "none run"
    lines.append(f"evidence: {shown}")
    lookups = d.get("lookups") or {}
    lines.append(
        f"lookups: {lookups.get('permission', 0)} permission, {lookups.get('team', 0)} team"
        + (
            f"; {d['requests']} {'fixture reads' if d.get('fixture') else 'GitHub requests'}"
            if isinstance(d.get("requests"), int)
            else ""
        )
    )
    pending = "; ".join(d.get("pending") or [])
    reasons = "; ".join(d.get("reasons") or [])
    tail = {"HOLD": f" pending: {pending}", "REJECTED": f" reason: {reasons}"}
    lines.append(f"decision: {d.get('decision')}{tail.get(str(d.get('decision')), '')}")
    return "\n".join(lines) + "\n"
