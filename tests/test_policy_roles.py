"""The policy's roles and release types: runbook defaults, strict validation, `policy show`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from releasekit.cli.policy import main as policy_main
from releasekit.core.globs import glob_regex
from releasekit.core.signoff.policy import (
    POLICY_PATH,
    ROLE_NAMES,
    TYPE_ORDER,
    PathReleaseType,
    Role,
    default_policy,
    parse_policy,
    policy_schema,
)
from releasekit.core.signoff.release_types import matches_any
from releasekit.errors import InputError

ROOT = Path(__file__).resolve().parents[1]

# The runbook's Release Types table and Phase 2 "Required approvals", as the defaults.
RUNBOOK_TYPES = [
    # Strategy and model: the Audit Sign-Off Checklist's Auditor, Risk and Founder lines after
    # the code review of Phase 2.
    pytest.param(
        "strategy",
        ("code_review", "audit", "risk", "founder"),
        "staged",
        id="strategy-full-audit",
    ),
    pytest.param(
        "model", ("code_review", "model_audit", "risk", "founder"), "staged", id="model-audit"
    ),
    pytest.param("hotfix", ("founder", "code_review"), "immediate", id="hotfix-founder-plus-one"),
    pytest.param("config", ("risk", "code_review"), "direct", id="config-risk-review"),
    pytest.param("bugfix", ("code_review",), "direct", id="bugfix-code-review"),
]


@pytest.mark.parametrize(("name", "approvals", "rollout"), RUNBOOK_TYPES)
def test_each_release_type_default_is_the_runbook_row(
    name: str, approvals: tuple[str, ...], rollout: str
) -> None:
    rt = default_policy().release_types.get(name)  # type: ignore[arg-type]
    assert (rt.approvals, rt.rollout) == (approvals, rollout)
    schema = policy_schema()["properties"]["release_types"]["properties"][name]["default"]
    assert schema["approvals"] == list(approvals)
    assert schema["rollout"] == rollout


def test_type_order_is_most_demanding_first() -> None:
    assert TYPE_ORDER == ("strategy", "model", "hotfix", "config", "bugfix")


def test_default_globs_follow_the_paths_section() -> None:
    policy = parse_policy("version: 1\npaths:\n  strategies: src/pine\n", shown_as="p")
    assert policy.type_globs("strategy") == ("src/pine/**",)
    assert policy.type_globs("model") == ("models/**",)
    assert policy.type_globs("config") == ("config/**",)
    assert policy.type_globs("bugfix") == ()


def test_only_code_review_names_anyone_by_default() -> None:
    roles = default_policy().roles
    assert roles.code_review == Role(permission="write")  # "any team member"
    for name in ("audit", "model_audit", "risk", "founder"):
        assert roles.get(name).names_nobody(), name
    for name in ROLE_NAMES:
        default = policy_schema()["properties"]["roles"]["properties"][name]["default"]
        role = roles.get(name)
        assert default == {
            "logins": list(role.logins),
            "teams": list(role.teams),
            "permission": role.permission,
        }


def test_roles_merge_key_by_key_over_their_defaults() -> None:
    policy = parse_policy(
        "version: 1\nroles:\n  code_review:\n    logins: [bob]\n  founder:\n"
        "    teams: [acme/founders]\n",
        shown_as="p",
    )
    assert policy.roles.code_review == Role(logins=("bob",), permission="write")
    assert policy.roles.founder == Role(teams=("acme/founders",))
    assert "roles.founder" not in policy.defaulted_rules()
    assert "roles.risk" in policy.defaulted_rules()


def test_code_review_can_be_limited_to_listed_people() -> None:
    policy = parse_policy(
        "version: 1\nroles:\n  code_review: {logins: [bob], permission: null}\n", shown_as="p"
    )
    assert policy.roles.code_review == Role(logins=("bob",))


def test_model_audit_left_out_holds_the_audit_people() -> None:
    policy = parse_policy("version: 1\nroles:\n  audit: {logins: [m-okafor]}\n", shown_as="p")
    assert policy.roles.model_audit == policy.roles.audit == Role(logins=("m-okafor",))
    separate = parse_policy(
        "version: 1\nroles:\n  audit: {logins: [m-okafor]}\n  model_audit: {logins: [a-sato]}\n",
        shown_as="p",
    )
    assert separate.roles.model_audit == Role(logins=("a-sato",))


def test_release_types_merge_key_by_key() -> None:
    policy = parse_policy(
        "version: 1\nrelease_types:\n  config:\n    paths: [config/**, params/*.yaml]\n"
        "  bugfix:\n    approvals: [code_review, code_review]\n",
        shown_as="p",
    )
    config = policy.release_types.config
    assert isinstance(config, PathReleaseType)
    assert config.approvals == ("risk", "code_review")
    assert config.paths == ("config/**", "params/*.yaml")
    assert policy.release_types.bugfix.approvals == ("code_review", "code_review")


def test_role_login_match_is_case_insensitive() -> None:
    assert Role(logins=("Alice",)).lists("alice")
    assert not Role(logins=("alice",)).lists("alice2")


@pytest.mark.parametrize(
    ("text", "line", "message", "hint"),
    [
        pytest.param(
            "version: 1\nroles:\n  founders: {logins: [a]}\n",
            3,
            "unknown key `founders` in `roles`",
            "did you mean `founder`",
            id="misspelt-role",
        ),
        pytest.param(
            "version: 1\nroles:\n  audit:\n    logins: ['@m-okafor']\n",
            4,
            "not a GitHub login",
            "without '@'",
            id="login-with-at",
        ),
        pytest.param(
            "version: 1\nroles:\n  audit:\n    logins: ['ci[bot]']\n",
            4,
            "not a GitHub login",
            "bots cannot hold a role",
            id="bot-cannot-hold-a-role",
        ),
        pytest.param(
            "version: 1\nroles:\n  founder:\n    teams: [founders]\n",
            4,
            "org/team-slug",
            "acme/founders",
            id="team-without-org",
        ),
        pytest.param(
            "version: 1\nroles:\n  founder:\n    logins: [no]\n",
            4,
            "is False, not a string",
            "quote it",
            id="yaml-boolean-login",
        ),
        pytest.param(
            "version: 1\nroles:\n  risk:\n    permission: triage\n",
            4,
            "not one of: write, maintain, admin, null",
            "write < maintain < admin",
            id="permission-below-write",
        ),
        pytest.param(
            "version: 1\nroles:\n  audit:\n    logins: [a, a]\n",
            4,
            "lists the same item twice",
            "once",
            id="duplicate-login",
        ),
        pytest.param(
            "version: 1\nrelease_types:\n  hotfix:\n    approvals: [founder]\n",
            4,
            "has 1 item; it must have at least 2",
            "never signed off by one person",
            id="hotfix-by-one-person",
        ),
        pytest.param(
            "version: 1\nrelease_types:\n  bugfix:\n    approvals: []\n",
            4,
            "at least 1",
            "each by a different person",
            id="type-with-no-approvals",
        ),
        pytest.param(
            "version: 1\nrelease_types:\n  strategy:\n    approvals: [code_review, auditor]\n",
            4,
            "`release_types.strategy.approvals.1` is 'auditor'",
            "A role",
            id="unknown-role-in-approvals",
        ),
        pytest.param(
            "version: 1\nrelease_types:\n  model:\n    rollout: canary\n",
            4,
            "not one of: staged, direct, immediate",
            "Phase 4",
            id="unknown-rollout",
        ),
        pytest.param(
            "version: 1\nrelease_types:\n  bugfix:\n    paths: [src/**]\n",
            4,
            "unknown key `paths` in `release_types.bugfix`",
            "approvals, rollout",
            id="bugfix-is-the-fallback-and-has-no-paths",
        ),
        pytest.param(
            "version: 1\nrelease_types:\n  config:\n    paths: ['../etc/**']\n",
            4,
            "not a path glob",
            "no '..'",
            id="glob-escapes",
        ),
        pytest.param(
            "version: 1\nrelease_types:\n  strategy:\n    paths: ['{strategy}/**']\n",
            4,
            "{strategy}",
            "{strategies}",
            id="unknown-placeholder",
        ),
        pytest.param(
            "version: 1\nrelease_types:\n  strategy:\n    paths: ['{strategies/**']\n",
            4,
            "unbalanced braces",
            "placeholder",
            id="unbalanced-brace",
        ),
        pytest.param(
            "version: 1\nrollout:\n  stages: 5\n",
            3,
            "`rollout.stages` is 5, not a list",
            "",
            id="rollout-section-validated-by-its-own-schema",
        ),
    ],
)
def test_invalid_roles_and_types_name_line_and_fix(
    text: str, line: int, message: str, hint: str
) -> None:
    with pytest.raises(InputError) as info:
        parse_policy(text, shown_as=POLICY_PATH)
    problem = info.value.problem
    assert (problem.file, problem.line) == (POLICY_PATH, line)
    assert message in problem.message
    assert hint in (problem.hint or "")


def test_a_valid_rollout_section_is_accepted() -> None:
    parse_policy("version: 1\nrollout:\n  rollback:\n    live_errors_above: 3\n", shown_as="p")


@pytest.mark.parametrize(
    ("glob", "path", "hit"),
    [
        pytest.param(
            "strategies/**", "strategies/pine_v6/ict_qm.pine", True, id="double-star-deep"
        ),
        pytest.param("strategies/**", "strategies.md", False, id="double-star-needs-the-dir"),
        pytest.param("config/*.yaml", "config/limits.yaml", True, id="star-in-dir"),
        pytest.param("config/*.yaml", "config/desk/limits.yaml", False, id="star-stays-in-dir"),
        pytest.param("**/CODEOWNERS", "CODEOWNERS", True, id="leading-double-star-matches-root"),
        pytest.param("**/CODEOWNERS", "docs/CODEOWNERS", True, id="leading-double-star-deep"),
        pytest.param("a?c", "abc", True, id="question-mark"),
        pytest.param("a.c", "abc", False, id="dot-is-literal"),
    ],
)
def test_path_globs_match_any_depth_only_with_double_star(glob: str, path: str, hit: bool) -> None:
    assert bool(glob_regex(glob).match(path)) is hit
    assert matches_any(path, [glob]) is hit


def test_policy_show_prints_roles_and_types_as_a_valid_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / POLICY_PATH).write_text("version: 1\nroles:\n  founder: {logins: [alice]}\n")
    monkeypatch.chdir(tmp_path)
    assert policy_main(["show"]) == 0
    text = capsys.readouterr().out
    assert 'founder: {"logins": ["alice"], "teams": []}\n' in text
    assert 'risk: {"logins": [], "teams": []}  # (default)' in text
    assert parse_policy(text, shown_as="shown").roles.founder.logins == ("alice",)
    assert policy_main(["show", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["policy"]["release_types"]["strategy"]["paths"] == ["{strategies}/**"]
    assert "roles.risk" in shown["defaults_used"]
    assert "roles.founder" not in shown["defaults_used"]


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(ROOT / "docs" / "templates" / "release-policy.yml", id="template"),
        pytest.param(ROOT / "examples" / "trading-desk" / POLICY_PATH, id="example"),
    ],
)
def test_shipped_policies_write_every_role_and_type_out(path: Path) -> None:
    policy = parse_policy(path.read_text(), shown_as=str(path))
    assert policy.defaulted() == []
    assert policy.defaulted_rules() == []


def test_demo_fixtures_policy_names_the_desks_people() -> None:
    fixture = json.loads(
        (ROOT / "examples" / "trading-desk" / ".releasekit" / "signoff-fixture.json").read_text()
    )
    text = fixture["contents"]["main"][POLICY_PATH]
    policy = parse_policy(text, shown_as="fixture")
    assert policy.roles.audit.logins == ("m-okafor", "l-brandt")
    assert policy.roles.founder.logins == ("alice-founder",)
    # Everything but the named people is the example desk's own policy.
    example = parse_policy(
        (ROOT / "examples" / "trading-desk" / POLICY_PATH).read_text(), shown_as="x"
    )
    assert policy.thresholds == example.thresholds
    assert policy.release_types == example.release_types


# -- time zone, finite numbers, roles nobody can fill ------------------------------------------


def test_timezone_defaults_to_utc_and_takes_an_iana_name() -> None:
    assert default_policy().timezone == "UTC"
    policy = parse_policy("version: 1\ntimezone: America/New_York\n", shown_as="p")
    assert policy.zone().key == "America/New_York"
    assert policy.to_dict()["timezone"] == "America/New_York"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "New York", "../etc/passwd"])
def test_a_timezone_that_is_not_an_iana_name_is_bad_input_with_its_line(zone: str) -> None:
    with pytest.raises(InputError) as info:
        parse_policy(f'version: 1\n\ntimezone: "{zone}"\n', shown_as="p")
    assert info.value.problem.line == 3


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", ".NaN"])
def test_non_finite_numbers_are_refused_with_their_line(value: str) -> None:
    text = f"version: 1\nthresholds:\n  paper_max_divergence: {value}\n"
    with pytest.raises(InputError) as info:
        parse_policy(text, shown_as="p")
    assert info.value.problem.line == 3
    assert "finite" in info.value.problem.message
    assert parse_policy(text.replace(value, "0.25"), shown_as="p")  # control: a number


def test_validate_names_each_role_a_release_type_needs_and_nobody_can_fill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / POLICY_PATH).write_text("version: 1\nroles:\n  founder: {logins: [alice]}\n")
    monkeypatch.chdir(tmp_path)
    assert policy_main(["validate", "--format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    messages = [f["message"] for f in found if f["rule"] == "POL002"]
    assert [m.split()[0] for m in messages] == ["roles.audit", "roles.risk", "roles.model_audit"]
    assert "strategy, model, config releases need it" in messages[1]
    named = "roles: {founder: {logins: [alice]}, audit: {logins: [m]}, risk: {teams: [acme/risk]}}"
    (tmp_path / POLICY_PATH).write_text(f"version: 1\n{named}\n")
    assert policy_main(["validate"]) == 0  # control: every needed role names someone
