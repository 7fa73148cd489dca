#!/usr/bin/env python3
"""Refuse a release tag that did not come from a merged, signed-off PR; write the evidence.

Runbook step: Phase 3 "Merge & Tag" → the GitHub Release (release.yml runs it on a ``v*`` tag
push, before the release is created), with the "Release Audit Sign-Off" kept as a record. It
finds the pull request whose merge commit the tag points at, recomputes that pull request's
sign-off from GitHub (reviews of its head, the base commit's policy, the roles), runs
check-changelog ``--tag`` and verify-audit on the checked-out tag, checks hotfix debt, and only
when everything passes writes ``DIR/evidence.json`` and ``DIR/evidence.md``. Exit 0 pass,
1 blocked, 2 bad input, 3 GitHub unreachable.

Token permissions (GITHUB_TOKEN, from the environment only, never on the command line):
``contents: read`` (the policy at the base commit) and ``pull-requests: read`` (the pull
requests of the tagged commit, the pull request, its files and reviews). No ``checks``
permission is needed: nothing is read from check runs, so a forged ``releasekit/signoff``
check cannot pass a tag.

    python scripts/evidence.py --tag v1.2.3 --out "$RUNNER_TEMP/evidence"   # in Actions
    python scripts/evidence.py --tag v1.2.3 --fixture FILE                 # offline replay

Same as ``releasekit evidence``; see ``--help``, docs/evidence.md and docs/rules.md.
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["evidence", *sys.argv[1:]]))
