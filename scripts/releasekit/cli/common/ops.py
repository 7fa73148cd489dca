"""What the release-operations commands (rollout, rollback, hotfix-sla, tracker) share.

Their common options (``--format``/``--report-out``/``--repo``/``--policy`` before or after the
subcommand), the clock, the run URL, and the GitHub connector. The GitHub adapter is imported
only when a command connects, so offline decisions from files never load PyGithub or requests.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from releasekit.adapters.actions import Runtime
from releasekit.cli.common import FORMATS
from releasekit.core.rollout.controller import parse_time
from releasekit.workspace.ops import POLICY_PATH

if TYPE_CHECKING:
    from releasekit.adapters.github.deployments import ReleaseOpsPort

Connector = Callable[[Mapping[str, str], Runtime], "ReleaseOpsPort"]
Clock = Callable[[], dt.datetime]


def default_connector(env: Mapping[str, str], runtime: Runtime) -> ReleaseOpsPort:
    """The real GitHub port (``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``, ``GITHUB_API_URL``)."""
    from releasekit.adapters.github.deployments import connect

    return connect(env, runtime=runtime)


def utc_now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


def parse_now(text: str | None, clock: Clock) -> dt.datetime:
    """``--now`` as an aware UTC time, or the clock."""
    return clock() if text is None else parse_time(text, what="--now")


def run_url(env: Mapping[str, str]) -> str:
    """This workflow run's URL, or empty outside Actions."""
    server, repo, run = (
        env.get("GITHUB_SERVER_URL", ""),
        env.get("GITHUB_REPOSITORY", ""),
        env.get("GITHUB_RUN_ID", ""),
    )
    if server and repo and run.isdigit():
        return f"{server}/{repo}/actions/runs/{run}"
    return ""


def add_common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--format, --report-out, --repo, --policy: before or after the subcommand.

    The composite action passes ``--format``, ``--report-out`` and ``--repo`` before the
    subcommand (``rollout --format=json --repo=. decide ...``); people type them after it. The
    subcommand's copies default to "not given" so they never overwrite the top-level values.
    """
    keep = argparse.SUPPRESS
    parser.add_argument(
        "--format", choices=FORMATS, default="text" if top else keep, help="output format"
    )
    parser.add_argument(
        "--report-out",
        metavar="FILE",
        type=Path,
        default=None if top else keep,
        help="also write the JSON report to FILE",
    )
    parser.add_argument(
        "--repo",
        type=Path,
        default=Path() if top else keep,
        help="repository root (default: .)",
    )
    parser.add_argument(
        "--policy",
        type=Path,
        default=None if top else keep,
        help=f"release policy file (default: REPO/{POLICY_PATH})",
    )
