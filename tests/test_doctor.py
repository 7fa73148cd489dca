"""``core.doctor``: each DOC rule firing and not firing, from facts (no GitHub, no files).

One well-configured repository (``GOOD``) passes with no findings; each case changes one
setting and names the finding it must produce — or, for the "not firing" cases, the finding
it must not. Unreadable settings are warnings naming the permission, never a pass or an error.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from releasekit.core.github_facts import (
    ActionsPermissions,
    BranchProtection,
    BranchRule,
    DeploymentEnvironment,
    EnvironmentReviewer,
    RepositoryInfo,
    RequiredCheck,
)
from releasekit.core.repo import doctor
from releasekit.core.repo.doctor import (
    FoundFile,
    SettingsFacts,
    Unreadable,
    environment_names,
    evaluate,
    parse_codeowners,
    pattern_matches,
)
from releasekit.core.report import Report
from releasekit.errors import Problem

GATE = "releasekit / gate"
CODEOWNERS = """\
# Release owners decide what the gates enforce.
*                             @acme/devs
/.github/                     @acme/release-owners
/version.yaml                 @acme/release-owners
"""
POLICY = "version: 1\n"
ADMIN = "Administration: read"

PROTECTION = BranchProtection(
    branch="main",
    required_checks=(RequiredCheck(GATE, 15368),),
    strict_checks=True,
    requires_pull_request=True,
    required_approving_review_count=1,
    dismiss_stale_reviews=True,
    require_code_owner_reviews=True,
    enforce_admins=True,
)
LIVE = DeploymentEnvironment(
    "live",
    reviewers=(EnvironmentReviewer("Team", "risk"),),
    prevent_self_review=True,
    branch_policy="custom",
)
PAPER = DeploymentEnvironment("paper", wait_timer_minutes=10, branch_policy="protected")
GOOD = SettingsFacts(
    repository=RepositoryInfo("acme/desk", "main", private=False, archived=False),
    protection=PROTECTION,
    rules=(),
    environments=(("paper", PAPER), ("live", LIVE)),
    actions=ActionsPermissions(True, "selected", "read", False),
    codeowners=FoundFile(".github/CODEOWNERS", CODEOWNERS),
    policy=POLICY,
)
DENIED = Unreadable("the branch protection of main", ADMIN, "GitHub answered 403")
PR_RULE = BranchRule(
    "pull_request",
    ruleset_id=1,
    required_approving_review_count=1,
    dismiss_stale_reviews_on_push=True,
    require_code_owner_review=True,
)
CHECK_RULE = BranchRule("required_status_checks", required_checks=(RequiredCheck(GATE, 15368),))


def facts(**changes: Any) -> SettingsFacts:
    """``GOOD`` with some fields replaced."""
    return dataclasses.replace(GOOD, **changes)


def protection(**changes: Any) -> BranchProtection:
    """``PROTECTION`` with some settings changed."""
    return dataclasses.replace(PROTECTION, **changes)


def env(name: str, **changes: Any) -> tuple[str, DeploymentEnvironment]:
    """An environment entry: ``LIVE``/``PAPER`` with some settings changed."""
    base = LIVE if name == "live" else PAPER
    return name, dataclasses.replace(base, **changes)


def found(report: Report) -> set[tuple[str, str]]:
    """(rule, level) of every finding."""
    return {(f.rule, f.level) for f in report.findings}


def test_a_well_configured_repository_passes_without_findings() -> None:
    report = evaluate(GOOD)
    assert report.findings == ()
    assert report.verdict == "pass"
    assert report.data["environments"] == ["paper", "live"]


# -- firing --------------------------------------------------------------------------------

FIRING = [
    # DOC001: pull requests
    pytest.param(facts(protection=None), ("DOC001", "error"), id="DOC001-unprotected"),
    pytest.param(
        facts(protection=protection(requires_pull_request=False)),
        ("DOC001", "error"),
        id="DOC001-no-pull-request",
    ),
    pytest.param(
        facts(protection=protection(required_approving_review_count=0)),
        ("DOC001", "warning"),
        id="DOC001-zero-approvals",
    ),
    # DOC002: the gate's check
    pytest.param(
        facts(protection=protection(required_checks=(RequiredCheck("lint"),))),
        ("DOC002", "error"),
        id="DOC002-other-checks-only",
    ),
    pytest.param(
        facts(protection=protection(required_checks=(RequiredCheck("releasekit/signoff"),))),
        ("DOC002", "error"),
        id="DOC002-check-run-not-the-job",
    ),
    # DOC003 / DOC004
    pytest.param(
        facts(protection=protection(dismiss_stale_reviews=False)),
        ("DOC003", "error"),
        id="DOC003-stale-approvals-kept",
    ),
    pytest.param(
        facts(protection=protection(require_code_owner_reviews=False)),
        ("DOC004", "error"),
        id="DOC004-no-code-owner-review",
    ),
    # DOC005 / DOC006: CODEOWNERS
    pytest.param(facts(codeowners=None), ("DOC005", "error"), id="DOC005-missing"),
    pytest.param(
        facts(codeowners=Problem("input", "CODEOWNERS is a directory", file="CODEOWNERS")),
        ("DOC005", "error"),
        id="DOC005-unusable",
    ),
    pytest.param(
        facts(codeowners=FoundFile("CODEOWNERS", "*.py @acme/devs\n/.github/workflows/ @o\n")),
        ("DOC006", "error"),
        id="DOC006-policy-unowned",
    ),
    pytest.param(
        facts(
            codeowners=FoundFile("CODEOWNERS", "/.github/release-policy.yml @o\n/CODEOWNERS @o\n")
        ),
        ("DOC006", "error"),
        id="DOC006-workflows-unowned",
    ),
    pytest.param(
        facts(codeowners=FoundFile("CODEOWNERS", "* @acme/devs\n/.github/workflows/\n")),
        ("DOC006", "error"),
        id="DOC006-last-match-without-owner",
    ),
    pytest.param(
        facts(
            codeowners=FoundFile(
                "docs/CODEOWNERS",
                "/.github/ @o\n/docs/CODEOWNERS\n",
            )
        ),
        ("DOC006", "warning"),
        id="DOC006-codeowners-itself-unowned",
    ),
    pytest.param(
        facts(codeowners=FoundFile(".github/CODEOWNERS", CODEOWNERS + "!/x @a\n")),
        ("DOC006", "warning"),
        id="DOC006-line-github-ignores",
    ),
    # DOC007 / DOC008: environments
    pytest.param(
        facts(environments=(("paper", PAPER), ("live", None))),
        ("DOC007", "error"),
        id="DOC007-live-missing",
    ),
    pytest.param(
        facts(environments=(env("paper", wait_timer_minutes=0), ("live", LIVE))),
        ("DOC008", "error"),
        id="DOC008-unprotected-public",
    ),
    pytest.param(
        facts(
            repository=RepositoryInfo("acme/desk", "main", private=True, archived=False),
            environments=(("paper", PAPER), env("live", reviewers=())),
        ),
        ("DOC008", "warning"),
        id="DOC008-unprotected-private-enterprise-caveat",
    ),
    pytest.param(
        facts(environments=(("paper", PAPER), env("live", prevent_self_review=False))),
        ("DOC008", "warning"),
        id="DOC008-self-review-allowed",
    ),
    pytest.param(
        facts(environments=(("paper", PAPER), env("live", branch_policy="all"))),
        ("DOC008", "notice"),
        id="DOC008-any-branch-deploys",
    ),
    # DOC009 / DOC010: Actions
    pytest.param(
        facts(actions=ActionsPermissions(True, "all", "write", False)),
        ("DOC009", "error"),
        id="DOC009-token-writes-by-default",
    ),
    pytest.param(
        facts(actions=ActionsPermissions(True, "all", "read", True)),
        ("DOC010", "error"),
        id="DOC010-actions-approve-prs",
    ),
    # DOC011 / DOC012: the policy file
    pytest.param(facts(policy=None), ("DOC011", "warning"), id="DOC011-no-policy"),
    pytest.param(
        facts(policy="version: 1\nthreshold:\n  audit_max_age_days: 30\n"),
        ("DOC012", "error"),
        id="DOC012-unknown-key",
    ),
    pytest.param(facts(policy="version: [1\n"), ("DOC012", "error"), id="DOC012-bad-yaml"),
    pytest.param(
        facts(policy=Problem("input", "file is not UTF-8", file=".github/release-policy.yml")),
        ("DOC012", "error"),
        id="DOC012-unusable-file",
    ),
    # DOC013: unreadable settings
    pytest.param(facts(protection=DENIED), ("DOC013", "warning"), id="DOC013-protection"),
    pytest.param(
        facts(actions=Unreadable("the Actions settings", ADMIN, "GitHub answered 403")),
        ("DOC013", "warning"),
        id="DOC013-actions",
    ),
    pytest.param(
        facts(rules=Unreadable("the rulesets of main", "Metadata: read", "403")),
        ("DOC013", "notice"),
        id="DOC013-rules-unread-but-protection-decides",
    ),
    # DOC014 / DOC015
    pytest.param(
        facts(protection=protection(required_checks=(RequiredCheck(GATE),))),
        ("DOC014", "notice"),
        id="DOC014-check-from-any-app",
    ),
    pytest.param(
        facts(protection=protection(enforce_admins=False)),
        ("DOC015", "warning"),
        id="DOC015-admins-bypass",
    ),
]


@pytest.mark.parametrize(("given", "expected"), FIRING)
def test_rule_fires(given: SettingsFacts, expected: tuple[str, str]) -> None:
    report = evaluate(given)
    assert expected in found(report)
    _, level = expected
    assert report.verdict == ("blocked" if level == "error" else "pass")
    for f in report.findings:
        assert f.hint, f"{f.rule} has no fix"


# -- not firing ---------------------------------------------------------------------------------

NOT_FIRING = [
    pytest.param(
        facts(protection=None, rules=(PR_RULE, CHECK_RULE)),
        {"DOC001", "DOC002", "DOC003", "DOC004", "DOC014", "DOC015"},
        id="rulesets-alone-satisfy-the-branch-rules",
    ),
    pytest.param(
        facts(protection=protection(dismiss_stale_reviews=False), rules=(PR_RULE,)),
        {"DOC003"},
        id="DOC003-a-ruleset-dismisses-stale-approvals",
    ),
    pytest.param(
        facts(protection=protection(required_checks=()), rules=(CHECK_RULE,)),
        {"DOC002", "DOC014"},
        id="DOC002-a-ruleset-requires-the-check",
    ),
    pytest.param(
        facts(protection=protection(required_checks=(RequiredCheck(GATE), RequiredCheck(GATE, 1)))),
        {"DOC014"},
        id="DOC014-one-pinned-entry-is-enough",
    ),
    pytest.param(
        facts(
            environments=(
                env(
                    "paper",
                    wait_timer_minutes=0,
                    reviewers=LIVE.reviewers,
                    prevent_self_review=True,
                ),
                ("live", LIVE),
            )
        ),
        {"DOC008"},
        id="DOC008-reviewers-alone-protect",
    ),
    pytest.param(
        facts(protection=DENIED, rules=(PR_RULE, CHECK_RULE)),
        {"DOC001", "DOC002", "DOC003", "DOC004"},
        id="unreadable-protection-rulesets-decide",
    ),
    pytest.param(
        facts(protection=DENIED),
        {"DOC001", "DOC002", "DOC003", "DOC004", "DOC015"},
        id="unreadable-protection-is-never-an-error",
    ),
    pytest.param(
        facts(
            codeowners=FoundFile("CODEOWNERS", "/.github/ @o\n/CODEOWNERS @o # the file itself\n")
        ),
        {"DOC005", "DOC006"},
        id="DOC006-root-codeowners-owning-itself",
    ),
    pytest.param(
        facts(actions=ActionsPermissions(False, None, "read", False)),
        {"DOC009", "DOC010"},
        id="actions-disabled-read-only",
    ),
]


@pytest.mark.parametrize(("given", "absent"), NOT_FIRING)
def test_rule_does_not_fire(given: SettingsFacts, absent: set[str]) -> None:
    rules = {f.rule for f in evaluate(given).findings}
    assert not rules & absent


# -- messages, levels and strictness --------------------------------------------------------------


def test_unreadable_protection_names_the_permission_and_the_checks_left_undecided() -> None:
    report = evaluate(facts(protection=DENIED))
    (warning,) = [f for f in report.findings if f.rule == "DOC013"]
    assert warning.level == "warning"
    assert "DOC002 “releasekit / gate” required" in warning.message
    assert ADMIN in (warning.hint or "")
    assert report.verdict == "pass"
    assert report.data["unreadable"] == ["the branch protection of main"]


def test_strict_makes_an_unreadable_setting_block() -> None:
    report = evaluate(facts(protection=DENIED), strict=True)
    assert ("DOC013", "error") in found(report)
    assert report.verdict == "blocked"


def test_a_wrong_setting_still_blocks_when_another_is_unreadable() -> None:
    report = evaluate(
        facts(protection=DENIED, actions=ActionsPermissions(True, "all", "write", False))
    )
    assert {("DOC013", "warning"), ("DOC009", "error")} <= found(report)
    assert report.verdict == "blocked"


def test_required_check_name_is_configurable() -> None:
    assert ("DOC002", "error") in found(evaluate(GOOD, required_check="ci / gate"))
    renamed = facts(protection=protection(required_checks=(RequiredCheck("ci / gate", 15368),)))
    assert found(evaluate(renamed, required_check="ci / gate")) == set()


def test_missing_check_lists_what_is_required_and_the_exact_api_call() -> None:
    report = evaluate(facts(protection=protection(required_checks=(RequiredCheck("lint"),))))
    (error,) = [f for f in report.findings if f.rule == "DOC002"]
    assert "“lint”" in error.message
    assert (
        "gh api --method POST repos/acme/desk/branches/main/protection/required_status_checks/"
        "contexts -f 'contexts[]=releasekit / gate'" in (error.hint or "")
    )


def test_stale_review_fix_patches_the_existing_protection() -> None:
    report = evaluate(facts(protection=protection(dismiss_stale_reviews=False)))
    (error,) = [f for f in report.findings if f.rule == "DOC003"]
    assert (
        "gh api --method PATCH repos/acme/desk/branches/main/protection/"
        "required_pull_request_reviews -F dismiss_stale_reviews=true" in (error.hint or "")
    )


def test_actions_fix_is_one_put() -> None:
    report = evaluate(facts(actions=ActionsPermissions(True, "all", "write", True)))
    hints = {f.hint for f in report.findings}
    assert len(hints) == 2
    for hint in hints:
        assert (
            "gh api --method PUT repos/acme/desk/actions/permissions/workflow"
            " -f default_workflow_permissions=read -F can_approve_pull_request_reviews=false"
            in (hint or "")
        )


def test_invalid_policy_finding_points_at_the_line() -> None:
    report = evaluate(facts(policy="version: 1\nthreshold:\n  a: 1\n"))
    (error,) = [f for f in report.findings if f.rule == "DOC012"]
    assert (error.file, error.line) == (".github/release-policy.yml", 2)
    assert "releasekit policy validate" in (error.hint or "")


def test_unowned_policy_finding_points_at_the_codeowners_line() -> None:
    text = (
        "* @acme/devs\n/.github/release-policy.yml\n/.github/workflows/ @o\n"
        "/.github/CODEOWNERS @o\n"
    )
    report = evaluate(facts(codeowners=FoundFile(".github/CODEOWNERS", text)))
    (error,) = [f for f in report.findings if f.rule == "DOC006"]
    assert (error.file, error.line, error.level) == (".github/CODEOWNERS", 2, "error")
    assert "names no owner" in error.message


def test_private_repository_caveat_names_the_plan() -> None:
    private = RepositoryInfo("acme/desk", "main", private=True, archived=False)
    report = evaluate(facts(repository=private, environments=(env("paper", wait_timer_minutes=0),)))
    (warning,) = [f for f in report.findings if f.rule == "DOC008"]
    assert "GitHub Enterprise" in warning.message


def test_details_name_what_was_read_and_what_was_not() -> None:
    text = doctor.details_markdown(evaluate(facts(protection=DENIED)))
    assert "`main`" in text
    assert "the branch protection of main" in text


# -- environments from the policy -----------------------------------------------------------------


ROLLOUT_POLICY = """\
version: 1
rollout:
  stages:
    - {id: live-25, environment: live, size: 0.25, day: 0}
    - id: live-100
      environment: live
      size: 1.0
      day: 7
      entry: {window: {from_day: 0, to_day: 6}, stable: true}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(None, ("paper", "live"), id="no-policy"),
        pytest.param("version: 1\n", ("paper", "live"), id="no-rollout-section"),
        pytest.param("version: [\n", ("paper", "live"), id="policy-does-not-parse"),
        pytest.param(
            "version: 1\nrollout:\n  stages: []\n", ("paper", "live"), id="rollout-invalid"
        ),
    ],
)
def test_environment_names_default_to_paper_and_live(
    text: str | None, expected: tuple[str, ...]
) -> None:
    assert environment_names(text)[0] == expected


def test_environment_names_come_from_the_rollout_stages() -> None:
    names, source = environment_names(ROLLOUT_POLICY)
    assert names == ("live",)
    assert "rollout stages" in source


# -- CODEOWNERS matching -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        # GitHub's own examples ("About code owners").
        ("*", ".github/release-policy.yml", True),
        ("*.js", "src/app/index.js", True),
        ("*.js", "src/app/index.ts", False),
        ("*.go", "docs/x.go", True),
        ("/build/logs/", "build/logs/a/b.log", True),
        ("/build/logs/", "x/build/logs/a.log", False),
        ("docs/*", "docs/getting-started.md", True),
        ("docs/*", "docs/build-app/troubleshooting.md", False),
        ("apps/", "apps/x.py", True),
        ("apps/", "src/apps/x.py", True),
        ("/docs/", "docs/a/b.md", True),
        ("**/logs", "deep/er/logs/a.log", True),
        ("/apps/github", "apps/github/x.py", True),
        ("/scripts/", "scripts/deploy.sh", True),
        # What doctor asks about.
        ("/.github/", ".github/workflows/release.yml", True),
        (".github/workflows/", ".github/workflows/release.yml", True),
        ("/.github/workflows/*.yml", ".github/workflows/release.yml", True),
        ("/.github/workflows/*.yml", ".github/workflows/release.yaml", False),
        ("/.github/**", ".github/workflows/release.yml", True),
        ("/.github/release-policy.yml", ".github/release-policy.yml", True),
        ("release-policy.yml", ".github/release-policy.yml", True),
        ("/release-policy.yml", ".github/release-policy.yml", False),
        (".github", ".github/CODEOWNERS", True),
        ("/.github/release-policy.yml/", ".github/release-policy.yml", False),
        ("?ODEOWNERS", "CODEOWNERS", True),
    ],
)
def test_codeowners_patterns_match_like_github(pattern: str, path: str, matches: bool) -> None:
    assert pattern_matches(pattern, path) is matches


def test_the_last_matching_line_wins_and_comments_are_ignored() -> None:
    owners = parse_codeowners(
        "# comment\n*  @all\n\n/.github/ @release # inline comment\n/.github/ci.yml\n"
    )
    rule = owners.owner_rule(".github/release-policy.yml")
    assert rule is not None
    assert (rule.line, rule.owners) == (4, ("@release",))
    unowned = owners.owner_rule(".github/ci.yml")
    assert unowned is not None
    assert unowned.owners == ()


def test_lines_github_ignores_own_nothing() -> None:
    owners = parse_codeowners("/.github/ team-without-at\n!/x @a\n[ab].py @a\n\\#file @a\n")
    assert owners.skipped == (1, 2, 3)
    assert owners.owner_rule(".github/x") is None
    assert owners.owner_rule("#file") is not None
