"""Reading a checkout's audit evidence into core values: sources, headers, reports, the release.

Strategies (``*.pine``) and models (``*.py``) are found under the policy's paths; each one's
header, audit report and paper reconciliation are read with the bounded-read and
inside-the-repository rules of ``releasekit.adapters.files``. verify-audit, signoff-gate,
evidence and release-check all read audit evidence through this module.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from releasekit.adapters.files import inside_repo, read_text
from releasekit.adapters.git import changed_files, file_at
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


def discover(repo: Path, policy: Policy) -> list[Source]:
    """Every strategy (``*.pine``) and model (``*.py``, not ``_*.py``) under the policy's paths."""
    out: list[Source] = []
    root = repo.resolve()
    dirs: tuple[tuple[UnitKind, str], ...] = (
        ("strategy", policy.paths.strategies),
        ("model", policy.paths.models),
    )
    for kind, rel_dir in dirs:
        base = inside_repo(repo, rel_dir, what=f"{kind} directory")
        if not base.is_dir():
            continue
        ext = _EXTENSIONS[kind]
        # os.walk does not follow directory symlinks; file symlinks are checked below.
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
            for name in sorted(filenames):
                if not name.endswith(ext) or (kind == "model" and name.startswith("_")):
                    continue
                rel = (Path(dirpath) / name).relative_to(root).as_posix()
                path = inside_repo(repo, rel, what=kind)
                out.append(Source(kind, name[: -len(ext)], path, rel))
    return out


def _report_rel(policy: Policy, s: Source) -> str:
    return posixpath.join(policy.paths.audits, f"{s.stem.lower()}_audit.md")


def _paper_rel(policy: Policy, s: Source) -> str:
    return posixpath.join(policy.paths.paper_reports, f"{s.stem.lower()}_paper.md")


def _read_optional(repo: Path, rel: str, what: str) -> tuple[str | None, str]:
    """A file's text (None when it does not exist) and how findings name it."""
    path = inside_repo(repo, rel, what=what)
    name = shown(path)
    if not path.exists():
        return None, name
    return read_text(path, what=what, shown_as=name, max_bytes=AUDIT_MAX_BYTES), name


def load_unit(repo: Path, policy: Policy, source: Source) -> UnitInput:
    """Read and parse one source's header, audit report and paper report."""
    src_name = shown(source.path)
    text = read_text(source.path, what=source.kind, shown_as=src_name, max_bytes=SOURCE_MAX_BYTES)
    header = parse_header(text, shown_as=src_name, kind=source.kind, stem=source.stem)
    report_rel = _report_rel(policy, source)
    report_text, report_name = _read_optional(repo, report_rel, "audit report")
    paper_text, paper_name = _read_optional(repo, _paper_rel(policy, source), "paper report")
    log_dir = posixpath.dirname(policy.paths.audit_log) or "."
    return UnitInput(
        kind=source.kind,
        header=header,
        report=None
        if report_text is None
        else parse_audit_report(report_text, shown_as=report_name),
        report_shown=report_name,
        report_repo_path=report_rel,
        report_link=posixpath.relpath(report_rel, log_dir),
        paper=None if paper_text is None else parse_paper_report(paper_text, shown_as=paper_name),
        paper_shown=paper_name,
    )


def load_audit_log(repo: Path, policy: Policy) -> tuple[AuditLog | None, str]:
    """The policy's audit log, parsed (None when it does not exist), and how findings name it."""
    text, name = _read_optional(repo, policy.paths.audit_log, "audit log")
    return (None if text is None else parse_audit_log(text, shown_as=name)), name


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
