"""The local git repository, read without a shell: changed files, commits, files at a ref.

Callers: ``verify-audit --changed-since`` (which files changed) and ``--policy-ref`` (the
release policy of the pull request's base commit), and ``signoff-gate``'s workspace check
(which commit is checked out, and its parents). All of it is read-only and offline.

``git`` runs as a subprocess with an argument list (never a shell), a timeout, no terminal
prompt and the C locale, so its messages can be recognised. A ref comes from a workflow input
or a command line, so it is checked before git sees it: it may not start with ``-`` (it would
be read as an option) and may contain only the characters real refs use. Output is bounded:
a file is read only after ``ls-tree`` has said it is a regular file no larger than the limit.

Failures are ours to classify: a ref that does not exist, or a history too shallow to find
the merge base, is bad input (exit 2, with the ``fetch-depth: 0`` fix); git missing,
hanging or failing for another reason is infrastructure (exit 3).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from releasekit.adapters.commands import child_env
from releasekit.adapters.files import decode_text
from releasekit.errors import InfraError, InputError

_REF_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/@{}^~-]{0,254}$")
# SHA-1 object names, or SHA-256 ones (git's newer object format).
_SHA_RE = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
TIMEOUT_SECONDS = 60.0
_BAD_REF_SIGNS = ("unknown revision", "bad revision", "ambiguous argument", "invalid symmetric")
_SHALLOW_SIGNS = ("no merge base",)
_FETCH_HINT = (
    "fetch the history the comparison needs: actions/checkout with `fetch-depth: 0`"
    " (or `git fetch origin <ref>`), then pass a ref that exists, e.g. origin/main"
)
_FETCH_COMMIT_HINT = (
    "fetch the base commit: actions/checkout with `fetch-depth: 0` (or `git fetch origin"
    " <ref>`), then pass a branch, tag or commit that exists, e.g. origin/main"
)
# Modes of a regular file in a tree (git stores no other permission bits for blobs).
_FILE_MODES = ("100644", "100755")


def check_ref(ref: str, *, option: str = "--changed-since") -> str:
    """``ref`` if it is safe to hand to git as a revision, else an ``InputError``.

    ``option`` names the command-line option the ref came from, for the message.
    """
    if ".." in ref or not _REF_RE.fullmatch(ref):
        raise InputError(
            f"{option} {ref!r} is not a git ref",
            hint="pass a branch, tag or commit such as origin/main, v1.2.2 or a SHA"
            " (no leading '-', no spaces, no '..')",
        )
    return ref


def run_git(
    repo: Path,
    args: list[str],
    *,
    timeout: float = TIMEOUT_SECONDS,
    what: str = "command",
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C repo ARGS`` and return the finished process, whatever its exit code.

    Only the ways git cannot run at all raise (``InfraError``); interpreting a non-zero exit
    is the caller's business, because "unknown ref" means different things to different
    callers. git gets no prompt, the C locale, and none of GitHub's or the runner's
    credentials in its environment (``adapters.commands.child_env``).
    """
    cmd = ["git", "-C", str(repo), "-c", "core.quotepath=off", *args]
    env = child_env({**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "LANGUAGE": "C"})
    try:
        # An argument list, never a shell: every ref was checked by check_ref, every path
        # and option is our own constant.
        return subprocess.run(
            cmd, capture_output=True, timeout=timeout, check=False, env=env, input=stdin
        )
    except FileNotFoundError:
        raise InfraError(
            "git is not installed on this runner",
            hint="use a runner image with git (ubuntu-latest has it)",
        ) from None
    except subprocess.TimeoutExpired:
        raise InfraError(
            f"git {what} did not finish within {timeout:.0f} s",
            hint="rerun; a very large history may need a shallower comparison ref",
        ) from None
    except OSError as exc:
        raise InfraError(f"cannot run git: {exc.strerror}") from None


def _message(proc: subprocess.CompletedProcess[bytes]) -> str:
    """git's error message on one line, at most 300 characters."""
    return " ".join(proc.stderr.decode("utf-8", "replace").split())[:300]


def changed_files(repo: Path, ref: str, *, timeout: float = TIMEOUT_SECONDS) -> list[str]:
    """Paths (relative to ``repo``, POSIX) changed between the merge base of ``ref`` and HEAD.

    ``git diff --name-only REF...HEAD``: what this branch changed since it left ``ref``,
    not what ``ref`` gained meanwhile. ``--relative`` limits the list to ``repo`` and makes
    the paths relative to it, also when ``repo`` is a sub-directory of the git work tree.
    """
    check_ref(ref)
    args = ["diff", "--name-only", "--relative", "-z", f"{ref}...HEAD", "--"]
    proc = run_git(repo, args, timeout=timeout, what="diff")
    if proc.returncode != 0:
        raise _classify(_message(proc), ref, repo)
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted({n for n in names if n})


def _classify(text: str, ref: str, repo: Path) -> InputError | InfraError:
    low = text.casefold()
    if "not a git repository" in low:
        return InputError(
            f"{repo} is not inside a git repository, so --changed-since cannot be used",
            hint="check out the repository with git (actions/checkout), or use --strategy/--all",
        )
    if any(s in low for s in _SHALLOW_SIGNS):
        return InputError(
            f"git cannot compare {ref} with HEAD: {text}",
            hint=_FETCH_HINT,
        )
    if any(s in low for s in _BAD_REF_SIGNS):
        return InputError(f"git does not know the ref {ref!r}: {text}", hint=_FETCH_HINT)
    return InfraError(f"git diff failed: {text or 'no message'}", hint="see git's message above")


# -- the checkout and its commits (signoff-gate's workspace check) -------------------------------


def show_prefix(repo: Path, *, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """``repo``'s path inside its git work tree (``""`` at the root), or None outside git.

    ``git rev-parse --show-prefix``; any failure to answer means "not a git checkout" to the
    caller, which reports that as a finding rather than an error.
    """
    proc = run_git(repo, ["rev-parse", "--show-prefix"], timeout=timeout, what="rev-parse")
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "surrogateescape").strip()


def resolve_commit(
    repo: Path, rev: str, *, option: str = "--rev", timeout: float = TIMEOUT_SECONDS
) -> str | None:
    """The 40-hex SHA of the commit ``rev`` names in ``repo``, or None when git knows none.

    ``git rev-parse --verify --quiet REV^{commit}``: a tag is peeled to its commit; a tree,
    a blob or an unknown name is None. ``rev`` is checked first (``option`` names where it
    came from in the refusal).
    """
    check_ref(rev, option=option)
    args = ["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"]
    proc = run_git(repo, args, timeout=timeout, what="rev-parse")
    sha = proc.stdout.decode("ascii", "replace").strip()
    if proc.returncode != 0 or not _SHA_RE.fullmatch(sha):
        return None
    return sha


def commit_parents(
    repo: Path, rev: str, *, option: str = "--rev", timeout: float = TIMEOUT_SECONDS
) -> list[str] | None:
    """The parent SHAs of the commit ``rev``, in order, or None when it is not a commit.

    Read with ``git cat-file commit``, which works in a shallow clone too (the parents are
    named in the commit object even when they were not fetched). Only the object's header
    counts: a line "parent <sha>" in the commit *message* is text, not a parent.
    """
    check_ref(rev, option=option)
    proc = run_git(repo, ["cat-file", "commit", rev], timeout=timeout, what="cat-file")
    if proc.returncode != 0:
        return None
    header = proc.stdout.decode("utf-8", "replace").split("\n\n", 1)[0]
    parents: list[str] = []
    for line in header.splitlines():
        key, _, value = line.partition(" ")
        if key == "parent" and _SHA_RE.fullmatch(value):
            parents.append(value)
    return parents


# -- a file as it is at a ref (verify-audit --policy-ref) ----------------------------------------


def file_at(
    repo: Path,
    ref: str,
    path: str,
    *,
    max_bytes: int,
    what: str = "file",
    option: str = "--policy-ref",
    timeout: float = TIMEOUT_SECONDS,
) -> str | None:
    """The text of ``path`` (relative to ``repo``) in the commit ``ref``, or None if absent.

    The equivalent of ``git show REF:./PATH``, in three bounded steps: ``rev-parse`` turns the
    ref into a commit (unknown → ``InputError`` with the ``fetch-depth: 0`` fix), ``ls-tree``
    says what ``path`` is there and how big, and only a regular file within ``max_bytes`` is
    read (``cat-file blob``). A symlink, directory or submodule is an ``InputError``, as the
    GitHub adapter's ``file_at`` treats them: ``git show`` would print a symlink's target as
    if it were the file. ``path`` is relative to ``repo``, which may be a sub-directory of the
    work tree (``ls-tree`` resolves paths against its working directory, ``git -C repo``).
    """
    check_ref(ref, option=option)
    rel = Path(path)
    if rel.is_absolute() or ".." in rel.parts or not path:
        # A programming error rather than user input (callers pass constants), but a path
        # that leaves the repository must never reach git either way.
        raise InputError(f"{what} path {path!r} leaves the repository")
    probe = run_git(repo, ["rev-parse", "--is-inside-work-tree"], timeout=timeout, what="rev-parse")
    if probe.returncode != 0:
        raise InputError(
            f"{repo} is not inside a git repository, so {option} {ref} cannot be read",
            hint="check out the repository with git (actions/checkout with `fetch-depth: 0`),"
            f" or leave out {option} to read the {what} from the checkout",
        )
    commit = resolve_commit(repo, ref, option=option, timeout=timeout)
    if commit is None:
        raise InputError(
            f"git does not know the commit {ref!r} ({option}): the {what} cannot be read there",
            hint=_FETCH_COMMIT_HINT,
        )
    posix = rel.as_posix()
    listing = run_git(
        repo, ["ls-tree", "-z", "--long", commit, "--", posix], timeout=timeout, what="ls-tree"
    )
    if listing.returncode != 0:
        raise InfraError(
            f"git ls-tree failed at {ref}: {_message(listing) or 'no message'}",
            hint="see git's message above",
        )
    entry = _tree_entry(listing.stdout, posix)
    if entry is None:
        return None
    mode, kind, obj, size = entry
    shown = f"{posix} at {ref}"
    if kind != "blob" or mode not in _FILE_MODES:
        raise InputError(
            f"{shown} is a directory, symlink or submodule, not a file",
            file=posix,
            hint=f"make {posix} a regular file on that branch",
        )
    if size > max_bytes:
        raise InputError(
            f"{shown} is {size:,} bytes, over the {max_bytes:,}-byte limit",
            file=posix,
            hint=f"this is not a plausible {what}; check the path",
        )
    blob = run_git(repo, ["cat-file", "blob", obj], timeout=timeout, what="cat-file")
    if blob.returncode != 0 or len(blob.stdout) > max_bytes:
        raise InfraError(
            f"git cat-file could not read {shown}: {_message(blob) or 'no message'}",
            hint="see git's message above",
        )
    return decode_text(blob.stdout, what=what, shown_as=shown)


def _tree_entry(raw: bytes, path: str) -> tuple[str, str, str, int] | None:
    """(mode, type, object, size) of ``path`` in ``ls-tree -z --long`` output, if listed.

    A record is ``MODE SP TYPE SP OBJECT SP+ SIZE TAB NAME``; the size is ``-`` for trees and
    submodules (read as 0: they are refused by type before size matters).
    """
    for record in raw.decode("utf-8", "surrogateescape").split("\0"):
        meta, tab, name = record.partition("\t")
        fields = meta.split()
        if not tab or name != path or len(fields) != 4:
            continue
        mode, kind, obj, size = fields
        return mode, kind, obj, int(size) if size.isdigit() else 0
    return None


# -- every changed path and the code of a commit (signoff-gate) ----------------------------------


def diff_name_status(
    repo: Path, base: str, head: str, *, timeout: float = TIMEOUT_SECONDS
) -> list[tuple[str, str, str | None]] | None:
    """Every path ``git diff --name-status -M base...head`` lists: (status, path, old path).

    The three-dot diff is the pull request's own change (from the merge base), unbounded —
    GitHub's "list pull request files" stops at 3,000. A rename is one entry with both paths.
    None when the checkout lacks either commit or their merge base (a shallow clone): the
    caller then falls back to GitHub's list and compares its count.
    """
    check_ref(base, option="base")
    check_ref(head, option="head")
    for rev in (base, head):
        if resolve_commit(repo, rev, option="rev", timeout=timeout) is None:
            return None
    proc = run_git(
        repo,
        ["diff", "--name-status", "-z", "-M", "--no-color", "--no-ext-diff", f"{base}...{head}"],
        timeout=timeout,
        what="diff",
    )
    if proc.returncode != 0:
        return None  # no merge base in a shallow history
    fields = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    out: list[tuple[str, str, str | None]] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status[:1] in ("R", "C") and i + 2 < len(fields):
            out.append((status[:1], fields[i + 2], fields[i + 1]))
            i += 3
        elif i + 1 < len(fields):
            out.append((status[:1], fields[i + 1], None))
            i += 2
        else:
            break
    return out


def tree_texts(
    repo: Path,
    commit: str,
    *,
    suffix: str,
    max_files: int,
    max_bytes: int,
    timeout: float = TIMEOUT_SECONDS,
) -> dict[str, str] | None:
    """The text of every regular file ending in ``suffix`` in ``commit`` (path → text).

    None when the checkout lacks the commit. Files over ``max_bytes``, symlinks, submodules
    and undecodable files are left out (they are not code this reads); more than
    ``max_files`` such files is an ``InputError`` rather than a silently partial answer.
    """
    if resolve_commit(repo, commit, option="commit", timeout=timeout) is None:
        return None
    listing = run_git(
        repo, ["ls-tree", "-r", "-z", "--long", commit], timeout=timeout, what="ls-tree"
    )
    if listing.returncode != 0:
        raise InfraError(f"git ls-tree failed at {commit[:7]}: {_message(listing)}")
    wanted: list[tuple[str, str]] = []
    for record in listing.stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, tab, name = record.partition("\t")
        fields = meta.split()
        if not tab or len(fields) != 4 or not name.endswith(suffix):
            continue
        mode, kind, obj, size = fields
        if kind == "blob" and mode in _FILE_MODES and size.isdigit() and int(size) <= max_bytes:
            wanted.append((name, obj))
    if len(wanted) > max_files:
        raise InputError(
            f"{commit[:7]} has {len(wanted):,} *{suffix} files, more than the {max_files:,}"
            " releasekit reads to find what governed code imports",
            hint="check the repository root (--repo)",
        )
    if not wanted:
        return {}
    batch = run_git(
        repo,
        ["cat-file", "--batch"],
        timeout=timeout,
        what="cat-file",
        stdin="".join(f"{obj}\n" for _, obj in wanted).encode(),
    )
    if batch.returncode != 0:
        raise InfraError(f"git cat-file --batch failed at {commit[:7]}: {_message(batch)}")
    out: dict[str, str] = {}
    data, pos = batch.stdout, 0
    for name, _ in wanted:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        length = int(header[2]) if len(header) == 3 and header[2].isdigit() else 0
        body = data[end + 1 : end + 1 + length]
        pos = end + 1 + length + 1
        try:
            out[name] = body.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return out
