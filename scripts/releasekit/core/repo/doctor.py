"""``releasekit doctor``: are the repository's GitHub settings what the gates rely on? (DOC rules)

Pure: the settings as facts in (read by ``cli.doctor`` through the GitHub port, or from an
offline fixture), a ``Report`` out. A gate only decides; these settings make its decision
binding (docs/branch-protection.md). Each finding names the setting, why the gates need it,
and the exact fix: the path in GitHub's settings pages and the ``gh api`` call.

What is checked, on the default branch:

* pull requests, the gate's check ``releasekit / gate``, stale-approval dismissal and
  code-owner review are required — by classic branch protection **or** a ruleset (either
  counts; DOC001–DOC004, DOC014, DOC015);
* CODEOWNERS exists and owns the policy file, the workflows and itself (DOC005, DOC006);
* the rollout environments exist and make a deployment wait for a person or a timer
  (DOC007, DOC008): a workflow naming a missing environment gets an unprotected one
  created on the fly (threat 17);
* GITHUB_TOKEN is read-only by default and Actions may not approve pull requests (DOC009,
  DOC010);
* the policy file is present and valid (DOC011, DOC012).

A setting the token may not read is an ``Unreadable`` fact. It is never a pass and never an
error: it is a warning (DOC013) naming what would let doctor read it, and the checks it
would have decided stay undecided. The verdict is ``blocked`` only when a required setting
is definitely wrong.

Why this file is long: fifteen checks, each with its own message, the reason the gates need
the setting and the exact fix in two forms (the settings page and the ``gh api`` call); they
share one model of "required by protection or by a ruleset, or unreadable", which splitting
by check would scatter across files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from releasekit.core.github_facts import (
    ActionsPermissions,
    BranchProtection,
    BranchRule,
    DeploymentEnvironment,
    RepositoryInfo,
)
from releasekit.core.globs import glob_body
from releasekit.core.render import md_escape
from releasekit.core.report import Finding, Level, Report, finding
from releasekit.core.signoff.policy import POLICY_PATH, parse_policy
from releasekit.core.yamldoc import parse_yaml
from releasekit.errors import InputError, Problem

TOOL = "doctor"
DEFAULT_REQUIRED_CHECK = "releasekit / gate"
# The runbook's rollout goes paper first, then live (Phase 4); a policy's rollout section may
# name only some of them.
DEFAULT_ENVIRONMENTS: tuple[str, ...] = ("paper", "live")
# Where GitHub looks for CODEOWNERS, in its order: the first one found is the one in force.
CODEOWNERS_PATHS: tuple[str, ...] = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
WORKFLOWS_DIR = ".github/workflows/"
# A file a pull request could add to the workflows directory: CODEOWNERS must own it too.
_WORKFLOW_SAMPLES = (".github/workflows/releasekit.yml", ".github/workflows/new-workflow.yaml")
# The GitHub Actions app on github.com; a required check pinned to it cannot be satisfied by
# a same-name check run of another app (threat 15). GHES installations have their own id.
GITHUB_ACTIONS_APP_ID = 15368
DOCS = "docs/doctor.md"

Decision = Literal["yes", "no", "unknown"]


@dataclass(frozen=True)
class Unreadable:
    """A setting or file this token may not read: what, why, and what would let it."""

    what: str
    permission: str
    detail: str


@dataclass(frozen=True)
class FoundFile:
    """A file read from the default branch."""

    path: str
    text: str


@dataclass(frozen=True)
class SettingsFacts:
    """Everything doctor looks at, as read from GitHub (or from a fixture).

    ``environments`` pairs each environment name doctor was asked about with what GitHub
    said (None: no such environment). ``codeowners`` and ``policy`` are a ``Problem`` when
    the file is there but unusable (a directory, too large, not UTF-8).
    """

    repository: RepositoryInfo
    protection: BranchProtection | Unreadable | None
    rules: tuple[BranchRule, ...] | Unreadable
    environments: tuple[tuple[str, DeploymentEnvironment | Unreadable | None], ...]
    actions: ActionsPermissions | Unreadable
    codeowners: FoundFile | Unreadable | Problem | None
    policy: str | Unreadable | Problem | None
    environments_from: str = "the runbook's defaults"


# -- which environments --------------------------------------------------------------------


def environment_names(policy_text: str | None) -> tuple[tuple[str, ...], str]:
    """The environments the rollout deploys to, and where that list came from.

    From the policy's ``rollout:`` stages when the policy has that section and it parses;
    otherwise the runbook's ``paper`` and ``live`` (an invalid policy is DOC012's business,
    and checking the default environments then is the useful thing to do).
    """
    if policy_text is None:
        return DEFAULT_ENVIRONMENTS, "the runbook's defaults"
    stages: Any = None
    try:
        # NOTE: once core.policy knows the rollout section, the parsed policy carries it;
        # until then the section is parsed on its own, exactly as the rollout gate does.
        policy: Any = parse_policy(policy_text, shown_as=POLICY_PATH)
        stages = getattr(getattr(policy, "rollout", None), "stages", None)
    except InputError:
        stages = None
    if stages is None:
        try:
            doc = parse_yaml(policy_text, shown_as=POLICY_PATH)
            data = doc.data if isinstance(doc.data, dict) else {}
            if data.get("rollout") is None:
                return DEFAULT_ENVIRONMENTS, "the runbook's defaults"
            from releasekit.core.rollout.plan import parse_rollout_section

            stages = parse_rollout_section(data["rollout"], doc).stages
        except InputError:
            return DEFAULT_ENVIRONMENTS, "the runbook's defaults (the policy did not parse)"
    names: list[str] = []
    for stage in stages:
        name = str(getattr(stage, "environment", ""))
        if name and name not in names:
            names.append(name)
    if not names:
        return DEFAULT_ENVIRONMENTS, "the runbook's defaults"
    return tuple(names), f"the rollout stages in {POLICY_PATH}"


# -- CODEOWNERS ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeownersRule:
    """One valid CODEOWNERS line: a pattern and its owners (none: explicitly unowned)."""

    line: int
    pattern: str
    owners: tuple[str, ...]


@dataclass(frozen=True)
class Codeowners:
    """A parsed CODEOWNERS file; ``skipped`` are the lines GitHub ignores as invalid."""

    rules: tuple[CodeownersRule, ...]
    skipped: tuple[int, ...] = ()

    def owner_rule(self, path: str) -> CodeownersRule | None:
        """The rule in force for ``path``: the last matching one, as on GitHub."""
        found = None
        for rule in self.rules:
            if pattern_matches(rule.pattern, path):
                found = rule
        return found


def parse_codeowners(text: str) -> Codeowners:
    """Parse CODEOWNERS the way GitHub reads it (docs: "About code owners").

    ``#`` starts a comment; each line is a pattern and zero or more owners (``@user``,
    ``@org/team`` or an e-mail address). GitHub skips a line it cannot use — a ``!``
    negation, a ``[...]`` range, an owner that is neither — so such lines own nothing here.
    """
    rules: list[CodeownersRule] = []
    skipped: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        tokens: list[str] = []
        for token in raw.split():
            if token.startswith("#"):
                break
            tokens.append(token)
        if not tokens:
            continue
        pattern, owners = tokens[0], tuple(tokens[1:])
        if pattern.startswith("\\#"):
            pattern = pattern[1:]
        if (
            pattern.startswith("!")
            or "[" in pattern
            or "]" in pattern
            or pattern.strip("/") == ""
            or any("@" not in owner for owner in owners)
        ):
            skipped.append(number)
            continue
        rules.append(CodeownersRule(number, pattern, owners))
    return Codeowners(tuple(rules), tuple(skipped))


def pattern_matches(pattern: str, path: str) -> bool:
    """Whether a CODEOWNERS ``pattern`` applies to the file ``path`` (repository-relative).

    The subset GitHub documents: a pattern with a ``/`` at the start or in the middle is
    anchored at the root, otherwise it matches at any depth; a pattern naming a directory
    (``/docs/``, ``apps/``, ``/build/logs``) owns everything below it; ``docs/*`` owns only
    the files directly in ``docs``; ``**`` matches across directories.
    """
    dir_only = pattern.endswith("/")
    body = pattern.strip("/")
    anchored = pattern.startswith("/") or "/" in body
    last = body.rsplit("/", 1)[-1]
    # "docs/*" owns docs/a.md but not docs/sub/b.md (GitHub's own example): a wildcard in the
    # last segment does not extend to what lies below a matching directory.
    below = dir_only or last == "**" or not any(c in last for c in "*?")
    start = "" if anchored else "(?:.*/)?"
    regex = start + glob_body(body)
    if not dir_only and re.fullmatch(regex, path):
        return True
    return below and re.match(regex + "/", path) is not None


# -- evaluation ------------------------------------------------------------------------------


@dataclass
class _Undecided:
    """The checks an unreadable source left undecided, per source."""

    by_source: dict[str, list[str]] = field(default_factory=dict)

    def add(self, source: Unreadable, check: str) -> None:
        self.by_source.setdefault(source.what, []).append(check)


def evaluate(
    facts: SettingsFacts,
    *,
    required_check: str = DEFAULT_REQUIRED_CHECK,
    strict: bool = False,
) -> Report:
    """The DOC findings for ``facts``; ``strict`` makes an unreadable setting an error.

    ``required_check`` is the check name the default branch must require (the gate job of
    the caller workflow, ``releasekit / gate`` with the quickstart's job id).
    """
    undecided = _Undecided()
    findings: list[Finding] = []
    findings += _branch(facts, required_check, undecided)
    findings += _codeowners(facts, undecided)
    findings += _environments(facts, undecided)
    findings += _actions(facts, undecided)
    findings += _policy(facts, undecided)
    findings += _unreadable(facts, undecided, strict=strict)
    unreadable = [u.what for u in _sources(facts)]
    return Report(
        TOOL,
        facts.repository.full_name,
        tuple(findings),
        {
            "repository": facts.repository.full_name,
            "default_branch": facts.repository.default_branch,
            "required_check": required_check,
            "environments": [name for name, _ in facts.environments],
            "environments_from": facts.environments_from,
            "unreadable": unreadable,
            "undecided": {k: list(v) for k, v in undecided.by_source.items()},
        },
    )


def _sources(facts: SettingsFacts) -> list[Unreadable]:
    values: list[object] = [
        facts.protection,
        facts.rules,
        *(env for _, env in facts.environments),
        facts.actions,
        facts.codeowners,
        facts.policy,
    ]
    return [v for v in values if isinstance(v, Unreadable)]


def _decide(protection: bool, rules: bool, unreadable: Iterable[Unreadable]) -> Decision:
    if protection or rules:
        return "yes"
    return "unknown" if any(True for _ in unreadable) else "no"


def _classic_ui(branch: str) -> str:
    return f"Settings → Branches → Branch protection rules → {branch} (Edit, or Add rule)"


def _ruleset_ui(branch: str) -> str:
    return (
        "or in a branch ruleset: Settings → Rules → Rulesets → (the ruleset targeting"
        f" {branch}, or New branch ruleset)"
    )


def _put_protection(repo: str, branch: str) -> str:
    return (
        f"gh api --method PUT repos/{repo}/branches/{branch}/protection --input"
        f" protection.json (the recommended JSON is in {DOCS}#protectionjson; it sets every"
        " setting doctor checks at once)"
    )


def _reviews_patch(repo: str, branch: str, settings: str) -> str:
    return (
        f"gh api --method PATCH repos/{repo}/branches/{branch}/protection/"
        f"required_pull_request_reviews {settings}"
    )


def _branch(facts: SettingsFacts, check: str, undecided: _Undecided) -> list[Finding]:
    repo, branch = facts.repository.full_name, facts.repository.default_branch
    protection = facts.protection if isinstance(facts.protection, BranchProtection) else None
    rules = facts.rules if isinstance(facts.rules, tuple) else ()
    blind = [s for s in (facts.protection, facts.rules) if isinstance(s, Unreadable)]
    pr_rules = [r for r in rules if r.type == "pull_request"]
    check_rules = [r for r in rules if r.type == "required_status_checks"]
    has_reviews = protection is not None and protection.requires_pull_request
    out: list[Finding] = []

    def unknown(label: str) -> None:
        for source in blind:
            undecided.add(source, label)

    # DOC001: pull requests (and at least one approval) required.
    pr = _decide(has_reviews, bool(pr_rules), blind)
    if pr == "no":
        out.append(
            finding(
                "DOC001",
                "error",
                f"{branch} does not require a pull request before merging: anyone who can push"
                " goes around every gate",
                hint=f"{_classic_ui(branch)}: tick “Require a pull request before merging” with"
                " “Require approvals” at 1 or more; "
                + _ruleset_ui(branch)
                + ": add “Require a pull request before merging”. API: "
                + _put_protection(repo, branch),
            )
        )
    elif pr == "unknown":
        unknown("DOC001 pull requests required")
    else:
        approvals = max(
            [protection.required_approving_review_count if protection else 0]
            + [r.required_approving_review_count for r in pr_rules]
        )
        if approvals == 0 and not blind:
            fix = (
                _reviews_patch(repo, branch, "-F required_approving_review_count=1")
                if has_reviews
                else f"{_ruleset_ui(branch)}: set “Required approvals” to 1 or more"
            )
            out.append(
                finding(
                    "DOC001",
                    "warning",
                    f"{branch} requires a pull request but no approving review: the policy's"
                    " roles are the gate's business, but one approval is GitHub's floor",
                    hint=f"{_classic_ui(branch)}: “Require approvals” at 1 or more. API: {fix}",
                )
            )

    # DOC002: the gate's check is required; DOC014: and pinned to GitHub Actions.
    required = [c for c in (protection.required_checks if protection else ()) if c.context == check]
    required += [c for r in check_rules for c in r.required_checks if c.context == check]
    status = _decide(bool(required), False, blind)
    if status == "no":
        others = sorted(
            {c.context for c in (protection.required_checks if protection else ())}
            | {c.context for r in check_rules for c in r.required_checks}
        )
        listed = ", ".join(f"“{c}”" for c in others) if others else "none"
        add = (
            f"gh api --method POST repos/{repo}/branches/{branch}/protection/"
            f"required_status_checks/contexts -f 'contexts[]={check}'"
            if protection is not None and protection.required_checks
            else _put_protection(repo, branch)
        )
        out.append(
            finding(
                "DOC002",
                "error",
                f"{branch} does not require the check “{check}”, so a failing gate does not"
                f" block the merge (required checks: {listed})",
                hint=f"{_classic_ui(branch)}: “Require status checks to pass before merging”,"
                f" search for “{check}” (it is listed once the gate has run on a pull request)"
                f" and add it; {_ruleset_ui(branch)}: “Require status checks to pass”. Require"
                " the gate job, not the individual jobs or the releasekit/signoff check run."
                f" API: {add}",
            )
        )
    elif status == "unknown":
        unknown(f"DOC002 “{check}” required")
    elif all(c.app_id is None for c in required):
        out.append(
            finding(
                "DOC014",
                "notice",
                f"the required check “{check}” may be reported by any app: a check run of the"
                " same name from another app or workflow would satisfy it",
                hint=f"{_classic_ui(branch)}: next to “{check}”, choose GitHub Actions as the"
                f" expected source; in a ruleset, pick the GitHub Actions app. API: the"
                f' `checks` entry {{"context": "{check}", "app_id": {GITHUB_ACTIONS_APP_ID}}}'
                f" in protection.json ({DOCS}#protectionjson; GitHub Enterprise Server has its own"
                " app id)",
            )
        )

    # DOC003: stale approvals dismissed; DOC004: code owners review.
    def review_setting(
        rule: str,
        label: str,
        decided: Decision,
        patch: str,
        message: str,
        steps: tuple[str, str],
    ) -> None:
        if decided == "no":
            fix = (
                _reviews_patch(repo, branch, patch)
                if has_reviews
                else _put_protection(repo, branch)
            )
            out.append(
                finding(
                    rule,
                    "error",
                    message,
                    hint=f"{_classic_ui(branch)}: {steps[0]}; {_ruleset_ui(branch)}: {steps[1]}."
                    f" API: {fix}",
                )
            )
        elif decided == "unknown":
            unknown(f"{rule} {label}")

    review_setting(
        "DOC003",
        "stale approvals dismissed",
        _decide(
            protection is not None and protection.dismiss_stale_reviews,
            any(r.dismiss_stale_reviews_on_push for r in pr_rules),
            blind,
        ),
        "-F dismiss_stale_reviews=true",
        f"{branch} keeps approvals after new commits are pushed: an approval of an"
        " earlier commit still counts for the merge (threat 8)",
        (
            "tick “Dismiss stale pull request approvals when new commits are pushed”",
            "the same option under “Require a pull request before merging”",
        ),
    )
    review_setting(
        "DOC004",
        "code-owner review required",
        _decide(
            protection is not None and protection.require_code_owner_reviews,
            any(r.require_code_owner_review for r in pr_rules),
            blind,
        ),
        "-F require_code_owner_reviews=true",
        f"{branch} does not require review from code owners: a pull request can change"
        " the release policy or the workflows without their owners",
        ("tick “Require review from Code Owners”", "“Require review from Code Owners”"),
    )

    # DOC015: administrators cannot bypass classic protection (rulesets' bypass lists are not
    # visible through the rules of a branch, so only classic protection is judged).
    if protection is not None and not protection.enforce_admins:
        out.append(
            finding(
                "DOC015",
                "warning",
                f"administrators can merge into {branch} without the required checks and"
                " reviews (“Do not allow bypassing the above settings” is off)",
                hint=f"{_classic_ui(branch)}: tick “Do not allow bypassing the above settings”."
                f" API: gh api --method POST repos/{repo}/branches/{branch}/protection/"
                "enforce_admins",
            )
        )
    elif isinstance(facts.protection, Unreadable):
        undecided.add(facts.protection, "DOC015 administrators cannot bypass")
    return out


def _codeowners(facts: SettingsFacts, undecided: _Undecided) -> list[Finding]:
    branch = facts.repository.default_branch
    found = facts.codeowners
    if isinstance(found, Unreadable):
        undecided.add(found, "DOC005 CODEOWNERS present")
        undecided.add(found, "DOC006 CODEOWNERS owns the policy and the workflows")
        return []
    if isinstance(found, Problem):
        return [
            finding(
                "DOC005",
                "error",
                f"CODEOWNERS on {branch} cannot be used: {found.message}",
                file=found.file,
                hint=found.hint or "make it a plain text file at .github/CODEOWNERS",
            )
        ]
    if found is None:
        return [
            finding(
                "DOC005",
                "error",
                f"{branch} has no CODEOWNERS ({', '.join(CODEOWNERS_PATHS)}): nobody in"
                " particular has to review changes to the release policy or the workflows",
                hint=f"add .github/CODEOWNERS on {branch} owning /.github/release-policy.yml,"
                " /.github/workflows/ and /.github/CODEOWNERS (`releasekit init` writes one;"
                " docs/branch-protection.md#codeowners)",
            )
        ]
    parsed = parse_codeowners(found.text)
    out: list[Finding] = []
    guarded: list[tuple[str, tuple[str, ...], Level]] = [
        (POLICY_PATH, (POLICY_PATH,), "error"),
        (WORKFLOWS_DIR, _WORKFLOW_SAMPLES, "error"),
        # Unowned CODEOWNERS: a pull request that only edits CODEOWNERS needs no owner, and
        # after it the policy is unowned. A warning: the protection above still holds today.
        (found.path, (found.path,), "warning"),
    ]
    for shown, samples, level in guarded:
        for sample in samples:
            rule = parsed.owner_rule(sample)
            if rule is not None and rule.owners:
                continue
            why = (
                f"line {rule.line} (`{rule.pattern}`) is the last match and names no owner"
                if rule is not None
                else "no line matches it"
            )
            what = shown if sample == shown else f"{sample} (a file in {shown})"
            anchored = "/" + shown
            out.append(
                finding(
                    "DOC006",
                    level,
                    f"CODEOWNERS does not give {what} an owner ({why}), so changing it needs"
                    " no code owner's review",
                    file=found.path,
                    line=rule.line if rule is not None else None,
                    hint=f"add `{anchored} @your-org/release-owners` at the end of"
                    f" {found.path} (the last matching line wins) and merge it into {branch}",
                )
            )
            break
    if parsed.skipped:
        lines = ", ".join(str(n) for n in parsed.skipped)
        out.append(
            finding(
                "DOC006",
                "warning",
                f"GitHub ignores CODEOWNERS line(s) {lines}: a `!` negation, a `[...]` range or"
                " an owner that is not @user, @org/team or an e-mail address",
                file=found.path,
                line=parsed.skipped[0],
                hint="fix or remove those lines; GitHub shows the errors on the file's page",
            )
        )
    return out


def _environments(facts: SettingsFacts, undecided: _Undecided) -> list[Finding]:
    repo = facts.repository.full_name
    out: list[Finding] = []
    for name, env in facts.environments:
        if isinstance(env, Unreadable):
            undecided.add(env, f"DOC007/DOC008 environment “{name}”")
            continue
        ui = f"Settings → Environments → {name}"
        if env is None:
            out.append(
                finding(
                    "DOC007",
                    "error",
                    f"environment “{name}” does not exist: the first workflow run that deploys"
                    f" to it creates it with no protection at all (threat 17; from"
                    f" {facts.environments_from})",
                    hint=f"Settings → Environments → New environment → “{name}”, then add its"
                    f" protection (DOC008). API: gh api --method PUT repos/{repo}/environments/"
                    f"{name}",
                )
            )
            continue
        protect = (
            f"{ui}: tick “Required reviewers” and add the people or team who approve"
            f" deployments (and “Prevent self-review”), or set a “Wait timer”. API: gh api"
            f" --method PUT repos/{repo}/environments/{name} --input - <<<"
            ' \'{"reviewers":[{"type":"Team","id":TEAM_ID}],"prevent_self_review":true}\''
            " (TEAM_ID: gh api orgs/ORG/teams/SLUG --jq .id)"
        )
        if not env.protected:
            private = facts.repository.private
            out.append(
                finding(
                    "DOC008",
                    "warning" if private else "error",
                    f"environment “{name}” has no required reviewers and no wait timer: a"
                    " deployment to it waits for nobody"
                    + (
                        " (on a private repository these rules need GitHub Enterprise; on Free,"
                        " Pro and Team plans they exist only for public repositories)"
                        if private
                        else ""
                    ),
                    hint=protect,
                )
            )
        elif env.reviewers and not env.prevent_self_review:
            out.append(
                finding(
                    "DOC008",
                    "warning",
                    f"environment “{name}”: the person who starts a deployment may approve it"
                    " themselves (threat 9)",
                    hint=f"{ui}: tick “Prevent self-review”. API: gh api --method PUT"
                    f" repos/{repo}/environments/{name} -F prevent_self_review=true (send the"
                    " reviewers again in the same call: PUT replaces the settings)",
                )
            )
        if env.branch_policy == "all":
            out.append(
                finding(
                    "DOC008",
                    "notice",
                    f"environment “{name}” accepts deployments from any branch or tag",
                    hint=f"{ui}: “Deployment branches and tags” → Selected branches and tags,"
                    " rule `v*` for tags (the release tags) — or Protected branches only",
                )
            )
    return out


def _actions(facts: SettingsFacts, undecided: _Undecided) -> list[Finding]:
    actions = facts.actions
    repo = facts.repository.full_name
    if isinstance(actions, Unreadable):
        undecided.add(actions, "DOC009 GITHUB_TOKEN read-only by default")
        undecided.add(actions, "DOC010 Actions may not approve pull requests")
        return []
    ui = "Settings → Actions → General → Workflow permissions"
    api = (
        f"gh api --method PUT repos/{repo}/actions/permissions/workflow"
        " -f default_workflow_permissions=read -F can_approve_pull_request_reviews=false"
    )
    out: list[Finding] = []
    if actions.default_workflow_permissions == "write":
        out.append(
            finding(
                "DOC009",
                "error",
                "GITHUB_TOKEN gets read and write permissions by default: any workflow job that"
                " does not set `permissions:` can push, tag and approve (threat 4)",
                hint=f"{ui} → “Read repository contents and packages permissions”. API: {api}",
            )
        )
    if actions.can_approve_pull_request_reviews:
        out.append(
            finding(
                "DOC010",
                "error",
                "“Allow GitHub Actions to create and approve pull requests” is on: a workflow"
                " can approve a pull request with GITHUB_TOKEN and stand in for a reviewer",
                hint=f"{ui} → untick “Allow GitHub Actions to create and approve pull"
                " requests” (prepare-release.yml then needs an App token to open its pull"
                f" request). API: {api}",
            )
        )
    return out


def _policy(facts: SettingsFacts, undecided: _Undecided) -> list[Finding]:
    policy = facts.policy
    branch = facts.repository.default_branch
    if isinstance(policy, Unreadable):
        undecided.add(policy, "DOC011/DOC012 policy file present and valid")
        return []
    if isinstance(policy, Problem):
        return [
            finding(
                "DOC012",
                "error",
                f"{POLICY_PATH} on {branch} cannot be used: {policy.message}",
                file=policy.file or POLICY_PATH,
                line=policy.line,
                hint=(policy.hint + "; " if policy.hint else "")
                + f"make {POLICY_PATH} a UTF-8 YAML file (docs/templates/release-policy.yml)"
                f" and merge it into {branch}",
            )
        ]
    if policy is None:
        return [
            finding(
                "DOC011",
                "warning",
                f"{branch} has no {POLICY_PATH}: the gates apply the runbook's defaults",
                file=POLICY_PATH,
                hint="copy docs/templates/release-policy.yml to .github/release-policy.yml (or"
                f" run `releasekit init`), adjust it, and merge it into {branch} so that"
                " CODEOWNERS guards the numbers the gates use",
            )
        ]
    try:
        parse_policy(policy, shown_as=POLICY_PATH)
    except InputError as exc:
        problem = exc.problem
        return [
            finding(
                "DOC012",
                "error",
                f"{POLICY_PATH} on {branch} is not valid, so every gate that reads it stops"
                f" with exit 2: {problem.message}",
                file=problem.file or POLICY_PATH,
                line=problem.line,
                hint=(problem.hint + "; " if problem.hint else "")
                + "check it with `releasekit policy validate`",
            )
        ]
    return []


def _unreadable(facts: SettingsFacts, undecided: _Undecided, *, strict: bool) -> list[Finding]:
    out: list[Finding] = []
    seen: set[str] = set()
    for source in _sources(facts):
        if source.what in seen:
            continue
        seen.add(source.what)
        checks = undecided.by_source.get(source.what, [])
        level: Level = "error" if strict else ("warning" if checks else "notice")
        if checks:
            message = (
                f"doctor could not read {source.what} with this token ({source.detail}), so it"
                f" did not check: {'; '.join(checks)}"
            )
        else:
            message = (
                f"doctor could not read {source.what} with this token ({source.detail}); the"
                " checks it serves were decided from the settings it could read"
            )
        out.append(
            finding(
                "DOC013",
                level,
                message,
                hint=f"run doctor with {source.permission} ({DOCS}#the-token)",
            )
        )
    return out


def details_markdown(report: Report) -> str:
    """The job summary's extra section: what doctor read and what it could not."""
    data = report.data
    if not data.get("repository"):
        return ""
    environments = ", ".join(f"`{md_escape(str(e))}`" for e in data.get("environments", []))
    lines = [
        "",
        f"Default branch `{md_escape(str(data.get('default_branch')))}`; required check"
        f" “{md_escape(str(data.get('required_check')))}”; environments {environments} (from"
        f" {md_escape(str(data.get('environments_from')))}).",
    ]
    unreadable = [md_escape(str(u)) for u in data.get("unreadable") or []]
    if unreadable:
        lines.append("")
        lines.append("Not readable with this token: " + "; ".join(unreadable) + ".")
    return "\n".join(lines) + "\n"


__all__ = [
    "CODEOWNERS_PATHS",
    "DEFAULT_ENVIRONMENTS",
    "DEFAULT_REQUIRED_CHECK",
    "GITHUB_ACTIONS_APP_ID",
    "TOOL",
    "Codeowners",
    "CodeownersRule",
    "FoundFile",
    "SettingsFacts",
    "Unreadable",
    "details_markdown",
    "environment_names",
    "evaluate",
    "parse_codeowners",
    "pattern_matches",
]
