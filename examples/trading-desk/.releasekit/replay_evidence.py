"""Replay `releasekit evidence` for the example desk's v1.2.3 offline, from the bundled fixture.

`releasekit evidence` checks a tag in a git checkout: its commit must be the merge commit of
the fixture's pull request. This script makes that checkout reproducibly — the desk with the
policy "as on main" from signoff-fixture.json, a release/v1.2.3 branch merged into main with
`--no-ff`, the tag v1.2.3 — writes the fixture with the commits' SHAs, and runs

    releasekit evidence --repo DIR --tag v1.2.3 --fixture FIXTURE --bias-junit bias-junit.xml

with `--now` fixed. Usage (from a releasekit checkout, with its requirements installed):

    python examples/trading-desk/.releasekit/replay_evidence.py [--out DIR] [--keep]

It prints evidence's report and exits with its code (0: the bundle is in DIR/evidence).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DESK = HERE.parent
FIXTURE = HERE / "signoff-fixture.json"
BIAS = HERE / "bias-junit.xml"
POLICY_PATH = ".github/release-policy.yml"
NOW = "2024-01-16T12:00:00Z"
GIT = shutil.which("git") or "git"


def git(repo: Path, *args: str, when: str) -> str:
    """git in ``repo`` with a fixed identity and time, so every SHA is the same on every run."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "desk",
        "GIT_AUTHOR_EMAIL": "desk@example.com",
        "GIT_COMMITTER_NAME": "desk",
        "GIT_COMMITTER_EMAIL": "desk@example.com",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo),
    }
    done = subprocess.run(
        [GIT, "-C", str(repo), "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
        capture_output=True,
        check=True,
        env=env,
    )
    return done.stdout.decode().strip()


def make_checkout(root: Path, fixture: dict[str, object]) -> dict[str, str]:
    """The desk as a git repository: main, release/v1.2.3 merged into it, tagged v1.2.3."""
    desk = root / "desk"
    shutil.copytree(DESK, desk, ignore=shutil.ignore_patterns("__pycache__", ".releasekit"))
    contents = fixture["contents"]
    assert isinstance(contents, dict)
    (desk / POLICY_PATH).write_text(contents["main"][POLICY_PATH], encoding="utf-8")
    git(desk, "init", "-q", "-b", "main", when="2024-01-10T09:00:00Z")
    git(desk, "add", "-A", when="2024-01-10T09:00:00Z")
    git(desk, "commit", "-q", "-m", "the desk before v1.2.3", when="2024-01-10T09:00:00Z")
    base = git(desk, "rev-parse", "HEAD", when="2024-01-10T09:00:00Z")
    git(desk, "checkout", "-q", "-b", "release/v1.2.3", when="2024-01-15T08:00:00Z")
    git(desk, "commit", "-q", "--allow-empty", "-m", "Release v1.2.3", when="2024-01-15T08:00:00Z")
    head = git(desk, "rev-parse", "HEAD", when="2024-01-15T08:00:00Z")
    git(desk, "checkout", "-q", "main", when="2024-01-15T15:00:00Z")
    message = "Merge pull request #42 from release/v1.2.3"
    git(desk, "merge", "-q", "--no-ff", "-m", message, head, when="2024-01-15T15:00:00Z")
    merge = git(desk, "rev-parse", "HEAD", when="2024-01-15T15:00:00Z")
    git(desk, "tag", "-a", "v1.2.3", "-m", "Release v1.2.3", merge, when="2024-01-16T11:00:00Z")
    return {"repo": str(desk), "base": base, "head": head, "merge": merge}


def merged_fixture(fixture: dict[str, object], shas: dict[str, str]) -> dict[str, object]:
    """The sign-off fixture as GitHub answers once the pull request is merged."""
    data = json.loads(json.dumps(fixture))
    pr = data["pull_request"]
    old_head = pr["head_sha"]
    pr.update(
        head_sha=shas["head"],
        base_sha=shas["base"],
        merged=True,
        state="closed",
        merge_commit_sha=shas["merge"],
    )
    for review in data["reviews"]:
        if review.get("commit_id") == old_head:
            review["commit_id"] = shas["head"]
    for commit in data.get("commits", []):
        if commit.get("sha") == old_head:
            commit["sha"] = shas["head"]
    data["$comment"] = "signoff-fixture.json after the merge, written by replay_evidence.py"
    return data


def main(argv: list[str] | None = None) -> int:
    """Build the checkout, write the merged fixture, run evidence; its exit code."""
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--out", type=Path, help="where to build (default: a temporary directory)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    p.add_argument("--format", default="text", choices=("text", "json", "markdown"))
    args = p.parse_args(argv)
    root = args.out or Path(tempfile.mkdtemp(prefix="releasekit-evidence-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
        shas = make_checkout(root, fixture)
        merged = root / "evidence-fixture.json"
        merged.write_text(json.dumps(merged_fixture(fixture, shas), indent=2), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "releasekit",
            "evidence",
            "--repo",
            shas["repo"],
            "--tag",
            "v1.2.3",
            "--fixture",
            str(merged),
            "--bias-junit",
            str(BIAS),
            "--now",
            NOW,
            "--out",
            str(root / "evidence"),
            "--format",
            args.format,
        ]
        env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
        return subprocess.run(command, check=False, env=env).returncode
    finally:
        if args.out is None and not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
