"""What ``releasekit init`` writes into a repository: pure text, planned before any write.

The files come from the templates shipped with releasekit (``releasekit/templates``, the same
files as docs/templates), so what a newcomer gets is what the docs show.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from releasekit.core.report import Finding, finding
from releasekit.errors import InputError

_USES_RE = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+@[0-9a-f]{40}$")
_TAG_RE = re.compile(r"^v\d+\.\d+\.\d+$")
_OWNER_RE = re.compile(r"^@[A-Za-z0-9-]+(?:/[A-Za-z0-9._-]+)?$")
PLACEHOLDER_USES = "OWNER/releasekit"
PLACEHOLDER_REF = "<sha> # v1.0.0"
PLACEHOLDER_OWNERS = "@OWNER/release-managers"

# The policy and the workflows decide what a release needs: CODEOWNERS must cover them
# (docs/branch-protection.md).
PROTECTED = (".github/release-policy.yml", ".github/workflows/", ".github/CODEOWNERS")


@dataclass(frozen=True)
class ScaffoldOptions:
    """The choices ``releasekit init`` takes from its options."""

    uses: str | None  # OWNER/releasekit@<40-hex sha>, or None for placeholders
    uses_version: str | None  # vX.Y.Z, the comment beside the pinned SHA
    owners: str | None  # @org/team for CODEOWNERS
    version: str
    date: dt.date


def validate_options(opts: ScaffoldOptions) -> None:
    """Refuse option values that would write a broken or unsafe workflow (exit 2)."""
    if opts.uses is not None and not _USES_RE.match(opts.uses):
        raise InputError(
            f"--uses {opts.uses!r} is not OWNER/REPO@<full 40-character commit SHA>",
            hint="pin releasekit to a commit: --uses acme/releasekit@<sha> --uses-version v1.0.0",
        )
    if opts.uses_version is not None and not _TAG_RE.match(opts.uses_version):
        raise InputError(f"--uses-version {opts.uses_version!r} is not vX.Y.Z", hint="e.g. v1.0.0")
    if opts.owners is not None and not _OWNER_RE.match(opts.owners):
        raise InputError(
            f"--owners {opts.owners!r} is not a GitHub user or team", hint="e.g. @acme/release"
        )


def _workflow(text: str, opts: ScaffoldOptions) -> str:
    if opts.uses is None:
        return text
    source, _, sha = opts.uses.partition("@")
    comment = f"# {opts.uses_version}" if opts.uses_version else "# pinned by releasekit init"
    return text.replace(f"{PLACEHOLDER_USES}/", f"{source}/").replace(
        PLACEHOLDER_REF, f"{sha} {comment}"
    )


def _codeowners(opts: ScaffoldOptions) -> str:
    owners = opts.owners or PLACEHOLDER_OWNERS
    lines = [
        "# Who must review changes to the release process (branch protection:",
        '# "Require review from Code Owners"). A change to the policy or the workflows changes',
        "# what a release needs, so it needs the release managers' review.",
    ]
    lines += [f"/{path:<28} {owners}" for path in PROTECTED]
    return "\n".join(lines) + "\n"


def _version_yaml(opts: ScaffoldOptions) -> str:
    return (
        "# version.yaml: this repository's version record (runbook: Versioning).\n"
        "# `releasekit bump-version` updates it together with CHANGELOG.md.\n"
        f"version: {opts.version}\n"
        f"release_date: {opts.date.isoformat()}\n"
        "changelog:\n"
        f'- "{opts.version}: Release process managed by releasekit"\n'
    )


def _changelog(opts: ScaffoldOptions) -> str:
    return (
        "# Changelog\n\n"
        "All notable changes to this project are documented in this file.\n\n"
        "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n"
        "and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).\n\n"
        "## [Unreleased]\n\n"
        f"## [{opts.version}] - {opts.date.isoformat()}\n\n"
        "### Added\n"
        "- Release process managed by releasekit: release policy, gates and workflows.\n"
    )


def _audit_log(template: str) -> str:
    # The template's example row names a strategy this repository does not have.
    return "\n".join(ln for ln in template.splitlines() if not ln.startswith("| AUD-")) + "\n"


def plan_files(opts: ScaffoldOptions, templates: Mapping[str, str]) -> dict[str, str]:
    """Every file ``init`` would write, by repository-relative path."""
    return {
        ".github/release-policy.yml": templates["release-policy.yml"],
        ".github/workflows/releasekit.yml": _workflow(templates["workflows/releasekit.yml"], opts),
        ".github/workflows/release.yml": _workflow(templates["workflows/release.yml"], opts),
        ".github/CODEOWNERS": _codeowners(opts),
        "version.yaml": _version_yaml(opts),
        "CHANGELOG.md": _changelog(opts),
        "docs/audits/audit_log.md": _audit_log(templates["audit_log.md"]),
        "docs/releasekit-templates/audit_report.md": templates["audit_report.md"],
        "docs/releasekit-templates/paper_reconciliation.md": templates["paper_reconciliation.md"],
        "docs/releasekit-templates/strategy_header.pine": templates["strategy_header.pine"],
    }


def placeholder_findings(opts: ScaffoldOptions) -> list[Finding]:
    """Warnings for what the user still has to fill in by hand."""
    out: list[Finding] = []
    if opts.uses is None:
        out.append(
            finding(
                "INI002",
                "warning",
                f"the workflows call {PLACEHOLDER_USES}@<sha>: replace it with the releasekit "
                "repository and commit you adopt",
                file=".github/workflows/releasekit.yml",
                hint="rerun with --uses OWNER/releasekit@<sha> --uses-version vX.Y.Z --force",
            )
        )
    if opts.owners is None:
        out.append(
            finding(
                "INI002",
                "warning",
                f"CODEOWNERS names {PLACEHOLDER_OWNERS}: replace it with your release managers",
                file=".github/CODEOWNERS",
                hint="rerun with --owners @your-org/your-team --force",
            )
        )
    return out
