"""A run cut during a store write costs that run only: the store keeps working (finding 1)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from pathlib import Path

from engine.config import DEFAULT_CONFIG, Settings
from engine.core import Engine
from engine.errors import ThreadBusy
from engine.storage.journal import RunScope, current_run
from tests.engine.conftest import human, wait_until

NAMESPACE = ("cuts", "test")


async def _cut_after(awaits: int, write) -> None:
    """Start `write`, let it run through `awaits` suspension points, then cancel it."""
    task = asyncio.ensure_future(write)
    for _ in range(awaits):
        await asyncio.sleep(0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_a_store_write_cut_at_every_await_leaves_the_store_usable(engine: Engine) -> None:
    """Deterministic: a write outside and inside a run, cancelled at each of its awaits in turn
    (the library's `BEGIN` await among them); every later write still works."""
    store = engine.store

    async def in_run(key: str) -> None:
        current_run.set(RunScope("00000000-0000-4000-8000-00000000000a", "thread"))
        await store.aput(NAMESPACE, key, {"in_run": True})

    for awaits in range(24):
        await _cut_after(awaits, store.aput(NAMESPACE, f"plain-{awaits}", {"n": awaits}))
        await _cut_after(awaits, in_run(f"run-{awaits}"))
        await store.aput(NAMESPACE, "probe", {"after": awaits})
        item = await store.aget(NAMESPACE, "probe")
        assert item is not None and item.value == {"after": awaits}
    # Whatever a cut write did is journaled: every journaled run write is in the store.
    async with engine.records.conn.execute(
        "SELECT key, applied FROM store_journal ORDER BY id"
    ) as cursor:
        journal = await cursor.fetchall()
    for key, applied in journal:
        assert applied == 1 and await store.aget(NAMESPACE, key) is not None


async def test_todo_runs_cut_at_random_moments_leave_the_store_working(tmp_path: Path) -> None:
    """The todo assistant (real model, real store), interrupted and rolled back at random."""
    settings = Settings(data_dir=tmp_path / "data", config_path=DEFAULT_CONFIG, pace=0.05)
    rng = random.Random(2026)
    config = {"configurable": {"user_id": "cuts"}}
    async with await Engine.open(settings) as engine:
        threads = [(await engine.create_thread())["thread_id"] for _ in range(3)]

        async def user(tid: str) -> None:
            for i in range(6):
                strategy = rng.choice(["interrupt", "rollback"])
                with contextlib.suppress(ThreadBusy):
                    await engine.create_run(
                        tid,
                        assistant_id="task_maistro",
                        input=human(f"Add a ToDo to water plant number {i}."),
                        config=config,
                        multitask_strategy=strategy,
                    )
                await asyncio.sleep(rng.uniform(0, 0.25))  # the workload's own timing

        await asyncio.gather(*(user(t) for t in threads))

        async def settled() -> bool:
            return all([not await engine.records.active_run_ids(t) for t in threads])

        await wait_until(settled, timeout=60, what="every todo run to end")
        for tid in threads:
            for run in await engine.list_runs(tid, limit=100):
                assert run["status"] in ("success", "interrupted"), run
        final = await engine.create_run(
            threads[0],
            assistant_id="task_maistro",
            input=human("Add a ToDo to check the store still works."),
            config=config,
        )
        assert "__error__" not in await engine.join_run(threads[0], final["run_id"])
        todos = await engine.store.asearch(("todo", "general", "cuts"), limit=100)
        assert any("store still works" in str(item.value) for item in todos)
