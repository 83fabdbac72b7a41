"""The Starlette app: LangGraph Agent Server routes over one `Engine`.

`create_app(Settings)` opens the engine in the lifespan and closes it on shutdown; given an
already-open `Engine`, the caller keeps ownership (the CLI and the embedded server open the engine
first so a bad database is reported before the socket is bound).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Collection
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from engine import errors
from engine.api import assistants, batch, openapi, runs, store, system, threads
from engine.api.failures import DISK_FULL_DETAIL, DISK_FULL_STATUS, is_disk_full
from engine.api.middleware import (
    DEFAULT_MAX_BODY,
    LOOPBACK_HOSTS,
    ApiKeyMiddleware,
    BodyLimitMiddleware,
    BodyTooLarge,
    ErrorMiddleware,
    HostCheckMiddleware,
    JsonBodyMiddleware,
)
from engine.api.responses import JSONResponse, error_body
from engine.config import Settings
from engine.runs.loopback import loopback_client

if TYPE_CHECKING:
    from engine.core import Engine


async def _engine_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.EngineError)
    if is_disk_full(exc):
        return JSONResponse(error_body(DISK_FULL_DETAIL), status_code=DISK_FULL_STATUS)
    return JSONResponse(error_body(exc.message), status_code=exc.status_code)


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse(
        error_body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


async def _too_large(_request: Request, exc: Exception) -> Response:
    return JSONResponse(error_body(str(exc)), status_code=413)


def create_app(
    engine_or_settings: Engine | Settings,
    api_key: str | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    allowed_hosts: Collection[str] | None = LOOPBACK_HOSTS,
) -> Starlette:
    """Build the ASGI app. With `api_key`, every request must carry it in `x-api-key`.

    `allowed_hosts`: the `Host` names answered (loopback by default); None answers any, for a
    server bound to a non-loopback interface.
    """

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

    middleware = [Middleware(ErrorMiddleware)]
    if allowed_hosts is not None:
        middleware.append(Middleware(HostCheckMiddleware, allowed=allowed_hosts))
    if api_key:
        middleware.append(Middleware(ApiKeyMiddleware, api_key=api_key))
    middleware.append(Middleware(BodyLimitMiddleware, max_bytes=max_body_bytes))
    middleware.append(Middleware(JsonBodyMiddleware))
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
        },
        lifespan=lifespan,
    )
    if not isinstance(engine_or_settings, Settings):
        app.state.engine = engine_or_settings
        engine_or_settings.services.loopback = loopback_client(app, api_key)
    return app
