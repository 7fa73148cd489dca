"""What ``releasekit board`` reads from GitHub, read-only: rollouts, releases, issues, release PRs.

``BoardPort`` extends ``ReleaseOpsPort`` (deployments, their statuses and issues, read the way
the rollout gates read them: only releasekit's own deployments and statuses count) with the
releases and their attached evidence bundles, the open release and hotfix pull requests with
their changed files and ``releasekit/signoff`` check run, and the file names of a directory.
Every request goes through the shared request path (``client.RestClient``): counted, read
retries by ``retry.RetryPolicy``, failures as ``InfraError`` with the fix.

``BoardSource`` is what the board gate needs; the offline fixture reader
(``board_fixture.FixtureBoardSource``) implements it too.

Token permissions: ``contents: read`` (policy, audit log, releases, post-mortem files),
``deployments: read``, ``issues: read``, ``pull-requests: read`` and ``checks: read``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any, Protocol

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github import pygithub
from releasekit.adapters.github.deployments import DeploymentFact, ReleaseOpsPort
from releasekit.adapters.github.payload import (
    Absent,
    Op,
    json_int,
    json_object,
    json_text,
    opt_text,
    parse_time,
    repo_relative_path,
)
from releasekit.core.board.facts import IssueRecord, Link, PullRecord, ReleaseRecord
from releasekit.core.rollout.controller import Event, decode_event
from releasekit.core.signoff.decision import CHECK_NAME
from releasekit.errors import InputError

# Branches a release or hotfix pull request comes from (docs/quickstart.md, runbook Phase 1
# "git checkout -b release/v1.2.3" and Emergency Release "hotfix/critical-fix").
RELEASE_BRANCHES = ("release/", "hotfix/")


class BoardSource(Protocol):
    """The reads the board gate makes about one repository."""

    @property
    def repository(self) -> str:
        """``owner/name``."""
        ...

    @property
    def request_count(self) -> int:
        """Requests (or fixture reads) made so far."""
        ...

    def default_branch(self) -> str:
        """The repository's default branch."""
        ...

    def file_at(self, path: str, ref: str) -> str | None:
        """A file's text at ``ref``, or None when it does not exist there."""
        ...

    def file_names(self, directory: str, ref: str) -> list[str]:
        """The paths of the files directly in ``directory`` at ``ref`` (empty when absent)."""
        ...

    def deployments(
        self, *, environment: str | None = None, ref: str | None = None
    ) -> list[DeploymentFact]:
        """releasekit's deployments, newest first."""
        ...

    def rollout_events(self, deployment_id: int) -> list[Event]:
        """The rollout events releasekit recorded on a deployment."""
        ...

    def releases(self) -> list[ReleaseRecord]:
        """Every release, with its attached files."""
        ...

    def issue_records(self, label: str) -> list[IssueRecord]:
        """Every issue with ``label`` (open and closed), newest first."""
        ...

    def release_pulls(self) -> list[PullRecord]:
        """The open release and hotfix pull requests with their files and sign-off run."""
        ...


def connect(env: Mapping[str, str], *, runtime: Runtime, **options: Any) -> BoardPort:
    """A ``BoardPort`` for ``GITHUB_REPOSITORY``, configured as ``pygithub.connect`` does."""
    port = pygithub.connect(env, runtime=runtime, port_class=BoardPort, **options)
    if not isinstance(port, BoardPort):  # connect builds the class it is given
        raise TypeError(f"expected BoardPort, got {type(port).__name__}")
    return port


class BoardPort(ReleaseOpsPort):
    """``ReleaseOpsPort`` plus the board's reads (see the module docstring)."""

    def rollout_events(self, deployment_id: int) -> list[Event]:
        """The events our own statuses of the deployment encode (others' are ignored)."""
        return [e for s in self.our_statuses(deployment_id) if (e := decode_event(s.description))]

    def releases(self) -> list[ReleaseRecord]:
        """Every release (drafts included, marked), newest first, with its assets."""
        op = Op(
            f"list the releases of {self.repository}",
            forbidden="give the job `permissions: contents: read`",
            missing=self._repo_missing(),
        )
        out = []
        for item in self._pages(f"{self._repo_path}/releases", op):
            entry = json_object(item, op)
            assets = tuple(
                Link(json_text(a, "name", op), json_text(a, "browser_download_url", op))
                for a in (json_object(x, op) for x in entry.get("assets") or [])
            )
            out.append(
                ReleaseRecord(
                    tag=json_text(entry, "tag_name", op),
                    url=json_text(entry, "html_url", op),
                    created_at=parse_time(entry.get("created_at")),
                    prerelease=bool(entry.get("prerelease")),
                    draft=bool(entry.get("draft")),
                    assets=assets,
                )
            )
        return out

    def issue_records(self, label: str) -> list[IssueRecord]:
        """Every issue with ``label`` as the board shows it."""
        return [
            IssueRecord(i.number, i.title, i.url, i.state, i.labels, None, i.body)
            for i in self.issues(label=label)
        ]

    def file_names(self, directory: str, ref: str) -> list[str]:
        """The files directly in ``directory`` at ``ref`` (contents API directory listing)."""
        clean = repo_relative_path(directory)
        op = Op(
            f"list {clean} at {ref} in {self.repository}",
            forbidden="give the job `permissions: contents: read`",
            missing=self._repo_missing(),
        )
        url = f"{self._repo_path}/contents/{urllib.parse.quote(clean, safe='/')}"
        answer = self._get(url, op, params={"ref": ref}, tolerate=(404,))
        if isinstance(answer, Absent):
            self._require_repo(op)
            return []
        if not isinstance(answer, list):
            return []  # a file of that name, not a directory: no post-mortems in it
        entries = (json_object(e, op) for e in answer)
        return [json_text(e, "path", op) for e in entries if e.get("type") == "file"]

    def release_pulls(self) -> list[PullRecord]:
        """Open pull requests from ``release/*`` or ``hotfix/*`` into the default branch."""
        op = Op(
            f"list the open pull requests of {self.repository}",
            forbidden="give the job `permissions: pull-requests: read`",
            missing=self._repo_missing(),
        )
        params = {"state": "open", "sort": "created", "direction": "desc"}
        out = []
        for item in self._pages(f"{self._repo_path}/pulls", op, params):
            entry = json_object(item, op)
            head = json_object(entry.get("head"), op)
            ref = json_text(head, "ref", op)
            if not ref.startswith(RELEASE_BRANCHES):
                continue
            number = json_int(entry, "number", op)
            signoff, signoff_url = self._signoff(json_text(head, "sha", op))
            out.append(
                PullRecord(
                    number=number,
                    title=json_text(entry, "title", op),
                    url=json_text(entry, "html_url", op),
                    head_ref=ref,
                    signoff=signoff,
                    signoff_url=signoff_url,
                    files=tuple(f.path for f in self.changed_files(number)),
                )
            )
        return out

    def _signoff(self, sha: str) -> tuple[str | None, str | None]:
        """Our newest ``releasekit/signoff`` check run on ``sha``: conclusion and page."""
        slug = self._check_app_slug()
        if slug is None:
            return None, None
        if len(sha) != 40 or any(c not in "0123456789abcdef" for c in sha):
            raise InputError(f"{sha!r} is not a commit SHA")
        op = Op(
            f"read the {CHECK_NAME} check run of {sha[:12]}",
            forbidden="give the job `permissions: checks: read`",
            missing=self._repo_missing(),
        )
        # filter=all: with "latest", a newer same-name run of another app could hide ours.
        params = {"check_name": CHECK_NAME, "filter": "all"}
        best: tuple[int, str, str | None] | None = None
        for item in self._pages(
            f"{self._repo_path}/commits/{sha}/check-runs", op, params, key="check_runs"
        ):
            entry = json_object(item, op)
            app = entry.get("app")
            # NOTE: anyone with checks: write can post a run of this name; only our app's counts.
            if app is None or json_object(app, op).get("slug") != slug:
                continue
            run_id = json_int(entry, "id", op)
            state = opt_text(entry.get("conclusion")) or "pending"
            if best is None or run_id > best[0]:
                best = (run_id, state, opt_text(entry.get("html_url")))
        return (None, None) if best is None else (best[1], best[2])
