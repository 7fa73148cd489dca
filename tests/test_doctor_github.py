"""``releasekit doctor`` end to end over real HTTP against the contract-checked fake GitHub.

A well-configured repository passes; each misconfiguration is found with its fix; what a
GITHUB_TOKEN-like token may not read becomes a warning naming the permission (never a pass
of that check, never a crash); a 502 is retried; and doctor never writes to GitHub.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.pygithub import PyGithubPort, connect
from releasekit.cli import doctor as cli
from support.github_api import FakeGitHub

REPO = "acme/desk"
TOKEN = "ghs_FAKEinstallationTOKEN0123456789abcdef"
GATE = "releasekit / gate"
CODEOWNERS = "*  @acme/devs\n/.github/  @acme/release-owners\n"
POLICY = "version: 1\nthresholds:\n  paper_min_trades: 12\n"

Seed = Callable[[FakeGitHub], None]


def well_configured(api: FakeGitHub) -> None:
    """A repository set up as docs/branch-protection.md asks."""
    api.add_repo(REPO, private=False)
    api.set_branch_protection(
        REPO,
        "main",
        required_status_checks=[GATE],
        check_app_id=15368,
        dismiss_stale_reviews=True,
        require_code_owner_reviews=True,
        enforce_admins=True,
    )
    api.add_environment(REPO, "paper", wait_timer=10, branch_policy="protected")
    api.add_environment(
        REPO, "live", reviewers=["acme/risk"], prevent_self_review=True, branch_policy="custom"
    )
    api.set_file(REPO, ".github/CODEOWNERS", CODEOWNERS)
    api.set_file(REPO, ".github/release-policy.yml", POLICY)


def run(
    api: FakeGitHub, *args: str, waits: list[float] | None = None
) -> tuple[int, dict[str, Any]]:
    """Run ``releasekit doctor --format json`` against the fake: exit code and JSON report."""
    recorded = [] if waits is None else waits
    env = {"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": api.url, "GITHUB_TOKEN": TOKEN}

    def connector(environ: Mapping[str, str], runtime: Runtime) -> PyGithubPort:
        return connect(
            environ,
            runtime=runtime,
            sleep=recorded.append,
            seconds_between_writes=None,
            log=io.StringIO(),
        )

    out = io.StringIO()
    code = cli.main(["--format", "json", *args], connector=connector, env=env, out=out)
    return code, json.loads(out.getvalue())


def rules(report: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(rule, level) of every finding in a JSON report."""
    return {(f["rule"], f["level"]) for f in report["findings"]}


def test_a_well_configured_repository_passes_and_nothing_is_written(
    github_api: FakeGitHub,
) -> None:
    well_configured(github_api)
    code, report = run(github_api)
    assert (code, report["verdict"], report["findings"]) == (0, "pass", [])
    assert github_api.writes() == []
    # repo, policy, CODEOWNERS, protection, rules, 2 environments, 2 Actions settings.
    assert report["data"]["requests"] == len(github_api.requests) == 9


def test_rulesets_instead_of_classic_protection_pass_too(github_api: FakeGitHub) -> None:
    well_configured(github_api)
    github_api.repo(REPO).protections.clear()
    github_api.set_branch_rules(
        REPO,
        "main",
        [
            {
                "type": "pull_request",
                "parameters": {
                    "required_approving_review_count": 1,
                    "dismiss_stale_reviews_on_push": True,
                    "require_code_owner_review": True,
                    "require_last_push_approval": True,
                    "required_review_thread_resolution": False,
                },
            },
            {
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": True,
                    "required_status_checks": [{"context": GATE, "integration_id": 15368}],
                },
            },
        ],
    )
    code, report = run(github_api)
    assert (code, report["findings"]) == (0, [])


def _unprotected(api: FakeGitHub) -> None:
    api.repo(REPO).protections.clear()


def _no_gate_check(api: FakeGitHub) -> None:
    api.set_branch_protection(
        REPO,
        "main",
        required_status_checks=["releasekit / changelog"],
        dismiss_stale_reviews=True,
        require_code_owner_reviews=True,
        enforce_admins=True,
    )


def _stale_kept(api: FakeGitHub) -> None:
    api.set_branch_protection(
        REPO,
        "main",
        required_status_checks=[GATE],
        check_app_id=15368,
        require_code_owner_reviews=True,
        enforce_admins=True,
    )


def _no_code_owners_review(api: FakeGitHub) -> None:
    api.set_branch_protection(
        REPO,
        "main",
        required_status_checks=[GATE],
        check_app_id=15368,
        dismiss_stale_reviews=True,
        enforce_admins=True,
    )


def _no_codeowners(api: FakeGitHub) -> None:
    api.repo(REPO).files.pop(("main", ".github/CODEOWNERS"))


def _codeowners_miss_the_policy(api: FakeGitHub) -> None:
    api.set_file(REPO, ".github/CODEOWNERS", "*.py @acme/devs\n/.github/workflows/ @acme/o\n")


def _live_missing(api: FakeGitHub) -> None:
    del api.repo(REPO).environments["live"]


def _paper_unprotected(api: FakeGitHub) -> None:
    api.add_environment(REPO, "paper", branch_policy="protected")


def _token_writes(api: FakeGitHub) -> None:
    api.set_actions_permissions(REPO, default_workflow_permissions="write")


def _actions_approve(api: FakeGitHub) -> None:
    api.set_actions_permissions(REPO, can_approve_pull_request_reviews=True)


def _no_policy(api: FakeGitHub) -> None:
    api.repo(REPO).files.pop(("main", ".github/release-policy.yml"))


def _bad_policy(api: FakeGitHub) -> None:
    api.set_file(REPO, ".github/release-policy.yml", "version: 1\nthreshold: {}\n")


@pytest.mark.parametrize(
    ("seed", "expected", "fix"),
    [
        pytest.param(_unprotected, ("DOC001", "error"), "protection.json", id="DOC001"),
        pytest.param(
            _no_gate_check,
            ("DOC002", "error"),
            "required_status_checks/contexts -f 'contexts[]=releasekit / gate'",
            id="DOC002",
        ),
        pytest.param(
            _stale_kept, ("DOC003", "error"), "-F dismiss_stale_reviews=true", id="DOC003"
        ),
        pytest.param(
            _no_code_owners_review,
            ("DOC004", "error"),
            "-F require_code_owner_reviews=true",
            id="DOC004",
        ),
        pytest.param(_no_codeowners, ("DOC005", "error"), ".github/CODEOWNERS", id="DOC005"),
        pytest.param(
            _codeowners_miss_the_policy,
            ("DOC006", "error"),
            "/.github/release-policy.yml @your-org/release-owners",
            id="DOC006",
        ),
        pytest.param(
            _live_missing,
            ("DOC007", "error"),
            f"gh api --method PUT repos/{REPO}/environments/live",
            id="DOC007",
        ),
        pytest.param(_paper_unprotected, ("DOC008", "error"), "Required reviewers", id="DOC008"),
        pytest.param(
            _token_writes, ("DOC009", "error"), "default_workflow_permissions=read", id="DOC009"
        ),
        pytest.param(
            _actions_approve,
            ("DOC010", "error"),
            "can_approve_pull_request_reviews=false",
            id="DOC010",
        ),
        pytest.param(_no_policy, ("DOC011", "warning"), "release-policy.yml", id="DOC011"),
        pytest.param(_bad_policy, ("DOC012", "error"), "policy validate", id="DOC012"),
    ],
)
def test_each_misconfiguration_is_found_with_its_fix(
    github_api: FakeGitHub, seed: Seed, expected: tuple[str, str], fix: str
) -> None:
    well_configured(github_api)
    seed(github_api)
    code, report = run(github_api)
    assert expected in rules(report)
    hints = [f["hint"] for f in report["findings"] if f["rule"] == expected[0]]
    assert any(fix in (h or "") for h in hints), hints
    assert code == (1 if expected[1] == "error" else 0)
    assert github_api.writes() == []


def test_github_token_403s_become_warnings_naming_the_permission(github_api: FakeGitHub) -> None:
    # GITHUB_TOKEN has no Administration permission: classic protection and the Actions
    # settings answer 403. Rulesets, environments and files it can read.
    well_configured(github_api)
    github_api.inject("GET", r"/protection$", "403-integration", None)
    github_api.inject("GET", r"/actions/permissions", "403-integration", None)
    code, report = run(github_api)
    warnings = [f for f in report["findings"] if f["rule"] == "DOC013"]
    assert [f["level"] for f in warnings] == ["warning", "warning"]
    for warning in warnings:
        assert "Administration: read" in warning["hint"]
        assert "GITHUB_TOKEN never has it" in warning["hint"]
        assert "403" in warning["message"]
    assert "DOC002 “releasekit / gate” required" in warnings[0]["message"]
    # Nothing unreadable passes as checked, and nothing unreadable blocks.
    assert {r for r, _ in rules(report)} == {"DOC013"}
    assert (code, report["verdict"]) == (0, "pass")
    assert report["data"]["unreadable"] == ["the branch protection of main", "the Actions settings"]
    assert github_api.writes() == []


def test_strict_turns_an_unreadable_setting_into_a_block(github_api: FakeGitHub) -> None:
    well_configured(github_api)
    github_api.inject("GET", r"/protection$", "403-integration", None)
    code, report = run(github_api, "--strict")
    assert ("DOC013", "error") in rules(report)
    assert code == 1


def test_non_admin_404_on_protection_is_unreadable_not_unprotected(
    github_api: FakeGitHub,
) -> None:
    well_configured(github_api)
    github_api.inject("GET", r"/protection$", "404", None)
    code, report = run(github_api)
    assert ("DOC013", "warning") in rules(report)
    assert "DOC001" not in {r for r, _ in rules(report)}
    assert code == 0


def test_unreadable_environments_are_warnings_not_missing(github_api: FakeGitHub) -> None:
    well_configured(github_api)
    del github_api.repo(REPO).environments["live"]
    github_api.inject("GET", rf"^/repos/{REPO}/environments", "403-integration", None)
    code, report = run(github_api)
    found = [f for f in report["findings"] if f["rule"] == "DOC013"]
    assert len(found) == 2
    assert all("actions: read" in f["hint"] for f in found)
    assert "DOC007" not in {r for r, _ in rules(report)}
    assert code == 0


def test_unreadable_files_are_warnings_naming_contents_read(github_api: FakeGitHub) -> None:
    well_configured(github_api)
    github_api.inject("GET", r"/contents/", "403-integration", None)
    code, report = run(github_api)
    found = [f for f in report["findings"] if f["rule"] == "DOC013"]
    assert len(found) == 2
    assert all("contents: read" in f["hint"] for f in found)
    assert code == 0


def test_a_502_is_retried_and_the_answer_stands(github_api: FakeGitHub) -> None:
    well_configured(github_api)
    github_api.inject("GET", r"/protection$", "502")
    waits: list[float] = []
    code, report = run(github_api, waits=waits)
    assert (code, report["findings"]) == (0, [])
    assert waits == [2.0]
    assert github_api.writes() == []


def test_a_persistent_502_stops_doctor_with_exit_3_never_a_pass(github_api: FakeGitHub) -> None:
    well_configured(github_api)
    github_api.inject("GET", r"/actions/permissions$", "502", None)
    code, report = run(github_api)
    assert (code, report["verdict"]) == (3, "error")
    assert "502" in report["problem"]["message"]


def test_an_unreadable_repository_is_exit_3(github_api: FakeGitHub) -> None:
    well_configured(github_api)
    github_api.inject("GET", rf"^/repos/{REPO}$", "404", None)
    code, report = run(github_api)
    assert (code, report["verdict"]) == (3, "error")


def test_environments_come_from_the_policy_rollout_section(github_api: FakeGitHub) -> None:
    well_configured(github_api)
    github_api.set_file(
        REPO,
        ".github/release-policy.yml",
        "version: 1\nrollout:\n  stages:\n"
        "    - {id: live-100, environment: live, size: 1.0, day: 0}\n",
    )
    del github_api.repo(REPO).environments["paper"]
    code, report = run(github_api)
    assert report["data"]["environments"] == ["live"]
    assert "DOC007" not in {r for r, _ in rules(report)}
    assert github_api.requests_to("GET", r"/environments/paper$") == []
    assert code in (0, 1)  # the policy's own validity is DOC012's business


def test_custom_required_check_name(github_api: FakeGitHub) -> None:
    well_configured(github_api)
    code, report = run(github_api, "--required-check", "ci / gate")
    assert ("DOC002", "error") in rules(report)
    assert code == 1


def test_missing_token_is_exit_2(github_api: FakeGitHub) -> None:
    out = io.StringIO()
    code = cli.main(
        ["--format", "json"],
        env={"GITHUB_REPOSITORY": REPO, "GITHUB_API_URL": github_api.url},
        out=out,
    )
    assert code == 2
    assert "GITHUB_TOKEN" in json.loads(out.getvalue())["problem"]["message"]


# -- the offline fixture --------------------------------------------------------------------


def test_fixture_captured_from_the_api_gives_the_same_verdict(
    github_api: FakeGitHub, tmp_path: Path
) -> None:
    """Capture the fake's answers as `gh api` would print them; doctor agrees offline."""
    well_configured(github_api)
    github_api.set_actions_permissions(REPO, can_approve_pull_request_reviews=True)
    _, online = run(github_api)
    import requests

    def get(path: str) -> Any:
        answer = requests.get(
            f"{github_api.url}/repos/{REPO}{path}",
            headers={"Authorization": "token t"},
            timeout=10,
        )
        return answer.json()

    fixture = {
        "repository": get(""),
        "branch_protection": {"main": get("/branches/main/protection")},
        "branch_rules": {"main": get("/rules/branches/main")},
        "environments": {e["name"]: e for e in get("/environments")["environments"]},
        "actions_permissions": get("/actions/permissions"),
        "workflow_permissions": get("/actions/permissions/workflow"),
        "files": {".github/CODEOWNERS": CODEOWNERS, ".github/release-policy.yml": POLICY},
    }
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")
    out = io.StringIO()
    code = cli.main(["--format", "json", "--fixture", str(path)], env={}, out=out)
    offline = json.loads(out.getvalue())
    assert code == 1
    assert offline["findings"] == online["findings"]
