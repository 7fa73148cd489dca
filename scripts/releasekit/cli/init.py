"""``releasekit init``: adopt releasekit in a repository in one command.

Writes the release policy (the runbook's defaults, commented), the two caller workflows (the
PR gate, and the tag-triggered release), CODEOWNERS lines protecting both, version.yaml,
CHANGELOG.md, an empty audit log and the audit/reconciliation templates. Idempotent: a file
that exists is kept unless ``--force``; a rerun changes nothing. Offline; needs no token.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from importlib import resources
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
from releasekit.core.repo.scaffold import (
    ScaffoldOptions,
    placeholder_findings,
    plan_files,
    validate_options,
)
from releasekit.core.report import Finding, Report, finding
from releasekit.core.versioning.versions import parse_version
from releasekit.errors import InputError
from releasekit.workspace.release_files import shown

TOOL = "init"
TEMPLATE_NAMES = (
    "release-policy.yml",
    "workflows/releasekit.yml",
    "workflows/release.yml",
    "audit_log.md",
    "audit_report.md",
    "paper_reconciliation.md",
    "strategy_header.pine",
)


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
    p.add_argument("--version", default="0.1.0", help="the first version (default: 0.1.0)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="its release date (default: today)")
    p.add_argument("--force", action="store_true", help="replace files that already exist")
    p.add_argument(
        "--dry-run", action="store_true", help="say what would be written; write nothing"
    )
    return p


def load_templates() -> dict[str, str]:
    """The templates shipped inside the package (the same files as docs/templates)."""
    root = resources.files("releasekit") / "templates"
    out: dict[str, str] = {}
    for name in TEMPLATE_NAMES:
        node = root.joinpath(*name.split("/"))
        out[name] = node.read_text(encoding="utf-8")
    return out


def evaluate(args: argparse.Namespace) -> Report:
    """Plan every file, keep what exists (unless --force), write the rest in one atomic step."""
    if parse_version(args.version) is None:
        raise InputError(f"--version {args.version!r} is not SemVer", hint="e.g. --version 0.1.0")
    date = parse_date_arg(args.date, option="--date") if args.date else today()
    opts = ScaffoldOptions(args.uses, args.uses_version, args.owners, args.version, date)
    validate_options(opts)
    repo: Path = args.repo
    if not repo.is_dir():
        raise InputError(f"{repo} is not a directory", hint="create it, or pass --repo DIR")
    planned = plan_files(opts, load_templates())
    writes: dict[Path, str] = {}
    groups: dict[str, list[str]] = {"created": [], "replaced": [], "kept": [], "unchanged": []}
    findings: list[Finding] = []
    for rel, text in planned.items():
        path = inside_repo(repo, rel, what="scaffold")
        if path.exists():
            current = read_text(path, what=rel, shown_as=rel)
            if current == text:
                groups["unchanged"].append(rel)
                continue
            if not args.force:
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
            groups["replaced"].append(rel)
        else:
            groups["created"].append(rel)
        writes[path] = text
    if writes and not args.dry_run:
        for path in writes:
            path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(writes)
    findings += placeholder_findings(opts)
    # Findings name files relative to the working directory, as every gate's do.
    findings = [
        dataclasses.replace(f, file=shown(repo / f.file)) if f.file else f for f in findings
    ]
    return Report(TOOL, shown(repo), tuple(findings), {**groups, "dry_run": args.dry_run})


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse → plan → write → report → exit code."""
    try:
        args = parser().parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc)
    return run_gate(TOOL, shown(args.repo), args, lambda: evaluate(args))


if __name__ == "__main__":
    sys.exit(main())
