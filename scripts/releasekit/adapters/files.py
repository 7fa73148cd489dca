"""Reading and writing the repository's files safely: the only place gates touch the disk.

Every read is bounded (size, UTF-8, no NUL bytes, a regular file inside the repository) and
every failure becomes an ``InputError`` naming the file and line. Writes are atomic across
several files: either every file gets its new content or none changes.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
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
    candidate = (base / rel).resolve()
    if candidate != base and base not in candidate.parents:
        raise InputError(
            f"{what} path {relative!r} resolves outside the repository (through a symlink)",
            file=relative,
            hint="replace the symlink with a regular file inside the repository",
        )
    return base / rel


def read_text(
    path: Path,
    *,
    what: str,
    shown_as: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> str:
    """Read a UTF-8 text file, refusing what is missing, not a file, binary or too large.

    ``what`` names the file's role in messages ("changelog"); ``shown_as`` is how findings
    name it (defaults to the path as given). Line endings are normalised to ``\\n``.
    """
    name = shown_as or path.as_posix()
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


def write_atomic(contents: Mapping[Path, str]) -> None:
    """Write several files so that either all get their new content or none changes.

    Each file is first written to a temporary file beside it and flushed to disk; only when
    every temporary file exists are they renamed over their targets. If a rename fails, the
    files already replaced are restored from their previous content.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for target, text in contents.items():
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            tmp = Path(tmp_name)
            staged.append((tmp, target))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.chmod(mode)
    except OSError as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write: {exc}", hint="check the directory is writable") from None

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
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write: {exc}; no file was changed") from None
