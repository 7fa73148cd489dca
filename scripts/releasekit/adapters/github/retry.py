"""When and how long to wait before asking GitHub again: backoff and rate-limit policy.

Pure policy: no PyGithub, no network. The PyGithub adapter (``pygithub.py``) classifies each
failed request into a ``Failure`` and asks ``RetryPolicy.pause`` for permission to try again;
the policy sleeps (through an injected ``sleep``, so tests never really wait) or raises
``InfraError`` when the failure is not worth another try or the total wait would exceed its
bound.

The waits follow GitHub's guidance for REST clients
(https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
and .../rate-limits-for-the-rest-api#exceeding-the-rate-limit):

1. a ``retry-after`` header is honoured as given;
2. else, when ``x-ratelimit-remaining`` is ``0``, wait until ``x-ratelimit-reset``;
3. else, for a rate limit (429, or 403 "secondary rate limit"), wait at least one minute and
   back off exponentially (60 s, 120 s, 240 s) — a 429 without ``retry-after`` included;
4. server errors (5xx), timeouts and dropped connections back off from 2 s (2, 4, 8 s).

Which requests may be retried at all is the adapter's business: reads always, writes never
blindly (they are re-read first, see ``PyGithubPort.upsert_comment``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from releasekit.errors import InfraError

FailureKind = Literal["server-error", "timeout", "connection", "secondary-limit", "primary-limit"]

# GitHub: "If you receive a secondary rate limit ... you should wait for at least one minute
# before retrying" (rate-limits-for-the-rest-api#exceeding-the-rate-limit).
RATE_LIMIT_FIRST_WAIT = 60.0
# Transient errors (5xx, timeouts) are usually over in seconds; 2, 4, 8 s.
TRANSIENT_FIRST_WAIT = 2.0
# A request that failed transiently this many times in a row is given up (4 tries in all).
MAX_TRANSIENT_RETRIES = 3
# Even when GitHub asks for 0 s waits, a request is not tried more than 6 times.
MAX_RATE_LIMIT_RETRIES = 5
# The whole port (one gate run) waits at most this long in total: a job should fail with a
# clear message rather than sit out a primary rate limit that resets in 40 minutes.
DEFAULT_MAX_WAIT = 300.0
# x-ratelimit-reset has one-second resolution and clocks drift: wait one second more.
_RESET_SLACK = 1.0

_SECONDARY_MESSAGES = (
    "you have exceeded a secondary rate limit",
    "please retry your request again later",
    "please wait a few minutes before you try again",
)


@dataclass(frozen=True)
class Failure:
    """A request that failed in a way a later attempt may not (what ``classify`` returns)."""

    kind: FailureKind
    status: int | None = None
    retry_after: float | None = None  # seconds, from a retry-after header
    reset_at: float | None = None  # epoch seconds, from x-ratelimit-reset when remaining is 0

    @property
    def is_rate_limit(self) -> bool:
        """A primary or secondary rate limit: GitHub refused the request without acting on it."""
        return self.kind in ("secondary-limit", "primary-limit")

    def describe(self) -> str:
        """Human words for the failure, for log lines and error messages."""
        words = {
            "server-error": f"a server error ({self.status})",
            "timeout": "no answer in time (timeout)",
            "connection": "a dropped connection",
            "secondary-limit": f"a secondary rate limit ({self.status})",
            "primary-limit": f"the primary rate limit ({self.status}, no requests left)",
        }
        return words[self.kind]


def classify(status: int, headers: Mapping[str, str], message: str) -> Failure | None:
    """The retryable failure an HTTP error answer is, or None when retrying cannot help.

    ``headers`` must have lower-case names (PyGithub lower-cases them). A 403 is a rate limit
    only when GitHub says so (no requests left, or a rate-limit message); any other 403 is a
    permission problem, and asking again would only burn the rate limit.
    """
    lowered = message.lower()
    remaining = headers.get("x-ratelimit-remaining")
    retry_after = _retry_after(headers.get("retry-after"))
    reset_at = _number(headers.get("x-ratelimit-reset")) if remaining == "0" else None
    limited_403 = remaining == "0" or retry_after is not None or _is_rate_limit(lowered)
    if status == 429 or (status == 403 and limited_403):
        primary = remaining == "0" or lowered.startswith("api rate limit exceeded")
        return Failure(
            "primary-limit" if primary else "secondary-limit",
            status,
            retry_after=retry_after,
            reset_at=reset_at,
        )
    if 500 <= status <= 599:
        return Failure("server-error", status, retry_after=retry_after)
    return None


def _is_rate_limit(lowered: str) -> bool:
    return lowered.startswith("api rate limit exceeded") or any(
        m in lowered for m in _SECONDARY_MESSAGES
    )


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.strip())
    except ValueError:
        return None


def _retry_after(text: str | None) -> float | None:
    """``retry-after`` as seconds: an integer, or an HTTP date (RFC 9110 allows both)."""
    if text is None:
        return None
    seconds = _number(text)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


@dataclass
class RetryPolicy:
    """Waits between tries, bounded in total for the whole port.

    ``sleep`` does the waiting (tests pass a recorder); ``clock`` gives the current time in
    epoch seconds, to turn ``x-ratelimit-reset`` (an epoch timestamp) into a wait — hence
    ``time.time``, not a monotonic clock. ``notify`` receives one line per wait for the log.
    """

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    max_wait: float = DEFAULT_MAX_WAIT
    notify: Callable[[str], None] = lambda _line: None
    waited: float = 0.0
    waits: list[float] = field(default_factory=list)

    def delay(self, failure: Failure, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first retry)."""
        if failure.retry_after is not None:
            return failure.retry_after
        if failure.reset_at is not None:
            until_reset = failure.reset_at - self.clock() + _RESET_SLACK
            # A reset in the past (clock skew) still gets the one-minute floor below.
            if until_reset > 0:
                return until_reset
        first = RATE_LIMIT_FIRST_WAIT if failure.is_rate_limit else TRANSIENT_FIRST_WAIT
        return float(first * 2 ** (retry - 1))

    def pause(self, failure: Failure, retry: int, *, what: str, at_least: float = 0.0) -> None:
        """Wait before retry number ``retry`` of ``what``, or raise ``InfraError``.

        Raises when the failure has been retried as often as its kind allows, or when the
        wait would take the port's total wait over ``max_wait`` (no point sleeping first).
        ``at_least`` raises the wait (the adapter gives a timed-out write as long to land as
        it gave GitHub to answer).
        """
        limit = MAX_RATE_LIMIT_RETRIES if failure.is_rate_limit else MAX_TRANSIENT_RETRIES
        if retry > limit:
            raise InfraError(
                f"could not {what}: GitHub answered with {failure.describe()}"
                f" {retry} times in a row",
                hint=_hint(failure),
            )
        wait = max(self.delay(failure, retry), at_least)
        if self.waited + wait > self.max_wait:
            raise InfraError(
                f"could not {what}: GitHub answered with {failure.describe()} and asks for a"
                f" {wait:.0f} s wait, which would exceed releasekit's total wait bound of"
                f" {self.max_wait:.0f} s (already waited {self.waited:.0f} s)",
                hint=_hint(failure),
            )
        self.notify(
            f"GitHub answered with {failure.describe()} to: {what}; retrying in {wait:.0f} s"
        )
        self.waited += wait
        self.waits.append(wait)
        self.sleep(wait)


def _hint(failure: Failure) -> str:
    if failure.kind == "primary-limit":
        return (
            "the token's hourly request budget is spent (GITHUB_TOKEN: 1,000 requests per hour"
            " per repository); rerun the job after the reset, or raise the bound with"
            " RELEASEKIT_GITHUB_MAX_WAIT (seconds)"
        )
    if failure.kind == "secondary-limit":
        return (
            "too many requests in a short time (GitHub's secondary rate limit); rerun the job"
            " in a few minutes, and avoid running many releasekit jobs at once"
        )
    return "GitHub or the network is failing; rerun the job (https://www.githubstatus.com)"
