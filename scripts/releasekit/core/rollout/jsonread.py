"""Strict JSON for the files money decisions are made from: rollout state and metrics snapshots.

Python's JSON reader takes ``NaN``, ``Infinity`` and ``1e1000`` (which becomes infinity), keeps
the last of two equal keys, and recurses once per nesting level. Every comparison with NaN is
false, so a NaN divergence would count as "not above 30%" and promote; a duplicate key can hide
the reading that says stop. ``load_strict_json`` refuses all of these, with the file and line,
before any value is used, and refuses nesting deeper than ``MAX_DEPTH`` without recursing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

from releasekit.errors import InputError

# A state or metrics document is a few levels deep; anything deeper is not one of ours.
MAX_DEPTH = 32
# Strings, brackets, the non-standard constants and numbers, in document order.
_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|[\[\]{}]|-?Infinity|NaN|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?'
)


def line_at(text: str, pos: int) -> int:
    """The 1-based line of character ``pos`` of ``text``."""
    return text.count("\n", 0, pos) + 1


def _scan(text: str, *, shown_as: str, what: str, hint: str) -> None:
    """Refuse non-finite numbers and too deep nesting, naming the line (no recursion)."""
    depth = 0
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok[0] == '"':
            continue
        if tok in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(
                    f"{what} is nested more than {MAX_DEPTH} levels deep",
                    file=shown_as,
                    line=line_at(text, m.start()),
                    hint=hint,
                )
            continue
        if tok in "]}":
            depth -= 1
            continue
        if tok.lstrip("-") in ("Infinity", "NaN") or not math.isfinite(float(tok)):
            raise InputError(
                f"{what}: {tok[:40]} is not a finite number",
                file=shown_as,
                line=line_at(text, m.start()),
                hint="write a finite number; a value that was not measured is left out",
            )


def _no_constants(name: str) -> Any:
    # Reached only if the scan above missed a constant; refuse it all the same.
    raise ValueError(f"{name} is not a finite number")


def load_strict_json(text: str, *, shown_as: str, what: str, hint: str) -> Any:
    """``text`` as JSON; non-finite numbers, duplicate keys, deep nesting and syntax errors are
    ``InputError``s naming ``shown_as`` and the line."""
    _scan(text, shown_as=shown_as, what=what, hint=hint)

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise InputError(
                    f"{what}: the key {key!r} appears twice",
                    file=shown_as,
                    line=_key_line(text, key, second=True),
                    hint="write each key once; which of two readings counts is not guessed",
                )
            out[key] = value
        return out

    try:
        return json.loads(text, parse_constant=_no_constants, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{what} is not JSON: {exc.msg}", file=shown_as, line=exc.lineno, hint=hint
        ) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{what} is not JSON: {exc}", file=shown_as, hint=hint) from None


def _key_line(text: str, key: str, *, second: bool = False) -> int | None:
    """The line of the (second) ``"key":`` in ``text``, or None."""
    found = [m.start() for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:", text)]
    if not found:
        return None
    return line_at(text, found[1] if second and len(found) > 1 else found[0])


def path_line(text: str, path: Sequence[str | int]) -> int | None:
    """The line of the value at ``path`` (keys and list indexes), found by walking the keys in
    document order; None when a key cannot be found. Close enough for an error message."""
    pos = 0
    line: int | None = None
    for part in path:
        if isinstance(part, int):
            continue
        m = re.compile(re.escape(json.dumps(part)) + r"\s*:").search(text, pos)
        if m is None:
            return line
        pos = m.end()
        line = line_at(text, m.start())
    return line
