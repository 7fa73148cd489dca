"""The check-changelog gate: CHANGELOG.md, version.yaml and the tag tell one consistent story.

Runbook: Phase 1 ("Update version.yaml", "Update CHANGELOG.md") and the tag-push pipeline's
tag/version/changelog check. In a pull request ``[Unreleased]`` must say what the change does
(REL004), except in a *release PR*: one that changes version.yaml's version from the base
commit's, because bump-version has moved ``[Unreleased]`` into the release's own section.
A tag that reads like a hotfix but is not exactly ``vX.Y.Z-hotfix[.N]`` is refused (HFX008):
the tag workflows run this check before tagging and on the tag push.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from releasekit.core.report import Finding, Report, finding
from releasekit.core.versioning.changelog import Changelog
from releasekit.core.versioning.release_rules import evaluate_release_files
from releasekit.core.versioning.version_file import VersionFile
from releasekit.core.versioning.versions import Version, parse_version
from releasekit.errors import InputError
from releasekit.workspace.release_files import (
    CHANGELOG_NAME,
    load_changelog,
    optional_version_file,
    version_at_ref,
    write_files,
)

BASE_OPTION = "--base"


@dataclass(frozen=True)
class ChangelogRequest:
    """What check-changelog checks, as plain values.

    ``file`` checks that changelog alone (no version.yaml or tag cross-checks). ``tag`` is the
    tag being released, already resolved by the caller (``--tag`` or ``GITHUB_REF``). ``base``
    is the pull request's base commit: with it, a PR that changes the version is a release PR.
    ``notes_out`` receives the release's section when the check passes.
    """

    repo: Path
    as_of: dt.date
    file: Path | None = None
    tag: str | None = None
    require_unreleased: bool = False
    base: str | None = None
    notes_out: Path | None = None


def check_changelog(request: ChangelogRequest) -> Report:
    """Read the release files, evaluate every CHG/VER/REL rule, and write notes if asked."""
    if request.file is not None:
        cl = load_changelog(request.file)
        vf = None
    else:
        cl = load_changelog(request.repo / CHANGELOG_NAME)
        vf = optional_version_file(request.repo)
    require = request.require_unreleased
    extra: list[Finding] = []
    release_pr: bool | None = None
    if require and request.base is not None:
        notice = _release_pr(request.repo, request.base, vf)
        release_pr = notice is not None
        if notice is not None:
            require = False
            extra.append(notice)
    if request.tag is not None:
        # Imported for a tag only: the hotfix rules bring in the rollout controller and its
        # JSON Schema validator (40 ms), which checking the files alone never needs.
        from releasekit.core.rollout.hotfix import is_hotfix_lookalike, lookalike_finding

        if is_hotfix_lookalike(request.tag):
            # A hotfix tag spelled otherwise would ship like a hotfix and escape its deadlines.
            extra.append(lookalike_finding(request.tag))
    report = evaluate_release_files(
        cl, vf, as_of=request.as_of, tag=request.tag, require_unreleased=require
    ).with_findings(extra)
    if release_pr is not None:
        report = report.with_data(release_pr=release_pr)
    if request.notes_out is not None and report.verdict == "pass":
        notes = release_notes(cl, vf, request.tag)
        write_files({request.notes_out: notes})
        report = report.with_data(notes_path=str(request.notes_out))
    return report


def _release_pr(repo: Path, base: str, vf: VersionFile | None) -> Finding | None:
    """REL008 when the PR changes version.yaml's version from ``base``'s (a release PR)."""
    now: Version | None = vf.parsed_version if vf is not None else None
    before = version_at_ref(repo, base, option=BASE_OPTION)
    if vf is None or now is None or now == before:
        return None
    was = str(before) if before is not None else "none"
    return finding(
        "REL008",
        "notice",
        f"release PR: version.yaml goes from {was} to {now}, so [Unreleased] has moved into"
        f" [{now}] and may be empty",
        file=vf.shown_as,
        line=vf.version_line,
        hint="a change PR (one that leaves version.yaml's version alone) needs its"
        " [Unreleased] entry",
    )


def release_notes(cl: Changelog, vf: VersionFile | None, tag: str | None) -> str:
    """The section of the release being made (the tag's, else version.yaml's, else the newest)."""
    wanted = (
        parse_version(tag[1:])
        if tag and tag.startswith("v")
        else (vf.parsed_version if vf is not None else None)
    )
    release = (
        cl.release(wanted) if wanted is not None else (cl.releases[0] if cl.releases else None)
    )
    if release is None:
        # A release's section goes below [Unreleased] (else below the title): point there.
        below = cl.unreleased.line if cl.unreleased is not None else cl.title_line
        raise InputError(
            "no release to write notes for"
            + (f": the changelog has no [{wanted}] section" if wanted is not None else ""),
            file=cl.shown_as,
            line=below or 1,
            hint="add the release section before asking for its notes",
        )
    return cl.notes(release)
