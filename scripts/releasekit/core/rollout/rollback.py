"""The runbook's Rollback Procedure as values: inputs, the target, the steps, the incident (RBK).

Pure: nothing here runs a command, reads a file or talks to GitHub. ``cli/rollback.py`` does,
in this order, and stops at the first failing step (the incident record is written either way):

1. validate every input — before anything else, so a refused dispatch changes nothing;
2. activate the kill switch (runbook step 1);
3. identify the previous stable version (step 2): the newest release older than the failing
   one that reached 100% live and was never rolled back; an explicit target must pass the
   same test. The failing version must be the one live or in rollout;
4. check it out and run the deploy command (steps 3-4);
5. verify: the verify command must exit 0 and name the target version (step 5);
6. record it on GitHub: the target's live deployment gets a success status, the failing
   version's deployments are marked inactive;
7. open the incident record (step 7), pointing at docs/runbooks/incident_response.md.

Step 6 of the runbook, deactivating the kill switch, is a separate dispatch that only a
founder may make (``authorise``); it records who authorised it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from releasekit.core.github_facts import PERMISSION_RANK, Login, Membership, Permission
from releasekit.core.render import md_escape
from releasekit.core.report import Finding, Level, finding
from releasekit.core.rollout.controller import (
    CONDITIONS,
    Condition,
    Event,
    RolloutState,
    iso,
    state_from_events,
)
from releasekit.core.versioning.versions import parse_version
from releasekit.core.yamldoc import parse_yaml
from releasekit.errors import InputError

# The runbook's tags: vX.Y.Z and the hotfix tags vX.Y.Z-hotfix[.N] (SemVer numbers, so no
# leading zeros). Nothing else is a version a rollback may name: not a branch, not a SHA.
TAG_RE = re.compile(
    r"^v(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(-hotfix(\.[1-9][0-9]{0,8})?)?$"
)
REASON_MAX = 200
StepName = Literal["kill-switch", "metrics", "checkout", "deploy", "verify", "record"]
TargetSource = Literal["input", "history"]
INCIDENT_LABEL = "incident"
INCIDENT_MARKER = "<!-- releasekit:incident {tag} -->"
RUNBOOK_PATH = "docs/runbooks/incident_response.md"

_CONDITION_WORDS: dict[Condition, str] = {
    "live-errors": "Live errors > 3: immediate rollback",
    "unexpected-losses": "Unexpected losses: pause and review (rolled back after review)",
    "signal-divergence": "Signal divergence > 30%: rollback within 24h",
    "system-instability": "System instability: immediate rollback",
}


# -- inputs -------------------------------------------------------------------------------------


def check_tag(text: str, *, what: str) -> str:
    """``text`` if it is a release tag ``vX.Y.Z`` or ``vX.Y.Z-hotfix[.N]``, else ``InputError``."""
    if not isinstance(text, str) or not TAG_RE.match(text):
        shown = repr(text)[:60]
        raise InputError(
            f"{what} {shown} is not a release tag",
            hint="name a release tag: vX.Y.Z or vX.Y.Z-hotfix[.N], e.g. v1.2.2 (not a branch,"
            " a SHA or a path)",
        )
    return text


def release_tag(text: str, *, what: str) -> str:
    """The release tag a version argument means: ``1.2.3`` and ``v1.2.3`` both mean ``v1.2.3``
    (``InputError`` when it is neither a version nor a release tag)."""
    value = text.strip() if isinstance(text, str) else ""
    return check_tag(value if value.startswith("v") else f"v{value}", what=what)


def check_reason(text: str) -> str:
    """A reason: one line of 1 to 200 printable characters (it reaches commands and issues)."""
    value = text.strip() if isinstance(text, str) else ""
    if not value:
        raise InputError("the reason is empty", hint="say in one line why (it is recorded)")
    if len(value) > REASON_MAX:
        raise InputError(
            f"the reason is {len(value)} characters, over {REASON_MAX}",
            hint="keep it to one line; details go into the incident issue",
        )
    if any(not c.isprintable() for c in value):
        raise InputError(
            "the reason contains a line break or a control character",
            hint="write the reason on one line",
        )
    return value


def check_condition(text: str) -> Condition:
    """One of the runbook's rollback conditions."""
    for known in CONDITIONS:
        if text == known:
            return known
    raise InputError(
        f"condition {str(text)[:60]!r} is not one of the runbook's",
        hint=f"choose one of {', '.join(CONDITIONS)}",
    )


def version_of(tag: str) -> str:
    """``1.2.3`` for ``v1.2.3``."""
    return tag[1:]


# -- the target ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployed:
    """releasekit's recorded events of one version in one environment."""

    version: str
    environment: str
    events: tuple[Event, ...]


def version_states(deployed: Iterable[Deployed]) -> dict[str, RolloutState]:
    """Each version's rollout state, folded from its events in every environment."""
    by_version: dict[str, list[Event]] = {}
    for d in deployed:
        by_version.setdefault(d.version, []).extend(d.events)
    return {v: state_from_events(v, events) for v, events in by_version.items()}


def _never_rolled_back(state: RolloutState) -> bool:
    return not any(ev.kind in ("rollback", "rolled-back") for ev in state.events)


def stable_targets(deployed: Sequence[Deployed], failing_tag: str) -> list[str]:
    """Every tag a rollback of ``failing_tag`` may go to, the newest version first.

    A release qualifies when it is older than the failing one (SemVer order), reached 100%
    live in releasekit's records, and was never rolled back (nor decided to be).
    """
    failing = parse_version(version_of(failing_tag))
    states = version_states(deployed)
    reached = {
        d.version
        for d in deployed
        if d.environment == "live" and any(e.kind == "promote" and e.size >= 1.0 for e in d.events)
    }
    good = [
        (parsed, v)
        for v in reached
        if (parsed := parse_version(v)) is not None
        and failing is not None
        and parsed < failing
        and _never_rolled_back(states[v])
    ]
    return [f"v{v}" for _, v in sorted(good, reverse=True)]


def stable_target(deployed: Sequence[Deployed], failing_tag: str) -> str | None:
    """The previous stable version: the newest release older than ``failing_tag`` that reached
    100% live and was never rolled back, or None."""
    found = stable_targets(deployed, failing_tag)
    return found[0] if found else None


def check_failing(deployed: Sequence[Deployed], failing_tag: str) -> RolloutState:
    """The failing version's state: it must be the one live or in rollout (``InputError``
    when it was never deployed or is already rolled back)."""
    state = version_states(deployed).get(version_of(failing_tag))
    if state is None or state.stage is None:
        raise InputError(
            f"{failing_tag} was never deployed by releasekit: there is nothing to roll back",
            hint="name the version that is live or in rollout (the rollout workflow's summary)",
        )
    if state.status == "rolled-back":
        raise InputError(
            f"{failing_tag} is already rolled back",
            hint="name the version that is live or in rollout now",
        )
    return state


@dataclass(frozen=True)
class RollbackPlan:
    """What a rollback will do, fixed before its first side effect."""

    failing_tag: str
    target_tag: str
    target_source: TargetSource
    reason: str
    condition: Condition


def plan_rollback(
    *,
    failing_tag: str,
    target_tag: str | None,
    reason: str,
    condition: str,
    deployed: Sequence[Deployed],
) -> RollbackPlan:
    """Validate the inputs and pick the target (``InputError`` when there is none).

    An explicit target must pass the same test as the default one (``stable_targets``): a
    rollback never deploys a release that was not live at full size before, nor one that was
    itself rolled back.
    """
    failing = check_tag(failing_tag, what="version")
    why = check_reason(reason)
    cond = check_condition(condition)
    allowed = stable_targets(deployed, failing)
    if target_tag:
        target = check_tag(target_tag, what="target")
        source: TargetSource = "input"
        if target == failing:
            raise InputError(
                f"the target {target} is the failing version",
                hint="roll back to the previous stable version",
            )
        if target not in allowed:
            raise InputError(
                f"{target} is not a stable version to roll back to: a target must be older than"
                f" {failing}, have reached 100% live, and never have been rolled back",
                hint=f"leave the target out (the previous stable version is {allowed[0]})"
                if allowed
                else "no release qualifies; deploy a known good version by hand",
            )
    else:
        if not allowed:
            raise InputError(
                f"no release older than {failing} reached 100% live in releasekit's records"
                " without being rolled back: there is no stable version to roll back to",
                hint="deploy a known good version by hand (runbook Rollback Steps 2-5)",
            )
        target, source = allowed[0], "history"
    return RollbackPlan(failing, target, source, why, cond)


def verify_output_names(output: str, tag: str) -> bool:
    """Whether the verify command's output names ``tag`` (``v1.2.2`` or ``1.2.2``) as a word."""
    version = re.escape(version_of(tag))
    return re.search(rf"(?<![\w.+-])v?{version}(?![\w.+-])", output) is not None


# -- steps and findings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StepResult:
    """One step of the rollback as it happened."""

    step: StepName
    ok: bool
    at: dt.datetime
    detail: str


# The steps that can fail as a finding. Recording on GitHub and the incident issue cannot:
# a GitHub failure there is an InfraError (exit 3), never a finding that could read as done.
_STEP_RULE: dict[StepName, str] = {
    "kill-switch": "RBK002",
    "checkout": "RBK003",
    "deploy": "RBK003",
    "verify": "RBK004",
    "metrics": "RBK008",
}


def rollback_findings(plan: RollbackPlan, steps: Sequence[StepResult]) -> list[Finding]:
    """The report's findings: one per failed step, or the completed rollback."""
    out: list[Finding] = []
    for s in steps:
        if s.ok:
            continue
        level: Level = "warning" if s.step == "metrics" else "error"
        out.append(
            finding(
                _STEP_RULE[s.step],
                level,
                f"rollback of {plan.failing_tag} to {plan.target_tag}: {s.step} failed: {s.detail}",
                hint=_STEP_HINT.get(s.step),
            )
        )
    if not any(f.level == "error" for f in out):
        out.append(
            finding(
                "RBK001",
                "notice",
                f"rolled back {plan.failing_tag} to {plan.target_tag} ({plan.condition}); the kill"
                " switch stays active until a founder releases it",
                hint="dispatch the rollback workflow with operation release-kill-switch"
                " (founders only) once trading is safe",
            )
        )
    return out


_STEP_HINT: dict[StepName, str] = {
    "kill-switch": "trading may still be running: activate the kill switch by hand NOW, then"
    " rerun the rollback",
    "checkout": "fetch the tags (actions/checkout with fetch-depth: 0) and rerun",
    "deploy": "deploy the target by hand (runbook step 4) or fix the deploy command and rerun",
    "verify": "the deployment does not report the target version: check the services, then"
    " rerun the rollback",
    "metrics": "the incident record has no metrics; attach them by hand",
}


# -- the incident record --------------------------------------------------------------------------

# The same text as docs/templates/incident.md (a test keeps them equal).
INCIDENT_TEMPLATE = """\
## Incident: {failing} rolled back to {target}

| | |
|---|---|
| Condition | {condition_words} |
| Reason | {reason} |
| Failing version | {failing} |
| Rolled back to | {target} ({target_source}) |
| Started | {started} |
| Outcome | {outcome} |
| Workflow run | {run_url} |

Follow the incident runbook: [{runbook_path}]({runbook_url}).

### Timeline

| When (UTC) | Step | Result |
|---|---|---|
{timeline}

### Triggering metrics

{metrics}

### Rollout of {failing}

{rollout}

### Follow-up

- [ ] Kill switch released by a founder (rollback workflow, operation `release-kill-switch`)
- [ ] Root cause found
- [ ] Post-mortem written (docs/postmortems/)
- [ ] Fix released through the normal process
"""


def incident_title(plan: RollbackPlan) -> str:
    """``Incident: v1.2.3 rolled back to v1.2.2 (live-errors)``."""
    return f"Incident: {plan.failing_tag} rolled back to {plan.target_tag} ({plan.condition})"


def incident_body(
    plan: RollbackPlan,
    steps: Sequence[StepResult],
    *,
    started: dt.datetime,
    run_url: str,
    runbook_url: str,
    metrics_json: str | None,
    failing_events: Sequence[Event],
) -> str:
    """The incident issue's body (below its marker) from ``INCIDENT_TEMPLATE``."""
    failed = [s for s in steps if not s.ok and s.step != "metrics"]
    outcome = (
        f"incomplete: {failed[0].step} failed" if failed else "rolled back; kill switch active"
    )
    timeline = (
        "\n".join(
            f"| {iso(s.at)} | {s.step} | {'ok' if s.ok else 'FAILED'}: {md_escape(s.detail)} |"
            for s in steps
        )
        or "| - | - | nothing ran |"
    )
    if metrics_json:
        # Fenced as JSON; a fence inside the text cannot close ours (it is four backticks).
        metrics = f"````json\n{metrics_json.strip()}\n````"
    else:
        metrics = "Not captured (no metrics snapshot was available to the rollback)."
    if failing_events:
        rows = ["| When (UTC) | Event | Stage | Size | Rules |", "|---|---|---|---|---|"]
        rows += [
            f"| {iso(e.at)} | {e.kind} | {md_escape(e.stage or '-')} | {e.size * 100:g}% |"
            f" {', '.join(e.rules)} |"
            for e in failing_events[-20:]
        ]
        rollout = "\n".join(rows)
    else:
        rollout = "No rollout events were recorded for this version."
    return INCIDENT_TEMPLATE.format(
        failing=plan.failing_tag,
        target=plan.target_tag,
        condition_words=_CONDITION_WORDS[plan.condition],
        reason=md_escape(plan.reason),
        target_source="the input" if plan.target_source == "input" else "last version at 100%",
        started=iso(started),
        outcome=outcome,
        run_url=run_url or "-",
        runbook_path=RUNBOOK_PATH,
        runbook_url=runbook_url,
        timeline=timeline,
        metrics=metrics,
        rollout=rollout,
    )


# -- releasing the kill switch (founders only) -----------------------------------------------------


@dataclass(frozen=True)
class FounderRole:
    """Who holds the founder role: named logins, active members of named teams (``org/slug``),
    and, when ``permission`` is set, anyone with at least that permission on the repository
    (the policy's role semantics, core.policy.Role)."""

    logins: frozenset[str]
    teams: tuple[tuple[str, str], ...]
    permission: Permission | None = None


_LOGIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_TEAM_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]{0,38})/([A-Za-z0-9][A-Za-z0-9._-]{0,99})$")


def founder_role(policy_text: str | None, *, shown_as: str) -> FounderRole:
    """``roles.founder`` of the policy file: ``{logins: [...], teams: [org/slug, ...]}``.

    No policy, no ``roles`` or no founder means nobody may release the kill switch through
    the workflow: an ``InputError`` says how to name the founders.
    """
    hint = (
        "name the founders in .github/release-policy.yml on the default branch:"
        " `roles: {founder: {logins: [alice], teams: [desk/founders]}}`"
    )
    if policy_text is None:
        raise InputError("no release policy on the default branch: no founder is named", hint=hint)
    doc = parse_yaml(policy_text, shown_as=shown_as)
    data = doc.data if isinstance(doc.data, dict) else {}
    roles = data.get("roles")
    founder = roles.get("founder") if isinstance(roles, dict) else None
    if not isinstance(founder, dict):
        raise InputError(
            "the release policy names no founder (roles.founder)",
            file=shown_as,
            line=doc.line_of("roles") or 1,
            hint=hint,
        )
    logins = founder.get("logins", []) or []
    teams = founder.get("teams", []) or []
    line = doc.line_of("roles", "founder")
    if not isinstance(logins, list) or not all(
        isinstance(x, str) and _LOGIN_RE.match(x) for x in logins
    ):
        raise InputError(
            "roles.founder.logins must be a list of GitHub logins",
            file=shown_as,
            line=doc.line_of("roles", "founder", "logins") or line,
            hint=hint,
        )
    parsed: list[tuple[str, str]] = []
    for team in teams if isinstance(teams, list) else [None]:
        m = _TEAM_RE.match(team) if isinstance(team, str) else None
        if m is None:
            raise InputError(
                f"roles.founder.teams: {team!r} is not org/team-slug",
                file=shown_as,
                line=doc.line_of("roles", "founder", "teams") or line,
                hint=hint,
            )
        parsed.append((m.group(1), m.group(2)))
    permission = founder.get("permission")
    if permission is not None and permission not in ("write", "maintain", "admin"):
        raise InputError(
            f"roles.founder.permission {permission!r} is not write, maintain or admin",
            file=shown_as,
            line=doc.line_of("roles", "founder", "permission") or line,
            hint=hint,
        )
    if not logins and not parsed and permission is None:
        raise InputError("roles.founder lists nobody", file=shown_as, line=line, hint=hint)
    level: Permission | None = next((p for p in PERMISSION_RANK if p == permission), None)
    return FounderRole(frozenset(x.lower() for x in logins), tuple(parsed), level)


@dataclass(frozen=True)
class Authorisation:
    """Whether every actor of the run holds the founder role, and how each one does."""

    allowed: bool
    via: Mapping[str, str]  # login -> "policy login" / "team org/slug" / "not a founder"


def authorise(
    actors: Sequence[str],
    role: FounderRole,
    membership: Callable[[str, str, Login], Membership],
    permission_of: Callable[[Login], Permission] | None = None,
) -> Authorisation:
    """Check each distinct actor: a listed login, an **active** member of a listed team, or
    (when the role sets one) someone with at least the role's permission.

    ``membership`` is the GitHub port's ``team_membership``: it raises ``InfraError`` when the
    team cannot be read (a 404 there is never "not a member", threat 10), and a ``pending``
    invitation does not count. ``permission_of`` is the port's ``permission``.
    """
    via: dict[str, str] = {}
    for actor in dict.fromkeys(a for a in actors if a):
        if actor.lower() in role.logins:
            via[actor] = "policy login"
            continue
        via[actor] = "not a founder"
        for org, slug in role.teams:
            if membership(org, slug, Login(actor)) == "active":
                via[actor] = f"team {org}/{slug}"
                break
        if via[actor] == "not a founder" and role.permission and permission_of is not None:
            held = permission_of(Login(actor))
            if PERMISSION_RANK[held] >= PERMISSION_RANK[role.permission]:
                via[actor] = f"{held} permission"
    allowed = bool(via) and all(v != "not a founder" for v in via.values())
    return Authorisation(allowed, via)


def release_findings(auth: Authorisation, *, released: bool, detail: str) -> list[Finding]:
    """Findings of a kill-switch release: refused (RBK010), failed (RBK012) or done (RBK011)."""
    if not auth.allowed:
        who = ", ".join(f"{a} ({v})" for a, v in auth.via.items()) or "nobody"
        return [
            finding(
                "RBK010",
                "error",
                f"releasing the kill switch needs the founder role; this run was started by {who}",
                hint="ask a founder to dispatch it (roles.founder in the policy on the default"
                " branch)",
            )
        ]
    names = ", ".join(f"{a} ({v})" for a, v in auth.via.items())
    if not released:
        return [finding("RBK012", "error", f"the kill switch release failed: {detail}")]
    return [finding("RBK011", "notice", f"kill switch released, authorised by {names}")]


def release_record(auth: Authorisation, *, reason: str, at: dt.datetime, run_url: str) -> str:
    """The comment that records who released the kill switch, when and why."""
    names = ", ".join(f"@{a} ({v})" for a, v in auth.via.items())
    return (
        "### Kill switch released\n\n"
        f"| | |\n|---|---|\n| Authorised by | {md_escape(names)} |\n| When (UTC) | {iso(at)} |\n"
        f"| Reason | {md_escape(reason)} |\n| Workflow run | {run_url or '-'} |\n"
    )


def data_of_plan(plan: RollbackPlan) -> dict[str, Any]:
    """The plan as the report's data."""
    return {
        "version": version_of(plan.failing_tag),
        "failing": plan.failing_tag,
        "target": plan.target_tag,
        "target_source": plan.target_source,
        "reason": plan.reason,
        "condition": plan.condition,
    }
