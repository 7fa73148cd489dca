"""Calendar dates as release files write them (ISO ``YYYY-MM-DD``)."""

from __future__ import annotations

import datetime as dt
import re

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_iso_date(text: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` calendar date, or None (``2024-02-30`` and ``2024-1-5`` are None)."""
    if text is None or not _DATE_RE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
