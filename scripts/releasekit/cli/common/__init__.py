"""What every gate's entry point shares: common options, the run wrapper, and publishing.

The run wrapper is where errors become exit codes: a ``ReleasekitError`` becomes a report
with verdict ``error`` (exit 2 or 3); anything unexpected is a bug and exits 3 with its
traceback on stderr — never 0 and never 1, so a crash can't pass for a pass or a policy block.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from releasekit.adapters.actions import Runtime
from releasekit.adapters.files import write_atomic
from releasekit.core.render import DetailsRenderer, render_json, render_markdown, render_text
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
        out.write(render_text(report, color=color))


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
    stream = sys.stdout if out is None else out
    try:
        report = evaluate()
    except ReleasekitError as exc:
        report = failed_report(tool, subject, exc.problem)
    except Exception as exc:  # a bug must never look like a pass or a policy block
        traceback.print_exc(file=sys.stderr)
        report = failed_report(
            tool,
            subject,
            Problem(
                "infra",
                f"internal error: {type(exc).__name__}: {exc}",
                hint="this is a releasekit bug; please report it with the traceback above",
            ),
        )
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
    except ReleasekitError as exc:
        sys.stderr.write(f"releasekit {tool}: {exc}\n")
        return max(report.exit_code, exc.problem.exit_code)
    return report.exit_code


def usage_failure(tool: str, exc: ReleasekitError, out: TextIO | None = None) -> int:
    """Report a command-line usage error (before any options are known) as text, exit 2."""
    report = failed_report(tool, "command line", exc.problem)
    (sys.stdout if out is None else out).write(render_text(report))
    return report.exit_code
