"""Path globs as the policy and CODEOWNERS write them, turned into regular expressions.

``**`` crosses directories (``**/`` also matches no directory at all); ``*`` and ``?`` stay
within one path segment. No character classes: neither format needs them.
"""

from __future__ import annotations

import re
from functools import lru_cache


def glob_body(glob: str) -> str:
    """The regex body of ``glob`` (unanchored, so callers can add their own anchors)."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def glob_regex(glob: str) -> re.Pattern[str]:
    """``glob`` as a compiled regex that must match a whole repository-relative path."""
    return re.compile(glob_body(glob) + r"\Z")
