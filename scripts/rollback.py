#!/usr/bin/env python3
"""Roll back to the previous stable version (runbook: Rollback Procedure); release the kill switch.

Called by .github/workflows/rollback.yml (workflow_dispatch, or from rollout.yml), in the live
environment, with contents: read, deployments: write and issues: write:

    python scripts/rollback.py run --version v1.2.3 --reason "5 live errors" \
        --condition live-errors [--target v1.2.2]
    python scripts/rollback.py kill-switch-release --reason "fixed in v1.2.4"   # founders only

Same as ``releasekit rollback``; see ``--help``, docs/rollback.md and docs/rules.md (RBK).
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["rollback", *sys.argv[1:]]))
