"""The evidence use case: refuse a tag that did not come from a merged, signed-off PR (EVD0xx).

Runbook: Phase 3 "Tag release", before the GitHub Release is made, and the "Release Audit
Sign-Off" kept as a record. The tag's commit is resolved in the checkout; GitHub is asked which
pull request it is the merge commit of; that pull request's sign-off is **recomputed** through
the same step signoff-gate takes (``signoff_decision``), under the policy of the merge commit's
first parent (the policy the merge was made under), with check-changelog ``--tag`` and the
audit evidence run on the checked-out tag; hotfix debt is checked. Only when all of it passes
is the bundle (evidence.json and evidence.md, both or neither) written.

``verify_bundle`` instead compares a downloaded bundle (a GitHub Release's evidence.json,
evidence.md and release-notes.md) with what is recomputed now, byte for byte (sha256): EVD007
names each file that differs. The recomputation is taken at the bundle's own ``generated_at``
unless a time is given, so an unchanged release reproduces its bundle exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from releasekit import __version__
from releasekit.adapters.files import inside_repo
from releasekit.adapters.github.interface import GitHubPort
from releasekit.core.github_facts import CommitPull, Sha
from releasekit.core.report import Finding, Report, finding
from releasekit.core.rollout.hotfix import Postmortem, Tag, hotfix_debt, is_hotfix_tag
from releasekit.core.rollout.plan import RolloutPlan
from releasekit.core.signoff.decision import Evidence
from releasekit.core.signoff.evidence import (
    JSON_NAME,
    MARKDOWN_NAME,
    AuditFiles,
    EvidenceInputs,
    FileDigest,
    HotfixDebt,
    ReleaseTag,
    UnitFiles,
    bundle_json,
    choose_pull,
    evaluate_evidence,
    render_bundle_markdown,
)
from releasekit.core.signoff.policy import Policy
from releasekit.core.signoff.release_types import touched_paths
from releasekit.errors import InputError
from releasekit.gates.audit_evidence import AuditEvidenceRequest, audit_evidence
from releasekit.gates.check_changelog import ChangelogRequest, check_changelog
from releasekit.gates.signoff_decision import (
    classify_pull,
    decide,
    is_release_pr,
    policy_at_commit,
    read_pull,
)
from releasekit.workspace.git_tree import (
    blob_sha256,
    changed_tracked,
    commit_time,
    first_parent,
    head_commit,
    tag_commit,
)
from releasekit.workspace.ops import git_tags, load_plan, postmortem_files
from releasekit.workspace.release_files import CHANGELOG_NAME, load_changelog, shown, write_files

# At most this many locally changed files are named in EVD004's message.
_SHOWN_CHANGES = 5
# check-changelog's "not dated in the future" allows the date line's earliest zone.
EARLIEST_TZ = dt.timezone(dt.timedelta(hours=14))


class EvidencePort(GitHubPort, Protocol):
    """What evidence reads: the gates' ``GitHubPort`` plus the pull requests of a commit."""

    def commit_pulls(self, sha: Sha) -> list[CommitPull]:
        """The pull requests GitHub associates with a commit, all pages."""
        ...


@dataclass(frozen=True)
class EvidenceRequest:
    """One tag to decide, as plain values (``replay``: GitHub's answers come from a fixture)."""

    repo: Path
    tag: ReleaseTag
    now: dt.datetime
    out: Path | None = None
    bias_junit: Path | None = None
    replay: bool = False
    verify_bundle: Path | None = None


def run_evidence(
    request: EvidenceRequest, port: EvidencePort, default_branch: Callable[[], str]
) -> Report:
    """Decide whether the tag may be released, and write the bundle when it may.

    The tag and the checkout are checked before GitHub is asked anything (``default_branch``
    may be a request): a tag the checkout lacks makes no request at all.
    """
    repo, tag, now = request.repo, request.tag, request.now
    commit = tag_commit(repo, tag.name)
    workspace = workspace_findings(repo, tag, commit)
    branch = default_branch()
    pulls = tuple(port.commit_pulls(Sha(commit)))
    choice = choose_pull(pulls, tag, commit, branch)
    changelog = check_changelog(
        ChangelogRequest(repo=repo, as_of=now.astimezone(EARLIEST_TZ).date(), tag=tag.name)
    )
    inputs = EvidenceInputs(
        repository=port.repository,
        tag=tag,
        commit=commit,
        default_branch=branch,
        pulls=pulls,
        now=now,
        changelog=changelog,
        releasekit_version=__version__,
        workspace=tuple(workspace),
        notes=release_notes(repo, tag) if changelog.verdict == "pass" else None,
        source="fixture" if request.replay else "github",
    )
    if choice.pull is None:
        plan, _ = load_plan(repo, None)
        inputs = dataclasses.replace(inputs, debt=hotfix_debt_now(repo, tag, plan, now))
        return _finish(evaluate_evidence(inputs), request, port)
    pull = read_pull(port, choice.pull.number, repo)
    # The policy the merge was made under: the default branch just before the merge commit.
    read = policy_at_commit(repo, first_parent(repo, commit) or commit)
    cls = classify_pull(repo, pull, read.policy, code_commit=commit)
    # The audit evidence for what the pull request changed, on the checked-out tag: the tree
    # that ships (signoff-gate's own selection).
    audit, units = audit_evidence(
        AuditEvidenceRequest(
            repo=repo,
            release_type=cls.release_type,
            audited=cls.audited,
            changed=frozenset(touched_paths(pull.files)),
            bias_junit=request.bias_junit,
        ),
        read.policy,
    )
    reports = (changelog,) if audit is None else (changelog, audit)
    bias = shown(request.bias_junit) if request.bias_junit is not None else None
    evidence = Evidence(reports, units, (), bias, is_release_pr(pull, cls))
    signoff = decide(pull, read, cls, evidence, default_branch=branch, directory=port)
    inputs = dataclasses.replace(
        inputs,
        pull_request=pull.pr,
        merged_at=commit_time(repo, commit),
        signoff=signoff,
        audit=audit,
        reviews=pull.reviews,
        debt=hotfix_debt_now(repo, tag, read.policy.rollout, now),
        audit_files=audit_files(repo, commit, read.policy, evidence),
    )
    return _finish(evaluate_evidence(inputs), request, port)


def workspace_findings(repo: Path, tag: ReleaseTag, commit: str) -> list[Finding]:
    """EVD004: the files the gates read are the tag's: HEAD is its commit, nothing tracked changed.

    Untracked files are not looked at here (the release workflow checks releasekit itself out
    inside the workspace); a file the gates read that the commit lacks is caught by its digest.
    """
    head = head_commit(repo)
    if head != commit:
        return [
            finding(
                "EVD004",
                "error",
                f"the checkout is at {head[:7] if head else 'no commit'}, not {tag.name}'s commit"
                f" {commit[:7]}: the evidence would be another commit's",
                hint=f"check out the tag (actions/checkout with `ref: refs/tags/{tag.name}`)",
            )
        ]
    changed = changed_tracked(repo)
    if not changed:
        return []
    more = len(changed) - _SHOWN_CHANGES
    listed = ", ".join(changed[:_SHOWN_CHANGES]) + (f" (+{more} more)" if more > 0 else "")
    return [
        finding(
            "EVD004",
            "error",
            f"the checkout of {tag.name} has local changes to tracked files: {listed}",
            hint="run on a clean checkout of the tag; nothing may change the files before"
            " releasekit evidence reads them",
        )
    ]


def _repo_path(repo: Path, shown_path: str) -> str | None:
    """A path as findings show it (relative to the working directory), relative to ``repo``."""
    try:
        return Path(shown_path).resolve().relative_to(repo.resolve()).as_posix()
    except (ValueError, OSError):
        return None


def _digest(repo: Path, commit: str, rel: str | None) -> FileDigest | None:
    if rel is None:
        return None
    on_disk = inside_repo(repo, rel, what="evidence file").is_file()
    return FileDigest(rel, blob_sha256(repo, commit, rel), on_disk)


def audit_files(repo: Path, commit: str, policy: Policy, evidence: Evidence) -> AuditFiles:
    """Digests, at the tag's commit, of the audit log and of each unit's reports."""
    units = tuple(
        UnitFiles(
            u.name,
            _digest(repo, commit, _repo_path(repo, u.report_path)),
            _digest(repo, commit, _repo_path(repo, u.paper_path)),
        )
        for u in evidence.units
    )
    log = _digest(repo, commit, policy.paths.audit_log)
    if log is not None and not log.on_disk and log.sha256 is None:
        log = None  # no audit log at all: nothing to record (verify-audit says so itself)
    return AuditFiles(log, units)


def hotfix_debt_now(repo: Path, tag: ReleaseTag, plan: RolloutPlan, now: dt.datetime) -> HotfixDebt:
    """Overdue hotfix debt as of ``now``, with this tag counted among the tags.

    This tag is added when the checkout's tag list lacks it, so the proper release of a hotfix
    clears that hotfix's HFX002 instead of being blocked by it. Post-mortems are read from
    files only: evidence has no ``issues`` permission, so a policy that counts only issues
    leaves HFX001 to hotfix-sla (said in a note), and "either" counts files alone here.
    """
    rules = plan.hotfix
    tags = git_tags(repo)
    if tag.name not in {t.name for t in tags}:
        tags.append(Tag(tag.name, now))
    hotfixes = [t.name for t in tags if is_hotfix_tag(t.name)]
    notes: list[str] = []
    postmortems: list[Postmortem] = []
    if rules.postmortem in ("file", "either"):
        postmortems = postmortem_files(repo, rules, hotfixes)
    overdue = hotfix_debt(
        tags,
        postmortems,
        now,
        postmortem_hours=rules.postmortem_hours,
        release_hours=rules.release_hours,
    )
    if rules.postmortem == "issue":
        overdue = [f for f in overdue if f.rule != "HFX001"]
        if hotfixes:
            notes.append(
                "the policy counts only post-mortem issues, which releasekit evidence does not"
                " read (no issues permission): post-mortem deadlines are left to hotfix-sla"
            )
    return HotfixDebt(tuple(overdue), tuple(notes))


def release_notes(repo: Path, tag: ReleaseTag) -> str | None:
    """The release's section of CHANGELOG.md (the GitHub Release body), or None."""
    path = repo / CHANGELOG_NAME
    if not path.is_file():
        return None
    cl = load_changelog(path)
    release = cl.release(tag.version)
    return cl.notes(release) if release is not None else None


def _finish(report: Report, request: EvidenceRequest, port: EvidencePort) -> Report:
    """Write the bundle (pass only, both files or none) and note where it went."""
    report = report.with_data(requests=port.request_count, fixture=request.replay)
    bundle = report.data.get("bundle")
    if report.verdict != "pass" or not isinstance(bundle, Mapping):
        if request.verify_bundle is None:
            return report
        return report.with_findings(
            [
                finding(
                    "EVD007",
                    "error",
                    f"the release's evidence does not pass now, so the bundle in"
                    f" {shown(request.verify_bundle)} was not verified against it",
                    hint="the other findings say what fails",
                )
            ]
        )
    if request.verify_bundle is not None:
        return verify_bundle(report, bundle, request.verify_bundle)
    out = request.out
    if out is None:
        return report.with_findings(
            [finding("EVD006", "notice", "no --out: the evidence bundle was not written")]
        )
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is not a directory", hint="pass a writable DIR")
    json_path, md_path = out / JSON_NAME, out / MARKDOWN_NAME
    write_files(
        {json_path: bundle_json(bundle), md_path: render_bundle_markdown(bundle)},
        make_parents=True,
    )
    return report.with_findings(
        [finding("EVD006", "notice", f"evidence bundle written: {json_path}, {md_path}")]
    ).with_data(bundle_paths=[str(json_path), str(md_path)])


# -- a downloaded bundle, verified against the recomputation -----------------------------------

NOTES_NAME = "release-notes.md"
# A bundle file is a few kilobytes; anything far larger is not one.
_BUNDLE_MAX_BYTES = 8 * 1024 * 1024


def _bundle_file(directory: Path, name: str) -> bytes | None:
    """The bytes of ``directory/name``, None when absent; a bad file is bad input."""
    path = directory / name
    shown_as = shown(path)
    try:
        if not path.exists():
            return None
        if not path.is_file() or path.stat().st_size > _BUNDLE_MAX_BYTES:
            raise InputError(
                f"{name} in the bundle is not a regular file of at most"
                f" {_BUNDLE_MAX_BYTES:,} bytes",
                file=shown_as,
                hint="pass the directory the release's assets were downloaded to",
            )
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}", file=shown_as) from None


def bundle_time(directory: Path) -> str:
    """The ``generated_at`` of ``directory/evidence.json``: when the bundle was computed."""
    if not directory.is_dir():
        raise InputError(
            f"--verify-bundle {shown(directory)} is not a directory",
            hint="gh release download vX.Y.Z --dir DIR, then --verify-bundle DIR",
        )
    raw = _bundle_file(directory, JSON_NAME)
    if raw is None:
        raise InputError(
            f"the bundle has no {JSON_NAME}",
            file=shown(directory / JSON_NAME),
            hint="gh release download vX.Y.Z --dir DIR --pattern 'evidence.*'",
        )
    try:
        value = json.loads(raw.decode("utf-8")).get("generated_at")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, AttributeError):
        value = None
    if not isinstance(value, str):
        raise InputError(
            f"{JSON_NAME} has no generated_at to recompute the bundle at",
            file=shown(directory / JSON_NAME),
            hint="pass --now with the time the bundle was made",
        )
    return value


def verify_bundle(report: Report, bundle: Mapping[str, object], directory: Path) -> Report:
    """EVD007: each file of the downloaded bundle has the recomputed bundle's sha256."""
    notes = bundle.get("release_notes")
    expected = {
        JSON_NAME: bundle_json(bundle),
        MARKDOWN_NAME: render_bundle_markdown(bundle),
        NOTES_NAME: notes if isinstance(notes, str) else None,
    }
    findings: list[Finding] = []
    checked: dict[str, str] = {}
    for name, text in expected.items():
        got = _bundle_file(directory, name)
        if got is None:
            if name != NOTES_NAME:  # the notes are attached by release.yml, not by evidence
                findings.append(_mismatch(directory, name, "is missing from the bundle"))
            continue
        want = hashlib.sha256((text or "").encode("utf-8")).hexdigest()
        digest = hashlib.sha256(got).hexdigest()
        checked[name] = digest
        if text is None or digest != want:
            findings.append(
                _mismatch(directory, name, f"has sha256 {digest[:12]}, recomputed {want[:12]}")
            )
    if not findings:
        findings.append(
            finding(
                "EVD007",
                "notice",
                f"the bundle in {shown(directory)} is what releasekit recomputes:"
                f" {', '.join(sorted(checked))}",
            )
        )
    return report.with_findings(findings).with_data(verified=checked)


def _mismatch(directory: Path, name: str, what: str) -> Finding:
    return finding(
        "EVD007",
        "error",
        f"{name} {what}: the downloaded bundle is not what the release's evidence recomputes to",
        file=shown(directory / name),
        hint="compare it with `releasekit evidence --out DIR` for the same tag (and --now the"
        " bundle's generated_at); a bundle recomputed by another releasekit version, or from a"
        " fixture, differs in releasekit_version or source",
    )
