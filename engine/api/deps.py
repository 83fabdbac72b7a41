"""Access to the engine a request is served by."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

if TYPE_CHECKING:
    from engine.core import Engine


def engine_of(request: Request) -> Engine:
    return request.app.state.engine
