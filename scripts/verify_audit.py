#!/usr/bin/env python3
"""Verify audit evidence for strategy and model releases (runbook: Audit Sign-Off Requirements).

Runbook step: Phase 1 step 5 ("Verify audit status") and the pipeline's ``audit_check`` job
on tag pushes. Replaces the runbook's broken ``scripts/verify_audit.py``: every missing piece
of evidence blocks (exit 1), bad input exits 2, and nothing is a mere warning. Needs no token
and no network (``--changed-since`` runs the local git).

    python scripts/verify_audit.py --strategy ICT_QM --version 1.2.3
    python scripts/verify_audit.py --all --version "$TAG" --bias-junit bias.xml

Same as ``releasekit verify-audit``; see ``--help``, docs/verify-audit.md and docs/rules.md.
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["verify-audit", *sys.argv[1:]]))
