"""A preempting create answers once its cancels are on disk (`wait_for_cancels=False`, as the
HTTP API does); every read of the thread still sees the cancelled run finished."""

from __future__ import annotations

from engine.config import Settings
from engine.core import Engine
from engine.errors import RunNotFound
from engine.runs.repair import CANCELLED_TOOL_TEXT
from tests.engine.conftest import human, wait_until


async def _preempt_mid_tool_call(engine: Engine, strategy: str) -> tuple[str, str, str]:
    """Run 1 has written an unanswered tool call and holds; run 2 preempts it, answered early."""
    tid = (await engine.create_thread())["thread_id"]
    run1 = await engine.create_run(tid, assistant_id="tool_then_hold", input=human("hold:t"))

    async def tool_call_written() -> bool:
        values = (await engine.get_state(tid))["values"]
        return any(m.get("tool_calls") for m in values.get("messages", []))

    await wait_until(tool_call_written, what="the tool call checkpoint")
    run2 = await engine.create_run(
        tid,
        assistant_id="tool_then_hold",
        input=human("again"),
        multitask_strategy=strategy,
        wait_for_cancels=False,
    )
    return tid, run1["run_id"], run2["run_id"]


async def test_an_interrupt_answered_early_is_sealed_before_any_read(engine: Engine) -> None:
    tid, run1, run2 = await _preempt_mid_tool_call(engine, "interrupt")
    state = await engine.get_state(tid)  # the first read after the create
    call, tool = state["values"]["messages"][1:3]
    assert tool["tool_call_id"] == call["tool_calls"][0]["id"]
    assert tool["content"] == CANCELLED_TOOL_TEXT
    assert (await engine.records.run_row(run1))["finalized"] == 1
    assert (await engine.get_run(tid, run1))["status"] == "interrupted"
    await engine.join_run(tid, run2)
    messages = (await engine.get_state(tid))["values"]["messages"]
    assert [m["content"] for m in messages if m["type"] == "human"] == ["hold:t", "again"]


async def test_a_rollback_answered_early_is_gone_before_any_read(engine: Engine) -> None:
    tid, run1, run2 = await _preempt_mid_tool_call(engine, "rollback")
    assert [r["run_id"] for r in await engine.list_runs(tid)] == [run2]
    try:
        await engine.get_run(tid, run1)
        raise AssertionError("the rolled-back run is still there")
    except RunNotFound:
        pass
    humans = [
        m["content"]
        for m in (await engine.get_state(tid))["values"].get("messages", [])
        if m["type"] == "human"
    ]
    assert "hold:t" not in humans
    await engine.join_run(tid, run2)
    messages = (await engine.get_state(tid))["values"]["messages"]
    assert [m["content"] for m in messages if m["type"] == "human"] == ["again"]


async def test_the_next_create_waits_for_the_cancels_before_it(engine: Engine) -> None:
    tid, run1, run2 = await _preempt_mid_tool_call(engine, "interrupt")
    run3 = await engine.create_run(
        tid, assistant_id="gated", input=human("third"), multitask_strategy="enqueue"
    )
    assert (await engine.records.run_row(run1))["finalized"] == 1
    await engine.join_run(tid, run3["run_id"])
    assert (await engine.get_run(tid, run2))["status"] == "success"


async def test_closing_right_after_an_early_answer_loses_nothing(settings: Settings) -> None:
    engine = await Engine.open(settings)
    try:
        tid, run1, run2 = await _preempt_mid_tool_call(engine, "interrupt")
    finally:
        await engine.close()  # the cancel may still be in flight: it finishes or is recovered
    async with await Engine.open(settings) as engine:
        assert (await engine.get_run(tid, run1))["status"] == "interrupted"
        assert (await engine.records.run_row(run1))["finalized"] == 1
        await engine.join_run(tid, run2)
        messages = (await engine.get_state(tid))["values"]["messages"]
        assert [m["content"] for m in messages if m["type"] == "human"] == ["hold:t", "again"]
        assert [m["type"] for m in messages[:3]] == ["human", "ai", "tool"]
