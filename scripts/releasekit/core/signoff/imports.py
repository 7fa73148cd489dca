"""Which governed Python entry points import a module, directly or transitively (SGN020).

A model (or any other Python file a release type governs, such as a strategy written in
Python) behaves as the code it imports. A change to ``features/bars.py`` that
``models/regime_filter.py`` imports changes the model as surely as an edit of the model file,
so the pull request is that model's release type, with its model audit.

Pure: the repository's Python sources (path → text, read by the workspace at the head commit)
in, and for each module the chain from a governed entry point to it out. Imports are read with
``ast`` (static ``import`` and ``from ... import`` statements anywhere in the file, including
inside functions and ``try`` blocks); a dynamic import (``importlib.import_module`` with a
computed name) cannot be followed and is not guessed at. A module is resolved inside the
repository only: relative to the repository root, to the importing file's directory (a script
run as ``python models/x.py`` imports its siblings so), and ``from . import``-style relative
imports to the importing package. Anything that resolves to no file of the repository (the
standard library, installed packages) is outside and ignored.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from releasekit.core.signoff.policy import TYPE_ORDER, TypeName

# A source that does not parse (or is this large) is not followed: its imports are unknown,
# and the pull request is then classified by its paths alone (the finding says so).
MAX_SOURCE_CHARS = 2_000_000


@dataclass(frozen=True)
class ImportChain:
    """How a governed entry point reaches a module: ``entry -> ... -> module`` (paths)."""

    type: TypeName
    chain: tuple[str, ...]

    @property
    def entry(self) -> str:
        """The governed file whose behaviour the module is part of."""
        return self.chain[0]

    def describe(self) -> str:
        """``features/bars.py is imported by models/regime_filter.py`` (with the path between)."""
        module, entry = self.chain[-1], self.chain[0]
        between = self.chain[1:-1]
        via = f" (via {' -> '.join(reversed(between))})" if between else ""
        return f"{module} is imported by {entry}{via}"


def _module_names(tree: ast.AST) -> list[tuple[int, str, tuple[str, ...]]]:
    """(level, module, names) of every import statement: ``import a.b`` is (0, "a.b", ())."""
    out: list[tuple[int, str, tuple[str, ...]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((0, alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names if alias.name != "*")
            out.append((node.level, node.module or "", names))
    return out


def _candidates(dotted: str) -> list[str]:
    """The files a dotted module name may be, relative to a directory on the path."""
    if not dotted:
        return []
    base = dotted.replace(".", "/")
    return [f"{base}.py", f"{base}/__init__.py"]


def _parents(dotted: str) -> list[str]:
    """``a.b.c`` imports the packages ``a`` and ``a.b`` too (their ``__init__``)."""
    parts = dotted.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _join(directory: str, rel: str) -> str:
    return f"{directory}/{rel}" if directory else rel


def _directory(path: str) -> str:
    return path.rpartition("/")[0]


def imported_files(path: str, text: str, files: frozenset[str]) -> list[str]:
    """The repository files that the Python file ``path`` imports (one step, no transitivity)."""
    if len(text) > MAX_SOURCE_CHARS:
        return []
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    here = _directory(path)
    found: dict[str, None] = {}

    def add(directory: str, dotted: str) -> bool:
        hit = False
        for name in [*_parents(dotted), dotted]:
            for candidate in _candidates(name):
                full = _join(directory, candidate)
                if full in files and full != path:
                    found[full] = None
                    hit = hit or name == dotted
        return hit

    for level, module, names in _module_names(tree):
        if level:
            package = here
            for _ in range(level - 1):
                package = _directory(package)
            roots = [package]
        else:
            roots = list(dict.fromkeys(["", here]))
        for root in roots:
            if module:
                add(root, module)
            for name in names:
                # `from pkg import mod` may name a submodule; `from . import x` always does.
                add(root, f"{module}.{name}" if module else name)
    return list(found)


def governed_imports(
    sources: Mapping[str, str], entries: Mapping[str, TypeName]
) -> dict[str, ImportChain]:
    """For each Python file a governed entry point imports (transitively), the shortest chain.

    ``sources`` are the repository's Python files (path → text) at the head commit;
    ``entries`` the governed ones and their release type (``models/x.py`` → ``model``). The
    entry points themselves are not in the answer (their own paths classify them). Breadth
    first from each entry, most demanding type first, so the chain shown is a shortest one.
    """
    files = frozenset(sources)
    graph: dict[str, list[str]] = {}

    def edges(path: str) -> list[str]:
        if path not in graph:
            graph[path] = imported_files(path, sources[path], files)
        return graph[path]

    out: dict[str, ImportChain] = {}
    for entry, kind in sorted(entries.items(), key=lambda e: (TYPE_ORDER.index(e[1]), e[0])):
        if entry not in files:
            continue
        queue: deque[tuple[str, tuple[str, ...]]] = deque([(entry, (entry,))])
        seen = {entry}
        while queue:
            path, chain = queue.popleft()
            for target in edges(path):
                if target in seen:
                    continue
                seen.add(target)
                route = (*chain, target)
                if target not in entries and target not in out:
                    out[target] = ImportChain(kind, route)
                queue.append((target, route))
    return out


def python_paths(paths: Iterable[str]) -> list[str]:
    """The ``*.py`` paths among ``paths``."""
    return [p for p in paths if p.endswith(".py")]
