"""In-memory GitHub state the fake serves, and the Python API tests seed it with.

Tests describe the world (repositories, pull requests, reviews, team
memberships, ...) by calling the ``add_*`` / ``set_*`` methods of
:class:`GitHubState` (which :class:`~.server.FakeGitHub` inherits), never over
HTTP, so that every HTTP request the fake sees comes from the code under test.

Timestamps come from a fake clock that starts at 2024-01-01T00:00:00Z and moves
one minute forward per created or changed object, so "newest first" orderings
are deterministic without sleeping.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .builders import fake_sha

PERMISSIONS = ("admin", "maintain", "write", "triage", "read", "none")
REVIEW_STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING")


def _login_type(login: str, user_type: str | None) -> str:
    # GitHub Apps act as "<slug>[bot]" accounts of type Bot; default accordingly.
    if user_type is not None:
        return user_type
    return "Bot" if login.endswith("[bot]") else "User"


@dataclass
class PullFile:
    """One changed file of a pull request."""

    filename: str
    status: str = "modified"
    additions: int = 1
    deletions: int = 0
    patch: str | None = None
    previous_filename: str | None = None
    sha: str | None = None


@dataclass
class PullCommit:
    """One commit of a pull request: its author's and committer's GitHub logins."""

    sha: str
    author: str | None
    committer: str | None


@dataclass
class Review:
    """A pull request review."""

    id: int
    user: str
    user_type: str
    state: str
    commit_id: str | None
    submitted_at: str | None
    body: str = ""


@dataclass
class PullRequest:
    """A pull request (it also occupies an issue number, as on GitHub)."""

    number: int
    id: int
    title: str
    body: str | None
    author: str
    author_type: str
    head_sha: str
    head_ref: str
    base_ref: str
    base_sha: str
    labels: list[str]
    state: str
    merged: bool
    merge_commit_sha: str | None
    draft: bool
    created_at: str
    updated_at: str
    closed_at: str | None = None
    merged_at: str | None = None
    files: list[PullFile] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    # Empty: one commit, authored and committed by the pull request's author.
    commits: list[PullCommit] = field(default_factory=list)


@dataclass
class Issue:
    """An issue (pull requests have a twin :class:`Issue` for the issues API)."""

    number: int
    id: int
    title: str
    body: str | None
    user: str
    user_type: str
    labels: list[str]
    state: str
    created_at: str
    updated_at: str
    assignees: list[str] = field(default_factory=list)
    closed_at: str | None = None
    state_reason: str | None = None


@dataclass
class IssueComment:
    """A comment on an issue or pull request."""

    id: int
    issue_number: int
    body: str
    user: str
    user_type: str
    created_at: str
    updated_at: str


@dataclass
class CheckRun:
    """A check run."""

    id: int
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    started_at: str | None
    completed_at: str | None
    details_url: str | None = None
    external_id: str | None = None
    output_title: str | None = None
    output_summary: str | None = None
    output_text: str | None = None
    annotations_count: int = 0
    app_slug: str = "github-actions"
    check_suite_id: int = 1


@dataclass
class DeploymentStatus:
    """One status of a deployment."""

    id: int
    state: str
    description: str
    environment: str
    environment_url: str
    log_url: str
    creator: str
    creator_type: str
    created_at: str


@dataclass
class Deployment:
    """A deployment and its statuses (newest last)."""

    id: int
    ref: str
    sha: str
    task: str
    environment: str
    description: str | None
    payload: Any
    creator: str
    creator_type: str
    created_at: str
    updated_at: str
    transient_environment: bool = False
    production_environment: bool = False
    statuses: list[DeploymentStatus] = field(default_factory=list)


@dataclass
class GitTag:
    """An annotated tag object."""

    sha: str
    tag: str
    message: str
    object_sha: str
    object_type: str
    tagger_name: str
    tagger_email: str
    date: str


@dataclass
class Release:
    """A release."""

    id: int
    tag_name: str
    target_commitish: str
    name: str | None
    body: str | None
    draft: bool
    prerelease: bool
    author: str
    author_type: str
    created_at: str
    make_latest: str = "true"
    assets: list[str] = field(default_factory=list)  # names of the attached files


@dataclass
class Repo:
    """Everything the fake knows about one repository."""

    owner: str
    name: str
    id: int
    default_branch: str
    private: bool
    owner_type: str
    next_number: int = 1
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    comments: dict[int, IssueComment] = field(default_factory=dict)
    # (ref, path) -> bytes; ref is a branch/tag name or a SHA exactly as requested
    files: dict[tuple[str, str], bytes] = field(default_factory=dict)
    collaborators: dict[str, str] = field(default_factory=dict)
    check_runs: dict[int, CheckRun] = field(default_factory=dict)
    deployments: dict[int, Deployment] = field(default_factory=dict)
    # "heads/main" / "tags/v1.2.0" -> SHA (of a commit, or of a GitTag object)
    refs: dict[str, str] = field(default_factory=dict)
    git_tags: dict[str, GitTag] = field(default_factory=dict)
    releases: dict[int, Release] = field(default_factory=dict)
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)
    protections: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # GET .../actions/permissions and .../actions/permissions/workflow, merged; GitHub's
    # defaults for a repository created today (read-only token, no PR approvals by Actions).
    actions: dict[str, Any] = field(
        default_factory=lambda: {
            "enabled": True,
            "allowed_actions": "all",
            "default_workflow_permissions": "read",
            "can_approve_pull_request_reviews": False,
        }
    )

    @property
    def full_name(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"

    def resolve(self, ref: str) -> str | None:
        """SHA a branch, tag, ``heads/x``/``tags/x`` name or SHA points at (peeling tags)."""
        for candidate in (ref, f"heads/{ref}", f"tags/{ref}", ref.removeprefix("refs/")):
            sha = self.refs.get(candidate)
            if sha is not None:
                tag = self.git_tags.get(sha)
                return tag.object_sha if tag else sha
        if len(ref) == 40 and all(c in "0123456789abcdef" for c in ref):
            return ref
        return None


class GitHubState:
    """Seeding API plus the state itself; :class:`FakeGitHub` inherits this."""

    def __init__(self) -> None:
        """Start empty: no repositories, the viewer is ``github-actions[bot]``."""
        self.lock = threading.RLock()
        self.repos: dict[str, Repo] = {}
        # (org, team_slug) -> {login: (state, role)}
        self.teams: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        self.viewer_login = "github-actions[bot]"
        self.viewer_type = "Bot"
        self._next_id = 1000
        self._clock = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

    # -- plumbing ---------------------------------------------------------------

    def new_id(self) -> int:
        """A fresh, never reused object id."""
        with self.lock:
            self._next_id += 1
            return self._next_id

    def tick(self) -> str:
        """Advance the fake clock a minute and return it as an ISO-8601 UTC string."""
        with self.lock:
            self._clock += dt.timedelta(minutes=1)
            return self._clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    def repo(self, full_name: str) -> Repo:
        """The seeded repository ``owner/name`` (KeyError if never added)."""
        return self.repos[full_name.lower()]

    def find_repo(self, owner: str, name: str) -> Repo | None:
        """Case-insensitive lookup, as GitHub resolves ``/repos/{owner}/{repo}``."""
        return self.repos.get(f"{owner}/{name}".lower())

    # -- seeding ----------------------------------------------------------------

    def set_viewer(self, login: str, user_type: str | None = None) -> None:
        """Who the token belongs to (authors of writes; ``GET /user``).

        A ``Bot`` viewer (the default, like ``GITHUB_TOKEN``) gets GitHub's 403
        "Resource not accessible by integration" from ``GET /user``.
        """
        self.viewer_login = login
        self.viewer_type = _login_type(login, user_type)

    def add_repo(
        self,
        full_name: str,
        *,
        default_branch: str = "main",
        private: bool = False,
        owner_type: str = "Organization",
        default_sha: str | None = None,
    ) -> Repo:
        """Create ``owner/name`` with its default branch ref pointing at ``default_sha``."""
        owner, name = full_name.split("/")
        repo = Repo(
            owner=owner,
            name=name,
            id=self.new_id(),
            default_branch=default_branch,
            private=private,
            owner_type=owner_type,
        )
        repo.refs[f"heads/{default_branch}"] = default_sha or fake_sha(full_name, default_branch)
        self.repos[full_name.lower()] = repo
        return repo

    def _number(self, repo: Repo, number: int | None) -> int:
        # Issues and pull requests share one number sequence per repository.
        if number is None:
            number = repo.next_number
        if number in repo.issues:
            raise ValueError(f"#{number} already exists in {repo.full_name}")
        repo.next_number = max(repo.next_number, number + 1)
        return number

    def add_pull(
        self,
        full_name: str,
        number: int | None = None,
        *,
        head_sha: str | None = None,
        head_ref: str = "feature",
        base_ref: str | None = None,
        author: str = "octocat",
        author_type: str | None = None,
        title: str = "A change",
        body: str | None = "",
        labels: Iterable[str] = (),
        state: str = "open",
        merged: bool = False,
        merge_commit_sha: str | None = None,
        draft: bool = False,
        files: Iterable[PullFile | str] = (),
    ) -> PullRequest:
        """Add a pull request (and its issue twin); ``files`` may be plain filenames."""
        with self.lock:
            repo = self.repo(full_name)
            number = self._number(repo, number)
            base_ref = base_ref or repo.default_branch
            created = self.tick()
            closed = created if (merged or state == "closed") else None
            pr = PullRequest(
                number=number,
                id=self.new_id(),
                title=title,
                body=body,
                author=author,
                author_type=_login_type(author, author_type),
                head_sha=head_sha or fake_sha(full_name, number, head_ref),
                head_ref=head_ref,
                base_ref=base_ref,
                base_sha=repo.resolve(base_ref) or fake_sha(full_name, base_ref),
                labels=list(labels),
                state="closed" if merged else state,
                merged=merged,
                merge_commit_sha=merge_commit_sha
                or (fake_sha(full_name, number, "merge") if merged else None),
                draft=draft,
                created_at=created,
                updated_at=created,
                closed_at=closed,
                merged_at=closed if merged else None,
            )
            for f in files:
                self._add_file(pr, f if isinstance(f, PullFile) else PullFile(f))
            repo.pulls[number] = pr
            repo.issues[number] = Issue(
                number=number,
                id=self.new_id(),
                title=title,
                body=body,
                user=author,
                user_type=pr.author_type,
                labels=pr.labels,  # shared list: labelling the issue labels the PR
                state=pr.state,
                created_at=created,
                updated_at=created,
                closed_at=closed,
            )
            return pr

    def _add_file(self, pr: PullRequest, f: PullFile) -> None:
        if f.sha is None and f.status != "removed":
            f.sha = fake_sha(pr.head_sha, f.filename)
        pr.files.append(f)

    def add_pull_files(
        self, full_name: str, number: int, files: Iterable[PullFile | str]
    ) -> list[PullFile]:
        """Append changed files to pull request ``number``."""
        with self.lock:
            pr = self.repo(full_name).pulls[number]
            added = [f if isinstance(f, PullFile) else PullFile(f) for f in files]
            for f in added:
                self._add_file(pr, f)
            return added

    def add_pull_commit(
        self,
        full_name: str,
        number: int,
        *,
        author: str | None,
        committer: str | None = None,
        sha: str | None = None,
    ) -> PullCommit:
        """Add a commit to pull request ``number`` (``committer`` defaults to ``author``)."""
        with self.lock:
            pr = self.repo(full_name).pulls[number]
            commit = PullCommit(
                sha or fake_sha(full_name, number, "commit", str(len(pr.commits))),
                author,
                author if committer is None else committer,
            )
            pr.commits.append(commit)
            return commit

    def add_review(
        self,
        full_name: str,
        number: int,
        *,
        user: str,
        state: str = "APPROVED",
        user_type: str | None = None,
        commit_id: str | None = None,
        submitted_at: str | None = None,
        body: str = "",
    ) -> Review:
        """Add a review; ``commit_id`` defaults to the PR's current head SHA.

        ``user_type="Bot"`` (or a ``name[bot]`` login) makes a bot review.
        ``submitted_at`` defaults to the fake clock; PENDING reviews have none.
        """
        if state not in REVIEW_STATES:
            raise ValueError(f"review state must be one of {REVIEW_STATES}")
        with self.lock:
            pr = self.repo(full_name).pulls[number]
            review = Review(
                id=self.new_id(),
                user=user,
                user_type=_login_type(user, user_type),
                state=state,
                commit_id=commit_id or pr.head_sha,
                submitted_at=None if state == "PENDING" else (submitted_at or self.tick()),
                body=body,
            )
            pr.reviews.append(review)
            return review

    def set_file(
        self, full_name: str, path: str, content: str | bytes, *, ref: str | None = None
    ) -> None:
        """Make ``GET contents/{path}?ref=`` return ``content`` (default ref: default branch).

        Files are keyed by the ref string exactly as clients will ask for it
        (branch name or SHA); a request without ``ref`` reads the default branch.
        """
        with self.lock:
            repo = self.repo(full_name)
            data = content.encode() if isinstance(content, str) else content
            repo.files[(ref or repo.default_branch, path.strip("/"))] = data

    def set_collaborator(self, full_name: str, login: str, permission: str) -> None:
        """Give ``login`` a role (admin/maintain/write/triage/read/none) on the repository.

        Logins never set here make the permission endpoint answer 404.
        """
        if permission not in PERMISSIONS:
            raise ValueError(f"permission must be one of {PERMISSIONS}")
        with self.lock:
            self.repo(full_name).collaborators[login] = permission

    def set_team_membership(
        self, org: str, team_slug: str, login: str, *, state: str = "active", role: str = "member"
    ) -> None:
        """Record ``login``'s membership of ``org/team_slug`` (state active or pending).

        A login never set here gets 404 from the membership endpoint, which is
        how GitHub says "not a member".
        """
        with self.lock:
            self.teams.setdefault((org.lower(), team_slug.lower()), {})[login] = (state, role)

    def remove_team_membership(self, org: str, team_slug: str, login: str) -> None:
        """Forget a membership (the endpoint answers 404 again)."""
        with self.lock:
            self.teams.get((org.lower(), team_slug.lower()), {}).pop(login, None)

    def add_check_run(
        self,
        full_name: str,
        *,
        name: str,
        head_sha: str,
        status: str = "completed",
        conclusion: str | None = "success",
        app_slug: str = "github-actions",
        summary: str | None = None,
    ) -> CheckRun:
        """Add a check run (by default a successful one from GitHub Actions)."""
        with self.lock:
            repo = self.repo(full_name)
            now = self.tick()
            run = CheckRun(
                id=self.new_id(),
                name=name,
                head_sha=head_sha,
                status=status,
                conclusion=conclusion if status == "completed" else None,
                started_at=now,
                completed_at=now if status == "completed" else None,
                output_summary=summary,
                app_slug=app_slug,
            )
            repo.check_runs[run.id] = run
            return run

    def add_issue_comment(
        self,
        full_name: str,
        issue_number: int,
        *,
        body: str,
        user: str = "octocat",
        user_type: str | None = None,
    ) -> IssueComment:
        """Add a comment to issue or pull request ``issue_number``."""
        with self.lock:
            repo = self.repo(full_name)
            if issue_number not in repo.issues:
                raise KeyError(f"no issue or pull request #{issue_number} in {full_name}")
            now = self.tick()
            comment = IssueComment(
                id=self.new_id(),
                issue_number=issue_number,
                body=body,
                user=user,
                user_type=_login_type(user, user_type),
                created_at=now,
                updated_at=now,
            )
            repo.comments[comment.id] = comment
            return comment

    def add_issue(
        self,
        full_name: str,
        *,
        title: str,
        body: str | None = "",
        labels: Iterable[str] = (),
        state: str = "open",
        user: str = "octocat",
        user_type: str | None = None,
        assignees: Iterable[str] = (),
        number: int | None = None,
    ) -> Issue:
        """Add an issue."""
        with self.lock:
            repo = self.repo(full_name)
            number = self._number(repo, number)
            now = self.tick()
            issue = Issue(
                number=number,
                id=self.new_id(),
                title=title,
                body=body,
                user=user,
                user_type=_login_type(user, user_type),
                labels=list(labels),
                state=state,
                created_at=now,
                updated_at=now,
                assignees=list(assignees),
                closed_at=now if state == "closed" else None,
                state_reason="completed" if state == "closed" else None,
            )
            repo.issues[number] = issue
            return issue

    def add_deployment(
        self,
        full_name: str,
        *,
        ref: str,
        environment: str = "production",
        sha: str | None = None,
        task: str = "deploy",
        description: str | None = None,
        payload: Any = None,
        creator: str | None = None,
    ) -> Deployment:
        """Add a deployment (``sha`` defaults to what ``ref`` resolves to)."""
        with self.lock:
            repo = self.repo(full_name)
            now = self.tick()
            creator = creator or self.viewer_login
            deployment = Deployment(
                id=self.new_id(),
                ref=ref,
                sha=sha or repo.resolve(ref) or fake_sha(full_name, ref),
                task=task,
                environment=environment,
                description=description,
                payload=payload if payload is not None else {},
                creator=creator,
                creator_type=_login_type(creator, None),
                created_at=now,
                updated_at=now,
                production_environment=environment == "production",
            )
            repo.deployments[deployment.id] = deployment
            return deployment

    def add_deployment_status(
        self,
        full_name: str,
        deployment_id: int,
        *,
        state: str,
        description: str = "",
        environment_url: str = "",
        log_url: str = "",
    ) -> DeploymentStatus:
        """Append a status to a deployment."""
        with self.lock:
            deployment = self.repo(full_name).deployments[deployment_id]
            status = DeploymentStatus(
                id=self.new_id(),
                state=state,
                description=description,
                environment=deployment.environment,
                environment_url=environment_url,
                log_url=log_url,
                creator=self.viewer_login,
                creator_type=self.viewer_type,
                created_at=self.tick(),
            )
            deployment.statuses.append(status)
            deployment.updated_at = status.created_at
            return status

    def set_ref(self, full_name: str, ref: str, sha: str) -> None:
        """Point ``heads/<branch>`` or ``tags/<tag>`` at ``sha`` (``refs/`` prefix optional)."""
        with self.lock:
            self.repo(full_name).refs[ref.removeprefix("refs/")] = sha

    def add_release(
        self,
        full_name: str,
        *,
        tag_name: str,
        name: str | None = None,
        body: str | None = None,
        draft: bool = False,
        prerelease: bool = False,
        target_commitish: str | None = None,
        created_at: str | None = None,
        assets: Iterable[str] = (),
    ) -> Release:
        """Add a release (``assets``: the names of its attached files)."""
        with self.lock:
            repo = self.repo(full_name)
            release = Release(
                id=self.new_id(),
                tag_name=tag_name,
                target_commitish=target_commitish or repo.default_branch,
                name=name,
                body=body,
                draft=draft,
                prerelease=prerelease,
                author=self.viewer_login,
                author_type=self.viewer_type,
                created_at=created_at or self.tick(),
                assets=list(assets),
            )
            repo.releases[release.id] = release
            return release

    def add_environment(
        self,
        full_name: str,
        name: str,
        *,
        reviewers: Iterable[str] = (),
        wait_timer: int | None = None,
        prevent_self_review: bool = False,
        branch_policy: str | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        """Add a deployment environment with the protection rules GitHub would list.

        ``reviewers`` are logins, or ``org/team-slug`` for teams (a ``required_reviewers``
        rule); ``wait_timer`` minutes (a ``wait_timer`` rule); ``branch_policy`` is None
        (all branches may deploy), ``"protected"`` or ``"custom"`` (a ``branch_policy``
        rule).  ``overrides`` deep-merge into the API object last; whatever you pass is
        schema-checked when served, so malformed seeds surface as violations.
        """
        if branch_policy not in (None, "protected", "custom"):
            raise ValueError("branch_policy must be None, 'protected' or 'custom'")
        with self.lock:
            self.repo(full_name).environments[name] = {
                "id": self.new_id(),
                "reviewers": list(reviewers),
                "wait_timer": wait_timer,
                "prevent_self_review": prevent_self_review,
                "branch_policy": branch_policy,
                "overrides": dict(overrides or {}),
            }

    def set_actions_permissions(
        self,
        full_name: str,
        *,
        enabled: bool = True,
        allowed_actions: str = "all",
        default_workflow_permissions: str = "read",
        can_approve_pull_request_reviews: bool = False,
    ) -> None:
        """The repository's Actions settings (Settings → Actions → General).

        ``default_workflow_permissions`` is ``read`` or ``write``; the defaults are what
        GitHub gives a repository created today.
        """
        with self.lock:
            self.repo(full_name).actions = {
                "enabled": enabled,
                "allowed_actions": allowed_actions,
                "default_workflow_permissions": default_workflow_permissions,
                "can_approve_pull_request_reviews": can_approve_pull_request_reviews,
            }

    def set_branch_protection(
        self,
        full_name: str,
        branch: str,
        *,
        required_status_checks: Iterable[str] | None = (),
        strict: bool = True,
        required_approving_review_count: int | None = 1,
        dismiss_stale_reviews: bool = False,
        require_code_owner_reviews: bool = False,
        require_last_push_approval: bool = False,
        enforce_admins: bool = False,
        required_linear_history: bool = False,
        check_app_id: int | None = None,
        restrict_pushes: bool = False,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        """Protect ``branch`` (classic branch protection).

        ``required_status_checks=None`` / ``required_approving_review_count=None``
        omit those sections, as GitHub does when they are off.  ``check_app_id`` pins
        every required check to one app (None: any source).  Unprotected branches
        answer 404 "Branch not protected".
        """
        with self.lock:
            self.repo(full_name).protections[branch] = {
                "required_status_checks": (
                    None if required_status_checks is None else list(required_status_checks)
                ),
                "strict": strict,
                "required_approving_review_count": required_approving_review_count,
                "dismiss_stale_reviews": dismiss_stale_reviews,
                "require_code_owner_reviews": require_code_owner_reviews,
                "require_last_push_approval": require_last_push_approval,
                "enforce_admins": enforce_admins,
                "required_linear_history": required_linear_history,
                "check_app_id": check_app_id,
                "restrict_pushes": restrict_pushes,
                "overrides": dict(overrides or {}),
            }

    def set_branch_rules(
        self, full_name: str, branch: str, rules: Iterable[Mapping[str, Any]]
    ) -> None:
        """Rules (rulesets) active on ``branch``, as ``repository-rule-detailed`` dicts.

        ``ruleset_source_type``/``ruleset_source``/``ruleset_id`` default to a
        repository ruleset when omitted, e.g.
        ``[{"type": "pull_request", "parameters": {...}}]``.
        """
        with self.lock:
            repo = self.repo(full_name)
            repo.rules[branch] = [
                {
                    "ruleset_source_type": "Repository",
                    "ruleset_source": repo.full_name,
                    "ruleset_id": 1,
                    **dict(rule),
                }
                for rule in rules
            ]
