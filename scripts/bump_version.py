#!/usr/bin/env python3
"""Cut a release: move [Unreleased] into a dated CHANGELOG section and bump version.yaml.

Runbook step: Phase 1 ("Update version.yaml", "Update CHANGELOG.md"), and step 4 of the
Emergency Release with ``--hotfix``. Needs no token and no network: it only edits files in the
checkout. In Actions it runs in the prepare-release job; that job's ``contents: write`` is for
the workflow pushing the release branch afterwards, which this script never does.

    python scripts/bump_version.py --repo . [--part auto|major|minor|patch] [--hotfix]
        [--pre rc] [--date YYYY-MM-DD] [--summary TEXT] [--dry-run]
        [--strategy ICT_QM --strategy-version minor]

Same as ``releasekit bump-version``; see ``--help`` and docs/bump-version.md.
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["bump-version", *sys.argv[1:]]))
