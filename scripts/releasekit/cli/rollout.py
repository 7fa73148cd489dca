"""``releasekit rollout``: decide (and take) the next step of a staged rollout (runbook Phase 4).

Called by ``.github/workflows/rollout.yml`` on the caller's schedule and ``repository_dispatch``
(``decide`` in a job without an environment; ``decide --deploy`` again in the job that runs in
the target environment, so its protection rules apply). Token permissions: ``deployments:
read`` to rebuild the state, ``deployments: write`` to record it, ``issues: write`` for
``--tracker``. Offline (a state file, a metrics file, ``--now``) it needs no token at all::

    releasekit rollout decide --state STATE.json --metrics METRICS.json --now 2024-01-05T09:00Z
    releasekit rollout decide --from-github [--version 1.2.3] [--record] [--deploy]
    releasekit rollout resume --reason "losses explained: ..." (--state FILE | --from-github)

``decide`` prints a report whose ``data`` holds the decision (docs/rollout.md, "JSON"); it
changes nothing unless asked: ``--write-state`` (the state file, atomically), ``--record``
(deployment statuses on GitHub), ``--deploy`` (run the policy's deploy command when the
decision is a promotion, then record it). Exit codes: 0 promote or hold, 1 pause or
rollback (or a failed deployment), 2 bad input, 3 GitHub or runner failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from releasekit.adapters.actions import Runtime
from releasekit.adapters.commands import run_command
from releasekit.adapters.files import read_text, write_atomic
from releasekit.cli.common import ArgumentParser, run_gate, usage_failure
from releasekit.cli.common.ops import (
    Clock,
    Connector,
    add_common,
    default_connector,
    parse_now,
    run_url,
    utc_now,
)
from releasekit.core.report import Finding, Report, finding
from releasekit.core.rollout.controller import (
    Decision,
    Event,
    EventKind,
    Metrics,
    RolloutState,
    decide,
    decision_data,
    decode_event,
    details_markdown,
    encode_event,
    iso,
    parse_metrics,
    parse_state,
    resume,
    state_from_events,
    state_to_json,
)
from releasekit.core.rollout.plan import (
    RolloutPlan,
    Stage,
    expand_template,
)
from releasekit.core.rollout.rollback import Deployed, check_reason, check_tag
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
from releasekit.workspace.ops import load_plan
from releasekit.workspace.release_files import shown

if TYPE_CHECKING:
    from releasekit.adapters.github.deployments import ReleaseOpsPort

TOOL = "rollout"
STATE_MAX_BYTES = 4 * 1024 * 1024
METRICS_MAX_BYTES = 1024 * 1024
PAYLOAD_SCHEMA = "releasekit.rollout/1"
# The deployment status each recorded event is posted as: the deployment is running
# ("success") until the rollback table fails it; a rolled-back version's deployments are
# inactive.
DeploymentState = Literal["failure", "inactive", "success"]
STATUS_OF_EVENT: dict[EventKind, DeploymentState] = {
    "promote": "success",
    "hold": "success",
    "pause": "success",
    "resume": "success",
    "rollback": "failure",
    "rolled-back": "inactive",
}


def actor(env: Mapping[str, str]) -> str:
    """Who started this run (the runner's ``GITHUB_ACTOR``), or ``local``."""
    return env.get("GITHUB_ACTOR", "").strip() or "local"


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


# -- decide ----------------------------------------------------------------------------------


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog=f"releasekit {TOOL}", description=(__doc__ or TOOL).splitlines()[0])
    add_common(p, top=True)
    sub = p.add_subparsers(dest="action", metavar="{decide,resume}")
    sub.required = True
    d = sub.add_parser("decide", help="decide promote / hold / pause / rollback")
    add_common(d, top=False)
    _state_options(d)
    d.add_argument("--metrics", type=Path, help="metrics snapshot JSON (default: policy command)")
    d.add_argument("--now", metavar="ISO-8601", help="the time to decide at (default: now)")
    d.add_argument("--write-state", action="store_true", help="write the new state to --state")
    d.add_argument("--record", action="store_true", help="record the decision on GitHub")
    d.add_argument(
        "--deploy",
        action="store_true",
        help="on a promotion, run the policy's deploy command, then record it",
    )
    d.add_argument(
        "--expect-stage",
        metavar="ID",
        help="with --deploy: deploy only if the promotion is to this stage",
    )
    d.add_argument(
        "--tracker", action="store_true", help="tick the release tracker issue on a promotion"
    )
    r = sub.add_parser("resume", help="resume a paused rollout after review")
    add_common(r, top=False)
    _state_options(r)
    r.add_argument("--reason", required=True, help="the review's conclusion (one line)")
    r.add_argument("--now", metavar="ISO-8601", help="the time (default: now)")
    r.add_argument("--write-state", action="store_true", help="write the new state to --state")
    r.add_argument("--record", action="store_true", help="record the resume on GitHub")
    return p


def _state_options(p: argparse.ArgumentParser) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--state", type=Path, help="the rollout state file (offline)")
    src.add_argument(
        "--from-github", action="store_true", help="rebuild the state from GitHub deployments"
    )
    p.add_argument(
        "--version",
        help="X.Y.Z: with --from-github, the rollout to decide on (default: the newest);"
        " with a --state file that does not exist yet, start this version's rollout",
    )


def main(
    argv: list[str] | None = None,
    *,
    connector: Connector = default_connector,
    clock: Clock = utc_now,
    env: Mapping[str, str] | None = None,
) -> int:
    """Entry point: ``rollout decide`` or ``rollout resume``."""
    environ = os.environ if env is None else env
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc)
    holder: dict[str, Any] = {}

    def evaluate() -> Report:
        ctx = _Context(args, connector, clock, environ)
        if args.action == "resume":
            return ctx.resume()
        report, plan, decision, now = ctx.decide()
        holder["details"] = details_markdown(plan, decision, now)
        return report

    def details(_report: Report) -> str:
        text: str = holder.get("details", "")
        return text

    subject = f"{TOOL} {args.version or ''}".strip() if args.from_github else str(args.state)
    return run_gate(TOOL, subject, args, evaluate, details=details)


class OpsRun:
    """One run of a release-operations command: options, GitHub (when used), clock, env.

    GitHub is connected on first use, so offline runs (``--state``, ``plan``) never need a
    token; ``rollback`` extends this with its own steps.
    """

    def __init__(
        self, args: argparse.Namespace, connector: Connector, clock: Clock, env: Mapping[str, str]
    ) -> None:
        self.args = args
        self.connector = connector
        self.clock = clock
        self.env = env
        self._port: ReleaseOpsPort | None = None

    def port(self) -> ReleaseOpsPort:
        """The GitHub port, connected on first use."""
        if self._port is None:
            self._port = self.connector(self.env, Runtime.from_env(sys.stdout, self.env))
        return self._port


class _Context(OpsRun):
    """One ``rollout`` run."""

    def check_mode(self) -> None:
        a = self.args
        if a.state is not None and a.record:
            raise InputError("--record is for --from-github; with --state use --write-state")
        if a.from_github and a.write_state:
            raise InputError("--write-state is for --state; with --from-github use --record")
        if a.version is not None and a.state is not None and a.state.exists():
            raise InputError(
                "--version with --state only starts a new rollout; the state file names its"
                " version already"
            )
        if a.version is not None:
            check_tag(f"v{a.version}", what="--version")

    def load_state(self) -> tuple[RolloutState, str | None]:
        a = self.args
        if a.state is not None and not a.state.exists() and a.version is not None:
            return RolloutState(version=a.version), shown(a.state)
        if a.state is not None:
            name = shown(a.state)
            text = read_text(
                a.state, what="rollout state", shown_as=name, max_bytes=STATE_MAX_BYTES
            )
            return parse_state(text, shown_as=name), name
        return github_state(self.port(), a.version), None

    def decide(self) -> tuple[Report, RolloutPlan, Decision, dt.datetime]:
        a = self.args
        self.check_mode()
        if a.expect_stage is not None and not a.deploy:
            raise InputError("--expect-stage goes with --deploy")
        if a.tracker and not a.from_github:
            raise InputError("--tracker needs --from-github (the tracker is a GitHub issue)")
        plan, _ = load_plan(a.repo, a.policy)
        now = parse_now(a.now, self.clock)
        state, state_file = self.load_state()
        metrics = self.metrics(plan, state, now)
        decision = decide(plan, state, metrics, now, subject_file=state_file)
        extra: list[Finding] = []
        recorded = decision.event
        if a.deploy and decision.action == "promote":
            extra += self.deploy(plan, decision)
            if any(f.level == "error" for f in extra):
                recorded = None
        elif decision.action == "promote" and a.record:
            # NOTE: on GitHub a promotion is recorded only by the job that deployed it (in the
            # target environment, behind its protection rules), never by the deciding job.
            recorded = None
        after = decision.after if recorded is not None else decision.before
        if a.write_state and a.state is not None and recorded is not None:
            write_atomic({a.state: json.dumps(state_to_json(after), indent=2) + "\n"})
        if a.record and recorded is not None:
            env_name = self.event_environment(plan, decision)
            record_event(
                self.port(),
                plan,
                state.version,
                recorded,
                environment=env_name,
                log_url=run_url(self.env),
            )
            if a.tracker and recorded.kind == "promote" and decision.next_stage is not None:
                self.tick_tracker(plan, decision)
        data = decision_data(plan, decision, now)
        data["recorded"] = recorded is not None and (a.record or a.write_state)
        data["deployed"] = bool(a.deploy and decision.action == "promote" and not _has_error(extra))
        data["state"] = state_to_json(after)
        report = Report(
            TOOL,
            f"v{state.version} rollout",
            (*decision.findings, *extra),
            data,
        )
        return report, plan, decision, now

    def metrics(self, plan: RolloutPlan, state: RolloutState, now: dt.datetime) -> Metrics | None:
        a = self.args
        if a.metrics is not None:
            name = shown(a.metrics)
            text = read_text(a.metrics, what="metrics", shown_as=name, max_bytes=METRICS_MAX_BYTES)
            return parse_metrics(text, shown_as=name)
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
        result = run_command(
            argv,
            what="metrics command",
            cwd=a.repo,
            timeout=plan.commands.timeout_seconds,
            max_output_bytes=plan.commands.max_output_bytes,
            env=self.env,
        )
        if not result.ok:
            # A broken monitoring export is not a reason to roll back, and not data either:
            # the decision goes on without metrics (inconclusive, never a promotion).
            sys.stderr.write(
                f"releasekit rollout: the metrics command {result.describe()}: {result.tail()}\n"
            )
            return None
        return parse_metrics(result.stdout, shown_as="metrics command output")

    def deploy(self, plan: RolloutPlan, decision: Decision) -> list[Finding]:
        a = self.args
        nxt = decision.next_stage
        assert nxt is not None  # a promotion always has a target
        if a.expect_stage is not None and a.expect_stage != nxt.id:
            return [
                finding(
                    "RLT041",
                    "error",
                    f"the promotion is now to {nxt.id}, not {a.expect_stage} as decided earlier:"
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
        result = run_command(
            argv,
            what="deploy command",
            cwd=a.repo,
            timeout=plan.commands.timeout_seconds,
            max_output_bytes=plan.commands.max_output_bytes,
            env=self.env,
        )
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
        port = self.port()
        tag = f"v{decision.before.version}"
        previous: Stage | None = (
            plan.stage(decision.before.stage) if decision.before.stage else None
        )
        assert decision.next_stage is not None
        items = evidence_for_promotion(previous, decision.next_stage)
        marker = TRACKER_MARKER.format(tag=tag)
        found = port.find_issue(marker, label=TRACKER_LABEL)
        evidence = parse_evidence(found.body) if found else {}
        now = decision.event.at if decision.event else self.clock()
        by = f"rollout {run_url(self.env) or 'local'}"
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
        a = self.args
        self.check_mode()
        reason = check_reason(a.reason)
        plan, _ = load_plan(a.repo, a.policy)
        now = parse_now(a.now, self.clock)
        state, _ = self.load_state()
        by = actor(self.env)
        after = resume(state, now, reason=reason, by=by)
        if a.write_state and a.state is not None:
            write_atomic({a.state: json.dumps(state_to_json(after), indent=2) + "\n"})
        if a.record:
            stage = plan.stage(state.stage or "")
            record_event(
                self.port(),
                plan,
                state.version,
                after.events[-1],
                environment=stage.environment if stage else "paper",
                log_url=run_url(self.env),
            )
        return Report(
            TOOL,
            f"v{state.version} rollout",
            (
                finding(
                    "RLT018", "notice", f"rollout of v{state.version} resumed by {by}: {reason}"
                ),
            ),
            {"version": state.version, "action": "resume", "state": state_to_json(after)},
        )


def _has_error(findings: list[Finding]) -> bool:
    """Whether any of ``findings`` is an error."""
    return any(f.level == "error" for f in findings)


if __name__ == "__main__":
    sys.exit(main())
