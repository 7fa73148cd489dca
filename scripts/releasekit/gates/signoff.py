"""The signoff-gate use case: decide an open pull request's sign-off (rules SGN0xx).

Runbook: Phase 2 "Review & Approval" and the "Audit Sign-Off Checklist". The pull request,
every changed path, its reviews and contributors, and the policy of the **default branch's
tip** are read (``signoff_decision``); check-changelog and the audit evidence run on the
checkout, which must be the head commit or GitHub's merge of it (SGN015); the decision is
``core.signoff.decision``'s. In a merge queue (``merge_group_head``) the checkout must be the
merge group's head commit, the merged result the queue tests (squash, rebase or merge alike),
and the result belongs on that commit; the pull request's reviews are read as they are now, so
a pull request that lost its approval after it was queued holds the group. A strategy or
model *release* PR (it changes version.yaml, comes from ``release/*``, or is a hotfix) needs
every item of the checklist, passing anti-bias results among them (``--bias-junit``); a
change PR lists what its release will need.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from releasekit.adapters.github.interface import GitHubPort
from releasekit.core.report import Finding, Report, finding
from releasekit.core.signoff.decision import Evidence
from releasekit.core.signoff.release_types import Classification, touched_paths
from releasekit.errors import InputError
from releasekit.gates.audit_evidence import AuditEvidenceRequest, audit_evidence
from releasekit.gates.check_changelog import ChangelogRequest, check_changelog
from releasekit.gates.signoff_decision import (
    PolicyRead,
    PullFacts,
    classify_pull,
    decide,
    is_release_pr,
    policy_on_branch,
    read_pull,
)
from releasekit.workspace.git_tree import checked_out
from releasekit.workspace.release_files import VERSION_NAME, shown

_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class SignoffRequest:
    """One sign-off decision, as plain values.

    ``default_branch`` is the repository's (its policy decides every pull request);
    ``replay`` is an offline replay from a fixture (the checkout is not tied to the head);
    ``pusher`` the login that pushed the event's commits, when the event says;
    ``merge_group_head`` the merge group's head SHA when deciding for a merge queue, and
    ``queued_head`` the pull request's head the group was made from (its head ref names it).
    """

    repo: Path
    pr_number: int
    default_branch: str
    as_of: dt.date
    replay: bool = False
    bias_junit: Path | None = None
    release_date: str | None = None
    require_unreleased: bool = False
    pusher: str | None = None
    merge_group_head: str | None = None
    queued_head: str | None = None


def run_signoff(
    request: SignoffRequest, port: GitHubPort, *, on_head: Callable[[str], None] | None = None
) -> Report:
    """Read the pull request and the default branch's policy, gather evidence, decide.

    ``on_head`` learns the commit the result belongs on (the head SHA, or the merge group's
    head) as soon as it is known, so that a failure later on can still be published there.
    """
    repo = request.repo
    if not repo.is_dir():
        raise InputError(
            f"repository directory {repo} not found", hint="pass --repo DIR (default: .)"
        )
    group_head = request.merge_group_head
    for option, sha in (("--merge-group-head", group_head), ("--queued-head", request.queued_head)):
        if sha is not None and not _SHA.fullmatch(sha):
            raise InputError(
                f"{option} {sha!r} is not a commit SHA (40 hex digits)",
                hint="pass the merge_group event's head_sha and the SHA its head_ref ends with",
            )
    if group_head is not None and on_head is not None:
        on_head(group_head)  # the result belongs on the commit the queue tests
    pull = read_pull(
        port,
        request.pr_number,
        None if request.replay else repo,
        pusher=request.pusher,
        on_head=on_head if group_head is None else None,
    )
    read = policy_on_branch(port, request.default_branch)
    cls = classify_pull(repo, pull, read.policy, code_commit=pull.pr.head_sha)
    evidence = gather_evidence(request, pull, read, cls)
    report = decide(
        pull, read, cls, evidence, default_branch=request.default_branch, directory=port
    )
    if group_head is not None:
        report = report.with_data(merge_group_head=group_head)
    return report.with_data(requests=port.request_count, fixture=request.replay)


def gather_evidence(
    request: SignoffRequest, pull: PullFacts, read: PolicyRead, cls: Classification
) -> Evidence:
    """The workspace check, check-changelog and (when it applies) the audit evidence."""
    pr = pull.pr
    findings = (
        [
            finding(
                "SGN015",
                "notice",
                f"replayed from a fixture: the files in {shown(request.repo)} are taken as the"
                f" head {pr.head_sha[:7]} without checking",
            )
        ]
        if request.replay
        else workspace_findings(request.repo, pr.head_sha, request.merge_group_head)
    )
    if request.queued_head is not None and request.queued_head != pr.head_sha:
        findings.append(
            finding(
                "SGN015",
                "error",
                f"the merge group was made from {request.queued_head[:7]}, but the pull"
                f" request's head is now {pr.head_sha[:7]}: its reviews are of another commit",
                hint="requeue the pull request once it is approved at its new head",
            )
        )
    release_pr = is_release_pr(pull, cls)
    # A PR that changes version.yaml has moved [Unreleased] into its release section (the
    # pr-gate's changelog job compares the versions, REL008); a branch name never waives it.
    require = request.require_unreleased or VERSION_NAME not in touched_paths(pull.files)
    changelog = check_changelog(
        ChangelogRequest(repo=request.repo, as_of=request.as_of, require_unreleased=require)
    )
    audit, units = audit_evidence(
        AuditEvidenceRequest(
            repo=request.repo,
            release_type=cls.release_type,
            audited=cls.audited,
            changed=frozenset(touched_paths(pull.files)),
            release_date=request.release_date,
            bias_junit=request.bias_junit,
            # A change PR's missing audit evidence is what its release will need (AUD022).
            release_pr=release_pr,
        ),
        read.policy,
    )
    reports = (changelog,) if audit is None else (changelog, audit)
    bias = shown(request.bias_junit) if request.bias_junit is not None else None
    return Evidence(reports, units, tuple(findings), bias, release_pr)


def workspace_findings(
    repo: Path, head_sha: str, merge_group_head: str | None = None
) -> list[Finding]:
    """SGN015: the evidence is read from the pull request's head (or GitHub's merge of it).

    ``actions/checkout`` on a pull request checks out ``refs/pull/N/merge``, a merge commit
    whose second parent is the head; a plain checkout of the head is the head itself. In a
    merge queue the checkout must be the merge group's head, and nothing else: a squash or
    rebase group's head has the pull request's changes but not its head as a parent.
    """
    where = checked_out(repo)
    if where is None:
        return [
            finding(
                "SGN015",
                "error",
                f"{shown(repo)} is not a git checkout, so its evidence cannot be tied to the"
                f" head commit {head_sha[:7]}",
                hint="check out the pull request (actions/checkout; locally `gh pr checkout N`),"
                " or replay the decision offline with --fixture",
            )
        ]
    if where.prefix:
        raise InputError(
            f"--repo {shown(repo)} is a sub-directory of its git checkout: the pull request's"
            " paths and the policy's are relative to the repository root",
            hint="pass --repo <the checkout's root> (repo-path: . in the workflow)",
        )
    if where.commit is None:
        return [
            finding(
                "SGN015",
                "error",
                f"{shown(repo)} has no commit checked out",
                hint="check out the pull request's head",
            )
        ]
    if merge_group_head is not None:
        if where.commit == merge_group_head:
            return []
        return [
            finding(
                "SGN015",
                "error",
                f"the checkout is at {where.commit[:7]}, not the merge group's head"
                f" {merge_group_head[:7]}: the evidence would be another commit's",
                hint="check out the merge group's head (actions/checkout on the merge_group"
                " event does), or rerun the job",
            )
        ]
    if where.commit == head_sha or (len(where.parents) == 2 and where.parents[1] == head_sha):
        return []
    return [
        finding(
            "SGN015",
            "error",
            f"the checkout is at {where.commit[:7]}, which is neither the pull request's head"
            f" {head_sha[:7]} nor GitHub's merge of it: the evidence would be another commit's",
            hint="rerun the job (the pull request moved while it ran), or check out the head"
            " (`gh pr checkout N`)",
        )
    ]
