"""verify-audit's rules on the paper reconciliation: divergence (AUD006), the report (AUD007),
paper trades (AUD008), and its version (AUD011).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from releasekit.core.audit.formats import (
    PAPER_REQUIRED_METRICS,
    PaperReport,
)
from releasekit.core.audit.inputs import ReleaseInfo, UnitInput, pct, threshold_pct
from releasekit.core.report import Finding, finding
from releasekit.core.signoff.policy import Policy
from releasekit.core.versioning.versions import parse_version

# --------------------------------------------------------------------------------------------
# Paper reconciliation


def paper_checks(
    u: UnitInput, release: ReleaseInfo, policy: Policy, data: dict[str, Any]
) -> list[Finding]:
    """AUD006/AUD007/AUD008 and the paper report's version (AUD011)."""
    h = u.header
    p = u.paper
    if p is None:
        why = (
            "the paper report is a symbolic link (AUD021)" if u.paper_symlink else "no paper report"
        )
        missing = [
            finding(
                "AUD007",
                "error",
                f"no paper reconciliation report for {h.name}: {u.paper_shown} does not exist",
                file=u.paper_shown,
                hint="write it from docs/releasekit-templates/paper_reconciliation.md (`releasekit"
                " init` writes the template; runbook: paper results within 20% of backtest)",
            )
        ]
        return [
            *([] if u.paper_symlink else missing),
            finding(
                "AUD006",
                "notice",
                f"{h.name}: paper divergence not checked ({why})",
                file=u.paper_shown,
            ),
            finding(
                "AUD008",
                "notice",
                f"{h.name}: paper trades not counted ({why})",
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
                    f" {m.backtest.raw}| / |{m.backtest.raw}| = {pct(div)}",
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
                    f" {pct(div)}, over the {threshold_pct(limit)} allowed",
                    file=f,
                    line=m.line,
                    hint="find the cause (fills, slippage, data) and paper-trade again before"
                    " releasing (runbook: paper results within 20% of backtest)",
                )
            )
    if worst is not None:
        data["paper_max_divergence"] = pct(worst)
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
