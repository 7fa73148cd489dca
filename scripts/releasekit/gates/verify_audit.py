"""The verify-audit gate: audit evidence for strategy and model releases (rules AUD0xx).

Runbook step: Phase 1 step 5 ("Verify audit status") and the tag-push pipeline's
``audit_check`` job. Which strategies: the named ones, those whose files changed since a git
ref (all of them when the audit log or the policy changed), or all. Which policy: the
checkout's, or the one of a commit (``policy_ref``: in a pull request, the base commit, so a
pull request cannot loosen its own audit thresholds). docs/verify-audit.md has the details.

Files are read only through ``releasekit.workspace``; the rules are ``core.audit.rules``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from releasekit.core.audit.formats import valid_name
from releasekit.core.audit.nothing import nothing_to_audit
from releasekit.core.audit.rules import AuditInputs, ReleaseInfo, UnitInput, evaluate_audit
from releasekit.core.report import Finding, Report, finding
from releasekit.core.signoff.policy import POLICY_PATH, Policy
from releasekit.core.versioning.versions import Version
from releasekit.errors import InputError
from releasekit.workspace.audit import (
    Discovery,
    LogRead,
    Source,
    absent,
    changed_since,
    current_branch,
    load_audit_log,
    load_bias_results,
    load_policy_at_ref,
    load_unit,
    paper_rel,
    release_info,
    report_rel,
    scan,
    version_at,
)
from releasekit.workspace.policy import load_policy
from releasekit.workspace.release_files import shown


@dataclass(frozen=True)
class VerifyAuditRequest:
    """What to check: the repository, which strategies, which release, which evidence.

    ``strategies`` (names) and ``changed_since`` (a git ref) are exclusive; neither means all.
    ``today`` is the latest calendar date anywhere on Earth (a release date after it is an
    error); ``policy_ref`` reads the policy from that commit instead of the checkout.
    ``head_ref`` is the pull request's branch (in Actions ``GITHUB_HEAD_REF``; else the
    checked-out branch): ``release/*`` and ``hotfix/*`` check everything even on a change.
    """

    repo: Path
    today: dt.date
    strategies: tuple[str, ...] | None = None
    changed_since: str | None = None
    version: str | None = None
    release_date: str | None = None
    bias_junit: Path | None = None
    policy_ref: str | None = None
    head_ref: str | None = None


def verify_audit(request: VerifyAuditRequest) -> Report:
    """Read the selected strategies' evidence and evaluate every AUD rule on it.

    Raises ``InputError``/``InfraError`` when the inputs are unusable (the entry point turns
    them into the report, exit 2 or 3).
    """
    repo = request.repo
    if not repo.is_dir():
        raise InputError(
            f"repository directory {repo} not found", hint="pass --repo DIR (default: .)"
        )
    if request.policy_ref is None:
        policy, notices = load_policy(repo)
    else:
        policy, notices = load_policy_at_ref(repo, request.policy_ref)
    release = release_info(repo, request.version, request.release_date)
    # git reads in this order: an unknown ref is reported by the diff, before anything else.
    changed = None if request.changed_since is None else changed_since(repo, request.changed_since)
    kind = _pull_request(request, release.version)
    found = scan(repo, policy)
    sources, bad_names = _invalid_stems(list(found.sources))
    selected, selection_findings, selection = _select(
        request, policy, sources, changed, cuts_release=kind == "release"
    )
    if request.strategies is None:
        selection_findings = bad_names + selection_findings
    units = tuple(load_unit(repo, policy, s) for s in selected)
    log = load_audit_log(repo, policy)
    extra: list[Finding] = list(notices) + selection_findings
    if not found.sources and request.strategies is None and changed is None:
        extra.append(nothing_to_audit(policy, log.log))
    if release.date > request.today:
        extra.append(
            finding(
                "AUD009",
                "error",
                f"the release date {release.date} is in the future",
                file=release.date_file,
                line=release.date_line,
                hint="date the release the day it ships (check-changelog: VER008)",
            )
        )
    release_pr = kind != "change"
    if not release_pr:
        extra.append(_change_pr_notice(request, release.version))
        release = dataclasses.replace(release, version=None, version_source="next release")
    return evaluate_units(
        repo,
        policy,
        release,
        units,
        log=log,
        found=found,
        bias_junit=request.bias_junit,
        selection=selection,
        findings=extra,
        release_pr=release_pr,
    )


def evaluate_units(
    repo: Path,
    policy: Policy,
    release: ReleaseInfo,
    units: Sequence[UnitInput],
    *,
    log: LogRead,
    found: Discovery,
    bias_junit: Path | None,
    selection: str,
    findings: Sequence[Finding],
    release_pr: bool,
) -> Report:
    """Every AUD rule on read units, with the anti-bias results read here.

    The last step of verify-audit, and of a pull request's audit evidence (signoff-gate and
    evidence run verify-audit's rules in-process through it).
    """
    bias = None if bias_junit is None else load_bias_results(bias_junit)
    inputs = AuditInputs(
        policy=policy,
        release=release,
        units=tuple(units),
        log=log.log,
        log_shown=log.shown,
        bias=bias,
        selection=selection,
        findings=tuple(findings),
        symlinks=found.symlinks,
        log_symlink=log.symlink,
        release_pr=release_pr,
    )
    return evaluate_audit(inputs, subject=f"{shown(repo)}: {selection}")


# Branch names may only add checks: these always get the whole release evidence.
RELEASE_BRANCHES = ("release/", "hotfix/")


def _pull_request(request: VerifyAuditRequest, version: Version | None) -> str:
    """What a ``--changed-since`` run checks: ``release``, ``change`` or ``strict``.

    ``release``: version.yaml's version differs from the one at the base, so the pull request
    cuts a release and everything that ships is checked. ``change``: the version is the same,
    the branch is not ``release/*`` or ``hotfix/*`` and no ``--version`` names a release: the
    next release is not known, so its evidence is reported as notices. ``strict``: anything
    else (a release branch, ``--version``, no version at all, or no ``--changed-since``): the
    changed strategies, with every rule an error. Branch names only ever add checks.
    """
    since = request.changed_since
    if since is None or request.version is not None or version is None:
        return "strict"
    if version_at(request.repo, since) != version:
        return "release"
    branch = request.head_ref or current_branch(request.repo)
    if branch is not None and branch.startswith(RELEASE_BRANCHES):
        return "strict"
    return "change"


def _change_pr_notice(request: VerifyAuditRequest, version: Version | None) -> Finding:
    """AUD022: why this run reports release evidence as notices, and what would change it."""
    return finding(
        "AUD022",
        "notice",
        f"a change, not a release: version.yaml's version {version} is the same as at"
        f" {request.changed_since}, so the next release is not known yet; what its audit"
        " evidence will need is reported as notices, not checked against a release",
        hint="the release pull request (the one that changes version.yaml's version, e.g. after"
        " `releasekit bump-version`) needs all of it; a release/* or hotfix/* branch, or"
        " --version, checks everything now",
    )


def _invalid_stems(sources: list[Source]) -> tuple[list[Source], list[Finding]]:
    good: list[Source] = []
    out: list[Finding] = []
    for s in sources:
        if valid_name(s.stem):
            good.append(s)
        else:
            out.append(
                finding(
                    "AUD015",
                    "error",
                    f"{s.rel}: the file name {s.stem!r} is not a strategy name, so its evidence"
                    " cannot be found",
                    file=shown(s.path),
                    hint="name the file after the strategy, lower-cased (letters, digits, _)",
                )
            )
    return good, out


def _select(
    request: VerifyAuditRequest,
    policy: Policy,
    sources: list[Source],
    changed: set[str] | None,
    *,
    cuts_release: bool,
) -> tuple[list[Source], list[Finding], str]:
    """The sources to check, the selection's findings (AUD015/AUD019), and its description.

    ``cuts_release``: a ``--changed-since`` pull request that changes version.yaml's version
    ships every strategy and model, changed or not, so all of them are checked.
    """
    names = request.strategies
    since = request.changed_since
    findings: list[Finding] = []
    paths = policy.paths
    by_stem: dict[str, list[Source]] = {}
    for s in sources:
        by_stem.setdefault(s.stem.casefold(), []).append(s)

    def unique(group: list[Source]) -> Source | None:
        """The group's one source, or None and an AUD015 error when there are several."""
        if len(group) == 1:
            return group[0]
        findings.append(
            finding(
                "AUD015",
                "error",
                f"{group[0].stem.upper()} is defined by {len(group)} files: "
                + ", ".join(s.rel for s in group),
                file=shown(group[1].path),
                hint="keep one source file per strategy or model (its audit evidence is per name)",
            )
        )
        return None

    if names:
        chosen: list[Source] = []
        for name in names:
            if not valid_name(name):
                raise InputError(
                    f"--strategy {name!r} is not a strategy name",
                    hint="use the name from the source header: a letter, then letters, digits"
                    " and _ (e.g. ICT_QM)",
                )
            group = by_stem.get(name.casefold(), [])
            if not group:
                findings.append(
                    finding(
                        "AUD015",
                        "error",
                        f"no strategy or model named {name}: no {name.lower()}.pine under"
                        f" {paths.strategies}/ and no {name.lower()}.py under {paths.models}/",
                        hint="check the name (the file name, upper-cased) and the policy's paths",
                    )
                )
                continue
            one = unique(group)
            if one is not None and one not in chosen:
                chosen.append(one)
        return chosen, findings, ", ".join(names)

    everything: list[Source] = []
    for group in by_stem.values():
        one = unique(group)
        if one is not None:
            everything.append(one)
    if since is None or changed is None:
        # No strategy or model at all is decided with the audit log in hand (nothing_to_audit).
        return everything, findings, "all strategies and models"

    description = f"changed since {since}"
    if cuts_release:
        findings.append(
            finding(
                "AUD019",
                "notice",
                f"version.yaml's version changed since {since}: a release pull request ships"
                " every strategy and model, so every one is checked",
            )
        )
        return everything, findings, description
    shared = {paths.audit_log, POLICY_PATH} & changed
    if shared:
        findings.append(
            finding(
                "AUD019",
                "notice",
                f"{', '.join(sorted(shared))} changed since {since}: every strategy and model is"
                " checked",
            )
        )
        return everything, findings, description
    chosen = [
        s for s in everything if {s.rel, report_rel(policy, s), paper_rel(policy, s)} & changed
    ]
    if not chosen:
        findings.append(
            finding(
                "AUD019",
                "notice",
                f"no strategy, model or audit evidence changed since {since}: nothing to check",
            )
        )
    known = {s.rel for s in sources}
    governed = {
        rel
        for rel in changed
        if rel.startswith((paths.strategies + "/", paths.models + "/"))
        and rel.endswith((".pine", ".py"))
        and rel not in known
    }
    for rel in sorted(absent(request.repo, governed)):
        findings.append(
            finding("AUD019", "notice", f"{rel} was deleted since {since}; not checked")
        )
    return chosen, findings, description
