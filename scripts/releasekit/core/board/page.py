"""The board as one static HTML page: no script, no external request, readable when printed.

Everything is inline (styles, SVG); a Content-Security-Policy meta element forbids the page
any request at all (``default-src 'none'``), so a link is the only way out of it and only
``https://`` and ``http://`` links are made (anything else is shown as text). Every string
from a repository or from GitHub is HTML-escaped. Light and dark follow
``prefers-color-scheme``; tables are real tables with captions and header cells; each chart
has a title, a description and a table with the same facts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from html import escape

from releasekit.core.board.debt import HotfixDebt
from releasekit.core.board.facts import Link
from releasekit.core.board.model import (
    Board,
    PullView,
    RepoBoard,
    Rollout,
    UnitRow,
    zone,
)
from releasekit.core.board.timeline import timeline_summary, timeline_svg, timeline_table

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# Audits this close to running out are shown as a warning (the runbook: "Within 30 days").
AUDIT_WARN_DAYS = 7
_SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$")
_SIGNOFF_CLASS = {"success": "ok", "failure": "bad", "action_required": "bad"}
_STATUS_CLASS = {
    "active": "ok",
    "pending": "muted",
    "paused": "warn",
    "rolling-back": "bad",
    "rolled-back": "bad",
}

STYLE = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;
--head:#f6f8fa;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--paper:#8250df;--live:#0969da;
--plan:#d8dee4;--now:#1b1f24}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;
--line:#30363d;--head:#161b22;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--paper:#a371f7;
--live:#4493f8;--plan:#30363d;--now:#e6edf3}}
body{background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",
Roboto,sans-serif;margin:1.5rem;max-width:1400px}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .5rem}
h3{font-size:1rem;margin:1.25rem 0 .4rem}
a{color:var(--live)}.muted{color:var(--muted)}.ok{color:var(--ok)}.warn{color:var(--warn)}
.bad{color:var(--bad);font-weight:600}
table{border-collapse:collapse;width:100%;margin:.25rem 0 1rem}
caption{text-align:left;font-weight:600;padding:.25rem 0;caption-side:top}
th,td{border:1px solid var(--line);padding:.3rem .45rem;vertical-align:top;text-align:left}
thead th{background:var(--head)}ul{margin:0;padding-left:1.1rem}
.timeline rect.plan{fill:var(--plan)}.timeline rect.actual.paper{fill:var(--paper)}
.timeline rect.actual.live{fill:var(--live)}.timeline rect.plan.live{stroke:var(--live)}
.timeline rect.plan.paper{stroke:var(--paper)}
.timeline text{fill:var(--fg);font-size:11px}.timeline text.bar{fill:var(--fg)}
.timeline rect.actual + text.bar{fill:#fff}
.timeline .axis{stroke:var(--muted)}.timeline .tick{fill:var(--muted);font-size:10px}
.timeline line.marker{stroke:var(--warn);stroke-width:2}
.timeline line.rollback,.timeline line.rolled-back{stroke:var(--bad)}
.timeline line.resume{stroke:var(--ok)}.timeline text.marker{fill:var(--warn);font-weight:700}
.timeline text.rollback,.timeline text.rolled-back{fill:var(--bad)}
.timeline line.now{stroke:var(--now);stroke-dasharray:3 3}
.timeline rect.freeze{fill:var(--warn);fill-opacity:.18}
figure{margin:.5rem 0 1.5rem}figcaption{font-weight:600;margin-bottom:.25rem}
.timeline-text{max-width:720px;font-size:12px}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#999;--head:#eee;--plan:#ddd;
--now:#000}body{margin:0;font-size:10pt}section,figure,tr{break-inside:avoid}
a{color:#000;text-decoration:none}}
"""


def _when(value: dt.datetime, tz: dt.tzinfo) -> str:
    return value.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z")


def _relative(value: dt.datetime, now: dt.datetime) -> str:
    seconds = (value - now).total_seconds()
    hours = abs(seconds) / 3600
    amount = f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"
    if hours < 1:
        amount = f"{abs(seconds) / 60:.0f} min"
    return f"in {amount}" if seconds >= 0 else f"{amount} ago"


def _link(link: Link) -> str:
    text = escape(link.title)
    if _SAFE_URL.match(link.url):
        return f'<a href="{escape(link.url, quote=True)}">{text}</a>'
    return text


def _list(items: Sequence[str]) -> str:
    if not items:
        return '<span class="muted">—</span>'
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


class _Repo:
    """Renders one repository's section in its time zone."""

    def __init__(self, repo: RepoBoard, index: int, now: dt.datetime) -> None:
        self.repo = repo
        self.index = index
        self.now = now
        self.tz = zone(repo.timezone)

    def when(self, value: dt.datetime) -> str:
        return _when(value, self.tz)

    def anchor(self, rollout: Rollout) -> str:
        return f"r{self.index}-{re.sub(r'[^A-Za-z0-9]', '-', rollout.tag)}"

    def section(self) -> str:
        repo = self.repo
        title = escape(repo.repository)
        policy = (
            ""
            if repo.policy_found
            else " The default branch has no release policy: the runbook's defaults apply."
        )
        parts = [
            f'<section aria-labelledby="repo-{self.index}">',
            f'<h2 id="repo-{self.index}">{title}</h2>',
            f'<p class="muted">Default branch {escape(repo.default_branch)}; times in'
            f" {escape(repo.timezone)}.{policy}</p>",
            self.units_table(),
            self.pulls_table(),
            self.debt_table(),
            "</section>",
        ]
        return "\n".join(p for p in parts if p)

    def units_table(self) -> str:
        rows = "".join(self.unit_row(row) for row in self.repo.rows)
        if not rows:
            rows = (
                '<tr><td colspan="8" class="muted">No strategy or model in the audit log.</td></tr>'
            )
        return (
            f'<table class="units"><caption>Strategies and models of'
            f" {escape(self.repo.repository)}</caption><thead><tr>"
            '<th scope="col">Strategy / model</th><th scope="col">Live</th>'
            '<th scope="col">Rollout</th><th scope="col">Next decision</th>'
            '<th scope="col">Last decision</th><th scope="col">Audit</th>'
            '<th scope="col">Release PR</th><th scope="col">Evidence and incidents</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )

    def unit_row(self, row: UnitRow) -> str:
        live = '<span class="muted">not live</span>'
        if row.live_version is not None and row.live_tag is not None:
            live = (
                f"<strong>{escape(row.live_version)}</strong> at {escape(row.live_percent or '')}"
                f'<br><span class="muted">release {escape(row.live_tag)}</span>'
            )
        cells = [
            f'<th scope="row">{escape(row.name)}</th>',
            f"<td>{live}</td>",
            f"<td>{self.rollout_cell(row)}</td>",
            f"<td>{self.next_cell(row.rollout)}</td>",
            f"<td>{self.last_cell(row.rollout)}</td>",
            f"<td>{self.audit_cell(row)}</td>",
            f"<td>{_list([self.pull_text(p) for p in row.pulls])}</td>",
            f"<td>{self.links_cell(row)}</td>",
        ]
        return f'<tr class="unit">{"".join(cells)}</tr>'

    def rollout_cell(self, row: UnitRow) -> str:
        r = row.rollout
        if r is None:
            return '<span class="muted">no rollout recorded</span>'
        status = f'<span class="{_STATUS_CLASS.get(r.status, "muted")}">{escape(r.status)}</span>'
        stage = escape(r.stage or "not deployed")
        where = f" ({escape(r.environment)} {escape(r.percent)})" if r.environment else ""
        ships = f"{escape(row.version)} in " if row.version else ""
        changed = '<br><span class="warn">new version</span>' if row.changed else ""
        chart = f'<br><a href="#{self.anchor(r)}">timeline</a>' if r.timeline is not None else ""
        return f"{ships}{escape(r.tag)}: {stage}{where}, {status}{changed}{chart}"

    def next_cell(self, r: Rollout | None) -> str:
        if r is None:
            return '<span class="muted">—</span>'
        head = ""
        if r.next_stage is not None and r.next_at is not None:
            head = (
                f"<strong>{escape(r.next_stage)}</strong>: {escape(self.when(r.next_at))}"
                f' <span class="muted">({escape(_relative(r.next_at, self.now))})</span>'
            )
        if r.deadline is not None:
            head += (
                f'<br><span class="bad">divergence deadline {escape(self.when(r.deadline))}'
                f" ({escape(_relative(r.deadline, self.now))})</span>"
            )
        needs = _list([escape(n) for n in r.needs])
        return f"{head}{'<br>' if head else ''}{needs}"

    def last_cell(self, r: Rollout | None) -> str:
        if r is None or r.last is None:
            return '<span class="muted">—</span>'
        last = r.last
        rules = f' <span class="muted">{escape(", ".join(last.rules))}</span>' if last.rules else ""
        stage = f" {escape(last.stage)} ({escape(last.percent)})" if last.stage else ""
        note = f"<br>{escape(last.note)}" if last.note else ""
        at = escape(self.when(last.at))
        return f"<strong>{escape(last.kind)}</strong>{stage}, {at}{rules}{note}"

    def audit_cell(self, row: UnitRow) -> str:
        a = row.audit
        if a is None:
            return '<span class="bad">no passing audit</span>'
        if a.days_left < 0:
            left = f'<span class="bad">expired {-a.days_left} days ago</span>'
        elif a.days_left <= AUDIT_WARN_DAYS:
            left = f'<span class="warn">expires in {a.days_left} days</span>'
        else:
            left = f"expires in {a.days_left} days"
        return (
            f"{escape(a.audit_id)} ({escape(a.verdict)})<br>{a.date.isoformat()}, {left}"
            f' <span class="muted">({a.expires.isoformat()})</span>'
        )

    def pull_text(self, p: PullView) -> str:
        css = _SIGNOFF_CLASS.get(p.signoff, "warn")
        signoff = f'<span class="{css}">sign-off {escape(p.signoff)}</span>'
        if p.signoff_url and _SAFE_URL.match(p.signoff_url):
            signoff = f'<a href="{escape(p.signoff_url, quote=True)}">{signoff}</a>'
        return f"{_link(Link(f'#{p.number} {p.title}', p.url))}: {signoff}"

    def links_cell(self, row: UnitRow) -> str:
        items = []
        r = row.rollout
        if r is not None:
            if r.release_url:
                items.append(_link(Link(f"release {r.tag}", r.release_url)))
            items += [_link(Link(e.title, e.url)) for e in r.evidence]
        items += [f'<span class="bad">incident</span> {_link(i)}' for i in row.incidents]
        return _list(items)

    def pulls_table(self) -> str:
        if not self.repo.pulls:
            return '<p class="muted">No open release or hotfix pull request.</p>'
        rows = "".join(
            f"<tr><td>{self.pull_text(p)}</td><td>{escape(p.head_ref)}</td></tr>"
            for p in self.repo.pulls
        )
        return (
            "<table><caption>Open release and hotfix pull requests</caption><thead><tr>"
            '<th scope="col">Pull request and sign-off</th><th scope="col">Branch</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )

    def debt_table(self) -> str:
        issues = _list([_link(i) for i in self.repo.debt_issues]) if self.repo.debt_issues else ""
        if not self.repo.hotfix_debt:
            return f'<p class="muted">No hotfix debt.</p>{issues}'
        rows = "".join(self.debt_row(d) for d in self.repo.hotfix_debt)
        return (
            "<table><caption>Hotfix debt (runbook: post-mortem within 24 hours, proper release"
            ' within 48 hours)</caption><thead><tr><th scope="col">Hotfix</th>'
            '<th scope="col">Owes</th><th scope="col">Deadline</th><th scope="col">State</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>{issues}"
        )

    def debt_row(self, d: HotfixDebt) -> str:
        state = (
            f'<span class="bad">overdue by {d.hours:.0f} h</span>'
            if d.overdue
            else f'<span class="warn">due in {d.hours:.0f} h</span>'
        )
        return (
            f'<tr><th scope="row">{escape(d.tag)}</th><td>{escape(d.owes)}</td>'
            f"<td>{escape(self.when(d.due))}</td><td>{state}</td></tr>"
        )

    def timelines(self) -> str:
        """The repository's rollouts, newest first, each a chart and its table."""
        if not self.repo.rollouts:
            return ""
        parts = [
            f'<section aria-labelledby="rollouts-{self.index}">',
            f'<h3 id="rollouts-{self.index}">Rollouts of {escape(self.repo.repository)},'
            " newest first</h3>",
        ]
        for r in self.repo.rollouts:
            t = r.timeline
            if t is None:
                continue
            ident = self.anchor(r)
            title = f"Rollout of {r.tag}: plan and actual"
            summary = timeline_summary(t, self.when)
            parts.append(
                f'<figure id="{ident}"><figcaption>{escape(title)}</figcaption>'
                f"{timeline_svg(t, ident=ident + '-svg', title=title, summary=summary)}"
                f"{timeline_table(t, caption=f'{title} (text)', when=self.when)}</figure>"
            )
        parts.append("</section>")
        return "\n".join(parts)


def render_page(board: Board) -> str:
    """``index.html``: the whole board, self-contained."""
    # The summary of every repository first, then the timelines: the answer before the detail.
    parts = [_Repo(repo, i, board.generated_at) for i, repo in enumerate(board.repos)]
    sections = [p.section() for p in parts]
    timelines = [t for p in parts if (t := p.timelines())]
    if timelines:
        sections += ["<h2>Rollout timelines</h2>", *timelines]
    built = board.generated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="color-scheme" content="light dark">',
            "<title>Release board</title>",
            f"<style>{STYLE}</style>",
            "</head>",
            "<body>",
            "<header><h1>Release board</h1>",
            f'<p class="muted">Built {built} by releasekit board. What is live, where each'
            " rollout stands and what its next decision needs; the same facts are in"
            " <code>board.json</code>.</p>",
            '<p class="warn"><strong>Built from an offline fixture, not from GitHub: an example,'
            " not the desk's live state.</strong></p>"
            if board.source == "fixture"
            else "",
            "</header>",
            "<main>",
            *sections,
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
