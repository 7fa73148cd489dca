"""signoff-gate's decision, case by case, with the in-memory fixture port (no HTTP).

The core table drives ``core.signoff.evaluate_signoff`` through ``FixturePort`` (the same port
``--fixture`` uses); the CLI cases run ``releasekit signoff-gate --fixture`` on the example
desk; the golden files pin the rendered checklist. Every bypass in reference/github-facts.md
that the decision itself must block has a case here; the HTTP ones are in
test_signoff_github.py.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from releasekit import __version__
from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.fixture import FIXTURE_SCHEMA, FixturePort
from releasekit.adapters.github.interface import GitHubPort
from releasekit.cli import main as releasekit_main
from releasekit.cli.signoff_gate import main
from releasekit.core.github_facts import Login, Membership, Permission
from releasekit.core.report import Report
from releasekit.core.signoff.decision import (
    Evidence,
    SignoffInputs,
    decide,
    evaluate_signoff,
    latest_decisions,
    render_details,
)
from releasekit.core.signoff.policy import POLICY_PATH, default_policy, parse_policy
from releasekit.core.signoff.release_types import classify
from releasekit.errors import InfraError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "trading-desk"
EXAMPLE_FIXTURE = EXAMPLE / ".releasekit" / "signoff-fixture.json"
GOLDEN = Path(__file__).parent / "golden"
HEAD = "a" * 40
OLD = "b" * 40
BASE = "c" * 40
AUTHOR = "dana-quant"

POLICY = """\
version: 1
roles:
  audit: {logins: [m-okafor]}
  model_audit: {logins: [a-sato]}
  risk: {logins: [r-chen]}
  founder: {logins: [alice-founder], teams: [acme/founders]}
"""


def review(
    user: str,
    state: str = "APPROVED",
    *,
    commit: str | None = HEAD,
    at: str = "2024-01-15T10:00:00Z",
    rid: int | None = None,
    bot: bool = False,
) -> dict[str, Any]:
    """One review of the fixture format."""
    out: dict[str, Any] = {"user": user, "state": state, "commit_id": commit, "submitted_at": at}
    if rid is not None:
        out["id"] = rid
    if bot:
        out["user_is_bot"] = True
    return out


def fixture(
    *,
    files: Sequence[str] = ("strategies/pine_v6/ict_qm.pine",),
    reviews: Sequence[Mapping[str, Any]] = (),
    labels: Sequence[str] = (),
    head_ref: str = "feature/qm-retest",
    policy: str | None = POLICY,
    permissions: Mapping[str, str] | None = None,
    teams: Mapping[str, Mapping[str, str]] | None = None,
    author: str = AUTHOR,
) -> dict[str, Any]:
    """A fixture for PR #7 of acme/desk (reviews numbered in the order given)."""
    numbered = []
    for i, r in enumerate(reviews):
        numbered.append({"id": 100 + i, **r})
    return {
        "schema": FIXTURE_SCHEMA,
        "repository": "acme/desk",
        "default_branch": "main",
        "pull_request": {
            "number": 7,
            "title": "Retest entries at the QM level",
            "author": author,
            "head_sha": HEAD,
            "head_ref": head_ref,
            "base_ref": "main",
            "base_sha": BASE,
            "labels": list(labels),
        },
        "changed_files": list(files),
        "reviews": numbered,
        "contents": {"main": {POLICY_PATH: policy}},
        "permissions": dict(
            permissions
            if permissions is not None
            else {"bob-dev": "write", "carol-dev": "maintain", "reader": "read"}
        ),
        "teams": {
            k: dict(v) for k, v in (teams if teams is not None else {"acme/founders": {}}).items()
        },
    }


class CountingPort:
    """The fixture port, recording which lookups the decision asked for."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.inner = FixturePort(data)
        self.asked: list[tuple[str, ...]] = []

    def permission(self, login: Login) -> Permission:
        self.asked.append(("permission", login))
        return self.inner.permission(login)

    def team_membership(self, org: str, team_slug: str, login: Login) -> Membership:
        self.asked.append(("team", f"{org}/{team_slug}", login))
        return self.inner.team_membership(org, team_slug, login)


def decide_fixture(data: Mapping[str, Any]) -> tuple[Report, CountingPort]:
    """The decision for the fixture's PR, with no evidence gates (the core alone)."""
    port = CountingPort(data)
    inner = port.inner
    pr = inner.pull_request(7)
    text = inner.file_at(POLICY_PATH, "main")
    policy = parse_policy(text, shown_as="policy") if text is not None else default_policy()
    inputs = SignoffInputs(
        pr=pr,
        files=tuple(inner.changed_files(7)),
        reviews=tuple(inner.reviews(7)),
        policy=policy,
        policy_found=text is not None,
        default_branch=inner.default_branch,
        # A change PR: the core table is about roles, not about a release's evidence.
        evidence=Evidence(release_pr=False),
        policy_ref="main",
    )
    return evaluate_signoff(inputs, port), port


def rules(report: Report, level: str | None = None) -> list[str]:
    """The rule ids of the report's findings (of one level)."""
    return [f.rule for f in report.findings if level is None or f.level == level]


def messages(report: Report, rule: str) -> str:
    """Every message of ``rule``, joined."""
    return " | ".join(f.message for f in report.findings if f.rule == rule)


FULL_STRATEGY = (
    review("bob-dev"),
    review("m-okafor", at="2024-01-15T11:00:00Z"),
    review("r-chen", at="2024-01-15T11:30:00Z"),
    review("alice-founder", at="2024-01-15T12:00:00Z"),
)


# -- the core table: every bypass blocked ------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "decision", "expected_rules"),
    [
        pytest.param(
            fixture(reviews=FULL_STRATEGY), "APPROVED", ["SGN017"], id="strategy-fully-signed-off"
        ),
        pytest.param(
            fixture(
                reviews=[review(AUTHOR), review("bob-dev"), review("m-okafor")],
                policy=POLICY.replace("[alice-founder]", f"[alice-founder, {AUTHOR}]"),
            ),
            "HOLD",
            ["SGN004", "SGN001"],
            id="self-approval-by-an-author-listed-as-founder-never-counts",
        ),
        pytest.param(
            fixture(
                reviews=[review("bob-dev"), review("m-okafor"), review("alice-founder", commit=OLD)]
            ),
            "HOLD",
            ["SGN003", "SGN001"],
            id="stale-approval-then-a-new-commit-does-not-count",
        ),
        pytest.param(
            fixture(reviews=[review("bob-dev"), review("m-okafor", commit=None)]),
            "HOLD",
            ["SGN003"],
            id="approval-without-a-commit-is-stale",
        ),
        pytest.param(
            fixture(
                reviews=[review("bob-dev"), review("alice-founder")],
                policy=POLICY.replace("[m-okafor]", "[m-okafor, alice-founder]"),
            ),
            "HOLD",
            ["SGN001"],
            id="one-person-cannot-be-auditor-and-founder",
        ),
        pytest.param(
            fixture(reviews=[review("bob-dev"), review("m-okafor"), review("renovate[bot]")]),
            "HOLD",
            ["SGN004", "SGN001"],
            id="bot-approval-never-counts",
        ),
        pytest.param(
            fixture(
                reviews=[review("bob-dev"), review("m-okafor"), review("alice-founder", bot=True)]
            ),
            "HOLD",
            ["SGN004", "SGN001"],
            id="account-of-type-bot-never-counts-even-when-listed",
        ),
        pytest.param(
            fixture(
                reviews=[
                    *FULL_STRATEGY,
                    review("alice-founder", "DISMISSED", at="2024-01-15T13:00:00Z"),
                ]
            ),
            "HOLD",
            ["SGN001"],
            id="dismissed-approval-no-longer-counts",
        ),
        pytest.param(
            fixture(
                reviews=[
                    *FULL_STRATEGY,
                    review("alice-founder", "COMMENTED", at="2024-01-16T09:00:00Z"),
                ]
            ),
            "APPROVED",
            ["SGN017"],
            id="comment-after-approval-does-not-cancel-it",
        ),
        pytest.param(
            fixture(
                reviews=[
                    *FULL_STRATEGY,
                    review("alice-founder", "PENDING", at="2024-01-16T09:00:00Z"),
                ]
            ),
            "APPROVED",
            ["SGN017"],
            id="pending-review-after-approval-does-not-cancel-it",
        ),
        pytest.param(
            fixture(
                reviews=[
                    review("m-okafor", "CHANGES_REQUESTED", at="2024-01-15T09:00:00Z"),
                    *FULL_STRATEGY,
                ]
            ),
            "APPROVED",
            ["SGN017"],
            id="changes-requested-then-approved-by-the-same-person-clears-it",
        ),
        pytest.param(
            fixture(
                reviews=[
                    *FULL_STRATEGY,
                    review("r-chen", "CHANGES_REQUESTED", at="2024-01-16T09:00:00Z"),
                ],
                files=["strategies/pine_v6/ict_qm.pine", "config/limits.yaml"],
            ),
            "REJECTED",
            ["SGN002"],
            id="changes-requested-by-a-required-role-rejects",
        ),
        pytest.param(
            fixture(reviews=[*FULL_STRATEGY, review("carol-dev", "CHANGES_REQUESTED")]),
            "REJECTED",
            ["SGN002"],
            id="changes-requested-by-a-code-reviewer-with-write-rejects",
        ),
        pytest.param(
            fixture(
                reviews=[
                    review("carol-dev", "CHANGES_REQUESTED", at="2024-01-15T09:00:00Z"),
                    *FULL_STRATEGY,
                    review("carol-dev", "DISMISSED", at="2024-01-15T09:00:00Z", rid=999),
                ]
            ),
            "APPROVED",
            ["SGN017"],
            id="dismissed-changes-request-no-longer-rejects",
        ),
        pytest.param(
            fixture(reviews=[*FULL_STRATEGY, review("reader", "CHANGES_REQUESTED")]),
            "APPROVED",
            ["SGN008"],
            id="changes-requested-by-someone-holding-no-role-does-not-block",
        ),
        pytest.param(
            fixture(reviews=[*FULL_STRATEGY, review("lint[bot]", "CHANGES_REQUESTED")]),
            "APPROVED",
            ["SGN004"],
            id="changes-requested-by-a-bot-does-not-block",
        ),
        pytest.param(
            fixture(reviews=[review("bob-dev"), review("alice-founder")]),
            "HOLD",
            ["SGN001"],
            id="strategy-missing-its-auditor-holds",
        ),
        pytest.param(
            fixture(
                files=["src/execution/webhook.py"],
                head_ref="hotfix/webhook-timeout",
                reviews=[review("alice-founder"), review("bob-dev")],
            ),
            "HOLD",
            ["SGN007"],
            id="hotfix-without-a-declared-criterion-holds",
        ),
        pytest.param(
            fixture(
                files=["src/execution/webhook.py"],
                head_ref="hotfix/webhook-timeout",
                labels=["hotfix:money-at-risk"],
                reviews=[review("alice-founder")],
                permissions={"alice-founder": "admin"},
            ),
            "HOLD",
            ["SGN001"],
            id="hotfix-with-the-founder-alone-holds-two-humans-needed",
        ),
        pytest.param(
            fixture(
                files=["src/execution/webhook.py"],
                head_ref="hotfix/webhook-timeout",
                labels=["hotfix:money-at-risk"],
                reviews=[review("alice-founder"), review("bob-dev")],
            ),
            "APPROVED",
            ["SGN007", "SGN017"],
            id="hotfix-with-founder-one-other-and-a-criterion-is-approved",
        ),
        pytest.param(
            fixture(
                files=["config/limits.yaml"],
                labels=["release:hotfix", "hotfix:money-at-risk"],
                reviews=[review("alice-founder"), review("bob-dev")],
            ),
            "HOLD",
            ["SGN012", "SGN001"],
            id="hotfix-label-cannot-swap-a-config-change-past-its-risk-review",
        ),
        pytest.param(
            fixture(
                files=["strategies/pine_v6/ict_qm.pine"],
                labels=["release:bugfix"],
                reviews=[review("bob-dev")],
            ),
            "HOLD",
            ["SGN001"],
            id="bugfix-label-cannot-lower-a-strategy-change",
        ),
        pytest.param(
            fixture(
                files=["strategies/pine_v6/ict_qm.pine"],
                head_ref="hotfix/qm",
                labels=["hotfix:money-at-risk"],
                reviews=[review("alice-founder"), review("bob-dev")],
            ),
            "HOLD",
            ["SGN001"],
            id="hotfix-branch-cannot-carry-a-strategy-past-its-audit",
        ),
        pytest.param(
            fixture(files=["README.md", POLICY_PATH], reviews=[review("bob-dev")]),
            "HOLD",
            ["SGN009", "SGN001"],
            id="policy-change-needs-the-founder",
        ),
        pytest.param(
            fixture(
                files=[".github/workflows/pr.yml"],
                reviews=[review("bob-dev"), review("alice-founder")],
            ),
            "APPROVED",
            ["SGN009", "SGN017"],
            id="workflow-change-signed-off-by-the-founder",
        ),
        pytest.param(
            fixture(files=["docs/audits/audit_log.md"], reviews=[review("bob-dev")]),
            "HOLD",
            ["SGN013", "SGN001"],
            id="audit-evidence-change-needs-an-auditor",
        ),
        pytest.param(
            fixture(files=["README.md"], reviews=[review("bob-dev")], policy=None),
            "APPROVED",
            ["SGN011", "SGN017"],
            id="no-policy-on-base-bugfix-by-a-writer",
        ),
        pytest.param(
            fixture(reviews=FULL_STRATEGY, policy=None),
            "HOLD",
            ["SGN011", "SGN006"],
            id="no-policy-on-base-strategy-roles-name-nobody",
        ),
    ],
)
def test_each_bypass_is_blocked_and_each_sign_off_decided(
    data: dict[str, Any], decision: str, expected_rules: list[str]
) -> None:
    report, _ = decide_fixture(data)
    assert report.data["decision"] == decision, [(f.rule, f.message) for f in report.findings]
    assert report.exit_code == (0 if decision == "APPROVED" else 1)
    for rule in expected_rules:
        assert rule in rules(report), (rule, [(f.rule, f.message) for f in report.findings])


def test_missing_auditor_is_named_by_role_in_the_hold() -> None:
    signed = [review("bob-dev"), review("r-chen"), review("alice-founder")]
    report, _ = decide_fixture(fixture(reviews=signed))
    assert report.data["missing_roles"] == ["audit"]
    assert report.data["pending"] == ["auditor approval"]
    assert "audit: an approval" in messages(report, "SGN001")
    assert "m-okafor" in " ".join(f.hint or "" for f in report.findings if f.rule == "SGN001")


def test_role_collapse_names_who_holds_the_role_elsewhere() -> None:
    data = fixture(
        reviews=[review("bob-dev"), review("alice-founder")],
        policy=POLICY.replace("[m-okafor]", "[m-okafor, alice-founder]"),
    )
    report, _ = decide_fixture(data)
    assert "@alice-founder holds it but signs off as" in messages(report, "SGN001")
    filled = [a["login"] for a in report.data["assignments"] if a["login"]]
    assert len(filled) == len(set(filled)) == 2


def test_matching_places_a_two_role_person_where_nobody_else_can() -> None:
    # alice (listed as auditor AND founder) approved first; m-okafor can only audit. A greedy
    # first-fit would make alice the auditor and leave founder empty.
    data = fixture(
        reviews=[
            review("alice-founder", at="2024-01-15T08:00:00Z"),
            review("m-okafor", at="2024-01-15T09:00:00Z"),
            review("bob-dev", at="2024-01-15T10:00:00Z"),
            review("r-chen", at="2024-01-15T10:30:00Z"),
        ],
        policy=POLICY.replace("[m-okafor]", "[alice-founder, m-okafor]"),
    )
    report, _ = decide_fixture(data)
    assert report.data["decision"] == "APPROVED"
    roles = {a["role"]: a["login"] for a in report.data["assignments"]}
    assert roles == {
        "code_review": "bob-dev",
        "audit": "m-okafor",
        "risk": "r-chen",
        "founder": "alice-founder",
    }


def test_hotfix_founder_plus_one_other_are_two_distinct_humans() -> None:
    data = fixture(
        files=["src/x.py"],
        head_ref="hotfix/x",
        labels=["hotfix:security"],
        reviews=[review("alice-founder")],
        permissions={"alice-founder": "admin"},
    )
    report, _ = decide_fixture(data)
    assert report.data["release_type"] == "hotfix"
    assert report.data["rollout"] == "immediate"
    assert report.data["required_roles"] == ["code_review", "founder"]
    assert report.data["missing_roles"] == ["code_review"]
    assert "holds it but signs off as founder" in messages(report, "SGN001")


def test_pending_team_membership_does_not_hold_the_role() -> None:
    data = fixture(
        reviews=[review("bob-dev"), review("m-okafor"), review("r-chen"), review("zoe-founder")],
        teams={"acme/founders": {"zoe-founder": "pending"}},
    )
    report, _ = decide_fixture(data)
    assert report.data["decision"] == "HOLD"
    assert report.data["missing_roles"] == ["founder"]
    assert "invitation pending" in messages(report, "SGN005")


def test_active_team_membership_holds_the_role() -> None:
    data = fixture(
        reviews=[review("bob-dev"), review("m-okafor"), review("r-chen"), review("zoe-founder")],
        teams={"acme/founders": {"zoe-founder": "active"}},
    )
    report, _ = decide_fixture(data)
    assert report.data["decision"] == "APPROVED"
    founder = next(a for a in report.data["assignments"] if a["role"] == "founder")
    assert founder["via"] == "active member of acme/founders"


def test_unreadable_team_raises_never_reads_as_not_a_member() -> None:
    data = fixture(reviews=[review("bob-dev"), review("m-okafor"), review("zoe-founder")], teams={})
    with pytest.raises(InfraError, match="acme/founders"):
        decide_fixture(data)


def test_unreadable_team_of_a_changes_request_raises_never_ignores_it() -> None:
    data = fixture(reviews=[*FULL_STRATEGY, review("zoe", "CHANGES_REQUESTED")], teams={})
    data["permissions"]["zoe"] = "read"
    with pytest.raises(InfraError):
        decide_fixture(data)


def test_head_policy_is_never_read_only_the_default_branchs() -> None:
    data = fixture(
        reviews=[review("bob-dev"), review("m-okafor"), review("r-chen"), review("mallory")]
    )
    data["contents"][HEAD] = {POLICY_PATH: POLICY.replace("[alice-founder]", "[mallory]")}
    data["contents"][BASE] = {POLICY_PATH: POLICY.replace("[alice-founder]", "[mallory]")}
    report, _ = decide_fixture(data)
    assert report.data["decision"] == "HOLD"
    assert report.data["missing_roles"] == ["founder"]
    assert report.data["policy"]["ref"] == "main"


def test_labels_are_matched_case_insensitively_and_unknown_ones_warned() -> None:
    data = fixture(files=["README.md"], labels=["Release:Config", "release:urgent"])
    report, _ = decide_fixture(data)
    assert report.data["release_type"] == "config"
    assert "names no release type" in messages(report, "SGN012")


def test_a_type_union_requires_every_matched_types_approvals() -> None:
    data = fixture(files=["strategies/pine_v6/ict_qm.pine", "config/limits.yaml"])
    report, _ = decide_fixture(data)
    assert report.data["release_type"] == "strategy"
    assert report.data["required_roles"] == ["code_review", "audit", "risk", "founder"]


def test_model_audit_holds_the_audit_people_when_the_policy_leaves_it_out() -> None:
    policy = (
        "version: 1\nroles:\n  audit: {logins: [m-okafor]}\n  risk: {logins: [r-chen]}\n"
        "  founder: {logins: [alice-founder]}\n"
    )
    data = fixture(
        files=["models/regime_filter.py"],
        reviews=[review("bob-dev"), review("m-okafor"), review("r-chen"), review("alice-founder")],
        policy=policy,
    )
    report, _ = decide_fixture(data)
    assert report.data["release_type"] == "model"
    assert report.data["decision"] == "APPROVED"


def test_reviews_are_ordered_by_time_then_id_not_by_listing() -> None:
    data = fixture(
        reviews=[
            review("alice-founder", "CHANGES_REQUESTED", at="2024-01-16T09:00:00Z"),
            review("alice-founder", "APPROVED", at="2024-01-15T09:00:00Z"),
            review("bob-dev"),
            review("m-okafor"),
            review("r-chen"),
        ]
    )
    report, _ = decide_fixture(data)
    assert report.data["decision"] == "REJECTED"
    same_time = fixture(
        reviews=[
            review("alice-founder", "APPROVED", rid=2),
            review("alice-founder", "CHANGES_REQUESTED", rid=1),
            review("bob-dev"),
            review("m-okafor"),
            review("r-chen"),
        ]
    )
    assert decide_fixture(same_time)[0].data["decision"] == "APPROVED"


def test_logins_compare_case_insensitively() -> None:
    data = fixture(
        reviews=[
            review("Bob-Dev"),
            review("M-Okafor"),
            review("R-CHEN"),
            review("Alice-Founder"),
            review("DANA-QUANT"),
        ],
        permissions={"bob-dev": "write"},
    )
    report, _ = decide_fixture(data)
    assert report.data["decision"] == "APPROVED"
    assert "is the author" in messages(report, "SGN004")


def test_listed_roles_need_no_lookup_and_only_reviewers_are_looked_up() -> None:
    report, port = decide_fixture(fixture(reviews=FULL_STRATEGY))
    assert report.data["decision"] == "APPROVED"
    # m-okafor and alice-founder are listed; only bob-dev's permission is needed, once.
    assert port.asked == [("permission", "bob-dev")]
    assert report.data["lookups"] == {"permission": 1, "team": 0}


def test_a_person_is_looked_up_once_for_every_role_that_accepts_a_permission() -> None:
    policy = POLICY + "  risk: {permission: maintain}\n"
    policy = policy.replace("  risk: {logins: [r-chen]}\n", "")
    data = fixture(
        files=["config/limits.yaml"],
        reviews=[review("carol-dev"), review("bob-dev")],
        policy=policy,
    )
    report, port = decide_fixture(data)
    assert report.data["decision"] == "APPROVED"
    logins = [a[1] for a in port.asked]
    assert len(logins) == len(set(logins)) == 2


def test_latest_decisions_skip_comments_and_pending() -> None:
    port = FixturePort(
        fixture(
            reviews=[
                review("bob-dev", "APPROVED", at="2024-01-15T09:00:00Z"),
                review("bob-dev", "COMMENTED", at="2024-01-15T10:00:00Z"),
                review("bob-dev", "PENDING", at="2024-01-15T11:00:00Z"),
            ]
        )
    )
    (only,) = latest_decisions(port.reviews(7))
    assert only.state == "APPROVED"


def test_decision_is_derived_from_the_findings() -> None:
    report, _ = decide_fixture(fixture(reviews=FULL_STRATEGY))
    assert decide(report.findings) == report.data["decision"] == "APPROVED"
    assert report.verdict == "pass"


def test_classification_records_why_each_type_matched() -> None:
    pr = FixturePort(fixture(labels=["release:model"], head_ref="hotfix/x")).pull_request(7)
    from releasekit.core.github_facts import ChangedFile

    cls = classify(pr, [ChangedFile("a/b.py", "renamed", "config/old.yaml")], default_policy())
    assert cls.types == ("model", "hotfix", "config")
    assert cls.release_type == "model"
    assert {m.source for m in cls.matches} == {"label", "branch", "paths"}


# -- rendering ------------------------------------------------------------------------------


def test_checklist_escapes_user_text() -> None:
    data = fixture(reviews=FULL_STRATEGY)
    data["pull_request"]["title"] = "<script>alert(1)</script> | *bold* @everyone"
    report, _ = decide_fixture(data)
    details = render_details(report)
    assert "<script>" not in details
    assert "&lt;script&gt;" in details
    assert "@everyone" not in details  # a zero-width space keeps it from pinging
    assert "\\|" in details


def test_checklist_ticks_only_what_the_evidence_shows() -> None:
    report, _ = decide_fixture(fixture(reviews=[review("bob-dev"), review("alice-founder")]))
    details = render_details(report)
    assert "- [ ] Auditor: _missing_" in details
    assert "- [x] Founder: @\u200balice-founder Date: 2024-01-15" in details
    assert "- [x] HOLD pending: auditor approval" in details
    assert "- [ ] APPROVED for production" in details


def test_details_of_a_report_that_could_not_decide_is_empty() -> None:
    assert render_details(Report("signoff-gate", "PR #1")) == ""


# -- the CLI with --fixture ---------------------------------------------------------------------


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside Actions, from the repository root, with no token."""
    monkeypatch.chdir(ROOT)
    for name in ("GITHUB_ACTIONS", "GITHUB_TOKEN", "RELEASEKIT_GITHUB_TOKEN", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)


def write_fixture(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The example's fixture, edited, written to ``tmp_path``."""
    data = json.loads(EXAMPLE_FIXTURE.read_text())
    edit(data)
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(data))
    return path


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """Run the gate in-process; returns exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out=out, log=err, env={})
    return code, out.getvalue(), err.getvalue()


EXAMPLE_BIAS = EXAMPLE / ".releasekit" / "bias-junit.xml"
DEMO = [
    "--repo",
    "examples/trading-desk",
    "--fixture",
    str(EXAMPLE_FIXTURE),
    "--bias-junit",
    str(EXAMPLE_BIAS),
]


def test_demo_fixture_is_approved_offline_with_no_token(offline: None) -> None:
    code, out, _ = run_cli([*DEMO, "--format", "json"])
    report = json.loads(out)
    assert code == 0, out
    assert report["data"]["decision"] == "APPROVED"
    assert report["data"]["evidence"] == {"check-changelog": "pass", "verify-audit": "pass"}
    roles = [a["role"] for a in report["data"]["assignments"]]
    assert roles == ["code_review", "audit", "risk", "founder"]


def test_demo_runs_through_the_releasekit_command(
    offline: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert releasekit_main(["signoff-gate", *DEMO]) == 0
    assert "APPROVED" in capsys.readouterr().out


def test_explain_names_roles_holders_and_what_is_missing(offline: None, tmp_path: Path) -> None:
    def drop_auditor(data: dict[str, Any]) -> None:
        data["reviews"] = [r for r in data["reviews"] if r["user"] != "m-okafor"]

    code, out, _ = run_cli(
        [*DEMO[:2], "--fixture", str(write_fixture(tmp_path, drop_auditor)), "--explain"]
    )
    assert code == 1
    explained = out[out.index("signoff-gate: PR #42 — HOLD") :]
    assert "required roles: code_review, audit, risk, founder" in explained
    assert "audit: logins m-okafor, l-brandt" in explained
    assert "@bob-dev: APPROVED — counts" in explained
    assert "audit: MISSING" in explained
    assert "decision: HOLD pending: auditor approval" in explained


def test_explain_with_json_goes_to_stderr(offline: None) -> None:
    code, out, err = run_cli([*DEMO, "--format", "json", "--explain"])
    assert code == 0
    json.loads(out)
    assert "decision: APPROVED" in err


def test_fixture_is_refused_inside_github_actions(
    tmp_path: Path, offline: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    outputs = tmp_path / "outputs.txt"
    outputs.touch()
    monkeypatch.setenv("GITHUB_OUTPUT", str(outputs))  # the runtime reads os.environ
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
    }
    out = io.StringIO()
    code = main(DEMO, out=out, log=io.StringIO(), env=env, runtime=Runtime(True, out, env))
    assert code == 2
    assert "--fixture replays a decision offline" in out.getvalue()
    assert "could not decide" in summary.read_text()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(lambda d: d.update(schema="other/1"), "schema", id="wrong-schema"),
        pytest.param(lambda d: d.update(extra=1), "unknown key", id="unknown-key"),
        pytest.param(
            lambda d: d["pull_request"].update(head_sha="abc"), "40-character", id="short-sha"
        ),
        pytest.param(
            lambda d: d["reviews"][0].update(state="LGTM"), "reviews[0].state", id="bad-state"
        ),
        pytest.param(
            lambda d: d.update(contents={}), "no contents for ref", id="policy-ref-missing"
        ),
        pytest.param(
            lambda d: d["permissions"].update({"bob-dev": "owner"}),
            "permissions.bob-dev",
            id="bad-permission",
        ),
    ],
)
def test_bad_fixture_is_exit_2_naming_the_key(
    offline: None, tmp_path: Path, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    code, out, _ = run_cli(
        [*DEMO[:2], "--fixture", str(write_fixture(tmp_path, edit)), "--format", "json"]
    )
    assert code == 2
    assert message in json.loads(out)["problem"]["message"]


def test_fixture_for_another_pull_request_is_exit_2(offline: None) -> None:
    code, out, _ = run_cli([*DEMO, "--pr", "43", "--format", "json"])
    assert code == 2
    assert "#42, not #43" in json.loads(out)["problem"]["message"]


def test_no_pull_request_and_no_event_is_exit_2(
    offline: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a fixture and without an event, the number is unknown before any request.
    def never(_env: Mapping[str, str], _rt: Runtime) -> GitHubPort:
        return FixturePort(fixture())

    out = io.StringIO()
    code = main(["--format", "json"], out=out, log=io.StringIO(), env={}, connect_port=never)
    assert code == 2
    assert "no pull request" in json.loads(out.getvalue())["problem"]["message"]


def test_pull_request_number_comes_from_the_event_payload(offline: None, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 7}, "repository": {"default_branch": "main"}})
    )
    seen: list[int] = []

    class Port(FixturePort):
        def pull_request(self, number: int) -> Any:
            seen.append(number)
            return super().pull_request(number)

    def factory(_env: Mapping[str, str], _rt: Runtime) -> GitHubPort:
        return Port(fixture(files=["README.md"], reviews=[review("bob-dev")]))

    out = io.StringIO()
    code = main(
        ["--repo", str(tmp_path), "--format", "json"],
        out=out,
        log=io.StringIO(),
        env={"GITHUB_EVENT_PATH": str(event)},
        connect_port=factory,
    )
    report = json.loads(out.getvalue())
    assert seen == [7]
    # tmp_path is no git checkout: the evidence cannot be tied to the head (SGN015), and
    # there is no CHANGELOG.md there: bad input. Either way not a pass.
    assert code == 2
    assert report["problem"]["file"].endswith("CHANGELOG.md")


def test_event_with_a_non_numeric_pull_request_is_exit_2(offline: None, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": "7; rm -rf /"}}))
    out = io.StringIO()
    code = main(
        ["--format", "json"], out=out, log=io.StringIO(), env={"GITHUB_EVENT_PATH": str(event)}
    )
    assert code == 2
    assert "not a number" in json.loads(out.getvalue())["problem"]["message"]


def test_evidence_errors_hold_the_release(offline: None, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    import shutil

    shutil.copytree(EXAMPLE, desk)
    paper = desk / "docs" / "paper" / "ict_qm_paper.md"
    paper.write_text(
        paper.read_text().replace(
            "| Sharpe | 1.20 | 1.40 | 14.3% |", "| Sharpe | 1.05 | 1.40 | 25.0% |"
        )
    )
    code, out, _ = run_cli([*DEMO, "--repo", str(desk), "--format", "json"])
    report = json.loads(out)
    assert code == 1
    assert report["data"]["decision"] == "HOLD"
    assert report["data"]["pending"] == ["evidence (AUD006)"]
    unit = report["data"]["checklist"]["units"][0]
    assert unit["divergence_ok"] is False


def test_head_policy_in_the_workspace_is_ignored(offline: None, tmp_path: Path) -> None:
    # The checked-out head grants a reviewer the founder role and loosens the thresholds; the
    # gate reads the base commit's policy (from the fixture), never the workspace's.
    import shutil

    desk = tmp_path / "desk"
    shutil.copytree(EXAMPLE, desk)
    policy = desk / POLICY_PATH
    policy.write_text(
        policy.read_text()
        .replace("audit_max_age_days: 30", "audit_max_age_days: 3650")
        .replace(
            '# "Founder approval (for production)"\n    logins: [alice-founder]',
            '# "Founder approval (for production)"\n    logins: [mallory]',
        )
    )

    def mallory_for_founder(data: dict[str, Any]) -> None:
        data["reviews"] = [r for r in data["reviews"] if r["user"] != "alice-founder"]
        data["reviews"].append({**data["reviews"][0], "id": 9100, "user": "mallory"})
        data["changed_files"].append({"path": POLICY_PATH, "status": "modified"})

    code, out, _ = run_cli(
        [
            "--repo",
            str(desk),
            "--fixture",
            str(write_fixture(tmp_path, mallory_for_founder)),
            "--format",
            "json",
        ]
    )
    report = json.loads(out)
    assert "mallory" in policy.read_text()
    assert code == 1
    assert report["data"]["missing_roles"] == ["founder"]
    assert "SGN009" in [f["rule"] for f in report["findings"]]


# -- golden Markdown (RELEASEKIT_UPDATE_GOLDEN=1 rewrites the files) -------------------------------


def _golden(name: str, text: str) -> None:
    text = text.replace(f"releasekit {__version__}", "releasekit VERSION")
    golden = GOLDEN / f"signoff_{name}.md"
    if os.environ.get("RELEASEKIT_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def _hold(data: dict[str, Any]) -> None:
    head = data["pull_request"]["head_sha"]
    data["reviews"] = [r for r in data["reviews"] if r["user"] != "m-okafor"]
    for r in data["reviews"]:
        if r["user"] == "alice-founder":
            r["commit_id"] = "0" * 40  # approved before the last push
    assert head != "0" * 40


def _rejected(data: dict[str, Any]) -> None:
    data["reviews"].append(
        {
            "id": 9005,
            "user": "m-okafor",
            "state": "CHANGES_REQUESTED",
            "commit_id": data["pull_request"]["head_sha"],
            "submitted_at": "2024-01-15T16:30:00Z",
        }
    )


@pytest.mark.parametrize(
    ("name", "edit", "code"),
    [
        pytest.param("approved", lambda _d: None, 0, id="approved"),
        pytest.param("hold", _hold, 1, id="hold"),
        pytest.param("rejected", _rejected, 1, id="rejected"),
    ],
)
def test_golden_markdown(
    offline: None, tmp_path: Path, name: str, edit: Callable[[dict[str, Any]], None], code: int
) -> None:
    fixture_path = write_fixture(tmp_path, edit)
    got, out, _ = run_cli([*DEMO, "--fixture", str(fixture_path), "--format", "markdown"])
    assert got == code
    _golden(name, out)


def test_fixture_port_writes_are_upserts() -> None:
    from releasekit.core.github_facts import CheckRunOutput, Sha

    port = FixturePort(fixture())
    first = port.upsert_comment(7, "signoff-gate", "a")
    again = port.upsert_comment(7, "signoff-gate", "b")
    assert (first.created, again.created, first.id == again.id) == (True, False, True)
    out = CheckRunOutput("t", "s")
    assert port.upsert_check_run("c", Sha(HEAD), "success", out).created
    assert not port.upsert_check_run("c", Sha(HEAD), "failure", out).created
    assert len(port.check_runs) == 1
    assert len(port.comments) == 1


# -- the import closure of governed code --------------------------------------------------------


def test_import_chains_follow_static_imports_transitively_and_show_the_shortest() -> None:
    from releasekit.core.signoff.imports import governed_imports

    sources = {
        "models/regime.py": "from features.bars import atr\nimport features.util as u\n",
        "features/__init__.py": "",
        "features/bars.py": "from . import maths\n",
        "features/maths.py": "def f():\n    import features.deep\n",
        "features/deep.py": "import numpy\n",
        "features/util.py": "",
        "features/unused.py": "import os\n",
        "models/_helpers.py": "x = 1\n",
        "broken.py": "def (\n",
    }
    chains = governed_imports(sources, {"models/regime.py": "model"})
    assert chains["features/bars.py"].describe() == (
        "features/bars.py is imported by models/regime.py"
    )
    assert chains["features/deep.py"].chain == (
        "models/regime.py",
        "features/bars.py",
        "features/maths.py",
        "features/deep.py",
    )
    assert "features/unused.py" not in chains  # control: imported by nothing governed
    assert "broken.py" not in chains
    assert "models/regime.py" not in chains  # an entry is classified by its own path


def test_a_sibling_import_of_a_script_resolves_in_its_directory() -> None:
    from releasekit.core.signoff.imports import governed_imports

    sources = {"models/m.py": "import shared\n", "models/shared.py": "", "shared.py": ""}
    chains = governed_imports(sources, {"models/m.py": "model"})
    assert set(chains) == {"models/shared.py", "shared.py"}
