"""Reading a checkout's audit evidence into core values: sources, headers, reports, the release.

Strategies (``*.pine``) and models (``*.py``) are found under the policy's paths; each one's
header, audit report and paper reconciliation are read with the bounded-read and
inside-the-repository rules of ``releasekit.adapters.files``. verify-audit, signoff-gate,
evidence and release-check all read audit evidence through this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from releasekit.adapters.files import inside_repo, read_text, write_atomic
from releasekit.adapters.git import changed_files, file_at, run_git
from releasekit.core.audit.formats import (
    AuditLog,
    UnitKind,
    parse_audit_log,
    parse_audit_report,
    parse_header,
    parse_paper_report,
)
from releasekit.core.audit.junit import BiasResults, parse_junit
from releasekit.core.audit.rules import ReleaseInfo, UnitInput
from releasekit.core.report import Finding
from releasekit.core.signoff.policy import POLICY_PATH, Policy, default_policy, parse_policy
from releasekit.core.versioning.version_file import parse_version_file
from releasekit.core.versioning.versions import Version, parse_version
from releasekit.errors import InputError
from releasekit.workspace.policy import POLICY_MAX_BYTES, defaults_notice
from releasekit.workspace.release_files import VERSION_NAME, load_version_file, shown

# An audit log of 50,000 rows is 6.5 MB and the benchmark's report 5 MB; an evidence file
# much larger than that is a mistake (a data dump committed by accident), not evidence.
AUDIT_MAX_BYTES = 8 * 1024 * 1024
# Pine scripts are limited in size by TradingView; a 2 MB model source is already absurd.
SOURCE_MAX_BYTES = 2 * 1024 * 1024
JUNIT_MAX_BYTES = 16 * 1024 * 1024

_EXTENSIONS: dict[UnitKind, str] = {"strategy": ".pine", "model": ".py"}
# A date is "in the future" only once it is in the future everywhere on Earth (UTC+14).
_EARLIEST_TZ = dt.timezone(dt.timedelta(hours=14))


@dataclass(frozen=True)
class Source:
    """A strategy or model source file found under the policy's paths."""

    kind: UnitKind
    stem: str
    path: Path
    rel: str


def load_policy_at_ref(repo: Path, ref: str) -> tuple[Policy, list[Finding]]:
    """The policy of the commit ``ref``, or the runbook defaults with POL001 when it has none.

    The same outcomes as ``load_policy`` for the checkout: a policy absent at ``ref`` is the
    runbook's defaults with a POL001 notice, an invalid one is exit 2 with file:line. An
    unknown ref is exit 2 with the ``fetch-depth: 0`` fix (adapters.git.file_at).
    """
    name = f"{shown(repo / POLICY_PATH)} at {ref}"
    text = file_at(repo, ref, POLICY_PATH, max_bytes=POLICY_MAX_BYTES, what="release policy")
    if text is None:
        return default_policy(), [
            defaults_notice(
                name,
                file=shown(repo / POLICY_PATH),
                hint=f"to change them, commit {POLICY_PATH} where {ref} points (in a pull"
                " request: the base branch); `releasekit policy show` lists them",
            )
        ]
    return parse_policy(text, shown_as=name), []


def _release_version(text: str | None) -> Version | None:
    if text is None:
        return None
    v = parse_version(text[1:] if text[:1] in ("v", "V") else text)
    if v is None:
        raise InputError(
            f"--version {text!r} is not a release version",
            hint="pass X.Y.Z or the tag vX.Y.Z (in the pipeline: the tag name, on tag pushes)",
        )
    return v


def _release_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--release-date {text!r} is not a date", hint="write --release-date YYYY-MM-DD"
        ) from None


def release_info(repo: Path, version_arg: str | None, date_arg: str | None) -> ReleaseInfo:
    """The release's version and date, from the options or version.yaml (InputError if none)."""
    version = _release_version(version_arg)
    vpath = repo / VERSION_NAME
    # version.yaml is read only when an option leaves something to take from it.
    needed = version_arg is None or date_arg is None
    vf = load_version_file(vpath) if needed and vpath.exists() else None
    version_source = "--version"
    if version is None and vf is not None and vf.parsed_version is not None:
        version, version_source = vf.parsed_version, vf.shown_as
    elif version is None:
        version_source = "unknown"
    if date_arg is not None:
        date = _release_date(date_arg)
        if date > dt.datetime.now(_EARLIEST_TZ).date():
            raise InputError(
                f"--release-date {date} is in the future",
                hint="audits are aged against the day the release ships: pass that day",
            )
        return ReleaseInfo(version, version_source, date, "--release-date")
    if vf is None:
        raise InputError(
            "no release date: there is no version.yaml and no --release-date",
            file=shown(vpath),
            hint="pass --release-date YYYY-MM-DD (the day the release ships) or add version.yaml",
        )
    if vf.parsed_date is None:
        raise InputError(
            f"version.yaml's release_date {vf.release_date!r} is not a date YYYY-MM-DD",
            file=vf.shown_as,
            line=vf.release_date_line or 1,
            hint="write `release_date: YYYY-MM-DD`, or pass --release-date",
        )
    if version is not None and vf.parsed_version is not None and vf.parsed_version != version:
        raise InputError(
            f"version.yaml is for {vf.parsed_version}, not {version}: its release_date does not"
            " date this release",
            file=vf.shown_as,
            line=vf.version_line,
            hint=f"pass --release-date for {version}, or run on the release's commit",
        )
    return ReleaseInfo(
        version,
        version_source,
        vf.parsed_date,
        vf.shown_as,
        date_file=vf.shown_as,
        date_line=vf.release_date_line,
    )


@dataclass(frozen=True)
class Discovery:
    """The strategies and models under the policy's paths, and the governed symlinks.

    ``symlinks``: paths (as findings name them) under the strategies, models, audits and paper
    directories, or the audit log, that are symbolic links. They are never followed: what is
    behind them is not a source, and they are reported (AUD021), never skipped silently.
    """

    sources: tuple[Source, ...]
    symlinks: tuple[str, ...]


def scan(repo: Path, policy: Policy) -> Discovery:
    """Every strategy (``*.pine``) and model (``*.py``, not ``_*.py``), and every governed link.

    A link that leads outside the repository is an ``InputError`` (exit 2), as everywhere.
    """
    out: list[Source] = []
    links: dict[str, None] = {}
    root = repo.resolve()
    paths = policy.paths
    governed: tuple[tuple[UnitKind | None, str], ...] = (
        ("strategy", paths.strategies),
        ("model", paths.models),
        (None, paths.audits),
        (None, paths.paper_reports),
        (None, paths.audit_log),
    )
    for kind, rel_dir in governed:
        base = inside_repo(repo, rel_dir, what=f"{kind or 'evidence'} path")
        link = _first_symlink(repo, rel_dir)
        if link is not None:
            links.setdefault(_link(repo, link), None)
            continue
        if not base.is_dir():
            continue
        # os.walk does not follow directory links; they and file links are reported instead.
        for dirpath, dirnames, filenames in os.walk(base):
            here = Path(dirpath)
            for name in sorted(dirnames + filenames):
                if (here / name).is_symlink():
                    links.setdefault(_link(repo, (here / name).relative_to(root).as_posix()))
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith((".", "__")) and not (here / d).is_symlink()
            )
            if kind is None:
                continue
            ext = _EXTENSIONS[kind]
            for name in sorted(filenames):
                if not name.endswith(ext) or (kind == "model" and name.startswith("_")):
                    continue
                if (here / name).is_symlink():
                    continue
                rel = (here / name).relative_to(root).as_posix()
                out.append(Source(kind, name[: -len(ext)], inside_repo(repo, rel, what=kind), rel))
    return Discovery(tuple(out), tuple(_shown_rel(repo, rel) for rel in sorted(links)))


def discover(repo: Path, policy: Policy) -> list[Source]:
    """Every strategy (``*.pine``) and model (``*.py``, not ``_*.py``) under the policy's paths."""
    return list(scan(repo, policy).sources)


def _first_symlink(repo: Path, rel: str) -> str | None:
    """The first leading part of ``rel`` (from the repository root) that is a symbolic link."""
    here = repo
    parts = Path(rel).parts
    for i, part in enumerate(parts):
        here = here / part
        if here.is_symlink():
            return "/".join(parts[: i + 1])
    return None


def _shown_rel(repo: Path, rel: str) -> str:
    """How findings name ``rel``: by its own path, never where a link in it leads.

    ``shown`` resolves the path it is given; only the repository root is resolved here.
    """
    base = shown(repo)
    return rel if base in ("", ".") else f"{base}/{rel}"


def _link(repo: Path, rel: str) -> str:
    """``rel``, a governed symlink; an ``InputError`` when it leads outside the repository."""
    inside_repo(repo, rel, what="symbolic link")
    return rel


def _report_rel(policy: Policy, s: Source) -> str:
    return posixpath.join(policy.paths.audits, f"{s.stem.lower()}_audit.md")


def _paper_rel(policy: Policy, s: Source) -> str:
    return posixpath.join(policy.paths.paper_reports, f"{s.stem.lower()}_paper.md")


class _Evidence(NamedTuple):
    """An evidence file's text (None when absent or a link), its name, and whether it is a link."""

    text: str | None
    shown: str
    symlink: bool = False


def _read_optional(repo: Path, rel: str, what: str) -> _Evidence:
    """An evidence file's text: None when it does not exist, or is (or is under) a symlink."""
    path = inside_repo(repo, rel, what=what)
    name = _shown_rel(repo, Path(rel).as_posix())
    link = _first_symlink(repo, rel)
    if link is not None:
        _link(repo, link)
        return _Evidence(None, name, symlink=True)
    if not path.exists():
        return _Evidence(None, name)
    return _Evidence(read_text(path, what=what, shown_as=name, max_bytes=AUDIT_MAX_BYTES), name)


def load_unit(repo: Path, policy: Policy, source: Source) -> UnitInput:
    """Read and parse one source's header, audit report and paper report."""
    src_name = shown(source.path)
    text = read_text(source.path, what=source.kind, shown_as=src_name, max_bytes=SOURCE_MAX_BYTES)
    header = parse_header(text, shown_as=src_name, kind=source.kind, stem=source.stem)
    report_rel = _report_rel(policy, source)
    report = _read_optional(repo, report_rel, "audit report")
    paper = _read_optional(repo, _paper_rel(policy, source), "paper report")
    log_dir = posixpath.dirname(policy.paths.audit_log) or "."
    return UnitInput(
        kind=source.kind,
        header=header,
        report=None
        if report.text is None
        else parse_audit_report(report.text, shown_as=report.shown),
        report_shown=report.shown,
        report_repo_path=report_rel,
        report_link=posixpath.relpath(report_rel, log_dir),
        paper=None if paper.text is None else parse_paper_report(paper.text, shown_as=paper.shown),
        paper_shown=paper.shown,
        source_rel=source.rel,
        source_sha256=text_sha256(text),
        report_symlink=report.symlink,
        paper_symlink=paper.symlink,
    )


def text_sha256(text: str) -> str:
    """The SHA-256 an audit records for a source: of its text as UTF-8 with LF line endings.

    For a file committed with LF endings and no byte-order mark (the norm), this is exactly
    ``sha256sum FILE``; a checkout that converts line endings does not change it.
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class LogRead(NamedTuple):
    """The audit log, parsed (None when absent or a link), how findings name it, link or not."""

    log: AuditLog | None
    shown: str
    symlink: bool


def load_audit_log(repo: Path, policy: Policy) -> LogRead:
    """The policy's audit log, parsed: None when it does not exist or is a symbolic link."""
    read = _read_optional(repo, policy.paths.audit_log, "audit log")
    log = None if read.text is None else parse_audit_log(read.text, shown_as=read.shown)
    return LogRead(log, read.shown, read.symlink)


def load_bias_results(path: Path) -> BiasResults:
    """The anti-bias tests' JUnit XML (``--bias-junit``), parsed."""
    name = shown(path)
    text = read_text(path, what="JUnit XML", shown_as=name, max_bytes=JUNIT_MAX_BYTES)
    return parse_junit(text, shown_as=name)


def changed_since(repo: Path, ref: str) -> set[str]:
    """Repository-relative paths changed between ``ref`` and the working tree (git)."""
    return set(changed_files(repo, ref))


def absent(repo: Path, rels: set[str]) -> set[str]:
    """Which of the repository-relative paths ``rels`` do not exist in the checkout."""
    return {rel for rel in rels if not (repo / rel).exists()}


def report_rel(policy: Policy, s: Source) -> str:
    """The repository path of a source's audit report (``{audits}/{stem}_audit.md``)."""
    return _report_rel(policy, s)


def paper_rel(policy: Policy, s: Source) -> str:
    """The repository path of a source's paper report (``{paper}/{stem}_paper.md``)."""
    return _paper_rel(policy, s)


# version.yaml is a few lines; anything near this size is not one.
_VERSION_MAX_BYTES = 64 * 1024


def version_at(repo: Path, ref: str) -> Version | None:
    """version.yaml's version in the commit ``ref`` (None when it has none, or no readable one)."""
    text = file_at(
        repo,
        ref,
        VERSION_NAME,
        max_bytes=_VERSION_MAX_BYTES,
        what="version.yaml",
        option="--changed-since",
    )
    if text is None:
        return None
    return parse_version_file(text, shown_as=f"{VERSION_NAME} at {ref}").parsed_version


def current_branch(repo: Path) -> str | None:
    """The checked-out branch's short name (None on a detached HEAD, as in a PR checkout)."""
    proc = run_git(repo, ["symbolic-ref", "--quiet", "--short", "HEAD"], what="symbolic-ref")
    name = proc.stdout.decode("utf-8", "replace").strip()
    return name if proc.returncode == 0 and name else None


def audit_log_text(repo: Path, policy: Policy) -> tuple[str, str, Path]:
    """The audit log's text, how findings name it, and its path (``InputError`` when absent)."""
    rel = policy.paths.audit_log
    read = _read_optional(repo, rel, "audit log")
    path = inside_repo(repo, rel, what="audit log")
    if read.symlink:
        raise InputError(
            "the audit log is a symbolic link; releasekit never writes through one",
            file=read.shown,
            hint="commit the audit log itself at that path",
        )
    if read.text is None:
        raise InputError(
            "no audit log to record the audit in",
            file=read.shown,
            hint="`releasekit init` writes an empty one; add the audit's row, then stamp it",
        )
    return read.text, read.shown, path


def write_audit_log(path: Path, text: str) -> None:
    """Replace the audit log's content (atomically: the old text or the new, never half)."""
    write_atomic({path: text})
