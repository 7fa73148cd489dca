#!/usr/bin/env python3
"""Release readiness, offline: check-changelog and verify-audit for one release, in one report.

Runbook step: Phase 2's "CI checks must pass" and the Release Checklist's Pre-Release boxes.
Needs no token and no network.

    python scripts/release_check.py --repo examples/trading-desk

Same as ``releasekit release-check``; see ``--help`` and docs/rules.md.
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["release-check", *sys.argv[1:]]))
