"""The contract as the tests read it: shared_contract/openapi.yaml, its schemas, its
problem types, and a structural summary used to compare generated documents with it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

CONTRACT = Path(__file__).resolve().parents[1] / "shared_contract" / "openapi.yaml"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
# Signs that an error body leaks internals.
LEAKS = re.compile(
    r"Traceback|File \"|line \d+, in|SELECT |INSERT |UPDATE users|sqlalchemy|asyncpg|psycopg"
    r"|tortoise|django\.|Exception:|<html",
    re.IGNORECASE,
)
# The rules on a value that a generated document must state as the contract does.
RULES = ("pattern", "format", "minLength", "maxLength", "minimum", "maximum",
         "exclusiveMinimum", "exclusiveMaximum")  # fmt: skip
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CONTRACT.read_text())
    return loaded


@cache
def _registry() -> Registry[Any]:
    # The schemas are addressed as "#/components/schemas/..." inside the document.
    registry: Registry[Any] = Registry().with_resource(
        "contract", DRAFT202012.create_resource(document())
    )
    return registry


def validator(schema_name: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"contract#/components/schemas/{schema_name}"},
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def problem_types() -> dict[int, dict[str, str]]:
    return {int(status): kind for status, kind in document()["x-problem-types"].items()}


def assert_matches(schema_name: str, value: Any) -> None:
    errors = sorted(validator(schema_name).iter_errors(value), key=str)
    assert not errors, f"{schema_name} does not hold for {value!r}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )


def assert_json(response: httpx.Response, status: int, schema_name: str | None = None) -> Any:
    """A success: the status, an application/json body, and the contract's schema."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text[:500]}"
    )
    assert response.headers.get("content-type", "").split(";")[0].strip() == "application/json"
    body = response.json()
    if schema_name is not None:
        assert_matches(schema_name, body)
    return body


def assert_problem(
    response: httpx.Response, status: int, fields: set[str] | None = None
) -> dict[str, Any]:
    """An error: problem details with the contract's type and title for `status`;
    for 422, the set of fields reported in `errors`."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text[:500]}"
    )
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    assert content_type == "application/problem+json", f"content-type {content_type!r}"
    assert not LEAKS.search(response.text), f"the body leaks internals: {response.text[:500]}"
    body: dict[str, Any] = response.json()
    assert_matches("ValidationProblem" if status == 422 else "Problem", body)
    assert body["status"] == status
    kind = problem_types()[status]
    assert (body["type"], body["title"]) == (kind["type"], kind["title"])
    assert body["detail"].strip(), "detail is empty"
    if fields is not None:
        assert {error["field"] for error in body["errors"]} == fields, body["errors"]
    return body


# --- structural summary of an OpenAPI document ---------------------------------------


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _is_null(doc: dict[str, Any], schema: Any) -> bool:
    return bool(_resolve(doc, schema).get("type") == "null")


def schema_summary(doc: dict[str, Any], schema: Any, *, request: bool = False) -> Any:
    """What two generators must agree on: types, properties, required members and whether
    `null` is allowed; for what a client sends (`request`), also the rules on a value
    (patterns, formats, lengths and bounds) and whether unknown members are refused."""
    schema = _resolve(doc, schema)
    if not isinstance(schema, dict):
        return schema
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:  # `X | None` as generators write it: X, and nullable
            options = [o for o in schema[combinator] if not _is_null(doc, o)]
            if len(options) == 1:
                rest = {k: v for k, v in schema.items() if k != combinator}
                kept = schema_summary(doc, {**_resolve(doc, options[0]), **rest}, request=request)
                if len(options) < len(schema[combinator]):
                    kept["nullable"] = True
                return kept
    if "allOf" in schema:
        merged: dict[str, Any] = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            part = _resolve(doc, part)
            merged["type"] = part.get("type", merged.get("type"))
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return schema_summary(doc, merged, request=request)
    kind = schema.get("type")
    nullable = schema.get("nullable") is True  # OpenAPI 3.0's spelling
    if isinstance(kind, list):
        nullable = nullable or "null" in kind
        kind = [t for t in kind if t != "null"]
        kind = kind[0] if len(kind) == 1 else sorted(kind)
    summary: dict[str, Any] = {"type": kind}
    if nullable:
        summary["nullable"] = True
    if "enum" in schema and len(schema["enum"]) == 1:
        summary["const"] = schema["enum"][0]
    if "const" in schema:
        summary["const"] = schema["const"]
    for rule in RULES:
        if request and rule in schema:
            summary[rule] = schema[rule]
    if "properties" in schema:
        summary["properties"] = {
            name: schema_summary(doc, prop, request=request)
            for name, prop in schema["properties"].items()
        }
        summary["required"] = sorted(schema.get("required", []))
        if request:
            summary["additionalProperties"] = schema.get("additionalProperties", True)
    if "items" in schema:
        summary["items"] = schema_summary(doc, schema["items"])
    return summary


def _response_summary(doc: dict[str, Any], code: str, response: Any) -> dict[str, Any]:
    response = _resolve(doc, response)
    content = response.get("content") or {}
    summary: dict[str, Any] = {"media_types": sorted(content)}
    if int(code) < 400:
        summary["schemas"] = {
            media: schema_summary(doc, body.get("schema", {})) for media, body in content.items()
        }
    else:
        # Error bodies must be problem details; generators differ in how they name them.
        summary["problem"] = sorted(
            {
                name
                for body in content.values()
                for name in schema_summary(doc, body.get("schema", {})).get("properties", {})
                if name in {"type", "title", "status", "detail", "errors"}
            }
        )
    summary["headers"] = sorted(h.lower() for h in response.get("headers", {}))
    return summary


def summarize(doc: dict[str, Any]) -> dict[str, Any]:
    """Every operation as (path, method) -> what it accepts and answers."""
    operations: dict[str, Any] = {}
    for path, item in doc.get("paths", {}).items():
        item = _resolve(doc, item)
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method not in item:
                continue
            operation = item[method]
            parameters = {}
            for parameter in [*shared, *operation.get("parameters", [])]:
                parameter = _resolve(doc, parameter)
                parameters[f"{parameter['in']}:{parameter['name']}"] = {
                    "required": parameter.get("required", False),
                    "schema": schema_summary(doc, parameter.get("schema", {}), request=True),
                }
            body = _resolve(doc, operation.get("requestBody"))
            operations[f"{method.upper()} {path}"] = {
                "operationId": operation.get("operationId"),
                "parameters": parameters,
                "requestBody": None
                if body is None
                else {
                    "required": body.get("required", False),
                    "schemas": {
                        media: schema_summary(doc, content.get("schema", {}), request=True)
                        for media, content in body.get("content", {}).items()
                    },
                },
                "responses": {
                    code: _response_summary(doc, code, response)
                    for code, response in operation.get("responses", {}).items()
                },
            }
    return operations


def differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Readable paths at which two summaries differ."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual), key=str):
            here = f"{where}/{key}"
            if key not in actual:
                found.append(f"{here}: missing (contract: {expected[key]!r})")
            elif key not in expected:
                found.append(f"{here}: not in the contract ({actual[key]!r})")
            else:
                found += differences(expected[key], actual[key], here)
        return found
    return [] if expected == actual else [f"{where}: contract {expected!r}, served {actual!r}"]
