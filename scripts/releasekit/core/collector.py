"""The cyclic garbage collector paused while a parser builds a large structure.

A parse of a 50,000-row audit log or a 50,000-release changelog allocates hundreds of
thousands of small objects and no reference cycles that outlive it, so every collection the
allocations trigger walks the growing structure for nothing (up to half the parse, in
bursts). Reference counting still frees everything as usual; the collector runs again as soon
as the parse returns.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def collector_paused(parse: Callable[P, R]) -> Callable[P, R]:
    """``parse`` with the cyclic collector paused for its duration (restored if it was on)."""

    @functools.wraps(parse)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return parse(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return run
