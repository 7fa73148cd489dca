"""The release policy: runbook defaults, strict validation with lines, and `releasekit policy`."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from releasekit.cli import main as releasekit_main
from releasekit.cli.policy import main
from releasekit.core.signoff.policy import (
    POLICY_PATH,
    Paths,
    Thresholds,
    default_policy,
    parse_policy,
    policy_schema,
)
from releasekit.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "scripts" / "releasekit" / "schemas" / "policy.schema.json"

# Each default against the runbook's own words (release-process-runbook, quoted).
RUNBOOK_NUMBERS = [
    pytest.param("audit_max_age_days", 30, id="audit-within-30-days"),  # "Within 30 days: Yes"
    pytest.param("walk_forward_consistency_above", 0.60, id="walk-forward-over-60"),  # "> 60%"
    pytest.param("paper_max_divergence", 0.20, id="paper-within-20"),  # "Within 20% of backtest"
    pytest.param("paper_min_trades", 10, id="minimum-10-trades"),  # Phase 4 "Minimum 10 trades"
]


@pytest.mark.parametrize(("key", "runbook"), RUNBOOK_NUMBERS)
def test_each_default_is_the_runbook_number(key: str, runbook: float) -> None:
    assert getattr(default_policy().thresholds, key) == runbook
    schema_default = policy_schema()["properties"]["thresholds"]["properties"][key]["default"]
    assert schema_default == runbook


def test_runbook_paths_are_the_default_paths() -> None:
    paths = default_policy().paths
    assert paths.audits == "docs/audits"  # runbook: docs/audits/{strategy}_audit.md
    assert paths.audit_log == "docs/audits/audit_log.md"  # the runbook script's log
    for key, value in vars(paths).items():
        assert policy_schema()["properties"]["paths"]["properties"][key]["default"] == value


def test_thresholds_are_exact_fractions() -> None:
    t = Thresholds()
    assert t.walk_forward_fraction == Fraction(3, 5)
    assert t.divergence_fraction == Fraction(1, 5)


def _objects(schema: Any, where: str = "#") -> list[tuple[str, dict[str, Any]]]:
    out = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            out.append((where, schema))
        for key, value in schema.items():
            out += _objects(value, f"{where}/{key}")
    return out


def test_schema_is_draft_2020_12_and_closed_everywhere() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    objects = _objects(schema)
    assert len(objects) >= 3
    for where, obj in objects:
        assert obj.get("additionalProperties") is False, where


FULL = """\
version: 1
thresholds:
  audit_max_age_days: 14
  walk_forward_consistency_above: 0.65
  paper_max_divergence: 0.15
  paper_min_trades: 20
paths:
  strategies: src/strategies
  models: src/models
  audits: audits
  audit_log: audits/log.md
  paper_reports: audits/paper
"""


def test_full_policy_is_read() -> None:
    policy = parse_policy(FULL, shown_as="p.yml")
    assert policy.thresholds == Thresholds(14, 0.65, 0.15, 20)
    assert policy.paths == Paths(
        "src/strategies", "src/models", "audits", "audits/log.md", "audits/paper"
    )
    assert policy.defaulted() == []
    assert policy.source == "p.yml"


def test_partial_policy_keeps_the_other_defaults() -> None:
    policy = parse_policy("version: 1\nthresholds:\n  paper_min_trades: 25\n", shown_as="p.yml")
    assert policy.thresholds.paper_min_trades == 25
    assert policy.thresholds.audit_max_age_days == 30
    assert policy.paths == Paths()
    assert "thresholds.paper_min_trades" not in policy.defaulted()
    assert "thresholds.audit_max_age_days" in policy.defaulted()


def test_integral_float_counts_as_integer() -> None:
    policy = parse_policy("version: 1\nthresholds:\n  audit_max_age_days: 30.0\n", shown_as="p")
    assert policy.thresholds.audit_max_age_days == 30
    assert isinstance(policy.thresholds.audit_max_age_days, int)


@pytest.mark.parametrize(
    ("text", "line", "message", "hint"),
    [
        pytest.param(
            "version: 1\ntresholds: {}\n",
            2,
            "unknown key `tresholds`",
            "did you mean `thresholds`",
            id="unknown-top-level-key",
        ),
        pytest.param(
            "version: 1\nthresholds:\n  audit_max_age_days: 30\n  paper_min_trade: 5\n",
            4,
            "unknown key `paper_min_trade` in `thresholds`",
            "did you mean `paper_min_trades`",
            id="unknown-nested-key",
        ),
        pytest.param(
            "version: 1\nthresholds:\n  paper_min_trades: ten\n",
            3,
            "`thresholds.paper_min_trades` is 'ten', not a whole number",
            "Minimum 10 trades",
            id="wrong-type",
        ),
        pytest.param(
            "version: 1\nthresholds:\n  audit_max_age_days: true\n",
            3,
            "not a whole number",
            "30",
            id="boolean-is-not-a-number",
        ),
        pytest.param(
            "version: 1\nthresholds:\n  paper_max_divergence: 1.5\n",
            3,
            "it must be at most 1",
            "20%",
            id="above-maximum",
        ),
        pytest.param(
            "version: 1\nthresholds:\n  walk_forward_consistency_above: 1\n",
            3,
            "less than 1",
            "60%",
            id="consistency-of-100-percent-could-never-pass",
        ),
        pytest.param(
            "version: 1\nthresholds:\n  paper_min_trades: 0\n",
            3,
            "at least 1",
            "10",
            id="zero-trades",
        ),
        pytest.param("thresholds: {}\n", 1, "`version` is missing", "version: 1", id="no-version"),
        pytest.param(
            "version: 2\n", 1, "reads policy version 1", "version: 1", id="future-version"
        ),
        pytest.param(
            "version: 1\npaths:\n  audits: ../../etc\n",
            3,
            "not a path inside",
            "without '..'",
            id="path-escapes",
        ),
        pytest.param(
            "version: 1\npaths:\n  audit_log: /etc/passwd\n",
            3,
            "not a path inside",
            "leading '/'",
            id="absolute-path",
        ),
        pytest.param(
            "version: 1\npaths:\n  models: 'a b'\n",
            3,
            "not a path inside",
            "relative",
            id="path-with-space",
        ),
        pytest.param("", 1, "`version` is missing", "version: 1", id="empty-file"),
        pytest.param("- version: 1\n", 1, "not a mapping", "", id="not-a-mapping"),
        pytest.param(
            "version: 1\nthresholds: [1, 2]\n", 2, "not a mapping", "", id="section-not-a-mapping"
        ),
    ],
)
def test_invalid_policy_names_line_and_fix(text: str, line: int, message: str, hint: str) -> None:
    with pytest.raises(InputError) as info:
        parse_policy(text, shown_as=".github/release-policy.yml")
    problem = info.value.problem
    assert problem.file == ".github/release-policy.yml"
    assert problem.line == line
    assert message in problem.message
    assert hint in (problem.hint or "")
    assert "docs/policy.md" in (problem.hint or "")


def test_several_problems_are_counted() -> None:
    with pytest.raises(InputError) as info:
        parse_policy("version: 1\nfoo: 1\nbar: 2\n", shown_as="p")
    assert "(and 1 more problem)" in info.value.problem.message


def test_yaml_problems_are_input_errors_with_lines() -> None:
    with pytest.raises(InputError) as info:
        parse_policy("version: 1\nversion: 1\n", shown_as="p")
    assert info.value.problem.line == 2
    with pytest.raises(InputError):
        parse_policy("version: [1\n", shown_as="p")


def test_control_character_in_a_path_is_refused() -> None:
    with pytest.raises(InputError) as info:
        parse_policy('version: 1\npaths:\n  audits: "docs\\n"\n', shown_as="p")
    assert "control character" in info.value.problem.message


def test_the_policy_template_is_the_runbook_defaults() -> None:
    path = ROOT / "docs" / "templates" / "release-policy.yml"
    policy = parse_policy(path.read_text(), shown_as=str(path))
    assert policy.to_dict() == default_policy().to_dict()


EXAMPLE_DESK = ROOT / "examples" / "trading-desk"


def test_the_example_desk_keeps_the_runbook_numbers_and_names_its_people() -> None:
    path = EXAMPLE_DESK / POLICY_PATH
    shown = parse_policy(path.read_text(), shown_as=str(path)).to_dict()
    defaults = default_policy().to_dict()
    # Everything but who signs off is the runbook's: thresholds, paths, release types, rollout.
    assert {k: v for k, v in shown.items() if k != "roles"} == {
        k: v for k, v in defaults.items() if k != "roles"
    }
    # The people are the sign-off demo's (its policy "as on main"), so the two cannot drift.
    demo = json.loads((EXAMPLE_DESK / ".releasekit" / "signoff-fixture.json").read_text())
    on_main = parse_policy(demo["contents"]["main"][POLICY_PATH], shown_as="fixture")
    assert shown["roles"] == on_main.to_dict()["roles"]
    assert all(shown["roles"][role]["logins"] for role in ("audit", "risk", "founder"))


def test_the_example_desk_policy_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert releasekit_main(["policy", "validate", "--repo", str(EXAMPLE_DESK)]) == 0
    assert "POL002" not in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# releasekit policy show / validate


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".github").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def test_show_json_with_defaults_merged(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / POLICY_PATH).write_text("version: 1\nthresholds:\n  paper_min_trades: 25\n")
    assert main(["show", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["source"] == ".github/release-policy.yml"
    assert out["policy"]["thresholds"] == {
        "audit_max_age_days": 30,
        "walk_forward_consistency_above": 0.6,
        "paper_max_divergence": 0.2,
        "paper_min_trades": 25,
    }
    assert "thresholds.paper_min_trades" not in out["defaults_used"]
    assert "paths.audit_log" in out["defaults_used"]


def test_show_text_is_itself_a_valid_policy(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show"]) == 0
    text = capsys.readouterr().out
    assert "file: none: runbook defaults" in text
    assert "paper_min_trades: 10  # (default)" in text
    assert parse_policy(text, shown_as="shown").to_dict() == default_policy().to_dict()


def test_show_invalid_policy_is_exit_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / POLICY_PATH).write_text("version: 1\nthresholds:\n  walk_forward: 0.6\n")
    assert main(["show", "--format", "json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["problem"]["line"] == 3
    assert out["problem"]["file"] == ".github/release-policy.yml"


def test_validate_is_a_gate(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    assert "POL001" in capsys.readouterr().out  # no file: a notice, defaults apply
    (repo / POLICY_PATH).write_text("version: 1\n")
    # The runbook's release types need an auditor, risk and a founder: nobody is named.
    assert releasekit_main(["policy", "validate", "--format", "json"]) == 1
    errors = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["message"].split()[0]) for f in errors] == [
        ("POL002", "roles.audit"),
        ("POL002", "roles.risk"),
        ("POL002", "roles.founder"),
        ("POL002", "roles.model_audit"),
    ]
    named = "{audit: {logins: [a]}, risk: {logins: [r]}, founder: {logins: [f]}}"
    (repo / POLICY_PATH).write_text(f"version: 1\nroles: {named}\n")
    assert releasekit_main(["policy", "validate", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []
    (repo / POLICY_PATH).write_text("version: 1\nextra: true\n")
    assert main(["validate"]) == 2
    assert "release-policy.yml:2" in capsys.readouterr().out


def test_policy_symlink_out_of_the_repo_is_refused(
    repo: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "policy.yml"
    outside.write_text("version: 1\n")
    (repo / POLICY_PATH).symlink_to(outside)
    assert main(["validate"]) == 2
    assert "outside the repository" in capsys.readouterr().out


def test_oversized_policy_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / POLICY_PATH).write_text("version: 1\n" + "#" * 70_000 + "\n")
    assert main(["validate"]) == 2
    assert "over the" in capsys.readouterr().out


def test_usage_errors_are_exit_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_show_markdown_is_a_table_of_every_key_and_its_origin(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / POLICY_PATH).write_text("version: 1\nthresholds:\n  paper_min_trades: 25\n")
    assert main(["show", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### ")
    assert "Policy file: `.github/release-policy.yml`" in out
    assert "| `thresholds.paper_min_trades` | `25` | policy file |" in out
    assert "| `thresholds.audit_max_age_days` | `30` | runbook default |" in out
    assert '| `roles.code_review` | `{"logins": [], ' in out


def test_show_report_out_writes_the_json_report(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "--report-out", "policy.json"]) == 0
    assert capsys.readouterr().out.startswith("# effective release policy (file: none")
    report = json.loads((repo / "policy.json").read_text())
    assert report["tool"] == "policy"
    assert [f["rule"] for f in report["findings"]] == ["POL001"]
    assert report["data"]["policy"]["thresholds"]["paper_min_trades"] == 10


def test_show_report_out_of_an_invalid_policy_is_the_error_report(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / POLICY_PATH).write_text("version: 1\nthresholds:\n  walk_forward: 0.6\n")
    assert main(["show", "--format", "markdown", "--report-out", "policy.json"]) == 2
    assert "walk_forward" in capsys.readouterr().out
    assert json.loads((repo / "policy.json").read_text())["problem"]["line"] == 3


def test_show_marks_the_time_zone_as_a_default_until_the_file_sets_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show"]) == 0
    assert 'timezone: "UTC"  # (default)\n' in capsys.readouterr().out
    (repo / POLICY_PATH).write_text("version: 1\ntimezone: Europe/London\n")
    assert main(["show"]) == 0
    assert 'timezone: "Europe/London"\n' in capsys.readouterr().out
