"""The pinned-actions table in docs/actions.md and every `uses:` pin are the same facts.

Pins live in our workflows, action.yml, the workflows ``releasekit init`` writes and the caller
snippets in the docs. Each must be a full SHA with a ``# vX.Y.Z`` comment that matches the
table's row for that action, and each row must be pinned by at least one YAML file, so a pin
can neither fall behind the table nor the table keep a row nobody uses. The runtime column
records what the pinned commit's ``action.yml`` says (``runs.using``): no Node 20 release.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ACTIONS_DOC = ROOT / "docs" / "actions.md"
YAML_FILES = sorted(
    [
        *(ROOT / ".github" / "workflows").glob("*.yml"),
        ROOT / "action.yml",
        *(ROOT / "scripts" / "releasekit" / "templates" / "workflows").glob("*.yml"),
    ]
)
DOC_FILES = sorted([*(ROOT / "docs").glob("*.md"), ROOT / "README.md"])

# `uses: owner/repo[/path]@ref  # comment` anywhere in YAML or in a Markdown code block.
_USES = re.compile(
    r"uses:\s*(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@(?P<ref>[^\s#`]+)"
    r"(?:[ \t]*#[ \t]*(?P<comment>[^\s`]+))?"
)
_ROW = re.compile(
    r"^\| `(?P<action>[^`]+)` \| (?P<version>v\d+\.\d+\.\d+) \| `(?P<sha>[0-9a-f]{40})` "
    r"\| (?P<runtime>[^|]+?) \|$",
    re.MULTILINE,
)
# Our own workflows and action, written with placeholders in the docs and templates.
_OURS = ("OWNER/", "./")


def table() -> dict[str, tuple[str, str, str]]:
    """docs/actions.md's "Pinned actions" rows: action → (version, sha, runtime)."""
    text = ACTIONS_DOC.read_text(encoding="utf-8").split("## Pinned actions", 1)[1]
    text = text.split("\n## ", 1)[0]
    rows = {m["action"]: (m["version"], m["sha"], m["runtime"]) for m in _ROW.finditer(text)}
    assert rows, "docs/actions.md has no pinned-actions table"
    return rows


def pins_in(path: Path) -> list[tuple[int, str, str, str | None]]:
    """(line, action, ref, comment) of every third-party `uses:` in ``path``."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for m in _USES.finditer(line):
            if not m["action"].startswith(_OURS):
                out.append((number, m["action"], m["ref"], m["comment"]))
    return out


def test_the_table_records_only_node24_or_composite_actions() -> None:
    for action, (_, _, runtime) in table().items():
        assert runtime == "node24" or runtime.startswith("composite"), (action, runtime)
        assert not re.search(r"node(1\d|20)\b", runtime), action


@pytest.mark.parametrize("path", YAML_FILES + DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_pin_is_the_tables_sha_and_version(path: Path) -> None:
    rows = table()
    for line, action, ref, comment in pins_in(path):
        where = f"{path.relative_to(ROOT)}:{line}"
        assert action in rows, f"{where}: {action} is not in docs/actions.md's pinned table"
        version, sha, _ = rows[action]
        assert ref == sha, f"{where}: {action}@{ref} is not the table's {sha} ({version})"
        assert comment == version, f"{where}: {action} says # {comment}, the table {version}"


def test_every_row_is_pinned_by_some_workflow_or_action() -> None:
    pinned = {action for path in YAML_FILES for _, action, _, _ in pins_in(path)}
    assert set(table()) == pinned


def test_the_pattern_sees_a_pin_and_a_stale_one(tmp_path: Path) -> None:
    # The checks above are only as good as the pattern that finds pins: prove it finds both a
    # good pin and a stale one, and skips our own placeholders.
    sample = tmp_path / "w.yml"
    sample.write_text(
        "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n"
        "      - uses: actions/setup-python@v5\n"
        "    uses: OWNER/releasekit/.github/workflows/pr-gate.yml@<sha> # v1.0.0\n"
        "      - uses: ./.releasekit/\n",
        encoding="utf-8",
    )
    assert pins_in(sample) == [
        (1, "actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
        (2, "actions/setup-python", "v5", None),
    ]
