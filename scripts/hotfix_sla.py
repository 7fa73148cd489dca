#!/usr/bin/env python3
"""Check every hotfix's post-mortem (24 h) and proper release (48 h) (runbook: Emergency Release).

Called by .github/workflows/hotfix-sla.yml on a schedule (issues: write with --github); offline
it needs no token:

    python scripts/hotfix_sla.py [--tags FILE] [--now 2024-01-16T10:00:00Z] [--github]

Same as ``releasekit hotfix-sla``; see ``--help``, docs/hotfix.md and docs/rules.md (HFX).
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["hotfix-sla", *sys.argv[1:]]))
