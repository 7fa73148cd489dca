#!/usr/bin/env python3
"""Keep the runbook's Release Checklist as one GitHub issue per version, ticked by evidence.

Called by release workflows as steps happen (issues: write):

    python scripts/tracker.py open --version v1.2.3
    python scripts/tracker.py tick deployed-paper --version v1.2.3 --evidence "deployment 4711"

Same as ``releasekit tracker``; see ``--help`` and docs/rollout.md ("Release tracker").
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["tracker", *sys.argv[1:]]))
