"""A policy section's first JSON Schema error, as one ``InputError`` at the line that causes it.

Pure: the parsed YAML (``YamlDoc``, for lines) and the schema's errors in, an ``InputError``
out. A misspelt key is reported before anything else: it also makes its correct spelling
"missing", and the misspelling is what the author has to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import yaml
from jsonschema import ValidationError

from releasekit.core.yamldoc import YamlDoc
from releasekit.errors import InputError

Where = tuple[str | int, ...]
# (message, hint) for one schema error and its dotted path; an unknown key is explained here.
Explain = Callable[[ValidationError, str], tuple[str, str]]


def raise_first_error(
    errors: Iterable[ValidationError],
    doc: YamlDoc,
    path: Where,
    *,
    explain: Explain,
    docs: str,
) -> None:
    """Raise the first of ``errors`` (of the section at ``path``) as an ``InputError``.

    The error names its dotted path and line (a misspelt key's own line), how many more
    errors there are, and a hint that ends with ``docs`` (the page that documents the section).
    """
    ordered = sorted(
        errors,
        key=lambda e: (e.validator != "additionalProperties", list(map(str, e.absolute_path))),
    )
    if not ordered:
        return
    first = ordered[0]
    where = (*path, *first.absolute_path)
    dotted = ".".join(str(x) for x in where)
    more = f" (and {len(ordered) - 1} more)" if len(ordered) > 1 else ""
    unknown = first.validator == "additionalProperties"
    message, hint = _unknown_key(first, dotted) if unknown else explain(first, dotted)
    line = line_of(doc, where)
    if unknown:
        # Point at the misspelt key itself, not at the mapping that holds it.
        line = _key_line(doc, where, _extra_keys(first)) or line
    raise InputError(
        f"release policy: {message}{more}", file=doc.shown_as, line=line, hint=f"{hint} ({docs})"
    )


def line_of(doc: YamlDoc, where: Where) -> int | None:
    """The line of ``where``, or of its nearest ancestor that exists."""
    for n in range(len(where), 0, -1):
        line = doc.line_of(*where[:n])
        if line is not None:
            return line
    return None


def schema_of(error: ValidationError) -> dict[str, Any]:
    """The (sub)schema an error was raised by, as a mapping (empty when it is not one)."""
    return error.schema if isinstance(error.schema, dict) else {}


def _unknown_key(error: ValidationError, dotted: str) -> tuple[str, str]:
    known = sorted((schema_of(error).get("properties") or {}).keys())
    extra = _extra_keys(error)
    return (
        f"unknown key `{extra[0] if extra else '?'}` in `{dotted}`",
        f"known keys here: {', '.join(known)}",
    )


def _extra_keys(error: ValidationError) -> list[str]:
    known = set((schema_of(error).get("properties") or {}).keys())
    instance = error.instance if isinstance(error.instance, dict) else {}
    return sorted(str(k) for k in instance if str(k) not in known)


def _key_line(doc: YamlDoc, where: Where, keys: list[str]) -> int | None:
    node = doc.node_at(*where)
    if isinstance(node, yaml.MappingNode) and keys:
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == keys[0]:
                return int(k.start_mark.line) + 1
    return None
