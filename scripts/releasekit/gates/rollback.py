"""The rollback gate: the runbook's Rollback Procedure, and the founders' kill-switch release.

``plan`` validates and resolves the target and changes nothing; ``run`` validates every input
first, so that a refused dispatch writes nothing, then: kill switch, checkout of the target tag
in a separate worktree, deploy, verify, record on GitHub, incident issue (docs/rollback.md).
``kill-switch-release`` runs the policy's deactivate command only when everyone who started
the run holds the founder role of the policy on the default branch. The rules are
``core.rollout.rollback``; files are read through ``workspace.ops``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from releasekit.adapters.commands import CommandResult, run_command
from releasekit.core.report import Finding, Report, finding
from releasekit.core.rollout.controller import Event, iso
from releasekit.core.rollout.plan import RolloutPlan, expand_template
from releasekit.core.rollout.rollback import (
    INCIDENT_LABEL,
    INCIDENT_MARKER,
    RUNBOOK_PATH,
    Authorisation,
    RollbackPlan,
    StepName,
    StepResult,
    authorise,
    check_condition,
    check_failing,
    check_reason,
    data_of_plan,
    founder_role,
    incident_body,
    incident_title,
    plan_rollback,
    release_findings,
    release_record,
    release_tag,
    rollback_findings,
    verify_output_names,
    version_of,
)
from releasekit.errors import InfraError, InputError
from releasekit.gates.rollout import OpsPorts, deployed_history, policy_command, record_event
from releasekit.workspace.ops import (
    BRANCH_RE,
    POLICY_PATH,
    event_default_branch,
    load_plan,
    plan_from_text,
    read_metrics,
)


@dataclass(frozen=True)
class RollbackRequest:
    """One ``rollback plan|run|kill-switch-release``: plain values from the command line."""

    action: Literal["plan", "run", "kill-switch-release"]
    repo: Path
    policy: Path | None = None
    version: str = ""
    target: str | None = None
    reason: str = ""
    condition: str = ""
    metrics: Path | None = None
    policy_ref: str | None = None
    actors: tuple[str, ...] = ()
    run_url: str = ""
    server_url: str = "https://github.com"


def rollback(request: RollbackRequest, ports: OpsPorts) -> Report:
    """Plan or run a rollback, or release the kill switch (founders only)."""
    run = _Run(request, ports)
    if request.action == "kill-switch-release":
        return run.release()
    return run.rollback()


TOOL = "rollback"
_RELEASE_RECORD = "<!-- releasekit:kill-switch-release {stamp} -->"


class _Run:
    """One ``rollback`` run."""

    def __init__(self, request: RollbackRequest, ports: OpsPorts) -> None:
        self.r = request
        self.ports = ports

    # -- plan / run ------------------------------------------------------------------------

    def rollback(self) -> Report:
        a = self.r
        # 1. Everything a person typed is checked before GitHub is even contacted.
        failing = release_tag(a.version, what="version")
        wanted = release_tag(a.target, what="target") if a.target else None
        check_reason(a.reason)
        check_condition(a.condition)
        plan_policy, _ = load_plan(a.repo, a.policy)
        if a.action == "run":
            _require_commands(plan_policy)
        metrics_text = self.metrics_text()
        port = self.ports.github()
        for tag in (failing, wanted):
            if tag and port.tag_target(tag) is None:
                raise InputError(
                    f"{tag} is not a tag of {port.repository}",
                    hint="name an existing release tag (git tag --list 'v*')",
                )
        history = deployed_history(port)
        check_failing(history, failing)
        plan = plan_rollback(
            failing_tag=failing,
            target_tag=wanted,
            reason=a.reason,
            condition=a.condition,
            deployed=history,
        )
        target = port.tag_target(plan.target_tag)
        if target is None:  # the target came from the history: it must still exist
            raise InputError(f"{plan.target_tag} (the last version at 100%) has no tag any more")
        if a.action == "run":
            _require_local_tag(a.repo, plan.target_tag, target[1])
        data = data_of_plan(plan)
        if a.action == "plan":
            return Report(
                TOOL,
                f"rollback of {plan.failing_tag}",
                (
                    finding(
                        "RBK009",
                        "notice",
                        f"would roll back {plan.failing_tag} to {plan.target_tag}"
                        f" ({plan.condition}); nothing was done",
                    ),
                ),
                data,
            )
        failing_events = [
            ev for d in history if d.version == version_of(failing) for ev in d.events
        ]
        steps, metrics_text = self.execute(plan, plan_policy, metrics_text, failing_events)
        findings = self.finish(plan, steps, metrics_text, failing_events)
        data["steps"] = [
            {"step": s.step, "ok": s.ok, "at": s.at.isoformat(), "detail": s.detail} for s in steps
        ]
        return Report(TOOL, f"rollback of {plan.failing_tag}", tuple(findings), data)

    def metrics_text(self) -> str | None:
        if self.r.metrics is None:
            return None
        # A malformed snapshot is refused before any action.
        return read_metrics(self.r.metrics)[1]

    def execute(
        self,
        plan: RollbackPlan,
        policy: RolloutPlan,
        metrics_text: str | None,
        failing_events: list[Event],
    ) -> tuple[list[StepResult], str | None]:
        """Steps 2-6 (stops at the first failure), and the metrics for the incident record."""
        a = self.r
        cmds = policy.commands
        steps: list[StepResult] = []

        def step(name: StepName, result: CommandResult | None, ok: bool, detail: str) -> bool:
            if result is not None and not ok:
                detail = (
                    f"{detail}: the command {result.describe()}: {result.tail() or 'no output'}"
                )
            steps.append(StepResult(name, ok, self.ports.clock(), detail))
            return ok

        values = {
            "reason": plan.reason,
            "version": version_of(plan.failing_tag),
            "tag": plan.failing_tag,
        }
        assert cmds.kill_switch_activate is not None  # _require_commands
        kill = self.command(
            cmds.kill_switch_activate, values, "kill switch command", a.repo, policy
        )
        if not step("kill-switch", kill, kill.ok, "kill switch activated"):
            return steps, metrics_text
        if metrics_text is None and cmds.metrics is not None:
            # After the kill switch, never before it: capturing evidence must not delay it.
            latest = max(failing_events, key=lambda e: e.at, default=None)
            since = latest.at if latest is not None else self.ports.clock()
            snapshot = self.command(
                cmds.metrics,
                {
                    "version": version_of(plan.failing_tag),
                    "environment": "live",
                    "stage": policy.final.id,
                    "since": iso(since),
                    "until": iso(self.ports.clock()),
                },
                "metrics command",
                a.repo,
                policy,
            )
            if snapshot.ok:
                metrics_text = snapshot.stdout
            step("metrics", snapshot, snapshot.ok, "metrics captured for the incident")
        worktree = Path(
            tempfile.mkdtemp(prefix="releasekit-rollback-", dir=self.ports.env.get("RUNNER_TEMP"))
        )
        try:
            checkout = _git(
                a.repo, "worktree", "add", "--detach", str(worktree), f"refs/tags/{plan.target_tag}"
            )
            if not step("checkout", checkout, checkout.ok, f"{plan.target_tag} checked out"):
                return steps, metrics_text
            target = {
                "version": version_of(plan.target_tag),
                "tag": plan.target_tag,
                "environment": "live",
                "stage": policy.final.id,
                "size": f"{policy.final.size:g}",
                "percent": f"{policy.final.size * 100:g}",
            }
            # Both checked by _require_commands before anything ran; narrowed for mypy.
            assert cmds.deploy is not None
            assert cmds.verify is not None
            deploy = self.command(cmds.deploy, target, "deploy command", worktree, policy)
            if not step("deploy", deploy, deploy.ok, f"{plan.target_tag} deployed to live"):
                return steps, metrics_text
            verify = self.command(cmds.verify, target, "verify command", worktree, policy)
            named = verify.ok and verify_output_names(verify.stdout, plan.target_tag)
            detail = (
                f"the deployment reports {plan.target_tag}"
                if named
                else f"the verify command did not report {plan.target_tag}"
                f" (it printed: {verify.stdout.strip()[:200] or 'nothing'})"
            )
            if not step("verify", verify if not verify.ok else None, named, detail):
                return steps, metrics_text
        finally:
            _git(a.repo, "worktree", "remove", "--force", str(worktree))
        self.record(plan, policy, failing_events)
        steps.append(
            StepResult(
                "record",
                True,
                self.ports.clock(),
                f"{plan.target_tag} live; {plan.failing_tag} deployments inactive",
            )
        )
        return steps, metrics_text

    def command(
        self,
        template: tuple[str, ...],
        values: Mapping[str, str],
        what: str,
        cwd: Path,
        policy: RolloutPlan,
    ) -> CommandResult:
        """Run a policy command; one that cannot even start is a failed step, not a crash.

        # NOTE: by the time the deploy command runs, the kill switch is active: a missing
        # program must still end in a report and an incident record, not in exit 2 alone.
        """
        argv = expand_template(template, values)
        try:
            return policy_command(policy, argv, what, cwd, self.ports.env)
        except InputError as exc:
            return CommandResult(tuple(argv), None, "", str(exc))

    def record(self, plan: RollbackPlan, policy: RolloutPlan, failing_events: list[Event]) -> None:
        """The target is live at full size; the failing version's deployments are inactive."""
        port = self.ports.github()
        now = self.ports.clock()
        url = self.r.run_url
        cond_rule = {
            "live-errors": "RLT010",
            "unexpected-losses": "RLT011",
            "signal-divergence": "RLT012",
            "system-instability": "RLT013",
        }[plan.condition]
        note = f"rollback target of {plan.failing_tag}: {plan.reason}"
        record_event(
            port,
            policy,
            version_of(plan.target_tag),
            Event(now, "promote", policy.final.id, policy.final.size, ("RBK001",), note),
            environment="live",
            log_url=url,
        )
        last = max(failing_events, key=lambda e: e.at, default=None)
        for dep in port.deployments(ref=plan.failing_tag):
            record_event(
                port,
                policy,
                version_of(plan.failing_tag),
                Event(
                    now,
                    "rolled-back",
                    last.stage if last else None,
                    0.0,  # no longer live at any size
                    ("RBK001", cond_rule),
                    f"rolled back to {plan.target_tag}: {plan.reason}",
                ),
                environment=dep.environment,
                log_url=url,
            )

    def finish(
        self,
        plan: RollbackPlan,
        steps: list[StepResult],
        metrics_text: str | None,
        failing_events: list[Event],
    ) -> list[Finding]:
        """The incident record (always, even after a failed step) and the findings."""
        started = steps[0].at if steps else self.ports.clock()
        server = self.r.server_url
        runbook_url = f"{server}/{self.ports.github().repository}/blob/HEAD/{RUNBOOK_PATH}"
        body = incident_body(
            plan,
            steps,
            started=started,
            run_url=self.r.run_url,
            runbook_url=runbook_url,
            metrics_json=_pretty(metrics_text),
            failing_events=failing_events,
        )
        result = self.ports.github().upsert_issue(
            marker=INCIDENT_MARKER.format(tag=plan.failing_tag),
            title=incident_title(plan),
            body=body,
            label=INCIDENT_LABEL,
        )
        findings = rollback_findings(plan, steps)
        findings.append(
            finding(
                "RBK006",
                "notice",
                f"incident record: {result.url or '#' + str(result.id)}",
                hint=f"follow {RUNBOOK_PATH}",
            )
        )
        return findings

    # -- kill-switch release ----------------------------------------------------------------

    def release(self) -> Report:
        a = self.r
        reason = check_reason(a.reason)
        actors = [x.strip() for x in self.r.actors if x.strip()]
        if not actors:
            raise InputError(
                "no GITHUB_ACTOR: who is releasing the kill switch is unknown",
                hint="release the kill switch through the rollback workflow"
                " (operation release-kill-switch), where GitHub names the person",
            )
        ref = a.policy_ref or event_default_branch(self.ports.env)
        if not BRANCH_RE.match(ref) or ".." in ref:
            raise InputError(f"--policy-ref {ref[:60]!r} is not a branch name")
        port = self.ports.github()
        text = port.file_at(POLICY_PATH, ref)
        shown_as = f"{POLICY_PATH}@{ref}"
        role = founder_role(text, shown_as=shown_as)
        policy = plan_from_text(text or "", shown_as)
        auth = authorise(actors, role, port.team_membership, port.permission)
        data: dict[str, Any] = {
            "actors": actors,
            "authorised": auth.allowed,
            "via": dict(auth.via),
            "policy_ref": ref,
        }
        if not auth.allowed:
            return Report(
                TOOL, "kill switch", tuple(release_findings(auth, released=False, detail="")), data
            )
        command = policy.commands.kill_switch_deactivate
        if command is None:
            raise InputError(
                "the release policy has no kill_switch_deactivate command",
                file=shown_as,
                hint="add rollout.commands.kill_switch_deactivate (docs/rollback.md)",
            )
        who = ",".join(auth.via)
        result = self.command(
            command, {"reason": reason, "authorized_by": who}, "kill switch command", a.repo, policy
        )
        now = self.ports.clock()
        data["released"] = result.ok
        data["authorized_by"] = who
        findings = release_findings(
            auth, released=result.ok, detail=f"the command {result.describe()}: {result.tail()}"
        )
        if result.ok:
            findings.append(self.record_release(auth, reason, now))
        return Report(TOOL, "kill switch", tuple(findings), data)

    def record_release(self, auth: Authorisation, reason: str, now: dt.datetime) -> Finding:
        """Comment on the open incident (or open a record issue): who, when, why."""
        port = self.ports.github()
        body = release_record(auth, reason=reason, at=now, run_url=self.r.run_url)
        me = port.identity().lower()
        incident = next(
            (
                i
                for i in port.issues(label=INCIDENT_LABEL, state="open")
                if i.author.lower() == me and i.body.startswith("<!-- releasekit:incident ")
            ),
            None,
        )
        if incident is not None:
            result = port.upsert_comment(incident.number, "kill-switch-release", body)
        else:
            result = port.upsert_issue(
                marker=_RELEASE_RECORD.format(stamp=now.strftime("%Y%m%dT%H%M%SZ")),
                title="Kill switch released",
                body=body,
                label=INCIDENT_LABEL,
            )
        return finding("RBK007", "notice", f"recorded who released the kill switch: {result.url}")


def _require_commands(policy: RolloutPlan) -> None:
    cmds = policy.commands
    for name in ("kill_switch_activate", "deploy", "verify"):
        if getattr(cmds, name) is None:
            raise InputError(
                f"the release policy has no {name} command (rollout.commands.{name})",
                hint="a rollback runs the kill switch, the deploy and the verify commands"
                " (docs/rollback.md)",
            )


def _require_local_tag(repo: Path, tag: str, remote_sha: str) -> None:
    """The checked-out repository has ``tag``, pointing where GitHub's does."""
    result = _git(repo, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}")
    if not result.ok:
        raise InputError(
            f"{tag} is not in the local repository",
            hint="check out with tags: actions/checkout with `fetch-depth: 0`",
        )
    local = result.stdout.strip()
    if local != remote_sha:
        raise InputError(
            f"the local {tag} ({local[:12]}) is not GitHub's ({remote_sha[:12]})",
            hint="fetch the tags again (a tag was moved, or the checkout is of another repository)",
        )


def _git(repo: Path, *args: str) -> CommandResult:
    try:
        return run_command(
            ["git", "-C", str(repo), *args],
            what="git",
            timeout=120,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except InputError:
        raise InfraError("git is not installed on this runner") from None


def _pretty(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return json.dumps(json.loads(text), indent=2, sort_keys=True)
    except ValueError:
        return None
