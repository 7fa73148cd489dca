"""``releasekit signoff-gate``: decide a release pull request's sign-off (rules SGN0xx).

Runbook step: Phase 2 "Review & Approval" (required approvals, CI checks) and the "Audit
Sign-Off Checklist". For the pull request of the event (``GITHUB_EVENT_PATH``:
``pull_request.number`` of a ``pull_request`` or ``pull_request_review`` event) or ``--pr N``,
it reads the pull request, its files and reviews, and the release policy **of the base
commit**, runs check-changelog and verify-audit on the checked-out head in-process, and decides
APPROVED (exit 0), HOLD or REJECTED (exit 1); GitHub unreadable is exit 3, bad input or policy
exit 2. docs/signoff.md has the rules.

Token permissions: ``contents: read`` (the policy at the base commit), ``pull-requests: read``
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
import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TextIO

from actions_toolkit.command import Command

from releasekit.adapters.actions import Runtime
from releasekit.adapters.files import inside_repo, read_text
from releasekit.adapters.git import commit_parents, resolve_commit, show_prefix
from releasekit.adapters.github.fixture import FixturePort
from releasekit.adapters.github.interface import GitHubPort
from releasekit.cli import check_changelog
from releasekit.cli.common import ArgumentParser, new_parser, usage_failure
from releasekit.cli.common.publish import (
    PublishTarget,
    add_publish_options,
    comment_body,
    run_and_publish,
)
from releasekit.core.audit.formats import PaperReport, parse_audit_log, percent_text, valid_name
from releasekit.core.audit.junit import parse_junit
from releasekit.core.audit.rules import AuditInputs, UnitInput, evaluate_audit
from releasekit.core.github_facts import PullRequest
from releasekit.core.report import Finding, Report, finding
from releasekit.core.signoff.decision import (
    CHECK_NAME,
    TOOL,
    Evidence,
    PaperMetric,
    SignoffInputs,
    UnitEvidence,
    evaluate_signoff,
    render_details,
    render_explain,
)
from releasekit.core.signoff.policy import POLICY_PATH, Policy, default_policy, parse_policy
from releasekit.core.signoff.release_types import Classification, classify, touched_paths
from releasekit.errors import InfraError, InputError, ReleasekitError
from releasekit.workspace.audit import (
    AUDIT_MAX_BYTES,
    JUNIT_MAX_BYTES,
    Source,
    discover,
    load_unit,
    release_info,
)
from releasekit.workspace.release_files import shown

# A webhook payload is at most 25 MB (GitHub drops larger ones); ours are far smaller.
EVENT_MAX_BYTES = 25 * 1024 * 1024
GIT_TIMEOUT = 30.0
# A release PR (release/*) has moved its [Unreleased] entries into the release section; a
# hotfix PR too — the pr-gate workflow's changelog job makes the same exception.
RELEASE_BRANCH_PREFIXES = ("release/", "hotfix/")
_SHA = re.compile(r"^[0-9a-f]{40}$")

PortFactory = Callable[[Mapping[str, str], Runtime], GitHubPort]


def parser() -> ArgumentParser:
    """The command's options."""
    p = new_parser(f"releasekit {TOOL}", (__doc__ or TOOL).splitlines()[0])
    p.add_argument(
        "--repo",
        type=Path,
        default=Path(),
        help="root of the pull request's checkout: the evidence is read here (default: .)",
    )
    p.add_argument(
        "--pr",
        type=int,
        metavar="N",
        help="pull request number (default: pull_request.number of GITHUB_EVENT_PATH)",
    )
    p.add_argument(
        "--fixture",
        type=Path,
        metavar="FILE",
        help="answer GitHub's reads from FILE (docs/formats/signoff-fixture.md): offline, no"
        " token, nothing published",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="also print the required roles, who fills which, and what is missing",
    )
    p.add_argument(
        "--bias-junit",
        metavar="FILE",
        type=Path,
        help="JUnit XML of the anti-bias tests, for the checklist and verify-audit",
    )
    p.add_argument(
        "--release-date",
        metavar="YYYY-MM-DD",
        help="the date audits are aged against (default: version.yaml's release_date)",
    )
    p.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="check-changelog: the date releases must not be after (default: today, UTC+14)",
    )
    p.add_argument(
        "--require-unreleased",
        action="store_true",
        help="check-changelog --require-unreleased on every branch (default: all but release/*"
        " and hotfix/*)",
    )
    p.add_argument(
        "--comment",
        choices=("auto", "always", "never"),
        default="auto",
        help="the PR comment: auto posts it when the token allows (pull-requests: write), always"
        " treats a failure to post as a failure to publish, never skips it (default: auto)",
    )
    add_publish_options(p, default_check_name=CHECK_NAME)
    return p


# -- which pull request ---------------------------------------------------------------------


@dataclass(frozen=True)
class EventFacts:
    """What the event payload says about the pull request and the repository."""

    pr_number: int | None
    default_branch: str | None


def event_facts(env: Mapping[str, str]) -> EventFacts:
    """``pull_request.number`` and ``repository.default_branch`` of ``GITHUB_EVENT_PATH``."""
    raw = env.get("GITHUB_EVENT_PATH", "").strip()
    if not raw:
        return EventFacts(None, None)
    path = Path(raw)
    text = read_text(path, what="event payload", shown_as=raw, max_bytes=EVENT_MAX_BYTES)
    try:
        payload = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InputError(
            "the event payload (GITHUB_EVENT_PATH) is not JSON", file=raw, hint="pass --pr N"
        ) from None
    if not isinstance(payload, dict):
        return EventFacts(None, None)
    repo = payload.get("repository")
    branch = repo.get("default_branch") if isinstance(repo, dict) else None
    default_branch = branch if isinstance(branch, str) and branch else None
    pr = payload.get("pull_request")
    number = pr.get("number") if isinstance(pr, dict) else None
    if number is None:
        return EventFacts(None, default_branch)
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise InputError(
            f"pull_request.number in the event payload is {number!r}, not a number",
            file=raw,
            hint="pass --pr N",
        )
    return EventFacts(number, default_branch)


def _pr_number(args: argparse.Namespace, event: EventFacts, port: GitHubPort) -> int:
    """``--pr``, else the event's pull request, else (replaying) the fixture's one."""
    if args.pr is not None:
        if args.pr < 1:
            raise InputError(f"--pr {args.pr} is not a pull request number", hint="pass --pr N")
        return int(args.pr)
    if event.pr_number is not None:
        return event.pr_number
    if args.fixture is not None and isinstance(port, FixturePort):
        return port.pr_number
    raise InputError(
        "no pull request: this event is not a pull_request or pull_request_review event",
        hint="run on pull_request and pull_request_review events, or pass --pr N",
    )


# -- the workspace ---------------------------------------------------------------------------


def workspace_findings(repo: Path, head_sha: str) -> list[Finding]:
    """SGN015: the evidence is read from the pull request's head (or GitHub's merge of it).

    ``actions/checkout`` on a pull request checks out ``refs/pull/N/merge``, a merge commit
    whose second parent is the head; a plain checkout of the head is the head itself. The
    commit object is read with ``cat-file``, which works in a shallow clone too.
    """
    prefix = show_prefix(repo, timeout=GIT_TIMEOUT)
    if prefix is None:
        return [
            finding(
                "SGN015",
                "error",
                f"{shown(repo)} is not a git checkout, so its evidence cannot be tied to the"
                f" head commit {head_sha[:7]}",
                hint="check out the pull request (actions/checkout; locally `gh pr checkout N`),"
                " or replay the decision offline with --fixture",
            )
        ]
    if prefix:
        raise InputError(
            f"--repo {shown(repo)} is a sub-directory of its git checkout: the pull request's"
            " paths and the policy's are relative to the repository root",
            hint="pass --repo <the checkout's root> (repo-path: . in the workflow)",
        )
    sha = resolve_commit(repo, "HEAD", timeout=GIT_TIMEOUT)
    parents = commit_parents(repo, "HEAD", timeout=GIT_TIMEOUT)
    if sha is None or parents is None:
        return [
            finding(
                "SGN015",
                "error",
                f"{shown(repo)} has no commit checked out",
                hint="check out the pull request's head",
            )
        ]
    if sha == head_sha or (len(parents) == 2 and parents[1] == head_sha):
        return []
    return [
        finding(
            "SGN015",
            "error",
            f"the checkout is at {sha[:7]}, which is neither the pull request's head"
            f" {head_sha[:7]} nor GitHub's merge of it: the evidence would be another commit's",
            hint="rerun the job (the pull request moved while it ran), or check out the head"
            " (`gh pr checkout N`)",
        )
    ]


# -- evidence -------------------------------------------------------------------------------


def _rel(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/{name}"


def _selected_sources(
    repo: Path, policy: Policy, changed: set[str]
) -> tuple[list[Source], list[Finding]]:
    """The strategies and models whose source, audit report or paper report changed."""
    notes: list[Finding] = []
    sources = [s for s in discover(repo, policy) if valid_name(s.stem)]
    everything = policy.paths.audit_log in changed
    chosen: dict[str, Source] = {}
    for s in sources:
        stem = s.stem.lower()
        touched = {
            s.rel,
            _rel(policy.paths.audits, f"{stem}_audit.md"),
            _rel(policy.paths.paper_reports, f"{stem}_paper.md"),
        }
        if everything or touched & changed:
            if stem in chosen:
                notes.append(
                    finding(
                        "AUD015",
                        "error",
                        f"{s.stem.upper()} is defined by two files: {chosen[stem].rel}, {s.rel}",
                        file=shown(s.path),
                        hint="keep one source file per strategy or model",
                    )
                )
                continue
            chosen[stem] = s
    if everything:
        notes.append(
            finding(
                "AUD019",
                "notice",
                f"{policy.paths.audit_log} changed: every strategy and model is checked",
            )
        )
    return list(chosen.values()), notes


PaperFacts = tuple[str | None, int | None, PaperMetric | None, Fraction | None]


def _paper_facts(paper: PaperReport | None) -> PaperFacts:
    """Period, trades, the headline metric (Sharpe) and the largest divergence of a report."""
    if paper is None:
        return None, None, None, None
    period = paper.get("Paper period")
    trades_row = paper.metric("Trades")
    trades = None
    if trades_row is not None and trades_row.paper is not None:
        fig = trades_row.paper
        if not fig.percent and not fig.decimals and fig.value >= 0:
            trades = int(fig.value)
    worst: Fraction | None = None
    headline: PaperMetric | None = None
    for m in paper.metrics:
        if m.paper is None or m.backtest is None or m.backtest.value == 0:
            continue
        if m.paper.percent != m.backtest.percent:
            continue
        div = abs(m.paper.exact - m.backtest.exact) / abs(m.backtest.exact)
        worst = div if worst is None or div > worst else worst
        if headline is None or m.name.casefold() == "sharpe":
            headline = PaperMetric(m.name, m.paper.raw, m.backtest.raw, percent_text(div, 1))
    return (period.value if period is not None else None), trades, headline, worst


def _unit_evidence(u: UnitInput) -> UnitEvidence:
    period, trades, headline, worst = _paper_facts(u.paper)
    return UnitEvidence(
        name=u.header.name,
        kind=u.kind,
        version=str(u.header.version) if u.header.version is not None else None,
        report_path=u.report_shown,
        report_exists=u.report is not None,
        paper_path=u.paper_shown,
        paper_period=period,
        paper_trades=trades,
        headline=headline,
        max_divergence=worst,
    )


def audit_evidence(
    args: argparse.Namespace, policy: Policy, cls: Classification, changed: set[str]
) -> tuple[Report | None, tuple[UnitEvidence, ...]]:
    """verify-audit, in-process, with the **base** policy, for what the pull request changed.

    It runs for a strategy or model release, and for any pull request that changes a
    strategy's or model's source, audit report or paper report, or the audit log.
    """
    repo: Path = args.repo
    sources, notes = _selected_sources(repo, policy, changed)
    if not cls.audited and not sources:
        return None, ()
    release = release_info(repo, None, args.release_date)
    units = [load_unit(repo, policy, s) for s in sources]
    log_path = inside_repo(repo, policy.paths.audit_log, what="audit log")
    log_name = shown(log_path)
    log = (
        parse_audit_log(
            read_text(log_path, what="audit log", shown_as=log_name, max_bytes=AUDIT_MAX_BYTES),
            shown_as=log_name,
        )
        if log_path.exists()
        else None
    )
    bias = None
    if args.bias_junit is not None:
        junit_name = shown(args.bias_junit)
        bias = parse_junit(
            read_text(
                args.bias_junit, what="JUnit XML", shown_as=junit_name, max_bytes=JUNIT_MAX_BYTES
            ),
            shown_as=junit_name,
        )
    if not sources:
        notes.append(
            finding(
                "AUD019",
                "notice",
                f"a {cls.release_type} release, but no strategy or model source, audit report or"
                " paper report changed: only the audit log and the anti-bias results are checked",
            )
        )
    selection = ", ".join(u.header.name for u in units) or "none changed"
    report = evaluate_audit(
        AuditInputs(
            policy=policy,
            release=release,
            units=tuple(units),
            log=log,
            log_shown=log_name,
            bias=bias,
            selection=selection,
            findings=tuple(notes),
        ),
        subject=f"{shown(repo)}: {selection}",
    )
    return report, tuple(_unit_evidence(u) for u in units)


def gather_evidence(
    args: argparse.Namespace,
    pr: PullRequest,
    policy: Policy,
    cls: Classification,
    changed: set[str],
    *,
    check_workspace: bool,
) -> Evidence:
    """The workspace check, check-changelog and (when it applies) verify-audit."""
    repo: Path = args.repo
    if not repo.is_dir():
        raise InputError(
            f"repository directory {repo} not found", hint="pass --repo DIR (default: .)"
        )
    findings: list[Finding] = []
    if check_workspace:
        findings += workspace_findings(repo, pr.head_sha)
    else:
        findings.append(
            finding(
                "SGN015",
                "notice",
                f"replayed from a fixture: the files in {shown(repo)} are taken as the head"
                f" {pr.head_sha[:7]} without checking",
            )
        )
    require = args.require_unreleased or not pr.head_ref.startswith(RELEASE_BRANCH_PREFIXES)
    changelog = check_changelog.evaluate(
        argparse.Namespace(
            repo=repo,
            file=None,
            as_of=args.as_of,
            tag=None,
            require_unreleased=require,
            notes_out=None,
        )
    )
    reports = [changelog]
    audit, units = audit_evidence(args, policy, cls, changed)
    if audit is not None:
        reports.append(audit)
    bias_source = shown(args.bias_junit) if args.bias_junit is not None else None
    return Evidence(tuple(reports), units, tuple(findings), bias_source)


# -- the gate -------------------------------------------------------------------------------


@dataclass
class _Run:
    """What the evaluation learnt that publishing needs (the port, the head SHA, the PR)."""

    port: GitHubPort | None = None
    head_sha: str | None = None
    pr_number: int | None = None
    report: Report | None = None


def policy_at_base(port: GitHubPort, pr: PullRequest) -> tuple[Policy, bool]:
    """The policy of the base **commit**: a push to the base branch mid-run cannot swap it."""
    text = port.file_at(POLICY_PATH, pr.base_sha)
    if text is None:
        return default_policy(), False
    return parse_policy(text, shown_as=f"{POLICY_PATH} (base {pr.base_sha[:7]})"), True


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
        default_branch = port.default_branch
    else:
        factory = connect_port or _connect
        port = factory(env, runtime)
        default_branch = event.default_branch
    run.port = port
    number = _pr_number(args, event, port)
    run.pr_number = number
    pr = port.pull_request(number)
    if not _SHA.match(pr.head_sha):
        raise InfraError(f"GitHub sent the head SHA {pr.head_sha!r}, not a commit SHA")
    run.head_sha = pr.head_sha
    files = tuple(port.changed_files(number))
    reviews = tuple(port.reviews(number))
    policy, found = policy_at_base(port, pr)
    cls = classify(pr, files, policy)
    evidence = gather_evidence(
        args,
        pr,
        policy,
        cls,
        set(touched_paths(files)),
        check_workspace=args.fixture is None,
    )
    inputs = SignoffInputs(
        pr=pr,
        files=files,
        reviews=reviews,
        policy=policy,
        policy_found=found,
        default_branch=default_branch,
        evidence=evidence,
        classification=cls,
    )
    report = evaluate_signoff(inputs, port)
    return report.with_data(requests=port.request_count, fixture=args.fixture is not None)


def _connect(env: Mapping[str, str], runtime: Runtime) -> GitHubPort:
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
            runtime.out.write(str(Command("notice", {"title": f"releasekit {TOOL}"}, message)))
            runtime.out.write("\n")
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
    try:
        args = parser().parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc, stream)
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

    subject = "pull request"
    if args.pr is not None:
        subject = f"PR #{args.pr}"
    elif args.fixture is None:
        with contextlib.suppress(ReleasekitError):  # evaluate reports a bad payload itself
            number = event_facts(environ).pr_number
            subject = f"PR #{number}" if number is not None else subject
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
