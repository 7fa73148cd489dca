# Model: REGIME_FILTER
# Version: 1.0.0
# Audit: AUD-2024-01-10-001 (PASS)
# Released: 2024-01-20
"""Regime filter: the probability that the market is in a tradeable (calm, trending) regime.

A logistic model on two features that use closed bars only (``features.bars``): realized
volatility relative to its 100-bar average, and ATR relative to price. Strategies skip new
entries while the probability is below ``ENTRY_THRESHOLD``. The coefficients are the ones fitted
for release 1.1.0 (training window 2019-01-01 to 2022-12-31, 15-minute FX majors) and were
re-validated by every audit since; a retrain is a model release and needs a new audit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from features.bars import atr, realized_vol, sma

INTERCEPT = 2.30
COEF_VOL_RATIO = -2.10
COEF_ATR_PCT = -85.0
ENTRY_THRESHOLD = 0.55


def regime_probability(
    high: Sequence[float], low: Sequence[float], close: Sequence[float]
) -> list[float | None]:
    """P(tradeable regime) at each bar, or None until the features have enough history."""
    vol = realized_vol(close, 20)
    vol_filled = [v if v is not None else 0.0 for v in vol]
    vol_avg = sma(vol_filled, 100)
    atr14 = atr(high, low, close, 14)
    out: list[float | None] = []
    for i, price in enumerate(close):
        v, avg, a = vol[i], vol_avg[i], atr14[i]
        if v is None or avg is None or a is None or avg <= 0 or i < 120:
            out.append(None)
            continue
        z = INTERCEPT + COEF_VOL_RATIO * (v / avg) + COEF_ATR_PCT * (a / price)
        out.append(1.0 / (1.0 + math.exp(-z)))
    return out


def allow_entry(probability: float | None) -> bool:
    """Whether a strategy may open a position at this bar (no model output: no entry)."""
    return probability is not None and probability >= ENTRY_THRESHOLD
