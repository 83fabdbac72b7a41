"""Real SQLite checkpointer and store on tmp files, the offline model, pace 0."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiosqlite
import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.store.sqlite import AsyncSqliteStore

from engine.graphs.todo import builder

NOW = "2024-11-13T10:00:00"  # a Wednesday, as in the tutorial's week


@pytest.fixture
async def store(tmp_path) -> AsyncIterator[AsyncSqliteStore]:
    conn = await aiosqlite.connect(tmp_path / "store.db", isolation_level=None)
    st = AsyncSqliteStore(conn)
    await st.setup()
    yield st
    await conn.close()


@pytest.fixture
async def graph(tmp_path, store):
    conn = await aiosqlite.connect(tmp_path / "checkpoints.db", isolation_level=None)
    saver = AsyncSqliteSaver(conn)
    await saver.setup()
    yield builder.compile(checkpointer=saver, store=store)
    await conn.close()


def config(thread: str, user: str = "Test-Double-Texting", **extra: Any) -> dict:
    return {
        "configurable": {
            "thread_id": thread,
            "user_id": user,
            "now": NOW,
            "doubletext_pace": 0,
            **extra,
        },
        "recursion_limit": 25,
    }


async def send(graph, thread: str, text: str, **extra: Any) -> list:
    """Run one turn; return only this turn's new messages."""
    cfg = config(thread, **extra)
    before = await graph.aget_state(cfg)
    count = len(before.values.get("messages", [])) if before.values else 0
    out = await graph.ainvoke({"messages": [HumanMessage(text)]}, cfg)
    return out["messages"][count:]


async def todos(store, user: str = "Test-Double-Texting", category: str = "general") -> list[dict]:
    items = await store.asearch(("todo", category, user), limit=1000)
    return [i.value for i in sorted(items, key=lambda i: i.key)]
