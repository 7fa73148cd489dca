"""The runbook's Release Checklist Template as one GitHub issue per version, ticked by evidence.

Pure: evidence in, issue body out. Each checklist item has an id (``deployed-paper``); a
workflow step that has *done* the thing records evidence under that id (``releasekit tracker
tick deployed-paper --evidence "deployment 1234"``), and the body is re-rendered from the
evidence: a box is ticked exactly when its evidence exists. A box ticked by hand in the issue
is not evidence and is unticked by the next render, so the checklist says what the workflows
saw, not what someone clicked.

The evidence lives in the issue itself, as JSON in a hidden comment at the end of the body.
The tracker is a view, never a gate: gates recompute their verdict from the API (threat 7),
so editing the hidden block changes the checklist, not a release decision.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from releasekit.core.render import md_escape
from releasekit.core.rollout.controller import iso, parse_time
from releasekit.core.rollout.plan import Stage
from releasekit.errors import InputError

TRACKER_MARKER = "<!-- releasekit:tracker {tag} -->"
TRACKER_LABEL = "release"
EVIDENCE_MAX = 200
_EVIDENCE_RE = re.compile(r"<!-- releasekit:evidence (\{.*?\}) -->", re.DOTALL)

# (id, section, text): the runbook's template, in its order and words.
ITEMS: tuple[tuple[str, str, str], ...] = (
    ("version-yaml", "Pre-Release", "Version.yaml updated"),
    ("changelog", "Pre-Release", "CHANGELOG.md updated"),
    ("tests", "Pre-Release", "All tests passing"),
    ("audit", "Pre-Release", "Audit approval (if strategy)"),
    ("paper-complete", "Pre-Release", "Paper trading complete (if strategy)"),
    ("pr-created", "Review", "PR created"),
    ("code-review", "Review", "Code review approved"),
    ("risk-review", "Review", "Risk review approved (if needed)"),
    ("founder-approval", "Review", "Founder approval"),
    ("tag-created", "Deployment", "Tag created"),
    ("deployed-paper", "Deployment", "Deployed to paper"),
    ("paper-validation", "Deployment", "Paper validation (24h min)"),
    ("deployed-live", "Deployment", "Deployed to live (minimal)"),
    ("monitoring", "Deployment", "Monitoring configured"),
    ("kill-switch-tested", "Deployment", "Kill switch tested"),
    ("announcement", "Post-Release", "Announcement sent"),
    ("docs-updated", "Post-Release", "Documentation updated"),
    ("metrics-baseline", "Post-Release", "Metrics baseline recorded"),
)
# Not a box: the Sign-Off lines ("Released by", "Date") are filled from this evidence.
RELEASED = "released"
ITEM_IDS = frozenset(i for i, _, _ in ITEMS) | {RELEASED}


@dataclass(frozen=True)
class Evidence:
    """Why an item is ticked: when, which tool or workflow saw it, and what it saw."""

    at: dt.datetime
    by: str
    detail: str


def check_item(item: str) -> str:
    """``item`` if it is a checklist id, else an ``InputError`` listing them."""
    if item not in ITEM_IDS:
        raise InputError(
            f"{item[:60]!r} is not a release checklist item",
            hint=f"choose one of {', '.join(sorted(ITEM_IDS))}",
        )
    return item


def check_evidence(text: str) -> str:
    """Evidence text: one printable line of at most 200 characters."""
    value = " ".join(text.split()) if isinstance(text, str) else ""
    if not value:
        raise InputError("the evidence is empty", hint="say what was seen: a run, a deployment")
    if len(value) > EVIDENCE_MAX or any(not c.isprintable() for c in value):
        raise InputError(f"the evidence must be one line of at most {EVIDENCE_MAX} characters")
    return value


def tick(
    evidence: Mapping[str, Evidence], item: str, *, at: dt.datetime, by: str, detail: str
) -> dict[str, Evidence]:
    """``evidence`` with ``item`` recorded (the first evidence of an item is kept)."""
    out = dict(evidence)
    key = check_item(item)
    if key not in out:
        out[key] = Evidence(at, by, check_evidence(detail))
    return out


def evidence_for_promotion(previous: Stage | None, stage: Stage) -> list[str]:
    """Checklist items a promotion to ``stage`` proves (the rollout ticks them)."""
    items: list[str] = []
    if previous is None:
        items.append("tag-created")  # deployments are made from the tag
    if stage.environment == "paper":
        items.append("deployed-paper")
    elif previous is None or previous.environment == "paper":
        if previous is not None:
            items.append("paper-validation")
        items.append("deployed-live")
    return items


def tracker_title(tag: str) -> str:
    """``Release checklist: v1.2.3``."""
    return f"Release checklist: {tag}"


def render_tracker(tag: str, evidence: Mapping[str, Evidence]) -> str:
    """The issue body (below the marker): the runbook's checklist with the evidence behind it."""
    lines = [f"# Release Checklist: {tag}", ""]
    section = ""
    for item, sec, text in ITEMS:
        if sec != section:
            if section:
                lines.append("")
            lines += [f"## {sec}", ""]
            section = sec
        ev = evidence.get(item)
        if ev is None:
            lines.append(f"- [ ] {text}")
        else:
            lines.append(
                f"- [x] {text} — {md_escape(ev.detail)} ({md_escape(ev.by)}, {iso(ev.at)})"
            )
    released = evidence.get(RELEASED)
    lines += [
        "",
        "## Sign-Off",
        "",
        f"Released by: {md_escape(released.detail) if released else '_____________'}",
        f"Date: {released.at.date().isoformat() if released else '_____________'}",
        "",
        "<sub>Ticked by releasekit from evidence; a box ticked by hand is unticked on the next"
        " update.</sub>",
        "",
        f"<!-- releasekit:evidence {_evidence_json(evidence)} -->",
        "",
    ]
    return "\n".join(lines)


def _evidence_json(evidence: Mapping[str, Evidence]) -> str:
    data = {
        k: {"at": iso(v.at), "by": v.by, "detail": v.detail} for k, v in sorted(evidence.items())
    }
    # "<" and ">" escaped so that no detail can close the HTML comment ("-->").
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def parse_evidence(body: str) -> dict[str, Evidence]:
    """The evidence recorded in a tracker body (checkboxes are ignored: they are not evidence)."""
    found = _EVIDENCE_RE.search(body or "")
    if found is None:
        return {}
    try:
        raw: Any = json.loads(found.group(1))
    except ValueError:
        return {}
    out: dict[str, Evidence] = {}
    if not isinstance(raw, dict):
        return out
    for key, value in raw.items():
        if key not in ITEM_IDS or not isinstance(value, dict):
            continue
        try:
            at = parse_time(value.get("at"), what="evidence time")
        except InputError:
            continue
        by, detail = value.get("by"), value.get("detail")
        if isinstance(by, str) and isinstance(detail, str):
            out[key] = Evidence(at, by[:100], detail[:EVIDENCE_MAX])
    return out
