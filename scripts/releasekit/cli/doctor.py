"""``releasekit doctor``: read the repository's GitHub settings and say what the gates lack.

parse → the port (GitHub, or a ``--fixture``) → ``gates.doctor.run_doctor`` → report → exit.
Doctor only reads: it never writes to GitHub (docs/doctor.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol, TextIO, TypeVar

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.interface import RepositoryReadPort
from releasekit.cli.common import (
    ArgumentParser,
    new_parser,
    parse_or_usage,
    run_gate,
)
from releasekit.core.repo import doctor
from releasekit.core.report import Report
from releasekit.gates.doctor import DoctorRequest, run_doctor

TOOL = doctor.TOOL
T = TypeVar("T")


class ClosablePort(RepositoryReadPort, Protocol):
    """A read port that holds a connection to release at the end."""

    def close(self) -> None:
        """Release the connection (nothing, for a fixture)."""
        ...


Connector = Callable[[Mapping[str, str], Runtime], ClosablePort]


def default_connector(env: Mapping[str, str], runtime: Runtime) -> ClosablePort:
    """The real GitHub port (``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``, ``GITHUB_API_URL``)."""
    from releasekit.adapters.github.pygithub import connect

    return connect(env, runtime=runtime)


def parser() -> ArgumentParser:
    """The command line of ``releasekit doctor``."""
    p = new_parser(
        "releasekit doctor",
        "Check the repository's GitHub settings the gates rely on: branch protection or"
        " rulesets, CODEOWNERS, environments, Actions permissions and the policy file.",
    )
    p.add_argument(
        "--repo",
        metavar="DIR",
        type=Path,
        default=Path(),
        help="accepted for the composite action; doctor reads everything from GitHub",
    )
    p.add_argument(
        "--required-check",
        metavar="NAME",
        default=doctor.DEFAULT_REQUIRED_CHECK,
        help="the check the default branch must require (default: releasekit / gate)",
    )
    p.add_argument(
        "--fixture",
        metavar="FILE",
        type=Path,
        help="read the settings from FILE (JSON captured with `gh api`, docs/doctor.md), offline",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="a setting this token cannot read blocks (for a scheduled run with an admin token)",
    )
    return p


def main(
    argv: list[str] | None = None,
    *,
    connector: Connector = default_connector,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Entry point: parse → read the settings → evaluate → report → exit code."""
    environ = os.environ if env is None else env
    args = parse_or_usage(parser(), argv, TOOL, out)
    if isinstance(args, int):
        return args
    stream = sys.stdout if out is None else out
    runtime = Runtime.from_env(stream, environ)
    subject = environ.get("GITHUB_REPOSITORY", "") or "the repository"

    def evaluate() -> Report:
        if args.fixture is not None:
            from releasekit.adapters.github.settings_fixture import SettingsFixturePort

            port: ClosablePort = SettingsFixturePort.load(args.fixture)
        else:
            port = connector(environ, runtime)
        try:
            request = DoctorRequest(required_check=args.required_check, strict=args.strict)
            return run_doctor(request, port)
        finally:
            port.close()

    return run_gate(
        TOOL,
        str(args.fixture) if args.fixture is not None else subject,
        args,
        evaluate,
        out=stream,
        details=doctor.details_markdown,
        runtime=runtime,
    )


if __name__ == "__main__":
    sys.exit(main())
