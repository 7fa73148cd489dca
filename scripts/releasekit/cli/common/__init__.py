"""What every gate's entry point shares: common options, the run wrapper, and publishing.

The run wrapper is where errors become exit codes: a ``ReleasekitError`` becomes a report
with verdict ``error`` (exit 2 or 3). Any other exception is mapped by ``problem_from`` —
input that Python itself refuses (nesting too deep, a number too long, text that is not
UTF-8, a file we may not read) is exit 2; anything else is exit 3 — and is reported with a
message, never a traceback (``RELEASEKIT_DEBUG=1`` prints it), never 0 and never 1, so a crash
can't pass for a pass or a policy block. Everything printed goes through the output boundary
(``guarded``): see docs/security.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TextIO, cast

from releasekit.adapters.actions import CommandSafeStream, Runtime
from releasekit.adapters.files import write_atomic
from releasekit.core.render import (
    DetailsRenderer,
    render_json,
    render_markdown,
    render_text,
    visible,
)
from releasekit.core.report import Report, failed_report
from releasekit.errors import InputError, Problem, ReleasekitError

FORMATS = ("text", "json", "markdown")
# A date is "in the future" only once it is in the future everywhere on Earth: a developer in
# Auckland may date a release with their local today while UTC is still on yesterday.
EARLIEST_TZ = dt.timezone(dt.timedelta(hours=14))


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports usage errors as exit 2 with our message shape, not SystemExit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Raise an ``InputError`` instead of printing and exiting."""
        raise InputError(f"{self.prog}: {message}", hint=f"run `{self.prog} --help`")


def new_parser(prog: str, description: str) -> ArgumentParser:
    """A parser with the options every gate takes: --format and --report-out."""
    parser = ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    parser.add_argument(
        "--report-out", metavar="FILE", type=Path, help="also write the JSON report to FILE"
    )
    return parser


def add_bias_junit(parser: argparse.ArgumentParser, *, use: str) -> None:
    """``--bias-junit FILE``: the anti-bias tests' JUnit XML; ``use`` ends the help text."""
    parser.add_argument(
        "--bias-junit",
        metavar="FILE",
        type=Path,
        help=f"JUnit XML of the anti-bias tests{use}",
    )


def today() -> dt.date:
    """The latest calendar date anywhere on Earth (UTC+14): "not in the future" is safe."""
    return dt.datetime.now(EARLIEST_TZ).date()


def parse_date_arg(text: str, *, option: str) -> dt.date:
    """A ``YYYY-MM-DD`` argument as a date, or an ``InputError`` naming the option."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{option} {text!r} is not a date", hint=f"write {option} YYYY-MM-DD"
        ) from None


def tag_from_env(env: Mapping[str, str]) -> str | None:
    """The tag name when this run was triggered by a tag push (``refs/tags/...``)."""
    ref = env.get("GITHUB_REF", "")
    return ref.removeprefix("refs/tags/") if ref.startswith("refs/tags/") else None


def guarded(stream: TextIO) -> TextIO:
    """``stream`` behind the output boundary (the same object when it already is)."""
    if isinstance(stream, CommandSafeStream):
        return stream
    return cast(TextIO, CommandSafeStream(stream))


@contextlib.contextmanager
def guarded_stdio() -> Iterator[None]:
    """Put stdout and stderr behind the output boundary for the duration of a command."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = guarded(sys.stdout), guarded(sys.stderr)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        sys.stdout, sys.stderr = saved


# OSError numbers that say the input is unusable as given (exit 2); any other (a full disk,
# an I/O error) is the machine's failure (exit 3).
_INPUT_ERRNOS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.ELOOP,
        errno.ENAMETOOLONG,
        errno.EROFS,
        errno.ENXIO,
        errno.EINVAL,
    }
)


def problem_from(exc: BaseException) -> Problem:
    """The ``Problem`` for any exception: input Python refuses is exit 2, the rest exit 3."""
    if isinstance(exc, ReleasekitError):
        return exc.problem
    if isinstance(exc, RecursionError):
        return Problem(
            "input",
            "the input is nested too deeply to read (thousands of levels of lists or mappings)",
            hint="flatten the file; no release file needs more than a few levels",
        )
    if isinstance(exc, ValueError) and "digits" in str(exc) and "int" in str(exc):
        return Problem(
            "input",
            "a number in the input has thousands of digits (over Python's integer limit)",
            hint="write the number as it is meant (a PR number, a count) in a few digits",
        )
    if isinstance(exc, UnicodeError):
        return Problem(
            "input",
            f"text that is not valid UTF-8 or cannot be encoded: {visible(str(exc))[:200]}",
            hint="re-save the file (or name the file) as UTF-8",
        )
    if isinstance(exc, OSError):
        name = exc.filename if isinstance(exc.filename, str) else None
        what = exc.strerror or type(exc).__name__
        if exc.errno in _INPUT_ERRNOS:
            return Problem(
                "input",
                f"cannot use {visible(name) if name else 'a file'}: {what}",
                file=None if name is None else visible(name),
                hint="check the path, its permissions and that it is a regular file",
            )
        return Problem("infra", f"operating system error: {what}", file=name)
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        where = f" (at {Path(last.filename).name}:{last.lineno})"
    return Problem(
        "infra",
        f"internal error: {type(exc).__name__}: {visible(str(exc))[:300]}{where}",
        hint="this is a releasekit bug; please report it (RELEASEKIT_DEBUG=1 shows the traceback)",
    )


def report_crash(exc: BaseException, log: TextIO | None = None) -> Problem:
    """``problem_from(exc)``; with ``RELEASEKIT_DEBUG=1`` the traceback goes to the log too."""
    if os.environ.get("RELEASEKIT_DEBUG") == "1":
        traceback.print_exception(exc, file=sys.stderr if log is None else log)
    return problem_from(exc)


def emit(
    report: Report,
    fmt: str,
    out: TextIO,
    *,
    details: DetailsRenderer | None = None,
) -> None:
    """Print the report in the chosen format."""
    if fmt == "json":
        out.write(render_json(report))
    elif fmt == "markdown":
        out.write(render_markdown(report, details=details))
    else:
        color = out.isatty() and "NO_COLOR" not in os.environ
        # Colour codes go only to a terminal (no runner reads one), so they may bypass the
        # boundary; every field in the text has been made visible by render_text already.
        target = out.raw if color and isinstance(out, CommandSafeStream) else out
        target.write(render_text(report, color=color))


def publish_runtime(
    report: Report, runtime: Runtime, *, details: DetailsRenderer | None, report_path: Path | None
) -> None:
    """In Actions: annotations, the job summary and the step outputs for this report."""
    if not runtime.active:
        return
    runtime.annotate(report)
    room = runtime.summary_room()
    runtime.append_summary(render_markdown(report, details=details, limit=room - 1))
    outputs = {"verdict": report.verdict, "exit-code": str(report.exit_code)}
    if report_path is not None:
        outputs["report-path"] = str(report_path)
    for key in ("version", "notes-path", "tag"):
        value = report.data.get(key.replace("-", "_"))
        if isinstance(value, str):
            outputs[key] = value
    runtime.set_outputs(outputs)


def run_gate(
    tool: str,
    subject: str,
    args: argparse.Namespace,
    evaluate: Callable[[], Report],
    *,
    out: TextIO | None = None,
    details: DetailsRenderer | None = None,
    runtime: Runtime | None = None,
) -> int:
    """Evaluate a gate, print its report, publish it in Actions, and return the exit code."""
    stream = guarded(sys.stdout if out is None else out)
    try:
        report = evaluate()
    except ReleasekitError as exc:
        report = failed_report(tool, subject, exc.problem)
    except Exception as exc:  # a bug must never look like a pass or a policy block
        report = failed_report(tool, subject, report_crash(exc))
    fmt: str = getattr(args, "format", "text")
    report_out: Path | None = getattr(args, "report_out", None)
    try:
        if report_out is not None:
            write_atomic({report_out: render_json(report)})
        # `... | head` may close stdout early: the verdict still stands in the exit code.
        with contextlib.suppress(BrokenPipeError):
            emit(report, fmt, stream, details=details)
        publish_runtime(
            report, runtime or Runtime.from_env(stream), details=details, report_path=report_out
        )
    except Exception as exc:  # publishing failed: say so, and never exit lower than the report
        problem = report_crash(exc)
        guarded(sys.stderr).write(f"releasekit {tool}: {_problem_text(problem)}\n")
        return max(report.exit_code, problem.exit_code)
    return report.exit_code


def _problem_text(problem: Problem) -> str:
    where = problem.location()
    text = f"{where}: {problem.message}" if where else problem.message
    return text + (f" (fix: {problem.hint})" if problem.hint else "")


def usage_failure(tool: str, exc: ReleasekitError, out: TextIO | None = None) -> int:
    """Report a command-line usage error (before any options are known) as text, exit 2."""
    report = failed_report(tool, "command line", exc.problem)
    guarded(sys.stdout if out is None else out).write(render_text(report))
    return report.exit_code


def parse_or_usage(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    tool: str,
    out: TextIO | None = None,
) -> argparse.Namespace | int:
    """The parsed options, or the exit code (2) of a usage error already reported as text."""
    try:
        return parser.parse_args(argv)
    except InputError as exc:
        return usage_failure(tool, exc, out)
