#!/usr/bin/env python3
"""Decide a release pull request's sign-off (runbook: Phase 2 "Review & Approval").

Runbook step: Phase 2 "Review & Approval" — the required approvals (code review, audit, risk,
founder; hotfix: founder + 1 other) and the CI checks — and the "Audit Sign-Off Checklist",
rendered with every box ticked from evidence. Runs in the pull-request workflow on
``pull_request`` and ``pull_request_review`` events; the job's exit code is the required check
(0 APPROVED, 1 HOLD or REJECTED, 2 bad input or policy, 3 GitHub unreadable).

Token permissions (GITHUB_TOKEN, from the environment only, never on the command line):
``contents: read`` (the release policy at the base commit), ``pull-requests: read`` (the pull
request, its files and reviews; ``write`` also posts the PR comment), ``checks: write`` (the
``releasekit/signoff`` check run). Roles given by teams need a GitHub App installation token
with the organization permission Members: read instead (GITHUB_TOKEN cannot read teams).

    python scripts/signoff_gate.py                       # in Actions: the event's pull request
    python scripts/signoff_gate.py --pr 12 --explain     # locally, with GITHUB_TOKEN set
    python scripts/signoff_gate.py --repo examples/trading-desk \\
        --fixture examples/trading-desk/.releasekit/signoff-fixture.json --explain   # offline

Same as ``releasekit signoff-gate``; see ``--help``, docs/signoff.md and docs/rules.md.
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["signoff-gate", *sys.argv[1:]]))
