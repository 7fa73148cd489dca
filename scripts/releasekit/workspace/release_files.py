"""Reading version.yaml and CHANGELOG.md of a checkout into core values (the repository reader)."""

from __future__ import annotations

from pathlib import Path

from releasekit.adapters.files import display_path, read_text
from releasekit.core.versioning.changelog import Changelog, parse_changelog
from releasekit.core.versioning.version_file import VersionFile, parse_version_file

CHANGELOG_NAME = "CHANGELOG.md"
VERSION_NAME = "version.yaml"


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
