"""Time the Markdown cut: a report with many findings rendered within GitHub's size limits.

    python benchmarks/bench_markdown.py [--runs 5] [--sizes 1000 12000 100000] [--old-max 5000]

Builds a report of N findings (each with a file, a line, a message and a hint, as verify-audit
writes them) and times, in-process, what one gate run in Actions renders from it: the check
run summary (≤ 65,535 characters), the PR comment (≤ 65,536) and the job summary (≤ 1 MiB),
each cut to fit. Beside it, the cut that releasekit used before (drop one finding, render
again) on the same reports, up to ``--old-max`` findings (it took 17 s at 12,000). Prints one
row per size: the median and minimum of ``--runs`` runs, and the rendered sizes. Recorded in
docs/benchmarks.md. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts")]

from releasekit.cli.common.publish import check_run_output, comment_body  # noqa: E402
from releasekit.core.render import render_markdown  # noqa: E402
from releasekit.core.report import Finding, Level, Report, finding  # noqa: E402

STEP_SUMMARY_LIMIT = 1024 * 1024


def report_with(n: int) -> Report:
    """A blocked verify-audit report with ``n`` findings of all three levels."""
    levels: tuple[Level, ...] = ("error", "warning", "notice")
    findings: tuple[Finding, ...] = tuple(
        finding(
            f"AUD{i % 20:03d}",
            levels[i % 3],
            f"fix not complete: 'Stop distance uses the ATR of bar {i}'"
            f" (AUD-2024-01-{i % 28:02d}-001)",
            file=f"docs/audits/strategy_{i % 500}_audit.md",
            line=i % 900 + 1,
            hint="complete and verify the fix, then tick it `- [x]` (runbook, Section 5)",
        )
        for i in range(n)
    )
    return Report("verify-audit", "all strategies and models", findings)


def old_cut(report: Report, limit: int) -> str:
    """The cut before this change: drop the last finding and render again, until it fits."""
    rows = report.sorted_findings()
    for n in range(len(rows), -1, -1):
        text = render_markdown(
            Report(report.tool, report.subject, tuple(rows[:n]), report.data), limit=None
        )
        if len(text.encode()) <= limit:
            return text
    return ""


def new_run(report: Report) -> list[int]:
    """What one gate run renders in Actions: check run, comment and job summary."""
    summary = check_run_output(report).summary
    comment = comment_body(report)
    job = render_markdown(report, limit=STEP_SUMMARY_LIMIT - 1)
    return [len(summary), len(comment), len(job.encode())]


def old_run(report: Report) -> list[int]:
    """The same three renderings with the old cut."""
    return [
        len(old_cut(report, 65_535)),
        len(old_cut(report, 65_536)),
        len(old_cut(report, STEP_SUMMARY_LIMIT - 1).encode()),
    ]


def timed(
    fn: Callable[[Report], list[int]], report: Report, runs: int
) -> tuple[float, float, list[int]]:
    """(median s, min s, sizes) of ``runs`` calls, each on a new report (nothing cached)."""
    times: list[float] = []
    sizes: list[int] = []
    for _ in range(runs):
        fresh = Report(report.tool, report.subject, report.findings)
        start = time.perf_counter()
        sizes = fn(fresh)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), sizes


def main(argv: list[str] | None = None) -> int:
    """Print one table row per size and implementation."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 12_000, 100_000])
    parser.add_argument("--old-max", type=int, default=5_000)
    args = parser.parse_args(argv)
    print(
        "| findings | cut | median s | min s | runs | check run chars | comment chars"
        " | job summary bytes |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        report = report_with(n)
        rows = [("bisection (now)", new_run, args.runs)]
        if n <= args.old_max:
            rows.append(("one at a time (before)", old_run, max(1, args.runs // 2)))
        for name, fn, runs in rows:
            median, low, sizes = timed(fn, report, runs)
            print(
                f"| {n:,} | {name} | {median:.3f} | {low:.3f} | {runs} |"
                f" {sizes[0]:,} | {sizes[1]:,} | {sizes[2]:,} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
