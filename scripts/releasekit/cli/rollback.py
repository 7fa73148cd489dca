"""``releasekit rollback``: the runbook's Rollback Procedure, and the founders' kill-switch release.

Called by ``.github/workflows/rollback.yml`` (``workflow_dispatch`` by a person, or
``workflow_call`` from rollout.yml when the rollback table says so), in the ``live``
environment. Token permissions: ``contents: read`` (tags, the policy on the default branch),
``deployments: write`` (record the rollback), ``issues: write`` (the incident record).

    releasekit rollback plan --version v1.2.3 --reason "..." --condition live-errors
    releasekit rollback run  --version v1.2.3 --reason "..." --condition live-errors \
        [--target v1.2.2] [--metrics SNAPSHOT.json]
    releasekit rollback kill-switch-release --reason "..."

``plan`` validates and resolves the target and changes nothing. ``run`` validates every input
first (the versions must be existing release tags, the reason one bounded line, the condition
one of the runbook's) so that a refused dispatch writes nothing, then: kill switch, checkout of
the target tag in a separate worktree, deploy, verify, record on GitHub, incident issue
(docs/rollback.md). ``kill-switch-release`` runs the policy's deactivate command only when
everyone who started the run holds the founder role — checked against ``roles.founder`` of
the policy on the default branch, teams through the API (only ``active`` membership counts;
a team that cannot be read is exit 3) — and records who authorised it.

Exit codes: 0 done, 1 a step failed or the release was refused, 2 bad input (nothing was
done), 3 GitHub or runner failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from releasekit.cli.common import ArgumentParser
from releasekit.cli.common.ops import (
    OpsRun,
    add_common,
    new_ops_parser,
    ops_main,
    run_url,
)
from releasekit.core.report import Report
from releasekit.gates.rollback import RollbackRequest, rollback

TOOL = "rollback"


def _parser() -> ArgumentParser:
    p = new_ops_parser(TOOL, __doc__)
    sub = p.add_subparsers(dest="action", metavar="{plan,run,kill-switch-release}")
    sub.required = True
    for name, text in (
        ("plan", "validate the inputs and show what a rollback would do (no side effects)"),
        ("run", "roll back: kill switch, deploy the previous stable version, verify, record"),
    ):
        s = sub.add_parser(name, help=text)
        add_common(s, top=False)
        s.add_argument(
            "--version", required=True, help="the failing version: X.Y.Z or vX.Y.Z (tag vX.Y.Z)"
        )
        s.add_argument(
            "--target",
            help="the version to roll back to, X.Y.Z or vX.Y.Z (default: the previous stable)",
        )
        s.add_argument("--reason", required=True, help="why, in one line (recorded)")
        s.add_argument("--condition", required=True, help="the runbook condition")
        s.add_argument("--metrics", type=Path, help="the triggering metrics, for the incident")
    k = sub.add_parser("kill-switch-release", help="deactivate the kill switch (founders only)")
    add_common(k, top=False)
    k.add_argument("--reason", required=True, help="why trading is safe again (one line)")
    k.add_argument(
        "--policy-ref",
        help="the branch to read roles from (default: the repository's default branch)",
    )
    return p


def _subject(args: argparse.Namespace) -> str:
    if args.action == "kill-switch-release":
        return "kill switch"
    return f"rollback of v{args.version.strip().removeprefix('v')}"[:80]


def _evaluate(run: OpsRun) -> Report:
    a, env = run.args, run.env
    release = a.action == "kill-switch-release"
    request = RollbackRequest(
        action=a.action,
        repo=a.repo,
        policy=a.policy,
        version="" if release else a.version,
        target=None if release else a.target,
        reason=a.reason,
        condition="" if release else a.condition,
        metrics=None if release else a.metrics,
        policy_ref=a.policy_ref if release else None,
        actors=(env.get("GITHUB_ACTOR", ""), env.get("GITHUB_TRIGGERING_ACTOR", "")),
        run_url=run_url(env),
        server_url=env.get("GITHUB_SERVER_URL", "https://github.com"),
    )
    return rollback(request, run.ports)


main = ops_main(
    TOOL,
    _parser,
    subject=_subject,
    evaluate=_evaluate,
)


if __name__ == "__main__":
    sys.exit(main())
