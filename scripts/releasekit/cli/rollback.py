"""``releasekit rollback``: the runbook's Rollback Procedure, and the founders' kill-switch release.

Called by ``.github/workflows/rollback.yml`` (``workflow_dispatch`` by a person, or
``workflow_call`` from rollout.yml when the rollback table says so), in the ``live``
environment. Token permissions: ``contents: read`` (tags, the policy on the default branch),
``deployments: write`` (record the rollback), ``issues: write`` (the incident record).

    releasekit rollback plan --version v1.2.3 --reason "..." --condition live-errors
    releasekit rollback run  --version v1.2.3 --reason "..." --condition live-errors \
        [--target v1.2.2] [--metrics SNAPSHOT.json]
    releasekit rollback kill-switch-release --reason "..."

``plan`` validates and resolves the target and changes nothing. ``run`` validates every input
first (the versions must be existing release tags, the reason one bounded line, the condition
one of the runbook's) so that a refused dispatch writes nothing, then: kill switch, checkout of
the target tag in a separate worktree, deploy, verify, record on GitHub, incident issue
(docs/rollback.md). ``kill-switch-release`` runs the policy's deactivate command only when
everyone who started the run holds the founder role — checked against ``roles.founder`` of
the policy on the default branch, teams through the API (only ``active`` membership counts;
a team that cannot be read is exit 3) — and records who authorised it.

Exit codes: 0 done, 1 a step failed or the release was refused, 2 bad input (nothing was
done), 3 GitHub or runner failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from releasekit.adapters.commands import CommandResult, run_command
from releasekit.adapters.files import read_text
from releasekit.cli.common import ArgumentParser, run_gate, usage_failure
from releasekit.cli.common.ops import (
    Clock,
    Connector,
    add_common,
    default_connector,
    run_url,
    utc_now,
)
from releasekit.cli.rollout import (
    METRICS_MAX_BYTES,
    OpsRun,
    deployed_history,
    record_event,
)
from releasekit.core.report import Finding, Report, finding
from releasekit.core.rollout.controller import Event, iso, parse_metrics
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
    check_reason,
    check_tag,
    data_of_plan,
    founder_role,
    incident_body,
    incident_title,
    plan_rollback,
    release_findings,
    release_record,
    rollback_findings,
    verify_output_names,
    version_of,
)
from releasekit.errors import InfraError, InputError
from releasekit.workspace.ops import POLICY_PATH, load_plan, plan_from_text
from releasekit.workspace.release_files import shown

TOOL = "rollback"
_BRANCH_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$")
_RELEASE_RECORD = "<!-- releasekit:kill-switch-release {stamp} -->"


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog=f"releasekit {TOOL}", description=(__doc__ or TOOL).splitlines()[0])
    add_common(p, top=True)
    sub = p.add_subparsers(dest="action", metavar="{plan,run,kill-switch-release}")
    sub.required = True
    for name, text in (
        ("plan", "validate the inputs and show what a rollback would do (no side effects)"),
        ("run", "roll back: kill switch, deploy the previous stable version, verify, record"),
    ):
        s = sub.add_parser(name, help=text)
        add_common(s, top=False)
        s.add_argument("--version", required=True, help="the failing version's tag, vX.Y.Z")
        s.add_argument("--target", help="the tag to roll back to (default: last at 100%%)")
        s.add_argument("--reason", required=True, help="why, in one line (recorded)")
        s.add_argument("--condition", required=True, help="the runbook condition")
        s.add_argument("--metrics", type=Path, help="the triggering metrics, for the incident")
    k = sub.add_parser("kill-switch-release", help="deactivate the kill switch (founders only)")
    add_common(k, top=False)
    k.add_argument("--reason", required=True, help="why trading is safe again (one line)")
    k.add_argument(
        "--policy-ref",
        help="the branch to read roles from (default: the repository's default branch)",
    )
    return p


def main(
    argv: list[str] | None = None,
    *,
    connector: Connector = default_connector,
    clock: Clock = utc_now,
    env: Mapping[str, str] | None = None,
) -> int:
    """Entry point: ``rollback plan``, ``rollback run`` or ``rollback kill-switch-release``."""
    environ = os.environ if env is None else env
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc)
    run = _Run(args, connector, clock, environ)
    if args.action == "kill-switch-release":
        return run_gate(TOOL, "kill switch", args, run.release)
    subject = f"rollback of {args.version}"[:80]
    return run_gate(TOOL, subject, args, run.rollback)


class _Run(OpsRun):
    """One ``rollback`` run."""

    # -- plan / run ------------------------------------------------------------------------

    def rollback(self) -> Report:
        a = self.args
        # 1. Everything a person typed is checked before GitHub is even contacted.
        failing = check_tag(a.version, what="version")
        if a.target:
            check_tag(a.target, what="target")
        check_reason(a.reason)
        check_condition(a.condition)
        plan_policy, _ = load_plan(a.repo, a.policy)
        if a.action == "run":
            _require_commands(plan_policy)
        metrics_text = self.metrics_text()
        port = self.port()
        for tag in (failing, a.target):
            if tag and port.tag_target(tag) is None:
                raise InputError(
                    f"{tag} is not a tag of {port.repository}",
                    hint="name an existing release tag (git tag --list 'v*')",
                )
        history = deployed_history(port)
        plan = plan_rollback(
            failing_tag=failing,
            target_tag=a.target,
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
        a = self.args
        if a.metrics is None:
            return None
        name = shown(a.metrics)
        text = read_text(a.metrics, what="metrics", shown_as=name, max_bytes=METRICS_MAX_BYTES)
        parse_metrics(text, shown_as=name)  # a malformed snapshot is refused before any action
        return text

    def execute(
        self,
        plan: RollbackPlan,
        policy: RolloutPlan,
        metrics_text: str | None,
        failing_events: list[Event],
    ) -> tuple[list[StepResult], str | None]:
        """Steps 2-6 (stops at the first failure), and the metrics for the incident record."""
        a = self.args
        cmds = policy.commands
        steps: list[StepResult] = []

        def step(name: StepName, result: CommandResult | None, ok: bool, detail: str) -> bool:
            if result is not None and not ok:
                detail = (
                    f"{detail}: the command {result.describe()}: {result.tail() or 'no output'}"
                )
            steps.append(StepResult(name, ok, self.clock(), detail))
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
            since = latest.at if latest is not None else self.clock()
            snapshot = self.command(
                cmds.metrics,
                {
                    "version": version_of(plan.failing_tag),
                    "environment": "live",
                    "stage": policy.final.id,
                    "since": iso(since),
                    "until": iso(self.clock()),
                },
                "metrics command",
                a.repo,
                policy,
            )
            if snapshot.ok:
                metrics_text = snapshot.stdout
            step("metrics", snapshot, snapshot.ok, "metrics captured for the incident")
        worktree = Path(
            tempfile.mkdtemp(prefix="releasekit-rollback-", dir=self.env.get("RUNNER_TEMP"))
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
                self.clock(),
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
            return run_command(
                argv,
                what=what,
                cwd=cwd,
                timeout=policy.commands.timeout_seconds,
                max_output_bytes=policy.commands.max_output_bytes,
                env=self.env,
            )
        except InputError as exc:
            return CommandResult(tuple(argv), None, "", str(exc))

    def record(self, plan: RollbackPlan, policy: RolloutPlan, failing_events: list[Event]) -> None:
        """The target is live at full size; the failing version's deployments are inactive."""
        port = self.port()
        now = self.clock()
        url = run_url(self.env)
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
                    last.size if last else 0.0,
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
        started = steps[0].at if steps else self.clock()
        server = self.env.get("GITHUB_SERVER_URL", "https://github.com")
        runbook_url = f"{server}/{self.port().repository}/blob/HEAD/{RUNBOOK_PATH}"
        body = incident_body(
            plan,
            steps,
            started=started,
            run_url=run_url(self.env),
            runbook_url=runbook_url,
            metrics_json=_pretty(metrics_text),
            failing_events=failing_events,
        )
        result = self.port().upsert_issue(
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
        a = self.args
        reason = check_reason(a.reason)
        actors = [
            x.strip()
            for x in (self.env.get("GITHUB_ACTOR", ""), self.env.get("GITHUB_TRIGGERING_ACTOR", ""))
            if x.strip()
        ]
        if not actors:
            raise InputError(
                "no GITHUB_ACTOR: who is releasing the kill switch is unknown",
                hint="release the kill switch through the rollback workflow"
                " (operation release-kill-switch), where GitHub names the person",
            )
        ref = a.policy_ref or _default_branch(self.env)
        if not _BRANCH_RE.match(ref) or ".." in ref:
            raise InputError(f"--policy-ref {ref[:60]!r} is not a branch name")
        port = self.port()
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
        now = self.clock()
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
        port = self.port()
        body = release_record(auth, reason=reason, at=now, run_url=run_url(self.env))
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


def _default_branch(env: Mapping[str, str]) -> str:
    """The repository's default branch, from the event payload GitHub gives the run."""
    path = env.get("GITHUB_EVENT_PATH", "")
    branch: Any = None
    if path:
        try:
            event = json.loads(Path(path).read_text(encoding="utf-8"))
            branch = (event.get("repository") or {}).get("default_branch")
        except (OSError, ValueError, AttributeError):
            branch = None
    if not isinstance(branch, str) or not _BRANCH_RE.match(branch) or ".." in branch:
        raise InputError(
            "the default branch is unknown (no repository.default_branch in GITHUB_EVENT_PATH)",
            hint="pass --policy-ref BRANCH",
        )
    return branch


if __name__ == "__main__":
    sys.exit(main())
