"""Reading and writing the repository's files safely: the only place gates touch the disk.

Every read is bounded (size, UTF-8, no NUL bytes, a regular file inside the repository) and
every failure becomes an ``InputError`` naming the file and line. Writes are atomic across
several files: either every file gets its new content or none changes, and a write that
fails leaves no new file or directory behind.

The symlink rule (docs/security.md), one for every file and directory the gates read: a
path that resolves outside the repository is an input error naming the link, and the target
is never read, listed or echoed. A symlink that stays inside the repository is read as what
it points to, under its own name; directory symlinks are not descended by ``walk_files``
(the directory they point to is walked where it is, so nothing is read twice). The
repository is the ``root`` the caller names, else the nearest directory above the file that
holds ``.git``; with neither, a symlinked file must point inside its own directory.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path

from releasekit.errors import InputError

# Big enough for any real changelog or audit log (the 10,000-release benchmark is 3.7 MB),
# small enough that a stray 50 MB file is refused before it is read.
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


def display_path(path: Path, root: Path | None = None) -> str:
    """A path as findings show it: relative to ``root`` when inside it, POSIX separators."""
    if root is not None:
        with contextlib.suppress(ValueError):
            return path.resolve().relative_to(root.resolve()).as_posix()
    return path.as_posix()


def _is_within(path: Path, base: Path) -> bool:
    return path == base or base in path.parents


@lru_cache(maxsize=256)
def _checkout_root(directory: str) -> Path | None:
    for candidate in (Path(directory), *Path(directory).parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def refuse_outside(path: Path, *, root: Path | None, what: str, shown_as: str) -> None:
    """Raise ``InputError`` when ``path`` resolves outside the repository (see the module doc).

    The message names the link as the repository shows it (``shown_as``), never where it
    leads: the target is outside the repository, so it is none of the report's business.
    """
    base = root if root is not None else _checkout_root(str(path.absolute().parent))
    if base is None:
        if not path.is_symlink():
            return
        base = path.absolute().parent
    try:
        resolved = path.resolve()
        inside = _is_within(resolved, base.resolve())
    except (OSError, RuntimeError):  # a symlink loop: nothing usable to read either way
        inside = False
    if not inside:
        raise InputError(
            f"{what} leads outside the repository through a symlink",
            file=shown_as,
            hint="replace the symlink with the file itself; releasekit reads only files"
            " inside the repository",
        )


def walk_files(root: Path, relative: str, *, what: str) -> Iterator[Path]:
    """Every file under ``root/relative`` (sorted, dot-directories skipped), by the symlink rule.

    A file or directory symlink that resolves outside the repository is an ``InputError``
    naming it; a directory symlink inside the repository is not descended (its target is
    walked where it is). Yields paths under ``root`` as written (not resolved).
    """
    inside_repo(root, relative, what=what)
    # Walked as written (inside_repo has refused an escape), so that every path yielded and
    # named in a refusal is relative to ``root`` as the caller wrote it.
    top = root / relative
    if not top.is_dir():
        return
    base = root.resolve()
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        kept: list[str] = []
        for name in sorted(dirnames):
            if name.startswith("."):
                continue
            if (here / name).is_symlink():
                shown = (here / name).relative_to(root).as_posix()
                refuse_outside(here / name, root=base, what=f"{what} directory", shown_as=shown)
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink():
                shown = path.relative_to(root).as_posix()
                refuse_outside(path, root=base, what=what, shown_as=shown)
            yield path


def inside_repo(root: Path, relative: str, *, what: str) -> Path:
    """Resolve ``relative`` under ``root``, refusing anything that escapes it.

    Refuses absolute paths, ``..`` components and symlinks that lead outside the repository
    (a name from a PR or a CLI argument must never reach ``/etc/passwd``).
    """
    rel = Path(relative)
    if rel.is_absolute() or ".." in rel.parts:
        raise InputError(
            f"{what} path {relative!r} leaves the repository",
            hint="use a path relative to the repository root, without '..'",
        )
    base = root.resolve()
    refuse_outside(base / rel, root=base, what=what, shown_as=relative)
    return base / rel


def read_text(
    path: Path,
    *,
    what: str,
    shown_as: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    root: Path | None = None,
) -> str:
    """Read a UTF-8 text file, refusing what is missing, not a file, binary or too large.

    ``what`` names the file's role in messages ("changelog"); ``shown_as`` is how findings
    name it (defaults to the path as given). Line endings are normalised to ``\\n``. ``root``
    is the repository the file must stay inside (the symlink rule in the module docstring).
    """
    name = shown_as or path.as_posix()
    refuse_outside(path, root=root, what=what, shown_as=name)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(
            f"{what} not found", file=name, hint=f"create {name} or pass the right path"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", file=name) from None
    if not path.is_file():
        raise InputError(
            f"{what} is a directory or special file, not a regular file",
            file=name,
            hint=f"point at the {what} file itself",
        )
    if st.st_size > max_bytes:
        raise InputError(
            f"{what} is {st.st_size:,} bytes, over the {max_bytes:,}-byte limit",
            file=name,
            hint="this is not a plausible release file; check the path",
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", file=name) from None
    return decode_text(raw, what=what, shown_as=name)


def decode_text(raw: bytes, *, what: str, shown_as: str) -> str:
    """Decode bytes as UTF-8 text (BOM allowed), with file:line errors for binary data."""
    nul = raw.find(b"\x00")
    if nul != -1:
        raise InputError(
            f"{what} is a binary file (NUL byte at offset {nul})",
            file=shown_as,
            line=raw.count(b"\n", 0, nul) + 1,
            hint=f"the {what} must be UTF-8 text",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what} is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            file=shown_as,
            line=raw.count(b"\n", 0, exc.start) + 1,
            hint="re-save the file as UTF-8",
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _refuse_unwritable(target: Path) -> None:
    """An ``InputError`` when ``target`` exists and the user may not change it.

    Renaming a new file over a read-only one would succeed (the directory is writable), so
    the file's own mode, the immutable flag and a read-only mount are checked first: a file
    marked read-only is refused even for root, as git and editors do.
    """
    name = target.as_posix()
    try:
        st = target.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=name) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            "cannot write: it is a directory or special file, not a regular file", file=name
        )
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise InputError(
            f"cannot write: the file is read-only (mode {stat.filemode(st.st_mode)})",
            file=name,
            hint="make it writable (chmod u+w) if it should change; nothing was written",
        )
    try:
        # Opening for append changes nothing, but fails as a write would on an immutable
        # file (EPERM) or a read-only mount (EROFS).
        os.close(os.open(target, os.O_WRONLY | os.O_APPEND))
    except OSError as exc:
        reason = {errno.EROFS: "it is on a read-only file system", errno.EPERM: "it is immutable"}
        raise InputError(
            f"cannot write: {reason.get(exc.errno or 0, exc.strerror)}",
            file=name,
            hint="nothing was written; make the file writable if it should change",
        ) from None


def _make_parents(directory: Path, created: list[Path]) -> None:
    """Create ``directory`` and its missing parents, recording each one made (outermost first)."""
    missing: list[Path] = []
    for d in (directory, *directory.parents):
        if d.exists():
            break
        missing.append(d)
    for d in reversed(missing):
        d.mkdir()
        created.append(d)


def write_atomic(contents: Mapping[Path, str]) -> None:
    """Write several files so that either all get their new content or none changes.

    Files the user may not write are refused first (``InputError``, nothing written). Each
    file is then written to a temporary file beside it (missing directories are created) and
    flushed to disk; only when every temporary file exists are they renamed over their
    targets. If a rename fails, the files already replaced are restored from their previous
    content. Whatever fails, the temporary files and the directories this call created are
    removed: a failed write leaves the tree as it was.
    """
    for target in contents:
        _refuse_unwritable(target)
    staged: list[tuple[Path, Path]] = []
    created: list[Path] = []

    def clean_up() -> None:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        for d in reversed(created):  # innermost first; only the empty ones we made
            with contextlib.suppress(OSError):
                d.rmdir()

    current: Path | None = None
    try:
        for target, text in contents.items():
            current = target
            _make_parents(target.parent, created)
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            tmp = Path(tmp_name)
            staged.append((tmp, target))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.chmod(mode)
    except (OSError, UnicodeError) as exc:
        clean_up()
        raise InputError(
            f"cannot write: {_os_reason(exc)}; no file was changed",
            file=None if current is None else current.as_posix(),
            hint="check the directory is writable and the disk has room",
        ) from None

    originals = {t: t.read_bytes() if t.exists() else None for _, t in staged}
    done: list[Path] = []
    try:
        for tmp, target in staged:
            tmp.replace(target)
            done.append(target)
    except OSError as exc:
        for target in done:
            old = originals[target]
            if old is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(old)
        clean_up()
        raise InputError(f"cannot write: {_os_reason(exc)}; no file was changed") from None


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}"
