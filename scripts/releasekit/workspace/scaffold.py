"""What ``releasekit init`` reads and writes: the shipped templates, the files already in the
repository, and the detect-secrets baseline of the repository as it will be.

Repository files are read with the bounded-read and inside-the-repository rules of
``releasekit.adapters.files``; everything is written in one atomic step or not at all.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from releasekit.adapters.files import inside_repo, read_text
from releasekit.core.repo.scaffold import TEMPLATE_NAMES
from releasekit.workspace.release_files import write_files


def load_templates() -> dict[str, str]:
    """The templates shipped inside the package (the same files as docs/templates)."""
    root = resources.files("releasekit") / "templates"
    return {
        name: root.joinpath(*name.split("/")).read_text(encoding="utf-8") for name in TEMPLATE_NAMES
    }


@dataclass(frozen=True)
class Existing:
    """A planned file as it is in the repository now (``text`` None: it does not exist)."""

    path: Path
    text: str | None


def existing_files(repo: Path, relatives: Iterable[str]) -> dict[str, Existing]:
    """Each planned path inside ``repo`` and its current text, if any."""
    out: dict[str, Existing] = {}
    for rel in relatives:
        path = inside_repo(repo, rel, what="scaffold")
        text = read_text(path, what=rel, shown_as=rel) if path.exists() else None
        out[rel] = Existing(path, text)
    return out


def write_scaffold(files: Mapping[Path, str]) -> None:
    """Write every file (creating its folders) or none."""
    write_files(files)


@dataclass(frozen=True)
class Baseline:
    """A detect-secrets baseline: its JSON text and the files it records potential secrets in."""

    text: str
    flagged: tuple[str, ...]


def secrets_baseline(
    repo: Path, planned: Mapping[str, str], *, name: str, generated_at: str
) -> Baseline | None:
    """The detect-secrets baseline of the repository once ``planned`` is written, or None.

    The files about to be written are scanned from a temporary copy; the rest are the files git
    tracks in ``repo`` (none outside a git repository), as ``detect-secrets scan`` would scan
    them, except the baseline ``name`` itself. ``generated_at`` replaces the scan time, so that
    a rerun plans the same text. None when detect-secrets is not installed.
    """
    try:
        from detect_secrets.core import baseline as ds_baseline
        from detect_secrets.settings import default_settings
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as tmp, default_settings():
        for rel, text in planned.items():
            target = Path(tmp, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        found = ds_baseline.create(tmp, should_scan_all_files=True, root=tmp)
        if (repo / ".git").exists():
            tracked = ds_baseline.create(str(repo), root=str(repo.resolve()))
            for filename, secrets in tracked.data.items():
                if filename not in planned and filename != name:
                    found[filename] = secrets
        output: dict[str, Any] = ds_baseline.format_for_output(found)
    output["generated_at"] = generated_at
    # Name files relative to the repository, as `detect-secrets scan` run there does.
    for filename, entries in output["results"].items():
        for entry in entries:
            entry["filename"] = filename
    flagged = tuple(sorted(output["results"]))
    return Baseline(json.dumps(output, indent=2) + "\n", flagged)
