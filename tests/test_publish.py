"""Publishing a report: check run + PR comment, the job summary first, failures never a pass.

Most cases use an in-memory ``GitHubPort``; the size-limit and end-to-end cases go over real
HTTP through the PyGithub adapter to the contract-checked fake GitHub.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.interface import COMMENT_MARKER
from releasekit.adapters.github.pygithub import PyGithubPort, connect
from releasekit.cli.common.publish import (
    MAX_ANNOTATIONS,
    PublishTarget,
    add_publish_options,
    annotations_for,
    check_run_output,
    conclusion_for,
    publish,
    run_and_publish,
    run_url,
)
from releasekit.core.github_facts import (
    ChangedFile,
    CheckConclusion,
    CheckRunOutput,
    Login,
    Membership,
    Permission,
    PullCommit,
    PullRequest,
    Review,
    Sha,
    WriteResult,
)
from releasekit.core.render import render_markdown
from releasekit.core.report import Finding, Report, failed_report, finding
from releasekit.errors import InfraError, InputError, Problem
from support.github_api import FakeGitHub

REPO = "acme/desk"
TOOL = "signoff-gate"
CHECK = "releasekit/signoff"
SHA = "a" * 40
TOKEN = "ghs_publishTESTtoken000000000000000000"


@dataclass
class MemoryPort:
    """An in-memory GitHubPort that records writes and can be told to fail them."""

    summary_path: Path | None = None
    fail_check: Exception | None = None
    fail_comment: Exception | None = None
    check_runs: list[tuple[str, str, CheckConclusion, CheckRunOutput, str | None]] = field(
        default_factory=list
    )
    comments: list[tuple[int, str, str]] = field(default_factory=list)
    # What the job summary held at the moment of each write (order: summary first).
    summary_at_write: list[str] = field(default_factory=list)

    @property
    def repository(self) -> str:
        return REPO

    @property
    def request_count(self) -> int:
        return len(self.check_runs) + len(self.comments)

    def pull_request(self, number: int) -> PullRequest:
        raise NotImplementedError

    def changed_files(self, number: int) -> list[ChangedFile]:
        raise NotImplementedError

    def reviews(self, number: int) -> list[Review]:
        raise NotImplementedError

    def pull_commits(self, number: int) -> list[PullCommit]:
        raise NotImplementedError

    def file_at(self, path: str, ref: str) -> str | None:
        raise NotImplementedError

    def permission(self, login: Login) -> Permission:
        raise NotImplementedError

    def team_membership(self, org: str, team_slug: str, login: Login) -> Membership:
        raise NotImplementedError

    def _note_summary(self) -> None:
        if self.summary_path is not None:
            text = self.summary_path.read_text() if self.summary_path.exists() else ""
            self.summary_at_write.append(text)

    def upsert_check_run(
        self,
        name: str,
        head_sha: Sha,
        conclusion: CheckConclusion,
        output: CheckRunOutput,
        *,
        details_url: str | None = None,
    ) -> WriteResult:
        self._note_summary()
        if self.fail_check is not None:
            raise self.fail_check
        self.check_runs.append((name, head_sha, conclusion, output, details_url))
        return WriteResult(1, f"https://github.com/{REPO}/runs/1", created=True)

    def upsert_comment(self, issue_number: int, tool: str, body: str) -> WriteResult:
        self._note_summary()
        if self.fail_comment is not None:
            raise self.fail_comment
        self.comments.append((issue_number, tool, body))
        return WriteResult(2, f"https://github.com/{REPO}/pull/{issue_number}#c2", created=True)


NO_CHECKS = InfraError(
    "could not create check run: GitHub answered 403 (Resource not accessible by integration)",
    hint="the workflow token lacks `checks: write`",
)


def report_with(*findings: Finding, problem: Problem | None = None) -> Report:
    """A sign-off report for PR #7."""
    if problem is not None:
        return failed_report(TOOL, "PR #7", problem)
    return Report(TOOL, "PR #7", tuple(findings))


PASS = report_with(finding("SGN010", "notice", "all roles signed off"))
BLOCKED = report_with(
    finding("SGN001", "error", "risk sign-off is missing", file="strategies/mm.py", line=3)
)
ERROR = report_with(problem=Problem("infra", "GitHub is down", hint="rerun"))


def actions_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Runtime, Path]:
    """An active Actions runtime with a real step-summary file and output file."""
    summary = tmp_path / "summary.md"
    outputs = tmp_path / "outputs.txt"
    outputs.touch()  # the runner creates it before the step starts
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))  # the runtime reads os.environ
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_RUN_ID": "4242",
        "GITHUB_RUN_ATTEMPT": "1",
    }
    return Runtime(True, io.StringIO(), env), summary


def log_of(runtime: Runtime) -> str:
    """What the runtime wrote to its log (workflow commands)."""
    assert isinstance(runtime.out, io.StringIO)
    return runtime.out.getvalue()


def quiet() -> Runtime:
    """A runtime outside Actions."""
    return Runtime(False, io.StringIO(), {})


# -- the decision on GitHub ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "conclusion"),
    [
        pytest.param(PASS, "success", id="pass-is-success"),
        pytest.param(BLOCKED, "failure", id="blocked-is-failure"),
        pytest.param(ERROR, "failure", id="infra-error-is-failure-never-success"),
        pytest.param(
            report_with(problem=Problem("input", "bad policy")),
            "failure",
            id="input-error-is-failure",
        ),
    ],
)
def test_check_run_conclusion_is_success_only_for_a_pass(report: Report, conclusion: str) -> None:
    assert conclusion_for(report) == conclusion
    port = MemoryPort()
    publish(report, port, runtime=quiet(), head_sha=SHA, pr_number=7, check_name=CHECK)
    assert port.check_runs[0][2] == conclusion


def test_publish_posts_the_check_run_and_the_pull_request_comment() -> None:
    port = MemoryPort()
    result = publish(BLOCKED, port, runtime=quiet(), head_sha=SHA, pr_number=7, check_name=CHECK)
    assert result.ok
    assert result.exit_code == 1
    assert len(result.posted) == 2
    ((name, sha, _, output, _),) = port.check_runs
    assert (name, sha) == (CHECK, SHA)
    assert output.title.startswith("BLOCKED")
    assert "risk sign-off is missing" in output.summary
    ((number, tool, body),) = port.comments
    assert (number, tool) == (7, TOOL)
    assert body.startswith("### ⛔ releasekit signoff-gate: **BLOCKED**")


def test_publish_without_a_pull_request_posts_only_the_check_run() -> None:
    port = MemoryPort()
    publish(PASS, port, runtime=quiet(), head_sha=SHA, pr_number=None, check_name=CHECK)
    assert len(port.check_runs) == 1
    assert port.comments == []


def test_publish_without_a_port_posts_nothing_and_keeps_the_exit_code() -> None:
    result = publish(PASS, None, runtime=quiet(), head_sha=SHA, pr_number=7, check_name=CHECK)
    assert result == type(result)((), (), 0)


def test_check_run_links_to_the_workflow_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, _ = actions_runtime(tmp_path, monkeypatch)
    port = MemoryPort()
    publish(PASS, port, runtime=runtime, head_sha=SHA, pr_number=None, check_name=CHECK)
    assert port.check_runs[0][4] == f"https://github.com/{REPO}/actions/runs/4242"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({}, None, id="outside-actions"),
        pytest.param(
            {"GITHUB_SERVER_URL": "http://evil", "GITHUB_REPOSITORY": REPO, "GITHUB_RUN_ID": "1"},
            None,
            id="not-https",
        ),
        pytest.param(
            {
                "GITHUB_SERVER_URL": "https://ghe.example.com",
                "GITHUB_REPOSITORY": REPO,
                "GITHUB_RUN_ID": "9",
                "GITHUB_RUN_ATTEMPT": "2",
            },
            f"https://ghe.example.com/{REPO}/actions/runs/9/attempts/2",
            id="ghes-second-attempt",
        ),
    ],
)
def test_run_url_is_built_only_from_sane_actions_variables(
    env: dict[str, str], expected: str | None
) -> None:
    assert run_url(env) == expected


# -- failures to post ---------------------------------------------------------------------------


def test_a_pass_that_cannot_be_posted_exits_3_and_says_so_in_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, summary = actions_runtime(tmp_path, monkeypatch)
    port = MemoryPort(fail_check=NO_CHECKS)
    result = publish(PASS, port, runtime=runtime, head_sha=SHA, pr_number=7, check_name=CHECK)
    assert result.exit_code == 3
    text = summary.read_text()
    assert "could not publish this result on GitHub" in text
    assert "checks: write" in text
    assert "exits 3" in text
    assert "::error title=releasekit signoff-gate::could not publish" in log_of(runtime)


def test_a_pass_that_cannot_be_posted_exits_0_when_publishing_is_optional(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, summary = actions_runtime(tmp_path, monkeypatch)
    port = MemoryPort(fail_check=NO_CHECKS)
    result = publish(
        PASS, port, runtime=runtime, head_sha=SHA, pr_number=7, check_name=CHECK, required=False
    )
    assert result.exit_code == 0
    assert not result.ok
    assert "could not publish this result on GitHub" in summary.read_text()
    assert "::warning title=releasekit signoff-gate::" in log_of(runtime)


@pytest.mark.parametrize(
    ("report", "code"),
    [pytest.param(BLOCKED, 1, id="blocked-stays-1"), pytest.param(ERROR, 3, id="error-stays-3")],
)
def test_a_failing_report_that_cannot_be_posted_keeps_its_own_exit_code(
    report: Report, code: int
) -> None:
    port = MemoryPort(fail_check=NO_CHECKS, fail_comment=NO_CHECKS)
    log = io.StringIO()
    result = publish(
        report, port, runtime=quiet(), head_sha=SHA, pr_number=7, check_name=CHECK, log=log
    )
    assert result.exit_code == code
    assert len(result.failures) == 2
    assert f"exit code stays {code}" in log.getvalue()


def test_the_comment_is_still_posted_when_the_check_run_fails() -> None:
    port = MemoryPort(fail_check=NO_CHECKS)
    result = publish(
        BLOCKED,
        port,
        runtime=quiet(),
        head_sha=SHA,
        pr_number=7,
        check_name=CHECK,
        log=io.StringIO(),
    )
    assert len(port.comments) == 1
    assert result.posted == (f"https://github.com/{REPO}/pull/7#c2",)


def test_an_unknown_head_sha_is_a_failure_to_post_not_a_pass() -> None:
    port = MemoryPort()
    result = publish(
        PASS, port, runtime=quiet(), head_sha=None, pr_number=7, check_name=CHECK, log=io.StringIO()
    )
    assert result.exit_code == 3
    assert port.check_runs == []
    assert "no head commit SHA" in result.failures[0]


def test_a_bug_in_the_port_is_a_failure_to_post_named_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = MemoryPort(fail_check=ZeroDivisionError("boom"))
    log = io.StringIO()
    result = publish(
        PASS, port, runtime=quiet(), head_sha=SHA, pr_number=None, check_name=CHECK, log=log
    )
    assert result.exit_code == 3
    assert "internal error: ZeroDivisionError: boom" in log.getvalue()
    assert "Traceback" not in log.getvalue()
    monkeypatch.setenv("RELEASEKIT_DEBUG", "1")
    log = io.StringIO()
    publish(PASS, port, runtime=quiet(), head_sha=SHA, pr_number=None, check_name=CHECK, log=log)
    assert "Traceback (most recent call last)" in log.getvalue()


# -- annotations and sizes ------------------------------------------------------------------------


def test_only_findings_with_a_file_and_line_become_annotations() -> None:
    report = report_with(
        finding("SGN001", "error", "on a line", file="a.py", line=4, hint="sign it"),
        finding("SGN002", "warning", "on a file", file="b.py"),
        finding("SGN003", "notice", "about the PR"),
    )
    (note,) = annotations_for(report)
    assert (note.path, note.start_line, note.level) == ("a.py", 4, "failure")
    assert note.message == "on a line — fix: sign it"
    assert note.title == "SGN001 (releasekit signoff-gate)"


def test_annotations_are_capped_at_500_and_the_summary_says_so() -> None:
    report = report_with(
        *(finding("SGN001", "error", f"finding {i}", file="a.py", line=i + 1) for i in range(600))
    )
    output = check_run_output(report)
    assert len(output.annotations) == MAX_ANNOTATIONS
    assert "100 more findings with a file and line are not annotated" in output.summary
    assert len(output.summary) <= 65_535


def test_oversized_report_fits_githubs_limits_and_keeps_the_decision(
    github_api: FakeGitHub,
) -> None:
    github_api.add_repo(REPO)
    pr = github_api.add_pull(REPO)
    report = report_with(
        *(
            finding("SGN001", "error", f"missing sign-off {'x' * 300} {i}", file="a.py", line=i + 1)
            for i in range(2_000)
        )
    )
    env = {"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": github_api.url, "GITHUB_TOKEN": TOKEN}
    runtime = Runtime(False, io.StringIO(), env)
    with connect(env, runtime=runtime, seconds_between_writes=None) as port:
        result = publish(
            report,
            port,
            runtime=runtime,
            head_sha=pr.head_sha,
            pr_number=pr.number,
            check_name=CHECK,
        )
    assert result.ok
    (comment,) = github_api.repo(REPO).comments.values()
    (run,) = github_api.repo(REPO).check_runs.values()
    assert len(comment.body) <= 65_536
    assert comment.body.startswith(
        COMMENT_MARKER.format(tool=TOOL) + "\n### ⛔ releasekit signoff-gate: **BLOCKED**"
    )
    assert "Cut to fit GitHub's size limit" in comment.body
    assert run.output_summary is not None
    assert len(run.output_summary) <= 65_535
    assert run.output_summary.startswith("### ⛔ releasekit signoff-gate: **BLOCKED**")
    assert run.conclusion == "failure"
    assert run.annotations_count == MAX_ANNOTATIONS
    annotation_writes = [w for w in github_api.writes() if "check-runs" in w.path]
    assert len(annotation_writes) == MAX_ANNOTATIONS // 50


# -- run_and_publish: summary first, then GitHub --------------------------------------------------


def test_job_summary_is_written_before_any_github_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, summary = actions_runtime(tmp_path, monkeypatch)
    port = MemoryPort(summary_path=summary)
    code = run_and_publish(
        TOOL,
        "PR #7",
        argparse.Namespace(format="text"),
        lambda: BLOCKED,
        target=lambda _report: PublishTarget(port, SHA, 7),
        check_name=CHECK,
        out=io.StringIO(),
        runtime=runtime,
    )
    assert code == 1
    assert len(port.summary_at_write) == 2
    assert all("**BLOCKED**" in text for text in port.summary_at_write)


def test_run_and_publish_posts_the_error_of_a_gate_that_raised() -> None:
    port = MemoryPort()

    def evaluate() -> Report:
        raise InfraError("GitHub answered 502 five times", hint="rerun")

    code = run_and_publish(
        TOOL,
        "PR #7",
        argparse.Namespace(format="text"),
        evaluate,
        target=lambda _report: PublishTarget(port, SHA, 7),
        check_name=CHECK,
        out=io.StringIO(),
        runtime=quiet(),
    )
    assert code == 3
    assert port.check_runs[0][2] == "failure"
    assert "could not decide" in port.comments[0][2]


def test_run_and_publish_treats_a_target_error_as_a_failure_to_post() -> None:
    def target(_report: Report) -> PublishTarget:
        raise InputError("no GitHub token", hint="set GITHUB_TOKEN")

    log = io.StringIO()
    code = run_and_publish(
        TOOL,
        "PR #7",
        argparse.Namespace(format="text"),
        lambda: PASS,
        target=target,
        check_name=CHECK,
        out=io.StringIO(),
        runtime=quiet(),
        log=log,
    )
    assert code == 3
    assert "no GitHub token" in log.getvalue()


def test_publish_options_default_to_required_publishing() -> None:
    parser = argparse.ArgumentParser()
    add_publish_options(parser, default_check_name=CHECK)
    assert vars(parser.parse_args([])) == {"check_name": CHECK, "publish_required": True}
    optional = parser.parse_args(["--no-publish-required", "--check-name", "x"])
    assert (optional.check_name, optional.publish_required) == ("x", False)


# -- end to end over HTTP --------------------------------------------------------------------------


@pytest.fixture
def http_port(github_api: FakeGitHub) -> Iterator[tuple[FakeGitHub, PyGithubPort]]:
    """The fake with a repository, and an adapter pointed at it."""
    github_api.add_repo(REPO)
    env = {"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": github_api.url, "GITHUB_TOKEN": TOKEN}
    port = connect(env, runtime=Runtime(False, io.StringIO(), env), seconds_between_writes=None)
    yield github_api, port
    port.close()


def test_ten_published_reruns_leave_one_comment_and_one_check_run(
    http_port: tuple[FakeGitHub, PyGithubPort],
) -> None:
    api, port = http_port
    pr = api.add_pull(REPO)
    reports: list[Callable[[], Report]] = [lambda: BLOCKED, lambda: PASS]
    for i in range(10):
        publish(
            reports[i % 2](),
            port,
            runtime=quiet(),
            head_sha=pr.head_sha,
            pr_number=pr.number,
            check_name=CHECK,
        )
    repo = api.repo(REPO)
    assert len(repo.comments) == 1
    assert "**PASS**" in next(iter(repo.comments.values())).body
    # One run per annotation set (GitHub cannot remove annotations); the last one written
    # is the latest, and it says PASS.
    runs = list(repo.check_runs.values())
    assert len(runs) == 2
    latest = max(runs, key=lambda r: (r.completed_at or "", r.id))
    assert latest.conclusion == "success"


def test_ten_identical_published_reruns_leave_one_check_run_and_write_once_each(
    http_port: tuple[FakeGitHub, PyGithubPort],
) -> None:
    api, port = http_port
    pr = api.add_pull(REPO)
    for _ in range(10):
        publish(
            BLOCKED,
            port,
            runtime=quiet(),
            head_sha=pr.head_sha,
            pr_number=pr.number,
            check_name=CHECK,
        )
    repo = api.repo(REPO)
    assert len(repo.comments) == 1
    assert len(repo.check_runs) == 1
    assert [w.method for w in api.writes()] == ["POST", "POST"]


def test_fork_pull_request_without_write_token_degrades_to_the_summary(
    http_port: tuple[FakeGitHub, PyGithubPort], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, port = http_port
    pr = api.add_pull(REPO)
    api.inject("POST", r"/check-runs$", "403-integration")
    api.inject("POST", r"/comments$", "403-integration")
    runtime, summary = actions_runtime(tmp_path, monkeypatch)
    result = publish(
        PASS, port, runtime=runtime, head_sha=pr.head_sha, pr_number=pr.number, check_name=CHECK
    )
    assert result.exit_code == 3
    assert api.repo(REPO).comments == {}
    text = summary.read_text()
    assert "pull request from a fork" in text
    assert TOKEN not in text


# -- the Markdown cut: largest prefix of findings that fits, found without re-rendering ---------


@settings(max_examples=200, deadline=None)
@given(
    messages=st.lists(st.text(max_size=60), max_size=40),
    limit=st.integers(min_value=200, max_value=6000),
    with_details=st.booleans(),
)
def test_the_cut_keeps_the_most_findings_that_fit(
    messages: list[str], limit: int, with_details: bool
) -> None:
    report = Report(
        "verify-audit",
        "all",
        tuple(
            finding("AUD003", "error", m, file=f"f{i}.md", line=i + 1, hint="h")
            for i, m in enumerate(messages)
        ),
    )
    details = (lambda _report: "details " * 20) if with_details else None
    text = render_markdown(report, details=details, limit=limit)
    assert len(text.encode()) <= limit
    full = render_markdown(report, details=details)
    if len(full.encode()) <= limit:
        assert text == full
        return
    rows = [line for line in text.split("\n") if line.startswith("| error |")]
    assert rows == [line for line in full.split("\n") if line.startswith("| error |")][: len(rows)]
    if len(rows) < len(messages) and "Cut to fit" in text:
        # The cut with one more row (the next in sorted order, the note's count one lower)
        # would not have fitted: the cut is the largest, not just a small one.
        ordered = report.sorted_findings()
        kept = Report(report.tool, report.subject, tuple(ordered[: len(rows) + 1]))
        extra = [ln for ln in render_markdown(kept).split("\n") if ln.startswith("| error |")][-1]
        left = len(messages) - len(rows)
        lines = text.split("\n")
        at = lines.index(rows[-1]) + 1 if rows else lines.index("|---|---|---|---|---|") + 1
        lines.insert(at, extra)
        bigger = "\n".join(lines).replace(
            f"{left} of {len(messages)} findings", f"{left - 1} of {len(messages)} findings"
        )
        assert len(bigger.encode()) > limit
