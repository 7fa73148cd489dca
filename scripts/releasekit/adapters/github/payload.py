"""The GitHub adapter's shared vocabulary: what a request is for, and reading GitHub's JSON.

Every resource module (``pulls``, ``checks``, ``settings``, and ``deployments``) describes its
requests with ``Op`` (the words for messages and the fixes per status), reads answers with the
``json_*`` accessors (a malformed answer is an ``InfraError`` saying so, never a KeyError), and
validates what it puts in a URL with the ``check_*`` functions (bad input is an ``InputError``).
Public on purpose: no module of the adapter reaches into another's private helpers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from releasekit.adapters.github.retry import Failure
from releasekit.errors import InfraError, InputError

FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")
GITHUB_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
FORK_NOTE = "or this is a pull request from a fork, where GitHub grants no write token"


@dataclass(frozen=True)
class Op:
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
class Absent:
    """A tolerated error answer (404 or 403) that the caller disambiguates."""

    status: int
    message: str


class WriteRetryableError(Exception):
    """A write that failed in a way a re-read and another try may fix."""

    def __init__(self, failure: Failure, *, may_land_later: bool) -> None:
        super().__init__(failure.describe())
        self.failure = failure
        # The request reached GitHub and no answer came back: it may still be applied.
        self.may_land_later = may_land_later


_CUT_NOTE = "\n\n… (cut to fit GitHub's size limit; the full report is in the job summary)"


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending with a note when it had to be cut."""
    if len(text) <= limit:
        return text
    if limit <= len(_CUT_NOTE):
        return text[:limit]
    return text[: limit - len(_CUT_NOTE)] + _CUT_NOTE


# -- validation and JSON access ---------------------------------------------------------------


def check_number(number: int, what: str) -> None:
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise InputError(f"{number!r} is not a {what} number")


def check_login(login: str) -> str:
    if not GITHUB_LOGIN.match(login):
        raise InputError(f"{login!r} is not a GitHub login")
    return login


def check_branch(name: str) -> str:
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


def check_environment(name: str) -> str:
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


def check_slug(value: str, what: str) -> str:
    if not GITHUB_SLUG.match(value):
        raise InputError(f"{value!r} is not a GitHub {what} name")
    return value


def repo_relative_path(path: str) -> str:
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


def is_bot(user: Mapping[str, Any]) -> bool:
    login = user.get("login")
    return user.get("type") == "Bot" or (isinstance(login, str) and login.endswith("[bot]"))


def parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def unexpected(op: Op, detail: str) -> InfraError:
    return InfraError(
        f"could not {op.what}: GitHub's answer is not what its API documents ({detail})",
        hint="check GITHUB_API_URL points at the GitHub API; if it does, report this",
    )


def json_object(value: Any, op: Op) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise unexpected(op, f"expected an object, got {type(value).__name__}")
    return value


def json_list(value: Any, op: Op) -> list[Any]:
    if not isinstance(value, list):
        raise unexpected(op, f"expected a list, got {type(value).__name__}")
    return value


def json_text(data: Mapping[str, Any], key: str, op: Op) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise unexpected(op, f"{key!r} missing or not text")
    return value


def opt_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def json_int(data: Mapping[str, Any], key: str, op: Op) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise unexpected(op, f"{key!r} missing or not a number")
    return value
