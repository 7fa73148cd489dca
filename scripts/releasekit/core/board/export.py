"""``board.json``: the board's facts as JSON, for other tools (docs/board.md, "board.json")."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields, is_dataclass
from typing import Any

from releasekit.core.board.model import Board
from releasekit.core.rollout.controller import iso

BOARD_SCHEMA = "releasekit.board/1"


def board_to_json(board: Board) -> dict[str, Any]:
    """``board.json``: the same facts as the page, times in UTC ISO-8601 (docs/board.md)."""
    # The findings are the report's, not the board's.
    data = {f.name: _plain(getattr(board, f.name)) for f in fields(board) if f.name != "findings"}
    return {"schema": BOARD_SCHEMA, **data}


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
