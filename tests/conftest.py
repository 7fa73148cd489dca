"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from support.github_api import FakeGitHub


@pytest.fixture
def github_api() -> Iterator[FakeGitHub]:
    """A started fake GitHub API (``.url`` for the client); stopped at teardown.

    At teardown the test fails if any contract violation was recorded; tests
    that break the contract on purpose consume theirs with
    ``github_api.expect_violations(...)`` or ``github_api.take_violations()``.
    """
    # Imported here so tests that never touch GitHub do not pay for (or depend
    # on) werkzeug and the OpenAPI validator.
    from support.github_api import FakeGitHub

    server = FakeGitHub().start()
    try:
        yield server
    finally:
        server.stop()
    if server.violations:
        listing = "\n".join(f"  {v}" for v in server.violations)
        pytest.fail(
            f"{len(server.violations)} GitHub API contract violation(s):\n{listing}",
            pytrace=False,
        )
