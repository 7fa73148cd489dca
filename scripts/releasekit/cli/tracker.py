"""``releasekit tracker``: the runbook's Release Checklist as one GitHub issue per version.

Workflows call it as steps happen (``tick ITEM --evidence TEXT``); ``rollout decide
--tracker`` ticks the deployment items itself. A box is ticked exactly when its evidence was
recorded, never by hand (docs/rollout.md, "Release tracker"). Token permission: ``issues:
write``. ``--body-file FILE`` works on a local copy of the issue body instead (no token)::

    releasekit tracker open --version v1.2.3
    releasekit tracker tick deployed-paper --version v1.2.3 --evidence "deployment 4711"
"""

from __future__ import annotations

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
from releasekit.core.rollout.rollback import release_tag
from releasekit.core.rollout.tracker import ITEMS
from releasekit.gates.tracker import TOOL, TrackerRequest, tracker


def _parser() -> ArgumentParser:
    p = new_ops_parser(TOOL, __doc__)
    sub = p.add_subparsers(dest="action", metavar="{open,tick}")
    sub.required = True
    o = sub.add_parser("open", help="open (or refresh) the version's checklist issue")
    add_common(o, top=False)
    t = sub.add_parser("tick", help="record evidence for one checklist item")
    add_common(t, top=False)
    t.add_argument("item", help=f"the item id, one of: {', '.join(i for i, _, _ in ITEMS)}")
    t.add_argument("--evidence", required=True, help="what was seen (one line)")
    for s in (o, t):
        s.add_argument(
            "--version",
            required=True,
            help="the release: X.Y.Z or vX.Y.Z (both mean the tag vX.Y.Z)",
        )
        s.add_argument("--now", metavar="ISO-8601", help="the time (default: now)")
        s.add_argument("--body-file", type=Path, help="work on a local body file, not GitHub")
    return p


def _evaluate(run: OpsRun) -> Report:
    a, env = run.args, run.env
    tick = a.action == "tick"
    request = TrackerRequest(
        action=a.action,
        tag=release_tag(a.version, what="--version"),
        now=run.now(),
        item=a.item if tick else None,
        evidence=a.evidence if tick else "",
        body_file=a.body_file,
        by=f"{env.get('GITHUB_WORKFLOW', '').strip() or 'releasekit'} {run_url(env)}".strip(),
    )
    return tracker(request, run.ports)


main = ops_main(
    TOOL,
    _parser,
    subject=lambda args: f"release checklist {args.version}"[:80],
    evaluate=_evaluate,
)


if __name__ == "__main__":
    sys.exit(main())
