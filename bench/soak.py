"""The soak: does the server's memory level off under a steady mix of runs and endings?

``python -m bench soak`` starts our server (``--pace 0``, temporary data dir) and drives a
steady mix through the SDK on many threads: plain runs joined at once, streamed runs, runs
interrupted or rolled back by a double text, queued runs dropped by a rollback, failed runs.
Each worker deletes its thread and starts a new one every ``--per-thread`` steps, so the load
is steady (a thread whose history grows forever makes every state, and so every retained event,
bigger: that is growth by design, not a leak) and thread deletion is soaked too.
It reads the server's RSS after ``--checkpoints`` runs (default 600 and 2,400) and passes if
RSS grew by less than ``--max-growth`` (15 %) from the first checkpoint to the last: memory
that every run leaves behind (event channels, per-thread state) would show as steady growth.

With ``--slow-readers N`` it then opens N SSE joins on one run with a ~1 MB state that read
nothing, and reports RSS with them open (what slow subscribers can pin).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import time
from typing import Any

import httpx

from bench import server as servers
from bench.client import human, make_client

MIX = (("plain", 0.45), ("stream", 0.2), ("interrupt", 0.15), ("rollback", 0.1), ("fail", 0.1))


async def _one(client: Any, tid: str, kind: str, n: int) -> int:
    """One step of the mix on one thread; returns how many runs it created."""
    text = human(f"soak {n}")
    if kind == "plain":
        run = await client.runs.create(tid, "noop", input=text)
        await client.runs.join(tid, run["run_id"])
        return 1
    if kind == "stream":
        async for _ in client.runs.stream(tid, "noop", input=text, stream_mode=["values"]):
            pass
        return 1
    if kind == "fail":
        await client.runs.wait(tid, "boom", input=text, raise_error=False)
        return 1
    # A double text: run 1 is cut by run 2 (a third, queued, is dropped by a rollback).
    first = await client.runs.create(tid, "halfsec", input=text)
    queued = 0
    if kind == "rollback":
        await client.runs.create(tid, "noop", input=text)
        queued = 1
    second = await client.runs.create(tid, "noop", input=text, multitask_strategy=kind)
    await client.runs.join(tid, second["run_id"])
    del first
    return 2 + queued


async def _drive(url: str, server: servers.Server, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    kinds, weights = zip(*MIX, strict=True)
    checkpoints = sorted(int(c) for c in args.checkpoints.split(","))
    client = make_client(url)
    created, samples = 0, {}
    lock = asyncio.Lock()
    start = time.perf_counter()
    try:

        async def worker() -> None:
            nonlocal created
            tid, steps = (await client.threads.create())["thread_id"], 0
            while created < checkpoints[-1]:
                if steps == args.per_thread:
                    await client.threads.delete(tid)
                    tid, steps = (await client.threads.create())["thread_id"], 0
                steps += 1
                made = await _one(client, tid, rng.choices(kinds, weights)[0], created)
                async with lock:
                    before, created = created, created + made
                    for mark in checkpoints:
                        if before < mark <= created:
                            samples[mark] = round(server.rss_mb() or 0.0, 1)

        await asyncio.gather(*(worker() for _ in range(args.threads)))
        elapsed = time.perf_counter() - start
        result: dict[str, Any] = {
            "runs": created,
            "threads": args.threads,
            "elapsed_s": round(elapsed, 1),
            "runs_per_s": round(created / elapsed, 1),
            "rss_mb_at_runs": samples,
        }
        first, last = samples[checkpoints[0]], samples[checkpoints[-1]]
        result["growth_pct"] = round(100 * (last - first) / first, 1)
        result["ok"] = result["growth_pct"] < args.max_growth
        if args.slow_readers:
            result["slow_readers"] = await _slow_readers(url, client, server, args.slow_readers)
        return result
    finally:
        await client.http.client.aclose()


async def _slow_readers(url: str, client: Any, server: servers.Server, count: int) -> dict:
    """N SSE joins on one run with a ~1 MB state, none of them reading: RSS with them open."""
    tid = (await client.threads.create())["thread_id"]
    big = human("x" * 1_000_000)
    run = await client.runs.create(tid, "noop", input=big, stream_resumable=True)
    await client.runs.join(tid, run["run_id"])
    before = server.rss_mb() or 0.0
    limits = httpx.Limits(max_connections=count + 10)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:
        opened: list[Any] = []
        path = f"/threads/{tid}/runs/{run['run_id']}/stream"
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(count):
                response = await stack.enter_async_context(
                    http.stream("GET", path, headers={"Last-Event-ID": "0"})
                )
                opened.append(response)  # headers read; the body is left unread
            await asyncio.sleep(2.0)  # let the server push what the sockets take
            during = server.rss_mb() or 0.0
    return {
        "readers": count,
        "state_mb": 1.0,
        "rss_before_mb": round(before, 1),
        "rss_with_readers_mb": round(during, 1),
        "per_reader_kb": round((during - before) * 1024 / count, 1),
    }


def main(args: argparse.Namespace) -> dict[str, Any]:
    server = servers.start_ours()
    try:
        return asyncio.run(_drive(server.url, server, args))
    finally:
        server.stop()


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--threads", type=int, default=40, help="workers, each on its own thread")
    cmd.add_argument("--per-thread", type=int, default=25, help="steps before a fresh thread")
    cmd.add_argument("--checkpoints", default="600,2400", help="runs at which RSS is read")
    cmd.add_argument("--max-growth", type=float, default=15.0, help="percent, first to last")
    cmd.add_argument("--slow-readers", type=int, default=0)
    cmd.add_argument("--seed", type=int, default=9)
    cmd.add_argument("--json", dest="sub_json", help="write the result as JSON here")
