"""The GitHub port: every read and write a gate may make, in the core's own types.

Implementations turn library and HTTP failures into ``InfraError`` (exit 3) carrying what was
attempted, the HTTP status and the fix (for a 403, the ``permissions:`` line to add). They
never report "absent" or "no reviews" when they could not find out: a team lookup that
answers 404 because the token cannot see the team is an error, not "not a member".
"""

from __future__ import annotations

from typing import Protocol

from releasekit.core.github_facts import (
    ChangedFile,
    CheckConclusion,
    CheckRunOutput,
    Login,
    Membership,
    Permission,
    PullRequest,
    Review,
    Sha,
    WriteResult,
)

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
