"""The tracker gate: the runbook's Release Checklist as one GitHub issue per version.

``open`` creates or refreshes the version's checklist issue; ``tick ITEM`` records the evidence
for one item (a box is ticked exactly when its evidence was recorded). With a body file it
works on a local copy (through ``workspace.ops``) instead of GitHub.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from releasekit.core.report import Report
from releasekit.core.rollout.tracker import (
    ITEMS,
    TRACKER_LABEL,
    TRACKER_MARKER,
    check_evidence,
    check_item,
    parse_evidence,
    render_tracker,
    tick,
    tracker_title,
)
from releasekit.gates.rollout import OpsPorts
from releasekit.workspace.ops import read_body, write_body

TOOL = "tracker"


@dataclass(frozen=True)
class TrackerRequest:
    """One ``tracker open|tick``: the release tag, the item and its evidence, the time."""

    action: Literal["open", "tick"]
    tag: str
    now: dt.datetime
    item: str | None = None
    evidence: str = ""
    body_file: Path | None = None
    by: str = "releasekit"


def tracker(request: TrackerRequest, ports: OpsPorts) -> Report:
    """Open the checklist, or tick one item with its evidence; the report lists what is open."""
    tag = request.tag
    item = check_item(request.item or "") if request.action == "tick" else None
    detail = check_evidence(request.evidence) if request.action == "tick" else ""
    marker = TRACKER_MARKER.format(tag=tag)
    if request.body_file is not None:
        evidence = parse_evidence(read_body(request.body_file))
        if item is not None:
            evidence = tick(evidence, item, at=request.now, by=request.by, detail=detail)
        write_body(request.body_file, f"{marker}\n{render_tracker(tag, evidence)}")
        url = str(request.body_file)
    else:
        port = ports.github()
        found = port.find_issue(marker, label=TRACKER_LABEL)
        evidence = parse_evidence(found.body) if found else {}
        if item is not None:
            evidence = tick(evidence, item, at=request.now, by=request.by, detail=detail)
        result = port.upsert_issue(
            marker=marker,
            title=tracker_title(tag),
            body=render_tracker(tag, evidence),
            label=TRACKER_LABEL,
        )
        url = result.url
    data = {
        "version": tag[1:],
        "tag": tag,
        "ticked": sorted(evidence),
        "open": [i for i, _, _ in ITEMS if i not in evidence],
        "url": url,
    }
    return Report(TOOL, f"release checklist {tag}", (), data)
