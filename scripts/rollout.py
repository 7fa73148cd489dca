#!/usr/bin/env python3
"""Decide the next step of a staged rollout: promote, hold, pause or rollback (runbook Phase 4).

Called by .github/workflows/rollout.yml on a schedule; offline it needs no token:

    python scripts/rollout.py decide --state STATE.json --metrics METRICS.json \
        --now 2024-01-05T09:00:00Z --format json

Same as ``releasekit rollout``; see ``--help``, docs/rollout.md and docs/rules.md (RLT).
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["rollout", *sys.argv[1:]]))
