"""Offline commands never import a network stack: no PyGithub, requests, urllib3 or http.client.

Each command runs in a fresh interpreter on the example desk (files only: fixtures, a state
file, a tags file), and the wrapper prints the modules loaded after ``main`` returned. Importing
PyGithub alone costs about 0.2 s and 40 MB, which is most of an offline gate's run
(docs/benchmarks.md), and an offline road that imports it could be one refactor away from
using it. A GitHub command is the control: the same wrapper sees PyGithub there.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DESK = ROOT / "examples" / "trading-desk"
HERE = DESK / ".releasekit"
NETWORK = ("github", "requests", "urllib3", "http.client", "ssl", "httpx", "aiohttp", "jwt")

# Runs `releasekit ARGS` and writes the exit code and every loaded module to argv[1].
WRAPPER = (
    "import json, sys\n"
    "from releasekit.cli import main\n"
    "code = main(sys.argv[2:])\n"
    "with open(sys.argv[1], 'w') as out:\n"
    "    json.dump({'code': code, 'modules': sorted(sys.modules)}, out)\n"
)


def run(tmp: Path, argv: list[str], env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Exit code and the modules loaded by ``releasekit ARGV`` in a fresh interpreter."""
    out = tmp / "modules.json"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RK_"))}
    base["PYTHONPATH"] = str(ROOT / "scripts")
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(out), *argv],
        cwd=tmp,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert out.exists(), proc.stderr[-2000:]
    result = json.loads(out.read_text())
    return result["code"], result["modules"]


def network(modules: list[str]) -> list[str]:
    """The loaded modules that belong to a network stack."""
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in NETWORK)]


def evidence_checkout(tmp: Path) -> list[str]:
    """The example's v1.2.3 tagged checkout and merged fixture (its bundled replay script)."""
    spec = importlib.util.spec_from_file_location("replay_evidence", HERE / "replay_evidence.py")
    assert spec is not None
    assert spec.loader is not None
    replay = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(replay)
    fixture = json.loads((HERE / "signoff-fixture.json").read_text(encoding="utf-8"))
    shas = replay.make_checkout(tmp / "checkout", fixture)
    merged = tmp / "evidence-fixture.json"
    merged.write_text(json.dumps(replay.merged_fixture(fixture, shas)), encoding="utf-8")
    return [
        "evidence",
        f"--repo={shas['repo']}",
        "--tag=v1.2.3",
        f"--fixture={merged}",
        f"--bias-junit={HERE / 'bias-junit.xml'}",
        f"--now={replay.NOW}",
        f"--out={tmp / 'bundle'}",
    ]


E = str(DESK)
FIXTURE = str(HERE / "signoff-fixture.json")
BIAS = str(HERE / "bias-junit.xml")
NOW = "--now=2026-12-01T00:00Z"
# name -> (arguments, the exit codes the command may give on them); "{tmp}" is a fresh directory.
COMMANDS: dict[str, tuple[list[str], tuple[int, ...]]] = {
    "check-changelog": (["check-changelog", f"--repo={E}"], (0,)),
    "bump-version": (
        [
            "bump-version",
            "--repo={tmp}/desk",
            "--part=patch",
            "--allow-empty",
            "--summary=Maintenance release",
            "--date=2026-12-01",
        ],
        (0,),
    ),
    "verify-audit": (["verify-audit", f"--repo={E}", "--all"], (0,)),
    "release-check": (["release-check", f"--repo={E}"], (0,)),
    "policy validate": (["policy", "validate", f"--repo={E}"], (0, 1)),
    "policy show": (["policy", "show", f"--repo={E}"], (0,)),
    "rollout decide": (
        ["rollout", f"--repo={E}", "decide", "--state={tmp}/state.json", "--version=1.2.3", NOW],
        (0,),
    ),
    "hotfix-sla": (["hotfix-sla", f"--repo={E}", "--tags={tmp}/tags.txt", NOW], (1,)),
    "signoff-gate": (
        ["signoff-gate", f"--repo={E}", f"--fixture={FIXTURE}", f"--bias-junit={BIAS}"],
        (0,),
    ),
    "evidence": (["evidence"], (0,)),
    "doctor": (["doctor", f"--repo={E}", "--fixture={tmp}/settings.json"], (0, 1)),
    "calendar show": (["calendar", f"--repo={E}", "show"], (0,)),
    "calendar check": (["calendar", f"--repo={E}", "check", "--action=tag"], (0, 1)),
    "board": (["board", f"--fixture={HERE / 'board-fixture.json'}", "--out={tmp}/site"], (0,)),
}


def prepare(tmp: Path) -> None:
    """The files the commands read or write in ``tmp``: a desk copy, settings and tags files."""
    shutil.copytree(DESK, tmp / "desk")  # bump-version writes its files
    settings = {"repository": {"full_name": "acme/desk", "default_branch": "main"}}
    (tmp / "settings.json").write_text(json.dumps(settings))
    # One hotfix past its post-mortem deadline.
    (tmp / "tags.txt").write_text(
        "v1.2.0 2026-11-01T00:00:00Z\nv1.2.1-hotfix 2026-11-20T00:00:00Z\n"
    )


@pytest.mark.parametrize("name", list(COMMANDS))
def test_offline_command_imports_no_network_stack(name: str, tmp_path: Path) -> None:
    """The command gets past its inputs to a verdict, and no network module was ever loaded."""
    args, codes = COMMANDS[name]
    prepare(tmp_path)
    if name == "evidence":
        argv = evidence_checkout(tmp_path)
    else:
        argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, modules = run(tmp_path, argv)
    assert code in codes
    assert network(modules) == []


def test_init_imports_no_github_port(tmp_path: Path) -> None:
    """init writes its scaffold without PyGithub or releasekit's GitHub adapter.

    requests is not asserted here: init writes a detect-secrets baseline, and detect-secrets'
    plugins import requests at module level (for their optional secret verification, which a
    baseline scan does not run).
    """
    (tmp_path / "repo").mkdir()
    code, modules = run(tmp_path, ["init", f"--repo={tmp_path / 'repo'}", "--dry-run"])
    assert code == 0
    assert [m for m in modules if m == "github" or m.startswith("github.")] == []
    assert [m for m in modules if m.startswith("releasekit.adapters.github")] == []


def test_a_github_command_is_seen_importing_pygithub(tmp_path: Path) -> None:
    """The control: hotfix-sla --github loads PyGithub, and the wrapper reports it."""
    env = {
        "GITHUB_TOKEN": "test-token-not-a-secret",
        "GITHUB_REPOSITORY": "acme/desk",
        "GITHUB_API_URL": "http://127.0.0.1:9",  # closed: the request fails fast, exit 3
    }
    prepare(tmp_path)
    argv = ["hotfix-sla", f"--repo={E}", f"--tags={tmp_path / 'tags.txt'}", "--github", NOW]
    code, modules = run(tmp_path, argv, env)
    assert code == 3
    assert {"github", "requests", "http.client"} <= set(network(modules))
