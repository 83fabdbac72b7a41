"""`POST /runs/batch`: several stateless background runs in one request.

Every item (its fields and its assistant) is checked before any run is created, so a bad item
means no run at all.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine import errors
from engine.api.deps import engine_of
from engine.api.responses import JSONResponse
from engine.api.validation import invalid, json_type, read_json
from engine.runs.request import RunRequest

MAX_BATCH = 100


async def create_batch(request: Request) -> Response:
    """Create a batch of stateless background runs.

    body: [RunCreateStateless] (at most 100)
    200: [Run] · 422: not an array, too many items, or an invalid item (none is created)
    """
    body = await read_json(request)
    if not isinstance(body, list):
        raise invalid(f"Request body must be a JSON array of runs, got {json_type(body)}")
    if len(body) > MAX_BATCH:
        raise invalid(f"A batch holds at most {MAX_BATCH} runs, got {len(body)}")
    parsed = []
    for index, item in enumerate(body):
        if not isinstance(item, dict):
            raise invalid(f"Batch item {index} must be an object, got {json_type(item)}")
        try:
            parsed.append(RunRequest.parse(item, stateless=True))
        except (errors.InvalidInput, errors.BadRequest) as exc:
            raise type(exc)(f"Batch item {index}: {exc.message}") from exc
    engine = engine_of(request)
    for item in parsed:  # an unknown assistant is refused before anything is created
        await engine.resolve_assistant(item.assistant_id)
    runs = [await engine.create_run(None, item) for item in parsed]
    return JSONResponse(runs)


routes = [Route("/runs/batch", create_batch, methods=["POST"])]
