"""The one request path of the GitHub adapter, shared by every resource module.

``RestClient`` holds what every request needs: PyGithub's requester, the retry policy, the
request count, the token's identity and the repository. It makes every request through one
call, ``Requester.requestJsonAndCheck`` (see ``pygithub`` for why), counts it, retries reads by
``retry.RetryPolicy``, never retries a write blindly (``WriteRetryableError`` tells the upsert
to re-read first), and turns every failure into an ``InfraError`` (or ``AccessDeniedError``,
``InputError``) that says what was attempted, GitHub's status and the fix.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, Self

from releasekit.adapters.github.interface import METADATA_READ, AccessDeniedError
from releasekit.adapters.github.payload import (
    Absent,
    Op,
    WriteRetryableError,
    json_list,
    json_object,
    json_text,
)
from releasekit.adapters.github.retry import Failure, RetryPolicy, classify
from releasekit.errors import InfraError, InputError, ReleasekitError

if TYPE_CHECKING:
    import github
    from github import GithubException

PER_PAGE = 100  # GitHub's maximum; the default 30 triples the requests for a 100-review PR
# A listing longer than this is refused, never silently cut (a cut list is a fail-open list).
MAX_PAGES = 100
# GITHUB_TOKEN is an installation token of the GitHub Actions app: it writes as this bot.
ACTIONS_APP_SLUG = "github-actions"
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="next"')

AuthKind = Literal["installation", "user", "unknown"]


class RestClient:
    """One repository's REST client: the request path, retries, errors and identity.

    Resource modules subclass it (``PullsApi``, ``ChecksApi``, ``SettingsApi`` and
    ``ReleaseOpsPort``) and make requests only through its protected methods: ``_get`` and
    ``_pages`` (reads, retried by the policy), ``_write`` (one attempt; the upsert re-reads
    and calls ``_pause_write`` before another), ``_require_repo`` (is a 404 "absent"?).
    """

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
        return f"{type(self).__name__}({self._repository!r}, requests={self._count})"

    def __enter__(self) -> Self:
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
                op = Op(
                    "learn which account the token belongs to (GET /user)",
                    forbidden="",
                    missing="check GITHUB_API_URL",
                )
                answer = self._get("/user", op, tolerate=(403,))
                if isinstance(answer, Absent):
                    self._login = f"{ACTIONS_APP_SLUG}[bot]"
                else:
                    self._login = json_text(json_object(answer, op), "login", op)
        return self._login

    def _check_app_slug(self) -> str | None:
        """The app whose check runs are ours; None for a user token (it cannot create any)."""
        if self._app_slug is not None:
            return self._app_slug
        login = self.identity()
        return login.removesuffix("[bot]") if login.endswith("[bot]") else None

    def _note_comment_author(self, data: Mapping[str, Any]) -> None:
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

    def _note_check_app(self, data: Mapping[str, Any]) -> None:
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
        op: Op,
        *,
        params: Mapping[str, Any] | None = None,
        tolerate: tuple[int, ...] = (),
    ) -> Any:
        """GET with retries: the JSON, or ``Absent`` for a status in ``tolerate``."""
        answer = self._fetch(url, op, params, tolerate)
        return answer if isinstance(answer, Absent) else answer[1]

    def _fetch(
        self,
        url: str,
        op: Op,
        params: Mapping[str, Any] | None,
        tolerate: tuple[int, ...] = (),
    ) -> tuple[Mapping[str, Any], Any] | Absent:
        """GET with retries by the policy; headers and JSON, or ``Absent``."""
        # Imported where a request is sent: offline commands import this module's port classes
        # without paying for PyGithub and requests (docs/benchmarks.md).
        import requests
        from github import GithubException

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
                        return Absent(exc.status, _message(exc))
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
        op: Op,
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
            assert not isinstance(answer, Absent)  # nothing is tolerated here
            headers, data = answer
            query = None  # the next link carries the whole query
            items = json_object(data, op).get(key) if key is not None else data
            yield from json_list(items, op)
            next_url = self._next_link(headers.get("link"), op)

    def _next_link(self, link: str | None, op: Op) -> str | None:
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

    def _write(self, verb: str, url: str, body: Mapping[str, Any], op: Op) -> dict[str, Any]:
        """One write, never retried here: ``WriteRetryableError`` tells the upsert to re-read."""
        import requests
        from github import GithubException

        try:
            data = self._send(verb, url, None, body)[1]
        except GithubException as exc:
            failure = classify(exc.status, _headers(exc), _message(exc))
            if failure is None:
                raise self._error(op, exc) from None
            # 504: GitHub's front end gave up waiting; the write may still be applied.
            raise WriteRetryableError(failure, may_land_later=exc.status == 504) from None
        except requests.exceptions.SSLError:
            raise self._tls_error(op) from None
        except requests.exceptions.ConnectTimeout:
            raise WriteRetryableError(Failure("timeout"), may_land_later=False) from None
        except requests.exceptions.Timeout:
            raise WriteRetryableError(Failure("timeout"), may_land_later=True) from None
        except requests.exceptions.RequestException:
            raise WriteRetryableError(Failure("connection"), may_land_later=True) from None
        except ValueError:
            raise InfraError(f"could not {op.what}: GitHub sent malformed JSON") from None
        return json_object(data, op)

    def _pause_write(self, failed: WriteRetryableError, retry: int, op: Op) -> None:
        # A write that may still land gets at least as long to do so as GitHub had to answer.
        at_least = self._timeout if failed.may_land_later else 0.0
        self._policy.pause(failed.failure, retry, what=self._scrub(op.what), at_least=at_least)

    # -- errors ------------------------------------------------------------------------------

    def _error(self, op: Op, exc: GithubException) -> ReleasekitError:
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

    def _denied(self, op: Op, answer: Absent) -> AccessDeniedError:
        said = f" ({self._scrub(answer.message)[:300]})" if answer.message else ""
        return AccessDeniedError(
            f"could not {op.what}: GitHub answered {answer.status}{said}",
            permission=op.permission or METADATA_READ,
            status=answer.status,
            hint=op.forbidden or None,
        )

    def _tls_error(self, op: Op) -> InfraError:
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

    def _pr_op(self, what: str) -> Op:
        return Op(
            f"{what} of {self._repository}",
            forbidden="give the job `permissions: pull-requests: read`",
            missing=self._pr_missing(),
        )

    def _require_repo(self, op: Op) -> None:
        """Raise unless the repository is readable (so a 404 below it means "absent")."""
        if self._repo_readable:
            return
        repo_op = Op(
            f"read repository {self._repository}",
            forbidden=self._repo_missing(),
            missing=self._repo_missing(),
        )
        answer = self._get(self._repo_path, repo_op, tolerate=(403, 404))
        if isinstance(answer, Absent):
            raise InfraError(
                f"could not {op.what}: GitHub answered 404, and the repository itself is not"
                f' readable ({answer.status}), so releasekit cannot tell "absent" from'
                ' "not allowed to see"',
                hint=self._repo_missing(),
            )
        self._repo_readable = True


def _message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return ""


def _headers(exc: GithubException) -> dict[str, str]:
    return {k.lower(): str(v) for k, v in (exc.headers or {}).items()}
