"""Anti-bias tests: no feature may use a bar that has not closed yet (look-ahead bias).

The runbook runs ``pytest tests/test_bias.py -v`` on every release and requires it to pass
before any strategy release (Audit Sign-Off Requirements: "Anti-bias tests: All pass").
Two independent checks per feature:

* truncation: the value at bar ``t`` computed from bars ``0..t`` equals the value at bar
  ``t`` computed from the whole series;
* perturbation: rewriting every bar after ``t`` leaves the values up to ``t`` unchanged.

Either fails for a feature that reads ``values[i + 1]`` or centres a window on the bar.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from features import bars

Bars = tuple[list[float], list[float], list[float], list[bool]]


def make_bars(n: int, seed: int) -> Bars:
    """A random walk of OHLC-like bars with a repeating session flag."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not cryptography
    close, high, low, session = [], [], [], []
    price = 100.0
    for i in range(n):
        price *= 1 + rng.gauss(0, 0.004)
        spread = abs(rng.gauss(0, 0.3)) + 0.05
        close.append(price)
        high.append(price + spread * rng.random() + 0.01)
        low.append(price - spread * rng.random() - 0.01)
        session.append(8 <= i % 24 < 16)
    return high, low, close, session


FEATURES: dict[str, Callable[[Bars], list[Any]]] = {
    "sma": lambda b: bars.sma(b[2], 10),
    "atr": lambda b: bars.atr(b[0], b[1], b[2], 14),
    "realized_vol": lambda b: bars.realized_vol(b[2], 20),
    "confirmed_pivot_highs": lambda b: bars.confirmed_pivot_highs(b[0], 3, 3),
    "bullish_fair_value_gap": lambda b: bars.bullish_fair_value_gap(b[0], b[1]),
    "session_range": lambda b: bars.session_range(b[0], b[1], b[3]),
}
N = 240
CUTS = range(30, N - 1, 17)


def _truncate(b: Bars, t: int) -> Bars:
    return b[0][: t + 1], b[1][: t + 1], b[2][: t + 1], b[3][: t + 1]


def _perturb(b: Bars, t: int, seed: int) -> Bars:
    future = make_bars(N, seed)
    return (
        b[0][: t + 1] + future[0][t + 1 :],
        b[1][: t + 1] + future[1][t + 1 :],
        b[2][: t + 1] + future[2][t + 1 :],
        b[3][: t + 1] + future[3][t + 1 :],
    )


@pytest.mark.parametrize("name", sorted(FEATURES))
def test_value_at_t_needs_only_bars_up_to_t(name: str) -> None:
    feature = FEATURES[name]
    series = make_bars(N, seed=7)
    full = feature(series)
    for t in CUTS:
        assert feature(_truncate(series, t))[t] == full[t], f"{name} looks ahead at bar {t}"


@pytest.mark.parametrize("name", sorted(FEATURES))
def test_future_bars_do_not_change_the_past(name: str) -> None:
    feature = FEATURES[name]
    series = make_bars(N, seed=11)
    full = feature(series)
    for t in CUTS:
        changed = feature(_perturb(series, t, seed=1000 + t))
        assert changed[: t + 1] == full[: t + 1], f"{name} changes before bar {t + 1}"
