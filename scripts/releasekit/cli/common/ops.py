"""What the release-operations commands (rollout, rollback, hotfix-sla, tracker) share.

Their common options (``--format``/``--report-out``/``--repo``/``--policy`` before or after the
subcommand), the clock, the run URL, and the GitHub connector. The GitHub adapter is imported
only when a command connects, so offline decisions from files never load PyGithub or requests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from releasekit.adapters.actions import Runtime
from releasekit.cli.common import FORMATS, ArgumentParser, parse_or_usage, run_gate
from releasekit.core.report import Report
from releasekit.core.rollout.controller import parse_time
from releasekit.gates.rollout import OpsPorts
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


def actor(env: Mapping[str, str]) -> str:
    """Who started this run (the runner's ``GITHUB_ACTOR``), or ``local``."""
    return env.get("GITHUB_ACTOR", "").strip() or "local"


@dataclass
class OpsRun:
    """One run of an ops command: its options, ports, clock and environment, and (for the job
    summary) the details its gate produced."""

    args: argparse.Namespace
    ports: OpsPorts
    clock: Clock
    env: Mapping[str, str]
    details: str = ""

    def now(self) -> dt.datetime:
        """``--now`` (when the command has it and it was given), else the clock."""
        return parse_now(getattr(self.args, "now", None), self.clock)

    def set_details(self, text: str) -> None:
        """Keep the gate's details for the job summary."""
        self.details = text


def run_ops(
    tool: str,
    parser: ArgumentParser,
    argv: list[str] | None,
    *,
    subject: Callable[[argparse.Namespace], str],
    evaluate: Callable[[OpsRun], Report],
    connector: Connector,
    clock: Clock,
    env: Mapping[str, str] | None,
    with_details: bool = False,
) -> int:
    """Parse, evaluate through the gate, print and publish the report; the exit code.

    ``with_details``: the gate hands the job summary's details to ``OpsRun.set_details``.
    """
    environ = os.environ if env is None else env
    args = parse_or_usage(parser, argv, tool)
    if isinstance(args, int):
        return args
    ports = OpsPorts(
        lambda: connector(environ, Runtime.from_env(sys.stdout, environ)), environ, clock
    )
    run = OpsRun(args, ports, clock, environ)

    def details(_report: Report) -> str:
        return run.details

    return run_gate(
        tool,
        subject(args),
        args,
        lambda: evaluate(run),
        details=details if with_details else None,
    )


def new_ops_parser(tool: str, doc: str | None) -> ArgumentParser:
    """The parser of an ops command, with the common options at the top level."""
    parser = ArgumentParser(prog=f"releasekit {tool}", description=(doc or tool).splitlines()[0])
    add_common(parser, top=True)
    return parser


class OpsMain(Protocol):
    """An ops command's entry point: argv, and the GitHub connector, clock and environment
    tests inject."""

    def __call__(
        self,
        argv: list[str] | None = None,
        *,
        connector: Connector = ...,
        clock: Clock = ...,
        env: Mapping[str, str] | None = None,
    ) -> int:
        """Run the command; the exit code."""
        ...


def ops_main(
    tool: str,
    parser: Callable[[], ArgumentParser],
    *,
    subject: Callable[[argparse.Namespace], str],
    evaluate: Callable[[OpsRun], Report],
    with_details: bool = False,
) -> OpsMain:
    """The ``main`` of an ops command: parse, run the gate through ``evaluate``, report."""

    def main(
        argv: list[str] | None = None,
        *,
        connector: Connector = default_connector,
        clock: Clock = utc_now,
        env: Mapping[str, str] | None = None,
    ) -> int:
        return run_ops(
            tool,
            parser(),
            argv,
            subject=subject,
            evaluate=evaluate,
            connector=connector,
            clock=clock,
            env=env,
            with_details=with_details,
        )

    main.__doc__ = f"Entry point of ``releasekit {tool}``."
    return main
