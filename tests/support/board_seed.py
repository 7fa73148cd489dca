"""A desk on the fake GitHub for ``releasekit board``: N strategies, M releases, one rollout on.

Used by tests/test_board_github.py and benchmarks/bench_board.py. Every release ``1.R.0``
ships every strategy at version ``1.0.R`` (one audit-log row each), was rolled out through
the runbook's four stages by releasekit's own identity (deployment statuses encoding the
events), and has a GitHub Release with its evidence bundle attached. The newest release is
at live-25; everything older is superseded by the release before it that reached 100%.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from releasekit.core.rollout.controller import Event, encode_event
from releasekit.core.signoff.policy import POLICY_PATH
from support.github_api import FakeGitHub

ROOT = Path(__file__).resolve().parents[2]
DESK_POLICY = (ROOT / "examples/trading-desk/.github/release-policy.yml").read_text()
AUDIT_LOG = "docs/audits/audit_log.md"
START = dt.datetime(2023, 1, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
# (stage, environment, size, day from the release's day 0)
STAGES = (("paper", "paper", 1.0, 0), ("live-25", "live", 0.25, 4), ("live-50", "live", 0.5, 7))
FINAL = ("live-100", "live", 1.0, 14)


def release_day0(index: int) -> dt.datetime:
    """Day 0 of release ``index`` (one release a week)."""
    return START + index * 7 * DAY


def now_for(releases: int) -> dt.datetime:
    """Five days into the newest release's rollout: live-25 since day 4."""
    return release_day0(releases - 1) + 5 * DAY


def audit_log(strategies: int, releases: int) -> str:
    """One passing row per strategy and release, dated the week of the release."""
    rows = [
        "| Audit ID | Strategy | Version | Release | Date | Auditor | Verdict | Report |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in range(releases):
        date = (release_day0(r) - 2 * DAY).date()
        for s in range(strategies):
            rows.append(
                f"| AUD-{date.isoformat()}-{s + 1:03d} | STRAT_{s:02d} | 1.0.{r} | 1.{r}.0 |"
                f" {date.isoformat()} | A. Auditor | PASS | [r.md](r.md) |"
            )
    return "# Audit log\n\n" + "\n".join(rows) + "\n"


def _status(api: FakeGitHub, repo: str, dep_id: int, ev: Event) -> None:
    api.add_deployment_status(repo, dep_id, state="success", description=encode_event(ev))


def seed_desk(api: FakeGitHub, repo: str, *, strategies: int, releases: int) -> None:
    """The repository, its policy and audit log, deployments, releases, issues and a PR."""
    api.add_repo(repo)
    api.set_file(repo, POLICY_PATH, DESK_POLICY)
    api.set_file(repo, AUDIT_LOG, audit_log(strategies, releases))
    for r in range(releases):
        tag = f"v1.{r}.0"
        day0 = release_day0(r)
        api.add_release(
            repo,
            tag_name=tag,
            created_at=(day0 - DAY).strftime("%Y-%m-%dT%H:%M:%SZ"),
            assets=["evidence.json", "evidence.md"],
        )
        # Older releases went all the way; the newest is at live-25.
        stages = (*STAGES, FINAL) if r < releases - 1 else STAGES[:2]
        deployments: dict[str, int] = {}
        for stage, environment, size, day in stages:
            if environment not in deployments:
                dep = api.add_deployment(
                    repo, ref=tag, environment=environment, task="deploy:releasekit"
                )
                deployments[environment] = dep.id
            ev = Event(day0 + day * DAY, "promote", stage, size, ("RLT001",), f"promote {tag}")
            _status(api, repo, deployments[environment], ev)
    api.add_issue(
        repo,
        title="Incident: STRAT_00 live errors 4 > 3",
        labels=["incident"],
        body="About the rollout in progress.",
    )
    pr = api.add_pull(
        repo,
        head_ref=f"release/v1.{releases}.0",
        title=f"Release v1.{releases}.0",
        files=["version.yaml", "CHANGELOG.md", "strategies/pine_v6/strat_01.pine"],
    )
    api.add_check_run(repo, name="releasekit/signoff", head_sha=pr.head_sha, conclusion="failure")
