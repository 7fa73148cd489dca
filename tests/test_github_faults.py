"""The PyGithub adapter under GitHub's failures: retries, waits, no duplicates, no fail-open.

Each fault is injected into the contract-checked fake GitHub. For every one the tests assert:
no duplicate writes (one comment, one check run), no fail-open answer (a call that could not
find out raises ``InfraError``; it never answers "absent", "none" or a partial list), the
waits asked of the injected sleep (≥ 60 s for a rate limit without ``retry-after``), and the
total wait bound. Nothing really sleeps, except the timeout cases, which need the client's
1-second timeout to expire.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.interface import COMMENT_MARKER
from releasekit.adapters.github.pygithub import PyGithubPort, connect
from releasekit.core.github_facts import Annotation, CheckRunOutput, Login, Sha
from releasekit.errors import InfraError
from support.github_api import FakeGitHub

REPO = "acme/desk"
TOKEN = "ghs_SECRETtokenVALUEthatMUSTneverLEAK42"
CHECK = "releasekit/signoff"
TOOL = "signoff-gate"
CLIENT_TIMEOUT = 1  # seconds; the fake stalls 2 s on a "timeout" fault
STALL = 2.0


class Harness:
    """A fake GitHub with one pull request (251 reviews over 3 pages) and a port factory."""

    def __init__(self, api: FakeGitHub) -> None:
        self.api = api
        api.add_repo(REPO)
        self.pr = api.add_pull(REPO)
        for i in range(250):
            api.add_review(REPO, self.pr.number, user=f"dev{i}", state="APPROVED")
        api.add_review(REPO, self.pr.number, user="risk-officer", state="CHANGES_REQUESTED")
        self.ports: list[PyGithubPort] = []
        self.log = io.StringIO()

    def port(self, *, max_wait: float | None = None) -> tuple[PyGithubPort, list[float]]:
        """A port whose waits are recorded instead of slept."""
        waits: list[float] = []
        env = {"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": self.api.url, "GITHUB_TOKEN": TOKEN}
        port = connect(
            env,
            runtime=Runtime(False, io.StringIO(), env),
            sleep=waits.append,
            max_wait=max_wait,
            seconds_between_writes=None,
            timeout=CLIENT_TIMEOUT,
            log=self.log,
        )
        self.ports.append(port)
        return port, waits

    @property
    def comments(self) -> list[Any]:
        return list(self.api.repo(REPO).comments.values())

    @property
    def check_runs(self) -> list[Any]:
        return list(self.api.repo(REPO).check_runs.values())

    def wait_for_stalled(self, method: str, path_regex: str) -> None:
        """Block until the fake has finished a stalled ("timeout") request (it logs it then)."""
        deadline = time.monotonic() + 10 * STALL
        while not any(r.fault == "timeout" for r in self.api.requests_to(method, path_regex)):
            assert time.monotonic() < deadline, "the stalled request never finished"
            time.sleep(0.05)


@pytest.fixture
def h(github_api: FakeGitHub) -> Iterator[Harness]:
    """The harness; every port it made is closed at teardown."""
    harness = Harness(github_api)
    yield harness
    for port in harness.ports:
        port.close()


def output(n: int = 2, summary: str = "summary") -> CheckRunOutput:
    """A check-run output with ``n`` annotations."""
    notes = tuple(
        Annotation(f"src/f{i}.py", i + 1, i + 1, "failure", f"finding {i}", f"SGN{i:03d}")
        for i in range(n)
    )
    return CheckRunOutput(title="BLOCKED", summary=summary, annotations=notes)


def assert_waits(waits: list[float], expected: list[float] | tuple[float, float]) -> None:
    """Exact waits, or (low, high) bounds for the one wait derived from x-ratelimit-reset."""
    if isinstance(expected, tuple):
        assert len(waits) == 1
        assert expected[0] <= waits[0] <= expected[1]
    else:
        assert waits == expected


# -- reads ---------------------------------------------------------------------------------

ONE_READ_FAULT = [
    pytest.param("502", {}, [2.0], id="502"),
    pytest.param("403-secondary", {"retry_after": 7}, [7.0], id="403-secondary-retry-after"),
    pytest.param("403-secondary", {}, [60.0], id="403-secondary-no-retry-after"),
    pytest.param("429", {"retry_after": 3}, [3.0], id="429-retry-after"),
    pytest.param("429", {}, [60.0], id="429-no-retry-after-waits-a-minute"),
    pytest.param("primary-exhausted", {"reset_in": 30}, (29.0, 32.0), id="primary-until-reset"),
    pytest.param("timeout", {"seconds": STALL}, [2.0], id="timeout"),
]


@pytest.mark.parametrize(("fault", "options", "expected_waits"), ONE_READ_FAULT)
def test_read_fault_is_retried_and_every_page_is_still_seen(
    h: Harness,
    fault: str,
    options: dict[str, Any],
    expected_waits: list[float] | tuple[float, float],
) -> None:
    port, waits = h.port()
    h.api.inject("GET", r"/reviews$", fault, 1, **options)
    reviews = port.reviews(h.pr.number)
    assert len(reviews) == 251
    assert reviews[-1].state == "CHANGES_REQUESTED"
    assert_waits(waits, expected_waits)
    if fault == "timeout":
        h.wait_for_stalled("GET", r"/reviews$")  # the fake logs a stalled request at its end
    assert port.request_count == len(h.api.requests) == 4  # the failed try + 3 pages


PERSISTENT_READ_FAULT = [
    pytest.param("502", {}, [2.0, 4.0, 8.0], id="502-given-up-after-3-retries"),
    pytest.param("429", {}, [60.0, 120.0], id="429-stops-before-the-300s-bound"),
    pytest.param("403-secondary", {}, [60.0, 120.0], id="403-secondary-stops-at-the-bound"),
    pytest.param("403-secondary", {"retry_after": 1}, [1.0] * 5, id="403-retry-after-5-retries"),
    pytest.param("timeout", {"seconds": STALL}, [2.0, 4.0, 8.0], id="timeout-given-up"),
]


@pytest.mark.parametrize(("fault", "options", "expected_waits"), PERSISTENT_READ_FAULT)
def test_persistent_read_fault_raises_instead_of_a_partial_answer(
    h: Harness, fault: str, options: dict[str, Any], expected_waits: list[float]
) -> None:
    port, waits = h.port()
    h.api.inject("GET", r"/reviews$", fault, None, **options)
    with pytest.raises(InfraError, match="list the reviews"):
        port.reviews(h.pr.number)
    assert waits == expected_waits
    assert sum(waits) <= 300


def test_primary_limit_resetting_after_the_bound_fails_without_waiting(h: Harness) -> None:
    port, waits = h.port()
    h.api.inject("GET", r"/pulls/\d+$", "primary-exhausted", reset_in=3600)
    with pytest.raises(InfraError, match="total wait bound of 300 s") as caught:
        port.pull_request(h.pr.number)
    assert waits == []
    assert "RELEASEKIT_GITHUB_MAX_WAIT" in (caught.value.problem.hint or "")


def test_retry_after_longer_than_the_bound_fails_without_waiting(h: Harness) -> None:
    port, waits = h.port()
    h.api.inject("GET", r"/pulls/\d+$", "429", retry_after=400)
    with pytest.raises(InfraError, match="400 s wait"):
        port.pull_request(h.pr.number)
    assert waits == []


def test_total_wait_is_bounded_across_calls_of_one_port(h: Harness) -> None:
    port, waits = h.port(max_wait=150)
    for _ in range(2):
        h.api.inject("GET", r"/pulls/\d+$", "429")
        port.pull_request(h.pr.number)
    h.api.inject("GET", r"/pulls/\d+$", "429")
    with pytest.raises(InfraError, match="bound of 150 s"):
        port.pull_request(h.pr.number)
    assert waits == [60.0, 60.0]


@pytest.mark.parametrize("fault", ["502", "timeout", "429"])
def test_team_lookup_that_keeps_failing_raises_never_absent(h: Harness, fault: str) -> None:
    h.api.set_team_membership("acme", "risk", "rita")
    port, _ = h.port()
    h.api.inject("GET", r"^/orgs/acme/teams/risk", fault, None, seconds=STALL)
    with pytest.raises(InfraError):
        port.team_membership("acme", "risk", Login("rita"))


def test_team_lookup_retried_after_a_502_gives_the_true_state(h: Harness) -> None:
    h.api.set_team_membership("acme", "risk", "rita", state="pending")
    port, waits = h.port()
    h.api.inject("GET", r"/memberships/", "502")
    assert port.team_membership("acme", "risk", Login("rita")) == "pending"
    assert waits == [2.0]


def test_permission_404_when_the_repository_read_fails_raises_never_none(h: Harness) -> None:
    port, _ = h.port()
    h.api.inject("GET", rf"^/repos/{REPO}$", "404")
    with pytest.raises(InfraError, match="cannot tell"):
        port.permission(Login("stranger"))


def test_permission_read_after_a_secondary_limit_gives_the_true_role(h: Harness) -> None:
    h.api.set_collaborator(REPO, "alice", "maintain")
    port, waits = h.port()
    h.api.inject("GET", r"/permission$", "403-secondary")
    assert port.permission(Login("alice")) == "maintain"
    assert waits == [60.0]


def test_pull_request_404_names_the_repository_and_the_token(h: Harness) -> None:
    port, waits = h.port()
    h.api.inject("GET", r"/pulls/\d+$", "404")
    with pytest.raises(InfraError, match="answered 404") as caught:
        port.pull_request(h.pr.number)
    assert "GITHUB_REPOSITORY" in (caught.value.problem.hint or "")
    assert waits == []


# -- writes: the fault matrix ------------------------------------------------------------------

WRITE_FAULT = [
    pytest.param("502-after-store", {}, "posted", [2.0], 1, id="502-after-store"),
    pytest.param("502", {}, "posted", [2.0], 2, id="502"),
    pytest.param(
        "403-secondary", {"retry_after": 5}, "posted", [5.0], 2, id="403-secondary-retry-after"
    ),
    pytest.param("403-secondary", {}, "posted", [60.0], 2, id="403-secondary-no-ra"),
    pytest.param("429", {"retry_after": 5}, "posted", [5.0], 2, id="429-retry-after"),
    pytest.param("429", {}, "posted", [60.0], 2, id="429-no-retry-after"),
    pytest.param("primary-exhausted", {"reset_in": 20}, "posted", (19.0, 22.0), 2, id="primary"),
    pytest.param("timeout", {"seconds": STALL}, "unconfirmed", [2.0], 1, id="timeout"),
    pytest.param("403-integration", {}, "refused", [], 1, id="403-integration"),
    pytest.param("404", {}, "refused", [], 1, id="404"),
]


@pytest.mark.parametrize(("fault", "options", "outcome", "expected_waits", "posts"), WRITE_FAULT)
def test_comment_create_fault_never_duplicates_the_comment(
    h: Harness,
    fault: str,
    options: dict[str, Any],
    outcome: str,
    expected_waits: list[float] | tuple[float, float],
    posts: int,
) -> None:
    port, waits = h.port()
    h.api.inject("POST", r"/issues/\d+/comments$", fault, 1, **options)
    if outcome == "posted":
        result = port.upsert_comment(h.pr.number, TOOL, "report")
        assert result.created
        assert len(h.comments) == 1
    else:
        with pytest.raises(InfraError) as caught:
            port.upsert_comment(h.pr.number, TOOL, "report")
        if fault == "403-integration":
            assert "pull-requests: write" in (caught.value.problem.hint or "")
            assert "fork" in (caught.value.problem.hint or "")
    assert_waits(waits, expected_waits)
    if outcome == "unconfirmed":
        h.wait_for_stalled("POST", r"/comments$")  # logged when the stalled create lands
    assert len(h.api.requests_to("POST", r"/comments$")) == posts
    if outcome == "unconfirmed":
        # The create landed after we gave up; a rerun finds it and adds none.
        rerun, _ = h.port()
        assert not rerun.upsert_comment(h.pr.number, TOOL, "report").created
    assert len(h.comments) == (0 if outcome == "refused" else 1)


@pytest.mark.parametrize(("fault", "options", "outcome", "expected_waits", "posts"), WRITE_FAULT)
def test_check_run_create_fault_never_duplicates_the_check_run(
    h: Harness,
    fault: str,
    options: dict[str, Any],
    outcome: str,
    expected_waits: list[float] | tuple[float, float],
    posts: int,
) -> None:
    port, waits = h.port()
    sha = Sha(h.pr.head_sha)
    h.api.inject("POST", r"/check-runs$", fault, 1, **options)
    if outcome == "posted":
        assert port.upsert_check_run(CHECK, sha, "failure", output(60)).created
    else:
        with pytest.raises(InfraError) as caught:
            port.upsert_check_run(CHECK, sha, "failure", output(60))
        if fault == "403-integration":
            hint = caught.value.problem.hint or ""
            assert "`permissions: checks: write`" in hint
            assert "pull request from a fork, where GitHub grants no write token" in hint
    assert_waits(waits, expected_waits)
    if outcome == "unconfirmed":
        h.wait_for_stalled("POST", r"/check-runs$")
    assert len(h.api.requests_to("POST", r"/check-runs$")) == posts
    if outcome == "unconfirmed":
        rerun, _ = h.port()
        assert not rerun.upsert_check_run(CHECK, sha, "failure", output(60)).created
    runs = h.check_runs
    assert len(runs) == (0 if outcome == "refused" else 1)
    if outcome != "refused":
        assert runs[0].annotations_count == 60  # every annotation exactly once


@pytest.mark.parametrize(
    ("fault", "options"),
    [
        pytest.param("502-after-store", {}, id="502-after-store"),
        pytest.param("502", {}, id="502"),
        pytest.param("timeout", {"seconds": STALL}, id="timeout"),
        pytest.param("429", {}, id="429"),
    ],
)
def test_comment_update_fault_is_reread_and_leaves_one_current_comment(
    h: Harness, fault: str, options: dict[str, Any]
) -> None:
    port, _ = h.port()
    port.upsert_comment(h.pr.number, TOOL, "old")
    h.api.inject("PATCH", r"/issues/comments/\d+$", fault, 1, **options)
    port.upsert_comment(h.pr.number, TOOL, "new")
    if fault == "timeout":
        h.wait_for_stalled("PATCH", r"/comments/")
    (comment,) = h.comments
    assert comment.body == COMMENT_MARKER.format(tool=TOOL) + "\nnew"


@pytest.mark.parametrize(
    ("fault", "patches"),
    [
        pytest.param("502-after-store", 2, id="stored-batch-is-not-resent"),
        pytest.param("502", 3, id="lost-batch-is-resent-once"),
    ],
)
def test_annotation_batch_fault_resumes_from_what_github_stored(
    h: Harness, fault: str, patches: int
) -> None:
    port, _ = h.port()
    h.api.inject("PATCH", r"/check-runs/\d+$", fault, 1)
    port.upsert_check_run(CHECK, Sha(h.pr.head_sha), "failure", output(120))
    (run,) = h.check_runs
    assert run.annotations_count == 120
    assert len(h.api.requests_to("PATCH", r"/check-runs/")) == patches


def test_comment_list_fault_during_an_upsert_is_retried(h: Harness) -> None:
    port, waits = h.port()
    h.api.inject("GET", r"/comments$", "502")
    port.upsert_comment(h.pr.number, TOOL, "report")
    assert len(h.comments) == 1
    assert waits == [2.0]


def test_create_stored_despite_persistent_502s_is_found_not_resent(h: Harness) -> None:
    port, waits = h.port()
    h.api.inject("POST", r"/comments$", "502-after-store", None)
    h.api.inject("PATCH", r"/comments/", "502-after-store", None)
    result = port.upsert_comment(h.pr.number, TOOL, "report")
    assert result.created
    assert len(h.comments) == 1
    assert waits == [2.0]


def test_ten_reruns_through_faults_leave_one_comment_and_one_check_run(h: Harness) -> None:
    faults = ["502-after-store", "502", "429", "403-secondary", "502-after-store"]
    for i in range(10):
        port, _ = h.port()
        h.api.inject("POST", r"/comments$", faults[i % len(faults)])
        h.api.inject("POST", r"/check-runs$", faults[i % len(faults)])
        port.upsert_comment(h.pr.number, TOOL, f"run {i}")
        port.upsert_check_run(CHECK, Sha(h.pr.head_sha), "failure", output(3, f"run {i}"))
    assert len(h.comments) == 1
    assert len(h.check_runs) == 1
    assert h.check_runs[0].annotations_count == 3


# -- the token --------------------------------------------------------------------------------


def test_token_never_appears_in_errors_or_logs(
    h: Harness, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # PyGithub (its "github" logger is pinned to INFO) and urllib3 log every request at DEBUG.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="github")
    port, _ = h.port()
    sha = Sha(h.pr.head_sha)
    failures: list[InfraError] = []
    attempts: list[tuple[str, str, str, Any]] = [
        ("POST", r"/check-runs$", "403-integration", 1),
        ("POST", r"/comments$", "404", 1),
        ("GET", r"/pulls/\d+$", "502", 4),
        ("GET", r"/pulls/\d+$", "primary-exhausted", 1),
    ]
    calls: Mapping[str, Any] = {
        "/check-runs$": lambda: port.upsert_check_run(CHECK, sha, "failure", output()),
        "/comments$": lambda: port.upsert_comment(h.pr.number, TOOL, "x"),
        r"/pulls/\d+$": lambda: port.pull_request(h.pr.number),
    }
    for method, path, fault, times in attempts:
        h.api.inject(method, path, fault, times, reset_in=3600)
        with pytest.raises(InfraError) as caught:
            calls[path]()
        failures.append(caught.value)
    # And the successful paths, with PyGithub's debug logging on.
    port.reviews(h.pr.number)
    port.upsert_comment(h.pr.number, TOOL, "report")
    captured = capsys.readouterr()
    texts = [
        *(str(e) for e in failures),
        *(e.problem.hint or "" for e in failures),
        h.log.getvalue(),
        caplog.text,
        captured.out,
        captured.err,
        repr(port),
    ]
    # The logs really were captured: our retry notes, and PyGithub's own request log.
    assert "retrying in 2 s" in h.log.getvalue()
    assert "oauth token removed" in caplog.text
    assert all(TOKEN not in text for text in texts)
