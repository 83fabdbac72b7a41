"""The Starlette app: LangGraph Agent Server routes over one `Engine`.

`create_app(Settings)` opens the engine in the lifespan and closes it on shutdown; given an
already-open `Engine`, the caller keeps ownership (the CLI and the embedded server open the engine
first so a bad database is reported before the socket is bound).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.api import assistants, batch, openapi, runs, store, system, threads
from engine.api.middleware import (
    DEFAULT_MAX_BODY,
    ApiKeyMiddleware,
    BodyLimitMiddleware,
    BodyTooLarge,
)
from engine.api.responses import JSONResponse, error_body
from engine.config import Settings
from engine.runs.loopback import loopback_client

if TYPE_CHECKING:
    from engine.core import Engine

log = logging.getLogger(__name__)


async def _engine_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.EngineError)
    return JSONResponse(error_body(exc.message), status_code=exc.status_code)


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse(
        error_body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


async def _too_large(_request: Request, exc: Exception) -> Response:
    return JSONResponse(error_body(str(exc)), status_code=413)


async def _unexpected(_request: Request, exc: Exception) -> Response:
    log.error("unhandled error", exc_info=exc)
    return JSONResponse(error_body("Internal server error"), status_code=500)


def create_app(
    engine_or_settings: Engine | Settings,
    api_key: str | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY,
) -> Starlette:
    """Build the ASGI app. With `api_key`, every request must carry it in `x-api-key`."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if isinstance(engine_or_settings, Settings):
            from engine.core import Engine

            engine = await Engine.open(engine_or_settings)
            app.state.engine = engine
            engine.services.loopback = loopback_client(app, api_key)
            try:
                yield
            finally:
                await engine.close()
        else:
            app.state.engine = engine_or_settings
            yield

    middleware = [Middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)]
    if api_key:
        middleware.insert(0, Middleware(ApiKeyMiddleware, api_key=api_key))
    app = Starlette(
        routes=[
            *system.routes,
            *assistants.routes,
            *threads.routes,
            *runs.routes,
            *batch.routes,
            *store.routes,
            *openapi.routes,
        ],
        middleware=middleware,
        exception_handlers={
            errors.EngineError: _engine_error,
            HTTPException: _http_error,
            BodyTooLarge: _too_large,
            Exception: _unexpected,
        },
        lifespan=lifespan,
    )
    if not isinstance(engine_or_settings, Settings):
        app.state.engine = engine_or_settings
        engine_or_settings.services.loopback = loopback_client(app, api_key)
    return app
