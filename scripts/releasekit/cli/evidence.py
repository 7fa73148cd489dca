"""``releasekit evidence``: refuse a tag that did not come from a merged, signed-off PR (EVD0xx).

Runbook step: Phase 3 "Tag release", before the GitHub Release is made (release.yml), and the
"Release Audit Sign-Off" kept as a record. For the tag (``--tag``, default ``GITHUB_REF`` on a
tag push) it resolves the tag's commit in the checkout, asks GitHub which pull request that
commit is the merge commit of, **recomputes** that pull request's sign-off (its reviews of its
head, the policy of the merge commit's first parent, the roles; signoff-gate's own step,
``gates.signoff_decision``) with check-changelog
``--tag`` and verify-audit run on the checked-out tag, and checks hotfix debt. Only when all of
it passes does it write ``--out/evidence.json`` and ``--out/evidence.md`` (both or neither).
Exit 0 pass, 1 blocked, 2 bad input (tag, repository), 3 GitHub unreachable.

Token permissions: ``contents: read`` and ``pull-requests: read`` (the pull requests of the
commit, the pull request, its files, commits and reviews; the policy is read from git). No
``checks`` permission: nothing is read from check runs, comments or artifacts — a forged
``releasekit/signoff`` check run changes nothing (threats 7, 15, 16).

Offline: ``--fixture FILE`` answers GitHub's reads from a sign-off fixture
(docs/formats/signoff-fixture.md) whose pull request is merged with the tag's commit as its
``merge_commit_sha``.

``--verify-bundle DIR`` recomputes the bundle (at its own ``generated_at`` unless ``--now``)
and compares the sha256 of DIR's evidence.json, evidence.md and release-notes.md with it
(EVD007; exit 1 naming each file that differs). Nothing is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from releasekit.adapters.actions import Runtime
from releasekit.adapters.github.fixture import FixturePort
from releasekit.adapters.github.interface import ReleasePort
from releasekit.cli.common import (
    ArgumentParser,
    add_bias_junit,
    new_parser,
    parse_or_usage,
    run_gate,
    tag_from_env,
)
from releasekit.cli.common.ops import parse_now, utc_now
from releasekit.core.report import Report
from releasekit.core.signoff.evidence import TOOL, ReleaseTag, parse_release_tag, render_details
from releasekit.errors import InputError
from releasekit.gates.evidence import EvidencePort, EvidenceRequest, bundle_time, run_evidence
from releasekit.workspace.release_files import shown

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
        "--verify-bundle",
        type=Path,
        metavar="DIR",
        help="compare a downloaded bundle (evidence.json, evidence.md, release-notes.md) with"
        " the recomputed one; writes nothing",
    )
    add_bias_junit(p, use=", for verify-audit")
    return p


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


def _connect(
    args: argparse.Namespace,
    env: Mapping[str, str],
    runtime: Runtime,
    factory: PortFactory | None,
) -> tuple[EvidencePort, Callable[[], str]]:
    """The port and how to learn the default branch (the fixture's, or GitHub's: a request)."""
    if args.fixture is None:
        port = (factory or _default_factory)(env, runtime)
        return port, port.default_branch
    if runtime.active:
        raise InputError(
            "--fixture replays a decision offline; in GitHub Actions evidence reads GitHub",
            hint="remove --fixture from the workflow",
        )
    fixture = FixturePort.from_file(args.fixture, shown_as=shown(args.fixture))
    branch = fixture.default_branch
    if branch is None:
        raise InputError(
            "the fixture names no default_branch: evidence needs it",
            file=shown(args.fixture),
            hint='add "default_branch": "main" (docs/formats/signoff-fixture.md)',
        )
    return fixture, lambda: branch


def _default_factory(env: Mapping[str, str], runtime: Runtime) -> ReleasePort:
    # Imported here: PyGithub's import is paid only by runs that talk to GitHub.
    from releasekit.adapters.github.pygithub import connect

    return connect(env, runtime=runtime)


def evaluate(
    args: argparse.Namespace,
    env: Mapping[str, str],
    runtime: Runtime,
    *,
    clock: Callable[[], dt.datetime] = utc_now,
    connect_port: PortFactory | None = None,
) -> Report:
    """Decide whether the tag may be released, and write the bundle when it may.

    The tag is checked before anything reads git or GitHub, and the checkout before GitHub is
    asked anything: a malformed tag or a tag the checkout lacks makes no request at all.
    """
    tag = release_tag(args.tag, env)
    if args.verify_bundle is not None and args.out is not None:
        raise InputError(
            "--verify-bundle compares a bundle and writes nothing: --out does not go with it",
            hint="drop --out",
        )
    now = args.now
    if now is None and args.verify_bundle is not None:
        now = bundle_time(args.verify_bundle)  # the recomputation is taken when the bundle was
    port, default_branch = _connect(args, env, runtime, connect_port)
    request = EvidenceRequest(
        repo=args.repo,
        tag=tag,
        now=parse_now(now, clock),
        out=args.out,
        bias_junit=args.bias_junit,
        replay=args.fixture is not None,
        verify_bundle=args.verify_bundle,
    )
    return run_evidence(request, port, default_branch)


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
    args = parse_or_usage(parser(), argv, TOOL, stream)
    if isinstance(args, int):
        return args
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
