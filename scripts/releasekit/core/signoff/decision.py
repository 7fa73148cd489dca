"""The sign-off decision of a release pull request (runbook Phase 2, Audit Sign-Off Checklist).

Pure: the pull request's facts, its reviews, the **base** commit's policy and the evidence
gates' reports in, a ``Report`` out; who holds which role is asked of a ``Directory`` (the
GitHub port's ``permission`` and ``team_membership``), lazily and at most once per person and
team, so the core itself never touches the network. The decision is one of:

* **APPROVED** — every required role is filled by a different person whose latest decisive
  review approved the head commit, and the evidence gates found no error (exit 0);
* **HOLD** — something is missing: a role, a hotfix criterion, a piece of evidence (exit 1);
* **REJECTED** — someone holding a required role requested changes and has neither approved
  since nor had the review dismissed (exit 1).

The rules, each a defence against a named threat (reference/github-facts.md):

* each reviewer's latest *decisive* review counts (APPROVED, CHANGES_REQUESTED, DISMISSED, by
  ``submitted_at`` then id); COMMENTED and PENDING never replace a decision;
* an approval counts only on the head SHA (threat 8); the author and bots never count
  (threats 9, 23);
* one person fills at most one role (threat 9): roles are assigned by a maximum bipartite
  matching, so a person who could fill two roles is placed where nobody else can;
* a team counts only with an *active* membership, and a lookup that fails is an error, never
  "not a member" (threat 10) — the ``Directory`` raises ``InfraError`` and the gate exits 3.

The verdict is derived from the findings: REJECTED is an ``SGN002`` error, HOLD any other
error. ``render_details`` renders the runbook's "Release Audit Sign-Off" checklist, every box
ticked from evidence only; ``render_explain`` is ``--explain``'s text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, Protocol

from releasekit.core.audit.formats import PASSING, percent_text
from releasekit.core.github_facts import (
    ChangedFile,
    Login,
    Membership,
    Permission,
    PullRequest,
    Review,
)
from releasekit.core.render import md_escape
from releasekit.core.report import Finding, Report, finding
from releasekit.core.signoff.policy import POLICY_PATH, ROLE_NAMES, Policy, Role, RoleName
from releasekit.core.signoff.release_types import Classification, classify

TOOL = "signoff-gate"
CHECK_NAME = "releasekit/signoff"

Decision = Literal["APPROVED", "HOLD", "REJECTED"]
ReviewerStatus = Literal[
    "counted", "stale", "author", "bot", "changes-requested", "dismissed", "ignored"
]
DECISIVE: frozenset[str] = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})
PERMISSION_RANK: dict[Permission, int] = {
    "none": 0,
    "read": 1,
    "triage": 2,
    "write": 3,
    "maintain": 4,
    "admin": 5,
}
ROLE_TITLES: dict[RoleName, str] = {
    "code_review": "Code review",
    "audit": "Auditor",
    "model_audit": "Model auditor",
    "risk": "Risk",
    "founder": "Founder",
}
_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


class Directory(Protocol):
    """Who holds what on GitHub: the two ``GitHubPort`` reads that role eligibility needs."""

    def permission(self, login: Login) -> Permission:
        """The user's permission on the repository (``none`` when not a collaborator)."""
        ...

    def team_membership(self, org: str, team_slug: str, login: Login) -> Membership:
        """``active``, ``pending`` or ``absent``; raises ``InfraError`` when it cannot tell."""
        ...


@dataclass(frozen=True)
class PaperMetric:
    """One paper-vs-backtest figure for the checklist (``Sharpe 1.20 vs 1.40 (14.3%)``)."""

    name: str
    paper: str
    backtest: str
    divergence: str


@dataclass(frozen=True)
class UnitEvidence:
    """A changed strategy or model and the evidence files the checklist points at."""

    name: str
    kind: str
    version: str | None
    report_path: str
    report_exists: bool
    paper_path: str
    paper_period: str | None = None
    paper_trades: int | None = None
    headline: PaperMetric | None = None
    max_divergence: Fraction | None = None


@dataclass(frozen=True)
class Evidence:
    """The evidence gates' reports (check-changelog, verify-audit) and what they looked at."""

    reports: tuple[Report, ...] = ()
    units: tuple[UnitEvidence, ...] = ()
    findings: tuple[Finding, ...] = ()
    bias_source: str | None = None

    def report(self, tool: str) -> Report | None:
        """The report of the gate ``tool``, if it ran."""
        return next((r for r in self.reports if r.tool == tool), None)


@dataclass(frozen=True)
class SignoffInputs:
    """Everything the decision depends on, already read.

    ``policy`` is the policy of the pull request's **base commit** (``policy_found`` False: no
    file there, the runbook's defaults). ``default_branch`` is the repository's, when known.
    ``classification`` is computed from the facts when not given.
    """

    pr: PullRequest
    files: tuple[ChangedFile, ...]
    reviews: tuple[Review, ...]
    policy: Policy
    policy_found: bool
    default_branch: str | None = None
    evidence: Evidence = field(default_factory=Evidence)
    classification: Classification | None = None


# -- reviews ----------------------------------------------------------------------------------


def is_bot(login: str, flagged: bool) -> bool:
    """A bot never counts: GitHub's ``type: Bot``, or a ``name[bot]`` login (threat 23)."""
    return flagged or login.casefold().endswith("[bot]")


def latest_decisions(reviews: Sequence[Review]) -> list[Review]:
    """Each reviewer's latest decisive review, ordered by ``submitted_at`` then id.

    COMMENTED and PENDING reviews do not replace a decision (a comment after an approval
    leaves the approval standing). Reviewers are told apart case-insensitively, as GitHub
    tells logins apart.
    """
    latest: dict[str, Review] = {}
    ordered = sorted(
        (r for r in reviews if r.state in DECISIVE),
        key=lambda r: (r.submitted_at or _EPOCH, r.id),
    )
    for r in ordered:
        latest[r.user.casefold()] = r
    return sorted(latest.values(), key=lambda r: (r.submitted_at or _EPOCH, r.id))


def _status(r: Review, pr: PullRequest) -> ReviewerStatus:
    if r.user.casefold() == pr.author.casefold():
        return "author"
    if is_bot(r.user, r.user_is_bot):
        return "bot"
    if r.state == "DISMISSED":
        return "dismissed"
    if r.state == "CHANGES_REQUESTED":
        return "changes-requested"
    if r.commit_id != pr.head_sha:
        return "stale"
    return "counted"


# -- roles --------------------------------------------------------------------------------------


class Eligibility:
    """Who holds which role: listed logins first, then lookups, each made at most once.

    ``known`` answers from the policy and from lookups already made (None: not known yet);
    ``resolve`` makes the lookups a role needs — the person's permission (one request, shared
    by every role that accepts a permission), then each listed team (only ``active`` counts).
    A lookup that fails raises (``InfraError``): never "does not hold the role".
    """

    def __init__(self, policy: Policy, directory: Directory) -> None:
        """Answer for ``policy``'s roles, asking ``directory`` what the policy does not say."""
        self._roles = policy.roles
        self._directory = directory
        self._permissions: dict[str, Permission] = {}
        self._teams: dict[tuple[str, str, str], Membership] = {}

    @property
    def lookups(self) -> dict[str, int]:
        """How many permission and team lookups were made."""
        return {"permission": len(self._permissions), "team": len(self._teams)}

    def role(self, name: RoleName) -> Role:
        """The policy's role ``name``."""
        return self._roles.get(name)

    def known(self, login: str, name: RoleName) -> bool | None:
        """Whether ``login`` holds role ``name``, from what is known without a request."""
        role = self._roles.get(name)
        if role.lists(login):
            return True
        undecided = False
        key = login.casefold()
        if role.permission is not None:
            perm = self._permissions.get(key)
            if perm is None:
                undecided = True
            elif PERMISSION_RANK[perm] >= PERMISSION_RANK[role.permission]:
                return True
        for org, slug in role.team_slugs():
            state = self._teams.get((org.casefold(), slug.casefold(), key))
            if state is None:
                undecided = True
            elif state == "active":
                return True
        return None if undecided else False

    def resolve(self, login: str, name: RoleName) -> bool:
        """Whether ``login`` holds role ``name``, looking up what is not known yet."""
        answer = self.known(login, name)
        if answer is not None:
            return answer
        role = self._roles.get(name)
        key = login.casefold()
        if role.permission is not None and key not in self._permissions:
            self._permissions[key] = self._directory.permission(Login(login))
            if self.known(login, name):
                return True
        for org, slug in role.team_slugs():
            team_key = (org.casefold(), slug.casefold(), key)
            if team_key not in self._teams:
                self._teams[team_key] = self._directory.team_membership(org, slug, Login(login))
                if self._teams[team_key] == "active":
                    return True
        return bool(self.known(login, name))

    def via(self, login: str, name: RoleName) -> str:
        """How ``login`` holds (or does not hold) role ``name``, for reports."""
        role = self._roles.get(name)
        if role.lists(login):
            return "listed in the policy"
        key = login.casefold()
        parts: list[str] = []
        perm = self._permissions.get(key)
        if role.permission is not None:
            if perm is None:
                parts.append("permission not looked up")
            elif PERMISSION_RANK[perm] >= PERMISSION_RANK[role.permission]:
                return f"permission {perm}"
            else:
                parts.append(f"permission {perm}, below {role.permission}")
        for org, slug in role.team_slugs():
            state = self._teams.get((org.casefold(), slug.casefold(), key))
            if state == "active":
                return f"active member of {org}/{slug}"
            if state == "pending":
                parts.append(f"{org}/{slug}: invitation pending (only active members count)")
            elif state == "absent":
                parts.append(f"not a member of {org}/{slug}")
            else:
                parts.append(f"{org}/{slug} not looked up")
        if not parts:
            return "not listed"
        return "not listed; " + "; ".join(parts)


def describe_role(role: Role) -> str:
    """Who may hold a role, in words: ``logins alice; teams acme/founders; permission write+``."""
    parts = []
    if role.logins:
        parts.append("logins " + ", ".join(role.logins))
    if role.teams:
        parts.append("teams " + ", ".join(role.teams))
    if role.permission is not None:
        parts.append(f"anyone with {role.permission} permission or more")
    return "; ".join(parts) if parts else "nobody"


def _kuhn(
    slots: Sequence[RoleName], people: Sequence[str], edge: Callable[[str, RoleName], bool]
) -> dict[int, int]:
    """A maximum matching of role slots to people (slot index → person index).

    Kuhn's augmenting paths: a slot takes a free eligible person, or takes one already placed
    who can move to another slot. Deterministic: slots and people are tried in order.
    """
    slot_of: dict[int, int] = {}  # person -> slot
    person_of: dict[int, int] = {}  # slot -> person

    def place(s: int, seen: set[int]) -> bool:
        for p, login in enumerate(people):
            if p in seen or not edge(login, slots[s]):
                continue
            seen.add(p)
            if p not in slot_of or place(slot_of[p], seen):
                slot_of[p] = s
                person_of[s] = p
                return True
        return False

    for s in range(len(slots)):
        place(s, set())
    return person_of


def assign_roles(
    slots: Sequence[RoleName], people: Sequence[str], eligibility: Eligibility
) -> dict[int, int]:
    """Fill as many role slots as possible with distinct people, looking up only what helps.

    Matching first uses what the policy already says (listed logins, no request). While a slot
    is unfilled, the one unknown (person, role) pair most likely to fill it is looked up — an
    unplaced person for an unfilled role first — and the matching is redone; it stops as soon
    as every slot is filled, so people whose roles are already decided are never looked up.
    """
    roles = list(dict.fromkeys(slots))
    # Roles given by name are placed before roles anyone with a permission holds: the
    # matching is maximum either way, but when a slot must stay empty it is then the broad
    # one (code review), not the founder a founder approved as.
    order = sorted(
        range(len(slots)), key=lambda s: (eligibility.role(slots[s]).permission is not None, s)
    )
    ordered = [slots[s] for s in order]
    while True:
        found = _kuhn(ordered, people, lambda p, r: eligibility.known(p, r) is True)
        match = {order[s]: p for s, p in found.items()}
        if len(match) == len(slots):
            return match
        unknown = [(p, r) for p in people for r in roles if eligibility.known(p, r) is None]
        if not unknown:
            return match
        placed = {people[i] for i in match.values()}
        unfilled = {slots[s] for s in range(len(slots)) if s not in match}
        key = _priority(people, placed, unfilled, eligibility)
        eligibility.resolve(*min(unknown, key=key))


def _priority(
    people: Sequence[str], placed: set[str], unfilled: set[RoleName], eligibility: Eligibility
) -> Callable[[tuple[str, RoleName]], tuple[int, bool, int, int]]:
    """Which unknown (person, role) to look up first, to fill the slots in the fewest requests.

    An unplaced person for an unfilled role first; a role given by name or team before one
    that a permission gives (the scarce role decides the matching); the latest approver
    first (sign-offs tend to come after the discussion).
    """

    def key(pair: tuple[str, RoleName]) -> tuple[int, bool, int, int]:
        p, r = pair
        rank = (0 if r in unfilled else 2) + (1 if p in placed else 0)
        broad = eligibility.role(r).permission is not None
        return rank, broad, -people.index(p), ROLE_NAMES.index(r)

    return key


# -- the evaluation ---------------------------------------------------------------------------


def _date(r: Review) -> str | None:
    return r.submitted_at.date().isoformat() if r.submitted_at is not None else None


def _short(sha: str | None) -> str:
    return sha[:7] if sha else "?"


def _at(login: str) -> str:
    return f"@{login}"


def decide(findings: Sequence[Finding]) -> Decision:
    """REJECTED on an ``SGN002`` error, HOLD on any other error, else APPROVED."""
    if any(f.rule == "SGN002" and f.level == "error" for f in findings):
        return "REJECTED"
    if any(f.level == "error" for f in findings):
        return "HOLD"
    return "APPROVED"


def evaluate_signoff(inputs: SignoffInputs, directory: Directory) -> Report:
    """The sign-off report of one pull request (see the module docstring for the rules)."""
    pr, policy = inputs.pr, inputs.policy
    cls = inputs.classification or classify(pr, inputs.files, policy)
    findings: list[Finding] = list(_context_findings(inputs))
    findings += cls.findings
    eligibility = Eligibility(policy, directory)
    required = list(cls.required)
    roles = list(dict.fromkeys(required))

    reviewers: list[dict[str, Any]] = []
    counted: list[Review] = []
    blockers: list[Review] = []
    for r in latest_decisions(inputs.reviews):
        status = _status(r, pr)
        entry: dict[str, Any] = {
            "login": r.user,
            "state": r.state,
            "commit_id": r.commit_id,
            "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
            "status": status,
        }
        reviewers.append(entry)
        if status == "counted":
            counted.append(r)
        elif status == "changes-requested":
            blockers.append(r)
        findings += _review_findings(r, status, pr)

    # Rejections first: a person holding a required role who requested changes blocks, and
    # finding out whether they hold one is never skipped (a failed lookup raises: exit 3).
    rejected: list[dict[str, Any]] = []
    for r in blockers:
        held = next((role for role in roles if eligibility.resolve(r.user, role)), None)
        if held is None:
            findings.append(
                finding(
                    "SGN008",
                    "warning",
                    f"{_at(r.user)} requested changes on {_date(r) or 'an unknown date'} but"
                    f" holds none of the required roles ({', '.join(roles)}): it does not block",
                    hint="read the review anyway; a role holder's request for changes would"
                    " reject the release",
                )
            )
            continue
        rejected.append({"login": r.user, "role": held, "date": _date(r)})
        findings.append(
            finding(
                "SGN002",
                "error",
                f"{_at(r.user)} ({held}) requested changes on {_date(r) or 'an unknown date'}:"
                " rejected until they approve the head commit or the review is dismissed",
                hint=f"address {_at(r.user)}'s review and ask them to approve again",
            )
        )

    people: list[str] = [r.user for r in counted]
    match = assign_roles(required, people, eligibility)
    by_login: dict[str, Review] = {r.user: r for r in counted}
    assignments: list[dict[str, Any]] = []
    missing: list[RoleName] = []
    for s, role in enumerate(required):
        if s in match:
            login = people[match[s]]
            assignments.append(
                {
                    "role": role,
                    "login": login,
                    "date": _date(by_login[login]),
                    "via": eligibility.via(login, role),
                }
            )
        else:
            assignments.append({"role": role, "login": None, "date": None, "via": None})
            missing.append(role)
    assigned_role: dict[str, RoleName] = {people[p]: required[s] for s, p in match.items()}
    findings += _missing_findings(missing, people, assigned_role, eligibility, pr)
    for entry in reviewers:
        login = entry["login"]
        if entry["status"] in ("counted", "changes-requested"):
            entry["roles"] = {role: eligibility.known(login, role) for role in roles}
            entry["via"] = {role: eligibility.via(login, role) for role in roles}
        entry["assigned"] = assigned_role.get(login)
    for login in people:
        if login in assigned_role:
            continue
        holds = [eligibility.known(login, role) for role in roles]
        if all(h is False for h in holds):
            why = "; ".join(f"{role}: {eligibility.via(login, role)}" for role in roles)
            findings.append(
                finding(
                    "SGN005",
                    "notice",
                    f"{_at(login)} approved but holds none of the required roles ({why})",
                )
            )
    if not missing:
        who = ", ".join(f"{a['role']} {_at(a['login'])}" for a in assignments)
        findings.append(finding("SGN017", "notice", f"signed off: {who}"))

    for report in inputs.evidence.reports:
        findings += report.findings
    findings += inputs.evidence.findings

    decision = decide(findings)
    pending = _pending(findings, missing)
    reasons = [
        f"changes requested by {_at(x['login'])} ({x['role']}) on {x['date'] or '?'}"
        for x in rejected
    ]
    checklist = _checklist(inputs, cls, assignments, decision, pending, reasons)
    data: dict[str, Any] = {
        "pull_request": {
            "number": pr.number,
            "title": pr.title,
            "author": pr.author,
            "head_sha": pr.head_sha,
            "head_ref": pr.head_ref,
            "base_ref": pr.base_ref,
            "base_sha": pr.base_sha,
        },
        "policy": {
            "path": POLICY_PATH,
            "ref": pr.base_sha,
            "found": inputs.policy_found,
            "source": policy.source,
        },
        "release_type": cls.release_type,
        "rollout": cls.rollout,
        "types": list(cls.types),
        "matches": [{"type": m.type, "source": m.source, "detail": m.detail} for m in cls.matches],
        "required_roles": required,
        "role_holders": {role: describe_role(policy.roles.get(role)) for role in roles},
        "hotfix": cls.hotfix,
        "hotfix_criteria": list(cls.criteria),
        "governance_files": list(cls.governance_files),
        "evidence_files": list(cls.evidence_files),
        "reviewers": reviewers,
        "assignments": assignments,
        "missing_roles": missing,
        "rejected_by": rejected,
        "decision": decision,
        "pending": pending,
        "reasons": reasons,
        "evidence": {r.tool: r.verdict for r in inputs.evidence.reports},
        "lookups": eligibility.lookups,
        "checklist": checklist,
    }
    subject = f"PR #{pr.number}, {cls.release_type} release: {decision}"
    return Report(TOOL, subject, tuple(findings), data)


def _context_findings(inputs: SignoffInputs) -> list[Finding]:
    pr = inputs.pr
    out: list[Finding] = []
    if not inputs.policy_found:
        out.append(
            finding(
                "SGN011",
                "notice",
                f"no release policy at the base commit {_short(pr.base_sha)}: the runbook's"
                " defaults apply (code review by anyone with write permission; audit, risk and"
                " founder roles name nobody)",
                hint=f"add {POLICY_PATH} on {pr.base_ref} naming your auditors, risk reviewers"
                " and founders (docs/policy.md)",
            )
        )
    if inputs.default_branch and pr.base_ref != inputs.default_branch:
        out.append(
            finding(
                "SGN014",
                "warning",
                f"the pull request targets {pr.base_ref}, not {inputs.default_branch}: the"
                f" policy of {pr.base_ref} applies",
                hint="if the base is changed later, this result no longer holds: run the gate on"
                " `pull_request` types [opened, synchronize, reopened, edited] so a retarget"
                " re-runs it (docs/signoff.md)",
            )
        )
    if pr.merged or pr.state == "closed" or pr.draft:
        what = "merged" if pr.merged else ("closed" if pr.state == "closed" else "a draft")
        out.append(finding("SGN016", "notice", f"the pull request is {what}"))
    return out


def _review_findings(r: Review, status: ReviewerStatus, pr: PullRequest) -> list[Finding]:
    if status == "author" and r.state == "APPROVED":
        return [
            finding(
                "SGN004",
                "notice",
                f"{_at(r.user)} is the author: their own approval never counts",
            )
        ]
    if status == "bot":
        what = "approval" if r.state == "APPROVED" else "review"
        return [finding("SGN004", "notice", f"{_at(r.user)} is a bot: its {what} never counts")]
    if status == "stale":
        return [
            finding(
                "SGN003",
                "warning",
                f"{_at(r.user)} approved {_short(r.commit_id)}, not the head"
                f" {_short(pr.head_sha)}: the approval is stale",
                hint=f"{_at(r.user)} must review the new commits and approve again",
            )
        ]
    return []


def _missing_findings(
    missing: Sequence[RoleName],
    people: Sequence[str],
    assigned_role: Mapping[str, RoleName],
    eligibility: Eligibility,
    pr: PullRequest,
) -> list[Finding]:
    out: list[Finding] = []
    for role in dict.fromkeys(missing):
        n = sum(1 for m in missing if m == role)
        policy_role = eligibility.role(role)
        if policy_role.names_nobody():
            out.append(
                finding(
                    "SGN006",
                    "error",
                    f"the {role} role names nobody in the base commit's policy, so this"
                    " release can never be signed off",
                    hint=f"name the people or teams under roles.{role} in {POLICY_PATH} on"
                    f" {pr.base_ref} (docs/policy.md)",
                )
            )
            continue
        elsewhere = [
            f"{_at(p)} holds it but signs off as {assigned_role[p]}"
            for p in people
            if p in assigned_role and eligibility.known(p, role) is True
        ]
        note = f" ({'; '.join(elsewhere)}: one person, one role)" if elsewhere else ""
        count = f"{n} more approvals" if n > 1 else "an approval"
        out.append(
            finding(
                "SGN001",
                "error",
                f"{role}: {count} of the head commit {_short(pr.head_sha)} from someone"
                f" holding the role is missing{note}",
                hint=f"ask someone holding {role} ({describe_role(policy_role)}) to approve;"
                " the author never counts",
            )
        )
    return out


def _pending(findings: Sequence[Finding], missing: Sequence[RoleName]) -> list[str]:
    """What a HOLD waits for, by role and by evidence, in the checklist's words."""
    out = [f"{ROLE_TITLES[r].lower()} approval" for r in dict.fromkeys(missing)]
    if any(f.rule == "SGN007" and f.level == "error" for f in findings):
        out.append("a declared hotfix criterion")
    if any(f.rule == "SGN015" and f.level == "error" for f in findings):
        out.append("evidence checked out at the head commit")
    evidence: dict[str, int] = {}
    for f in findings:
        if f.level == "error" and not f.rule.startswith("SGN"):
            evidence[f.rule] = evidence.get(f.rule, 0) + 1
    if evidence:
        listed = ", ".join(f"{rule} ×{n}" if n > 1 else rule for rule, n in evidence.items())
        out.append(f"evidence ({listed})")
    return out


# -- the checklist --------------------------------------------------------------------------


def _checklist(
    inputs: SignoffInputs,
    cls: Classification,
    assignments: Sequence[Mapping[str, Any]],
    decision: Decision,
    pending: Sequence[str],
    reasons: Sequence[str],
) -> dict[str, Any]:
    th = inputs.policy.thresholds
    audit = inputs.evidence.report("verify-audit")
    changelog = inputs.evidence.report("check-changelog")
    audit_units = {
        str(u.get("name", "")).casefold(): u
        for u in (audit.data.get("strategies") or [] if audit is not None else [])
        if isinstance(u, Mapping)
    }
    units = []
    for u in inputs.evidence.units:
        d = audit_units.get(u.name.casefold(), {})
        verdict = d.get("verdict")
        age = d.get("audit_age_days")
        units.append(
            {
                "name": u.name,
                "kind": u.kind,
                "version": u.version,
                "report_path": u.report_path,
                "report_exists": u.report_exists,
                "audit_id": d.get("audit_id"),
                "verdict": verdict,
                "verdict_ok": verdict in PASSING,
                "audit_date": d.get("audit_date"),
                "audit_age_days": age,
                "age_ok": isinstance(age, int) and 0 <= age <= th.audit_max_age_days,
                "paper_path": u.paper_path,
                "paper_period": u.paper_period,
                "paper_trades": u.paper_trades,
                "trades_ok": u.paper_trades is not None and u.paper_trades >= th.paper_min_trades,
                "headline": None
                if u.headline is None
                else {
                    "name": u.headline.name,
                    "paper": u.headline.paper,
                    "backtest": u.headline.backtest,
                    "divergence": u.headline.divergence,
                },
                "max_divergence": None
                if u.max_divergence is None
                else percent_text(u.max_divergence, 1),
                "divergence_ok": u.max_divergence is not None
                and u.max_divergence <= th.divergence_fraction,
            }
        )
    bias_data = audit.data.get("bias_tests") if audit is not None else None
    bias: dict[str, Any] = {"given": isinstance(bias_data, Mapping), "ok": False, "text": ""}
    if isinstance(bias_data, Mapping):
        ran = int(bias_data.get("passed", 0)) + int(bias_data.get("failures", 0))
        ran += int(bias_data.get("errors", 0))
        failed = int(bias_data.get("failures", 0)) + int(bias_data.get("errors", 0))
        bias["ok"] = ran > 0 and failed == 0
        bias["text"] = (
            f"{'PASS' if bias['ok'] else 'FAIL'} ({bias_data.get('passed', 0)} passed,"
            f" {failed} failed, {bias_data.get('skipped', 0)} skipped"
            + (f"; {inputs.evidence.bias_source}" if inputs.evidence.bias_source else "")
            + ")"
        )
    version = None
    for source in (audit, changelog):
        if source is not None and isinstance(source.data.get("version"), str):
            version = source.data["version"]
            break
    return {
        "version": version,
        "audited": cls.audited,
        "units": units,
        "bias": bias,
        "limits": {
            "audit_max_age_days": th.audit_max_age_days,
            "paper_min_trades": th.paper_min_trades,
            "paper_max_divergence": percent_text(th.divergence_fraction, 0),
        },
        "approvals": [dict(a) for a in assignments],
        "decision": decision,
        "pending": list(pending),
        "reasons": list(reasons),
    }


def _box(ok: bool) -> str:
    return "- [x]" if ok else "- [ ]"


def render_details(report: Report) -> str:
    """The runbook's "Release Audit Sign-Off" checklist, every box ticked from evidence only."""
    d: Mapping[str, Any] = report.data
    c = d.get("checklist")
    pr = d.get("pull_request")
    if not isinstance(c, Mapping) or not isinstance(pr, Mapping):
        return ""
    e = md_escape
    version = c.get("version")
    title = f"v{e(str(version))}" if version else f"PR #{pr.get('number')}"
    policy = d.get("policy") or {}
    where = "at the base commit" if policy.get("found") else "absent at the base commit: defaults"
    lines = [
        f"#### Release Audit Sign-Off: {title}",
        "",
        f"PR #{pr.get('number')} {e(str(pr.get('title', '')))} by {e(_at(str(pr.get('author'))))}"
        f" · {e(str(d.get('release_type')))} release, rollout {e(str(d.get('rollout')))}"
        f" · head `{_short(pr.get('head_sha'))}` · policy `{POLICY_PATH}` {where}"
        f" `{_short(policy.get('ref'))}`",
        "",
    ]
    limits = c.get("limits") or {}
    units = c.get("units") or []
    if not c.get("audited") and not units:
        lines += [
            f"##### Strategy: none — a {e(str(d.get('release_type')))} release needs no audit",
            "",
        ]
    elif not units:
        lines += ["##### Strategy: no strategy or model source changed", ""]
    for u in units:
        kind = "Model" if u.get("kind") == "model" else "Strategy"
        ver = f" v{e(str(u['version']))}" if u.get("version") else ""
        verdict = e(str(u.get("verdict") or "unknown"))
        audit_id = f" ({e(str(u['audit_id']))})" if u.get("audit_id") else ""
        age = u.get("audit_age_days")
        within = (
            f"{'Yes' if u.get('age_ok') else 'No'} ({age} days at the release date)"
            if isinstance(age, int)
            else "unknown"
        )
        report_state = "" if u.get("report_exists") else " (missing)"
        lines += [
            f"##### {kind}: {e(str(u.get('name')))}{ver}",
            f"{_box(bool(u.get('report_exists')))} Audit report:"
            f" {e(str(u.get('report_path')))}{report_state}",
            f"{_box(bool(u.get('verdict_ok')))} Verdict: {verdict}{audit_id}",
            f"{_box(u.get('audit_date') is not None)} Audit date:"
            f" {e(str(u.get('audit_date') or 'unknown'))}",
            f"{_box(bool(u.get('age_ok')))} Within {limits.get('audit_max_age_days')} days:"
            f" {within}",
            "",
        ]
    if c.get("audited") or units:
        bias = c.get("bias") or {}
        bias_text = (
            e(str(bias.get("text")))
            if bias.get("given")
            else "not checked (no anti-bias JUnit XML was given: --bias-junit)"
        )
        lines += ["##### Validation", f"{_box(bool(bias.get('ok')))} Anti-bias tests: {bias_text}"]
        for u in units:
            name = f" ({e(str(u.get('name')))})" if len(units) > 1 else ""
            trades = u.get("paper_trades")
            period = e(str(u.get("paper_period") or "period unknown"))
            trades_text = f"{trades} trades" if trades is not None else "trades unknown"
            lines.append(
                f"{_box(bool(u.get('trades_ok')))} Paper trading{name}: {period}, {trades_text}"
                f" (at least {limits.get('paper_min_trades')})"
            )
            h = u.get("headline")
            head = (
                f"{e(str(h['name']))} {e(str(h['paper']))} vs {e(str(h['backtest']))}"
                f" ({e(str(h['divergence']))} divergence); "
                if isinstance(h, Mapping)
                else ""
            )
            worst = u.get("max_divergence")
            worst_text = f"largest divergence {e(str(worst))}" if worst else "divergence unknown"
            lines.append(
                f"{_box(bool(u.get('divergence_ok')))} Paper vs backtest{name}: {head}"
                f"{worst_text} (at most {e(str(limits.get('paper_max_divergence')))})"
            )
        lines.append("")
    lines.append("##### Approvals")
    for a in c.get("approvals") or []:
        role = a.get("role")
        title_text = next((t for r, t in ROLE_TITLES.items() if r == role), str(role))
        if a.get("login"):
            lines.append(
                f"- [x] {title_text}: {e(_at(str(a['login'])))} Date: {e(str(a.get('date')))}"
            )
        else:
            lines.append(f"- [ ] {title_text}: _missing_")
    decision = c.get("decision")
    pending = "; ".join(str(p) for p in c.get("pending") or []) or "—"
    reasons = "; ".join(str(r) for r in c.get("reasons") or []) or "—"
    lines += [
        "",
        "##### Release Decision",
        f"{_box(decision == 'APPROVED')} APPROVED for production",
        f"{_box(decision == 'HOLD')} HOLD pending: {e(pending) if decision == 'HOLD' else '—'}",
        f"{_box(decision == 'REJECTED')} REJECTED reason:"
        f" {e(reasons) if decision == 'REJECTED' else '—'}",
    ]
    return "\n".join(lines)


def render_explain(report: Report) -> str:
    """``--explain``: the required roles, who fills which and how, and what is missing (text)."""
    d: Mapping[str, Any] = report.data
    pr = d.get("pull_request")
    if not isinstance(pr, Mapping):
        return "signoff-gate: no decision to explain (the gate stopped before deciding)\n"
    lines = [f"signoff-gate: PR #{pr.get('number')} — {d.get('decision')}"]
    policy = d.get("policy") or {}
    found = "read" if policy.get("found") else "absent: runbook defaults"
    lines.append(f"policy: {POLICY_PATH} at base {_short(policy.get('ref'))} ({found})")
    lines.append(f"release type: {d.get('release_type')} (rollout {d.get('rollout')})")
    for m in d.get("matches") or []:
        lines.append(f"  {m.get('type')}: {m.get('source')} {m.get('detail')}")
    if d.get("hotfix"):
        criteria = ", ".join(d.get("hotfix_criteria") or []) or "none declared"
        lines.append(f"  hotfix criteria: {criteria}")
    lines.append(f"required roles: {', '.join(d.get('required_roles') or [])}")
    for role, who in (d.get("role_holders") or {}).items():
        lines.append(f"  {role}: {who}")
    lines.append("reviewers (latest decisive review):")
    reviewers = d.get("reviewers") or []
    if not reviewers:
        lines.append("  none")
    for r in reviewers:
        what = {
            "counted": "counts",
            "stale": f"stale: on {_short(r.get('commit_id'))}, not the head",
            "author": "the author: never counts",
            "bot": "a bot: never counts",
            "dismissed": "dismissed: no decision",
            "changes-requested": "requested changes",
            "ignored": "ignored",
        }.get(str(r.get("status")), str(r.get("status")))
        lines.append(f"  @{r.get('login')}: {r.get('state')} — {what}")
        via = r.get("via") or {}
        for role, held in (r.get("roles") or {}).items():
            if held is None:
                lines.append(f"      {role}: not looked up (the roles were filled without it)")
            else:
                mark = "holds" if held else "does not hold"
                lines.append(f"      {role}: {mark} ({via.get(role)})")
        if r.get("assigned"):
            lines.append(f"      → signs off as {r['assigned']}")
    lines.append("roles:")
    for a in d.get("assignments") or []:
        if a.get("login"):
            lines.append(f"  {a['role']}: @{a['login']} ({a.get('via')}, {a.get('date')})")
        else:
            lines.append(f"  {a['role']}: MISSING")
    for x in d.get("rejected_by") or []:
        lines.append(f"rejected by @{x['login']} ({x['role']}) on {x.get('date')}")
    evidence = d.get("evidence") or {}
    shown = ", ".join(f"{k} {str(v).upper()}" for k, v in evidence.items()) or "none run"
    lines.append(f"evidence: {shown}")
    lookups = d.get("lookups") or {}
    lines.append(
        f"lookups: {lookups.get('permission', 0)} permission, {lookups.get('team', 0)} team"
        + (
            f"; {d['requests']} {'fixture reads' if d.get('fixture') else 'GitHub requests'}"
            if isinstance(d.get("requests"), int)
            else ""
        )
    )
    pending = "; ".join(d.get("pending") or [])
    reasons = "; ".join(d.get("reasons") or [])
    tail = {"HOLD": f" pending: {pending}", "REJECTED": f" reason: {reasons}"}
    lines.append(f"decision: {d.get('decision')}{tail.get(str(d.get('decision')), '')}")
    return "\n".join(lines) + "\n"
