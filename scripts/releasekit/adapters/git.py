"""The local git repository: which files changed since a ref (``verify-audit --changed-since``).

``git`` runs as a subprocess with an argument list (never a shell), a timeout, no terminal
prompt and the C locale, so its messages can be recognised. The ref comes from a workflow
input or a command line, so it is checked before git sees it: it may not start with ``-``
(it would be read as an option) and may contain only the characters real refs use.

Failures are ours to classify: a ref that does not exist, or a history too shallow to find
the merge base, is bad input (exit 2, with the ``fetch-depth: 0`` fix); git missing,
hanging or failing for another reason is infrastructure (exit 3).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from releasekit.errors import InfraError, InputError

_REF_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/@{}^~-]{0,254}$")
TIMEOUT_SECONDS = 60.0
_BAD_REF_SIGNS = ("unknown revision", "bad revision", "ambiguous argument", "invalid symmetric")
_SHALLOW_SIGNS = ("no merge base",)
_FETCH_HINT = (
    "fetch the history the comparison needs: actions/checkout with `fetch-depth: 0`"
    " (or `git fetch origin <ref>`), then pass a ref that exists, e.g. origin/main"
)


def check_ref(ref: str) -> str:
    """``ref`` if it is safe to hand to git as a revision, else an ``InputError``."""
    if ".." in ref or not _REF_RE.fullmatch(ref):
        raise InputError(
            f"--changed-since {ref!r} is not a git ref",
            hint="pass a branch, tag or commit such as origin/main, v1.2.2 or a SHA"
            " (no leading '-', no spaces, no '..')",
        )
    return ref


def changed_files(repo: Path, ref: str, *, timeout: float = TIMEOUT_SECONDS) -> list[str]:
    """Paths (relative to ``repo``, POSIX) changed between the merge base of ``ref`` and HEAD.

    ``git diff --name-only REF...HEAD``: what this branch changed since it left ``ref``,
    not what ``ref`` gained meanwhile. ``--relative`` limits the list to ``repo`` and makes
    the paths relative to it, also when ``repo`` is a sub-directory of the git work tree.
    """
    check_ref(ref)
    cmd = [
        "git",
        "-C",
        str(repo),
        "-c",
        "core.quotepath=off",
        "diff",
        "--name-only",
        "--relative",
        "-z",
        f"{ref}...HEAD",
        "--",
    ]
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "LANGUAGE": "C"}
    try:
        # An argument list, never a shell; the ref was checked by check_ref above.
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False, env=env)
    except FileNotFoundError:
        raise InfraError(
            "git is not installed on this runner",
            hint="use a runner image with git (ubuntu-latest has it)",
        ) from None
    except subprocess.TimeoutExpired:
        raise InfraError(
            f"git diff did not finish within {timeout:.0f} s",
            hint="retry; a very large history may need a shallower comparison ref",
        ) from None
    except OSError as exc:
        raise InfraError(f"cannot run git: {exc.strerror}") from None
    if proc.returncode != 0:
        raise _classify(proc.stderr.decode("utf-8", "replace"), ref, repo)
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted({n for n in names if n})


def _classify(stderr: str, ref: str, repo: Path) -> InputError | InfraError:
    text = " ".join(stderr.split())[:300]
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
