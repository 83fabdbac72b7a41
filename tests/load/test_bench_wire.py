"""The bare client the benchmarks set beside the SDK: same requests, same answers, no library."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench import server as servers
from bench.client import human, make_client
from bench.figures import Target, raw_trip_ms, sdk_trip_ms, seq_run_ms
from bench.wire import BareClient, BareConnection, HTTPStatusError


async def test_the_bare_client_makes_the_sdk_calls_the_figures_make(
    served: servers.Server,
) -> None:
    sdk = make_client(served.url)
    bare = BareClient(await BareConnection.open(served.url))
    try:
        thread_id = (await bare.threads.create())["thread_id"]
        run = await bare.runs.create(
            thread_id, "noop", input=human("hi"), multitask_strategy="enqueue"
        )
        joined = await bare.runs.join(thread_id, run["run_id"])
        assert joined == await sdk.runs.join(thread_id, run["run_id"])
        assert joined["messages"][0]["content"] == "hi"
        seen = await bare.runs.get(thread_id, run["run_id"])
        assert seen == await sdk.runs.get(thread_id, run["run_id"])
        assert seen["status"] == "success" and seen["multitask_strategy"] == "enqueue"
        with pytest.raises(HTTPStatusError, match="404"):
            await bare.runs.get(thread_id, "00000000-0000-4000-8000-000000000000")
        assert json.loads(await bare.connection.get("/ok")) == await sdk.http.get("/ok")
    finally:
        await bare.connection.close()
        await sdk.http.client.aclose()


async def test_figures_and_trips_sample_through_either_client(served: servers.Server) -> None:
    sdk = Target("ours", served.url, make_client(served.url), served)
    bare = Target("bare", served.url, BareClient(await BareConnection.open(served.url)), served)
    try:
        assert await seq_run_ms(sdk) > 0 and await seq_run_ms(bare) > 0
        assert await sdk_trip_ms(sdk) > 0 and await raw_trip_ms(sdk) > 0
    finally:
        await sdk.client.http.client.aclose()
        await bare.client.connection.close()


async def _one_answer_then_close(body: bytes, chunked: bool) -> AsyncIterator[str]:
    """A socket server that answers each connection's first request, then closes it."""
    connections = 0

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        if chunked:
            half = len(body) // 2
            framed = b"".join(
                b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:half], body[half:])
            )
            writer.write(
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + framed + b"0\r\n\r\n"
            )
        else:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_connection_the_server_closed_is_opened_again(chunked: bool) -> None:
    body = b'{"ok": true, "padding": "' + b"x" * 100 + b'"}'
    async for url in _one_answer_then_close(body, chunked):
        connection = await BareConnection.open(url)
        try:
            assert await connection.get("/ok") == body
            # the server has closed it: the next request waits for that, then opens a new one
            async with asyncio.timeout(10):
                while not connection.closed_by_server:
                    await asyncio.sleep(0.01)
            assert await connection.get("/ok") == body
        finally:
            await connection.close()


def test_a_figures_run_measures_ours_the_floor_and_the_bare_client_in_one_run(
    tmp_path: Path,
) -> None:
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--repeats",
            "1",
            "--only",
            "seq_run_ms,sdk_trip_ms,raw_trip_ms",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    doc = json.loads(out.read_text())
    results = {label: target["results"] for label, target in doc["targets"].items()}
    assert set(results) == {"ours", "floor", "bare"}
    assert results["ours"]["seq_run_ms"]["median"] > 0
    assert results["floor"]["seq_run_ms"]["median"] > 0
    assert results["bare"]["seq_run_ms"]["median"] > 0
    assert "sdk_trip_ms" not in results["bare"]  # only the figures marked bare
    assert doc["bare_x_floor"]["seq_run_ms"] > 0 and doc["client_ms_per_request"] is not None
