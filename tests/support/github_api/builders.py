"""Build schema-valid GitHub REST API objects from the fake's in-memory state.

Every object GitHub returns has dozens of required properties (a full
repository has 80).  Hand-writing them all would drown the meaningful ones, so
:class:`SchemaFiller` first fills every *required* property from the schema with
a neutral default (``null`` where nullable, ``false``, ``0``, a fixed timestamp,
a placeholder URL), and the builders below then overlay the values that carry
meaning: ids, logins, numbers, SHAs, states and the ``url`` fields PyGithub
follows.  Placeholder URLs point at ``/__unset__/<property>`` on the fake so a
client that follows one shows up as an "unknown operation" violation instead of
silently working.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .contract import Contract
    from .state import (
        CheckRun,
        Deployment,
        DeploymentStatus,
        GitTag,
        Issue,
        IssueComment,
        PullCommit,
        PullFile,
        PullRequest,
        Release,
        Repo,
        Review,
    )

FIXED_TIME = "2024-01-01T00:00:00Z"
HTML_ROOT = "https://github.com"


def fake_sha(*parts: object) -> str:
    """A stable 40-hex "commit SHA" derived from ``parts``."""
    return hashlib.sha1("\0".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


def user_id(login: str) -> int:
    """A stable numeric id for ``login`` so the same user always looks the same."""
    return zlib.crc32(login.encode()) % 90_000_000 + 10_000


def node_id(kind: str, number: int) -> str:
    """A GraphQL-style node id (opaque to clients, but present as in the API)."""
    return base64.b64encode(f"0:{kind}{number}".encode()).decode().rstrip("=")


def deep_merge(base: Any, overlay: Any) -> Any:
    """Overlay ``overlay`` onto ``base``: dicts merge recursively, anything else replaces."""
    if isinstance(base, dict) and isinstance(overlay, Mapping):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else value
        return merged
    return overlay


class SchemaFiller:
    """Produce the smallest instance satisfying a schema's ``required`` properties."""

    def __init__(self, contract: Contract, api_url: str) -> None:
        """Fill from ``contract``'s components; placeholder URLs live under ``api_url``."""
        self._spec = contract.spec
        self._api_url = api_url
        self._cache: dict[str, Any] = {}

    def component(self, name: str, overlay: Mapping[str, Any] | None = None) -> Any:
        """Fill ``#/components/schemas/<name>`` and deep-merge ``overlay`` on top."""
        if name not in self._cache:
            self._cache[name] = self._fill(self._spec["components"]["schemas"][name], name, 0)
        # The cached skeleton is shared, so merge into a fresh deep structure.
        return deep_merge(_copy(self._cache[name]), overlay or {})

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            node: Any = self._spec
            for token in str(schema["$ref"])[2:].split("/"):
                node = node[token]
            schema = node
        return schema

    def _fill(self, raw: Mapping[str, Any], prop: str, depth: int) -> Any:
        schema = self._resolve(raw)
        if depth > 12:  # a required-property cycle would be a spec bug; stop anyway
            return None
        if schema.get("nullable") is True:
            return None
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [self._resolve(o) for o in schema[key]]
                if any(o.get("enum") == [None] for o in options):
                    return None  # our normalised "nullable" wrapper
                return self._fill(options[0], prop, depth + 1)
        if "allOf" in schema:
            merged: Any = {}
            for part in schema["allOf"]:
                merged = deep_merge(merged, self._fill(part, prop, depth + 1))
            return merged
        if "enum" in schema:
            return next(v for v in schema["enum"] if v is not None)
        kind = schema.get("type")
        if kind == "object" or (kind is None and "properties" in schema):
            props = schema.get("properties", {})
            return {
                name: self._fill(props.get(name, {}), name, depth + 1)
                for name in schema.get("required", [])
            }
        if kind == "array":
            count = int(schema.get("minItems", 0))
            return [self._fill(schema.get("items", {}), prop, depth + 1) for _ in range(count)]
        if kind == "string":
            fmt = schema.get("format")
            if fmt == "date-time":
                return FIXED_TIME
            if fmt == "email":
                return "octocat@example.com"
            if fmt == "uri" or prop == "url" or prop.endswith("_url"):
                return f"{self._api_url}/__unset__/{prop}"
            return "x" * int(schema.get("minLength", 0))
        if kind in {"integer", "number"}:
            return max(0, int(schema.get("minimum", 0)))
        if kind == "boolean":
            return False
        return {}


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


class Builders:
    """Turn state records into API JSON for one running fake (its base URL)."""

    def __init__(self, contract: Contract, api_url: str) -> None:
        """``api_url`` is the fake's root, e.g. ``http://127.0.0.1:5123``."""
        self.api = api_url
        self.fill = SchemaFiller(contract, api_url)

    # -- users ------------------------------------------------------------------

    def user(self, login: str, user_type: str = "User", schema: str = "simple-user") -> Any:
        """A ``simple-user``-shaped account (``type`` is "User", "Bot" or "Organization")."""
        uid = user_id(login)
        api_user = f"{self.api}/users/{login}"
        return self.fill.component(
            schema,
            {
                "login": login,
                "id": uid,
                "node_id": node_id("U_", uid),
                "type": user_type,
                "site_admin": False,
                "user_view_type": "public",
                "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
                "gravatar_id": "",
                "url": api_user,
                "html_url": f"{HTML_ROOT}/{login}",
                "followers_url": f"{api_user}/followers",
                "following_url": f"{api_user}/following{{/other_user}}",
                "gists_url": f"{api_user}/gists{{/gist_id}}",
                "starred_url": f"{api_user}/starred{{/owner}}{{/repo}}",
                "subscriptions_url": f"{api_user}/subscriptions",
                "organizations_url": f"{api_user}/orgs",
                "repos_url": f"{api_user}/repos",
                "events_url": f"{api_user}/events{{/privacy}}",
                "received_events_url": f"{api_user}/received_events",
            },
        )

    def private_user(self, login: str, user_type: str) -> Any:
        """``GET /user`` for the token's own account (``private-user``)."""
        return deep_merge(
            self.user(login, user_type, schema="private-user"),
            {"user_view_type": "private", "created_at": FIXED_TIME, "updated_at": FIXED_TIME},
        )

    # -- repositories -------------------------------------------------------------

    def repo_urls(self, repo: Repo) -> dict[str, Any]:
        """The URL properties every repository shape carries."""
        api = f"{self.api}/repos/{repo.full_name}"
        return {
            "url": api,
            "html_url": f"{HTML_ROOT}/{repo.full_name}",
            "pulls_url": f"{api}/pulls{{/number}}",
            "issues_url": f"{api}/issues{{/number}}",
            "issue_comment_url": f"{api}/issues/comments{{/number}}",
            "contents_url": f"{api}/contents/{{+path}}",
            "deployments_url": f"{api}/deployments",
            "git_refs_url": f"{api}/git/refs{{/sha}}",
            "git_tags_url": f"{api}/git/tags{{/sha}}",
            "tags_url": f"{api}/tags",
            "releases_url": f"{api}/releases{{/id}}",
            "statuses_url": f"{api}/statuses/{{sha}}",
            "collaborators_url": f"{api}/collaborators{{/collaborator}}",
            "clone_url": f"{HTML_ROOT}/{repo.full_name}.git",
            "git_url": f"git://github.com/{repo.full_name}.git",
            "ssh_url": f"git@github.com:{repo.full_name}.git",
            "svn_url": f"{HTML_ROOT}/{repo.full_name}",
        }

    def repository(self, repo: Repo, schema: str = "full-repository") -> Any:
        """A repository object (``full-repository`` by default)."""
        overlay: dict[str, Any] = {
            "id": repo.id,
            "node_id": node_id("R_", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": self.user(repo.owner, repo.owner_type),
            "private": repo.private,
            "visibility": "private" if repo.private else "public",
            "default_branch": repo.default_branch,
            "created_at": FIXED_TIME,
            "updated_at": FIXED_TIME,
            "pushed_at": FIXED_TIME,
            "has_issues": True,
            "open_issues_count": sum(1 for i in repo.issues.values() if i.state == "open"),
            **self.repo_urls(repo),
        }
        if schema == "full-repository":
            overlay["permissions"] = {
                "admin": False,
                "maintain": False,
                "push": True,
                "triage": True,
                "pull": True,
            }
        return self.fill.component(schema, overlay)

    # -- pull requests ------------------------------------------------------------

    def _branch(self, repo: Repo, ref: str, sha: str) -> dict[str, Any]:
        owner = self.user(repo.owner, repo.owner_type)
        return {
            "label": f"{repo.owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": owner,
            "repo": self.repository(repo, schema="repository"),
        }

    def pull_request(self, repo: Repo, pr: PullRequest, *, simple: bool = False) -> Any:
        """``pull-request`` (or ``pull-request-simple`` for list endpoints)."""
        api = f"{self.api}/repos/{repo.full_name}"
        url = f"{api}/pulls/{pr.number}"
        html = f"{HTML_ROOT}/{repo.full_name}/pull/{pr.number}"
        overlay: dict[str, Any] = {
            "id": pr.id,
            "node_id": node_id("PR_", pr.id),
            "number": pr.number,
            "title": pr.title,
            "body": pr.body,
            "state": pr.state,
            "draft": pr.draft,
            "locked": False,
            "user": self.user(pr.author, pr.author_type),
            "labels": [self.label(repo, name) for name in pr.labels],
            "head": self._branch(repo, pr.head_ref, pr.head_sha),
            "base": self._branch(repo, pr.base_ref, pr.base_sha),
            "merge_commit_sha": pr.merge_commit_sha,
            "created_at": pr.created_at,
            "updated_at": pr.updated_at,
            "closed_at": pr.closed_at,
            "merged_at": pr.merged_at,
            "author_association": "MEMBER" if pr.author_type == "User" else "NONE",
            "url": url,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": f"{api}/issues/{pr.number}",
            "commits_url": f"{url}/commits",
            "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{api}/issues/{pr.number}/comments",
            "statuses_url": f"{api}/statuses/{pr.head_sha}",
            "_links": {
                "self": {"href": url},
                "html": {"href": html},
                "issue": {"href": f"{api}/issues/{pr.number}"},
                "comments": {"href": f"{api}/issues/{pr.number}/comments"},
                "review_comments": {"href": f"{url}/comments"},
                "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
                "commits": {"href": f"{url}/commits"},
                "statuses": {"href": f"{api}/statuses/{pr.head_sha}"},
            },
        }
        if simple:
            return self.fill.component("pull-request-simple", overlay)
        overlay.update(
            {
                "merged": pr.merged,
                "mergeable": None if pr.merged else True,
                "mergeable_state": "unknown" if pr.merged else "clean",
                "merged_by": self.user(pr.author, pr.author_type) if pr.merged else None,
                "maintainer_can_modify": False,
                "comments": sum(1 for c in repo.comments.values() if c.issue_number == pr.number),
                "review_comments": 0,
                "commits": max(1, len(pr.commits)),
                "additions": sum(f.additions for f in pr.files),
                "deletions": sum(f.deletions for f in pr.files),
                "changed_files": len(pr.files),
            }
        )
        return self.fill.component("pull-request", overlay)

    def pull_commit(self, repo: Repo, c: PullCommit) -> Any:
        """One ``commit`` of ``GET .../pulls/{n}/commits``."""
        api = f"{self.api}/repos/{repo.full_name}"
        person = {"name": "someone", "email": "someone@example.com", "date": FIXED_TIME}
        return self.fill.component(
            "commit",
            {
                "url": f"{api}/commits/{c.sha}",
                "sha": c.sha,
                "node_id": node_id("C_", user_id(c.sha)),
                "html_url": f"{HTML_ROOT}/{repo.full_name}/commit/{c.sha}",
                "comments_url": f"{api}/commits/{c.sha}/comments",
                "commit": {
                    "url": f"{api}/git/commits/{c.sha}",
                    "author": person,
                    "committer": person,
                    "message": "a change",
                    "comment_count": 0,
                    "tree": {"sha": c.sha, "url": f"{api}/git/trees/{c.sha}"},
                },
                "author": self.user(c.author) if c.author else None,
                "committer": self.user(c.committer) if c.committer else None,
                "parents": [],
            },
        )

    def label(self, repo: Repo, name: str) -> dict[str, Any]:
        """A label object as embedded in issues and pull requests."""
        lid = user_id(f"label:{repo.full_name}:{name}")
        return {
            "id": lid,
            "node_id": node_id("LA_", lid),
            "url": f"{self.api}/repos/{repo.full_name}/labels/{name}",
            "name": name,
            # GitHub sends null for a label without a description, but the OpenAPI description
            # of labels inside pull-request-simple (GET /commits/{sha}/pulls) says string: an
            # empty one satisfies every schema that embeds a label.
            "description": "",
            "color": "ededed",
            "default": False,
        }

    def diff_entry(self, repo: Repo, pr: PullRequest, f: PullFile) -> Any:
        """One ``diff-entry`` of ``GET .../pulls/{n}/files``."""
        overlay: dict[str, Any] = {
            "sha": f.sha,
            "filename": f.filename,
            "status": f.status,
            "additions": f.additions,
            "deletions": f.deletions,
            "changes": f.additions + f.deletions,
            "blob_url": f"{HTML_ROOT}/{repo.full_name}/blob/{pr.head_sha}/{f.filename}",
            "raw_url": f"{HTML_ROOT}/{repo.full_name}/raw/{pr.head_sha}/{f.filename}",
            "contents_url": f"{self.api}/repos/{repo.full_name}/contents/{f.filename}"
            f"?ref={pr.head_sha}",
        }
        if f.patch is not None:
            overlay["patch"] = f.patch
        if f.previous_filename is not None:
            overlay["previous_filename"] = f.previous_filename
        return self.fill.component("diff-entry", overlay)

    def review(self, repo: Repo, pr: PullRequest, r: Review) -> Any:
        """One ``pull-request-review``."""
        pr_url = f"{self.api}/repos/{repo.full_name}/pulls/{pr.number}"
        html = f"{HTML_ROOT}/{repo.full_name}/pull/{pr.number}#pullrequestreview-{r.id}"
        overlay: dict[str, Any] = {
            "id": r.id,
            "node_id": node_id("PRR_", r.id),
            "user": self.user(r.user, r.user_type),
            "body": r.body,
            "state": r.state,
            "commit_id": r.commit_id,
            "html_url": html,
            "pull_request_url": pr_url,
            "author_association": "MEMBER" if r.user_type == "User" else "NONE",
            "_links": {"html": {"href": html}, "pull_request": {"href": pr_url}},
        }
        # GitHub omits submitted_at for PENDING reviews; it is never null.
        if r.submitted_at is not None:
            overlay["submitted_at"] = r.submitted_at
        return self.fill.component("pull-request-review", overlay)

    # -- contents, people -----------------------------------------------------------

    def content_file(self, repo: Repo, path: str, ref: str, data: bytes) -> Any:
        """``content-file`` with base64 content wrapped at 60 columns, as GitHub does."""
        encoded = base64.b64encode(data).decode()
        wrapped = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"
        blob_sha = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False)
        api = f"{self.api}/repos/{repo.full_name}"
        url = f"{api}/contents/{path}?ref={ref}"
        html = f"{HTML_ROOT}/{repo.full_name}/blob/{ref}/{path}"
        git = f"{api}/git/blobs/{blob_sha.hexdigest()}"
        return self.fill.component(
            "content-file",
            {
                "type": "file",
                "encoding": "base64",
                "size": len(data),
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "content": wrapped,
                "sha": blob_sha.hexdigest(),
                "url": url,
                "git_url": git,
                "html_url": html,
                "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}",
                "_links": {"self": url, "git": git, "html": html},
            },
        )

    def content_directory_entry(self, repo: Repo, path: str, ref: str, is_dir: bool) -> Any:
        """One entry of a directory listing (``content-directory`` items)."""
        api = f"{self.api}/repos/{repo.full_name}"
        url = f"{api}/contents/{path}?ref={ref}"
        html = f"{HTML_ROOT}/{repo.full_name}/{'tree' if is_dir else 'blob'}/{ref}/{path}"
        sha = fake_sha(repo.full_name, ref, path)
        return {
            "type": "dir" if is_dir else "file",
            "size": 0,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": url,
            "git_url": f"{api}/git/{'trees' if is_dir else 'blobs'}/{sha}",
            "html_url": html,
            "download_url": None
            if is_dir
            else f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}",
            "_links": {"self": url, "git": None, "html": html},
        }

    def team_membership(self, org: str, team: str, login: str, state: str, role: str) -> Any:
        """``team-membership`` (state active/pending, role member/maintainer)."""
        return self.fill.component(
            "team-membership",
            {
                "url": f"{self.api}/orgs/{org}/teams/{team}/memberships/{login}",
                "role": role,
                "state": state,
            },
        )

    def team(self, org: str, team: str) -> Any:
        """``team-full`` for ``GET /orgs/{org}/teams/{team_slug}`` (a team the token can see)."""
        tid = user_id(f"team:{org}/{team}")
        oid = user_id(f"org:{org}")
        api_org = f"{self.api}/orgs/{org}"
        return self.fill.component(
            "team-full",
            {
                "id": tid,
                "node_id": node_id("T_", tid),
                "url": f"{self.api}/organizations/{oid}/team/{tid}",
                "members_url": f"{self.api}/organizations/{oid}/team/{tid}/members{{/member}}",
                "name": team,
                "slug": team,
                "description": None,
                "permission": "pull",
                "html_url": f"{HTML_ROOT}/orgs/{org}/teams/{team}",
                "repositories_url": f"{self.api}/organizations/{oid}/team/{tid}/repos",
                "type": "organization",
                "created_at": FIXED_TIME,
                "updated_at": FIXED_TIME,
                "members_count": 1,
                "repos_count": 1,
                "organization": {
                    "login": org,
                    "id": oid,
                    "node_id": node_id("O_", oid),
                    "url": api_org,
                    "repos_url": f"{api_org}/repos",
                    "events_url": f"{api_org}/events",
                    "hooks_url": f"{api_org}/hooks",
                    "issues_url": f"{api_org}/issues",
                    "members_url": f"{api_org}/members{{/member}}",
                    "public_members_url": f"{api_org}/public_members{{/member}}",
                    "avatar_url": f"https://avatars.githubusercontent.com/u/{oid}?v=4",
                    "description": None,
                    "html_url": f"{HTML_ROOT}/{org}",
                    "type": "Organization",
                    "created_at": FIXED_TIME,
                    "updated_at": FIXED_TIME,
                    "archived_at": None,
                },
            },
        )

    def collaborator_permission(self, login: str, permission: str, user_type: str) -> Any:
        """``repository-collaborator-permission``.

        ``permission`` is the fine-grained role (admin/maintain/write/triage/read/
        none); the legacy ``permission`` field folds maintain→write and triage→read
        exactly as GitHub does, while ``role_name`` keeps the real role.
        """
        legacy = {"maintain": "write", "triage": "read"}.get(permission, permission)
        collaborator = deep_merge(
            self.user(login, user_type, schema="nullable-collaborator"),
            {
                "role_name": permission,
                "permissions": {
                    "admin": permission == "admin",
                    "maintain": permission in {"admin", "maintain"},
                    "push": permission in {"admin", "maintain", "write"},
                    "triage": permission in {"admin", "maintain", "write", "triage"},
                    "pull": permission != "none",
                },
            },
        )
        return self.fill.component(
            "repository-collaborator-permission",
            {"permission": legacy, "role_name": permission, "user": collaborator},
        )

    # -- checks, comments, deployments ------------------------------------------------

    def check_run(self, repo: Repo, run: CheckRun) -> Any:
        """``check-run`` as created by the (fake) GitHub Actions app."""
        url = f"{self.api}/repos/{repo.full_name}/check-runs/{run.id}"
        output: dict[str, Any] = {
            "title": run.output_title,
            "summary": run.output_summary,
            "text": run.output_text,
            "annotations_count": run.annotations_count,
            "annotations_url": f"{url}/annotations",
        }
        return self.fill.component(
            "check-run",
            {
                "id": run.id,
                "node_id": node_id("CR_", run.id),
                "name": run.name,
                "head_sha": run.head_sha,
                "external_id": run.external_id,
                "status": run.status,
                "conclusion": run.conclusion,
                "started_at": run.started_at,
                "completed_at": run.completed_at,
                "details_url": run.details_url,
                "url": url,
                "html_url": f"{HTML_ROOT}/{repo.full_name}/runs/{run.id}",
                "output": output,
                "check_suite": {"id": run.check_suite_id},
                "app": self.app(run.app_slug),
                "pull_requests": [],
            },
        )

    def app(self, slug: str) -> Any:
        """The GitHub App (``integration``) that owns check runs."""
        aid = user_id(f"app:{slug}")
        return self.fill.component(
            "integration",
            {
                "id": aid,
                "slug": slug,
                "node_id": node_id("A_", aid),
                "name": slug.replace("-", " ").title(),
                "owner": self.user("github", "Organization"),
                "description": None,
                "external_url": f"{HTML_ROOT}/apps/{slug}",
                "html_url": f"{HTML_ROOT}/apps/{slug}",
                "created_at": FIXED_TIME,
                "updated_at": FIXED_TIME,
                "permissions": {"checks": "write", "contents": "read"},
                "events": [],
            },
        )

    def issue_comment(self, repo: Repo, c: IssueComment) -> Any:
        """``issue-comment`` (also used for comments on pull requests)."""
        api = f"{self.api}/repos/{repo.full_name}"
        kind = "pull" if c.issue_number in repo.pulls else "issues"
        return self.fill.component(
            "issue-comment",
            {
                "id": c.id,
                "node_id": node_id("IC_", c.id),
                "body": c.body,
                "user": self.user(c.user, c.user_type),
                "created_at": c.created_at,
                "updated_at": c.updated_at,
                "url": f"{api}/issues/comments/{c.id}",
                "html_url": f"{HTML_ROOT}/{repo.full_name}/{kind}/{c.issue_number}"
                f"#issuecomment-{c.id}",
                "issue_url": f"{api}/issues/{c.issue_number}",
                "author_association": "NONE" if c.user_type == "Bot" else "MEMBER",
            },
        )

    def deployment(self, repo: Repo, d: Deployment) -> Any:
        """``deployment``."""
        api = f"{self.api}/repos/{repo.full_name}"
        return self.fill.component(
            "deployment",
            {
                "id": d.id,
                "node_id": node_id("DE_", d.id),
                "sha": d.sha,
                "ref": d.ref,
                "task": d.task,
                "environment": d.environment,
                "original_environment": d.environment,
                "description": d.description,
                "payload": d.payload,
                "creator": self.user(d.creator, d.creator_type),
                "created_at": d.created_at,
                "updated_at": d.updated_at,
                "transient_environment": d.transient_environment,
                "production_environment": d.production_environment,
                "url": f"{api}/deployments/{d.id}",
                "statuses_url": f"{api}/deployments/{d.id}/statuses",
                "repository_url": api,
            },
        )

    def deployment_status(self, repo: Repo, d: Deployment, s: DeploymentStatus) -> Any:
        """``deployment-status``."""
        api = f"{self.api}/repos/{repo.full_name}"
        return self.fill.component(
            "deployment-status",
            {
                "id": s.id,
                "node_id": node_id("DES_", s.id),
                "state": s.state,
                "description": s.description,
                "environment": s.environment,
                "environment_url": s.environment_url,
                "log_url": s.log_url,
                "target_url": s.log_url,
                "creator": self.user(s.creator, s.creator_type),
                "created_at": s.created_at,
                "updated_at": s.created_at,
                "url": f"{api}/deployments/{d.id}/statuses/{s.id}",
                "deployment_url": f"{api}/deployments/{d.id}",
                "repository_url": api,
            },
        )

    # -- issues ---------------------------------------------------------------------

    def issue(self, repo: Repo, issue: Issue) -> Any:
        """``issue``; a pull request listed through the issues API gets ``pull_request``."""
        api = f"{self.api}/repos/{repo.full_name}"
        url = f"{api}/issues/{issue.number}"
        overlay: dict[str, Any] = {
            "id": issue.id,
            "node_id": node_id("I_", issue.id),
            "number": issue.number,
            "title": issue.title,
            "body": issue.body,
            "state": issue.state,
            "state_reason": issue.state_reason,
            "locked": False,
            "user": self.user(issue.user, issue.user_type),
            "labels": [self.label(repo, name) for name in issue.labels],
            "assignees": [self.user(a) for a in issue.assignees],
            "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
            "comments": sum(1 for c in repo.comments.values() if c.issue_number == issue.number),
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": issue.closed_at,
            "author_association": "MEMBER" if issue.user_type == "User" else "NONE",
            "url": url,
            "html_url": f"{HTML_ROOT}/{repo.full_name}/issues/{issue.number}",
            "repository_url": api,
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
        }
        pr = repo.pulls.get(issue.number)
        if pr is not None:
            overlay["pull_request"] = {
                "url": f"{api}/pulls/{pr.number}",
                "html_url": f"{HTML_ROOT}/{repo.full_name}/pull/{pr.number}",
                "diff_url": f"{HTML_ROOT}/{repo.full_name}/pull/{pr.number}.diff",
                "patch_url": f"{HTML_ROOT}/{repo.full_name}/pull/{pr.number}.patch",
                "merged_at": pr.merged_at,
            }
            overlay["html_url"] = f"{HTML_ROOT}/{repo.full_name}/pull/{pr.number}"
        return self.fill.component("issue", overlay)

    # -- environments, protection -----------------------------------------------------

    def environment(self, repo: Repo, name: str, env: Mapping[str, Any]) -> Any:
        """``environment`` from the seeded settings (see ``add_environment``)."""
        eid = int(env["id"])
        rules: list[dict[str, Any]] = []
        if env.get("wait_timer") is not None:
            rules.append(
                {
                    "id": eid * 10 + 1,
                    "node_id": node_id("GA_", eid * 10 + 1),
                    "type": "wait_timer",
                    "wait_timer": int(env["wait_timer"]),
                }
            )
        if env.get("reviewers"):
            rules.append(
                {
                    "id": eid * 10 + 2,
                    "node_id": node_id("GA_", eid * 10 + 2),
                    "type": "required_reviewers",
                    "prevent_self_review": bool(env.get("prevent_self_review")),
                    "reviewers": [self.environment_reviewer(r) for r in env["reviewers"]],
                }
            )
        policy = env.get("branch_policy")
        if policy is not None:
            rules.append(
                {
                    "id": eid * 10 + 3,
                    "node_id": node_id("GA_", eid * 10 + 3),
                    "type": "branch_policy",
                }
            )
        return self.fill.component(
            "environment",
            deep_merge(
                {
                    "id": eid,
                    "node_id": node_id("EN_", eid),
                    "name": name,
                    "url": f"{self.api}/repos/{repo.full_name}/environments/{name}",
                    "html_url": f"{HTML_ROOT}/{repo.full_name}/deployments/activity_log"
                    f"?environments_filter={name}",
                    "created_at": FIXED_TIME,
                    "updated_at": FIXED_TIME,
                    "protection_rules": rules,
                    "deployment_branch_policy": None
                    if policy is None
                    else {
                        "protected_branches": policy == "protected",
                        "custom_branch_policies": policy == "custom",
                    },
                },
                env.get("overrides", {}),
            ),
        )

    def environment_reviewer(self, who: str) -> dict[str, Any]:
        """One required reviewer: a user (``login``) or a team (``org/team-slug``)."""
        if "/" not in who:
            return {"type": "User", "reviewer": self.user(who)}
        org, slug = who.split("/", 1)
        tid = user_id(f"team:{org}/{slug}")
        oid = user_id(f"org:{org}")
        team = self.fill.component(
            "team",
            {
                "id": tid,
                "node_id": node_id("T_", tid),
                "url": f"{self.api}/organizations/{oid}/team/{tid}",
                "members_url": f"{self.api}/organizations/{oid}/team/{tid}/members{{/member}}",
                "name": slug,
                "slug": slug,
                "description": None,
                "permission": "pull",
                "html_url": f"{HTML_ROOT}/orgs/{org}/teams/{slug}",
                "repositories_url": f"{self.api}/organizations/{oid}/team/{tid}/repos",
                "parent": None,
                "type": "organization",
            },
        )
        return {"type": "Team", "reviewer": team}

    def actions_permissions(self, repo: Repo) -> Any:
        """``actions-repository-permissions`` (``GET .../actions/permissions``)."""
        body: dict[str, Any] = {"enabled": bool(repo.actions["enabled"])}
        if repo.actions["enabled"]:
            body["allowed_actions"] = repo.actions["allowed_actions"]
            if repo.actions["allowed_actions"] == "selected":
                body["selected_actions_url"] = (
                    f"{self.api}/repos/{repo.full_name}/actions/permissions/selected-actions"
                )
        return self.fill.component("actions-repository-permissions", body)

    def workflow_permissions(self, repo: Repo) -> Any:
        """``actions-get-default-workflow-permissions`` (``.../actions/permissions/workflow``)."""
        return self.fill.component(
            "actions-get-default-workflow-permissions",
            {
                "default_workflow_permissions": repo.actions["default_workflow_permissions"],
                "can_approve_pull_request_reviews": bool(
                    repo.actions["can_approve_pull_request_reviews"]
                ),
            },
        )

    def branch_protection(self, repo: Repo, branch: str, p: Mapping[str, Any]) -> Any:
        """``branch-protection`` from the seeded settings (see ``set_branch_protection``)."""
        url = f"{self.api}/repos/{repo.full_name}/branches/{branch}/protection"
        body: dict[str, Any] = {
            "url": url,
            "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": p["enforce_admins"]},
            "required_linear_history": {"enabled": p["required_linear_history"]},
            "allow_force_pushes": {"enabled": False},
            "allow_deletions": {"enabled": False},
            "required_conversation_resolution": {"enabled": False},
        }
        if p["required_status_checks"] is not None:
            contexts = list(p["required_status_checks"])
            body["required_status_checks"] = {
                "url": f"{url}/required_status_checks",
                "strict": p["strict"],
                "contexts": contexts,
                "contexts_url": f"{url}/required_status_checks/contexts",
                "checks": [{"context": c, "app_id": p.get("check_app_id")} for c in contexts],
            }
        if p.get("restrict_pushes"):
            body["restrictions"] = {
                "url": f"{url}/restrictions",
                "users_url": f"{url}/restrictions/users",
                "teams_url": f"{url}/restrictions/teams",
                "apps_url": f"{url}/restrictions/apps",
                "users": [],
                "teams": [],
                "apps": [],
            }
        if p["required_approving_review_count"] is not None:
            body["required_pull_request_reviews"] = {
                "url": f"{url}/required_pull_request_reviews",
                "dismiss_stale_reviews": p["dismiss_stale_reviews"],
                "require_code_owner_reviews": p["require_code_owner_reviews"],
                "required_approving_review_count": p["required_approving_review_count"],
                "require_last_push_approval": p["require_last_push_approval"],
            }
        return deep_merge(body, p.get("overrides", {}))

    # -- git data, releases ------------------------------------------------------------

    def git_ref(self, repo: Repo, ref: str, sha: str) -> Any:
        """``git-ref`` for ``ref`` (``heads/main``, ``tags/v1``) pointing at ``sha``."""
        api = f"{self.api}/repos/{repo.full_name}/git"
        kind = "tag" if sha in repo.git_tags else "commit"
        return self.fill.component(
            "git-ref",
            {
                "ref": f"refs/{ref}",
                "node_id": node_id("REF_", user_id(f"{repo.full_name}:{ref}")),
                "url": f"{api}/refs/{ref}",
                "object": {
                    "type": kind,
                    "sha": sha,
                    "url": f"{api}/{'tags' if kind == 'tag' else 'commits'}/{sha}",
                },
            },
        )

    def git_tag(self, repo: Repo, tag: GitTag) -> Any:
        """``git-tag`` (an annotated tag object)."""
        api = f"{self.api}/repos/{repo.full_name}/git"
        return self.fill.component(
            "git-tag",
            {
                "sha": tag.sha,
                "node_id": node_id("TAG_", user_id(tag.sha)),
                "tag": tag.tag,
                "message": tag.message,
                "url": f"{api}/tags/{tag.sha}",
                "tagger": {"name": tag.tagger_name, "email": tag.tagger_email, "date": tag.date},
                "object": {
                    "type": tag.object_type,
                    "sha": tag.object_sha,
                    "url": f"{api}/commits/{tag.object_sha}",
                },
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            },
        )

    def tag(self, repo: Repo, name: str, commit_sha: str) -> Any:
        """One ``tag`` of ``GET /repos/{owner}/{repo}/tags``."""
        api = f"{self.api}/repos/{repo.full_name}"
        return self.fill.component(
            "tag",
            {
                "name": name,
                "node_id": node_id("TAGREF_", user_id(f"{repo.full_name}:{name}")),
                "commit": {"sha": commit_sha, "url": f"{api}/commits/{commit_sha}"},
                "zipball_url": f"{api}/zipball/refs/tags/{name}",
                "tarball_url": f"{api}/tarball/refs/tags/{name}",
            },
        )

    def release(self, repo: Repo, rel: Release) -> Any:
        """``release``."""
        api = f"{self.api}/repos/{repo.full_name}"
        return self.fill.component(
            "release",
            {
                "id": rel.id,
                "node_id": node_id("RE_", rel.id),
                "tag_name": rel.tag_name,
                "target_commitish": rel.target_commitish,
                "name": rel.name,
                "body": rel.body,
                "draft": rel.draft,
                "prerelease": rel.prerelease,
                "make_latest": rel.make_latest,
                "created_at": rel.created_at,
                "published_at": None if rel.draft else rel.created_at,
                "author": self.user(rel.author, rel.author_type),
                "assets": [self.release_asset(repo, rel, i, n) for i, n in enumerate(rel.assets)],
                "url": f"{api}/releases/{rel.id}",
                "html_url": f"{HTML_ROOT}/{repo.full_name}/releases/tag/{rel.tag_name}",
                "assets_url": f"{api}/releases/{rel.id}/assets",
                "upload_url": f"https://uploads.github.com/repos/{repo.full_name}/releases/"
                f"{rel.id}/assets{{?name,label}}",
                "tarball_url": f"{api}/tarball/{rel.tag_name}",
                "zipball_url": f"{api}/zipball/{rel.tag_name}",
            },
        )

    def release_asset(self, repo: Repo, rel: Release, index: int, name: str) -> Any:
        """``release-asset``: a file attached to a release (``index``: its position)."""
        asset_id = rel.id * 100 + index + 1
        return self.fill.component(
            "release-asset",
            {
                "id": asset_id,
                "node_id": node_id("RA_", asset_id),
                "name": name,
                "label": None,
                "state": "uploaded",
                "content_type": "application/octet-stream",
                "size": 1,
                "digest": None,
                "download_count": 0,
                "uploader": self.user(rel.author, rel.author_type),
                "url": f"{self.api}/repos/{repo.full_name}/releases/assets/{asset_id}",
                "browser_download_url": f"{HTML_ROOT}/{repo.full_name}/releases/download/"
                f"{rel.tag_name}/{name}",
                "created_at": rel.created_at,
                "updated_at": rel.created_at,
            },
        )

    # -- rate limit ----------------------------------------------------------------

    def rate_limit(self, limit: int, remaining: int, reset: int) -> Any:
        """``rate-limit-overview`` with the core bucket reflecting the fake's counters."""
        core = {
            "limit": limit,
            "remaining": remaining,
            "reset": reset,
            "used": limit - remaining,
            "resource": "core",
        }
        search = {"limit": 30, "remaining": 30, "reset": reset, "used": 0, "resource": "search"}
        graphql = {"limit": 5000, "remaining": 5000, "reset": reset, "used": 0}
        return self.fill.component(
            "rate-limit-overview",
            {
                "resources": {"core": core, "search": search, "graphql": {**graphql}},
                "rate": core,
            },
        )
