"""Measure the two market-calendar libraries side by side: install size, import time, coverage.

    python benchmarks/bench_calendar.py [--runs 7] [--workdir DIR]

For ``exchange_calendars`` and ``holidays`` (its financial-holiday calendars), this script:

* creates a fresh virtual environment per library in ``--workdir`` (kept, so a second run
  reuses it) and ``pip install``s the library with its dependencies;
* measures the install size as the bytes the install added to ``site-packages`` beyond an
  empty virtual environment (the same measure as ``du``);
* times ``import`` plus one calendar lookup for the New York Stock Exchange as a whole process
  (wall clock, median of ``--runs``), beside a bare interpreter start, and the cumulative
  ``-X importtime`` of the top-level module (median);
* reports coverage: how many exchanges, and what 2026 in New York looks like (holidays, early
  closes, session hours) — what the release calendar needs;
* times ``releasekit calendar check`` as a whole process with this interpreter, for a ``24/5``
  policy (no library) and an ``XNYS`` policy (the library, when installed here).

Prints Markdown for docs/benchmarks.md. Never run by the test suite (needs the package index).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIBRARIES: dict[str, dict[str, str]] = {
    "exchange_calendars": {
        "package": "exchange_calendars",
        "module": "exchange_calendars",
        "lookup": "import exchange_calendars as m; m.get_calendar('XNYS')",
        "coverage": """
import json, exchange_calendars as xc
import pandas as pd
c = xc.get_calendar('XNYS', start='2025-06-01', end='2027-06-30')
early = [d.date().isoformat() for d in c.early_closes if d.year == 2026]
weekdays = pd.bdate_range('2026-01-01', '2026-12-31')
closed = [d for d in weekdays if not c.is_session(d)]
print(json.dumps({
  'exchanges': len(xc.get_calendar_names(include_aliases=False)),
  'holidays_2026': len(closed),
  'early_closes_2026': early,
  'session_hours': True,
}))
""",
    },
    "holidays": {
        "package": "holidays",
        "module": "holidays",
        "lookup": "import holidays as m; m.financial_holidays('NYSE', years=2026)",
        "coverage": """
import json, holidays
names = holidays.list_supported_financial()
h = holidays.financial_holidays('NYSE', years=2026)
print(json.dumps({
  'exchanges': len({k for k in names if k.startswith('X')}),
  'holidays_2026': len(h),
  'early_closes_2026': [],
  'session_hours': False,
}))
""",
    },
}


def venv_python(root: Path) -> Path:
    """The interpreter of the virtual environment at ``root``."""
    return root / "bin" / "python"


def ensure_venv(root: Path, package: str | None) -> Path:
    """A virtual environment at ``root`` with ``package`` installed (None: empty)."""
    python = venv_python(root)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
        if package is not None:
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", package],
                check=True,
            )
    return python


def site_bytes(root: Path) -> int:
    """Bytes of every file below the environment's ``site-packages``."""
    total = 0
    for site in root.glob("lib/python3*/site-packages"):
        for dirpath, _, files in os.walk(site):
            for name in files:
                path = Path(dirpath) / name
                if not path.is_symlink():
                    total += path.stat().st_size
    return total


def wall(python: Path, code: str, runs: int) -> float:
    """Median wall-clock seconds of ``python -c code`` as a whole process."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(python), "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def importtime(python: Path, module: str, runs: int) -> float:
    """Median cumulative ``-X importtime`` of ``module`` in seconds."""
    values = []
    for _ in range(runs):
        done = subprocess.run(
            [str(python), "-X", "importtime", "-c", f"import {module}"],
            check=True,
            capture_output=True,
            text=True,
        )
        for line in done.stderr.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) == 3 and parts[2] == module:
                values.append(int(parts[1]) / 1e6)
    return statistics.median(values)


def installed(python: Path) -> str:
    """``name==version`` of every distribution in the environment but pip and setuptools."""
    done = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        check=True,
        capture_output=True,
        text=True,
    )
    rows = json.loads(done.stdout)
    return ", ".join(
        f"{r['name']} {r['version']}" for r in rows if r["name"] not in ("pip", "setuptools")
    )


ROOT = Path(__file__).resolve().parents[1]
POLICY = """version: 1
timezone: America/New_York
calendar:
  market: {market}
  month_end: {{last_trading_days: 2}}
  session_edges: {{open_minutes: 15, close_minutes: 15}}
"""


def releasekit_rows(workdir: Path, runs: int) -> list[str]:
    """``releasekit calendar check`` whole-process medians for a 24/5 and an XNYS policy."""
    rows = []
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    for market in ("24/5", "XNYS"):
        repo = workdir / f"repo-{market.replace('/', '-')}"
        (repo / ".github").mkdir(parents=True, exist_ok=True)
        (repo / ".github" / "release-policy.yml").write_text(POLICY.format(market=market))
        cmd = [sys.executable, "-m", "releasekit", "calendar", "check", "--action", "tag"]
        cmd += ["--repo", str(repo), "--now", "2026-12-10T15:00:00Z"]
        times, code = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            code = subprocess.run(cmd, capture_output=True, env=env, check=False).returncode
            times.append(time.perf_counter() - start)
        rows.append(
            f"| releasekit calendar check, market {market} |"
            f" {statistics.median(times):.3f} | exit {code} |"
        )
    return rows


def main() -> int:
    """Measure both libraries and print the Markdown rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "releasekit-calendar-bench"
    )
    args = parser.parse_args()
    base = ensure_venv(args.workdir / "empty", None)
    base_size = site_bytes(args.workdir / "empty")
    bare = wall(base, "pass", args.runs)
    print(f"bare interpreter start: {bare:.3f} s (median of {args.runs})\n")
    print(
        "| library | install MB (beyond an empty venv) | import + NYSE lookup, s |"
        " -X importtime, s | exchanges | NYSE 2026 holidays | NYSE 2026 early closes |"
        " session hours | installs |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---|---|")
    for name, spec in LIBRARIES.items():
        root = args.workdir / name
        python = ensure_venv(root, spec["package"])
        size = (site_bytes(root) - base_size) / 1e6
        lookup = wall(python, spec["lookup"], args.runs)
        imported = importtime(python, spec["module"], args.runs)
        done = subprocess.run(
            [str(python), "-c", spec["coverage"]], check=True, capture_output=True, text=True
        )
        cov = json.loads(done.stdout)
        print(
            f"| {name} | {size:.1f} | {lookup:.3f} | {imported:.3f} | {cov['exchanges']} |"
            f" {cov['holidays_2026']} | {', '.join(cov['early_closes_2026']) or 'none'} |"
            f" {'yes' if cov['session_hours'] else 'no'} | {installed(python)} |"
        )
    print("\n| command (whole process) | median s | result |\n|---|---:|---|")
    print("\n".join(releasekit_rows(args.workdir, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
