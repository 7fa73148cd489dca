"""``releasekit doctor``: read the repository's GitHub settings and say what the gates lack.

parse → read the settings through the port (or a ``--fixture``) → ``core.doctor.evaluate`` →
report → exit. Doctor only reads: it never writes to GitHub. A setting this token may not read
becomes a warning naming the permission that would let doctor read it (``AccessDeniedError``
→ ``Unreadable``); any other GitHub failure stops doctor with exit 3, never a pass.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Protocol, TextIO, TypeVar

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.interface import AccessDeniedError, RepositoryReadPort
from releasekit.cli.common import ArgumentParser, new_parser, run_gate, usage_failure
from releasekit.core.repo import doctor
from releasekit.core.repo.doctor import FoundFile, SettingsFacts, Unreadable
from releasekit.core.report import Report
from releasekit.core.signoff.policy import POLICY_PATH
from releasekit.errors import InputError, Problem

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


def read(fn: Callable[[], T], what: str) -> T | Unreadable:
    """``fn()``, or ``Unreadable`` when GitHub will not show it to this token."""
    try:
        return fn()
    except AccessDeniedError as exc:
        # "could not read X: GitHub answered 403 (...)": doctor's sentence names X itself.
        head, sep, said = exc.problem.message.partition(": ")
        detail = said if sep and head.startswith("could not ") else exc.problem.message
        return Unreadable(what, exc.permission, detail)


def read_file(port: RepositoryReadPort, path: str, ref: str) -> str | Unreadable | Problem | None:
    """A file at ``ref``; a file that is there but unusable is a ``Problem`` (a DOC finding)."""
    try:
        return read(lambda: port.file_at(path, ref), f"{path} on {ref}")
    except InputError as exc:
        return exc.problem


def gather(port: RepositoryReadPort) -> SettingsFacts:
    """Read everything doctor checks from ``port`` (reads only; about 10 requests)."""
    info = port.repository_info()
    branch = info.default_branch
    policy = read_file(port, POLICY_PATH, branch)
    names, source = doctor.environment_names(policy if isinstance(policy, str) else None)
    codeowners: FoundFile | Unreadable | Problem | None = None
    for path in doctor.CODEOWNERS_PATHS:
        # GitHub uses the first of these that exists; an unreadable one hides which that is.
        text = read_file(port, path, branch)
        if text is None:
            continue
        codeowners = FoundFile(path, text) if isinstance(text, str) else text
        break
    return SettingsFacts(
        repository=info,
        protection=read(
            lambda: port.branch_protection(branch), f"the branch protection of {branch}"
        ),
        rules=read(lambda: tuple(port.branch_rules(branch)), f"the rulesets of {branch}"),
        environments=tuple(
            (name, read(partial(port.environment, name), f"environment “{name}”")) for name in names
        ),
        actions=read(port.actions_permissions, "the Actions settings"),
        codeowners=codeowners,
        policy=policy,
        environments_from=source,
    )


def main(
    argv: list[str] | None = None,
    *,
    connector: Connector = default_connector,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Entry point: parse → read the settings → evaluate → report → exit code."""
    environ = os.environ if env is None else env
    try:
        args = parser().parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc, out)
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
            facts = gather(port)
            report = doctor.evaluate(facts, required_check=args.required_check, strict=args.strict)
            return report.with_data(requests=port.request_count)
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
