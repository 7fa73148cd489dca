"""Count signoff-gate's GitHub requests for a big release PR, and what ten reruns cost.

    python benchmarks/bench_signoff.py [--reruns 10]

Runs ``releasekit signoff-gate`` in-process, as the workflow does (Actions runtime, event
payload, GITHUB_TOKEN-like installation token, publishing on), against the loopback fake
GitHub of tests/support/github_api, which validates every request against GitHub's OpenAPI
description and logs it. The workspace is a git checkout of examples/trading-desk whose commit
is the pull request's head. For each scenario it prints the requests of the first run (reads,
writes, lookups) and of the reruns, and checks that the reruns leave exactly one comment and
one check run. Results are recorded in docs/benchmarks/signoff.md. Never run by the test
suite: the counts are asserted there (tests/test_signoff_github.py), not here.

Scenarios (a strategy release PR signed off by code review, auditor and founder):

* ``typical``: 100 reviews, 100 changed files; auditor and founder listed in the policy, code
  review by permission (one permission lookup);
* ``listed``: the same with the code reviewer listed too (no lookup);
* ``big``: 100 reviews and 300 changed files (three pages of files);
* ``teams``: 100 reviews and 300 files, the founder role given by a team (App token).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

from releasekit.adapters.actions import Runtime  # noqa: E402 - after the path setup
from releasekit.adapters.github.interface import GitHubPort  # noqa: E402
from releasekit.adapters.github.pygithub import connect  # noqa: E402
from releasekit.cli.signoff_gate import main  # noqa: E402
from releasekit.core.signoff.policy import POLICY_PATH  # noqa: E402
from support.github_api import FakeGitHub  # noqa: E402

EXAMPLE = ROOT / "examples" / "trading-desk"
DEMO = json.loads((EXAMPLE / ".releasekit" / "signoff-fixture.json").read_text())
BASE_POLICY: str = DEMO["contents"]["main"][POLICY_PATH]
BIAS_JUNIT = EXAMPLE / ".releasekit" / "bias-junit.xml"
REPO = "acme/desk"
TOKEN = "ghs_benchSIGNOFFtoken0000000000000000000"  # noqa: S105 - the fake's, not a secret
EVIDENCE = (
    "CHANGELOG.md",
    "version.yaml",
    "strategies/pine_v6/ict_qm.pine",
    "docs/audits/ict_qm_audit.md",
    "docs/paper/ict_qm_paper.md",
)


@dataclass(frozen=True)
class Scenario:
    """One pull request shape and policy."""

    name: str
    files: int
    reviews: int
    policy: str
    # The checkout has the base commit too (pr-gate's fetch-depth: 0): files come from git.
    history: bool = False


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo),
    }
    cmd = ["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args]
    return subprocess.run(cmd, capture_output=True, check=True, env=env).stdout.decode().strip()


def checkout(dest: Path) -> tuple[str, str]:
    """The example desk as a git checkout: (base SHA, HEAD SHA, which touches a paper report)."""
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__", ".releasekit"))
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "the desk")
    base = _git(dest, "rev-parse", "HEAD")
    paper = dest / "docs" / "paper" / "ict_qm_paper.md"
    paper.write_text(paper.read_text() + "\n")
    _git(dest, "commit", "-q", "-am", "release v1.2.3")
    return base, _git(dest, "rev-parse", "HEAD")


def seed(api: FakeGitHub, scenario: Scenario, head: str) -> int:
    """The PR: evidence files plus filler up to ``files``; 3 sign-offs among ``reviews``."""
    files = list(EVIDENCE) + [f"src/desk/module_{i:03d}.py" for i in range(scenario.files - 5)]
    pr = api.add_pull(
        REPO,
        head_sha=head,
        head_ref="release/v1.2.3",
        author="dana-quant",
        title="Release v1.2.3",
        labels=["release:strategy"],
        files=files,
    )
    api.set_file(REPO, POLICY_PATH, scenario.policy, ref="main")
    others = scenario.reviews - 4
    for i in range(others):
        # Discussion from 20 people, a few of whom approve too.
        state = "APPROVED" if i % 10 == 0 else "COMMENTED"
        api.add_review(REPO, pr.number, user=f"desk-dev{i % 20}", state=state)
    for user in ("bob-dev", "m-okafor", "r-chen", "alice-founder"):
        api.add_review(REPO, pr.number, user=user, state="APPROVED")
    return pr.number


def run_once(api: FakeGitHub, workspace: Path, number: int, tmp: Path) -> tuple[int, int]:
    """One gate run as in Actions; (exit code, requests made)."""
    event = tmp / "event.json"
    payload = {"pull_request": {"number": number}, "repository": {"default_branch": "main"}}
    event.write_text(json.dumps(payload))
    outputs = tmp / "outputs.txt"
    outputs.touch()
    os.environ["GITHUB_OUTPUT"] = str(outputs)  # actions-toolkit reads os.environ
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": api.url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"),
        "GITHUB_OUTPUT": str(outputs),
    }
    before = len(api.requests)

    def factory(environ: Mapping[str, str], rt: Runtime) -> GitHubPort:
        return connect(environ, runtime=rt, seconds_between_writes=None, log=io.StringIO())

    sink = io.StringIO()
    code = main(
        ["--repo", str(workspace), "--bias-junit", str(BIAS_JUNIT)],
        env=env,
        connect_port=factory,
        out=sink,
        runtime=Runtime(True, io.StringIO(), env),
        log=io.StringIO(),
    )
    return code, len(api.requests) - before


def measure(
    scenario: Scenario, reruns: int, workspace: Path, shas: tuple[str, str], tmp: Path
) -> str:
    """Run the scenario once and ``reruns`` more times; one Markdown table row."""
    with FakeGitHub() as api:
        api.add_repo(REPO)
        base, head = shas
        if scenario.history:
            api.set_ref(REPO, "heads/main", base)
        api.set_collaborator(REPO, "bob-dev", "write")
        api.set_collaborator(REPO, "alice-founder", "admin")
        for i in range(20):  # the desk's developers, who discuss (and some approve)
            api.set_collaborator(REPO, f"desk-dev{i}", "write")
        api.set_team_membership("acme", "founders", "alice-founder", state="active")
        number = seed(api, scenario, head)
        code, first = run_once(api, workspace, number, tmp)
        first_log = list(api.requests)
        writes_first = sum(1 for r in first_log if r.is_write)
        lookups = sum(1 for r in first_log if "/permission" in r.path or "/teams/" in r.path)
        rerun_counts = []
        for _ in range(reruns):
            rerun_code, n = run_once(api, workspace, number, tmp)
            assert rerun_code == code, (rerun_code, code)
            rerun_counts.append(n)
        repo = api.repo(REPO)
        comments, checks = len(repo.comments), len(repo.check_runs)
        writes_total = len(api.writes())
        assert not api.violations, api.violations
    assert code == 0, f"{scenario.name}: exit {code}"
    assert (comments, checks) == (1, 1), (comments, checks)
    reruns_text = ", ".join(sorted({str(n) for n in rerun_counts}))
    return (
        f"| {scenario.name} | {scenario.reviews} | {scenario.files} | **{first}** |"
        f" {first - writes_first} | {writes_first} | {lookups} | {reruns_text} |"
        f" {writes_total - writes_first} | {comments} / {checks} |"
    )


def main_(argv: list[str] | None = None) -> int:
    """Run every scenario and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reruns", type=int, default=10)
    args = parser.parse_args(argv)
    listed = BASE_POLICY.replace(
        "    logins: []\n    teams: []\n    permission: write",
        "    logins: [bob-dev]\n    teams: []\n    permission: write",
    )
    teams = BASE_POLICY.replace(
        "logins: [alice-founder]\n    teams: []", "logins: []\n    teams: [acme/founders]"
    )
    assert listed != BASE_POLICY
    assert teams != BASE_POLICY
    scenarios = [
        Scenario("typical", 100, 100, BASE_POLICY),
        Scenario("listed", 100, 100, listed),
        Scenario("big", 300, 100, BASE_POLICY),
        Scenario("teams", 300, 100, teams),
        Scenario("full history: listed, files from git", 100, 100, listed, history=True),
        Scenario("full history: code review by permission", 100, 100, BASE_POLICY, history=True),
    ]
    print(
        "| Scenario | Reviews | Files | Requests, first run | Reads | Writes | Lookups |"
        f" Requests per rerun ({args.reruns}) | Writes in reruns | Comments / check runs |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as raw:
        tmp = Path(raw)
        workspace = tmp / "desk"
        shas = checkout(workspace)
        for scenario in scenarios:
            print(measure(scenario, args.reruns, workspace, shas, tmp), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main_())
