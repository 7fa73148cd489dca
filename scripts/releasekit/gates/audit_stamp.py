"""``audit stamp``: record the SHA-256 of an audited strategy or model in its audit log row.

When an audit is recorded, the auditor (or whoever records it) stamps the row with the hash of
the exact file the audit covered; verify-audit then blocks any release whose file no longer
matches it (AUD020). The audit defaults to the one the file's header names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from releasekit.core.audit.formats import valid_name
from releasekit.core.audit.stamp import stamp_log
from releasekit.core.report import Report, finding
from releasekit.errors import InputError
from releasekit.workspace.audit import audit_log_text, load_unit, scan, write_audit_log
from releasekit.workspace.policy import load_policy
from releasekit.workspace.release_files import shown

TOOL = "audit-stamp"


@dataclass(frozen=True)
class AuditStampRequest:
    """Which strategy or model, which audit (None: the header's), and whether to write."""

    repo: Path
    name: str
    audit_id: str | None = None
    dry_run: bool = False


def audit_stamp(request: AuditStampRequest) -> Report:
    """Stamp the audit's row with the file's SHA-256; the report says what was written."""
    repo = request.repo
    if not repo.is_dir():
        raise InputError(
            f"repository directory {repo} not found", hint="pass --repo DIR (default: .)"
        )
    if not valid_name(request.name):
        raise InputError(
            f"{request.name!r} is not a strategy name",
            hint="use the name from the source header (letters, digits, _), e.g. ICT_QM",
        )
    policy, notices = load_policy(repo)
    found = scan(repo, policy)
    matches = [s for s in found.sources if s.stem.casefold() == request.name.casefold()]
    if len(matches) != 1:
        raise InputError(
            f"{len(matches) or 'no'} source files define {request.name}"
            + (": " + ", ".join(s.rel for s in matches) if matches else ""),
            hint=f"keep exactly one {request.name.lower()}.pine under {policy.paths.strategies}/"
            f" or {request.name.lower()}.py under {policy.paths.models}/",
        )
    unit = load_unit(repo, policy, matches[0])
    audit_id = request.audit_id or unit.header.audit_id
    if audit_id is None:
        raise InputError(
            f"{unit.header.shown_as} names no audit (`Audit: AUD-YYYY-MM-DD-NNN (VERDICT)`)",
            hint="pass --audit AUD-YYYY-MM-DD-NNN, the audit that covered this file",
        )
    digest = unit.source_sha256 or ""
    text, log_name, log_path = audit_log_text(repo, policy)
    version = unit.header.version
    stamp = stamp_log(
        text,
        shown_as=log_name,
        audit_id=audit_id,
        strategy=unit.header.name,
        version=None if version is None else str(version),
        sha256=digest,
    )
    if stamp.changed and not request.dry_run:
        write_audit_log(log_path, stamp.text)
    done = "would record" if request.dry_run else "recorded"
    message = (
        f"{audit_id} already records the SHA-256 of {matches[0].rel} ({digest})"
        if not stamp.changed
        else f"{done} the SHA-256 of {matches[0].rel} ({digest}) in {audit_id}'s row"
    )
    findings = [*notices, finding("AUD020", "notice", message, file=log_name, line=stamp.line)]
    if stamp.added_column:
        findings.append(
            finding(
                "AUD020",
                "notice",
                f"{'would add' if request.dry_run else 'added'} the SHA-256 column to the audit"
                " log; the other rows' cells are empty until their audits are stamped",
                file=log_name,
            )
        )
    return Report(
        TOOL,
        f"{shown(repo)}: {unit.header.name}",
        tuple(findings),
        {
            "strategy": unit.header.name,
            "file": matches[0].rel,
            "audit_id": audit_id,
            "sha256": digest,
            "log": log_name,
            "changed": stamp.changed,
            "added_column": stamp.added_column,
            "dry_run": request.dry_run,
        },
    )
