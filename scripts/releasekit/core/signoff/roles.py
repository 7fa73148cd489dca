"""Who may fill which sign-off role: role eligibility, contributors, and the role matching.

Pure: the policy's roles in, and a ``Directory`` (the GitHub port's ``permission`` and
``team_membership``) asked lazily, at most once per person and team, for what the policy does
not say. One person fills at most one role (threat 9): roles are assigned by a maximum
bipartite matching. Logins compare ASCII case-insensitively; a non-ASCII login holds no role
and is never looked up. Someone who contributed commits to the pull request fills a role only
where the role allows contributors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from releasekit.core.github_facts import PERMISSION_RANK, Login, Membership, Permission
from releasekit.core.signoff.policy import ROLE_NAMES, Policy, Role, RoleName, login_key


class Directory(Protocol):
    """Who holds what on GitHub: the two ``GitHubPort`` reads that role eligibility needs."""

    def permission(self, login: Login) -> Permission:
        """The user's permission on the repository (``none`` when not a collaborator)."""
        ...

    def team_membership(self, org: str, team_slug: str, login: Login) -> Membership:
        """``active``, ``pending`` or ``absent``; raises ``InfraError`` when it cannot tell."""
        ...


@dataclass(frozen=True)
class Contributor:
    """Someone who contributed to the pull request's commits, and how (for the report)."""

    login: str
    why: tuple[str, ...]  # "authored 1a2b3c4", "committed 1a2b3c4", "pushed (the event)"


class Eligibility:
    """Who holds which role: listed logins first, then lookups, each made at most once.

    ``known`` answers from the policy and from lookups already made (None: not known yet);
    ``resolve`` makes the lookups a role needs — the person's permission (one request, shared
    by every role that accepts a permission), then each listed team (only ``active`` counts).
    A lookup that fails raises (``InfraError``): never "does not hold the role".
    """

    def __init__(
        self,
        policy: Policy,
        directory: Directory,
        contributors: Sequence[Contributor] = (),
    ) -> None:
        """Answer for ``policy``'s roles, asking ``directory`` what the policy does not say.

        ``contributors`` may hold a role but fill it only where the role allows them.
        """
        self._roles = policy.roles
        self._directory = directory
        self._permissions: dict[str, Permission] = {}
        self._teams: dict[tuple[str, str, str], Membership] = {}
        self._contributors: dict[str, Contributor] = {}
        for c in contributors:
            key = login_key(c.login)
            if key is not None:
                self._contributors[key] = c

    def contributor(self, login: str) -> Contributor | None:
        """How ``login`` contributed to the pull request's commits, if they did."""
        key = login_key(login)
        return self._contributors.get(key) if key is not None else None

    def may_fill(self, login: str, name: RoleName) -> bool:
        """Whether ``login`` may fill role ``name`` for this pull request (not a contributor,
        or the role allows contributors)."""
        return self.contributor(login) is None or self._roles.get(name).allow_contributors

    @property
    def lookups(self) -> dict[str, int]:
        """How many permission and team lookups were made."""
        return {"permission": len(self._permissions), "team": len(self._teams)}

    def role(self, name: RoleName) -> Role:
        """The policy's role ``name``."""
        return self._roles.get(name)

    def known(self, login: str, name: RoleName) -> bool | None:
        """Whether ``login`` holds role ``name``, from what is known without a request.

        A login that is not plain ASCII holds no role and is never looked up.
        """
        key = login_key(login)
        if key is None:
            return False
        role = self._roles.get(name)
        if role.lists(login):
            return True
        undecided = False
        if role.permission is not None:
            perm = self._permissions.get(key)
            if perm is None:
                undecided = True
            elif PERMISSION_RANK[perm] >= PERMISSION_RANK[role.permission]:
                return True
        for org, slug in role.team_slugs():
            state = self._teams.get((org.casefold(), slug.casefold(), key))
            if state is None:
                undecided = True
            elif state == "active":
                return True
        return None if undecided else False

    def resolve(self, login: str, name: RoleName) -> bool:
        """Whether ``login`` holds role ``name``, looking up what is not known yet."""
        answer = self.known(login, name)
        if answer is not None:
            return answer
        role = self._roles.get(name)
        key = login.lower()  # known() answered for every non-ASCII login
        if role.permission is not None and key not in self._permissions:
            self._permissions[key] = self._directory.permission(Login(login))
            if self.known(login, name):
                return True
        for org, slug in role.team_slugs():
            team_key = (org.casefold(), slug.casefold(), key)
            if team_key not in self._teams:
                self._teams[team_key] = self._directory.team_membership(org, slug, Login(login))
                if self._teams[team_key] == "active":
                    return True
        return bool(self.known(login, name))

    def via(self, login: str, name: RoleName) -> str:
        """How ``login`` holds (or does not hold) role ``name``, for reports."""
        role = self._roles.get(name)
        key = login_key(login)
        if key is None:
            return "not a GitHub login (non-ASCII characters never match)"
        if role.lists(login):
            return "listed in the policy"
        parts: list[str] = []
        perm = self._permissions.get(key)
        if role.permission is not None:
            if perm is None:
                parts.append("permission not looked up")
            elif PERMISSION_RANK[perm] >= PERMISSION_RANK[role.permission]:
                return f"permission {perm}"
            else:
                parts.append(f"permission {perm}, below {role.permission}")
        for org, slug in role.team_slugs():
            state = self._teams.get((org.casefold(), slug.casefold(), key))
            if state == "active":
                return f"active member of {org}/{slug}"
            if state == "pending":
                parts.append(f"{org}/{slug}: invitation pending (only active members count)")
            elif state == "absent":
                parts.append(f"not a member of {org}/{slug}")
            else:
                parts.append(f"{org}/{slug} not looked up")
        if not parts:
            return "not listed"
        return "not listed; " + "; ".join(parts)


def describe_role(role: Role) -> str:
    """Who may hold a role, in words: ``logins alice; teams acme/founders; permission write+``."""
    parts = []
    if role.logins:
        parts.append("logins " + ", ".join(role.logins))
    if role.teams:
        parts.append("teams " + ", ".join(role.teams))
    if role.permission is not None:
        parts.append(f"anyone with {role.permission} permission or more")
    return "; ".join(parts) if parts else "nobody"


def _kuhn(
    slots: Sequence[RoleName], people: Sequence[str], edge: Callable[[str, RoleName], bool]
) -> dict[int, int]:
    """A maximum matching of role slots to people (slot index → person index).

    Kuhn's augmenting paths: a slot takes a free eligible person, or takes one already placed
    who can move to another slot. Deterministic: slots and people are tried in order.
    """
    slot_of: dict[int, int] = {}  # person -> slot
    person_of: dict[int, int] = {}  # slot -> person

    def place(s: int, seen: set[int]) -> bool:
        for p, login in enumerate(people):
            if p in seen or not edge(login, slots[s]):
                continue
            seen.add(p)
            if p not in slot_of or place(slot_of[p], seen):
                slot_of[p] = s
                person_of[s] = p
                return True
        return False

    for s in range(len(slots)):
        place(s, set())
    return person_of


def assign_roles(
    slots: Sequence[RoleName], people: Sequence[str], eligibility: Eligibility
) -> dict[int, int]:
    """Fill as many role slots as possible with distinct people, looking up only what helps.

    Matching first uses what the policy already says (listed logins, no request). While a slot
    is unfilled, the one unknown (person, role) pair most likely to fill it is looked up — an
    unplaced person for an unfilled role first — and the matching is redone; it stops as soon
    as every slot is filled, so people whose roles are already decided are never looked up.
    """
    roles = list(dict.fromkeys(slots))
    # Roles given by name are placed before roles anyone with a permission holds: the
    # matching is maximum either way, but when a slot must stay empty it is then the broad
    # one (code review), not the founder a founder approved as.
    order = sorted(
        range(len(slots)), key=lambda s: (eligibility.role(slots[s]).permission is not None, s)
    )
    ordered = [slots[s] for s in order]
    while True:
        found = _kuhn(
            ordered,
            people,
            lambda p, r: eligibility.may_fill(p, r) and eligibility.known(p, r) is True,
        )
        match = {order[s]: p for s, p in found.items()}
        if len(match) == len(slots):
            return match
        unknown = [
            (p, r)
            for p in people
            for r in roles
            if eligibility.may_fill(p, r) and eligibility.known(p, r) is None
        ]
        if not unknown:
            return match
        placed = {people[i] for i in match.values()}
        unfilled = {slots[s] for s in range(len(slots)) if s not in match}
        key = _priority(people, placed, unfilled, eligibility)
        eligibility.resolve(*min(unknown, key=key))


def _priority(
    people: Sequence[str], placed: set[str], unfilled: set[RoleName], eligibility: Eligibility
) -> Callable[[tuple[str, RoleName]], tuple[int, bool, int, int]]:
    """Which unknown (person, role) to look up first, to fill the slots in the fewest requests.

    An unplaced person for an unfilled role first; a role given by name or team before one
    that a permission gives (the scarce role decides the matching); the latest approver
    first (sign-offs tend to come after the discussion).
    """

    def key(pair: tuple[str, RoleName]) -> tuple[int, bool, int, int]:
        p, r = pair
        rank = (0 if r in unfilled else 2) + (1 if p in placed else 0)
        broad = eligibility.role(r).permission is not None
        return rank, broad, -people.index(p), ROLE_NAMES.index(r)

    return key
