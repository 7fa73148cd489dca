"""``releasekit rollout``: decide (and take) the next step of a staged rollout (runbook Phase 4).

Called by ``.github/workflows/rollout.yml`` on the caller's schedule and ``repository_dispatch``
(``decide`` in a job without an environment; ``decide --deploy`` again in the job that runs in
the target environment, so its protection rules apply). Token permissions: ``deployments:
read`` to rebuild the state, ``deployments: write`` to record it, ``issues: write`` for
``--tracker``. Offline (a state file, a metrics file, ``--now``) it needs no token at all::

    releasekit rollout decide --state STATE.json --metrics METRICS.json --now 2024-01-05T09:00Z
    releasekit rollout decide --from-github [--version 1.2.3] [--record] [--deploy]
    releasekit rollout resume --reason "losses explained: ..." (--state FILE | --from-github)

``decide`` prints a report whose ``data`` holds the decision (docs/rollout.md, "JSON"); it
changes nothing unless asked: ``--write-state`` (the state file, atomically), ``--record``
(deployment statuses on GitHub), ``--deploy`` (run the policy's deploy command when the
decision is a promotion, then record it). Exit codes: 0 promote or hold, 1 pause or
rollback (or a failed deployment), 2 bad input, 3 GitHub or runner failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from releasekit.cli.common import ArgumentParser
from releasekit.cli.common.ops import (
    OpsRun,
    actor,
    add_common,
    new_ops_parser,
    ops_main,
    run_url,
)
from releasekit.core.report import Report
from releasekit.core.rollout.rollback import release_tag
from releasekit.gates.rollout import RolloutRequest, rollout

TOOL = "rollout"


def _parser() -> ArgumentParser:
    p = new_ops_parser(TOOL, __doc__)
    sub = p.add_subparsers(dest="action", metavar="{decide,resume}")
    sub.required = True
    d = sub.add_parser("decide", help="decide promote / hold / pause / rollback")
    add_common(d, top=False)
    _state_options(d)
    d.add_argument("--metrics", type=Path, help="metrics snapshot JSON (default: policy command)")
    d.add_argument("--now", metavar="ISO-8601", help="the time to decide at (default: now)")
    d.add_argument(
        "--evidence",
        type=Path,
        metavar="FILE",
        help="the release's evidence.json: its recorded release type sets the rollout mode",
    )
    d.add_argument("--write-state", action="store_true", help="write the new state to --state")
    d.add_argument("--record", action="store_true", help="record the decision on GitHub")
    d.add_argument(
        "--deploy",
        action="store_true",
        help="on a promotion, run the policy's deploy command, then record it",
    )
    d.add_argument(
        "--expect-stage",
        metavar="ID",
        help="with --deploy: deploy only if the promotion is to this stage",
    )
    d.add_argument(
        "--tracker", action="store_true", help="tick the release tracker issue on a promotion"
    )
    r = sub.add_parser("resume", help="resume a paused rollout after review")
    add_common(r, top=False)
    _state_options(r)
    r.add_argument("--reason", required=True, help="the review's conclusion (one line)")
    r.add_argument("--now", metavar="ISO-8601", help="the time (default: now)")
    r.add_argument("--write-state", action="store_true", help="write the new state to --state")
    r.add_argument("--record", action="store_true", help="record the resume on GitHub")
    return p


def _state_options(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--state", type=Path, help="the rollout state file (offline)")
    src.add_argument(
        "--from-github", action="store_true", help="rebuild the state from GitHub deployments"
    )
    p.add_argument(
        "--version",
        help="X.Y.Z or vX.Y.Z (both mean the tag vX.Y.Z): with --from-github, the rollout to"
        " decide on (default: every unfinished rollout); with a --state file that does not"
        " exist yet, start this version's rollout",
    )


def _subject(args: argparse.Namespace) -> str:
    return f"{TOOL} {args.version or ''}".strip() if args.from_github else str(args.state)


def _evaluate(run: OpsRun) -> Report:
    a = run.args
    decide = a.action == "decide"
    request = RolloutRequest(
        action=a.action,
        repo=a.repo,
        now=run.now(),
        policy=a.policy,
        state=a.state,
        from_github=a.from_github,
        version=None if a.version is None else release_tag(a.version, what="--version")[1:],
        metrics=a.metrics if decide else None,
        evidence=a.evidence if decide else None,
        write_state=a.write_state,
        record=a.record,
        deploy=decide and a.deploy,
        expect_stage=a.expect_stage if decide else None,
        tracker=decide and a.tracker,
        reason=None if decide else a.reason,
        actor=actor(run.env),
        run_url=run_url(run.env),
        env=run.env,
    )
    return rollout(request, run.ports, run.set_details)


main = ops_main(
    TOOL,
    _parser,
    subject=_subject,
    evaluate=_evaluate,
    with_details=True,
)


if __name__ == "__main__":
    sys.exit(main())
