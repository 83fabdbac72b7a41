"""Threads, their state and checkpoint history."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.api.deps import engine_of
from engine.api.responses import JSONResponse, selected, sse_response
from engine.api.validation import (
    THREAD_STATUSES,
    Fields,
    invalid,
    path_uuid,
    query_bool,
    query_int,
    read_fields,
)
from engine.runs.thread_stream import parse_last_event_id, parse_modes
from engine.storage.thread_rows import THREAD_FIELDS, THREAD_SORT_KEYS


def _thread_id(request: Request) -> str:
    return path_uuid(request, "thread_id", "thread")


async def create_thread(request: Request) -> Response:
    fields = await read_fields(request)
    if fields.has("supersteps"):
        raise invalid("'supersteps' is not supported by this server")
    thread = await engine_of(request).create_thread(
        thread_id=fields.uuid("thread_id"),
        metadata=fields.obj("metadata"),
        if_exists=fields.choice("if_exists", ("raise", "do_nothing"), "raise"),
    )
    return JSONResponse(thread)


async def get_thread(request: Request) -> Response:
    return JSONResponse(await engine_of(request).get_thread(_thread_id(request)))


async def patch_thread(request: Request) -> Response:
    thread_id = _thread_id(request)
    fields = await read_fields(request)
    metadata = fields.obj("metadata") or {}
    return JSONResponse(await engine_of(request).patch_thread(thread_id, metadata))


async def delete_thread(request: Request) -> Response:
    await engine_of(request).delete_thread(_thread_id(request))
    return Response(status_code=204)


def _filters(fields: Fields) -> dict[str, Any]:
    return {
        "metadata": fields.obj("metadata"),
        "values": fields.obj("values"),
        "status": fields.choice("status", THREAD_STATUSES),
    }


async def search_threads(request: Request) -> Response:
    fields = await read_fields(request)
    threads = await engine_of(request).search_threads(
        **_filters(fields),
        limit=fields.integer("limit", 10, minimum=1, maximum=1000),
        offset=fields.integer("offset", 0),
        ids=fields.uuids("ids"),
        sort_by=fields.choice("sort_by", THREAD_SORT_KEYS),
        sort_order=fields.choice("sort_order", ("asc", "desc")),
    )
    return JSONResponse(selected(threads, fields.choices("select", THREAD_FIELDS)))


async def count_threads(request: Request) -> Response:
    fields = await read_fields(request)
    return JSONResponse(await engine_of(request).count_threads(**_filters(fields)))


async def get_state(request: Request) -> Response:
    thread_id = _thread_id(request)
    state = await engine_of(request).get_state(
        thread_id,
        checkpoint_id=request.path_params.get("checkpoint_id"),
        subgraphs=query_bool(request, "subgraphs"),
    )
    return JSONResponse(state)


def _checkpoint_id(fields: Fields, name: str = "checkpoint") -> str | None:
    checkpoint = fields.raw(name)
    if checkpoint is None:
        return None
    if isinstance(checkpoint, str):
        return checkpoint
    if not isinstance(checkpoint, dict):
        raise invalid(f"'{name}' must be an object with a checkpoint_id")
    value = checkpoint.get("checkpoint_id")
    if value is not None and not isinstance(value, str):
        raise invalid(f"'{name}.checkpoint_id' must be a string")
    return value


async def get_state_at_checkpoint(request: Request) -> Response:
    thread_id = _thread_id(request)
    fields = await read_fields(request)
    state = await engine_of(request).get_state(
        thread_id,
        checkpoint_id=_checkpoint_id(fields),
        subgraphs=fields.boolean("subgraphs"),
    )
    return JSONResponse(state)


async def update_state(request: Request) -> Response:
    thread_id = _thread_id(request)
    fields = await read_fields(request)
    result = await engine_of(request).update_state(
        thread_id,
        fields.raw("values"),
        as_node=fields.string("as_node"),
        checkpoint_id=fields.string("checkpoint_id") or _checkpoint_id(fields),
    )
    return JSONResponse(result)


async def history_get(request: Request) -> Response:
    thread_id = _thread_id(request)
    before = request.query_params.get("before") or None
    history = await engine_of(request).get_history(
        thread_id, limit=query_int(request, "limit", 10, minimum=1, maximum=1000), before=before
    )
    return JSONResponse(history)


async def history_post(request: Request) -> Response:
    thread_id = _thread_id(request)
    fields = await read_fields(request)
    checkpoint = fields.obj("checkpoint")
    history = await engine_of(request).get_history(
        thread_id,
        limit=fields.integer("limit", 10, minimum=1, maximum=1000),
        before=_checkpoint_id(fields, "before"),
        metadata=fields.obj("metadata"),
        checkpoint=checkpoint,
    )
    return JSONResponse(history)


async def copy_thread(request: Request) -> Response:
    """Copy a thread: a new thread with its metadata and every checkpoint, no runs.

    200: Thread (the copy) · 404: unknown thread
    """
    return JSONResponse(await engine_of(request).copy_thread(_thread_id(request)))


async def _side_effects(request: Request, run_id: str | None) -> Response:
    entries = await engine_of(request).side_effects(
        _thread_id(request),
        run_id,
        limit=query_int(request, "limit", 1000, minimum=1, maximum=10_000),
        offset=query_int(request, "offset", 0),
    )
    return JSONResponse(entries)


async def thread_side_effects(request: Request) -> Response:
    """Store writes made by the thread's runs, also by runs rolled back since (ours).

    Oldest first; each `{run_id, thread_id, namespace, key, op, value, previous, at,
    run_status}`, run_status null once the run is gone (rolled back or deleted).

    query: limit: integer, offset: integer
    200: [store write] · 404: unknown thread · 422: malformed id
    """
    return await _side_effects(request, None)


async def run_side_effects(request: Request) -> Response:
    """Store writes made by one run, also after it was rolled back (ours).

    query: limit: integer, offset: integer
    200: [store write] ([] for a run that wrote nothing) · 404: unknown thread · 422: malformed id
    """
    return await _side_effects(request, path_uuid(request, "run_id", "run"))


async def thread_story(request: Request) -> Response:
    """The thread's story (ours, docs/story.md): what happened to its runs and why.

    Oldest first; each `{seq, at, kind, thread_id, run_id, ...}`; rolled-back runs and rejected
    double texts stay in it.

    query: after: integer (seq to read after), limit: integer
    200: [story event] · 404: unknown thread · 422: malformed id or query
    """
    events = await engine_of(request).thread_story(
        _thread_id(request),
        after=query_int(request, "after", 0),
        limit=query_int(request, "limit", 1000, minimum=1, maximum=10_000),
    )
    return JSONResponse(events)


async def join_thread_stream(request: Request) -> Response:
    """Join a thread: one stream across its runs (`threads.join_stream`).

    Modes: run_modes (default), lifecycle, state_update, and story (ours); from the
    `stream_mode` query key (what the SDK sends) or `stream_modes` (what the reference reads);
    `Last-Event-ID` resumes after that event.

    query: stream_mode: string, stream_modes: string
    200: SSE · 404: unknown thread · 422: unknown mode, unusable Last-Event-ID
    """
    thread_id = _thread_id(request)
    query = request.query_params
    modes = parse_modes([*query.getlist("stream_mode"), *query.getlist("stream_modes")])
    after = parse_last_event_id(request.headers.get("last-event-id"))
    events = await engine_of(request).open_thread_stream(thread_id, modes, after)
    return sse_response(events, with_ids=True, headers={})


routes = [
    Route("/threads", create_thread, methods=["POST"]),
    Route("/threads/search", search_threads, methods=["POST"]),
    Route("/threads/count", count_threads, methods=["POST"]),
    Route("/threads/{thread_id}", get_thread, methods=["GET"]),
    Route("/threads/{thread_id}", patch_thread, methods=["PATCH"]),
    Route("/threads/{thread_id}", delete_thread, methods=["DELETE"]),
    Route("/threads/{thread_id}/state", get_state, methods=["GET"]),
    Route("/threads/{thread_id}/state", update_state, methods=["POST"]),
    Route("/threads/{thread_id}/state/checkpoint", get_state_at_checkpoint, methods=["POST"]),
    Route("/threads/{thread_id}/state/{checkpoint_id}", get_state, methods=["GET"]),
    Route("/threads/{thread_id}/history", history_get, methods=["GET"]),
    Route("/threads/{thread_id}/history", history_post, methods=["POST"]),
    Route("/threads/{thread_id}/copy", copy_thread, methods=["POST"]),
    Route("/threads/{thread_id}/story", thread_story, methods=["GET"]),
    Route("/threads/{thread_id}/stream", join_thread_stream, methods=["GET"]),
    Route("/threads/{thread_id}/side_effects", thread_side_effects, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}/side_effects", run_side_effects, methods=["GET"]),
]
