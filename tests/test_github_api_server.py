"""Tests of the contract-checked fake GitHub API in ``tests/support/github_api``.

They drive the fake with PyGithub (the client releasekit's adapter uses) where
the behaviour is about a real client, and with raw ``requests`` where the exact
status, headers or a deliberately malformed request matter.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import github
import pytest
import requests

from support.github_api import FakeGitHub, load_event
from support.github_api.contract import load_contract

REPO = "acme/widgets"
HEAD = "b" * 40
SUPPORT = Path(__file__).parent / "support" / "github_api"


def make_client(server: FakeGitHub, per_page: int = 100) -> github.Github:
    """A PyGithub client for the fake, with retries and write throttling off."""
    return github.Github(
        auth=github.Auth.Token("t"),
        base_url=server.url,
        retry=None,
        per_page=per_page,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


@pytest.fixture
def gh(github_api: FakeGitHub) -> Iterator[github.Github]:
    """PyGithub pointed at the fake; closed after the test (no leaked sockets)."""
    client = make_client(github_api)
    yield client
    client.close()


@pytest.fixture
def http(github_api: FakeGitHub) -> Iterator[requests.Session]:
    """A raw authenticated HTTP session for exact status/header assertions."""
    with requests.Session() as session:
        session.headers["Authorization"] = "token t"
        session.headers["Accept"] = "application/vnd.github+json"
        yield session


@pytest.fixture
def repo(github_api: FakeGitHub) -> FakeGitHub:
    """The fake with ``acme/widgets`` and a ``feature`` branch seeded."""
    github_api.add_repo(REPO)
    github_api.set_ref(REPO, "heads/feature", HEAD)
    return github_api


def links(response: requests.Response) -> dict[str, str]:
    """``rel -> url`` from a ``Link`` header."""
    return {rel: str(value["url"]) for rel, value in response.links.items()}


# -- reads and pagination ---------------------------------------------------------------


def test_pygithub_reads_pull_request_and_all_reviews_across_three_pages(
    repo: FakeGitHub, gh: github.Github
) -> None:
    pr = repo.add_pull(REPO, head_sha=HEAD, labels=["release"], files=["a.py", "b.md"])
    for i in range(250):
        repo.add_review(REPO, pr.number, user=f"reviewer{i}")
    repo.add_review(REPO, pr.number, user="ci-bot[bot]", state="COMMENTED")

    pull = gh.get_repo(REPO).get_pull(pr.number)
    reviews = list(pull.get_reviews())

    assert pull.head.sha == HEAD
    assert [label.name for label in pull.labels] == ["release"]
    assert len(reviews) == 251
    assert reviews[-1].user.type == "Bot"
    assert {r.commit_id for r in reviews} == {HEAD}
    review_pages = repo.requests_to("GET", r"/pulls/\d+/reviews$")
    assert [r.query.get("page", ["1"]) for r in review_pages] == [["1"], ["2"], ["3"]]
    assert all(r.query["per_page"] == ["100"] for r in review_pages)


def test_link_header_has_all_rels_on_the_same_host_and_keeps_per_page(
    repo: FakeGitHub, http: requests.Session
) -> None:
    pr = repo.add_pull(REPO, head_sha=HEAD, files=[f"f{i}.py" for i in range(35)])

    response = http.get(
        f"{repo.url}/repos/{REPO}/pulls/{pr.number}/files", params={"per_page": 10, "page": 2}
    )

    assert response.status_code == 200
    assert [f["filename"] for f in response.json()] == [f"f{i}.py" for i in range(10, 20)]
    rels = links(response)
    assert set(rels) == {"first", "prev", "next", "last"}
    for url in rels.values():
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == repo.url
        assert parse_qs(parts.query)["per_page"] == ["10"]
    assert {rel: parse_qs(urlsplit(u).query)["page"] for rel, u in rels.items()} == {
        "first": ["1"],
        "prev": ["1"],
        "next": ["3"],
        "last": ["4"],
    }


def test_lists_default_to_30_per_page(repo: FakeGitHub, http: requests.Session) -> None:
    pr = repo.add_pull(REPO, head_sha=HEAD, files=[f"f{i}.py" for i in range(31)])

    response = http.get(f"{repo.url}/repos/{REPO}/pulls/{pr.number}/files")

    assert len(response.json()) == 30
    assert parse_qs(urlsplit(links(response)["next"]).query)["page"] == ["2"]


def test_pygithub_decodes_file_contents_seeded_at_a_ref(
    repo: FakeGitHub, gh: github.Github
) -> None:
    repo.set_file(REPO, "CHANGELOG.md", "# Changelog\n\n## 1.2.0\n", ref=HEAD)

    content = gh.get_repo(REPO).get_contents("CHANGELOG.md", ref=HEAD)

    assert not isinstance(content, list)
    assert content.decoded_content == b"# Changelog\n\n## 1.2.0\n"


def test_team_membership_is_404_for_non_members_and_reports_pending_state(
    repo: FakeGitHub, http: requests.Session
) -> None:
    repo.set_team_membership("acme", "release", "alice")
    repo.set_team_membership("acme", "release", "bob", state="pending")
    url = f"{repo.url}/orgs/acme/teams/release/memberships"

    assert http.get(f"{url}/alice").json()["state"] == "active"
    assert http.get(f"{url}/bob").json()["state"] == "pending"
    assert http.get(f"{url}/carol").status_code == 404


def test_collaborator_permission_folds_maintain_into_legacy_write(
    repo: FakeGitHub, http: requests.Session
) -> None:
    repo.set_collaborator(REPO, "alice", "maintain")

    body = http.get(f"{repo.url}/repos/{REPO}/collaborators/alice/permission").json()

    assert (body["permission"], body["role_name"]) == ("write", "maintain")
    assert http.get(f"{repo.url}/repos/{REPO}/collaborators/eve/permission").status_code == 404


def test_get_user_with_an_installation_token_is_403_not_accessible_by_integration(
    github_api: FakeGitHub, gh: github.Github
) -> None:
    with pytest.raises(github.GithubException) as caught:
        gh.get_user().login  # noqa: B018 (the attribute access triggers the request)
    assert caught.value.status == 403
    github_api.set_viewer("octocat")
    assert gh.get_user().login == "octocat"


# -- writes ------------------------------------------------------------------------------


def test_pygithub_creates_then_updates_a_pr_comment(repo: FakeGitHub, gh: github.Github) -> None:
    pr = repo.add_pull(REPO, head_sha=HEAD)
    pull = gh.get_repo(REPO).get_pull(pr.number)

    comment = pull.create_issue_comment("<!-- releasekit --> first")
    comment.edit("<!-- releasekit --> second")

    stored = list(repo.repo(REPO).comments.values())
    assert [(c.body, c.user, c.user_type) for c in stored] == [
        ("<!-- releasekit --> second", "github-actions[bot]", "Bot")
    ]
    assert [(w.method, w.status) for w in repo.writes()] == [("POST", 201), ("PATCH", 200)]


def test_pygithub_check_run_create_then_complete(repo: FakeGitHub, gh: github.Github) -> None:
    gh_repo = gh.get_repo(REPO)

    run = gh_repo.create_check_run(
        "releasekit", HEAD, status="in_progress", output={"title": "t", "summary": "running"}
    )
    run.edit(conclusion="success", output={"title": "t", "summary": "all gates passed"})

    stored = repo.repo(REPO).check_runs[run.id]
    assert (stored.status, stored.conclusion, stored.output_summary) == (
        "completed",
        "success",
        "all gates passed",
    )


def test_every_operation_of_the_subset_answers_schema_valid_responses(
    repo: FakeGitHub, http: requests.Session
) -> None:
    """Seed one of everything and call every operation once; the fixture checks responses."""
    main_sha = repo.repo(REPO).refs["heads/main"]
    pr = repo.add_pull(REPO, head_sha=HEAD, labels=["release"], files=["a.py"])
    merged = repo.add_pull(REPO, head_sha="c" * 40, merged=True, author="dependabot[bot]")
    repo.add_review(REPO, pr.number, user="alice")
    repo.add_review(REPO, pr.number, user="bob", state="PENDING")
    repo.add_pull_commit(REPO, pr.number, author="alice", committer="web-flow")
    repo.add_pull_commit(REPO, pr.number, author=None)
    repo.set_file(REPO, "docs/CHANGELOG.md", "# Changelog\n")
    repo.set_collaborator(REPO, "alice", "admin")
    repo.set_team_membership("acme", "release", "alice", role="maintainer")
    repo.add_check_run(REPO, name="ci", head_sha=HEAD, status="queued")
    repo.add_issue_comment(REPO, pr.number, body="hi", user="github-actions[bot]")
    deployment = repo.add_deployment(REPO, ref="main")
    repo.add_deployment_status(REPO, deployment.id, state="success")
    repo.add_issue(REPO, title="bug", labels=["bug"], assignees=["alice"])
    repo.add_environment(
        REPO,
        "production",
        reviewers=["alice", "acme/release"],
        wait_timer=30,
        prevent_self_review=True,
        branch_policy="protected",
    )
    repo.add_environment(REPO, "paper")
    repo.set_actions_permissions(REPO, allowed_actions="selected")
    repo.set_branch_protection(
        REPO, "main", required_status_checks=["ci"], check_app_id=15368, restrict_pushes=True
    )
    repo.set_branch_rules(
        REPO,
        "main",
        [
            {
                "type": "pull_request",
                "parameters": {
                    "required_approving_review_count": 1,
                    "dismiss_stale_reviews_on_push": True,
                    "require_code_owner_review": False,
                    "require_last_push_approval": False,
                    "required_review_thread_resolution": False,
                },
            }
        ],
    )
    repo.set_ref(REPO, "tags/v1.0.0", main_sha)
    repo.add_release(REPO, tag_name="v1.0.0", assets=["evidence.json"])
    repo.set_viewer("octocat")
    r = f"{repo.url}/repos/{REPO}"
    calls: list[tuple[str, str, Any]] = [
        ("GET", f"{repo.url}/rate_limit", None),
        ("GET", r, None),
        ("GET", f"{r}/pulls/{merged.number}", None),
        ("GET", f"{r}/pulls/{pr.number}/files", None),
        ("GET", f"{r}/pulls/{pr.number}/reviews", None),
        ("GET", f"{r}/pulls/{pr.number}/commits", None),
        ("GET", f"{r}/pulls/{merged.number}/commits", None),
        ("GET", f"{r}/contents/docs/CHANGELOG.md", None),
        ("GET", f"{r}/contents/docs", None),
        ("GET", f"{repo.url}/orgs/acme/teams/release/memberships/alice", None),
        ("GET", f"{repo.url}/orgs/acme/teams/release", None),
        ("GET", f"{r}/collaborators/alice/permission", None),
        ("GET", f"{r}/commits/feature/check-runs", None),
        ("POST", f"{r}/check-runs", {"name": "gate", "head_sha": HEAD}),
        ("PATCH", f"{r}/check-runs/{{check_run}}", {"status": "in_progress"}),
        ("GET", f"{r}/issues/{pr.number}/comments", None),
        ("POST", f"{r}/issues/{pr.number}/comments", {"body": "x"}),
        ("PATCH", f"{r}/issues/comments/{{comment}}", {"body": "y"}),
        ("GET", f"{r}/commits/{merged.merge_commit_sha}/pulls", None),
        ("POST", f"{r}/deployments", {"ref": "main", "environment": "staging"}),
        ("GET", f"{r}/deployments", None),
        ("GET", f"{r}/deployments/{deployment.id}/statuses", None),
        ("POST", f"{r}/deployments/{deployment.id}/statuses", {"state": "in_progress"}),
        ("POST", f"{r}/issues", {"title": "new", "labels": ["a"], "milestone": None}),
        ("PATCH", f"{r}/issues/{pr.number}", {"state": "closed"}),
        ("GET", f"{r}/issues", {"state": "all"}),
        ("GET", f"{r}/environments/production", None),
        ("GET", f"{r}/environments", {"per_page": "1"}),
        ("GET", f"{r}/actions/permissions", None),
        ("GET", f"{r}/actions/permissions/workflow", None),
        ("GET", f"{r}/branches/main/protection", None),
        ("GET", f"{r}/rules/branches/main", None),
        ("GET", f"{r}/git/ref/heads/main", None),
        ("POST", f"{r}/git/refs", {"ref": "refs/heads/release", "sha": main_sha}),
        ("PATCH", f"{r}/git/refs/heads/release", {"sha": "d" * 40}),
        (
            "POST",
            f"{r}/git/tags",
            {"tag": "v2.0.0", "message": "2.0.0", "object": main_sha, "type": "commit"},
        ),
        ("GET", f"{r}/tags", None),
        ("POST", f"{r}/releases", {"tag_name": "v2.0.0", "name": "2.0.0"}),
        ("POST", f"{r}/pulls", {"head": "feature", "base": "main", "title": "t"}),
        ("GET", f"{r}/releases", None),
        ("GET", f"{r}/pulls", {"state": "open"}),
        ("GET", f"{repo.url}/user", None),
    ]
    created: dict[str, int] = {}
    for method, url, payload in calls:
        url = url.format(**created)
        if method == "GET":
            response = http.get(url, params=payload)
        else:
            response = http.request(method, url, json=payload)
        assert response.status_code < 300, (method, url, response.text)
        if url.endswith("/check-runs") and method == "POST":
            created["check_run"] = response.json()["id"]
        if url.endswith("/comments") and method == "POST":
            created["comment"] = response.json()["id"]

    served = {r.operation_id for r in repo.requests}
    assert served == {op.operation_id for op in load_contract().operations}


def test_environments_and_actions_settings_answer_as_github_does(
    repo: FakeGitHub, http: requests.Session
) -> None:
    repo.add_environment(REPO, "live", reviewers=["acme/risk"], wait_timer=5)
    repo.add_environment(REPO, "paper")
    r = f"{repo.url}/repos/{REPO}"
    live = http.get(f"{r}/environments/live").json()
    assert [rule["type"] for rule in live["protection_rules"]] == [
        "wait_timer",
        "required_reviewers",
    ]
    assert live["protection_rules"][1]["reviewers"][0]["reviewer"]["slug"] == "risk"
    first = http.get(f"{r}/environments", params={"per_page": "1"})
    assert first.json()["total_count"] == 2
    assert [e["name"] for e in first.json()["environments"]] == ["live"]
    assert "next" in links(first)
    assert http.get(f"{r}/environments/staging").status_code == 404
    # A repository created today: read-only GITHUB_TOKEN, no PR approvals by Actions.
    assert http.get(f"{r}/actions/permissions/workflow").json() == {
        "default_workflow_permissions": "read",
        "can_approve_pull_request_reviews": False,
    }
    repo.set_actions_permissions(REPO, enabled=False)
    assert http.get(f"{r}/actions/permissions").json() == {"enabled": False}


# -- contract violations ---------------------------------------------------------------


def test_malformed_request_body_is_a_request_violation_answered_422(
    repo: FakeGitHub, http: requests.Session
) -> None:
    with repo.expect_violations("request") as caught:
        response = http.post(f"{repo.url}/repos/{REPO}/check-runs", json={"name": 42})

    assert response.status_code == 422
    messages = " | ".join(v.message for v in caught)
    assert "'head_sha' is a required property" in messages
    assert "42 is not of type 'string'" in messages
    assert repo.repo(REPO).check_runs == {}


def test_unparsable_json_is_400_problems_parsing_json(
    repo: FakeGitHub, http: requests.Session
) -> None:
    with repo.expect_violations("request"):
        response = http.post(
            f"{repo.url}/repos/{REPO}/issues",
            data=b"{not json",
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 400
    assert response.json()["message"] == "Problems parsing JSON"


def test_unknown_query_parameter_is_a_request_violation(
    repo: FakeGitHub, http: requests.Session
) -> None:
    pr = repo.add_pull(REPO, head_sha=HEAD)
    with repo.expect_violations("request") as caught:
        http.get(f"{repo.url}/repos/{REPO}/pulls/{pr.number}/reviews", params={"perpage": 5})
    assert "'perpage' is not defined" in caught[0].message


def test_operation_outside_the_subset_is_a_violation_answered_404(
    repo: FakeGitHub, http: requests.Session
) -> None:
    with repo.expect_violations("unknown-operation"):
        response = http.get(f"{repo.url}/repos/{REPO}/commits/{HEAD}")
    assert response.status_code == 404


def test_request_without_authorization_is_401_and_a_violation(repo: FakeGitHub) -> None:
    with repo.expect_violations("auth"):
        response = requests.get(f"{repo.url}/repos/{REPO}", timeout=5)
    assert response.status_code == 401
    assert response.json()["message"] == "Requires authentication"


def test_per_page_101_is_rejected_with_422(repo: FakeGitHub) -> None:
    pr = repo.add_pull(REPO, head_sha=HEAD)
    repo.add_review(REPO, pr.number, user="alice")
    client = make_client(repo, per_page=101)
    try:
        pull = client.get_repo(REPO).get_pull(pr.number)
        with repo.expect_violations("limit"), pytest.raises(github.GithubException) as caught:
            list(pull.get_reviews())
    finally:
        client.close()
    assert caught.value.status == 422
    assert caught.value.data["errors"][0]["field"] == "per_page"


def test_comment_body_over_65536_characters_gets_githubs_422(
    repo: FakeGitHub, http: requests.Session
) -> None:
    pr = repo.add_pull(REPO, head_sha=HEAD)
    with repo.expect_violations("limit"):
        response = http.post(
            f"{repo.url}/repos/{REPO}/issues/{pr.number}/comments", json={"body": "x" * 65_537}
        )
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Validation Failed"
    assert body["errors"] == [
        {
            "resource": "IssueComment",
            "code": "custom",
            "field": "body",
            "message": "body is too long (maximum is 65536 characters)",
        }
    ]
    assert repo.repo(REPO).comments == {}


def test_comment_body_of_exactly_65536_characters_is_accepted(
    repo: FakeGitHub, http: requests.Session
) -> None:
    pr = repo.add_pull(REPO, head_sha=HEAD)
    response = http.post(
        f"{repo.url}/repos/{REPO}/issues/{pr.number}/comments", json={"body": "x" * 65_536}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "output",
    [
        pytest.param({"title": "t", "summary": "s" * 65_536}, id="summary-65536"),
        pytest.param({"title": "t", "summary": "s", "text": "t" * 65_536}, id="text-65536"),
        pytest.param(
            {
                "title": "t",
                "summary": "s",
                "annotations": [
                    {
                        "path": "a.py",
                        "start_line": 1,
                        "end_line": 1,
                        "annotation_level": "warning",
                        "message": "m",
                    }
                ]
                * 51,
            },
            id="51-annotations",
        ),
    ],
)
def test_check_run_output_over_githubs_limits_is_422(
    repo: FakeGitHub, http: requests.Session, output: dict[str, Any]
) -> None:
    with repo.expect_violations("request"):
        response = http.post(
            f"{repo.url}/repos/{REPO}/check-runs",
            json={"name": "releasekit", "head_sha": HEAD, "output": output},
        )
    assert response.status_code == 422
    assert repo.repo(REPO).check_runs == {}


def test_invalid_seed_is_caught_as_a_response_violation(
    repo: FakeGitHub, http: requests.Session
) -> None:
    repo.set_branch_rules(REPO, "main", [{"type": "no_such_rule"}])
    with repo.expect_violations("response"):
        http.get(f"{repo.url}/repos/{REPO}/rules/branches/main")


def test_take_violations_returns_and_clears_them(repo: FakeGitHub) -> None:
    requests.get(f"{repo.url}/repos/{REPO}", timeout=5)
    taken = repo.take_violations()
    assert [v.kind for v in taken] == ["auth"]
    assert repo.violations == []


# -- faults ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "message_start"),
    [
        ("502", 502, "Server Error"),
        ("404", 404, "Not Found"),
        ("403-integration", 403, "Resource not accessible by integration"),
        ("403-secondary", 403, "You have exceeded a secondary rate limit"),
        ("429", 429, "You have exceeded a secondary rate limit"),
        ("primary-exhausted", 403, "API rate limit exceeded"),
    ],
)
def test_each_fault_answers_its_documented_status_and_message(
    repo: FakeGitHub, http: requests.Session, fault: str, status: int, message_start: str
) -> None:
    repo.inject("GET", r"^/repos/acme/widgets$", fault)

    response = http.get(f"{repo.url}/repos/{REPO}")

    assert response.status_code == status
    assert response.json()["message"].startswith(message_start)
    assert http.get(f"{repo.url}/repos/{REPO}").status_code == 200  # times=1 by default


@pytest.mark.parametrize("fault", ["403-secondary", "429"])
def test_secondary_rate_limit_sends_retry_after_only_when_asked(
    repo: FakeGitHub, http: requests.Session, fault: str
) -> None:
    repo.inject("GET", r"^/repos/", fault, retry_after=7)
    repo.inject("GET", r"^/repos/", fault)

    with_header = http.get(f"{repo.url}/repos/{REPO}")
    without_header = http.get(f"{repo.url}/repos/{REPO}")

    assert with_header.headers["retry-after"] == "7"
    assert "retry-after" not in without_header.headers
    # A secondary limit leaves the primary budget alone.
    assert int(with_header.headers["x-ratelimit-remaining"]) > 0


def test_primary_exhausted_sets_remaining_zero_and_reset_in_the_future(
    repo: FakeGitHub, http: requests.Session
) -> None:
    before = int(time.time())
    repo.inject("*", r"^/repos/", "primary-exhausted", reset_in=120)

    response = http.get(f"{repo.url}/repos/{REPO}")

    assert response.status_code == 403
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert int(response.headers["x-ratelimit-reset"]) >= before + 120


def test_pygithub_raises_rate_limit_exceeded_for_secondary_and_primary_limits(
    repo: FakeGitHub, gh: github.Github
) -> None:
    repo.inject("GET", r"^/repos/acme/widgets$", "403-secondary", retry_after=1)
    repo.inject("GET", r"^/repos/acme/widgets$", "primary-exhausted")
    for _ in range(2):
        with pytest.raises(github.RateLimitExceededException):
            gh.get_repo(REPO)


def test_502_after_store_performs_the_write_before_failing(
    repo: FakeGitHub, http: requests.Session
) -> None:
    pr = repo.add_pull(REPO, head_sha=HEAD)
    repo.inject("POST", r"/issues/\d+/comments$", "502-after-store")
    url = f"{repo.url}/repos/{REPO}/issues/{pr.number}/comments"

    response = http.post(url, json={"body": "report"})

    assert response.status_code == 502
    assert [c.body for c in repo.repo(REPO).comments.values()] == ["report"]
    assert [c["body"] for c in http.get(url).json()] == ["report"]
    assert [(w.status, w.fault) for w in repo.writes()] == [(502, "502-after-store")]


def test_plain_502_does_not_store_the_write(repo: FakeGitHub, http: requests.Session) -> None:
    pr = repo.add_pull(REPO, head_sha=HEAD)
    repo.inject("POST", r"/comments$", "502")

    response = http.post(
        f"{repo.url}/repos/{REPO}/issues/{pr.number}/comments", json={"body": "report"}
    )

    assert response.status_code == 502
    assert repo.repo(REPO).comments == {}


def test_fault_applies_the_given_number_of_times(repo: FakeGitHub, http: requests.Session) -> None:
    repo.inject("GET", r"^/rate_limit$", "502", times=2)

    statuses = [http.get(f"{repo.url}/rate_limit").status_code for _ in range(3)]

    assert statuses == [502, 502, 200]


def test_timeout_fault_stalls_past_the_client_timeout(
    repo: FakeGitHub, http: requests.Session
) -> None:
    repo.inject("GET", r"^/repos/", "timeout", seconds=30)

    with pytest.raises(requests.exceptions.ReadTimeout):
        http.get(f"{repo.url}/repos/{REPO}", timeout=0.2)
    # stop() (at fixture teardown) releases the stalled request immediately.


def test_inject_rejects_unknown_fault_names(github_api: FakeGitHub) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        github_api.inject("GET", ".*", "503-maybe")


# -- headers -----------------------------------------------------------------------------


def test_every_response_carries_ratelimit_headers_counting_down(
    repo: FakeGitHub, http: requests.Session
) -> None:
    first = http.get(f"{repo.url}/repos/{REPO}")
    second = http.get(f"{repo.url}/repos/{REPO}/tags")

    for response in (first, second):
        assert response.headers["x-ratelimit-limit"] == "5000"
        assert response.headers["x-ratelimit-resource"] == "core"
        assert int(response.headers["x-ratelimit-reset"]) > 0
    assert int(second.headers["x-ratelimit-remaining"]) == (
        int(first.headers["x-ratelimit-remaining"]) - 1
    )


# -- vendored files ----------------------------------------------------------------------


def test_provenance_hashes_match_the_vendored_subset_and_events() -> None:
    provenance = json.loads((SUPPORT / "PROVENANCE.json").read_text(encoding="utf-8"))
    repo_root = SUPPORT.parents[2]

    subset = (SUPPORT / "openapi-subset.json").read_bytes()
    assert hashlib.sha256(subset).hexdigest() == provenance["openapi"]["subset_sha256"]
    for event in provenance["webhook_examples"]["events"]:
        data = (repo_root / event["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == event["sha256"]
    listed = {(o["method"], o["path"]) for o in provenance["openapi"]["operations"]}
    served = {(o.method, o.template) for o in load_contract().operations}
    assert listed == served


def test_vendored_events_are_the_expected_payloads() -> None:
    assert load_event("pull_request.opened")["action"] == "opened"
    assert load_event("pull_request.synchronize")["action"] == "synchronize"
    assert load_event("pull_request_review.submitted")["review"]["state"] == "commented"
    tag_push = load_event("push.tag")
    assert tag_push["ref"].startswith("refs/tags/")
    assert tag_push["created"] is True
