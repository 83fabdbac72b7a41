"""Many threads, random messages with random strategies at random moments; then invariants."""

from __future__ import annotations

import asyncio
import os
import random

import pytest

from engine.core import Engine
from engine.errors import RunNotFound, ThreadBusy
from engine.runs.status import TERMINAL
from engine.storage.checkpoints import run_has_checkpoints
from tests.engine.conftest import human, wait_until
from tests.engine.gated_graphs import monitor

STRATEGIES = ["reject", "enqueue", "interrupt", "rollback"]
THREADS, MESSAGES = 10, 12


@pytest.mark.parametrize("durability", [None, "async", "exit"])
async def test_random_double_texting_keeps_invariants(
    engine: Engine, durability: str | None
) -> None:
    seed = int(os.environ.get("DOUBLETEXT_STRESS_SEED", "20261123"))
    rng = random.Random(seed)
    threads = [(await engine.create_thread())["thread_id"] for _ in range(THREADS)]
    accepted: dict[str, list[tuple[str, str, str]]] = {t: [] for t in threads}
    rejected = 0

    async def user(tid: str, plan: list[tuple[float, str, float]]) -> None:
        nonlocal rejected
        for index, (pause, strategy, work) in enumerate(plan):
            await asyncio.sleep(pause)  # the workload's own timing, not a wait for a result
            text = f"jitter:{work:.3f}:{tid[:6]}-{index}"
            try:
                run = await engine.create_run(
                    tid,
                    assistant_id="gated",
                    input=human(text),
                    multitask_strategy=strategy,
                    durability=durability,
                )
            except ThreadBusy:
                rejected += 1
                continue
            accepted[tid].append((run["run_id"], strategy, text))

    plans = {
        t: [
            (rng.uniform(0, 0.03), rng.choice(STRATEGIES), rng.uniform(0, 0.02))
            for _ in range(MESSAGES)
        ]
        for t in threads
    }
    await asyncio.gather(*(user(t, plans[t]) for t in threads))

    async def settled() -> bool:
        for tid in threads:
            if await engine.records.active_run_ids(tid):
                return False
        return True

    await wait_until(settled, timeout=60, what="all threads to settle")
    total = sum(len(v) for v in accepted.values())
    assert total + rejected == THREADS * MESSAGES, f"seed {seed}"

    for tid in threads:
        runs = accepted[tid]
        # At most one running run per thread at any moment.
        assert monitor.max_running[tid] <= 1, f"seed {seed}"
        statuses: dict[str, str] = {}
        for run_id, _, _ in runs:
            try:
                statuses[run_id] = (await engine.get_run(tid, run_id))["status"]
            except RunNotFound:
                statuses[run_id] = "deleted"
        # Every run terminal (or deliberately removed).
        assert set(statuses.values()) <= TERMINAL | {"deleted"}, f"seed {seed}"
        # FIFO: runs started in the order they were accepted.
        order = [r for r, _, _ in runs]
        started = monitor.started[tid]
        assert started == [r for r in order if r in started], f"seed {seed}"
        # Each removal / interruption was caused by a later rollback / interrupt.
        for index, (run_id, _, _) in enumerate(runs):
            later = {s for _, s, _ in runs[index + 1 :]}
            if statuses[run_id] == "deleted":
                assert "rollback" in later
                left = await run_has_checkpoints(engine.services.saver, tid, run_id)
                assert not left, f"rolled-back run {run_id} left checkpoints (seed {seed})"
            if statuses[run_id] == "interrupted":
                assert "interrupt" in later
        contents = [
            m["content"] for m in (await engine.get_state(tid))["values"].get("messages", [])
        ]
        for run_id, _, text in runs:
            status = statuses[run_id]
            if status == "success":
                assert contents.count(text) == 1 and f"reply to: {text}" in contents
            elif status == "interrupted" and run_id in started:
                assert text in contents, f"interrupted input lost (seed {seed})"
            elif status == "deleted":
                assert text not in contents
        thread = await engine.get_thread(tid)
        assert thread["status"] in ("idle", "interrupted"), f"seed {seed}"
