"""Pull requests, reviews, files at a ref and who may approve: the sign-off gate's reads.

Every method reads every page and never reports "absent" or "no reviews" when it could not
find out (a 404 for a team the token cannot see is an ``InfraError``, not "not a member").
Token permissions: ``pull-requests: read`` and ``contents: read`` (docs/github.md).
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse

from releasekit.adapters.files import decode_text
from releasekit.adapters.github.client import RestClient
from releasekit.adapters.github.interface import CONTENTS_READ
from releasekit.adapters.github.payload import (
    Absent,
    Op,
    check_login,
    check_number,
    check_slug,
    is_bot,
    json_int,
    json_list,
    json_object,
    json_text,
    parse_time,
    repo_relative_path,
)
from releasekit.core.github_facts import (
    ChangedFile,
    Login,
    Membership,
    Permission,
    PullCommit,
    PullRequest,
    Review,
    ReviewState,
    Sha,
)
from releasekit.errors import InfraError, InputError

# The Contents API inlines files up to 1 MB; policy and release files are far smaller.
MAX_FILE_BYTES = 1024 * 1024

_PERMISSIONS: tuple[Permission, ...] = ("admin", "maintain", "write", "triage", "read", "none")
_REVIEW_STATES: tuple[ReviewState, ...] = (
    "APPROVED",
    "CHANGES_REQUESTED",
    "COMMENTED",
    "DISMISSED",
    "PENDING",
)


class PullsApi(RestClient):
    """Pull requests, their files and reviews, file contents, permissions and teams."""

    def pull_request(self, number: int) -> PullRequest:
        """The pull request's facts (``GET /repos/{o}/{r}/pulls/{n}``; pull-requests: read)."""
        check_number(number, "pull request")
        op = self._pr_op(f"read pull request #{number}")
        data = json_object(self._get(f"{self._repo_path}/pulls/{number}", op), op)
        user = json_object(data.get("user"), op)
        head, base = json_object(data.get("head"), op), json_object(data.get("base"), op)
        state = json_text(data, "state", op)
        merge_sha = data.get("merge_commit_sha")
        counts = {
            key: value
            for key in ("changed_files", "commits")
            if isinstance(value := data.get(key), int) and not isinstance(value, bool)
        }
        return PullRequest(
            number=json_int(data, "number", op),
            title=json_text(data, "title", op),
            author=Login(json_text(user, "login", op)),
            author_is_bot=is_bot(user),
            head_sha=Sha(json_text(head, "sha", op)),
            head_ref=json_text(head, "ref", op),
            base_ref=json_text(base, "ref", op),
            base_sha=Sha(json_text(base, "sha", op)),
            labels=tuple(
                json_text(json_object(x, op), "name", op) for x in json_list(data.get("labels"), op)
            ),
            state="closed" if state == "closed" else "open",
            merged=data.get("merged") is True,
            merge_commit_sha=Sha(merge_sha) if isinstance(merge_sha, str) else None,
            draft=data.get("draft") is True,
            changed_files=counts.get("changed_files"),
            commits=counts.get("commits"),
        )

    def changed_files(self, number: int) -> list[ChangedFile]:
        """Every file the pull request changes, all pages (GitHub lists at most 3,000)."""
        check_number(number, "pull request")
        op = self._pr_op(f"list the files of pull request #{number}")
        files = []
        for item in self._pages(f"{self._repo_path}/pulls/{number}/files", op):
            entry = json_object(item, op)
            previous = entry.get("previous_filename")
            files.append(
                ChangedFile(
                    path=json_text(entry, "filename", op),
                    status=json_text(entry, "status", op),
                    previous_path=previous if isinstance(previous, str) else None,
                )
            )
        return files

    def pull_commits(self, number: int) -> list[PullCommit]:
        """The pull request's commits, all pages (GitHub lists at most 250 of them).

        Each with the GitHub logins of its author and committer (None when GitHub links the
        commit's e-mail to no account). The caller compares the count with the pull request's
        ``commits``: a longer history cannot be listed, and is never taken as complete.
        """
        check_number(number, "pull request")
        op = self._pr_op(f"list the commits of pull request #{number}")
        out = []
        for item in self._pages(f"{self._repo_path}/pulls/{number}/commits", op):
            entry = json_object(item, op)
            logins: list[Login | None] = []
            for key in ("author", "committer"):
                who = entry.get(key)
                login = who.get("login") if isinstance(who, dict) else None
                logins.append(Login(login) if isinstance(login, str) and login else None)
            out.append(PullCommit(Sha(json_text(entry, "sha", op)), logins[0], logins[1]))
        return out

    def reviews(self, number: int) -> list[Review]:
        """Every submitted review, oldest first, all pages (threat 21: page 3 counts too)."""
        check_number(number, "pull request")
        op = self._pr_op(f"list the reviews of pull request #{number}")
        out = []
        for item in self._pages(f"{self._repo_path}/pulls/{number}/reviews", op):
            entry = json_object(item, op)
            state = json_text(entry, "state", op)
            if state not in _REVIEW_STATES:
                raise InfraError(
                    f"could not {op.what}: GitHub sent an unknown review state {state!r}",
                    hint="this releasekit does not know the state; upgrade releasekit",
                )
            user = entry.get("user")
            # A deleted account shows as null; GitHub's placeholder for it is "ghost".
            author = (
                json_object(user, op) if user is not None else {"login": "ghost", "type": "User"}
            )
            commit = entry.get("commit_id")
            out.append(
                Review(
                    id=json_int(entry, "id", op),
                    user=Login(json_text(author, "login", op)),
                    user_is_bot=is_bot(author),
                    state=_review_state(state),
                    commit_id=Sha(commit) if isinstance(commit, str) else None,
                    submitted_at=parse_time(entry.get("submitted_at")),
                )
            )
        return out

    def file_at(self, path: str, ref: str) -> str | None:
        """A file's text at ``ref``, or None when it does not exist there (contents: read).

        A 404 is "no such file" only once the repository is known to be readable; a ref that
        does not exist is an ``InputError``, an unreadable repository an ``InfraError`` —
        neither is "no policy file".
        """
        clean = repo_relative_path(path)
        if not ref or any(c.isspace() for c in ref) or ".." in ref:
            raise InputError(f"{ref!r} is not a git ref", hint="pass a branch, tag or commit SHA")
        op = Op(
            f"read {clean} at {ref} in {self._repository}",
            forbidden="give the job `permissions: contents: read`",
            missing=self._repo_missing(),
            permission=CONTENTS_READ,
        )
        url = f"{self._repo_path}/contents/{urllib.parse.quote(clean, safe='/')}"
        answer = self._get(url, op, params={"ref": ref}, tolerate=(404,))
        if isinstance(answer, Absent):
            if answer.message.lower().startswith("no commit found"):
                raise InputError(
                    f"{ref!r} is not a branch, tag or commit of {self._repository}",
                    hint="check the ref (was the branch deleted or renamed?)",
                )
            self._require_repo(op)
            return None
        if isinstance(answer, list) or json_object(answer, op).get("type") != "file":
            raise InputError(
                f"{clean} at {ref} is a directory, symlink or submodule, not a file",
                file=clean,
                hint=f"point at the file itself, e.g. {clean}/<name>",
            )
        entry = json_object(answer, op)
        size = entry.get("size")
        if isinstance(size, int) and size > MAX_FILE_BYTES:
            raise InputError(
                f"{clean} at {ref} is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit",
                file=clean,
                hint="this is not a plausible policy or release file; check the path",
            )
        if entry.get("encoding") != "base64":
            raise InfraError(
                f"could not {op.what}: GitHub sent the content as {entry.get('encoding')!r}",
                hint="the file may be too large for the Contents API",
            )
        try:
            raw = base64.b64decode(json_text(entry, "content", op), validate=False)
        except (binascii.Error, ValueError):
            raise InfraError(f"could not {op.what}: GitHub sent malformed base64") from None
        return decode_text(raw, what=f"file (at {ref})", shown_as=clean)

    def permission(self, login: Login) -> Permission:
        """The user's role on the repository; ``none`` when not a collaborator.

        ``GET .../collaborators/{u}/permission`` answers 404 for a user who is not a
        collaborator (or does not exist) — and for a token that cannot see the repository.
        So a 404 is ``none`` only once the repository itself is readable (another request
        already succeeded, or ``GET /repos/{o}/{r}``); otherwise it is an ``InfraError``.
        ``role_name`` is used (it keeps ``maintain`` and ``triage``); a custom role falls back
        to its base ``permission``.
        """
        user = check_login(login)
        op = Op(
            f"read {user}'s permission on {self._repository}",
            forbidden="give the token read access to the repository (metadata: read)",
            missing=self._repo_missing(),
        )
        url = f"{self._repo_path}/collaborators/{urllib.parse.quote(user, safe='')}/permission"
        answer = self._get(url, op, tolerate=(404,))
        if isinstance(answer, Absent):
            self._require_repo(op)
            return "none"
        data = json_object(answer, op)
        for key in ("role_name", "permission"):
            value = data.get(key)
            for known in _PERMISSIONS:
                if value == known:
                    return known
        raise InfraError(
            f"could not {op.what}: GitHub answered with an unknown permission"
            f" {data.get('permission')!r}",
            hint="upgrade releasekit",
        )

    def team_membership(self, org: str, team_slug: str, login: Login) -> Membership:
        """``active``, ``pending`` or ``absent``; ``InfraError`` when the team cannot be read.

        The membership endpoint answers 404 both for "not a member" and for a token that
        cannot see the team — GITHUB_TOKEN never can (threat 10). A 404 is therefore
        followed by ``GET /orgs/{org}/teams/{slug}``: only a readable team makes it
        ``absent``. Only ``active`` counts for callers; ``pending`` is an invitation.
        """
        org_name = check_slug(org, "organization")
        slug = check_slug(team_slug, "team")
        user = check_login(login)
        team_fix = (
            "the token cannot read team membership: GITHUB_TOKEN never can; use a GitHub App"
            " installation token with the organization permission Members: read"
            " (actions/create-github-app-token), or list the people in the policy file"
        )
        op = Op(
            f"read {user}'s membership of team {org_name}/{slug}",
            forbidden=team_fix,
            missing=team_fix,
        )
        team_url = f"/orgs/{urllib.parse.quote(org_name)}/teams/{urllib.parse.quote(slug)}"
        url = f"{team_url}/memberships/{urllib.parse.quote(user, safe='')}"
        answer = self._get(url, op, tolerate=(404,))
        if isinstance(answer, Absent):
            team_op = Op(f"read team {org_name}/{slug}", forbidden=team_fix, missing=team_fix)
            team = self._get(team_url, team_op, tolerate=(403, 404))
            if isinstance(team, Absent):
                raise InfraError(
                    f"could not {op.what}: GitHub answered 404, and the team itself is not"
                    f" readable ({team.status}), so releasekit cannot tell"
                    ' "not a member" from "cannot see the team"',
                    hint=team_fix,
                )
            return "absent"
        state = json_object(answer, op).get("state")
        if state == "active":
            return "active"
        if state == "pending":
            return "pending"
        raise InfraError(
            f"could not {op.what}: GitHub answered with an unknown state {state!r}",
            hint="upgrade releasekit",
        )


def _review_state(state: str) -> ReviewState:
    for known in _REVIEW_STATES:
        if state == known:
            return known
    raise AssertionError(state)  # checked by the caller
