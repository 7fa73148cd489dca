"""The repository reads of the PyGithub adapter (``RepositoryReadPort``) over real HTTP.

Branch protection, rulesets, environments, Actions settings, the PRs of a commit and the
default branch, against the contract-checked fake GitHub: every page is read, a 404 is "none"
only when GitHub says so on a readable repository, and a token that may not read a setting
gets an ``AccessDeniedError`` naming the permission — never "unprotected" or "absent".
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.interface import (
    ACTIONS_READ,
    ADMINISTRATION_READ,
    CONTENTS_READ,
    PULLS_READ,
    AccessDeniedError,
    ReleasePort,
    RepositoryReadPort,
)
from releasekit.adapters.github.pygithub import PyGithubPort, connect
from releasekit.core.github_facts import (
    ActionsPermissions,
    BranchProtection,
    CommitPull,
    DeploymentEnvironment,
    EnvironmentReviewer,
    Login,
    RepositoryInfo,
    RequiredCheck,
    Sha,
)
from releasekit.errors import InfraError, InputError
from support.github_api import FakeGitHub, handlers

REPO = "acme/desk"
TOKEN = "ghs_FAKEinstallationTOKEN0123456789abcdef"
GATE = "releasekit / gate"


def open_port(api: FakeGitHub) -> tuple[PyGithubPort, list[float]]:
    """A port on the fake with recorded waits (no real sleeping) and a quiet log."""
    waits: list[float] = []
    env = {"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": api.url, "GITHUB_TOKEN": TOKEN}
    port = connect(
        env,
        runtime=Runtime(False, io.StringIO(), env),
        sleep=waits.append,
        seconds_between_writes=None,
        log=io.StringIO(),
    )
    return port, waits


@pytest.fixture
def api(github_api: FakeGitHub) -> FakeGitHub:
    """The fake with a private repository whose default branch is ``trunk``."""
    github_api.add_repo(REPO, default_branch="trunk", private=True)
    return github_api


@pytest.fixture
def port(api: FakeGitHub) -> Iterator[PyGithubPort]:
    """A connected port; closed at teardown."""
    p, _ = open_port(api)
    yield p
    p.close()


def test_the_port_is_a_repository_read_port_and_a_release_port(port: PyGithubPort) -> None:
    reads: RepositoryReadPort = port
    both: ReleasePort = port
    assert reads.repository == both.repository == REPO


# -- the repository -------------------------------------------------------------------------


def test_repository_info_and_default_branch(api: FakeGitHub, port: PyGithubPort) -> None:
    assert port.repository_info() == RepositoryInfo(REPO, "trunk", private=True, archived=False)
    assert port.default_branch() == "trunk"
    assert [r.path for r in api.requests] == [f"/repos/{REPO}", f"/repos/{REPO}"]


def test_repository_info_of_an_unreadable_repository_is_an_infra_error(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    api.inject("GET", rf"^/repos/{REPO}$", "404")
    with pytest.raises(InfraError, match="answered 404") as caught:
        port.repository_info()
    assert not isinstance(caught.value, AccessDeniedError)
    assert "GITHUB_REPOSITORY" in (caught.value.problem.hint or "")


# -- branch protection ------------------------------------------------------------------------


def test_branch_protection_facts(api: FakeGitHub, port: PyGithubPort) -> None:
    api.set_branch_protection(
        REPO,
        "trunk",
        required_status_checks=[GATE, "lint"],
        check_app_id=15368,
        required_approving_review_count=2,
        dismiss_stale_reviews=True,
        require_code_owner_reviews=True,
        require_last_push_approval=True,
        enforce_admins=True,
        restrict_pushes=True,
    )
    assert port.branch_protection("trunk") == BranchProtection(
        branch="trunk",
        required_checks=(RequiredCheck(GATE, 15368), RequiredCheck("lint", 15368)),
        strict_checks=True,
        requires_pull_request=True,
        required_approving_review_count=2,
        dismiss_stale_reviews=True,
        require_code_owner_reviews=True,
        require_last_push_approval=True,
        enforce_admins=True,
        restricts_pushes=True,
    )


def test_branch_protection_without_checks_or_reviews_reads_them_as_off(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    api.set_branch_protection(
        REPO, "trunk", required_status_checks=None, required_approving_review_count=None
    )
    got = port.branch_protection("trunk")
    assert got is not None
    assert (got.required_checks, got.requires_pull_request, got.dismiss_stale_reviews) == (
        (),
        False,
        False,
    )


def test_branch_not_protected_is_none(api: FakeGitHub, port: PyGithubPort) -> None:
    assert port.branch_protection("trunk") is None
    # GitHub's 404 "Branch not protected" counts only once the repository is known readable.
    assert [r.path for r in api.requests] == [
        f"/repos/{REPO}/branches/trunk/protection",
        f"/repos/{REPO}",
    ]


def test_branch_not_protected_on_an_unreadable_repository_is_never_unprotected(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    api.inject("GET", rf"^/repos/{REPO}$", "404")
    with pytest.raises(InfraError, match="cannot tell"):
        port.branch_protection("trunk")


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        pytest.param("403-integration", 403, id="github-token-403"),
        pytest.param("404", 404, id="non-admin-404-not-found"),
    ],
)
def test_branch_protection_hidden_from_the_token_is_access_denied(
    api: FakeGitHub, port: PyGithubPort, fault: str, status: int
) -> None:
    api.set_branch_protection(REPO, "trunk", required_status_checks=[GATE])
    api.inject("GET", r"/protection$", fault)
    with pytest.raises(AccessDeniedError) as caught:
        port.branch_protection("trunk")
    error = caught.value
    assert error.status == status
    assert error.permission == ADMINISTRATION_READ
    hint = error.problem.hint or ""
    assert "Administration: read" in hint
    assert "GITHUB_TOKEN never has it" in hint
    assert "rulesets, environments, CODEOWNERS and the policy file" in hint


def test_branch_protection_of_a_missing_branch_is_an_input_error(
    port: PyGithubPort, monkeypatch: pytest.MonkeyPatch
) -> None:
    def branch_not_found(ctx: handlers.Context) -> handlers.Reply:
        raise handlers.not_found("Branch not found")

    monkeypatch.setitem(handlers.HANDLERS, "repos/get-branch-protection", branch_not_found)
    with pytest.raises(InputError, match="does not exist"):
        port.branch_protection("nope")


def test_branch_protection_after_a_secondary_rate_limit_is_the_true_answer(
    api: FakeGitHub,
) -> None:
    api.set_branch_protection(REPO, "trunk", required_status_checks=[GATE])
    port, waits = open_port(api)
    with port:
        api.inject("GET", r"/protection$", "403-secondary")
        got = port.branch_protection("trunk")
    assert got is not None
    assert got.required_checks == (RequiredCheck(GATE),)
    assert waits == [60.0]


@pytest.mark.parametrize(
    "branch",
    ["", "-x", "a..b", "a b", "../../etc", "x\n", "refs:/x", "a/"],
)
def test_branch_names_that_cannot_be_branches_are_refused(port: PyGithubPort, branch: str) -> None:
    with pytest.raises(InputError):
        port.branch_protection(branch)


# -- rulesets --------------------------------------------------------------------------------


def _pr_rule(count: int = 1, *, stale: bool = True, owners: bool = True) -> dict[str, object]:
    return {
        "type": "pull_request",
        "ruleset_id": 7,
        "parameters": {
            "required_approving_review_count": count,
            "dismiss_stale_reviews_on_push": stale,
            "require_code_owner_review": owners,
            "require_last_push_approval": False,
            "required_review_thread_resolution": False,
        },
    }


def test_branch_rules_flatten_checks_and_pull_request_parameters(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    api.set_branch_rules(
        REPO,
        "trunk",
        [
            _pr_rule(2),
            {
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": True,
                    "required_status_checks": [
                        {"context": GATE, "integration_id": 15368},
                        {"context": "lint"},
                    ],
                },
            },
            {"type": "deletion"},
        ],
    )
    rules = port.branch_rules("trunk")
    assert [r.type for r in rules] == ["pull_request", "required_status_checks", "deletion"]
    pr, checks, _ = rules
    assert (pr.required_approving_review_count, pr.dismiss_stale_reviews_on_push) == (2, True)
    assert pr.require_code_owner_review
    assert pr.ruleset_id == 7
    assert checks.required_checks == (RequiredCheck(GATE, 15368), RequiredCheck("lint"))
    assert checks.strict_checks


def test_branch_rules_are_read_to_the_last_page(api: FakeGitHub, port: PyGithubPort) -> None:
    # A ruleset rule on page 3 counts (threat 21): 250 rules are three pages of 100.
    api.set_branch_rules(REPO, "trunk", [{"type": "deletion"}] * 249 + [_pr_rule()])
    rules = port.branch_rules("trunk")
    assert len(rules) == 250
    assert rules[-1].type == "pull_request"
    assert len(api.requests_to("GET", r"/rules/branches/trunk$")) == 3


def test_no_rules_is_an_empty_list(port: PyGithubPort) -> None:
    assert port.branch_rules("trunk") == []


def test_branch_rules_403_is_access_denied(api: FakeGitHub, port: PyGithubPort) -> None:
    api.inject("GET", r"/rules/branches/", "403-integration")
    with pytest.raises(AccessDeniedError, match="403"):
        port.branch_rules("trunk")


def test_branch_rules_are_retried_after_a_502(api: FakeGitHub) -> None:
    api.set_branch_rules(REPO, "trunk", [_pr_rule()])
    port, waits = open_port(api)
    with port:
        api.inject("GET", r"/rules/branches/", "502")
        assert [r.type for r in port.branch_rules("trunk")] == ["pull_request"]
    assert waits == [2.0]


# -- environments ---------------------------------------------------------------------------


def test_environment_facts(api: FakeGitHub, port: PyGithubPort) -> None:
    api.add_environment(
        REPO,
        "live",
        reviewers=["rita", "acme/risk"],
        wait_timer=15,
        prevent_self_review=True,
        branch_policy="custom",
    )
    assert port.environment("live") == DeploymentEnvironment(
        name="live",
        reviewers=(EnvironmentReviewer("User", "rita"), EnvironmentReviewer("Team", "risk")),
        prevent_self_review=True,
        wait_timer_minutes=15,
        branch_policy="custom",
        rule_types=("wait_timer", "required_reviewers", "branch_policy"),
    )


def test_environment_without_rules_is_unprotected(api: FakeGitHub, port: PyGithubPort) -> None:
    api.add_environment(REPO, "paper")
    env = port.environment("paper")
    assert env is not None
    assert not env.protected
    assert env.branch_policy == "all"


def test_missing_environment_is_none_once_the_list_is_readable(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    for i in range(150):
        api.add_environment(REPO, f"env-{i:03d}")
    assert port.environment("live") is None
    # Both pages of the list were read before "none" was decided.
    assert len(api.requests_to("GET", rf"^/repos/{REPO}/environments$")) == 2


def test_missing_environment_with_an_unreadable_list_is_access_denied(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    api.inject("GET", rf"^/repos/{REPO}/environments$", "403-integration")
    with pytest.raises(AccessDeniedError) as caught:
        port.environment("live")
    assert caught.value.permission == ACTIONS_READ


def test_environment_403_is_access_denied_naming_actions_read(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    api.add_environment(REPO, "live", reviewers=["rita"])
    api.inject("GET", r"/environments/live$", "403-integration")
    with pytest.raises(AccessDeniedError) as caught:
        port.environment("live")
    assert "actions: read" in caught.value.permission


def test_environment_listed_but_404_is_access_denied_not_absent(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    api.add_environment(REPO, "live", reviewers=["rita"])
    api.inject("GET", r"/environments/live$", "404")
    with pytest.raises(AccessDeniedError, match="lists the environment"):
        port.environment("live")


@pytest.mark.parametrize("name", ["", "..", "a/b", "x\ty"])
def test_environment_names_that_cannot_be_names_are_refused(port: PyGithubPort, name: str) -> None:
    with pytest.raises(InputError):
        port.environment(name)


# -- Actions settings -----------------------------------------------------------------------


def test_actions_permissions_defaults(api: FakeGitHub, port: PyGithubPort) -> None:
    assert port.actions_permissions() == ActionsPermissions(
        enabled=True,
        allowed_actions="all",
        default_workflow_permissions="read",
        can_approve_pull_request_reviews=False,
    )
    assert len(api.requests) == 2


def test_actions_permissions_write_and_approve(api: FakeGitHub, port: PyGithubPort) -> None:
    api.set_actions_permissions(
        REPO, default_workflow_permissions="write", can_approve_pull_request_reviews=True
    )
    got = port.actions_permissions()
    assert (got.default_workflow_permissions, got.can_approve_pull_request_reviews) == (
        "write",
        True,
    )


@pytest.mark.parametrize(
    ("path", "fault"),
    [
        pytest.param(r"/actions/permissions$", "403-integration", id="permissions-403"),
        pytest.param(r"/actions/permissions/workflow$", "403-integration", id="workflow-403"),
        pytest.param(r"/actions/permissions$", "404", id="permissions-404-non-admin"),
    ],
)
def test_actions_permissions_hidden_from_the_token_are_access_denied(
    api: FakeGitHub, port: PyGithubPort, path: str, fault: str
) -> None:
    api.inject("GET", path, fault)
    with pytest.raises(AccessDeniedError) as caught:
        port.actions_permissions()
    assert caught.value.permission == ADMINISTRATION_READ


# -- pull requests of a commit -----------------------------------------------------------------


def test_commit_pulls_finds_the_merged_pull_request(api: FakeGitHub, port: PyGithubPort) -> None:
    pr = api.add_pull(REPO, head_sha="c" * 40, head_ref="release/v1.2.3", merged=True)
    merge = Sha(pr.merge_commit_sha or "")
    assert port.commit_pulls(merge) == [
        CommitPull(
            number=pr.number,
            title="A change",
            author=Login(pr.author),
            state="closed",
            merged=True,
            merge_commit_sha=merge,
            base_ref="trunk",
            head_ref="release/v1.2.3",
            head_sha=Sha("c" * 40),
        )
    ]


def test_commit_pulls_reads_every_page(api: FakeGitHub, port: PyGithubPort) -> None:
    for _ in range(120):
        api.add_pull(REPO, head_sha="d" * 40)
    pulls = port.commit_pulls(Sha("d" * 40))
    assert len(pulls) == 120
    assert all(not p.merged and p.state == "open" for p in pulls)
    assert len(api.requests_to("GET", r"/pulls$")) == 2


def test_commit_without_pull_requests_is_an_empty_list(port: PyGithubPort) -> None:
    assert port.commit_pulls(Sha("e" * 40)) == []


@pytest.mark.parametrize("sha", ["abc123", "v1.2.3", "E" * 40, "../" + "a" * 37])
def test_commit_pulls_wants_a_full_sha(port: PyGithubPort, sha: str) -> None:
    with pytest.raises(InputError):
        port.commit_pulls(Sha(sha))


def test_commit_pulls_403_is_access_denied(api: FakeGitHub, port: PyGithubPort) -> None:
    api.inject("GET", r"/pulls$", "403-integration")
    with pytest.raises(AccessDeniedError) as caught:
        port.commit_pulls(Sha("e" * 40))
    assert caught.value.permission == PULLS_READ
    assert "pull-requests: read" in (caught.value.problem.hint or "")


def test_commit_pulls_persistent_502_raises_never_empty(api: FakeGitHub) -> None:
    port, waits = open_port(api)
    with port:
        api.inject("GET", r"/pulls$", "502", None)
        with pytest.raises(InfraError, match="502"):
            port.commit_pulls(Sha("e" * 40))
    assert waits == [2.0, 4.0, 8.0]


# -- files ------------------------------------------------------------------------------------


def test_file_at_403_is_access_denied_naming_contents_read(
    api: FakeGitHub, port: PyGithubPort
) -> None:
    api.inject("GET", r"/contents/", "403-integration")
    with pytest.raises(AccessDeniedError) as caught:
        port.file_at(".github/CODEOWNERS", "trunk")
    assert caught.value.permission == CONTENTS_READ
