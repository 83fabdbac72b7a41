"""`GET /ok` and `GET /info`: liveness and what this server is."""

from __future__ import annotations

from importlib import metadata

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.api.deps import engine_of
from engine.api.responses import JSONResponse


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


async def ok(_request: Request) -> Response:
    return JSONResponse({"ok": True})


async def info(request: Request) -> Response:
    engine = engine_of(request)
    return JSONResponse(
        {
            "version": _version("doubletext"),
            "langgraph_py_version": _version("langgraph"),
            "flags": {"assistants": True, "crons": False, "langsmith": False},
            "host": {"kind": "doubletext", "project_id": None, "revision_id": None},
            "doubletext": {"graphs": list(engine.graph_names)},
        }
    )


routes = [
    Route("/ok", ok, methods=["GET"]),
    Route("/info", info, methods=["GET"]),
]
