"""Strict JSON for the files money decisions are made from: rollout state and metrics snapshots.

Python's JSON reader takes ``NaN``, ``Infinity`` and ``1e1000`` (which becomes infinity), keeps
the last of two equal keys, and recurses once per nesting level. Every comparison with NaN is
false, so a NaN divergence would count as "not above 30%" and promote; a duplicate key can hide
the reading that says stop. ``load_strict_json`` refuses all of these, with the file and line,
before any value is used, and refuses nesting deeper than ``MAX_DEPTH`` without recursing.

``path_line`` finds the line of any value of a document already read, for the messages of
the checks that come after reading: one pass over the document's tokens that keeps the path
of keys and list indexes it is at (so a key inside a string, an escaped key or a repeated key
in another object is never mistaken for the one meant).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
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
                    line=_repeated_key_line(text, key),
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


# Every JSON token (whitespace between tokens is skipped by finditer).
_ANY_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]|[^\s\[\]{},:"]+')


def _members(text: str) -> Iterator[tuple[tuple[str | int, ...], int, bool]]:
    """(path, position, repeated) of every value of the JSON ``text``, in document order.

    ``position`` is where the value's key starts inside an object (the line a reader looks
    for), else where the value starts; ``repeated`` says the key was already used in the same
    object. ``text`` must be JSON (``load_strict_json`` read it), so no token is unexpected.
    """
    # One frame per open container: its bracket, the key or index it is at, the key's start,
    # and (objects) the keys seen so far.
    stack: list[tuple[str, list[Any], set[str]]] = []
    expect_key = False
    for m in _ANY_TOKEN.finditer(text):
        tok = m.group()
        if tok == ":":
            continue
        if tok == ",":
            kind, here, _ = stack[-1]
            if kind == "[":
                here[0] += 1
            else:
                expect_key = True
            continue
        if tok in "]}":
            stack.pop()
            expect_key = False
            continue
        if expect_key:
            _, here, seen = stack[-1]
            key = json.loads(tok)
            repeated = key in seen
            seen.add(key)
            here[0], here[1], here[2] = key, m.start(), repeated
            expect_key = False
            continue
        path = tuple(frame[1][0] for frame in stack)
        inside_object = bool(stack) and stack[-1][0] == "{"
        at = stack[-1][1][1] if inside_object else m.start()
        yield path, at, inside_object and stack[-1][1][2]
        if tok == "{":
            stack.append(("{", [None, m.start(), False], set()))
            expect_key = True
        elif tok == "[":
            stack.append(("[", [0, m.start(), False], set()))


def path_line(text: str, path: Sequence[str | int]) -> int | None:
    """The line of the value at ``path`` (keys and list indexes) of the JSON ``text``: where
    its key is for an object member, else where it starts. None when there is no such value;
    the parent's line when only the last key is missing is the caller's choice."""
    wanted = tuple(path)
    for where, at, _ in _members(text):
        if where == wanted:
            return line_at(text, at)
    return None


def nearest_line(text: str, path: Sequence[str | int]) -> int:
    """The line of the value at ``path``, else of its nearest enclosing value that exists."""
    for end in range(len(path), -1, -1):
        line = path_line(text, path[:end])
        if line is not None:
            return line
    return 1


def _repeated_key_line(text: str, key: str) -> int | None:
    """The line of the first ``key`` used a second time in one object of the JSON ``text``."""
    for where, at, repeated in _members(text):
        if repeated and where[-1] == key:
            return line_at(text, at)
    return None
