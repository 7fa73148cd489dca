"""``GitHubPort`` implemented with PyGithub: every read and write a gate makes on GitHub.

Used by the gates that talk to GitHub (sign-off, rollout, rollback, publishing a report) and
by ``releasekit doctor`` (the repository reads: branch protection, rulesets, environments,
Actions settings; read-only). It is the only module that imports PyGithub, so offline gates
never pay for (or depend on) it.
Token permissions per operation are listed in docs/github.md; the short version for a
pull-request gate is ``contents: read``, ``pull-requests: write`` and ``checks: write``.

How it uses PyGithub. The client is configured for correctness first (see ``connect``):
``retry=None`` because PyGithub's default ``GithubRetry`` re-sends a POST after a 5xx —
502, 502, 201 makes three comments (threat 11); ``lazy=True`` because the non-lazy mode fetches
objects (``GET /repos/{o}/{r}``, the commit of a check run, ...) outside our contract. Every
request then goes through one call, ``Requester.requestJsonAndCheck`` (the documented way to
call endpoints PyGithub does not wrap, see ``Github.requester``), rather than through
PyGithub's object model, because that model gets exactly the edges wrong that gates depend on:

* ``Team.has_in_members`` answers False on a 404 — "not a member" when the token merely cannot
  see the team (threat 10);
* ``Repository.get_collaborator_permission`` returns the legacy ``permission`` field, which
  folds ``maintain`` into ``write`` and ``triage`` into ``read``;
* lazy objects fetch themselves on first access to a missing attribute: hidden, uncounted
  requests to endpoints outside our contract.

So one place sees every request: it counts them (``request_count``), retries reads by the
policy in ``retry.py``, and turns every failure into an ``InfraError`` that says what was
attempted, the HTTP status, and the fix. Pagination follows ``Link: rel="next"`` to the last
page (a CHANGES_REQUESTED review on page 3 is seen, threat 21), only on the API's own host.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import ipaddress
import json
import re
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TextIO

import github
import requests
from actions_toolkit.command import Command
from github import Auth, GithubException

from releasekit import __version__
from releasekit.adapters.actions import Runtime
from releasekit.adapters.files import decode_text
from releasekit.adapters.github.interface import (
    ACTIONS_READ,
    ADMINISTRATION_READ,
    COMMENT_MARKER,
    CONTENTS_READ,
    METADATA_READ,
    PULLS_READ,
    AccessDeniedError,
)
from releasekit.adapters.github.retry import DEFAULT_MAX_WAIT, Failure, RetryPolicy, classify
from releasekit.core.github_facts import (
    ActionsPermissions,
    Annotation,
    BranchProtection,
    BranchRule,
    ChangedFile,
    CheckConclusion,
    CheckRunOutput,
    CommitPull,
    DeploymentBranchPolicy,
    DeploymentEnvironment,
    EnvironmentReviewer,
    Login,
    Membership,
    Permission,
    PullRequest,
    RepositoryInfo,
    RequiredCheck,
    Review,
    ReviewState,
    Sha,
    WriteResult,
)
from releasekit.errors import InfraError, InputError, ReleasekitError

DEFAULT_API_URL = "https://api.github.com"
TOKEN_ENV: tuple[str, ...] = ("RELEASEKIT_GITHUB_TOKEN", "GITHUB_TOKEN")
# PyGithub's default; a GitHub request that takes longer is better retried (reads) or
# re-read (writes) than waited for.
REQUEST_TIMEOUT = 15
# GitHub: "If you're making a large number of POST, PATCH, PUT, or DELETE requests ... wait at
# least one second between each request" (best-practices-for-using-the-rest-api).
WRITE_SPACING = 1.0
# Pinned so that GitHub's behaviour cannot change under us (GHES 3.9+ knows this version).
API_VERSION = "2022-11-28"
PER_PAGE = 100  # GitHub's maximum; the default 30 triples the requests for a 100-review PR
# A listing longer than this is refused, never silently cut (a cut list is a fail-open list).
MAX_PAGES = 100
COMMENT_LIMIT = 65_536  # characters; 422 "Body is too long" beyond (not in the OpenAPI doc)
CHECK_TEXT_LIMIT = 65_535  # characters, output.summary and output.text each
ANNOTATIONS_PER_REQUEST = 50
ANNOTATION_TITLE_LIMIT = 255
# GitHub allows 64 KB per annotation message; 16,384 characters stay under it in any UTF-8.
ANNOTATION_MESSAGE_LIMIT = 16_384
# The Contents API inlines files up to 1 MB; policy and release files are far smaller.
MAX_FILE_BYTES = 1024 * 1024
# GITHUB_TOKEN is an installation token of the GitHub Actions app: it writes as this bot.
ACTIONS_APP_SLUG = "github-actions"

_PERMISSIONS: tuple[Permission, ...] = ("admin", "maintain", "write", "triage", "read", "none")
_REVIEW_STATES: tuple[ReviewState, ...] = (
    "APPROVED",
    "CHANGES_REQUESTED",
    "COMMENTED",
    "DISMISSED",
    "PENDING",
)
_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_TOOL = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="next"')

AuthKind = Literal["installation", "user", "unknown"]


# -- connecting ----------------------------------------------------------------------------


def connect(
    env: Mapping[str, str],
    *,
    runtime: Runtime,
    token_env: Sequence[str] = TOKEN_ENV,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    max_wait: float | None = None,
    seconds_between_writes: float | None = WRITE_SPACING,
    timeout: int = REQUEST_TIMEOUT,
    log: TextIO | None = None,
    port_class: type[PyGithubPort] | None = None,
) -> PyGithubPort:
    """A port to the repository named by ``GITHUB_REPOSITORY``, authenticated from ``env``.

    * ``GITHUB_REPOSITORY`` must be ``owner/name``; ``GITHUB_API_URL`` defaults to
      ``https://api.github.com`` (GHES: ``https://HOST/api/v3``) and must be https — plain
      http only to a loopback test server, so a misconfigured URL never receives the token.
    * The token is the first non-empty variable of ``token_env``; it never comes from argv,
      is masked in the log at once, and appears in no message.
    * ``RELEASEKIT_APP_SLUG`` names the GitHub App when the token is an App installation
      token (``actions/create-github-app-token`` outputs it as ``app-slug``), so that
      releasekit recognises its own comments and check runs; unset means GITHUB_TOKEN.
    * ``sleep``/``clock`` drive retries (tests inject them); ``max_wait`` bounds the total
      wait (default ``RELEASEKIT_GITHUB_MAX_WAIT`` or 300 s); ``seconds_between_writes`` is
      GitHub's one second between writes (None in tests).
    * ``port_class``: a subclass of ``PyGithubPort`` with more operations (the release
      operations' ``ReleaseOpsPort``), built here so URL, token and retries are set up once.

    Raises ``InputError`` (exit 2) for a missing token or a bad repository or URL.
    """
    repository = repository_from_env(env)
    base_url = api_url_from_env(env)
    token = token_from_env(env, token_env)
    # NOTE: mask before anything can print: a later debug line or traceback that somehow
    # carried the token is then redacted by the runner (threat 18).
    runtime.mask(token)
    app_slug = env.get("RELEASEKIT_APP_SLUG", "").strip() or None
    if app_slug is not None and not _SLUG.match(app_slug):
        raise InputError(
            f"RELEASEKIT_APP_SLUG {app_slug!r} is not a GitHub App slug",
            hint="pass the `app-slug` output of actions/create-github-app-token, or unset it",
        )
    bound = _max_wait(env, max_wait)
    stream = sys.stderr if log is None else log
    scrub = _scrubber(token)

    def note(line: str) -> None:
        stream.write(f"releasekit: {scrub(line)}\n")

    def warn(message: str) -> None:
        text = scrub(message)
        if runtime.active:
            runtime.out.write(str(Command("warning", {"title": "releasekit"}, text)) + "\n")
        else:
            stream.write(f"releasekit: warning: {text}\n")

    client = github.Github(
        auth=Auth.Token(token),
        base_url=base_url,
        timeout=timeout,
        user_agent=f"releasekit/{__version__}",
        per_page=PER_PAGE,
        # NOTE: the default GithubRetry re-sends a POST on 5xx, though GitHub may have stored
        # the first copy (pytorch/test-infra#8061: one dispatch became 56 workflow runs;
        # PyGithub/PyGithub#803: "with 502 errors we can still not be sure"). We retry reads
        # ourselves and make every write an upsert that re-reads first.
        retry=None,
        # Reads are paced by GitHub's answers (rate-limit headers), not by a fixed delay.
        seconds_between_requests=None,
        seconds_between_writes=seconds_between_writes,
        lazy=True,
        api_version=API_VERSION,
    )
    policy = RetryPolicy(sleep=sleep, clock=clock, max_wait=bound, notify=note)
    cls = PyGithubPort if port_class is None else port_class
    return cls(
        client,
        repository,
        policy=policy,
        auth_kind=token_kind(token),
        app_slug=app_slug,
        scrub=scrub,
        warn=warn,
        timeout=float(timeout),
    )


def repository_from_env(env: Mapping[str, str]) -> str:
    """``GITHUB_REPOSITORY`` validated as ``owner/name`` (``InputError`` otherwise)."""
    repository = env.get("GITHUB_REPOSITORY", "").strip()
    if not repository:
        raise InputError(
            "GITHUB_REPOSITORY is not set",
            hint="run in GitHub Actions, or set GITHUB_REPOSITORY=owner/name",
        )
    name = repository.partition("/")[2]
    if not _REPOSITORY.match(repository) or name in {".", ".."}:
        raise InputError(
            f"GITHUB_REPOSITORY {repository!r} is not owner/name",
            hint="set GITHUB_REPOSITORY=owner/name (GitHub Actions sets it for you)",
        )
    return repository


def api_url_from_env(env: Mapping[str, str]) -> str:
    """``GITHUB_API_URL`` (default ``https://api.github.com``), https unless loopback.

    Refusing ``http://`` to any other host keeps the token from travelling in clear text to
    a mistyped or hostile host (threat 22); loopback is allowed for test servers.
    """
    raw = env.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL
    try:
        parts = urllib.parse.urlsplit(raw)
        port = parts.port
    except ValueError:
        raise InputError(
            "GITHUB_API_URL is not a URL", hint="use https://api.github.com or https://HOST/api/v3"
        ) from None
    if parts.username is not None or parts.password is not None:
        # Not echoed: it holds a credential.
        raise InputError(
            "GITHUB_API_URL must not contain a user name or password",
            hint="pass the token in GITHUB_TOKEN and use https://HOST/api/v3",
        )
    host = parts.hostname
    if not host or parts.query or parts.fragment:
        raise InputError(
            f"GITHUB_API_URL {raw!r} is not an API base URL",
            hint="use https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server",
        )
    if parts.scheme == "http" and not _is_loopback(host):
        raise InputError(
            f"GITHUB_API_URL {raw!r} is not https: releasekit sends the token only over https"
            " (plain http only to a loopback test server)",
            hint="use https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server",
        )
    if parts.scheme not in {"http", "https"}:
        raise InputError(
            f"GITHUB_API_URL {raw!r} is not an https URL",
            hint="use https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server",
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback  # 127.0.0.0/8 and ::1
    except ValueError:
        return False


def token_from_env(env: Mapping[str, str], names: Sequence[str] = TOKEN_ENV) -> str:
    """The first non-empty token among ``names``; ``InputError`` with the fix when none is set."""
    for name in names:
        value = env.get(name, "").strip()
        if not value:
            continue
        if any(c.isspace() or not c.isprintable() for c in value):
            # Not echoed: it is (part of) a secret.
            raise InputError(
                f"{name} contains whitespace or control characters; it cannot be a GitHub token",
                hint=f"pass the token itself in {name}",
            )
        return value
    listed = " or ".join(names)
    raise InputError(
        f"no GitHub token: set {listed} in the step's environment",
        hint=(
            "add to the step `env: GITHUB_TOKEN: ${{ github.token }}` and to the job"
            " `permissions: {contents: read, pull-requests: write, checks: write}`"
            " (never pass the token as a command-line argument)"
        ),
    )


def token_kind(token: str) -> AuthKind:
    """What a token is, from GitHub's documented prefixes (no request needed).

    ``ghs_`` is an installation token (GITHUB_TOKEN or a GitHub App's); ``ghp_``,
    ``github_pat_``, ``gho_`` and ``ghu_`` act as a user. See
    https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/.
    """
    if token.startswith("ghs_"):
        return "installation"
    if token.startswith(("ghp_", "github_pat_", "gho_", "ghu_")):
        return "user"
    return "unknown"


def _max_wait(env: Mapping[str, str], given: float | None) -> float:
    if given is not None:
        return given
    raw = env.get("RELEASEKIT_GITHUB_MAX_WAIT", "").strip()
    if not raw:
        return DEFAULT_MAX_WAIT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise InputError(
            f"RELEASEKIT_GITHUB_MAX_WAIT {raw!r} is not a number of seconds from 0 to 3600",
            hint="unset it for the default of 300 s",
        )
    return value


def _scrubber(token: str) -> Callable[[str], str]:
    def scrub(text: str) -> str:
        return text.replace(token, "***")

    return scrub


# -- what each request is, for messages -----------------------------------------------------

_FORK_NOTE = "or this is a pull request from a fork, where GitHub grants no write token"
_ADMIN_FIX = (
    "use a token with the repository permission Administration: read (a GitHub App"
    " installation token from actions/create-github-app-token, or a fine-grained token);"
    " GITHUB_TOKEN never has it — with GITHUB_TOKEN `releasekit doctor` still checks rulesets,"
    " environments, CODEOWNERS and the policy file"
)


@dataclass(frozen=True)
class _Op:
    """One request's purpose: the words for messages and the fixes for 403, 404 and 422.

    ``permission`` set: a 403 is an ``AccessDeniedError`` naming it (what would let the token
    read this), so that ``doctor`` can report the check as unreadable rather than fail.
    ``invalid`` set: a 422 is an ``InputError`` with it as the fix (the input was wrong).
    """

    what: str
    forbidden: str
    missing: str
    permission: str | None = None
    invalid: str | None = None


@dataclass(frozen=True)
class _Absent:
    """A tolerated error answer (404 or 403) that the caller disambiguates."""

    status: int
    message: str


class _WriteRetryableError(Exception):
    """A write that failed in a way a re-read and another try may fix."""

    def __init__(self, failure: Failure, *, may_land_later: bool) -> None:
        super().__init__(failure.describe())
        self.failure = failure
        # The request reached GitHub and no answer came back: it may still be applied.
        self.may_land_later = may_land_later


@dataclass(frozen=True)
class _Comment:
    id: int
    body: str
    url: str


@dataclass(frozen=True)
class _CheckRun:
    id: int
    url: str
    status: str
    conclusion: str | None
    external_id: str | None
    details_url: str | None
    title: str | None
    summary: str | None
    text: str | None
    annotations_count: int
    completed_at: str


# -- the port --------------------------------------------------------------------------------


class PyGithubPort:
    """``GitHubPort`` for one repository over a configured ``github.Github`` client."""

    def __init__(
        self,
        client: github.Github,
        repository: str,
        *,
        policy: RetryPolicy,
        auth_kind: AuthKind,
        app_slug: str | None,
        scrub: Callable[[str], str],
        warn: Callable[[str], None],
        timeout: float,
    ) -> None:
        """Use ``connect``; this constructor is for tests that need an unusual setup."""
        self._client = client
        self._requester = client.requester
        self._repository = repository
        self._repo_path = f"/repos/{repository}"
        self._policy = policy
        self._auth_kind = auth_kind
        self._app_slug = app_slug
        self._scrub = scrub
        self._warn = warn
        self._timeout = timeout
        self._count = 0
        self._login: str | None = None
        self._repo_readable = False
        self._api = urllib.parse.urlsplit(self._requester.base_url)

    def __repr__(self) -> str:
        """No token in reprs (tracebacks and debuggers print them)."""
        return f"PyGithubPort({self._repository!r}, requests={self._count})"

    def __enter__(self) -> PyGithubPort:
        """Use as a context manager to close the connection pool at the end."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the connection pool."""
        self.close()

    def close(self) -> None:
        """Close PyGithub's connection pool (no sockets left open)."""
        self._client.close()

    @property
    def repository(self) -> str:
        """``owner/name`` of the repository this port talks to."""
        return self._repository

    @property
    def request_count(self) -> int:
        """HTTP requests made so far, retries and pages included."""
        return self._count

    @property
    def waits(self) -> tuple[float, ...]:
        """Every wait (seconds) taken before a retry, in order."""
        return tuple(self._policy.waits)

    # -- reads ---------------------------------------------------------------------------

    def pull_request(self, number: int) -> PullRequest:
        """The pull request's facts (``GET /repos/{o}/{r}/pulls/{n}``; pull-requests: read)."""
        _check_number(number, "pull request")
        op = self._pr_op(f"read pull request #{number}")
        data = _obj(self._get(f"{self._repo_path}/pulls/{number}", op), op)
        user = _obj(data.get("user"), op)
        head, base = _obj(data.get("head"), op), _obj(data.get("base"), op)
        state = _text(data, "state", op)
        merge_sha = data.get("merge_commit_sha")
        return PullRequest(
            number=_int(data, "number", op),
            title=_text(data, "title", op),
            author=Login(_text(user, "login", op)),
            author_is_bot=_is_bot(user),
            head_sha=Sha(_text(head, "sha", op)),
            head_ref=_text(head, "ref", op),
            base_ref=_text(base, "ref", op),
            base_sha=Sha(_text(base, "sha", op)),
            labels=tuple(_text(_obj(x, op), "name", op) for x in _list(data.get("labels"), op)),
            state="closed" if state == "closed" else "open",
            merged=data.get("merged") is True,
            merge_commit_sha=Sha(merge_sha) if isinstance(merge_sha, str) else None,
            draft=data.get("draft") is True,
        )

    def changed_files(self, number: int) -> list[ChangedFile]:
        """Every file the pull request changes, all pages (GitHub lists at most 3,000)."""
        _check_number(number, "pull request")
        op = self._pr_op(f"list the files of pull request #{number}")
        files = []
        for item in self._pages(f"{self._repo_path}/pulls/{number}/files", op):
            entry = _obj(item, op)
            previous = entry.get("previous_filename")
            files.append(
                ChangedFile(
                    path=_text(entry, "filename", op),
                    status=_text(entry, "status", op),
                    previous_path=previous if isinstance(previous, str) else None,
                )
            )
        return files

    def reviews(self, number: int) -> list[Review]:
        """Every submitted review, oldest first, all pages (threat 21: page 3 counts too)."""
        _check_number(number, "pull request")
        op = self._pr_op(f"list the reviews of pull request #{number}")
        out = []
        for item in self._pages(f"{self._repo_path}/pulls/{number}/reviews", op):
            entry = _obj(item, op)
            state = _text(entry, "state", op)
            if state not in _REVIEW_STATES:
                raise InfraError(
                    f"could not {op.what}: GitHub sent an unknown review state {state!r}",
                    hint="this releasekit does not know the state; upgrade releasekit",
                )
            user = entry.get("user")
            # A deleted account shows as null; GitHub's placeholder for it is "ghost".
            author = _obj(user, op) if user is not None else {"login": "ghost", "type": "User"}
            commit = entry.get("commit_id")
            out.append(
                Review(
                    id=_int(entry, "id", op),
                    user=Login(_text(author, "login", op)),
                    user_is_bot=_is_bot(author),
                    state=_review_state(state),
                    commit_id=Sha(commit) if isinstance(commit, str) else None,
                    submitted_at=_time(entry.get("submitted_at")),
                )
            )
        return out

    def file_at(self, path: str, ref: str) -> str | None:
        """A file's text at ``ref``, or None when it does not exist there (contents: read).

        A 404 is "no such file" only once the repository is known to be readable; a ref that
        does not exist is an ``InputError``, an unreadable repository an ``InfraError`` —
        neither is "no policy file".
        """
        clean = _repo_path(path)
        if not ref or any(c.isspace() for c in ref) or ".." in ref:
            raise InputError(f"{ref!r} is not a git ref", hint="pass a branch, tag or commit SHA")
        op = _Op(
            f"read {clean} at {ref} in {self._repository}",
            forbidden="give the job `permissions: contents: read`",
            missing=self._repo_missing(),
            permission=CONTENTS_READ,
        )
        url = f"{self._repo_path}/contents/{urllib.parse.quote(clean, safe='/')}"
        answer = self._get(url, op, params={"ref": ref}, tolerate=(404,))
        if isinstance(answer, _Absent):
            if answer.message.lower().startswith("no commit found"):
                raise InputError(
                    f"{ref!r} is not a branch, tag or commit of {self._repository}",
                    hint="check the ref (was the branch deleted or renamed?)",
                )
            self._require_repo(op)
            return None
        if isinstance(answer, list) or _obj(answer, op).get("type") != "file":
            raise InputError(
                f"{clean} at {ref} is a directory, symlink or submodule, not a file",
                file=clean,
                hint=f"point at the file itself, e.g. {clean}/<name>",
            )
        entry = _obj(answer, op)
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
            raw = base64.b64decode(_text(entry, "content", op), validate=False)
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
        user = _check_login(login)
        op = _Op(
            f"read {user}'s permission on {self._repository}",
            forbidden="give the token read access to the repository (metadata: read)",
            missing=self._repo_missing(),
        )
        url = f"{self._repo_path}/collaborators/{urllib.parse.quote(user, safe='')}/permission"
        answer = self._get(url, op, tolerate=(404,))
        if isinstance(answer, _Absent):
            self._require_repo(op)
            return "none"
        data = _obj(answer, op)
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
        org_name = _check_slug(org, "organization")
        slug = _check_slug(team_slug, "team")
        user = _check_login(login)
        team_fix = (
            "the token cannot read team membership: GITHUB_TOKEN never can; use a GitHub App"
            " installation token with the organization permission Members: read"
            " (actions/create-github-app-token), or list the people in the policy file"
        )
        op = _Op(
            f"read {user}'s membership of team {org_name}/{slug}",
            forbidden=team_fix,
            missing=team_fix,
        )
        team_url = f"/orgs/{urllib.parse.quote(org_name)}/teams/{urllib.parse.quote(slug)}"
        url = f"{team_url}/memberships/{urllib.parse.quote(user, safe='')}"
        answer = self._get(url, op, tolerate=(404,))
        if isinstance(answer, _Absent):
            team_op = _Op(f"read team {org_name}/{slug}", forbidden=team_fix, missing=team_fix)
            team = self._get(team_url, team_op, tolerate=(403, 404))
            if isinstance(team, _Absent):
                raise InfraError(
                    f"could not {op.what}: GitHub answered 404, and the team itself is not"
                    f" readable ({team.status}), so releasekit cannot tell"
                    ' "not a member" from "cannot see the team"',
                    hint=team_fix,
                )
            return "absent"
        state = _obj(answer, op).get("state")
        if state == "active":
            return "active"
        if state == "pending":
            return "pending"
        raise InfraError(
            f"could not {op.what}: GitHub answered with an unknown state {state!r}",
            hint="upgrade releasekit",
        )

    # -- repository settings and history (RepositoryReadPort) ------------------------------

    def repository_info(self) -> RepositoryInfo:
        """Default branch, visibility and archived state (``GET /repos/{o}/{r}``; metadata)."""
        op = _Op(
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
        name = _check_branch(branch)
        op = _Op(
            f"read the branch protection of {name} in {self._repository}",
            forbidden=_ADMIN_FIX,
            missing=self._repo_missing(),
            permission=ADMINISTRATION_READ,
        )
        url = f"{self._repo_path}/branches/{urllib.parse.quote(name, safe='')}/protection"
        answer = self._get(url, op, tolerate=(403, 404))
        if isinstance(answer, _Absent):
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
        name = _check_branch(branch)
        op = _Op(
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
        env = _check_environment(name)
        fix = (
            "give the job `permissions: actions: read` (a GitHub App or fine-grained token:"
            " Actions: read)"
        )
        op = _Op(
            f"read environment {env!r} of {self._repository}",
            forbidden=fix,
            missing=self._repo_missing(),
            permission=ACTIONS_READ,
        )
        url = f"{self._repo_path}/environments/{urllib.parse.quote(env, safe='')}"
        answer = self._get(url, op, tolerate=(403, 404))
        if isinstance(answer, _Absent):
            if answer.status == 403:
                raise self._denied(op, answer)
            self._require_repo(op)
            list_op = _Op(
                f"list the environments of {self._repository}",
                forbidden=fix,
                missing=self._repo_missing(),
                permission=ACTIONS_READ,
            )
            listed = [
                _text(_obj(item, list_op), "name", list_op)
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
            op = _Op(
                f"{what} of {self._repository}",
                forbidden=_ADMIN_FIX,
                missing=self._repo_missing(),
                permission=ADMINISTRATION_READ,
            )
            answer = self._get(
                f"{self._repo_path}/actions/permissions{suffix}", op, tolerate=(403, 404)
            )
            if isinstance(answer, _Absent):
                if answer.status == 404:
                    # GitHub hides the settings of a repository the token may not administer
                    # behind a 404; only an unreadable repository is a different failure.
                    self._require_repo(op)
                raise self._denied(op, answer)
            parts.append(_obj(answer, op))
        return actions_permissions_from_json(
            parts[0], parts[1], f"read the Actions settings of {self._repository}"
        )

    def commit_pulls(self, sha: Sha) -> list[CommitPull]:
        """The pull requests GitHub associates with commit ``sha``, all pages.

        For a commit on the default branch that is the merged PR that brought it there; for
        any other commit, the open and merged PRs whose head it is. Needs ``contents: read``
        and ``pull-requests: read``. A SHA the repository does not have is an ``InputError``.
        """
        if not _SHA.match(sha):
            raise InputError(f"{sha!r} is not a full commit SHA (40 hex digits)")
        op = _Op(
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

    def _denied(self, op: _Op, answer: _Absent) -> AccessDeniedError:
        said = f" ({self._scrub(answer.message)[:300]})" if answer.message else ""
        return AccessDeniedError(
            f"could not {op.what}: GitHub answered {answer.status}{said}",
            permission=op.permission or METADATA_READ,
            status=answer.status,
            hint=op.forbidden or None,
        )

    # -- writes ----------------------------------------------------------------------------

    def upsert_comment(self, issue_number: int, tool: str, body: str) -> WriteResult:
        """Create or update releasekit's one comment for ``tool`` (pull-requests: write).

        The comment is found by its hidden marker among comments written by the token's own
        identity (a comment by anyone else carrying our marker is never edited: a PR author
        can forge one). A failed write is never blindly re-sent: the comments are re-read
        first, so a write GitHub stored despite a 5xx is found and updated (threat 11); a
        create that timed out is not re-sent in this run at all, as it may still land.
        """
        _check_number(issue_number, "issue or pull request")
        if not _TOOL.match(tool):
            raise InputError(f"{tool!r} is not a releasekit tool name")
        marker = COMMENT_MARKER.format(tool=tool)
        text = _cut(f"{marker}\n{body}", COMMENT_LIMIT)
        fix = (
            "give the job `permissions: pull-requests: write` (comments on a pull request)"
            f" or `issues: write` (on an issue), {_FORK_NOTE}"
        )
        base = f"{self._repo_path}/issues"
        read_op = _Op(
            f"list the comments of #{issue_number}", forbidden=fix, missing=self._pr_missing()
        )
        create_op = _Op(f"comment on #{issue_number}", forbidden=fix, missing=self._pr_missing())
        created_here = False
        may_land = False
        retry = 0
        while True:
            found = self._find_comment(f"{base}/{issue_number}/comments", marker, read_op)
            try:
                if found is not None:
                    if found.body == text:
                        return WriteResult(found.id, found.url, created=created_here or may_land)
                    update_op = _Op(
                        f"update releasekit's comment {found.id} on #{issue_number}",
                        forbidden=fix,
                        missing=self._pr_missing(),
                    )
                    data = self._write(
                        "PATCH", f"{base}/comments/{found.id}", {"body": text}, update_op
                    )
                    return WriteResult(
                        found.id, _text(data, "html_url", update_op), created_here or may_land
                    )
                if may_land:
                    raise InfraError(
                        f"could not {create_op.what}: GitHub did not answer, and the comment is"
                        " not visible yet; releasekit does not send it again, as the first"
                        " copy may still land",
                        hint="rerun the job: it finds the comment (or posts it) without a"
                        " duplicate",
                    )
                data = self._write(
                    "POST", f"{base}/{issue_number}/comments", {"body": text}, create_op
                )
                self._check_author(data)
                return WriteResult(
                    _int(data, "id", create_op), _text(data, "html_url", create_op), created=True
                )
            except _WriteRetryableError as failed:
                retry += 1
                created_here = created_here or found is None
                may_land = may_land or (found is None and failed.may_land_later)
                self._pause_write(failed, retry, create_op if found is None else read_op)

    def upsert_check_run(
        self,
        name: str,
        head_sha: Sha,
        conclusion: CheckConclusion,
        output: CheckRunOutput,
        *,
        details_url: str | None = None,
    ) -> WriteResult:
        """Create the named check run on ``head_sha``, or update ours (checks: write).

        Ours is a run of that name on that commit created by our own app (GitHub Actions
        for GITHUB_TOKEN; another workflow's or app's same-name run is never touched).
        Annotations go 50 per request, and GitHub only ever appends them, so the set is
        fingerprinted in ``external_id``: a rerun with the same set adds none, a rerun after
        a partial failure adds only the missing ones, and a changed set goes to a run without
        annotations (or a fresh one) instead of mixing stale annotations into ours. Reruns of
        one report therefore leave one run; reports that alternate leave one run per
        annotation set, and the one written last is GitHub's latest (``completed_at``).
        """
        if not name or len(name) > 255:
            raise InputError(f"check run name {name!r} must be 1 to 255 characters")
        if not _SHA.match(head_sha):
            raise InputError(f"{head_sha!r} is not a full commit SHA (40 hex digits)")
        notes = [_annotation(a) for a in output.annotations]
        fingerprint = hashlib.sha256(
            json.dumps(notes, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()[:32]
        external_id = f"releasekit:{fingerprint}"
        shown: dict[str, Any] = {
            "title": _cut(output.title, ANNOTATION_TITLE_LIMIT) or name,
            "summary": _cut(output.summary, CHECK_TEXT_LIMIT),
        }
        if output.text:
            shown["text"] = _cut(output.text, CHECK_TEXT_LIMIT)
        fix = (
            "the workflow token lacks `checks: write` (add `permissions: checks: write` to the"
            f" job), {_FORK_NOTE}; a personal access token cannot create check runs at all"
            " (use GITHUB_TOKEN or a GitHub App token)"
        )
        read_op = _Op(
            f"list check runs named {name!r} on {head_sha[:12]}",
            forbidden="give the job `permissions: checks: read` (or checks: write)",
            missing=f"commit {head_sha} is not in {self._repository}; {self._repo_missing()}",
        )
        create_op = _Op(
            f"create check run {name!r} on {head_sha[:12]}",
            forbidden=fix,
            missing=self._repo_missing(),
        )
        may_land = False
        created_here = False
        retry = 0
        while True:
            run, current = self._find_check_run(name, head_sha, external_id, read_op)
            op = create_op
            try:
                if run is not None:
                    stored = run.annotations_count if run.external_id == external_id else 0
                    op = _Op(
                        f"update check run {run.id} ({name!r})",
                        forbidden=fix,
                        missing=self._repo_missing(),
                    )
                    if (
                        current
                        and stored >= len(notes)
                        and _same_run(run, conclusion, external_id, shown, details_url)
                    ):
                        return WriteResult(run.id, run.url, created=created_here)
                    first = notes[stored : stored + ANNOTATIONS_PER_REQUEST]
                    body = _check_body(conclusion, external_id, shown, first, details_url)
                    self._write("PATCH", f"{self._repo_path}/check-runs/{run.id}", body, op)
                    run_id, url, sent = run.id, run.url, stored + len(first)
                else:
                    if may_land:
                        raise InfraError(
                            f"could not {create_op.what}: GitHub did not answer, and the check"
                            " run is not visible yet; releasekit does not send it again, as"
                            " the first copy may still land",
                            hint="rerun the job: it finds the check run (or creates it)"
                            " without a duplicate",
                        )
                    first = notes[:ANNOTATIONS_PER_REQUEST]
                    body = _check_body(conclusion, external_id, shown, first, details_url)
                    body.update(name=name, head_sha=head_sha)
                    data = self._write("POST", f"{self._repo_path}/check-runs", body, op)
                    created_here = True
                    self._check_app(data)
                    run_id = _int(data, "id", op)
                    url = _opt_text(data.get("html_url")) or ""
                    sent = len(first)
                for start in range(sent, len(notes), ANNOTATIONS_PER_REQUEST):
                    batch = notes[start : start + ANNOTATIONS_PER_REQUEST]
                    op = _Op(
                        f"add annotations {start + 1}-{start + len(batch)} to check run"
                        f" {run_id} ({name!r})",
                        forbidden=fix,
                        missing=self._repo_missing(),
                    )
                    self._write(
                        "PATCH",
                        f"{self._repo_path}/check-runs/{run_id}",
                        {"output": {**shown, "annotations": batch}},
                        op,
                    )
                return WriteResult(run_id, url, created=created_here)
            except _WriteRetryableError as failed:
                retry += 1
                if op is create_op:
                    created_here = True
                    may_land = may_land or failed.may_land_later
                self._pause_write(failed, retry, op)

    # -- identity ------------------------------------------------------------------------

    def identity(self) -> str:
        """The login the token writes as (comment author): ``name`` or ``slug[bot]``.

        An installation token (``ghs_``: GITHUB_TOKEN, or a GitHub App's when
        ``RELEASEKIT_APP_SLUG`` is set) needs no request. Other tokens ask ``GET /user``,
        which works for a personal token; its 403 means an installation token after all.
        """
        if self._login is None:
            if self._app_slug is not None:
                self._login = f"{self._app_slug}[bot]"
            elif self._auth_kind == "installation":
                self._login = f"{ACTIONS_APP_SLUG}[bot]"
            else:
                op = _Op(
                    "learn which account the token belongs to (GET /user)",
                    forbidden="",
                    missing="check GITHUB_API_URL",
                )
                answer = self._get("/user", op, tolerate=(403,))
                if isinstance(answer, _Absent):
                    self._login = f"{ACTIONS_APP_SLUG}[bot]"
                else:
                    self._login = _text(_obj(answer, op), "login", op)
        return self._login

    def _check_app_slug(self) -> str | None:
        """The app whose check runs are ours; None for a user token (it cannot create any)."""
        if self._app_slug is not None:
            return self._app_slug
        login = self.identity()
        return login.removesuffix("[bot]") if login.endswith("[bot]") else None

    def _check_author(self, data: Mapping[str, Any]) -> None:
        """Warn (and adapt) when GitHub wrote as someone else than we look for on reruns."""
        user = data.get("user")
        author = user.get("login") if isinstance(user, dict) else None
        if isinstance(author, str) and author.lower() != self.identity().lower():
            self._warn(
                f"GitHub wrote the comment as {author}, but releasekit looks for comments by"
                f" {self.identity()}; set RELEASEKIT_APP_SLUG to the App's slug so reruns"
                " update this comment instead of adding another"
            )
            self._login = author

    def _check_app(self, data: Mapping[str, Any]) -> None:
        """Warn (and adapt) when the check run belongs to another app than we look for."""
        app = data.get("app")
        slug = app.get("slug") if isinstance(app, dict) else None
        if isinstance(slug, str) and slug != self._check_app_slug():
            self._warn(
                f"GitHub created the check run as app {slug!r}, but releasekit looks for runs"
                f" of {self._check_app_slug()!r}; set RELEASEKIT_APP_SLUG={slug} so reruns"
                " update this check run instead of adding another"
            )
            self._app_slug = slug

    # -- finding what we wrote ------------------------------------------------------------

    def _find_comment(self, url: str, marker: str, op: _Op) -> _Comment | None:
        me = self.identity().lower()
        for item in self._pages(url, op):
            entry = _obj(item, op)
            user = entry.get("user")
            author = _obj(user, op).get("login") if user is not None else None
            body = entry.get("body")
            if (
                isinstance(author, str)
                and author.lower() == me
                and isinstance(body, str)
                and body.startswith(marker)
            ):
                return _Comment(_int(entry, "id", op), body, _text(entry, "html_url", op))
        return None

    def _find_check_run(
        self, name: str, head_sha: str, external_id: str, op: _Op
    ) -> tuple[_CheckRun | None, bool]:
        """Our run to update, and whether it is already the one GitHub shows (latest).

        Ours are the runs of that name on that commit made by our app. Preferred: the one
        carrying this annotation set's fingerprint (its annotations are right, maybe only
        partly sent); else one without annotations; else None (create a fresh run).
        """
        slug = self._check_app_slug()
        if slug is None:
            return None, False
        # filter=all: with the default "latest", a newer same-name run of another app could
        # hide ours, and every rerun would then create another run.
        params = {"check_name": name, "filter": "all"}
        ours: list[_CheckRun] = []
        for item in self._pages(
            f"{self._repo_path}/commits/{head_sha}/check-runs", op, params, key="check_runs"
        ):
            entry = _obj(item, op)
            app = entry.get("app")
            if app is None or _obj(app, op).get("slug") != slug or entry.get("name") != name:
                continue
            out = _obj(entry.get("output") or {}, op)
            count = out.get("annotations_count")
            ours.append(
                _CheckRun(
                    id=_int(entry, "id", op),
                    url=_opt_text(entry.get("html_url")) or "",
                    status=_text(entry, "status", op),
                    conclusion=_opt_text(entry.get("conclusion")),
                    external_id=_opt_text(entry.get("external_id")),
                    details_url=_opt_text(entry.get("details_url")),
                    title=_opt_text(out.get("title")),
                    summary=_opt_text(out.get("summary")),
                    text=_opt_text(out.get("text")),
                    annotations_count=count if isinstance(count, int) else 0,
                    completed_at=_opt_text(entry.get("completed_at")) or "",
                )
            )
        if not ours:
            return None, False
        newest_first = sorted(ours, key=lambda r: (r.completed_at, r.id), reverse=True)
        chosen = next((r for r in newest_first if r.external_id == external_id), None)
        if chosen is None:
            chosen = next((r for r in newest_first if r.annotations_count == 0), None)
        return chosen, chosen is newest_first[0]

    # -- the one place requests are made ------------------------------------------------------

    def _send(
        self, verb: str, url: str, params: Mapping[str, Any] | None, body: Mapping[str, Any] | None
    ) -> tuple[dict[str, Any], Any]:
        # NOTE: request_count hook. Every HTTP request releasekit makes is this one call of
        # PyGithub's Requester.requestJsonAndCheck, and each call is one HTTP request: we follow
        # pagination links ourselves (one call per page), PyGithub's retry is off, and none of
        # our endpoints answers 202 or 301 (the only answers PyGithub re-requests on its own).
        # Counting here needs no PyGithub internals (its connection classes are private and
        # process-global), and the tests check the count against the fake server's log.
        self._count += 1
        return self._requester.requestJsonAndCheck(
            verb,
            url,
            parameters=dict(params) if params is not None else None,
            input=dict(body) if body is not None else None,
        )

    def _get(
        self,
        url: str,
        op: _Op,
        *,
        params: Mapping[str, Any] | None = None,
        tolerate: tuple[int, ...] = (),
    ) -> Any:
        """GET with retries: the JSON, or ``_Absent`` for a status in ``tolerate``."""
        answer = self._fetch(url, op, params, tolerate)
        return answer if isinstance(answer, _Absent) else answer[1]

    def _fetch(
        self,
        url: str,
        op: _Op,
        params: Mapping[str, Any] | None,
        tolerate: tuple[int, ...] = (),
    ) -> tuple[Mapping[str, Any], Any] | _Absent:
        """GET with retries by the policy; headers and JSON, or ``_Absent``."""
        retry = 0
        while True:
            try:
                headers, data = self._send("GET", url, params, None)
            except GithubException as exc:
                # Classified first: a rate-limited 403 is retried even where a 403 is
                # tolerated (it says nothing about the permission it would otherwise mean).
                failure = classify(exc.status, _headers(exc), _message(exc))
                if failure is None:
                    if exc.status in tolerate:
                        return _Absent(exc.status, _message(exc))
                    raise self._error(op, exc) from None
            except requests.exceptions.SSLError:
                raise self._tls_error(op) from None
            except requests.exceptions.Timeout:
                failure = Failure("timeout")
            except requests.exceptions.RequestException:
                failure = Failure("connection")
            except ValueError:  # PyGithub's JSON decoder on a malformed body
                raise InfraError(f"could not {op.what}: GitHub sent malformed JSON") from None
            else:
                if url.startswith(self._repo_path + "/"):
                    # Anything under /repos/{o}/{r}/ answered: the repository is readable.
                    self._repo_readable = True
                return headers, data
            retry += 1
            self._policy.pause(failure, retry, what=self._scrub(op.what))

    def _pages(
        self,
        url: str,
        op: _Op,
        params: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
    ) -> Iterator[Any]:
        """Every item of a listing, following ``Link: rel="next"`` to the last page."""
        query: Mapping[str, Any] | None = {**(params or {}), "per_page": PER_PAGE}
        next_url: str | None = url
        pages = 0
        while next_url is not None:
            pages += 1
            if pages > MAX_PAGES:
                raise InfraError(
                    f"could not {op.what}: the listing has more than {MAX_PAGES} pages",
                    hint="releasekit refuses to decide on a partial listing",
                )
            answer = self._fetch(next_url, op, query)
            assert not isinstance(answer, _Absent)  # nothing is tolerated here
            headers, data = answer
            query = None  # the next link carries the whole query
            items = _obj(data, op).get(key) if key is not None else data
            yield from _list(items, op)
            next_url = self._next_link(headers.get("link"), op)

    def _next_link(self, link: str | None, op: _Op) -> str | None:
        if not link:
            return None
        found = _NEXT_LINK.search(link)
        if found is None:
            return None
        target = urllib.parse.urlsplit(found.group(1))
        base = self._api
        # NOTE: never follow a link off the API host: the request would carry the token there.
        if (target.scheme, target.hostname, target.port) != (
            base.scheme,
            base.hostname,
            base.port,
        ) or not target.path.startswith(base.path.rstrip("/") + "/"):
            raise InfraError(
                f"could not {op.what}: GitHub's next-page link leaves {base.hostname}",
                hint="check GITHUB_API_URL (a proxy may be rewriting links)",
            )
        return found.group(1)

    def _write(self, verb: str, url: str, body: Mapping[str, Any], op: _Op) -> dict[str, Any]:
        """One write, never retried here: ``_WriteRetryableError`` tells the upsert to re-read."""
        try:
            data = self._send(verb, url, None, body)[1]
        except GithubException as exc:
            failure = classify(exc.status, _headers(exc), _message(exc))
            if failure is None:
                raise self._error(op, exc) from None
            # 504: GitHub's front end gave up waiting; the write may still be applied.
            raise _WriteRetryableError(failure, may_land_later=exc.status == 504) from None
        except requests.exceptions.SSLError:
            raise self._tls_error(op) from None
        except requests.exceptions.ConnectTimeout:
            raise _WriteRetryableError(Failure("timeout"), may_land_later=False) from None
        except requests.exceptions.Timeout:
            raise _WriteRetryableError(Failure("timeout"), may_land_later=True) from None
        except requests.exceptions.RequestException:
            raise _WriteRetryableError(Failure("connection"), may_land_later=True) from None
        except ValueError:
            raise InfraError(f"could not {op.what}: GitHub sent malformed JSON") from None
        return _obj(data, op)

    def _pause_write(self, failed: _WriteRetryableError, retry: int, op: _Op) -> None:
        # A write that may still land gets at least as long to do so as GitHub had to answer.
        at_least = self._timeout if failed.may_land_later else 0.0
        self._policy.pause(failed.failure, retry, what=self._scrub(op.what), at_least=at_least)

    # -- errors ------------------------------------------------------------------------------

    def _error(self, op: _Op, exc: GithubException) -> ReleasekitError:
        status = exc.status
        message = _message(exc)
        said = f" ({self._scrub(message)[:300]})" if message else ""
        if status == 403 and op.permission is not None:
            return AccessDeniedError(
                f"could not {op.what}: GitHub answered 403{said}",
                permission=op.permission,
                status=403,
                hint=op.forbidden or None,
            )
        if status == 422 and op.invalid is not None:
            return InputError(f"could not {op.what}: GitHub answered 422{said}", hint=op.invalid)
        if status == 401:
            hint = (
                "the token was rejected (wrong, expired or revoked): check the secret passed in"
                " RELEASEKIT_GITHUB_TOKEN or GITHUB_TOKEN (GITHUB_TOKEN expires with its job)"
            )
        elif status == 403:
            hint = op.forbidden or "the token may not do this; check the job's `permissions:`"
        elif status == 404:
            hint = op.missing
        elif status == 422:
            hint = "GitHub refused the request as invalid: please report this releasekit bug"
        else:
            hint = "rerun the job; if it persists, see https://www.githubstatus.com"
        return InfraError(f"could not {op.what}: GitHub answered {status}{said}", hint=hint)

    def _tls_error(self, op: _Op) -> InfraError:
        return InfraError(
            f"could not {op.what}: the TLS certificate of {self._api.hostname} was not trusted",
            hint="for GitHub Enterprise Server with a private CA, set REQUESTS_CA_BUNDLE to the"
            " CA bundle",
        )

    def _repo_missing(self) -> str:
        return (
            f"check that GITHUB_REPOSITORY ({self._repository}) names the repository and that"
            " the token can see it (a token for another repository, or a fine-grained token"
            " without access to this one, gets 404)"
        )

    def _pr_missing(self) -> str:
        return f"check the number (it must exist in {self._repository}); {self._repo_missing()}"

    def _pr_op(self, what: str) -> _Op:
        return _Op(
            f"{what} of {self._repository}",
            forbidden="give the job `permissions: pull-requests: read`",
            missing=self._pr_missing(),
        )

    def _require_repo(self, op: _Op) -> None:
        """Raise unless the repository is readable (so a 404 below it means "absent")."""
        if self._repo_readable:
            return
        repo_op = _Op(
            f"read repository {self._repository}",
            forbidden=self._repo_missing(),
            missing=self._repo_missing(),
        )
        answer = self._get(self._repo_path, repo_op, tolerate=(403, 404))
        if isinstance(answer, _Absent):
            raise InfraError(
                f"could not {op.what}: GitHub answered 404, and the repository itself is not"
                f' readable ({answer.status}), so releasekit cannot tell "absent" from'
                ' "not allowed to see"',
                hint=self._repo_missing(),
            )
        self._repo_readable = True


# -- payloads ------------------------------------------------------------------------------


def _annotation(a: Annotation) -> dict[str, Any]:
    path = _repo_path(a.path)
    start = max(1, a.start_line)
    note: dict[str, Any] = {
        "path": path,
        "start_line": start,
        "end_line": max(start, a.end_line),
        "annotation_level": a.level,
        "message": _cut(a.message, ANNOTATION_MESSAGE_LIMIT) or "(no message)",
    }
    if a.title:
        note["title"] = _cut(a.title, ANNOTATION_TITLE_LIMIT)
    return note


def _check_body(
    conclusion: CheckConclusion,
    external_id: str,
    shown: Mapping[str, Any],
    annotations: list[dict[str, Any]],
    details_url: str | None,
) -> dict[str, Any]:
    output: dict[str, Any] = dict(shown)
    if annotations:
        output["annotations"] = annotations
    body: dict[str, Any] = {
        "status": "completed",
        "conclusion": conclusion,
        # NOTE: set on every write, so that the run we wrote last is GitHub's "latest" of
        # this name (a reused older run would otherwise keep its first completion time).
        "completed_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "external_id": external_id,
        "output": output,
    }
    if details_url:
        body["details_url"] = details_url
    return body


def _same_run(
    run: _CheckRun,
    conclusion: str,
    external_id: str,
    shown: Mapping[str, Any],
    details_url: str | None,
) -> bool:
    """Whether updating ``run`` would change nothing (reruns then make no write at all)."""
    return (
        run.status == "completed"
        and run.conclusion == conclusion
        and run.external_id == external_id
        and run.title == shown.get("title")
        and run.summary == shown.get("summary")
        and run.text == shown.get("text")
        and (details_url is None or run.details_url == details_url)
    )


_CUT_NOTE = "\n\n… (cut to fit GitHub's size limit; the full report is in the job summary)"


def _cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending with a note when it had to be cut."""
    if len(text) <= limit:
        return text
    if limit <= len(_CUT_NOTE):
        return text[:limit]
    return text[: limit - len(_CUT_NOTE)] + _CUT_NOTE


# -- settings payloads to facts (shared with the offline settings fixture) --------------------


def repository_info_from_json(data: Any, what: str) -> RepositoryInfo:
    """``RepositoryInfo`` from ``GET /repos/{o}/{r}``; ``InfraError`` when it is malformed."""
    op = _Op(what, "", "")
    entry = _obj(data, op)
    return RepositoryInfo(
        full_name=_text(entry, "full_name", op),
        default_branch=_text(entry, "default_branch", op),
        private=entry.get("private") is True,
        archived=entry.get("archived") is True,
    )


def _checks(entries: Any, contexts: Any, app_key: str, op: _Op) -> tuple[RequiredCheck, ...]:
    """Required checks from ``checks`` (with their app), plus legacy ``contexts`` not in it."""
    found: dict[str, RequiredCheck] = {}
    for item in _list(entries if entries is not None else [], op):
        entry = _obj(item, op)
        context = _text(entry, "context", op)
        app = entry.get(app_key)
        pinned = app if isinstance(app, int) and not isinstance(app, bool) else None
        found.setdefault(context, RequiredCheck(context, pinned))
    for context in _list(contexts if contexts is not None else [], op):
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
    op = _Op(what, "", "")
    entry = _obj(data, op)
    checks_section = entry.get("required_status_checks")
    checks: tuple[RequiredCheck, ...] = ()
    strict = False
    if checks_section is not None:
        section = _obj(checks_section, op)
        checks = _checks(section.get("checks"), section.get("contexts"), "app_id", op)
        strict = section.get("strict") is True
    reviews_section = entry.get("required_pull_request_reviews")
    reviews = _obj(reviews_section, op) if reviews_section is not None else None
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
    op = _Op(what, "", "")
    entry = _obj(data, op)
    kind = _text(entry, "type", op)
    ruleset_id = entry.get("ruleset_id")
    params = entry.get("parameters")
    p = _obj(params, op) if params is not None else {}
    rule = BranchRule(
        type=kind,
        ruleset_id=ruleset_id if isinstance(ruleset_id, int) else None,
        ruleset_source=_opt_text(entry.get("ruleset_source")),
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
    op = _Op(what, "", "")
    entry = _obj(data, op)
    reviewers: list[EnvironmentReviewer] = []
    prevent_self_review = False
    wait = 0
    kinds: list[str] = []
    for item in _list(entry.get("protection_rules") or [], op):
        rule = _obj(item, op)
        kind = _text(rule, "type", op)
        kinds.append(kind)
        if kind == "wait_timer":
            minutes = rule.get("wait_timer")
            wait = max(wait, minutes if isinstance(minutes, int) else 0)
        elif kind == "required_reviewers":
            prevent_self_review = prevent_self_review or rule.get("prevent_self_review") is True
            for who in _list(rule.get("reviewers") or [], op):
                reviewer = _obj(who, op)
                body = _obj(reviewer.get("reviewer") or {}, op)
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
        name=_text(entry, "name", op),
        reviewers=tuple(reviewers),
        prevent_self_review=prevent_self_review,
        wait_timer_minutes=wait,
        branch_policy=policy,
        rule_types=tuple(kinds),
    )


def actions_permissions_from_json(permissions: Any, workflow: Any, what: str) -> ActionsPermissions:
    """``ActionsPermissions`` from ``.../actions/permissions`` and ``.../permissions/workflow``."""
    op = _Op(what, "", "")
    general, token = _obj(permissions, op), _obj(workflow, op)
    default = token.get("default_workflow_permissions")
    if default not in ("read", "write"):
        raise _unexpected(op, f"default_workflow_permissions is {default!r}")
    approve = token.get("can_approve_pull_request_reviews")
    if not isinstance(approve, bool):
        raise _unexpected(op, "can_approve_pull_request_reviews missing or not true/false")
    return ActionsPermissions(
        enabled=general.get("enabled") is not False,
        allowed_actions=_opt_text(general.get("allowed_actions")),
        default_workflow_permissions="write" if default == "write" else "read",
        can_approve_pull_request_reviews=approve,
    )


def commit_pull_from_json(data: Any, what: str) -> CommitPull:
    """One ``pull-request-simple`` of ``GET .../commits/{sha}/pulls`` as a ``CommitPull``."""
    op = _Op(what, "", "")
    entry = _obj(data, op)
    head, base = _obj(entry.get("head"), op), _obj(entry.get("base"), op)
    user = entry.get("user")
    author = _obj(user, op) if user is not None else {"login": "ghost"}
    merge_sha = entry.get("merge_commit_sha")
    return CommitPull(
        number=_int(entry, "number", op),
        title=_text(entry, "title", op),
        author=Login(_text(author, "login", op)),
        state="closed" if entry.get("state") == "closed" else "open",
        merged=isinstance(entry.get("merged_at"), str),
        merge_commit_sha=Sha(merge_sha) if isinstance(merge_sha, str) else None,
        base_ref=_text(base, "ref", op),
        head_ref=_text(head, "ref", op),
        head_sha=Sha(_text(head, "sha", op)),
    )


# -- validation and JSON access ---------------------------------------------------------------


def _check_number(number: int, what: str) -> None:
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise InputError(f"{number!r} is not a {what} number")


def _check_login(login: str) -> str:
    if not _LOGIN.match(login):
        raise InputError(f"{login!r} is not a GitHub login")
    return login


def _check_branch(name: str) -> str:
    """A branch name safe to put in a URL path segment (it is percent-encoded there too)."""
    if (
        not name
        or len(name) > 255
        or name.startswith(("-", "/"))
        or name.endswith(("/", ".lock"))
        or ".." in name
        or any(c.isspace() or not c.isprintable() or c in "~^:?*[\\" for c in name)
    ):
        raise InputError(f"{name!r} is not a branch name", hint="pass a branch such as main")
    return name


def _check_environment(name: str) -> str:
    """An environment name as GitHub allows them (≤ 255 characters, no control characters)."""
    if (
        not name
        or len(name) > 255
        or name in {".", ".."}
        or "/" in name
        or any(not c.isprintable() for c in name)
    ):
        raise InputError(
            f"{name!r} is not an environment name", hint="use a name such as paper or live"
        )
    return name


def _check_slug(value: str, what: str) -> str:
    if not _SLUG.match(value):
        raise InputError(f"{value!r} is not a GitHub {what} name")
    return value


def _repo_path(path: str) -> str:
    """A repository-relative path; no ``..``, no leading ``/`` (it becomes part of a URL)."""
    parts = path.split("/")
    if (
        not path
        or path.startswith("/")
        or "\\" in path
        or any(p in {"", ".", ".."} for p in parts)
        or any(not c.isprintable() for c in path)
    ):
        raise InputError(
            f"{path!r} is not a path inside the repository",
            hint="use a relative path like .github/releasekit.yml, without '..'",
        )
    return path


def _is_bot(user: Mapping[str, Any]) -> bool:
    login = user.get("login")
    return user.get("type") == "Bot" or (isinstance(login, str) and login.endswith("[bot]"))


def _review_state(state: str) -> ReviewState:
    for known in _REVIEW_STATES:
        if state == known:
            return known
    raise AssertionError(state)  # checked by the caller


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return ""


def _headers(exc: GithubException) -> dict[str, str]:
    return {k.lower(): str(v) for k, v in (exc.headers or {}).items()}


def _unexpected(op: _Op, detail: str) -> InfraError:
    return InfraError(
        f"could not {op.what}: GitHub's answer is not what its API documents ({detail})",
        hint="check GITHUB_API_URL points at the GitHub API; if it does, report this",
    )


def _obj(value: Any, op: _Op) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _unexpected(op, f"expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, op: _Op) -> list[Any]:
    if not isinstance(value, list):
        raise _unexpected(op, f"expected a list, got {type(value).__name__}")
    return value


def _text(data: Mapping[str, Any], key: str, op: _Op) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise _unexpected(op, f"{key!r} missing or not text")
    return value


def _opt_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(data: Mapping[str, Any], key: str, op: _Op) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _unexpected(op, f"{key!r} missing or not a number")
    return value


__all__ = [
    "DEFAULT_API_URL",
    "TOKEN_ENV",
    "PyGithubPort",
    "actions_permissions_from_json",
    "api_url_from_env",
    "branch_rule_from_json",
    "commit_pull_from_json",
    "connect",
    "environment_from_json",
    "protection_from_json",
    "repository_from_env",
    "repository_info_from_json",
    "token_from_env",
    "token_kind",
]
