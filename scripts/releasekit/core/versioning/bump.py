"""Cutting a release as text edits: the pure half of ``bump-version`` (rules BMP0xx).

Runbook, Phase 1 ("Update version.yaml", "Update CHANGELOG.md") and Emergency Release
("Tag and deploy ``v1.2.4-hotfix``"): the ``[Unreleased]`` entries become a dated release,
version.yaml gets the new ``version``, ``release_date`` and changelog line, and an optional
strategy file gets its new ``// Version:`` header.

Every edit is textual. version.yaml is never round-tripped through ``yaml.dump`` (that would
drop its comments, blank lines and quoting); the YAML node marks say exactly which characters
hold each value, and only those characters change. The result is checked twice: the files
as they stand must pass the check-changelog evaluation, and so must the edited text, in
memory, before anything is written — so "bump, then check" passes by construction.

Why this file is long: the three files a release edits (version.yaml, CHANGELOG.md, a
strategy header) are edited and re-checked together, and the plan, the edits and the
evaluation that refuses a half-consistent result share one set of types.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from releasekit.core.report import Finding, Report, finding
from releasekit.core.versioning.changelog import Changelog, LinkDef, Release, parse_changelog
from releasekit.core.versioning.release_rules import evaluate_release_files, required_bump
from releasekit.core.versioning.version_file import VersionFile, parse_version_file
from releasekit.core.versioning.versions import (
    PARTS,
    BumpKind,
    Part,
    Version,
    at_least,
    bump_kind,
    next_version,
    parse_version,
)
from releasekit.errors import InputError, Problem

if TYPE_CHECKING:
    import yaml

TOOL = "bump-version"

PartChoice = Literal["major", "minor", "patch", "auto"]
PART_CHOICES: tuple[PartChoice, ...] = get_args(PartChoice)

# Strategy names come from the command line and end up in file searches and messages.
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # always fullmatch: "$" allows a "\n"
SUMMARY_MAX = 200
# A derived summary is a one-line label in version.yaml, not the whole changelog entry.
DERIVED_SUMMARY_MAX = 100
# Where the runbook keeps strategy files (strategies/pine_v6/ict_qm.pine) and their suffix.
STRATEGIES_DIR = "strategies"
STRATEGY_SUFFIX = ".pine"

_STRATEGY_LINE = re.compile(r"^\s*//\s*Strategy:\s*(?P<name>\S+)\s*$")
_VERSION_LINE = re.compile(r"^(?P<lead>\s*//\s*Version:\s*)(?P<version>\S+)(?P<trail>\s*)$")
_COMMENT_OR_BLANK = re.compile(r"^\s*(?://.*)?$")
_COMPARE_URL = re.compile(
    r"^(?P<base>.+?)/compare/(?P<old>[^/?#]+?)(?P<dots>\.{2,3})(?P<new>[^/?#]+)$"
)
# The version at the end of a tag name in a compare URL: v1.2.3, pkg@v1.2.3, release-1.2.3.
_TAG_VERSION = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_LOOKS_VERSION = re.compile(r"^[vV]?\d+(?:\.\d+)+")
_BLOCK_ITEM_PREFIX = re.compile(r"^[ \t]*-[ \t]+$")
_DEFAULT_TAG_PREFIX = "v"


@dataclass(frozen=True)
class SourceFile:
    """A file's text and the name findings use for it (``cli.loaders.shown``)."""

    name: str
    text: str


@dataclass(frozen=True)
class BumpRequest:
    """What the release manager asked for (the command line, validated by ``plan_bump``)."""

    date: dt.date
    part: PartChoice = "auto"
    hotfix: bool = False
    pre: str | None = None
    summary: str | None = None
    allow_empty: bool = False


@dataclass(frozen=True)
class StrategyChange:
    """``--strategy NAME --strategy-version X.Y.Z|major|minor|patch`` and the file found."""

    name: str
    target: str
    file: SourceFile


@dataclass(frozen=True)
class StrategyHeader:
    """The runbook's Pine header (``// Strategy: ICT_QM``, ``// Version: 2.1.0``)."""

    name: str
    name_line: int
    version: str | None
    version_line: int | None


@dataclass(frozen=True)
class BumpPlan:
    """The version arithmetic of a bump, and the BMP findings that block it."""

    previous: Version
    version: Version
    part: str
    required: BumpKind
    base: Version | None
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class BumpOutcome:
    """The gate's report plus, when it passed, the new text of each changed file."""

    report: Report
    changes: Mapping[str, str] = field(default_factory=dict)
    diff: str = ""


# --------------------------------------------------------------------------------------------
# Validation of arguments


def validate_identifier(name: str, *, option: str) -> str:
    """``name`` when it is an identifier ``[A-Za-z][A-Za-z0-9_]*``, else an ``InputError``."""
    if not IDENTIFIER.fullmatch(name):
        raise InputError(
            f"{option} {name!r} is not a strategy name",
            hint="use the name from the file's `// Strategy:` header, e.g. ICT_QM "
            "(letters, digits and '_', starting with a letter)",
        )
    return name


def validate_summary(text: str) -> str:
    """A summary fit for one version.yaml line: printable, one line, not empty, not huge."""
    summary = " ".join(text.split())
    if not summary:
        raise InputError("--summary is empty", hint="say in a few words what the release does")
    if not summary.isprintable():
        raise InputError(
            "--summary contains control characters",
            hint="write plain text on one line",
        )
    if len(summary) > SUMMARY_MAX:
        raise InputError(
            f"--summary is {len(summary)} characters, over {SUMMARY_MAX}",
            hint="keep it to one line; the CHANGELOG holds the details",
        )
    return summary


def derive_summary(release: Release) -> str | None:
    """The first non-blank entry of ``release`` as a one-line summary (None when there is none).

    Whitespace is collapsed, a trailing full stop dropped, and text over
    ``DERIVED_SUMMARY_MAX`` characters cut at a word boundary with an ellipsis.
    """
    texts = (
        " ".join(e.text.split()).rstrip(".").strip() for s in release.sections for e in s.entries
    )
    text = next((t for t in texts if t and t.isprintable()), None)
    if text is None:
        return None
    if len(text) > DERIVED_SUMMARY_MAX:
        cut = text[: DERIVED_SUMMARY_MAX - 1]
        cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
        text = cut.rstrip(" ,;:") + "…"
    return text


# --------------------------------------------------------------------------------------------
# Version arithmetic


def current_version(cl: Changelog, vf: VersionFile | None) -> Version:
    """version.yaml's ``version``, else the newest CHANGELOG release, else 0.0.0.

    0.0.0 stands for "nothing released yet", so the first ``--part minor`` makes 0.1.0.
    """
    if vf is not None:
        pv = vf.parsed_version
        if pv is None:
            raise InputError(
                f"version.yaml `version` {vf.version!r} is not a SemVer version",
                file=vf.shown_as,
                line=vf.version_line,
                hint="write MAJOR.MINOR.PATCH, e.g. 1.2.3",
            )
        return pv
    newest = next((r.parsed for r in cl.releases if r.parsed is not None), None)
    return newest if newest is not None else Version(0, 0, 0)


def _base_version(cl: Changelog, current: Version) -> Version:
    """What the new release is measured from, the way REL003 will measure it afterwards.

    The nearest *final* release (so 1.2.4 after 1.2.4-hotfix is a patch from 1.2.3), else
    the newest release, else ``current`` (0.0.0 in a repository with no release yet).
    """
    # Chosen by the ordering keys (a final release's key says so); only the chosen release's
    # version is parsed, not every release's (10,000 semver parses in a long changelog).
    semver_releases = [r for r in cl.releases if r.key is not None]
    final = next((r for r in semver_releases if r.key is not None and r.key[3] == 1), None)
    chosen = final or (semver_releases[0] if semver_releases else None)
    version = chosen.parsed if chosen is not None else None
    return version if version is not None else current


def plan_bump(cl: Changelog, vf: VersionFile | None, request: BumpRequest) -> BumpPlan:
    """The next version, the part used, and the BMP001/BMP002 findings that block the bump."""
    if request.hotfix and request.part not in ("auto", "patch"):
        raise InputError(
            f"--hotfix cannot be combined with --part {request.part}",
            hint="a hotfix is always X.Y.(Z+1)-hotfix (runbook: Emergency Release); drop --part",
        )
    previous = current_version(cl, vf)
    base = _base_version(cl, previous)
    unreleased = cl.unreleased
    required: BumpKind = (
        "patch"
        if unreleased is None
        else required_bump(unreleased, initial_development=base.major == 0)
    )
    part: Part = (
        "patch"
        if request.hotfix
        else (_as_part(required) if request.part == "auto" else request.part)
    )
    # next_version refuses a result that would not sort above the current version.
    version = next_version(previous, part, hotfix=request.hotfix, pre=request.pre)
    shown_part = "hotfix" if request.hotfix else part
    findings: list[Finding] = []
    line = unreleased.line if unreleased is not None else None
    if unreleased is not None and unreleased.entry_count == 0 and not request.allow_empty:
        findings.append(
            finding(
                "BMP002",
                "error",
                "[Unreleased] has no entries: there is nothing to release",
                file=cl.shown_as,
                line=line,
                hint="list the changes under `## [Unreleased]` first, "
                "or pass --allow-empty (with --summary) for a release without entries",
            )
        )
    kind = bump_kind(base, version)
    if kind is not None and kind != "pre" and not at_least(kind, required):
        findings.append(_too_small(cl, line, previous, version, kind, required, request.hotfix))
    return BumpPlan(previous, version, shown_part, required, base, tuple(findings))


def _as_part(kind: BumpKind) -> Part:
    # required_bump never answers "pre"; a pre-release needs at least a patch target anyway.
    return "patch" if kind == "pre" else kind


def _too_small(
    cl: Changelog,
    line: int | None,
    previous: Version,
    version: Version,
    kind: BumpKind,
    required: BumpKind,
    hotfix: bool,
) -> Finding:
    why = {
        "major": "removes something or has a **Breaking:** entry",
        "minor": "has Added, Changed or Deprecated entries",
        "patch": "has entries",
        "pre": "has entries",
    }[required]
    if hotfix:
        return finding(
            "BMP001",
            "error",
            f"a hotfix ({previous} → {version}) is a patch, but [Unreleased] {why}, "
            f"which needs {required}",
            file=cl.shown_as,
            line=line,
            hint="a hotfix carries only Fixed/Security entries (runbook: Make minimal fix); move "
            f"the other entries out, or cut a normal release with --part {required}",
        )
    return finding(
        "BMP001",
        "error",
        f"{previous} → {version} is a {kind} bump, but [Unreleased] {why}, which needs {required}",
        file=cl.shown_as,
        line=line,
        hint=f"use --part {required} (or --part auto), or move the entries that need it",
    )


def next_strategy_version(current: str, target: str, *, shown_as: str, line: int) -> Version:
    """The strategy's new version: ``target`` itself (``X.Y.Z``) or ``current`` bumped by it."""
    cur = parse_version(current)
    if cur is None:
        raise InputError(
            f"the strategy's `// Version:` {current!r} is not a SemVer version",
            file=shown_as,
            line=line,
            hint="write `// Version: MAJOR.MINOR.PATCH`, e.g. 2.1.0",
        )
    if target in PARTS:
        return next_version(cur, target)
    explicit = parse_version(target)
    if explicit is None:
        raise InputError(
            f"--strategy-version {target!r} is neither a SemVer version nor major/minor/patch",
            hint="write e.g. --strategy-version 2.2.0 or --strategy-version minor",
        )
    return explicit


# --------------------------------------------------------------------------------------------
# version.yaml


def _quote(value: str, style: str) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cannot_edit(shown_as: str, node: yaml.Node, what: str) -> InputError:
    return InputError(
        f"cannot edit {what} in place: it is not written on one line as a plain or quoted value",
        file=shown_as,
        line=node.start_mark.line + 1,
        hint=f'write it as `{what}: value` or `{what}: "value"` on one line',
    )


def _scalar_edit(
    text: str, node: yaml.Node, value: str, *, shown_as: str, what: str
) -> tuple[int, int, str]:
    """(start, end, replacement) for a one-line scalar, keeping its tag and quote style."""
    import yaml  # only when version.yaml is edited: reading the files does not need PyYAML

    if not isinstance(node, yaml.ScalarNode):
        raise _cannot_edit(shown_as, node, what)
    start, end = node.start_mark.index, node.end_mark.index
    span = text[start:end]
    if "\n" in span:
        raise _cannot_edit(shown_as, node, what)
    if node.style is None:  # plain: the value is the span's tail (after an optional !!tag)
        if not span.endswith(node.value):
            raise _cannot_edit(shown_as, node, what)
        return end - len(node.value), end, value
    if node.style in ('"', "'"):
        return start + span.index(node.style), end, _quote(value, node.style)
    raise _cannot_edit(shown_as, node, what)


def _list_insert(
    text: str, seq: yaml.SequenceNode, item: str, *, shown_as: str
) -> tuple[int, int, str]:
    """(start, start, insertion) putting ``item`` first in the list, styled like its items."""
    import yaml

    first = seq.value[0]
    style = first.style if isinstance(first, yaml.ScalarNode) else None
    quoted = _quote(item, style if style in ('"', "'") else '"')
    at = first.start_mark.index
    line_start = text.rfind("\n", 0, at) + 1
    prefix = text[line_start:at]
    if seq.flow_style:
        # [a, b] gains "new", in front; a list with one item per line gains a line.
        if prefix.strip() == "":
            return at, at, f"{quoted},\n{prefix}"
        return at, at, f"{quoted}, "
    if not _BLOCK_ITEM_PREFIX.match(prefix):
        raise InputError(
            "cannot add the changelog entry in place: the first item is not a `- ` line",
            file=shown_as,
            line=first.start_mark.line + 1,
            hint='write the list as `- "X.Y.Z: text"` lines',
        )
    return line_start, line_start, f"{prefix}{quoted}\n"


def bump_version_file(
    text: str, *, shown_as: str, version: Version, date: dt.date, summary: str
) -> str:
    """version.yaml with new ``version`` and ``release_date`` and ``"X.Y.Z: summary"`` on top.

    Only the characters of the two values change and one list item is added; comments, key
    order, blank lines and each value's quoting stay as they were.
    """
    import yaml

    from releasekit.core.yamldoc import parse_yaml

    doc = parse_yaml(text, shown_as=shown_as)
    edits: list[tuple[int, int, str]] = []
    for key, value in (("version", str(version)), ("release_date", date.isoformat())):
        node = doc.node_at(key)
        if node is None:
            raise InputError(f"version.yaml has no `{key}`", file=shown_as, line=1)
        edits.append(_scalar_edit(text, node, value, shown_as=shown_as, what=key))
    seq = doc.node_at("changelog")
    if not isinstance(seq, yaml.SequenceNode) or not seq.value:
        raise InputError(
            "version.yaml `changelog` is not a non-empty list",
            file=shown_as,
            line=doc.line_of("changelog") or 1,
            hint='write it as `changelog:` followed by `- "X.Y.Z: text"` lines',
        )
    entry = f"{version}: {summary}"
    edits.append(_list_insert(text, seq, entry, shown_as=shown_as))
    out = text
    for start, end, replacement in sorted(edits, reverse=True):
        out = out[:start] + replacement + out[end:]
    _verify_version_file(text, out, shown_as=shown_as, version=version, date=date, entry=entry)
    return out


def _verify_version_file(
    old: str, new: str, *, shown_as: str, version: Version, date: dt.date, entry: str
) -> None:
    """Re-read the edited text: the three values must be exactly what we meant to write."""
    before = parse_version_file(old, shown_as=shown_as)
    after = parse_version_file(new, shown_as=shown_as)
    ok = (
        after.version == str(version)
        and after.release_date == date.isoformat()
        and [e.raw for e in after.entries] == [entry, *(e.raw for e in before.entries)]
    )
    if not ok:
        raise InputError(
            "version.yaml's layout could not be edited safely; nothing was written",
            file=shown_as,
            hint="simplify the file to the runbook's layout (docs/bump-version.md), or edit it "
            "by hand",
        )


# --------------------------------------------------------------------------------------------
# CHANGELOG.md


@dataclass(frozen=True)
class _LinkPattern:
    """How a changelog spells its compare links, learnt from one existing link."""

    base: str
    tag_prefix: str
    dots: str
    head: str


def _strip_v(label: str) -> str:
    return label[1:] if label[:1] in ("v", "V") and label[1:2].isdigit() else label


def _pattern_from(url: str | None, *, newest: bool) -> _LinkPattern | None:
    """Learn the pattern from the [Unreleased] link (``newest=False``) or the newest release's."""
    m = _COMPARE_URL.match(url or "")
    if m is None:
        return None
    token = m.group("new") if newest else m.group("old")
    tm = _TAG_VERSION.search(token)
    prefix = token[: tm.start()] if tm else _DEFAULT_TAG_PREFIX
    head = "HEAD" if newest else m.group("new")
    return _LinkPattern(m.group("base"), prefix, m.group("dots"), head)


def _release_url(p: _LinkPattern, previous: str | None, version: Version) -> str:
    tag = f"{p.tag_prefix}{version}"
    if previous is not None:
        return f"{p.base}/compare/{p.tag_prefix}{previous}{p.dots}{tag}"
    # The first release has nothing to compare with: link its tag (GitLab spells it /-/tags/).
    return f"{p.base}/tags/{tag}" if p.base.endswith("/-") else f"{p.base}/releases/tag/{tag}"


def _swap_url(line: str, old: str, new: str) -> str:
    head, sep, tail = line.partition("]:")
    if sep:
        return head + sep + tail.replace(old, new, 1)
    return line.replace(old, new, 1)


_Op = tuple[int, int, list[str]]  # (0-based line index, lines replaced, new lines)


def _link_ops(
    cl: Changelog, unreleased: Release, version: Version
) -> tuple[list[_Op], str | None, list[Finding]]:
    """Line edits for the compare links, the new heading's inline link, and BMP004 if stuck."""
    newest = cl.releases[0] if cl.releases else None
    defs = {_strip_v(d.label).casefold(): d for d in reversed(cl.link_defs)}
    u_def = defs.get(unreleased.version.casefold())
    n_def = defs.get(newest.version.casefold()) if newest is not None else None
    version_defs = [d for d in cl.link_defs if _LOOKS_VERSION.match(d.label)]
    inline_style = (
        newest.inline_link if newest is not None else unreleased.inline_link
    ) is not None
    if not (u_def or version_defs or inline_style or unreleased.inline_link):
        return [], None, []  # the file does not link its versions
    pattern = (
        _pattern_from(u_def.url if u_def else None, newest=False)
        or _pattern_from(unreleased.inline_link, newest=False)
        or _pattern_from(n_def.url if n_def else None, newest=True)
        or _pattern_from(newest.inline_link if newest else None, newest=True)
    )
    if pattern is None:
        where = u_def or n_def
        stuck = finding(
            "BMP004",
            "warning",
            f"the compare links were not updated for {version}: none of them has the "
            "form <repo URL>/compare/<tag>...<tag>",
            file=cl.shown_as,
            line=where.line if where is not None else unreleased.line,
            hint=f"add `[{version}]: <compare URL>` and point [Unreleased] at v{version} by hand",
        )
        return [], None, [stuck]
    ops: list[_Op] = []
    unreleased_url = f"{pattern.base}/compare/{pattern.tag_prefix}{version}{pattern.dots}"
    unreleased_url += pattern.head
    release_url = _release_url(pattern, newest.version if newest else None, version)
    if u_def is not None and _COMPARE_URL.match(u_def.url):
        i = u_def.line - 1
        ops.append((i, 1, [_swap_url(cl.lines[i], u_def.url, unreleased_url)]))
    if unreleased.inline_link is not None and _COMPARE_URL.match(unreleased.inline_link):
        i = unreleased.line - 1
        ops.append((i, 1, [cl.lines[i].replace(unreleased.inline_link, unreleased_url, 1)]))
    if inline_style:
        return ops, release_url, []
    # A file that links its versions but lacks the [Unreleased] definition gets one on top.
    missing_unreleased = u_def is None and unreleased.bracketed and unreleased.inline_link is None
    extra = [f"[{unreleased.version}]: {unreleased_url}"] if missing_unreleased else []
    ops.append(_new_def_op(cl, defs, u_def, n_def, version_defs, version, release_url, extra))
    return ops, None, []


def _new_def_op(
    cl: Changelog,
    defs: dict[str, LinkDef],
    u_def: LinkDef | None,
    n_def: LinkDef | None,
    version_defs: list[LinkDef],
    version: Version,
    url: str,
    before: list[str],
) -> _Op:
    """Insert ``[X.Y.Z]: url`` newest-first (or fix a stale definition already there).

    ``before`` are definitions that belong above it (a missing ``[Unreleased]``).
    """
    existing = defs.get(str(version).casefold())
    if existing is not None:
        i = existing.line - 1
        return i, 1, [*before, _swap_url(cl.lines[i], existing.url, url)]
    new_line = f"[{version}]: {url}"
    if u_def is not None:
        return u_def.line, 0, [*before, new_line]
    anchor = n_def or min(version_defs, key=lambda d: d.line)
    return anchor.line - 1, 0, [*before, new_line]


def bump_changelog(cl: Changelog, version: Version, date: dt.date) -> tuple[str, list[Finding]]:
    """The changelog with ``## [X.Y.Z] - date`` under an emptied ``## [Unreleased]``.

    The new heading goes right below the ``[Unreleased]`` heading, so everything that was
    under it — sections, entries, a summary paragraph — is now the release's, byte for byte.
    Compare links follow the file's own pattern and tag prefix (BMP004 when there is none).
    """
    u = cl.unreleased
    if u is None:
        raise InputError(
            "the changelog has no `## [Unreleased]` section",
            file=cl.shown_as,
            hint="add `## [Unreleased]` above the newest release",
        )
    lines = list(cl.lines)
    ops, inline_url, findings = _link_ops(cl, u, version)
    # A setext heading ("Unreleased" over "----") is two lines; insert after the underline.
    after = u.line if lines[u.line - 1].lstrip().startswith("#") else u.line + 1
    title = f"[{version}]({inline_url})" if inline_url is not None else f"[{version}]"
    ops.append((after, 0, ["", f"## {title} - {date.isoformat()}"]))
    for index, count, new in sorted(ops, key=lambda op: op[0], reverse=True):
        lines[index : index + count] = new
    return "\n".join(lines), findings


# --------------------------------------------------------------------------------------------
# Strategy header


def read_strategy_header(text: str) -> StrategyHeader | None:
    """The ``// Strategy:`` and ``// Version:`` lines of a file's leading comment block.

    None when the file has no ``// Strategy:`` header; an ``InputError`` when the header
    names the version twice (which one would a reviewer believe?).
    """
    name: tuple[str, int] | None = None
    versions: list[tuple[str, int]] = []
    for no, line in enumerate(text.split("\n"), start=1):
        if not _COMMENT_OR_BLANK.match(line):
            break  # the header is the comment block on top; code below is not header
        sm = _STRATEGY_LINE.match(line)
        if sm and name is None:
            name = (sm.group("name"), no)
        vm = _VERSION_LINE.match(line)
        if vm:
            versions.append((vm.group("version"), no))
    if name is None:
        return None
    if len(versions) > 1:
        raise InputError(
            f"strategy {name[0]} has {len(versions)} `// Version:` lines in its header",
            line=versions[1][1],
            hint="keep one `// Version: X.Y.Z` line",
        )
    if not versions:
        return StrategyHeader(name[0], name[1], None, None)
    return StrategyHeader(name[0], name[1], versions[0][0], versions[0][1])


def set_strategy_version(text: str, line: int, version: Version) -> str:
    """``text`` with only the version token on ``line`` (a ``// Version:`` line) replaced."""
    lines = text.split("\n")
    m = _VERSION_LINE.match(lines[line - 1])
    if m is None:
        raise InputError(f"line {line} is not a `// Version:` line", line=line)
    lines[line - 1] = f"{m.group('lead')}{version}{m.group('trail')}"
    return "\n".join(lines)


def _strategy_edit(change: StrategyChange) -> tuple[str, dict[str, Any], list[Finding]]:
    """The strategy file's new text, its report data, and BMP003 when it would not increase."""
    f = change.file
    try:
        header = read_strategy_header(f.text)
    except InputError as exc:
        raise InputError(exc.problem.message, file=f.name, line=exc.problem.line) from None
    if header is None or header.name != change.name:
        raise InputError(
            f"{f.name} has no `// Strategy: {change.name}` header", file=f.name, line=1
        )
    if header.version is None or header.version_line is None:
        raise InputError(
            f"strategy {change.name} has no `// Version:` line in its header",
            file=f.name,
            line=header.name_line,
            hint=f"add `// Version: X.Y.Z` below `// Strategy: {change.name}`",
        )
    old = header.version
    new = next_strategy_version(old, change.target, shown_as=f.name, line=header.version_line)
    data = {"name": change.name, "file": f.name, "previous": old, "version": str(new)}
    current = parse_version(old)
    if current is not None and new <= current:
        return (
            f.text,
            data,
            [
                finding(
                    "BMP003",
                    "error",
                    f"strategy {change.name} would go from {old} to {new}, which is not newer",
                    file=f.name,
                    line=header.version_line,
                    hint="a strategy's version only increases: pass a greater --strategy-version "
                    "or major/minor/patch",
                )
            ],
        )
    return set_strategy_version(f.text, header.version_line, new), data, []


# --------------------------------------------------------------------------------------------
# The gate


def unified_diff(name: str, old: str, new: str) -> str:
    """A ``git diff``-style unified diff of one file (empty when nothing changed)."""
    lines = difflib.unified_diff(
        old.split("\n"), new.split("\n"), fromfile=f"a/{name}", tofile=f"b/{name}", lineterm=""
    )
    text = "\n".join(lines)
    return text + "\n" if text else ""


def _refused(subject: str, message: str, hint: str, report: Report, data: dict[str, Any]) -> Report:
    """Exit 2 with the check-changelog findings that explain why, so they can be fixed."""
    problem = Problem("input", message, file=report.subject, hint=hint)
    return Report(TOOL, subject, report.findings, data, problem)


def evaluate_bump(
    changelog: SourceFile,
    version_file: SourceFile | None,
    request: BumpRequest,
    *,
    as_of: dt.date,
    strategy: StrategyChange | None = None,
) -> BumpOutcome:
    """The bump-version gate: check, plan, edit in memory, check again.

    Returns a report with verdict ``error`` (exit 2) when the files do not pass
    check-changelog as they stand or would not after the bump, ``blocked`` on BMP errors,
    and otherwise ``pass`` with the changed files' new text in ``changes``.
    """
    if request.date > as_of:
        raise InputError(
            f"--date {request.date} is after {as_of}",
            hint="a release cannot be dated in the future (check-changelog would refuse it)",
        )
    summary = validate_summary(request.summary) if request.summary is not None else None
    cl = parse_changelog(changelog.text, shown_as=changelog.name)
    vf = (
        parse_version_file(version_file.text, shown_as=version_file.name)
        if version_file is not None
        else None
    )
    subject = changelog.name
    before = evaluate_release_files(cl, vf, as_of=as_of)
    if before.verdict != "pass":
        return BumpOutcome(
            _refused(
                subject,
                "the release files do not pass check-changelog as they stand; nothing was bumped",
                "fix the errors below (`releasekit check-changelog`), then bump",
                before,
                {"files": []},
            )
        )
    plan = plan_bump(cl, vf, request)
    data: dict[str, Any] = {
        "previous": str(plan.previous),
        "part": plan.part,
        "required": plan.required,
        "hotfix": request.hotfix,
        "pre": request.pre,
        "date": request.date.isoformat(),
        "files": [],
    }
    findings = list(plan.findings)
    strategy_text: str | None = None
    if strategy is not None:
        strategy_text, data["strategy"], more = _strategy_edit(strategy)
        findings += more
    if any(f.level == "error" for f in findings):
        return BumpOutcome(
            Report(TOOL, subject, tuple(findings), {**data, "proposed": str(plan.version)})
        )
    if summary is None:
        assert cl.unreleased is not None  # plan_bump found entries or BMP002 stopped us
        summary = derive_summary(cl.unreleased)
        if summary is None:
            raise InputError(
                "--summary is required when [Unreleased] has no entries to take it from",
                hint='pass --summary "what this release does"',
            )
        findings.append(
            finding(
                "BMP005",
                "notice",
                f"version.yaml summary taken from the first [Unreleased] entry: {summary!r}",
                file=cl.shown_as,
                line=cl.unreleased.line,
                hint="pass --summary to write your own",
            )
        )
    new_changelog, link_findings = bump_changelog(cl, plan.version, request.date)
    findings += link_findings
    new_files = {changelog.name: (changelog.text, new_changelog)}
    new_vf: VersionFile | None = None
    if version_file is not None:
        new_text = bump_version_file(
            version_file.text,
            shown_as=version_file.name,
            version=plan.version,
            date=request.date,
            summary=summary,
        )
        new_files[version_file.name] = (version_file.text, new_text)
        new_vf = parse_version_file(new_text, shown_as=version_file.name)
    if strategy is not None and strategy_text is not None:
        new_files[strategy.file.name] = (strategy.file.text, strategy_text)
    tag = f"v{plan.version}"
    new_cl = parse_changelog(new_changelog, shown_as=changelog.name)
    after = evaluate_release_files(new_cl, new_vf, as_of=as_of, tag=tag)
    if after.verdict != "pass" or not new_cl.releases or new_cl.releases[0].parsed != plan.version:
        return BumpOutcome(
            _refused(
                subject,
                f"after bumping to {plan.version} the files would not pass check-changelog; "
                "nothing was written",
                "fix what the findings below point at (e.g. a --date before the newest "
                "release), then bump again",
                after,
                {**data, "proposed": str(plan.version)},
            )
        )
    changes = {name: new for name, (old, new) in new_files.items() if new != old}
    diff = "".join(unified_diff(name, new_files[name][0], new) for name, new in changes.items())
    data.update(
        version=str(plan.version),
        tag=tag,
        summary=summary,
        files=list(changes),
        diff=diff,
    )
    report = Report(TOOL, f"{plan.previous} → {plan.version}", (*findings, *after.findings), data)
    return BumpOutcome(report, changes, diff)
