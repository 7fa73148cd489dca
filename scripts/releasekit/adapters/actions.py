"""The GitHub Actions runtime: step outputs, job summary, annotations and log masking.

Workflow commands and file commands are written here, by the runner's rules (the ones
@actions/core follows): a command's message escapes ``%``, CR and LF; its properties also
``:`` and ``,``; a file command (``$GITHUB_OUTPUT``) writes ``name<<DELIMITER`` blocks with a
random delimiter, so a value can never end its own block. Nothing here runs outside Actions;
``Runtime.from_env`` returns a runtime whose methods do nothing there.

It is also the output boundary (docs/security.md): ``CommandSafeStream`` wraps stdout and
stderr so that no text we print — report, diff, YAML, log line — can be read by the runner
as a workflow command, and no raw control character is printed. Our own annotations go
through ``Runtime.command``, the one way to issue a workflow command.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, cast

from releasekit.core.render import IGNORABLE_CLASS as _IGNORABLE
from releasekit.core.render import visible
from releasekit.core.report import Finding, Report
from releasekit.errors import InfraError

# The runner (actions/runner ActionCommandManager) reads every stdout and stderr line as a
# command when, after .NET TrimStart, it starts with "::" (TryParseV2), or when it holds the
# legacy "##[" anywhere (TryParse). Its comparisons are culture-sensitive, which may skip
# default-ignorable code points (a zero-width space between the two colons), so those count
# as invisible here: they never separate a line's start from its first ":".
_IGNORABLE_RE = re.compile(f"[{_IGNORABLE}]")
# A ":" that is the first visible character of a line (Python's \s covers every character
# .NET's TrimStart removes). Each gets a "\" before it, which is then the first character.
_LINE_START_COLON = re.compile(f"(?m)^((?:[^\\S\\n]|[{_IGNORABLE}])*):")
# The "[" of "##[" (ignorables between the three characters count as nothing).
_LEGACY_BRACKET = re.compile(f"(#[{_IGNORABLE}]*#[{_IGNORABLE}]*)\\[")
# Workflow commands releasekit itself issues; anything else is written as text.
OWN_COMMANDS = frozenset({"error", "warning", "notice", "add-mask", "debug", "group", "endgroup"})


class CommandSafeStream(io.TextIOBase):
    """A text stream that neutralises workflow commands and control characters as it writes.

    It works character by character across writes (a line may come in pieces), keeping only
    whether the current line has shown anything but whitespace yet and its last two visible
    characters. What it guarantees for every line it writes, which is what the runner parses:

    * the first character that is neither whitespace nor ignorable is never ``:`` (a ``\\``
      is put before such a ``:``), so no line is a ``::command::``;
    * the visible characters never contain ``##[`` (``##\\[`` is written instead);
    * no control character but tab and newline is written (``visible`` shows them).

    ``commands`` is the one way around it: a channel for the workflow commands we issue
    ourselves (``Runtime.command``), each checked to be a single line naming one of ours.
    """

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw
        self._at_start = True  # the current line has shown only whitespace so far
        self._last = ""  # its last two visible characters
        self.commands = _CommandChannel(self)

    def neutralise(self, text: str) -> str:
        """What ``write`` would write for ``text``, updating the line state."""
        text = visible(text, keep_newlines=True)
        # The state enters as a prefix that cannot match by itself: "\0" is never left in
        # the text by visible(), and is not whitespace, so "^" cannot reach a ":" through it.
        prefix = "" if self._at_start else "\0" + self._last
        done = _LINE_START_COLON.sub(r"\1\\:", prefix + text)
        done = _LEGACY_BRACKET.sub(r"\1\\[", done)[len(prefix) :]
        newline = done.rfind("\n")
        tail = _IGNORABLE_RE.sub("", done[newline + 1 :])
        if newline >= 0:
            self._at_start, before = True, ""
        else:
            before = self._last
        if tail.strip():
            self._at_start = False
        self._last = (before + tail)[-2:]
        return done

    def write(self, text: str) -> int:
        """Write ``text`` neutralised; returns ``len(text)`` as a text stream does."""
        self._raw_write(self.neutralise(text))
        return len(text)

    def _raw_write(self, text: str) -> None:
        try:
            self.raw.write(text)
        except UnicodeEncodeError:  # a terminal that is not UTF-8: show, never crash
            encoding = getattr(self.raw, "encoding", None) or "ascii"
            self.raw.write(text.encode(encoding, "backslashreplace").decode(encoding))

    def end_line(self) -> None:
        """Finish the current line, so that what comes next starts one."""
        if not self._at_start or self._last:
            self._raw_write("\n")
        self._at_start, self._last = True, ""

    def flush(self) -> None:
        """Flush the wrapped stream."""
        self.raw.flush()

    def isatty(self) -> bool:
        """Whether the wrapped stream is a terminal (for colour)."""
        return bool(self.raw.isatty())

    def fileno(self) -> int:
        """The wrapped stream's file descriptor."""
        return self.raw.fileno()

    def writable(self) -> bool:
        """Always: this is an output stream."""
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """The wrapped stream's encoding."""
        return str(getattr(self.raw, "encoding", None) or "utf-8")


class _CommandChannel(io.TextIOBase):
    """The stream our own workflow commands are written to (``CommandSafeStream.commands``)."""

    def __init__(self, stream: CommandSafeStream) -> None:
        super().__init__()
        self._stream = stream

    def write(self, text: str) -> int:
        """Write a workflow command of ours on a line of its own; anything else as text."""
        for line in text.splitlines():
            if command_name(line) in OWN_COMMANDS:
                self._stream.end_line()
                self._stream._raw_write(visible(line) + "\n")
            elif line:
                self._stream.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        """Flush the wrapped stream."""
        self._stream.flush()


_V2_COMMAND = re.compile(r"::([^ :]+)(?: [^:]*)?::")


def command_name(line: str) -> str | None:
    """The workflow command a line starts with (``::name props::data``), else None."""
    match = _V2_COMMAND.match(line)
    return match.group(1) if match else None


def escape_data(text: str) -> str:
    """A workflow command's message as the runner reads it back: ``%``, CR and LF escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as ``escape_data``, and ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_command(name: str, properties: Mapping[str, str], message: str) -> str:
    """``::name key=value,key=value::message`` with properties and message escaped."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def safe_command(name: str, properties: Mapping[str, str], message: str) -> str:
    """One workflow-command line: values escaped (``format_command``), controls made visible."""
    props = {key: visible(value) for key, value in properties.items()}
    return format_command(name, props, visible(message, keep_newlines=True))


def key_value_block(name: str, value: str) -> str:
    """One ``$GITHUB_OUTPUT``-style entry: ``name<<DELIMITER``, the value, the delimiter.

    The delimiter is random (a fresh UUID) so that repository text in ``value`` cannot close
    the block early and set another output; a name or value holding it anyway is refused.
    """
    import uuid  # only multi-line outputs need it: kept off every command's start-up

    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    if delimiter in name or delimiter in value:
        raise ValueError(f"output {name!r} contains its own delimiter")
    return f"{name}<<{delimiter}{os.linesep}{value}{os.linesep}{delimiter}"


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
    def from_env(
        cls, out: TextIO | CommandSafeStream, env: Mapping[str, str] | None = None
    ) -> Runtime:
        """The runtime for this process: active when ``GITHUB_ACTIONS`` is ``true``.

        When ``out`` is a ``CommandSafeStream`` the runtime writes to its command channel,
        the only place our own workflow commands get through.
        """
        environ = os.environ if env is None else env
        channel = cast(TextIO, out.commands if isinstance(out, CommandSafeStream) else out)
        return cls(environ.get("GITHUB_ACTIONS") == "true", channel, environ)

    def command(self, name: str, properties: Mapping[str, str], message: str) -> None:
        """Issue one workflow command (an annotation, a mask), escaped; nothing outside Actions."""
        if self.active:
            self._command(name, properties, message)

    def _command(self, name: str, properties: Mapping[str, str], message: str) -> None:
        self.out.write(safe_command(name, properties, message) + "\n")

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
        # A value from the repository stays one line with no control characters: a workflow
        # that reads the output must get the value, never a second line it did not expect.
        self._file_command("OUTPUT", {key: visible(value) for key, value in outputs.items()})

    def _file_command(self, kind: str, values: Mapping[str, str]) -> None:
        if not self.env.get(f"GITHUB_{kind}"):
            raise InfraError(
                f"GITHUB_{kind} is not set although GITHUB_ACTIONS is true",
                hint="run releasekit as a step of a GitHub Actions job (or unset GITHUB_ACTIONS)",
            )
        path = Path(self.env[f"GITHUB_{kind}"])
        # The runner creates the file before the step starts; a missing one is not ours to make.
        if not path.is_file():
            raise InfraError(f"cannot write step {kind.lower()}: no file at GITHUB_{kind}")
        try:
            text = "".join(key_value_block(k, v) + os.linesep for k, v in values.items())
            with path.open("a", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except (OSError, ValueError) as exc:
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
