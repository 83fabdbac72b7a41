"""Dispatch: threads run side by side up to the limit; timeouts; streams; joins."""

from __future__ import annotations

import asyncio

from engine.config import Settings
from engine.core import Engine
from tests.engine.conftest import human, wait_until
from tests.engine.gated_graphs import gates


async def test_threads_run_concurrently_up_to_the_limit(settings: Settings) -> None:
    settings.max_concurrency = 2
    async with await Engine.open(settings) as engine:
        threads = [(await engine.create_thread())["thread_id"] for _ in range(3)]
        runs = [
            await engine.create_run(t, assistant_id="gated", input=human(f"hold:{i}"))
            for i, t in enumerate(threads)
        ]

        async def statuses() -> list[str]:
            return [(await engine.get_run(r["thread_id"], r["run_id"]))["status"] for r in runs]

        async def two_running() -> bool:
            return (await statuses()).count("running") == 2

        await wait_until(two_running, what="two runs running at once")
        assert sorted(await statuses()) == ["pending", "running", "running"]
        for i in range(3):
            gates.open(str(i))
        for run in runs:
            await engine.join_run(run["thread_id"], run["run_id"])
        assert await statuses() == ["success"] * 3


async def test_run_timeout_ends_in_timeout_and_thread_error(settings: Settings) -> None:
    settings.run_timeout_s = 0.05
    async with await Engine.open(settings) as engine:
        tid = (await engine.create_thread())["thread_id"]
        run = await engine.create_run(tid, assistant_id="gated", input=human("hold:forever"))
        result = await engine.join_run(tid, run["run_id"])
        assert result["__error__"]["error"] == "TimeoutError"
        assert (await engine.get_run(tid, run["run_id"]))["status"] == "timeout"
        assert (await engine.get_thread(tid))["status"] == "error"
        # The next run on the thread still works and clears the error.
        ok = await engine.create_run(tid, assistant_id="gated", input=human("fine"))
        await engine.join_run(tid, ok["run_id"])
        thread = await engine.get_thread(tid)
        assert thread["status"] == "idle" and thread["error"] is None


async def test_stream_replays_from_start_and_interrupt_closes_it(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    run = await engine.create_run(
        tid, assistant_id="gated", input=human("hold:s"), stream_mode=["values", "updates"]
    )
    events: list[str] = []

    async def consume() -> None:
        async for event in engine.subscribe(tid, run["run_id"], after_id=0):
            events.append(event.event)

    consumer = asyncio.create_task(consume())

    async def got_values() -> bool:
        return "values" in events

    await wait_until(got_values, what="the first values event")
    await engine.cancel_runs(tid, [run["run_id"]], action="interrupt")
    await asyncio.wait_for(consumer, 5)  # an interrupted run's stream simply ends
    assert events[0] == "metadata" and "error" not in events
    assert (await engine.get_thread(tid))["status"] == "interrupted"  # head still has `next`


async def test_failed_run_publishes_error_and_join_reports_it(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    run = await engine.create_run(tid, assistant_id="gated", input=human("fail"))
    result = await engine.join_run(tid, run["run_id"])
    assert result == {"__error__": {"error": "ValueError", "message": "boom"}}
    assert (await engine.get_run(tid, run["run_id"]))["status"] == "error"
    events = [e.event async for e in engine.subscribe(tid, run["run_id"], after_id=0)]
    assert events[0] == "metadata" and events[-1] == "error"
    assert (await engine.get_thread(tid))["status"] == "error"
