"""Facts about a repository on GitHub, as plain values the core can reason about.

The GitHub adapter (``releasekit.adapters.github``) produces these; no PyGithub object ever
reaches the core. Identifiers are ``NewType``s so that a login cannot be passed as a path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, NewType

Login = NewType("Login", str)
Sha = NewType("Sha", str)

ReviewState = Literal["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]
Permission = Literal["admin", "maintain", "write", "triage", "read", "none"]
Membership = Literal["active", "pending", "absent"]
CheckConclusion = Literal["success", "failure", "neutral", "action_required"]
AnnotationLevel = Literal["notice", "warning", "failure"]

# Permissions that can push to the repository: the runbook's "any team member" for code review.
WRITE_PERMISSIONS: frozenset[Permission] = frozenset({"admin", "maintain", "write"})


@dataclass(frozen=True)
class PullRequest:
    """The facts of a pull request that sign-off depends on."""

    number: int
    title: str
    author: Login
    author_is_bot: bool
    head_sha: Sha
    head_ref: str
    base_ref: str
    base_sha: Sha
    labels: tuple[str, ...]
    state: Literal["open", "closed"]
    merged: bool
    merge_commit_sha: Sha | None
    draft: bool


@dataclass(frozen=True)
class Review:
    """One submitted review (the adapter lists them all, across every page)."""

    id: int
    user: Login
    user_is_bot: bool
    state: ReviewState
    commit_id: Sha | None
    submitted_at: dt.datetime | None


@dataclass(frozen=True)
class ChangedFile:
    """A file a pull request touches (``previous_path`` for renames)."""

    path: str
    status: str
    previous_path: str | None = None


@dataclass(frozen=True)
class Annotation:
    """A check-run annotation on a file and line range."""

    path: str
    start_line: int
    end_line: int
    level: AnnotationLevel
    message: str
    title: str | None = None


@dataclass(frozen=True)
class CheckRunOutput:
    """What a check run shows: title, summary (≤ 65,535 chars), text and annotations."""

    title: str
    summary: str
    text: str | None = None
    annotations: tuple[Annotation, ...] = ()


@dataclass(frozen=True)
class WriteResult:
    """Where a write landed, and whether it created or updated (reruns must update)."""

    id: int
    url: str
    created: bool
