"""Time ``releasekit board`` and count its GitHub requests: 20 strategies x 50 releases.

    python benchmarks/bench_board.py [--runs 7] [--strategies 20] [--releases 50]

Seeds the loopback fake GitHub of tests/support/github_api (which validates every request
against GitHub's OpenAPI description and logs it) with one desk (tests/support/board_seed.py):
every release ships every strategy (a 1,000-row audit log at 20 x 50), was rolled out through
the runbook's four stages (two deployments and four statuses each), has a GitHub Release
with its evidence bundle, and the newest is at live-25; plus an incident and an open release
PR with its sign-off check run. Each run is a whole process (``python scripts/board.py
--repository ... --out DIR``) against the fake, with an installation-like token; the script
prints the median and minimum wall time, the median CPU time of the process (steadier than
wall time on a busy machine) and the requests of each run (always the same).
For comparison it times the example desk's offline board (``--fixture``) the same way.
Results are recorded in docs/benchmarks.md. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

from support.board_seed import now_for, seed_desk  # noqa: E402 - after the path setup
from support.github_api import FakeGitHub  # noqa: E402

REPO = "acme/desk"
TOKEN = "ghs_benchBOARDtoken00000000000000000000"  # noqa: S105 - the fake's, not a secret
FIXTURE = ROOT / "examples" / "trading-desk" / ".releasekit" / "board-fixture.json"


CPU: list[float] = []  # CPU seconds (user + system) of each timed process, in order


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one whole process (its CPU time goes to ``CPU``); it must exit 0."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{argv[1]} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> int:
    """Seed, run, report."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--strategies", type=int, default=20)
    p.add_argument("--releases", type=int, default=50)
    args = p.parse_args()
    api = FakeGitHub().start()
    try:
        seed_desk(api, REPO, strategies=args.strategies, releases=args.releases)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "scripts"),
            "GITHUB_API_URL": api.url,
            "GITHUB_TOKEN": TOKEN,
        }
        env.pop("GITHUB_ACTIONS", None)
        with tempfile.TemporaryDirectory() as tmp:
            board = [
                sys.executable,
                str(ROOT / "scripts" / "board.py"),
                "--repository",
                REPO,
                "--out",
                tmp,
                "--now",
                now_for(args.releases).isoformat(),
            ]
            times, counts = [], []
            for _ in range(args.runs):
                before = len(api.requests)
                times.append(timed(board, env))
                counts.append(len(api.requests) - before)
            last = Counter(r.operation_id for r in api.requests[-counts[-1] :])
            offline = [
                timed(
                    [sys.executable, str(ROOT / "scripts" / "board.py"), "--fixture", str(FIXTURE)],
                    env,
                )
                for _ in range(args.runs)
            ]
            html = (Path(tmp) / "index.html").stat().st_size
        if api.violations:
            raise SystemExit(f"contract violations: {api.violations}")
    finally:
        api.stop()
    print(f"{args.strategies} strategies x {args.releases} releases, {args.runs} runs each")
    github_cpu, fixture_cpu = CPU[: args.runs], CPU[args.runs :]
    print(
        f"github : median {statistics.median(times):.3f} s, min {min(times):.3f} s,"
        f" CPU median {statistics.median(github_cpu):.3f} s,"
        f" requests {sorted(set(counts))}, index.html {html / 1024:.0f} KiB"
    )
    for op, n in sorted(last.items()):
        print(f"         {n:3d}  {op}")
    print(
        f"fixture: median {statistics.median(offline):.3f} s, min {min(offline):.3f} s,"
        f" CPU median {statistics.median(fixture_cpu):.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
