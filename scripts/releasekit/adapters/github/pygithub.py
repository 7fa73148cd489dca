"""``GitHubPort`` implemented with PyGithub: every read and write a gate makes on GitHub.

``PyGithubPort`` is assembled here from one module per GitHub resource, over one shared
request path:

* ``client`` — ``RestClient``: the request path, retries, errors and the token's identity;
* ``payload`` — ``Op`` (what a request is for), JSON accessors and URL-input checks;
* ``pulls`` — pull requests, reviews, files at a ref, permissions and teams;
* ``checks`` — releasekit's PR comment and check run (upserts);
* ``settings`` — branch protection, rulesets, environments, Actions settings, commit PRs;
* ``deployments`` — the release operations' deployments, issues and tags (``ReleaseOpsPort``).

``connect`` (here) reads the environment and builds the port. Used by the gates that talk to
GitHub (sign-off, rollout, rollback, publishing a report) and by ``releasekit doctor`` (the
repository reads: branch protection, rulesets, environments, Actions settings; read-only).
Only this package imports PyGithub, so offline gates never pay for (or depend on) it.
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

So one place (``client.RestClient``) sees every request: it counts them (``request_count``),
retries reads by the policy in ``retry.py``, and turns every failure into an ``InfraError``
that says what was attempted, the HTTP status, and the fix. Pagination follows
``Link: rel="next"`` to the last page (a CHANGES_REQUESTED review on page 3 is seen,
threat 21), only on the API's own host.
"""

from __future__ import annotations

import ipaddress
import re
import sys
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

from releasekit import __version__
from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.checks import ChecksApi
from releasekit.adapters.github.client import PER_PAGE, AuthKind, RestClient
from releasekit.adapters.github.payload import GITHUB_SLUG
from releasekit.adapters.github.pulls import PullsApi
from releasekit.adapters.github.retry import DEFAULT_MAX_WAIT, RetryPolicy
from releasekit.adapters.github.settings import (
    SettingsApi,
    actions_permissions_from_json,
    branch_rule_from_json,
    commit_pull_from_json,
    environment_from_json,
    protection_from_json,
    repository_info_from_json,
)
from releasekit.errors import InputError

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
_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")


class PyGithubPort(PullsApi, ChecksApi, SettingsApi):
    """``GitHubPort`` and ``RepositoryReadPort`` for one repository: every resource module."""


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
    if app_slug is not None and not GITHUB_SLUG.match(app_slug):
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
            runtime.command("warning", {"title": "releasekit"}, text)
        else:
            stream.write(f"releasekit: warning: {text}\n")

    # Imported on connecting: offline commands import the port classes only (docs/benchmarks.md).
    import github
    from github import Auth

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


__all__ = [
    "DEFAULT_API_URL",
    "TOKEN_ENV",
    "PyGithubPort",
    "RestClient",
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
