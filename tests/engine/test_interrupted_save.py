"""An interrupt that lands while a finished step's checkpoint waits to be saved keeps that step.

LangGraph saves a step's checkpoint in a task of its own and, with durability "sync", awaits it
before the next step; a cancel of the run then cancels that save too. Under load the save can
wait on the checkpoint connection (other threads' saves ahead of it) long after the step's
writes were saved and a client saw its output in the thread's state (`get_state` shows a
finished task's writes). Cut there, the head stayed the step's parent with the writes pending on
it, and the interrupting run, bringing new input, discarded them: the thread lost what it had
shown (the `bench lost-input` scenario under parallel load: `[second, reply]` after a client saw
`[first]`). The saver now completes a save it has begun even when its caller is cancelled.
"""

from __future__ import annotations

from engine.core import Engine
from tests.engine.conftest import human, wait_until
from tests.engine.gated_graphs import gates


def _texts(values: dict) -> list[str]:
    return [m["content"] if isinstance(m, dict) else m.content for m in values["messages"]]


async def test_interrupt_while_a_finished_step_is_being_saved_keeps_it(engine: Engine) -> None:
    saver = engine.services.saver
    tid = (await engine.create_thread())["thread_id"]
    first = await engine.create_run(tid, assistant_id="gated", input=human("hold:a"))
    await wait_until(lambda: gates.reached("a"), what="run 1 to hold in its node")

    # The checkpoint connection is busy (as under load): run 1's node finishes, its writes and
    # then its step's checkpoint queue behind it.
    async with saver.lock:

        async def save_queued() -> bool:
            # asyncio.Lock keeps its queue in `_waiters`: the node's writes and the step's save.
            return len(saver.lock._waiters or ()) >= 2

        gates.open("a")
        await wait_until(save_queued, what="run 1's writes and checkpoint to queue")
        second = await engine.create_run(  # as the HTTP API does: run 1 stops meanwhile
            tid,
            assistant_id="gated",
            input=human("second"),
            multitask_strategy="interrupt",
            wait_for_cancels=False,
        )
    expected = ["hold:a", "reply to: hold:a", "second", "reply to: second"]
    assert _texts(await engine.join_run(tid, second["run_id"])) == expected
    assert _texts((await engine.get_state(tid))["values"]) == expected
    assert (await engine.get_run(tid, first["run_id"]))["status"] == "interrupted"
    # The thread's story tells that step's checkpoint too, although its save finished after the
    # cancel reached run 1 (the saver tells it from the save's own trip).
    story = await engine.thread_story(tid)
    steps = [
        e
        for e in story
        if e["kind"] == "checkpoint" and e["run_id"] == first["run_id"] and e.get("node")
    ]
    assert [e["node"] for e in steps] == ["__start__", "respond"]
