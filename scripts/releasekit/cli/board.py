"""``releasekit board``: one static page: what is live, where each rollout stands, what next.

Runbook: Phase 4 (staged rollout), Rollback Procedure and Emergency Release, read back for
people. Called by ``.github/workflows/board.yml`` on a schedule and on ``deployment_status``,
``release`` and ``issues`` events; it writes ``index.html`` (no script, no external request)
and ``board.json`` (the same facts) for GitHub Pages. Token permissions, read-only:
``contents``, ``deployments``, ``issues``, ``pull-requests`` and ``checks``. Offline, from a
fixture and with no token::

    releasekit board --fixture examples/trading-desk/.releasekit/board-fixture.json --out site

Exit codes: 0 the board was built, 2 bad input (a malformed fixture or policy, a bad
repository name), 3 GitHub could not be read. The board never blocks (there is no exit 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.board import BoardSource
from releasekit.cli.common import new_parser, parse_or_usage, run_gate
from releasekit.core.report import Report
from releasekit.core.rollout.controller import parse_time
from releasekit.errors import InputError
from releasekit.gates.board import TOOL, BoardRequest, build_site

Connector = Callable[[Mapping[str, str], Runtime], BoardSource]
Clock = Callable[[], dt.datetime]


def default_connector(env: Mapping[str, str], runtime: Runtime) -> BoardSource:
    """A GitHub ``BoardPort`` for ``env``'s ``GITHUB_REPOSITORY`` (imported only when used)."""
    from releasekit.adapters.github.board import connect

    return connect(env, runtime=runtime)


def utc_now() -> dt.datetime:
    """The clock: now, in UTC."""
    return dt.datetime.now(dt.UTC)


def _parser() -> argparse.ArgumentParser:
    p = new_parser(f"releasekit {TOOL}", (__doc__ or TOOL).splitlines()[0])
    p.add_argument(
        "--repository",
        action="append",
        metavar="OWNER/NAME",
        help="a repository to show (repeat for several of one organisation; default:"
        " GITHUB_REPOSITORY)",
    )
    p.add_argument("--fixture", type=Path, help="build offline from a board fixture (no token)")
    p.add_argument("--out", type=Path, help="write index.html and board.json to this directory")
    p.add_argument(
        "--now", metavar="ISO-8601", help="build as of this time (default: the fixture's or now)"
    )
    return p


def main(
    argv: list[str] | None = None,
    *,
    connector: Connector = default_connector,
    clock: Clock = utc_now,
    env: Mapping[str, str] | None = None,
) -> int:
    """Entry point: parse → read each repository → build the board → write the site."""
    environ = os.environ if env is None else env
    args = parse_or_usage(_parser(), argv, TOOL)
    if isinstance(args, int):
        return args

    def evaluate() -> Report:
        report, _ = build_site(*_request(args, connector, clock, environ))
        return report

    return run_gate(TOOL, "release board", args, evaluate)


def _request(
    args: argparse.Namespace, connector: Connector, clock: Clock, env: Mapping[str, str]
) -> tuple[BoardRequest, Sequence[BoardSource]]:
    now = parse_time(args.now, what="--now") if args.now else None
    if args.fixture is not None:
        if args.repository:
            raise InputError(
                "--repository and --fixture do not go together: the fixture names its repositories",
                hint="drop --repository",
            )
        from releasekit.adapters.github.board_fixture import load_fixture

        sources, fixture_now = load_fixture(args.fixture, shown_as=args.fixture.as_posix())
        when = now or fixture_now or clock()
        return BoardRequest(when, args.out, source="fixture"), list(sources)
    names = args.repository or [env.get("GITHUB_REPOSITORY", "")]
    runtime = Runtime.from_env(sys.stdout, env)
    github = [connector({**env, "GITHUB_REPOSITORY": name}, runtime) for name in names]
    return BoardRequest(now or clock(), args.out), github


if __name__ == "__main__":
    sys.exit(main())
