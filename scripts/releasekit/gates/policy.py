"""The policy gate: the effective release policy (the file's values over the runbook's).

``policy validate`` and ``policy show`` both ask this gate; an invalid policy raises
``InputError`` with file:line and the fix (exit 2), a missing one is the runbook's defaults
with a POL001 notice. The report's data is the effective policy, in the JSON shape of
``policy show --format json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from releasekit.core.report import Report
from releasekit.core.signoff.policy import POLICY_PATH, Policy, unfillable_roles
from releasekit.workspace.policy import load_policy

TOOL = "policy"


@dataclass(frozen=True)
class PolicyRequest:
    """Whose policy: the repository root of a checkout."""

    repo: Path
    # validate: a release type whose required role names nobody is an error (POL002).
    check_roles: bool = False


def policy_json(policy: Policy) -> dict[str, Any]:
    """The JSON shape of ``policy show --format json``."""
    return {
        "source": policy.source,
        "policy": policy.to_dict(),
        "defaults_used": _defaulted_top_level(policy)
        + policy.defaulted()
        + policy.defaulted_rules(),
    }


def _defaulted_top_level(policy: Policy) -> list[str]:
    # `timezone:` is a top-level key of its own; `version` is required, never a default.
    return [] if "timezone" in policy.explicit else ["timezone"]


def effective_policy(request: PolicyRequest) -> Report:
    """The policy as a report: its notices and, as data, the effective values."""
    policy, notices = load_policy(request.repo)
    # A policy file whose release types need a role that names nobody is an error (POL002);
    # without a file, POL001 already says that only the runbook's defaults apply.
    if request.check_roles and policy.source is not None:
        notices += unfillable_roles(policy)
    return Report(TOOL, str(request.repo / POLICY_PATH), tuple(notices), policy_json(policy))
