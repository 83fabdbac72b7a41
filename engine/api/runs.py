"""Runs: create (background, stream, wait; on a thread or stateless), list, get, delete, join,
join stream and cancel. The double-texting strategies are applied by the engine inside
`create_run`; this module reads the request (`RunRequest.parse`), maps errors and frames the
responses.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine import errors
from engine.api.deps import engine_of
from engine.api.responses import (
    JSONResponse,
    KeepAliveJSONResponse,
    OnDisconnect,
    run_paths,
    sse_response,
)
from engine.api.validation import (
    CANCEL_ACTIONS,
    RUN_STATUSES,
    invalid,
    path_uuid,
    query_bool,
    query_choice,
    query_int,
    query_stream_modes,
    read_fields,
)
from engine.runs import reasons
from engine.runs.request import RunRequest

if TYPE_CHECKING:
    from engine.core import Engine


def _ids(request: Request) -> tuple[str, str]:
    return path_uuid(request, "thread_id", "thread"), path_uuid(request, "run_id", "run")


def _canceller(engine: Engine, thread_id: str, run_id: str) -> OnDisconnect:
    """Interrupt the run when its client leaves (`on_disconnect=cancel`)."""

    async def cancel() -> None:
        with contextlib.suppress(errors.EngineError):
            await engine.cancel_runs(
                thread_id, [run_id], action="interrupt", reason=reasons.client_disconnect()
            )

    return cancel


async def _create(request: Request, stateless: bool) -> tuple[Engine, dict[str, Any], RunRequest]:
    thread_id = None if stateless else path_uuid(request, "thread_id", "thread")
    fields = await read_fields(request)
    parsed = RunRequest.parse(fields.data, stateless=stateless)
    engine = engine_of(request)
    # Answer once the run and its cancels are durable; reads of the thread wait for the rest.
    run = await engine.create_run(thread_id, parsed, wait_for_cancels=False)
    return engine, run, parsed


async def _create_background(request: Request, stateless: bool) -> Response:
    _, run, _ = await _create(request, stateless)
    base, _ = run_paths(run["thread_id"], run["run_id"])
    return JSONResponse(run, headers={"Content-Location": base})


async def _create_stream(request: Request, stateless: bool) -> Response:
    engine, run, parsed = await _create(request, stateless)
    thread_id, run_id = run["thread_id"], run["run_id"]
    base, stream = run_paths(thread_id, run_id)
    return sse_response(
        engine.subscribe(thread_id, run_id, after_id=0),
        with_ids=parsed.stream_resumable,
        headers={"Location": stream, "Content-Location": base},
        on_disconnect=_canceller(engine, thread_id, run_id)
        if parsed.cancel_on_disconnect
        else None,
    )


async def _create_wait(request: Request, stateless: bool) -> Response:
    engine, run, parsed = await _create(request, stateless)
    thread_id, run_id = run["thread_id"], run["run_id"]
    base, _ = run_paths(thread_id, run_id)
    return KeepAliveJSONResponse(
        lambda: engine.join_run(thread_id, run_id),
        headers={"Location": f"{base}/join", "Content-Location": base},
        on_disconnect=_canceller(engine, thread_id, run_id)
        if parsed.cancel_on_disconnect
        else None,
    )


async def create_run(request: Request) -> Response:
    return await _create_background(request, stateless=False)


async def stream_run(request: Request) -> Response:
    return await _create_stream(request, stateless=False)


async def wait_run(request: Request) -> Response:
    return await _create_wait(request, stateless=False)


async def create_stateless(request: Request) -> Response:
    return await _create_background(request, stateless=True)


async def stream_stateless(request: Request) -> Response:
    return await _create_stream(request, stateless=True)


async def wait_stateless(request: Request) -> Response:
    return await _create_wait(request, stateless=True)


async def list_runs(request: Request) -> Response:
    thread_id = path_uuid(request, "thread_id", "thread")
    runs = await engine_of(request).list_runs(
        thread_id,
        limit=query_int(request, "limit", 10, minimum=1, maximum=1000),
        offset=query_int(request, "offset", 0),
        status=query_choice(request, "status", RUN_STATUSES),
    )
    return JSONResponse(runs)


async def get_run(request: Request) -> Response:
    thread_id, run_id = _ids(request)
    try:
        run = await engine_of(request).get_run(thread_id, run_id)
    except errors.RunNotFound:
        # Same body as the reference for a missing or rolled-back run.
        raise errors.NotFound("Not Found") from None
    return JSONResponse(run)


async def delete_run(request: Request) -> Response:
    thread_id, run_id = _ids(request)
    await engine_of(request).delete_run(thread_id, run_id)
    return Response(status_code=204)


async def join_run(request: Request) -> Response:
    thread_id, run_id = _ids(request)
    engine = engine_of(request)
    row = await engine.find_run(thread_id, run_id)  # an unknown or rolled-back run is a real 404
    cancel = query_bool(request, "cancel_on_disconnect")
    base, _ = run_paths(thread_id, run_id)
    return KeepAliveJSONResponse(
        lambda: engine.join_run(thread_id, run_id, row=row),
        headers={"Location": f"{base}/join", "Content-Location": base},
        on_disconnect=_canceller(engine, thread_id, run_id) if cancel else None,
    )


def _last_event_id(request: Request) -> int | None:
    raw = request.headers.get("last-event-id")
    if raw is None or not raw.strip():
        return None
    try:
        return max(int(raw.strip()), 0)
    except ValueError:
        raise invalid(f"Invalid Last-Event-ID header: '{raw}' is not an event id") from None


async def join_stream(request: Request) -> Response:
    thread_id, run_id = _ids(request)
    engine = engine_of(request)
    run = await engine.get_run(thread_id, run_id)
    modes = query_stream_modes(request)
    after_id = _last_event_id(request)
    cancel = query_bool(request, "cancel_on_disconnect")
    base, stream = run_paths(thread_id, run_id)
    resumable = bool((run.get("kwargs") or {}).get("resumable")) or after_id is not None
    return sse_response(
        engine.subscribe(thread_id, run_id, after_id=after_id, stream_mode=modes),
        with_ids=resumable,
        headers={"Location": stream, "Content-Location": base},
        on_disconnect=_canceller(engine, thread_id, run_id) if cancel else None,
    )


async def cancel_run(request: Request) -> Response:
    thread_id, run_id = _ids(request)
    wait = query_bool(request, "wait")
    action = query_choice(request, "action", CANCEL_ACTIONS, "interrupt") or "interrupt"
    engine = engine_of(request)
    reason = reasons.thread_cancel(action, thread_id, run_id)
    await engine.cancel_runs(thread_id, [run_id], action=action, reason=reason)
    if not wait:
        return Response(status_code=202)

    async def outcome() -> Any:
        try:
            return await engine.join_run(thread_id, run_id)
        except errors.NotFound:  # rolled back: the run is gone, report the thread as it is now
            with contextlib.suppress(errors.ThreadNotFound):  # a stateless run's: gone with it
                return (await engine.get_state(thread_id)).get("values") or {}
            return {}

    base, _ = run_paths(thread_id, run_id)
    return KeepAliveJSONResponse(outcome, headers={"Location": f"{base}/join"})


async def cancel_many(request: Request) -> Response:
    fields = await read_fields(request)
    action = query_choice(request, "action", CANCEL_ACTIONS, "interrupt") or "interrupt"
    status = fields.choice("status", ("pending", "running", "all"))
    thread_id = fields.uuid("thread_id")
    run_ids = fields.uuids("run_ids")
    if status is None and (thread_id is None or not run_ids):
        raise invalid(
            "Body must give either 'status' (pending, running or all) "
            "or both 'thread_id' and 'run_ids'"
        )
    await engine_of(request).cancel_runs(
        thread_id, run_ids, status=status, action=action, reason=reasons.many_cancel(action)
    )
    return Response(status_code=204)


routes = [
    Route("/threads/{thread_id}/runs", create_run, methods=["POST"]),
    Route("/threads/{thread_id}/runs", list_runs, methods=["GET"]),
    Route("/threads/{thread_id}/runs/stream", stream_run, methods=["POST"]),
    Route("/threads/{thread_id}/runs/wait", wait_run, methods=["POST"]),
    Route("/threads/{thread_id}/runs/{run_id}", get_run, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}", delete_run, methods=["DELETE"]),
    Route("/threads/{thread_id}/runs/{run_id}/join", join_run, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}/stream", join_stream, methods=["GET"]),
    Route("/threads/{thread_id}/runs/{run_id}/cancel", cancel_run, methods=["POST"]),
    Route("/runs", create_stateless, methods=["POST"]),
    Route("/runs/stream", stream_stateless, methods=["POST"]),
    Route("/runs/wait", wait_stateless, methods=["POST"]),
    Route("/runs/cancel", cancel_many, methods=["POST"]),
]
