"""The rollout gate: decide (and take) the next step of a staged rollout (runbook Phase 4).

From a state file or the deployments on GitHub, a metrics snapshot (a file or the policy's
metrics command) and the time, ``decide`` returns promote / hold / pause / rollback with the
reasons (``core.rollout.controller``), and — only when asked — writes the state file, records
the decision as a deployment status, runs the deploy command and ticks the release tracker.
``resume`` records a reviewed pause as over. Files are read through ``workspace.ops``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from releasekit.adapters.commands import CommandResult, run_command
from releasekit.core.report import Finding, Report, finding
from releasekit.core.rollout.controller import (
    URGENCY,
    Decision,
    Event,
    EventKind,
    Metrics,
    RolloutState,
    decide,
    decode_event,
    encode_event,
    iso,
    parse_metrics,
    resume,
    state_from_events,
    state_to_json,
    unfinished,
)
from releasekit.core.rollout.plan import RolloutPlan, Stage, expand_template
from releasekit.core.rollout.present import decision_data, details_markdown
from releasekit.core.rollout.rollback import TAG_RE, Deployed, check_reason, check_tag
from releasekit.core.rollout.tracker import (
    TRACKER_LABEL,
    TRACKER_MARKER,
    evidence_for_promotion,
    parse_evidence,
    render_tracker,
    tick,
    tracker_title,
)
from releasekit.errors import InputError
from releasekit.gates.calendar import calendar_for_rollout
from releasekit.workspace.ops import (
    load_plan,
    read_metrics,
    read_release_mode,
    read_state,
    write_state,
)
from releasekit.workspace.release_files import shown

if TYPE_CHECKING:
    from releasekit.adapters.github.deployments import ReleaseOpsPort

TOOL = "rollout"
PAYLOAD_SCHEMA = "releasekit.rollout/1"
DeploymentState = Literal["failure", "inactive", "success"]
# The deployment status each recorded event is posted as: the deployment is running
# ("success") until the rollback table fails it; a rolled-back version's deployments are
# inactive.
STATUS_OF_EVENT: dict[EventKind, DeploymentState] = {
    "promote": "success",
    "hold": "success",
    "pause": "success",
    "resume": "success",
    "rollback": "failure",
    "rolled-back": "inactive",
}


class OpsPorts:
    """What the release-operations gates reach outside: GitHub (connected on first use, so
    offline runs never need a token or load the GitHub client), the commands' environment and
    the clock (the times a rollback's steps happened at)."""

    def __init__(
        self,
        connect: Callable[[], ReleaseOpsPort],
        env: Mapping[str, str],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self._connect = connect
        self._port: ReleaseOpsPort | None = None
        self.env = env
        self.clock = clock

    def github(self) -> ReleaseOpsPort:
        """The GitHub port, connected on first use."""
        if self._port is None:
            self._port = self._connect()
        return self._port


@dataclass(frozen=True)
class RolloutRequest:
    """One ``rollout decide`` or ``rollout resume``: plain values from the command line.

    ``state`` (a file) or ``from_github``; ``version`` X.Y.Z (a new rollout with a state file
    that does not exist yet, or the one rollout to decide on GitHub; without it, every
    unfinished rollout on GitHub is decided); ``now`` is the time; ``evidence`` the release's
    evidence bundle, whose recorded release type decides the rollout mode.
    """

    action: Literal["decide", "resume"]
    repo: Path
    now: dt.datetime
    policy: Path | None = None
    state: Path | None = None
    from_github: bool = False
    version: str | None = None
    metrics: Path | None = None
    evidence: Path | None = None
    write_state: bool = False
    record: bool = False
    deploy: bool = False
    expect_stage: str | None = None
    tracker: bool = False
    reason: str | None = None
    actor: str = "local"
    run_url: str = ""
    env: Mapping[str, str] = field(default_factory=dict)


def rollout(
    request: RolloutRequest,
    ports: OpsPorts,
    on_details: Callable[[str], None] | None = None,
) -> Report:
    """Decide (or resume) a rollout; ``on_details`` receives the job summary's details."""
    run = _Run(request, ports)
    if request.action == "resume":
        return run.resume()
    report, plan, decision = run.decide()
    if on_details is not None:
        # The chart shows the calendar's freezes and closed days over the plan as bands.
        day0 = decision.before.started_at or request.now
        calendar = calendar_for_rollout(request.repo, request.policy, day0, request.now)
        end = day0 + dt.timedelta(days=plan.final.day + 1)
        bands = () if calendar is None else calendar.bands(day0, end)
        on_details(details_markdown(plan, decision, request.now, bands))
    return report


def policy_command(
    plan: RolloutPlan, argv: list[str], what: str, cwd: Path, env: Mapping[str, str]
) -> CommandResult:
    """Run one of the policy's commands with the policy's timeout and output cap."""
    return run_command(
        argv,
        what=what,
        cwd=cwd,
        timeout=plan.commands.timeout_seconds,
        max_output_bytes=plan.commands.max_output_bytes,
        env=env,
    )


def deployed_history(port: ReleaseOpsPort, tag: str | None = None) -> list[Deployed]:
    """releasekit's recorded events per version and environment (of ``tag``, or of all)."""
    out = []
    for dep in port.deployments(ref=tag):
        if not dep.ref.startswith("v"):
            continue
        events = tuple(ev for s in port.our_statuses(dep.id) if (ev := decode_event(s.description)))
        out.append(Deployed(dep.ref[1:], dep.environment, events))
    return out


def github_state(port: ReleaseOpsPort, version: str | None) -> RolloutState:
    """A version's rollout state rebuilt from its deployments (the newest rollout by default)."""
    if version is None:
        newest = next((d for d in port.deployments() if d.ref.startswith("v")), None)
        if newest is None:
            raise InputError(
                "no releasekit deployment on GitHub: no rollout is in progress",
                hint="start one with --version X.Y.Z (the tag vX.Y.Z must exist)",
            )
        version = newest.ref[1:]
    tag = check_tag(f"v{version}", what="version")
    history = deployed_history(port, tag)
    if not history and port.tag_target(tag) is None:
        # A new rollout deploys from the tag: it must exist before anything is recorded.
        raise InputError(
            f"{tag} is not a tag of {port.repository}",
            hint="tag the release first (tag-release.yml), then start its rollout",
        )
    events = [ev for d in history for ev in d.events]
    return state_from_events(version, events)


def record_event(
    port: ReleaseOpsPort,
    plan: RolloutPlan,
    version: str,
    ev: Event,
    *,
    environment: str,
    log_url: str,
) -> None:
    """Write one event as a status of the version's deployment to ``environment``."""
    stage = plan.stage(ev.stage) if ev.stage else None
    payload = {
        "releasekit": PAYLOAD_SCHEMA,
        "version": version,
        "stage": ev.stage,
        "size": ev.size,
        "started_at": iso(ev.at),
    }
    dep, _ = port.ensure_deployment(
        tag=f"v{version}",
        environment=environment,
        payload=payload,
        description=f"releasekit rollout of v{version}"
        + (f" ({stage.id}, {stage.percent})" if stage else ""),
    )
    port.add_status(dep.id, STATUS_OF_EVENT[ev.kind], encode_event(ev), log_url=log_url or None)


@dataclass(frozen=True)
class _Outcome:
    """One release's decision, its findings (with the deployment's) and its JSON data."""

    decision: Decision
    findings: tuple[Finding, ...]
    data: dict[str, Any]

    def report(self) -> Report:
        """The report of this release alone."""
        return Report(TOOL, f"v{self.decision.before.version} rollout", self.findings, self.data)


def _is_tag(ref: str) -> bool:
    return TAG_RE.match(ref) is not None


class _Run:
    """One ``rollout`` run."""

    def __init__(self, request: RolloutRequest, ports: OpsPorts) -> None:
        self.r = request
        self.ports = ports

    def check_mode(self) -> None:
        r = self.r
        if r.state is not None and r.record:
            raise InputError("--record is for --from-github; with --state use --write-state")
        if r.from_github and r.write_state:
            raise InputError("--write-state is for --state; with --from-github use --record")
        if r.version is not None and r.state is not None and r.state.exists():
            raise InputError(
                "--version with --state only starts a new rollout; the state file names its"
                " version already"
            )
        if r.version is not None:
            check_tag(f"v{r.version}", what="--version")

    def load_state(self) -> tuple[RolloutState, str | None]:
        r = self.r
        if r.state is not None and not r.state.exists() and r.version is not None:
            return RolloutState(version=r.version), shown(r.state)
        if r.state is not None:
            return read_state(r.state)
        return github_state(self.ports.github(), r.version), None

    def decide(self) -> tuple[Report, RolloutPlan, Decision]:
        r = self.r
        self.check_mode()
        if r.expect_stage is not None and not r.deploy:
            raise InputError("--expect-stage goes with --deploy")
        if r.tracker and not r.from_github:
            raise InputError("--tracker needs --from-github (the tracker is a GitHub issue)")
        plan, _ = load_plan(r.repo, r.policy)
        if r.from_github and r.version is None:
            states = self.unfinished_states(plan)
        else:
            states = [self.load_state()]
        if len(states) > 1 and r.deploy:
            raise InputError(
                f"{len(states)} releases are in rollout: --deploy needs --version",
                hint="decide all of them without --deploy, then deploy one with --version X.Y.Z",
            )
        if len(states) > 1 and r.metrics is not None:
            about = read_metrics(r.metrics)[0].version
            if about not in {s.version for s, _ in states}:
                raise InputError(
                    f"the metrics are about {'v' + about if about else 'no named version'},"
                    " not one of the releases in rollout: "
                    + ", ".join(f"v{s.version}" for s, _ in states),
                    file=shown(r.metrics),
                    hint='name the version in the snapshot ("version": "X.Y.Z"), or pass --version',
                )
        outcomes = [self.decide_one(plan, state, name, len(states)) for state, name in states]
        primary = min(outcomes, key=lambda o: URGENCY[o.decision.action])
        if len(outcomes) == 1:
            return primary.report(), plan, primary.decision
        versions = ", ".join(f"v{o.decision.before.version}" for o in outcomes)
        findings: list[Finding] = []
        for o in outcomes:
            v = o.decision.before.version
            findings += [replace(f, message=f"v{v}: {f.message}") for f in o.findings]
        findings.append(
            finding(
                "RLT034",
                "notice",
                f"{len(outcomes)} releases are not finished and were each decided: {versions}",
            )
        )
        data = {**primary.data, "releases": [o.data for o in outcomes]}
        report = Report(TOOL, f"rollouts of {versions}"[:80], tuple(findings), data)
        return report, plan, primary.decision

    def unfinished_states(self, plan: RolloutPlan) -> list[tuple[RolloutState, str | None]]:
        """Every release whose rollout is not finished (the newest when none is), newest first."""
        port = self.ports.github()
        versions = list(dict.fromkeys(d.ref[1:] for d in port.deployments() if _is_tag(d.ref)))
        if not versions:
            return [(github_state(port, None), None)]
        states = [github_state(port, v) for v in versions]
        open_ = [s for s in states if unfinished(plan, s, self.r.now)]
        return [(s, None) for s in (open_ or states[:1])]

    def decide_one(
        self, plan: RolloutPlan, state: RolloutState, state_file: str | None, count: int
    ) -> _Outcome:
        r = self.r
        now = r.now
        metrics = self.metrics(plan, state, now, count)
        mode = (
            read_release_mode(r.evidence, f"v{state.version}")
            if r.evidence is not None and state.stage is None
            else None
        )
        # The policy's calendar holds a promotion in a freeze or a closed market (calendar.md).
        calendar = calendar_for_rollout(r.repo, r.policy, state.started_at or now, now)
        decision = decide(
            plan, state, metrics, now, subject_file=state_file, mode=mode, calendar=calendar
        )
        extra: list[Finding] = []
        recorded = decision.event
        if r.deploy and decision.action == "promote":
            extra += self.deploy(plan, decision)
            if any(f.level == "error" for f in extra):
                recorded = None
        elif decision.action == "promote" and r.record:
            # NOTE: on GitHub a promotion is recorded only by the job that deployed it (in the
            # target environment, behind its protection rules), never by the deciding job.
            recorded = None
        after = decision.after if recorded is not None else decision.before
        if r.write_state and r.state is not None and recorded is not None:
            write_state(r.state, after)
        if r.record and recorded is not None:
            env_name = self.event_environment(plan, decision)
            record_event(
                self.ports.github(),
                plan,
                state.version,
                recorded,
                environment=env_name,
                log_url=r.run_url,
            )
            if r.tracker and recorded.kind == "promote" and decision.next_stage is not None:
                self.tick_tracker(plan, decision)
        data = decision_data(plan, decision, now)
        data["recorded"] = recorded is not None and (r.record or r.write_state)
        data["deployed"] = bool(r.deploy and decision.action == "promote" and not _has_error(extra))
        data["state"] = state_to_json(after)
        if metrics is not None:
            data["reading"] = {
                "source": metrics.shown_as,
                "start": iso(metrics.start),
                "end": iso(metrics.end),
            }
        return _Outcome(decision, (*decision.findings, *extra), data)

    def metrics(
        self, plan: RolloutPlan, state: RolloutState, now: dt.datetime, count: int = 1
    ) -> Metrics | None:
        r = self.r
        if r.metrics is not None:
            snapshot = read_metrics(r.metrics)[0]
            if count == 1 or snapshot.version == state.version:
                return snapshot
            # The file is about another release in rollout (checked in ``decide``); this
            # one's metrics come from the command.
        command = plan.commands.metrics
        stage = plan.stage(state.stage) if state.stage else None
        if command is None or stage is None or state.stage_started_at is None:
            return None
        argv = expand_template(
            command,
            {
                "version": state.version,
                "environment": stage.environment,
                "stage": stage.id,
                "since": iso(state.stage_started_at),
                "until": iso(now),
            },
        )
        result = policy_command(plan, argv, "metrics command", r.repo, r.env)
        if not result.ok:
            # A broken monitoring export is not a reason to roll back, and not data either:
            # the decision goes on without metrics (inconclusive, never a promotion).
            sys.stderr.write(
                f"releasekit rollout: the metrics command {result.describe()}: {result.tail()}\n"
            )
            return None
        return parse_metrics(result.stdout, shown_as="metrics command output")

    def deploy(self, plan: RolloutPlan, decision: Decision) -> list[Finding]:
        r = self.r
        nxt = decision.next_stage
        assert nxt is not None  # a promotion always has a target
        if r.expect_stage is not None and r.expect_stage != nxt.id:
            return [
                finding(
                    "RLT041",
                    "error",
                    f"the promotion is now to {nxt.id}, not {r.expect_stage} as decided earlier:"
                    " nothing was deployed",
                    hint="the next scheduled run decides again",
                )
            ]
        command = plan.commands.deploy
        if command is None:
            raise InputError(
                "the release policy has no deploy command (rollout.commands.deploy)",
                hint="add e.g. `deploy: [python, scripts/deploy.py, --version, '{version}',"
                " --env, '{environment}', --size, '{size}']` (docs/rollout.md)",
            )
        version = decision.before.version
        argv = expand_template(
            command,
            {
                "version": version,
                "tag": f"v{version}",
                "environment": nxt.environment,
                "stage": nxt.id,
                "size": f"{nxt.size:g}",
                "percent": f"{nxt.size * 100:g}",
            },
        )
        result = policy_command(plan, argv, "deploy command", r.repo, r.env)
        if result.ok:
            return [
                finding(
                    "RLT042",
                    "notice",
                    f"deployed v{version} to {nxt.environment} at {nxt.percent} (stage {nxt.id})",
                )
            ]
        return [
            finding(
                "RLT040",
                "error",
                f"the deploy command {result.describe()}: {result.tail() or 'no output'}",
                hint="the promotion is not recorded; fix the deployment, the next run retries",
            )
        ]

    def event_environment(self, plan: RolloutPlan, decision: Decision) -> str:
        if decision.action == "promote" and decision.next_stage is not None:
            return decision.next_stage.environment
        stage = plan.stage(decision.before.stage or "")
        return stage.environment if stage else plan.stages[0].environment

    def tick_tracker(self, plan: RolloutPlan, decision: Decision) -> None:
        port = self.ports.github()
        tag = f"v{decision.before.version}"
        previous: Stage | None = (
            plan.stage(decision.before.stage) if decision.before.stage else None
        )
        assert decision.next_stage is not None
        items = evidence_for_promotion(previous, decision.next_stage)
        marker = TRACKER_MARKER.format(tag=tag)
        found = port.find_issue(marker, label=TRACKER_LABEL)
        evidence = parse_evidence(found.body) if found else {}
        now = decision.event.at if decision.event else self.r.now
        by = f"rollout {self.r.run_url or 'local'}"
        for item in items:
            evidence = tick(
                evidence,
                item,
                at=now,
                by=by,
                detail=f"{decision.next_stage.id} ({decision.next_stage.percent})",
            )
        port.upsert_issue(
            marker=marker,
            title=tracker_title(tag),
            body=render_tracker(tag, evidence),
            label=TRACKER_LABEL,
        )

    def resume(self) -> Report:
        r = self.r
        self.check_mode()
        reason = check_reason(r.reason or "")
        plan, _ = load_plan(r.repo, r.policy)
        state, _ = self.load_state()
        after = resume(state, r.now, reason=reason, by=r.actor)
        if r.write_state and r.state is not None:
            write_state(r.state, after)
        if r.record:
            stage = plan.stage(state.stage or "")
            record_event(
                self.ports.github(),
                plan,
                state.version,
                after.events[-1],
                environment=stage.environment if stage else "paper",
                log_url=r.run_url,
            )
        return Report(
            TOOL,
            f"v{state.version} rollout",
            (
                finding(
                    "RLT018",
                    "notice",
                    f"rollout of v{state.version} resumed by {r.actor}: {reason}",
                ),
            ),
            {"version": state.version, "action": "resume", "state": state_to_json(after)},
        )


def _has_error(findings: list[Finding]) -> bool:
    """Whether any of ``findings`` is an error."""
    return any(f.level == "error" for f in findings)
