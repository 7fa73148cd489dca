"""What kind of release a pull request is, and which roles must sign it off (SGN rules).

Runbook: "Release Types" (who approves what, how it rolls out) and "Emergency Release
(Hotfix)". Pure: the pull request's facts and the base branch's policy in, a
``Classification`` out. Used by the sign-off gate (``core.signoff``).

How the type is decided (docs/signoff.md, "Release type"):

1. **labels** ``release:strategy``, ``release:model``, ``release:config``, ``release:bugfix``;
2. a **``hotfix/*`` branch** makes a hotfix — and only that: a label cannot (see below);
3. **changed paths** (new and, for renames, old paths) against each type's globs;
4. **imports**: a changed Python module that a governed Python file (a model, say) imports,
   directly or transitively, makes the pull request that file's type (``core.signoff.imports``
   computes the chains from the head commit's code; SGN020 shows them).

Every source adds candidates; none removes one. The most demanding candidate (``TYPE_ORDER``:
strategy, model, hotfix, config, bugfix) names the release and its rollout, and the approvals
of *every* candidate are required, role by role the largest count — a strategy change that
also touches ``config/**`` needs the risk reviewer too. Labels can be set by anyone with
triage permission and changed after reviewers approved, so a label can only ever add
requirements: that is why a hotfix, the one type whose requirements are not a superset of
another's, comes only from the branch name, which is fixed when the pull request is opened
and seen by everyone who approves it.

A hotfix must declare one of the runbook's four criteria with a label ``hotfix:<criterion>``.
Changes to the policy file, the workflows or CODEOWNERS need the founder; changes to audit
evidence (audit reports, the audit log, paper reports) need an auditor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from releasekit.core.github_facts import ChangedFile, PullRequest
from releasekit.core.globs import glob_regex
from releasekit.core.report import Finding, finding
from releasekit.core.signoff.imports import ImportChain
from releasekit.core.signoff.policy import (
    POLICY_PATH,
    ROLE_NAMES,
    TYPE_ORDER,
    Policy,
    RoleName,
    Rollout,
    TypeName,
)

HOTFIX_BRANCH_PREFIX = "hotfix/"
TYPE_LABEL_PREFIX = "release:"
CRITERION_LABEL_PREFIX = "hotfix:"
# The runbook's "Hotfix Criteria", each declared by the label hotfix:<key>.
HOTFIX_CRITERIA: dict[str, str] = {
    "money-at-risk": "Active money at risk",
    "security": "Critical security vulnerability",
    "system-failure": "Complete system failure",
    "regulatory": "Regulatory requirement",
}
# Types a `release:<type>` label may add (hotfix only comes from the branch name).
LABEL_TYPES: tuple[TypeName, ...] = ("strategy", "model", "config", "bugfix")
_LABEL_TYPE: dict[str, TypeName] = {t: t for t in LABEL_TYPES}
PATH_TYPES: tuple[TypeName, ...] = ("strategy", "model", "config")
# Files that decide how every later change is gated: the policy itself (the gate reads the
# base branch's copy, so a pull request cannot loosen its own gate, but it can loosen the
# next one's), the workflows that run the gates, and who must review them.
GOVERNANCE_GLOBS: tuple[str, ...] = (
    POLICY_PATH,
    ".github/workflows/**",
    ".github/actions/**",
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
)
_SHOWN_PATHS = 3


@dataclass(frozen=True)
class TypeMatch:
    """One reason a pull request is of a type: a label, the branch, or changed paths."""

    type: TypeName
    source: str  # "label", "branch", "paths", "imports", "fallback"
    detail: str  # the label, the branch, or the first matching paths


@dataclass(frozen=True)
class Classification:
    """The release type of a pull request and the sign-off it needs."""

    release_type: TypeName
    rollout: Rollout
    matches: tuple[TypeMatch, ...]
    required: tuple[RoleName, ...]
    hotfix: bool
    criteria: tuple[str, ...]
    governance_files: tuple[str, ...]
    evidence_files: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def types(self) -> tuple[TypeName, ...]:
        """Every matched type, most demanding first."""
        seen = {m.type for m in self.matches}
        return tuple(t for t in TYPE_ORDER if t in seen)

    @property
    def audited(self) -> bool:
        """A strategy or model release: its audit evidence is checked (verify-audit)."""
        return self.release_type in ("strategy", "model")


def matches_any(path: str, globs: Iterable[str]) -> bool:
    """Whether ``path`` (repository-relative, POSIX) matches one of ``globs``."""
    return any(glob_regex(g).match(path) for g in globs)


def touched_paths(files: Sequence[ChangedFile]) -> list[str]:
    """Every path a pull request touches: new paths and, for renames, the old ones."""
    out: dict[str, None] = {}
    for f in files:
        out[f.path] = None
        if f.previous_path:
            out[f.previous_path] = None
    return list(out)


def governed_entries(policy: Policy, paths: Iterable[str]) -> dict[str, TypeName]:
    """The Python files among ``paths`` that a path-selected release type governs, and its type.

    Most demanding type first: a file both a strategy and a model glob match is a strategy.
    """
    out: dict[str, TypeName] = {}
    for t in PATH_TYPES:
        globs = policy.type_globs(t)
        for p in paths:
            if p.endswith(".py") and p not in out and matches_any(p, globs):
                out[p] = t
    return out


def is_hotfix_branch(head_ref: str) -> bool:
    """The runbook's "Create hotfix branch": ``hotfix/<name>``."""
    return head_ref.startswith(HOTFIX_BRANCH_PREFIX) and len(head_ref) > len(HOTFIX_BRANCH_PREFIX)


def _shown(paths: Sequence[str]) -> str:
    head = ", ".join(paths[:_SHOWN_PATHS])
    more = len(paths) - _SHOWN_PATHS
    return f"{head} (+{more} more)" if more > 0 else head


def _label_matches(labels: Sequence[str]) -> tuple[list[TypeMatch], list[str], list[Finding]]:
    """Types added by labels, the hotfix criteria declared, and findings about labels."""
    matches: list[TypeMatch] = []
    criteria: list[str] = []
    out: list[Finding] = []
    for label in labels:
        low = label.strip().casefold()
        if low.startswith(TYPE_LABEL_PREFIX):
            name = low.removeprefix(TYPE_LABEL_PREFIX)
            labelled = _LABEL_TYPE.get(name)
            if labelled is not None:
                matches.append(TypeMatch(labelled, "label", label))
            elif name == "hotfix":
                out.append(
                    finding(
                        "SGN012",
                        "warning",
                        f"label {label!r} is ignored: a hotfix is a pull request from a"
                        " hotfix/* branch",
                        hint='open the fix from a branch named hotfix/<name> (runbook: "Create'
                        ' hotfix branch from production tag"); labels can change after'
                        " approval, so they can add requirements but never swap them",
                    )
                )
            else:
                known = ", ".join(TYPE_LABEL_PREFIX + t for t in LABEL_TYPES)
                out.append(
                    finding(
                        "SGN012",
                        "warning",
                        f"label {label!r} names no release type; it is ignored",
                        hint=f"use one of {known}",
                    )
                )
        elif low.startswith(CRITERION_LABEL_PREFIX):
            key = low.removeprefix(CRITERION_LABEL_PREFIX)
            if key in HOTFIX_CRITERIA:
                if key not in criteria:
                    criteria.append(key)
            else:
                known = ", ".join(CRITERION_LABEL_PREFIX + k for k in HOTFIX_CRITERIA)
                out.append(
                    finding(
                        "SGN007",
                        "warning",
                        f"label {label!r} is not one of the runbook's hotfix criteria; it is"
                        " ignored",
                        hint=f"use one of {known}",
                    )
                )
    return matches, criteria, out


def _required(
    policy: Policy, types: Sequence[TypeName], extra: Sequence[Sequence[RoleName]]
) -> tuple[RoleName, ...]:
    """Each role as many times as the most demanding source needs it (a multiset union)."""
    counts: dict[RoleName, int] = {}
    sources = [policy.release_types.get(t).approvals for t in types] + [list(e) for e in extra]
    for approvals in sources:
        for role in ROLE_NAMES:
            counts[role] = max(counts.get(role, 0), sum(1 for a in approvals if a == role))
    return tuple(role for role in ROLE_NAMES for _ in range(counts.get(role, 0)))


def classify(
    pr: PullRequest,
    files: Sequence[ChangedFile],
    policy: Policy,
    imports: Mapping[str, ImportChain] | None = None,
) -> Classification:
    """The release type of ``pr`` under ``policy`` (the default branch's), and what it needs.

    ``imports`` maps Python files to the governed entry point that imports them (see
    ``core.signoff.imports``); a changed file among them adds the entry point's type.
    """
    findings: list[Finding] = []
    matches, criteria, label_findings = _label_matches(pr.labels)
    findings += label_findings
    hotfix = is_hotfix_branch(pr.head_ref)
    if hotfix:
        matches.append(TypeMatch("hotfix", "branch", pr.head_ref))
    paths = touched_paths(files)
    for t in PATH_TYPES:
        globs = policy.type_globs(t)
        hits = [p for p in paths if matches_any(p, globs)]
        if hits:
            matches.append(TypeMatch(t, "paths", _shown(hits)))
    chains = [imports[p] for p in paths if imports is not None and p in imports]
    for t in PATH_TYPES:
        mine = [c for c in chains if c.type == t]
        if mine:
            matches.append(TypeMatch(t, "imports", mine[0].describe()))
    for c in chains:
        findings.append(
            finding(
                "SGN020",
                "notice",
                f"{c.describe()}: this pull request changes what that {c.type} runs, so it is a"
                f" {c.type} release",
                file=c.chain[-1],
                hint=f"the {c.type} release's approvals and audit apply; to keep shared code out"
                " of a governed release, do not import it from a governed file",
            )
        )
    if not any(m.type != "bugfix" for m in matches):
        matches.append(TypeMatch("bugfix", "fallback", "no other type matched"))
    types = tuple(t for t in TYPE_ORDER if any(m.type == t for m in matches))
    release_type = types[0]
    rollout = policy.release_types.get(release_type).rollout

    extra: list[tuple[RoleName, ...]] = []
    governance = [p for p in paths if matches_any(p, GOVERNANCE_GLOBS)]
    if governance:
        extra.append(("founder",))
        findings.append(
            finding(
                "SGN009",
                "warning",
                f"this pull request changes how releases are gated: {_shown(governance)};"
                " the founder must approve it",
                file=governance[0] if len(governance) == 1 else None,
                hint="the gate always reads the policy of the base commit, so this change takes"
                " effect only after merging: review it as a change to the runbook itself",
            )
        )
    pp = policy.paths
    evidence_globs = (f"{pp.audits}/**", pp.audit_log, f"{pp.paper_reports}/**")
    evidence = [p for p in paths if matches_any(p, evidence_globs)]
    base_required = _required(policy, types, extra)
    if evidence and not {"audit", "model_audit"} & set(base_required):
        extra.append(("audit",))
        findings.append(
            finding(
                "SGN013",
                "notice",
                f"audit evidence changed ({_shown(evidence)}): an auditor (role audit) must"
                " approve",
                hint="audit reports, the audit log and paper reports are what audits stand on;"
                " only an auditor signs off a change to them",
            )
        )
    required = _required(policy, types, extra)

    if hotfix and not criteria:
        known = ", ".join(CRITERION_LABEL_PREFIX + k for k in HOTFIX_CRITERIA)
        findings.append(
            finding(
                "SGN007",
                "error",
                "hotfix without a declared hotfix criterion: only active money at risk, a"
                " critical security vulnerability, a complete system failure or a regulatory"
                " requirement qualify",
                hint=f"add the label that applies ({known}); if none does, close this and"
                " follow the standard release process (runbook: Hotfix Criteria)",
            )
        )
    elif hotfix:
        declared = "; ".join(HOTFIX_CRITERIA[c] for c in criteria)
        findings.append(finding("SGN007", "notice", f"hotfix criterion declared: {declared}"))
    elif criteria:
        findings.append(
            finding(
                "SGN007",
                "notice",
                "hotfix criterion labels are ignored: this is not a pull request from a"
                " hotfix/* branch",
            )
        )
    findings.append(_type_finding(release_type, rollout, matches, required, types))
    return Classification(
        release_type=release_type,
        rollout=rollout,
        matches=tuple(matches),
        required=required,
        hotfix=hotfix,
        criteria=tuple(criteria),
        governance_files=tuple(governance),
        evidence_files=tuple(evidence),
        findings=tuple(findings),
    )


def describe_match(m: TypeMatch) -> str:
    """``label release:strategy``, ``branch hotfix/x``, ``paths strategies/a.pine``."""
    if m.source == "fallback":
        return m.detail
    return f"{m.source} {m.detail}"


def _type_finding(
    release_type: TypeName,
    rollout: Rollout,
    matches: Sequence[TypeMatch],
    required: Sequence[RoleName],
    types: Sequence[TypeName],
) -> Finding:
    why = "; ".join(f"{m.type}: {describe_match(m)}" for m in matches)
    also = ""
    if len(types) > 1:
        also = f" (also {', '.join(types[1:])}: their approvals are required too)"
    if release_type in ("strategy", "model") and "hotfix" in types:
        also += (
            "; a hotfix cannot carry a strategy or model change past its audit (to stop"
            " trading at once, use the kill switch)"
        )
    return finding(
        "SGN010",
        "notice",
        f"{release_type} release, rollout {rollout}{also}; requires {', '.join(required)} — {why}",
    )
