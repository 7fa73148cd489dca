"""``releasekit audit stamp``: record an audited file's SHA-256 in its audit log row (AUD020).

Run it when an audit is recorded: it writes the SHA-256 of the strategy or model file, as it
is now, into the SHA-256 cell of the audit's row (the audit the file's header names, or
``--audit``), adding the column to a log written before it existed. verify-audit then blocks
any release whose file no longer matches an audited hash. Offline; needs no token.
``--dry-run`` says what it would write and writes nothing. docs/formats/audit-log.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from releasekit.cli.common import FORMATS, ArgumentParser, parse_or_usage, run_gate
from releasekit.gates.audit_stamp import TOOL, AuditStampRequest, audit_stamp
from releasekit.workspace.release_files import shown


def parser() -> ArgumentParser:
    """``audit stamp NAME [--audit ID] [--repo DIR] [--dry-run]``."""
    p = ArgumentParser(prog="releasekit audit", description=(__doc__ or TOOL).splitlines()[0])
    sub = p.add_subparsers(dest="action", metavar="{stamp}")
    sub.required = True
    stamp = sub.add_parser("stamp", help="write the file's SHA-256 into its audit's log row")
    stamp.add_argument("name", metavar="NAME", help="the strategy or model, e.g. ICT_QM")
    stamp.add_argument(
        "--audit",
        metavar="AUD-YYYY-MM-DD-NNN",
        help="the audit that covered the file (default: the one its header names)",
    )
    stamp.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    stamp.add_argument(
        "--dry-run", action="store_true", help="say what would change; write nothing"
    )
    stamp.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    stamp.add_argument(
        "--report-out", metavar="FILE", type=Path, help="also write the JSON report to FILE"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse → request → gate → report → exit code."""
    args = parse_or_usage(parser(), argv, TOOL)
    if isinstance(args, int):
        return args
    request = AuditStampRequest(args.repo, args.name, args.audit, args.dry_run)
    return run_gate(TOOL, shown(args.repo), args, lambda: audit_stamp(request))


if __name__ == "__main__":
    sys.exit(main())
