"""What the saver knows of a thread's head without reading agrees with reading it.

The saver skips head reads it can answer from its own writes (`OneTripSaver.known_head`, the
kept head row, a run's own last checkpoint): after every kind of change to a thread's
checkpoints, its answers must be exactly what a read of the database gives.
"""

from __future__ import annotations

from typing import Any

from engine.core import Engine
from engine.storage.checkpoints import thread_head
from tests.engine.conftest import human, wait_until
from tests.engine.gated_graphs import gates


async def _agrees(engine: Engine, thread_id: str) -> None:
    saver = engine.services.saver
    config: Any = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
    known = await thread_head(saver, thread_id)
    kept = await saver.aget_tuple(config)
    saver.forget(thread_id)
    assert saver.known_head(thread_id) is None
    assert await thread_head(saver, thread_id) == known
    read = await saver.aget_tuple(config)
    if read is None:
        assert kept is None
    else:
        assert kept is not None
        assert kept.config == read.config
        assert kept.parent_config == read.parent_config
        assert kept.checkpoint == read.checkpoint
        assert kept.metadata == read.metadata
        assert list(kept.pending_writes or []) == list(read.pending_writes or [])
    # The thread's row was settled from the head the run's end knew: it is the state read now
    # (no values at all while the thread has no checkpoint).
    thread = await engine.get_thread(thread_id)
    expected = None if read is None else (await engine.get_state(thread_id))["values"]
    assert thread.get("values") == expected


async def _run(engine: Engine, thread_id: str, text: str, **kw: Any) -> dict[str, Any]:
    run = await engine.create_run(thread_id, assistant_id="two_step", input=human(text), **kw)
    await engine.join_run(thread_id, run["run_id"])
    return run


async def test_known_head_agrees_with_a_read_after_each_change(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    await _run(engine, tid, "one")
    await _agrees(engine, tid)
    await _run(engine, tid, "two", interrupt_after=["first_step"])  # ends with a next node
    await _agrees(engine, tid)
    await _run(engine, tid, "three")
    await _agrees(engine, tid)

    await engine.update_state(tid, {"messages": [{"type": "ai", "content": "edited"}]})
    await _agrees(engine, tid)

    held = await engine.create_run(tid, assistant_id="gated", input=human("hold:rb"))
    await wait_until(lambda: gates.reached("rb"), what="run to hold")
    after = await engine.create_run(
        tid, assistant_id="gated", input=human("after"), multitask_strategy="rollback"
    )
    assert held["run_id"] not in [r["run_id"] for r in await engine.list_runs(tid)]
    await engine.join_run(tid, after["run_id"])
    await _agrees(engine, tid)

    last = await _run(engine, tid, "four")
    await engine.delete_run(tid, last["run_id"])
    await _agrees(engine, tid)

    copy = await engine.copy_thread(tid)
    await _agrees(engine, copy["thread_id"])
    await _run(engine, copy["thread_id"], "five")
    await _agrees(engine, copy["thread_id"])


async def test_rolled_back_first_run_leaves_a_known_empty_thread(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    held = await engine.create_run(tid, assistant_id="gated", input=human("hold:first"))
    await wait_until(lambda: gates.reached("first"), what="run to hold")
    await engine.cancel_runs(tid, [held["run_id"]], action="rollback")
    assert (await thread_head(engine.services.saver, tid)).checkpoint_id is None
    await _agrees(engine, tid)
    await _run(engine, tid, "again")
    await _agrees(engine, tid)


async def test_join_of_a_finished_run_answers_its_values(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    first = await _run(engine, tid, "one")
    await _run(engine, tid, "two")
    # The first run's answer is its own state, not the thread's head now.
    contents = [m["content"] for m in (await engine.join_run(tid, first["run_id"]))["messages"]]
    assert contents == ["one", "step1 for: one", "step2 for: one"]
