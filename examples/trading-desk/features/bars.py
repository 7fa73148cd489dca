"""Bar features: the value at bar ``i`` may depend on bars ``0..i`` and never on a later bar.

These are the Python twins of the calculations in the Pine strategies, used by research, the
backtester and the regime filter model. A feature that peeks at a future bar makes every
backtest look better than live trading will be, which is why ``tests/test_bias.py`` checks
each one (runbook: "Run anti-bias tests", a requirement of every strategy release).

Series are plain lists of floats, oldest bar first. ``None`` marks bars where a feature is not
defined yet (not enough history).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def sma(values: Sequence[float], length: int) -> list[float | None]:
    """Simple moving average of the last ``length`` values, ending at each bar."""
    out: list[float | None] = []
    window_sum = 0.0
    for i, v in enumerate(values):
        window_sum += v
        if i >= length:
            window_sum -= values[i - length]
        out.append(window_sum / length if i >= length - 1 else None)
    return out


def true_range(high: Sequence[float], low: Sequence[float], close: Sequence[float]) -> list[float]:
    """True range: the bar's range extended to the previous close."""
    out: list[float] = []
    for i in range(len(close)):
        if i == 0:
            out.append(high[0] - low[0])
        else:
            prev = close[i - 1]
            out.append(max(high[i] - low[i], abs(high[i] - prev), abs(low[i] - prev)))
    return out


def atr(
    high: Sequence[float], low: Sequence[float], close: Sequence[float], length: int = 14
) -> list[float | None]:
    """Average true range with Wilder's smoothing (as Pine's ``ta.atr``)."""
    tr = true_range(high, low, close)
    out: list[float | None] = []
    value: float | None = None
    for i, x in enumerate(tr):
        if i < length - 1:
            out.append(None)
            continue
        if value is None:
            value = sum(tr[i - length + 1 : i + 1]) / length
        else:
            value = (value * (length - 1) + x) / length
        out.append(value)
    return out


def realized_vol(close: Sequence[float], length: int = 20) -> list[float | None]:
    """Standard deviation of log returns over the last ``length`` returns, ending at each bar."""
    rets = [0.0] + [math.log(close[i] / close[i - 1]) for i in range(1, len(close))]
    out: list[float | None] = []
    for i in range(len(close)):
        if i < length:
            out.append(None)
            continue
        window = rets[i - length + 1 : i + 1]
        mean = sum(window) / length
        out.append(math.sqrt(sum((r - mean) ** 2 for r in window) / (length - 1)))
    return out


def confirmed_pivot_highs(high: Sequence[float], left: int, right: int) -> list[float | None]:
    """The pivot high *known* at each bar: a high confirmed ``right`` bars after it formed.

    Pine's ``ta.pivothigh(left, right)`` reports a pivot on the bar that confirms it, ``right``
    bars late; using the pivot on the bar where it formed is the classic look-ahead bug.
    """
    out: list[float | None] = []
    for i in range(len(high)):
        p = i - right
        if p - left < 0:
            out.append(None)
            continue
        candidate = high[p]
        neighbours = list(high[p - left : p]) + list(high[p + 1 : i + 1])
        out.append(candidate if all(candidate > h for h in neighbours) else None)
    return out


def bullish_fair_value_gap(high: Sequence[float], low: Sequence[float]) -> list[bool]:
    """A bullish fair value gap completed at bar ``i``: ``low[i] > high[i - 2]``."""
    return [i >= 2 and low[i] > high[i - 2] for i in range(len(low))]


def session_range(
    high: Sequence[float], low: Sequence[float], in_session: Sequence[bool]
) -> list[tuple[float, float] | None]:
    """High and low of the current session so far (None outside a session)."""
    out: list[tuple[float, float] | None] = []
    current: tuple[float, float] | None = None
    for i, active in enumerate(in_session):
        if not active:
            current = None
            out.append(None)
            continue
        current = (
            (high[i], low[i])
            if current is None
            else (
                max(current[0], high[i]),
                min(current[1], low[i]),
            )
        )
        out.append(current)
    return out
