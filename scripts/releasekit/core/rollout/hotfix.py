"""Hotfix discipline (runbook: Emergency Release, steps 6-7): the debt a hotfix leaves (HFX rules).

A hotfix ``vX.Y.Z-hotfix[.N]`` skips paper and goes live at once. The runbook pays for that
speed with two deadlines, counted from the hotfix tag:

* **a post-mortem within 24 hours** — a file in ``docs/postmortems/`` naming the version, or
  an issue labelled ``postmortem`` naming it (the policy says which counts);
* **a proper release within 48 hours** — a final version at least ``X.Y.Z``, tagged after
  the hotfix and released through the normal process.

A post-mortem counts from the time it landed on the default branch (git; an issue: when it
was opened): one that landed after its deadline is reported late (HFX006), and a file that has
not landed yet does not count (HFX009). A proper release tagged after its deadline is reported
late too (HFX007). Tags are matched exactly as the runbook writes them: anything that looks
like a hotfix tag but is not ``vX.Y.Z-hotfix[.N]`` is refused (HFX008), since it would escape
these deadlines.

Pure: tags, post-mortems and ``now`` in, findings out. ``hotfix_debt`` returns only the
overdue debts (errors), for any gate that must block the next normal release until they are
cleared; ``evaluate_hotfixes`` adds what is still within its deadline and what is cleared.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from releasekit.core.render import md_escape
from releasekit.core.report import Finding, finding
from releasekit.core.rollout.controller import iso
from releasekit.core.versioning.versions import hotfix_number, parse_version

HOTFIX_TAG_RE = re.compile(
    r"^v(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})-hotfix(\.[1-9][0-9]{0,8})?$"
)
FINAL_TAG_RE = re.compile(r"^v(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$")
DEBT_MARKER = "<!-- releasekit:hotfix-sla -->"
DEBT_LABEL = "hotfix-debt"
POSTMORTEM_HOURS = 24
RELEASE_HOURS = 48


@dataclass(frozen=True)
class Tag:
    """A tag and when it was made (the tagger date of an annotated tag, else the commit's)."""

    name: str
    created_at: dt.datetime


# Anything spelled like a hotfix: a tag matching this that is not a hotfix tag is refused.
HOTFIX_LOOKALIKE_RE = re.compile(r"hot[-_. ]?fix", re.IGNORECASE)


@dataclass(frozen=True)
class Postmortem:
    """A post-mortem about ``tag``: where it is (a path or ``#12``) and when it landed on the
    default branch (None: it has not, so it does not count yet)."""

    tag: str
    source: str
    created_at: dt.datetime | None = None


@dataclass(frozen=True)
class HotfixStatus:
    """One hotfix and what it still owes."""

    tag: Tag
    postmortem: Postmortem | None
    release: Tag | None
    postmortem_due: dt.datetime
    release_due: dt.datetime
    unlanded: Postmortem | None = None

    @property
    def version(self) -> str:
        """``1.2.4-hotfix``."""
        return self.tag.name[1:]


def is_hotfix_tag(name: str) -> bool:
    """``vX.Y.Z-hotfix`` or ``vX.Y.Z-hotfix.N``."""
    return HOTFIX_TAG_RE.match(name) is not None


def is_hotfix_lookalike(name: str) -> bool:
    """A tag that reads like a hotfix (``v1.2.4-HOTFIX``, ``v1.2.4_hotfix``) but is not one."""
    return not is_hotfix_tag(name) and HOTFIX_LOOKALIKE_RE.search(name) is not None


def lookalike_finding(name: str) -> Finding:
    """HFX008: ``name`` reads like a hotfix tag but is not ``vX.Y.Z-hotfix[.N]``."""
    return finding(
        "HFX008",
        "error",
        f"tag {name[:80]!r} looks like a hotfix but is not vX.Y.Z-hotfix[.N]: its"
        " post-mortem and proper-release deadlines cannot be tracked",
        hint="delete the tag and tag the hotfix exactly as the runbook writes it, e.g."
        " v1.2.4-hotfix (bump-version --hotfix)",
    )


def names_version(text: str, tag: str) -> bool:
    """Whether ``text`` (a file name, a title, a body) names ``tag`` exactly.

    ``v1.2.4-hotfix`` and ``1.2.4-hotfix`` both name it; ``1.2.4-hotfix.2`` and
    ``11.2.4-hotfix`` do not.
    """
    version = re.escape(tag.removeprefix("v"))
    return re.search(rf"(?<![0-9A-Za-z.])v?{version}(?![0-9A-Za-z]|\.[0-9])", text) is not None


def hotfix_statuses(
    tags: Iterable[Tag],
    postmortems: Iterable[Postmortem],
    *,
    postmortem_hours: int = POSTMORTEM_HOURS,
    release_hours: int = RELEASE_HOURS,
) -> list[HotfixStatus]:
    """Every hotfix tag with its post-mortem, its proper release and its two deadlines.

    The proper release is the first final tag ``>= X.Y.Z`` made after the hotfix; the
    post-mortem is the earliest that landed (one that has not landed is kept as ``unlanded``).
    """
    tag_list = list(tags)
    finals = [
        (v, t)
        for t in tag_list
        if FINAL_TAG_RE.match(t.name) and (v := parse_version(t.name[1:])) is not None
    ]
    landed: dict[str, Postmortem] = {}
    pending: dict[str, Postmortem] = {}
    for pm in postmortems:
        if pm.created_at is None:
            pending.setdefault(pm.tag, pm)
            continue
        known = landed.get(pm.tag)
        if known is None or (known.created_at is not None and pm.created_at < known.created_at):
            landed[pm.tag] = pm
    out = []
    for t in sorted(tag_list, key=lambda x: (x.created_at, x.name)):
        if not is_hotfix_tag(t.name):
            continue
        version = parse_version(t.name[1:])
        if version is None or hotfix_number(version) is None:
            continue
        floor = version.finalize_version()
        later = [f for v, f in finals if v >= floor and f.created_at > t.created_at]
        release = min(later, default=None, key=lambda f: (f.created_at, _tag_key(f.name)))
        out.append(
            HotfixStatus(
                tag=t,
                postmortem=landed.get(t.name),
                release=release,
                postmortem_due=t.created_at + dt.timedelta(hours=postmortem_hours),
                release_due=t.created_at + dt.timedelta(hours=release_hours),
                unlanded=None if t.name in landed else pending.get(t.name),
            )
        )
    return out


def _tag_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in name[1:].split("."))


def hotfix_debt(
    tags: Iterable[Tag],
    postmortems: Iterable[Postmortem],
    now: dt.datetime,
    *,
    postmortem_hours: int = POSTMORTEM_HOURS,
    release_hours: int = RELEASE_HOURS,
) -> list[Finding]:
    """The overdue debts of every hotfix, as error findings (HFX001, HFX002).

    For other gates: a normal release is blocked while this list is not empty.
    """
    return [
        f
        for f in evaluate_hotfixes(
            tags,
            postmortems,
            now,
            postmortem_hours=postmortem_hours,
            release_hours=release_hours,
        )
        if f.level == "error"
    ]


def evaluate_hotfixes(
    tags: Iterable[Tag],
    postmortems: Iterable[Postmortem],
    now: dt.datetime,
    *,
    postmortem_hours: int = POSTMORTEM_HOURS,
    release_hours: int = RELEASE_HOURS,
) -> list[Finding]:
    """Every hotfix's findings: overdue (error), due (notice) or cleared (notice)."""
    tag_list = list(tags)
    out: list[Finding] = [
        lookalike_finding(t.name) for t in tag_list if is_hotfix_lookalike(t.name)
    ]
    for s in hotfix_statuses(
        tag_list, postmortems, postmortem_hours=postmortem_hours, release_hours=release_hours
    ):
        name = s.tag.name
        made = iso(s.tag.created_at)
        if s.unlanded is not None:
            out.append(
                finding(
                    "HFX009",
                    "warning",
                    f"{name}: the post-mortem {s.unlanded.source} has not landed on the default"
                    " branch: it counts from the time it is merged there",
                    hint="merge the post-mortem into the default branch",
                )
            )
        pm_at = s.postmortem.created_at if s.postmortem is not None else None
        if s.postmortem is not None and pm_at is not None and pm_at > s.postmortem_due:
            out.append(
                finding(
                    "HFX006",
                    "warning",
                    f"{name}: the post-mortem {s.postmortem.source} landed"
                    f" {iso(pm_at)},"
                    f" {_late(pm_at - s.postmortem_due)} after its deadline"
                    f" {iso(s.postmortem_due)}",
                    hint="the runbook asks for the post-mortem within 24 hours of the hotfix",
                )
            )
        if s.release is not None and s.release.created_at > s.release_due:
            out.append(
                finding(
                    "HFX007",
                    "warning",
                    f"{name}: the proper release {s.release.name} was tagged"
                    f" {iso(s.release.created_at)},"
                    f" {_late(s.release.created_at - s.release_due)} after its deadline"
                    f" {iso(s.release_due)}",
                    hint="the runbook asks for the proper release within 48 hours of the hotfix",
                )
            )
        if s.postmortem is None:
            if now >= s.postmortem_due:
                out.append(
                    finding(
                        "HFX001",
                        "error",
                        f"{name} (tagged {made}) has no post-mortem, due {iso(s.postmortem_due)}"
                        f" ({_late(now - s.postmortem_due)} overdue)",
                        hint=f"add docs/postmortems/<date>-{name}.md, or an issue labelled"
                        " postmortem naming the version (runbook: post-mortem within 24 hours)",
                    )
                )
            else:
                out.append(
                    finding(
                        "HFX003",
                        "notice",
                        f"{name}: post-mortem due {iso(s.postmortem_due)}"
                        f" (in {_late(s.postmortem_due - now)})",
                    )
                )
        if s.release is None:
            if now >= s.release_due:
                out.append(
                    finding(
                        "HFX002",
                        "error",
                        f"{name} (tagged {made}) has no proper release (a final version >="
                        f" {s.version.split('-')[0]} tagged after it), due {iso(s.release_due)}"
                        f" ({_late(now - s.release_due)} overdue)",
                        hint="release the fix through the normal process (runbook: proper"
                        " release within 48 hours); bump-version leaves a hotfix for X.Y.Z",
                    )
                )
            else:
                out.append(
                    finding(
                        "HFX004",
                        "notice",
                        f"{name}: proper release due {iso(s.release_due)}"
                        f" (in {_late(s.release_due - now)})",
                    )
                )
        if s.postmortem is not None and s.release is not None:
            out.append(
                finding(
                    "HFX005",
                    "notice",
                    f"{name} is settled: post-mortem {s.postmortem.source}, released in"
                    f" {s.release.name}",
                )
            )
    return out


def _late(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def debt_issue(findings: Sequence[Finding], now: dt.datetime, run_url: str) -> tuple[str, str]:
    """Title and body (below the marker) of the one hotfix-debt issue."""
    overdue = [f for f in findings if f.level == "error"]
    title = f"Hotfix debt: {len(overdue)} overdue item{'s' if len(overdue) != 1 else ''}"
    rows = [f"| `{f.rule}` | {md_escape(f.message)} |" for f in overdue]
    body = "\n".join(
        [
            "## Hotfix debt",
            "",
            "The runbook's Emergency Release requires a post-mortem within 24 hours and a proper"
            " release within 48 hours of a hotfix. These are overdue; the next normal release is"
            " blocked until they are cleared. This issue is updated by releasekit hotfix-sla"
            " and closed when nothing is overdue.",
            "",
            "| Rule | Overdue |",
            "|---|---|",
            *rows,
            "",
            f"Checked {iso(now)}. Workflow run: {run_url or '-'}",
            "",
        ]
    )
    return title, body
