"""The staged-rollout controller: from state, metrics and the time, the next step (RLT rules).

Pure: a ``RolloutPlan``, the rollout's recorded events, a metrics snapshot and ``now`` in; a
``Decision`` out — promote, hold, pause or rollback, with the reasons as findings. Nothing
here reads a clock, a file or GitHub; the CLI (``releasekit rollout decide``) does.

**State is derived from events.** A rollout is the list of its recorded decisions
(``Event``); ``state_from_events`` folds them into the current stage, status and the open
divergence deadline. The same events live in a state file (offline) or as deployment statuses
on GitHub (one deployment per version and environment), so the state can always be rebuilt.

**The runbook's rollback table** (Rollback Procedure, When to Rollback):

=========================  ==========================================================
Live errors > 3            rollback at once (RLT010)
Unexpected losses          pause and review (RLT011); a person resumes the rollout
Signal divergence > 30%    rollback within 24 h: the first divergent observation opens a
                           deadline (RLT014), recovery before it closes it (RLT015), a
                           decision after it rolls back (RLT012)
System instability         rollback at once (RLT013)
=========================  ==========================================================

A rollback or a pause always wins over a promotion that is due (RLT019). Too little data is
inconclusive (RLT030-RLT032): hold, never promote.

Why this file is long: the decision, the state it folds and the metrics it reads are one
model (an event's rules are what the fold reads back; the snapshot's fields are what the
rollback table and the entry conditions read), kept together so that the one rule — evidence to
stop from any plausible reading, evidence to proceed only when complete, finite, fresh and
consistent — can be read in one place. Other gates import the state and event vocabulary from
here; the presentation lives in ``present.py`` and strict JSON reading in ``jsonread.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from jsonschema import Draft202012Validator

from releasekit.core.calendar.promotion import PromotionCalendar
from releasekit.core.report import Finding, finding
from releasekit.core.rollout.jsonread import load_strict_json, nearest_line, path_line
from releasekit.core.rollout.plan import DAY_HOURS, RolloutPlan, Stage
from releasekit.core.versioning.versions import is_hotfix, parse_version
from releasekit.errors import InputError

Action = Literal["promote", "hold", "pause", "rollback"]
RolloutMode = Literal["staged", "direct", "immediate"]
ROLLOUT_MODES: tuple[RolloutMode, ...] = ("staged", "direct", "immediate")
EventKind = Literal["promote", "hold", "pause", "rollback", "resume", "rolled-back"]
Status = Literal["pending", "active", "paused", "rolling-back", "rolled-back"]
Condition = Literal["live-errors", "unexpected-losses", "signal-divergence", "system-instability"]
CONDITIONS: tuple[Condition, ...] = (
    "live-errors",
    "unexpected-losses",
    "signal-divergence",
    "system-instability",
)
EVENT_KINDS: tuple[EventKind, ...] = (
    "promote",
    "hold",
    "pause",
    "rollback",
    "resume",
    "rolled-back",
)

STATE_SCHEMA_ID = "releasekit.rollout-state/1"
METRICS_SCHEMA_NAME = "rollout-metrics.schema.json"
# A snapshot may end a little after "now" (clocks of two machines); more is a wrong input.
CLOCK_SKEW = dt.timedelta(minutes=5)
# Monitoring exports cut at whole hours or minutes: a snapshot that starts up to an hour after
# a window's start (or ends up to an hour before its end) still covers it.
WINDOW_SLACK = dt.timedelta(hours=1)

# The rule that sends a rollout into each condition, and back.
_CONDITION_RULE: dict[Condition, str] = {
    "live-errors": "RLT010",
    "unexpected-losses": "RLT011",
    "signal-divergence": "RLT012",
    "system-instability": "RLT013",
}
_RULE_CONDITION = {rule: cond for cond, rule in _CONDITION_RULE.items()}
DEADLINE_OPEN = "RLT014"
DEADLINE_CLOSED = "RLT015"
INCONCLUSIVE_RULES = frozenset({"RLT030", "RLT031", "RLT032"})


# -- values ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One recorded decision: when, what, the stage and size after it, and the rules behind it."""

    at: dt.datetime
    kind: EventKind
    stage: str | None
    size: float
    rules: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class RolloutState:
    """Where a version's rollout stands, folded from its events (``state_from_events``)."""

    version: str
    stage: str | None = None
    size: float = 0.0
    status: Status = "pending"
    started_at: dt.datetime | None = None
    stage_started_at: dt.datetime | None = None
    divergence_since: dt.datetime | None = None
    condition: Condition | None = None
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class Metrics:
    """A metrics snapshot (docs/formats/rollout-metrics.md); None means "not measured"."""

    start: dt.datetime
    end: dt.datetime
    version: str | None = None
    environment: str | None = None
    trades: int | None = None
    critical_errors: int | None = None
    live_errors: int | None = None
    pnl: float | None = None
    pnl_expected_min: float | None = None
    pnl_expected_max: float | None = None
    signal_divergence: float | None = None
    instability: tuple[str, ...] | None = None
    shown_as: str = "metrics"
    # Where version and environment are in the file, for the error when they are not the
    # rollout's (checked after reading, against the state).
    version_line: int | None = None
    environment_line: int | None = None


@dataclass(frozen=True)
class Decision:
    """What to do now, why, and the state it leads to."""

    action: Action
    before: RolloutState
    after: RolloutState
    findings: tuple[Finding, ...]
    next_stage: Stage | None = None
    due_at: dt.datetime | None = None
    deadline: dt.datetime | None = None
    condition: Condition | None = None
    event: Event | None = None

    @property
    def inconclusive(self) -> bool:
        """The data was too thin to promote on (the action is then a hold)."""
        return any(f.rule in INCONCLUSIVE_RULES for f in self.findings)

    @property
    def rules(self) -> tuple[str, ...]:
        """The distinct rule ids behind the decision, in order of first appearance."""
        return tuple(dict.fromkeys(f.rule for f in self.findings))


# -- time -------------------------------------------------------------------------------------


def parse_time(
    text: Any, *, what: str, file: str | None = None, line: int | None = None
) -> dt.datetime:
    """An ISO-8601 date-time with a time zone (``Z`` allowed), as an aware datetime in UTC.

    ``file`` and ``line`` say where ``text`` was read, for the error."""
    if not isinstance(text, str):
        raise InputError(f"{what} is not an ISO-8601 date-time", file=file, line=line)
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"{what} {text!r} is not an ISO-8601 date-time",
            file=file,
            line=line,
            hint="write e.g. 2024-01-15T14:30:00Z",
        ) from None
    if value.tzinfo is None:
        raise InputError(
            f"{what} {text!r} has no time zone",
            file=file,
            line=line,
            hint="add Z (UTC) or an offset such as +01:00",
        )
    return value.astimezone(dt.UTC)


def iso(value: dt.datetime) -> str:
    """``2024-01-15T14:30:00Z``: the one way times are written (UTC, seconds)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours >= 1 or hours == 0 else f"{hours * 60:.0f} min"


# -- state --------------------------------------------------------------------------------------


def state_from_events(version: str, events: Iterable[Event]) -> RolloutState:
    """Fold a rollout's events (any order; sorted by time here) into its state."""
    state = RolloutState(version=version)
    ordered = tuple(sorted(events, key=lambda e: e.at))
    for ev in ordered:
        state = _apply(state, ev)
    return replace(state, events=ordered)


def _apply(state: RolloutState, ev: Event) -> RolloutState:
    since = state.divergence_since
    if DEADLINE_CLOSED in ev.rules:
        since = None
    elif DEADLINE_OPEN in ev.rules and since is None:
        since = ev.at
    s = replace(state, divergence_since=since)
    if ev.kind == "promote":
        # A promotion is a deployment of a new stage: conditions of the old one are history.
        return replace(
            s,
            stage=ev.stage,
            size=ev.size,
            status="active",
            started_at=s.started_at or ev.at,
            stage_started_at=ev.at,
            condition=None,
        )
    if ev.kind == "pause":
        return replace(s, status="paused", condition="unexpected-losses")
    if ev.kind == "resume":
        return replace(s, status="active", condition=None)
    if ev.kind == "rollback":
        return replace(s, status="rolling-back", condition=_condition_of(ev.rules))
    if ev.kind == "rolled-back":
        return replace(s, status="rolled-back", condition=_condition_of(ev.rules) or s.condition)
    return s


def _condition_of(rules: Sequence[str]) -> Condition | None:
    return next((_RULE_CONDITION[r] for r in rules if r in _RULE_CONDITION), None)


def state_to_json(state: RolloutState) -> dict[str, Any]:
    """The state file (``--state FILE``): the version and its events; the rest is derived."""
    return {
        "schema": STATE_SCHEMA_ID,
        "version": state.version,
        "events": [event_to_json(e) for e in state.events],
    }


def event_to_json(ev: Event) -> dict[str, Any]:
    """One event as JSON (also how a deployment status payload is described)."""
    return {
        "at": iso(ev.at),
        "kind": ev.kind,
        "stage": ev.stage,
        "size": ev.size,
        "rules": list(ev.rules),
        "note": ev.note,
    }


def parse_state(text: str, *, shown_as: str) -> RolloutState:
    """Read a state file; any problem is an ``InputError`` naming the file and line."""
    hint = f'start from {{"schema": "{STATE_SCHEMA_ID}", "version": "X.Y.Z", "events": []}}'
    data = load_strict_json(text, shown_as=shown_as, what="rollout state", hint=hint)
    if not isinstance(data, dict) or data.get("schema") != STATE_SCHEMA_ID:
        raise InputError(
            f"rollout state is not a {STATE_SCHEMA_ID} document",
            file=shown_as,
            line=path_line(text, ["schema"]) or 1,
            hint=hint,
        )
    version = data.get("version")
    if not isinstance(version, str) or parse_version(version) is None:
        raise InputError(
            f"rollout state version {str(version)[:60]!r} is not X.Y.Z",
            file=shown_as,
            line=path_line(text, ["version"]) or 1,
        )
    raw_events = data.get("events", [])
    if not isinstance(raw_events, list):
        raise InputError(
            "rollout state events must be a list",
            file=shown_as,
            line=path_line(text, ["events"]) or 1,
        )

    def located(index: int) -> Callable[[str | None], int]:
        # Looked up only for an error: a state file may hold thousands of events.
        return lambda key: nearest_line(text, ["events", index, *([key] if key else [])])

    events = [_event_from_json(e, i, shown_as, located(i)) for i, e in enumerate(raw_events)]
    return state_from_events(version, events)


def _event_from_json(
    raw: Any, index: int, shown_as: str, line_of: Callable[[str | None], int] | None = None
) -> Event:
    """One event; ``line_of(key)`` is the line of the event's ``key`` (None: the event's)."""
    what = f"event {index + 1}"

    def line(key: str | None = None) -> int | None:
        return line_of(key) if line_of is not None else None

    if not isinstance(raw, dict):
        raise InputError(f"rollout state: {what} is not an object", file=shown_as, line=line())
    kind = raw.get("kind")
    if kind not in EVENT_KINDS:
        raise InputError(
            f"rollout state: {what} has unknown kind {str(kind)[:40]!r}",
            file=shown_as,
            line=line("kind"),
        )
    stage, size, rules = raw.get("stage"), raw.get("size", 0.0), raw.get("rules", [])
    malformed = (
        "stage"
        if stage is not None and not isinstance(stage, str)
        else "size"
        if isinstance(size, bool) or not isinstance(size, int | float)
        else "rules"
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules)
        else None
    )
    if malformed is not None:
        raise InputError(
            f"rollout state: {what} has a malformed {malformed}",
            file=shown_as,
            line=line(malformed),
        )
    if not 0.0 <= float(size) <= 1.0:
        # A size is a share of the target position: 0.25 is 25%. Anything else is not a size,
        # and a size that compares false with everything must never be taken as "not live".
        raise InputError(
            f"rollout state: {what} has size {size!r}, not between 0 and 1",
            file=shown_as,
            line=line("size"),
            hint="sizes are shares of the target position: 0.25 for 25%",
        )
    note = raw.get("note", "")
    try:
        when = parse_time(raw.get("at"), what=f"rollout state: {what} time", file=shown_as)
    except InputError as exc:
        raise InputError(
            exc.problem.message, file=shown_as, line=line("at"), hint=exc.problem.hint
        ) from None
    return Event(
        at=when,
        kind=next(k for k in EVENT_KINDS if k == kind),
        stage=stage,
        size=float(size),
        rules=tuple(rules),
        note=note if isinstance(note, str) else "",
    )


# -- metrics --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def metrics_schema() -> dict[str, Any]:
    """The JSON Schema of a metrics snapshot (shipped inside the package)."""
    text = (resources.files("releasekit") / "schemas" / METRICS_SCHEMA_NAME).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def parse_metrics(text: str, *, shown_as: str) -> Metrics:
    """Read a metrics snapshot; a malformed one is an ``InputError`` naming the field and line.

    Non-finite numbers (``NaN``, ``Infinity``, ``1e1000``), duplicate keys and out-of-range
    values are refused here, before any rule sees them (docs/formats/rollout-metrics.md).
    """
    hint = "the metrics command must print one JSON object (docs/formats/rollout-metrics.md)"
    data = load_strict_json(text, shown_as=shown_as, what="metrics snapshot", hint=hint)
    errors = sorted(
        Draft202012Validator(metrics_schema()).iter_errors(data),
        key=lambda e: list(map(str, e.absolute_path)),
    )
    if errors:
        first = errors[0]
        path: list[str | int] = list(first.absolute_path)
        where = ".".join(str(p) for p in path) or "the snapshot"
        raise InputError(
            f"metrics snapshot: `{where}`: {_schema_message(first)}"[:400],
            file=shown_as,
            line=nearest_line(text, [*path, *_unexpected_key(first)]),
            hint="see docs/formats/rollout-metrics.md",
        )
    period = data["period"]
    start, end = (_metrics_time(text, period, key, shown_as=shown_as) for key in ("start", "end"))
    if end < start:
        raise InputError(
            "metrics period ends before it starts",
            file=shown_as,
            line=nearest_line(text, ["period", "end"]),
            hint="swap start and end",
        )
    errors_by_level = data.get("errors") or {}
    pnl = data.get("pnl")
    if pnl is not None and pnl["expected_min"] > pnl["expected_max"]:
        raise InputError(
            "metrics pnl.expected_min is above pnl.expected_max",
            file=shown_as,
            line=nearest_line(text, ["pnl", "expected_min"]),
            hint="the expected range is [expected_min, expected_max]",
        )
    flags = data.get("instability")
    return Metrics(
        start=start,
        end=end,
        version=data.get("version"),
        environment=data.get("environment"),
        trades=data.get("trades"),
        critical_errors=errors_by_level.get("critical"),
        live_errors=data.get("live_errors"),
        pnl=None if pnl is None else float(pnl["value"]),
        pnl_expected_min=None if pnl is None else float(pnl["expected_min"]),
        pnl_expected_max=None if pnl is None else float(pnl["expected_max"]),
        signal_divergence=data.get("signal_divergence"),
        instability=None if flags is None else tuple(flags),
        shown_as=shown_as,
        version_line=None if data.get("version") is None else path_line(text, ["version"]),
        environment_line=(
            None if data.get("environment") is None else path_line(text, ["environment"])
        ),
    )


def _metrics_time(text: str, period: Mapping[str, Any], key: str, *, shown_as: str) -> dt.datetime:
    """``period.<key>`` of a metrics snapshot as a time (an error names its line)."""
    try:
        return parse_time(period[key], what=f"metrics period.{key}", file=shown_as)
    except InputError as exc:
        raise InputError(
            exc.problem.message,
            file=shown_as,
            line=nearest_line(text, ["period", key]),
            hint=exc.problem.hint,
        ) from None


def _unexpected_key(error: Any) -> list[str]:
    """For an ``additionalProperties`` error, the first key the schema does not allow (so the
    message points at its line, not at the object's); else nothing."""
    if getattr(error, "validator", None) != "additionalProperties":
        return []
    allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    instance = error.instance if isinstance(error.instance, dict) else {}
    return [k for k in instance if k not in allowed][:1]


def _schema_message(error: Any) -> str:
    """A schema error's message without the offending value (it may be large or hostile)."""
    validator = getattr(error, "validator", "")
    limit = getattr(error, "validator_value", None)
    if validator in ("minimum", "maximum", "type", "const", "enum", "pattern", "maxLength"):
        return f"fails `{validator}: {json.dumps(limit)[:80]}`"
    return str(error.message)[:200]


# -- the decision ---------------------------------------------------------------------------------


@dataclass
class _Notes:
    """Findings collected while deciding, with the file they are about."""

    file: str | None
    items: list[Finding] = field(default_factory=list)

    def add(self, rule: str, level: Any, message: str, hint: str | None = None) -> None:
        self.items.append(finding(rule, level, message, file=self.file, hint=hint))


def decide(
    plan: RolloutPlan,
    state: RolloutState,
    metrics: Metrics | None,
    now: dt.datetime,
    *,
    subject_file: str | None = None,
    mode: RolloutMode | None = None,
    calendar: PromotionCalendar | None = None,
) -> Decision:
    """The next step of ``state``'s rollout at ``now``, given the latest ``metrics``.

    The one rule: evidence to stop (rollback, pause) acts from any plausible reading — partial,
    stale or dated after ``now``; evidence to proceed (promote, close a divergence deadline)
    must be complete, finite, fresh and consistent, otherwise the rollout holds.

    ``subject_file`` is how findings name the state (the state file, or None on GitHub);
    ``mode`` is the release type's rollout mode recorded when the release was tagged (None:
    ``immediate`` for a hotfix version, else ``staged``). Raises ``InputError`` when the state
    names a stage the plan does not have, or the metrics are about another version or
    environment.

    ``calendar`` (the policy's ``calendar:`` section, None: the runbook as it reads) holds a
    due promotion until its next allowed instant (CAL010/CAL011) and, with trading-day
    counting, says when each Day N starts; it never holds a rollback or a pause (CAL012).
    """
    notes = _Notes(subject_file)
    if state.status == "rolled-back":
        notes.add("RLT005", "notice", f"v{state.version} was rolled back: nothing to decide")
        return _finish("hold", state, notes, now)

    current = _current_stage(plan, state)
    if current is None:
        return _first_deployment(plan, state, notes, now, mode, calendar)
    index = plan.index(current.id)
    nxt = plan.stages[index + 1] if index + 1 < len(plan.stages) else None

    if state.status == "rolling-back":
        notes.add(
            "RLT017",
            "error",
            f"a rollback of v{state.version} ({state.condition or 'condition unknown'}) was"
            " decided and is not complete",
            hint="run the rollback workflow (docs/rollback.md); it marks the version rolled back",
        )
        return _finish("rollback", state, notes, now, condition=state.condition)

    future = metrics is not None and _check_metrics_subject(metrics, state, current, now, notes)
    # Fit to proceed on: fresh and not dated after now. Any reading is fit to stop on.
    fresh = metrics is not None and not future and _fresh(metrics, plan, now, notes)

    rollback: list[Condition] = []
    pause = False
    since = state.divergence_since
    deadline: dt.datetime | None = None
    if metrics is None:
        notes.add(
            "RLT030",
            "warning",
            "no metrics snapshot: the rollback table cannot be checked and nothing is promoted",
            hint="configure rollout.commands.metrics in the policy, or pass --metrics FILE",
        )
    else:
        rollback, pause, since, deadline = _rollback_table(
            plan, state, current, metrics, now, notes, fresh=fresh
        )
    if since is not None and deadline is None:
        deadline = since + dt.timedelta(hours=plan.rollback.divergence_grace_hours)

    late = _late_by(state, current, calendar)
    due_at = _due_at(state, current, nxt, late, calendar)
    if rollback or pause or state.status == "paused":
        if rollback:
            action: Action = "rollback"
            condition: Condition | None = rollback[0]
        else:
            action, condition = "pause", "unexpected-losses"
            if not pause:
                notes.add(
                    "RLT016",
                    "error",
                    f"the rollout of v{state.version} is paused for review",
                    hint="after the review, resume it: `releasekit rollout resume --reason ...`"
                    " (docs/rollout.md)",
                )
        if calendar is not None:
            notes.items.extend(calendar.never_held(now, action))
        if nxt is not None and due_at is not None and now >= due_at:
            notes.add(
                "RLT019",
                "notice",
                f"the promotion to {nxt.id} ({nxt.environment} {nxt.percent}) was due; the"
                f" {action} comes first",
            )
        return _finish(
            action,
            state,
            notes,
            now,
            next_stage=nxt,
            due_at=due_at,
            deadline=deadline,
            condition=condition,
        )

    if nxt is None:
        notes.add(
            "RLT003",
            "notice",
            f"v{state.version} runs at full size ({current.environment} {current.percent});"
            " the rollback table is still watched",
        )
        return _finish("hold", state, notes, now, deadline=deadline)

    promote = _may_promote(
        plan, state, (current, nxt), metrics, fresh, since, due_at, now, notes, late, calendar
    )
    return _finish(
        "promote" if promote else "hold",
        state,
        notes,
        now,
        next_stage=nxt,
        due_at=due_at,
        deadline=deadline,
    )


def _current_stage(plan: RolloutPlan, state: RolloutState) -> Stage | None:
    if state.stage is None:
        return None
    stage = plan.stage(state.stage)
    if stage is None:
        raise InputError(
            f"the rollout of v{state.version} is at stage {state.stage!r}, which the rollout"
            f" plan does not have (stages: {', '.join(s.id for s in plan.stages)})",
            hint="the policy's stages changed during a rollout: restore the stage, or finish"
            " this rollout with the plan it started with",
        )
    return stage


def rollout_mode(version: str, recorded: RolloutMode | None) -> RolloutMode:
    """The rollout mode: the one recorded at tag time, else ``immediate`` for a hotfix
    version and ``staged`` for any other (the cautious default)."""
    if recorded is not None:
        return recorded
    parsed = parse_version(version)
    return "immediate" if parsed is not None and is_hotfix(parsed) else "staged"


def _first_deployment(
    plan: RolloutPlan,
    state: RolloutState,
    notes: _Notes,
    now: dt.datetime,
    recorded: RolloutMode | None,
    calendar: PromotionCalendar | None = None,
) -> Decision:
    mode = rollout_mode(state.version, recorded)
    target = plan.stages[0] if mode == "staged" else plan.final
    if mode == "immediate":
        notes.add(
            "RLT004",
            "notice",
            f"v{state.version} is a hotfix: it goes to {target.environment} at {target.percent}"
            " at once, skipping paper (runbook Emergency Release, step 5)",
        )
    elif mode == "direct":
        notes.add(
            "RLT006",
            "notice",
            f"v{state.version}'s release type rolls out directly: it goes to"
            f" {target.environment} at {target.percent} without the staged rollout (runbook"
            " Release Types: Bug Fix and Config Change are Direct)",
        )
    # A hotfix deploys at once: it was let through any freeze when it was tagged (CAL003).
    held = None if calendar is None or mode == "immediate" else calendar.hold(now, target.id)
    if held is not None:
        notes.items.append(held)
        return _finish("hold", state, notes, now, next_stage=target, due_at=now)
    notes.add(
        "RLT001",
        "notice",
        f"deploy v{state.version} to {target.environment} at {target.percent}"
        f" (stage {target.id}, day 0)",
    )
    return _finish("promote", state, notes, now, next_stage=target, due_at=now)


def _check_metrics_subject(
    metrics: Metrics, state: RolloutState, current: Stage, now: dt.datetime, notes: _Notes
) -> bool:
    """Whether the snapshot is dated after ``now`` (beyond ``CLOCK_SKEW``): such a reading may
    still stop the rollout, but never moves it on. A snapshot about another version or
    environment is wrong input."""
    if metrics.version is not None and metrics.version != state.version:
        raise InputError(
            f"the metrics are about v{metrics.version}, but the rollout is of v{state.version}",
            file=metrics.shown_as,
            line=metrics.version_line,
            hint="have the metrics command export the version it is given ({version})",
        )
    if metrics.environment is not None and metrics.environment != current.environment:
        raise InputError(
            f"the metrics are about {metrics.environment}, but stage {current.id} runs in"
            f" {current.environment}",
            file=metrics.shown_as,
            line=metrics.environment_line,
            hint="have the metrics command export the environment it is given ({environment})",
        )
    if metrics.end > now + CLOCK_SKEW:
        notes.add(
            "RLT033",
            "warning",
            f"the metrics period ends at {iso(metrics.end)}, {_hours(metrics.end - now)} after"
            f" now ({iso(now)}): a reading dated after now can stop the rollout but never"
            " promote it",
            hint="check the clock of the monitoring host, or pass the right --now",
        )
        return True
    return False


def reading(m: Metrics) -> str:
    """How a finding names the reading it acted on: the source and the period."""
    return f"reading {m.shown_as}, {iso(m.start)} to {iso(m.end)}"


def _fresh(metrics: Metrics, plan: RolloutPlan, now: dt.datetime, notes: _Notes) -> bool:
    age = now - metrics.end
    limit = dt.timedelta(hours=plan.rollback.max_metrics_age_hours)
    if age > limit:
        notes.add(
            "RLT032",
            "warning",
            f"the metrics end {_hours(age)} ago ({iso(metrics.end)}), more than the"
            f" {plan.rollback.max_metrics_age_hours} h the policy allows: too old to promote on",
            hint="check that the monitoring export runs",
        )
        return False
    return True


def _rollback_table(
    plan: RolloutPlan,
    state: RolloutState,
    current: Stage,
    m: Metrics,
    now: dt.datetime,
    notes: _Notes,
    *,
    fresh: bool,
) -> tuple[list[Condition], bool, dt.datetime | None, dt.datetime | None]:
    """Apply the runbook's rollback table; returns rollbacks, pause, divergence since/deadline.

    Any reading may trigger a condition (``fresh`` or not); only a ``fresh`` reading that ends
    after the divergence was first seen may close a divergence deadline.
    """
    rules = plan.rollback
    where = reading(m)
    rollback: list[Condition] = []
    if current.environment == "live":
        if m.live_errors is None:
            notes.add(
                "RLT030",
                "warning",
                "the metrics have no live_errors count: 'Live errors > 3' cannot be checked",
                hint="export live_errors for live stages",
            )
        elif m.live_errors > rules.live_errors_above:
            rollback.append("live-errors")
            notes.add(
                "RLT010",
                "error",
                f"{m.live_errors} live errors, more than {rules.live_errors_above}: immediate"
                f" rollback (runbook: Live errors > 3; {where})",
                hint="the rollback workflow runs the kill switch and redeploys the last stable"
                " version (docs/rollback.md)",
            )
    if m.instability:
        rollback.append("system-instability")
        notes.add(
            "RLT013",
            "error",
            f"system instability ({', '.join(m.instability[:5])}): immediate rollback ({where})",
            hint="the rollback workflow runs the kill switch and redeploys the last stable"
            " version (docs/rollback.md)",
        )
    pause = False
    if m.pnl is not None and m.pnl_expected_min is not None and m.pnl < m.pnl_expected_min:
        pause = True
        notes.add(
            "RLT011",
            "error",
            f"unexpected losses: P&L {m.pnl:g} is below the expected minimum"
            f" {m.pnl_expected_min:g}: pause and review ({where})",
            hint="review the losses; then resume (`releasekit rollout resume`) or roll back",
        )

    since = state.divergence_since
    deadline: dt.datetime | None = None
    grace = dt.timedelta(hours=rules.divergence_grace_hours)
    d = m.signal_divergence
    if d is not None and d > rules.divergence_above:
        opened = since is None
        # A reading dated after now opens the deadline now, not in the future.
        since = since or min(now, m.end)
        deadline = since + grace
        if now >= deadline:
            rollback.append("signal-divergence")
            notes.add(
                "RLT012",
                "error",
                f"signal divergence {d:.0%} has stayed above {rules.divergence_above:.0%} since"
                f" {iso(since)}; the {rules.divergence_grace_hours} h deadline passed:"
                f" rollback ({where})",
                hint="the rollback workflow redeploys the last stable version (docs/rollback.md)",
            )
        else:
            notes.add(
                DEADLINE_OPEN,
                "warning",
                f"signal divergence {d:.0%} is above {rules.divergence_above:.0%}"
                f" ({'first seen now' if opened else 'since ' + iso(since)}): rollback at"
                f" {iso(deadline)} unless it recovers; no promotion meanwhile ({where})",
                hint="investigate the divergence (runbook: rollback within 24h)",
            )
    elif since is not None:
        deadline = since + grace
        if d is not None and fresh and m.end > since:
            notes.add(
                DEADLINE_CLOSED,
                "notice",
                f"signal divergence recovered to {d:.0%}: the rollback deadline opened at"
                f" {iso(since)} is closed ({where})",
            )
            since, deadline = None, None
        elif now >= deadline:
            rollback.append("signal-divergence")
            notes.add(
                "RLT012",
                "error",
                f"signal divergence was above {rules.divergence_above:.0%} at {iso(since)} and"
                f" no fresh metrics show it recovered by the deadline {iso(deadline)}: rollback",
                hint="the rollback workflow redeploys the last stable version (docs/rollback.md)",
            )
        else:
            notes.add(
                DEADLINE_OPEN,
                "warning",
                f"signal divergence was above {rules.divergence_above:.0%} at {iso(since)} and"
                " no fresh metrics since then say it recovered: rollback at"
                f" {iso(deadline)} unless they do",
            )
            if d is None:
                notes.add("RLT030", "warning", "the metrics have no signal_divergence")
    return rollback, pause, since, deadline


def _on_day(calendar: PromotionCalendar | None, day0: dt.datetime, n: int) -> dt.datetime | None:
    """When the plan's Day ``n`` starts: ``n`` 24-hour days after ``day0``, or as the policy's
    calendar counts them (``day_count: trading``; None past what the calendar knows)."""
    if calendar is None:
        return day0 + dt.timedelta(hours=n * DAY_HOURS)
    return calendar.day_start(day0, n)


def _late_by(
    state: RolloutState, current: Stage, calendar: PromotionCalendar | None = None
) -> dt.timedelta:
    """How much later than planned the current stage actually started (never negative).

    The next stage's windows and day are measured from the actual stage change: a move to
    live 25% on day 5 instead of day 4 shifts the days 4-6 window to days 5-7.
    """
    if state.started_at is None or state.stage_started_at is None:
        return dt.timedelta(0)
    planned = _on_day(calendar, state.started_at, current.day)
    if planned is None:
        return dt.timedelta(0)
    return max(dt.timedelta(0), state.stage_started_at - planned)


def _due_at(
    state: RolloutState,
    current: Stage,
    nxt: Stage | None,
    late: dt.timedelta,
    calendar: PromotionCalendar | None = None,
) -> dt.datetime | None:
    """When ``nxt`` may start by the clock alone: its day, the soak, the end of its window
    (the day and window shifted by how ``late`` the current stage started)."""
    if nxt is None or state.started_at is None or state.stage_started_at is None:
        return None
    day0 = state.started_at + late
    times = [
        _on_day(calendar, day0, nxt.day),
        state.stage_started_at + dt.timedelta(hours=current.min_soak_hours),
    ]
    if nxt.entry is not None:
        times.append(_on_day(calendar, day0, nxt.entry.window.to_day + 1))
    # A day the calendar cannot place is never due: the promotion holds (fail closed).
    known = [t for t in times if t is not None]
    return max(known) if len(known) == len(times) else None


def _may_promote(
    plan: RolloutPlan,
    state: RolloutState,
    stages: tuple[Stage, Stage],
    m: Metrics | None,
    fresh: bool,
    since: dt.datetime | None,
    due_at: dt.datetime | None,
    now: dt.datetime,
    notes: _Notes,
    late: dt.timedelta,
    calendar: PromotionCalendar | None = None,
) -> bool:
    """Whether every gate of the promotion to ``nxt`` holds; each one that does not is noted.

    Proceeding needs complete evidence: every measurement the rollback table reads for the
    current environment and every one the entry conditions use, from a fresh reading that
    covers the whole window (measured from the actual stage change).
    """
    current, nxt = stages
    if due_at is None or now < due_at:
        when = "" if due_at is None else f" at {iso(due_at)} ({_hours(due_at - now)} from now)"
        notes.add(
            "RLT002",
            "notice",
            f"{nxt.id} ({nxt.environment} {nxt.percent}) is due{when}: stage {current.id} keeps"
            " running",
        )
        return False
    if since is not None:
        return False  # RLT014 already says why
    if m is None or not fresh:
        return False  # RLT030/RLT032/RLT033 already say why
    absent = [name for name, value in _table_measurements(current, m) if value is None]
    if absent:
        notes.add(
            "RLT030",
            "warning",
            f"the metrics have no {', '.join(absent)}: the rollback table cannot be checked,"
            f" so nothing is promoted to {nxt.id}",
            hint="export every measurement the rollback table reads"
            " (docs/formats/rollout-metrics.md)",
        )
        return False
    if any(f.rule in INCONCLUSIVE_RULES for f in notes.items):
        return False
    ok = True
    rule = nxt.entry
    if rule is not None and state.started_at is not None:
        w = rule.window
        day0 = state.started_at + late
        # Placed by the calendar when it counts trading days (the end was placed for due_at).
        w_start = _on_day(calendar, day0, w.from_day) or day0 + dt.timedelta(hours=w.start_hour)
        w_end = _on_day(calendar, day0, w.to_day + 1) or day0 + dt.timedelta(hours=w.end_hour)
        if m.start > w_start + WINDOW_SLACK or m.end < w_end - WINDOW_SLACK:
            notes.add(
                "RLT031",
                "warning",
                f"the metrics cover {iso(m.start)} to {iso(m.end)}, not {w.label()}"
                f" ({iso(w_start)} to {iso(w_end)}) that the promotion to {nxt.id} is judged on",
                hint="have the metrics command export from {since} to {until}",
            )
            return False
        ok = _entry_conditions(plan, nxt, m, notes)
    elif state.stage_started_at is not None and m.start > state.stage_started_at + WINDOW_SLACK:
        # No entry window: the reading must cover the whole stage so far.
        notes.add(
            "RLT031",
            "warning",
            f"the metrics cover {iso(m.start)} to {iso(m.end)}, not stage {current.id} since it"
            f" started ({iso(state.stage_started_at)}): not enough to promote to {nxt.id} on",
            hint="have the metrics command export from {since} to {until}",
        )
        return False
    held = calendar.hold(now, nxt.id) if ok and calendar is not None else None
    if held is not None:
        notes.items.append(held)  # CAL010/CAL011: a freeze, a closed day, the session time
        return False
    if ok:
        basis = f" ({conditions_text(nxt)})" if rule is not None else ""
        notes.add(
            "RLT001",
            "notice",
            f"promote v{state.version} to {nxt.id}: {nxt.environment} at {nxt.percent}{basis}",
        )
    return ok


def _table_measurements(current: Stage, m: Metrics) -> list[tuple[str, object]]:
    """What a promotion needs besides the entry conditions: the snapshot's subject (a reading
    that does not say what it measured cannot show it is about this release) and the
    measurements the rollback table reads in ``current``'s environment."""
    out: list[tuple[str, object]] = [("version", m.version), ("environment", m.environment)]
    if current.environment == "live":
        out.append(("live_errors", m.live_errors))
    out += [("pnl", m.pnl), ("signal_divergence", m.signal_divergence)]
    out.append(("instability", m.instability))
    return out


def _entry_conditions(plan: RolloutPlan, nxt: Stage, m: Metrics, notes: _Notes) -> bool:
    rule = nxt.entry
    assert rule is not None  # checked by the caller
    label = rule.window.label()
    ok = True

    def missing(name: str) -> None:
        nonlocal ok
        ok = False
        notes.add(
            "RLT030",
            "warning",
            f"the metrics have no {name}, which the promotion to {nxt.id} needs ({label})",
            hint=f"export {name} (docs/formats/rollout-metrics.md)",
        )

    if rule.min_trades is not None:
        if m.trades is None:
            missing("trades")
        elif m.trades < rule.min_trades:
            ok = False
            notes.add(
                "RLT020",
                "notice",
                f"{m.trades} trades in {label}, fewer than the {rule.min_trades} needed for"
                f" {nxt.id}",
            )
    if rule.max_critical_errors is not None:
        if m.critical_errors is None:
            missing("errors.critical")
        elif m.critical_errors > rule.max_critical_errors:
            ok = False
            notes.add(
                "RLT021",
                "warning",
                f"{m.critical_errors} critical errors in {label}; {nxt.id} allows"
                f" {rule.max_critical_errors}",
                hint="fix the errors; the promotion waits for a clean window",
            )
    if rule.pnl_within_expected:
        if m.pnl is None or m.pnl_expected_min is None or m.pnl_expected_max is None:
            missing("pnl")
        elif not m.pnl_expected_min <= m.pnl <= m.pnl_expected_max:
            ok = False
            notes.add(
                "RLT022",
                "warning",
                f"P&L {m.pnl:g} in {label} is outside the expected range"
                f" [{m.pnl_expected_min:g}, {m.pnl_expected_max:g}]",
                hint="performance must be within the expected range before going live",
            )
    if rule.stable:
        unstable: list[str] = []
        if m.instability is None:
            missing("instability")
        elif m.instability:
            unstable.append(f"instability flags {', '.join(m.instability[:5])}")
        if m.critical_errors is None:
            missing("errors.critical")
        elif m.critical_errors > 0:
            unstable.append(f"{m.critical_errors} critical errors")
        if m.signal_divergence is None:
            missing("signal_divergence")
        elif m.signal_divergence > plan.rollback.divergence_above:
            unstable.append(f"signal divergence {m.signal_divergence:.0%}")
        if unstable:
            ok = False
            notes.add(
                "RLT023",
                "warning",
                f"{label} were not stable ({'; '.join(unstable)}): no promotion to {nxt.id}",
            )
    return ok


def conditions_text(stage: Stage) -> str:
    """The entry conditions of ``stage`` in words (e.g. ``>= 20 trades, no critical errors``)."""
    rule = stage.entry
    if rule is None:
        return ""
    parts = []
    if rule.min_trades is not None:
        parts.append(f">= {rule.min_trades} trades")
    if rule.max_critical_errors is not None:
        parts.append(
            "no critical errors"
            if rule.max_critical_errors == 0
            else f"<= {rule.max_critical_errors} critical errors"
        )
    if rule.pnl_within_expected:
        parts.append("P&L in the expected range")
    if rule.stable:
        parts.append("stable")
    return f"{rule.window.label()}: {', '.join(parts)}"


def _finish(
    action: Action,
    state: RolloutState,
    notes: _Notes,
    now: dt.datetime,
    *,
    next_stage: Stage | None = None,
    due_at: dt.datetime | None = None,
    deadline: dt.datetime | None = None,
    condition: Condition | None = None,
) -> Decision:
    """The decision, with the event that records it (None when it repeats the last one)."""
    # The same observation can be noted by two conditions (critical errors count for both
    # "no critical errors" and "stable"); say it once.
    findings = tuple(dict.fromkeys(notes.items))
    rules = tuple(dict.fromkeys(f.rule for f in findings))
    stage: str | None = state.stage
    size = state.size
    if action == "promote" and next_stage is not None:
        stage, size = next_stage.id, next_stage.size
    kind: EventKind = action
    event = Event(now, kind, stage, size, rules, _headline(findings))
    last = state.events[-1] if state.events else None
    repeated = last is not None and (last.kind, last.stage, last.rules) == (
        event.kind,
        event.stage,
        event.rules,
    )
    # A decision that changes nothing (the same hold as an hour ago) is not recorded again:
    # reruns and hourly schedules do not pile up identical deployment statuses.
    if state.status == "rolled-back" or repeated:
        recorded = None
        after = state
    else:
        recorded = event
        after = state_from_events(state.version, (*state.events, event))
    return Decision(
        action=action,
        before=state,
        after=after,
        findings=findings,
        next_stage=next_stage,
        due_at=due_at,
        deadline=deadline,
        condition=condition,
        event=recorded,
    )


def _headline(findings: Sequence[Finding]) -> str:
    """The most severe finding's message: the event's human note."""
    order = {"error": 0, "warning": 1, "notice": 2}
    if not findings:
        return ""
    return min(findings, key=lambda f: order[f.level]).message


def unfinished(plan: RolloutPlan, state: RolloutState, now: dt.datetime) -> bool:
    """Whether the rollout still needs deciding: in paper or validation, live below full size,
    paused, rolling back, or at full size within ``watch_hours_at_full`` of reaching it."""
    if state.status == "rolled-back" or state.stage is None:
        return False
    if state.stage != plan.final.id or state.status != "active":
        return True
    reached = state.stage_started_at or now
    return now < reached + dt.timedelta(hours=plan.rollback.watch_hours_at_full)


URGENCY: dict[Action, int] = {"rollback": 0, "pause": 1, "promote": 2, "hold": 3}


def resume(state: RolloutState, now: dt.datetime, *, reason: str, by: str) -> RolloutState:
    """A paused rollout, resumed after review by ``by`` (the event records who and why)."""
    if state.status != "paused":
        raise InputError(
            f"the rollout of v{state.version} is {state.status}, not paused: nothing to resume"
        )
    ev = Event(now, "resume", state.stage, state.size, ("RLT018",), f"resumed by {by}: {reason}")
    return state_from_events(state.version, (*state.events, ev))


def events_of(raw: Sequence[Mapping[str, Any]], *, shown_as: str) -> list[Event]:
    """Events from their JSON form (used when they come from deployment statuses)."""
    return [_event_from_json(dict(r), i, shown_as) for i, r in enumerate(raw)]


# -- events as deployment status descriptions -------------------------------------------------

EVENT_PREFIX = "rk1"
DESCRIPTION_LIMIT = 140  # GitHub's limit for a deployment status description
_STAMP = "%Y%m%dT%H%M%SZ"
# Rules the fold reads (conditions, the divergence deadline): kept when a description is cut.
_FOLD_RULES = frozenset({*_RULE_CONDITION, DEADLINE_OPEN, DEADLINE_CLOSED})


def encode_event(ev: Event) -> str:
    """An event as a deployment status description (at most 140 characters).

    ``rk1 20240105T090000Z promote live-25 25% RLT001 promote v1.2.3 to live-25: ...`` — the
    machine part first, the human note after it, cut to fit. When even the machine part is too
    long, rules the fold does not read are dropped first.
    """
    rules = list(ev.rules)
    while True:
        head = " ".join(
            (
                EVENT_PREFIX,
                ev.at.astimezone(dt.UTC).strftime(_STAMP),
                ev.kind,
                ev.stage or "-",
                f"{ev.size * 100:g}%",
                ",".join(rules) or "-",
            )
        )
        if len(head) <= DESCRIPTION_LIMIT or not rules:
            break
        droppable = [r for r in rules if r not in _FOLD_RULES]
        rules.remove(droppable[-1] if droppable else rules[-1])
    note = " ".join(ev.note.split())
    text = f"{head} {note}" if note else head
    return text[:DESCRIPTION_LIMIT]


def decode_event(text: str) -> Event | None:
    """The event a status description encodes, or None when it is not one of ours."""
    parts = text.split(" ", 6)
    if len(parts) < 6 or parts[0] != EVENT_PREFIX:
        return None
    _, stamp, kind, stage, percent, rules = parts[:6]
    if kind not in EVENT_KINDS or not percent.endswith("%"):
        return None
    try:
        at = dt.datetime.strptime(stamp, _STAMP).replace(tzinfo=dt.UTC)
        size = float(percent[:-1]) / 100
    except ValueError:
        return None
    if not 0.0 <= size <= 1.0:  # also refuses nan% and inf%: a size is a share of the target
        return None
    return Event(
        at=at,
        kind=next(k for k in EVENT_KINDS if k == kind),
        stage=None if stage == "-" else stage,
        size=size,
        rules=() if rules == "-" else tuple(rules.split(",")),
        note=parts[6] if len(parts) > 6 else "",
    )
