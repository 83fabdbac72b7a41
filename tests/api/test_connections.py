"""Connections and failures: idle sockets cannot lock clients out, a 500 keeps the connection and
logs once, a full disk is a 507 (issue 9, findings 5 and 10)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from engine.api.connections import ConnectionLimits
from engine.api.embedded import EmbeddedServer, start_embedded_server
from tests.api.serve import ServeProcess


def _address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


async def _ok_within(url: str, timeout: float) -> bool:
    """Whether `GET /ok` answers within `timeout`, retrying as a real client would."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            async with httpx.AsyncClient(base_url=url, timeout=2) as http:
                if (await http.get("/ok")).status_code == 200:
                    return True
        except httpx.HTTPError:
            await asyncio.sleep(0.1)
    return False


def test_idle_connections_cannot_lock_clients_out(tmp_path: Path) -> None:
    """More idle sockets than the server has file descriptors (1,100 idle connections made a
    1024-descriptor server unreachable): the oldest idle ones are shed, a real client gets in."""
    with ServeProcess(tmp_path / "data", max_files=200) as server:
        idle: list[socket.socket] = []
        try:
            for _ in range(400):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setblocking(False)
                sock.connect_ex(_address(server.url))  # never sends a byte
                idle.append(sock)
            assert asyncio.run(_ok_within(server.url, timeout=15))
        finally:
            for sock in idle:
                sock.close()
        assert server.proc is not None and server.proc.poll() is None


@pytest.fixture
async def guarded(tmp_path: Path):
    limits = ConnectionLimits(header_timeout_s=0.5, max_connections=50)
    server = await start_embedded_server(data_dir=tmp_path / "data", pace=0, limits=limits)
    try:
        yield server
    finally:
        await server.stop()


async def test_a_trickled_request_is_cut_at_the_header_deadline(guarded: EmbeddedServer) -> None:
    """Slowloris: one header byte at a time resets uvicorn's keep-alive timer forever."""
    reader, writer = await asyncio.open_connection(*_address(guarded.url))
    writer.write(b"GET /ok HTTP/1.1\r\n")
    started = time.monotonic()
    closed_after = None
    for _ in range(40):  # 4 s of trickling
        try:
            writer.write(b"X-Slow: 1\r\n")
            await writer.drain()
            if await asyncio.wait_for(reader.read(100), timeout=0.1) == b"":
                closed_after = time.monotonic() - started
                break
        except TimeoutError:
            continue
        except ConnectionError:
            closed_after = time.monotonic() - started
            break
    writer.close()
    assert closed_after is not None and closed_after < 3, closed_after
    async with httpx.AsyncClient(base_url=guarded.url) as http:
        assert (await http.get("/ok")).status_code == 200


async def test_a_connection_that_never_speaks_is_closed(guarded: EmbeddedServer) -> None:
    reader, writer = await asyncio.open_connection(*_address(guarded.url))
    assert await asyncio.wait_for(reader.read(100), timeout=3) == b""
    writer.close()


@contextlib.contextmanager
def collected_logs() -> Iterator[list[logging.LogRecord]]:
    """Every record reaching the root logger or uvicorn's (which does not propagate)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


async def _exchange(writer: asyncio.StreamWriter, reader: asyncio.StreamReader, request: bytes):
    """Send one request on an open connection; return (status, headers, body)."""
    writer.write(request)
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
    }
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def test_a_500_keeps_the_connection_and_logs_one_traceback(tmp_path: Path) -> None:
    server = await start_embedded_server(data_dir=tmp_path / "data", pace=0)
    try:
        # A real storage fault: the store's database refuses writes.
        await server.engine.store.inner.conn.execute("PRAGMA query_only = 1")
        host, port = _address(server.url)
        reader, writer = await asyncio.open_connection(host, port)
        body = b'{"namespace": ["a"], "key": "k", "value": {"x": 1}}'
        put = (
            f"PUT /store/items HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        with collected_logs() as records:
            status, headers, payload = await _exchange(writer, reader, put)
            assert status == 500 and b'"detail"' in payload
            assert headers.get("connection", "").lower() != "close"
            ok = f"GET /ok HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
            assert (await _exchange(writer, reader, ok))[0] == 200  # same connection
        writer.close()
        tracebacks = [r for r in records if r.exc_info]
        assert len(tracebacks) == 1, [r.getMessage() for r in tracebacks]
    finally:
        await server.stop()


async def test_a_full_disk_answers_507_and_recovers(tmp_path: Path) -> None:
    server = await start_embedded_server(data_dir=tmp_path / "data", pace=0)
    conn = server.engine.records.conn
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            thread = (await http.post("/threads", json={})).json()["thread_id"]
            # SQLite reports SQLITE_FULL once the database may not grow: a disk that is full.
            async with conn.execute("PRAGMA page_count") as cursor:
                pages = (await cursor.fetchone())[0]
            await conn.execute(f"PRAGMA max_page_count = {pages}")
            big = {"metadata": {"blob": "x" * 200_000}}
            response = await http.post("/threads", json=big)
            assert response.status_code == 507, response.text
            assert "disk" in response.json()["detail"] and "full" in response.json()["detail"]
            run = {
                "assistant_id": "noop",
                "input": {"messages": [{"role": "user", "content": "x" * 200_000}]},
            }
            created = await http.post(f"/threads/{thread}/runs", json=run)
            assert created.status_code == 507, created.text
            await conn.execute("PRAGMA max_page_count = 1073741823")
            assert (await http.post("/threads", json=big)).status_code == 200
            joined = await http.post(f"/threads/{thread}/runs/wait", json=run)
            assert joined.status_code == 200
    finally:
        await server.stop()
