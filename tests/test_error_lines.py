"""Every bad-content error names ``file:line``, and the line is the one with the bad content.

One case per kind of file a gate reads — JSON (rollout state, metrics snapshot), the tags
file, JUnit XML, YAML (version.yaml) and Markdown (CHANGELOG.md) — each run through the
command as a person runs it, the bad content placed on a known line behind decoys that a
search for the key's text would find first (a key inside a string, the same key in another
object, an escaped key).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from releasekit.cli import main as releasekit_main
from releasekit.core.rollout.jsonread import load_strict_json, path_line
from releasekit.errors import InputError

DESK = Path(__file__).resolve().parents[1] / "examples" / "trading-desk"
NOW = "--now=2024-01-05T09:00:00Z"
SCHEMA = "releasekit.rollout-metrics/1"
STATE_HEAD = '{\n "schema": "releasekit.rollout-state/1",\n "version": "1.2.3",\n "events": [\n'


def event(**fields: object) -> str:
    """One state event as a JSON object on its own lines, one key a line."""
    base: dict[str, object] = {
        "at": "2024-01-01T09:00:00Z",
        "kind": "promote",
        "stage": "paper",
        "size": 1.0,
        "rules": ["RLT001"],
        "note": "deploy",
    }
    base.update(fields)
    return "  {\n" + ",\n".join(f"   {json.dumps(k)}: {json.dumps(v)}" for k, v in base.items())


def state(*events: str) -> str:
    return STATE_HEAD + "\n  },\n".join(events) + "\n  }\n ]\n}\n"


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the ``nth`` line holding ``needle``."""
    hits = [i for i, t in enumerate(text.splitlines(), 1) if needle in t]
    return hits[nth - 1]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = releasekit_main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# -- JSON: rollout state ---------------------------------------------------------------------

# A note that holds the text of a key, so that a search for `"size":` finds it first.
DECOY = event(note='"size": 0.5, "kind": "hold", "at": "soon"')


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        pytest.param({"size": 1.5}, '"size": 1.5', id="size-out-of-range"),
        pytest.param({"size": "big"}, '"size": "big"', id="size-not-a-number"),
        pytest.param({"kind": "launch"}, '"launch"', id="unknown-kind"),
        pytest.param({"at": "yesterday"}, '"yesterday"', id="bad-time"),
        pytest.param({"rules": [1]}, '"rules": [1]', id="rules-not-text"),
    ],
)
def test_a_bad_state_event_names_the_line_of_its_bad_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bad: dict[str, object],
    needle: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    text = state(DECOY, event(**bad))
    Path("state.json").write_text(text)
    code, out = run(["rollout", "--repo=.", "decide", "--state=state.json", NOW], capsys)
    assert code == 2, out
    assert f"state.json:{line_of(text, needle)}:" in out


def test_a_duplicate_key_names_the_line_of_its_second_use_in_the_same_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    # "note" is used in every event; only the second event uses it twice.
    text = state(DECOY, event() + ',\n   "note": "again"')
    Path("state.json").write_text(text)
    code, out = run(["rollout", "--repo=.", "decide", "--state=state.json", NOW], capsys)
    assert code == 2, out
    assert "appears twice" in out
    assert f"state.json:{line_of(text, 'again')}:" in out


# -- JSON: metrics snapshot ------------------------------------------------------------------

METRICS = {
    "schema": SCHEMA,
    "version": "1.2.3",
    "environment": "paper",
    "period": {"start": "2024-01-04T09:00:00Z", "end": "2024-01-05T08:00:00Z"},
    "trades": 40,
}


@pytest.mark.parametrize(
    ("change", "needle", "message"),
    [
        pytest.param({"extra_key": 1}, '"extra_key"', "Additional properties", id="unexpected-key"),
        pytest.param(
            {"period": {"start": "2024-01-04T09:00:00Z", "end": "noon"}},
            '"noon"',
            "period.end",
            id="bad-period-end",
        ),
        pytest.param({"trades": -1}, '"trades": -1', "trades", id="out-of-range"),
        pytest.param({"version": "9.9.9"}, '"9.9.9"', "the metrics are about", id="other-version"),
    ],
)
def test_a_bad_metrics_snapshot_names_the_line_of_its_bad_value(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, object],
    needle: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("state.json").write_text(state(event()))
    # A decoy first: a string holding every key's text, on line 2.
    text = json.dumps({"source": json.dumps(METRICS), **METRICS, **change}, indent=1)
    Path("metrics.json").write_text(text)
    argv = ["rollout", "--repo=.", "decide", "--state=state.json", "--metrics=metrics.json"]
    code, out = run([*argv, NOW], capsys)
    assert code == 2, out
    assert message in out
    assert f"metrics.json:{line_of(text, needle)}:" in out


def test_path_line_follows_keys_and_indexes_not_text() -> None:
    text = '{"a": "\\"b\\": 1",\n "c": [0,\n  {"b": 2}],\n "\\u0062": 3}'
    load_strict_json(text, shown_as="t", what="t", hint="")  # it is JSON
    assert path_line(text, ["c", 1, "b"]) == 3
    assert path_line(text, ["b"]) == 4  # the escaped key, not the text inside "a"
    assert path_line(text, ["c", 2]) is None


# -- the tags file ---------------------------------------------------------------------------


def test_a_bad_time_in_the_tags_file_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("tags.txt").write_text("# tags\nv1.2.3 2024-01-01T09:00:00Z\nv1.2.4-hotfix tomorrow\n")
    code, out = run(["hotfix-sla", "--repo=.", "--tags=tags.txt", NOW], capsys)
    assert code == 2, out
    assert "tags.txt:3:" in out


# -- JUnit XML -------------------------------------------------------------------------------

JUNIT_OK = '<testsuite name="bias" tests="1">\n <testcase name="t"/>\n</testsuite>\n'


@pytest.mark.parametrize(
    ("xml", "line"),
    [
        pytest.param(
            '<?xml version="1.0"?>\n<testsuites>\n <testsuite tests="1"/>\n'
            ' <testsuite tests="many">\n </testsuite>\n</testsuites>\n',
            4,
            id="a-count-that-is-not-one",
        ),
        pytest.param('<?xml version="1.0"?>\n\n<report/>\n', 3, id="not-junit"),
        pytest.param("<testsuite>\n <testcase>\n</testsuite>\n", 3, id="not-well-formed"),
    ],
)
def test_bad_junit_xml_names_its_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    xml: str,
    line: int,
) -> None:
    shutil.copytree(DESK, tmp_path / "desk")
    monkeypatch.chdir(tmp_path / "desk")
    Path("bias.xml").write_text(xml)
    code, out = run(["verify-audit", "--repo=.", "--all", "--bias-junit=bias.xml"], capsys)
    assert code == 2, out
    assert f"bias.xml:{line}:" in out


# -- YAML and Markdown -----------------------------------------------------------------------


def test_a_bad_release_date_in_version_yaml_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(DESK, tmp_path / "desk")
    monkeypatch.chdir(tmp_path / "desk")
    text = Path("version.yaml").read_text()
    date_line = line_of(text, "release_date:")
    lines = text.splitlines()
    lines[date_line - 1] = "release_date: next week"
    Path("version.yaml").write_text("\n".join(lines) + "\n")
    code, out = run(["verify-audit", "--repo=.", "--all"], capsys)
    assert code == 2, out
    assert f"version.yaml:{date_line}:" in out


def test_release_notes_without_a_release_name_the_unreleased_heading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    text = "# Changelog\n\nAll notable changes.\n\n## [Unreleased]\n\n### Added\n- a thing\n"
    Path("CHANGELOG.md").write_text(text)
    code, out = run(["check-changelog", "--repo=.", "--notes-out=notes.md"], capsys)
    assert code == 2, out
    assert f"CHANGELOG.md:{line_of(text, '## [Unreleased]')}: no release" in out
    assert not Path("notes.md").exists()


def test_an_input_error_in_core_carries_the_line_it_names() -> None:
    # The same line reaches a caller that reads the state without the command.
    from releasekit.core.rollout.controller import parse_state

    text = state(DECOY, event(size=2))
    with pytest.raises(InputError) as caught:
        parse_state(text, shown_as="s.json")
    assert caught.value.problem.line == line_of(text, '"size": 2')


# -- JSON: the board fixture and the event payload -------------------------------------------


DEFAULT_BRANCH_7 = '"default_branch": 7'


def test_a_bad_board_fixture_names_the_line_of_its_bad_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    data = json.loads((DESK / ".releasekit" / "board-fixture.json").read_text())
    data["repositories"][0]["default_branch"] = 7
    text = json.dumps(data, indent=1)
    Path("board.json").write_text(text)
    code, out = run(["board", "--fixture=board.json", "--out=site"], capsys)
    assert code == 2, out
    assert f"board.json:{line_of(text, DEFAULT_BRANCH_7)}:" in out


def test_a_bad_event_payload_names_its_line(tmp_path: Path) -> None:
    from releasekit.adapters.github.event import event_facts

    payload = tmp_path / "event.json"
    lines = ["{", ' "action": "opened",', ' "pull_request": {', '  "title": "number",']
    text = "\n".join([*lines, '  "number": "1"', " }", "}", ""])
    payload.write_text(text)
    with pytest.raises(InputError) as caught:
        event_facts({"GITHUB_EVENT_PATH": str(payload)})
    assert caught.value.problem.line == 5
    payload.write_text('{\n "action": "opened",\n "pull_request": {\n')
    with pytest.raises(InputError) as caught:
        event_facts({"GITHUB_EVENT_PATH": str(payload)})
    assert caught.value.problem.line == 4
