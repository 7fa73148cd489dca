"""Every parser of user files, fed arbitrary text, returns or raises our InputError: no crash.

A crash here would be a traceback in a gate's output (exit 1 from Python, read as "blocked");
these properties keep bad input on the exit-2 path with a message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from releasekit.core.audit.formats import (
    parse_audit_log,
    parse_audit_report,
    parse_header,
    parse_paper_report,
)
from releasekit.core.audit.junit import parse_junit
from releasekit.core.rollout.controller import parse_metrics, parse_state
from releasekit.core.signoff.policy import parse_policy
from releasekit.core.versioning.changelog import check_changelog, parse_changelog
from releasekit.core.versioning.version_file import check_version_file, parse_version_file
from releasekit.core.yamldoc import parse_yaml
from releasekit.errors import InputError

# Text that looks like the files these parsers read: their keywords and punctuation mixed
# with arbitrary characters, so the search reaches past the first line.
FRAGMENTS = [
    "# Changelog\n",
    "## [Unreleased]\n",
    "## [1.2.3] - 2024-01-15\n",
    "### Added\n",
    "- x\n",
    "```\n",
    "<!--\n",
    "-->\n",
    "[1.2.3]: https://x/compare/v1...v2\n",
    "---\n",
    "===\n",
    "version: 1.2.3\n",
    "release_date: 2024-01-15\n",
    "changelog:\n",
    '- "1.2.3: x"\n',
    "| Audit ID | Strategy | Version | Release | Date | Auditor | Verdict | Report |\n",
    "|---|---|---|---|---|---|---|---|\n",
    "| AUD-2024-01-15-001 | ICT_QM | 2.1.0 | 1.2.3 |",
    "## 5. Fixes\n",
    "- [x] fixed\n",
    "## 6. Walk-forward\n",
    "Consistency: 75%\n",
    "| Metric | Paper | Backtest | Divergence |\n",
    "| Sharpe | 1.2 | 1.4 | 14% |\n",
    "// Strategy: ICT_QM\n",
    "// Version: 2.1.0\n",
    "// Audit: AUD-2024-01-15-001 (PASS)\n",
    '<testsuite tests="1" failures="0">',
    "</testsuite>",
    "<!DOCTYPE x [<!ENTITY a 'b'>]>",
    '{"version": "1.2.3", "stage": "paper"',
    "}",
    "thresholds:\n  paper_min_trades: 10\n",
    "roles:\n  founder:\n    logins: [a]\n",
    "rollout:\n  stages: []\n",
    "&a ",
    "*a ",
    "\t",
]
TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=30).map(
    "".join
)
AS_OF = dt.date(2026, 11, 25)


def _changelog(text: str) -> Any:
    return check_changelog(parse_changelog(text, shown_as="C"), as_of=AS_OF)


def _version(text: str) -> Any:
    return check_version_file(parse_version_file(text, shown_as="v"), as_of=AS_OF)


PARSERS: dict[str, Callable[[str], Any]] = {
    "changelog": _changelog,
    "version.yaml": _version,
    "policy": lambda t: parse_policy(t, shown_as="p"),
    "audit log": lambda t: parse_audit_log(t, shown_as="l"),
    "audit report": lambda t: parse_audit_report(t, shown_as="r"),
    "paper report": lambda t: parse_paper_report(t, shown_as="p"),
    "strategy header": lambda t: parse_header(t, shown_as="s", kind="strategy", stem="ict_qm"),
    "junit": lambda t: parse_junit(t, shown_as="j"),
    "rollout state": lambda t: parse_state(t, shown_as="s"),
    "rollout metrics": lambda t: parse_metrics(t, shown_as="m"),
}


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=150, deadline=None)
@given(text=TEXT)
def test_parser_returns_or_raises_only_our_input_error(name: str, text: str) -> None:
    problem = None
    try:
        PARSERS[name](text)
    except InputError as exc:
        problem = exc.problem
    if problem is not None:
        assert problem.message  # a message a person can act on
        assert problem.exit_code == 2


@given(text=TEXT)
@settings(max_examples=150, deadline=None)
def test_the_changelog_parser_never_raises_on_content(text: str) -> None:
    # Content problems are findings, never exceptions: check-changelog always has a verdict.
    _changelog(text)


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        pytest.param("a:\n  - " + "[" * 3000 + "]" * 3000, 2, "nested too deeply", id="nesting"),
        pytest.param("a: 1\nn: " + "9" * 5000 + "\n", 2, "4300 digits", id="integer-digit-limit"),
        pytest.param("a: 1\nb: !!timestamp 2024-13-45\n", 2, "timestamp", id="bad-timestamp"),
        pytest.param("a: 1\n\nb: !!int 0x\n", 3, "int", id="bad-explicit-int"),
    ],
)
def test_yaml_python_refuses_is_bad_input_at_its_line(text: str, line: int, says: str) -> None:
    with pytest.raises(InputError, match=says) as caught:
        parse_yaml(text, shown_as="release-policy.yml")
    assert (caught.value.problem.file, caught.value.problem.line) == ("release-policy.yml", line)
