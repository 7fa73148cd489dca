"""Release evidence (runbook Phase 3 "Tag release" → the GitHub Release): may this tag ship?

A ``v*`` tag can be pushed by anyone with write access, on any commit (threat 16). Before the
release workflow publishes it, ``releasekit evidence`` proves that the tag's commit is the
merge commit of a pull request that was merged into the default branch and whose sign-off,
**recomputed from GitHub's reviews and the policy it was merged under**, is APPROVED — never read
from a check run, a comment or an artifact, which any workflow or pull request could forge
(threats 7 and 15). It then writes the evidence bundle that is attached to the release: the
runbook's "Release Audit Sign-Off" as a record (docs/reference/evidence.md).

Pure: the facts the CLI gathered (the tag, its commit, the pull requests GitHub associates with
the commit, the sign-off report, the evidence gates' reports, hotfix debt, file digests) in, a
``Report`` out, with the bundle in its data when — and only when — the verdict is pass.

Rules (docs/rules.md, ``EVD``): EVD001 the commit did not come from a merged pull request into
the default branch; EVD002 that pull request's sign-off is not APPROVED; EVD003 hotfix debt
blocks a normal release; EVD004 the checkout is not exactly the tag's commit; EVD005 the tag's
kind (hotfix or not) disagrees with the pull request's; EVD006 where the bundle went.

Why this file is long: the decision and the bundle are one contract: the bundle's JSON (its
schema is docs/reference/evidence.md) and its Markdown rendering are built from exactly the
facts the rules checked, and keeping them beside the rules keeps "what was checked" and "what
is recorded" from drifting apart.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from releasekit.core.github_facts import CommitPull, PullRequest, Review
from releasekit.core.render import md_escape
from releasekit.core.report import Finding, Report, finding
from releasekit.core.rollout.controller import iso
from releasekit.core.signoff.decision import ROLE_TITLES, latest_decisions
from releasekit.core.signoff.policy import POLICY_PATH
from releasekit.core.versioning.versions import Version, is_hotfix, parse_version

TOOL = "evidence"
BUNDLE_SCHEMA = "releasekit.evidence/1"
JSON_NAME = "evidence.json"
MARKDOWN_NAME = "evidence.md"
# The same shape release.yml and tag-release.yml accept (vMAJOR.MINOR.PATCH[-suffix], suffix
# identifiers of letters and digits only), with numbers capped at 9 digits as core.hotfix caps
# them: nothing else can reach git or a file name. SemVer's hyphen inside an identifier and its
# build metadata (+...) are refused — the workflows refuse them too, so they never arrive here.
TAG_RE = re.compile(
    r"v(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})"
    r"(-[0-9A-Za-z]{1,32}(\.[0-9A-Za-z]{1,32}){0,7})?"
)
TAG_MAX_LENGTH = 128

ReleaseKind = Literal["final", "hotfix", "pre-release"]
Source = Literal["github", "fixture"]

_RELEASE_FIX = (
    "release through a release pull request: prepare-release.yml opens it, signoff-gate"
    " approves it, and tag-release.yml tags its merge commit (a hotfix too, from a hotfix/*"
    " branch). Delete this tag (`git push --delete origin {tag}`) and tag the merge commit"
)


@dataclass(frozen=True)
class ReleaseTag:
    """A release tag that passed validation: its name, SemVer version and kind."""

    name: str
    version: Version
    kind: ReleaseKind

    @property
    def version_text(self) -> str:
        """``1.2.3`` for ``v1.2.3``."""
        return self.name[1:]


def parse_release_tag(text: str) -> ReleaseTag | None:
    """The release tag ``text`` names, or None when it is not ``vMAJOR.MINOR.PATCH[-suffix]``.

    ``fullmatch`` (not ``match`` with ``$``, which accepts a trailing newline) and a length cap,
    then strict SemVer (``v1.2.3-01`` is refused: a numeric identifier has no leading zero).
    """
    if len(text) > TAG_MAX_LENGTH or TAG_RE.fullmatch(text) is None:
        return None
    version = parse_version(text[1:])
    if version is None:
        return None
    kind: ReleaseKind = (
        "hotfix" if is_hotfix(version) else "final" if version.prerelease is None else "pre-release"
    )
    return ReleaseTag(text, version, kind)


@dataclass(frozen=True)
class FileDigest:
    """A file of the release's evidence as it is in the tag's commit.

    ``path`` is relative to the repository root; ``sha256`` is None when the commit does not
    have the file. ``on_disk`` says whether the checkout has it (a file the gates read from the
    checkout that the commit does not have is evidence that will not ship: EVD004).
    """

    path: str
    sha256: str | None
    on_disk: bool = True


@dataclass(frozen=True)
class UnitFiles:
    """The audit report and paper report of one strategy or model, by the unit's name."""

    name: str
    report: FileDigest | None
    paper: FileDigest | None


@dataclass(frozen=True)
class AuditFiles:
    """The digests of the audit evidence sign-off looked at: the audit log and each unit's."""

    log: FileDigest | None = None
    units: tuple[UnitFiles, ...] = ()

    def all(self) -> list[FileDigest]:
        """Every digest, log first."""
        out = [self.log] if self.log is not None else []
        for u in self.units:
            out += [d for d in (u.report, u.paper) if d is not None]
        return out


@dataclass(frozen=True)
class HotfixDebt:
    """Hotfix debt as of this release: overdue items (HFX errors) and why some were not read."""

    overdue: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceInputs:
    """Everything the decision and the bundle depend on, already read.

    ``pulls`` is GitHub's answer for the tag's commit; ``pull_request`` the full facts of the
    chosen one (None when none was chosen); ``signoff`` its recomputed sign-off report, whose
    findings include the evidence gates' (``changelog``, ``audit``) because sign-off ran them.
    ``workspace`` holds EVD004 findings about the checkout; ``merged_at`` is the committer time
    of the merge commit (the tag's commit), which GitHub set when it merged. ``source`` says
    whether GitHub's answers came from GitHub or from an offline fixture (recorded in the
    bundle: a replay is not evidence).
    """

    repository: str
    tag: ReleaseTag
    commit: str
    default_branch: str
    pulls: tuple[CommitPull, ...]
    now: dt.datetime
    changelog: Report
    releasekit_version: str
    workspace: tuple[Finding, ...] = ()
    pull_request: PullRequest | None = None
    merged_at: dt.datetime | None = None
    signoff: Report | None = None
    audit: Report | None = None
    reviews: tuple[Review, ...] = ()
    debt: HotfixDebt = field(default_factory=HotfixDebt)
    audit_files: AuditFiles = field(default_factory=AuditFiles)
    notes: str | None = None
    source: Source = "github"


def _short(sha: str | None) -> str:
    return sha[:7] if sha else "?"


# -- which pull request -------------------------------------------------------------------------


@dataclass(frozen=True)
class PullChoice:
    """The merged pull request the tag's commit came from, or the EVD001 findings saying why not."""

    pull: CommitPull | None
    findings: tuple[Finding, ...]


def choose_pull(
    pulls: Sequence[CommitPull], tag: ReleaseTag, commit: str, default_branch: str
) -> PullChoice:
    """The one merged pull request whose merge commit is ``commit``, into ``default_branch``.

    GitHub lists, for a commit, the pull requests that merged it and those whose head it is.
    Only a merged one whose ``merge_commit_sha`` *is* the commit counts: the tag must be on the
    commit GitHub made when it merged the signed-off pull request (tag-release.yml tags exactly
    that commit), not on a head commit, a commit pushed directly, or one merged elsewhere.
    """
    merged = [p for p in pulls if p.merged and p.merge_commit_sha == commit]
    into_default = [p for p in merged if p.base_ref == default_branch]
    hint = _RELEASE_FIX.format(tag=tag.name)
    if len(into_default) == 1:
        return PullChoice(into_default[0], ())
    if len(into_default) > 1:
        numbers = ", ".join(f"#{p.number}" for p in into_default)
        return PullChoice(
            None,
            (
                finding(
                    "EVD001",
                    "error",
                    f"{tag.name}'s commit {_short(commit)} is the merge commit of several pull"
                    f" requests ({numbers}) as GitHub reports them: which sign-off applies is"
                    " ambiguous",
                    hint=hint,
                ),
            ),
        )
    if merged:
        p = merged[0]
        return PullChoice(
            None,
            (
                finding(
                    "EVD001",
                    "error",
                    f"{tag.name}'s commit {_short(commit)} came from PR #{p.number}, merged into"
                    f" {p.base_ref}, not the default branch {default_branch}: that branch's"
                    " policy and protection are not the release's",
                    hint=hint,
                ),
            ),
        )
    others = [f"#{p.number} ({'merged' if p.merged else p.state})" for p in pulls]
    seen = f"; GitHub associates it only with {', '.join(others)}" if others else ""
    return PullChoice(
        None,
        (
            finding(
                "EVD001",
                "error",
                f"{tag.name}'s commit {_short(commit)} did not come from a merged pull request"
                f" (it is not the merge commit of any){seen}",
                hint=hint,
            ),
        ),
    )


def _consistency(inputs: EvidenceInputs, chosen: CommitPull) -> list[Finding]:
    """EVD001 when the pull request's own facts contradict the commit's listing."""
    pr = inputs.pull_request
    if pr is None:
        return []
    wrong: list[str] = []
    if pr.number != chosen.number:
        wrong.append(f"it is #{pr.number}, not #{chosen.number}")
    if not pr.merged:
        wrong.append("it is not merged")
    if pr.merge_commit_sha != inputs.commit:
        wrong.append(f"its merge commit is {_short(pr.merge_commit_sha)}")
    if pr.base_ref != inputs.default_branch:
        wrong.append(f"its base is {pr.base_ref}")
    if not wrong:
        return []
    return [
        finding(
            "EVD001",
            "error",
            f"GitHub's pull request #{chosen.number} does not match its listing for"
            f" {inputs.tag.name}'s commit {_short(inputs.commit)}: {'; '.join(wrong)}",
            hint="rerun the job (the pull request changed while it ran); if it persists, "
            + _RELEASE_FIX.format(tag=inputs.tag.name),
        )
    ]


# -- the sign-off, recomputed ---------------------------------------------------------------------


def signoff_findings(signoff: Report) -> list[Finding]:
    """EVD002 when the recomputed sign-off is not APPROVED, naming what is missing.

    The reasons come from the sign-off report itself (its data and findings), so they say
    exactly what signoff-gate would say about the pull request today.
    """
    d: Mapping[str, Any] = signoff.data
    decision = d.get("decision")
    if decision == "APPROVED" and signoff.verdict == "pass":
        return []
    pr = d.get("pull_request") or {}
    head = _short(pr.get("head_sha"))
    parts: list[str] = []
    missing = list(dict.fromkeys(d.get("missing_roles") or []))
    if missing:
        parts.append("no approval of the head from " + ", ".join(missing))
    stale = [r["login"] for r in d.get("reviewers") or [] if r.get("status") == "stale"]
    if stale:
        parts.append(
            f"stale approvals (on an older commit than the head {head}): @{', @'.join(stale)}"
        )
    rejected = [f"@{x['login']} ({x['role']})" for x in d.get("rejected_by") or []]
    if rejected:
        parts.append("changes requested by " + ", ".join(rejected))
    rules = [
        f.rule
        for f in signoff.findings
        if f.level == "error" and f.rule not in ("SGN001", "SGN002")
    ]
    if rules:
        parts.append("errors " + ", ".join(dict.fromkeys(rules)))
    what = "; ".join(parts) or "see the sign-off findings"
    return [
        finding(
            "EVD002",
            "error",
            f"PR #{pr.get('number')}'s sign-off, recomputed from GitHub's reviews of the head"
            f" {head} and the policy it was merged under, is {decision or 'undecided'}: {what}",
            hint="a merged pull request cannot be signed off after the fact: delete the tag and"
            " release through a new release pull request that passes signoff-gate; make"
            " `releasekit / gate` a required check so a merge without sign-off cannot happen"
            " (`releasekit doctor`)",
        )
    ]


def kind_findings(tag: ReleaseTag, signoff: Report) -> list[Finding]:
    """EVD005: a hotfix tag needs a hotfix pull request, and a hotfix pull request a hotfix tag.

    A hotfix is signed off by expedited review and rolls out at once; a hotfix tag on a normal
    pull request would skip the staged rollout, and a final tag on a hotfix pull request would
    pass an expedited review off as the proper release that clears the hotfix's debt.
    """
    hotfix_pr = bool(signoff.data.get("hotfix"))
    pr = signoff.data.get("pull_request") or {}
    number, branch = pr.get("number"), pr.get("head_ref")
    if tag.kind == "hotfix" and not hotfix_pr:
        return [
            finding(
                "EVD005",
                "error",
                f"{tag.name} is a hotfix tag, but PR #{number} (from {branch}) is not a hotfix"
                " pull request: a hotfix tag rolls out immediately, skipping paper trading",
                hint="tag a normal release vX.Y.Z; a hotfix comes from a hotfix/* branch with a"
                " declared hotfix criterion",
            )
        ]
    if tag.kind != "hotfix" and hotfix_pr:
        return [
            finding(
                "EVD005",
                "error",
                f"PR #{number} (from {branch}) is a hotfix, signed off by expedited review, but"
                f" {tag.name} is not a hotfix tag: the proper release must go through the"
                " normal process",
                hint="tag the hotfix vX.Y.Z-hotfix (bump-version --hotfix), then release the"
                " fix through a release PR",
            )
        ]
    return []


# -- hotfix discipline ----------------------------------------------------------------------------


def debt_findings(tag: ReleaseTag, debt: HotfixDebt) -> list[Finding]:
    """EVD003: overdue hotfix debt blocks a final release; for others it is only noted.

    The runbook: a post-mortem within 24 hours and a proper release within 48 hours of a
    hotfix, and the next normal release is blocked until the debt is cleared. The debt is
    computed with this tag among the tags, so the proper release of a hotfix clears its own
    HFX002 and is not blocked by it. A hotfix is never blocked (it is the emergency); a
    pre-release runs nowhere near production, so it is not blocked either.
    """
    out = [finding("EVD003", "notice", note) for note in debt.notes]
    if tag.kind == "final":
        out += [
            finding(
                "EVD003",
                "error",
                f"hotfix debt blocks this release: {f.message} ({f.rule})",
                file=f.file,
                line=f.line,
                hint=f.hint,
            )
            for f in debt.overdue
        ]
    elif debt.overdue:
        listed = "; ".join(f"{f.message} ({f.rule})" for f in debt.overdue)
        out.append(
            finding(
                "EVD003",
                "notice",
                f"hotfix debt does not block a {tag.kind} tag, but it is overdue: {listed}",
                hint="clear it before the next normal release (releasekit hotfix-sla)",
            )
        )
    return out


def _digest_findings(files: AuditFiles, tag: ReleaseTag, commit: str) -> list[Finding]:
    """EVD004: a file the gates read from the checkout that the tag's commit does not have."""
    return [
        finding(
            "EVD004",
            "error",
            f"{d.path} was read from the checkout but is not in {tag.name}'s commit"
            f" {_short(commit)}: the evidence checked is not the evidence released",
            file=d.path,
            hint="commit the file through a release pull request, or remove it from the checkout",
        )
        for d in files.all()
        if d.on_disk and d.sha256 is None
    ]


# -- the evaluation -------------------------------------------------------------------------------


def _check(report: Report | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {"verdict": report.verdict, "counts": report.counts()}


def evaluate_evidence(inputs: EvidenceInputs) -> Report:
    """Decide whether ``inputs.tag`` may be released; with a pass, the bundle is in the data.

    Findings, in order: the checkout (EVD004), the pull request (EVD001), the sign-off (EVD002,
    EVD005, then the sign-off's own findings, which include check-changelog's and
    verify-audit's), hotfix debt (EVD003). Without a pull request there is no sign-off to run,
    and check-changelog's findings are added on their own.
    """
    tag = inputs.tag
    findings: list[Finding] = list(inputs.workspace)
    choice = choose_pull(inputs.pulls, tag, inputs.commit, inputs.default_branch)
    findings += choice.findings
    if choice.pull is not None:
        findings += _consistency(inputs, choice.pull)
    if inputs.signoff is not None and choice.pull is not None:
        findings += signoff_findings(inputs.signoff)
        findings += kind_findings(tag, inputs.signoff)
        findings += inputs.signoff.findings
        findings += _digest_findings(inputs.audit_files, tag, inputs.commit)
    else:
        findings += inputs.changelog.findings
    findings += debt_findings(tag, inputs.debt)
    if choice.pull is not None and not any(f.rule == "EVD004" for f in findings):
        findings.append(
            finding(
                "EVD004",
                "notice",
                f"the evidence was read from the checkout of {tag.name}'s commit"
                f" {_short(inputs.commit)}, the merge commit of PR #{choice.pull.number}: the"
                " tree that ships, not the pull request's head",
            )
        )
    signoff = inputs.signoff
    data: dict[str, Any] = {
        "tag": tag.name,
        "version": tag.version_text,
        "release_kind": tag.kind,
        "commit": inputs.commit,
        "default_branch": inputs.default_branch,
        "pull_request": choice.pull.number if choice.pull is not None else None,
        "signoff_decision": signoff.data.get("decision") if signoff is not None else None,
        "checks": {
            "check-changelog": _check(inputs.changelog),
            "verify-audit": _check(inputs.audit),
            "signoff": _check(signoff),
        },
        "hotfix_debt": [f.message for f in inputs.debt.overdue],
    }
    report = Report(TOOL, tag.name, tuple(findings), data)
    if report.verdict == "pass" and signoff is not None and inputs.pull_request is not None:
        report = report.with_data(bundle=build_bundle(inputs, inputs.pull_request, signoff))
    return report


# -- the bundle -----------------------------------------------------------------------------------


def _digest(d: FileDigest | None) -> dict[str, Any] | None:
    return None if d is None else {"path": d.path, "sha256": d.sha256}


def _approvals(signoff: Report, reviews: Sequence[Review], head_sha: str) -> list[dict[str, Any]]:
    """Who filled each required role, and when they approved the head (their latest decision)."""
    latest = {r.user.casefold(): r for r in latest_decisions(reviews)}
    out = []
    for a in signoff.data.get("assignments") or []:
        login = a.get("login")
        review = latest.get(str(login).casefold()) if login else None
        at = review.submitted_at if review is not None else None
        out.append(
            {
                "role": a.get("role"),
                "login": login,
                "approved_at": iso(at) if at is not None else None,
                "commit": head_sha,
                "via": a.get("via"),
            }
        )
    return out


def _units(signoff: Report, files: AuditFiles) -> list[dict[str, Any]]:
    """Each strategy or model sign-off checked, with its audit facts and file digests."""
    checklist = signoff.data.get("checklist") or {}
    digests = {u.name.casefold(): u for u in files.units}
    out = []
    for u in checklist.get("units") or []:
        name = str(u.get("name"))
        d = digests.get(name.casefold())
        out.append(
            {
                "name": name,
                "kind": u.get("kind"),
                "version": u.get("version"),
                "audit_id": u.get("audit_id"),
                "verdict": u.get("verdict"),
                "audit_date": u.get("audit_date"),
                "audit_age_days": u.get("audit_age_days"),
                "report": _digest(d.report if d is not None else None),
                "paper_report": _digest(d.paper if d is not None else None),
                "paper_trades": u.get("paper_trades"),
                "max_divergence": u.get("max_divergence"),
            }
        )
    return out


def build_bundle(inputs: EvidenceInputs, pr: PullRequest, signoff: Report) -> dict[str, Any]:
    """The evidence bundle (``releasekit.evidence/1``, docs/reference/evidence.md)."""
    d = signoff.data
    policy = d.get("policy") or {}
    return {
        "schema": BUNDLE_SCHEMA,
        "releasekit_version": inputs.releasekit_version,
        "generated_at": iso(inputs.now),
        "repository": inputs.repository,
        "source": inputs.source,
        "tag": inputs.tag.name,
        "version": inputs.tag.version_text,
        "commit": inputs.commit,
        "release": {
            "kind": inputs.tag.kind,
            "type": d.get("release_type"),
            "rollout": d.get("rollout"),
        },
        "pull_request": {
            "number": pr.number,
            "title": pr.title,
            "author": pr.author,
            "merged_at": iso(inputs.merged_at) if inputs.merged_at is not None else None,
            "base_ref": pr.base_ref,
            "base_sha": pr.base_sha,
            "head_ref": pr.head_ref,
            "head_sha": pr.head_sha,
            "merge_commit_sha": pr.merge_commit_sha,
        },
        "policy": {
            "path": POLICY_PATH,
            "ref": policy.get("ref"),
            "found": bool(policy.get("found")),
        },
        "signoff": {
            "decision": d.get("decision"),
            "required_roles": list(d.get("required_roles") or []),
            "hotfix_criteria": list(d.get("hotfix_criteria") or []),
        },
        "approvals": _approvals(signoff, inputs.reviews, pr.head_sha),
        "audit": {
            "log": _digest(inputs.audit_files.log),
            "units": _units(signoff, inputs.audit_files),
        },
        "checks": {
            "check-changelog": _check(inputs.changelog),
            "verify-audit": _check(inputs.audit),
            "signoff": _check(signoff),
        },
        "hotfix_debt": {
            "checked": inputs.tag.kind == "final",
            "overdue": [f.message for f in inputs.debt.overdue],
            "notes": list(inputs.debt.notes),
        },
        "release_notes": inputs.notes,
    }


def bundle_json(bundle: Mapping[str, Any]) -> str:
    """``evidence.json``: the bundle as indented UTF-8 JSON with a trailing newline."""
    return json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"


def _fence(text: str) -> str:
    """A code fence longer than any backtick run in ``text``, so the text cannot close it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _cell(value: Any) -> str:
    return md_escape(str(value)) if value not in (None, "") else "—"


def _code(value: Any) -> str:
    # Only our own values reach here (SHAs, rule ids, paths from the policy); escaped anyway.
    return f"`{md_escape(str(value))}`" if value else "—"


def _sha(d: Mapping[str, Any] | None) -> str:
    if not d:
        return "—"
    sha = d.get("sha256")
    return (
        f"{_cell(d.get('path'))}<br>`sha256:{sha}`" if sha else f"{_cell(d.get('path'))} (absent)"
    )


def render_bundle_markdown(bundle: Mapping[str, Any], *, level: int = 1) -> str:
    """``evidence.md``: the bundle for people, in the runbook's sign-off order.

    Every value from a file, a pull request or a user goes through ``md_escape`` (a title
    cannot inject a link or ping anyone); the release notes are quoted verbatim in a code fence.
    """
    h = "#" * level
    pr = bundle.get("pull_request") or {}
    release = bundle.get("release") or {}
    policy = bundle.get("policy") or {}
    signoff = bundle.get("signoff") or {}
    lines = [
        f"{h} Release evidence: {md_escape(str(bundle.get('tag')))}",
        "",
    ]
    if bundle.get("source") != "github":
        lines += [
            "> **Replayed from a fixture, not read from GitHub: this is not release evidence.**",
            "",
        ]
    lines += [
        "| | |",
        "|---|---|",
        f"| Version | {_cell(bundle.get('version'))} ({_cell(release.get('kind'))}) |",
        f"| Repository | {_cell(bundle.get('repository'))} |",
        f"| Tagged commit | {_code(bundle.get('commit'))} |",
        f"| Release type | {_cell(release.get('type'))}, rollout {_cell(release.get('rollout'))} |",
        f"| Pull request | #{_cell(pr.get('number'))} {_cell(pr.get('title'))}"
        f" by {_cell('@' + str(pr.get('author')))} |",
        f"| Merged | {_cell(pr.get('merged_at'))} into {_cell(pr.get('base_ref'))}"
        f" (merge commit {_code(pr.get('merge_commit_sha'))}) |",
        f"| Head approved | {_code(pr.get('head_sha'))} ({_cell(pr.get('head_ref'))}) |",
        f"| Policy | {_code(policy.get('path'))} at base {_code(policy.get('ref'))}"
        f"{'' if policy.get('found') else ' (absent: runbook defaults)'} |",
        f"| Sign-off | **{_cell(signoff.get('decision'))}**, recomputed from GitHub |",
        f"| Generated | {_cell(bundle.get('generated_at'))} by releasekit"
        f" {_cell(bundle.get('releasekit_version'))} |",
        "",
        f"{h}# Approvals",
        "",
        "| Role | Who | Approved at | Holds the role by |",
        "|---|---|---|---|",
    ]
    for a in bundle.get("approvals") or []:
        role = a.get("role")
        title = next((t for r, t in ROLE_TITLES.items() if r == role), str(role))
        lines.append(
            f"| {_cell(title)} | {_cell('@' + str(a.get('login')))} | {_cell(a.get('approved_at'))}"
            f" | {_cell(a.get('via'))} |"
        )
    lines += ["", f"{h}# Checks", "", "| Check | Verdict | Errors | Warnings | Notices |"]
    lines.append("|---|---|---|---|---|")
    for name, check in (bundle.get("checks") or {}).items():
        if check is None:
            lines.append(f"| {_cell(name)} | not run | | | |")
            continue
        c = check.get("counts") or {}
        lines.append(
            f"| {_cell(name)} | {_cell(check.get('verdict'))} | {c.get('error', 0)}"
            f" | {c.get('warning', 0)} | {c.get('notice', 0)} |"
        )
    audit = bundle.get("audit") or {}
    lines += ["", f"{h}# Audit evidence", ""]
    lines.append(f"Audit log: {_sha(audit.get('log'))}")
    lines.append("")
    units = audit.get("units") or []
    if units:
        lines += [
            "| Strategy or model | Version | Audit | Verdict | Audit report | Paper report |",
            "|---|---|---|---|---|---|",
        ]
        for u in units:
            lines.append(
                f"| {_cell(u.get('name'))} ({_cell(u.get('kind'))}) | {_cell(u.get('version'))}"
                f" | {_cell(u.get('audit_id'))}, {_cell(u.get('audit_date'))}"
                f" | {_cell(u.get('verdict'))} | {_sha(u.get('report'))}"
                f" | {_sha(u.get('paper_report'))} |"
            )
    else:
        lines.append("No strategy or model was released: no audit report applies.")
    debt = bundle.get("hotfix_debt") or {}
    overdue = debt.get("overdue") or []
    lines += ["", f"{h}# Hotfix debt", ""]
    if not debt.get("checked"):
        lines.append(f"Not checked for a {_cell(release.get('kind'))} release.")
    for item in overdue:
        lines.append(f"- {md_escape(str(item))}")
    if debt.get("checked") and not overdue:
        lines.append("None outstanding.")
    notes = bundle.get("release_notes")
    lines += ["", f"{h}# Release notes", ""]
    if isinstance(notes, str) and notes.strip():
        fence = _fence(notes)
        lines += [f"{fence}markdown", notes.rstrip("\n"), fence]
    else:
        lines.append("—")
    return "\n".join(lines) + "\n"


def render_details(report: Report) -> str:
    """The job summary's details: the bundle when it was made, else what was decided."""
    bundle = report.data.get("bundle")
    if isinstance(bundle, Mapping):
        return render_bundle_markdown(bundle, level=4)
    d = report.data
    pr = d.get("pull_request")
    rows = [
        "| | |",
        "|---|---|",
        f"| Tag | {_cell(d.get('tag'))} ({_cell(d.get('release_kind'))}) |",
        f"| Tagged commit | {_code(d.get('commit'))} |",
        f"| Pull request | {'#' + str(pr) if pr is not None else 'none merged from this commit'} |",
        f"| Sign-off | {_cell(d.get('signoff_decision'))} |",
        "",
        "The evidence bundle was not written: it is written only for a tag that passes.",
    ]
    return "\n".join(rows)
