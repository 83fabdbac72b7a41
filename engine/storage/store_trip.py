"""LangGraph's `AsyncSqliteStore`, with each batch in one call to the database.

The library's async batch awaits every step on its own: `BEGIN`, the cursor, each statement,
each fetch, `COMMIT`, the cursor's close. That is six hand-offs to aiosqlite's thread and back
for one `aget` or `asearch` (`python -m bench.trips` counted them), 0.9–1.7 ms each, and the todo
graph makes three such reads before its model says a word. The library's *sync* store runs the
same statements (both build them with `BaseSqliteStore`'s queries) on a plain `sqlite3`
connection: here it runs on aiosqlite's connection as one call (`inline.call`: on the event loop
while the connection's thread is idle, else queued to that thread). Either way the call runs to
its end even when its caller is cancelled, so a batch is never cut between `BEGIN` and `COMMIT`.

With a vector index (embeddings are async) the library's own async batch is used, unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from langgraph.store.base import Op, Result
from langgraph.store.sqlite import SqliteStore
from langgraph.store.sqlite.aio import AsyncSqliteStore

from engine.storage.inline import call


class OneTripStore(AsyncSqliteStore):
    """`AsyncSqliteStore` whose batches are one call each (see the module doc)."""

    def __init__(self, conn: Any, **kwargs: Any) -> None:
        super().__init__(conn, **kwargs)
        self._here: SqliteStore | None = None  # built on first use

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        if self.index_config:
            return await super().abatch(ops)
        if not self.is_setup:
            await self.setup()
        batch = list(ops)
        # The library's lock: no async-store call of its own (several trips) interleaves.
        async with self.lock:
            return await call(self.conn, self._batch_here, batch)

    def _batch_here(self, ops: list[Op]) -> list[Result]:
        """In one call: the library's sync batch on the same connection."""
        if self._here is None:
            self._here = SqliteStore(
                self.conn._conn, deserializer=self._deserializer, ttl=self.ttl_config
            )
            self._here.is_setup = True  # the tables and migrations are this store's `setup`
        return self._here.batch(ops)
