"""``releasekit hotfix-sla``: every hotfix has its post-mortem (24 h) and proper release (48 h).

Runbook: Emergency Release (Hotfix), steps 6-7. Called by ``.github/workflows/hotfix-sla.yml``
on the caller's schedule; exits 1 while any debt is overdue, and with ``--github`` keeps ONE
issue (label ``hotfix-debt``, found by its marker) open and current while debt exists, closed
when it is cleared. Token permissions with ``--github``: ``issues: write`` (and ``issues:
read`` for post-mortem issues). Offline it needs no token::

    releasekit hotfix-sla [--tags FILE] [--now 2024-01-16T10:00:00Z] [--github]

Tags come from ``git for-each-ref refs/tags`` (their tagger or commit dates; check out with
``fetch-depth: 0``) or from ``--tags FILE`` (one ``TAG ISO-8601-TIME`` per line). Post-mortems
are files in the policy's ``hotfix.postmortem_dir`` whose name or text names the version,
and/or (with ``--github``) issues labelled ``hotfix.postmortem_label`` naming it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from releasekit.cli.common import ArgumentParser
from releasekit.cli.common.ops import (
    OpsRun,
    new_ops_parser,
    ops_main,
    run_url,
)
from releasekit.core.report import Report
from releasekit.gates.hotfix_sla import TOOL, HotfixSlaRequest, hotfix_sla


def _parser() -> ArgumentParser:
    p = new_ops_parser(TOOL, __doc__)
    p.add_argument("--tags", type=Path, help="tags file: one 'TAG ISO-8601-TIME' per line")
    p.add_argument("--now", metavar="ISO-8601", help="the time to check at (default: now)")
    p.add_argument(
        "--github",
        action="store_true",
        help="also read post-mortem issues and keep the hotfix-debt issue up to date",
    )
    return p


def _evaluate(run: OpsRun) -> Report:
    a = run.args
    request = HotfixSlaRequest(
        repo=a.repo,
        now=run.now(),
        policy=a.policy,
        tags=a.tags,
        github=a.github,
        run_url=run_url(run.env),
    )
    return hotfix_sla(request, run.ports)


main = ops_main(
    TOOL,
    _parser,
    subject=lambda _args: "hotfix deadlines",
    evaluate=_evaluate,
)


if __name__ == "__main__":
    sys.exit(main())
