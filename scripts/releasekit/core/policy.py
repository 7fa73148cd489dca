"""The release policy (``.github/release-policy.yml``): the runbook's numbers and paths as data.

Pure: text in, a frozen ``Policy`` out, or an ``InputError`` naming the file, the line and the
fix. The file is validated against ``releasekit/schemas/policy.schema.json`` (JSON Schema
draft 2020-12, ``additionalProperties: false`` everywhere, so a misspelt key is an error and
never a silently ignored setting). Every key may be left out: the defaults are the runbook's
own numbers, and a repository without a policy file gets exactly those (docs/policy.md).

The file has top-level sections (``version``, ``thresholds``, ``paths``). A later section —
roles, release types, rollout plans — is one more frozen dataclass, one more entry in
``_SECTIONS`` and one more property in the schema; the loader does not change.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

from releasekit.core.yamldoc import YamlDoc, parse_yaml
from releasekit.errors import InputError

POLICY_PATH = ".github/release-policy.yml"
POLICY_VERSION = 1
SCHEMA_NAME = "policy.schema.json"


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
class Policy:
    """The effective policy: the file's values over the runbook's defaults.

    ``source`` is how findings name the policy file, or None when there was no file and
    every value is the runbook's default. ``explicit`` lists the ``section.key`` names the
    file set (everything else is a default).
    """

    version: int = POLICY_VERSION
    thresholds: Thresholds = field(default_factory=Thresholds)
    paths: Paths = field(default_factory=Paths)
    source: str | None = None
    explicit: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        """The policy's values as plain data (what ``policy show --format json`` prints)."""
        return {
            "version": self.version,
            **{name: dataclasses.asdict(getattr(self, name)) for name in _SECTIONS},
        }

    def defaulted(self) -> list[str]:
        """The ``section.key`` names whose value is the runbook default (not set in the file)."""
        out = []
        for name, cls in _SECTIONS.items():
            for f in dataclasses.fields(cls):
                key = f"{name}.{f.name}"
                if key not in self.explicit:
                    out.append(key)
        return out


# Top-level sections after `version`, each a frozen dataclass whose fields are its keys.
_SECTIONS: dict[str, type[Any]] = {"thresholds": Thresholds, "paths": Paths}


def default_policy() -> Policy:
    """The runbook's defaults, as used when a repository has no policy file."""
    return Policy()


@lru_cache(maxsize=1)
def policy_schema() -> dict[str, Any]:
    """The JSON Schema of the policy file (shipped inside the package)."""
    text = (resources.files("releasekit") / "schemas" / SCHEMA_NAME).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def parse_policy(text: str, *, shown_as: str) -> Policy:
    """Parse and validate a policy file; any problem is an ``InputError`` with file:line and fix."""
    doc = parse_yaml(text, shown_as=shown_as)
    data = {} if doc.data is None else doc.data
    validator = Draft202012Validator(policy_schema())
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
    return Policy(
        version=int(data["version"]),
        source=shown_as,
        explicit=frozenset(explicit),
        **sections,
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
        }.get(str(wanted), str(wanted))
        return f"{where} is {error.instance!r}, not {word}", f"write {word}: {about}"
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
        return (
            f"{where} is {error.instance!r}, not a path inside the repository",
            "write a relative path such as docs/audits, without '..' or a leading '/'",
        )
    return f"{where}: {error.message}", about or "see the schema"
