"""The store answers each batch in one call to its database (`OneTripStore`), on the event loop
while the connection's thread is idle, with the library's own statements: what it writes, the
library's async store reads back alike."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from langgraph.store.base import GetOp, PutOp, SearchOp
from langgraph.store.sqlite.aio import AsyncSqliteStore

from bench.trips import counting_trips
from engine.core import Engine
from engine.storage.journal import RunScope, current_run

NAMESPACE = ("todo", "trips", "work")


@pytest.fixture
def calls() -> Iterator[tuple[Counter[int], Counter[int]]]:
    """Calls handed to each aiosqlite connection's thread, and calls run on the event loop
    instead (as `bench.trips` counts them)."""
    with counting_trips() as counted:
        yield counted


async def test_a_read_a_search_and_a_write_are_one_call_each_on_the_loop(
    engine: Engine, calls: tuple[Counter[int], Counter[int]]
) -> None:
    trips, here = calls
    store, conn = engine.store, engine.store.inner.conn
    await store.aput(NAMESPACE, "warm", {"task": "warm up"})
    for call in (
        store.aput(NAMESPACE, "milk", {"task": "Buy milk"}),
        store.aget(NAMESPACE, "milk"),
        store.asearch(NAMESPACE, limit=10),
        store.adelete(NAMESPACE, "warm"),
    ):
        trips.clear()
        here.clear()
        await call
        assert (trips[id(conn)], here[id(conn)]) == (0, 1), (trips, here)
    # A batch of several kinds is one call too, in the order the ops were given.
    trips.clear()
    here.clear()
    got, found, put = await store.abatch(
        [GetOp(NAMESPACE, "milk"), SearchOp(NAMESPACE, limit=5), PutOp(NAMESPACE, "bike", {"t": 1})]
    )
    assert (trips[id(conn)], here[id(conn)]) == (0, 1)
    assert got is not None and got.value == {"task": "Buy milk"}
    assert [item.key for item in found] == ["milk"] and put is None


async def test_the_librarys_async_store_reads_what_it_wrote(engine: Engine) -> None:
    store = engine.store
    current_run.set(RunScope("00000000-0000-4000-8000-0000000000aa", "thread"))
    await store.aput(NAMESPACE, "plumber", {"task": "Call the plumber", "deadline": "2026-12-03"})
    current_run.set(None)
    await store.aput(NAMESPACE, "gone", {"task": "x"})
    await store.adelete(NAMESPACE, "gone")
    ours = await store.asearch(NAMESPACE, limit=10)
    theirs_store = AsyncSqliteStore(engine.store.inner.conn)
    theirs_store.is_setup = True
    theirs = await theirs_store.asearch(NAMESPACE, limit=10)
    assert [(i.key, i.value, i.namespace) for i in ours] == [
        (i.key, i.value, i.namespace) for i in theirs
    ]
    assert [i.key for i in ours] == ["plumber"]
    item = await theirs_store.aget(NAMESPACE, "plumber")
    assert item is not None and item.value["deadline"] == "2026-12-03"
    # The run's write was journaled as ever.
    assert [e["key"] for e in await store.entries("00000000-0000-4000-8000-0000000000aa")] == [
        "plumber"
    ]
