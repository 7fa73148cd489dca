"""Which releasekit workflow is this job running? The answer from the job's OIDC token.

A reusable workflow has no context variable naming its own repository and commit
(orgs/community#18602): ``github.workflow_ref`` and ``github.sha`` describe the *caller*. The
OIDC token the runner mints for a job with ``permissions: id-token: write`` does carry them,
as the ``job_workflow_ref`` and ``job_workflow_sha`` claims. releasekit's reusable workflows
read these claims and check releasekit out at ``job_workflow_sha``, so the toolkit code that
runs is exactly the version the caller pinned (docs/actions.md, "Running our own version").

Runbook step: none directly; it guards every gate the reusable workflows run. Needs the job
permission ``id-token: write``; makes one request to the runner's own token service.

Standard library only (``urllib.request``): no new dependency for eight lines of HTTP.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from releasekit.errors import InfraError

REQUEST_URL_ENV = "ACTIONS_ID_TOKEN_REQUEST_URL"
REQUEST_TOKEN_ENV = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 - a variable's name, not a secret
# A private audience: a token minted for "releasekit-self-ref" is refused by any cloud trust
# policy that expects its own audience (sts.amazonaws.com, api://AzureADTokenExchange, ...),
# so the token this job asks for is useless outside this one question.
DEFAULT_AUDIENCE = "releasekit-self-ref"
# The reusable workflows whose identity we accept: a claim naming any other workflow means
# this code is being run from somewhere we did not design for, and we say so loudly.
RELEASEKIT_WORKFLOWS = frozenset(
    {
        "release-checks.yml",
        "pr-gate.yml",
        "release.yml",
        "prepare-release.yml",
        "tag-release.yml",
        "rollout.yml",
        "rollback.yml",
        "hotfix-sla.yml",
        "board.yml",
    }
)
# The token service answers with a few KiB; anything far larger is not a token.
_MAX_RESPONSE_BYTES = 64 * 1024
_HELP = "https://docs.github.com/en/actions/reference/security/oidc"
_PERMISSION_HINT = (
    "give the job `permissions: id-token: write` (the self-ref job of releasekit's reusable "
    "workflows has it); pull requests from forks never get an OIDC token"
)

_SHA = re.compile(r"[0-9a-f]{40}")
# owner/name/.github/workflows/<file>.yml@<ref>; GitHub owner and repository names use only
# these characters, and a ref is refs/heads|tags|pull/... or a commit SHA.
_WORKFLOW_REF = re.compile(
    r"(?P<repository>[A-Za-z0-9-]+/[A-Za-z0-9._-]+)"
    r"/(?P<path>\.github/workflows/(?P<file>[A-Za-z0-9._-]+\.ya?ml))"
    r"@(?P<ref>refs/(?:heads|tags|pull)/[A-Za-z0-9._/+-]+|[0-9a-f]{40})"
)


@dataclass(frozen=True)
class WorkflowIdentity:
    """The reusable workflow a job runs: where it lives and at which commit."""

    repository: str  # owner/name of the repository holding the workflow file
    path: str  # .github/workflows/<file>.yml
    ref: str  # the ref the caller wrote after @ (refs/tags/v1, refs/heads/main, or a SHA)
    sha: str  # the commit the runner resolved that ref to: what we check out

    @property
    def workflow_file(self) -> str:
        """The workflow's file name, e.g. ``pr-gate.yml``."""
        return self.path.rsplit("/", 1)[-1]


Opener = Callable[[urllib.request.Request, float], bytes]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would forward our Authorization header to the new host."""

    def redirect_request(self, *args: Any) -> None:  # (req, fp, code, msg, headers, newurl)
        """Never follow: a token service that redirects is not the runner's."""
        code = args[2]
        raise InfraError(
            f"the OIDC token service answered HTTP {code} (a redirect); refusing to follow it",
            hint="ACTIONS_ID_TOKEN_REQUEST_URL must be the runner's own token endpoint",
        )


def _urlopen(request: urllib.request.Request, timeout: float) -> bytes:
    opener = urllib.request.build_opener(_NoRedirect())
    with opener.open(request, timeout=timeout) as response:
        body: bytes = response.read(_MAX_RESPONSE_BYTES + 1)
    return body


def _check_service_url(url: str) -> None:
    """Refuse to send the runner's request token anywhere but https (or loopback http)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and _is_loopback(host):
        return  # a local test server; nothing leaves the machine
    raise InfraError(
        f"{REQUEST_URL_ENV} is not an https URL ({parts.scheme or 'no scheme'}://{host})",
        hint="the runner sets this variable itself; do not override it in the workflow",
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def request_id_token(
    env: Mapping[str, str],
    *,
    audience: str = DEFAULT_AUDIENCE,
    timeout: float = 10.0,
    opener: Opener = _urlopen,
) -> str:
    """Ask the runner's token service for this job's OIDC token (a JWT); ``InfraError`` if not.

    The request token comes from the environment and is only ever sent in a header, to the
    runner's own https endpoint (or a loopback one in tests), never on a command line.
    """
    url = env.get(REQUEST_URL_ENV, "")
    bearer = env.get(REQUEST_TOKEN_ENV, "")
    if not url or not bearer:
        raise InfraError(
            f"no OIDC token available: {REQUEST_URL_ENV} or {REQUEST_TOKEN_ENV} is not set",
            hint=_PERMISSION_HINT,
        )
    _check_service_url(url)
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    full = f"{url}{separator}{urllib.parse.urlencode({'audience': audience})}"
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        full,
        headers={
            "Authorization": f"bearer {bearer}",
            "Accept": "application/json",
            "User-Agent": "releasekit-self-ref",
        },
    )
    try:
        body = opener(request, timeout)
    except urllib.error.HTTPError as exc:
        raise InfraError(
            f"the runner refused the OIDC token request: HTTP {exc.code}",
            hint=_PERMISSION_HINT,
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InfraError(
            f"cannot reach the runner's OIDC token service: {reason}",
            hint=f"retry the job; see {_HELP}",
        ) from None
    if len(body) > _MAX_RESPONSE_BYTES:
        raise InfraError("the OIDC token service answered with an oversized body")
    try:
        value = json.loads(body)["value"]
    except (ValueError, KeyError, TypeError):
        raise InfraError(
            "the OIDC token service answered without a token (no JSON 'value')",
            hint=f"see {_HELP}",
        ) from None
    if not isinstance(value, str) or value.count(".") != 2:
        raise InfraError("the OIDC token service answered with something that is not a JWT")
    return value


def decode_claims(token: str) -> dict[str, Any]:
    """The JWT's payload as a dict, without verifying its signature.

    NOTE: no signature check, on purpose. The token comes straight from the runner's own token
    service, over the channel the runner gave this job (URL and bearer in our environment);
    whoever could forge that answer already controls the runner and every step in the job.
    Verifying would need GitHub's JWKS over the network and would add nothing against that.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise InfraError("the OIDC token is not a JWT (expected three dot-separated parts)")
    payload = parts[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InfraError("the OIDC token's payload is not base64url-encoded JSON") from None
    if not isinstance(claims, dict):
        raise InfraError("the OIDC token's payload is not a JSON object")
    return claims


def workflow_identity(
    claims: Mapping[str, Any], *, allowed: frozenset[str] = RELEASEKIT_WORKFLOWS
) -> WorkflowIdentity:
    """The releasekit workflow named by ``job_workflow_ref``/``job_workflow_sha``.

    ``InfraError`` when a claim is missing or malformed, or names a workflow that is not one
    of releasekit's reusable workflows (``allowed``).
    """
    ref_claim = claims.get("job_workflow_ref")
    sha_claim = claims.get("job_workflow_sha")
    if not isinstance(ref_claim, str) or not isinstance(sha_claim, str):
        raise InfraError(
            "the OIDC token has no job_workflow_ref/job_workflow_sha claims",
            hint="run this from a job of one of releasekit's reusable workflows",
        )
    match = _WORKFLOW_REF.fullmatch(ref_claim)
    if match is None:
        raise InfraError(
            f"job_workflow_ref {ref_claim!r} is not owner/repo/.github/workflows/FILE@REF",
            hint=f"see {_HELP}",
        )
    if _SHA.fullmatch(sha_claim) is None:
        raise InfraError(f"job_workflow_sha {sha_claim!r} is not a 40-hex commit SHA")
    identity = WorkflowIdentity(
        repository=match["repository"], path=match["path"], ref=match["ref"], sha=sha_claim
    )
    if identity.workflow_file not in allowed:
        raise InfraError(
            f"job_workflow_ref names {identity.repository}/{identity.path}, "
            "which is not a releasekit reusable workflow",
            hint="call releasekit's workflows (" + ", ".join(sorted(allowed)) + ") directly",
        )
    return identity


def read_identity(
    env: Mapping[str, str],
    *,
    audience: str = DEFAULT_AUDIENCE,
    mask: Callable[[str], None] | None = None,
    opener: Opener = _urlopen,
) -> WorkflowIdentity:
    """Request the token, mask it in the log, and return the workflow identity it names."""
    token = request_id_token(env, audience=audience, opener=opener)
    if mask is not None:
        mask(token)
    return workflow_identity(decode_claims(token))
