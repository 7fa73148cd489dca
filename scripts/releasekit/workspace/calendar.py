"""Reading what the release calendar needs: the policy, its event list and a sign-off report.

Every read goes through ``adapters.files`` (bounded, UTF-8, inside the repository for the
event list, whose path the policy names).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from releasekit.adapters.files import inside_repo, read_text
from releasekit.core.calendar.events import parse_events
from releasekit.core.calendar.policy import CalendarPolicy
from releasekit.core.calendar.windows import CalendarEvent
from releasekit.core.report import Finding
from releasekit.core.signoff.policy import Policy, parse_policy
from releasekit.errors import InputError
from releasekit.workspace.policy import POLICY_MAX_BYTES, load_policy
from releasekit.workspace.release_files import shown

# A few years of FOMC/CPI/NFP dates are a few kilobytes.
EVENTS_MAX_BYTES = 1024 * 1024
REPORT_MAX_BYTES = 8 * 1024 * 1024


def load_policy_from(repo: Path, policy: Path | None) -> tuple[Policy, list[Finding]]:
    """The repository's policy, or the file ``--policy`` names (which must exist)."""
    if policy is None:
        return load_policy(repo)
    name = shown(policy)
    text = read_text(policy, what="release policy", shown_as=name, max_bytes=POLICY_MAX_BYTES)
    return parse_policy(text, shown_as=name), []


def load_events(repo: Path, policy: CalendarPolicy) -> tuple[CalendarEvent, ...]:
    """The policy's event list (none when the policy names no file)."""
    if policy.events is None:
        return ()
    path = inside_repo(repo, policy.events.file, what="calendar event list")
    name = shown(path)
    text = read_text(path, what="calendar event list", shown_as=name, max_bytes=EVENTS_MAX_BYTES)
    return parse_events(text, shown_as=name)


def load_report_data(path: Path, *, tool: str) -> dict[str, Any]:
    """The ``data`` of a releasekit JSON report written by ``tool`` (``--report-out``)."""
    name = shown(path)
    text = read_text(path, what=f"{tool} report", shown_as=name, max_bytes=REPORT_MAX_BYTES)
    try:
        report = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{tool} report is not JSON: {exc}", file=name) from None
    data = report.get("data") if isinstance(report, dict) else None
    if not isinstance(report, dict) or report.get("tool") != tool or not isinstance(data, dict):
        raise InputError(
            f"not a {tool} report",
            file=name,
            hint=f"pass the file `releasekit {tool} --report-out FILE` wrote",
        )
    return data
