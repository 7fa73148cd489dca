"""Repository settings and history: what ``releasekit doctor`` and the release evidence read.

Branch protection, rulesets, environments, Actions settings and the pull requests of a
commit. Read-only; a setting the token may not read is an ``AccessDeniedError`` naming the
permission that would allow it, never "unprotected" or "absent". The ``*_from_json``
functions turn GitHub's payloads into facts, shared with the offline settings fixture.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Mapping
from typing import Any

from releasekit.adapters.github.client import RestClient
from releasekit.adapters.github.interface import (
    ACTIONS_READ,
    ADMINISTRATION_READ,
    METADATA_READ,
    PULLS_READ,
    AccessDeniedError,
)
from releasekit.adapters.github.payload import (
    FULL_SHA,
    Absent,
    Op,
    check_branch,
    check_environment,
    json_int,
    json_list,
    json_object,
    json_text,
    opt_text,
    unexpected,
)
from releasekit.core.github_facts import (
    ActionsPermissions,
    BranchProtection,
    BranchRule,
    CommitPull,
    DeploymentBranchPolicy,
    DeploymentEnvironment,
    EnvironmentReviewer,
    Login,
    RepositoryInfo,
    RequiredCheck,
    Sha,
)
from releasekit.errors import InputError

_ADMIN_FIX = (
    "use a token with the repository permission Administration: read (a GitHub App"
    " installation token from actions/create-github-app-token, or a fine-grained token);"
    " GITHUB_TOKEN never has it — with GITHUB_TOKEN `releasekit doctor` still checks rulesets,"
    " environments, CODEOWNERS and the policy file"
)


class SettingsApi(RestClient):
    """Read-only repository settings and the pull requests of a commit."""

    def repository_info(self) -> RepositoryInfo:
        """Default branch, visibility and archived state (``GET /repos/{o}/{r}``; metadata)."""
        op = Op(
            f"read repository {self._repository}",
            forbidden=self._repo_missing(),
            missing=self._repo_missing(),
        )
        info = repository_info_from_json(self._get(self._repo_path, op), op.what)
        self._repo_readable = True
        return info

    def default_branch(self) -> str:
        """The repository's default branch (one ``GET /repos/{o}/{r}``)."""
        return self.repository_info().default_branch

    def branch_protection(self, branch: str) -> BranchProtection | None:
        """The branch's classic protection rule; None when the branch is not protected.

        Needs Administration: read, which GITHUB_TOKEN never has: it gets a 403 (or, like
        any token without admin rights, a 404 "Not Found"). Only GitHub's own 404 "Branch not
        protected", on a readable repository, means unprotected; any other 403/404 is an
        ``AccessDeniedError`` — never "unprotected". Rulesets (``branch_rules``), which
        every token can read, are the other half of the answer.
        """
        name = check_branch(branch)
        op = Op(
            f"read the branch protection of {name} in {self._repository}",
            forbidden=_ADMIN_FIX,
            missing=self._repo_missing(),
            permission=ADMINISTRATION_READ,
        )
        url = f"{self._repo_path}/branches/{urllib.parse.quote(name, safe='')}/protection"
        answer = self._get(url, op, tolerate=(403, 404))
        if isinstance(answer, Absent):
            if answer.status == 404:
                self._require_repo(op)
                said = answer.message.lower()
                if said.startswith("branch not protected"):
                    return None
                if said.startswith("branch not found"):
                    raise InputError(
                        f"branch {name!r} does not exist in {self._repository}",
                        hint="check the branch name (the default branch is what doctor reads)",
                    )
            raise self._denied(op, answer)
        return protection_from_json(answer, op.what, branch=name)

    def branch_rules(self, branch: str) -> list[BranchRule]:
        """Every active ruleset rule that applies to ``branch``, all pages (Metadata: read).

        Rules of rulesets in "evaluate" or "disabled" mode are not listed by GitHub, so they
        never count as enforced here either.
        """
        name = check_branch(branch)
        op = Op(
            f"list the ruleset rules of branch {name} in {self._repository}",
            forbidden=f"the token needs {METADATA_READ}",
            missing=self._repo_missing(),
            permission=METADATA_READ,
        )
        url = f"{self._repo_path}/rules/branches/{urllib.parse.quote(name, safe='')}"
        return [branch_rule_from_json(item, op.what) for item in self._pages(url, op)]

    def environment(self, name: str) -> DeploymentEnvironment | None:
        """The deployment environment ``name``; None when the repository has none of that name.

        A 404 is "none" only once listing the repository's environments (all pages) works
        and does not name it: a token that may not read environments is an
        ``AccessDeniedError``, never "no such environment".
        """
        env = check_environment(name)
        fix = (
            "give the job `permissions: actions: read` (a GitHub App or fine-grained token:"
            " Actions: read)"
        )
        op = Op(
            f"read environment {env!r} of {self._repository}",
            forbidden=fix,
            missing=self._repo_missing(),
            permission=ACTIONS_READ,
        )
        url = f"{self._repo_path}/environments/{urllib.parse.quote(env, safe='')}"
        answer = self._get(url, op, tolerate=(403, 404))
        if isinstance(answer, Absent):
            if answer.status == 403:
                raise self._denied(op, answer)
            self._require_repo(op)
            list_op = Op(
                f"list the environments of {self._repository}",
                forbidden=fix,
                missing=self._repo_missing(),
                permission=ACTIONS_READ,
            )
            listed = [
                json_text(json_object(item, list_op), "name", list_op)
                for item in self._pages(
                    f"{self._repo_path}/environments", list_op, key="environments"
                )
            ]
            if env in listed:
                raise AccessDeniedError(
                    f"could not {op.what}: GitHub lists the environment but answered 404 to"
                    " reading it",
                    permission=ACTIONS_READ,
                    status=404,
                    hint=fix,
                )
            return None
        return environment_from_json(answer, op.what)

    def actions_permissions(self) -> ActionsPermissions:
        """The Actions settings (two requests; Administration: read, never GITHUB_TOKEN)."""
        parts: list[dict[str, Any]] = []
        for suffix, what in (
            ("", "read the Actions permissions"),
            ("/workflow", "read the default workflow permissions"),
        ):
            op = Op(
                f"{what} of {self._repository}",
                forbidden=_ADMIN_FIX,
                missing=self._repo_missing(),
                permission=ADMINISTRATION_READ,
            )
            answer = self._get(
                f"{self._repo_path}/actions/permissions{suffix}", op, tolerate=(403, 404)
            )
            if isinstance(answer, Absent):
                if answer.status == 404:
                    # GitHub hides the settings of a repository the token may not administer
                    # behind a 404; only an unreadable repository is a different failure.
                    self._require_repo(op)
                raise self._denied(op, answer)
            parts.append(json_object(answer, op))
        return actions_permissions_from_json(
            parts[0], parts[1], f"read the Actions settings of {self._repository}"
        )

    def commit_pulls(self, sha: Sha) -> list[CommitPull]:
        """The pull requests GitHub associates with commit ``sha``, all pages.

        For a commit on the default branch that is the merged PR that brought it there; for
        any other commit, the open and merged PRs whose head it is. Needs ``contents: read``
        and ``pull-requests: read``. A SHA the repository does not have is an ``InputError``.
        """
        if not FULL_SHA.match(sha):
            raise InputError(f"{sha!r} is not a full commit SHA (40 hex digits)")
        op = Op(
            f"list the pull requests of commit {sha[:12]} in {self._repository}",
            forbidden="give the job `permissions: contents: read` and `pull-requests: read`",
            missing=self._repo_missing(),
            permission=PULLS_READ,
            invalid=f"commit {sha} is not in {self._repository}: check the tag or SHA",
        )
        return [
            commit_pull_from_json(item, op.what)
            for item in self._pages(f"{self._repo_path}/commits/{sha}/pulls", op)
        ]


# -- settings payloads to facts (shared with the offline settings fixture) --------------------


def repository_info_from_json(data: Any, what: str) -> RepositoryInfo:
    """``RepositoryInfo`` from ``GET /repos/{o}/{r}``; ``InfraError`` when it is malformed."""
    op = Op(what, "", "")
    entry = json_object(data, op)
    return RepositoryInfo(
        full_name=json_text(entry, "full_name", op),
        default_branch=json_text(entry, "default_branch", op),
        private=entry.get("private") is True,
        archived=entry.get("archived") is True,
    )


def _checks(entries: Any, contexts: Any, app_key: str, op: Op) -> tuple[RequiredCheck, ...]:
    """Required checks from ``checks`` (with their app), plus legacy ``contexts`` not in it."""
    found: dict[str, RequiredCheck] = {}
    for item in json_list(entries if entries is not None else [], op):
        entry = json_object(item, op)
        context = json_text(entry, "context", op)
        app = entry.get(app_key)
        pinned = app if isinstance(app, int) and not isinstance(app, bool) else None
        found.setdefault(context, RequiredCheck(context, pinned))
    for context in json_list(contexts if contexts is not None else [], op):
        if isinstance(context, str):
            found.setdefault(context, RequiredCheck(context))
    return tuple(found.values())


def _enabled(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    return isinstance(value, dict) and value.get("enabled") is True


def protection_from_json(data: Any, what: str, *, branch: str) -> BranchProtection:
    """``BranchProtection`` from ``GET .../branches/{b}/protection``.

    Sections GitHub omits (no required checks, no pull request requirement) read as off.
    """
    op = Op(what, "", "")
    entry = json_object(data, op)
    checks_section = entry.get("required_status_checks")
    checks: tuple[RequiredCheck, ...] = ()
    strict = False
    if checks_section is not None:
        section = json_object(checks_section, op)
        checks = _checks(section.get("checks"), section.get("contexts"), "app_id", op)
        strict = section.get("strict") is True
    reviews_section = entry.get("required_pull_request_reviews")
    reviews = json_object(reviews_section, op) if reviews_section is not None else None
    count = reviews.get("required_approving_review_count", 0) if reviews is not None else 0
    return BranchProtection(
        branch=branch,
        required_checks=checks,
        strict_checks=strict,
        requires_pull_request=reviews is not None,
        required_approving_review_count=count if isinstance(count, int) else 0,
        dismiss_stale_reviews=reviews is not None and reviews.get("dismiss_stale_reviews") is True,
        require_code_owner_reviews=reviews is not None
        and reviews.get("require_code_owner_reviews") is True,
        require_last_push_approval=reviews is not None
        and reviews.get("require_last_push_approval") is True,
        enforce_admins=_enabled(entry, "enforce_admins"),
        restricts_pushes=entry.get("restrictions") is not None,
        allow_force_pushes=_enabled(entry, "allow_force_pushes"),
        allow_deletions=_enabled(entry, "allow_deletions"),
    )


def branch_rule_from_json(data: Any, what: str) -> BranchRule:
    """One ``repository-rule-detailed`` entry as a ``BranchRule``."""
    op = Op(what, "", "")
    entry = json_object(data, op)
    kind = json_text(entry, "type", op)
    ruleset_id = entry.get("ruleset_id")
    params = entry.get("parameters")
    p = json_object(params, op) if params is not None else {}
    rule = BranchRule(
        type=kind,
        ruleset_id=ruleset_id if isinstance(ruleset_id, int) else None,
        ruleset_source=opt_text(entry.get("ruleset_source")),
    )
    if kind == "required_status_checks":
        return dataclasses.replace(
            rule,
            required_checks=_checks(p.get("required_status_checks"), None, "integration_id", op),
            strict_checks=p.get("strict_required_status_checks_policy") is True,
        )
    if kind == "pull_request":
        count = p.get("required_approving_review_count", 0)
        return dataclasses.replace(
            rule,
            required_approving_review_count=count if isinstance(count, int) else 0,
            dismiss_stale_reviews_on_push=p.get("dismiss_stale_reviews_on_push") is True,
            require_code_owner_review=p.get("require_code_owner_review") is True,
            require_last_push_approval=p.get("require_last_push_approval") is True,
        )
    return rule


def environment_from_json(data: Any, what: str) -> DeploymentEnvironment:
    """``DeploymentEnvironment`` from ``GET .../environments/{name}``."""
    op = Op(what, "", "")
    entry = json_object(data, op)
    reviewers: list[EnvironmentReviewer] = []
    prevent_self_review = False
    wait = 0
    kinds: list[str] = []
    for item in json_list(entry.get("protection_rules") or [], op):
        rule = json_object(item, op)
        kind = json_text(rule, "type", op)
        kinds.append(kind)
        if kind == "wait_timer":
            minutes = rule.get("wait_timer")
            wait = max(wait, minutes if isinstance(minutes, int) else 0)
        elif kind == "required_reviewers":
            prevent_self_review = prevent_self_review or rule.get("prevent_self_review") is True
            for who in json_list(rule.get("reviewers") or [], op):
                reviewer = json_object(who, op)
                body = json_object(reviewer.get("reviewer") or {}, op)
                if reviewer.get("type") == "Team":
                    reviewers.append(
                        EnvironmentReviewer("Team", str(body.get("slug") or body.get("name")))
                    )
                else:
                    reviewers.append(EnvironmentReviewer("User", str(body.get("login"))))
    policy_data = entry.get("deployment_branch_policy")
    policy: DeploymentBranchPolicy = "all"
    if isinstance(policy_data, dict):
        if policy_data.get("protected_branches") is True:
            policy = "protected"
        elif policy_data.get("custom_branch_policies") is True:
            policy = "custom"
    return DeploymentEnvironment(
        name=json_text(entry, "name", op),
        reviewers=tuple(reviewers),
        prevent_self_review=prevent_self_review,
        wait_timer_minutes=wait,
        branch_policy=policy,
        rule_types=tuple(kinds),
    )


def actions_permissions_from_json(permissions: Any, workflow: Any, what: str) -> ActionsPermissions:
    """``ActionsPermissions`` from ``.../actions/permissions`` and ``.../permissions/workflow``."""
    op = Op(what, "", "")
    general, token = json_object(permissions, op), json_object(workflow, op)
    default = token.get("default_workflow_permissions")
    if default not in ("read", "write"):
        raise unexpected(op, f"default_workflow_permissions is {default!r}")
    approve = token.get("can_approve_pull_request_reviews")
    if not isinstance(approve, bool):
        raise unexpected(op, "can_approve_pull_request_reviews missing or not true/false")
    return ActionsPermissions(
        enabled=general.get("enabled") is not False,
        allowed_actions=opt_text(general.get("allowed_actions")),
        default_workflow_permissions="write" if default == "write" else "read",
        can_approve_pull_request_reviews=approve,
    )


def commit_pull_from_json(data: Any, what: str) -> CommitPull:
    """One ``pull-request-simple`` of ``GET .../commits/{sha}/pulls`` as a ``CommitPull``."""
    op = Op(what, "", "")
    entry = json_object(data, op)
    head, base = json_object(entry.get("head"), op), json_object(entry.get("base"), op)
    user = entry.get("user")
    author = json_object(user, op) if user is not None else {"login": "ghost"}
    merge_sha = entry.get("merge_commit_sha")
    return CommitPull(
        number=json_int(entry, "number", op),
        title=json_text(entry, "title", op),
        author=Login(json_text(author, "login", op)),
        state="closed" if entry.get("state") == "closed" else "open",
        merged=isinstance(entry.get("merged_at"), str),
        merge_commit_sha=Sha(merge_sha) if isinstance(merge_sha, str) else None,
        base_ref=json_text(base, "ref", op),
        head_ref=json_text(head, "ref", op),
        head_sha=Sha(json_text(head, "sha", op)),
    )
