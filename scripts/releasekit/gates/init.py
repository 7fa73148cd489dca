"""The init gate: adopt releasekit in a repository, with every file its workflows need.

Plans every file (``core.repo.scaffold``), compares each with what the repository has
(``workspace.scaffold``), keeps what exists unless forced, and writes the rest in one atomic
step. The detect-secrets baseline is made last, over the repository as it will be, so the
release pipeline's secrets scan passes on the files init wrote.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from releasekit import __version__
from releasekit.core.repo.scaffold import (
    SECRETS_BASELINE,
    SRC_PACKAGE,
    ScaffoldOptions,
    placeholder_findings,
    plan_files,
    validate_options,
)
from releasekit.core.report import Finding, Report, finding
from releasekit.core.signoff.policy import DEFAULT_TIMEZONE
from releasekit.core.versioning.bump import unified_diff
from releasekit.core.versioning.versions import parse_version
from releasekit.errors import InputError
from releasekit.workspace.policy import desk_today
from releasekit.workspace.release_files import shown
from releasekit.workspace.scaffold import (
    existing_files,
    load_templates,
    secrets_baseline,
    write_scaffold,
)

TOOL = "init"
GROUPS = ("created", "replaced", "kept", "unchanged")


@dataclass(frozen=True)
class InitRequest:
    """The adopter's choices, as plain values.

    ``roles`` maps a role option (``--founder``, ``--auditor``, ``--risk``,
    ``--code-reviewer``) to the logins or org/team slugs it names. ``date`` defaults to today
    (``now``) in the desk's time zone: ``timezone``, else the existing policy's, else UTC.
    """

    repo: Path
    now: dt.datetime
    version: str = "0.1.0"
    date: dt.date | None = None
    uses: str | None = None
    uses_version: str | None = None
    owners: str | None = None
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    timezone: str | None = None
    force: bool = False
    dry_run: bool = False


def init(request: InitRequest) -> Report:
    """Plan every file, keep what exists (unless forced), write the rest in one atomic step."""
    if parse_version(request.version) is None:
        raise InputError(
            f"--version {request.version!r} is not SemVer", hint="e.g. --version 0.1.0"
        )
    opts = ScaffoldOptions(
        request.uses,
        request.uses_version,
        request.owners,
        request.version,
        dt.date.min,
        releasekit_version=__version__,
        roles=request.roles,
        timezone=request.timezone,
    )
    validate_options(opts)
    repo = request.repo
    if not repo.is_dir():
        raise InputError(f"{repo} is not a directory", hint="create it, or pass --repo DIR")
    opts = dataclasses.replace(opts, date=request.date or _today(request))
    planned = plan_files(opts, load_templates())
    if (repo / "src").exists() and not (repo / SRC_PACKAGE).exists():
        del planned[SRC_PACKAGE]  # the project has its own src/ layout
    current = existing_files(repo, [*planned, SECRETS_BASELINE])
    # The repository as it will be: what is kept stays, the rest becomes the planned text.
    final = {
        rel: text if current[rel].text is None or request.force else str(current[rel].text)
        for rel, text in planned.items()
    }
    findings: list[Finding] = []
    baseline = secrets_baseline(
        repo, final, name=SECRETS_BASELINE, generated_at=f"{opts.date.isoformat()}T00:00:00Z"
    )
    if baseline is None:
        findings.append(
            finding(
                "INI003",
                "warning",
                f"detect-secrets is not installed, so {SECRETS_BASELINE} was not written: the"
                " release pipeline's secrets scan needs it",
                file=SECRETS_BASELINE,
                hint="`pip install detect-secrets`, then rerun `releasekit init`",
            )
        )
    else:
        planned[SECRETS_BASELINE] = baseline.text
        if baseline.flagged:
            findings.append(
                finding(
                    "INI004",
                    "warning",
                    f"detect-secrets recorded potential secrets in {len(baseline.flagged)}"
                    f" file(s) in the baseline: {', '.join(baseline.flagged)}",
                    file=SECRETS_BASELINE,
                    hint="check each with `detect-secrets audit .secrets.baseline`; remove and"
                    " rotate any real secret",
                )
            )
    groups: dict[str, list[str]] = {name: [] for name in GROUPS}
    writes: dict[Path, str] = {}
    diffs: list[str] = []
    for rel, text in planned.items():
        now = current[rel]
        if now.text is None:
            groups["created"].append(rel)
        elif now.text == text:
            groups["unchanged"].append(rel)
            continue
        elif not request.force:
            groups["kept"].append(rel)
            findings.append(
                finding(
                    "INI001",
                    "notice",
                    f"kept the existing {rel}",
                    file=rel,
                    hint="compare it with `releasekit init --dry-run --force`"
                    " or replace it with --force",
                )
            )
            continue
        else:
            groups["replaced"].append(rel)
            diffs.append(unified_diff(rel, now.text, text))
        writes[now.path] = text
    if writes and not request.dry_run:
        write_scaffold(writes)
    # A kept file says nothing about the placeholders init would have written into it.
    findings += [f for f in placeholder_findings(opts) if f.file not in groups["kept"]]
    # Findings name files relative to the working directory, as every gate's do.
    findings = [
        dataclasses.replace(f, file=shown(repo / f.file)) if f.file else f for f in findings
    ]
    data: dict[str, object] = {**groups, "dry_run": request.dry_run}
    if request.dry_run:
        data["diff"] = "".join(diffs)
    return Report(TOOL, shown(repo), tuple(findings), data)


def _today(request: InitRequest) -> dt.date:
    """Today in the desk's time zone: ``--timezone``, else the existing policy's, else UTC."""
    if request.timezone is not None:
        try:
            zone = ZoneInfo(request.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(
                f"--timezone {request.timezone!r} is not an IANA time zone this machine knows",
                hint="e.g. --timezone America/New_York",
            ) from None
        return request.now.astimezone(zone).date()
    try:
        return desk_today(request.repo, request.now)[0]
    except InputError:
        # init is how a broken policy gets replaced: its date falls back to the default zone.
        return request.now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()
