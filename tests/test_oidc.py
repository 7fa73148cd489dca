"""``releasekit self-ref`` and the OIDC adapter, against a loopback token service.

The server below stands in for the runner's token service (``ACTIONS_ID_TOKEN_REQUEST_URL``):
it records every request and answers with a JWT whose payload the test chooses. It listens
on 127.0.0.1 only and is started and stopped by each test.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from releasekit.adapters import oidc
from releasekit.cli import self_ref
from releasekit.errors import InfraError

SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER_SHA = "fedcba9876543210fedcba9876543210fedcba98"
REQUEST_TOKEN = "runner-request-token-xyz"


def make_jwt(claims: dict[str, Any]) -> str:
    """An unsigned JWT with these claims (the adapter never checks the signature)."""

    def part(obj: dict[str, Any]) -> str:
        raw = json.dumps(obj).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def claims_for(workflow_ref: str, sha: str = SHA) -> dict[str, Any]:
    """Claims as the runner sets them for a job of a reusable workflow."""
    return {
        "repository": "desk/trading",
        "job_workflow_ref": workflow_ref,
        "job_workflow_sha": sha,
        "aud": oidc.DEFAULT_AUDIENCE,
    }


GOOD_REF = "acme/releasekit/.github/workflows/pr-gate.yml@refs/tags/v1"


@dataclass
class TokenService:
    """What the fake token service answers, and what it was asked."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    def answer_claims(self, claims: dict[str, Any]) -> None:
        """Answer the next requests with a token carrying ``claims``."""
        self.status = 200
        self.body = json.dumps({"count": 1, "value": make_jwt(claims)}).encode()


@pytest.fixture
def service() -> Iterator[TokenService]:
    """A token service on 127.0.0.1, stopped when the test ends."""
    state = TokenService()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append({"path": self.path, **dict(self.headers.items())})
            self.send_response(state.status)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/token?api-version=2.0"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def actions_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, service: TokenService
) -> dict[str, Path]:
    """A runner-like environment: Actions on, token service set, output files on tmp_path."""
    files = {"output": tmp_path / "output", "summary": tmp_path / "summary"}
    for path in files.values():
        path.write_text("")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(files["output"]))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(files["summary"]))
    monkeypatch.setenv(oidc.REQUEST_URL_ENV, service.url)
    monkeypatch.setenv(oidc.REQUEST_TOKEN_ENV, REQUEST_TOKEN)
    return files


def read_outputs(path: Path) -> dict[str, str]:
    """Parse ``name<<DELIM\\nvalue\\nDELIM`` blocks of a GITHUB_OUTPUT file."""
    lines = path.read_text().splitlines()
    out: dict[str, str] = {}
    i = 0
    while i < len(lines):
        name, _, delim = lines[i].partition("<<")
        end = lines.index(delim, i + 1)
        out[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return out


def test_self_ref_sets_repository_sha_and_ref_outputs(
    service: TokenService, actions_env: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    service.answer_claims(claims_for(GOOD_REF))
    assert self_ref.main([]) == 0
    outputs = read_outputs(actions_env["output"])
    assert outputs["repository"] == "acme/releasekit"
    assert outputs["sha"] == SHA
    assert outputs["ref"] == "refs/tags/v1"
    assert outputs["workflow"] == ".github/workflows/pr-gate.yml"
    assert outputs["verdict"] == "pass"
    assert f"sha={SHA}" in capsys.readouterr().out


def test_request_carries_the_bearer_and_our_audience_only_in_headers_and_query(
    service: TokenService, actions_env: dict[str, Path]
) -> None:
    service.answer_claims(claims_for(GOOD_REF))
    assert self_ref.main(["--format", "json"]) == 0
    (request,) = service.requests
    assert request["Authorization"] == f"bearer {REQUEST_TOKEN}"
    assert request["path"] == "/token?api-version=2.0&audience=releasekit-self-ref"


def test_token_is_masked_before_anything_else_could_print_it(
    service: TokenService, actions_env: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    service.answer_claims(claims_for(GOOD_REF))
    token = make_jwt(claims_for(GOOD_REF))
    assert self_ref.main([]) == 0
    out = capsys.readouterr().out
    # The only line holding the token is the add-mask command, and it comes first.
    holding = [line for line in out.splitlines() if token in line]
    assert holding == [f"::add-mask::{token}"]
    assert out.splitlines()[0] == f"::add-mask::{token}"
    assert token not in actions_env["output"].read_text()
    assert token not in actions_env["summary"].read_text()


@pytest.mark.parametrize(
    ("workflow_ref", "sha", "message"),
    [
        pytest.param(
            "acme/tools/.github/workflows/deploy.yml@refs/heads/main",
            SHA,
            "not a releasekit reusable workflow",
            id="foreign-workflow",
        ),
        pytest.param("acme/releasekit@v1", SHA, "is not owner/repo", id="malformed-ref"),
        pytest.param(
            "acme/releasekit/.github/workflows/pr-gate.yml@v1; rm -rf /",
            SHA,
            "is not owner/repo",
            id="ref-with-shell-text",
        ),
        pytest.param(GOOD_REF, "v1", "not a 40-hex commit SHA", id="sha-not-hex"),
    ],
)
def test_claims_that_do_not_name_a_releasekit_workflow_exit_3(
    service: TokenService,
    actions_env: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    workflow_ref: str,
    sha: str,
    message: str,
) -> None:
    service.answer_claims(claims_for(workflow_ref, sha))
    assert self_ref.main([]) == 3
    out = capsys.readouterr().out
    assert "::error" in out
    assert message in out
    outputs = read_outputs(actions_env["output"])
    assert outputs["verdict"] == "error"
    assert "sha" not in outputs


def test_missing_claims_exit_3(service: TokenService, actions_env: dict[str, Path]) -> None:
    service.answer_claims({"repository": "desk/trading"})
    assert self_ref.main([]) == 3


def test_no_token_env_exits_3_and_names_the_permission(
    monkeypatch: pytest.MonkeyPatch,
    actions_env: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(oidc.REQUEST_URL_ENV)
    assert self_ref.main([]) == 3
    assert "id-token: write" in capsys.readouterr().out


def test_refused_request_exits_3(
    service: TokenService, actions_env: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    service.status, service.body = 403, b'{"message": "no"}'
    assert self_ref.main([]) == 3
    assert "HTTP 403" in capsys.readouterr().out


def test_redirect_is_not_followed_so_the_bearer_never_leaves(
    service: TokenService, actions_env: dict[str, Path]
) -> None:
    # Redirect to the same server under another path: if urllib followed it, we would see a
    # second request carrying the Authorization header.
    service.status, service.body = 302, b""
    service.headers = {"Location": service.url.replace("/token", "/elsewhere")}
    assert self_ref.main([]) == 3
    assert [r["path"].split("?")[0] for r in service.requests] == ["/token"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b'{"count": 0}', id="no-value"),
        pytest.param(b'{"value": "abc"}', id="value-not-a-jwt"),
        pytest.param(b'{"value": "' + b"a" * 70_000 + b'"}', id="oversized"),
    ],
)
def test_bad_token_service_answers_exit_3(
    service: TokenService, actions_env: dict[str, Path], body: bytes
) -> None:
    service.status, service.body = 200, body
    assert self_ref.main([]) == 3


def test_expect_sha_matching_passes_and_mismatch_exits_3(
    service: TokenService, actions_env: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    service.answer_claims(claims_for(GOOD_REF))
    assert self_ref.main(["--expect-sha", SHA]) == 0
    assert self_ref.main(["--expect-sha", OTHER_SHA]) == 3
    assert "checked out is" in capsys.readouterr().out


def test_expect_sha_that_is_not_a_sha_is_bad_input(
    service: TokenService, actions_env: dict[str, Path]
) -> None:
    service.answer_claims(claims_for(GOOD_REF))
    assert self_ref.main(["--expect-sha", "main"]) == 2
    assert service.requests == []


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://token.example/token", id="plain-http-remote"),
        pytest.param("ftp://127.0.0.1/token", id="other-scheme"),
        pytest.param("https:///token", id="no-host"),
    ],
)
def test_token_service_url_must_be_https_or_loopback(url: str) -> None:
    called: list[str] = []

    def opener(request: Any, timeout: float) -> bytes:
        called.append(request.full_url)
        return b""

    env = {oidc.REQUEST_URL_ENV: url, oidc.REQUEST_TOKEN_ENV: REQUEST_TOKEN}
    with pytest.raises(InfraError, match="not an https URL"):
        oidc.request_id_token(env, opener=opener)
    assert called == []


@pytest.mark.parametrize(
    "workflow_ref",
    [
        pytest.param(GOOD_REF, id="tag"),
        pytest.param(
            "acme/releasekit/.github/workflows/release-checks.yml@refs/heads/main", id="branch"
        ),
        pytest.param(
            "acme/releasekit/.github/workflows/pr-gate.yml@refs/pull/12/merge", id="own-pr"
        ),
        pytest.param(f"acme/releasekit/.github/workflows/tag-release.yml@{SHA}", id="sha"),
    ],
)
def test_accepted_refs_decode_to_an_identity(workflow_ref: str) -> None:
    identity = oidc.workflow_identity(oidc.decode_claims(make_jwt(claims_for(workflow_ref))))
    assert identity.repository == "acme/releasekit"
    assert identity.sha == SHA
    assert workflow_ref.endswith("@" + identity.ref)


@pytest.mark.parametrize("pad", [0, 1, 2, 3], ids=lambda n: f"payload-len-mod4-{n}")
def test_payload_decodes_whatever_its_base64_padding(pad: int) -> None:
    claims = {"x": "a" * pad, **claims_for(GOOD_REF)}
    assert oidc.decode_claims(make_jwt(claims)) == claims


def test_reader_masks_the_exact_token_it_received() -> None:
    token = make_jwt(claims_for(GOOD_REF))
    masked: list[str] = []

    def opener(request: Any, timeout: float) -> bytes:
        return json.dumps({"value": token}).encode()

    env = {oidc.REQUEST_URL_ENV: "https://runner.example/t", oidc.REQUEST_TOKEN_ENV: "r"}
    identity = oidc.read_identity(env, mask=masked.append, opener=opener)
    assert masked == [token]
    assert identity.workflow_file == "pr-gate.yml"


def test_outside_actions_self_ref_prints_but_writes_no_outputs(
    service: TokenService,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv(oidc.REQUEST_URL_ENV, service.url)
    monkeypatch.setenv(oidc.REQUEST_TOKEN_ENV, REQUEST_TOKEN)
    service.answer_claims(claims_for(GOOD_REF))
    assert self_ref.main([]) == 0
    out = capsys.readouterr().out
    assert "repository=acme/releasekit" in out
    assert "::add-mask::" not in out
