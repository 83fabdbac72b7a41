"""Interrupt repairs tool calls; the store journal records (and can undo) a run's writes."""

from __future__ import annotations

import pytest

from engine.config import Settings
from engine.core import Engine
from engine.errors import RunNotFound
from engine.runs.repair import CANCELLED_TOOL_TEXT
from tests.engine.conftest import human, wait_until


async def _running(engine: Engine, tid: str, rid: str) -> None:
    async def check() -> bool:
        return (await engine.get_run(tid, rid))["status"] == "running"

    await wait_until(check, what="run to be running")


async def test_interrupt_mid_tool_call_closes_the_call(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    run1 = await engine.create_run(tid, assistant_id="tool_then_hold", input=human("hold:t"))

    async def tool_call_written() -> bool:
        values = (await engine.get_state(tid))["values"]
        return any(m.get("tool_calls") for m in values.get("messages", []))

    await wait_until(tool_call_written, what="the tool call checkpoint")
    run2 = await engine.create_run(
        tid, assistant_id="tool_then_hold", input=human("again"), multitask_strategy="interrupt"
    )
    assert (await engine.get_run(tid, run1["run_id"]))["status"] == "interrupted"
    state = await engine.get_state(tid)
    kinds = [m["type"] for m in state["values"]["messages"]]
    assert kinds[:3] == ["human", "ai", "tool"]
    call, tool = state["values"]["messages"][1:3]
    assert tool["tool_call_id"] == call["tool_calls"][0]["id"]
    assert tool["content"] == CANCELLED_TOOL_TEXT
    # The repair is part of run 1, so a later rollback of run 1's successors leaves it alone
    # and a rollback of run 1 itself would remove it.
    assert state["metadata"]["run_id"] in (run1["run_id"], run2["run_id"])
    await engine.join_run(tid, run2["run_id"])
    messages = (await engine.get_state(tid))["values"]["messages"]
    assert [m["content"] for m in messages if m["type"] == "human"] == ["hold:t", "again"]


async def test_store_writes_are_journaled_with_their_run(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    run = await engine.create_run(tid, assistant_id="notes", input=human("buy milk"))
    await engine.join_run(tid, run["run_id"])
    effects = await engine.run_side_effects(tid, run["run_id"])
    assert effects == [
        {
            "namespace": ["notes", "test"],
            "key": "latest",
            "previous": None,
            "value": {"text": "buy milk"},
            "at": effects[0]["at"],
        }
    ]


async def test_rollback_keeps_store_writes_by_default(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    run1 = await engine.create_run(tid, assistant_id="notes", input=human("hold:n"))
    await _running(engine, tid, run1["run_id"])

    async def written() -> bool:
        return await engine.store.aget(("notes", "test"), "latest") is not None

    await wait_until(written, what="the store write")
    await engine.cancel_runs(tid, [run1["run_id"]], action="rollback")
    with pytest.raises(RunNotFound):
        await engine.get_run(tid, run1["run_id"])
    item = await engine.store.aget(("notes", "test"), "latest")
    assert item is not None and item.value == {"text": "hold:n"}  # LangGraph keeps side effects
    assert (await engine.run_side_effects(tid, run1["run_id"]))[0]["value"] == {"text": "hold:n"}
    assert (await engine.get_thread(tid))["status"] == "idle"


async def test_rollback_can_undo_store_writes(settings: Settings) -> None:
    settings.rollback_undoes_store = True
    async with await Engine.open(settings) as engine:
        tid = (await engine.create_thread())["thread_id"]
        first = await engine.create_run(tid, assistant_id="notes", input=human("keep me"))
        await engine.join_run(tid, first["run_id"])
        run = await engine.create_run(tid, assistant_id="notes", input=human("hold:u"))

        async def overwritten() -> bool:
            item = await engine.store.aget(("notes", "test"), "latest")
            return item is not None and item.value == {"text": "hold:u"}

        await wait_until(overwritten, what="the overwrite")
        await engine.cancel_runs(tid, [run["run_id"]], action="rollback")
        item = await engine.store.aget(("notes", "test"), "latest")
        assert item is not None and item.value == {"text": "keep me"}
        assert await engine.run_side_effects(tid, run["run_id"]) == []
        # the story still tells the write, and that the rollback undid it
        story = await engine.thread_story(tid)
        wrote = [e for e in story if e["kind"] == "store_write" and e["run_id"] == run["run_id"]]
        assert [(e["key"], e["value"]) for e in wrote] == [("latest", {"text": "hold:u"})]
        gone = next(e for e in story if e["kind"] == "run_rolled_back")
        assert gone["run_id"] == run["run_id"]
        assert gone["reason"] == "rollback requested via Engine.cancel_runs"
        assert gone["side_effects"] == [
            {"namespace": ["notes", "test"], "key": "latest", "op": "put", "kept": False}
        ]
