"""The staged rollout plan (runbook Phase 4) and the rest of the policy's ``rollout:`` section.

Pure: the section's value and its ``YamlDoc`` in, a frozen ``RolloutPlan`` out, or an
``InputError`` naming the file, the line and the fix. The section is first validated against
``releasekit/schemas/policy.rollout.schema.json`` (shape, types, ranges), then against what a
schema cannot say: a plan that can never be carried out is refused here, before any rollout
starts, rather than discovered on day 7.

Defaults are the runbook's (``DEFAULT_PLAN``)::

    Day 0       paper             deploy; monitor at least 24 h
    Days 1-3    paper validation  >= 10 trades, no critical errors, P&L in the expected range
    Day 4       live 25%          (after the paper validation)
    Day 7       live 50%          if days 4-6 were stable
    Day 14      live 100%         if days 7-13 were stable

Days are 24-hour periods counted from the first paper deployment (day 0), not calendar days.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from jsonschema import Draft202012Validator, ValidationError

from releasekit.core.schema_errors import line_of, raise_first_error, schema_of
from releasekit.core.yamldoc import YamlDoc
from releasekit.errors import InputError

Environment = Literal["paper", "live"]
ENVIRONMENTS: tuple[Environment, ...] = ("paper", "live")
PostmortemSource = Literal["file", "issue", "either"]
SCHEMA_NAME = "policy.rollout.schema.json"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
DAY_HOURS = 24

# The placeholders each command may use; anything else in braces is refused with its line.
COMMAND_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "metrics": frozenset({"version", "environment", "stage", "since", "until"}),
    "deploy": frozenset({"version", "tag", "environment", "stage", "size", "percent"}),
    "verify": frozenset({"version", "tag", "environment"}),
    "kill_switch_activate": frozenset({"reason", "version", "tag"}),
    "kill_switch_deactivate": frozenset({"reason", "authorized_by"}),
}


def template_placeholders(template: Sequence[str]) -> set[str]:
    """The ``{name}`` placeholders used anywhere in a command's argv template."""
    found: set[str] = set()
    for arg in template:
        found.update(_PLACEHOLDER.findall(arg))
    return found


def expand_template(template: Sequence[str], values: Mapping[str, str]) -> list[str]:
    """The argv with every ``{name}`` replaced by ``values[name]``; each stays one argument.

    Nothing is parsed again after the substitution (no shell ever sees the result), so a
    value such as ``1.2; rm -rf ~`` stays text. A placeholder without a value is a caller bug
    (the parser refuses unknown ones), so it raises ``KeyError``.
    """
    return [_PLACEHOLDER.sub(lambda m: values[m.group(1)], arg) for arg in template]


@dataclass(frozen=True)
class Window:
    """Days ``from_day`` to ``to_day`` inclusive, counted from day 0 (24-hour days)."""

    from_day: int
    to_day: int

    @property
    def start_hour(self) -> int:
        """Hours from day 0 to the window's start."""
        return self.from_day * DAY_HOURS

    @property
    def end_hour(self) -> int:
        """Hours from day 0 to the window's end (the end of ``to_day``)."""
        return (self.to_day + 1) * DAY_HOURS

    def label(self) -> str:
        """``days 4-6`` or ``day 0``, as the runbook writes it."""
        if self.from_day == self.to_day:
            return f"day {self.from_day}"
        return f"days {self.from_day}-{self.to_day}"


@dataclass(frozen=True)
class EntryRule:
    """What the metrics of ``window`` must show before the stage may start."""

    window: Window
    min_trades: int | None = None
    max_critical_errors: int | None = None
    pnl_within_expected: bool = False
    stable: bool = False


@dataclass(frozen=True)
class Stage:
    """One step of the rollout: an environment at a size, from a day, for a minimum time."""

    id: str
    environment: Environment
    size: float
    day: int
    min_soak_hours: int = 0
    entry: EntryRule | None = None

    @property
    def percent(self) -> str:
        """The size as the runbook writes it: ``25%``."""
        return f"{self.size * 100:g}%"


@dataclass(frozen=True)
class RollbackRules:
    """The runbook's rollback table, as numbers."""

    live_errors_above: int = 3
    divergence_above: float = 0.30
    divergence_grace_hours: int = 24
    max_metrics_age_hours: int = 6
    # A release at full size stays watched (decided on every run) this long.
    watch_hours_at_full: int = 168


@dataclass(frozen=True)
class Commands:
    """The user's commands, as argv templates (None: not configured)."""

    metrics: tuple[str, ...] | None = None
    deploy: tuple[str, ...] | None = None
    # The runbook's own commands (Rollback Steps 1, 5 and 6).
    verify: tuple[str, ...] | None = (
        "python",
        "scripts/verify_deployment.py",
        "--version={tag}",
    )
    kill_switch_activate: tuple[str, ...] | None = (
        "python",
        "-m",
        "execution.mt5.kill_switch",
        "--activate",
        "--reason",
        "{reason}",
    )
    kill_switch_deactivate: tuple[str, ...] | None = (
        "python",
        "-m",
        "execution.mt5.kill_switch",
        "--deactivate",
        "--authorized-by={authorized_by}",
    )
    timeout_seconds: int = 300
    max_output_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class HotfixRules:
    """The runbook's Emergency Release deadlines and where post-mortems live."""

    postmortem_hours: int = 24
    release_hours: int = 48
    postmortem: PostmortemSource = "either"
    postmortem_dir: str = "docs/postmortems"
    postmortem_label: str = "postmortem"


def _runbook_stages() -> tuple[Stage, ...]:
    return (
        Stage("paper", "paper", 1.0, 0, min_soak_hours=24),
        Stage(
            "live-25",
            "live",
            0.25,
            4,
            min_soak_hours=72,
            entry=EntryRule(
                Window(1, 3), min_trades=10, max_critical_errors=0, pnl_within_expected=True
            ),
        ),
        Stage(
            "live-50",
            "live",
            0.50,
            7,
            min_soak_hours=168,
            entry=EntryRule(Window(4, 6), stable=True),
        ),
        Stage("live-100", "live", 1.0, 14, entry=EntryRule(Window(7, 13), stable=True)),
    )


@dataclass(frozen=True)
class RolloutPlan:
    """The ``rollout:`` section: stages, rollback table, commands and hotfix deadlines.

    Its fields are the section's keys, so it can be one more section of the policy.
    """

    stages: tuple[Stage, ...] = field(default_factory=_runbook_stages)
    rollback: RollbackRules = field(default_factory=RollbackRules)
    commands: Commands = field(default_factory=Commands)
    hotfix: HotfixRules = field(default_factory=HotfixRules)

    def stage(self, stage_id: str) -> Stage | None:
        """The stage named ``stage_id``, or None."""
        return next((s for s in self.stages if s.id == stage_id), None)

    def index(self, stage_id: str) -> int:
        """The position of stage ``stage_id`` (``ValueError`` when unknown)."""
        for i, s in enumerate(self.stages):
            if s.id == stage_id:
                return i
        raise ValueError(stage_id)

    @property
    def final(self) -> Stage:
        """The last stage: full live size."""
        return self.stages[-1]


DEFAULT_PLAN = RolloutPlan()


@lru_cache(maxsize=1)
def rollout_schema() -> dict[str, Any]:
    """The JSON Schema of the ``rollout:`` section (shipped inside the package)."""
    text = (resources.files("releasekit") / "schemas" / SCHEMA_NAME).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def parse_rollout_section(
    value: Any, doc: YamlDoc, path: tuple[str | int, ...] = ("rollout",)
) -> RolloutPlan:
    """The ``rollout:`` section at ``path`` of ``doc`` as a checked ``RolloutPlan``.

    ``value`` is the section's data (None or absent: the runbook defaults). Every problem is
    an ``InputError`` with the policy file, the line of the offending key and the fix.
    """
    if value is None:
        return DEFAULT_PLAN
    _validate_schema(value, doc, path)
    p = _Parser(doc, path)
    stages = p.stages(value.get("stages")) if "stages" in value else DEFAULT_PLAN.stages
    rollback = RollbackRules(**_ints_as_ints(value.get("rollback", {}), RollbackRules))
    commands = p.commands(value.get("commands", {}))
    hotfix = HotfixRules(**_ints_as_ints(value.get("hotfix", {}), HotfixRules))
    plan = RolloutPlan(stages=stages, rollback=rollback, commands=commands, hotfix=hotfix)
    p.check_reachable(plan)
    return plan


# -- schema ------------------------------------------------------------------------------


def _validate_schema(value: Any, doc: YamlDoc, path: tuple[str | int, ...]) -> None:
    errors = Draft202012Validator(rollout_schema()).iter_errors(value)
    raise_first_error(errors, doc, path, explain=_explain, docs="docs/rollout.md")


def _explain(error: ValidationError, dotted: str) -> tuple[str, str]:
    about = str(schema_of(error).get("description", "")).rstrip(".")
    if error.validator == "enum" and dotted.endswith(".environment"):
        return (
            f"`{dotted}` is {error.instance!r}, not a known environment",
            "use `paper` or `live`: the GitHub environments releasekit deploys through",
        )
    if error.validator == "required":
        return f"`{dotted}`: {error.message}", about or "add the missing key"
    return f"`{dotted}`: {error.message}", about or "see the schema"


def _ints_as_ints(given: dict[str, Any], cls: type[Any]) -> dict[str, Any]:
    """JSON Schema counts 30.0 as an integer; the dataclasses want ints where they say int."""
    out: dict[str, Any] = {}
    for key, value in given.items():
        default = getattr(cls(), key)
        out[key] = (
            int(value) if isinstance(default, int) and not isinstance(default, bool) else value
        )
    return out


# -- meaning ------------------------------------------------------------------------------


class _Parser:
    """Builds typed values from schema-valid data and checks what the schema cannot."""

    def __init__(self, doc: YamlDoc, path: tuple[str | int, ...]) -> None:
        self.doc = doc
        self.path = path

    def fail(self, where: tuple[str | int, ...], message: str, hint: str) -> InputError:
        """An ``InputError`` at the line of ``path + where``."""
        return InputError(
            f"release policy: {message}",
            file=self.doc.shown_as,
            line=line_of(self.doc, (*self.path, *where)),
            hint=f"{hint} (docs/rollout.md)",
        )

    def stages(self, items: list[dict[str, Any]]) -> tuple[Stage, ...]:
        """The stages, each with its entry rule; ids unique, every rule with a window."""
        out: list[Stage] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            sid = str(item["id"])
            if sid in seen:
                raise self.fail(
                    ("stages", i, "id"),
                    f"stage id {sid!r} is used twice (stages {seen[sid] + 1} and {i + 1})",
                    "give every stage its own id",
                )
            seen[sid] = i
            entry = item.get("entry")
            rule = None
            if entry is not None:
                if "window" not in entry:
                    raise self.fail(
                        ("stages", i, "entry"),
                        f"the entry rule of stage {sid!r} has no time window: its conditions"
                        " would be judged on no particular days",
                        "add `window: {from_day: N, to_day: M}` (the days of the previous"
                        " stage the conditions are judged on)",
                    )
                w = entry["window"]
                window = Window(int(w["from_day"]), int(w["to_day"]))
                if window.to_day < window.from_day:
                    raise self.fail(
                        ("stages", i, "entry", "window"),
                        f"the window of stage {sid!r} ends (day {window.to_day}) before it"
                        f" starts (day {window.from_day})",
                        "write from_day <= to_day",
                    )
                conditions = ("min_trades", "max_critical_errors", "pnl_within_expected", "stable")
                if not any(entry.get(c) not in (None, False) for c in conditions):
                    raise self.fail(
                        ("stages", i, "entry"),
                        f"the entry rule of stage {sid!r} has a window but no condition",
                        f"add at least one of {', '.join(conditions)}, or remove `entry`",
                    )
                rule = EntryRule(
                    window,
                    min_trades=_opt_int(entry.get("min_trades")),
                    max_critical_errors=_opt_int(entry.get("max_critical_errors")),
                    pnl_within_expected=bool(entry.get("pnl_within_expected", False)),
                    stable=bool(entry.get("stable", False)),
                )
            out.append(
                Stage(
                    id=sid,
                    environment="live" if item["environment"] == "live" else "paper",
                    size=float(item["size"]),
                    day=int(item["day"]),
                    min_soak_hours=int(item.get("min_soak_hours", 0)),
                    entry=rule,
                )
            )
        return tuple(out)

    def commands(self, given: dict[str, Any]) -> Commands:
        """The command templates; a placeholder a command cannot use is refused."""
        defaults = Commands()
        values: dict[str, Any] = {}
        for name, allowed in COMMAND_PLACEHOLDERS.items():
            if name not in given:
                values[name] = getattr(defaults, name)
                continue
            argv = tuple(str(a) for a in given[name])
            unknown = sorted(template_placeholders(argv) - allowed)
            if unknown:
                raise self.fail(
                    ("commands", name),
                    f"commands.{name} uses {{{unknown[0]}}}, which releasekit does not fill in"
                    " for this command",
                    f"placeholders of {name}: " + ", ".join(f"{{{a}}}" for a in sorted(allowed)),
                )
            values[name] = argv
        for key in ("timeout_seconds", "max_output_bytes"):
            values[key] = int(given.get(key, getattr(defaults, key)))
        return Commands(**values)

    def check_reachable(self, plan: RolloutPlan) -> None:
        """Refuse plans that cannot be carried out as written (see docs/rollout.md)."""
        stages = plan.stages
        for i, stage in enumerate(stages):
            here = ("stages", i) if self._explicit_stages() else ()
            if i == 0:
                if stage.entry is not None:
                    raise self.fail(
                        (*here, "entry"),
                        f"the first stage {stage.id!r} has an entry rule, but before day 0 there"
                        " is no deployment whose metrics it could judge",
                        "remove `entry` from the first stage",
                    )
                continue
            prev = stages[i - 1]
            if prev.environment == "live" and stage.environment == "paper":
                raise self.fail(
                    (*here, "environment"),
                    f"stage {stage.id!r} goes back to paper after live stage {prev.id!r}",
                    "put every paper stage before the first live stage",
                )
            if stage.environment == prev.environment and stage.size <= prev.size:
                raise self.fail(
                    (*here, "size"),
                    f"stage {stage.id!r} ({stage.percent}) is not larger than the stage before it"
                    f" ({prev.id!r}, {prev.percent}): sizes must increase within an environment",
                    "order the stages by size, or remove the stage that does not grow",
                )
            if stage.day <= prev.day:
                raise self.fail(
                    (*here, "day"),
                    f"stage {stage.id!r} starts on day {stage.day}, not after stage {prev.id!r}"
                    f" (day {prev.day})",
                    "give each stage a later day than the stage before it",
                )
            if prev.day * DAY_HOURS + prev.min_soak_hours > stage.day * DAY_HOURS:
                raise self.fail(
                    (*here, "day"),
                    f"stage {stage.id!r} is planned for day {stage.day}, but stage {prev.id!r}"
                    f" (from day {prev.day}) must run {prev.min_soak_hours} h first: the plan's"
                    " days cannot be kept",
                    f"move {stage.id!r} to day"
                    f" {prev.day + -(-prev.min_soak_hours // DAY_HOURS)} or later, or shorten"
                    f" the soak of {prev.id!r}",
                )
            rule = stage.entry
            if rule is None:
                continue
            w = rule.window
            if w.from_day < prev.day:
                raise self.fail(
                    (*here, "entry", "window"),
                    f"the window of stage {stage.id!r} ({w.label()}) starts before stage"
                    f" {prev.id!r} can start (day {prev.day}): it would judge another stage's"
                    " metrics",
                    f"start the window on day {prev.day} or later",
                )
            if w.end_hour > stage.day * DAY_HOURS:
                raise self.fail(
                    (*here, "entry", "window"),
                    f"the window of stage {stage.id!r} ({w.label()}) ends after the stage's own"
                    f" day {stage.day}: the stage can never start on its day",
                    f"end the window on day {stage.day - 1} or earlier",
                )
        final = stages[-1]
        if final.environment != "live" or final.size != 1.0:
            raise self.fail(
                ("stages", len(stages) - 1) if self._explicit_stages() else (),
                f"the last stage {final.id!r} is {final.environment} at {final.percent}: the plan"
                " never reaches full live size (runbook Day 14: 'Full deployment, 100% of"
                " target size')",
                "end the plan with a live stage of size 1.0",
            )

    def _explicit_stages(self) -> bool:
        return self.doc.node_at(*self.path, "stages") is not None


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)
