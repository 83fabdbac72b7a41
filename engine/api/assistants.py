"""Assistants: one read-only system assistant per registered graph.

Graph names are accepted wherever an assistant id is (the reference accepts them only when
creating runs), so `GET /assistants/task_maistro` works too.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.api.deps import engine_of
from engine.api.responses import JSONResponse
from engine.api.validation import Fields, read_fields


def _matches(assistant: dict[str, Any], fields: Fields) -> bool:
    graph_id = fields.string("graph_id")
    name = fields.string("name")
    metadata = fields.obj("metadata") or {}
    if graph_id is not None and assistant.get("graph_id") != graph_id:
        return False
    if name is not None and name.lower() not in str(assistant.get("name", "")).lower():
        return False
    have = assistant.get("metadata") or {}
    return all(have.get(k) == v for k, v in metadata.items())


async def _filtered(request: Request) -> tuple[list[dict[str, Any]], Fields]:
    fields = await read_fields(request)
    found = [a for a in engine_of(request).list_assistants() if _matches(a, fields)]
    sort_by = fields.choice(
        "sort_by", ("assistant_id", "graph_id", "name", "created_at", "updated_at")
    )
    if sort_by is not None:
        descending = fields.choice("sort_order", ("asc", "desc"), "asc") == "desc"
        found.sort(key=lambda a: str(a.get(sort_by) or ""), reverse=descending)
    return found, fields


async def search(request: Request) -> Response:
    found, fields = await _filtered(request)
    limit = fields.integer("limit", 10, minimum=1, maximum=1000)
    offset = fields.integer("offset", 0)
    return JSONResponse(found[offset : offset + limit])


async def count(request: Request) -> Response:
    found, _ = await _filtered(request)
    return JSONResponse(len(found))


async def get_assistant(request: Request) -> Response:
    return JSONResponse(engine_of(request).get_assistant(request.path_params["assistant_id"]))


async def get_graph(request: Request) -> Response:
    engine = engine_of(request)
    assistant = engine.get_assistant(request.path_params["assistant_id"])
    return JSONResponse(await engine.get_graph_drawing(assistant["assistant_id"]))


async def get_schemas(request: Request) -> Response:
    engine = engine_of(request)
    assistant = engine.get_assistant(request.path_params["assistant_id"])
    return JSONResponse(await engine.get_graph_schema(assistant["assistant_id"]))


async def get_subgraphs(request: Request) -> Response:
    engine_of(request).get_assistant(request.path_params["assistant_id"])
    return JSONResponse({})


routes = [
    Route("/assistants/search", search, methods=["POST"]),
    Route("/assistants/count", count, methods=["POST"]),
    Route("/assistants/{assistant_id}", get_assistant, methods=["GET"]),
    Route("/assistants/{assistant_id}/graph", get_graph, methods=["GET"]),
    Route("/assistants/{assistant_id}/schemas", get_schemas, methods=["GET"]),
    Route("/assistants/{assistant_id}/subgraphs", get_subgraphs, methods=["GET"]),
]
