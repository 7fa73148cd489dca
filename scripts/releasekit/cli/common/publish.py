"""Publishing a gate's report on GitHub: one check run on the head commit, one PR comment.

Called by the entry points of gates that run on pull requests (sign-off first), after
``cli.common.run_gate`` has printed the report and written the job summary — the summary is
always written first, so whatever happens on GitHub the run keeps its record. Token
permissions: ``checks: write`` for the check run, ``pull-requests: write`` for the comment.

The check run and the comment are presentation: the required status check is the gate job
itself (its exit code), because a check run made with GITHUB_TOKEN may land in another
workflow's check suite (PyGithub/PyGithub#2981) and fork PRs get no write token at all
(docs/github.md). So a failure to post degrades to a notice in the job summary and the log,
never to a pass: a report that passed but could not be posted exits 3, unless publishing was
declared optional (``required=False``, ``--no-publish-required``) — for workflows that run on
fork pull requests, where posting cannot work. A blocked or failed report keeps its own exit
code (1, 2 or 3): it already fails the job, and the notice says what was not posted.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.interface import COMMENT_MARKER, GitHubPort
from releasekit.cli.common import report_crash, run_gate
from releasekit.core.github_facts import (
    Annotation,
    AnnotationLevel,
    CheckConclusion,
    CheckRunOutput,
    Sha,
)
from releasekit.core.render import DetailsRenderer, md_escape, render_markdown, summary_line
from releasekit.core.report import EXIT_INFRA, Report, Verdict, failed_report
from releasekit.errors import Problem, ReleasekitError

# GitHub's limits (docs/github.md): output.summary ≤ 65,535 characters; a comment body
# ≤ 65,536 characters. render_markdown's limit counts UTF-8 bytes, which are never fewer than
# characters, so a limit in bytes keeps the text within GitHub's character limits.
CHECK_SUMMARY_LIMIT = 65_535
COMMENT_LIMIT = 65_536
# Annotations are sent 50 per request (one request per 50): 500 is 10 requests, plenty for a
# human to read; the rest stay in the summary table and the job summary.
MAX_ANNOTATIONS = 500
ANNOTATION_TITLE_LIMIT = 255

_CONCLUSION: dict[Verdict, CheckConclusion] = {
    "pass": "success",
    "blocked": "failure",
    # A gate that could not decide must never show green.
    "error": "failure",
}
_LEVEL: dict[str, AnnotationLevel] = {"error": "failure", "warning": "warning", "notice": "notice"}
_VERDICT_WORD: dict[Verdict, str] = {"pass": "PASS", "blocked": "BLOCKED", "error": "ERROR"}
_SHA = re.compile(r"^[0-9a-f]{40}$")
_RUN_ID = re.compile(r"^[0-9]{1,20}$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")


@dataclass(frozen=True)
class PublishResult:
    """What publishing did: the URLs written, the failures, and the exit code to use."""

    posted: tuple[str, ...]
    failures: tuple[str, ...]
    exit_code: int

    @property
    def ok(self) -> bool:
        """Everything that was asked for was posted."""
        return not self.failures


@dataclass(frozen=True)
class PublishTarget:
    """Where a report goes, known only once the gate has run (``run_and_publish``).

    ``port`` None means publishing is off; ``head_sha`` None (the gate failed before it
    learnt the pull request's head) means no check run can be posted, which is a failure.
    """

    port: GitHubPort | None
    head_sha: str | None
    pr_number: int | None = None


def conclusion_for(report: Report) -> CheckConclusion:
    """``success`` for a pass, ``failure`` for blocked and for error (never green)."""
    return _CONCLUSION[report.verdict]


def run_url(env: Mapping[str, str]) -> str | None:
    """This workflow run's page (where the job summary is), or None outside Actions."""
    server = env.get("GITHUB_SERVER_URL", "")
    repository = env.get("GITHUB_REPOSITORY", "")
    run_id = env.get("GITHUB_RUN_ID", "")
    if not (
        server.startswith("https://")
        and _REPOSITORY.match(repository)
        and _RUN_ID.match(run_id)
        and not any(c in server for c in " \"'<>")
    ):
        return None
    url = f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"
    attempt = env.get("GITHUB_RUN_ATTEMPT", "")
    return f"{url}/attempts/{attempt}" if _RUN_ID.match(attempt) and attempt != "1" else url


def _where_full_report(env: Mapping[str, str]) -> str:
    url = run_url(env)
    if url is None:
        return "The full report is in the job summary and the JSON report."
    return f"The full report is in the job summary of the workflow run: {url}"


def annotations_for(report: Report, *, cap: int = MAX_ANNOTATIONS) -> tuple[Annotation, ...]:
    """Check-run annotations for the findings that name a file and a line (at most ``cap``)."""
    out: list[Annotation] = []
    for f in report.sorted_findings():
        if f.file is None or f.line is None:
            continue
        if len(out) >= cap:
            break
        message = f.message + (f" — fix: {f.hint}" if f.hint else "")
        out.append(
            Annotation(
                path=f.file,
                start_line=max(1, f.line),
                end_line=max(1, f.line),
                level=_LEVEL[f.level],
                message=message,
                title=f"{f.rule} (releasekit {report.tool})"[:ANNOTATION_TITLE_LIMIT],
            )
        )
    return tuple(out)


def check_run_output(
    report: Report,
    *,
    details: DetailsRenderer | None = None,
    env: Mapping[str, str] | None = None,
    max_annotations: int = MAX_ANNOTATIONS,
) -> CheckRunOutput:
    """The check run's title, summary (≤ 65,535 characters, decision kept) and annotations."""
    where = _where_full_report(env or {})
    annotations = annotations_for(report, cap=max_annotations)
    located = sum(1 for f in report.findings if f.file is not None and f.line is not None)
    note = ""
    if located > len(annotations):
        note = (
            f"\n> {located - len(annotations)} more findings with a file and line are not"
            f" annotated (releasekit annotates at most {max_annotations}). {md_escape(where)}\n"
        )
    summary = render_markdown(
        report,
        details=details,
        limit=CHECK_SUMMARY_LIMIT - len(note.encode()),
        overflow_note=where,
    )
    title = f"{_VERDICT_WORD[report.verdict]} — {summary_line(report)}"
    return CheckRunOutput(
        title=title[:ANNOTATION_TITLE_LIMIT],
        summary=summary + note,
        annotations=annotations,
    )


def comment_body(
    report: Report, *, details: DetailsRenderer | None = None, env: Mapping[str, str] | None = None
) -> str:
    """The PR comment's Markdown, leaving room for the adapter's hidden marker line."""
    marker = COMMENT_MARKER.format(tool=report.tool)
    return render_markdown(
        report,
        details=details,
        limit=COMMENT_LIMIT - len(marker.encode()) - 1,
        overflow_note=_where_full_report(env or {}),
    )


def publish(
    report: Report,
    port: GitHubPort | None,
    *,
    runtime: Runtime,
    head_sha: str | None,
    pr_number: int | None,
    check_name: str,
    details: DetailsRenderer | None = None,
    required: bool = True,
    log: TextIO | None = None,
) -> PublishResult:
    """Post ``report`` as check run ``check_name`` on ``head_sha``, and as a PR comment.

    Call it after ``run_gate`` (which writes the job summary first). ``port`` None means
    publishing is off: nothing is posted and the exit code is the report's. Otherwise each
    write is attempted independently (a failed check run does not stop the comment); every
    failure is noted in the job summary and the log, and turns a pass into exit 3 when
    ``required``. Nothing here raises for a GitHub failure.
    """
    if port is None:
        return PublishResult((), (), report.exit_code)
    stream = sys.stderr if log is None else log
    posted: list[str] = []
    failures: list[str] = []

    def attempt(what: str, write: Callable[[], str]) -> None:
        try:
            posted.append(write())
        except ReleasekitError as exc:
            hint = f" Fix: {exc.problem.hint}" if exc.problem.hint else ""
            failures.append(f"{what}: {str(exc).rstrip('.')}.{hint}")
        except Exception as exc:  # a bug must not hide the verdict or pass for a post
            problem = report_crash(exc, stream)  # the traceback only with RELEASEKIT_DEBUG=1
            failures.append(f"{what}: {problem.message}")

    if head_sha is None or not _SHA.match(head_sha):
        failures.append(
            f"check run {check_name!r}: no head commit SHA is known"
            f" ({head_sha!r}), so it cannot be posted"
        )
    else:
        sha = Sha(head_sha)
        output = check_run_output(report, details=details, env=runtime.env)

        def post_check() -> str:
            result = port.upsert_check_run(
                check_name, sha, conclusion_for(report), output, details_url=run_url(runtime.env)
            )
            return result.url

        attempt(f"check run {check_name!r}", post_check)
    if pr_number is not None:
        body = comment_body(report, details=details, env=runtime.env)

        def post_comment() -> str:
            return port.upsert_comment(pr_number, report.tool, body).url

        attempt(f"comment on #{pr_number}", post_comment)

    exit_code = report.exit_code
    if failures and required and report.verdict == "pass":
        exit_code = EXIT_INFRA
    if failures:
        _report_failures(report, failures, exit_code, runtime, stream)
    return PublishResult(tuple(posted), tuple(failures), exit_code)


def _report_failures(
    report: Report, failures: list[str], exit_code: int, runtime: Runtime, stream: TextIO
) -> None:
    """Note the failures in the job summary (after the report) and in the log."""
    if exit_code != report.exit_code:
        consequence = (
            f"The gate passed, but its result could not be shown on GitHub, so this step exits"
            f" {exit_code} (publishing is required; see docs/github.md)."
        )
    else:
        consequence = f"The step's exit code stays {report.exit_code} ({report.verdict})."
    lines = [
        "",
        f"> ⚠️ **releasekit {md_escape(report.tool)} could not publish this result on GitHub.**"
        " This job summary is the record of the run.",
        ">",
        *(f"> - {md_escape(f)}" for f in failures),
        ">",
        f"> {consequence}",
        "",
    ]
    try:
        runtime.append_summary("\n".join(lines))
    except ReleasekitError as exc:
        stream.write(f"releasekit {report.tool}: {exc}\n")
    level = "error" if exit_code != report.exit_code else "warning"
    for failure in failures:
        message = f"could not publish: {failure}"
        if runtime.active:
            runtime.command(level, {"title": f"releasekit {report.tool}"}, message)
        else:
            stream.write(f"releasekit {report.tool}: {level}: {message}\n")
    if not runtime.active:
        stream.write(f"releasekit {report.tool}: {consequence}\n")


def add_publish_options(parser: argparse.ArgumentParser, *, default_check_name: str) -> None:
    """``--check-name`` and ``--no-publish-required`` for gates that publish to GitHub."""
    parser.add_argument(
        "--check-name",
        default=default_check_name,
        metavar="NAME",
        help=f"name of the check run to post (default: {default_check_name})",
    )
    parser.add_argument(
        "--no-publish-required",
        dest="publish_required",
        action="store_false",
        help="a pass stays exit 0 when the check run or comment cannot be posted"
        " (e.g. on fork pull requests, where GitHub grants no write token)",
    )


def run_and_publish(
    tool: str,
    subject: str,
    args: argparse.Namespace,
    evaluate: Callable[[], Report],
    *,
    target: Callable[[Report], PublishTarget],
    check_name: str,
    required: bool = True,
    details: DetailsRenderer | None = None,
    out: TextIO | None = None,
    runtime: Runtime | None = None,
    log: TextIO | None = None,
) -> int:
    """``run_gate`` (report printed, job summary written), then ``publish``; the exit code.

    ``target`` is called with the finished report to say where it goes (the port and the
    head SHA are usually learnt while evaluating). A ``ReleasekitError`` from ``target``
    (e.g. no token) is a publishing failure like any other.
    """
    stream = sys.stdout if out is None else out
    rt = runtime or Runtime.from_env(stream)
    kept: list[Report] = []

    def evaluate_and_keep() -> Report:
        try:
            report = evaluate()
        except ReleasekitError as exc:
            report = failed_report(tool, subject, exc.problem)
        kept.append(report)
        return report

    code = run_gate(tool, subject, args, evaluate_and_keep, out=stream, details=details, runtime=rt)
    # A crash inside evaluate was reported by run_gate (traceback, exit 3); publish its verdict.
    report = (
        kept[0]
        if kept
        else failed_report(
            tool,
            subject,
            Problem("infra", "internal error (see the log)", hint="this is a releasekit bug"),
        )
    )
    log_stream = sys.stderr if log is None else log
    try:
        where = target(report)
    except ReleasekitError as exc:
        hint = f" Fix: {exc.problem.hint}" if exc.problem.hint else ""
        failures = [f"publishing: {str(exc).rstrip('.')}.{hint}"]
        exit_code = EXIT_INFRA if required and report.verdict == "pass" else report.exit_code
        _report_failures(report, failures, exit_code, rt, log_stream)
        return max(code, exit_code)
    result = publish(
        report,
        where.port,
        runtime=rt,
        head_sha=where.head_sha,
        pr_number=where.pr_number,
        check_name=check_name,
        details=details,
        required=required,
        log=log_stream,
    )
    return max(code, result.exit_code)
