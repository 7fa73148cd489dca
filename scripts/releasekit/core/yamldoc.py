"""Strict YAML for release files: line numbers kept, duplicate keys and aliases refused.

PyYAML silently keeps the last of two duplicate keys and expands aliases without bound (the
"billion laughs" bomb). Release metadata needs neither, so both are input errors here, with
the line of the offending key or alias.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import yaml

from releasekit.errors import InputError


# NOTE: the pure-Python SafeLoader on purpose. CSafeLoader composes nodes in C and never calls
# the compose_node override below, so it would let alias bombs through. Release files are small.
class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and duplicate mapping keys."""

    shown_as = "<yaml>"

    # Dates stay strings: PyYAML would build datetime.date objects and raise a bare ValueError
    # on "2024-13-01"; our rules want the text, to report a bad date as a finding with a line.
    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML reads this class attribute
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise InputError(
                "YAML aliases (*name) are not allowed in release files",
                file=self.shown_as,
                line=event.start_mark.line + 1,
                hint="write the value out in full instead of referring to an anchor",
            )
        return super().compose_node(parent, index)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except ValueError as exc:
            # An explicit !!timestamp, !!int or !!float that is not one (or a 5,000-digit
            # integer): bad input at the node's line, not a crash.
            raise InputError(
                f"invalid YAML value {node.tag.rsplit(':', 1)[-1]}: {exc}"[:300],
                file=self.shown_as,
                line=node.start_mark.line + 1,
                hint="write the value as plain text, or as the type it claims to be",
            ) from None

    def construct_mapping(
        self,
        node: yaml.MappingNode,
        deep: bool = False,  # noqa: ARG002 - PyYAML's signature; we always construct deeply
    ) -> dict[Any, Any]:
        seen: dict[Hashable, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, Hashable):
                raise InputError(
                    "a YAML mapping key must be a plain value", file=self.shown_as, line=line
                )
            if key in seen:
                raise InputError(
                    f"duplicate key {key!r} (first defined on line {seen[key]})",
                    file=self.shown_as,
                    line=line,
                    hint="keep one of the two entries",
                )
            seen[key] = line
        result: dict[Any, Any] = super().construct_mapping(node, deep=True)
        return result


@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML document: the plain data plus its node tree for line numbers."""

    data: Any
    root: yaml.Node | None
    shown_as: str

    def node_at(self, *path: str | int) -> yaml.Node | None:
        """The node at a key/index path (``("changelog", 2)``), or None when absent."""
        node = self.root
        for step in path:
            if isinstance(node, yaml.MappingNode) and isinstance(step, str):
                node = next(
                    (
                        v
                        for k, v in node.value
                        if isinstance(k, yaml.ScalarNode) and k.value == step
                    ),
                    None,
                )
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                node = node.value[step] if 0 <= step < len(node.value) else None
            else:
                return None
            if node is None:
                return None
        return node

    def line_of(self, *path: str | int) -> int | None:
        """1-based line where the value at ``path`` starts, or None when absent."""
        node = self.node_at(*path)
        return None if node is None else node.start_mark.line + 1

    def raw_scalar(self, *path: str | int) -> str | None:
        """The scalar's text exactly as written (``1.10`` stays ``"1.10"``, not ``1.1``)."""
        node = self.node_at(*path)
        return node.value if isinstance(node, yaml.ScalarNode) else None


def parse_yaml(text: str, *, shown_as: str) -> YamlDoc:
    """Parse one YAML document strictly; any problem becomes an ``InputError`` with a line."""
    try:
        # The reader rejects control characters while it is constructed, before any parse.
        loader = _StrictLoader(text)
    except yaml.reader.ReaderError as exc:
        raise InputError(
            f"invalid YAML: character {exc.character!r} is not allowed in a YAML file",
            file=shown_as,
            line=text.count("\n", 0, exc.position) + 1,
            hint="remove the control character (YAML allows tab, newline and printable text)",
        ) from None
    loader.shown_as = shown_as
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(
            f"invalid YAML: {exc.problem or exc.context}",
            file=shown_as,
            line=None if mark is None else mark.line + 1,
            hint="fix the YAML syntax at that line (a YAML linter shows more)",
        ) from None
    except RecursionError:
        # Nesting thousands of levels deep: the reader stopped where it got too deep.
        raise InputError(
            "invalid YAML: nested too deeply (thousands of levels of lists or mappings)",
            file=shown_as,
            line=loader.line + 1,
            hint="flatten the file; no release file needs more than a few levels",
        ) from None
    except (yaml.YAMLError, ValueError) as exc:
        raise InputError(
            f"invalid YAML: {type(exc).__name__}: {exc}"[:300],
            file=shown_as,
            line=loader.line + 1,
            hint="fix the YAML at that line",
        ) from None
    finally:
        loader.dispose()
    return YamlDoc(data, root, shown_as)
