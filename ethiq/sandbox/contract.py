"""Twilio's OpenAPI contract (api v2010): find it, index it once, check requests and responses.

The document is read from ``TWILIO_OAI_SPEC``, else from ``<repo root>/../shared/twilio-oai/``.
When neither exists (or jsonschema is not installed), :func:`find_contract` returns ``None`` and a
notice saying why, so callers report that checks are skipped (never silently).

Requests: the path and method exist; every query/form parameter is one the operation declares,
with a valid type/enum/pattern once decoded from its string form; required ones are present.
Responses: the status is documented for the operation (errors, which Twilio's document does not
describe, must have Twilio's error shape); the JSON body is valid against the response schema.
Resource objects (``api.v2010.*`` schemas) are checked strictly: no field outside the schema and
every schema field present, as Twilio always sends them all.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol, cast

__all__ = [
    "ENV_SPEC",
    "Contract",
    "Operation",
    "find_contract",
    "find_spec",
    "load_contract",
]

ENV_SPEC = "TWILIO_OAI_SPEC"
SPEC_NAME = "twilio_api_v2010.json"
_STRICT_PREFIX = "api.v2010."
_METHODS = ("get", "post", "delete", "put", "patch")
_REF = "#/components/schemas/"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "message", "more_info", "status"],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "more_info": {"type": "string"},
        "status": {"type": "integer"},
    },
}

Schema = dict[str, Any]


class _Error(Protocol):
    message: str
    absolute_path: Any


class _Validator(Protocol):
    def iter_errors(self, instance: object) -> Any: ...


def _validator_class() -> Callable[[Schema], _Validator] | None:
    # jsonschema is a dev dependency; without it (or without the spec) the checks are skipped.
    # OpenAPI 3.0 schemas are JSON Schema draft 4 plus ``nullable``, which _Resolver rewrites.
    try:
        module = importlib.import_module("jsonschema")
    except ImportError:
        return None
    return cast("Callable[[Schema], _Validator]", module.Draft4Validator)


def _repo_root() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    return None


def find_spec() -> tuple[Path | None, str]:
    """Where the document is, or ``None`` and the reason it was not found."""
    configured = os.environ.get(ENV_SPEC)
    if configured:
        path = Path(configured)
        if path.is_file():
            return path, f"Twilio contract from {ENV_SPEC}={path}"
        return None, f"{ENV_SPEC}={path} does not exist: Twilio contract checks are skipped"
    root = _repo_root()
    if root is not None:
        path = root.parent / "shared" / "twilio-oai" / SPEC_NAME
        if path.is_file():
            return path, f"Twilio contract from {path}"
    return None, (
        f"Twilio's OpenAPI document not found (set {ENV_SPEC} or put shared/twilio-oai/ beside "
        "the checkout): Twilio contract checks are skipped"
    )


@dataclass
class Operation:
    """One operation of the document, its schemas resolved on first use."""

    operation_id: str
    method: str
    template: str
    path_params: dict[str, Schema]
    query_params: dict[str, Schema]
    required_query: frozenset[str]
    body_params: dict[str, Schema]
    required_body: frozenset[str]
    responses: dict[int, Schema | None]
    make_validator: Callable[[Schema], _Validator]
    _validators: dict[str, _Validator] = field(default_factory=dict, repr=False)

    def validator(self, key: str, schema: Schema) -> _Validator:
        found = self._validators.get(key)
        if found is None:
            found = self._validators[key] = self.make_validator(schema)
        return found


# Properties the document types as a plain ``$ref`` (so never null) while its own description
# says "When a conference is in progress, will be `null`": Twilio's answer is trusted there.
_DOCUMENTED_NULL: Final[dict[str, tuple[str, ...]]] = {
    "api.v2010.account.conference": ("reason_conference_ended",),
}


class _Resolver:
    """Inlines ``$ref``s (cached per name) and rewrites ``nullable``; ``api.v2010.*`` objects
    become strict."""

    def __init__(self, schemas: Mapping[str, Schema]) -> None:
        self._schemas = schemas
        self._cache: dict[str, Schema] = {}
        self._lock = threading.Lock()

    def resolve(self, node: Any) -> Any:
        with self._lock:
            return self._resolve(node, ())

    def _resolve(self, node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [self._resolve(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            name = ref.removeprefix(_REF)
            if name in seen:  # recursive schema: stop inlining, accept anything
                return {}
            if name not in self._cache:
                resolved = self._resolve(self._schemas[name], (*seen, name))
                if name.startswith(_STRICT_PREFIX) and "properties" in resolved:
                    properties = dict(resolved["properties"])
                    for prop in _DOCUMENTED_NULL.get(name, ()):
                        properties[prop] = {"anyOf": [properties[prop], {"type": "null"}]}
                    resolved = {
                        **resolved,
                        "properties": properties,
                        "additionalProperties": False,
                        "required": sorted(resolved["properties"]),
                    }
                self._cache[name] = resolved
            return self._cache[name]
        resolved = {
            key: self._resolve(value, seen)
            for key, value in node.items()
            if key not in {"description", "x-twilio", "examples", "example", "nullable"}
        }
        if isinstance(node.get("properties"), dict):
            # Property names are data, not keywords: a resource's own ``description`` stays.
            resolved["properties"] = {
                name: self._resolve(value, seen) for name, value in node["properties"].items()
            }
        if node.get("nullable") is True:
            if "type" in resolved:
                resolved["type"] = [resolved["type"], "null"]
            if "enum" in resolved:
                resolved["enum"] = [*resolved["enum"], None]
        return resolved


class Contract:
    """The indexed document: operations by method and path template."""

    def __init__(
        self, document: dict[str, Any], make_validator: Callable[[Schema], _Validator]
    ) -> None:
        self._make_validator = make_validator
        self._error_validator = make_validator(ERROR_SCHEMA)
        self._resolver = _Resolver(document.get("components", {}).get("schemas", {}))
        # Templates bucketed by segment count, most literal first, so that ``/Local.json``
        # is not taken for ``/{Sid}.json``.
        self._routes: dict[int, list[tuple[re.Pattern[str], str, dict[str, Any]]]] = {}
        for template, item in document.get("paths", {}).items():
            pattern = re.compile(
                "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+?)", re.escape(template)) + "$"
            )
            self._routes.setdefault(template.count("/"), []).append((pattern, template, item))
        for routes in self._routes.values():
            routes.sort(key=lambda route: -len(re.sub(r"\{\w+\}", "", route[1])))
        self._operations: dict[tuple[str, str], Operation] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: Path, make_validator: Callable[[Schema], _Validator]) -> Contract:
        with path.open("rb") as stream:
            return cls(json.load(stream), make_validator)

    def match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], str | None]:
        """The operation for this request, its path parameters, or why there is none."""
        for pattern, template, item in self._routes.get(path.count("/"), []):
            found = pattern.match(path)
            if found is None:
                continue
            if method.lower() not in item:
                return None, found.groupdict(), f"{method} is not an operation of {template}"
            return self._operation(method.lower(), template, item), found.groupdict(), None
        return None, {}, f"{path} is not a path of Twilio's API"

    def _operation(self, method: str, template: str, item: dict[str, Any]) -> Operation:
        key = (method, template)
        with self._lock:
            found = self._operations.get(key)
            if found is not None:
                return found
            raw = item[method]
            params = [*item.get("parameters", []), *raw.get("parameters", [])]
            by_place: dict[str, dict[str, Schema]] = {"path": {}, "query": {}}
            required_query = set()
            for param in params:
                place = param.get("in")
                if place in by_place:
                    by_place[place][param["name"]] = self._resolver.resolve(param.get("schema", {}))
                    if place == "query" and param.get("required"):
                        required_query.add(param["name"])
            form = (
                raw.get("requestBody", {})
                .get("content", {})
                .get("application/x-www-form-urlencoded", {})
                .get("schema", {})
            )
            responses: dict[int, Schema | None] = {}
            for status, response in raw.get("responses", {}).items():
                content = response.get("content", {}).get("application/json")
                responses[int(status)] = (
                    self._resolver.resolve(content["schema"]) if content else None
                )
            found = self._operations[key] = Operation(
                operation_id=raw.get("operationId", f"{method} {template}"),
                method=method,
                template=template,
                path_params=by_place["path"],
                query_params=by_place["query"],
                required_query=frozenset(required_query),
                body_params={
                    name: self._resolver.resolve(schema)
                    for name, schema in form.get("properties", {}).items()
                },
                required_body=frozenset(form.get("required", [])),
                responses=responses,
                make_validator=self._make_validator,
            )
            return found

    def check_request(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        form: Mapping[str, list[str]],
    ) -> tuple[str | None, list[str]]:
        """(operation id, problems) for one request."""
        operation, path_values, reason = self.match(method, path)
        if operation is None:
            return None, [reason or "unknown operation"]
        problems: list[str] = []
        for name, value in path_values.items():
            schema = operation.path_params.get(name, {})
            problems += _check_value(operation, f"path parameter {name}", [value], schema)
        problems += _check_params(operation, "query", query, operation.query_params)
        problems += [
            f"required query parameter {name} is missing"
            for name in sorted(operation.required_query - set(query))
        ]
        if form and not operation.body_params and method.upper() in {"GET", "DELETE"}:
            problems.append(f"{method} takes no form body")
        problems += _check_params(operation, "form", form, operation.body_params)
        if method.upper() == "POST":
            problems += [
                f"required form parameter {name} is missing"
                for name in sorted(operation.required_body - set(form))
            ]
        return operation.operation_id, problems

    def check_response(
        self, method: str, path: str, status: int, body: bytes
    ) -> tuple[str | None, list[str]]:
        """(operation id, problems) for one response to a request on ``path``."""
        operation, _, reason = self.match(method, path)
        if status >= 400:  # noqa: PLR2004 - Twilio's document describes no error responses
            problems = _check_error(self._error_validator, status, body)
            return (operation.operation_id if operation else None), problems
        if operation is None:
            return None, [f"answered {status} to a request outside the contract: {reason}"]
        if status not in operation.responses:
            documented = sorted(operation.responses)
            return operation.operation_id, [f"status {status} is not documented ({documented})"]
        schema = operation.responses[status]
        if schema is None:
            problems = [f"status {status} must have no body"] if body.strip() else []
            return operation.operation_id, problems
        try:
            payload = json.loads(body)
        except ValueError:
            return operation.operation_id, [f"status {status} body is not JSON"]
        validator = operation.validator(f"response {status}", schema)
        errors = cast("list[_Error]", list(validator.iter_errors(payload)))
        return operation.operation_id, [
            f"response {status} {_where(error.absolute_path)}: {error.message}" for error in errors
        ]


def _where(path: Any) -> str:
    parts = [str(part) for part in path]
    return "/" + "/".join(parts) if parts else "body"


def _check_error(validator: _Validator, status: int, body: bytes) -> list[str]:
    try:
        payload = json.loads(body)
    except ValueError:
        return [f"error {status} body is not JSON in Twilio's error shape"]
    problems = [
        f"error {status} {_where(e.absolute_path)}: {e.message}"
        for e in cast("list[_Error]", list(validator.iter_errors(payload)))
    ]
    if isinstance(payload, dict) and payload.get("status") != status:
        problems.append(f"error body status {payload.get('status')} differs from HTTP {status}")
    return problems


def _check_params(
    operation: Operation, place: str, given: Mapping[str, list[str]], known: dict[str, Schema]
) -> list[str]:
    problems: list[str] = []
    for name, values in given.items():
        schema = known.get(name)
        if schema is None:
            problems.append(f"unknown {place} parameter {name}")
            continue
        problems += _check_value(operation, f"{place} parameter {name}", values, schema)
    return problems


_INTEGER = re.compile(r"^-?\d+$")


def _decode(raw: str, schema: Schema) -> tuple[Any, str | None]:
    kind = schema.get("type")
    if kind == "integer":
        return (int(raw), None) if _INTEGER.match(raw) else (raw, f"{raw!r} is not an integer")
    if kind == "number":
        try:
            return float(raw), None
        except ValueError:
            return raw, f"{raw!r} is not a number"
    if kind == "boolean":
        lowered = raw.lower()
        if lowered in {"true", "false"}:
            return lowered == "true", None
        return raw, f"{raw!r} is not a boolean (true/false)"
    return raw, None


def _check_value(operation: Operation, label: str, values: list[str], schema: Schema) -> list[str]:
    if schema.get("type") == "array":
        items = cast("Schema", schema.get("items", {}))
        decoded = [_decode(value, items) for value in values]
        problems = [f"{label}: {error}" for _, error in decoded if error]
        value: Any = [item for item, _ in decoded]
    else:
        if len(values) != 1:
            return [f"{label} is given {len(values)} times"]
        value, error = _decode(values[0], schema)
        problems = [f"{label}: {error}"] if error else []
    if problems:
        return problems
    # Formats (phone-number, uri …) are not checked: Twilio answers bad values with its own
    # error codes (21211 …), which the sandbox mirrors; they are not contract violations.
    errors = cast("list[_Error]", list(operation.validator(label, schema).iter_errors(value)))
    return [f"{label}: {error.message}" for error in errors]


_contract: Contract | None = None
_notice = ""
_loaded = False
_load_lock = threading.Lock()


def find_contract() -> tuple[Contract | None, str]:
    """The contract, loaded and indexed once per process, and a notice saying where it came from
    (or why checks are skipped)."""
    global _contract, _loaded, _notice  # noqa: PLW0603 - one index per process, on first use
    with _load_lock:
        if not _loaded:
            path, _notice = find_spec()
            make_validator = _validator_class()
            if path is not None and make_validator is None:
                _notice = "jsonschema is not installed: Twilio contract checks are skipped"
            elif path is not None and make_validator is not None:
                _contract = Contract.from_file(path, make_validator)
            _loaded = True
        return _contract, _notice


def load_contract() -> Contract | None:
    """The contract, or ``None`` when the document (or jsonschema) is absent."""
    return find_contract()[0]
