"""The release tracker: the runbook's checklist as one issue per version, ticked by evidence."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.deployments import ReleaseOpsPort, connect
from releasekit.cli import tracker as tracker_cli
from releasekit.core.rollout.plan import DEFAULT_PLAN
from releasekit.core.rollout.tracker import (
    ITEMS,
    Evidence,
    evidence_for_promotion,
    parse_evidence,
    render_tracker,
    tick,
)
from releasekit.errors import InputError
from support.github_api import FakeGitHub

REPO = "desk/trading"
TOKEN = "ghs_FAKEinstallationTOKEN0123456789abcdef"
NOW = dt.datetime(2024, 1, 15, 10, tzinfo=dt.UTC)
RUNBOOK_TEMPLATE = """\
## Pre-Release
- [ ] Version.yaml updated
- [ ] CHANGELOG.md updated
- [ ] All tests passing
- [ ] Audit approval (if strategy)
- [ ] Paper trading complete (if strategy)
## Review
- [ ] PR created
- [ ] Code review approved
- [ ] Risk review approved (if needed)
- [ ] Founder approval
## Deployment
- [ ] Tag created
- [ ] Deployed to paper
- [ ] Paper validation (24h min)
- [ ] Deployed to live (minimal)
- [ ] Monitoring configured
- [ ] Kill switch tested
## Post-Release
- [ ] Announcement sent
- [ ] Documentation updated
- [ ] Metrics baseline recorded
## Sign-Off
"""


def test_an_empty_tracker_is_the_runbooks_template() -> None:
    body = render_tracker("v1.2.3", {})
    assert body.startswith("# Release Checklist: v1.2.3\n")
    lines = [x for x in body.splitlines() if x.startswith(("## ", "- ["))]
    assert "\n".join(lines) + "\n" == RUNBOOK_TEMPLATE
    assert "Released by: _____________" in body


def test_evidence_ticks_exactly_its_box() -> None:
    evidence = tick({}, "deployed-paper", at=NOW, by="rollout run 7", detail="deployment 4711")
    body = render_tracker("v1.2.3", evidence)
    ticked = [x for x in body.splitlines() if x.startswith("- [x]")]
    assert ticked == [
        "- [x] Deployed to paper — deployment 4711 (rollout run 7, 2024-01-15T10:00:00Z)"
    ]


def test_a_box_ticked_by_hand_is_unticked_on_the_next_update() -> None:
    body = render_tracker("v1.2.3", {}).replace("- [ ] Founder approval", "- [x] Founder approval")
    evidence = parse_evidence(body)
    assert evidence == {}
    assert "- [ ] Founder approval" in render_tracker("v1.2.3", evidence)


def test_evidence_round_trips_and_cannot_close_its_comment() -> None:
    evidence = tick({}, "tests", at=NOW, by="ci", detail="run 12 --> <b>all green</b>")
    body = render_tracker("v1.2.3", evidence)
    assert body.count("-->") == 1  # only the hidden block's own end
    assert parse_evidence(body) == evidence


def test_the_first_evidence_of_an_item_is_kept() -> None:
    first = tick({}, "tests", at=NOW, by="ci", detail="run 12")
    again = tick(first, "tests", at=NOW + dt.timedelta(hours=1), by="ci", detail="run 13")
    assert again == first


def test_released_fills_the_sign_off() -> None:
    evidence = tick({}, "released", at=NOW, by="release workflow", detail="alice")
    body = render_tracker("v1.2.3", evidence)
    assert "Released by: alice\nDate: 2024-01-15" in body


@pytest.mark.parametrize(
    ("item", "detail", "words"),
    [
        pytest.param("deployed-prod", "x", "not a release checklist item", id="unknown-item"),
        pytest.param("../tests", "x", "not a release checklist item", id="traversal"),
        pytest.param("tests", "", "evidence is empty", id="no-evidence"),
        pytest.param("tests", "x" * 201, "at most 200", id="evidence-too-long"),
    ],
)
def test_bad_ticks_are_refused(item: str, detail: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        tick({}, item, at=NOW, by="ci", detail=detail)


def test_unknown_or_malformed_evidence_is_ignored() -> None:
    body = (
        '<!-- releasekit:evidence {"bogus": {"at": "2024-01-01T00:00:00Z", "by": "x",'
        ' "detail": "y"}, "tests": {"at": "not a time", "by": "x", "detail": "y"}} -->'
    )
    assert parse_evidence(body) == {}
    assert parse_evidence("<!-- releasekit:evidence {broken -->") == {}


def test_promotions_prove_the_deployment_items() -> None:
    paper, live25, live50 = DEFAULT_PLAN.stages[:3]
    assert evidence_for_promotion(None, paper) == ["tag-created", "deployed-paper"]
    assert evidence_for_promotion(paper, live25) == ["paper-validation", "deployed-live"]
    assert evidence_for_promotion(live25, live50) == []
    # A hotfix goes live directly: its tag and its live deployment, no paper validation.
    assert evidence_for_promotion(None, DEFAULT_PLAN.final) == ["tag-created", "deployed-live"]


def test_every_item_id_is_unique_and_kebab_case() -> None:
    ids = [i for i, _, _ in ITEMS]
    assert len(ids) == len(set(ids))
    assert all(i.replace("-", "").isalnum() and i.islower() for i in ids)


# --- the CLI ------------------------------------------------------------------------------------


def run(*args: str, **kw: Any) -> int:
    """``releasekit tracker ARGS``."""
    return tracker_cli.main(list(args), **kw)


def test_offline_open_and_tick_a_body_file(tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    assert run("open", "--version=v1.2.3", f"--body-file={body}") == 0
    assert body.read_text().startswith("<!-- releasekit:tracker v1.2.3 -->\n# Release Checklist")
    code = run(
        "tick",
        "tests",
        "--version=v1.2.3",
        "--evidence=CI run 12 green",
        f"--now={NOW.isoformat()}",
        f"--body-file={body}",
    )
    assert code == 0
    assert "- [x] All tests passing — CI run 12 green" in body.read_text()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("tick", "bogus", "--version=v1.2.3", "--evidence=x"), id="unknown-item"),
        pytest.param(("open", "--version=1.2.3; rm -rf ~"), id="hostile-version"),
        pytest.param(("open", "--version=main"), id="branch-not-tag"),
    ],
)
def test_bad_tracker_input_is_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    body = tmp_path / "body.md"
    assert run(*args, f"--body-file={body}") == 2
    assert not body.exists()


def connector(env: Any, runtime: Runtime) -> ReleaseOpsPort:
    """The real adapter, no write spacing."""
    return connect(env, runtime=runtime, seconds_between_writes=None, log=io.StringIO())


def test_one_issue_per_version_on_github(github_api: FakeGitHub, tmp_path: Path) -> None:
    github_api.add_repo(REPO)
    env = {"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": github_api.url, "GITHUB_TOKEN": TOKEN}
    common = {"connector": connector, "env": env}
    assert run("open", "--version=v1.2.3", **common) == 0
    tick_args = ("tick", "pr-created", "--version=v1.2.3", "--evidence=PR #7", f"--now={NOW}")
    assert run(*tick_args, **common) == 0
    writes = len(github_api.writes())
    assert run(*tick_args, **common) == 0  # the same evidence again: nothing to write
    assert len(github_api.writes()) == writes
    assert run("open", "--version=v1.2.4", **common) == 0
    issues = sorted(github_api.repo(REPO).issues.values(), key=lambda i: i.number)
    assert [i.title for i in issues] == [
        "Release checklist: v1.2.3",
        "Release checklist: v1.2.4",
    ]
    assert "- [x] PR created — PR #7" in (issues[0].body or "")
    assert all(i.labels == ["release"] for i in issues)
    report = tmp_path / "r.json"
    assert run("--report-out", str(report), "open", "--version=v1.2.3", **common) == 0
    assert json.loads(report.read_text())["data"]["ticked"] == ["pr-created"]


def test_evidence_in_an_issue_someone_else_wrote_is_not_ours(github_api: FakeGitHub) -> None:
    github_api.add_repo(REPO)
    body = "<!-- releasekit:tracker v1.2.3 -->\n" + render_tracker(
        "v1.2.3", {"founder-approval": Evidence(NOW, "forged", "me")}
    )
    github_api.add_issue(REPO, title="Release checklist: v1.2.3", body=body, labels=["release"])
    env = {"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": github_api.url, "GITHUB_TOKEN": TOKEN}
    assert run("open", "--version=v1.2.3", connector=connector, env=env) == 0
    ours = [i for i in github_api.repo(REPO).issues.values() if i.user == "github-actions[bot]"]
    (issue,) = ours
    assert "- [ ] Founder approval" in (issue.body or "")
