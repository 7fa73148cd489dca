"""releasekit's writes: one PR comment and one check run per gate, updated on every rerun.

Both are upserts: the comment is found again by its hidden marker among comments written by
the token's own identity, the check run by name, commit and our app. A failed write is never
re-sent blindly: the upsert re-reads first (a write GitHub stored despite a 5xx is found and
updated, threat 11). Token permissions: ``pull-requests: write`` and ``checks: write``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from releasekit.adapters.github.client import RestClient
from releasekit.adapters.github.interface import COMMENT_MARKER
from releasekit.adapters.github.payload import (
    FORK_NOTE,
    FULL_SHA,
    Op,
    WriteRetryableError,
    check_number,
    cut,
    json_int,
    json_object,
    json_text,
    opt_text,
    repo_relative_path,
)
from releasekit.core.github_facts import (
    Annotation,
    CheckConclusion,
    CheckRunOutput,
    Sha,
    WriteResult,
)
from releasekit.errors import InfraError, InputError

COMMENT_LIMIT = 65_536  # characters; 422 "Body is too long" beyond (not in the OpenAPI doc)
CHECK_TEXT_LIMIT = 65_535  # characters, output.summary and output.text each
ANNOTATIONS_PER_REQUEST = 50
ANNOTATION_TITLE_LIMIT = 255
# GitHub allows 64 KB per annotation message; 16,384 characters stay under it in any UTF-8.
ANNOTATION_MESSAGE_LIMIT = 16_384
_TOOL = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class _Comment:
    """Our comment as found on GitHub."""

    id: int
    body: str
    url: str


@dataclass(frozen=True)
class _CheckRun:
    """A check run of ours as found on GitHub."""

    id: int
    url: str
    status: str
    conclusion: str | None
    external_id: str | None
    details_url: str | None
    title: str | None
    summary: str | None
    text: str | None
    annotations_count: int
    completed_at: str


class ChecksApi(RestClient):
    """releasekit's PR comments and check runs, created once and updated on reruns."""

    def upsert_comment(self, issue_number: int, tool: str, body: str) -> WriteResult:
        """Create or update releasekit's one comment for ``tool`` (pull-requests: write).

        The comment is found by its hidden marker among comments written by the token's own
        identity (a comment by anyone else carrying our marker is never edited: a PR author
        can forge one). A failed write is never blindly re-sent: the comments are re-read
        first, so a write GitHub stored despite a 5xx is found and updated (threat 11); a
        create that timed out is not re-sent in this run at all, as it may still land.
        """
        check_number(issue_number, "issue or pull request")
        if not _TOOL.match(tool):
            raise InputError(f"{tool!r} is not a releasekit tool name")
        marker = COMMENT_MARKER.format(tool=tool)
        text = cut(f"{marker}\n{body}", COMMENT_LIMIT)
        fix = (
            "give the job `permissions: pull-requests: write` (comments on a pull request)"
            f" or `issues: write` (on an issue), {FORK_NOTE}"
        )
        base = f"{self._repo_path}/issues"
        read_op = Op(
            f"list the comments of #{issue_number}", forbidden=fix, missing=self._pr_missing()
        )
        create_op = Op(f"comment on #{issue_number}", forbidden=fix, missing=self._pr_missing())
        created_here = False
        may_land = False
        retry = 0
        while True:
            found = self._find_comment(f"{base}/{issue_number}/comments", marker, read_op)
            try:
                if found is not None:
                    if found.body == text:
                        return WriteResult(found.id, found.url, created=created_here or may_land)
                    update_op = Op(
                        f"update releasekit's comment {found.id} on #{issue_number}",
                        forbidden=fix,
                        missing=self._pr_missing(),
                    )
                    data = self._write(
                        "PATCH", f"{base}/comments/{found.id}", {"body": text}, update_op
                    )
                    return WriteResult(
                        found.id, json_text(data, "html_url", update_op), created_here or may_land
                    )
                if may_land:
                    raise InfraError(
                        f"could not {create_op.what}: GitHub did not answer, and the comment is"
                        " not visible yet; releasekit does not send it again, as the first"
                        " copy may still land",
                        hint="rerun the job: it finds the comment (or posts it) without a"
                        " duplicate",
                    )
                data = self._write(
                    "POST", f"{base}/{issue_number}/comments", {"body": text}, create_op
                )
                self._note_comment_author(data)
                return WriteResult(
                    json_int(data, "id", create_op),
                    json_text(data, "html_url", create_op),
                    created=True,
                )
            except WriteRetryableError as failed:
                retry += 1
                created_here = created_here or found is None
                may_land = may_land or (found is None and failed.may_land_later)
                self._pause_write(failed, retry, create_op if found is None else read_op)

    def upsert_check_run(
        self,
        name: str,
        head_sha: Sha,
        conclusion: CheckConclusion,
        output: CheckRunOutput,
        *,
        details_url: str | None = None,
    ) -> WriteResult:
        """Create the named check run on ``head_sha``, or update ours (checks: write).

        Ours is a run of that name on that commit created by our own app (GitHub Actions
        for GITHUB_TOKEN; another workflow's or app's same-name run is never touched).
        Annotations go 50 per request, and GitHub only ever appends them, so the set is
        fingerprinted in ``external_id``: a rerun with the same set adds none, a rerun after
        a partial failure adds only the missing ones, and a changed set goes to a run without
        annotations (or a fresh one) instead of mixing stale annotations into ours. Reruns of
        one report therefore leave one run; reports that alternate leave one run per
        annotation set, and the one written last is GitHub's latest (``completed_at``).
        """
        if not name or len(name) > 255:
            raise InputError(f"check run name {name!r} must be 1 to 255 characters")
        if not FULL_SHA.match(head_sha):
            raise InputError(f"{head_sha!r} is not a full commit SHA (40 hex digits)")
        notes = [_annotation(a) for a in output.annotations]
        fingerprint = hashlib.sha256(
            json.dumps(notes, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()[:32]
        external_id = f"releasekit:{fingerprint}"
        shown: dict[str, Any] = {
            "title": cut(output.title, ANNOTATION_TITLE_LIMIT) or name,
            "summary": cut(output.summary, CHECK_TEXT_LIMIT),
        }
        if output.text:
            shown["text"] = cut(output.text, CHECK_TEXT_LIMIT)
        fix = (
            "the workflow token lacks `checks: write` (add `permissions: checks: write` to the"
            f" job), {FORK_NOTE}; a personal access token cannot create check runs at all"
            " (use GITHUB_TOKEN or a GitHub App token)"
        )
        read_op = Op(
            f"list check runs named {name!r} on {head_sha[:12]}",
            forbidden="give the job `permissions: checks: read` (or checks: write)",
            missing=f"commit {head_sha} is not in {self._repository}; {self._repo_missing()}",
        )
        create_op = Op(
            f"create check run {name!r} on {head_sha[:12]}",
            forbidden=fix,
            missing=self._repo_missing(),
        )
        may_land = False
        created_here = False
        retry = 0
        while True:
            run, current = self._find_check_run(name, head_sha, external_id, read_op)
            op = create_op
            try:
                if run is not None:
                    stored = run.annotations_count if run.external_id == external_id else 0
                    op = Op(
                        f"update check run {run.id} ({name!r})",
                        forbidden=fix,
                        missing=self._repo_missing(),
                    )
                    if (
                        current
                        and stored >= len(notes)
                        and _same_run(run, conclusion, external_id, shown, details_url)
                    ):
                        return WriteResult(run.id, run.url, created=created_here)
                    first = notes[stored : stored + ANNOTATIONS_PER_REQUEST]
                    body = _check_body(conclusion, external_id, shown, first, details_url)
                    self._write("PATCH", f"{self._repo_path}/check-runs/{run.id}", body, op)
                    run_id, url, sent = run.id, run.url, stored + len(first)
                else:
                    if may_land:
                        raise InfraError(
                            f"could not {create_op.what}: GitHub did not answer, and the check"
                            " run is not visible yet; releasekit does not send it again, as"
                            " the first copy may still land",
                            hint="rerun the job: it finds the check run (or creates it)"
                            " without a duplicate",
                        )
                    first = notes[:ANNOTATIONS_PER_REQUEST]
                    body = _check_body(conclusion, external_id, shown, first, details_url)
                    body.update(name=name, head_sha=head_sha)
                    data = self._write("POST", f"{self._repo_path}/check-runs", body, op)
                    created_here = True
                    self._note_check_app(data)
                    run_id = json_int(data, "id", op)
                    url = opt_text(data.get("html_url")) or ""
                    sent = len(first)
                for start in range(sent, len(notes), ANNOTATIONS_PER_REQUEST):
                    batch = notes[start : start + ANNOTATIONS_PER_REQUEST]
                    op = Op(
                        f"add annotations {start + 1}-{start + len(batch)} to check run"
                        f" {run_id} ({name!r})",
                        forbidden=fix,
                        missing=self._repo_missing(),
                    )
                    self._write(
                        "PATCH",
                        f"{self._repo_path}/check-runs/{run_id}",
                        {"output": {**shown, "annotations": batch}},
                        op,
                    )
                return WriteResult(run_id, url, created=created_here)
            except WriteRetryableError as failed:
                retry += 1
                if op is create_op:
                    created_here = True
                    may_land = may_land or failed.may_land_later
                self._pause_write(failed, retry, op)

    # -- finding what we wrote ------------------------------------------------------------

    def _find_comment(self, url: str, marker: str, op: Op) -> _Comment | None:
        me = self.identity().lower()
        for item in self._pages(url, op):
            entry = json_object(item, op)
            user = entry.get("user")
            author = json_object(user, op).get("login") if user is not None else None
            body = entry.get("body")
            if (
                isinstance(author, str)
                and author.lower() == me
                and isinstance(body, str)
                and body.startswith(marker)
            ):
                return _Comment(json_int(entry, "id", op), body, json_text(entry, "html_url", op))
        return None

    def _find_check_run(
        self, name: str, head_sha: str, external_id: str, op: Op
    ) -> tuple[_CheckRun | None, bool]:
        """Our run to update, and whether it is already the one GitHub shows (latest).

        Ours are the runs of that name on that commit made by our app. Preferred: the one
        carrying this annotation set's fingerprint (its annotations are right, maybe only
        partly sent); else one without annotations; else None (create a fresh run).
        """
        slug = self._check_app_slug()
        if slug is None:
            return None, False
        # filter=all: with the default "latest", a newer same-name run of another app could
        # hide ours, and every rerun would then create another run.
        params = {"check_name": name, "filter": "all"}
        ours: list[_CheckRun] = []
        for item in self._pages(
            f"{self._repo_path}/commits/{head_sha}/check-runs", op, params, key="check_runs"
        ):
            entry = json_object(item, op)
            app = entry.get("app")
            if app is None or json_object(app, op).get("slug") != slug or entry.get("name") != name:
                continue
            out = json_object(entry.get("output") or {}, op)
            count = out.get("annotations_count")
            ours.append(
                _CheckRun(
                    id=json_int(entry, "id", op),
                    url=opt_text(entry.get("html_url")) or "",
                    status=json_text(entry, "status", op),
                    conclusion=opt_text(entry.get("conclusion")),
                    external_id=opt_text(entry.get("external_id")),
                    details_url=opt_text(entry.get("details_url")),
                    title=opt_text(out.get("title")),
                    summary=opt_text(out.get("summary")),
                    text=opt_text(out.get("text")),
                    annotations_count=count if isinstance(count, int) else 0,
                    completed_at=opt_text(entry.get("completed_at")) or "",
                )
            )
        if not ours:
            return None, False
        newest_first = sorted(ours, key=lambda r: (r.completed_at, r.id), reverse=True)
        chosen = next((r for r in newest_first if r.external_id == external_id), None)
        if chosen is None:
            chosen = next((r for r in newest_first if r.annotations_count == 0), None)
        return chosen, chosen is newest_first[0]


# -- payloads ------------------------------------------------------------------------------


def _annotation(a: Annotation) -> dict[str, Any]:
    path = repo_relative_path(a.path)
    start = max(1, a.start_line)
    note: dict[str, Any] = {
        "path": path,
        "start_line": start,
        "end_line": max(start, a.end_line),
        "annotation_level": a.level,
        "message": cut(a.message, ANNOTATION_MESSAGE_LIMIT) or "(no message)",
    }
    if a.title:
        note["title"] = cut(a.title, ANNOTATION_TITLE_LIMIT)
    return note


def _check_body(
    conclusion: CheckConclusion,
    external_id: str,
    shown: Mapping[str, Any],
    annotations: list[dict[str, Any]],
    details_url: str | None,
) -> dict[str, Any]:
    output: dict[str, Any] = dict(shown)
    if annotations:
        output["annotations"] = annotations
    body: dict[str, Any] = {
        "status": "completed",
        "conclusion": conclusion,
        # NOTE: set on every write, so that the run we wrote last is GitHub's "latest" of
        # this name (a reused older run would otherwise keep its first completion time).
        "completed_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "external_id": external_id,
        "output": output,
    }
    if details_url:
        body["details_url"] = details_url
    return body


def _same_run(
    run: _CheckRun,
    conclusion: str,
    external_id: str,
    shown: Mapping[str, Any],
    details_url: str | None,
) -> bool:
    """Whether updating ``run`` would change nothing (reruns then make no write at all)."""
    return (
        run.status == "completed"
        and run.conclusion == conclusion
        and run.external_id == external_id
        and run.title == shown.get("title")
        and run.summary == shown.get("summary")
        and run.text == shown.get("text")
        and (details_url is None or run.details_url == details_url)
    )
