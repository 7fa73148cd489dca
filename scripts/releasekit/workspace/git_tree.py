"""A commit of the checkout, read through git: its changed paths and its Python code.

The sign-off gates need two things from the commit under review that GitHub's API cannot give
completely: **every** changed path (GitHub lists at most 3,000 files of a pull request) and the
code itself (to find which changed modules a governed model imports). Both are read from the
git objects, not the working tree, when the checkout has them; otherwise the caller is told
(None) and falls back: to GitHub's list with its count compared, or to the checked-out files,
which the gate has already tied to the head commit (SGN015).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from releasekit.adapters.files import DEFAULT_MAX_BYTES
from releasekit.adapters.git import (
    commit_parents,
    diff_name_status,
    resolve_commit,
    run_git,
    show_prefix,
    tree_texts,
)
from releasekit.core.github_facts import ChangedFile
from releasekit.core.rollout.controller import parse_time
from releasekit.errors import InfraError, InputError
from releasekit.workspace.release_files import shown

# A repository's Python code, read to follow imports: generous for a desk, bounded for a
# hostile checkout (a pull request can add files, not make the gate read without limit).
MAX_PYTHON_FILES = 20_000
MAX_PYTHON_BYTES = 1024 * 1024
GIT_TIMEOUT = 60.0
_STATUS = {
    "A": "added",
    "M": "modified",
    "D": "removed",
    "R": "renamed",
    "C": "copied",
    "T": "changed",
}
_SKIPPED_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".tox"})


def changed_files_from_git(repo: Path, base: str, head: str) -> list[ChangedFile] | None:
    """Every path the pull request changes (``git diff --name-status base...head``).

    Statuses in GitHub's words; a rename keeps its old path. None when the checkout lacks a
    commit or the merge base (a shallow clone).
    """
    listed = diff_name_status(repo, base, head)
    if listed is None:
        return None
    return [
        ChangedFile(path=path, status=_STATUS.get(status, "modified"), previous_path=old)
        for status, path, old in listed
    ]


def shipped_files(repo: Path, head: str) -> list[ChangedFile] | None:
    """What a release cut at ``head`` ships: every path changed since the newest release tag
    (``vX.Y.Z[-suffix]``) that ``head`` contains, or before the first one, since the
    repository's first commit.

    A release PR moves version.yaml; the strategies it ships came in through change PRs, so
    its own diff alone would name the wrong release type. None when the checkout lacks it.
    """
    if resolve_commit(repo, head, option="head", timeout=GIT_TIMEOUT) is None:
        return None
    pattern = "v[0-9]*.[0-9]*.[0-9]*"
    proc = _git(repo, "describe", "--tags", "--abbrev=0", f"--match={pattern}", head)
    tag = proc.stdout.decode("utf-8", "surrogateescape").strip()
    if proc.returncode == 0 and tag:
        return changed_files_from_git(repo, f"refs/tags/{tag}", head)
    roots = _git(repo, "rev-list", "--max-parents=0", head)
    first = roots.stdout.decode("ascii", "replace").split()
    if roots.returncode != 0 or not first:
        return None
    return changed_files_from_git(repo, first[-1], head)


def python_sources(repo: Path, commit: str) -> tuple[dict[str, str], str]:
    """Every ``*.py`` file of ``commit`` (path → text) and where it was read from.

    From the git objects when the checkout has the commit, else from the checked-out files
    (never following a symbolic link, never leaving the repository).
    """
    texts = tree_texts(
        repo, commit, suffix=".py", max_files=MAX_PYTHON_FILES, max_bytes=MAX_PYTHON_BYTES
    )
    if texts is not None:
        return texts, f"commit {commit[:7]}"
    return _working_tree_sources(repo), "the checkout"


def _working_tree_sources(repo: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    root = repo.resolve()
    for here, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = Path(here) / name
            if path.is_symlink() or not path.is_file():
                continue
            if path.stat().st_size > min(MAX_PYTHON_BYTES, DEFAULT_MAX_BYTES):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            out[path.relative_to(root).as_posix()] = text
            if len(out) > MAX_PYTHON_FILES:
                return out
    return out


@dataclass(frozen=True)
class CheckedOut:
    """What the checkout is: its path inside the work tree, its commit and that commit's parents.

    ``prefix`` is "" at the work tree's root; ``commit`` None when nothing is checked out.
    """

    prefix: str
    commit: str | None
    parents: tuple[str, ...]


def checked_out(repo: Path) -> CheckedOut | None:
    """The checkout's commit and parents (read from the commit object: works when shallow).

    None when ``repo`` is not inside a git work tree.
    """
    prefix = show_prefix(repo)
    if prefix is None:
        return None
    commit = resolve_commit(repo, "HEAD")
    parents = commit_parents(repo, "HEAD") if commit is not None else None
    return CheckedOut(prefix, commit, tuple(parents or ()))


# -- a tag's commit, as the release evidence reads it ---------------------------------------------


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    # Every argument is our own constant, a validated tag or SHA, or a path from the policy.
    return run_git(repo, list(args), timeout=GIT_TIMEOUT, what=args[0])


def tag_commit(repo: Path, tag: str) -> str:
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
    sha = resolve_commit(repo, f"refs/tags/{tag}", option="--tag", timeout=GIT_TIMEOUT)
    if sha is None:
        raise InputError(
            f"tag {tag} is not in the checkout {shown(repo)}",
            hint="check out the tag with its tags (actions/checkout with `fetch-depth: 0`, or"
            " `git fetch --tags`), and check the tag's name",
        )
    return sha


def head_commit(repo: Path) -> str | None:
    """The checked-out commit (None: nothing checked out)."""
    return resolve_commit(repo, "HEAD", option="HEAD", timeout=GIT_TIMEOUT)


def first_parent(repo: Path, commit: str) -> str | None:
    """The first parent of ``commit`` (for a merge: the branch it was merged into)."""
    parents = commit_parents(repo, commit, option="commit", timeout=GIT_TIMEOUT)
    return parents[0] if parents else None


def changed_tracked(repo: Path) -> list[str]:
    """Tracked files with local changes (``git status``; untracked files are not listed)."""
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
    return changed


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
