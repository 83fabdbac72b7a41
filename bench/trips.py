"""Count SQLite round trips: how many calls one run makes on each database connection.

``python -m bench.trips`` opens the engine in-process on a temporary data dir (``--pace 0``
graphs of ``langgraph.json``), then counts the calls it makes on each connection, whether
``engine.storage.inline`` ran them on the event loop (the connection's thread idle: no hand-off)
or aiosqlite handed them to its connection thread (each one a thread hand-off and a wake-up of
the event loop; counted apart as ``... on its thread``). For one ``noop`` run on a new thread
(create + join), for one todo assistant run (its store reads and writes too) and for one
preempting create (``slow`` running; ``noop`` with ``interrupt`` and
with ``rollback``, create + join), both as the Python API waits (the stopped run is done when the
create returns) and as over HTTP (it answers first). Counts, not times: they do not move between
machines.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bench.report import emit
from bench.server import CONFIG
from engine.config import Settings
from engine.core import Engine
from engine.storage.inline import InlineConnection

COUNTS: Counter[int] = Counter()  # calls handed to a connection's thread
HERE: Counter[int] = Counter()  # calls run on the event loop instead
_original = aiosqlite.Connection._execute
_original_here = InlineConnection.try_here


async def _counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
    COUNTS[id(self)] += 1
    return await _original(self, fn, *args, **kwargs)


def _counting_here(self: InlineConnection, fn: Any, *args: Any) -> Any:
    done, result = _original_here(self, fn, *args)
    if done:
        HERE[id(self)] += 1
    return done, result


@contextmanager
def counting_trips() -> Iterator[tuple[Counter[int], Counter[int]]]:
    """While inside, `COUNTS[id(connection)]` counts the calls handed to each aiosqlite
    connection's thread, and `HERE[id(connection)]` those run on the event loop instead
    (yielded, cleared first)."""
    COUNTS.clear()
    HERE.clear()
    aiosqlite.Connection._execute = _counting  # type: ignore[method-assign]
    InlineConnection.try_here = _counting_here  # type: ignore[method-assign]
    try:
        yield COUNTS, HERE
    finally:
        aiosqlite.Connection._execute = _original  # type: ignore[method-assign]
        InlineConnection.try_here = _original_here  # type: ignore[method-assign]


def _human(text: str) -> dict[str, Any]:
    return {"messages": [{"type": "human", "content": text}]}


def _ids(run: dict[str, Any]) -> tuple[str, str]:
    return run["thread_id"], run["run_id"]


async def _until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    """Wait for a condition (polled, with a deadline), not for a time."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


async def _in_its_node(engine: Engine, thread_id: str, run_id: str) -> None:
    """Until the run is inside its node with nothing of its own left to write: the checkpoint
    that enters the node is saved *and* told in the story. Only `running` is not enough on a
    slow machine: its first checkpoints and the story's flush would land in what is counted."""

    async def entered() -> bool:
        return any(
            e["kind"] == "checkpoint" and e["run_id"] == run_id and e["next"] == ["respond"]
            for e in await engine.thread_story(thread_id)
        )

    await _until(entered, "the slow run to enter its node")


async def _quiet(engine: Engine, *, of_runs: bool = True) -> None:
    """Until the story's buffered events are written and, `of_runs`, no run is executing: the
    measured run's end may come after its join answered."""

    async def idle() -> bool:
        return not ((of_runs and engine.lifecycle.executions) or engine.records.story_unwritten)

    await _until(idle, "the engine to go quiet")


async def _join(engine: Engine, run: dict[str, Any]) -> None:
    """Join a run as the HTTP route does: its row found first, then followed."""
    await engine.join_run(run["thread_id"], run["run_id"], row=await engine.find_run(*_ids(run)))


async def one_run(engine: Engine) -> Callable[[], Awaitable[None]]:
    """A new thread, then what is measured: create + join of one `noop` run on it (shared with
    `bench.inprocess`, which times what this counts)."""
    thread_id = (await engine.create_thread())["thread_id"]

    async def counted() -> None:
        await _join(
            engine, await engine.create_run(thread_id, assistant_id="noop", input=_human("hi"))
        )

    return counted


async def joined_after_its_end(engine: Engine) -> Callable[[], Awaitable[None]]:
    """As `one_run`, but the join comes after the run ended (over HTTP it often does)."""
    thread_id = (await engine.create_thread())["thread_id"]

    async def counted() -> None:
        run = await engine.create_run(thread_id, assistant_id="noop", input=_human("hi"))
        await _quiet(engine)
        await _join(engine, run)

    return counted


async def todo_run(engine: Engine) -> Callable[[], Awaitable[None]]:
    """A new thread, then create + join of one todo assistant run that files a todo (offline
    model): its reads and writes of the store are counted too."""
    thread_id = (await engine.create_thread())["thread_id"]
    config = {"configurable": {"user_id": "trips", "todo_category": "trips"}}

    async def counted() -> None:
        text = _human("Add a todo: buy milk by Friday")
        run = await engine.create_run(
            thread_id, assistant_id="task_maistro", input=text, config=config
        )
        await _join(engine, run)

    return counted


async def preempting(
    engine: Engine, strategy: str, wait_for_cancels: bool = True
) -> Callable[[], Awaitable[None]]:
    """`slow` running on a new thread, then what is measured: a `noop` run created with
    `strategy` (which stops it), joined. `wait_for_cancels=False`: the create answers once the
    new run and the stop are on disk, as over HTTP, and the join comes before the stop is done."""
    thread_id = (await engine.create_thread())["thread_id"]
    first = await engine.create_run(thread_id, assistant_id="slow", input=_human("first"))
    await _in_its_node(engine, thread_id, first["run_id"])

    async def counted() -> None:
        run = await engine.create_run(
            thread_id,
            assistant_id="noop",
            input=_human("second"),
            multitask_strategy=strategy,
            wait_for_cancels=wait_for_cancels,
        )
        await _join(engine, run)

    return counted


async def _count(engine: Engine, names: dict[int, str], setup: Any, *args: Any) -> dict[str, int]:
    counted = await setup(engine, *args)
    await _quiet(engine, of_runs=False)  # the slow run set up to be stopped is executing
    COUNTS.clear()
    HERE.clear()
    await counted()
    await _quiet(engine)
    out = {name: COUNTS[conn_id] + HERE[conn_id] for conn_id, name in names.items()}
    out["total"] = sum(COUNTS.values()) + sum(HERE.values())
    out |= {f"{name} on its thread": COUNTS[conn_id] for conn_id, name in names.items()}
    out["total on a thread"] = sum(COUNTS.values())
    return out


async def measure() -> dict[str, dict[str, int]]:
    with counting_trips(), tempfile.TemporaryDirectory(prefix="doubletext-trips-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", config_path=CONFIG, pace=0)
        engine = await Engine.open(settings)
        try:
            names = {
                id(engine.records.conn): "engine.db",
                id(engine.services.saver.conn): "checkpoints.db",
                id(engine.store.inner.conn): "store.db",
            }
            await (await one_run(engine))()  # warm-up
            return {
                "noop run": await _count(engine, names, one_run),
                "noop run, joined after its end": await _count(engine, names, joined_after_its_end),
                "preempt interrupt": await _count(engine, names, preempting, "interrupt"),
                "preempt rollback": await _count(engine, names, preempting, "rollback"),
                "preempt interrupt, as over HTTP": await _count(
                    engine, names, preempting, "interrupt", False
                ),
                "preempt rollback, as over HTTP": await _count(
                    engine, names, preempting, "rollback", False
                ),
                "todo run (files a todo)": await _count(engine, names, todo_run),
            }
        finally:
            await engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.trips", description=__doc__)
    parser.add_argument("--json", dest="json_path", help="write the counts as JSON here")
    args = parser.parse_args()
    counts = asyncio.run(measure())
    emit(counts, args.json_path)


if __name__ == "__main__":
    main()
