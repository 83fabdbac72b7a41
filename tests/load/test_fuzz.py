"""Hostile and malformed HTTP requests: never a 5xx, never a dropped connection, still serving."""

from __future__ import annotations

from bench import server as servers
from bench.fuzz import run_fuzz


async def test_fuzz_never_500(served: servers.Server) -> None:
    report = await run_fuzz(served.url, seed=7, random_count=100, quick=True)

    assert report["server_errors"] == [], report["server_errors"][:10]
    assert report["dropped_connections"] == [], report["dropped_connections"][:10]
    assert report["still_serving"] == "yes"
    assert served.alive(), served.log_tail()
