"""The GitHub port: every read and write a gate may make, in the core's own types.

Implementations turn library and HTTP failures into ``InfraError`` (exit 3) carrying what was
attempted, the HTTP status and the fix (for a 403, the ``permissions:`` line to add). They
never report "absent" or "no reviews" when they could not find out: a team lookup that
answers 404 because the token cannot see the team is an error, not "not a member".

Two interfaces: ``GitHubPort`` (what the pull-request gates read and write) and
``RepositoryReadPort`` (settings and history: branch protection, rulesets, environments,
Actions settings, the pull requests of a commit — read by ``doctor`` and the release
evidence); ``ReleasePort`` is both. A read the token is not allowed to make raises
``AccessDeniedError`` (an ``InfraError`` that names the permission that would allow it).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from releasekit.core.github_facts import (
    ActionsPermissions,
    BranchProtection,
    BranchRule,
    ChangedFile,
    CheckConclusion,
    CheckRunOutput,
    CommitPull,
    DeploymentEnvironment,
    Login,
    Membership,
    Permission,
    PullCommit,
    PullRequest,
    RepositoryInfo,
    Review,
    Sha,
    WriteResult,
)
from releasekit.errors import InfraError

# Hidden marker that identifies releasekit's own PR comment for one gate, so a rerun updates
# it instead of adding another. Only comments written by the token's own identity count.
COMMENT_MARKER = "<!-- releasekit:{tool} -->"


class GitHubPort(Protocol):
    """What releasekit needs from GitHub for one repository."""

    @property
    def repository(self) -> str:
        """``owner/name`` of the repository this port talks to."""
        ...

    @property
    def request_count(self) -> int:
        """HTTP requests made so far (reported in the gate's report)."""
        ...

    def pull_request(self, number: int) -> PullRequest:
        """The pull request's facts."""
        ...

    def changed_files(self, number: int) -> list[ChangedFile]:
        """Every file the pull request changes (all pages)."""
        ...

    def reviews(self, number: int) -> list[Review]:
        """Every submitted review, oldest first (all pages)."""
        ...

    def pull_commits(self, number: int) -> list[PullCommit]:
        """The pull request's commits with their author and committer logins (all pages)."""
        ...

    def file_at(self, path: str, ref: str) -> str | None:
        """A file's text at a ref (branch, tag or SHA), or None when it does not exist there."""
        ...

    def permission(self, login: Login) -> Permission:
        """The user's effective permission on the repository (``none`` when not a collaborator)."""
        ...

    def team_membership(self, org: str, team_slug: str, login: Login) -> Membership:
        """Membership state; raises ``InfraError`` when the team itself cannot be read."""
        ...

    def upsert_check_run(
        self,
        name: str,
        head_sha: Sha,
        conclusion: CheckConclusion,
        output: CheckRunOutput,
        *,
        details_url: str | None = None,
    ) -> WriteResult:
        """Create the named check run on ``head_sha``, or update the one we already made."""
        ...

    def upsert_comment(self, issue_number: int, tool: str, body: str) -> WriteResult:
        """Create or update releasekit's one comment for ``tool`` on an issue or PR."""
        ...


# What would let a token read each setting, in the words `releasekit doctor` and the errors use.
# GITHUB_TOKEN has no `administration` permission at all, so those reads need another token.
ADMINISTRATION_READ = (
    "the repository permission Administration: read — a GitHub App installation token or a"
    " fine-grained token with it, or a classic token (repo scope) of a repository admin;"
    " GITHUB_TOKEN never has it"
)
ACTIONS_READ = (
    "`permissions: actions: read` for GITHUB_TOKEN (Actions: read for a GitHub App or"
    " fine-grained token)"
)
CONTENTS_READ = (
    "`permissions: contents: read` for GITHUB_TOKEN (Contents: read for a GitHub App or"
    " fine-grained token)"
)
METADATA_READ = (
    "read access to the repository (Metadata: read, which every GitHub App and fine-grained"
    " token of the repository has)"
)
PULLS_READ = (
    "`permissions: contents: read` and `pull-requests: read` for GITHUB_TOKEN (Contents: read"
    " and Pull requests: read for a GitHub App or fine-grained token)"
)


class AccessDeniedError(InfraError):
    """GitHub will not show this token a setting or file (a 403, or a 404 that hides one).

    Still an ``InfraError`` (exit 3) for gates that need the answer; ``releasekit doctor``
    catches it per check and reports a warning naming ``permission`` — what would let the
    token read it — instead of guessing.
    """

    def __init__(
        self, message: str, *, permission: str, status: int, hint: str | None = None
    ) -> None:
        """``permission`` says what would let the token read it; ``status`` is GitHub's."""
        super().__init__(message, hint=hint or f"use a token with {permission}")
        self.permission = permission
        self.status = status


@runtime_checkable
class RepositoryReadPort(Protocol):
    """Reads of a repository's settings and history: what ``doctor`` and release evidence need.

    Separate from ``GitHubPort`` so that the many in-memory ``GitHubPort``s of the gates'
    tests do not each have to grow these methods; ``ReleasePort`` is both. Every method reads
    every page, never writes, and raises ``AccessDeniedError`` when the token may not read
    the thing (never "absent"), ``InfraError`` for other GitHub failures.
    """

    @property
    def repository(self) -> str:
        """``owner/name`` of the repository this port talks to."""
        ...

    @property
    def request_count(self) -> int:
        """HTTP requests made so far."""
        ...

    def repository_info(self) -> RepositoryInfo:
        """Default branch, visibility and archived state (``GET /repos/{o}/{r}``)."""
        ...

    def default_branch(self) -> str:
        """The repository's default branch (``main``, usually)."""
        ...

    def file_at(self, path: str, ref: str) -> str | None:
        """A file's text at a ref (branch, tag or SHA), or None when it does not exist there."""
        ...

    def branch_protection(self, branch: str) -> BranchProtection | None:
        """The branch's classic protection, or None when the branch is not protected."""
        ...

    def branch_rules(self, branch: str) -> list[BranchRule]:
        """Every active ruleset rule that applies to the branch (empty: none)."""
        ...

    def environment(self, name: str) -> DeploymentEnvironment | None:
        """The deployment environment, or None when the repository has none of that name."""
        ...

    def actions_permissions(self) -> ActionsPermissions:
        """The Actions settings: enabled, GITHUB_TOKEN's default, PR approvals by Actions."""
        ...

    def commit_pulls(self, sha: Sha) -> list[CommitPull]:
        """The pull requests GitHub associates with a commit, all pages."""
        ...


class ReleasePort(GitHubPort, RepositoryReadPort, Protocol):
    """Everything: the gates' ``GitHubPort`` plus the repository reads."""
