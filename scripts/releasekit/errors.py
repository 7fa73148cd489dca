"""The errors releasekit raises, each mapped to one exit code.

Only two kinds of failure stop a gate before it can give a verdict:

* ``InputError`` (exit 2): a file or argument is unusable — missing, malformed, too large,
  outside the repository. The message names the file and line and says how to fix it.
* ``InfraError`` (exit 3): GitHub or the runner could not be reached or refused us. An
  infrastructure failure is never reported as a pass.

A rule that finds a policy problem does not raise: it returns a ``Finding``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FailureKind = Literal["input", "infra"]


@dataclass(frozen=True)
class Problem:
    """A failure that stopped a gate, as a value that reports can carry and render."""

    kind: FailureKind
    message: str
    file: str | None = None
    line: int | None = None
    hint: str | None = None

    @property
    def exit_code(self) -> int:
        """2 for bad input or configuration, 3 for GitHub or infrastructure failures."""
        return 2 if self.kind == "input" else 3

    def location(self) -> str:
        """``file:line`` (or just ``file``) for messages; empty when there is no file."""
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file


class ReleasekitError(Exception):
    """Base of our own errors; carries a ``Problem`` that the CLI renders."""

    kind: FailureKind = "input"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.problem = Problem(self.kind, message, file=file, line=line, hint=hint)

    def __str__(self) -> str:
        where = self.problem.location()
        return f"{where}: {self.problem.message}" if where else self.problem.message


class InputError(ReleasekitError):
    """A file, argument or configuration that cannot be used as given (exit 2)."""

    kind: FailureKind = "input"


class InfraError(ReleasekitError):
    """GitHub or the runner failed us; the verdict is unknown, never a pass (exit 3)."""

    kind: FailureKind = "infra"
