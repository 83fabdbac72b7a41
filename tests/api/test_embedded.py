"""`start_embedded_server`: a real loopback socket in the caller's loop (SSE needs one)."""

from __future__ import annotations

import socket
import statistics
import time
from pathlib import Path

import httpx
from langgraph_sdk import get_client

from engine.api.embedded import bind_socket, start_embedded_server
from tests.api.helpers import human


async def test_embedded_server_streams_and_stops(tmp_path: Path) -> None:
    server = await start_embedded_server(data_dir=tmp_path / "data", pace=0)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.data_dir == tmp_path / "data"
        client = get_client(url=server.url, api_key=None)
        tid = (await client.threads.create())["thread_id"]
        names = [p.event async for p in client.runs.stream(tid, "noop", input=human("hi"))]
        assert names == ["metadata", "values", "values"]
        await client.aclose()
    finally:
        await server.stop()
    with socket.socket() as probe:
        port = int(server.url.rsplit(":", 1)[1])
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more


async def test_ephemeral_data_dir_is_removed(tmp_path: Path) -> None:
    server = await start_embedded_server(ephemeral=True, pace=0)
    data_dir = Path(server.data_dir)
    assert data_dir.is_dir()
    await server.stop()
    assert not data_dir.exists()


def test_bound_socket_is_tcp_so_accepted_connections_get_nodelay() -> None:
    sock = bind_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


async def test_keep_alive_requests_are_not_delayed_by_nagle(tmp_path: Path) -> None:
    server = await start_embedded_server(data_dir=tmp_path / "data", pace=0)
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            timings = []
            for _ in range(10):
                started = time.perf_counter()
                await http.get("/ok")
                timings.append(time.perf_counter() - started)
        assert statistics.median(timings[1:]) < 0.02, timings  # ~40 ms with Nagle + delayed ACK
    finally:
        await server.stop()
