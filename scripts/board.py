#!/usr/bin/env python3
"""Build the release board: what is live, where each rollout stands, what blocks the next step.

Called by .github/workflows/board.yml (schedule, deployment_status, release, issues) with a
read-only token; offline it needs no token:

    python scripts/board.py --fixture examples/trading-desk/.releasekit/board-fixture.json \
        --out site

Same as ``releasekit board``; see ``--help`` and docs/board.md.
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["board", *sys.argv[1:]]))
