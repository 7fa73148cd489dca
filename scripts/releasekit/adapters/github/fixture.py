"""An in-memory ``GitHubPort`` read from a JSON file: a sign-off decision reproduced offline.

``releasekit signoff-gate --fixture FILE`` answers every GitHub read from FILE instead of the
API, so a decision can be replayed with no token and no network — to see why a pull request
is on HOLD, to try a policy change, or to demo the gate (examples/trading-desk/.releasekit/).
The format is ``releasekit.signoff-fixture/1``, documented in docs/formats/signoff-fixture.md.

Like the real adapter, it never answers "absent" when the file does not say: a team that the
fixture does not list is unreadable (what GITHUB_TOKEN gets from GitHub: 404), so a lookup of
it raises ``InfraError``; only a listed team with no entry for a login means "not a member".
Writes (check run, comment) are kept in memory, numbered like GitHub's upserts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from releasekit.adapters.files import read_text
from releasekit.core.github_facts import (
    ChangedFile,
    CheckConclusion,
    CheckRunOutput,
    CommitPull,
    Login,
    Membership,
    Permission,
    PullCommit,
    PullRequest,
    Review,
    ReviewState,
    Sha,
    WriteResult,
)
from releasekit.errors import InfraError, InputError

FIXTURE_SCHEMA = "releasekit.signoff-fixture/1"
FIXTURE_MAX_BYTES = 8 * 1024 * 1024
_SHA = re.compile(r"^[0-9a-f]{40}$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_PERMISSIONS: tuple[Permission, ...] = ("admin", "maintain", "write", "triage", "read", "none")
_STATES: tuple[ReviewState, ...] = (
    "APPROVED",
    "CHANGES_REQUESTED",
    "COMMENTED",
    "DISMISSED",
    "PENDING",
)
_MEMBERSHIPS: tuple[Membership, ...] = ("active", "pending")
_TOP_KEYS = frozenset(
    {
        "schema",
        "repository",
        "default_branch",
        "pull_request",
        "changed_files",
        "commits",
        "reviews",
        "contents",
        "permissions",
        "teams",
        "$comment",
    }
)


class _BadFixtureError(Exception):
    """A malformed fixture value: where (``pull_request.head_sha``) and what is wrong."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _BadFixtureError(where, "must be an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _BadFixtureError(where, "must be a list")
    return value


def _str(data: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> str:
    value = data.get(key)
    if value is None and optional:
        return ""
    if not isinstance(value, str) or not value:
        raise _BadFixtureError(f"{where}.{key}", "must be a non-empty string")
    return value


def _bool(data: Mapping[str, Any], key: str, where: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise _BadFixtureError(f"{where}.{key}", "must be true or false")
    return value


def _sha(data: Mapping[str, Any], key: str, where: str) -> Sha:
    value = _str(data, key, where)
    if not _SHA.match(value):
        raise _BadFixtureError(
            f"{where}.{key}", "must be a full 40-character lower-case commit SHA"
        )
    return Sha(value)


def _time(value: Any, where: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _BadFixtureError(where, "must be an ISO 8601 time such as 2024-01-16T09:30:00Z")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _BadFixtureError(
            where, "must be an ISO 8601 time such as 2024-01-16T09:30:00Z"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _pull_request(raw: Any) -> PullRequest:
    w = "pull_request"
    data = _obj(raw, w)
    number = data.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise _BadFixtureError(f"{w}.number", "must be a positive whole number")
    labels = list(_list(data.get("labels", []), f"{w}.labels"))
    if not all(isinstance(x, str) for x in labels):
        raise _BadFixtureError(f"{w}.labels", "must be a list of label names")
    state = data.get("state", "open")
    if state not in ("open", "closed"):
        raise _BadFixtureError(f"{w}.state", "must be open or closed")
    merged = _bool(data, "merged", w)
    merge_sha = data.get("merge_commit_sha")
    counted = data.get("changed_files")
    if counted is not None and (
        not isinstance(counted, int) or isinstance(counted, bool) or counted < 0
    ):
        raise _BadFixtureError(f"{w}.changed_files", "must be a whole number (GitHub's count)")
    return PullRequest(
        number=number,
        title=_str(data, "title", w, optional=True),
        author=Login(_str(data, "author", w)),
        author_is_bot=_bool(data, "author_is_bot", w),
        head_sha=_sha(data, "head_sha", w),
        head_ref=_str(data, "head_ref", w),
        base_ref=_str(data, "base_ref", w),
        base_sha=_sha(data, "base_sha", w),
        labels=tuple(labels),
        state="closed" if merged else state,
        merged=merged,
        merge_commit_sha=_sha(data, "merge_commit_sha", w) if merge_sha is not None else None,
        draft=_bool(data, "draft", w),
        changed_files=counted,
    )


def _commits(raw: Any) -> list[PullCommit]:
    out = []
    for i, item in enumerate(_list(raw, "commits")):
        w = f"commits[{i}]"
        data = _obj(item, w)
        logins: list[Login | None] = []
        for key in ("author", "committer"):
            value = data.get(key)
            if value is not None and (not isinstance(value, str) or not value):
                raise _BadFixtureError(f"{w}.{key}", "must be a GitHub login, or null")
            logins.append(Login(value) if value is not None else None)
        out.append(PullCommit(_sha(data, "sha", w), logins[0], logins[1]))
    return out


def _changed_files(raw: Any) -> list[ChangedFile]:
    out = []
    for i, item in enumerate(_list(raw, "changed_files")):
        w = f"changed_files[{i}]"
        if isinstance(item, str):
            out.append(ChangedFile(item, "modified"))
            continue
        data = _obj(item, w)
        previous = data.get("previous_path")
        if previous is not None and not isinstance(previous, str):
            raise _BadFixtureError(f"{w}.previous_path", "must be a path")
        out.append(
            ChangedFile(
                _str(data, "path", w),
                data.get("status", "modified") if isinstance(data.get("status"), str) else "",
                previous,
            )
        )
    return out


def _reviews(raw: Any) -> list[Review]:
    out = []
    for i, item in enumerate(_list(raw, "reviews")):
        w = f"reviews[{i}]"
        data = _obj(item, w)
        state = data.get("state")
        if state not in _STATES:
            raise _BadFixtureError(f"{w}.state", f"must be one of {', '.join(_STATES)}")
        review_id = data.get("id", i + 1)
        if not isinstance(review_id, int) or isinstance(review_id, bool):
            raise _BadFixtureError(f"{w}.id", "must be a whole number")
        commit = data.get("commit_id")
        if commit is not None and (not isinstance(commit, str) or not _SHA.match(commit)):
            raise _BadFixtureError(f"{w}.commit_id", "must be a full commit SHA or null")
        user = _str(data, "user", w)
        out.append(
            Review(
                id=review_id,
                user=Login(user),
                user_is_bot=_bool(data, "user_is_bot", w) or user.endswith("[bot]"),
                state=next(s for s in _STATES if s == state),
                commit_id=Sha(commit) if commit is not None else None,
                submitted_at=_time(data.get("submitted_at"), f"{w}.submitted_at"),
            )
        )
    return out


class FixturePort:
    """``GitHubPort`` over a fixture's data; counts one request per call, like a small PR."""

    def __init__(self, data: Mapping[str, Any], *, shown_as: str = "fixture") -> None:
        """Validate ``data`` (``InputError`` naming the key) and serve it."""
        self.shown_as = shown_as
        try:
            self._load(data)
        except _BadFixtureError as bad:
            raise InputError(
                f"signoff fixture: {bad}",
                file=shown_as,
                hint="see docs/formats/signoff-fixture.md",
            ) from None
        self._count = 0
        self.check_runs: dict[tuple[str, str], tuple[CheckConclusion, CheckRunOutput]] = {}
        self.comments: dict[tuple[int, str], str] = {}

    def _load(self, raw: Mapping[str, Any]) -> None:
        data = _obj(raw, "the fixture")
        unknown = sorted(set(data) - _TOP_KEYS)
        if unknown:
            raise _BadFixtureError(
                unknown[0], f"unknown key; known keys: {', '.join(sorted(_TOP_KEYS))}"
            )
        if data.get("schema") != FIXTURE_SCHEMA:
            raise _BadFixtureError("schema", f"must be {FIXTURE_SCHEMA!r}")
        repository = _str(data, "repository", "the fixture")
        if not _REPOSITORY.match(repository):
            raise _BadFixtureError("repository", "must be owner/name")
        self._repository = repository
        self.default_branch: str | None = data.get("default_branch") or None
        if self.default_branch is not None and not isinstance(self.default_branch, str):
            raise _BadFixtureError("default_branch", "must be a branch name")
        self._pr = _pull_request(data.get("pull_request"))
        self._files = _changed_files(data.get("changed_files", []))
        self._commits = _commits(data.get("commits", []))
        self._reviews = _reviews(data.get("reviews", []))
        self._contents: dict[str, dict[str, str | None]] = {}
        for ref, files in _obj(data.get("contents", {}), "contents").items():
            entries = _obj(files, f"contents.{ref}")
            for path, text in entries.items():
                if text is not None and not isinstance(text, str):
                    raise _BadFixtureError(
                        f"contents.{ref}.{path}", "must be the file's text, or null"
                    )
            self._contents[ref] = dict(entries)
        self._permissions: dict[str, Permission] = {}
        for login, value in _obj(data.get("permissions", {}), "permissions").items():
            if value not in _PERMISSIONS:
                raise _BadFixtureError(
                    f"permissions.{login}", f"must be one of {', '.join(_PERMISSIONS)}"
                )
            self._permissions[login.casefold()] = next(p for p in _PERMISSIONS if p == value)
        self._teams: dict[str, dict[str, Membership]] = {}
        for team, members in _obj(data.get("teams", {}), "teams").items():
            if team.count("/") != 1:
                raise _BadFixtureError(f"teams.{team}", "must be named org/team-slug")
            states: dict[str, Membership] = {}
            for login, state in _obj(members, f"teams.{team}").items():
                if state not in _MEMBERSHIPS:
                    raise _BadFixtureError(f"teams.{team}.{login}", "must be active or pending")
                states[login.casefold()] = next(m for m in _MEMBERSHIPS if m == state)
            self._teams[team.casefold()] = states

    @classmethod
    def from_file(cls, path: Path, *, shown_as: str) -> FixturePort:
        """Read and validate a fixture file (``InputError`` with the file when unusable)."""
        text = read_text(
            path, what="signoff fixture", shown_as=shown_as, max_bytes=FIXTURE_MAX_BYTES
        )
        try:
            data = json.loads(text)
        except RecursionError:
            raise InputError(
                "signoff fixture is nested too deeply", file=shown_as, hint="see the format"
            ) from None
        except json.JSONDecodeError as exc:
            raise InputError(
                f"signoff fixture is not JSON: {exc.msg}",
                file=shown_as,
                line=exc.lineno,
                hint="see docs/formats/signoff-fixture.md",
            ) from None
        return cls(data, shown_as=shown_as)

    def _tick(self) -> None:
        self._count += 1

    @property
    def repository(self) -> str:
        """``owner/name`` from the fixture."""
        return self._repository

    @property
    def request_count(self) -> int:
        """One per call: what the same calls cost on GitHub for a PR of ≤ 100 files/reviews."""
        return self._count

    def pull_request(self, number: int) -> PullRequest:
        """The fixture's pull request; any other number is an input error."""
        self._tick()
        self._check_number(number)
        return self._pr

    def _check_number(self, number: int) -> None:
        if number != self._pr.number:
            raise InputError(
                f"the signoff fixture holds pull request #{self._pr.number}, not #{number}",
                file=self.shown_as,
                hint=f"pass --pr {self._pr.number}, or leave --pr out",
            )

    @property
    def pr_number(self) -> int:
        """The number of the one pull request the fixture holds."""
        return self._pr.number

    def commit_pulls(self, sha: Sha) -> list[CommitPull]:
        """The fixture's pull request when ``sha`` is its head or merge commit, else none.

        What ``GET .../commits/{sha}/pulls`` answers about the one pull request the fixture
        holds (``releasekit evidence --fixture``): no new keys, the ``pull_request`` says it all.
        """
        self._tick()
        pr = self._pr
        if sha not in (pr.head_sha, pr.merge_commit_sha):
            return []
        return [
            CommitPull(
                number=pr.number,
                title=pr.title,
                author=pr.author,
                state=pr.state,
                merged=pr.merged,
                merge_commit_sha=pr.merge_commit_sha,
                base_ref=pr.base_ref,
                head_ref=pr.head_ref,
                head_sha=pr.head_sha,
            )
        ]

    def changed_files(self, number: int) -> list[ChangedFile]:
        """The fixture's changed files."""
        self._tick()
        self._check_number(number)
        return list(self._files)

    def pull_commits(self, number: int) -> list[PullCommit]:
        """The fixture's ``commits`` (none listed: nobody but the author contributed)."""
        self._tick()
        self._check_number(number)
        return list(self._commits)

    def reviews(self, number: int) -> list[Review]:
        """The fixture's reviews, in the order given (the gate orders them itself)."""
        self._tick()
        self._check_number(number)
        return list(self._reviews)

    def file_at(self, path: str, ref: str) -> str | None:
        """``contents[ref][path]``; None when the ref is listed without the path.

        A ref the fixture does not list is an input error, never "no such file": the fixture
        would otherwise silently answer "no policy" for a typo in a SHA.
        """
        self._tick()
        files = self._contents.get(ref)
        if files is None:
            raise InputError(
                f"the signoff fixture has no contents for ref {ref!r} (reading {path})",
                file=self.shown_as,
                hint=f'add "contents": {{"{ref}": {{"{path}": "..."}}}} (null: no such'
                " file at that ref)",
            )
        return files.get(path)

    def permission(self, login: Login) -> Permission:
        """``permissions[login]``; a login not listed is not a collaborator (``none``)."""
        self._tick()
        return self._permissions.get(login.casefold(), "none")

    def team_membership(self, org: str, team_slug: str, login: Login) -> Membership:
        """``teams["org/slug"][login]``; a team not listed cannot be read (``InfraError``)."""
        self._tick()
        members = self._teams.get(f"{org}/{team_slug}".casefold())
        if members is None:
            raise InfraError(
                f"could not read {login}'s membership of team {org}/{team_slug}: the fixture does"
                " not list the team (as GitHub answers 404 to a token that cannot see it)",
                hint='list the team under "teams" in the fixture; on GitHub, use a GitHub App'
                " token with Members: read (GITHUB_TOKEN never can read teams)",
            )
        return members.get(login.casefold(), "absent")

    def upsert_check_run(
        self,
        name: str,
        head_sha: Sha,
        conclusion: CheckConclusion,
        output: CheckRunOutput,
        *,
        details_url: str | None = None,
    ) -> WriteResult:
        """Keep the check run in memory (one per name and head SHA; ``details_url`` unused)."""
        del details_url  # a fixture run has no workflow run to link to
        self._tick()
        key = (name, str(head_sha))
        created = key not in self.check_runs
        self.check_runs[key] = (conclusion, output)
        number = list(self.check_runs).index(key) + 1
        return WriteResult(number, f"fixture://{self._repository}/check-runs/{number}", created)

    def upsert_comment(self, issue_number: int, tool: str, body: str) -> WriteResult:
        """Keep the comment in memory (one per pull request and tool)."""
        self._tick()
        key = (issue_number, tool)
        created = key not in self.comments
        self.comments[key] = body
        number = list(self.comments).index(key) + 1
        return WriteResult(number, f"fixture://{self._repository}/comments/{number}", created)
