"""``releasekit verify-audit``: audit evidence for strategy and model releases (rules AUD0xx).

Runbook step: Phase 1 step 5 ("Verify audit status": ``verify_audit.py --strategy=ICT_QM``)
and the tag-push pipeline's ``audit_check`` job (``--version`` = the tag). Offline; needs no
token. Replaces the runbook's own script, which could not run (``re`` never imported),
ignored ``--version=`` and let a release missing from the audit log pass with a warning.

Which strategies: ``--strategy NAME`` (repeatable), ``--changed-since REF`` (those whose
source, audit report or paper report changed since REF; all of them when the audit log or
the policy changed), or ``--all`` (the default). docs/verify-audit.md has the details.

Which policy: ``.github/release-policy.yml`` of the checkout, or with ``--policy-ref REF`` that
file as it is in the commit ``REF`` (read from git, never from the working tree). The PR gate
passes the pull request's base commit: a pull request runs with its own files, so a policy read
from the checkout would let it loosen its own audit thresholds (reference/github-facts.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from releasekit.adapters.files import read_text
from releasekit.adapters.git import changed_files
from releasekit.cli.common import ArgumentParser, new_parser, run_gate, today, usage_failure
from releasekit.core.audit.formats import parse_audit_log, valid_name
from releasekit.core.audit.junit import parse_junit
from releasekit.core.audit.rules import (
    TOOL,
    AuditInputs,
    evaluate_audit,
    render_details,
)
from releasekit.core.report import Finding, Report, finding
from releasekit.core.signoff.policy import POLICY_PATH, Policy
from releasekit.errors import InputError
from releasekit.workspace.audit import (
    JUNIT_MAX_BYTES,
    Source,
    _paper_rel,
    _read_optional,
    _report_rel,
    discover,
    load_policy_at_ref,
    load_unit,
    release_info,
)
from releasekit.workspace.policy import load_policy
from releasekit.workspace.release_files import shown


def parser() -> ArgumentParser:
    """The command's options (``release-check`` reuses them)."""
    p = new_parser(f"releasekit {TOOL}", (__doc__ or TOOL).splitlines()[0])
    p.add_argument("--repo", type=Path, default=Path(), help="repository root (default: .)")
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--strategy",
        action="append",
        metavar="NAME",
        help="check this strategy or model (repeatable), e.g. ICT_QM",
    )
    which.add_argument(
        "--changed-since",
        metavar="REF",
        help="check the strategies and models whose files changed since REF (git)",
    )
    which.add_argument(
        "--all", action="store_true", help="check every strategy and model (the default)"
    )
    p.add_argument(
        "--version",
        metavar="X.Y.Z",
        help="the release being made (vX.Y.Z accepted; default: version.yaml's version)",
    )
    p.add_argument(
        "--release-date",
        metavar="YYYY-MM-DD",
        help="the release date audits are aged against (default: version.yaml's release_date)",
    )
    p.add_argument(
        "--bias-junit",
        metavar="FILE",
        type=Path,
        help="JUnit XML of the anti-bias tests (pytest tests/test_bias.py --junitxml=FILE)",
    )
    p.add_argument(
        "--policy-ref",
        metavar="REF",
        help="read .github/release-policy.yml as it is in the commit REF (git), not from the"
        " checkout; in a pull request, the base commit",
    )
    return p


def _select(
    args: object, repo: Path, policy: Policy, sources: list[Source]
) -> tuple[list[Source], list[Finding], str]:
    """The sources to check, the selection's findings (AUD015/AUD019), and its description."""
    names: list[str] | None = getattr(args, "strategy", None)
    since: str | None = getattr(args, "changed_since", None)
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
    if since is None:
        if not sources:
            findings.append(
                finding(
                    "AUD015",
                    "error",
                    f"no strategies (*.pine under {paths.strategies}/) or models (*.py under"
                    f" {paths.models}/) found",
                    hint="check --repo and the policy's paths",
                )
            )
        return everything, findings, "all strategies and models"

    changed = set(changed_files(repo, since))
    description = f"changed since {since}"
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
        s for s in everything if {s.rel, _report_rel(policy, s), _paper_rel(policy, s)} & changed
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
    for rel in sorted(changed):
        in_dirs = rel.startswith((paths.strategies + "/", paths.models + "/"))
        deleted = rel not in known and not (repo / rel).exists()
        if in_dirs and rel.endswith((".pine", ".py")) and deleted:
            findings.append(
                finding("AUD019", "notice", f"{rel} was deleted since {since}; not checked")
            )
    return chosen, findings, description


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


def evaluate(args: argparse.Namespace) -> Report:
    """Load everything the gate reads for parsed options, then evaluate.

    Raises ``InputError``/``InfraError`` when the inputs are unusable (``run_gate`` turns them
    into the report); ``release-check`` calls it in-process with its own options.
    """
    repo: Path = args.repo
    subject = f"{shown(repo)}"
    if not repo.is_dir():
        raise InputError(
            f"repository directory {repo} not found", hint="pass --repo DIR (default: .)"
        )
    # getattr: an in-process caller may build its Namespace without parser()'s defaults.
    policy_ref: str | None = getattr(args, "policy_ref", None)
    if policy_ref is None:
        policy, notices = load_policy(repo)
    else:
        policy, notices = load_policy_at_ref(repo, policy_ref)
    release = release_info(repo, args.version, args.release_date)
    sources, bad_names = _invalid_stems(discover(repo, policy))
    selected, selection_findings, selection = _select(args, repo, policy, sources)
    if args.strategy is None:
        selection_findings = bad_names + selection_findings
    units = tuple(load_unit(repo, policy, s) for s in selected)
    log_text, log_name = _read_optional(repo, policy.paths.audit_log, "audit log")
    log = None if log_text is None else parse_audit_log(log_text, shown_as=log_name)
    bias = None
    if args.bias_junit is not None:
        junit_name = shown(args.bias_junit)
        bias = parse_junit(
            read_text(
                args.bias_junit,
                what="JUnit XML",
                shown_as=junit_name,
                max_bytes=JUNIT_MAX_BYTES,
            ),
            shown_as=junit_name,
        )
    extra: list[Finding] = list(notices) + selection_findings
    if release.date > today():
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
    inputs = AuditInputs(
        policy=policy,
        release=release,
        units=units,
        log=log,
        log_shown=log_name,
        bias=bias,
        selection=selection,
        findings=tuple(extra),
    )
    return evaluate_audit(inputs, subject=f"{subject}: {selection}")


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse → load → evaluate → report → exit code."""
    parser_ = parser()
    try:
        args = parser_.parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc)
    return run_gate(TOOL, shown(args.repo), args, lambda: evaluate(args), details=render_details)


if __name__ == "__main__":
    sys.exit(main())
