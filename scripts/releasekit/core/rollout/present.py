"""How a rollout decision is shown: the report's JSON ``data`` and the job summary's details
(the decision table, the rollout as a Mermaid gantt chart, the recorded events).

Pure: a plan, a decision and ``now`` in, JSON values or Markdown text out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from releasekit.core.render import md_escape
from releasekit.core.rollout.controller import (
    DEADLINE_OPEN,
    Decision,
    RolloutState,
    iso,
    state_to_json,
)
from releasekit.core.rollout.plan import DAY_HOURS, RolloutPlan


def decision_data(plan: RolloutPlan, decision: Decision, now: dt.datetime) -> dict[str, Any]:
    """The report's ``data`` for ``rollout decide`` (docs/rollout.md, "JSON")."""
    before = decision.before
    current = plan.stage(before.stage) if before.stage else None
    nxt = decision.next_stage
    return {
        "version": before.version,
        "action": decision.action,
        "now": iso(now),
        "status": before.status,
        "status_after": decision.after.status,
        "stage": before.stage,
        "environment": current.environment if current else None,
        "size": before.size,
        "next_stage": None
        if nxt is None
        else {
            "id": nxt.id,
            "environment": nxt.environment,
            "size": nxt.size,
            "percent": nxt.percent,
        },
        "due_at": iso(decision.due_at) if decision.due_at else None,
        "deadline": iso(decision.deadline) if decision.deadline else None,
        "condition": decision.condition,
        "inconclusive": decision.inconclusive,
        "reasons": [
            {"rule": f.rule, "level": f.level, "message": f.message} for f in decision.findings
        ],
        "recorded": decision.event is not None,
        "state": state_to_json(decision.after),
    }


def _mermaid_text(text: str) -> str:
    """Text safe inside a Mermaid gantt task name (its syntax uses : ; # and commas)."""
    safe = "".join(c if c.isalnum() or c in " ._%()+-" else " " for c in text)
    return " ".join(safe.split()) or "-"


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def render_timeline(
    plan: RolloutPlan, state: RolloutState, now: dt.datetime, bands: Sequence[str] = ()
) -> str:
    """The rollout as a Mermaid gantt chart: the plan's stages, what happened, the markers,
    and ``bands``, the calendar's freeze windows and closed days (docs/calendar.md).

    Kept to the gantt syntax GitHub's Mermaid renders (``dateFormat``, ``section``, tasks
    with ``done``/``active``/``crit``/``milestone``); every name is reduced to letters,
    digits and ``._%()+-`` so no text can break the chart.
    """
    day0 = state.started_at or now
    lines = [
        "```mermaid",
        "gantt",
        f"    title {_mermaid_text('Rollout of v' + state.version)}",
        "    dateFormat YYYY-MM-DD HH:mm",
        "    axisFormat %m-%d",
        "    section Plan",
    ]
    for i, stage in enumerate(plan.stages):
        following = plan.stages[i + 1] if i + 1 < len(plan.stages) else None
        hours = (following.day - stage.day) * DAY_HOURS if following else DAY_HOURS
        start = day0 + dt.timedelta(hours=stage.day * DAY_HOURS)
        name = _mermaid_text(f"{stage.id} ({stage.environment} {stage.percent})")
        lines.append(f"    {name} :p{i}, {_when(start)}, {hours}h")
    promotions = [e for e in state.events if e.kind == "promote"]
    if promotions:
        lines.append("    section Actual")
        end_of_rollout = next(
            (e.at for e in state.events if e.kind in ("rollback", "rolled-back")), None
        )
        for i, ev in enumerate(promotions):
            following_at = promotions[i + 1].at if i + 1 < len(promotions) else None
            end = following_at or end_of_rollout or now
            hours = max(1, round((end - ev.at).total_seconds() / 3600))
            tag = "done" if following_at or end_of_rollout else "active"
            name = _mermaid_text(f"{ev.stage} {ev.size * 100:g}%")
            lines.append(f"    {name} :{tag}, a{i}, {_when(ev.at)}, {hours}h")
    markers = [e for e in state.events if e.kind in ("pause", "rollback", "resume", "rolled-back")]
    opened = [e for e in state.events if DEADLINE_OPEN in e.rules]
    if markers or opened:
        lines.append("    section Events")
        for i, ev in enumerate(markers):
            crit = "crit, " if ev.kind in ("rollback", "rolled-back", "pause") else ""
            lines.append(f"    {_mermaid_text(ev.kind)} :{crit}milestone, m{i}, {_when(ev.at)}, 0h")
        if opened:
            first = opened[0]
            lines.append(f"    divergence seen :crit, milestone, d0, {_when(first.at)}, 0h")
    lines.extend(bands)
    lines.append("```")
    return "\n".join(lines)


def details_markdown(
    plan: RolloutPlan, decision: Decision, now: dt.datetime, bands: Sequence[str] = ()
) -> str:
    """The job summary's details: the decision, the chart and the recorded events."""
    escape = md_escape
    state = decision.after if decision.event is not None else decision.before
    nxt = decision.next_stage
    rows = [
        "| | |",
        "|---|---|",
        f"| Action | **{decision.action}** |",
        f"| Stage | {escape(decision.before.stage or 'not deployed')}"
        f" ({decision.before.size * 100:g}%) |",
    ]
    if nxt is not None:
        due = f", due {iso(decision.due_at)}" if decision.due_at else ""
        rows.append(f"| Next stage | {escape(nxt.id)} ({nxt.environment} {nxt.percent}{due}) |")
    if decision.deadline is not None:
        rows.append(f"| Divergence deadline | {iso(decision.deadline)} |")
    if decision.condition is not None:
        rows.append(f"| Condition | {decision.condition} |")
    parts = ["#### Rollout", "", *rows, "", render_timeline(plan, state, now, bands), ""]
    if state.events:
        parts += ["| When | Event | Stage | Size | Rules |", "|---|---|---|---|---|"]
        for ev in state.events[-20:]:
            parts.append(
                f"| {iso(ev.at)} | {ev.kind} | {escape(ev.stage or '-')} | {ev.size * 100:g}% |"
                f" {', '.join(ev.rules)} |"
            )
        parts.append("")
    return "\n".join(parts).rstrip()
