"""Facts about a repository on GitHub, as plain values the core can reason about.

The GitHub adapter (``releasekit.adapters.github``) produces these; no PyGithub object ever
reaches the core. Identifiers are ``NewType``s so that a login cannot be passed as a path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, NewType

Login = NewType("Login", str)
Sha = NewType("Sha", str)

ReviewState = Literal["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]
Permission = Literal["admin", "maintain", "write", "triage", "read", "none"]
Membership = Literal["active", "pending", "absent"]
CheckConclusion = Literal["success", "failure", "neutral", "action_required"]
AnnotationLevel = Literal["notice", "warning", "failure"]

# Permissions that can push to the repository: the runbook's "any team member" for code review.
WRITE_PERMISSIONS: frozenset[Permission] = frozenset({"admin", "maintain", "write"})

# Repository permissions, weakest first; a role's minimum permission compares by this rank.
PERMISSION_RANK: dict[Permission, int] = {
    "none": 0,
    "read": 1,
    "triage": 2,
    "write": 3,
    "maintain": 4,
    "admin": 5,
}


@dataclass(frozen=True)
class PullRequest:
    """The facts of a pull request that sign-off depends on."""

    number: int
    title: str
    author: Login
    author_is_bot: bool
    head_sha: Sha
    head_ref: str
    base_ref: str
    base_sha: Sha
    labels: tuple[str, ...]
    state: Literal["open", "closed"]
    merged: bool
    merge_commit_sha: Sha | None
    draft: bool
    # GitHub's own counts (``changed_files``, ``commits``): what a listing must add up to.
    changed_files: int | None = None
    commits: int | None = None


@dataclass(frozen=True)
class PullCommit:
    """One commit of a pull request: who wrote it and who committed it (GitHub logins).

    A login is None when GitHub links the commit's e-mail to no account.
    """

    sha: Sha
    author: Login | None
    committer: Login | None


@dataclass(frozen=True)
class Review:
    """One submitted review (the adapter lists them all, across every page)."""

    id: int
    user: Login
    user_is_bot: bool
    state: ReviewState
    commit_id: Sha | None
    submitted_at: dt.datetime | None


@dataclass(frozen=True)
class ChangedFile:
    """A file a pull request touches (``previous_path`` for renames)."""

    path: str
    status: str
    previous_path: str | None = None


@dataclass(frozen=True)
class Annotation:
    """A check-run annotation on a file and line range."""

    path: str
    start_line: int
    end_line: int
    level: AnnotationLevel
    message: str
    title: str | None = None


@dataclass(frozen=True)
class CheckRunOutput:
    """What a check run shows: title, summary (≤ 65,535 chars), text and annotations."""

    title: str
    summary: str
    text: str | None = None
    annotations: tuple[Annotation, ...] = ()


@dataclass(frozen=True)
class WriteResult:
    """Where a write landed, and whether it created or updated (reruns must update)."""

    id: int
    url: str
    created: bool


# -- repository settings (releasekit doctor) and release evidence ------------------------------

WorkflowTokenDefault = Literal["read", "write"]
DeploymentBranchPolicy = Literal["all", "protected", "custom"]
ReviewerType = Literal["User", "Team"]


@dataclass(frozen=True)
class RepositoryInfo:
    """What ``GET /repos/{o}/{r}`` says that the gates depend on."""

    full_name: str
    default_branch: str
    private: bool
    archived: bool


@dataclass(frozen=True)
class RequiredCheck:
    """A status check a branch requires; ``app_id`` None means any app may report it."""

    context: str
    app_id: int | None = None


@dataclass(frozen=True)
class BranchProtection:
    """A branch's classic protection rule (``GET .../branches/{b}/protection``).

    ``requires_pull_request`` is GitHub's "Require a pull request before merging"; the review
    settings below it are False/0 when it is off.
    """

    branch: str
    required_checks: tuple[RequiredCheck, ...] = ()
    strict_checks: bool = False
    requires_pull_request: bool = False
    required_approving_review_count: int = 0
    dismiss_stale_reviews: bool = False
    require_code_owner_reviews: bool = False
    require_last_push_approval: bool = False
    enforce_admins: bool = False
    restricts_pushes: bool = False
    allow_force_pushes: bool = False
    allow_deletions: bool = False


@dataclass(frozen=True)
class BranchRule:
    """One active ruleset rule that applies to a branch (``GET .../rules/branches/{b}``).

    ``type`` is GitHub's rule type (``pull_request``, ``required_status_checks``,
    ``deletion``...); the parameters of the two types the gates depend on are flattened in.
    """

    type: str
    ruleset_id: int | None = None
    ruleset_source: str | None = None
    required_checks: tuple[RequiredCheck, ...] = ()
    strict_checks: bool = False
    required_approving_review_count: int = 0
    dismiss_stale_reviews_on_push: bool = False
    require_code_owner_review: bool = False
    require_last_push_approval: bool = False


@dataclass(frozen=True)
class EnvironmentReviewer:
    """A person (login) or team (slug) who may approve a deployment to an environment."""

    type: ReviewerType
    name: str


@dataclass(frozen=True)
class DeploymentEnvironment:
    """A deployment environment and its protection rules (``GET .../environments/{name}``).

    ``branch_policy`` is ``all`` when any branch or tag may deploy. ``rule_types`` lists every
    protection rule GitHub reported (custom deployment protection rules included).
    """

    name: str
    reviewers: tuple[EnvironmentReviewer, ...] = ()
    prevent_self_review: bool = False
    wait_timer_minutes: int = 0
    branch_policy: DeploymentBranchPolicy = "all"
    rule_types: tuple[str, ...] = ()

    @property
    def protected(self) -> bool:
        """A deployment waits for a person or a timer (what a typo'd environment lacks)."""
        return bool(self.reviewers) or self.wait_timer_minutes > 0


@dataclass(frozen=True)
class ActionsPermissions:
    """The repository's Actions settings: ``.../actions/permissions`` and ``.../workflow``."""

    enabled: bool
    allowed_actions: str | None
    default_workflow_permissions: WorkflowTokenDefault
    can_approve_pull_request_reviews: bool


@dataclass(frozen=True)
class CommitPull:
    """A pull request associated with a commit (``GET .../commits/{sha}/pulls``).

    ``merged`` comes from ``merged_at`` (the listing has no ``merged`` field).
    """

    number: int
    title: str
    author: Login
    state: Literal["open", "closed"]
    merged: bool
    merge_commit_sha: Sha | None
    base_ref: str
    head_ref: str
    head_sha: Sha
