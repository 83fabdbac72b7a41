"""`GET /openapi.json`, generated from the app's route table (never written by hand).

Each endpoint's docstring may describe itself in a small format: the first line is the summary,
then optional lines

    body: {name*: type, other: a|b|c, ...}      (* = required; or free text, e.g. [Run])
    query: name: type, other: a|b               (query parameters)
    200: what comes back · 404: when            (responses, separated by ' · ')

Types are JSON types, plus `uuid`. Path parameters come from the route's path. An endpoint with
no docstring still appears, with a summary made from its name.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from engine.api.responses import JSONResponse
from engine.runs.run_config import ENGINE_VERSION

_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "object": {"type": "object"},
    "array": {"type": "array"},
    "uuid": {"type": "string", "format": "uuid"},
}
_STATUS = re.compile(r"^(\d{3})(?::\s*(.*))?$")


def _type(text: str) -> dict[str, Any]:
    text = text.strip()
    if "|" in text:
        return {"type": "string", "enum": [v.strip() for v in text.split("|")]}
    return dict(_TYPES.get(text, {"description": text}))


def _fields(text: str) -> tuple[dict[str, Any], list[str]]:
    """`a*: string, b: x|y` → JSON schema properties and the required names."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        name, _, kind = part.partition(":")
        name = name.strip()
        if not name:
            continue
        if name.endswith("*"):
            name = name[:-1]
            required.append(name)
        properties[name] = _type(kind or "string")
    return properties, required


def _body(text: str) -> dict[str, Any]:
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        properties, required = _fields(text[1:-1])
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
    else:
        schema = {"description": text}
    return {"required": False, "content": {"application/json": {"schema": schema}}}


def _doc_sections(doc: str) -> tuple[str, dict[str, str], list[str]]:
    """Summary, keyed sections (body, query) and response clauses of a docstring."""
    lines = [line.strip() for line in inspect.cleandoc(doc).splitlines()]
    summary = lines[0] if lines else ""
    sections: dict[str, str] = {}
    responses: list[str] = []
    current: str | None = None
    for line in lines[1:]:
        key, _, rest = line.partition(":")
        if key in ("body", "query"):
            current = key
            sections[key] = rest.strip()
        elif _STATUS.match(line.split(" · ")[0].strip()):
            current = "responses"
            responses.extend(c.strip() for c in line.split(" · "))
        elif line and current in sections:
            sections[current] += " " + line
        elif line and current == "responses" and responses:
            responses[-1] += " " + line
    return summary, sections, responses


def _operation(route: Route, method: str) -> dict[str, Any]:
    endpoint = route.endpoint
    name = getattr(endpoint, "__name__", "endpoint")
    doc = inspect.getdoc(endpoint) or ""
    summary, sections, clauses = _doc_sections(doc) if doc else ("", {}, [])
    parameters: list[dict[str, Any]] = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in route.param_convertors
    ]
    if "query" in sections:
        properties, required = _fields(sections["query"])
        parameters += [
            {"name": n, "in": "query", "required": n in required, "schema": s}
            for n, s in properties.items()
        ]
    responses: dict[str, Any] = {}
    for clause in clauses:
        match = _STATUS.match(clause)
        if match:
            responses[match[1]] = {"description": match[2] or ""}
    operation: dict[str, Any] = {
        "operationId": f"{name}_{method.lower()}",
        "summary": summary or name.replace("_", " ").capitalize(),
        "tags": [route.path.strip("/").split("/")[0] or "system"],
        "parameters": parameters,
        "responses": responses or {"200": {"description": "Success"}},
    }
    if "body" in sections:
        operation["requestBody"] = _body(sections["body"])
    return operation


def openapi_document(routes: list[BaseRoute]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not isinstance(route, Route) or not route.include_in_schema:
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(route.path, {})[method.lower()] = _operation(route, method)
    return {
        "openapi": "3.1.0",
        "info": {"title": "doubletext agent server", "version": ENGINE_VERSION or "0"},
        "paths": dict(sorted(paths.items())),
    }


async def openapi_json(request: Request) -> Response:
    """This server's OpenAPI description, generated from its routes.

    200: OpenAPI 3.1 document
    """
    state = request.app.state
    document = getattr(state, "openapi", None)
    if document is None:  # routes are fixed once the app exists: build it once
        document = state.openapi = openapi_document(request.app.routes)
    return JSONResponse(document)


routes = [Route("/openapi.json", openapi_json, methods=["GET"])]
