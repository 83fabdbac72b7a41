"""The floor: what the figures cost LangGraph itself, in-process, with no server at all.

The same ``noop``, ``slow`` and ``halfsec`` graphs (``engine/graphs/bench.py``) compiled with an
``AsyncSqliteSaver`` on a temporary file (WAL, autocommit, ``synchronous=NORMAL``, as our own
checkpoint file) and run with ``durability="sync"``, as our engine runs them. No HTTP, no run
records, no scheduler: whatever a server adds on top of this is its overhead, and ratios to it
move less between machines than absolute times do.

Each floor figure does the least that the figure's meaning needs:

* ``seq_run_ms``: invoke ``noop`` on a new thread;
* ``start_ms``: start ``halfsec`` → its first task event;
* ``burst_runs_s``: 50 ``noop`` invocations one after the other on one thread;
* ``preempt_int_ms``: ``slow`` running; cancel it, wait until it has stopped, invoke ``noop``;
* ``preempt_rb_ms``: the same, deleting the cancelled run's checkpoints before ``noop``;
* ``parallel_s``: 10 threads × ``halfsec`` at once.

The other figures (streaming a model, process start, RSS) have no floor.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from bench.figures import BY_NAME, Measured, Target
from bench.report import FLOOR
from engine.graphs import bench as graphs

FloorSample = Callable[["Floor"], Awaitable[float]]


@dataclasses.dataclass
class Floor:
    """The in-process graphs and their saver for one measuring session."""

    saver: AsyncSqliteSaver
    noop: Any
    slow: Any
    halfsec: Any


@contextlib.asynccontextmanager
async def open_floor(directory: Path) -> AsyncIterator[Floor]:
    conn = await aiosqlite.connect(directory / "floor.db", isolation_level=None)
    try:
        saver = AsyncSqliteSaver(conn)
        await saver.setup()  # WAL
        await conn.execute("PRAGMA synchronous=NORMAL")

        def bind(graph: Any) -> Any:
            return graph.copy(update={"checkpointer": saver})

        yield Floor(saver, bind(graphs.noop), bind(graphs.slow), bind(graphs.halfsec))
    finally:
        await conn.close()


def _config(thread_id: str | None = None) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id or str(uuid.uuid4())}}


def _input(text: str) -> dict[str, Any]:
    return {"messages": [HumanMessage(text)]}


async def _invoke(graph: Any, config: dict[str, Any], text: str) -> Any:
    return await graph.ainvoke(_input(text), config, durability="sync")


async def seq_run_ms(f: Floor) -> float:
    start = time.perf_counter()
    await _invoke(f.noop, _config(), "hi")
    return (time.perf_counter() - start) * 1000.0


async def start_ms(f: Floor) -> float:
    start = time.perf_counter()
    took = 0.0
    async for _ in f.halfsec.astream(
        _input("hi"), _config(), stream_mode="tasks", durability="sync"
    ):
        if not took:
            took = (time.perf_counter() - start) * 1000.0
    return took


async def burst_runs_s(f: Floor, count: int = 50) -> float:
    config = _config()
    start = time.perf_counter()
    for i in range(count):
        await _invoke(f.noop, config, f"burst {i}")
    return count / (time.perf_counter() - start)


async def _running_slow(f: Floor, config: dict[str, Any]) -> asyncio.Task[None]:
    """`slow` on the thread, returned once its node has started."""
    started = asyncio.Event()

    async def drive() -> None:
        async for _ in f.slow.astream(
            _input("first"), config, stream_mode="tasks", durability="sync"
        ):
            started.set()

    task = asyncio.create_task(drive())
    await started.wait()
    return task


async def _preempt(f: Floor, rollback: bool) -> float:
    config = _config()
    task = await _running_slow(f, config)
    start = time.perf_counter()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    if rollback:  # the thread had nothing but the cancelled run
        await f.saver.adelete_thread(config["configurable"]["thread_id"])
    await _invoke(f.noop, config, "second")
    return (time.perf_counter() - start) * 1000.0


async def preempt_int_ms(f: Floor) -> float:
    return await _preempt(f, rollback=False)


async def preempt_rb_ms(f: Floor) -> float:
    return await _preempt(f, rollback=True)


async def parallel_s(f: Floor, threads: int = 10) -> float:
    start = time.perf_counter()
    await asyncio.gather(*(_invoke(f.halfsec, _config(), "par") for _ in range(threads)))
    return time.perf_counter() - start


SAMPLES: dict[str, FloorSample] = {
    "seq_run_ms": seq_run_ms,
    "start_ms": start_ms,
    "burst_runs_s": burst_runs_s,
    "preempt_int_ms": preempt_int_ms,
    "preempt_rb_ms": preempt_rb_ms,
    "parallel_s": parallel_s,
}


@contextlib.asynccontextmanager
async def floor_figures(
    enabled: bool = True,
) -> AsyncIterator[Callable[[str], Measured | None]]:
    """For the figures that have a floor: the figure as the floor measures it, to be sampled in
    turns with ours (`measure_side_by_side`); None for the others, and for all when not
    `enabled` (then no floor is opened)."""
    if not enabled:
        yield lambda _: None
        return
    with tempfile.TemporaryDirectory(prefix="doubletext-floor-") as tmp:
        async with open_floor(Path(tmp)) as floor:
            target = Target(FLOOR, "", None)  # type: ignore[arg-type]

            def of(name: str) -> Measured | None:
                sample = SAMPLES.get(name)
                if sample is None:
                    return None

                async def one(_: Target, sample: FloorSample = sample) -> float:
                    return await sample(floor)

                return dataclasses.replace(BY_NAME[name], sample=one), target

            yield of
