"""Benchmark: verify-audit on a 50,000-row audit log and a 5 MB audit report, as a whole process.

Builds a copy of examples/trading-desk under benchmarks/out/ (git-ignored) whose audit log has
50,000 rows (ICT_QM's real rows among them) and whose ICT_QM audit report is 5 MB (the real
sections, 40 walk-forward windows, 60 fixes, and appendices of trades and notes), then times

    python scripts/verify_audit.py --repo <copy> --strategy ICT_QM --version 1.2.3 --format json

from process start to exit, several times, and prints the median. The gate must pass on the
copy (exit 0): the benchmark times the full evaluation, not an early refusal. Target: < 1 s.
Results are recorded in docs/benchmarks/verify-audit.md.

    python benchmarks/bench_verify_audit.py [--runs 7] [--stock]

``--stock`` also times markdown-it's stock parser (its own table rule, inline parsing on) on
the same two files in this process, the cost the compact outline parse avoids.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "trading-desk"
OUT = ROOT / "benchmarks" / "out" / "verify-audit"
LOG_ROWS = 50_000
REPORT_BYTES = 5 * 1024 * 1024


def build_log(real: str) -> str:
    """The example's log with 50,000 rows in all: generated ones first, the real ones last."""
    head, _, rest = real.partition("| Audit ID |")
    table_lines = ("| Audit ID |" + rest).rstrip("\n").split("\n")
    header, delimiter, real_rows = table_lines[0], table_lines[1], table_lines[2:]
    rng = random.Random(42)
    rows = []
    start = dt.date(2010, 1, 4)
    verdicts = ["PASS"] * 6 + ["PASS-WITH-FIXES"] * 3 + ["FAIL"]
    for i in range(LOG_ROWS - len(real_rows)):
        day = start + dt.timedelta(days=i // 20)
        name = f"STRAT_{i % 700}"
        rows.append(
            f"| AUD-{day}-{i % 20 + 1:03d} | {name} | {rng.randint(1, 4)}.{rng.randint(0, 9)}."
            f"{rng.randint(0, 9)} | {rng.randint(0, 1)}.{i // 1000}.{i % 10} | {day} |"
            f" Auditor {i % 17} | {rng.choice(verdicts)} |"
            f" [{name.lower()}_audit.md]({name.lower()}_audit.md) |"
        )
    return head + "\n".join([header, delimiter, *rows, *real_rows]) + "\n"


def build_report(real: str) -> str:
    """ICT_QM's report grown to 5 MB with the parts a big real report has."""
    rng = random.Random(7)
    before_wf, _, after = real.partition("## 6. Walk-forward")
    before_fixes, _, fixes_rest = before_wf.partition("## 5. Fixes")
    fixes_intro, _, _ = fixes_rest.partition("- [x]")
    fixes = [
        f"- [x] Fix {i}: item {i} from an earlier audit — Verified: test_fix_{i} passes"
        for i in range(60)
    ]
    windows = []
    profitable = 0
    for i in range(40):
        oos = rng.uniform(-1.5, 3.5)
        profitable += oos > 0
        windows.append(
            f"| {i + 1} | 2014-{i % 12 + 1:02d}-01 to 2015-{i % 12 + 1:02d}-01 |"
            f" {rng.uniform(5, 15):+.1f}% | {rng.uniform(0.8, 1.8):.2f} |"
            f" {2015 + i // 12}-{i % 12 + 1:02d}-01 to {2015 + i // 12}-{i % 12 + 1:02d}-28 |"
            f" {oos:+.2f}% |"
            f" {oos / 2:.2f} |"
        )
    consistency = 100 * profitable / 40
    conclusion = after.partition("## 7. Conclusion")[2]
    parts = [
        before_fixes,
        "## 5. Fixes\n",
        fixes_intro.rstrip() + "\n\n",
        "\n".join(fixes),
        "\n\n## 6. Walk-forward\n\n",
        "| Window | In-sample | IS return | IS Sharpe | Out-of-sample | OOS return"
        " | OOS Sharpe |\n",
        "|---|---|---|---|---|---|---|\n",
        "\n".join(windows),
        f"\n\nConsistency: {consistency:.1f}% ({profitable} of 40 out-of-sample windows"
        " profitable).\n\n## 7. Conclusion",
        conclusion,
        "\n## 8. Appendix A: backtest trades\n\n",
        "| # | Symbol | Entry time | Exit time | Side | Entry | Exit | PnL | R multiple |\n",
        "|---|---|---|---|---|---|---|---|---|\n",
    ]
    size = sum(len(p) for p in parts)
    appendix_b = ["\n## 9. Appendix B: reviewer notes\n\n"]
    trade = 0
    while size < REPORT_BYTES * 0.75:
        entry = rng.uniform(1.05, 1.25)
        day = f"2023-{trade % 12 + 1:02d}-{trade % 28 + 1:02d}"
        row = (
            f"| {trade} | EURUSD | {day} 07:{trade % 60:02d} | {day} 11:{trade % 60:02d} |"
            f" {'long' if trade % 2 else 'short'} | {entry:.5f} | {entry * 1.002:.5f} |"
            f" {rng.uniform(-900, 1500):+.2f} | {rng.uniform(-1, 2):+.2f} |\n"
        )
        parts.append(row)
        size += len(row)
        trade += 1
    note = 0
    while size < REPORT_BYTES:
        para = (
            f"Note {note}: the fill on trade {note * 7} was checked against the broker's"
            " statement; the *backtest* price matched within one tick, and the `slippage`"
            " setting of 2 ticks covered the spread at the London open. See"
            f" [trade {note * 7}](#appendix-a) for the row.\n\n"
        )
        appendix_b.append(para)
        size += len(para)
        note += 1
    return "".join(parts) + "".join(appendix_b)


def prepare() -> Path:
    """Build the benchmark copy of the example desk and return its path."""
    if OUT.exists():
        shutil.rmtree(OUT)
    shutil.copytree(EXAMPLE, OUT, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    log = OUT / "docs" / "audits" / "audit_log.md"
    log.write_text(build_log(log.read_text(encoding="utf-8")), encoding="utf-8")
    report = OUT / "docs" / "audits" / "ict_qm_audit.md"
    report.write_text(build_report(report.read_text(encoding="utf-8")), encoding="utf-8")
    return OUT


def command(repo: Path) -> list[str]:
    """The timed command line."""
    return [
        sys.executable,
        str(ROOT / "scripts" / "verify_audit.py"),
        "--repo",
        str(repo),
        "--strategy",
        "ICT_QM",
        "--version",
        "1.2.3",
        "--format",
        "json",
    ]


def time_runs(cmd: list[str], runs: int) -> list[float]:
    """Wall-clock seconds of each run of ``cmd``; every run must exit 0."""
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        out.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            sys.exit(f"the gate did not pass on the benchmark copy:\n{proc.stdout}{proc.stderr}")
    return out


def time_stock(repo: Path) -> tuple[float, float]:
    """Seconds for markdown-it's stock parse (table rule, inline on) of the log and the report."""
    # Imported here: only --stock needs it, and the timed runs are separate processes.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    out = []
    for rel in ("docs/audits/audit_log.md", "docs/audits/ict_qm_audit.md"):
        text = (repo / rel).read_text(encoding="utf-8")
        t0 = time.perf_counter()
        md.parse(text)
        out.append(time.perf_counter() - t0)
    return out[0], out[1]


def main() -> int:
    """Build, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="timed runs (default 7, minimum 5)")
    parser.add_argument(
        "--stock", action="store_true", help="also time the stock markdown-it parse"
    )
    args = parser.parse_args()
    runs = max(args.runs, 5)
    repo = prepare()
    log_size = (repo / "docs" / "audits" / "audit_log.md").stat().st_size
    report_size = (repo / "docs" / "audits" / "ict_qm_audit.md").stat().st_size
    cmd = command(repo)
    time_runs(cmd, 1)  # warm the file cache and .pyc files; not counted
    times = time_runs(cmd, runs)
    baseline = time_runs([sys.executable, "-c", "pass"], runs)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"audit log: {LOG_ROWS:,} rows, {log_size:,} bytes; audit report: {report_size:,} bytes")
    print("command:", " ".join(Path(c).name if c == sys.executable else c for c in cmd))
    print(f"runs: {runs}; times (s): {', '.join(f'{t:.3f}' for t in times)}")
    print(f"median: {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f})")
    print(f"python -c pass, median: {statistics.median(baseline):.3f} s")
    if args.stock:
        log_s, report_s = time_stock(repo)
        print(f"stock markdown-it parse: log {log_s:.2f} s, report {report_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
