"""``releasekit verify-audit``: audit evidence for strategy and model releases (rules AUD0xx).

Runbook step: Phase 1 step 5 ("Verify audit status": ``verify_audit.py --strategy=ICT_QM``)
and the tag-push pipeline's ``audit_check`` job (``--version`` = the tag). Offline; needs no
token. Replaces the runbook's own script, which could not run (``re`` never imported),
ignored ``--version=`` and let a release missing from the audit log pass with a warning.

Which strategies: ``--strategy NAME`` (repeatable), ``--changed-since REF`` (those whose
source, audit report or paper report changed since REF; all of them when the audit log or
the policy changed), or ``--all`` (the default). docs/verify-audit.md has the details.

Which policy: ``.github/release-policy.yml`` of the checkout, or with ``--policy-ref REF`` that
file as it is in the commit ``REF`` (read from git, never from the working tree). The PR gate
passes the pull request's base commit: a pull request runs with its own files, so a policy read
from the checkout would let it loosen its own audit thresholds (reference/github-facts.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from releasekit.cli.common import (
    ArgumentParser,
    add_bias_junit,
    new_parser,
    parse_or_usage,
    run_gate,
    today,
)
from releasekit.core.audit.rules import TOOL, render_details
from releasekit.core.report import Report
from releasekit.gates.verify_audit import VerifyAuditRequest, verify_audit
from releasekit.workspace.release_files import shown


def parser() -> ArgumentParser:
    """The command's options (``release-check`` reuses them)."""
    p = new_parser(f"releasekit {TOOL}", (__doc__ or TOOL).splitlines()[0])
    p.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--strategy",
        action="append",
        metavar="NAME",
        help="check this strategy or model (repeatable), e.g. ICT_QM",
    )
    which.add_argument(
        "--changed-since",
        metavar="REF",
        help="check the strategies and models whose files changed since REF (git)",
    )
    which.add_argument(
        "--all", action="store_true", help="check every strategy and model (the default)"
    )
    p.add_argument(
        "--version",
        metavar="X.Y.Z",
        help="the release being made (vX.Y.Z accepted; default: version.yaml's version)",
    )
    p.add_argument(
        "--release-date",
        metavar="YYYY-MM-DD",
        help="the release date audits are aged against (default: version.yaml's release_date)",
    )
    add_bias_junit(p, use=" (pytest tests/test_bias.py --junitxml=FILE)")
    p.add_argument(
        "--policy-ref",
        metavar="REF",
        help="read .github/release-policy.yml as it is in the commit REF (git), not from the"
        " checkout; in a pull request, the base commit",
    )
    return p


def request_from(args: argparse.Namespace) -> VerifyAuditRequest:
    """The gate's request for parsed options.

    ``getattr``: an in-process caller (release-check) may build its Namespace without all of
    parser()'s defaults.
    """
    names: list[str] | None = getattr(args, "strategy", None)
    return VerifyAuditRequest(
        repo=args.repo,
        today=today(),
        strategies=tuple(names) if names else None,
        changed_since=getattr(args, "changed_since", None),
        version=args.version,
        release_date=args.release_date,
        bias_junit=args.bias_junit,
        policy_ref=getattr(args, "policy_ref", None),
        # A pull request's branch: release/* and hotfix/* only ever add checks.
        head_ref=os.environ.get("GITHUB_HEAD_REF") or None,
    )


def evaluate(args: argparse.Namespace) -> Report:
    """The verify-audit gate for parsed options (``release-check`` calls it in-process)."""
    return verify_audit(request_from(args))


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse → request → gate → report → exit code."""
    parser_ = parser()
    args = parse_or_usage(parser_, argv, TOOL)
    if isinstance(args, int):
        return args
    return run_gate(TOOL, shown(args.repo), args, lambda: evaluate(args), details=render_details)


if __name__ == "__main__":
    sys.exit(main())
