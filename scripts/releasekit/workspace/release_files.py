"""Reading version.yaml, CHANGELOG.md and strategy headers of a checkout (the repository reader).

check-changelog, bump-version and release-check read these files only here; bump-version and
init also write through ``write_files`` (every file or none).
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from releasekit.adapters.files import (
    display_path,
    inside_repo,
    read_text,
    walk_files,
    write_atomic,
)
from releasekit.core.versioning.changelog import Changelog, parse_changelog
from releasekit.core.versioning.version_file import VersionFile, parse_version_file
from releasekit.core.versioning.versions import Version
from releasekit.errors import InputError

if TYPE_CHECKING:
    from releasekit.core.versioning.bump import SourceFile

# bump-version's edits (core.versioning.bump) and git (adapters.git) are imported by the
# functions that use them: check-changelog reads the two files and needs neither.

CHANGELOG_NAME = "CHANGELOG.md"
VERSION_NAME = "version.yaml"
# version.yaml is a few lines per release; a megabyte of it is not a version record.
VERSION_MAX_BYTES = 1024 * 1024


def shown(path: Path) -> str:
    """How findings name a file: relative to the working directory when inside it.

    In Actions the working directory is the workspace, so annotations land on the right file
    even when the gate checks a sub-directory (``--repo examples/trading-desk``).
    """
    return display_path(path, Path.cwd())


def load_changelog(path: Path) -> Changelog:
    """Read and parse a changelog file (``InputError`` when it cannot be read)."""
    name = shown(path)
    return parse_changelog(read_text(path, what="changelog", shown_as=name), shown_as=name)


def load_version_file(path: Path) -> VersionFile:
    """Read and parse ``version.yaml`` (``InputError`` when unreadable or not a mapping)."""
    name = shown(path)
    return parse_version_file(read_text(path, what="version.yaml", shown_as=name), shown_as=name)


@dataclass(frozen=True)
class ReleaseFile:
    """A file as read, plus what must survive a rewrite: CRLF line ends and a BOM."""

    path: Path
    source: SourceFile
    crlf: bool
    bom: bool

    def encode(self, text: str) -> str:
        """``text`` (normalised to ``\\n`` on reading) back in the file's own conventions."""
        out = text.replace("\n", "\r\n") if self.crlf else text
        return "\ufeff" + out if self.bom else out


def read_release_file(repo: Path, relative: str, *, what: str) -> ReleaseFile:
    """A repository file (inside ``repo``, bounded) with its line-end and BOM conventions."""
    from releasekit.core.versioning.bump import SourceFile

    path = inside_repo(repo, relative, what=what)
    name = shown(path)
    text = read_text(path, what=what, shown_as=name)
    # read_text normalises line ends and drops a BOM; look at the bytes so that a CRLF file is
    # written back as CRLF instead of turning every line into a diff.
    raw = path.read_bytes()
    crlf = b"\r\n" in raw and raw.count(b"\r\n") == raw.count(b"\n")
    return ReleaseFile(path, SourceFile(name, text), crlf, raw.startswith(codecs.BOM_UTF8))


def optional_version_file(repo: Path) -> VersionFile | None:
    """The checkout's version.yaml, or None when it has none (check-changelog allows that)."""
    return load_version_file(repo / VERSION_NAME) if has_version_file(repo) else None


def has_version_file(repo: Path) -> bool:
    """Whether the checkout has a ``version.yaml`` (it is optional for check-changelog)."""
    return (repo / VERSION_NAME).exists()


def find_strategy(repo: Path, name: str) -> ReleaseFile:
    """The one ``strategies/**/*.pine`` file whose header says ``// Strategy: <name>``."""
    from releasekit.core.versioning.bump import (
        STRATEGIES_DIR,
        STRATEGY_SUFFIX,
        read_strategy_header,
    )

    root = inside_repo(repo, STRATEGIES_DIR, what="strategies directory")
    if not root.is_dir():
        raise InputError(
            f"no {STRATEGIES_DIR}/ directory to find strategy {name} in",
            file=shown(root),
            hint=f"strategies live under {STRATEGIES_DIR}/ (runbook: Strategy Versioning)",
        )
    found: list[ReleaseFile] = []
    # The one symlink rule (adapters.files): a link leading outside the repository is refused,
    # a directory link inside it is not descended.
    for path in walk_files(repo, STRATEGIES_DIR, what="strategy file"):
        if not path.name.endswith(STRATEGY_SUFFIX):
            continue
        rel = path.relative_to(repo).as_posix()
        loaded = read_release_file(repo, rel, what="strategy file")
        try:
            header = read_strategy_header(loaded.source.text)
        except InputError as exc:
            p = exc.problem
            raise InputError(p.message, file=loaded.source.name, line=p.line, hint=p.hint) from None
        if header is not None and header.name == name:
            found.append(loaded)
    if not found:
        raise InputError(
            f"no strategy named {name} under {STRATEGIES_DIR}/",
            hint=f"the file's header must say `// Strategy: {name}` "
            f"(searched {STRATEGIES_DIR}/**/*{STRATEGY_SUFFIX})",
        )
    if len(found) > 1:
        names = ", ".join(f.source.name for f in found)
        raise InputError(
            f"strategy {name} is declared by {len(found)} files: {names}",
            file=found[1].source.name,
            hint="each strategy name belongs to one file; rename the copy",
        )
    return found[0]


def version_at_ref(repo: Path, ref: str, *, option: str) -> Version | None:
    """version.yaml's version in the commit ``ref`` (git), or None when it has none there."""
    from releasekit.adapters.git import file_at

    text = file_at(
        repo, ref, VERSION_NAME, max_bytes=VERSION_MAX_BYTES, what=VERSION_NAME, option=option
    )
    if text is None:
        return None
    return parse_version_file(text, shown_as=f"{VERSION_NAME} at {ref}").parsed_version


def write_files(contents: Mapping[Path, str], *, make_parents: bool = False) -> None:
    """Write every file or none (``adapters.files.write_atomic``), missing folders included.

    write_atomic makes the missing folders itself and removes them when the write fails;
    making them here first left empty folders behind a failed write (a full disk).
    ``make_parents`` is accepted from callers written before that and changes nothing.
    """
    del make_parents
    write_atomic(contents)
