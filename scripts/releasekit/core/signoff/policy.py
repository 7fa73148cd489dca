"""The release policy (``.github/release-policy.yml``): the runbook's numbers and paths as data.

Pure: text in, a frozen ``Policy`` out, or an ``InputError`` naming the file, the line and the
fix. The file is validated against ``releasekit/schemas/policy.schema.json`` (JSON Schema
draft 2020-12, ``additionalProperties: false`` everywhere, so a misspelt key is an error and
never a silently ignored setting). Every key may be left out: the defaults are the runbook's
own numbers, and a repository without a policy file gets exactly those (docs/policy.md).

The file has top-level sections (``version``, ``thresholds``, ``paths``, ``roles``,
``release_types``). Each section is one frozen dataclass, one entry in ``_SECTIONS`` and one
property in the schema. ``roles`` and ``release_types`` hold nested values (a role is
``{logins, teams, permission}``; a release type is ``{approvals, rollout, paths}``), so they
are built by their own small converters; a key left out keeps its runbook default, key by key.

The ``rollout:`` section belongs to ``releasekit rollout`` (``policy.rollout.schema.json``): the
schema here refers to that schema so the whole file is validated in one pass, and the section
is otherwise left to ``core.rollout_plan``.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from releasekit.core.calendar.policy import CalendarPolicy, parse_calendar_section
from releasekit.core.report import Finding, finding
from releasekit.core.rollout.plan import RolloutPlan, parse_rollout_section
from releasekit.core.yamldoc import YamlDoc, parse_yaml
from releasekit.errors import InputError

POLICY_PATH = ".github/release-policy.yml"
POLICY_VERSION = 1
SCHEMA_NAME = "policy.schema.json"
# The rollout gate's own schema for the `rollout:` section, referred to by $ref.
ROLLOUT_SCHEMA_NAME = "policy.rollout.schema.json"
ROLLOUT_SCHEMA_ID = "https://releasekit.dev/schemas/policy/rollout/1.json"

RoleName = Literal["code_review", "audit", "model_audit", "risk", "founder"]
ROLE_NAMES: tuple[RoleName, ...] = get_args(RoleName)
TypeName = Literal["strategy", "model", "hotfix", "config", "bugfix"]
# Most demanding first: when several types match a pull request, the first of these names the
# release (docs/signoff.md, "Release type"). A hotfix ranks below strategy and model so that
# no hotfix can carry a strategy or model change past its audit.
TYPE_ORDER: tuple[TypeName, ...] = get_args(TypeName)
Rollout = Literal["staged", "direct", "immediate"]
RolePermission = Literal["write", "maintain", "admin"]
# The placeholders a release type's path globs may use: the `paths:` section's values.
GLOB_PLACEHOLDERS: tuple[str, ...] = (
    "strategies",
    "models",
    "audits",
    "audit_log",
    "paper_reports",
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
DEFAULT_TIMEZONE = "UTC"


def login_key(login: str) -> str | None:
    """How a GitHub login is compared: ASCII case-insensitively; None for any other text.

    GitHub logins are ASCII letters, digits and hyphens. ``str.casefold`` would fold the long
    s of ``ſam-founder`` into ``sam-founder``'s s, so a look-alike account would fill a named
    role: a login with any non-ASCII character never matches anyone.
    """
    if not login or not login.isascii():
        return None
    return login.lower()


def same_login(a: str, b: str) -> bool:
    """Whether two logins are the same GitHub account (ASCII case-insensitive: ``login_key``)."""
    key = login_key(a)
    return key is not None and key == login_key(b)


@dataclass(frozen=True)
class Thresholds:
    """The runbook's numbers (section "Audit Sign-Off Requirements" and Phase 4).

    * ``audit_max_age_days``: an audit at most this many days older than the release passes
      ("Within 30 days").
    * ``walk_forward_consistency_above``: consistency must be *strictly greater* than this
      ("> 60% consistency"): 60% exactly does not pass.
    * ``paper_max_divergence``: every paper metric within this fraction of the backtest
      ("Within 20% of backtest"): 20% exactly passes.
    * ``paper_min_trades``: at least this many paper trades ("Minimum 10 trades").
    """

    audit_max_age_days: int = 30
    walk_forward_consistency_above: float = 0.60
    paper_max_divergence: float = 0.20
    paper_min_trades: int = 10

    @property
    def walk_forward_fraction(self) -> Fraction:
        """The consistency threshold as an exact fraction (0.6 → 3/5, no float rounding)."""
        return Fraction(str(self.walk_forward_consistency_above))

    @property
    def divergence_fraction(self) -> Fraction:
        """The divergence threshold as an exact fraction (0.2 → 1/5)."""
        return Fraction(str(self.paper_max_divergence))


@dataclass(frozen=True)
class Paths:
    """Where the evidence lives, relative to the repository root."""

    strategies: str = "strategies"
    models: str = "models"
    audits: str = "docs/audits"
    audit_log: str = "docs/audits/audit_log.md"
    paper_reports: str = "docs/paper"


@dataclass(frozen=True)
class Role:
    """Who may sign off in one role (runbook Phase 2, "Required approvals").

    A person holds the role when their login is listed (ASCII case-insensitive, as GitHub
    logins are; see ``login_key``), **or** they are an *active* member of a listed team
    (``org/slug``; needs a token that can read teams), **or** ``permission`` is set and their
    permission on the repository is at least that (``write`` < ``maintain`` < ``admin``). A
    role with none of the three names nobody, and a release that needs it can never be signed
    off (fail closed). ``allow_contributors`` lets someone who authored, committed or pushed a
    commit of the pull request fill the role for it (off by default: policy-bot's
    ``allow_contributor: false``).
    """

    logins: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    permission: RolePermission | None = None
    allow_contributors: bool = False

    def names_nobody(self) -> bool:
        """No login, no team and no permission: nobody can hold this role."""
        return not self.logins and not self.teams and self.permission is None

    def lists(self, login: str) -> bool:
        """Whether ``login`` is listed by name (ASCII case-insensitive; see ``login_key``)."""
        return any(same_login(login, x) for x in self.logins)

    def team_slugs(self) -> tuple[tuple[str, str], ...]:
        """The listed teams as ``(org, slug)`` pairs."""
        return tuple((t.partition("/")[0], t.partition("/")[2]) for t in self.teams)


@dataclass(frozen=True)
class Roles:
    """The runbook's five sign-off roles.

    * ``code_review``: "Code review (any team member)" — by default anyone with write
      permission on the repository (the PR author never counts for any role).
    * ``audit``: "Audit approval (for strategy changes)" — the strategy auditors.
    * ``model_audit``: the release table's "Model audit" for model updates. A separate role,
      because model validation is a different expertise (the example desk's model audits are
      by another auditor); when the file does not set it, it holds the ``audit`` people.
    * ``risk``: "Risk review (for config changes)".
    * ``founder``: "Founder approval (for production)".

    Only ``code_review`` names anyone by default; the other roles name nobody until the policy
    lists people or teams.
    """

    code_review: Role = field(default_factory=lambda: Role(permission="write"))
    audit: Role = field(default_factory=Role)
    model_audit: Role = field(default_factory=Role)
    risk: Role = field(default_factory=Role)
    founder: Role = field(default_factory=Role)

    def get(self, name: RoleName) -> Role:
        """The role called ``name``."""
        role: Role = getattr(self, name)
        return role


@dataclass(frozen=True)
class ReleaseType:
    """One row of the runbook's Release Types table: who approves, and how it rolls out.

    ``approvals`` lists roles, each filled by a *different* person (a role listed twice needs
    two people); ``rollout`` is ``staged`` (Phase 4), ``direct`` or ``immediate`` (hotfix).
    """

    approvals: tuple[RoleName, ...] = ("code_review",)
    rollout: Rollout = "direct"


@dataclass(frozen=True)
class PathReleaseType(ReleaseType):
    """A release type that changed paths can select: ``paths`` are globs (``**``, ``*``, ``?``).

    A glob may use ``{strategies}``, ``{models}``, ``{audits}``, ``{audit_log}`` and
    ``{paper_reports}``: the ``paths:`` section's values, so moving a directory there moves
    the release type with it.
    """

    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleaseTypes:
    """The runbook's Release Types table, with its defaults.

    strategy: code review + audit + risk + founder, staged; model: code review + model audit +
    risk + founder, staged — the runbook's Audit Sign-Off Checklist, whose approval lines are
    Auditor, Risk and Founder, after the code review of Phase 2; hotfix: founder + one other
    person, immediate (only from a ``hotfix/*`` branch, with a declared criterion); config:
    risk + code review, direct; bugfix (everything else): code review, direct.
    """

    strategy: PathReleaseType = field(
        default_factory=lambda: PathReleaseType(
            ("code_review", "audit", "risk", "founder"), "staged", ("{strategies}/**",)
        )
    )
    model: PathReleaseType = field(
        default_factory=lambda: PathReleaseType(
            ("code_review", "model_audit", "risk", "founder"), "staged", ("{models}/**",)
        )
    )
    hotfix: ReleaseType = field(
        default_factory=lambda: ReleaseType(("founder", "code_review"), "immediate")
    )
    config: PathReleaseType = field(
        default_factory=lambda: PathReleaseType(("risk", "code_review"), "direct", ("config/**",))
    )
    bugfix: ReleaseType = field(default_factory=lambda: ReleaseType(("code_review",), "direct"))

    def get(self, name: TypeName) -> ReleaseType:
        """The release type called ``name``."""
        value: ReleaseType = getattr(self, name)
        return value


@dataclass(frozen=True)
class Policy:
    """The effective policy: the file's values over the runbook's defaults.

    ``source`` is how findings name the policy file, or None when there was no file and
    every value is the runbook's default. ``explicit`` lists the ``section.key`` names the
    file set (everything else is a default).
    """

    version: int = POLICY_VERSION
    timezone: str = DEFAULT_TIMEZONE
    thresholds: Thresholds = field(default_factory=Thresholds)
    paths: Paths = field(default_factory=Paths)
    roles: Roles = field(default_factory=Roles)
    release_types: ReleaseTypes = field(default_factory=ReleaseTypes)
    rollout: RolloutPlan = field(default_factory=RolloutPlan)
    calendar: CalendarPolicy = field(default_factory=CalendarPolicy)
    source: str | None = None
    explicit: frozenset[str] = frozenset()
    # Where the file sets each role and each release type's approvals (``roles.risk`` → its
    # line), for findings about them; not part of the policy's value.
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The policy's values as plain data (what ``policy show --format json`` prints)."""
        data: dict[str, Any] = {
            "version": self.version,
            "timezone": self.timezone,
            **{name: _plain(dataclasses.asdict(getattr(self, name))) for name in _SECTIONS},
        }
        for role in data["roles"].values():
            # Off is the default and the rule: shown only where a role allows contributors.
            if role.get("allow_contributors") is False:
                del role["allow_contributors"]
        return data

    def zone(self) -> ZoneInfo:
        """The desk's time zone (``timezone:``; validated when the file was parsed)."""
        return ZoneInfo(self.timezone)

    def defaulted(self) -> list[str]:
        """The ``thresholds.*`` and ``paths.*`` names left at the runbook default.

        The runbook's numbers and paths, key by key; ``defaulted_rules`` lists the roles and
        release types (see ``policy show``).
        """
        return self._defaulted(("thresholds", "paths"))

    def defaulted_rules(self) -> list[str]:
        """The ``roles.*`` and ``release_types.*`` names the file did not set."""
        return self._defaulted(_STRUCTURED)

    def _defaulted(self, sections: tuple[str, ...]) -> list[str]:
        out = []
        for name in sections:
            for f in dataclasses.fields(_SECTIONS[name]):
                key = f"{name}.{f.name}"
                if key not in self.explicit:
                    out.append(key)
        return out

    def type_globs(self, name: TypeName) -> tuple[str, ...]:
        """A release type's path globs with ``{placeholders}`` filled from ``paths:``."""
        rt = self.release_types.get(name)
        if not isinstance(rt, PathReleaseType):
            return ()
        values = dataclasses.asdict(self.paths)
        return tuple(_PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), g) for g in rt.paths)


def _plain(value: Any) -> Any:
    """Tuples as lists and unset (None) keys left out, so the data reads back as a policy."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# Top-level sections after `version`, each a frozen dataclass whose fields are its keys.
_SECTIONS: dict[str, type[Any]] = {
    "thresholds": Thresholds,
    "paths": Paths,
    "roles": Roles,
    "release_types": ReleaseTypes,
    "rollout": RolloutPlan,
}
# Sections whose keys hold nested values (built by _build_roles / _build_release_types).
_STRUCTURED = ("roles", "release_types")


def default_policy() -> Policy:
    """The runbook's defaults, as used when a repository has no policy file."""
    return Policy()


@lru_cache(maxsize=1)
def policy_schema() -> dict[str, Any]:
    """The JSON Schema of the policy file (shipped inside the package)."""
    text = (resources.files("releasekit") / "schemas" / SCHEMA_NAME).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=1)
def _registry() -> Registry[Any]:
    """The schemas the policy schema refers to: the rollout section's own schema.

    When that schema is not shipped, the section is accepted as any mapping here (the
    rollout gate, which reads it, still validates it).
    """
    node = resources.files("releasekit") / "schemas" / ROLLOUT_SCHEMA_NAME
    contents: Any = (
        json.loads(node.read_text(encoding="utf-8"))
        if node.is_file()
        else {"type": "object", "additionalProperties": True}
    )
    resource = Resource.from_contents(contents, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(ROLLOUT_SCHEMA_ID, resource)
    own_id = contents.get("$id") if isinstance(contents, dict) else None
    if isinstance(own_id, str) and own_id != ROLLOUT_SCHEMA_ID:
        registry = registry.with_resource(own_id, resource)
    return registry


def parse_policy(text: str, *, shown_as: str) -> Policy:
    """Parse and validate a policy file; any problem is an ``InputError`` with file:line and fix."""
    doc = parse_yaml(text, shown_as=shown_as)
    data = {} if doc.data is None else doc.data
    _check_finite(doc, data, [], shown_as)
    validator = Draft202012Validator(policy_schema(), registry=_registry())
    problems = sorted(
        (p for e in validator.iter_errors(data) for p in _problems(doc, e)),
        key=lambda p: p[0],
    )
    if problems:
        line, message, hint = problems[0]
        n = len(problems) - 1
        more = f" (and {n} more problem{'s' if n > 1 else ''})" if n else ""
        raise InputError(
            f"release policy: {message}{more}",
            file=shown_as,
            line=line,
            hint=f"{hint} (docs/policy.md)",
        )
    explicit: set[str] = set()
    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        given = data.get(name) or {}
        if name == "rollout":
            # The plan's own parser checks what a schema cannot (sizes increasing, reachable
            # stages, time windows) and needs the document for each problem's line.
            sections[name] = parse_rollout_section(data.get(name), doc)
            explicit.update(f"{name}.{key}" for key in given)
            continue
        builder = _BUILDERS.get(name)
        if builder is not None:
            sections[name] = builder(given)
            explicit.update(f"{name}.{key}" for key in given)
            continue
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in given:
                continue
            value = given[f.name]
            if isinstance(value, str) and any(ord(ch) < 32 for ch in value):
                raise InputError(
                    f"release policy: {name}.{f.name} contains a control character",
                    file=shown_as,
                    line=doc.line_of(name, f.name),
                    hint="write a plain relative path on one line",
                )
            # JSON Schema counts 30.0 as an integer; the dataclass wants the int.
            values[f.name] = int(value) if f.type in ("int", int) else value
            explicit.add(f"{name}.{f.name}")
        sections[name] = cls(**values)
    _check_globs(doc, data.get("release_types") or {}, shown_as)
    timezone = data.get("timezone", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"release policy: timezone {timezone!r} is not an IANA time zone this machine knows",
            file=shown_as,
            line=doc.line_of("timezone"),
            hint="write a name such as UTC, Europe/London or America/New_York (docs/policy.md)",
        ) from None
    if "timezone" in data:
        explicit.add("timezone")
    return Policy(
        version=int(data["version"]),
        timezone=timezone,
        source=shown_as,
        explicit=frozenset(explicit),
        lines=_rule_lines(doc, data),
        # The calendar: section has its own schema and reader (docs/calendar.md).
        calendar=parse_calendar_section(data.get("calendar"), doc, timezone=data.get("timezone")),
        **sections,
    )


def _check_finite(doc: YamlDoc, value: Any, path: list[str | int], shown_as: str) -> None:
    """YAML's ``.inf`` and ``.nan`` are numbers to a schema; no threshold may be one."""
    if isinstance(value, float) and not math.isfinite(value):
        where = ".".join(str(p) for p in path) or "the file"
        raise InputError(
            f"release policy: {where} is {value!r}, not a finite number",
            file=shown_as,
            line=doc.line_of(*path) if path else 1,
            hint="write a plain number such as 0.2 (docs/policy.md)",
        )
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(doc, item, [*path, str(key)], shown_as)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_finite(doc, item, [*path, i], shown_as)


def unfillable_roles(policy: Policy) -> list[Finding]:
    """POL002: a release type needs a role that names nobody, so it can never be signed off.

    One error per role, naming the release types that need it; ``policy validate`` reports
    them (a fresh ``init`` policy whose auditors, risk reviewers and founders are not yet
    named is not a valid policy for strategy releases).
    """
    needed: dict[RoleName, list[str]] = {}
    for name in TYPE_ORDER:
        for role in policy.release_types.get(name).approvals:
            if policy.roles.get(role).names_nobody():
                types = needed.setdefault(role, [])
                if name not in types:
                    types.append(name)
    return [
        finding(
            "POL002",
            "error",
            f"roles.{role} names nobody, but {', '.join(types)} releases need it: they can"
            " never be signed off",
            file=policy.source,
            line=policy.lines.get(f"roles.{role}")
            or policy.lines.get(f"release_types.{types[0]}.approvals")
            or policy.lines.get("roles"),
            hint=f"list the people (logins), teams or a permission under roles.{role} in"
            f" {POLICY_PATH} (docs/policy.md)",
        )
        for role, types in needed.items()
    ]


def _rule_lines(doc: YamlDoc, data: Mapping[str, Any]) -> dict[str, int]:
    """The lines of ``roles``, each role and each release type's ``approvals`` in the file."""
    out: dict[str, int] = {}
    roles = data.get("roles")
    if isinstance(roles, dict):
        out["roles"] = doc.line_of("roles") or 1
        for name in roles:
            out[f"roles.{name}"] = doc.line_of("roles", str(name)) or out["roles"]
    types = data.get("release_types")
    if isinstance(types, dict):
        for name, value in types.items():
            if isinstance(value, dict) and "approvals" in value:
                line = doc.line_of("release_types", str(name), "approvals")
                if line is not None:
                    out[f"release_types.{name}.approvals"] = line
    return out


def _role(given: Mapping[str, Any], default: Role) -> Role:
    return Role(
        logins=tuple(given["logins"]) if "logins" in given else default.logins,
        teams=tuple(given["teams"]) if "teams" in given else default.teams,
        permission=given.get("permission", default.permission),
        allow_contributors=bool(given.get("allow_contributors", default.allow_contributors)),
    )


def _build_roles(given: Mapping[str, Any]) -> Roles:
    """Each role key by key over its default; ``model_audit`` left out holds ``audit``'s people."""
    base = Roles()
    values = {name: _role(given.get(name) or {}, base.get(name)) for name in ROLE_NAMES}
    if "model_audit" not in given:
        values["model_audit"] = values["audit"]
    return Roles(**values)


def _build_release_types(given: Mapping[str, Any]) -> ReleaseTypes:
    """Each release type key by key over its runbook default."""
    base = ReleaseTypes()
    values: dict[str, ReleaseType] = {}
    for name in TYPE_ORDER:
        default = base.get(name)
        mine = given.get(name) or {}
        changes: dict[str, Any] = {}
        if "approvals" in mine:
            changes["approvals"] = tuple(mine["approvals"])
        if "rollout" in mine:
            changes["rollout"] = mine["rollout"]
        if "paths" in mine:
            changes["paths"] = tuple(mine["paths"])
        values[name] = dataclasses.replace(default, **changes)
    return ReleaseTypes(**values)  # type: ignore[arg-type]


_BUILDERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "roles": _build_roles,
    "release_types": _build_release_types,
}


def _check_globs(doc: YamlDoc, types: Mapping[str, Any], shown_as: str) -> None:
    """Only the ``paths:`` placeholders may appear in braces (a schema cannot say which)."""
    for name, value in types.items():
        for i, glob in enumerate((value or {}).get("paths") or []):
            for placeholder in _PLACEHOLDER.findall(glob):
                if placeholder not in GLOB_PLACEHOLDERS:
                    known = ", ".join(f"{{{p}}}" for p in GLOB_PLACEHOLDERS)
                    raise InputError(
                        f"release policy: release_types.{name}.paths: {glob!r} uses"
                        f" {{{placeholder}}}, which is not a `paths:` key",
                        file=shown_as,
                        line=doc.line_of("release_types", name, "paths", i),
                        hint=f"use one of {known}, or write the directory out (docs/policy.md)",
                    )
            if glob.count("{") != glob.count("}") or "{}" in glob:
                raise InputError(
                    f"release policy: release_types.{name}.paths: {glob!r} has unbalanced braces",
                    file=shown_as,
                    line=doc.line_of("release_types", name, "paths", i),
                    hint="braces only surround a placeholder such as {strategies} (docs/policy.md)",
                )


def _key_line(doc: YamlDoc, path: list[str | int], key: str) -> int | None:
    """The line of a mapping *key* (not its value) at ``path``."""
    node = doc.node_at(*path) if path else doc.root
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return int(k.start_mark.line) + 1
    return doc.line_of(*path)


def _extra_keys(error: ValidationError) -> list[str]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    known = set(
        (error.schema or {}).get("properties", {}) if isinstance(error.schema, dict) else ()
    )
    return sorted(str(k) for k in instance if str(k) not in known)


def _problems(doc: YamlDoc, error: ValidationError) -> list[tuple[int, str, str]]:
    """(line, message, fix) for one schema violation; one per key for unknown keys."""
    path: list[str | int] = list(error.absolute_path)
    if error.validator == "additionalProperties":
        return [
            (_key_line(doc, path, key) or 1, *_unknown_key(error, key))
            for key in _extra_keys(error) or ["?"]
        ]
    line = doc.line_of(*path) if path else 1
    return [(line or 1, *_explain(error))]


def _unknown_key(error: ValidationError, name: str) -> tuple[str, str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = sorted((schema.get("properties") or {}).keys())
    close = difflib.get_close_matches(name, known, n=1)
    guess = f"did you mean `{close[0]}`? " if close else ""
    inside = f" in {_where(error)}" if error.absolute_path else ""
    return f"unknown key `{name}`{inside}", f"{guess}known keys here: {', '.join(known)}"


def _where(error: ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    return f"`{path}`" if path else "the file"


def _explain(error: ValidationError) -> tuple[str, str]:
    """A message and a fix for one schema violation, in the policy author's terms."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    about = str(schema.get("description", "")).rstrip(".")
    where = _where(error)
    kind = error.validator
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        required = error.validator_value if isinstance(error.validator_value, list) else []
        missing = next((str(r) for r in required if r not in instance), "?")
        if missing == "version":
            return "`version` is missing", "add `version: 1` as the first line"
        return f"`{missing}` is missing in {where}", f"add `{missing}:`"
    if kind == "const":
        return (
            f"{where} is {error.instance!r}, but this releasekit reads policy version"
            f" {POLICY_VERSION}",
            f"write `version: {POLICY_VERSION}`",
        )
    if kind == "type":
        wanted = schema.get("type")
        word = {
            "integer": "a whole number",
            "number": "a number",
            "string": "a string",
            "object": "a mapping of keys",
            "array": "a list",
        }.get(str(wanted), str(wanted))
        hint = f"write {word}: {about}" if about else f"write {word}"
        if wanted == "string" and not isinstance(error.instance, dict | list):
            # YAML reads `no`, `on`, `123` as a boolean or a number, not as a login.
            hint += ' (quote it: "...")'
        return f"{where} is {error.instance!r}, not {word}", hint
    if kind == "enum":
        values = error.validator_value if isinstance(error.validator_value, list) else []
        allowed = ", ".join("null" if v is None else str(v) for v in values)
        return f"{where} is {error.instance!r}, not one of: {allowed}", about or "pick one of them"
    if kind in ("minItems", "maxItems") and isinstance(error.instance, list):
        op = "at least" if kind == "minItems" else "at most"
        n = len(error.instance)
        return (
            f"{where} has {n} item{'' if n == 1 else 's'}; it must have {op}"
            f" {error.validator_value}",
            about or "see the schema",
        )
    if kind == "uniqueItems":
        return f"{where} lists the same item twice", "list each item once"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        op = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "more than",
            "exclusiveMaximum": "less than",
        }[str(kind)]
        return (
            f"{where} is {error.instance!r}; it must be {op} {error.validator_value}",
            about or "use a value in range",
        )
    if kind in ("pattern", "minLength", "maxLength"):
        what = schema.get("x-what")
        if isinstance(what, str):
            return f"{where} is {error.instance!r}, not {what}", str(schema.get("x-fix", about))
        return (
            f"{where} is {error.instance!r}, not a path inside the repository",
            "write a relative path such as docs/audits, without '..' or a leading '/'",
        )
    return f"{where}: {error.message}", about or "see the schema"
