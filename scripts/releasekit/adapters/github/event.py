"""What a GitHub Actions event payload (``GITHUB_EVENT_PATH``) says about a pull request.

The gates that run on ``pull_request`` and ``pull_request_review`` events take the pull
request's number, the repository's default branch and, for a push to the pull request, who
pushed (``sender``) from the payload GitHub writes for the job. Nothing else in it is
trusted: the pull request itself is read from the API.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from releasekit.adapters.files import read_text
from releasekit.adapters.github.fixture import FixturePort
from releasekit.adapters.github.interface import RepositoryReadPort
from releasekit.core.rollout.jsonread import path_line
from releasekit.errors import InputError

# A webhook payload is at most 25 MB (GitHub drops larger ones); ours are far smaller.
EVENT_MAX_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class EventFacts:
    """What the event payload says: the pull request, the default branch, who pushed."""

    pr_number: int | None
    default_branch: str | None
    pusher: str | None = None


def event_facts(env: Mapping[str, str]) -> EventFacts:
    """``pull_request.number``, ``repository.default_branch`` and a push's ``sender.login``."""
    raw = env.get("GITHUB_EVENT_PATH", "").strip()
    if not raw:
        return EventFacts(None, None)
    text = read_text(Path(raw), what="event payload", shown_as=raw, max_bytes=EVENT_MAX_BYTES)
    try:
        payload = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(
            "the event payload (GITHUB_EVENT_PATH) is not JSON",
            file=raw,
            line=getattr(exc, "lineno", None),
            hint="pass --pr N",
        ) from None
    if not isinstance(payload, dict):
        return EventFacts(None, None)
    repo, sender = payload.get("repository"), payload.get("sender")
    branch = repo.get("default_branch") if isinstance(repo, dict) else None
    default_branch = branch if isinstance(branch, str) and branch else None
    # The sender of a push to the pull request (synchronize) pushed its new commits.
    pushed = payload.get("action") in ("opened", "synchronize", "reopened")
    login = sender.get("login") if isinstance(sender, dict) and pushed else None
    pusher = login if isinstance(login, str) and login else None
    pr = payload.get("pull_request")
    number = pr.get("number") if isinstance(pr, dict) else None
    if number is None:
        return EventFacts(None, default_branch, pusher)
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise InputError(
            f"pull_request.number in the event payload is {number!r}, not a number",
            file=raw,
            line=path_line(text, ["pull_request", "number"]),
            hint="pass --pr N",
        )
    return EventFacts(number, default_branch, pusher)


def pull_request_number(
    given: int | None, event: EventFacts, port: object, replaying: bool = False
) -> int:
    """``--pr``, else the event's pull request, else (replaying) the fixture's one."""
    if given is not None:
        if given < 1:
            raise InputError(f"--pr {given} is not a pull request number", hint="pass --pr N")
        return given
    if event.pr_number is not None:
        return event.pr_number
    if replaying and isinstance(port, FixturePort):
        return port.pr_number
    raise InputError(
        "no pull request: this event is not a pull_request or pull_request_review event",
        hint="run on pull_request and pull_request_review events, or pass --pr N",
    )


def default_branch(event: EventFacts, port: object) -> str:
    """The event's default branch, else the fixture's, else GitHub's (one request)."""
    if event.default_branch is not None:
        return event.default_branch
    if isinstance(port, FixturePort):
        if port.default_branch is None:
            raise InputError(
                "the fixture names no default_branch: its policy decides every pull request",
                file=port.shown_as,
                hint='add "default_branch": "main" (docs/formats/signoff-fixture.md)',
            )
        return port.default_branch
    if isinstance(port, RepositoryReadPort):
        return port.default_branch()
    raise InputError(
        "the repository's default branch is unknown: its policy decides every pull request",
        hint="run on a pull_request event (its payload names it), or pass a port that reads it",
    )
