"""Contract checks against the vendored subset of GitHub's OpenAPI description.

The fake server asks this module three questions for every exchange: which
operation does ``METHOD /path`` belong to, is the request valid for it, and is
the response we are about to send valid for it.  Schemas are validated with
``openapi-schema-validator`` (the OAS 3.0 dialect of ``jsonschema``: ``nullable``,
``readOnly``/``writeOnly``, ``discriminator``), with compiled validators cached
per schema location so hundreds of requests validate in well under a second.

Deliberate departures from a literal reading of the description, each
documented where it happens:

* GitHub's description writes ``nullable: true`` next to ``oneOf``/``anyOf`` and
  next to ``enum`` lists that do not contain ``null``.  OAS 3.0.3 says nullable
  only acts alongside ``type`` and never relaxes ``enum``, yet GitHub clearly
  means "may be null" (the live API sends ``null`` there).  We normalise those
  schemas in memory; the vendored file stays byte-identical to upstream.
* GitHub can answer *any* endpoint with rate-limit, auth, validation and 5xx
  errors although most operations do not declare them.  Such "platform"
  statuses are accepted on every operation and their bodies are checked
  against ``basic-error`` / ``validation-error`` instead.
* ``format: uri`` accepts ``""`` (GitHub's value for unset URLs), and a
  ``discriminator`` that maps to an array schema is dropped (it cannot work).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_PATH = Path(__file__).with_name("openapi-subset.json")
# A made-up absolute URI so `$ref`s into the document resolve through `referencing`.
SPEC_URI = "urn:releasekit:github-openapi-subset"

BASIC_ERROR = "#/components/schemas/basic-error"
VALIDATION_ERROR = "#/components/schemas/validation-error"

# Statuses GitHub may return from any operation (auth, rate limits, validation,
# server errors) whether or not the description lists them for that operation.
PLATFORM_STATUSES = frozenset({304, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504})

# Path parameters whose values legitimately contain "/" (branch names, file
# paths, `heads/feature/x`).  Everything else matches a single segment.
SLASHY_PARAMS = frozenset({"path", "ref", "branch"})


def _escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer(*tokens: str) -> str:
    """Build a local JSON pointer (``#/a/b~1c``) from unescaped tokens."""
    return "#/" + "/".join(_escape_pointer(t) for t in tokens)


def _is_uri(value: object) -> bool:
    # GitHub sends "" for unset URL fields declared `format: uri` (e.g. a deployment
    # status's target_url/log_url), so the empty string passes.
    if not isinstance(value, str) or value == "":
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or "@" in value


def _format_checker() -> FormatChecker:
    # The OAS 3.0 checker only knows OAS-specific formats (int32, byte, ...);
    # date-time and uri matter to us because PyGithub parses them, so add them.
    checker = FormatChecker(formats=())
    checker.checkers.update(oas30_format_checker.checkers)
    checker.checks("date-time")(_is_date_time)
    checker.checks("uri")(_is_uri)
    checker.checks("email")(_is_email)
    return checker


def normalise_nullable(node: Any) -> Any:
    """Return a copy of ``node`` where GitHub's intent "may be null" is explicit.

    See the module docstring: ``nullable`` beside ``oneOf``/``anyOf``/``allOf``
    (without ``type``) becomes ``anyOf: [<schema>, {enum: [null]}]``, and a
    nullable ``enum`` gains ``null`` as a member.
    """
    if isinstance(node, list):
        return [normalise_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: normalise_nullable(value) for key, value in node.items()}
    if out.get("nullable") is not True:
        return out
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    if "type" not in out and any(k in out for k in ("oneOf", "anyOf", "allOf", "$ref")):
        inner = {k: v for k, v in out.items() if k != "nullable"}
        return {"anyOf": [inner, {"enum": [None]}]}
    return out


def _drop_array_discriminators(node: Any, spec: Mapping[str, Any]) -> None:
    """Remove ``discriminator`` where a mapping target is an array schema.

    ``GET /contents/{path}`` maps ``type: array`` to ``content-directory`` (a JSON
    array), which a discriminator cannot select: the validator requires an
    object.  The plain ``oneOf`` it annotates already tells the shapes apart.
    """
    if isinstance(node, list):
        for item in node:
            _drop_array_discriminators(item, spec)
        return
    if not isinstance(node, dict):
        return
    mapping = node.get("discriminator", {}).get("mapping", {})
    for target in mapping.values():
        schema: Any = spec
        for token in str(target)[2:].split("/"):
            schema = schema[token]
        if schema.get("type") == "array":
            del node["discriminator"]
            break
    for value in node.values():
        _drop_array_discriminators(value, spec)


@dataclass(frozen=True)
class Parameter:
    """One path/query/header parameter of an operation."""

    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]
    schema_pointer: str


@dataclass(frozen=True)
class Operation:
    """One (method, path template) of the subset with what validation needs."""

    method: str
    template: str
    operation_id: str
    regex: re.Pattern[str]
    literal_segments: int
    parameters: tuple[Parameter, ...]
    body_pointer: str | None
    body_required: bool
    # status code (as in the description, e.g. "200") -> schema pointer or None
    responses: Mapping[str, str | None] = field(default_factory=dict)

    def param(self, name: str, location: str = "query") -> Parameter | None:
        """Look a parameter up by name and location."""
        for p in self.parameters:
            if p.name == name and p.location == location:
                return p
        return None


def _template_regex(template: str) -> tuple[re.Pattern[str], int]:
    parts: list[str] = []
    literal = 0
    for segment in template.strip("/").split("/"):
        names = re.findall(r"\{([^}]+)\}", segment)
        if not names:
            literal += 1
            parts.append(re.escape(segment))
            continue
        pattern = ""
        for chunk in re.split(r"(\{[^}]+\})", segment):
            if chunk.startswith("{") and chunk.endswith("}"):
                name = chunk[1:-1]
                body = ".+?" if name in SLASHY_PARAMS else "[^/]+"
                pattern += f"(?P<{name}>{body})"
            else:
                pattern += re.escape(chunk)
        parts.append(pattern)
    return re.compile("^/" + "/".join(parts) + "$"), literal


class Contract:
    """Operations and cached schema validators for one OpenAPI document."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        """Index ``spec`` (a parsed OpenAPI 3.0 document)."""
        self.spec: dict[str, Any] = normalise_nullable(copy.deepcopy(dict(spec)))
        _drop_array_discriminators(self.spec, self.spec)
        resource: Resource[Any] = Resource.from_contents(self.spec, default_specification=DRAFT4)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._format_checker = _format_checker()
        self._validators: dict[tuple[str, bool], Any] = {}
        self._lock = threading.Lock()
        self.operations: list[Operation] = []
        for template, item in self.spec["paths"].items():
            for method, op in item.items():
                if method in {"get", "post", "patch", "put", "delete"}:
                    self.operations.append(self._operation(template, method, item, op))
        # Prefer the most literal template when several match (none do today,
        # but e.g. `/issues/comments/{id}` vs `/issues/{number}` is the classic trap).
        self.operations.sort(key=lambda o: (-o.literal_segments, o.template))

    def _deref(self, node: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node, None
        target: Any = self.spec
        for token in ref[2:].split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        return target, ref

    def _operation(
        self, template: str, method: str, item: Mapping[str, Any], op: Mapping[str, Any]
    ) -> Operation:
        params: list[Parameter] = []
        raw_params = [*item.get("parameters", []), *op.get("parameters", [])]
        for index, raw in enumerate(raw_params):
            resolved, ref = self._deref(raw)
            where = (
                ref + "/schema"
                if ref
                else pointer("paths", template, method, "parameters", str(index), "schema")
            )
            params.append(
                Parameter(
                    name=resolved["name"],
                    location=resolved["in"],
                    required=bool(resolved.get("required", resolved["in"] == "path")),
                    schema=resolved.get("schema", {}),
                    schema_pointer=where,
                )
            )

        body_pointer: str | None = None
        body_required = False
        if "requestBody" in op:
            body, ref = self._deref(op["requestBody"])
            base = ref or pointer("paths", template, method, "requestBody")
            if "application/json" in body.get("content", {}):
                body_pointer = f"{base}/content/application~1json/schema"
            body_required = bool(body.get("required", False))

        responses: dict[str, str | None] = {}
        for status, raw in op.get("responses", {}).items():
            resolved, ref = self._deref(raw)
            base = ref or pointer("paths", template, method, "responses", status)
            content = resolved.get("content", {})
            responses[status] = (
                f"{base}/content/application~1json/schema"
                if "schema" in content.get("application/json", {})
                else None
            )

        regex, literal = _template_regex(template)
        return Operation(
            method=method.upper(),
            template=template,
            operation_id=str(op.get("operationId", "")),
            regex=regex,
            literal_segments=literal,
            parameters=tuple(params),
            body_pointer=body_pointer,
            body_required=body_required,
            responses=responses,
        )

    # -- lookup -------------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """Find the operation for ``method path`` and its path parameter values."""
        for op in self.operations:
            if op.method != method.upper():
                continue
            found = op.regex.match(path)
            if found:
                return op, found.groupdict()
        return None

    def operation(self, method: str, template: str) -> Operation:
        """Return the operation for an exact path template (KeyError if absent)."""
        for op in self.operations:
            if op.method == method.upper() and op.template == template:
                return op
        raise KeyError(f"{method} {template}")

    # -- schema validation --------------------------------------------------

    def _validator(self, schema_pointer: str, *, write: bool) -> Any:
        key = (schema_pointer, write)
        with self._lock:
            validator = self._validators.get(key)
            if validator is None:
                cls = OAS30WriteValidator if write else OAS30ReadValidator
                validator = cls(
                    {"$ref": SPEC_URI + schema_pointer},
                    registry=self._registry,
                    format_checker=self._format_checker,
                )
                self._validators[key] = validator
            return validator

    def schema_errors(self, schema_pointer: str, instance: Any, *, write: bool) -> list[str]:
        """Validate ``instance`` against the schema at ``schema_pointer``.

        ``write=True`` applies request rules (readOnly properties are forbidden),
        ``write=False`` response rules (writeOnly properties are forbidden).
        Returns human-readable messages, most relevant first, at most 5.
        """
        errors = list(self._validator(schema_pointer, write=write).iter_errors(instance))
        return [_describe(e) for e in _most_relevant(errors)[:5]]

    # -- requests -----------------------------------------------------------

    def request_errors(
        self,
        op: Operation,
        path_params: Mapping[str, str],
        query: Iterable[tuple[str, str]],
        content_type: str | None,
        body: bytes,
    ) -> tuple[list[str], Any]:
        """Check one request against ``op``; return (messages, parsed JSON body)."""
        errors: list[str] = []
        for p in op.parameters:
            if p.location == "path" and p.name in path_params:
                errors.extend(self._param_errors(p, [path_params[p.name]]))

        values: dict[str, list[str]] = {}
        for name, value in query:
            values.setdefault(name, []).append(value)
        for name, given in values.items():
            param = op.param(name, "query")
            if param is None:
                errors.append(f"query parameter {name!r} is not defined for {op.operation_id}")
                continue
            errors.extend(self._param_errors(param, given))
        for p in op.parameters:
            if p.location == "query" and p.required and p.name not in values:
                errors.append(f"required query parameter {p.name!r} is missing")

        parsed: Any = None
        if op.body_pointer is None:
            if body.strip():
                errors.append(f"{op.operation_id} takes no request body")
            return errors, parsed
        if not body.strip():
            if op.body_required:
                errors.append("request body is required")
            return errors, parsed
        if (content_type or "").split(";")[0].strip().lower() != "application/json":
            errors.append(f"Content-Type must be application/json, got {content_type!r}")
        try:
            parsed = json.loads(body)
        except ValueError as exc:
            errors.append(f"request body is not JSON: {exc}")
            return errors, None
        errors.extend(
            f"request body: {m}" for m in self.schema_errors(op.body_pointer, parsed, write=True)
        )
        return errors, parsed

    def _param_errors(self, param: Parameter, raw: list[str]) -> list[str]:
        schema_type = param.schema.get("type")
        if schema_type != "array" and len(raw) > 1:
            return [f"{param.location} parameter {param.name!r} given {len(raw)} times"]
        try:
            value = _coerce(param.schema, raw)
        except ValueError as exc:
            return [f"{param.location} parameter {param.name!r}: {exc}"]
        return [
            f"{param.location} parameter {param.name!r}: {m}"
            for m in self.schema_errors(param.schema_pointer, value, write=True)
        ]

    # -- responses ----------------------------------------------------------

    def response_errors(self, op: Operation, status: int, body: Any) -> list[str]:
        """Check a response's status and JSON body (``None`` = empty) against ``op``."""
        declared = op.responses
        key = str(status)
        if key in declared:
            schema_pointer = declared[key]
        elif f"{key[0]}XX" in declared:
            schema_pointer = declared[f"{key[0]}XX"]
        elif "default" in declared:
            schema_pointer = declared["default"]
        elif status in PLATFORM_STATUSES or status >= 500:
            schema_pointer = VALIDATION_ERROR if status == 422 else BASIC_ERROR
        else:
            return [f"status {status} is not declared for {op.operation_id}"]
        if schema_pointer is None or status == 304:
            return []
        if body is None:
            return [f"status {status} of {op.operation_id} needs a JSON body"]
        return [
            f"response {status}: {m}" for m in self.schema_errors(schema_pointer, body, write=False)
        ]


def _coerce(schema: Mapping[str, Any], raw: list[str]) -> Any:
    """Turn query/path strings into the JSON value the schema describes."""
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items", {})
        # GitHub's array query params are comma-separated (style=form, explode=false).
        return [_coerce(items, [piece]) for value in raw for piece in value.split(",")]
    value = raw[0]
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an integer") from None
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if kind == "boolean":
        if value not in {"true", "false"}:
            raise ValueError(f"{value!r} is not true/false")
        return value == "true"
    return value


def _most_relevant(errors: list[ValidationError]) -> list[ValidationError]:
    if not errors:
        return []
    best = best_match(errors)
    return [best, *(e for e in errors if e is not best)]


def _describe(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    message = error.message
    if len(message) > 300:
        message = message[:300] + "…"
    return f"at {where}: {message}"


@lru_cache(maxsize=1)
def load_contract() -> Contract:
    """The process-wide contract for the vendored subset (parsed once)."""
    return Contract(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
