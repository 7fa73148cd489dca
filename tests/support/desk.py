"""The example trading desk as the GitHub-backed tests seed it (signoff-gate and evidence)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.github_api import FakeGitHub

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "trading-desk"
# The demo fixture carries the desk's policy "as on main", with its people named.
DEMO: dict[str, Any] = json.loads((EXAMPLE / ".releasekit" / "signoff-fixture.json").read_text())
POLICY_ON_MAIN: str = DEMO["contents"]["main"][".github/release-policy.yml"]
# The desk's anti-bias results (JUnit XML) for the release, bundled with the example.
BIAS_JUNIT = EXAMPLE / ".releasekit" / "bias-junit.xml"
REPO = "acme/desk"
# What a strategy release PR changes.
STRATEGY_FILES = (
    "CHANGELOG.md",
    "version.yaml",
    "strategies/pine_v6/ict_qm.pine",
    "docs/audits/ict_qm_audit.md",
    "docs/paper/ict_qm_paper.md",
)
# Code review, audit, risk and founder: the sign-offs a strategy release needs.
SIGNED = (
    ("bob-dev", "APPROVED"),
    ("m-okafor", "APPROVED"),
    ("r-chen", "APPROVED"),
    ("alice-founder", "APPROVED"),
)
# The desk's people and their permission on the repository.
COLLABORATORS = {
    "bob-dev": "write",
    "carol-dev": "write",
    "dana-quant": "write",
    "m-okafor": "read",
    "r-chen": "read",
    "alice-founder": "admin",
}


def add_desk(api: FakeGitHub) -> FakeGitHub:
    """Seed the desk's repository and collaborators into the fake GitHub."""
    api.add_repo(REPO)
    for login, permission in COLLABORATORS.items():
        api.set_collaborator(REPO, login, permission)
    return api
