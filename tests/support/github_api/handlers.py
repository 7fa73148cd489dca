"""Request handlers of the fake, one per operation id of the vendored subset.

Handlers read and change :class:`~.state.GitHubState` and return a
:class:`Reply`; they raise :class:`ApiError` for GitHub's error answers (404,
422, ...).  They never validate the contract themselves: the server validates
the request before calling them and the reply after, so a handler that builds
an invalid object is caught like a client that sends one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from .builders import Builders, fake_sha
from .state import (
    CheckRun,
    Deployment,
    DeploymentStatus,
    GitHubState,
    GitTag,
    Issue,
    IssueComment,
    PullCommit,
    PullRequest,
    Release,
    Repo,
)

DOCS = "https://docs.github.com/rest"
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
# GitHub's limit for issue, pull request and comment bodies (not in the description).
MAX_BODY = 65_536


@dataclass
class Reply:
    """What a handler answers: status, JSON body (``None`` = empty) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """Raised by handlers to answer with a GitHub error instead of a result."""

    def __init__(self, reply: Reply) -> None:
        """Wrap the error ``reply``."""
        super().__init__(reply.status)
        self.reply = reply


@dataclass
class Context:
    """Everything a handler may look at for one request."""

    state: GitHubState
    build: Builders
    base_url: str
    path: str
    params: Mapping[str, str]
    query: MultiDict[str, str]
    body: Any
    rate: tuple[int, int, int]  # limit, remaining, reset (epoch seconds)
    # Records a contract violation GitHub would answer with 422 ("limit" kind).
    record_limit: Callable[[str], None]

    def arg(self, name: str, default: str | None = None) -> str | None:
        """A query parameter."""
        return self.query.get(name, default)

    def field(self, name: str, default: Any = None) -> Any:
        """A field of the JSON request body."""
        if isinstance(self.body, dict):
            return self.body.get(name, default)
        return default


def not_found(message: str = "Not Found") -> ApiError:
    """GitHub's 404 (also what it answers for things you may not see)."""
    return ApiError(Reply(404, {"message": message, "documentation_url": DOCS, "status": "404"}))


def validation_failed(
    resource: str, field_name: str, code: str, message: str | None = None
) -> ApiError:
    """GitHub's 422 "Validation Failed" with one error entry."""
    error: dict[str, Any] = {"resource": resource, "code": code, "field": field_name}
    if message is not None:
        error["message"] = message
    return ApiError(
        Reply(
            422,
            {
                "message": "Validation Failed",
                "errors": [error],
                "documentation_url": DOCS,
                "status": "422",
            },
        )
    )


def unprocessable(message: str) -> ApiError:
    """A 422 with just a message (e.g. "Reference already exists")."""
    return ApiError(Reply(422, {"message": message, "documentation_url": DOCS, "status": "422"}))


def check_body_length(ctx: Context, resource: str, text: Any) -> None:
    """Enforce GitHub's 65,536-character body limit, which the description omits."""
    if isinstance(text, str) and len(text) > MAX_BODY:
        ctx.record_limit(
            f"{resource} body has {len(text)} characters (GitHub's maximum is {MAX_BODY})"
        )
        raise validation_failed(
            resource, "body", "custom", f"body is too long (maximum is {MAX_BODY} characters)"
        )


def paginate(ctx: Context, items: Sequence[Any]) -> tuple[list[Any], dict[str, str]]:
    """Slice ``items`` by ``page``/``per_page`` and build GitHub's ``Link`` header."""
    per_page = _positive_int(ctx.arg("per_page"), DEFAULT_PER_PAGE)
    page = _positive_int(ctx.arg("page"), 1)
    last = max(1, math.ceil(len(items) / per_page))
    kept = [(k, v) for k, v in ctx.query.items(multi=True) if k != "page"]

    def link(n: int, rel: str) -> str:
        return f'<{ctx.base_url}{ctx.path}?{urlencode([*kept, ("page", str(n))])}>; rel="{rel}"'

    links: list[str] = []
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links.append(link(1, "first"))
    headers = {"link": ", ".join(links)} if links else {}
    start = (page - 1) * per_page
    return list(items[start : start + per_page]), headers


def _positive_int(raw: str | None, default: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value > 0 else default


def listing(ctx: Context, items: Sequence[Any]) -> Reply:
    """A paginated JSON array reply."""
    page, headers = paginate(ctx, items)
    return Reply(200, page, headers)


def repo_of(ctx: Context) -> Repo:
    """The repository named by the ``owner``/``repo`` path parameters, or 404."""
    repo = ctx.state.find_repo(ctx.params["owner"], ctx.params["repo"])
    if repo is None:
        raise not_found()
    return repo


def _int_param(ctx: Context, name: str) -> int:
    return int(ctx.params[name])


# -- read handlers ----------------------------------------------------------------


def rate_limit_get(ctx: Context) -> Reply:
    """GET /rate_limit."""
    return Reply(200, ctx.build.rate_limit(*ctx.rate))


def repos_get(ctx: Context) -> Reply:
    """GET /repos/{owner}/{repo}."""
    return Reply(200, ctx.build.repository(repo_of(ctx)))


def _pull(ctx: Context) -> tuple[Repo, PullRequest]:
    repo = repo_of(ctx)
    pr = repo.pulls.get(_int_param(ctx, "pull_number"))
    if pr is None:
        raise not_found()
    return repo, pr


def pulls_get(ctx: Context) -> Reply:
    """GET /repos/{owner}/{repo}/pulls/{pull_number}."""
    repo, pr = _pull(ctx)
    return Reply(200, ctx.build.pull_request(repo, pr))


# GitHub lists at most 3,000 files and 250 commits of a pull request, without saying so.
PULL_FILES_LISTED = 3000
PULL_COMMITS_LISTED = 250


def pulls_list_files(ctx: Context) -> Reply:
    """GET .../pulls/{pull_number}/files (the first 3,000 only, as on GitHub)."""
    repo, pr = _pull(ctx)
    page, headers = paginate(ctx, pr.files[:PULL_FILES_LISTED])
    return Reply(200, [ctx.build.diff_entry(repo, pr, f) for f in page], headers)


def pulls_list_commits(ctx: Context) -> Reply:
    """GET .../pulls/{pull_number}/commits (the first 250 only, as on GitHub)."""
    repo, pr = _pull(ctx)
    commits = pr.commits or [PullCommit(pr.head_sha, pr.author, pr.author)]
    page, headers = paginate(ctx, commits[:PULL_COMMITS_LISTED])
    return Reply(200, [ctx.build.pull_commit(repo, c) for c in page], headers)


def pulls_list_reviews(ctx: Context) -> Reply:
    """GET .../pulls/{pull_number}/reviews (chronological, as GitHub returns them)."""
    repo, pr = _pull(ctx)
    page, headers = paginate(ctx, pr.reviews)
    return Reply(200, [ctx.build.review(repo, pr, r) for r in page], headers)


def repos_get_content(ctx: Context) -> Reply:
    """GET .../contents/{path}?ref= — a file, or a directory listing."""
    repo = repo_of(ctx)
    path = ctx.params["path"].strip("/")
    ref = ctx.arg("ref") or repo.default_branch
    wanted = {ref, repo.resolve(ref)} - {None}

    def same_ref(r: str) -> bool:
        return r in wanted or repo.resolve(r) in wanted

    for (r, p), data in repo.files.items():
        if p == path and same_ref(r):
            return Reply(200, ctx.build.content_file(repo, path, ref, data))
    children: dict[str, bool] = {}
    for r, p in repo.files:
        if same_ref(r) and p.startswith(path + "/"):
            rest = p[len(path) + 1 :]
            children[f"{path}/{rest.split('/')[0]}"] = "/" in rest
    if children:
        entries = [
            ctx.build.content_directory_entry(repo, child, ref, is_dir)
            for child, is_dir in sorted(children.items())
        ]
        return Reply(200, entries)
    raise not_found()


def teams_get_membership(ctx: Context) -> Reply:
    """GET /orgs/{org}/teams/{team_slug}/memberships/{username} (404 = not a member)."""
    org, team, login = ctx.params["org"], ctx.params["team_slug"], ctx.params["username"]
    membership = ctx.state.teams.get((org.lower(), team.lower()), {}).get(login)
    if membership is None:
        raise not_found()
    state, role = membership
    return Reply(200, ctx.build.team_membership(org, team, login, state, role))


def teams_get_by_name(ctx: Context) -> Reply:
    """GET /orgs/{org}/teams/{team_slug} (404 for a team never seeded with a membership).

    GitHub answers 404 both for a missing team and for one the token may not see
    (``GITHUB_TOKEN`` cannot read teams); inject a ``"404"`` fault to hide a seeded one.
    """
    org, team = ctx.params["org"], ctx.params["team_slug"]
    if (org.lower(), team.lower()) not in ctx.state.teams:
        raise not_found()
    return Reply(200, ctx.build.team(org, team))


def repos_get_collaborator_permission(ctx: Context) -> Reply:
    """GET .../collaborators/{username}/permission."""
    repo = repo_of(ctx)
    login = ctx.params["username"]
    permission = repo.collaborators.get(login)
    if permission is None:
        raise not_found()
    user_type = "Bot" if login.endswith("[bot]") else "User"
    return Reply(200, ctx.build.collaborator_permission(login, permission, user_type))


def checks_list_for_ref(ctx: Context) -> Reply:
    """GET .../commits/{ref}/check-runs with check_name/status/filter."""
    repo = repo_of(ctx)
    ref = ctx.params["ref"]
    sha = repo.resolve(ref) or ref
    runs = [r for r in repo.check_runs.values() if r.head_sha == sha]
    name = ctx.arg("check_name")
    if name is not None:
        runs = [r for r in runs if r.name == name]
    status = ctx.arg("status")
    if status is not None:
        runs = [r for r in runs if r.status == status]
    runs.sort(key=lambda r: r.id, reverse=True)
    if ctx.arg("filter", "latest") == "latest":
        # "latest" keeps the most recent run per check name, GitHub's default.
        latest: dict[str, CheckRun] = {}
        for run in runs:
            latest.setdefault(run.name, run)
        runs = list(latest.values())
    page, headers = paginate(ctx, runs)
    body = {"total_count": len(runs), "check_runs": [ctx.build.check_run(repo, r) for r in page]}
    return Reply(200, body, headers)


def issues_list_comments(ctx: Context) -> Reply:
    """GET .../issues/{issue_number}/comments (oldest first, optional since)."""
    repo = repo_of(ctx)
    number = _int_param(ctx, "issue_number")
    if number not in repo.issues:
        raise not_found()
    since = ctx.arg("since")
    comments = sorted(
        (
            c
            for c in repo.comments.values()
            if c.issue_number == number and (since is None or c.updated_at >= since)
        ),
        key=lambda c: c.id,
    )
    page, headers = paginate(ctx, comments)
    return Reply(200, [ctx.build.issue_comment(repo, c) for c in page], headers)


def repos_list_prs_for_commit(ctx: Context) -> Reply:
    """GET .../commits/{commit_sha}/pulls (PRs whose head or merge commit is the SHA)."""
    repo = repo_of(ctx)
    sha = repo.resolve(ctx.params["commit_sha"]) or ctx.params["commit_sha"]
    pulls = [
        pr
        for pr in sorted(repo.pulls.values(), key=lambda p: p.number, reverse=True)
        if sha in {pr.head_sha, pr.merge_commit_sha}
    ]
    page, headers = paginate(ctx, pulls)
    return Reply(200, [ctx.build.pull_request(repo, pr, simple=True) for pr in page], headers)


def repos_list_deployments(ctx: Context) -> Reply:
    """GET .../deployments filtered by sha/ref/task/environment, newest first."""
    repo = repo_of(ctx)
    found = sorted(repo.deployments.values(), key=lambda d: d.id, reverse=True)
    for key in ("sha", "ref", "task", "environment"):
        value = ctx.arg(key)
        if value is not None:
            found = [d for d in found if getattr(d, key) == value]
    page, headers = paginate(ctx, found)
    return Reply(200, [ctx.build.deployment(repo, d) for d in page], headers)


def _deployment(ctx: Context) -> tuple[Repo, Deployment]:
    repo = repo_of(ctx)
    deployment = repo.deployments.get(_int_param(ctx, "deployment_id"))
    if deployment is None:
        raise not_found()
    return repo, deployment


def repos_list_deployment_statuses(ctx: Context) -> Reply:
    """GET .../deployments/{deployment_id}/statuses, newest first."""
    repo, deployment = _deployment(ctx)
    page, headers = paginate(ctx, list(reversed(deployment.statuses)))
    return Reply(200, [ctx.build.deployment_status(repo, deployment, s) for s in page], headers)


def issues_list_for_repo(ctx: Context) -> Reply:
    """GET .../issues (pull requests included, as on GitHub)."""
    repo = repo_of(ctx)
    state = ctx.arg("state", "open")
    issues = [i for i in repo.issues.values() if state == "all" or i.state == state]
    labels = ctx.arg("labels")
    if labels:
        wanted = {label.strip() for label in labels.split(",")}
        issues = [i for i in issues if wanted <= set(i.labels)]
    creator = ctx.arg("creator")
    if creator is not None:
        issues = [i for i in issues if i.user == creator]
    since = ctx.arg("since")
    if since is not None:
        issues = [i for i in issues if i.updated_at >= since]
    sort = ctx.arg("sort", "created")
    key: Callable[[Issue], Any] = {
        "updated": lambda i: i.updated_at,
        "comments": lambda i: sum(1 for c in repo.comments.values() if c.issue_number == i.number),
    }.get(sort or "created", lambda i: i.number)
    issues.sort(key=key, reverse=ctx.arg("direction", "desc") == "desc")
    page, headers = paginate(ctx, issues)
    return Reply(200, [ctx.build.issue(repo, i) for i in page], headers)


def repos_get_environment(ctx: Context) -> Reply:
    """GET .../environments/{environment_name}."""
    repo = repo_of(ctx)
    name = ctx.params["environment_name"]
    env = repo.environments.get(name)
    if env is None:
        raise not_found()
    return Reply(200, ctx.build.environment(repo, name, env))


def repos_get_all_environments(ctx: Context) -> Reply:
    """GET .../environments (``total_count`` and one page of ``environments``, by name)."""
    repo = repo_of(ctx)
    names = sorted(repo.environments)
    page, headers = paginate(ctx, names)
    body = {
        "total_count": len(names),
        "environments": [ctx.build.environment(repo, n, repo.environments[n]) for n in page],
    }
    return Reply(200, body, headers)


def actions_get_permissions(ctx: Context) -> Reply:
    """GET .../actions/permissions (is Actions on, and which actions may run)."""
    return Reply(200, ctx.build.actions_permissions(repo_of(ctx)))


def actions_get_workflow_permissions(ctx: Context) -> Reply:
    """GET .../actions/permissions/workflow (GITHUB_TOKEN's default, PR approvals by Actions)."""
    return Reply(200, ctx.build.workflow_permissions(repo_of(ctx)))


def repos_get_branch_protection(ctx: Context) -> Reply:
    """GET .../branches/{branch}/protection (404 "Branch not protected" when off)."""
    repo = repo_of(ctx)
    branch = ctx.params["branch"]
    protection = repo.protections.get(branch)
    if protection is None:
        raise not_found("Branch not protected")
    return Reply(200, ctx.build.branch_protection(repo, branch, protection))


def repos_get_branch_rules(ctx: Context) -> Reply:
    """GET .../rules/branches/{branch} (empty list when nothing applies)."""
    repo = repo_of(ctx)
    return listing(ctx, repo.rules.get(ctx.params["branch"], []))


def git_get_ref(ctx: Context) -> Reply:
    """GET .../git/ref/{ref} (``heads/x`` or ``tags/x``)."""
    repo = repo_of(ctx)
    ref = ctx.params["ref"].removeprefix("refs/")
    sha = repo.refs.get(ref)
    if sha is None:
        raise not_found()
    return Reply(200, ctx.build.git_ref(repo, ref, sha))


def repos_list_tags(ctx: Context) -> Reply:
    """GET .../tags (newest name first, commit SHAs peeled from annotated tags)."""
    repo = repo_of(ctx)
    names = sorted((r[len("tags/") :] for r in repo.refs if r.startswith("tags/")), reverse=True)
    page, headers = paginate(ctx, names)
    body = [ctx.build.tag(repo, name, repo.resolve(f"tags/{name}") or "") for name in page]
    return Reply(200, body, headers)


def users_get_authenticated(ctx: Context) -> Reply:
    """GET /user — 403 for an installation token (Bot viewer), like GITHUB_TOKEN gets."""
    if ctx.state.viewer_type == "Bot":
        raise ApiError(
            Reply(
                403,
                {
                    "message": "Resource not accessible by integration",
                    "documentation_url": f"{DOCS}/users/users#get-the-authenticated-user",
                    "status": "403",
                },
            )
        )
    return Reply(200, ctx.build.private_user(ctx.state.viewer_login, ctx.state.viewer_type))


# -- write handlers ------------------------------------------------------------------


def _apply_check_output(run: CheckRun, output: Any) -> None:
    if not isinstance(output, dict):
        return
    run.output_title = output.get("title", run.output_title)
    run.output_summary = output.get("summary", run.output_summary)
    run.output_text = output.get("text", run.output_text)
    # Annotations are appended across updates, as GitHub documents.
    run.annotations_count += len(output.get("annotations", []) or [])


def _apply_check_status(ctx: Context, run: CheckRun) -> None:
    now = ctx.state.tick()
    if ctx.field("conclusion") is not None:
        # Providing a conclusion implies status=completed (documented behaviour).
        run.conclusion = ctx.field("conclusion")
        run.status = "completed"
    elif ctx.field("status") is not None:
        run.status = ctx.field("status")
    if run.status == "completed":
        if run.conclusion is None:
            raise validation_failed("CheckRun", "conclusion", "missing_field")
        run.completed_at = ctx.field("completed_at") or run.completed_at or now
    if run.status != "queued":
        run.started_at = ctx.field("started_at") or run.started_at or now


def checks_create(ctx: Context) -> Reply:
    """POST .../check-runs."""
    repo = repo_of(ctx)
    run = CheckRun(
        id=ctx.state.new_id(),
        name=ctx.field("name"),
        head_sha=ctx.field("head_sha"),
        status="queued",
        conclusion=None,
        started_at=None,
        completed_at=None,
        details_url=ctx.field("details_url"),
        external_id=ctx.field("external_id"),
    )
    _apply_check_status(ctx, run)
    _apply_check_output(run, ctx.field("output"))
    repo.check_runs[run.id] = run
    return Reply(201, ctx.build.check_run(repo, run))


def checks_update(ctx: Context) -> Reply:
    """PATCH .../check-runs/{check_run_id}."""
    repo = repo_of(ctx)
    run = repo.check_runs.get(_int_param(ctx, "check_run_id"))
    if run is None:
        raise not_found()
    for name in ("name", "details_url", "external_id"):
        if ctx.field(name) is not None:
            setattr(run, name, ctx.field(name))
    _apply_check_status(ctx, run)
    _apply_check_output(run, ctx.field("output"))
    return Reply(200, ctx.build.check_run(repo, run))


def issues_create_comment(ctx: Context) -> Reply:
    """POST .../issues/{issue_number}/comments (also comments on pull requests)."""
    repo = repo_of(ctx)
    number = _int_param(ctx, "issue_number")
    if number not in repo.issues:
        raise not_found()
    check_body_length(ctx, "IssueComment", ctx.field("body"))
    now = ctx.state.tick()
    comment = IssueComment(
        id=ctx.state.new_id(),
        issue_number=number,
        body=ctx.field("body"),
        user=ctx.state.viewer_login,
        user_type=ctx.state.viewer_type,
        created_at=now,
        updated_at=now,
    )
    repo.comments[comment.id] = comment
    return Reply(201, ctx.build.issue_comment(repo, comment))


def issues_update_comment(ctx: Context) -> Reply:
    """PATCH .../issues/comments/{comment_id}."""
    repo = repo_of(ctx)
    comment = repo.comments.get(_int_param(ctx, "comment_id"))
    if comment is None:
        raise not_found()
    check_body_length(ctx, "IssueComment", ctx.field("body"))
    comment.body = ctx.field("body")
    comment.updated_at = ctx.state.tick()
    return Reply(200, ctx.build.issue_comment(repo, comment))


def repos_create_deployment(ctx: Context) -> Reply:
    """POST .../deployments (422 "No ref found" for an unknown ref)."""
    repo = repo_of(ctx)
    ref = ctx.field("ref")
    sha = repo.resolve(ref)
    if sha is None:
        raise unprocessable(f"No ref found for: {ref}")
    environment = ctx.field("environment", "production")
    now = ctx.state.tick()
    deployment = Deployment(
        id=ctx.state.new_id(),
        ref=ref,
        sha=sha,
        task=ctx.field("task", "deploy"),
        environment=environment,
        description=ctx.field("description", ""),
        payload=ctx.field("payload", {}),
        creator=ctx.state.viewer_login,
        creator_type=ctx.state.viewer_type,
        created_at=now,
        updated_at=now,
        transient_environment=bool(ctx.field("transient_environment", False)),
        production_environment=bool(
            ctx.field("production_environment", environment == "production")
        ),
    )
    repo.deployments[deployment.id] = deployment
    return Reply(201, ctx.build.deployment(repo, deployment))


def repos_create_deployment_status(ctx: Context) -> Reply:
    """POST .../deployments/{deployment_id}/statuses."""
    repo, deployment = _deployment(ctx)
    status = DeploymentStatus(
        id=ctx.state.new_id(),
        state=ctx.field("state"),
        description=ctx.field("description", ""),
        environment=ctx.field("environment") or deployment.environment,
        environment_url=ctx.field("environment_url", ""),
        # target_url is the deprecated spelling of log_url; GitHub mirrors them.
        log_url=ctx.field("log_url") or ctx.field("target_url") or "",
        creator=ctx.state.viewer_login,
        creator_type=ctx.state.viewer_type,
        created_at=ctx.state.tick(),
    )
    deployment.statuses.append(status)
    deployment.updated_at = status.created_at
    return Reply(201, ctx.build.deployment_status(repo, deployment, status))


def _label_names(raw: Iterable[Any]) -> list[str]:
    # Labels may be given as names or as {"name": ...} objects.
    return [str(x["name"]) if isinstance(x, dict) else str(x) for x in raw]


def issues_create(ctx: Context) -> Reply:
    """POST .../issues."""
    repo = repo_of(ctx)
    check_body_length(ctx, "Issue", ctx.field("body"))
    now = ctx.state.tick()
    number = repo.next_number
    repo.next_number += 1
    issue = Issue(
        number=number,
        id=ctx.state.new_id(),
        title=str(ctx.field("title")),
        body=ctx.field("body"),
        user=ctx.state.viewer_login,
        user_type=ctx.state.viewer_type,
        labels=_label_names(ctx.field("labels") or []),
        state="open",
        created_at=now,
        updated_at=now,
        assignees=list(ctx.field("assignees") or []),
    )
    repo.issues[number] = issue
    return Reply(201, ctx.build.issue(repo, issue))


def issues_update(ctx: Context) -> Reply:
    """PATCH .../issues/{issue_number} (on a PR number it edits the PR too)."""
    repo = repo_of(ctx)
    issue = repo.issues.get(_int_param(ctx, "issue_number"))
    if issue is None:
        raise not_found()
    check_body_length(ctx, "Issue", ctx.field("body"))
    now = ctx.state.tick()
    body = ctx.body if isinstance(ctx.body, dict) else {}
    if "title" in body and body["title"] is not None:
        issue.title = str(body["title"])
    if "body" in body:
        issue.body = body["body"]
    if body.get("labels") is not None:
        issue.labels[:] = _label_names(body["labels"])  # in place: shared with the PR
    if body.get("assignees") is not None:
        issue.assignees = list(body["assignees"])
    if body.get("state") in {"open", "closed"}:
        issue.state = body["state"]
        issue.closed_at = now if issue.state == "closed" else None
        issue.state_reason = body.get("state_reason") or (
            "completed" if issue.state == "closed" else "reopened"
        )
    issue.updated_at = now
    pr = repo.pulls.get(issue.number)
    if pr is not None:
        pr.title, pr.body, pr.state = issue.title, issue.body, issue.state
        pr.closed_at, pr.updated_at = issue.closed_at, now
    return Reply(200, ctx.build.issue(repo, issue))


def git_create_ref(ctx: Context) -> Reply:
    """POST .../git/refs (``ref`` must be fully qualified, ``refs/heads/x``)."""
    repo = repo_of(ctx)
    full = str(ctx.field("ref"))
    if not full.startswith("refs/") or full.count("/") < 2:
        raise unprocessable(f"{full} is not a valid ref name.")
    ref = full.removeprefix("refs/")
    if ref in repo.refs:
        raise unprocessable("Reference already exists")
    repo.refs[ref] = ctx.field("sha")
    return Reply(201, ctx.build.git_ref(repo, ref, repo.refs[ref]))


def git_update_ref(ctx: Context) -> Reply:
    """PATCH .../git/refs/{ref}."""
    repo = repo_of(ctx)
    ref = ctx.params["ref"].removeprefix("refs/")
    if ref not in repo.refs:
        raise unprocessable("Reference does not exist")
    repo.refs[ref] = ctx.field("sha")
    return Reply(200, ctx.build.git_ref(repo, ref, repo.refs[ref]))


def git_create_tag(ctx: Context) -> Reply:
    """POST .../git/tags (creates the tag object only; a ref is a separate call)."""
    repo = repo_of(ctx)
    tagger = ctx.field("tagger") or {}
    tag = GitTag(
        sha=fake_sha(repo.full_name, "tag", ctx.field("tag"), ctx.field("object")),
        tag=ctx.field("tag"),
        message=ctx.field("message"),
        object_sha=ctx.field("object"),
        object_type=ctx.field("type"),
        tagger_name=tagger.get("name", ctx.state.viewer_login),
        tagger_email=tagger.get("email", "noreply@github.com"),
        date=tagger.get("date") or ctx.state.tick(),
    )
    repo.git_tags[tag.sha] = tag
    return Reply(201, ctx.build.git_tag(repo, tag))


def repos_create_release(ctx: Context) -> Reply:
    """POST .../releases (creates the tag from target_commitish when missing)."""
    repo = repo_of(ctx)
    tag_name = ctx.field("tag_name")
    if any(r.tag_name == tag_name for r in repo.releases.values()):
        raise validation_failed("Release", "tag_name", "already_exists")
    target = ctx.field("target_commitish") or repo.default_branch
    if f"tags/{tag_name}" not in repo.refs:
        sha = repo.resolve(target)
        if sha is None:
            raise validation_failed("Release", "target_commitish", "invalid")
        repo.refs[f"tags/{tag_name}"] = sha
    release = Release(
        id=ctx.state.new_id(),
        tag_name=tag_name,
        target_commitish=target,
        name=ctx.field("name"),
        body=ctx.field("body"),
        draft=bool(ctx.field("draft", False)),
        prerelease=bool(ctx.field("prerelease", False)),
        author=ctx.state.viewer_login,
        author_type=ctx.state.viewer_type,
        created_at=ctx.state.tick(),
        make_latest=str(ctx.field("make_latest", "true")),
    )
    repo.releases[release.id] = release
    return Reply(201, ctx.build.release(repo, release))


def repos_list_releases(ctx: Context) -> Reply:
    """GET .../releases (newest first, drafts included: the token may push)."""
    repo = repo_of(ctx)
    found = sorted(repo.releases.values(), key=lambda r: (r.created_at, r.id), reverse=True)
    page, headers = paginate(ctx, found)
    return Reply(200, [ctx.build.release(repo, r) for r in page], headers)


def pulls_list(ctx: Context) -> Reply:
    """GET .../pulls filtered by state, head (``owner:branch``) and base; sorted by creation."""
    repo = repo_of(ctx)
    state = ctx.arg("state", "open")
    found = [p for p in repo.pulls.values() if state == "all" or p.state == state]
    head = ctx.arg("head")
    if head is not None:
        found = [p for p in found if f"{repo.owner}:{p.head_ref}" == head]
    base = ctx.arg("base")
    if base is not None:
        found = [p for p in found if p.base_ref == base]
    newest_first = ctx.arg("direction", "desc") == "desc"
    found.sort(key=lambda p: (p.created_at, p.number), reverse=newest_first)
    page, headers = paginate(ctx, found)
    return Reply(200, [ctx.build.pull_request(repo, p, simple=True) for p in page], headers)


def pulls_create(ctx: Context) -> Reply:
    """POST .../pulls (head may be ``branch`` or ``owner:branch``)."""
    repo = repo_of(ctx)
    head = str(ctx.field("head")).split(":")[-1]
    base = str(ctx.field("base"))
    head_sha = repo.resolve(f"heads/{head}")
    if head_sha is None:
        raise validation_failed("PullRequest", "head", "invalid")
    if repo.resolve(f"heads/{base}") is None:
        raise validation_failed("PullRequest", "base", "invalid")
    check_body_length(ctx, "PullRequest", ctx.field("body"))
    pr = ctx.state.add_pull(
        repo.full_name,
        head_sha=head_sha,
        head_ref=head,
        base_ref=base,
        author=ctx.state.viewer_login,
        author_type=ctx.state.viewer_type,
        title=str(ctx.field("title", "")),
        body=ctx.field("body"),
        draft=bool(ctx.field("draft", False)),
    )
    return Reply(201, ctx.build.pull_request(repo, pr))


HANDLERS: dict[str, Callable[[Context], Reply]] = {
    "rate-limit/get": rate_limit_get,
    "repos/get": repos_get,
    "pulls/get": pulls_get,
    "pulls/list-files": pulls_list_files,
    "pulls/list-reviews": pulls_list_reviews,
    "pulls/list-commits": pulls_list_commits,
    "repos/get-content": repos_get_content,
    "teams/get-membership-for-user-in-org": teams_get_membership,
    "teams/get-by-name": teams_get_by_name,
    "repos/get-collaborator-permission-level": repos_get_collaborator_permission,
    "checks/list-for-ref": checks_list_for_ref,
    "checks/create": checks_create,
    "checks/update": checks_update,
    "issues/list-comments": issues_list_comments,
    "issues/create-comment": issues_create_comment,
    "issues/update-comment": issues_update_comment,
    "repos/list-pull-requests-associated-with-commit": repos_list_prs_for_commit,
    "repos/create-deployment": repos_create_deployment,
    "repos/list-deployments": repos_list_deployments,
    "repos/list-deployment-statuses": repos_list_deployment_statuses,
    "repos/create-deployment-status": repos_create_deployment_status,
    "issues/create": issues_create,
    "issues/update": issues_update,
    "issues/list-for-repo": issues_list_for_repo,
    "repos/get-environment": repos_get_environment,
    "repos/get-all-environments": repos_get_all_environments,
    "actions/get-github-actions-permissions-repository": actions_get_permissions,
    "actions/get-github-actions-default-workflow-permissions-repository": (
        actions_get_workflow_permissions
    ),
    "repos/get-branch-protection": repos_get_branch_protection,
    "repos/get-branch-rules": repos_get_branch_rules,
    "git/get-ref": git_get_ref,
    "git/create-ref": git_create_ref,
    "git/update-ref": git_update_ref,
    "git/create-tag": git_create_tag,
    "repos/list-tags": repos_list_tags,
    "repos/create-release": repos_create_release,
    "repos/list-releases": repos_list_releases,
    "pulls/list": pulls_list,
    "pulls/create": pulls_create,
    "users/get-authenticated": users_get_authenticated,
}
