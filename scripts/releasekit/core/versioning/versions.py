"""SemVer 2.0.0 versions, and the runbook's hotfix tags placed where they belong.

The runbook tags an emergency fix of ``1.2.3`` as ``v1.2.4-hotfix``. SemVer precedence puts
``1.2.4-hotfix`` after ``1.2.3`` and before ``1.2.4``, which is exactly the order we need:
the hotfix comes after the release it fixes, and the proper follow-up release ``1.2.4`` is
greater than the hotfix. What SemVer gets wrong for us is *status*: it calls the hotfix a
pre-release, but it runs in production. So ``is_production`` treats ``-hotfix`` and
``-hotfix.N`` as production releases, and ``next_version`` knows how to leave a hotfix.
"""

from __future__ import annotations

import re
from typing import Literal

import semver

from releasekit.errors import InputError

Part = Literal["major", "minor", "patch"]
BumpKind = Literal["major", "minor", "patch", "pre"]
PARTS: tuple[Part, ...] = ("major", "minor", "patch")
_RANK: dict[BumpKind, int] = {"pre": 0, "patch": 1, "minor": 2, "major": 3}

HOTFIX_LABEL = "hotfix"
_HOTFIX_RE = re.compile(r"^hotfix(?:\.([1-9][0-9]*))?$")
_LABEL_RE = re.compile(r"^[0-9A-Za-z-]+$")

Version = semver.Version

# The regular expression published with SemVer 2.0.0 (semver.org, "Is there a suggested regular
# expression"). Used for ordering keys, which are about 10x cheaper than semver.Version objects:
# a 10,000-release changelog is ordered in milliseconds.
_SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
PrereleaseKey = tuple[tuple[int, int | str], ...]
VersionKey = tuple[int, int, int, int, PrereleaseKey]


def version_key(text: str) -> VersionKey | None:
    """A tuple that orders exactly as SemVer 2.0.0 precedence, or None when not SemVer.

    ``(major, minor, patch, is_final, prerelease)``: a final release sorts after its
    pre-releases (``is_final`` 1 vs 0); numeric identifiers sort before alphanumeric ones
    (``(0, n)`` vs ``(1, s)``); a shorter identifier list sorts first when all else is equal,
    which Python's tuple comparison already does. Build metadata is ignored, as SemVer says.
    """
    m = _SEMVER_RE.match(text)
    if m is None:
        return None
    pre = m.group(4)
    if pre is None:
        return (int(m.group(1)), int(m.group(2)), int(m.group(3)), 1, ())
    ids: PrereleaseKey = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split("."))
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), 0, ids)


def parse_version(text: str) -> Version | None:
    """The strict SemVer 2.0.0 version in ``text``, or None (no ``v`` prefix, no shortcuts)."""
    try:
        return semver.Version.parse(text)
    except (ValueError, TypeError):
        return None


def hotfix_number(v: Version) -> int | None:
    """1 for ``X.Y.Z-hotfix``, N for ``X.Y.Z-hotfix.N``, None for anything else."""
    if v.prerelease is None:
        return None
    m = _HOTFIX_RE.match(v.prerelease)
    if m is None:
        return None
    return int(m.group(1) or 1)


def is_hotfix(v: Version) -> bool:
    """Whether ``v`` is a runbook hotfix version (``X.Y.Z-hotfix[.N]``)."""
    return hotfix_number(v) is not None


def is_production(v: Version) -> bool:
    """A final release or a hotfix: what may run with real money (pre-releases may not)."""
    return v.prerelease is None or is_hotfix(v)


def bump_kind(old: Version, new: Version) -> BumpKind | None:
    """Which part changed from ``old`` to ``new`` (None when ``new`` is not greater)."""
    if new <= old:
        return None
    if new.major != old.major:
        return "major"
    if new.minor != old.minor:
        return "minor"
    if new.patch != old.patch:
        return "patch"
    return "pre"


def at_least(kind: BumpKind, required: BumpKind) -> bool:
    """Whether a bump of ``kind`` is as big as ``required``."""
    return _RANK[kind] >= _RANK[required]


def next_version(
    current: Version, part: Part, *, hotfix: bool = False, pre: str | None = None
) -> Version:
    """The version after ``current``.

    * ``hotfix``: ``1.2.3`` → ``1.2.4-hotfix``; ``1.2.4-hotfix`` → ``1.2.4-hotfix.2``.
      Hotfixes are cut from production releases only. ``part`` is ignored.
    * otherwise the SemVer next version for ``part``: a pre-release or hotfix is finalised
      (``1.2.4-hotfix`` + patch → ``1.2.4``, the proper release the runbook requires within
      48 hours); a final release is incremented.
    * ``pre``: the result becomes a pre-release ``-LABEL.1``, or ``-LABEL.N+1`` when
      ``current`` is already ``-LABEL.N`` of the same target.
    """
    if hotfix:
        if pre is not None:
            raise InputError("--hotfix and --pre cannot be combined", hint="choose one")
        n = hotfix_number(current)
        if n is not None:
            return current.replace(prerelease=f"{HOTFIX_LABEL}.{n + 1}", build=None)
        if current.prerelease is not None:
            raise InputError(
                f"cannot cut a hotfix from pre-release {current}",
                hint="hotfixes start from the production release tag (runbook: Emergency Release)",
            )
        return current.bump_patch().replace(prerelease=HOTFIX_LABEL)
    target = current.next_version(part).replace(build=None)
    if pre is None:
        return target
    if not _LABEL_RE.match(pre) or pre.isdigit() or pre.startswith(HOTFIX_LABEL):
        raise InputError(
            f"pre-release label {pre!r} is not allowed",
            hint="use letters, digits and '-' (e.g. rc, beta); 'hotfix' is reserved for --hotfix",
        )
    if current.prerelease is not None and current.finalize_version() == target:
        label, _, num = current.prerelease.partition(".")
        if label == pre and num.isdigit():
            return target.replace(prerelease=f"{pre}.{int(num) + 1}")
    result = target.replace(prerelease=f"{pre}.1")
    if result <= current:
        # e.g. 0.2.0-rc.1 with --pre beta: 0.2.0-beta.1 sorts below rc.1 in SemVer.
        raise InputError(
            f"{result} would not be greater than {current}",
            hint=f"use a label that sorts after {current.prerelease!r}, or bump --part further",
        )
    return result
