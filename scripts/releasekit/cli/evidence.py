"""``releasekit evidence``: refuse a tag that did not come from a merged, signed-off PR (EVD0xx).

Runbook step: Phase 3 "Tag release", before the GitHub Release is made (release.yml), and the
"Release Audit Sign-Off" kept as a record. For the tag (``--tag``, default ``GITHUB_REF`` on a
tag push) it resolves the tag's commit in the checkout, asks GitHub which pull request that
commit is the merge commit of, **recomputes** that pull request's sign-off (its reviews of its
head, the policy of its base commit, the roles; signoff-gate's own core) with check-changelog
``--tag`` and verify-audit run on the checked-out tag, and checks hotfix debt. Only when all of
it passes does it write ``--out/evidence.json`` and ``--out/evidence.md`` (both or neither).
Exit 0 pass, 1 blocked, 2 bad input (tag, repository), 3 GitHub unreachable.

Token permissions: ``contents: read`` (the policy at the base commit) and ``pull-requests:
read`` (the pull requests of the commit, the pull request, its files and reviews). No
``checks`` permission: nothing is read from check runs, comments or artifacts — a forged
``releasekit/signoff`` check run changes nothing (threats 7, 15, 16).

Offline: ``--fixture FILE`` answers GitHub's reads from a sign-off fixture
(docs/formats/signoff-fixture.md) whose pull request is merged with the tag's commit as its
``merge_commit_sha``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol, TextIO

from releasekit import __version__
from releasekit.adapters.actions import Runtime
from releasekit.adapters.files import DEFAULT_MAX_BYTES, inside_repo, write_atomic
from releasekit.adapters.git import resolve_commit, run_git, show_prefix
from releasekit.adapters.github.fixture import FixturePort
from releasekit.adapters.github.interface import GitHubPort, ReleasePort
from releasekit.cli import check_changelog
from releasekit.cli.common import (
    EARLIEST_TZ,
    ArgumentParser,
    new_parser,
    run_gate,
    tag_from_env,
    usage_failure,
)
from releasekit.cli.common.ops import parse_now, utc_now
from releasekit.cli.signoff_gate import audit_evidence, policy_at_base
from releasekit.core.github_facts import CommitPull, Sha
from releasekit.core.report import Finding, Report, finding
from releasekit.core.rollout.controller import parse_time
from releasekit.core.rollout.hotfix import Postmortem, Tag, hotfix_debt, is_hotfix_tag
from releasekit.core.rollout.plan import RolloutPlan
from releasekit.core.signoff.decision import Evidence, SignoffInputs, evaluate_signoff
from releasekit.core.signoff.evidence import (
    JSON_NAME,
    MARKDOWN_NAME,
    TOOL,
    AuditFiles,
    EvidenceInputs,
    FileDigest,
    HotfixDebt,
    ReleaseTag,
    UnitFiles,
    bundle_json,
    choose_pull,
    evaluate_evidence,
    parse_release_tag,
    render_bundle_markdown,
    render_details,
)
from releasekit.core.signoff.policy import Policy
from releasekit.core.signoff.release_types import classify, touched_paths
from releasekit.errors import InfraError, InputError
from releasekit.workspace.ops import git_tags, load_plan, postmortem_files
from releasekit.workspace.release_files import CHANGELOG_NAME, load_changelog, shown

GIT_TIMEOUT = 60.0
_SHA = re.compile(r"^[0-9a-f]{40}$")
# At most this many locally changed files are named in EVD004's message.
_SHOWN_CHANGES = 5


class EvidencePort(GitHubPort, Protocol):
    """What evidence reads: the gates' ``GitHubPort`` plus the pull requests of a commit."""

    def commit_pulls(self, sha: Sha) -> list[CommitPull]:
        """The pull requests GitHub associates with a commit, all pages."""
        ...


PortFactory = Callable[[Mapping[str, str], Runtime], ReleasePort]


def parser() -> ArgumentParser:
    """The command's options."""
    p = new_parser(f"releasekit {TOOL}", (__doc__ or TOOL).splitlines()[0])
    p.add_argument(
        "--repo",
        type=Path,
        default=Path(),
        help="root of the checkout of the tag, with its history and tags (default: .)",
    )
    p.add_argument("--tag", help="the tag to release, vX.Y.Z (default: GITHUB_REF on a tag push)")
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write DIR/evidence.json and DIR/evidence.md when the tag passes",
    )
    p.add_argument(
        "--fixture",
        type=Path,
        metavar="FILE",
        help="answer GitHub's reads from a sign-off fixture (docs/formats/signoff-fixture.md):"
        " offline, no token",
    )
    p.add_argument(
        "--now",
        metavar="ISO-8601",
        help="the time to decide at: hotfix deadlines, the bundle's generated_at and"
        " check-changelog's as-of date (default: now)",
    )
    p.add_argument(
        "--bias-junit",
        metavar="FILE",
        type=Path,
        help="JUnit XML of the anti-bias tests, for verify-audit",
    )
    return p


# -- the tag and the checkout ------------------------------------------------------------------


def release_tag(given: str | None, env: Mapping[str, str]) -> ReleaseTag:
    """``--tag``, else the pushed tag, validated before anything reads git or GitHub."""
    text = given if given is not None else tag_from_env(env)
    if text is None:
        raise InputError(
            "no tag: pass --tag vX.Y.Z, or run on a tag push (GITHUB_REF refs/tags/...)",
            hint="releasekit evidence --tag v1.2.3 --out DIR",
        )
    tag = parse_release_tag(text)
    if tag is None:
        raise InputError(
            f"the tag {text[:80]!r} is not vMAJOR.MINOR.PATCH[-suffix]",
            hint="release tags are vX.Y.Z, vX.Y.Z-hotfix[.N] or a SemVer pre-release such as"
            " vX.Y.Z-rc.1 (letters and digits, no leading zeros)",
        )
    return tag


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    # Every argument is our own constant, a validated tag or SHA, or a path from the policy.
    return run_git(repo, list(args), timeout=GIT_TIMEOUT, what=args[0])


def tag_commit(repo: Path, tag: ReleaseTag) -> str:
    """The commit the tag points at, in the checkout (``InputError`` when it is not there).

    ``refs/tags/<tag>`` and never the bare name: a branch called ``v1.2.3`` must not stand in
    for the tag.
    """
    if not repo.is_dir():
        raise InputError(f"repository directory {repo} not found", hint="pass --repo DIR")
    prefix = show_prefix(repo, timeout=GIT_TIMEOUT)
    if prefix is None:
        raise InputError(
            f"{shown(repo)} is not a git checkout, so the tag's commit cannot be found",
            hint="check out the tag with its history (actions/checkout with `fetch-depth: 0`)",
        )
    if prefix:
        raise InputError(
            f"--repo {shown(repo)} is a sub-directory of its git checkout: the pull request's"
            " paths and the policy's are relative to the repository root",
            hint="pass --repo <the checkout's root> (repo-path: . in the workflow)",
        )
    sha = resolve_commit(repo, f"refs/tags/{tag.name}", option="--tag", timeout=GIT_TIMEOUT)
    if sha is None:
        raise InputError(
            f"tag {tag.name} is not in the checkout {shown(repo)}",
            hint="check out the tag with its tags (actions/checkout with `fetch-depth: 0`, or"
            " `git fetch --tags`), and check the tag's name",
        )
    return sha


def workspace_findings(repo: Path, tag: ReleaseTag, commit: str) -> list[Finding]:
    """EVD004: the files the gates read are the tag's: HEAD is its commit, nothing tracked changed.

    Untracked files are not looked at here (the release workflow checks releasekit itself out
    inside the workspace); a file the gates read that the commit lacks is caught by its digest.
    """
    head = resolve_commit(repo, "HEAD", option="HEAD", timeout=GIT_TIMEOUT)
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
    status = _git(repo, "status", "--porcelain=v1", "-z", "--untracked-files=no")
    if status.returncode != 0:
        raise InfraError(
            "git status failed: " + " ".join(status.stderr.decode("utf-8", "replace").split()),
            hint="see git's message",
        )
    changed: list[str] = []
    entries = iter(status.stdout.decode("utf-8", "replace").split("\0"))
    for entry in entries:
        if len(entry) > 3:
            changed.append(entry[3:])
            if entry[0] in "RC":
                next(entries, None)  # a rename or copy is followed by its source path
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


def commit_time(repo: Path, commit: str) -> dt.datetime | None:
    """The committer time of ``commit`` (for a merge commit: when GitHub merged)."""
    proc = _git(repo, "show", "-s", "--format=%cI", commit)
    text = proc.stdout.decode("ascii", "replace").strip()
    if proc.returncode != 0 or not text:
        return None
    return parse_time(text, what=f"the commit time of {commit[:7]}")


def blob_sha256(repo: Path, commit: str, path: str) -> str | None:
    """sha256 of the bytes of ``path`` in ``commit``; None when the commit has no such file.

    ``ls-tree`` first, so that only a regular file of a bounded size is read (a symlink's
    target text or a submodule is not evidence).
    """
    listing = _git(repo, "ls-tree", "-z", "--long", commit, "--", path)
    if listing.returncode != 0:
        raise InfraError(f"git ls-tree failed for {path} at {commit[:7]}", hint="rerun")
    for record in listing.stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, tab, name = record.partition("\t")
        fields = meta.split()
        if not tab or name != path or len(fields) != 4:
            continue
        mode, kind, obj, size = fields
        if kind != "blob" or mode not in ("100644", "100755"):
            return None
        if not size.isdigit() or int(size) > DEFAULT_MAX_BYTES:
            raise InputError(
                f"{path} at {commit[:7]} is over {DEFAULT_MAX_BYTES:,} bytes",
                file=path,
                hint="this is not a plausible audit or paper report; check the path",
            )
        blob = _git(repo, "cat-file", "blob", obj)
        if blob.returncode != 0:
            raise InfraError(f"git cat-file could not read {path} at {commit[:7]}", hint="rerun")
        return hashlib.sha256(blob.stdout).hexdigest()
    return None


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


# -- hotfix debt -------------------------------------------------------------------------------


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


# -- GitHub ------------------------------------------------------------------------------------


def _connect(
    args: argparse.Namespace,
    env: Mapping[str, str],
    runtime: Runtime,
    factory: PortFactory | None,
) -> tuple[EvidencePort, str]:
    """The port and the repository's default branch (from GitHub, or from the fixture)."""
    if args.fixture is not None:
        if runtime.active:
            raise InputError(
                "--fixture replays a decision offline; in GitHub Actions evidence reads GitHub",
                hint="remove --fixture from the workflow",
            )
        fixture = FixturePort.from_file(args.fixture, shown_as=shown(args.fixture))
        if fixture.default_branch is None:
            raise InputError(
                "the fixture names no default_branch: evidence needs it",
                file=shown(args.fixture),
                hint='add "default_branch": "main" (docs/formats/signoff-fixture.md)',
            )
        return fixture, fixture.default_branch
    port = (factory or _default_factory)(env, runtime)
    return port, port.default_branch()


def _default_factory(env: Mapping[str, str], runtime: Runtime) -> ReleasePort:
    # Imported here: PyGithub's import is paid only by runs that talk to GitHub.
    from releasekit.adapters.github.pygithub import connect

    return connect(env, runtime=runtime)


# -- the gate ----------------------------------------------------------------------------------


def _changelog(repo: Path, tag: ReleaseTag, now: dt.datetime) -> Report:
    """check-changelog ``--tag``, in-process, with its own options (its verdict is its own)."""
    as_of = now.astimezone(EARLIEST_TZ).date().isoformat()
    args = check_changelog.parser().parse_args(
        ["--repo", str(repo), "--tag", tag.name, "--as-of", as_of]
    )
    return check_changelog.evaluate(args)


def release_notes(repo: Path, tag: ReleaseTag) -> str | None:
    """The release's section of CHANGELOG.md (the GitHub Release body), or None."""
    path = repo / CHANGELOG_NAME
    if not path.is_file():
        return None
    cl = load_changelog(path)
    release = cl.release(tag.version)
    return cl.notes(release) if release is not None else None


def evaluate(
    args: argparse.Namespace,
    env: Mapping[str, str],
    runtime: Runtime,
    *,
    clock: Callable[[], dt.datetime] = utc_now,
    connect_port: PortFactory | None = None,
) -> Report:
    """Decide whether the tag may be released, and write the bundle when it may.

    The tag and the checkout are checked before GitHub is asked anything: a malformed tag or a
    tag the checkout lacks makes no request at all.
    """
    tag = release_tag(args.tag, env)
    repo: Path = args.repo
    commit = tag_commit(repo, tag)
    workspace = workspace_findings(repo, tag, commit)
    now = parse_now(args.now, clock)
    port, default_branch = _connect(args, env, runtime, connect_port)
    pulls = tuple(port.commit_pulls(Sha(commit)))
    choice = choose_pull(pulls, tag, commit, default_branch)
    changelog = _changelog(repo, tag, now)
    inputs = EvidenceInputs(
        repository=port.repository,
        tag=tag,
        commit=commit,
        default_branch=default_branch,
        pulls=pulls,
        now=now,
        changelog=changelog,
        releasekit_version=__version__,
        workspace=tuple(workspace),
        notes=release_notes(repo, tag) if changelog.verdict == "pass" else None,
        source="fixture" if args.fixture is not None else "github",
    )
    if choice.pull is None:
        plan, _ = load_plan(repo, None)
        inputs = dataclasses.replace(inputs, debt=hotfix_debt_now(repo, tag, plan, now))
        return _finish(evaluate_evidence(inputs), args, port)
    pr = port.pull_request(choice.pull.number)
    if not _SHA.match(pr.head_sha):
        raise InfraError(f"GitHub sent the head SHA {pr.head_sha!r}, not a commit SHA")
    files = tuple(port.changed_files(pr.number))
    reviews = tuple(port.reviews(pr.number))
    policy, found = policy_at_base(port, pr)
    cls = classify(pr, files, policy)
    # verify-audit for what the pull request changed, with the base commit's policy, on the
    # checked-out tag: the tree that ships (signoff-gate's own selection).
    audit_args = argparse.Namespace(repo=repo, release_date=None, bias_junit=args.bias_junit)
    audit, units = audit_evidence(audit_args, policy, cls, set(touched_paths(files)))
    reports = (changelog,) if audit is None else (changelog, audit)
    bias = shown(args.bias_junit) if args.bias_junit is not None else None
    evidence = Evidence(reports, units, (), bias)
    signoff = evaluate_signoff(
        SignoffInputs(
            pr=pr,
            files=files,
            reviews=reviews,
            policy=policy,
            policy_found=found,
            default_branch=default_branch,
            evidence=evidence,
            classification=cls,
        ),
        port,
    )
    plan = policy.rollout  # the base commit's hotfix deadlines, like every other rule here
    inputs = dataclasses.replace(
        inputs,
        pull_request=pr,
        merged_at=commit_time(repo, commit),
        signoff=signoff,
        audit=audit,
        reviews=reviews,
        debt=hotfix_debt_now(repo, tag, plan, now),
        audit_files=audit_files(repo, commit, policy, evidence),
    )
    return _finish(evaluate_evidence(inputs), args, port)


def _finish(report: Report, args: argparse.Namespace, port: EvidencePort) -> Report:
    """Write the bundle (pass only, both files or none) and note where it went."""
    report = report.with_data(requests=port.request_count, fixture=args.fixture is not None)
    bundle = report.data.get("bundle")
    if report.verdict != "pass" or not isinstance(bundle, Mapping):
        return report
    out: Path | None = args.out
    if out is None:
        return report.with_findings(
            [finding("EVD006", "notice", "no --out: the evidence bundle was not written")]
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create --out {out}: {exc.strerror}", hint="pass a writable DIR"
        ) from None
    json_path, md_path = out / JSON_NAME, out / MARKDOWN_NAME
    write_atomic({json_path: bundle_json(bundle), md_path: render_bundle_markdown(bundle)})
    return report.with_findings(
        [finding("EVD006", "notice", f"evidence bundle written: {json_path}, {md_path}")]
    ).with_data(bundle_paths=[str(json_path), str(md_path)])


def main(
    argv: list[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    connect_port: PortFactory | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    out: TextIO | None = None,
    runtime: Runtime | None = None,
) -> int:
    """Entry point: parse → tag and checkout → GitHub → sign-off → decide → bundle → exit code.

    ``env``, ``connect_port``, ``clock``, ``out`` and ``runtime`` are for tests (defaults: the
    process's environment, ``pygithub.connect``, the system clock, stdout, the Actions runtime).
    """
    stream = sys.stdout if out is None else out
    try:
        args = parser().parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc, stream)
    environ: Mapping[str, str] = os.environ if env is None else env
    rt = runtime or Runtime.from_env(stream, environ)
    subject = args.tag or tag_from_env(environ) or "tag"
    # The subject is printed before the tag is validated: keep a malformed one short and inert.
    subject = subject if parse_release_tag(subject) is not None else "tag"

    def evaluate_gate() -> Report:
        return evaluate(args, environ, rt, clock=clock, connect_port=connect_port)

    return run_gate(
        TOOL, subject, args, evaluate_gate, out=stream, details=render_details, runtime=rt
    )


if __name__ == "__main__":
    sys.exit(main())
