"""Repository text a pull request's author controls never reaches the Actions runner as a command.

The runner reads every line of a step's stdout and stderr as a workflow command when, after
leading whitespace, it starts with ``::`` or when it holds the legacy ``##[`` anywhere
(actions/runner ``ActionCommand.TryParseV2`` / ``TryParse``). ``runner_commands`` below is a
model of that parser that is stricter than the runner: it accepts any command name, and it
ignores the default-ignorable characters (a zero-width space) that a culture-sensitive
comparison may skip.

The properties drive the real commands, through ``releasekit.cli.main`` as the composite
action does, on a copy of the example desk where hostile text is placed in every field that
reaches output: a strategy's file name, a changelog heading and entry, a version.yaml entry,
a policy key, an audit id, an audit report heading, and a command-line argument.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from releasekit.adapters.actions import CommandSafeStream, Runtime
from releasekit.cli import main as releasekit_main
from releasekit.core.render import md_escape, render_json, render_markdown, render_text, visible
from releasekit.core.report import Report, finding

DESK = Path(__file__).resolve().parents[1] / "examples" / "trading-desk"

# Default-ignorable code points (Unicode DerivedCoreProperties), written out here so that the
# model does not borrow the implementation's list.
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
# Never printed raw: C0 but tab and newline, DEL, C1, line/paragraph separators, bidi
# controls, lone surrogates.
_RAW_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
OUR_ANNOTATIONS = frozenset({"error", "warning", "notice"})


def runner_commands(output: str) -> list[tuple[str, str, str]]:
    """(form, command name, line) for every line the runner could read as a command."""
    found: list[tuple[str, str, str]] = []
    # .NET's ReadLine ends a line at \r, \n or \r\n.
    for line in re.split(r"\r\n|\r|\n", output):
        skeleton = _IGNORABLE.sub("", line)
        trimmed = skeleton.lstrip()  # Python's whitespace includes all of .NET's
        end = trimmed.find("::", 2)
        if trimmed.startswith("::") and end >= 0:
            found.append(("v2", trimmed[2:end].split(" ")[0], line))
            continue
        start = skeleton.find("##[")
        if start >= 0 and skeleton.find("]", start) >= 0:
            found.append(("legacy", skeleton[start + 3 : skeleton.find("]", start)], line))
    return found


# Hostile text: workflow commands in every form, line breaks of every kind, terminal escapes,
# bidi controls and zero-width characters, mixed with arbitrary text.
FRAGMENTS = [
    "::add-mask::secret",
    "::set-output name=verdict::pass",
    "::stop-commands::tok",
    "::error file=x,line=1::forged",
    "##[add-mask]secret",
    "##[set-output name=verdict;]pass",
    "\n",
    "\r",
    "\r\n",
    "\n  ::warning::w",
    "\n\u3000::notice::n",
    "\n\u200b::debug::d",
    ":\u200b:add-mask::z",
    "#\u200b#[add-mask]z",
    "\u2028",
    "\x85",
    "\x1b[2J",
    "\x1b]8;;http://x\x07",
    "\u202e",
    "\t",
    "`",
    "@octocat",
    "|",
    "%0A::x::",
]
hostile = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), min_size=1, max_size=6
).map("".join)

SITES = (
    "strategy-file-name",
    "changelog-heading",
    "changelog-entry",
    "version-entry",
    "policy-key",
    "audit-id",
    "audit-heading",
    "fixture-values",
)
FIXTURE = ".releasekit/signoff-fixture.json"


def _file_name(text: str) -> str | None:
    """``text`` as a file name the file system accepts, or None."""
    name = text.replace("/", "_").replace("\0", "_")[:80] + ".pine"
    try:
        return name if len(os.fsencode(name)) < 250 else None
    except UnicodeEncodeError:
        return None


def plant(repo: Path, text: str, sites: set[str]) -> None:
    """Put ``text`` into each of ``sites`` in the desk copy at ``repo``."""
    quoted = json.dumps(text)  # a YAML double-quoted scalar
    if "strategy-file-name" in sites and (name := _file_name(text)) is not None:
        source = repo / "strategies" / "pine_v6" / "ict_qm.pine"
        (repo / "strategies" / "pine_v6" / name).write_bytes(source.read_bytes())
    changelog = repo / "CHANGELOG.md"
    body = changelog.read_text()
    if "changelog-entry" in sites:
        body = body.replace("## [Unreleased]\n", f"## [Unreleased]\n\n### Added\n- {text}\n", 1)
    if "changelog-heading" in sites:
        body = body.replace("## [1.2.3]", f"## [{text}]\n\n## [1.2.3]", 1)
    changelog.write_text(body, errors="surrogateescape")
    version = repo / "version.yaml"
    if "version-entry" in sites:
        entries = version.read_text().replace('"1.2.3: Fixed', f"{quoted[:-1]} 1.2.3: Fixed", 1)
        version.write_text(entries, errors="surrogateescape")
    if "policy-key" in sites:
        policy = repo / ".github" / "release-policy.yml"
        policy.write_text(policy.read_text() + f"{quoted}: 1\n")
    if "audit-id" in sites:
        log = repo / "docs" / "audits" / "audit_log.md"
        log.write_text(
            log.read_text().replace("AUD-2024-01-15-001", text, 1), errors="surrogateescape"
        )
    if "fixture-values" in sites:
        # What GitHub would answer for the pull request: its title, branch, logins, files.
        fixture = repo / FIXTURE
        data = json.loads(fixture.read_text())
        data["pull_request"]["title"] = text
        data["pull_request"]["head_ref"] = text
        data["pull_request"]["author"] = text
        data["reviews"][1]["user"] = text
        data["changed_files"][0]["path"] = text
        fixture.write_text(json.dumps(data))
    if "audit-heading" in sites:
        report = repo / "docs" / "audits" / "ict_qm_audit.md"
        report.write_text(report.read_text() + f"\n## {text}\n", errors="surrogateescape")


def commands(repo: Path, text: str, fmt: str) -> list[list[str]]:
    """The commands the issue names, each as the composite action runs it."""
    r, f = f"--repo={repo}", f"--format={fmt}"
    return [
        ["check-changelog", r, f],
        ["verify-audit", r, f],
        ["release-check", r, f],
        ["policy", "show", r, f],
        ["policy", "validate", r, f],
        ["signoff-gate", r, f, f"--fixture={repo / FIXTURE}", "--explain"],
        ["bump-version", r, f, "--dry-run", "--part=patch", "--allow-empty", f"--summary={text}"],
    ]


@contextlib.contextmanager
def actions_env(tmp: Path, *, active: bool) -> Iterator[tuple[Path, Path]]:
    """The environment of a GitHub Actions step (or of a terminal when not ``active``)."""
    output, summary = tmp / "github_output", tmp / "step_summary"
    output.write_text("")
    summary.write_text("")
    env = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    env["GITHUB_ACTIONS"] = "true" if active else "false"
    with mock.patch.dict(os.environ, env):
        yield output, summary


def run(argv: list[str]) -> tuple[int, str, str]:
    """``releasekit.cli.main(argv)`` with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = releasekit_main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_safe(code: int, out: str, err: str, *, active: bool) -> None:
    """The output-boundary properties for one command's run."""
    assert code in (0, 1, 2, 3)
    assert "Traceback (most recent call last)" not in err
    for stream in (out, err):
        assert _RAW_CONTROL.search(stream) is None, stream
        for form, name, line in runner_commands(stream):
            # Outside Actions we issue no command at all; inside, only our annotations, each
            # a line of its own that starts with "::".
            assert active, line
            assert form == "v2", line
            assert name in OUR_ANNOTATIONS, line
            assert line.startswith(f"::{name} "), line


def step_outputs(path: Path) -> dict[str, str]:
    """``$GITHUB_OUTPUT`` as the runtime writes it (``name<<DELIM`` blocks)."""
    values: dict[str, str] = {}
    lines = path.read_text().split("\n")
    i = 0
    while i < len(lines) and lines[i]:
        name, delimiter = lines[i].split("<<", 1)
        end = lines.index(delimiter, i + 1)
        values[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return values


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=hostile,
    sites=st.sets(st.sampled_from(SITES), min_size=1),
    fmt=st.sampled_from(["text", "json", "markdown"]),
    active=st.booleans(),
)
def test_no_output_line_is_a_workflow_command(
    tmp_path_factory: pytest.TempPathFactory, text: str, sites: set[str], fmt: str, active: bool
) -> None:
    tmp = tmp_path_factory.mktemp("hostile")
    repo = tmp / "desk"
    shutil.copytree(DESK, repo)
    plant(repo, text, sites)
    with actions_env(tmp, active=active) as (output, summary):
        for argv in commands(repo, text, fmt):
            code, out, err = run(argv)
            assert_safe(code, out, err, active=active)
        assert _RAW_CONTROL.search(summary.read_text()) is None
        for name, value in step_outputs(output).items():
            assert "\n" not in value, name
            assert _RAW_CONTROL.search(value) is None, name


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize("active", [True, False], ids=["actions", "terminal"])
def test_each_site_with_every_fragment(tmp_path: Path, site: str, active: bool) -> None:
    # Every fragment at once, in one field at a time: the deterministic core of the property.
    text = "x" + "".join(FRAGMENTS)
    repo = tmp_path / "desk"
    shutil.copytree(DESK, repo)
    plant(repo, text, {site})
    with actions_env(tmp_path, active=active):
        for argv in commands(repo, text, "text"):
            code, out, err = run(argv)
            assert_safe(code, out, err, active=active)


def test_a_strategy_file_name_with_a_newline_stays_on_its_line(tmp_path: Path) -> None:
    repo = tmp_path / "desk"
    shutil.copytree(DESK, repo)
    plant(repo, "evil\n::add-mask::x", {"strategy-file-name"})
    with actions_env(tmp_path, active=True):
        code, out, _ = run(["verify-audit", f"--repo={repo}"])
    assert code in (1, 2)
    assert "evil\\n::add-mask::x" in out  # shown escaped, on the line that names it
    assert all(name in OUR_ANNOTATIONS for _, name, _ in runner_commands(out))


@given(st.text())
def test_the_stream_boundary_holds_for_any_text_in_any_pieces(text: str) -> None:
    # Written in arbitrary pieces (a line may arrive in several writes), nothing is a command.
    for size in (1, 3, len(text) or 1):
        raw = io.StringIO()
        stream = CommandSafeStream(raw)
        for i in range(0, len(text), size):
            stream.write(text[i : i + size])
        assert runner_commands(raw.getvalue()) == []
        assert _RAW_CONTROL.search(raw.getvalue()) is None


@given(st.text(), st.text())
def test_text_that_is_already_safe_is_written_unchanged(safe: str, other: str) -> None:
    # The boundary changes only what it must: ordinary report text passes as it is.
    assume_safe = visible(safe, keep_newlines=True)
    if runner_commands(assume_safe) or ":" in assume_safe or "##" in assume_safe:
        return
    raw = io.StringIO()
    CommandSafeStream(raw).write(assume_safe)
    assert raw.getvalue() == assume_safe


@given(text=st.text(), message=st.text())
def test_our_own_annotations_get_through_and_nothing_else(text: str, message: str) -> None:
    raw = io.StringIO()
    stream = CommandSafeStream(raw)
    runtime = Runtime.from_env(stream, {"GITHUB_ACTIONS": "true"})
    stream.write(text)  # possibly mid-line: the annotation still starts a line of its own
    runtime.command("warning", {"title": message, "file": message}, message)
    stream.write(text)
    found = runner_commands(raw.getvalue())
    assert [(form, name) for form, name, _ in found] == [("v2", "warning")]
    assert _RAW_CONTROL.search(raw.getvalue()) is None


@given(field=st.text(), fmt=st.sampled_from(["text", "json", "markdown"]))
def test_every_rendering_of_any_report_is_safe_to_print(field: str, fmt: str) -> None:
    report = Report(
        "verify-audit",
        field,
        (finding("AUD016", "error", field, file=field, line=3, hint="fix " + field),),
    )
    rendered = {
        "text": render_text(report),
        "json": render_json(report),
        "markdown": render_markdown(report),
    }[fmt]
    if fmt == "json":
        # Safe as it is (no boundary needed), and the values are the report's, unchanged.
        assert json.loads(rendered)["findings"][0]["message"] == field
        assert runner_commands(rendered) == []
    if fmt == "text":
        # One value, one line: each field's text never starts a line of its own.
        assert len(rendered.rstrip("\n").split("\n")) == 4
    assert _RAW_CONTROL.search(rendered) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "run `git push origin @{u}:v1` now",
            "run `git push origin @{u}:v1` now",
            id="code-span-copied-verbatim",
        ),
        pytest.param("thanks @octocat", "thanks @\u200boctocat", id="prose-mention-cannot-ping"),
        pytest.param("pin acme/releasekit@abc123", "pin acme/releasekit@abc123", id="pkg-at-ref"),
        pytest.param("mail ops@desk.example", "mail ops@desk.example", id="mail-address"),
        pytest.param("`a|b`", "`a\\|b`", id="pipe-in-span-keeps-the-table-cell"),
        pytest.param("``a`b``", "``a`b``", id="longer-fence"),
        pytest.param("`open", "\\`open", id="unpaired-backtick-is-text"),
        pytest.param("`x\x1by`", "`x\\x1by`", id="control-in-span-visible"),
    ],
)
def test_markdown_code_spans_and_mentions(text: str, expected: str) -> None:
    assert md_escape(text) == expected


@given(field=st.one_of(st.text(), hostile))
def test_json_passes_the_boundary_unchanged_and_decodes_to_the_same_values(field: str) -> None:
    # The boundary must never turn a JSON report into invalid JSON: render_json's text is
    # already safe, so the stream writes it byte for byte.
    report = Report("t", field, (finding("X001", "error", field, file=field, line=1),))
    text = render_json(report)
    raw = io.StringIO()
    CommandSafeStream(raw).write(text)
    assert raw.getvalue() == text
    decoded = json.loads(raw.getvalue())
    assert decoded["subject"] == field
    assert decoded["findings"][0]["file"] == field
