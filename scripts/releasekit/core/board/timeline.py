"""A rollout's timeline as inline SVG (plan against actual, markers) and its text alternative.

Drawn by us, no chart library and no script: two lanes (the plan's stages placed from day 0,
and the stages as they ran), a vertical mark per pause, resume, rollback and first divergent
observation, and a "now" line. Colours come from the page's CSS classes, so light and dark
mode and print restyle the chart. The same facts are in ``timeline_table`` for screen readers
and for anyone who cannot see the colours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

from releasekit.core.board.model import ActualStage, Timeline
from releasekit.core.rollout.plan import DAY_HOURS

WIDTH = 720
HEIGHT = 112
LEFT = 64
RIGHT = 12
LANE_HEIGHT = 22
PLAN_Y = 14
ACTUAL_Y = 46
AXIS_Y = 84
MARKER_LABELS = {
    "pause": "paused",
    "resume": "resumed",
    "rollback": "rollback decided",
    "rolled-back": "rolled back",
    "divergence": "divergence seen",
}
MARKER_SYMBOLS = {
    "pause": "Ⅱ",
    "resume": "▶",
    "rollback": "✕",
    "rolled-back": "✕",
    "divergence": "!",
}

When = Callable[[dt.datetime], str]


def _x(t: Timeline, at: dt.datetime) -> float:
    span = (t.end - t.day0).total_seconds() or 1.0
    share = min(max((at - t.day0).total_seconds() / span, 0.0), 1.0)
    return round(LEFT + share * (WIDTH - LEFT - RIGHT), 1)


def _bar(cls: str, x0: float, x1: float, y: int, label: str) -> list[str]:
    """One lane's bar from ``x0`` to ``x1`` (at least a pixel wide), labelled inside."""
    return [
        f'<rect class="{cls}" x="{x0}" y="{y}" width="{max(x1 - x0 - 1, 1)}"'
        f' height="{LANE_HEIGHT}"/>',
        f'<text class="bar" x="{x0 + 3}" y="{y + 15}">{escape(label)}</text>',
    ]


def timeline_svg(t: Timeline, *, ident: str, title: str, summary: str) -> str:
    """The SVG element (``role="img"``, titled and described) for one rollout."""
    parts = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}"'
        f' height="{HEIGHT}" role="img" aria-labelledby="{ident}-t {ident}-d"'
        ">",
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(summary)}</desc>',
        f'<text class="lane" x="4" y="{PLAN_Y + 15}">Plan</text>',
        f'<text class="lane" x="4" y="{ACTUAL_Y + 15}">Actual</text>',
    ]
    end_x = float(WIDTH - RIGHT)
    for freeze in t.freezes:
        # Behind the lanes: a band over both, titled with the freeze's name.
        x0, x1 = _x(t, freeze.start), _x(t, freeze.end)
        parts.append(
            f'<rect class="freeze" x="{x0}" y="{PLAN_Y - 6}" width="{max(x1 - x0, 1)}"'
            f' height="{AXIS_Y - PLAN_Y + 6}"><title>{escape(freeze.name)}</title></rect>'
        )
    for i, stage in enumerate(t.planned):
        x1 = _x(t, t.planned[i + 1].at) if i + 1 < len(t.planned) else end_x
        parts += _bar(f"plan {stage.environment}", _x(t, stage.at), x1, PLAN_Y, stage.percent)
    for ran in t.actual:
        x0, x1 = _x(t, ran.start), _x(t, ran.end or t.now)
        parts += _bar(f"actual {ran.environment}", x0, x1, ACTUAL_Y, ran.percent)
    for marker in t.markers:
        x = _x(t, marker.at)
        parts.append(
            f'<line class="marker {marker.kind}" x1="{x}" y1="{PLAN_Y - 4}" x2="{x}"'
            f' y2="{AXIS_Y}"/><text class="marker {marker.kind}" x="{x + 2}"'
            f' y="{PLAN_Y - 5}">{MARKER_SYMBOLS.get(marker.kind, "•")}</text>'
        )
    now_x = _x(t, t.now)
    parts.append(
        f'<line class="now" x1="{now_x}" y1="{PLAN_Y - 4}" x2="{now_x}" y2="{AXIS_Y}"/>'
        f'<text class="now" x="{now_x - 10}" y="{HEIGHT - 2}">now</text>'
    )
    parts.append(f'<line class="axis" x1="{LEFT}" y1="{AXIS_Y}" x2="{end_x}" y2="{AXIS_Y}"/>')
    for stage in t.planned:
        x = _x(t, stage.at)
        day = round((stage.at - t.day0).total_seconds() / 3600 / DAY_HOURS)
        parts.append(
            f'<line class="axis" x1="{x}" y1="{AXIS_Y}" x2="{x}" y2="{AXIS_Y + 4}"/>'
            f'<text class="tick" x="{x}" y="{AXIS_Y + 14}">day {day}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def timeline_summary(t: Timeline, when: When) -> str:
    """One sentence for the SVG's description: where the rollout stands against its plan."""
    if not t.actual:
        return f"Day 0 is {when(t.day0)}; nothing has been deployed yet."
    last = t.actual[-1]
    planned = next((p for p in t.planned if p.id == last.stage), None)
    against = ""
    if planned is not None:
        hours = (last.start - planned.at).total_seconds() / 3600
        against = (
            " on plan"
            if abs(hours) < 1
            else f" {abs(hours):.0f} h {'after' if hours > 0 else 'before'} the plan"
        )
    ended = f", ended {when(last.end)}" if last.end else ""
    marks = ", ".join(f"{MARKER_LABELS.get(m.kind, m.kind)} {when(m.at)}" for m in t.markers)
    freezes = f" {len(t.freezes)} freeze window(s) shaded." if t.freezes else ""
    return (
        f"Day 0 is {when(t.day0)}. Latest stage {last.stage} ({last.percent}) started"
        f" {when(last.start)}{against}{ended}." + (f" Events: {marks}." if marks else "") + freezes
    )


def timeline_table(t: Timeline, *, caption: str, when: When) -> str:
    """The timeline as a table: each planned stage, when it was planned and when it ran; events."""
    started: dict[str, ActualStage] = {}
    for stage in t.actual:
        started.setdefault(stage.stage, stage)
    rows = []
    for p in t.planned:
        ran = started.get(p.id)
        actual = "not yet" if ran is None else when(ran.start)
        ended = "" if ran is None or ran.end is None else when(ran.end)
        rows.append(
            f'<tr><th scope="row">{escape(p.id)}</th><td>{escape(p.environment)}'
            f" {escape(p.percent)}</td><td>{escape(when(p.at))}</td><td>{escape(actual)}</td>"
            f"<td>{escape(ended)}</td></tr>"
        )
    for f in t.freezes:
        rows.append(
            f'<tr class="event"><th scope="row">freeze</th><td colspan="2"></td>'
            f"<td>{escape(when(f.start))} to {escape(when(f.end))}</td>"
            f"<td>{escape(f.name)}</td></tr>"
        )
    for m in t.markers:
        note = f": {m.note}" if m.note else ""
        rows.append(
            f'<tr class="event"><th scope="row">{escape(MARKER_LABELS.get(m.kind, m.kind))}</th>'
            f'<td colspan="2"></td><td>{escape(when(m.at))}</td><td>{escape(note[2:])}</td></tr>'
        )
    return (
        f'<table class="timeline-text"><caption>{escape(caption)}</caption>'
        '<thead><tr><th scope="col">Stage or event</th><th scope="col">Size</th>'
        '<th scope="col">Planned</th><th scope="col">Actual</th>'
        '<th scope="col">Ended / reason</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
