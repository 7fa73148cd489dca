"""The bump-version gate: cut a release in CHANGELOG.md, version.yaml and a strategy header.

Runbook step: Phase 1, "Update version.yaml" and "Update CHANGELOG.md" (and Emergency Release,
step 4, for a hotfix). The files are read and written through ``releasekit.workspace``; the
version arithmetic and the edits are ``core.versioning.bump``. Nothing is written unless the
bump passes, and then every file is written or none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from releasekit.core.report import Report
from releasekit.core.versioning.bump import (
    BumpRequest,
    PartChoice,
    StrategyChange,
    evaluate_bump,
    validate_identifier,
)
from releasekit.errors import InputError
from releasekit.workspace.release_files import (
    CHANGELOG_NAME,
    VERSION_NAME,
    ReleaseFile,
    find_strategy,
    has_version_file,
    read_release_file,
    write_files,
)


@dataclass(frozen=True)
class BumpVersionRequest:
    """The release manager's choices, as plain values.

    ``now`` is the current instant: the release date defaults to its calendar day in the
    policy's time zone, while ``as_of`` (the latest date anywhere on Earth) is what dates are
    checked against. ``strategy`` and ``strategy_version`` go together.
    """

    repo: Path
    now: dt.datetime
    as_of: dt.date
    date: dt.date | None = None
    part: PartChoice = "auto"
    hotfix: bool = False
    pre: str | None = None
    summary: str | None = None
    allow_empty: bool = False
    strategy: str | None = None
    strategy_version: str | None = None
    dry_run: bool = False


def bump_version(request: BumpVersionRequest) -> Report:
    """Plan the bump, and write it unless it is a dry run or does not pass.

    The report's data holds the unified ``diff`` of every file the bump changes.
    """
    strategy_file: ReleaseFile | None = None
    strategy: StrategyChange | None = None
    if request.strategy is not None or request.strategy_version is not None:
        if request.strategy is None or request.strategy_version is None:
            raise InputError(
                "--strategy and --strategy-version go together",
                hint="e.g. --strategy ICT_QM --strategy-version minor",
            )
        # Validate before the name reaches any search, so no odd name touches the disk.
        name = validate_identifier(request.strategy, option="--strategy")
        strategy_file = find_strategy(request.repo, name)
        strategy = StrategyChange(name, request.strategy_version, strategy_file.source)
    changelog = read_release_file(request.repo, CHANGELOG_NAME, what="changelog")
    version_file = (
        read_release_file(request.repo, VERSION_NAME, what="version.yaml")
        if has_version_file(request.repo)
        else None
    )
    date = request.date if request.date is not None else _desk_today(request)
    outcome = evaluate_bump(
        changelog.source,
        version_file.source if version_file is not None else None,
        BumpRequest(
            date=date,
            part=request.part,
            hotfix=request.hotfix,
            pre=request.pre,
            summary=request.summary,
            allow_empty=request.allow_empty,
        ),
        as_of=request.as_of,
        strategy=strategy,
    )
    report = outcome.report.with_data(dry_run=request.dry_run)
    if report.verdict != "pass" or request.dry_run:
        return report
    loaded = {f.source.name: f for f in (changelog, version_file, strategy_file) if f}
    write_files(
        {loaded[name].path: loaded[name].encode(text) for name, text in outcome.changes.items()}
    )
    return report


def _desk_today(request: BumpVersionRequest) -> dt.date:
    """Today in the policy's time zone: the default release date."""
    # Imported here: reading the policy validates it (jsonschema, ~50 ms to import), which a
    # bump with an explicit --date does not need.
    from releasekit.workspace.policy import desk_today

    return desk_today(request.repo, request.now)[0]
