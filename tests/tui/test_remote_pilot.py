"""The app on a deployment with custom auth: headers from `--header`, a store it may not read.

The "deployment" is our real engine behind a small real HTTP gateway (its own port) that, like
a LangGraph deployment with custom auth, wants `Authorization: Bearer …` and `X-Tenant-Id` on
every request and refuses the store (403).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from engine.api.embedded import QuietServer, bind_socket, url_of, uvicorn_config
from tests.tui.conftest import Engine, RecordingApp
from tests.tui.helpers import idle, ready, replies, say, wait_until

WANTED = {"authorization": "Bearer t0k", "x-tenant-id": "acme"}


def gateway(upstream: str) -> Starlette:
    client = httpx.AsyncClient(base_url=upstream, timeout=30)

    async def forward(request: Request) -> Response:
        if any(request.headers.get(k) != v for k, v in WANTED.items()):
            return JSONResponse({"detail": "Missing or wrong credentials"}, status_code=401)
        if request.url.path.startswith("/store"):
            return JSONResponse({"detail": "Forbidden by custom auth"}, status_code=403)
        skip = {"host", "content-length", "authorization", "x-tenant-id"}
        upstream_request = client.build_request(
            request.method,
            request.url.path,
            params=request.query_params,
            content=await request.body(),
            headers={k: v for k, v in request.headers.items() if k.lower() not in skip},
        )
        # Streamed through, as a deployment's proxy does: the thread's story stays open.
        answer = await client.send(upstream_request, stream=True)
        kind = answer.headers.get("content-type", "application/json")
        return StreamingResponse(
            answer.aiter_raw(),
            answer.status_code,
            media_type=kind,
            background=BackgroundTask(answer.aclose),
        )

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)])


@pytest.fixture
async def deployment(engine: Engine) -> AsyncIterator[str]:
    sock = bind_socket("127.0.0.1", 0)
    server = QuietServer(uvicorn_config(gateway(engine.url)))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)


async def test_headers_reach_the_server_and_a_hidden_store_is_said_so(
    deployment: str, tmp_path
) -> None:
    app = RecordingApp(
        deployment,
        "noop",
        "remote-user",
        headers={"Authorization": "Bearer t0k", "X-Tenant-Id": "acme"},
        state_file=tmp_path / "s.json",
    )
    async with app.run_test(size=(150, 40)) as pilot:
        await ready(pilot)
        await say(pilot, "hello through the gateway")
        await wait_until(pilot, lambda: idle(app) and replies(app, "hello through the gateway"))
        note = app.query_one("#todo-note")
        await wait_until(pilot, lambda: "(403)" in str(note.content), 10, "the store note")
        assert "does not let this client read the store" in str(note.content)
        assert note.has_class("-problem")


async def test_without_the_headers_the_gateway_refuses(deployment: str, tmp_path) -> None:
    app = RecordingApp(deployment, "noop", "remote-user", state_file=tmp_path / "s.json")
    async with app.run_test(size=(150, 40)) as pilot:
        await wait_until(pilot, lambda: any("401" in n for n, _ in app.notes), 15)
        assert app.connection == "failed"
