"""Reading what the release-operations gates need: the rollout plan, tags, post-mortems, rollout
state and metrics files (the repository reader for rollout, rollback, hotfix-sla, tracker and
evidence).

Every file is read (and the state file written) here with ``adapters/files.py``'s
bounded-read and inside-the-repo rules; tags come from ``git for-each-ref`` (no shell)
or a tags file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from releasekit.adapters.commands import run_command
from releasekit.adapters.files import inside_repo, read_text, walk_files, write_atomic
from releasekit.core.rollout.controller import (
    ROLLOUT_MODES,
    Metrics,
    RolloutMode,
    RolloutState,
    parse_metrics,
    parse_state,
    parse_time,
    state_to_json,
)
from releasekit.core.rollout.hotfix import Postmortem, Tag, names_version
from releasekit.core.rollout.jsonread import load_strict_json, path_line
from releasekit.core.rollout.plan import HotfixRules, RolloutPlan, parse_rollout_section
from releasekit.core.yamldoc import parse_yaml
from releasekit.errors import InfraError, InputError
from releasekit.workspace.release_files import shown

POLICY_PATH = ".github/release-policy.yml"
POLICY_MAX_BYTES = 64 * 1024
TAGS_MAX_BYTES = 4 * 1024 * 1024
STATE_MAX_BYTES = 4 * 1024 * 1024
METRICS_MAX_BYTES = 1024 * 1024
BODY_MAX_BYTES = 256 * 1024
EVIDENCE_MAX_BYTES = 4 * 1024 * 1024
BRANCH_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$")
# A post-mortem names its version early; reading the first 64 KiB of each file is plenty.
POSTMORTEM_READ_BYTES = 64 * 1024


def load_plan(repo: Path, policy: Path | None) -> tuple[RolloutPlan, str | None]:
    """The ``rollout:`` section of the release policy (the runbook's plan when there is none).

    ``--policy FILE`` names another policy file; the section is parsed by the same
    ``parse_rollout_section`` that ``core.policy`` uses for ``Policy.rollout``.
    """
    path = policy if policy is not None else inside_repo(repo, POLICY_PATH, what="release policy")
    if not path.exists():
        if policy is not None:
            raise InputError("release policy not found", file=shown(path))
        return parse_rollout_section(None, parse_yaml("", shown_as=shown(path))), None
    name = shown(path)
    return plan_from_text(
        read_text(path, what="release policy", shown_as=name, max_bytes=POLICY_MAX_BYTES), name
    ), name


def plan_from_text(text: str, shown_as: str) -> RolloutPlan:
    """The rollout plan of a policy file's text."""
    doc = parse_yaml(text, shown_as=shown_as)
    data = doc.data if isinstance(doc.data, dict) else {}
    return parse_rollout_section(data.get("rollout"), doc)


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
        when = parse_time(parts[1], what=f"the time of {parts[0]}", file=name, line=number)
        tags.append(Tag(parts[0], when))
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
    """Files in the post-mortem directory whose name or first 64 KiB names a hotfix, each with
    the time it landed on the checked-out (default) branch (None when it has not)."""
    out = []
    # The one symlink rule (adapters.files): a link leading outside the repository is refused,
    # a link inside it is read as what it points to, a directory link is not descended.
    for path in sorted(walk_files(repo, rules.postmortem_dir, what="post-mortem")):
        if not path.is_file():  # a FIFO or device file is no post-mortem, and blocks a read
            continue
        try:
            with path.open("rb") as fh:
                head = fh.read(POSTMORTEM_READ_BYTES).decode("utf-8", "replace")
        except OSError as exc:
            raise InputError(f"cannot read post-mortem: {exc.strerror}", file=shown(path)) from None
        named = [t for t in hotfix_tags if names_version(path.name, t) or names_version(head, t)]
        if named:
            landed = landed_at(repo, path)
            out += [Postmortem(tag, shown(path), landed) for tag in named]
    return out


def landed_at(repo: Path, path: Path) -> dt.datetime | None:
    """When ``path`` first appeared on the checked-out branch's first-parent history: the
    commit (for a merged pull request, the merge) that brought it there; None when git does not
    have it (not committed, or not a git checkout)."""
    rel = path.resolve().relative_to(repo.resolve()).as_posix()
    result = run_command(
        ["git", "-C", str(repo), "log", "--first-parent", "--format=%cI", "--", rel],
        what="git",
        timeout=60,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
    )
    lines = result.stdout.split() if result.ok else []
    return parse_time(lines[-1], what=f"the commit date of {rel}") if lines else None


def read_state(path: Path) -> tuple[RolloutState, str]:
    """A rollout state file, parsed (``InputError`` with the file and line when malformed)."""
    name = shown(path)
    text = read_text(path, what="rollout state", shown_as=name, max_bytes=STATE_MAX_BYTES)
    return parse_state(text, shown_as=name), name


def write_state(path: Path, state: RolloutState) -> None:
    """Write a rollout state file atomically."""
    write_atomic({path: json.dumps(state_to_json(state), indent=2) + "\n"})


def read_metrics(path: Path) -> tuple[Metrics, str]:
    """A metrics snapshot file, parsed, and its text (kept for the incident record)."""
    name = shown(path)
    text = read_text(path, what="metrics", shown_as=name, max_bytes=METRICS_MAX_BYTES)
    return parse_metrics(text, shown_as=name), text


def read_release_mode(path: Path, tag: str) -> RolloutMode:
    """The rollout mode the evidence bundle of ``tag`` recorded when the release was tagged
    (``release.rollout``: staged, direct or immediate)."""
    name = shown(path)
    text = read_text(path, what="evidence bundle", shown_as=name, max_bytes=EVIDENCE_MAX_BYTES)
    hint = "pass the evidence.json of this release's GitHub Release (docs/evidence.md)"
    data = load_strict_json(text, shown_as=name, what="evidence bundle", hint=hint)
    bundle: dict[str, Any] = data if isinstance(data, dict) else {}
    if bundle.get("tag") != tag:
        raise InputError(
            f"the evidence bundle is of {str(bundle.get('tag'))[:60]!r}, not {tag}",
            file=name,
            line=path_line(text, ["tag"]) or 1,
            hint=hint,
        )
    release = bundle.get("release")
    mode = release.get("rollout") if isinstance(release, dict) else None
    for known in ROLLOUT_MODES:
        if mode == known:
            return known
    raise InputError(
        f"the evidence bundle records no rollout mode (release.rollout is {str(mode)[:40]!r})",
        file=name,
        line=path_line(text, ["release", "rollout"]) or 1,
        hint="staged, direct or immediate, from the release type's rollout in the policy",
    )


def read_body(path: Path) -> str:
    """A local copy of an issue body (empty when the file does not exist yet)."""
    if not path.exists():
        return ""
    return read_text(path, what="tracker body", shown_as=shown(path), max_bytes=BODY_MAX_BYTES)


def write_body(path: Path, text: str) -> None:
    """Write a local copy of an issue body atomically."""
    write_atomic({path: text})


def event_default_branch(env: Mapping[str, str]) -> str:
    """The repository's default branch, from the event payload GitHub gives the run
    (``GITHUB_EVENT_PATH``)."""
    path = env.get("GITHUB_EVENT_PATH", "")
    branch: Any = None
    if path:
        try:
            event = json.loads(Path(path).read_text(encoding="utf-8"))
            branch = (event.get("repository") or {}).get("default_branch")
        except (OSError, ValueError, AttributeError):
            branch = None
    if not isinstance(branch, str) or not BRANCH_RE.match(branch) or ".." in branch:
        raise InputError(
            "the default branch is unknown (no repository.default_branch in GITHUB_EVENT_PATH)",
            hint="pass --policy-ref BRANCH",
        )
    return branch
