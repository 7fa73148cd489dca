#!/usr/bin/env python3
"""Record an audited strategy's or model's SHA-256 in the audit log (runbook: Audit Sign-Off).

Run when an audit is recorded, so that verify-audit can tell the audited file from a changed
one (AUD020). Offline; needs no token.

    python scripts/audit.py stamp ICT_QM
    python scripts/audit.py stamp ICT_QM --audit AUD-2024-01-15-001 --dry-run

Same as ``releasekit audit``; see ``--help`` and docs/formats/audit-log.md.
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["audit", *sys.argv[1:]]))
