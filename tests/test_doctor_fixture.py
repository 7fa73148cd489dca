"""``releasekit doctor --fixture``: the offline settings port, and docs/doctor.md's example.

The fixture holds what GitHub's API answers; a section left out is "not captured" (DOC013
naming the ``gh api`` call), an error answer is what GitHub said, and a broken fixture is
exit 2 naming the file. The example in docs/doctor.md runs exactly as the page shows.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from releasekit.adapters.github.interface import AccessDeniedError, RepositoryReadPort
from releasekit.adapters.github.settings_fixture import SettingsFixturePort
from releasekit.cli import doctor as cli
from releasekit.core.github_facts import Sha
from releasekit.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "doctor.md"


def doc_example() -> tuple[dict[str, Any], str]:
    """The fixture and the expected text output shown in docs/doctor.md."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Offline: `--fixture`", 1)[1]
    fixture = re.search(r"```json\n(.*?)```", section, re.DOTALL)
    shown = re.search(r"then says:\n\n```text\n(.*?)```", section, re.DOTALL)
    assert fixture is not None
    assert shown is not None
    data: dict[str, Any] = json.loads(fixture.group(1))
    return data, shown.group(1)


def run(tmp_path: Path, data: Any, *args: str) -> tuple[int, str]:
    """Run doctor on ``data`` written as settings.json; exit code and output."""
    path = tmp_path / "settings.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    out = io.StringIO()
    code = cli.main([*args, "--fixture", str(path)], env={}, out=out)
    return code, out.getvalue()


def run_json(tmp_path: Path, data: Any) -> tuple[int, dict[str, Any]]:
    """Run doctor with ``--format json``: exit code and report."""
    code, text = run(tmp_path, data, "--format", "json")
    report: dict[str, Any] = json.loads(text)
    return code, report


def rules(report: dict[str, Any]) -> set[tuple[str, str]]:
    """(rule, level) of every finding."""
    return {(f["rule"], f["level"]) for f in report["findings"]}


def test_the_docs_example_prints_what_the_docs_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    data, shown = doc_example()
    code, text = run(tmp_path, data)
    assert code == 1
    assert text == shown


def test_the_docs_example_fixed_passes(tmp_path: Path) -> None:
    data, _ = doc_example()
    data["workflow_permissions"]["default_workflow_permissions"] = "read"
    code, report = run_json(tmp_path, data)
    assert (code, report["findings"]) == (0, [])


def test_the_fixture_port_is_a_repository_read_port() -> None:
    data, _ = doc_example()
    data["commit_pulls"] = {}
    port: RepositoryReadPort = SettingsFixturePort(data, source="settings.json")
    assert port.default_branch() == "main"
    assert port.file_at("nope.txt", "main") is None
    assert port.commit_pulls(Sha("a" * 40)) == []
    assert port.request_count == 3


@pytest.mark.parametrize(
    ("section", "call", "level"),
    [
        ("branch_protection", "gh api repos/acme/desk/branches/main/protection", "warning"),
        # Classic protection already decides every branch check: nothing left undecided.
        ("branch_rules", "gh api --paginate repos/acme/desk/rules/branches/main", "notice"),
        ("environments", "gh api repos/acme/desk/environments/paper", "warning"),
        ("actions_permissions", "gh api repos/acme/desk/actions/permissions", "warning"),
        ("files", "gh api repos/acme/desk/contents/.github/release-policy.yml", "warning"),
    ],
)
def test_a_section_left_out_is_not_captured_never_absent(
    tmp_path: Path, section: str, call: str, level: str
) -> None:
    data, _ = doc_example()
    data["workflow_permissions"]["default_workflow_permissions"] = "read"
    del data[section]
    code, report = run_json(tmp_path, data)
    assert {found for _, found in rules(report)} == {level}
    assert {rule for rule, _ in rules(report)} == {"DOC013"}
    assert any(call in f["hint"] for f in report["findings"])
    assert code == 0


def test_captured_error_answers_mean_what_github_meant(tmp_path: Path) -> None:
    data, _ = doc_example()
    data["branch_protection"]["main"] = {"status": "404", "message": "Branch not protected"}
    data["environments"]["live"] = {"status": 403, "message": "Resource not accessible"}
    code, report = run_json(tmp_path, data)
    assert {("DOC001", "error"), ("DOC013", "warning")} <= rules(report)
    assert code == 1


def test_a_section_captured_as_one_error_answers_for_every_entry(tmp_path: Path) -> None:
    data, _ = doc_example()
    data["files"] = {"status": 403, "message": "Resource not accessible by integration"}
    port = SettingsFixturePort(data, source="settings.json")
    with pytest.raises(AccessDeniedError, match="403"):
        port.file_at(".github/CODEOWNERS", "main")


def test_a_protection_of_null_is_unprotected(tmp_path: Path) -> None:
    data, _ = doc_example()
    data["branch_protection"]["main"] = None
    assert SettingsFixturePort(data, source="s.json").branch_protection("main") is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param("{not json", "not JSON", id="not-json"),
        pytest.param("[]", "JSON object", id="not-an-object"),
        pytest.param({"repository": {"full_name": "a/b"}}, "default_branch", id="no-branch"),
        pytest.param({"branch_protection": {}}, "no `repository`", id="no-repository"),
        pytest.param(
            {"repository": {"full_name": "a/b", "default_branch": "main"}, "enviroments": {}},
            "did you mean `environments`",
            id="misspelt-section",
        ),
    ],
)
def test_a_broken_fixture_is_exit_2_naming_the_file(
    tmp_path: Path, data: Any, message: str
) -> None:
    code, text = run(tmp_path, data)
    assert code == 2
    assert message in text
    assert "settings.json" in text


def test_a_malformed_section_is_an_input_error_naming_the_fixture() -> None:
    data, _ = doc_example()
    data["branch_protection"]["main"] = ["not", "an", "object"]
    port = SettingsFixturePort(data, source="settings.json")
    with pytest.raises(InputError, match="settings fixture") as caught:
        port.branch_protection("main")
    assert caught.value.problem.file == "settings.json"
