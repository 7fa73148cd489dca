"""The PyGithub adapter over real HTTP against the contract-checked fake GitHub.

Reads (all pages), identity, permission and team decisions, upserts, size limits, connection
settings and request counts. Failures and retries are in test_github_faults.py.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

import pytest

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.interface import COMMENT_MARKER, GitHubPort
from releasekit.adapters.github.pygithub import (
    PyGithubPort,
    api_url_from_env,
    connect,
    token_kind,
)
from releasekit.core.github_facts import Annotation, CheckConclusion, CheckRunOutput, Login, Sha
from releasekit.errors import InfraError, InputError
from support.github_api import FakeGitHub, PullFile

ROOT = Path(__file__).resolve().parents[1]
REPO = "acme/desk"
TOKEN = "ghs_FAKEinstallationTOKEN0123456789abcdef"
PAT = "ghp_FAKEpersonalTOKEN0123456789abcdefghij"
CHECK = "releasekit/signoff"


def env_for(api: FakeGitHub, **extra: str) -> dict[str, str]:
    """The Actions environment a gate sees, pointed at the fake."""
    return {"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": api.url, "GITHUB_TOKEN": TOKEN, **extra}


def open_port(
    api: FakeGitHub,
    env: Mapping[str, str] | None = None,
    *,
    log: TextIO | None = None,
) -> tuple[PyGithubPort, list[float]]:
    """A port with recorded waits, no write spacing and a quiet log."""
    waits: list[float] = []
    environ = dict(env) if env is not None else env_for(api)
    port = connect(
        environ,
        runtime=Runtime(False, io.StringIO(), environ),
        sleep=waits.append,
        seconds_between_writes=None,
        log=io.StringIO() if log is None else log,
    )
    return port, waits


@pytest.fixture
def api(github_api: FakeGitHub) -> FakeGitHub:
    """The fake with the repository seeded."""
    github_api.add_repo(REPO)
    return github_api


@pytest.fixture
def port(api: FakeGitHub) -> Iterator[PyGithubPort]:
    """A connected port (GITHUB_TOKEN-like installation token); closed at teardown."""
    p, _ = open_port(api)
    yield p
    p.close()


def output(n_annotations: int = 0, summary: str = "summary", title: str = "PASS") -> CheckRunOutput:
    """A check-run output with ``n_annotations`` distinct annotations."""
    notes = tuple(
        Annotation(f"src/f{i}.py", i + 1, i + 1, "warning", f"finding {i}", f"RUL{i:03d}")
        for i in range(n_annotations)
    )
    return CheckRunOutput(title=title, summary=summary, annotations=notes)


# -- connecting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://api.github.com", id="public-api-over-http"),
        pytest.param("http://ghe.example.com/api/v3", id="ghes-over-http"),
        pytest.param("http://10.0.0.7:8080", id="private-address-over-http"),
        pytest.param("ftp://api.github.com", id="other-scheme"),
    ],
)
def test_connect_refuses_a_non_https_api_url_except_loopback(url: str) -> None:
    with pytest.raises(InputError, match="https"):
        api_url_from_env({"GITHUB_API_URL": url})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("", "https://api.github.com", id="default-github-com"),
        pytest.param(
            "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3", id="ghes"
        ),
        pytest.param("http://127.0.0.9:8080", "http://127.0.0.9:8080", id="loopback-v4"),
        pytest.param("http://[::1]:9000", "http://[::1]:9000", id="loopback-v6"),
        pytest.param("http://localhost:9000", "http://localhost:9000", id="localhost"),
    ],
)
def test_connect_accepts_https_and_loopback_http_api_urls(url: str, expected: str) -> None:
    assert api_url_from_env({"GITHUB_API_URL": url}) == expected


def test_connect_refuses_credentials_in_the_api_url_without_echoing_them() -> None:
    with pytest.raises(InputError) as caught:
        api_url_from_env({"GITHUB_API_URL": "https://x:s3cr3t@api.github.com"})
    assert "s3cr3t" not in str(caught.value)


def test_connect_without_a_token_explains_the_env_and_permissions_to_add() -> None:
    env = {"GITHUB_REPOSITORY": REPO}
    with pytest.raises(InputError) as caught:
        connect(env, runtime=Runtime(False, io.StringIO(), env))
    hint = caught.value.problem.hint or ""
    assert "GITHUB_TOKEN: ${{ github.token }}" in hint
    assert "checks: write" in hint
    assert "pull-requests: write" in hint


@pytest.mark.parametrize(
    "repository",
    [
        pytest.param("", id="unset"),
        pytest.param("acme", id="no-slash"),
        pytest.param("acme/desk/extra", id="three-parts"),
        pytest.param("acme/..", id="dot-dot-name"),
        pytest.param("-acme/desk", id="leading-hyphen-owner"),
        pytest.param("acme/desk?x=1", id="query-in-name"),
    ],
)
def test_connect_refuses_a_repository_that_is_not_owner_slash_name(repository: str) -> None:
    env = {"GITHUB_REPOSITORY": repository, "GITHUB_TOKEN": TOKEN}
    with pytest.raises(InputError, match="GITHUB_REPOSITORY"):
        connect(env, runtime=Runtime(False, io.StringIO(), env))


def test_connect_masks_the_token_in_the_actions_log(api: FakeGitHub) -> None:
    out = io.StringIO()
    env = env_for(api)
    port = connect(env, runtime=Runtime(True, out, env), seconds_between_writes=None)
    port.close()
    assert out.getvalue() == f"::add-mask::{TOKEN}\n"


def test_connect_reads_the_releasekit_token_before_github_token(api: FakeGitHub) -> None:
    port, _ = open_port(api, env_for(api, RELEASEKIT_GITHUB_TOKEN="ghs_releasekitOWN"))
    with port:
        port.upsert_comment(api.add_pull(REPO).number, "signoff-gate", "x")
    assert {r.headers["Authorization"] for r in api.requests} == {"token ghs_releasekitOWN"}


def test_connect_configures_pygithub_for_upserts_not_blind_retries(api: FakeGitHub) -> None:
    env = env_for(api)
    port = connect(env, runtime=Runtime(False, io.StringIO(), env))
    with port:
        settings = port._requester.kwargs
    assert settings["retry"] is None
    assert settings["lazy"] is True
    assert settings["per_page"] == 100
    assert settings["timeout"] == 15
    assert settings["seconds_between_requests"] is None
    assert settings["seconds_between_writes"] == 1.0


def test_port_satisfies_the_github_port_protocol(port: PyGithubPort) -> None:
    typed: GitHubPort = port
    assert typed.repository == REPO
    assert typed.request_count == 0


def test_port_repr_never_shows_the_token(port: PyGithubPort) -> None:
    assert TOKEN not in repr(port)
    assert TOKEN not in str(vars(port))


def test_publishing_module_does_not_import_pygithub() -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'scripts')!r}); "
        "import releasekit.cli.common.publish; print('github' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        pytest.param("ghs_x", "installation", id="installation"),
        pytest.param("ghp_x", "user", id="classic-pat"),
        pytest.param("github_pat_x", "user", id="fine-grained-pat"),
        pytest.param("ghu_x", "user", id="app-user-token"),
        pytest.param("v1.abc", "unknown", id="legacy"),
    ],
)
def test_token_kind_comes_from_githubs_documented_prefixes(token: str, kind: str) -> None:
    assert token_kind(token) == kind


# -- reads -------------------------------------------------------------------------------------


def test_pull_request_facts_come_from_the_api(api: FakeGitHub, port: PyGithubPort) -> None:
    pr = api.add_pull(
        REPO, author="dependabot[bot]", labels=["release"], draft=True, title="Bump x"
    )
    facts = port.pull_request(pr.number)
    assert facts.number == pr.number
    assert facts.author == "dependabot[bot]"
    assert facts.author_is_bot
    assert facts.head_sha == pr.head_sha
    assert facts.base_ref == "main"
    assert facts.labels == ("release",)
    assert facts.draft
    assert facts.state == "open"
    assert not facts.merged


def test_reviews_on_page_three_are_seen(api: FakeGitHub, port: PyGithubPort) -> None:
    pr = api.add_pull(REPO)
    for i in range(250):
        api.add_review(REPO, pr.number, user=f"reviewer{i}", state="APPROVED")
    api.add_review(REPO, pr.number, user="risk-officer", state="CHANGES_REQUESTED")
    reviews = port.reviews(pr.number)
    assert len(reviews) == 251
    assert reviews[-1].user == "risk-officer"
    assert reviews[-1].state == "CHANGES_REQUESTED"
    pages = api.requests_to("GET", r"/reviews$")
    assert [r.query.get("page") for r in pages] == [None, ["2"], ["3"]]
    assert all(r.query["per_page"] == ["100"] for r in pages)


def test_changed_files_lists_every_page_with_renames(api: FakeGitHub, port: PyGithubPort) -> None:
    files: list[PullFile | str] = [f"src/m{i}.py" for i in range(299)]
    files.append(PullFile("new.py", status="renamed", previous_filename="old.py"))
    pr = api.add_pull(REPO, files=files)
    changed = port.changed_files(pr.number)
    assert len(changed) == 300
    assert changed[-1].path == "new.py"
    assert changed[-1].previous_path == "old.py"
    assert len(api.requests_to("GET", r"/files$")) == 3


def test_review_of_a_bot_is_marked_as_a_bot(api: FakeGitHub, port: PyGithubPort) -> None:
    pr = api.add_pull(REPO)
    api.add_review(REPO, pr.number, user="ci-bot[bot]", state="APPROVED")
    (review,) = port.reviews(pr.number)
    assert review.user_is_bot
    assert review.commit_id == pr.head_sha
    assert review.submitted_at is not None


def test_file_at_returns_the_text_at_the_ref(api: FakeGitHub, port: PyGithubPort) -> None:
    api.set_file(REPO, ".github/releasekit.yml", "roles:\n  risk: [rita]\n", ref="main")
    assert port.file_at(".github/releasekit.yml", "main") == "roles:\n  risk: [rita]\n"


def test_file_at_a_missing_file_of_a_readable_repository_is_none(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    assert port.file_at(".github/releasekit.yml", "main") is None
    # The 404 alone proves nothing: the repository was read to tell "absent" from "hidden".
    assert [r.path for r in api.requests] == [
        f"/repos/{REPO}/contents/.github/releasekit.yml",
        f"/repos/{REPO}",
    ]


def test_file_at_in_an_unreadable_repository_raises_instead_of_none(api: FakeGitHub) -> None:
    port, _ = open_port(api, env_for(api, GITHUB_REPOSITORY="acme/hidden"))
    with port, pytest.raises(InfraError, match="cannot tell"):
        port.file_at(".github/releasekit.yml", "main")


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("../secrets.yml", id="parent"),
        pytest.param("/etc/passwd", id="absolute"),
        pytest.param("a/../../b", id="inner-parent"),
        pytest.param("a//b", id="empty-segment"),
        pytest.param("a\\b", id="backslash"),
    ],
)
def test_file_at_refuses_a_path_that_leaves_the_repository_without_a_request(
    api: FakeGitHub, port: PyGithubPort, path: str
) -> None:
    with pytest.raises(InputError, match="not a path inside the repository"):
        port.file_at(path, "main")
    assert api.requests == []


def test_file_at_a_directory_is_an_input_error(api: FakeGitHub, port: PyGithubPort) -> None:
    api.set_file(REPO, "docs/a.md", "a")
    with pytest.raises(InputError, match="not a file"):
        port.file_at("docs", "main")


# -- permission and teams ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "maintain", "write", "triage", "read"])
def test_permission_keeps_the_fine_grained_role(
    api: FakeGitHub, port: PyGithubPort, role: str
) -> None:
    api.set_collaborator(REPO, "alice", role)
    assert port.permission(Login("alice")) == role


def test_permission_404_of_a_readable_repository_is_none(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    assert port.permission(Login("stranger")) == "none"
    assert [r.path for r in api.requests] == [
        f"/repos/{REPO}/collaborators/stranger/permission",
        f"/repos/{REPO}",
    ]


def test_permission_404_after_another_read_needs_no_extra_request(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    pr = api.add_pull(REPO)
    port.pull_request(pr.number)
    assert port.permission(Login("stranger")) == "none"
    assert port.request_count == 2


def test_permission_404_of_an_unreadable_repository_raises_never_none(api: FakeGitHub) -> None:
    port, _ = open_port(api, env_for(api, GITHUB_REPOSITORY="acme/hidden"))
    with port, pytest.raises(InfraError) as caught:
        port.permission(Login("alice"))
    assert "GITHUB_REPOSITORY" in (caught.value.problem.hint or "")


@pytest.mark.parametrize("state", ["active", "pending"])
def test_team_membership_reports_the_state(api: FakeGitHub, port: PyGithubPort, state: str) -> None:
    api.set_team_membership("acme", "risk", "rita", state=state)
    assert port.team_membership("acme", "risk", Login("rita")) == state


def test_team_membership_404_of_a_readable_team_is_absent(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    api.set_team_membership("acme", "risk", "rita")
    assert port.team_membership("acme", "risk", Login("mallory")) == "absent"
    assert [r.path for r in api.requests] == [
        "/orgs/acme/teams/risk/memberships/mallory",
        "/orgs/acme/teams/risk",
    ]


@pytest.mark.parametrize(
    "hide",
    [
        pytest.param("unseeded", id="team-404-like-github-token"),
        pytest.param("404", id="team-404-injected"),
        pytest.param("403-integration", id="team-403"),
    ],
)
def test_team_membership_404_of_an_unreadable_team_raises_never_absent(
    api: FakeGitHub, port: PyGithubPort, hide: str
) -> None:
    if hide != "unseeded":
        api.set_team_membership("acme", "risk", "rita")
        api.inject("GET", r"^/orgs/acme/teams/risk$", hide)
    with pytest.raises(InfraError) as caught:
        port.team_membership("acme", "risk", Login("mallory"))
    assert "Members: read" in (caught.value.problem.hint or "")


def test_team_membership_403_raises_with_the_members_read_fix(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    api.inject("GET", r"/memberships/", "403-integration")
    with pytest.raises(InfraError, match="403") as caught:
        port.team_membership("acme", "risk", Login("rita"))
    assert "GITHUB_TOKEN never can" in (caught.value.problem.hint or "")


# -- identity ---------------------------------------------------------------------------------


def test_installation_token_writes_as_github_actions_without_asking(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    assert port.identity() == "github-actions[bot]"
    assert api.requests == []


def test_personal_token_identity_comes_from_get_user(api: FakeGitHub) -> None:
    api.set_viewer("release-manager")
    pr = api.add_pull(REPO)
    api.add_issue_comment(
        REPO,
        pr.number,
        body=COMMENT_MARKER.format(tool="signoff-gate") + "\nold",
        user="release-manager",
    )
    port, _ = open_port(api, env_for(api, GITHUB_TOKEN=PAT))
    with port:
        result = port.upsert_comment(pr.number, "signoff-gate", "new")
    assert not result.created
    assert api.requests[0].path == "/user"
    assert len(api.repo(REPO).comments) == 1


def test_token_of_unknown_kind_refused_by_get_user_is_github_actions(api: FakeGitHub) -> None:
    port, _ = open_port(api, env_for(api, GITHUB_TOKEN="v1.0123456789abcdef"))
    with port:
        assert port.identity() == "github-actions[bot]"
    assert [(r.path, r.status) for r in api.requests] == [("/user", 403)]


def test_app_slug_names_the_identity_of_an_app_token(api: FakeGitHub) -> None:
    api.set_viewer("desk-release[bot]")
    pr = api.add_pull(REPO)
    port, _ = open_port(api, env_for(api, RELEASEKIT_APP_SLUG="desk-release"))
    with port:
        first = port.upsert_comment(pr.number, "signoff-gate", "one")
        second = port.upsert_comment(pr.number, "signoff-gate", "two")
    assert first.created
    assert not second.created
    assert len(api.repo(REPO).comments) == 1


def test_app_token_without_slug_warns_and_still_updates_within_the_run(api: FakeGitHub) -> None:
    api.set_viewer("desk-release[bot]")
    pr = api.add_pull(REPO)
    log = io.StringIO()
    port, _ = open_port(api, log=log)
    with port:
        port.upsert_comment(pr.number, "signoff-gate", "one")
        port.upsert_comment(pr.number, "signoff-gate", "two")
    assert "RELEASEKIT_APP_SLUG" in log.getvalue()
    assert len(api.repo(REPO).comments) == 1


# -- comments -----------------------------------------------------------------------------------


def test_ten_reruns_leave_exactly_one_comment(api: FakeGitHub, port: PyGithubPort) -> None:
    pr = api.add_pull(REPO)
    results = [port.upsert_comment(pr.number, "signoff-gate", f"run {i % 3}") for i in range(10)]
    comments = list(api.repo(REPO).comments.values())
    assert len(comments) == 1
    assert comments[0].body == COMMENT_MARKER.format(tool="signoff-gate") + "\nrun 0"
    assert [r.created for r in results] == [True] + [False] * 9
    assert len({r.id for r in results}) == 1


def test_rerun_with_an_unchanged_comment_makes_no_write(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    pr = api.add_pull(REPO)
    for _ in range(3):
        port.upsert_comment(pr.number, "signoff-gate", "same")
    assert [r.method for r in api.writes()] == ["POST"]


def test_comment_by_someone_else_carrying_our_marker_is_never_edited(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    pr = api.add_pull(REPO)
    marker = COMMENT_MARKER.format(tool="signoff-gate")
    forged = api.add_issue_comment(REPO, pr.number, body=f"{marker}\n✅ PASS", user="mallory")
    port.upsert_comment(pr.number, "signoff-gate", "⛔ BLOCKED")
    comments = api.repo(REPO).comments
    assert comments[forged.id].body == f"{marker}\n✅ PASS"
    assert len(comments) == 2
    assert not api.requests_to("PATCH", r"/comments/")


def test_our_bot_comment_quoting_the_marker_mid_body_is_not_ours(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    pr = api.add_pull(REPO)
    marker = COMMENT_MARKER.format(tool="signoff-gate")
    other = api.add_issue_comment(
        REPO, pr.number, body=f"another workflow quoting {marker}", user="github-actions[bot]"
    )
    port.upsert_comment(pr.number, "signoff-gate", "report")
    assert api.repo(REPO).comments[other.id].body == f"another workflow quoting {marker}"


def test_comment_of_another_tool_is_left_alone(api: FakeGitHub, port: PyGithubPort) -> None:
    pr = api.add_pull(REPO)
    port.upsert_comment(pr.number, "check-changelog", "changelog report")
    port.upsert_comment(pr.number, "signoff-gate", "sign-off report")
    assert len(api.repo(REPO).comments) == 2


def test_our_comment_on_a_later_page_is_found_and_updated(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    pr = api.add_pull(REPO)
    for i in range(150):
        api.add_issue_comment(REPO, pr.number, body=f"chatter {i}")
    port.upsert_comment(pr.number, "signoff-gate", "first")
    port.upsert_comment(pr.number, "signoff-gate", "second")
    ours = [c for c in api.repo(REPO).comments.values() if c.user == "github-actions[bot]"]
    assert len(ours) == 1
    assert ours[0].body.endswith("second")


def test_oversized_comment_is_cut_to_githubs_limit_keeping_the_start(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    pr = api.add_pull(REPO)
    body = "### ⛔ releasekit signoff-gate: **BLOCKED**\n" + "x" * 100_000
    port.upsert_comment(pr.number, "signoff-gate", body)
    (stored,) = api.repo(REPO).comments.values()
    assert len(stored.body) <= 65_536
    assert stored.body.startswith(COMMENT_MARKER.format(tool="signoff-gate") + "\n### ⛔")
    assert "full report is in the job summary" in stored.body


@pytest.mark.parametrize("tool", ["Signoff", "a b", "x-->", ""])
def test_comment_refuses_a_tool_name_that_could_break_the_marker(
    api: FakeGitHub, port: PyGithubPort, tool: str
) -> None:
    pr = api.add_pull(REPO)
    with pytest.raises(InputError):
        port.upsert_comment(pr.number, tool, "x")


# -- check runs ---------------------------------------------------------------------------------


def test_ten_reruns_leave_exactly_one_check_run(api: FakeGitHub, port: PyGithubPort) -> None:
    pr = api.add_pull(REPO)
    sha = Sha(pr.head_sha)
    for i in range(10):
        conclusion: CheckConclusion = "success" if i % 2 else "failure"
        port.upsert_check_run(CHECK, sha, conclusion, output(3, summary=f"run {i}"))
    (run,) = api.repo(REPO).check_runs.values()
    assert run.conclusion == "success"
    assert run.output_summary == "run 9"
    assert run.annotations_count == 3


def test_rerun_with_an_unchanged_check_run_makes_no_write(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    pr = api.add_pull(REPO)
    for _ in range(3):
        port.upsert_check_run(CHECK, Sha(pr.head_sha), "success", output(2))
    assert [r.method for r in api.writes()] == ["POST"]


def test_more_than_50_annotations_go_50_per_request_and_all_are_stored(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    pr = api.add_pull(REPO)
    result = port.upsert_check_run(CHECK, Sha(pr.head_sha), "failure", output(120))
    writes = api.writes()
    assert [w.method for w in writes] == ["POST", "PATCH", "PATCH"]
    assert [len(w.body["output"]["annotations"]) for w in writes] == [50, 50, 20]
    assert api.repo(REPO).check_runs[result.id].annotations_count == 120


def test_rerun_with_the_same_annotations_appends_none(api: FakeGitHub, port: PyGithubPort) -> None:
    pr = api.add_pull(REPO)
    port.upsert_check_run(CHECK, Sha(pr.head_sha), "failure", output(120, summary="a"))
    port.upsert_check_run(CHECK, Sha(pr.head_sha), "failure", output(120, summary="b"))
    (run,) = api.repo(REPO).check_runs.values()
    assert run.annotations_count == 120
    assert run.output_summary == "b"


def test_changed_annotations_start_a_fresh_check_run(api: FakeGitHub, port: PyGithubPort) -> None:
    # GitHub only appends annotations, so a changed set cannot be fixed up in place.
    pr = api.add_pull(REPO)
    port.upsert_check_run(CHECK, Sha(pr.head_sha), "failure", output(5))
    port.upsert_check_run(CHECK, Sha(pr.head_sha), "failure", output(2))
    runs = sorted(api.repo(REPO).check_runs.values(), key=lambda r: r.id)
    assert [r.annotations_count for r in runs] == [5, 2]


def test_same_name_check_run_of_another_app_is_never_updated(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    pr = api.add_pull(REPO)
    forged = api.add_check_run(
        REPO, name=CHECK, head_sha=pr.head_sha, conclusion="success", app_slug="evil-app"
    )
    port.upsert_check_run(CHECK, Sha(pr.head_sha), "failure", output())
    runs = api.repo(REPO).check_runs
    assert runs[forged.id].conclusion == "success"
    assert len(runs) == 2
    assert not api.requests_to("PATCH", r"/check-runs/")


def test_check_run_output_is_cut_to_githubs_limits(api: FakeGitHub, port: PyGithubPort) -> None:
    pr = api.add_pull(REPO)
    long = CheckRunOutput(
        title="T" * 400,
        summary="### ⛔ BLOCKED\n" + "s" * 70_000,
        text="t" * 70_000,
        annotations=(Annotation("a.py", 1, 1, "failure", "m" * 70_000, "R" * 300),),
    )
    port.upsert_check_run(CHECK, Sha(pr.head_sha), "failure", long)
    (write,) = api.writes()
    sent = write.body["output"]
    assert len(sent["summary"]) <= 65_535
    assert sent["summary"].startswith("### ⛔ BLOCKED")
    assert len(sent["text"]) <= 65_535
    assert len(sent["title"]) <= 255
    assert len(sent["annotations"][0]["title"]) <= 255


def test_check_run_refuses_a_short_sha(api: FakeGitHub, port: PyGithubPort) -> None:
    with pytest.raises(InputError, match="SHA"):
        port.upsert_check_run(CHECK, Sha("abc123"), "success", output())
    assert api.requests == []


# -- request counts --------------------------------------------------------------------------------


def typical_pull_request(api: FakeGitHub, n_files: int) -> int:
    """A release PR: ``n_files`` changed files, 30 reviews, a policy file on the base branch."""
    pr = api.add_pull(REPO, files=[f"strategies/s{i}.py" for i in range(n_files)])
    for i in range(30):
        api.add_review(REPO, pr.number, user=f"dev{i}", state="APPROVED")
    api.set_file(REPO, ".github/releasekit.yml", "version: 1\n", ref="main")
    return pr.number


def run_typical_gate(port: PyGithubPort, number: int) -> None:
    """What the sign-off gate asks of GitHub for one pull request, then its publishing."""
    pr = port.pull_request(number)
    port.changed_files(number)
    port.reviews(number)
    port.file_at(".github/releasekit.yml", pr.base_ref)
    port.upsert_comment(number, "signoff-gate", "report")
    port.upsert_check_run(CHECK, pr.head_sha, "success", output(2))


def test_typical_pull_request_takes_eight_requests_including_writes(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    run_typical_gate(port, typical_pull_request(api, n_files=40))
    assert port.request_count == len(api.requests) == 8
    assert len(api.writes()) == 2


def test_pull_request_with_300_files_takes_two_more_pages(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    run_typical_gate(port, typical_pull_request(api, n_files=300))
    assert port.request_count == len(api.requests) == 10


def test_unchanged_rerun_of_a_typical_gate_reads_only(api: FakeGitHub, port: PyGithubPort) -> None:
    number = typical_pull_request(api, n_files=40)
    run_typical_gate(port, number)
    run_typical_gate(port, number)
    assert port.request_count == len(api.requests) == 8 + 6
    assert len(api.writes()) == 2
