"""The GitHub Actions runtime: step outputs, job summary, annotations and log masking.

Built on actions-toolkit's workflow-command escaping and file commands (only its light
modules: ``actions_toolkit.core`` would pull in ``requests`` at import). Nothing here runs
outside Actions; ``Runtime.from_env`` returns a runtime whose methods do nothing there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from actions_toolkit.command import Command
from actions_toolkit.file_command import issue_file_command, prepare_key_value_message

from releasekit.core.report import Finding, Report
from releasekit.errors import InfraError

# GitHub drops a step summary over 1 MiB with only an annotation and the step stays green.
STEP_SUMMARY_LIMIT = 1024 * 1024
# Only 10 errors and 10 warnings per step are shown as annotations; more are noise.
ANNOTATIONS_PER_LEVEL = 10

_COMMAND_FOR_LEVEL = {"error": "error", "warning": "warning", "notice": "notice"}


@dataclass
class Runtime:
    """What a gate may do to the runner it is in; a no-op outside GitHub Actions."""

    active: bool
    out: TextIO
    env: Mapping[str, str]

    @classmethod
    def from_env(cls, out: TextIO, env: Mapping[str, str] | None = None) -> Runtime:
        """The runtime for this process: active when ``GITHUB_ACTIONS`` is ``true``."""
        environ = os.environ if env is None else env
        return cls(environ.get("GITHUB_ACTIONS") == "true", out, environ)

    def _command(self, name: str, properties: dict[str, str], message: str) -> None:
        self.out.write(str(Command(name, properties, message)) + "\n")

    def mask(self, value: str) -> None:
        """Ask the runner to hide ``value`` from all later log output."""
        if self.active and value:
            self._command("add-mask", {}, value)

    def annotate(self, report: Report) -> None:
        """One annotation per finding (at most 10 per level), on the file and line."""
        if not self.active:
            return
        shown: dict[str, int] = {}
        hidden = 0
        for f in report.sorted_findings():
            shown[f.level] = shown.get(f.level, 0) + 1
            if shown[f.level] > ANNOTATIONS_PER_LEVEL:
                hidden += 1
                continue
            self._command(_COMMAND_FOR_LEVEL[f.level], _annotation_properties(f), _message(f))
        if report.problem is not None:
            p = report.problem
            props = {"title": f"releasekit {report.tool}: could not decide"}
            if p.file:
                props["file"] = p.file
            if p.line:
                props["line"] = str(p.line)
            self._command("error", props, p.message + (f" — fix: {p.hint}" if p.hint else ""))
        if hidden:
            self._command(
                "notice",
                {"title": f"releasekit {report.tool}"},
                f"{hidden} more findings are in the job summary",
            )

    def set_outputs(self, outputs: Mapping[str, str]) -> None:
        """Write step outputs through ``$GITHUB_OUTPUT`` (random heredoc delimiters)."""
        if not self.active:
            return
        self._file_command("OUTPUT", outputs)

    def _file_command(self, kind: str, values: Mapping[str, str]) -> None:
        if not self.env.get(f"GITHUB_{kind}"):
            raise InfraError(
                f"GITHUB_{kind} is not set although GITHUB_ACTIONS is true",
                hint="run releasekit as a step of a GitHub Actions job (or unset GITHUB_ACTIONS)",
            )
        try:
            for name, value in values.items():
                issue_file_command(kind, prepare_key_value_message(name, value))
        except Exception as exc:  # actions-toolkit raises bare Exception
            raise InfraError(f"cannot write step {kind.lower()}: {exc}") from None

    def append_summary(self, markdown: str) -> bool:
        """Append to the job summary, keeping under the 1 MiB step limit; False if not written."""
        path = self.env.get("GITHUB_STEP_SUMMARY") if self.active else None
        if not path:
            return False
        target = Path(path)
        used = target.stat().st_size if target.exists() else 0
        data = markdown.encode()
        if used + len(data) > STEP_SUMMARY_LIMIT:
            return False
        try:
            with target.open("ab") as fh:
                fh.write(data)
        except OSError as exc:
            raise InfraError(f"cannot write the job summary: {exc.strerror}") from None
        return True

    def summary_room(self) -> int:
        """Bytes still free in this step's summary (the full limit outside Actions)."""
        path = self.env.get("GITHUB_STEP_SUMMARY") if self.active else None
        if not path or not Path(path).exists():
            return STEP_SUMMARY_LIMIT
        return max(0, STEP_SUMMARY_LIMIT - Path(path).stat().st_size)


def _annotation_properties(f: Finding) -> dict[str, str]:
    props: dict[str, str] = {}
    if f.file:
        props["file"] = f.file
    if f.line:
        props["line"] = str(f.line)
    props["title"] = f.rule
    return props


def _message(f: Finding) -> str:
    return f.message + (f" — fix: {f.hint}" if f.hint else "")
