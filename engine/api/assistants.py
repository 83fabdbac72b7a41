"""Assistants: create, read, update (a new version each time), delete, search, count,
versions, latest, graph, schemas, subgraphs.

Graph names are accepted wherever an assistant id is (the reference accepts them only when
creating runs), so `GET /assistants/task_maistro` works too.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine import errors
from engine.api.deps import engine_of
from engine.api.responses import JSONResponse, selected
from engine.api.validation import Fields, invalid, query_bool, read_fields
from engine.assistants import FIELDS, SORT_KEYS


def _id(request: Request) -> str:
    return request.path_params["assistant_id"]


async def create(request: Request) -> Response:
    """Create an assistant.

    body: {graph_id*: string, assistant_id: uuid, config: object, context: object,
    metadata: object, if_exists: raise|do_nothing, name: string, description: string}
    200: Assistant · 409: exists · 404: unknown graph · 400: configurable and context
    """
    fields = await read_fields(request)
    assistant = await engine_of(request).create_assistant(
        fields.string("graph_id", required=True) or "",
        assistant_id=fields.string("assistant_id"),
        config=fields.obj("config"),
        context=fields.obj("context"),
        metadata=fields.obj("metadata"),
        if_exists=fields.choice("if_exists", ("raise", "do_nothing"), "raise") or "raise",
        name=fields.string("name"),
        description=fields.string("description"),
    )
    return JSONResponse(assistant)


async def patch(request: Request) -> Response:
    """Update an assistant: a new version with the given fields (metadata is merged).

    body: {graph_id: string, config: object, context: object, metadata: object,
    name: string, description: string}
    200: Assistant · 404: unknown assistant or graph
    """
    fields = await read_fields(request)
    assistant = await engine_of(request).patch_assistant(
        _id(request),
        graph_id=fields.string("graph_id"),
        config=fields.obj("config"),
        context=fields.obj("context"),
        metadata=fields.obj("metadata"),
        name=fields.string("name"),
        description=fields.string("description"),
    )
    return JSONResponse(assistant)


async def delete(request: Request) -> Response:
    """Delete an assistant and its versions; its active runs are interrupted.

    query: delete_threads: boolean (also delete threads whose metadata names it)
    204 · 404: unknown assistant
    """
    await engine_of(request).delete_assistant(
        _id(request), delete_threads=query_bool(request, "delete_threads")
    )
    return Response(status_code=204)


def _filters(fields: Fields) -> dict:
    return {
        "graph_id": fields.string("graph_id"),
        "name": fields.string("name"),
        "metadata": fields.obj("metadata"),
    }


async def search(request: Request) -> Response:
    """Search assistants.

    body: {graph_id: string, name: string, metadata: object, limit: integer,
    offset: integer, sort_by: assistant_id|graph_id|name|created_at|updated_at,
    sort_order: asc|desc, select: array}
    200: [Assistant], headers X-Pagination-Total (and X-Pagination-Next if more)
    """
    fields = await read_fields(request)
    limit = fields.integer("limit", 10, minimum=1, maximum=1000)
    offset = fields.integer("offset", 0)
    select = fields.choices("select", FIELDS)
    found = await engine_of(request).search_assistants(
        **_filters(fields),
        sort_by=fields.choice("sort_by", SORT_KEYS),
        sort_order=fields.choice("sort_order", ("asc", "desc")),
    )
    page = selected(found[offset : offset + limit], select)
    headers = {"X-Pagination-Total": str(offset + len(page))}
    if len(found) > offset + limit:
        headers = {"X-Pagination-Total": str(offset + limit + 1)}
        headers["X-Pagination-Next"] = str(offset + limit)
    return JSONResponse(page, headers=headers)


async def count(request: Request) -> Response:
    """Count assistants.

    body: {graph_id: string, name: string, metadata: object}
    200: integer
    """
    fields = await read_fields(request)
    return JSONResponse(len(await engine_of(request).search_assistants(**_filters(fields))))


async def get_assistant(request: Request) -> Response:
    """Get an assistant (by UUID or graph name).

    200: Assistant · 404: unknown assistant · 422: neither a UUID nor a graph name
    """
    try:
        return JSONResponse(await engine_of(request).get_assistant(_id(request)))
    except errors.NotFound:
        raise errors.NotFound("Not Found") from None  # the reference's body for a missing one


async def versions(request: Request) -> Response:
    """List an assistant's versions, newest first.

    body: {metadata: object, limit: integer, offset: integer}
    200: [AssistantVersion] · 404: unknown assistant
    """
    fields = await read_fields(request)
    limit = fields.integer("limit", 10, minimum=1, maximum=1000)
    offset = fields.integer("offset", 0)
    found = await engine_of(request).assistant_versions(_id(request), fields.obj("metadata"))
    return JSONResponse(found[offset : offset + limit])


async def latest(request: Request) -> Response:
    """Make one of an assistant's versions the current one.

    body: {version*: integer}
    200: Assistant · 404: unknown assistant or version
    """
    fields = await read_fields(request)
    if not fields.has("version"):
        raise invalid("'version' is required")
    version = fields.integer("version", 1, minimum=1)
    return JSONResponse(await engine_of(request).set_latest_version(_id(request), version))


async def get_graph(request: Request) -> Response:
    """The assistant's graph as nodes and edges.

    200: {nodes, edges}
    """
    return JSONResponse(await engine_of(request).get_graph_drawing(_id(request)))


async def get_schemas(request: Request) -> Response:
    """The JSON schemas of the assistant's graph.

    200: {graph_id, input_schema, output_schema, state_schema, config_schema, context_schema}
    """
    return JSONResponse(await engine_of(request).get_graph_schema(_id(request)))


async def get_subgraphs(request: Request) -> Response:
    """The assistant's subgraphs (none of the served graphs has any).

    200: object
    """
    await engine_of(request).get_assistant(_id(request))
    return JSONResponse({})


routes = [
    Route("/assistants", create, methods=["POST"]),
    Route("/assistants/search", search, methods=["POST"]),
    Route("/assistants/count", count, methods=["POST"]),
    Route("/assistants/{assistant_id}/latest", latest, methods=["POST"]),
    Route("/assistants/{assistant_id}/versions", versions, methods=["POST"]),
    Route("/assistants/{assistant_id}", get_assistant, methods=["GET"]),
    Route("/assistants/{assistant_id}", patch, methods=["PATCH"]),
    Route("/assistants/{assistant_id}", delete, methods=["DELETE"]),
    Route("/assistants/{assistant_id}/graph", get_graph, methods=["GET"]),
    Route("/assistants/{assistant_id}/schemas", get_schemas, methods=["GET"]),
    Route("/assistants/{assistant_id}/subgraphs", get_subgraphs, methods=["GET"]),
]
