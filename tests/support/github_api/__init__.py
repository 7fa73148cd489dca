"""Loopback fake of the GitHub REST API, contract-checked against GitHub's OpenAPI description.

Use the ``github_api`` pytest fixture (``tests/conftest.py``), or
``with FakeGitHub() as gh: ...`` directly.  See :mod:`.server` for the flow and
``PROVENANCE.json`` for where the vendored description and events come from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .server import FAULTS, FakeGitHub, Fault, RecordedRequest, Violation
from .state import PullFile

EVENTS_DIR = Path(__file__).with_name("events")


def load_event(name: str) -> Any:
    """A vendored webhook payload, e.g. ``load_event("pull_request.opened")``."""
    return json.loads((EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))


__all__ = [
    "EVENTS_DIR",
    "FAULTS",
    "FakeGitHub",
    "Fault",
    "PullFile",
    "RecordedRequest",
    "Violation",
    "load_event",
]
