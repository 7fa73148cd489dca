"""Who may import whom inside ``scripts/releasekit`` (docs/architecture.md, "Layers").

The road of every gate is entry point (cli) -> gate -> repository reader (workspace) / GitHub
port (adapters) -> core rules -> Report. This test reads every module's imports with ``ast``
(static imports, including the ones inside functions) and fails on any arrow that climbs back
up a layer, or on a command module that imports another command module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scripts" / "releasekit"

# layer -> the releasekit layers it must never import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": ("adapters", "workspace", "gates", "cli"),
    "adapters": ("workspace", "gates", "cli"),
    "workspace": ("gates", "cli"),
    "gates": ("cli",),
}
# A command module may import only the shared common package of cli/.
CLI_SHARED = "releasekit.cli.common"
MAX_COMMAND_LINES = 250
MAX_CORE_LINES = 700
LONG_FILE_REASON = "Why this file is long:"


def module_name(path: Path) -> str:
    """``scripts/releasekit/cli/rollout.py`` -> ``releasekit.cli.rollout``."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, this: str, *, is_package: bool) -> list[tuple[int, str]]:
    """Every module an import statement names, absolute, with its line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = this.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            found.append((node.lineno, prefix))
            # `from releasekit.cli import rollout` imports the module releasekit.cli.rollout
            found += [(node.lineno, f"{prefix}.{alias.name}") for alias in node.names]
    return found


def violations(this: str, source: str, *, is_package: bool = False) -> list[str]:
    """The forbidden arrows leaving module ``this`` (empty when it keeps to its layer)."""
    parts = this.split(".")
    layer = parts[1] if len(parts) > 1 else ""
    out: list[str] = []
    for line, target in imported_modules(source, this, is_package=is_package):
        tparts = target.split(".")
        if tparts[0] != "releasekit" or len(tparts) < 2:
            continue
        if tparts[1] in FORBIDDEN.get(layer, ()):
            out.append(f"{this}:{line} imports {target} ({layer} must not import {tparts[1]})")
        if (
            layer == "cli"
            and tparts[1] == "cli"
            and len(tparts) > 2
            and not this.startswith(CLI_SHARED)
            and this != "releasekit.cli"
            and not target.startswith(CLI_SHARED)
            and target != this
        ):
            out.append(f"{this}:{line} imports {target} (a command imports only cli.common)")
    return out


def all_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_imports_up_a_layer_or_another_command() -> None:
    problems: list[str] = []
    for path in all_modules():
        problems += violations(
            module_name(path),
            path.read_text(encoding="utf-8"),
            is_package=path.name == "__init__.py",
        )
    assert problems == []


@pytest.mark.parametrize(
    ("this", "source"),
    [
        ("releasekit.core.report", "from releasekit.adapters.files import read_text\n"),
        ("releasekit.core.rollout.plan", "def f():\n    import releasekit.cli.common\n"),
        ("releasekit.gates.rollout", "from releasekit.cli.common import run_gate\n"),
        ("releasekit.workspace.release_files", "from releasekit.gates import rollout\n"),
        ("releasekit.cli.evidence", "from releasekit.cli.signoff_gate import policy_at_base\n"),
        ("releasekit.cli.release_check", "from releasekit.cli import check_changelog\n"),
        ("releasekit.adapters.git", "from ..cli import common\n"),
    ],
)
def test_a_deliberately_wrong_import_is_caught(this: str, source: str) -> None:
    assert violations(this, source) != []


@pytest.mark.parametrize(
    ("this", "source"),
    [
        ("releasekit.cli.rollout", "from releasekit.cli.common import run_gate\n"),
        ("releasekit.cli.rollout", "from releasekit.cli.common.publish import publish\n"),
        ("releasekit.gates.evidence", "from releasekit.gates.signoff import decide\n"),
        ("releasekit.gates.evidence", "from releasekit.workspace import release_files\n"),
        ("releasekit.core.rollout.plan", "from releasekit.core.report import Report\n"),
        ("releasekit.cli", "import importlib\n"),
    ],
)
def test_the_allowed_arrows_pass(this: str, source: str) -> None:
    assert violations(this, source) == []


def test_command_modules_stay_small() -> None:
    big = {
        module_name(p): n
        for p in all_modules()
        if p.parent == PACKAGE / "cli"
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_COMMAND_LINES
    }
    assert big == {}


def test_long_core_files_say_why() -> None:
    unexplained = [
        module_name(p)
        for p in all_modules()
        if "core" in p.relative_to(PACKAGE).parts
        and len((text := p.read_text(encoding="utf-8")).splitlines()) > MAX_CORE_LINES
        and LONG_FILE_REASON not in text[:3000]
    ]
    assert unexplained == []
