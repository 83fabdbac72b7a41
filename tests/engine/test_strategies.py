"""Each strategy × {thread idle, run 1 running, run 1 still pending, several runs pending}.

Expected outcomes are the ones measured on the LangGraph server: on an idle thread every strategy
just queues the run; a new run cancels *every* inflight run (running and pending) with its own
strategy; a pending run that is interrupted never executes, a rolled-back one is deleted.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.config import Settings
from engine.core import Engine
from engine.errors import RunNotFound, ThreadBusy
from tests.engine.conftest import human, wait_until
from tests.engine.gated_graphs import gates


async def messages(engine: Engine, thread_id: str) -> list[str]:
    state = await engine.get_state(thread_id)
    return [m["content"] for m in state["values"].get("messages", [])]


async def status_of(engine: Engine, thread_id: str, run_id: str) -> str:
    try:
        return (await engine.get_run(thread_id, run_id))["status"]
    except RunNotFound:
        return "deleted"


async def history_by_run(engine: Engine, thread_id: str) -> dict[str, list[int]]:
    steps: dict[str, list[int]] = {}
    for state in reversed(await engine.get_history(thread_id, limit=100)):
        steps.setdefault(state["metadata"]["run_id"], []).append(state["metadata"]["step"])
    return steps


async def start(engine: Engine, thread_id: str, text: str, **kw: Any) -> dict[str, Any]:
    return await engine.create_run(thread_id, assistant_id="gated", input=human(text), **kw)


async def until_status(engine: Engine, thread_id: str, run_id: str, status: str) -> None:
    async def check() -> bool:
        return await status_of(engine, thread_id, run_id) == status

    await wait_until(check, what=f"run {run_id[:8]} {status}")


async def settle(engine: Engine, thread_id: str) -> None:
    async def idle() -> bool:
        return not await engine.records.active_run_ids(thread_id)

    await wait_until(idle, what="thread to settle")


STRATEGIES = ["reject", "enqueue", "interrupt", "rollback"]


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_idle_thread_every_strategy_simply_runs(engine: Engine, strategy: str) -> None:
    tid = (await engine.create_thread())["thread_id"]
    run1 = await start(engine, tid, "first")
    await engine.join_run(tid, run1["run_id"])
    run2 = await start(engine, tid, "second", multitask_strategy=strategy)
    assert run2["multitask_strategy"] == strategy and run2["status"] == "pending"
    await engine.join_run(tid, run2["run_id"])
    assert await status_of(engine, tid, run1["run_id"]) == "success"
    assert await status_of(engine, tid, run2["run_id"]) == "success"
    assert await messages(engine, tid) == ["first", "reply to: first", "second", "reply to: second"]
    assert (await engine.get_thread(tid))["status"] == "idle"


async def test_omitted_strategy_recorded_on_run(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    run = await start(engine, tid, "first")
    assert run["multitask_strategy"] == "enqueue"
    assert (await engine.get_run(tid, run["run_id"]))["multitask_strategy"] == "enqueue"


# -- run 1 running ---------------------------------------------------------------------------

RUNNING_EXPECTED = {
    "reject": (["success"], ["hold:one", "reply to: hold:one"]),
    "enqueue": (
        ["success", "success"],
        ["hold:one", "reply to: hold:one", "second", "reply to: second"],
    ),
    "interrupt": (["interrupted", "success"], ["hold:one", "second", "reply to: second"]),
    "rollback": (["deleted", "success"], ["second", "reply to: second"]),
}


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_run1_running(engine: Engine, strategy: str) -> None:
    tid = (await engine.create_thread())["thread_id"]
    run1 = await start(engine, tid, "hold:one")
    await until_status(engine, tid, run1["run_id"], "running")
    # Running is not enough under load: wait until its node holds (checkpoints -1, 0 saved).
    await wait_until(lambda: gates.reached("one"), what="run 1's node to hold")
    run_ids = [run1["run_id"]]
    if strategy == "reject":
        with pytest.raises(ThreadBusy, match="Thread is already running a task"):
            await start(engine, tid, "second", multitask_strategy=strategy)
        assert await status_of(engine, tid, run1["run_id"]) == "running"
    else:
        run2 = await start(engine, tid, "second", multitask_strategy=strategy)
        run_ids.append(run2["run_id"])
        # The strategy has acted by the time create returns.
        right_after = await status_of(engine, tid, run1["run_id"])
        assert right_after == {"enqueue": "running", "interrupt": "interrupted"}.get(
            strategy, "deleted"
        )
    gates.open("one")
    await settle(engine, tid)
    statuses, expected_messages = RUNNING_EXPECTED[strategy]
    assert [await status_of(engine, tid, r) for r in run_ids] == statuses
    assert await messages(engine, tid) == expected_messages
    listed = [r["run_id"] for r in await engine.list_runs(tid)]
    assert listed == [r for r, s in zip(run_ids, statuses, strict=True) if s != "deleted"][::-1]
    history = await history_by_run(engine, tid)
    if strategy == "interrupt":
        # run 1 keeps its input checkpoint and the one holding its message; nothing after.
        assert history[run1["run_id"]] == [-1, 0]
        assert history[run_ids[1]] == [1, 2, 3]
    elif strategy == "rollback":
        assert run1["run_id"] not in history
        assert list(history) == [run_ids[1]]
        assert history[run_ids[1]] == [-1, 0, 1]
    elif strategy == "enqueue":
        assert list(history) == run_ids
    assert (await engine.get_thread(tid))["status"] == "idle"


async def two_step_held_in_second_node(engine: Engine, tid: str) -> dict[str, Any]:
    """Start two_step with `hold:a`; return once its fast first node has been checkpointed."""
    run = await engine.create_run(tid, assistant_id="two_step", input=human("hold:a"))

    async def step1_done() -> bool:
        return "step1 for: hold:a" in await messages(engine, tid)

    await wait_until(step1_done, what="the fast node to finish")
    return run


async def test_interrupt_keeps_completed_node_of_two_step(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    run1 = await two_step_held_in_second_node(engine, tid)
    run2 = await engine.create_run(
        tid, assistant_id="two_step", input=human("next"), multitask_strategy="interrupt"
    )
    await engine.join_run(tid, run2["run_id"])
    assert await status_of(engine, tid, run1["run_id"]) == "interrupted"
    assert await messages(engine, tid) == [
        "hold:a",
        "step1 for: hold:a",
        "next",
        "step1 for: next",
        "step2 for: next",
    ]


async def test_rollback_of_two_step_keeps_nothing(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    await engine.join_run(
        tid,
        (await engine.create_run(tid, assistant_id="two_step", input=human("zero")))["run_id"],
    )
    run1 = await two_step_held_in_second_node(engine, tid)
    run2 = await engine.create_run(
        tid, assistant_id="two_step", input=human("next"), multitask_strategy="rollback"
    )
    await engine.join_run(tid, run2["run_id"])
    with pytest.raises(RunNotFound):
        await engine.get_run(tid, run1["run_id"])
    assert await messages(engine, tid) == [
        "zero",
        "step1 for: zero",
        "step2 for: zero",
        "next",
        "step1 for: next",
        "step2 for: next",
    ]


# -- run 1 still pending ----------------------------------------------------------------------

PENDING_EXPECTED = {
    "reject": (["success"], ["first", "reply to: first"]),
    "enqueue": (["success", "success"], ["first", "reply to: first", "second", "reply to: second"]),
    "interrupt": (["interrupted", "success"], ["second", "reply to: second"]),
    "rollback": (["deleted", "success"], ["second", "reply to: second"]),
}


@pytest.fixture
async def one_slot_engine(settings: Settings):
    settings.max_concurrency = 1
    eng = await Engine.open(settings)
    try:
        yield eng
    finally:
        await eng.close()


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_run1_still_pending(one_slot_engine: Engine, strategy: str) -> None:
    engine = one_slot_engine
    blocker_thread = (await engine.create_thread())["thread_id"]
    blocker = await start(engine, blocker_thread, "hold:slot")
    await until_status(engine, blocker_thread, blocker["run_id"], "running")
    tid = (await engine.create_thread())["thread_id"]
    run1 = await start(engine, tid, "first")
    assert await status_of(engine, tid, run1["run_id"]) == "pending"
    assert (await engine.get_thread(tid))["status"] == "busy"
    run_ids = [run1["run_id"]]
    if strategy == "reject":
        with pytest.raises(ThreadBusy):
            await start(engine, tid, "second", multitask_strategy=strategy)
    else:
        run_ids.append((await start(engine, tid, "second", multitask_strategy=strategy))["run_id"])
        # Never idle while a run is pending (the reference server gets this wrong).
        assert (await engine.get_thread(tid))["status"] == "busy"
    gates.open("slot")
    await settle(engine, tid)
    statuses, expected_messages = PENDING_EXPECTED[strategy]
    assert [await status_of(engine, tid, r) for r in run_ids] == statuses
    assert await messages(engine, tid) == expected_messages
    if strategy in ("interrupt", "rollback"):
        assert run1["run_id"] not in await history_by_run(engine, tid)


# -- several runs pending ---------------------------------------------------------------------

SEVERAL_EXPECTED = {
    "reject": (
        ["success", "success", "success"],
        [
            "hold:one",
            "reply to: hold:one",
            "second",
            "reply to: second",
            "third",
            "reply to: third",
        ],
    ),
    "enqueue": (
        ["success"] * 4,
        [
            "hold:one",
            "reply to: hold:one",
            "second",
            "reply to: second",
            "third",
            "reply to: third",
            "fourth",
            "reply to: fourth",
        ],
    ),
    "interrupt": (
        ["interrupted", "interrupted", "interrupted", "success"],
        ["hold:one", "fourth", "reply to: fourth"],
    ),
    "rollback": (["deleted", "deleted", "deleted", "success"], ["fourth", "reply to: fourth"]),
}


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_several_runs_pending(engine: Engine, strategy: str) -> None:
    tid = (await engine.create_thread())["thread_id"]
    run1 = await start(engine, tid, "hold:one")
    # Held at its gate, not just `running`: its input's checkpoint is then saved, so what an
    # interrupt keeps of it does not depend on how fast the machine is.
    await wait_until(lambda: gates.reached("one"), what="run 1's node to hold")
    run_ids = [run1["run_id"]]
    for text in ("second", "third"):
        run_ids.append((await start(engine, tid, text, multitask_strategy="enqueue"))["run_id"])
    assert [await status_of(engine, tid, r) for r in run_ids[1:]] == ["pending", "pending"]
    if strategy == "reject":
        with pytest.raises(ThreadBusy):
            await start(engine, tid, "fourth", multitask_strategy=strategy)
    else:
        run_ids.append((await start(engine, tid, "fourth", multitask_strategy=strategy))["run_id"])
    gates.open("one")
    await settle(engine, tid)
    statuses, expected_messages = SEVERAL_EXPECTED[strategy]
    assert [await status_of(engine, tid, r) for r in run_ids] == statuses
    assert await messages(engine, tid) == expected_messages
    history = await history_by_run(engine, tid)
    for run_id, status in zip(run_ids, statuses, strict=True):
        if status == "deleted":
            assert run_id not in history
    if strategy == "enqueue":
        assert list(history) == run_ids  # FIFO: each run continued from the previous one
