"""The sign-off decision of a pull request: the step that signoff-gate and evidence both take.

``signoff-gate`` decides a pull request while it is open; ``evidence`` recomputes the same
decision for the pull request a tag was merged from. Both go through here, so the rules cannot
drift apart:

1. **the pull request** (``read_pull``): its facts, **every** changed path — from ``git diff
   base...head`` in the checkout when it has both commits, else GitHub's list (at most 3,000
   entries) whose length is compared with GitHub's ``changed_files`` count — its reviews, and
   who contributed its commits (authors, committers, the pusher of the event);
2. **the policy** the decision is made under: the default branch's tip at the time of the
   decision (``policy_on_branch``, the PR gate: a pull request into any branch is judged by
   it, and a pull request opened before the default branch tightened its policy gets the
   tightened one) or the merge commit's first parent (``policy_at_commit``, evidence: the
   policy the merge was made under);
3. **the release type** (``classify_pull``): labels, branch, changed paths and the modules
   governed Python files import (``core.signoff.imports``, from the head commit's code); a
   release PR's changed paths include everything changed since the previous release tag;
4. **the decision** (``decide``): ``core.signoff.decision`` over all of it and the evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from releasekit.adapters.github.interface import GitHubPort
from releasekit.core.github_facts import ChangedFile, PullCommit, PullRequest, Review
from releasekit.core.report import Report
from releasekit.core.signoff.decision import (
    Contributor,
    Evidence,
    SignoffInputs,
    evaluate_signoff,
)
from releasekit.core.signoff.imports import governed_imports
from releasekit.core.signoff.policy import POLICY_PATH, Policy, default_policy, parse_policy
from releasekit.core.signoff.release_types import (
    Classification,
    classify,
    governed_entries,
    touched_paths,
)
from releasekit.errors import InfraError
from releasekit.workspace.audit import load_policy_at_ref
from releasekit.workspace.git_tree import changed_files_from_git, python_sources, shipped_files
from releasekit.workspace.release_files import VERSION_NAME

FULL_SHA_LENGTH = 40
# GitHub's own account for commits made in the web UI and for merges: not a person.
GITHUB_COMMITTER = "web-flow"
GITHUB_FILES_SOURCE = "GitHub's list of the pull request's files"
# Branches that make a pull request a release PR: a name may only add checks (the release's
# full evidence), never remove one (the [Unreleased] entry is waived by content, version.yaml).
RELEASE_BRANCH_PREFIXES = ("release/", "hotfix/")


@dataclass(frozen=True)
class PullFacts:
    """What GitHub (and the checkout) say about one pull request."""

    pr: PullRequest
    files: tuple[ChangedFile, ...]
    files_source: str
    reviews: tuple[Review, ...]
    contributors: tuple[Contributor, ...] | None


@dataclass(frozen=True)
class PolicyRead:
    """The policy a decision is made under, and where it was read (a branch or a commit)."""

    policy: Policy
    found: bool
    ref: str


def _sha(value: str, what: str) -> str:
    if len(value) != FULL_SHA_LENGTH or any(c not in "0123456789abcdef" for c in value):
        raise InfraError(f"GitHub sent the {what} {value!r}, not a commit SHA")
    return value


def contributors_of(
    pr: PullRequest, commits: Sequence[PullCommit], pusher: str | None = None
) -> tuple[Contributor, ...] | None:
    """Who authored, committed or pushed the pull request's commits, and how.

    None when GitHub listed fewer commits than the pull request has (it lists at most 250):
    who contributed is then unknown, and the decision holds rather than guess.
    """
    if pr.commits is not None and len(commits) < pr.commits:
        return None
    ways: dict[str, list[str]] = {}
    for c in commits:
        for login, verb in ((c.author, "authored"), (c.committer, "committed")):
            if login is None or login == GITHUB_COMMITTER:
                continue
            ways.setdefault(login, []).append(f"{verb} {c.sha[:7]}")
    if pusher:
        ways.setdefault(pusher, []).append("pushed to the pull request")
    return tuple(Contributor(login, tuple(why)) for login, why in ways.items())


def read_pull(
    port: GitHubPort,
    number: int,
    repo: Path | None,
    *,
    pusher: str | None = None,
    on_head: Callable[[str], None] | None = None,
) -> PullFacts:
    """The pull request, every changed path, its reviews and its contributors.

    ``repo`` is a checkout that may hold the base and head commits (None: use GitHub's list);
    ``on_head`` is told the head SHA as soon as it is known.
    """
    pr = port.pull_request(number)
    _sha(pr.head_sha, "head SHA")
    if on_head is not None:
        on_head(pr.head_sha)
    files = changed_files_from_git(repo, pr.base_sha, pr.head_sha) if repo is not None else None
    source = f"git diff {pr.base_sha[:7]}...{pr.head_sha[:7]}"
    if files is None:
        files, source = port.changed_files(number), GITHUB_FILES_SOURCE
    reviews = tuple(port.reviews(number))
    contributors = contributors_of(pr, port.pull_commits(number), pusher)
    return PullFacts(pr, tuple(files), source, reviews, contributors)


def policy_on_branch(port: GitHubPort, branch: str) -> PolicyRead:
    """The policy at the tip of ``branch`` (the default branch) as GitHub has it now."""
    text = port.file_at(POLICY_PATH, branch)
    if text is None:
        return PolicyRead(default_policy(), False, branch)
    return PolicyRead(parse_policy(text, shown_as=f"{POLICY_PATH} (on {branch})"), True, branch)


def policy_at_commit(repo: Path, commit: str) -> PolicyRead:
    """The policy of ``commit`` in the checkout (evidence: the merge commit's first parent)."""
    policy, notices = load_policy_at_ref(repo, commit)
    return PolicyRead(policy, not notices, commit)


def classify_pull(
    repo: Path | None, pull: PullFacts, policy: Policy, *, code_commit: str
) -> Classification:
    """The release type, with the modules governed Python files import (from ``code_commit``).

    Imports are followed only when the pull request changes a Python file, read from the
    commit's objects when the checkout has them, else from the checked-out files.
    """
    files = pull.files
    if repo is not None and _moves_a_release(pull):
        # A release PR is judged by what the release ships, not only by its own diff.
        shipped = shipped_files(repo, pull.pr.head_sha) or []
        files = tuple({f.path: f for f in (*shipped, *pull.files)}.values())
    paths = touched_paths(files)
    if repo is None or not any(p.endswith(".py") for p in paths):
        return classify(pull.pr, files, policy)
    sources, _ = python_sources(repo, code_commit)
    entries = governed_entries(policy, sources)
    return classify(pull.pr, files, policy, governed_imports(sources, entries))


def _moves_a_release(pull: PullFacts) -> bool:
    return pull.pr.head_ref.startswith(RELEASE_BRANCH_PREFIXES) or VERSION_NAME in touched_paths(
        pull.files
    )


def is_release_pr(pull: PullFacts, cls: Classification) -> bool:
    """A release PR: it changes version.yaml, comes from release/*, or is a hotfix."""
    return cls.hotfix or _moves_a_release(pull)


def decide(
    pull: PullFacts,
    read: PolicyRead,
    cls: Classification,
    evidence: Evidence,
    *,
    default_branch: str | None,
    directory: GitHubPort,
) -> Report:
    """The sign-off report (``core.signoff.decision``) of the pull request under ``read``."""
    return evaluate_signoff(
        SignoffInputs(
            pr=pull.pr,
            files=pull.files,
            reviews=pull.reviews,
            policy=read.policy,
            policy_found=read.found,
            default_branch=default_branch,
            evidence=evidence,
            classification=cls,
            policy_ref=read.ref,
            contributors=pull.contributors,
            expected_files=None
            if pull.files_source != GITHUB_FILES_SOURCE
            else pull.pr.changed_files,
            files_source=pull.files_source,
        ),
        directory,
    )
