"""``releasekit tracker``: the runbook's Release Checklist as one GitHub issue per version.

Workflows call it as steps happen (``tick ITEM --evidence TEXT``); ``rollout decide
--tracker`` ticks the deployment items itself. A box is ticked exactly when its evidence was
recorded, never by hand (docs/rollout.md, "Release tracker"). Token permission: ``issues:
write``. ``--body-file FILE`` works on a local copy of the issue body instead (no token)::

    releasekit tracker open --version v1.2.3
    releasekit tracker tick deployed-paper --version v1.2.3 --evidence "deployment 4711"
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from releasekit.adapters.actions import Runtime
from releasekit.adapters.files import read_text, write_atomic
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
from releasekit.core.report import Report
from releasekit.core.rollout.rollback import check_tag
from releasekit.core.rollout.tracker import (
    ITEMS,
    TRACKER_LABEL,
    TRACKER_MARKER,
    check_evidence,
    check_item,
    parse_evidence,
    render_tracker,
    tick,
    tracker_title,
)
from releasekit.errors import InputError
from releasekit.workspace.release_files import shown

TOOL = "tracker"
BODY_MAX_BYTES = 256 * 1024


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog=f"releasekit {TOOL}", description=(__doc__ or TOOL).splitlines()[0])
    add_common(p, top=True)
    sub = p.add_subparsers(dest="action", metavar="{open,tick}")
    sub.required = True
    o = sub.add_parser("open", help="open (or refresh) the version's checklist issue")
    add_common(o, top=False)
    t = sub.add_parser("tick", help="record evidence for one checklist item")
    add_common(t, top=False)
    t.add_argument("item", help=f"the item id, one of: {', '.join(i for i, _, _ in ITEMS)}")
    t.add_argument("--evidence", required=True, help="what was seen (one line)")
    for s in (o, t):
        s.add_argument("--version", required=True, help="the release tag, vX.Y.Z")
        s.add_argument("--now", metavar="ISO-8601", help="the time (default: now)")
        s.add_argument("--body-file", type=Path, help="work on a local body file, not GitHub")
    return p


def main(
    argv: list[str] | None = None,
    *,
    connector: Connector = default_connector,
    clock: Clock = utc_now,
    env: Mapping[str, str] | None = None,
) -> int:
    """Entry point: ``tracker open`` or ``tracker tick ITEM``."""
    environ = os.environ if env is None else env
    try:
        args = _parser().parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc)

    def evaluate() -> Report:
        return _evaluate(args, connector, clock, environ)

    return run_gate(TOOL, f"release checklist {args.version}"[:80], args, evaluate)


def _evaluate(
    args: argparse.Namespace, connector: Connector, clock: Clock, env: Mapping[str, str]
) -> Report:
    tag = check_tag(args.version, what="--version")
    item = check_item(args.item) if args.action == "tick" else None
    detail = check_evidence(args.evidence) if args.action == "tick" else ""
    now = parse_now(args.now, clock)
    by = f"{env.get('GITHUB_WORKFLOW', '').strip() or 'releasekit'} {run_url(env)}".strip()
    marker = TRACKER_MARKER.format(tag=tag)
    if args.body_file is not None:
        path: Path = args.body_file
        old = (
            read_text(path, what="tracker body", shown_as=shown(path), max_bytes=BODY_MAX_BYTES)
            if path.exists()
            else ""
        )
        evidence = parse_evidence(old)
        if item is not None:
            evidence = tick(evidence, item, at=now, by=by, detail=detail)
        write_atomic({path: f"{marker}\n{render_tracker(tag, evidence)}"})
        url = str(path)
    else:
        port = connector(env, Runtime.from_env(sys.stdout, env))
        found = port.find_issue(marker, label=TRACKER_LABEL)
        evidence = parse_evidence(found.body) if found else {}
        if item is not None:
            evidence = tick(evidence, item, at=now, by=by, detail=detail)
        result = port.upsert_issue(
            marker=marker,
            title=tracker_title(tag),
            body=render_tracker(tag, evidence),
            label=TRACKER_LABEL,
        )
        url = result.url
    data = {
        "version": tag[1:],
        "tag": tag,
        "ticked": sorted(evidence),
        "open": [i for i, _, _ in ITEMS if i not in evidence],
        "url": url,
    }
    return Report(TOOL, f"release checklist {tag}", (), data)


if __name__ == "__main__":
    sys.exit(main())
