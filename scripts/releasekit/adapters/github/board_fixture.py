"""The board's sources read from one JSON file: the board built offline, with no token.

``releasekit board --fixture FILE`` answers every read of ``BoardSource`` from FILE, one
``FixtureBoardSource`` per repository in it. The format is ``releasekit.board-fixture/1``
(docs/board.md, "Offline"): per repository its default branch, the files at that branch
(policy, audit log, post-mortems), releasekit's deployments with their recorded events (as
the rollout's state file writes them), the releases with their attached files, the issues
and the open release pull requests. The file is checked against a JSON Schema first; any
problem is exit 2 naming the field.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from releasekit.adapters.files import read_text
from releasekit.adapters.github.deployments import TASK, DeploymentFact
from releasekit.core.board.facts import IssueRecord, Link, PullRecord, ReleaseRecord
from releasekit.core.rollout.controller import Event, events_of, parse_time
from releasekit.core.rollout.jsonread import nearest_line
from releasekit.errors import InputError

FIXTURE_SCHEMA = "releasekit.board-fixture/1"
FIXTURE_MAX_BYTES = 16 * 1024 * 1024

_TEXT = {"type": "string"}
_TIME = {"type": "string", "minLength": 1}
_LINK = {
    "type": "object",
    "required": ["name", "url"],
    "additionalProperties": False,
    "properties": {"name": _TEXT, "url": _TEXT},
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["schema", "repositories"],
    "additionalProperties": False,
    "properties": {
        "$comment": _TEXT,
        "schema": {"const": FIXTURE_SCHEMA},
        "now": _TIME,
        "repositories": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["repository", "default_branch"],
                "additionalProperties": False,
                "properties": {
                    "repository": {"type": "string", "pattern": r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$"},
                    "default_branch": {"type": "string", "minLength": 1},
                    "files": {"type": "object", "additionalProperties": _TEXT},
                    "deployments": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["version", "environment", "events"],
                            "additionalProperties": False,
                            "properties": {
                                "version": _TEXT,
                                "environment": {"enum": ["paper", "live"]},
                                "events": {"type": "array", "items": {"type": "object"}},
                            },
                        },
                    },
                    "releases": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["tag", "url", "created_at"],
                            "additionalProperties": False,
                            "properties": {
                                "tag": _TEXT,
                                "url": _TEXT,
                                "created_at": _TIME,
                                "prerelease": {"type": "boolean"},
                                "draft": {"type": "boolean"},
                                "assets": {"type": "array", "items": _LINK},
                            },
                        },
                    },
                    "issues": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["number", "title", "url", "state", "labels"],
                            "additionalProperties": False,
                            "properties": {
                                "number": {"type": "integer", "minimum": 1},
                                "title": _TEXT,
                                "url": _TEXT,
                                "state": {"enum": ["open", "closed"]},
                                "labels": {"type": "array", "items": _TEXT},
                                "created_at": _TIME,
                                "body": _TEXT,
                            },
                        },
                    },
                    "pulls": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["number", "title", "url", "head_ref"],
                            "additionalProperties": False,
                            "properties": {
                                "number": {"type": "integer", "minimum": 1},
                                "title": _TEXT,
                                "url": _TEXT,
                                "head_ref": _TEXT,
                                "signoff": {"type": ["string", "null"]},
                                "signoff_url": {"type": ["string", "null"]},
                                "files": {"type": "array", "items": _TEXT},
                            },
                        },
                    },
                },
            },
        },
    },
}


def load_fixture(
    path: Path, *, shown_as: str
) -> tuple[list[FixtureBoardSource], dt.datetime | None]:
    """Every repository of the fixture as a ``BoardSource``, and the fixture's ``now``."""
    text = read_text(path, what="board fixture", shown_as=shown_as, max_bytes=FIXTURE_MAX_BYTES)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"board fixture is not JSON: {exc.msg}", file=shown_as, line=exc.lineno
        ) from None
    errors = sorted(
        Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(map(str, e.path))
    )
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "the document"
        raise InputError(
            f"board fixture: `{where}`: {first.message}"[:400],
            file=shown_as,
            line=nearest_line(text, list(first.absolute_path)),
            hint=f"the format is {FIXTURE_SCHEMA} (docs/board.md, Offline)",
        )
    now = (
        parse_time(data["now"], what="board fixture now", file=shown_as) if "now" in data else None
    )
    return [FixtureBoardSource(r, shown_as) for r in data["repositories"]], now


class FixtureBoardSource:
    """One repository of a board fixture, answering the board's reads (counted as requests)."""

    def __init__(self, data: Mapping[str, Any], shown_as: str) -> None:
        """``data`` is one schema-valid entry of the fixture's ``repositories``."""
        self._data = data
        self._shown = shown_as
        self._reads = 0
        self._files: dict[str, str] = dict(data.get("files", {}))
        self._deployments: list[tuple[DeploymentFact, list[Event]]] = []
        for i, dep in enumerate(data.get("deployments", [])):
            fact = DeploymentFact(
                id=i + 1,
                ref=f"v{dep['version']}",
                sha="0" * 40,
                environment=dep["environment"],
                task=TASK,
                payload={},
                creator="releasekit",
                created_at=None,
            )
            events = events_of(
                dep["events"], shown_as=f"{shown_as} ({fact.ref} {fact.environment})"
            )
            self._deployments.append((fact, events))

    def _read(self) -> None:
        self._reads += 1

    @property
    def repository(self) -> str:
        """``owner/name``."""
        return str(self._data["repository"])

    @property
    def request_count(self) -> int:
        """Reads answered so far (each stands for one request on GitHub)."""
        return self._reads

    def default_branch(self) -> str:
        """The fixture's default branch."""
        self._read()
        return str(self._data["default_branch"])

    def file_at(self, path: str, ref: str) -> str | None:
        """The fixture's text for ``path`` (it holds only the default branch's files)."""
        self._read()
        return self._files.get(path) if ref == self._data["default_branch"] else None

    def file_names(self, directory: str, ref: str) -> list[str]:
        """The fixture's files directly in ``directory`` (of the default branch only)."""
        self._read()
        if ref != self._data["default_branch"]:
            return []
        folder = directory.rstrip("/")
        return sorted(p for p in self._files if posixpath.dirname(p) == folder)

    def deployments(
        self, *, environment: str | None = None, ref: str | None = None
    ) -> list[DeploymentFact]:
        """The fixture's deployments, newest (last listed) first."""
        self._read()
        return [
            d
            for d, _ in reversed(self._deployments)
            if (environment is None or d.environment == environment)
            and (ref is None or d.ref == ref)
        ]

    def rollout_events(self, deployment_id: int) -> list[Event]:
        """The events recorded on a deployment."""
        self._read()
        return list(self._deployments[deployment_id - 1][1])

    def releases(self) -> list[ReleaseRecord]:
        """The fixture's releases."""
        self._read()
        return [
            ReleaseRecord(
                tag=r["tag"],
                url=r["url"],
                created_at=parse_time(
                    r["created_at"], what=f"release {r['tag']}", file=self._shown
                ),
                prerelease=bool(r.get("prerelease", False)),
                draft=bool(r.get("draft", False)),
                assets=tuple(Link(a["name"], a["url"]) for a in r.get("assets", [])),
            )
            for r in self._data.get("releases", [])
        ]

    def issue_records(self, label: str) -> list[IssueRecord]:
        """The fixture's issues with ``label``."""
        self._read()
        return [
            IssueRecord(
                number=i["number"],
                title=i["title"],
                url=i["url"],
                state=i["state"],
                labels=tuple(i["labels"]),
                created_at=parse_time(
                    i["created_at"], what=f"issue #{i['number']}", file=self._shown
                )
                if "created_at" in i
                else None,
                body=i.get("body", ""),
            )
            for i in self._data.get("issues", [])
            if label in i["labels"]
        ]

    def release_pulls(self) -> list[PullRecord]:
        """The fixture's open release pull requests."""
        self._read()
        return [
            PullRecord(
                number=p["number"],
                title=p["title"],
                url=p["url"],
                head_ref=p["head_ref"],
                signoff=p.get("signoff"),
                signoff_url=p.get("signoff_url"),
                files=tuple(p.get("files", [])),
            )
            for p in self._data.get("pulls", [])
        ]
