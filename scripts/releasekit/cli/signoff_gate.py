"""``releasekit signoff-gate``: decide a release pull request's sign-off (rules SGN0xx).

Runbook step: Phase 2 "Review & Approval" (required approvals, CI checks) and the "Audit
Sign-Off Checklist". For the pull request of the event (``GITHUB_EVENT_PATH``:
``pull_request.number`` of a ``pull_request`` or ``pull_request_review`` event) or ``--pr N``,
it reads the pull request, every changed path, its reviews and commits, and the release policy
**of the default branch's tip**, runs check-changelog and the audit evidence on the checked-out
head in-process (``gates.signoff``), and decides APPROVED (exit 0), HOLD or REJECTED (exit 1);
GitHub unreadable is exit 3, bad input or policy exit 2. docs/signoff.md has the rules.

Token permissions: ``contents: read`` (the policy on the default branch), ``pull-requests: read``
(the pull request and its reviews; ``write`` to also post the comment), ``checks: write`` (the
``releasekit/signoff`` check run). Roles given by teams need a GitHub App installation token
with the organization permission Members: read (GITHUB_TOKEN cannot read teams).

Local use: ``--explain`` says who fills which role and what is missing; ``--fixture FILE``
answers every GitHub read from a JSON file (docs/formats/signoff-fixture.md), with no token.
Publishing (check run, comment) happens only in GitHub Actions and never for a fixture.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.event import (
    EventFacts,
    default_branch,
    event_facts,
    pull_request_number,
)
from releasekit.adapters.github.fixture import FixturePort
from releasekit.adapters.github.interface import GitHubPort, ReleasePort
from releasekit.cli.common import (
    ArgumentParser,
    add_bias_junit,
    new_parser,
    parse_date_arg,
    parse_or_usage,
    today,
)
from releasekit.cli.common.publish import (
    PublishTarget,
    add_publish_options,
    comment_body,
    run_and_publish,
)
from releasekit.core.report import Report
from releasekit.core.signoff.decision import CHECK_NAME, TOOL, render_details, render_explain
from releasekit.errors import InputError, ReleasekitError
from releasekit.gates.signoff import SignoffRequest, run_signoff
from releasekit.workspace.release_files import shown

PortFactory = Callable[[Mapping[str, str], Runtime], GitHubPort]


def parser() -> ArgumentParser:
    """The command's options."""
    p = new_parser(f"releasekit {TOOL}", (__doc__ or TOOL).splitlines()[0])
    add = p.add_argument
    add("--repo", type=Path, default=Path(), help="the pull request's checkout (default: .)")
    add("--pr", type=int, metavar="N", help="pull request (default: GITHUB_EVENT_PATH's)")
    add(
        "--fixture",
        type=Path,
        metavar="FILE",
        help="answer GitHub's reads from FILE (docs/formats/signoff-fixture.md): offline, no"
        " token, nothing published",
    )
    add("--explain", action="store_true", help="also print who fills which role, what is missing")
    add_bias_junit(p, use=" (required for a strategy or model release PR)")
    add("--release-date", metavar="YYYY-MM-DD", help="audit age date (default: version.yaml's)")
    add("--as-of", metavar="YYYY-MM-DD", help="check-changelog's date (default: today, UTC+14)")
    add(
        "--require-unreleased",
        action="store_true",
        help="check-changelog --require-unreleased on release/* and hotfix/* branches too",
    )
    add(
        "--comment",
        choices=("auto", "always", "never"),
        default="auto",
        help="auto: post the PR comment when the token allows; always: a failure to post fails;"
        " never (default: auto)",
    )
    add("--merge-group-head", metavar="SHA", help="merge queue: the group's head (checked out)")
    add("--queued-head", metavar="SHA", help="merge queue: the PR head the group was made from")
    add_publish_options(p, default_check_name=CHECK_NAME)
    return p


# -- the gate -------------------------------------------------------------------------------


@dataclass
class _Run:
    """What the evaluation learnt that publishing needs (the port, the head SHA, the PR)."""

    port: GitHubPort | None = None
    head_sha: str | None = None
    pr_number: int | None = None
    report: Report | None = None


def evaluate(
    args: argparse.Namespace,
    env: Mapping[str, str],
    runtime: Runtime,
    run: _Run,
    connect_port: PortFactory | None = None,
) -> Report:
    """Read GitHub (or the fixture), run the evidence gates, and decide."""
    event = event_facts(env) if args.fixture is None else EventFacts(None, None)
    port: GitHubPort
    if args.fixture is not None:
        if runtime.active:
            raise InputError(
                "--fixture replays a decision offline; in GitHub Actions the gate reads GitHub",
                hint="remove --fixture from the workflow",
            )
        port = FixturePort.from_file(args.fixture, shown_as=shown(args.fixture))
    else:
        port = (connect_port or _connect)(env, runtime)
    run.port = port
    number = run.pr_number = pull_request_number(args.pr, event, port, args.fixture is not None)
    request = SignoffRequest(
        repo=args.repo,
        pr_number=number,
        default_branch=default_branch(event, port),
        as_of=parse_date_arg(args.as_of, option="--as-of") if args.as_of else today(),
        replay=args.fixture is not None,
        bias_junit=args.bias_junit,
        release_date=args.release_date,
        require_unreleased=args.require_unreleased,
        pusher=event.pusher,
        merge_group_head=args.merge_group_head,
        queued_head=args.queued_head,
    )
    return run_signoff(request, port, on_head=lambda sha: setattr(run, "head_sha", sha))


def _connect(env: Mapping[str, str], runtime: Runtime) -> ReleasePort:
    # Imported here: PyGithub's import is paid only by runs that talk to GitHub.
    from releasekit.adapters.github.pygithub import connect

    return connect(env, runtime=runtime)


def _comment_best_effort(report: Report, run: _Run, runtime: Runtime, log: TextIO) -> None:
    """``--comment auto``: post the comment if the token allows; a refusal is only a notice.

    The check run and the job summary already carry the result; GitHub grants
    ``pull-requests: write`` only when the workflow asks for it (never on fork PRs).
    """
    if run.port is None or run.pr_number is None or run.head_sha is None:
        return
    try:
        run.port.upsert_comment(
            run.pr_number, TOOL, comment_body(report, details=render_details, env=runtime.env)
        )
    except ReleasekitError as exc:
        message = (
            f"the pull request comment was not posted ({exc}); the check run and the job summary"
            " carry the result. Grant `pull-requests: write` to post it."
        )
        if runtime.active:
            runtime.command("notice", {"title": f"releasekit {TOOL}"}, message)
        else:
            log.write(f"releasekit {TOOL}: {message}\n")


def main(
    argv: list[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    connect_port: PortFactory | None = None,
    out: TextIO | None = None,
    runtime: Runtime | None = None,
    log: TextIO | None = None,
) -> int:
    """Entry point: parse → read GitHub → evidence → decide → report → publish → exit code.

    ``env``, ``connect_port``, ``out``, ``runtime`` and ``log`` are for tests (the defaults are
    the process's environment, ``pygithub.connect``, stdout, the Actions runtime, stderr).
    """
    stream = sys.stdout if out is None else out
    log_stream = sys.stderr if log is None else log
    args = parse_or_usage(parser(), argv, TOOL, stream)
    if isinstance(args, int):
        return args
    environ: Mapping[str, str] = os.environ if env is None else env
    rt = runtime or Runtime.from_env(stream, environ)
    run = _Run()
    publishing = rt.active and args.fixture is None

    def evaluate_and_keep() -> Report:
        report = evaluate(args, environ, rt, run, connect_port)
        run.report = report
        return report

    def target(_report: Report) -> PublishTarget:
        if not publishing:
            return PublishTarget(None, None)
        comment_pr = run.pr_number if args.comment == "always" else None
        return PublishTarget(run.port, run.head_sha, comment_pr)

    number = args.pr
    if number is None and args.fixture is None:
        with contextlib.suppress(ReleasekitError):  # evaluate reports a bad payload itself
            number = event_facts(environ).pr_number
    subject = "pull request" if number is None else f"PR #{number}"
    code = run_and_publish(
        TOOL,
        subject,
        args,
        evaluate_and_keep,
        target=target,
        check_name=args.check_name,
        required=args.publish_required,
        details=render_details,
        out=stream,
        runtime=rt,
        log=log_stream,
    )
    if publishing and args.comment == "auto" and run.report is not None:
        _comment_best_effort(run.report, run, rt, log_stream)
    if args.explain:
        explained = (
            render_explain(run.report)
            if run.report is not None
            else ("signoff-gate: no decision to explain (the gate stopped before deciding)\n")
        )
        (log_stream if args.format == "json" else stream).write(explained)
    return code


if __name__ == "__main__":
    sys.exit(main())
