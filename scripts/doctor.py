#!/usr/bin/env python3
"""Check the repository's GitHub settings that make releasekit's gates binding.

Run it once when adopting releasekit, after changing branch protection, rulesets,
environments or CODEOWNERS, and on a schedule (a weekly workflow) to catch settings that
drift. It reads only — it never writes to GitHub — and reports, for the default branch:
the required ``releasekit / gate`` check, pull requests, stale-approval dismissal and
code-owner review (branch protection or rulesets), CODEOWNERS owning the policy and the
workflows, the ``paper`` and ``live`` environments and their protection, the Actions
token defaults, and ``.github/release-policy.yml``.

Token (from ``RELEASEKIT_GITHUB_TOKEN`` or ``GITHUB_TOKEN``, never the command line): every
check needs a token with **Administration: read**, **Contents: read**, **Actions: read** and
**Metadata: read** — a GitHub App installation token, a fine-grained token, or
``gh auth token`` of a repository admin. ``GITHUB_TOKEN`` (``permissions: contents: read,
actions: read``) checks everything except classic branch protection and the Actions
settings, which it can never read: those become warnings naming the missing permission.

    GITHUB_REPOSITORY=acme/desk GITHUB_TOKEN="$(gh auth token)" python scripts/doctor.py
    python scripts/doctor.py --fixture settings.json     # offline, from captured answers

Same as ``releasekit doctor``; see ``--help`` and docs/doctor.md (the DOC rules).
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["doctor", *sys.argv[1:]]))
