"""The release-readiness rules across files (REL0xx) and the check-changelog evaluation.

version.yaml, CHANGELOG.md and the tag must tell one story: the same version, the same date,
and a version bump that fits what the changelog says changed (runbook, "Versioning":
MAJOR for breaking or strategy-logic changes, MINOR for features and parameters, PATCH for
fixes and documentation).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from releasekit.core.collector import collector_paused
from releasekit.core.report import Finding, Report, finding
from releasekit.core.versioning.changelog import Changelog, Release, check_changelog
from releasekit.core.versioning.version_file import VersionFile, check_version_file
from releasekit.core.versioning.versions import (
    BumpKind,
    Version,
    at_least,
    bump_kind,
    parse_version,
    version_key,
)

PATCH_SECTIONS = frozenset({"Fixed", "Security"})


def required_bump(release: Release, *, initial_development: bool = False) -> BumpKind:
    """The smallest bump a release's changes allow.

    Removed or a ``**Breaking:**`` entry needs MAJOR; Added, Changed or Deprecated need at
    least MINOR; only Fixed and Security may ship as a PATCH. In initial development
    (``0.y.z``, SemVer §4) a breaking change needs only MINOR.
    """
    names = release.section_names()
    if "Removed" in names or release.has_breaking():
        return "minor" if initial_development else "major"
    if names - PATCH_SECTIONS:
        return "minor"
    return "patch"


def unreleased_required_bump(cl: Changelog, current: Version) -> BumpKind:
    """The bump that the ``[Unreleased]`` changes require, counted from ``current``."""
    if cl.unreleased is None:
        return "patch"
    return required_bump(cl.unreleased, initial_development=current.major == 0)


def bump_base(cl: Changelog, index: int) -> Release | None:
    """The release a bump is measured from: the nearest older *final* release.

    Pre-releases and hotfixes are skipped so that ``1.2.4`` after ``1.2.4-hotfix`` is measured
    from ``1.2.3`` (a patch), and ``2.0.0`` after ``2.0.0-rc.2`` from ``1.x`` (a major).
    """
    first: Release | None = None
    for r in cl.releases[index + 1 :]:
        if r.key is None:
            continue
        if r.key[3] == 1:  # a final release: no pre-release part
            return r
        first = first or r
    return first


def check_bump(cl: Changelog) -> list[Finding]:
    """REL003: the newest release's version bump fits its sections."""
    if not cl.releases or cl.releases[0].parsed is None:
        return []
    newest = cl.releases[0]
    base = bump_base(cl, 0)
    if base is None or base.parsed is None or newest.parsed is None:
        return []
    kind = bump_kind(base.parsed, newest.parsed)
    if kind is None:
        return []  # order problems are CHG012's
    need = required_bump(newest, initial_development=base.parsed.major == 0)
    if kind == "pre" or at_least(kind, need):
        return []
    why = {
        "major": "it removes something or has a **Breaking:** entry",
        "minor": "it has Added, Changed or Deprecated entries",
        "patch": "",
    }[need]
    return [
        finding(
            "REL003",
            "error",
            f"{newest.version} is a {kind} bump from {base.version}, but {why}, which needs {need}",
            file=cl.shown_as,
            line=newest.line,
            hint=f"release it as a {need} version (bump-version --part {need}) or move the entries",
        )
    ]


def cross_check(cl: Changelog, vf: VersionFile | None, tag: str | None) -> list[Finding]:
    """REL001/2/5/6: version.yaml, the newest changelog release and the tag agree."""
    out: list[Finding] = []
    newest = cl.releases[0] if cl.releases else None
    if vf is not None and vf.parsed_version is not None:
        pv = vf.parsed_version
        if newest is None or newest.parsed != pv:
            shown = newest.version if newest is not None else "no release"
            out.append(
                finding(
                    "REL001",
                    "error",
                    f"version.yaml says {pv}, but the newest CHANGELOG release is {shown}",
                    file=vf.shown_as,
                    line=vf.version_line,
                    hint="run bump-version, or make both files name the same release",
                )
            )
        elif (
            newest.date is not None
            and vf.release_date is not None
            and newest.date != vf.release_date
        ):
            out.append(
                finding(
                    "REL005",
                    "error",
                    f"version.yaml release_date {vf.release_date} differs from the CHANGELOG date"
                    f" {newest.date} of {pv}",
                    file=vf.shown_as,
                    line=vf.release_date_line,
                    hint="use the same date in both files",
                )
            )
        listed = {r.key for r in cl.releases if r.key is not None}
        for e in vf.entries:
            v = parse_version(e.version) if e.version else None
            if v is not None and version_key(str(v)) not in listed:
                out.append(
                    finding(
                        "REL006",
                        "warning",
                        f"version.yaml lists {v}, which has no CHANGELOG release",
                        file=vf.shown_as,
                        line=e.line,
                        hint=f"add a `## [{v}] - YYYY-MM-DD` section to the changelog",
                    )
                )
    if tag is not None:
        expected = (
            vf.parsed_version
            if vf is not None and vf.parsed_version
            else (newest.parsed if newest is not None else None)
        )
        tag_version = parse_version(tag[1:]) if tag.startswith("v") else None
        if tag_version is None:
            out.append(
                finding(
                    "REL002",
                    "error",
                    f"tag {tag!r} is not v + a SemVer version",
                    hint="tag releases vX.Y.Z (runbook, Phase 3)",
                )
            )
        elif expected is not None and tag_version != expected:
            where = vf.shown_as if vf is not None else cl.shown_as
            line = vf.version_line if vf is not None else (newest.line if newest else None)
            out.append(
                finding(
                    "REL002",
                    "error",
                    f"tag {tag} does not match the release being made ({expected})",
                    file=where,
                    line=line,
                    hint=f"tag v{expected}, or bump the files to {tag_version} first",
                )
            )
    return out


def check_unreleased(cl: Changelog) -> list[Finding]:
    """REL004 (PR mode): the ``[Unreleased]`` section must say what the change does."""
    u = cl.unreleased
    if u is not None and u.entry_count > 0:
        return []
    return [
        finding(
            "REL004",
            "error",
            "[Unreleased] has no entries, but this change must add one",
            file=cl.shown_as,
            line=u.line if u is not None else (cl.title_line or 1),
            hint="add a line under `## [Unreleased]` → `### Added`/`### Fixed`/... for this change",
        )
    ]


def releases_data(cl: Changelog) -> list[dict[str, Any]]:
    """The JSON report's ``releases`` list: version, date, line, yanked, in file order."""
    return [
        {"version": r.version, "date": r.date, "line": r.line, "yanked": r.yanked}
        for r in cl.releases
    ]


@collector_paused
def evaluate_release_files(
    cl: Changelog,
    vf: VersionFile | None,
    *,
    as_of: dt.date,
    tag: str | None = None,
    require_unreleased: bool = False,
) -> Report:
    """The check-changelog gate: every CHG, VER and REL rule over the files as given."""
    findings: list[Finding] = check_changelog(cl, as_of=as_of)
    if vf is not None:
        findings += check_version_file(vf, as_of=as_of)
    findings += check_bump(cl)
    findings += cross_check(cl, vf, tag)
    if require_unreleased:
        findings += check_unreleased(cl)
    newest = cl.releases[0] if cl.releases else None
    data: dict[str, Any] = {
        "version": newest.version if newest is not None else None,
        "release_date": newest.date if newest is not None else None,
        "as_of": as_of.isoformat(),
        "tag": tag,
        "unreleased_entries": cl.unreleased.entry_count if cl.unreleased is not None else None,
        "release_count": len(cl.releases),
        "releases": releases_data(cl),
    }
    return Report("check-changelog", cl.shown_as, tuple(findings), data)
