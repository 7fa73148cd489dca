"""``releasekit bump-version``: cut a release in CHANGELOG.md, version.yaml and a strategy header.

Runbook step: Phase 1, "Update version.yaml" and "Update CHANGELOG.md" (and Emergency Release,
step 4, with ``--hotfix``). Offline; needs no token. In Actions it runs in the prepare-release
job, whose ``contents: write`` is for the workflow's own ``git push`` of the release branch,
not for this command. ``--dry-run`` prints the unified diff and writes nothing.
"""

from __future__ import annotations

import codecs
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from releasekit.adapters.files import inside_repo, read_text, write_atomic
from releasekit.cli.common import (
    ArgumentParser,
    new_parser,
    parse_date_arg,
    run_gate,
    today,
    usage_failure,
)
from releasekit.core.report import Report
from releasekit.core.versioning.bump import (
    PART_CHOICES,
    STRATEGIES_DIR,
    STRATEGY_SUFFIX,
    TOOL,
    BumpRequest,
    SourceFile,
    StrategyChange,
    evaluate_bump,
    read_strategy_header,
    validate_identifier,
)
from releasekit.errors import InputError
from releasekit.workspace.release_files import CHANGELOG_NAME, VERSION_NAME, shown


@dataclass(frozen=True)
class _Loaded:
    """A file as read, plus what must survive the rewrite: CRLF line ends and a BOM."""

    path: Path
    source: SourceFile
    crlf: bool
    bom: bool

    def encode(self, text: str) -> str:
        """``text`` (normalised to ``\\n`` on reading) back in the file's own conventions."""
        out = text.replace("\n", "\r\n") if self.crlf else text
        return "\ufeff" + out if self.bom else out


def _load(repo: Path, relative: str, *, what: str) -> _Loaded:
    path = inside_repo(repo, relative, what=what)
    name = shown(path)
    text = read_text(path, what=what, shown_as=name)
    # read_text normalises line ends and drops a BOM; look at the bytes so that a CRLF file is
    # written back as CRLF instead of turning every line into a diff.
    raw = path.read_bytes()
    crlf = b"\r\n" in raw and raw.count(b"\r\n") == raw.count(b"\n")
    return _Loaded(path, SourceFile(name, text), crlf, raw.startswith(codecs.BOM_UTF8))


def _find_strategy(repo: Path, name: str) -> _Loaded:
    """The one ``strategies/**/*.pine`` file whose header says ``// Strategy: <name>``."""
    root = inside_repo(repo, STRATEGIES_DIR, what="strategies directory")
    if not root.is_dir():
        raise InputError(
            f"no {STRATEGIES_DIR}/ directory to find strategy {name} in",
            file=shown(root),
            hint=f"strategies live under {STRATEGIES_DIR}/ (runbook: Strategy Versioning)",
        )
    base = repo.resolve()
    found: list[_Loaded] = []
    # NOTE: os.walk does not follow directory symlinks; file symlinks are checked by inside_repo.
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fname in sorted(filenames):
            if not fname.endswith(STRATEGY_SUFFIX):
                continue
            rel = (Path(dirpath) / fname).relative_to(base).as_posix()
            loaded = _load(repo, rel, what="strategy file")
            try:
                header = read_strategy_header(loaded.source.text)
            except InputError as exc:
                p = exc.problem
                raise InputError(
                    p.message, file=loaded.source.name, line=p.line, hint=p.hint
                ) from None
            if header is not None and header.name == name:
                found.append(loaded)
    if not found:
        raise InputError(
            f"no strategy named {name} under {STRATEGIES_DIR}/",
            hint=f"the file's header must say `// Strategy: {name}` "
            f"(searched {STRATEGIES_DIR}/**/*{STRATEGY_SUFFIX})",
        )
    if len(found) > 1:
        names = ", ".join(f.source.name for f in found)
        raise InputError(
            f"strategy {name} is declared by {len(found)} files: {names}",
            file=found[1].source.name,
            hint="each strategy name belongs to one file; rename the copy",
        )
    return found[0]


def _parser() -> ArgumentParser:
    p = new_parser(f"releasekit {TOOL}", __doc__.splitlines()[0] if __doc__ else TOOL)
    p.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    p.add_argument(
        "--part",
        choices=PART_CHOICES,
        default="auto",
        help="which part to bump; auto (default) takes the smallest one [Unreleased] allows",
    )
    p.add_argument(
        "--hotfix",
        action="store_true",
        help="emergency release: 1.2.3 -> 1.2.4-hotfix, 1.2.4-hotfix -> 1.2.4-hotfix.2",
    )
    p.add_argument("--pre", metavar="LABEL", help="make a pre-release: -LABEL.1, -LABEL.2, ...")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="release date (default: today, UTC+14)")
    p.add_argument(
        "--summary",
        metavar="TEXT",
        help='the version.yaml line "X.Y.Z: TEXT" (default: the first [Unreleased] entry)',
    )
    p.add_argument(
        "--allow-empty", action="store_true", help="release even if [Unreleased] has no entries"
    )
    p.add_argument(
        "--strategy",
        metavar="NAME",
        help="also bump this strategy's `// Version:` header (found under strategies/)",
    )
    p.add_argument(
        "--strategy-version",
        metavar="X.Y.Z|major|minor|patch",
        help="the strategy's new version, or the part of its own version to bump",
    )
    p.add_argument(
        "--dry-run", action="store_true", help="print the unified diff and write nothing"
    )
    return p


def _diff_details(report: Report) -> str:
    """The diff as a fenced Markdown block for the job summary and ``--format markdown``."""
    diff = report.data.get("diff")
    if not isinstance(diff, str) or not diff:
        return ""
    fence = "`" * max(3, _longest_backtick_run(diff) + 1)
    return f"<details><summary>Diff</summary>\n\n{fence}diff\n{diff}{fence}\n\n</details>"


def _longest_backtick_run(text: str) -> int:
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return longest


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse → load → evaluate → write (unless --dry-run) → report → exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc)

    def evaluate() -> Report:
        as_of = today()
        request = BumpRequest(
            date=parse_date_arg(args.date, option="--date") if args.date else as_of,
            part=args.part,
            hotfix=args.hotfix,
            pre=args.pre,
            summary=args.summary,
            allow_empty=args.allow_empty,
        )
        strategy_file: _Loaded | None = None
        strategy: StrategyChange | None = None
        if args.strategy is not None or args.strategy_version is not None:
            if args.strategy is None or args.strategy_version is None:
                raise InputError(
                    "--strategy and --strategy-version go together",
                    hint="e.g. --strategy ICT_QM --strategy-version minor",
                )
            # Validate before the name reaches any search, so no odd name touches the disk.
            name = validate_identifier(args.strategy, option="--strategy")
            strategy_file = _find_strategy(args.repo, name)
            strategy = StrategyChange(name, args.strategy_version, strategy_file.source)
        changelog = _load(args.repo, CHANGELOG_NAME, what="changelog")
        version_file = (
            _load(args.repo, VERSION_NAME, what="version.yaml")
            if (args.repo / VERSION_NAME).exists()
            else None
        )
        outcome = evaluate_bump(
            changelog.source,
            version_file.source if version_file is not None else None,
            request,
            as_of=as_of,
            strategy=strategy,
        )
        report = outcome.report.with_data(dry_run=args.dry_run)
        if report.verdict != "pass":
            return report
        if args.dry_run:
            if args.format == "text":
                sys.stdout.write(outcome.diff)
            return report
        loaded = {f.source.name: f for f in (changelog, version_file, strategy_file) if f}
        write_atomic(
            {loaded[name].path: loaded[name].encode(text) for name, text in outcome.changes.items()}
        )
        return report

    subject = shown(args.repo / CHANGELOG_NAME)
    return run_gate(TOOL, subject, args, evaluate, details=_diff_details)


if __name__ == "__main__":
    sys.exit(main())
