"""The run lifecycle: deleting a run, channels after every kind of end, cancel reasons, races."""

from __future__ import annotations

import asyncio
import contextlib
import random

import pytest

from engine.core import Engine
from engine.errors import Conflict, RunNotFound, ThreadBusy, ThreadNotFound
from engine.runs import reasons
from tests.engine.conftest import human, wait_until
from tests.engine.gated_graphs import gates


async def _messages(engine: Engine, tid: str) -> list[str]:
    return [m["content"] for m in (await engine.get_state(tid))["values"].get("messages", [])]


async def _run(engine: Engine, tid: str, text: str, **kw) -> dict:
    return await engine.create_run(tid, assistant_id="gated", input=human(text), **kw)


async def _until_running(engine: Engine, tid: str, run_id: str) -> None:
    async def running() -> bool:
        return (await engine.get_run(tid, run_id))["status"] == "running"

    await wait_until(running, what=f"run {run_id[:8]} running")


async def test_deleting_an_older_run_keeps_the_later_runs_state(engine: Engine) -> None:
    """Finding 3: it removes that run's record and its own checkpoints, nothing else."""
    tid = (await engine.create_thread())["thread_id"]
    one = await _run(engine, tid, "one")
    await engine.join_run(tid, one["run_id"])
    two = await _run(engine, tid, "two")
    await engine.join_run(tid, two["run_id"])
    before = await _messages(engine, tid)
    assert before == ["one", "reply to: one", "two", "reply to: two"]

    await engine.delete_run(tid, one["run_id"])

    with pytest.raises(RunNotFound):
        await engine.get_run(tid, one["run_id"])
    assert (await engine.get_run(tid, two["run_id"]))["status"] == "success"
    assert await _messages(engine, tid) == before
    history_runs = {s["metadata"]["run_id"] for s in await engine.get_history(tid, limit=100)}
    assert history_runs == {two["run_id"]}
    assert (await engine.get_thread(tid))["status"] == "idle"


async def test_deleting_the_latest_run_falls_back_to_the_earlier_state(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    for text in ("one", "two"):
        run = await _run(engine, tid, text)
        await engine.join_run(tid, run["run_id"])
    await engine.delete_run(tid, run["run_id"])
    assert await _messages(engine, tid) == ["one", "reply to: one"]


async def test_every_ending_takes_the_channel_out_of_the_live_set(engine: Engine) -> None:
    """Finding 2: a run's event channel leaves the live set however the run ends."""
    channels = engine.services.channels
    tid = (await engine.create_thread())["thread_id"]
    ok = await _run(engine, tid, "fine")
    await engine.join_run(tid, ok["run_id"])
    failed = await _run(engine, tid, "fail")
    await engine.join_run(tid, failed["run_id"])
    held = await _run(engine, tid, "hold:a")
    await _until_running(engine, tid, held["run_id"])
    queued = await _run(engine, tid, "queued")
    cut = await _run(engine, tid, "hold:b", multitask_strategy="interrupt")
    await _until_running(engine, tid, cut["run_id"])
    last = await _run(engine, tid, "last", multitask_strategy="rollback")
    await engine.join_run(tid, last["run_id"])
    other = (await engine.create_thread())["thread_id"]
    doomed = await _run(engine, other, "hold:c")
    await _until_running(engine, other, doomed["run_id"])
    await engine.delete_thread(other)

    statuses = [
        (await engine.get_run(tid, r["run_id"]))["status"] for r in (ok, failed, held, queued)
    ]
    assert statuses == ["success", "error", "interrupted", "interrupted"]
    assert channels.live_count == 0
    assert channels.finished_count <= 256


async def test_channels_are_bounded_by_bytes_and_serialize_each_event_once(engine: Engine) -> None:
    from engine.runs.events import ChannelRegistry

    registry = ChannelRegistry(keep_finished=100, keep_bytes=10_000)
    for i in range(20):
        registry.open(f"r{i}", "t").publish("values", {"blob": "x" * 1000})
        registry.close(f"r{i}")
    assert registry.finished_count < 10 and registry.get("r19") is not None
    channel = registry.open("big", "t")
    event = channel.publish("values", {"messages": ["y" * 10_000]})
    followers = [channel.follow(0), channel.follow(0)]
    seen = [await anext(f) for f in followers]
    assert seen[0] is seen[1] is event  # one Event (one JSON encoding) for every subscriber
    assert event.frame(False).count(event.json) == 1
    assert event.frame(True).endswith(b"id: 1\r\n\r\n")
    # A large event is sent as slices of that one encoding, never copied per subscriber.
    head, *slices, tail = event.chunks(with_id=True, size=4096)
    assert all(isinstance(s, memoryview) and s.obj is event.json for s in slices)
    assert head + b"".join(slices) + tail == event.frame(True)


async def test_cancel_reasons_are_recorded_on_the_run(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    first = await _run(engine, tid, "hold:first")
    await _until_running(engine, tid, first["run_id"])
    second = await _run(engine, tid, "hold:second", multitask_strategy="interrupt")
    cut = await engine.get_run(tid, first["run_id"])
    assert cut["status"] == "interrupted"
    assert cut["cancel_reason"] == (
        f"superseded by run {second['run_id']} (multitask_strategy=interrupt)"
    )
    await _until_running(engine, tid, second["run_id"])
    reason = reasons.thread_cancel("interrupt", tid, second["run_id"])
    await engine.cancel_runs(tid, [second["run_id"]], reason=reason)
    assert (await engine.get_run(tid, second["run_id"]))["cancel_reason"] == (
        "interrupt requested via POST /threads/{thread_id}/runs/{run_id}/cancel"
    )
    queued_behind = await _run(engine, tid, "hold:third")
    await _until_running(engine, tid, queued_behind["run_id"])
    waiting = await _run(engine, tid, "waiting")
    await engine.cancel_runs(None, status="pending", reason=reasons.many_cancel("interrupt"))
    assert (await engine.get_run(tid, waiting["run_id"]))["cancel_reason"] == (
        "interrupt requested via POST /runs/cancel"
    )
    gates.open("third")
    await engine.join_run(tid, queued_behind["run_id"])
    done = await engine.get_run(tid, queued_behind["run_id"])
    assert (done["status"], done["cancel_reason"]) == ("success", None)


async def test_delete_thread_racing_run_creation_leaves_nothing(engine: Engine) -> None:
    """Finding 7: whichever wins, no run or checkpoint of a deleted thread survives."""
    rng = random.Random(7)
    deleted = []
    for i in range(40):
        tid = (await engine.create_thread())["thread_id"]
        first = await _run(engine, tid, f"jitter:{rng.uniform(0, 0.005):.4f}")
        if i % 2:
            await engine.join_run(tid, first["run_id"])

        async def create(tid: str = tid, i: int = i) -> None:
            await asyncio.sleep(rng.uniform(0, 0.002))
            strategy = ("enqueue", "interrupt", "rollback")[i % 3]
            with contextlib.suppress(ThreadNotFound, ThreadBusy):
                await _run(engine, tid, f"race {i}", multitask_strategy=strategy)

        async def delete(tid: str = tid) -> None:
            await asyncio.sleep(rng.uniform(0, 0.002))
            await engine.delete_thread(tid)

        await asyncio.gather(create(), create(), delete(), create())
        deleted.append(tid)

    async def quiet() -> bool:
        return not engine.lifecycle.executions

    await wait_until(quiet, what="every run to stop")
    conn, saver = engine.records.conn, engine.services.saver
    marks = ", ".join("?" * len(deleted))
    async with conn.execute(
        f"SELECT COUNT(*) FROM runs WHERE thread_id IN ({marks})", deleted
    ) as c:
        assert (await c.fetchone())[0] == 0
    async with conn.execute(
        f"SELECT COUNT(*) FROM threads WHERE thread_id IN ({marks})", deleted
    ) as c:
        assert (await c.fetchone())[0] == 0
    async with saver.conn.execute(
        f"SELECT COUNT(*) FROM checkpoints WHERE thread_id IN ({marks})", deleted
    ) as c:
        assert (await c.fetchone())[0] == 0
    async with saver.conn.execute(
        f"SELECT COUNT(*) FROM writes WHERE thread_id IN ({marks})", deleted
    ) as c:
        assert (await c.fetchone())[0] == 0


async def test_a_state_edit_racing_run_creation_is_refused_or_outlives_the_run(
    engine: Engine,
) -> None:
    """An edit answered as made was made on a thread with no run in flight: a run accepted
    meanwhile starts after it, so rolling that run back keeps the edit. (The edit used to check
    for runs, then write, with a create able to slip in between: the rollback then took the
    edit with it.)"""
    rng = random.Random(5)
    for name in ("busy-a", "busy-b"):  # runs executing elsewhere: storage calls leave the loop
        other = (await engine.create_thread())["thread_id"]
        await _run(engine, other, f"hold:{name}")
        await wait_until(lambda name=name: gates.reached(name), what=f"{name} to hold")
    edited = 0
    for i in range(40):
        tid = (await engine.create_thread())["thread_id"]
        first = await _run(engine, tid, "first")
        await engine.join_run(tid, first["run_id"])

        async def edit(tid: str = tid, i: int = i) -> bool:
            await asyncio.sleep(rng.uniform(0, 0.002))
            try:
                await engine.update_state(tid, {"messages": [{"type": "ai", "content": f"E{i}"}]})
            except Conflict:
                return False
            return True

        async def create(tid: str = tid, i: int = i) -> dict:
            await asyncio.sleep(rng.uniform(0, 0.002))
            return await _run(engine, tid, f"hold:g{i}")

        made, run = await asyncio.gather(edit(), create())
        await wait_until(lambda i=i: gates.reached(f"g{i}"), what=f"run {i} to hold")
        await engine.cancel_runs(tid, [run["run_id"]], action="rollback")
        kept = ["first", "reply to: first", *([f"E{i}"] if made else [])]
        assert await _messages(engine, tid) == kept, f"race {i}"
        edited += made
    assert edited  # the edit won some of the races
    gates.open("busy-a")
    gates.open("busy-b")


async def test_a_metadata_patch_racing_a_first_run_keeps_the_runs_graph(engine: Engine) -> None:
    """A patch merges into the metadata it read: a first run accepted between that read and
    its write would lose the `graph_id` it wrote (and the thread its state). Forced here: the
    run waits at the thread's lock, the patch reads while it waits, and every SQLite call goes
    to the connection's thread in order (as on a loaded engine), so the run's write lands
    between the patch's read and write unless the patch waits for the lock too."""
    tid = (await engine.create_thread())["thread_id"]
    conn = engine.records.conn
    loop_busy, conn.loop_busy = conn.loop_busy, lambda: True
    try:
        lock = engine.lifecycle.lock(tid)

        async def run_waits() -> bool:
            return bool(lock._waiters)  # asyncio.Lock's queue: the run is waiting for the lock

        async with lock:
            accepting = asyncio.create_task(_run(engine, tid, "first"))
            await wait_until(run_waits, what="the run at the thread's lock")
            patching = asyncio.create_task(engine.patch_thread(tid, {"owner": "me"}))
        run, _ = await asyncio.gather(accepting, patching)
    finally:
        conn.loop_busy = loop_busy
    await engine.join_run(tid, run["run_id"])
    metadata = (await engine.get_thread(tid))["metadata"]
    assert metadata["owner"] == "me"
    assert metadata["graph_id"] == "gated"
    assert await _messages(engine, tid) == ["first", "reply to: first"]


async def test_a_stateless_runs_thread_goes_after_a_run_queued_behind_it(engine: Engine) -> None:
    """A run a client queues on a stateless run's thread keeps it only until that run is done
    too (it stayed for ever: only the stateless run's own end dropped its thread, and it found
    the queued run still there); a restart's recovery already dropped it."""
    first = await engine.create_run(None, assistant_id="gated", input=human("hold:first"))
    tid = first["thread_id"]
    await wait_until(lambda: gates.reached("first"), what="the stateless run at its gate")
    second = await _run(engine, tid, "second")
    gates.open("first")
    await engine.join_run(tid, second["run_id"])

    async def gone() -> bool:
        return await engine.records.thread(tid) is None

    await wait_until(gone, what="the stateless run's thread to be dropped")
