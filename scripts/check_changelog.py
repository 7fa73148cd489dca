#!/usr/bin/env python3
"""Check CHANGELOG.md and version.yaml (Keep a Changelog + SemVer + the runbook's version.yaml).

Runbook step: Phase 1 (update version.yaml and CHANGELOG.md) and the tag-push pipeline's
version/changelog/tag consistency check. Needs no token and no network.

    python scripts/check_changelog.py --repo . [--require-unreleased] [--tag vX.Y.Z]

Same as ``releasekit check-changelog``; see ``--help`` and docs/rules.md.
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["check-changelog", *sys.argv[1:]]))
