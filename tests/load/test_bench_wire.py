"""The trip figures that split a figure's time into the client's share and the server's."""

from __future__ import annotations

import json

import pytest

from bench import server as servers
from bench.client import make_client
from bench.figures import Target, raw_trip_ms, sdk_trip_ms
from bench.wire import BareConnection


async def test_a_bare_connection_reads_what_the_sdk_reads_and_stays_open(
    served: servers.Server,
) -> None:
    client = make_client(served.url)
    connection = await BareConnection.open(served.url)
    try:
        first = await connection.get("/ok")
        second = await connection.get("/ok")  # the same socket: keep-alive, answer read whole
        assert json.loads(first) == json.loads(second) == await client.http.get("/ok")
        with pytest.raises(RuntimeError, match="404"):
            await connection.get("/no-such-route")
        assert json.loads(await connection.get("/ok")) == json.loads(first)
    finally:
        await connection.close()
        await client.http.client.aclose()


async def test_both_trip_figures_sample_a_served_engine(served: servers.Server) -> None:
    target = Target("ours", served.url, make_client(served.url), served)
    try:
        assert await sdk_trip_ms(target) > 0
        assert await raw_trip_ms(target) > 0
    finally:
        await target.client.http.client.aclose()
