"""A run's end starts the thread's next run in the same write (`StartNext`): one trip fewer per
queued or preempting run, and the next run starts the moment the last one is done.

Counted, not timed: `bench.trips` counts the calls each SQLite connection's thread is handed.
"""

from __future__ import annotations

import asyncio

import pytest

from bench.trips import measure
from engine.core import Engine
from engine.errors import RunNotFound, ThreadNotFound
from tests.engine.conftest import human, wait_until
from tests.engine.gated_graphs import gates


async def test_a_preempting_run_starts_in_the_write_that_ends_the_stopped_one() -> None:
    counts = await measure()
    # Accept (run 2 in, run 1 told to stop); run 1 sealed or removed *and* run 2 started; run
    # 2's end. Before, run 2's claim was a write of its own, a rollback read run 1's row and
    # its store writes apart, and the join read the row of a run it was executing (5 and 7).
    assert counts["preempt interrupt"]["engine.db"] == 3, counts
    assert counts["preempt rollback"]["engine.db"] == 3, counts
    # As over HTTP, the create answers before run 1 is stopped and the join comes first: it
    # follows run 2 from its acceptance, with no read of its row.
    assert counts["preempt interrupt, as over HTTP"]["engine.db"] == 3, counts
    assert counts["preempt rollback, as over HTTP"]["engine.db"] == 3, counts
    # A join after the run ended is answered from what its end answered: accept, claim, end.
    assert counts["noop run, joined after its end"]["engine.db"] == 3, counts
    # A todo run's store calls are one each (`OneTripStore`): the model's node reads the
    # profile, the instructions and the todos, twice (before the tool call and after it); the
    # tool reads the todos, then its journaled put reads the old value and writes. The
    # library's store took 53 trips for the same calls. (Counts are calls, whether run on the
    # loop or handed to the connection's thread.)
    assert counts["todo run (files a todo)"]["store.db"] == 9, counts


async def test_queued_runs_each_start_as_the_one_before_ends(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    runs = [
        await engine.create_run(
            tid, assistant_id="two_step", input=human(f"m{i}"), multitask_strategy="enqueue"
        )
        for i in range(5)
    ]
    await engine.join_run(tid, runs[-1]["run_id"])
    story = await engine.thread_story(tid)
    events = [(e["kind"], e["run_id"]) for e in story if e["kind"] in ("run_started", "run_ended")]
    # Strictly one at a time, in acceptance order: each start follows the previous end.
    expected = [(k, r["run_id"]) for r in runs for k in ("run_started", "run_ended")]
    assert events == expected
    statuses = [r["status"] for r in await engine.list_runs(tid)]
    assert statuses == ["success"] * 5


async def test_a_handed_off_run_cancelled_at_once_still_ends_and_leaves_nothing_behind(
    engine: Engine,
) -> None:
    """Run 2 is started by run 1's end; a cancel right after finds it among the executing runs
    (it is registered before any other task runs): it ends, and no execution is left over.
    Run 2 holds at a gate, so it is still running when the cancel comes."""
    tid = (await engine.create_thread())["thread_id"]
    run1 = await engine.create_run(tid, assistant_id="two_step", input=human("hold:h1"))
    run2 = await engine.create_run(
        tid, assistant_id="two_step", input=human("hold:h2"), multitask_strategy="enqueue"
    )

    async def handed_off() -> bool:
        return (await engine.get_run(tid, run2["run_id"]))["status"] != "pending"

    gates.open("h1")
    await wait_until(handed_off, what="run 2 started")
    await engine.cancel_runs(tid, [run2["run_id"]], action="interrupt")
    await engine.join_run(tid, run2["run_id"])
    assert (await engine.get_run(tid, run1["run_id"]))["status"] == "success"
    assert (await engine.get_run(tid, run2["run_id"]))["status"] == "interrupted"
    await wait_until(
        lambda: asyncio.sleep(0, result=not engine.lifecycle.executions),
        what="no execution left",
    )


async def test_a_join_of_an_executing_run_answers_without_a_read_and_only_on_its_thread(
    engine: Engine,
) -> None:
    """`find_run` knows a run this engine is executing without reading its row, but only on
    its own thread: asked through another thread, it is still a 404."""
    tid = (await engine.create_thread())["thread_id"]
    other = (await engine.create_thread())["thread_id"]
    run = await engine.create_run(tid, assistant_id="gated", input=human("hold:j"))
    await wait_until(lambda: gates.reached("j"), what="the run holding")
    assert await engine.find_run(tid, run["run_id"]) is None  # executing: no read needed
    with pytest.raises(RunNotFound):
        await engine.find_run(other, run["run_id"])
    joined = asyncio.ensure_future(engine.join_run(tid, run["run_id"]))
    gates.open("j")
    values = await asyncio.wait_for(joined, 10)
    assert [m["type"] for m in values["messages"]] == ["human", "ai"]
    assert (await engine.get_run(tid, run["run_id"]))["status"] == "success"


async def test_a_join_of_a_queued_run_follows_it_unread_and_a_rolled_back_one_is_a_404(
    engine: Engine,
) -> None:
    """A run this engine accepted is followed from acceptance, before any driver takes it (a
    join right after a preempting create over HTTP finds it so): no read, only on its own
    thread. A queued run rolled back meanwhile ends its join with a 404, as an unknown run."""
    tid = (await engine.create_thread())["thread_id"]
    other = (await engine.create_thread())["thread_id"]
    await engine.create_run(tid, assistant_id="gated", input=human("hold:q"))
    await wait_until(lambda: gates.reached("q"), what="run 1 holding")
    queued = await engine.create_run(
        tid, assistant_id="gated", input=human("two"), multitask_strategy="enqueue"
    )
    doomed = await engine.create_run(
        tid, assistant_id="gated", input=human("three"), multitask_strategy="enqueue"
    )
    for run in (queued, doomed):
        assert await engine.find_run(tid, run["run_id"]) is None  # pending, followed unread
        with pytest.raises(RunNotFound):
            await engine.find_run(other, run["run_id"])
    joined = asyncio.ensure_future(engine.join_run(tid, queued["run_id"]))
    lost = asyncio.ensure_future(engine.join_run(tid, doomed["run_id"]))
    await engine.cancel_runs(tid, [doomed["run_id"]], action="rollback")
    with pytest.raises(RunNotFound):
        await asyncio.wait_for(lost, 10)
    assert not joined.done()
    gates.open("q")
    values = await asyncio.wait_for(joined, 10)
    assert [m["content"] for m in values["messages"] if m["type"] == "human"] == ["hold:q", "two"]


async def test_a_join_of_a_run_that_ended_here_answers_unread_until_its_thread_is_gone(
    engine: Engine,
) -> None:
    """A run that ended here with a result is answered from what its end answered, without a
    read, on its own thread only; once it or its thread is deleted, a join is a 404 again."""
    tid = (await engine.create_thread())["thread_id"]
    other = (await engine.create_thread())["thread_id"]
    kept, deleted = [
        await engine.create_run(
            tid, assistant_id="gated", input=human(text), multitask_strategy="enqueue"
        )
        for text in ("one", "two")
    ]
    await engine.join_run(tid, deleted["run_id"])
    assert await engine.find_run(tid, kept["run_id"]) is None  # ended, kept: no read
    values = await engine.join_run(tid, kept["run_id"])
    assert [m["content"] for m in values["messages"] if m["type"] == "human"] == ["one"]
    with pytest.raises(RunNotFound):
        await engine.find_run(other, kept["run_id"])
    await engine.delete_run(tid, deleted["run_id"])
    with pytest.raises(RunNotFound):
        await engine.find_run(tid, deleted["run_id"])
    await engine.delete_thread(tid)
    with pytest.raises(ThreadNotFound):
        await engine.find_run(tid, kept["run_id"])
    with pytest.raises(ThreadNotFound):
        await engine.join_run(tid, kept["run_id"])


@pytest.mark.parametrize("strategy", ["interrupt", "rollback"])
async def test_a_preempts_steps_come_in_order_on_its_time_line(strategy: str) -> None:
    """`bench.phases` notes when each step begins and ends: run 2's graph starts only once run
    1's graph has unwound and its end (seal or removal, with run 2's claim) is written, and the
    join answers only after run 2's end is written."""
    from bench.phases import measure as phases

    found = (await phases(strategy, repeats=3))["steps"]
    stopped = found["a run's graph (execute), already going"]
    accept = found["accept (one transaction) #1"]
    ended = found["a run's end, all of it #1"]
    graph = found["a run's graph (execute) #1"]
    last = found["a run's end, all of it #2"]
    assert accept["end_ms"] <= stopped["end_ms"] <= ended["begin_ms"]
    assert ended["end_ms"] <= graph["begin_ms"] <= graph["end_ms"] <= last["begin_ms"]
    if strategy == "interrupt":
        assert found["end write (and the next run's claim) #1"]["end_ms"] <= graph["begin_ms"]
    else:
        assert found["rollback: delete the stopped run #1"]["end_ms"] <= graph["begin_ms"]
    # every step above was seen in every sample (medians of per-sample order keep the order)
    assert {stopped["in_samples"], accept["in_samples"], graph["in_samples"]} == {3}
