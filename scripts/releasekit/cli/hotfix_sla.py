"""``releasekit hotfix-sla``: every hotfix has its post-mortem (24 h) and proper release (48 h).

Runbook: Emergency Release (Hotfix), steps 6-7. Called by ``.github/workflows/hotfix-sla.yml``
on the caller's schedule; exits 1 while any debt is overdue, and with ``--github`` keeps ONE
issue (label ``hotfix-debt``, found by its marker) open and current while debt exists, closed
when it is cleared. Token permissions with ``--github``: ``issues: write`` (and ``issues:
read`` for post-mortem issues). Offline it needs no token::

    releasekit hotfix-sla [--tags FILE] [--now 2024-01-16T10:00:00Z] [--github]

Tags come from ``git for-each-ref refs/tags`` (their tagger or commit dates; check out with
``fetch-depth: 0``) or from ``--tags FILE`` (one ``TAG ISO-8601-TIME`` per line). Post-mortems
are files in the policy's ``hotfix.postmortem_dir`` whose name or text names the version,
and/or (with ``--github``) issues labelled ``hotfix.postmortem_label`` naming it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from releasekit.adapters.actions import Runtime
from releasekit.adapters.commands import run_command
from releasekit.adapters.files import inside_repo, read_text
from releasekit.adapters.github.deployments import ReleaseOpsPort
from releasekit.cli.common import ArgumentParser, run_gate, usage_failure
from releasekit.cli.rollout import (
    Clock,
    Connector,
    add_common,
    default_connector,
    load_plan,
    parse_now,
    run_url,
    utc_now,
)
from releasekit.core.report import Finding, Report, finding
from releasekit.core.rollout.controller import iso, parse_time
from releasekit.core.rollout.hotfix import (
    DEBT_LABEL,
    DEBT_MARKER,
    Postmortem,
    Tag,
    debt_issue,
    evaluate_hotfixes,
    is_hotfix_tag,
    names_version,
)
from releasekit.core.rollout.plan import HotfixRules
from releasekit.errors import InfraError, InputError
from releasekit.workspace.release_files import shown

TOOL = "hotfix-sla"
TAGS_MAX_BYTES = 4 * 1024 * 1024
# A post-mortem names its version early; reading the first 64 KiB of each file is plenty.
POSTMORTEM_READ_BYTES = 64 * 1024


def _parser() -> ArgumentParser:
    p = ArgumentParser(prog=f"releasekit {TOOL}", description=(__doc__ or TOOL).splitlines()[0])
    add_common(p, top=True)
    p.add_argument("--tags", type=Path, help="tags file: one 'TAG ISO-8601-TIME' per line")
    p.add_argument("--now", metavar="ISO-8601", help="the time to check at (default: now)")
    p.add_argument(
        "--github",
        action="store_true",
        help="also read post-mortem issues and keep the hotfix-debt issue up to date",
    )
    return p


def main(
    argv: list[str] | None = None,
    *,
    connector: Connector = default_connector,
    clock: Clock = utc_now,
    env: Mapping[str, str] | None = None,
) -> int:
    """Entry point: parse → load tags and post-mortems → evaluate → report (and issue)."""
    environ = os.environ if env is None else env
    try:
        args = _parser().parse_args(argv)
    except InputError as exc:
        return usage_failure(TOOL, exc)

    def evaluate() -> Report:
        return _evaluate(args, connector, clock, environ)

    return run_gate(TOOL, "hotfix deadlines", args, evaluate)


def _evaluate(
    args: argparse.Namespace, connector: Connector, clock: Clock, env: Mapping[str, str]
) -> Report:
    plan, _ = load_plan(args.repo, args.policy)
    rules = plan.hotfix
    now = parse_now(args.now, clock)
    tags = read_tags_file(args.tags) if args.tags is not None else git_tags(args.repo)
    hotfixes = [t for t in tags if is_hotfix_tag(t.name)]
    port: ReleaseOpsPort | None = None
    if args.github:
        port = connector(env, Runtime.from_env(sys.stdout, env))
    if rules.postmortem == "issue" and port is None:
        raise InputError(
            "the policy counts only post-mortem issues (rollout.hotfix.postmortem: issue),"
            " which need --github",
            hint="run with --github and a token with issues: read",
        )
    postmortems: list[Postmortem] = []
    if rules.postmortem in ("file", "either"):
        postmortems += postmortem_files(args.repo, rules, [t.name for t in hotfixes])
    if rules.postmortem in ("issue", "either") and port is not None:
        postmortems += postmortem_issues(port, rules, [t.name for t in hotfixes])
    findings = evaluate_hotfixes(
        tags,
        postmortems,
        now,
        postmortem_hours=rules.postmortem_hours,
        release_hours=rules.release_hours,
    )
    extra: list[Finding] = []
    issue_url = None
    if port is not None:
        overdue = [f for f in findings if f.level == "error"]
        if overdue:
            title, body = debt_issue(findings, now, run_url(env))
            result = port.upsert_issue(marker=DEBT_MARKER, title=title, body=body, label=DEBT_LABEL)
            issue_url = result.url
            extra.append(finding("HFX010", "notice", f"hotfix debt issue: {result.url}"))
        else:
            result = port.upsert_issue(
                marker=DEBT_MARKER,
                title="Hotfix debt: cleared",
                body=f"Nothing is overdue (checked {iso(now)}).\n",
                label=DEBT_LABEL,
                state="closed",
            )
            if result.id:
                extra.append(finding("HFX010", "notice", f"hotfix debt issue closed: {result.url}"))
    data = {
        "now": iso(now),
        "hotfixes": [t.name for t in hotfixes],
        "overdue": [f.message for f in findings if f.level == "error"],
        "issue_url": issue_url,
    }
    return Report(TOOL, "hotfix deadlines", (*findings, *extra), data)


def read_tags_file(path: Path) -> list[Tag]:
    """``TAG ISO-8601-TIME`` lines (blank lines and ``#`` comments allowed)."""
    name = shown(path)
    text = read_text(path, what="tags file", shown_as=name, max_bytes=TAGS_MAX_BYTES)
    tags = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise InputError(
                "a tags line must be 'TAG ISO-8601-TIME'",
                file=name,
                line=number,
                hint="e.g. v1.2.4-hotfix 2024-01-15T10:00:00Z",
            )
        tags.append(Tag(parts[0], parse_time(parts[1], what=f"the time of {parts[0]}", file=name)))
    return tags


def git_tags(repo: Path) -> list[Tag]:
    """The repository's tags with their creation times (``git for-each-ref``, no shell)."""
    result = run_command(
        [
            "git",
            "-C",
            str(repo),
            "for-each-ref",
            "--format=%(refname:strip=2)%09%(creatordate:iso-strict)",
            "refs/tags",
        ],
        what="git",
        timeout=60,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
    )
    if not result.ok:
        raise InfraError(
            f"git for-each-ref {result.describe()}: {result.tail()}",
            hint="run in a git checkout with its tags (actions/checkout with fetch-depth: 0),"
            " or pass --tags FILE",
        )
    tags = []
    for line in result.stdout.splitlines():
        name, _, when = line.partition("\t")
        if name and when:
            tags.append(Tag(name, parse_time(when, what=f"the date of tag {name}")))
    return tags


def postmortem_files(repo: Path, rules: HotfixRules, hotfix_tags: list[str]) -> list[Postmortem]:
    """Files in the post-mortem directory whose name or first 64 KiB names a hotfix."""
    directory = inside_repo(repo, rules.postmortem_dir, what="post-mortem directory")
    if not directory.is_dir():
        return []
    out = []
    for path in sorted(directory.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        with path.open("rb") as fh:
            head = fh.read(POSTMORTEM_READ_BYTES).decode("utf-8", "replace")
        for tag in hotfix_tags:
            if names_version(path.name, tag) or names_version(head, tag):
                out.append(Postmortem(tag, shown(path)))
    return out


def postmortem_issues(
    port: ReleaseOpsPort, rules: HotfixRules, hotfix_tags: list[str]
) -> list[Postmortem]:
    """Issues labelled as post-mortems whose title or body names a hotfix."""
    out = []
    for issue in port.issues(label=rules.postmortem_label):
        for tag in hotfix_tags:
            if names_version(issue.title, tag) or names_version(issue.body[:65536], tag):
                out.append(Postmortem(tag, f"#{issue.number}"))
    return out


if __name__ == "__main__":
    sys.exit(main())
