"""The sign-off decision of a release pull request (runbook Phase 2, Audit Sign-Off Checklist).

Pure: the pull request's facts, its reviews, the default branch's policy and the evidence
gates' reports in, a ``Report`` out; who holds which role is asked of a ``Directory`` (the
GitHub port's ``permission`` and ``team_membership``), lazily and at most once per person and
team, so the core itself never touches the network. The decision is one of:

* **APPROVED** — every required role is filled by a different person whose latest decisive
  review approved the head commit, and the evidence gates found no error (exit 0);
* **HOLD** — something is missing: a role, a hotfix criterion, a piece of evidence (exit 1);
* **REJECTED** — someone holding a required role requested changes and has neither approved
  since nor had the review dismissed (exit 1).

The rules, each a defence against a named threat (reference/github-facts.md):

* logins compare ASCII case-insensitively; a login with any other character never matches a
  role, an author or another reviewer (``policy.login_key``: ``ſam`` is not ``sam``);
* nobody who authored, committed or pushed a commit of the pull request fills a role for it,
  unless the role allows contributors (``allow_contributors``; policy-bot's anchor), and the
  report says who was excluded and why (SGN018);
* each reviewer's latest *decisive* review counts (APPROVED, CHANGES_REQUESTED, DISMISSED, by
  ``submitted_at`` then id); COMMENTED and PENDING never replace a decision;
* an approval counts only on the head SHA (threat 8); the author and bots never count
  (threats 9, 23);
* one person fills at most one role (threat 9): roles are assigned by a maximum bipartite
  matching, so a person who could fill two roles is placed where nobody else can;
* a team counts only with an *active* membership, and a lookup that fails is an error, never
  "not a member" (threat 10) — the ``Directory`` raises ``InfraError`` and the gate exits 3.

The verdict is derived from the findings: REJECTED is an ``SGN002`` error, HOLD any other
error. Who may fill which role, and the matching, are in ``roles``; the runbook's "Release
Audit Sign-Off" checklist (``render_details``, every box ticked from evidence only, and
``render_explain``, ``--explain``'s text) in ``checklist``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from releasekit.core.github_facts import (
    ChangedFile,
    PullRequest,
    Review,
)
from releasekit.core.report import Finding, Report, finding
from releasekit.core.signoff.checklist import (
    ROLE_TITLES,
    Decision,
    Evidence,
    PaperMetric,
    UnitEvidence,
    at_login,
    build_checklist,
    render_details,
    render_explain,
    short_sha,
)
from releasekit.core.signoff.policy import (
    POLICY_PATH,
    Policy,
    RoleName,
    login_key,
    same_login,
)
from releasekit.core.signoff.release_types import Classification, classify
from releasekit.core.signoff.roles import (
    Contributor,
    Directory,
    Eligibility,
    assign_roles,
    describe_role,
)

TOOL = "signoff-gate"
CHECK_NAME = "releasekit/signoff"

ReviewerStatus = Literal[
    "counted", "stale", "author", "bot", "changes-requested", "dismissed", "ignored"
]
DECISIVE: frozenset[str] = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})
_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class SignoffInputs:
    """Everything the decision depends on, already read.

    ``policy`` is the policy the decision is made under: the default branch's at the time of
    the decision (``policy_ref`` says where it was read; ``policy_found`` False: no file
    there, the runbook's defaults). ``default_branch`` is the repository's, when known.
    ``classification`` is computed from the facts when not given. ``contributors`` are the
    people who authored, committed or pushed the pull request's commits (None: not known,
    which holds the decision). ``expected_files`` is GitHub's count of changed files, to
    compare with ``files`` (read from ``files_source``).
    """

    pr: PullRequest
    files: tuple[ChangedFile, ...]
    reviews: tuple[Review, ...]
    policy: Policy
    policy_found: bool
    default_branch: str | None = None
    evidence: Evidence = field(default_factory=Evidence)
    classification: Classification | None = None
    policy_ref: str | None = None
    contributors: tuple[Contributor, ...] | None = ()
    expected_files: int | None = None
    files_source: str = "GitHub's list of the pull request's files"


# -- reviews ----------------------------------------------------------------------------------


def is_bot(login: str, flagged: bool) -> bool:
    """A bot never counts: GitHub's ``type: Bot``, or a ``name[bot]`` login (threat 23)."""
    return flagged or login.casefold().endswith("[bot]")


def latest_decisions(reviews: Sequence[Review]) -> list[Review]:
    """Each reviewer's latest decisive review, ordered by ``submitted_at`` then id.

    COMMENTED and PENDING reviews do not replace a decision (a comment after an approval
    leaves the approval standing). Reviewers are told apart ASCII case-insensitively, as
    GitHub tells logins apart; a non-ASCII login is kept apart from every other one.
    """
    latest: dict[str, Review] = {}
    ordered = sorted(
        (r for r in reviews if r.state in DECISIVE),
        key=lambda r: (r.submitted_at or _EPOCH, r.id),
    )
    for r in ordered:
        latest[login_key(r.user) or f"\0{r.user}"] = r
    return sorted(latest.values(), key=lambda r: (r.submitted_at or _EPOCH, r.id))


def _status(r: Review, pr: PullRequest) -> ReviewerStatus:
    if same_login(r.user, pr.author) or r.user == pr.author:
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


# -- the evaluation ---------------------------------------------------------------------------


def _date(r: Review) -> str | None:
    return r.submitted_at.date().isoformat() if r.submitted_at is not None else None


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
    eligibility = Eligibility(policy, directory, inputs.contributors or ())
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
                    f"{at_login(r.user)} requested changes on {_date(r) or 'an unknown date'} but"
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
                f"{at_login(r.user)} ({held}) requested changes on {_date(r) or 'an unknown date'}:"
                " rejected until they approve the head commit or the review is dismissed",
                hint=f"address {at_login(r.user)}'s review and ask them to approve again",
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
    excluded = _excluded(people, assigned_role, roles, eligibility)
    for x in excluded:
        findings.append(
            finding(
                "SGN018",
                "warning",
                f"{at_login(x['login'])} approved, but contributed to this pull request"
                f" ({'; '.join(x['why'])}): a contributor cannot sign off"
                f" {', '.join(x['roles'])} for it",
                hint="ask someone who did not author, commit or push its commits; a role may"
                " allow contributors with `allow_contributors: true` (docs/policy.md)",
            )
        )
    for login in people:
        if login in assigned_role or any(x["login"] == login for x in excluded):
            continue
        holds = [eligibility.known(login, role) for role in roles]
        if all(h is False for h in holds):
            why = "; ".join(f"{role}: {eligibility.via(login, role)}" for role in roles)
            findings.append(
                finding(
                    "SGN005",
                    "notice",
                    f"{at_login(login)} approved but holds none of the required roles ({why})",
                )
            )
    if not missing:
        who = ", ".join(f"{a['role']} {at_login(a['login'])}" for a in assignments)
        findings.append(finding("SGN017", "notice", f"signed off: {who}"))

    for report in inputs.evidence.reports:
        findings += report.findings
    findings += inputs.evidence.findings

    # No APPROVED next to an unchecked required item: every box the checklist needs ticked and
    # could not tick is an error before the decision is derived.
    draft = build_checklist(
        inputs.policy.thresholds, inputs.evidence, cls, assignments, "HOLD", [], []
    )
    findings += _unchecked_findings(draft, cls)
    decision = decide(findings)
    pending = _pending(findings, missing)
    reasons = [
        f"changes requested by {at_login(x['login'])} ({x['role']}) on {x['date'] or '?'}"
        for x in rejected
    ]
    checklist = build_checklist(
        inputs.policy.thresholds, inputs.evidence, cls, assignments, decision, pending, reasons
    )
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
            "ref": inputs.policy_ref or pr.base_sha,
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
        "excluded": excluded,
        "contributors": None
        if inputs.contributors is None
        else [{"login": c.login, "why": list(c.why)} for c in inputs.contributors],
        "changed_files": {
            "seen": len(inputs.files),
            "expected": inputs.expected_files,
            "source": inputs.files_source,
        },
        "checklist": checklist,
    }
    subject = f"PR #{pr.number}, {cls.release_type} release: {decision}"
    return Report(TOOL, subject, tuple(findings), data)


def _excluded(
    people: Sequence[str],
    assigned_role: Mapping[str, RoleName],
    roles: Sequence[RoleName],
    eligibility: Eligibility,
) -> list[dict[str, Any]]:
    """Approvers left out of a role because they contributed commits, and which roles."""
    out: list[dict[str, Any]] = []
    for login in people:
        who = eligibility.contributor(login)
        if who is None or login in assigned_role:
            continue
        barred = [r for r in roles if not eligibility.may_fill(login, r)]
        if barred:
            out.append({"login": login, "why": list(who.why), "roles": barred})
    return out


def _context_findings(inputs: SignoffInputs) -> list[Finding]:
    pr = inputs.pr
    out: list[Finding] = []
    where = inputs.policy_ref or pr.base_sha
    branch = inputs.default_branch or pr.base_ref
    if not inputs.policy_found:
        out.append(
            finding(
                "SGN011",
                "notice",
                f"no release policy on {short_sha(where) if where == pr.base_sha else where}: the"
                " runbook's defaults apply (code review by anyone with write permission; audit,"
                " risk and founder roles name nobody)",
                hint=f"add {POLICY_PATH} on {branch} naming your auditors, risk reviewers"
                " and founders (docs/policy.md)",
            )
        )
    if inputs.default_branch and pr.base_ref != inputs.default_branch:
        out.append(
            finding(
                "SGN014",
                "notice",
                f"the pull request targets {pr.base_ref}, not {inputs.default_branch}: it is"
                f" judged by the policy of {inputs.default_branch}, as every pull request is",
                hint="a retarget re-runs the gate when it runs on `pull_request` types [opened,"
                " synchronize, reopened, edited] (docs/signoff.md)",
            )
        )
    if inputs.contributors is None:
        out.append(
            finding(
                "SGN018",
                "error",
                "the pull request's commits could not all be listed, so releasekit cannot tell"
                " who contributed to it (and may not sign it off)",
                hint="GitHub lists at most 250 commits of a pull request: split it, or squash"
                " its history",
            )
        )
    seen = len(inputs.files)
    if inputs.expected_files is not None and inputs.expected_files != seen:
        out.append(
            finding(
                "SGN019",
                "error",
                f"GitHub counts {inputs.expected_files} changed files, but {seen} were read"
                f" from {inputs.files_source}: the release type cannot be decided on a partial"
                " list",
                hint="GitHub lists at most 3,000 files of a pull request: check the pull request"
                " out with its base (`fetch-depth: 0`) so releasekit reads every changed path"
                " from git, or split the pull request",
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
                f"{at_login(r.user)} is the author: their own approval never counts",
            )
        ]
    if status == "bot":
        what = "approval" if r.state == "APPROVED" else "review"
        return [
            finding("SGN004", "notice", f"{at_login(r.user)} is a bot: its {what} never counts")
        ]
    if status == "stale":
        return [
            finding(
                "SGN003",
                "warning",
                f"{at_login(r.user)} approved {short_sha(r.commit_id)}, not the head"
                f" {short_sha(pr.head_sha)}: the approval is stale",
                hint=f"{at_login(r.user)} must review the new commits and approve again",
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
                    f"the {role} role names nobody in the policy, so this release can never"
                    " be signed off",
                    hint=f"name the people or teams under roles.{role} in {POLICY_PATH} on"
                    " the default branch (docs/policy.md)",
                )
            )
            continue
        elsewhere = [
            f"{at_login(p)} holds it but signs off as {assigned_role[p]}"
            for p in people
            if p in assigned_role and eligibility.known(p, role) is True
        ]
        note = f" ({'; '.join(elsewhere)}: one person, one role)" if elsewhere else ""
        count = f"{n} more approvals" if n > 1 else "an approval"
        out.append(
            finding(
                "SGN001",
                "error",
                f"{role}: {count} of the head commit {short_sha(pr.head_sha)} from someone"
                f" holding the role is missing{note}",
                hint=f"ask someone holding {role} ({describe_role(policy_role)}) to approve;"
                " the author never counts",
            )
        )
    return out


def _unchecked_findings(checklist: Mapping[str, Any], cls: Classification) -> list[Finding]:
    """SGN021: a required checklist item that the evidence does not tick (anti-bias results
    first among them); the evidence gates' own errors say why, this says what is unticked."""
    if not checklist.get("required"):
        return []
    out: list[Finding] = []
    bias = checklist.get("bias") or {}
    if not bias.get("ok"):
        given = bias.get("given")
        out.append(
            finding(
                "SGN021",
                "error",
                f"a {cls.release_type} release needs passing anti-bias test results, and"
                + (f" they did not pass ({bias.get('text')})" if given else " none were given"),
                hint="run the anti-bias tests in the workflow (the runbook's `pytest"
                " tests/test_bias.py --junitxml=bias.xml`) and pass --bias-junit bias.xml",
            )
        )
    for u in checklist.get("units") or []:
        unticked = [
            label
            for key, label in (
                ("report_exists", "audit report"),
                ("verdict_ok", "passing verdict"),
                ("age_ok", "audit age"),
                ("trades_ok", "paper trades"),
                ("divergence_ok", "paper divergence"),
            )
            if not u.get(key)
        ]
        if unticked:
            out.append(
                finding(
                    "SGN021",
                    "error",
                    f"{u.get('name')}: the sign-off checklist cannot tick {', '.join(unticked)}",
                    hint="verify-audit's findings say what is missing; a release is approved"
                    " only with every required item ticked",
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
    if any(f.rule == "SGN019" and f.level == "error" for f in findings):
        out.append("every changed file")
    if any(f.rule == "SGN018" and f.level == "error" for f in findings):
        out.append("the list of the pull request's commits")
    # SGN021 on a unit's items restates evidence errors (listed below); on the anti-bias
    # results it may be the only thing missing.
    if any(
        f.rule == "SGN021" and f.level == "error" and "anti-bias" in f.message for f in findings
    ):
        out.append("anti-bias test results")
    evidence: dict[str, int] = {}
    for f in findings:
        if f.level == "error" and not f.rule.startswith("SGN"):
            evidence[f.rule] = evidence.get(f.rule, 0) + 1
    if evidence:
        listed = ", ".join(f"{rule} ×{n}" if n > 1 else rule for rule, n in evidence.items())
        out.append(f"evidence ({listed})")
    return out


__all__ = [
    "CHECK_NAME",
    "ROLE_TITLES",
    "TOOL",
    "Contributor",
    "Decision",
    "Directory",
    "Eligibility",
    "Evidence",
    "PaperMetric",
    "SignoffInputs",
    "UnitEvidence",
    "assign_roles",
    "decide",
    "describe_role",
    "evaluate_signoff",
    "is_bot",
    "latest_decisions",
    "render_details",
    "render_explain",
]
