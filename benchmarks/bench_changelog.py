"""Time check-changelog as a whole process beside python-kacl and keepachangelog.

    python benchmarks/bench_changelog.py [--runs 7] [--sizes 1000 10000 50000] [--kacl-max 10000]

Generates Keep a Changelog files with N releases (three sections, link reference definitions
for every version, the shape of a long-lived project), then times, in the same run and on the
same files:

* ``python scripts/check_changelog.py --file F`` (releasekit, whole process),
* ``kacl-cli -f F verify`` (python-kacl, whole process),
* ``python -c "keepachangelog.to_dict(F)"`` (keepachangelog, whole process; it validates nothing),
* ``python scripts/bump_version.py --repo D --dry-run`` and ``check-changelog --repo D`` on a
  directory holding the same changelog and a matching version.yaml (bump-version checks the
  files, edits them in memory and checks the result).

The tools' runs are interleaved (one run of each, then the next round), so load on a shared
machine falls on all of them alike. Prints a Markdown table of medians, CPU time and peak
memory (max RSS) for docs/benchmarks.md. Never run by the test suite: timings are recorded,
not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import resource
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


def run_once(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and exit code of one whole-process run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def version_yaml(n: int) -> str:
    """version.yaml naming the generated changelog's newest release (see ``generate``)."""
    return f"version: {n // 1000 + 1}.{(n // 10) % 100}.{n % 10}\nrelease_date: 2026-01-01\n" + (
        f'changelog:\n- "{n // 1000 + 1}.{(n // 10) % 100}.{n % 10}: Feature release"\n'
    )


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
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    ap.add_argument("--kacl-runs", type=int, default=3, help="runs for python-kacl (quadratic)")
    ap.add_argument("--kacl-max", type=int, default=10000, help="largest size python-kacl gets")
    args = ap.parse_args()
    kacl = shutil.which("kacl-cli")
    script = ROOT / "scripts"
    rows = []
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            repo = Path(tmp) / f"desk-{n}"
            repo.mkdir()
            path = repo / "CHANGELOG.md"
            path.write_text(generate(n))
            (repo / "version.yaml").write_text(version_yaml(n))
            size_mb = path.stat().st_size / 1e6
            tools = {
                "releasekit check-changelog --file": [
                    sys.executable,
                    str(script / "check_changelog.py"),
                    "--file",
                    str(path),
                    "--as-of",
                    "2026-11-25",
                ],
                "keepachangelog 2.0.0 to_dict": [
                    sys.executable,
                    "-c",
                    f"import keepachangelog; keepachangelog.to_dict({str(path)!r})",
                ],
                "releasekit check-changelog --repo": [
                    sys.executable,
                    str(script / "check_changelog.py"),
                    "--repo",
                    str(repo),
                    "--as-of",
                    "2026-11-25",
                ],
                "releasekit bump-version --dry-run": [
                    sys.executable,
                    str(script / "bump_version.py"),
                    "--repo",
                    str(repo),
                    "--part",
                    "minor",
                    "--date",
                    "2026-01-02",
                    "--dry-run",
                ],
            }
            samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in tools}
            for _ in range(args.runs):
                for name, cmd in tools.items():
                    samples[name].append(run_once(cmd))
            if kacl and n <= args.kacl_max:
                kcmd = [kacl, "-f", str(path), "verify"]
                tools["python-kacl 0.7.7 verify"] = kcmd
                samples["python-kacl 0.7.7 verify"] = [
                    run_once(kcmd) for _ in range(args.kacl_runs)
                ]
            for name, cmd in tools.items():
                walls = [w for w, _, _ in samples[name]]
                cpus = [c for _, c, _ in samples[name]]
                rows.append(
                    (
                        n,
                        size_mb,
                        name,
                        statistics.median(walls),
                        min(walls),
                        statistics.median(cpus),
                        samples[name][-1][2],
                        len(walls),
                        max_rss_mb(cmd),
                    )
                )
    print(f"load average after: {os.getloadavg()[0]:.2f}\n")
    print(
        "| releases | file MB | tool (whole process) | median s | min s | CPU median s | exit"
        " | runs | max RSS MB |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for n, mb, tool, med, best, cpu, code, runs, rss in rows:
        print(
            f"| {n:,} | {mb:.1f} | {tool} | {med:.3f} | {best:.3f} | {cpu:.3f} | {code} | {runs}"
            f" | {rss:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
