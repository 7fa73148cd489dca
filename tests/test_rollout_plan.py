"""The rollout plan: the runbook's defaults, and impossible plans refused with file:line."""

from __future__ import annotations

import textwrap

import pytest

from releasekit.core.rollout.plan import (
    DEFAULT_PLAN,
    RolloutPlan,
    expand_template,
    parse_rollout_section,
    template_placeholders,
)
from releasekit.core.yamldoc import parse_yaml
from releasekit.errors import InputError

POLICY = ".github/release-policy.yml"


def parse(text: str) -> RolloutPlan:
    """The rollout plan of a policy file's text."""
    doc = parse_yaml(textwrap.dedent(text), shown_as=POLICY)
    return parse_rollout_section(doc.data.get("rollout"), doc)


def refused(text: str) -> InputError:
    """The error a policy text is refused with."""
    with pytest.raises(InputError) as info:
        parse(text)
    return info.value


# The runbook's stages as YAML, to derive broken plans from.
RUNBOOK = """\
version: 1
rollout:
  stages:
    - id: paper
      environment: paper
      size: 1.0
      day: 0
      min_soak_hours: 24
    - id: live-25
      environment: live
      size: 0.25
      day: 4
      min_soak_hours: 72
      entry:
        window: {from_day: 1, to_day: 3}
        min_trades: 10
        max_critical_errors: 0
        pnl_within_expected: true
    - id: live-50
      environment: live
      size: 0.5
      day: 7
      min_soak_hours: 168
      entry:
        window: {from_day: 4, to_day: 6}
        stable: true
    - id: live-100
      environment: live
      size: 1.0
      day: 14
      entry:
        window: {from_day: 7, to_day: 13}
        stable: true
"""


def test_no_section_is_the_runbook() -> None:
    assert parse("version: 1\n") == DEFAULT_PLAN


def test_the_runbook_written_out_is_the_default() -> None:
    assert parse(RUNBOOK).stages == DEFAULT_PLAN.stages


def test_default_plan_follows_the_runbook_days_sizes_and_conditions() -> None:
    stages = DEFAULT_PLAN.stages
    assert [(s.id, s.environment, s.size, s.day) for s in stages] == [
        ("paper", "paper", 1.0, 0),
        ("live-25", "live", 0.25, 4),
        ("live-50", "live", 0.5, 7),
        ("live-100", "live", 1.0, 14),
    ]
    assert stages[0].min_soak_hours == 24  # "Monitor for 24 hours"
    paper_validation = stages[1].entry
    assert paper_validation is not None
    assert (paper_validation.window.from_day, paper_validation.window.to_day) == (1, 3)
    assert paper_validation.min_trades == 10
    assert paper_validation.max_critical_errors == 0
    assert paper_validation.pnl_within_expected
    assert stages[2].entry is not None
    assert stages[2].entry.stable
    assert (stages[2].entry.window.from_day, stages[2].entry.window.to_day) == (4, 6)
    assert stages[3].entry is not None
    assert (stages[3].entry.window.from_day, stages[3].entry.window.to_day) == (7, 13)
    rules = DEFAULT_PLAN.rollback
    assert (rules.live_errors_above, rules.divergence_above, rules.divergence_grace_hours) == (
        3,
        0.30,
        24,
    )


def test_a_custom_plan_and_commands_are_read() -> None:
    plan = parse(
        """\
        rollout:
          stages:
            - {id: paper, environment: paper, size: 1, day: 0, min_soak_hours: 48}
            - {id: live, environment: live, size: 1, day: 2}
          rollback: {live_errors_above: 0, divergence_grace_hours: 12}
          commands:
            deploy: [python, deploy.py, "{tag}", "--size={percent}"]
            timeout_seconds: 60
          hotfix: {postmortem: file}
        """
    )
    assert [s.id for s in plan.stages] == ["paper", "live"]
    assert plan.rollback.live_errors_above == 0
    assert plan.rollback.divergence_grace_hours == 12
    assert plan.commands.deploy == ("python", "deploy.py", "{tag}", "--size={percent}")
    assert plan.commands.timeout_seconds == 60
    assert plan.hotfix.postmortem == "file"
    assert plan.commands.kill_switch_activate == DEFAULT_PLAN.commands.kill_switch_activate


@pytest.mark.parametrize(
    ("old", "new", "anchor", "words"),
    [
        pytest.param(
            "size: 0.5\n",
            "size: 0.2\n",
            "size: 0.2\n",
            "not larger than",
            id="sizes-not-increasing",
        ),
        pytest.param(
            "    - id: live-100\n      environment: live\n      size: 1.0\n",
            "    - id: live-100\n      environment: live\n      size: 0.5\n",
            "size: 0.5\n      day: 14",
            "not larger than",
            id="sizes-equal",
        ),
        pytest.param(
            "    - id: live-100\n      environment: live\n",
            "    - id: live-100\n      environment: paper\n",
            "environment: paper\n      size: 1.0\n      day: 14",
            "back to paper",
            id="paper-after-live",
        ),
        pytest.param(
            "environment: live\n      size: 0.25\n",
            "environment: production\n      size: 0.25\n",
            "environment: production",
            "not a known environment",
            id="unknown-environment",
        ),
        pytest.param(
            "      entry:\n        window: {from_day: 4, to_day: 6}\n        stable: true\n",
            "      entry:\n        stable: true\n",
            "        stable: true\n    - id: live-100",
            "no time window",
            id="rule-without-window",
        ),
        pytest.param(
            "window: {from_day: 4, to_day: 6}",
            "window: {from_day: 1, to_day: 6}",
            "from_day: 1, to_day: 6",
            "starts before stage",
            id="window-judges-another-stage",
        ),
        pytest.param(
            "window: {from_day: 7, to_day: 13}",
            "window: {from_day: 7, to_day: 14}",
            "to_day: 14",
            "can never start on its day",
            id="window-after-the-stage-day",
        ),
        pytest.param(
            "window: {from_day: 4, to_day: 6}",
            "window: {from_day: 6, to_day: 4}",
            "from_day: 6, to_day: 4",
            "before it starts",
            id="window-backwards",
        ),
        pytest.param(
            "      day: 7\n",
            "      day: 3\n",
            "      day: 3\n",
            "not after stage",
            id="day-not-increasing",
        ),
        pytest.param(
            "      day: 7\n", "      day: 5\n", "day: 5", "must run 72 h first", id="soak-too-long"
        ),
        pytest.param(
            "      size: 1.0\n      day: 14\n",
            "      size: 0.9\n      day: 14\n",
            "- id: live-100",
            "never reaches full live size",
            id="never-full-size",
        ),
        pytest.param(
            "id: live-50",
            "id: live-25",
            "id: live-25\n      environment: live\n      size: 0.5",
            "used twice",
            id="duplicate-id",
        ),
        pytest.param(
            "      min_soak_hours: 24\n",
            "      min_soak_hours: 24\n      entry:\n        window: {from_day: 0, to_day: 0}\n"
            "        min_trades: 1\n",
            "window: {from_day: 0",
            "first stage",
            id="entry-rule-on-day-0",
        ),
        pytest.param(
            "        stable: true\n    - id: live-100",
            "        stable: false\n    - id: live-100",
            "window: {from_day: 4",
            "no condition",
            id="window-without-condition",
        ),
        pytest.param(
            "      day: 7\n", "      days: 7\n", "days: 7", "unknown key `days`", id="misspelt-key"
        ),
    ],
)
def test_impossible_plans_are_refused_with_file_and_line(
    old: str, new: str, anchor: str, words: str
) -> None:
    assert old in RUNBOOK
    text = RUNBOOK.replace(old, new, 1)
    assert anchor in text
    expected_line = text[: text.index(anchor)].count("\n") + 1
    error = refused(text)
    assert words in error.problem.message
    assert error.problem.file == POLICY
    assert error.problem.line == expected_line
    assert error.problem.hint


@pytest.mark.parametrize(
    ("command", "words"),
    [
        pytest.param("deploy: [deploy.sh, '{reason}']", "{reason}", id="placeholder-not-offered"),
        pytest.param("verify: ['{authorized_by}']", "{authorized_by}", id="verify-authorizer"),
        pytest.param("deploy: []", "should be non-empty", id="empty-argv"),
        pytest.param('deploy: ["a\\nb"]', "does not match", id="newline-in-argument"),
        pytest.param("deploy: sh -c 'deploy'", "is not of type 'array'", id="string-not-argv"),
    ],
)
def test_commands_are_argument_lists_with_known_placeholders(command: str, words: str) -> None:
    error = refused(f"rollout:\n  commands:\n    {command}\n")
    assert words in error.problem.message
    assert error.problem.line == 3


def test_placeholders_become_exactly_one_argument_each() -> None:
    template = ("kill", "--reason", "{reason}", "--why={reason}")
    assert template_placeholders(template) == {"reason"}
    hostile = "1.2; rm -rf ~ $(touch pwned) `id`"
    assert expand_template(template, {"reason": hostile}) == [
        "kill",
        "--reason",
        hostile,
        f"--why={hostile}",
    ]
