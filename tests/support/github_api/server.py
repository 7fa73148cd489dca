"""A loopback fake of the GitHub REST API that checks every exchange against the spec.

:class:`FakeGitHub` is a werkzeug WSGI app served on ``127.0.0.1`` (random port)
in a background thread.  For every request it:

1. finds the operation in the vendored OpenAPI subset (else: violation + 404);
2. requires an ``Authorization`` header (else: violation + 401);
3. validates path/query parameters and the JSON body (else: violation + 422, or
   400 for unparsable JSON), plus limits GitHub enforces but the description
   omits (``per_page`` > 100, bodies > 65,536 characters);
4. applies an injected fault, if one matches;
5. runs the handler against the in-memory state (see :mod:`.state`);
6. validates the status code and JSON body it is about to send;
7. adds realistic ``x-ratelimit-*`` and ``link`` headers and logs the exchange.

Problems never crash the server: they are appended to :attr:`FakeGitHub.violations`,
and the ``github_api`` pytest fixture fails the test at teardown if any remain.
"""

from __future__ import annotations

import json
import re
import threading
import time
import traceback
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .builders import Builders
from .contract import Contract, Operation, load_contract
from .handlers import DOCS, HANDLERS, MAX_PER_PAGE, ApiError, Context, Reply
from .state import GitHubState

FAULTS = (
    "502",
    "502-after-store",
    "403-secondary",
    "429",
    "primary-exhausted",
    "timeout",
    "404",
    "403-integration",
)
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_AUTH = re.compile(r"^(token|bearer) \S+$", re.IGNORECASE)

SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID {id}."
)


@dataclass(frozen=True)
class Violation:
    """One contract problem: who broke it (``kind``), on which request, and how.

    Kinds: ``unknown-operation`` (method+path not in the subset), ``auth``
    (no/invalid Authorization), ``request`` (parameters or body against the
    schema), ``limit`` (a GitHub limit the description omits), ``response``
    (the fake's own reply against the schema — a bug in a builder or a seed),
    ``fake-error`` (a handler raised).
    """

    kind: str
    method: str
    path: str
    message: str

    def __str__(self) -> str:
        """``[kind] METHOD /path: message``."""
        return f"[{self.kind}] {self.method} {self.path}: {self.message}"


@dataclass
class RecordedRequest:
    """One exchange as the fake saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    body: Any
    operation_id: str | None
    fault: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None

    @property
    def is_write(self) -> bool:
        """POST/PATCH/PUT/DELETE."""
        return self.method in WRITE_METHODS


@dataclass
class Fault:
    """An injected fault and how many more requests it applies to (``None`` = all)."""

    method: str
    path_regex: re.Pattern[str]
    fault: str
    remaining: int | None
    retry_after: int | None = None
    reset_in: int = 60
    seconds: float = 5.0

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to ``method path`` and is not used up."""
        return (
            (self.remaining is None or self.remaining > 0)
            and self.method in {"*", method}
            and self.path_regex.search(path) is not None
        )


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not print one access-log line per request."""

    def log(self, type: str, message: str, *args: Any) -> None:
        """Drop werkzeug's access and error logging; problems go to ``violations``."""


class FakeGitHub(GitHubState):
    """The fake GitHub API.

    Seed it with the inherited ``add_*``/``set_*`` methods, start it, and point
    a client at :attr:`url`.
    """

    def __init__(self, contract: Contract | None = None) -> None:
        """Create a stopped fake; ``contract`` defaults to the vendored subset."""
        super().__init__()
        self.contract = contract or load_contract()
        self.violations: list[Violation] = []
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.rate_limit = 5000
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 3600
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._log_lock = threading.Lock()
        self._url = ""
        self.build: Builders | None = None

    # -- lifecycle ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (pass as PyGithub's ``base_url``)."""
        if not self._url:
            raise RuntimeError("FakeGitHub is not started")
        return self._url

    def start(self) -> FakeGitHub:
        """Bind a free loopback port and serve in a daemon thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        server = make_server(
            "127.0.0.1", 0, self.wsgi_app, threaded=True, request_handler=_QuietHandler
        )
        self._server = server
        self._url = f"http://127.0.0.1:{server.server_port}"
        self.build = Builders(self.contract, self._url)
        # A short poll interval keeps stop() (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeGitHub:{server.server_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; stalled "timeout" requests are released immediately."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeGitHub:
        """Start on entering a ``with`` block."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop on leaving a ``with`` block."""
        self.stop()

    # -- faults, log, violations -----------------------------------------------------

    def inject(
        self,
        method: str,
        path_regex: str,
        fault: str,
        times: int | None = 1,
        *,
        retry_after: int | None = None,
        reset_in: int = 60,
        seconds: float = 5.0,
    ) -> Fault:
        """Make the next ``times`` matching requests fail (``times=None``: all of them).

        ``method`` is an HTTP method or ``"*"``; ``path_regex`` is searched
        (``re.search``) in the request path without the query string.  Faults:

        * ``"502"`` — 502, nothing is stored.
        * ``"502-after-store"`` — the request is fully handled (a write lands),
          then the client gets 502: the "did my write happen?" case.
        * ``"403-secondary"`` / ``"429"`` — secondary rate limit ("You have
          exceeded a secondary rate limit"), with ``retry-after: <retry_after>``
          when given; x-ratelimit-remaining stays non-zero, as on GitHub.
        * ``"primary-exhausted"`` — 403 "API rate limit exceeded" with
          ``x-ratelimit-remaining: 0`` and ``x-ratelimit-reset`` = now + ``reset_in``.
        * ``"timeout"`` — stall ``seconds`` (pick more than the client's timeout),
          then handle the request normally, so a write may land after the
          client gave up.
        * ``"404"`` — 404 Not Found.
        * ``"403-integration"`` — 403 "Resource not accessible by integration".
        """
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose from {FAULTS}")
        injected = Fault(
            method=method.upper(),
            path_regex=re.compile(path_regex),
            fault=fault,
            remaining=times,
            retry_after=retry_after,
            reset_in=reset_in,
            seconds=seconds,
        )
        with self.lock:
            self.faults.append(injected)
        return injected

    def take_violations(self) -> list[Violation]:
        """Return and clear the recorded violations (for tests that provoke them)."""
        with self._log_lock:
            taken, self.violations = self.violations, []
        return taken

    @contextmanager
    def expect_violations(self, *kinds: str) -> Iterator[list[Violation]]:
        """Context manager for deliberate contract breaks.

        Yields a list that is filled, on exit, with the violations recorded
        inside the block (which are removed from :attr:`violations`); it
        asserts at least one was recorded and, if ``kinds`` are given, that
        every one is of those kinds.
        """
        with self._log_lock:
            before = len(self.violations)
        caught: list[Violation] = []
        yield caught
        with self._log_lock:
            caught.extend(self.violations[before:])
            del self.violations[before:]
        assert caught, "expected a contract violation, none was recorded"
        if kinds:
            unexpected = [v for v in caught if v.kind not in kinds]
            assert not unexpected, f"unexpected violations: {[str(v) for v in unexpected]}"

    def writes(self) -> list[RecordedRequest]:
        """Logged POST/PATCH/PUT/DELETE requests, oldest first."""
        return [r for r in self.requests if r.is_write]

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        """Logged requests with ``method`` (or ``"*"``) whose path matches ``path_regex``."""
        pattern = re.compile(path_regex)
        return [
            r for r in self.requests if method.upper() in {"*", r.method} and pattern.search(r.path)
        ]

    def _violate(self, kind: str, method: str, path: str, messages: Iterable[str]) -> None:
        with self._log_lock:
            self.violations.extend(Violation(kind, method, path, m) for m in messages)

    # -- WSGI ---------------------------------------------------------------------------

    def wsgi_app(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        """The WSGI entry point."""
        request = Request(environ)
        try:
            response = self._respond(request)
        except Exception:  # werkzeug would log (we silence it) and answer 500: record it
            self._violate("fake-error", request.method, request.path, [traceback.format_exc()])
            response = Response(
                json.dumps({"message": "Server Error"}), status=500, mimetype="application/json"
            )
        return response(environ, start_response)

    def _respond(self, request: Request) -> Response:
        method = request.method.upper()
        path = request.path
        raw = request.get_data(cache=True)
        query = request.args
        reply, op, fault = self._dispatch(request, method, path, raw)

        if op is not None:
            self._violate(
                "response",
                method,
                path,
                self.contract.response_errors(op, reply.status, reply.body),
            )

        headers = self._rate_headers(op, fault)
        headers.update(
            {
                "content-type": "application/json; charset=utf-8",
                "x-github-media-type": "github.v3; format=json",
                "x-github-api-version-selected": "2022-11-28",
                "x-github-request-id": uuid.uuid4().hex[:20].upper(),
            }
        )
        headers.update(reply.headers)
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()

        with self._log_lock:
            self.requests.append(
                RecordedRequest(
                    method=method,
                    path=path,
                    query={k: query.getlist(k) for k in query},
                    status=reply.status,
                    body=_decode_body(raw),
                    operation_id=op.operation_id if op else None,
                    fault=fault.fault if fault else None,
                    headers=dict(request.headers.items()),
                    response_body=reply.body,
                )
            )
        return Response(payload, status=reply.status, headers=headers)

    def _dispatch(
        self, request: Request, method: str, path: str, raw: bytes
    ) -> tuple[Reply, Operation | None, Fault | None]:
        matched = self.contract.match(method, path)
        if matched is None:
            self._violate(
                "unknown-operation",
                method,
                path,
                [f"{method} {path} is not an operation in the vendored OpenAPI subset"],
            )
            return Reply(404, {"message": "Not Found", "documentation_url": DOCS}), None, None
        op, params = matched

        auth = request.headers.get("Authorization")
        if auth is None or not _AUTH.match(auth):
            self._violate("auth", method, path, ["request without a valid 'Authorization' header"])
            message = "Requires authentication" if auth is None else "Bad credentials"
            return Reply(401, {"message": message, "documentation_url": DOCS}), op, None

        errors, body = self.contract.request_errors(
            op, params, request.args.items(multi=True), request.content_type, raw
        )
        if errors:
            self._violate("request", method, path, errors)
            if any("not JSON" in e for e in errors):
                return (
                    Reply(400, {"message": "Problems parsing JSON", "documentation_url": DOCS}),
                    op,
                    None,
                )
            return (
                Reply(
                    422,
                    {
                        "message": "Invalid request.\n\n" + "\n".join(errors),
                        "documentation_url": DOCS,
                    },
                ),
                op,
                None,
            )

        per_page = request.args.get("per_page")
        if per_page is not None and int(per_page) > MAX_PER_PAGE:
            self._violate("limit", method, path, [f"per_page={per_page} exceeds {MAX_PER_PAGE}"])
            return self._per_page_error(per_page), op, None

        fault = self._take_fault(method, path)
        if fault is not None and fault.fault == "timeout":
            # Stall outside the state lock so other requests keep flowing.
            self._stopping.wait(fault.seconds)
        elif fault is not None and fault.fault != "502-after-store":
            return self._fault_reply(fault), op, fault

        reply = self._run_handler(op, method, path, params, request, body)
        if fault is not None and fault.fault == "502-after-store":
            return self._fault_reply(fault), op, fault
        return reply, op, fault

    def _run_handler(
        self,
        op: Operation,
        method: str,
        path: str,
        params: dict[str, str],
        request: Request,
        body: Any,
    ) -> Reply:
        handler = HANDLERS.get(op.operation_id)
        if handler is None or self.build is None:
            self._violate("fake-error", method, path, [f"no handler for {op.operation_id}"])
            return Reply(500, {"message": "Server Error", "documentation_url": DOCS})
        with self.lock:
            ctx = Context(
                state=self,
                build=self.build,
                base_url=request.host_url.rstrip("/"),
                path=path,
                params=params,
                query=request.args,
                body=body,
                rate=(self.rate_limit, self.rate_limit - self.rate_used, self.rate_reset),
                record_limit=lambda m: self._violate("limit", method, path, [m]),
            )
            try:
                return handler(ctx)
            except ApiError as exc:
                return exc.reply
            except Exception:  # a bug in the fake must fail the test, not hang it
                self._violate("fake-error", method, path, [traceback.format_exc()])
                return Reply(500, {"message": "Server Error", "documentation_url": DOCS})

    def _per_page_error(self, per_page: str) -> Reply:
        return Reply(
            422,
            {
                "message": "Validation Failed",
                "errors": [
                    {
                        "resource": "Request",
                        "field": "per_page",
                        "code": "invalid",
                        "message": f"per_page must be between 1 and {MAX_PER_PAGE}, got {per_page}",
                    }
                ],
                "documentation_url": f"{DOCS}/using-the-rest-api/using-pagination-in-the-rest-api",
            },
        )

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    def _fault_reply(self, fault: Fault) -> Reply:
        name = fault.fault
        if name in {"502", "502-after-store"}:
            return Reply(502, {"message": "Server Error"})
        if name == "404":
            return Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
        if name == "403-integration":
            return Reply(
                403,
                {
                    "message": "Resource not accessible by integration",
                    "documentation_url": DOCS,
                    "status": "403",
                },
            )
        if name in {"403-secondary", "429"}:
            status = 403 if name == "403-secondary" else 429
            headers = {} if fault.retry_after is None else {"retry-after": str(fault.retry_after)}
            body = {
                "message": SECONDARY_MESSAGE.format(id=uuid.uuid4().hex[:16].upper()),
                "documentation_url": "https://docs.github.com/rest/overview/"
                "rate-limits-for-the-rest-api#about-secondary-rate-limits",
                "status": str(status),
            }
            return Reply(status, body, headers)
        # primary-exhausted: the headers are set in _rate_headers
        return Reply(
            403,
            {
                "message": "API rate limit exceeded for installation. If you reach out to "
                "GitHub Support for help, please include the request ID "
                f"{uuid.uuid4().hex[:16].upper()}.",
                "documentation_url": "https://docs.github.com/rest/overview/"
                "rate-limits-for-the-rest-api#about-primary-rate-limits",
                "status": "403",
            },
        )

    def _rate_headers(self, op: Operation | None, fault: Fault | None) -> dict[str, str]:
        with self.lock:
            if fault is not None and fault.fault == "primary-exhausted":
                remaining, used = 0, self.rate_limit
                reset = int(time.time()) + fault.reset_in
            else:
                # GET /rate_limit does not count against the limit on GitHub.
                if op is None or op.operation_id != "rate-limit/get":
                    self.rate_used = min(self.rate_used + 1, self.rate_limit - 1)
                remaining, used, reset = (
                    self.rate_limit - self.rate_used,
                    self.rate_used,
                    self.rate_reset,
                )
        return {
            "x-ratelimit-limit": str(self.rate_limit),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-resource": "core",
        }


def _decode_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
