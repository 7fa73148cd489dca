"""``version.yaml``, the runbook's version record, parsed and checked (rules VER0xx).

The runbook's format::

    version: 1.2.3
    release_date: 2024-01-15
    changelog:
    - "1.2.3: Fixed timeout handling in webhook"
    - "1.2.2: Added kill switch API endpoint"

Scalars are read as written (``version: 1.10`` is the string ``1.10``, which is not SemVer,
rather than the float ``1.1`` YAML would make of it).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from releasekit.core.dates import parse_iso_date
from releasekit.core.report import Finding, finding
from releasekit.core.versioning.versions import Version, parse_version
from releasekit.errors import InputError

if TYPE_CHECKING:
    from releasekit.core.yamldoc import YamlDoc

KNOWN_KEYS = ("version", "release_date", "changelog")
_ENTRY_RE = re.compile(r"^(?P<version>\S+?):\s+(?P<text>\S.*)$", re.DOTALL)


@dataclass(frozen=True)
class VersionEntry:
    """One ``"X.Y.Z: text"`` line of the changelog list."""

    raw: str
    version: str | None
    text: str
    line: int


@dataclass(frozen=True)
class VersionFile:
    """The parsed ``version.yaml``: values as written plus the line of each."""

    shown_as: str
    version: str | None
    version_line: int | None
    release_date: str | None
    release_date_line: int | None
    entries: tuple[VersionEntry, ...]
    changelog_line: int | None
    unknown_keys: tuple[tuple[str, int], ...]

    @property
    def parsed_version(self) -> Version | None:
        """``version`` as a SemVer version, or None when missing or invalid."""
        return None if self.version is None else parse_version(self.version)

    @property
    def parsed_date(self) -> dt.date | None:
        """``release_date`` as a date, or None when missing or invalid."""
        return parse_iso_date(self.release_date)


def parse_version_file(text: str, *, shown_as: str) -> VersionFile:
    """Parse ``version.yaml``; raises ``InputError`` only when it is not a YAML mapping."""
    # Imported here: PyYAML's import is a quarter of check-changelog's start-up, and a
    # changelog-only run (--file) never reads YAML.
    from releasekit.core.yamldoc import parse_yaml

    doc = parse_yaml(text, shown_as=shown_as)
    if not isinstance(doc.data, dict):
        raise InputError(
            "version.yaml must be a mapping with version, release_date and changelog",
            file=shown_as,
            line=doc.line_of() or 1,
            hint="start from docs/templates/version.yaml",
        )
    unknown = tuple(
        (str(k), doc.line_of(str(k)) or 1) for k in doc.data if str(k) not in KNOWN_KEYS
    )
    return VersionFile(
        shown_as=shown_as,
        version=doc.raw_scalar("version"),
        version_line=doc.line_of("version"),
        release_date=doc.raw_scalar("release_date"),
        release_date_line=doc.line_of("release_date"),
        entries=_entries(doc),
        changelog_line=doc.line_of("changelog"),
        unknown_keys=unknown,
    )


def _entries(doc: YamlDoc) -> tuple[VersionEntry, ...]:
    items = doc.data.get("changelog")
    if not isinstance(items, list):
        return ()
    out = []
    for i, _ in enumerate(items):
        raw = doc.raw_scalar("changelog", i)
        line = doc.line_of("changelog", i) or 1
        m = _ENTRY_RE.match(raw) if raw is not None else None
        if raw is None or m is None:
            out.append(VersionEntry(raw or "", None, "", line))
        else:
            out.append(VersionEntry(raw, m.group("version"), m.group("text"), line))
    return tuple(out)


def check_version_file(vf: VersionFile, *, as_of: dt.date) -> list[Finding]:
    """Rules VER001–VER008 over a parsed ``version.yaml``."""
    f = vf.shown_as
    out: list[Finding] = []
    if vf.version is None:
        out.append(
            finding(
                "VER001",
                "error",
                "`version` is missing",
                file=f,
                line=1,
                hint="add `version: X.Y.Z` (the release being made)",
            )
        )
    elif vf.parsed_version is None:
        out.append(
            finding(
                "VER001",
                "error",
                f"`version` {vf.version!r} is not a SemVer 2.0.0 version",
                file=f,
                line=vf.version_line,
                hint="write MAJOR.MINOR.PATCH, e.g. 1.2.3 (no 'v', no leading zeros)",
            )
        )
    date = vf.parsed_date
    if vf.release_date is None:
        out.append(
            finding(
                "VER002",
                "error",
                "`release_date` is missing",
                file=f,
                line=1,
                hint="add `release_date: YYYY-MM-DD`",
            )
        )
    elif date is None:
        out.append(
            finding(
                "VER002",
                "error",
                f"`release_date` {vf.release_date!r} is not a calendar date YYYY-MM-DD",
                file=f,
                line=vf.release_date_line,
                hint="write e.g. 2024-01-15",
            )
        )
    elif date > as_of:
        out.append(
            finding(
                "VER008",
                "error",
                f"`release_date` {date} is after {as_of} (the as-of date)",
                file=f,
                line=vf.release_date_line,
                hint="a release cannot be dated in the future; use the day it ships",
            )
        )
    if vf.changelog_line is None:
        out.append(
            finding(
                "VER003",
                "error",
                "`changelog` list is missing",
                file=f,
                line=1,
                hint='add `changelog:` with entries like `- "1.2.3: what changed"`',
            )
        )
    out += _check_entries(vf)
    for key, line in vf.unknown_keys:
        out.append(
            finding(
                "VER007",
                "warning",
                f"unknown key `{key}`",
                file=f,
                line=line,
                hint="version.yaml holds only version, release_date and changelog",
            )
        )
    return out


def _check_entries(vf: VersionFile) -> list[Finding]:
    f = vf.shown_as
    out: list[Finding] = []
    previous: tuple[Version, int] | None = None
    seen: dict[Version, int] = {}
    for e in vf.entries:
        if e.version is None:
            out.append(
                finding(
                    "VER003",
                    "error",
                    f'changelog entry {e.raw!r} is not "X.Y.Z: text"',
                    file=f,
                    line=e.line,
                    hint='write `- "1.2.3: what changed"`',
                )
            )
            continue
        v = parse_version(e.version)
        if v is None:
            out.append(
                finding(
                    "VER004",
                    "error",
                    f"changelog entry version {e.version!r} is not SemVer 2.0.0",
                    file=f,
                    line=e.line,
                    hint="write MAJOR.MINOR.PATCH, e.g. 1.2.3",
                )
            )
            continue
        if v in seen:
            out.append(
                finding(
                    "VER005",
                    "error",
                    f"version {v} is listed twice (also on line {seen[v]})",
                    file=f,
                    line=e.line,
                    hint="keep one entry per version",
                )
            )
        elif previous is not None and v > previous[0]:
            out.append(
                finding(
                    "VER005",
                    "error",
                    f"entries must be newest first: {v} comes after {previous[0]}",
                    file=f,
                    line=e.line,
                    hint="order the changelog list newest first",
                )
            )
        seen.setdefault(v, e.line)
        previous = (v, e.line)
    first = vf.entries[0] if vf.entries else None
    pv = vf.parsed_version
    if pv is not None and vf.changelog_line is not None:
        if first is None:
            out.append(
                finding(
                    "VER006",
                    "error",
                    f"the changelog list has no entry for {pv}",
                    file=f,
                    line=vf.changelog_line,
                    hint=f'add `- "{pv}: what changed"` at the top',
                )
            )
        elif first.version is not None and parse_version(first.version) != pv:
            out.append(
                finding(
                    "VER006",
                    "error",
                    f"the first changelog entry is {first.version}, but `version` is {pv}",
                    file=f,
                    line=first.line,
                    hint=f'add `- "{pv}: what changed"` at the top of the list',
                )
            )
    return out
