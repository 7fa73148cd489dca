"""Time check-changelog as a whole process beside python-kacl and keepachangelog.

    python benchmarks/bench_changelog.py [--runs 7] [--sizes 1000 10000] [--skip-kacl-above N]

Generates Keep a Changelog files with N releases (three sections, link reference definitions
for every version, the shape of a long-lived project), then times, in the same run and on the
same files:

* ``python scripts/check_changelog.py --file F`` (releasekit, whole process),
* ``kacl-cli -f F verify`` (python-kacl, whole process),
* ``python -c "keepachangelog.to_dict(F)"`` (keepachangelog, whole process; it validates nothing).

Prints a Markdown table of medians (and max RSS) for docs/benchmarks.md. Never run by the
test suite: timings are recorded, not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def generate(n: int) -> str:
    """A valid changelog with ``n`` releases, newest first, dated one day apart."""
    # python-kacl insists on Keep a Changelog's stock introduction; with it every tool accepts
    # the file, so all three are timed doing their complete job.
    lines = [
        "# Changelog",
        "",
        "All notable changes to this project will be documented in this file.",
        "",
        "The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.0.0/), "
        "and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).",
        "",
        "## [Unreleased]",
        "",
        "### Added",
        "- Next thing",
        "",
    ]
    versions = []
    for i in range(n, 0, -1):
        major, minor, patch = i // 1000, (i // 10) % 100, i % 10
        versions.append(f"{major + 1}.{minor}.{patch}")
    day0 = dt.date(2026, 1, 1).toordinal()  # dates decrease down the file, one a day

    for i, v in enumerate(versions):
        date = dt.date.fromordinal(day0 - i).isoformat()
        lines += [
            f"## [{v}] - {date}",
            "",
            "### Added",
            f"- Feature {v} for the desk",
            "- Another feature with `code` and a [link](https://example.com)",
            "",
            "### Fixed",
            f"- Fix number {i}",
            "",
            "### Security",
            "- Patched dependency",
            "",
        ]
    lines.append(f"[Unreleased]: https://github.com/o/r/compare/v{versions[0]}...HEAD")
    for newer, older in itertools.pairwise(versions):
        lines.append(f"[{newer}]: https://github.com/o/r/compare/v{older}...v{newer}")
    lines.append(f"[{versions[-1]}]: https://github.com/o/r/releases/tag/v{versions[-1]}")
    return "\n".join(lines) + "\n"


def time_command(cmd: list[str], runs: int) -> tuple[float, float, int]:
    """Median and min wall time (s) over ``runs`` runs, and the exit code of the last run."""
    times = []
    code = 0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        code = proc.returncode
    return statistics.median(times), min(times), code


_RSS_PROBE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def max_rss_mb(cmd: list[str]) -> float:
    """Peak resident memory of one run of ``cmd`` in MB, measured from a fresh parent.

    ``RUSAGE_CHILDREN`` is a maximum over every child a process ever waited for, so each
    measurement gets its own short-lived parent (Linux reports ``ru_maxrss`` in KiB).
    """
    out = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, *cmd], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip()) / 1024


def main() -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument(
        "--kacl-runs",
        type=int,
        default=3,
        help="runs for python-kacl (quadratic: 30 s per run at 10,000 releases)",
    )
    args = ap.parse_args()
    kacl = shutil.which("kacl-cli")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"CHANGELOG-{n}.md"
            path.write_text(generate(n))
            size_mb = path.stat().st_size / 1e6
            ours = [
                sys.executable,
                str(ROOT / "scripts" / "check_changelog.py"),
                "--file",
                str(path),
                "--as-of",
                "2026-11-25",
            ]
            med, best, code = time_command(ours, args.runs)
            rows.append(
                (
                    n,
                    size_mb,
                    "releasekit check-changelog",
                    med,
                    best,
                    code,
                    args.runs,
                    max_rss_mb(ours),
                )
            )
            ktd = [
                sys.executable,
                "-c",
                f"import keepachangelog; keepachangelog.to_dict({str(path)!r})",
            ]
            med, best, code = time_command(ktd, args.runs)
            rows.append(
                (
                    n,
                    size_mb,
                    "keepachangelog 2.0.0 to_dict",
                    med,
                    best,
                    code,
                    args.runs,
                    max_rss_mb(ktd),
                )
            )
            if kacl:
                kcmd = [kacl, "-f", str(path), "verify"]
                med, best, code = time_command(kcmd, args.kacl_runs)
                rows.append(
                    (
                        n,
                        size_mb,
                        "python-kacl 0.7.7 verify",
                        med,
                        best,
                        code,
                        args.kacl_runs,
                        max_rss_mb(kcmd),
                    )
                )
    header = "| releases | file MB | tool (whole process) | median s | min s | exit | runs |"
    print(header + " max RSS MB |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for n, mb, tool, med, best, code, runs, rss in rows:
        print(
            f"| {n:,} | {mb:.1f} | {tool} | {med:.3f} | {best:.3f} | {code} | {runs} | {rss:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
