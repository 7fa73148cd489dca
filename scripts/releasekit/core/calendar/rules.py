"""The calendar's rules (CAL): cut or tag in a freeze, a hotfix's extra approval, held promotions.

Pure: windows, the time and the sign-off facts in; findings out.

* **Cutting or tagging** a release (``prepare``, ``tag``) inside a freeze window is refused
  (CAL001), naming the window and when it ends. A hotfix may go ahead inside a freeze when
  its sign-off holds the hotfix release type's roles — by default the runbook's founder + 1
  other — plus a second founder when the policy asks (CAL003); otherwise it is refused
  (CAL004). Approvals count only when the sign-off *knows* the person holds the role. A
  hotfix branch may be cut inside a freeze (CAL005): its pull request, and so its sign-off,
  does not exist yet; the approvals are asked for when it is tagged.
* **A promotion** due inside any promotion window (a freeze, a closed day, the time of day
  ``promote:`` excludes, a day the calendar does not know) is held until the next allowed
  instant (CAL010), or held with no instant offered when the calendar runs out (CAL011).
  Rollbacks and pauses never come here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from releasekit.core.calendar.policy import CalendarPolicy
from releasekit.core.calendar.windows import Window, covering, local_text, next_allowed
from releasekit.core.report import Finding, finding

ReleaseAction = Literal["prepare", "tag"]
ACTION_WORDS: dict[ReleaseAction, str] = {"prepare": "cut", "tag": "tagged"}


@dataclass(frozen=True)
class Reviewer:
    """A person whose approval counts, and the roles they are *known* to hold."""

    login: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Hold:
    """A promotion held by the calendar: the windows at the due instant and when it may go."""

    windows: tuple[Window, ...]
    until: dt.datetime | None


def _names(windows: Sequence[Window]) -> str:
    return "; ".join(w.name for w in windows)


def release_action_findings(
    policy: CalendarPolicy,
    freezes: Sequence[Window],
    now: dt.datetime,
    horizon: dt.datetime,
    *,
    action: ReleaseAction,
    hotfix: bool,
    hotfix_roles: Sequence[str],
    reviewers: Sequence[Reviewer] | None,
) -> list[Finding]:
    """May a release be cut (``prepare``) or tagged (``tag``) at ``now``?

    ``hotfix_roles`` are the hotfix release type's approvals; ``reviewers`` the sign-off's
    approving people (None: no sign-off evidence was given).
    """
    zone = policy.zone
    word = ACTION_WORDS[action]
    here = covering(freezes, now)
    if not here:
        upcoming = [w for w in freezes if w.start > now]
        after = f"; next freeze: {upcoming[0].describe(zone)}" if upcoming else ""
        return [
            finding(
                "CAL002",
                "notice",
                f"no freeze window at {local_text(now, zone)}: the release may be {word}{after}",
            )
        ]
    until = next_allowed(freezes, now, horizon)
    ends = local_text(until, zone) if until is not None else "beyond the calendar shown"
    windows = "; ".join(w.describe(zone) for w in here)
    if not hotfix:
        return [
            finding(
                "CAL001",
                "error",
                f"inside a freeze window ({windows}): no release is {word} until {ends}",
                hint="wait for the window to end, or, for a hotfix that qualifies, pass --hotfix"
                " with its sign-off (docs/calendar.md)",
            )
        ]
    required = [*hotfix_roles, *(["founder"] if policy.hotfix.second_founder else [])]
    if action == "prepare":
        # A hotfix branch is cut before its pull request exists: there is no sign-off yet to
        # show. What ships is the tag, and tagging inside the freeze asks for the approvals.
        return [
            finding(
                "CAL005",
                "notice",
                f"hotfix cut inside a freeze window ({windows}); tagging it inside the window"
                f" will need the approvals of {_roles_text(required)}, each a different person",
            )
        ]
    if reviewers is None:
        return [
            finding(
                "CAL004",
                "error",
                f"a hotfix inside a freeze window ({windows}) needs the approvals of"
                f" {_roles_text(required)}, and no sign-off was given to show them",
                hint="pass --signoff-report with the hotfix PR's signoff-gate JSON report",
            )
        ]
    filled = fill_roles(required, reviewers)
    missing = [required[i] for i in range(len(required)) if i not in filled]
    if missing:
        return [
            finding(
                "CAL004",
                "error",
                f"a hotfix inside a freeze window ({windows}) needs {_roles_text(required)},"
                f" each a different person; still missing: {_roles_text(missing)}",
                hint="ask for the missing approval on the hotfix PR, then rerun the sign-off"
                + (
                    " (the policy asks for a second founder inside a freeze)"
                    if policy.hotfix.second_founder
                    else ""
                ),
            )
        ]
    who = ", ".join(f"{required[i]} @{login}" for i, login in sorted(filled.items()))
    return [
        finding(
            "CAL003",
            "notice",
            f"hotfix inside a freeze window ({windows}): allowed with the approvals of {who}",
        )
    ]


def _roles_text(roles: Sequence[str]) -> str:
    counts: dict[str, int] = {}
    for r in roles:
        counts[r] = counts.get(r, 0) + 1
    return " + ".join(f"{n} {r}" if n > 1 else r for r, n in counts.items())


def fill_roles(required: Sequence[str], reviewers: Sequence[Reviewer]) -> dict[int, str]:
    """Fill each required role (by position) with a different reviewer who holds it.

    A maximum bipartite matching (augmenting paths): a founder who could fill either slot
    is moved when that lets a second person fill the other. Returns slot -> login.
    """
    owner: dict[str, int] = {}  # login -> slot

    def place(slot: int, seen: set[str]) -> bool:
        for r in reviewers:
            if required[slot] not in r.roles or r.login in seen:
                continue
            seen.add(r.login)
            if r.login not in owner or place(owner[r.login], seen):
                owner[r.login] = slot
                return True
        return False

    for slot in range(len(required)):
        place(slot, set())
    return {slot: login for login, slot in owner.items()}


def reviewers_from_signoff(data: Mapping[str, Any]) -> list[Reviewer]:
    """The approving reviewers of a signoff-gate report's ``data``, with the roles they hold.

    Only reviewers the sign-off counted (an approval of the head commit) and only roles it
    *knows* they hold (``true``, never ``null``) are taken: evidence to proceed is complete
    or it is not evidence.
    """
    out: list[Reviewer] = []
    for entry in data.get("reviewers") or []:
        if not isinstance(entry, Mapping) or entry.get("status") != "counted":
            continue
        login = entry.get("login")
        roles = entry.get("roles") or {}
        if not isinstance(login, str) or not isinstance(roles, Mapping):
            continue
        out.append(Reviewer(login, frozenset(str(r) for r, held in roles.items() if held is True)))
    return out


def promotion_hold(
    windows: Sequence[Window], due: dt.datetime, horizon: dt.datetime
) -> Hold | None:
    """None when a promotion due at ``due`` may happen then; else what holds it, and until when."""
    here = covering(windows, due)
    if not here:
        return None
    return Hold(tuple(here), next_allowed(windows, due, horizon))


def hold_finding(policy: CalendarPolicy, hold: Hold, target: str) -> Finding:
    """CAL010 (held until an instant) or CAL011 (held, no instant known) for ``target``."""
    zone = policy.zone
    windows = "; ".join(w.describe(zone) for w in hold.windows)
    if hold.until is None:
        return finding(
            "CAL011",
            "warning",
            f"the promotion to {target} is held by the calendar ({windows}), and no allowed"
            " instant is known after it",
            hint="the market calendar ends before the window does: update the calendar"
            " library, or shorten the freeze (docs/calendar.md)",
        )
    return finding(
        "CAL010",
        "notice",
        f"the promotion to {target} is held by the calendar ({windows}) until"
        f" {local_text(hold.until, zone)}",
    )
