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

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from releasekit.adapters.actions import Runtime
from releasekit.cli.common import ArgumentParser, run_gate, usage_failure
from releasekit.cli.common.ops import (
    Clock,
    Connector,
    add_common,
    default_connector,
    parse_now,
    run_url,
    utc_now,
)
from releasekit.core.report import Finding, Report, finding
from releasekit.core.rollout.controller import iso
from releasekit.core.rollout.hotfix import (
    DEBT_LABEL,
    DEBT_MARKER,
    Postmortem,
    debt_issue,
    evaluate_hotfixes,
    is_hotfix_tag,
    names_version,
)
from releasekit.core.rollout.plan import HotfixRules
from releasekit.errors import InputError
from releasekit.workspace.ops import git_tags, load_plan, postmortem_files, read_tags_file

if TYPE_CHECKING:
    from releasekit.adapters.github.deployments import ReleaseOpsPort

TOOL = "hotfix-sla"


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog=f"releasekit {TOOL}", description=(__doc__ or TOOL).splitlines()[0])
    add_common(p, top=True)
    p.add_argument("--tags", type=Path, help="tags file: one 'TAG ISO-8601-TIME' per line")
    p.add_argument("--now", metavar="ISO-8601", help="the time to check at (default: now)")
    p.add_argument(
        "--github",
        action="store_true",
        help="also read post-mortem issues and keep the hotfix-debt issue up to date",
    )
    return p


def main(
    argv: list[str] | None = None,
    *,
    connector: Connector = default_connector,
    clock: Clock = utc_now,
    env: Mapping[str, str] | None = None,
) -> int:
    """Entry point: parse → load tags and post-mortems → evaluate → report (and issue)."""
    environ = os.environ if env is None else env
    try:
        args = _parser().parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc)

    def evaluate() -> Report:
        return _evaluate(args, connector, clock, environ)

    return run_gate(TOOL, "hotfix deadlines", args, evaluate)


def _evaluate(
    args: argparse.Namespace, connector: Connector, clock: Clock, env: Mapping[str, str]
) -> Report:
    plan, _ = load_plan(args.repo, args.policy)
    rules = plan.hotfix
    now = parse_now(args.now, clock)
    tags = read_tags_file(args.tags) if args.tags is not None else git_tags(args.repo)
    hotfixes = [t for t in tags if is_hotfix_tag(t.name)]
    port: ReleaseOpsPort | None = None
    if args.github:
        port = connector(env, Runtime.from_env(sys.stdout, env))
    if rules.postmortem == "issue" and port is None:
        raise InputError(
            "the policy counts only post-mortem issues (rollout.hotfix.postmortem: issue),"
            " which need --github",
            hint="run with --github and a token with issues: read",
        )
    postmortems: list[Postmortem] = []
    if rules.postmortem in ("file", "either"):
        postmortems += postmortem_files(args.repo, rules, [t.name for t in hotfixes])
    if rules.postmortem in ("issue", "either") and port is not None:
        postmortems += postmortem_issues(port, rules, [t.name for t in hotfixes])
    findings = evaluate_hotfixes(
        tags,
        postmortems,
        now,
        postmortem_hours=rules.postmortem_hours,
        release_hours=rules.release_hours,
    )
    extra: list[Finding] = []
    issue_url = None
    if port is not None:
        overdue = [f for f in findings if f.level == "error"]
        if overdue:
            title, body = debt_issue(findings, now, run_url(env))
            result = port.upsert_issue(marker=DEBT_MARKER, title=title, body=body, label=DEBT_LABEL)
            issue_url = result.url
            extra.append(finding("HFX010", "notice", f"hotfix debt issue: {result.url}"))
        else:
            result = port.upsert_issue(
                marker=DEBT_MARKER,
                title="Hotfix debt: cleared",
                body=f"Nothing is overdue (checked {iso(now)}).\n",
                label=DEBT_LABEL,
                state="closed",
            )
            if result.id:
                extra.append(finding("HFX010", "notice", f"hotfix debt issue closed: {result.url}"))
    data = {
        "now": iso(now),
        "hotfixes": [t.name for t in hotfixes],
        "overdue": [f.message for f in findings if f.level == "error"],
        "issue_url": issue_url,
    }
    return Report(TOOL, "hotfix deadlines", (*findings, *extra), data)


def postmortem_issues(
    port: ReleaseOpsPort, rules: HotfixRules, hotfix_tags: list[str]
) -> list[Postmortem]:
    """Issues labelled as post-mortems whose title or body names a hotfix."""
    out = []
    for issue in port.issues(label=rules.postmortem_label):
        for tag in hotfix_tags:
            if names_version(issue.title, tag) or names_version(issue.body[:65536], tag):
                out.append(Postmortem(tag, f"#{issue.number}"))
    return out


if __name__ == "__main__":
    sys.exit(main())
