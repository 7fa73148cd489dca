"""Time every offline gate on the example desk as a whole process, beside ``python -c pass``.

    python benchmarks/bench_offline.py [--runs 7] [--bytecode both|compiled|none]

Each command is ``python -m releasekit <command> ...`` (the composite action's entry point) on
examples/trading-desk, from files only: a state file, a tags file, the bundled sign-off and
board fixtures, a minimal doctor settings fixture. Runs are interleaved (one run of every
command, then the next round), so a burst of load on a shared machine hits every command
alike. Prints wall-time medians, the CPU time (user + system) median, the exit code and the
number of modules the command loaded, as a Markdown table for docs/benchmarks.md.

``--bytecode compiled`` first writes every module's bytecode (``compileall``), as the
composite action's virtual environment has it; ``none`` runs each command from a copy of
``scripts/`` without ``__pycache__`` and with ``PYTHONDONTWRITEBYTECODE=1`` (what a CI job that
sets it pays: releasekit's modules compiled from source on every run, while the standard
library and the installed dependencies keep the bytecode they were installed with). Never
run by the test suite.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DESK = ROOT / "examples" / "trading-desk"
FIX = DESK / ".releasekit"

# A wrapper that runs the command in-process and reports how many modules it loaded.
COUNT = (
    "import sys\n"
    "from releasekit.cli import main\n"
    "code = main(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(len(sys.modules)))\n"
    "raise SystemExit(code)\n"
)


def commands(tmp: Path) -> dict[str, list[str]]:
    """Name -> arguments of ``releasekit`` for every offline gate."""
    d = str(DESK)
    now = "--now=2026-12-01T00:00Z"
    return {
        "check-changelog": ["check-changelog", f"--repo={d}"],
        "bump-version (dry run)": [
            "bump-version",
            f"--repo={d}",
            "--part=patch",
            "--allow-empty",
            "--summary=Maintenance",
            "--date=2026-12-01",
            "--dry-run",
        ],
        "verify-audit": ["verify-audit", f"--repo={d}", "--all"],
        "release-check": ["release-check", f"--repo={d}"],
        "policy validate": ["policy", "validate", f"--repo={d}"],
        "rollout decide (state file)": [
            "rollout",
            f"--repo={d}",
            "decide",
            f"--state={tmp / 'state.json'}",
            "--version=1.2.3",
            now,
        ],
        "hotfix-sla (tags file)": ["hotfix-sla", f"--repo={d}", f"--tags={tmp / 'tags.txt'}", now],
        "signoff-gate --fixture": [
            "signoff-gate",
            f"--repo={d}",
            f"--fixture={FIX / 'signoff-fixture.json'}",
            f"--bias-junit={FIX / 'bias-junit.xml'}",
        ],
        "doctor --fixture": ["doctor", f"--repo={d}", f"--fixture={tmp / 'settings.json'}"],
        "calendar check": ["calendar", f"--repo={d}", "check", "--action=tag", now],
        "init --dry-run": ["init", f"--repo={tmp / 'new'}", "--dry-run", "--date=2026-12-01"],
        "board --fixture": ["board", f"--fixture={FIX / 'board-fixture.json'}", f"--out={tmp}/b"],
    }


def prepare(tmp: Path) -> None:
    """The files the commands read: tags, doctor settings, an empty directory for init."""
    (tmp / "tags.txt").write_text("v1.2.0 2026-11-01T00:00:00Z\n")
    settings = {"repository": {"full_name": "acme/desk", "default_branch": "main"}}
    (tmp / "settings.json").write_text(json.dumps(settings))
    (tmp / "new").mkdir()


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system of the child) and the exit code of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def measure(
    runs: int, env: dict[str, str], tmp: Path
) -> list[tuple[str, float, float, float, int]]:
    """(name, median wall, min wall, median CPU, exit code) per command, runs interleaved."""
    table = commands(tmp)
    argvs = {name: [sys.executable, "-m", "releasekit", *args] for name, args in table.items()}
    argvs["python -c pass"] = [sys.executable, "-c", "pass"]
    walls: dict[str, list[float]] = {name: [] for name in argvs}
    cpus: dict[str, list[float]] = {name: [] for name in argvs}
    codes: dict[str, int] = {}
    for _ in range(runs):
        for name, argv in argvs.items():
            wall, cpu, code = run_once(argv, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
            codes[name] = code
    return [
        (
            name,
            statistics.median(walls[name]),
            min(walls[name]),
            statistics.median(cpus[name]),
            codes[name],
        )
        for name in argvs
    ]


def module_counts(env: dict[str, str], tmp: Path) -> dict[str, int]:
    """How many modules each command had loaded when it finished."""
    out: dict[str, int] = {}
    for name, args in commands(tmp).items():
        target = tmp / "modules.txt"
        subprocess.run(
            [sys.executable, "-c", COUNT, str(target), *args],
            env=env,
            capture_output=True,
            check=False,
        )
        out[name] = int(target.read_text()) if target.exists() else -1
        target.unlink(missing_ok=True)
    return out


def main() -> int:
    """Run the benchmark and print the tables."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--bytecode", choices=("both", "compiled", "none"), default="both")
    args = ap.parse_args()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RK_"))}
    base["PYTHONPATH"] = str(ROOT / "scripts")
    modes = ["compiled", "none"] if args.bytecode == "both" else [args.bytecode]
    print(
        f"load average before: {os.getloadavg()[0]:.2f} (python {sysconfig.get_python_version()})"
    )
    for mode in modes:
        env = dict(base)
        if mode == "compiled":
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            compileall.compile_dir(str(ROOT / "scripts"), quiet=1)
        with tempfile.TemporaryDirectory() as t:
            tmp = Path(t)
            if mode == "none":
                env["PYTHONDONTWRITEBYTECODE"] = "1"
                copy = tmp / "scripts"
                shutil.copytree(
                    ROOT / "scripts", copy, ignore=shutil.ignore_patterns("__pycache__")
                )
                env["PYTHONPATH"] = str(copy)
            prepare(tmp)
            rows = measure(args.runs, env, tmp)
            counts = module_counts(env, tmp)
        print(f"\nbytecode: {mode}, {args.runs} runs each, interleaved\n")
        print("| command (whole process) | median s | min s | CPU median s | exit | modules |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, med, best, cpu, code in rows:
            mods = counts.get(name)
            shown = f"{mods}" if mods is not None else "—"
            print(f"| {name} | {med:.3f} | {best:.3f} | {cpu:.3f} | {code} | {shown} |")
    compileall.compile_dir(str(ROOT / "scripts"), quiet=1)  # leave the checkout compiled
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
