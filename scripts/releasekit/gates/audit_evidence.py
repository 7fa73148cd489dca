"""The audit evidence of a pull request: the step that signoff-gate and evidence both take.

verify-audit's rules, in-process, with the policy the caller decided on (never the pull
request's own), for the strategies and models whose source, audit report or paper report the
pull request changed — every one of them when it changed the audit log. It runs for a strategy
or model release, and for any pull request that touches audit evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from releasekit.core.audit.formats import PaperReport, percent_text, valid_name
from releasekit.core.audit.rules import UnitInput
from releasekit.core.report import Finding, Report, finding
from releasekit.core.signoff.decision import PaperMetric, UnitEvidence
from releasekit.core.signoff.policy import Policy
from releasekit.gates.verify_audit import evaluate_units
from releasekit.workspace.audit import (
    Discovery,
    Source,
    load_audit_log,
    load_unit,
    paper_rel,
    release_info,
    report_rel,
    scan,
)
from releasekit.workspace.release_files import shown


@dataclass(frozen=True)
class AuditEvidenceRequest:
    """A pull request's facts the audit evidence depends on (plain values).

    ``release_type``/``audited`` come from the pull request's classification; ``changed`` is
    every path it changed (renames both sides); ``release_date`` is ``--release-date`` (else
    version.yaml's); ``bias_junit`` the anti-bias tests' JUnit XML, when given.
    ``release_pr`` False: a change pull request (version.yaml's version unchanged, not a
    hotfix), whose missing audit evidence is reported as what the release will need (AUD022).
    """

    repo: Path
    release_type: str
    audited: bool
    changed: frozenset[str]
    release_date: str | None = None
    bias_junit: Path | None = None
    release_pr: bool = True


class AuditEvidence(NamedTuple):
    """verify-audit's report (None when no audit evidence applies) and the units it covered."""

    report: Report | None
    units: tuple[UnitEvidence, ...]


def audit_evidence(request: AuditEvidenceRequest, policy: Policy) -> AuditEvidence:
    """verify-audit for what the pull request changed, judged by ``policy``."""
    repo = request.repo
    found = scan(repo, policy)
    sources, notes = _selected_sources(found, policy, request.changed)
    if not request.audited and not sources and not found.symlinks:
        return AuditEvidence(None, ())
    release = release_info(repo, None, request.release_date)
    units = [load_unit(repo, policy, s) for s in sources]
    log = load_audit_log(repo, policy)
    if not sources:
        notes.append(
            finding(
                "AUD019",
                "notice",
                f"a {request.release_type} release, but no strategy or model source, audit report"
                " or paper report changed: only the audit log and the anti-bias results are"
                " checked",
            )
        )
    selection = ", ".join(u.header.name for u in units) or "none changed"
    report = evaluate_units(
        repo,
        policy,
        release,
        units,
        log=log,
        found=found,
        bias_junit=request.bias_junit,
        selection=selection,
        findings=notes,
        release_pr=request.release_pr,
    )
    return AuditEvidence(report, tuple(unit_evidence(u) for u in units))


def _selected_sources(
    found: Discovery, policy: Policy, changed: frozenset[str]
) -> tuple[list[Source], list[Finding]]:
    """The strategies and models whose source, audit report or paper report changed."""
    notes: list[Finding] = []
    sources = [s for s in found.sources if valid_name(s.stem)]
    everything = policy.paths.audit_log in changed
    chosen: dict[str, Source] = {}
    for s in sources:
        stem = s.stem.lower()
        if everything or {s.rel, report_rel(policy, s), paper_rel(policy, s)} & changed:
            if stem in chosen:
                notes.append(
                    finding(
                        "AUD015",
                        "error",
                        f"{s.stem.upper()} is defined by two files: {chosen[stem].rel}, {s.rel}",
                        file=shown(s.path),
                        hint="keep one source file per strategy or model",
                    )
                )
                continue
            chosen[stem] = s
    if everything:
        notes.append(
            finding(
                "AUD019",
                "notice",
                f"{policy.paths.audit_log} changed: every strategy and model is checked",
            )
        )
    return list(chosen.values()), notes


PaperFacts = tuple[str | None, int | None, PaperMetric | None, Fraction | None]


def _paper_facts(paper: PaperReport | None) -> PaperFacts:
    """Period, trades, the headline metric (Sharpe) and the largest divergence of a report."""
    if paper is None:
        return None, None, None, None
    period = paper.get("Paper period")
    trades_row = paper.metric("Trades")
    trades = None
    if trades_row is not None and trades_row.paper is not None:
        fig = trades_row.paper
        if not fig.percent and not fig.decimals and fig.value >= 0:
            trades = int(fig.value)
    worst: Fraction | None = None
    headline: PaperMetric | None = None
    for m in paper.metrics:
        if m.paper is None or m.backtest is None or m.backtest.value == 0:
            continue
        if m.paper.percent != m.backtest.percent:
            continue
        div = abs(m.paper.exact - m.backtest.exact) / abs(m.backtest.exact)
        worst = div if worst is None or div > worst else worst
        if headline is None or m.name.casefold() == "sharpe":
            headline = PaperMetric(m.name, m.paper.raw, m.backtest.raw, percent_text(div, 1))
    return (period.value if period is not None else None), trades, headline, worst


def unit_evidence(u: UnitInput) -> UnitEvidence:
    """What the sign-off checklist shows of one unit: its reports and paper figures."""
    period, trades, headline, worst = _paper_facts(u.paper)
    return UnitEvidence(
        name=u.header.name,
        kind=u.kind,
        version=str(u.header.version) if u.header.version is not None else None,
        report_path=u.report_shown,
        report_exists=u.report is not None,
        paper_path=u.paper_shown,
        paper_period=period,
        paper_trades=trades,
        headline=headline,
        max_divergence=worst,
    )
