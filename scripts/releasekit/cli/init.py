"""``releasekit init``: adopt releasekit in a repository in one command.

Writes the release policy (the runbook's defaults, commented, with the roles you name), the
two caller workflows (the PR gate, and the tag-triggered release), CODEOWNERS lines protecting
both, version.yaml, CHANGELOG.md, an empty audit log, the audit/reconciliation templates and
what the release pipeline needs to pass: requirements files, ``src/``, the anti-bias test stub
and a detect-secrets baseline. Idempotent: a file that exists is kept unless ``--force``; a
rerun changes nothing. Offline; needs no token.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from releasekit.cli.common import (
    ArgumentParser,
    new_parser,
    parse_date_arg,
    parse_or_usage,
    run_gate,
)
from releasekit.core.render import code_span
from releasekit.core.repo.scaffold import ROLE_OPTIONS
from releasekit.core.report import Report
from releasekit.gates.init import GROUPS, TOOL, InitRequest, init
from releasekit.workspace.release_files import shown

_ROLE_HELP = {
    "--founder": "founder (production approval; hotfixes)",
    "--auditor": "audit and model_audit (strategy and model audits)",
    "--risk": "risk (risk review)",
    "--code-reviewer": "code_review (besides anyone with write permission)",
}


def parser() -> ArgumentParser:
    """The command's options."""
    p = new_parser(f"releasekit {TOOL}", (__doc__ or TOOL).splitlines()[0])
    p.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    p.add_argument(
        "--uses",
        metavar="OWNER/REPO@SHA",
        help="the releasekit repository and full commit SHA the workflows pin",
    )
    p.add_argument("--uses-version", metavar="vX.Y.Z", help="the version comment beside the SHA")
    p.add_argument("--owners", metavar="@ORG/TEAM", help="who owns the policy and workflows")
    for option in ROLE_OPTIONS:
        p.add_argument(
            option,
            action="append",
            metavar="LOGIN|ORG/TEAM",
            help=f"who holds the policy role {_ROLE_HELP[option]}; repeatable",
        )
    p.add_argument("--version", default="0.1.0", help="the first version (default: 0.1.0)")
    p.add_argument(
        "--timezone",
        metavar="IANA-ZONE",
        help="the desk's time zone, written to the policy (default: the policy's, else UTC)",
    )
    p.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="its release date (default: today in --timezone, else the existing policy's"
        " `timezone:`, else UTC)",
    )
    p.add_argument("--force", action="store_true", help="replace files that already exist")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="say what would be written, and with --force the diff of each replaced file;"
        " write nothing",
    )
    return p


def request_from(args: argparse.Namespace) -> InitRequest:
    """The gate's request from parsed options."""
    return InitRequest(
        repo=args.repo,
        now=dt.datetime.now(dt.UTC),
        version=args.version,
        date=parse_date_arg(args.date, option="--date") if args.date else None,
        uses=args.uses,
        uses_version=args.uses_version,
        owners=args.owners,
        roles={
            option: tuple(given)
            for option in ROLE_OPTIONS
            if (given := getattr(args, option[2:].replace("-", "_")))
        },
        timezone=args.timezone,
        force=args.force,
        dry_run=args.dry_run,
    )


def file_list(report: Report) -> str:
    """Every planned file and what init did (or, with --dry-run, would do) with it."""
    would = "would be " if report.data.get("dry_run") else ""
    lines = [f"{would}{group}: {rel}" for group in GROUPS for rel in report.data.get(group, [])]
    return "\n".join(lines) + "\n" if lines else ""


def _file_table(report: Report) -> str:
    rows = ["| File | Outcome |", "|---|---|"]
    rows += [
        f"| {code_span(rel)} | {group} |" for group in GROUPS for rel in report.data.get(group, [])
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse → request → gate (plan, write) → report → exit code."""
    args = parse_or_usage(parser(), argv, TOOL)
    if isinstance(args, int):
        return args

    def evaluate() -> Report:
        report = init(request_from(args))
        if args.format == "text" and report.problem is None:
            # The diff of each file --force would replace, then every file and its outcome.
            sys.stdout.write(str(report.data.get("diff", "")) + file_list(report))
        return report

    return run_gate(TOOL, shown(args.repo), args, evaluate, details=_file_table)


if __name__ == "__main__":
    sys.exit(main())
