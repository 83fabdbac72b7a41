"""The four strategies in the tutorial pattern, over HTTP with `langgraph_sdk`, LLM-free graphs.

Pattern: run 1 `first`; once run 1 is running (and its input is in the thread), run 2 `second`
with strategy X; join run 2; read the state and run 1 back. The expected outcomes are what the
LangGraph server answers to the same calls: reject is a 409 and run 1 succeeds; enqueue runs both
in order; interrupt marks run 1 `interrupted` at once and keeps its human message but no reply;
rollback deletes run 1 (404) and everything it wrote. A `slow` run 1 is held by its thread's gate
(`hold`) until run 2's call has been made, so it is still running then however loaded the machine.
"""

from __future__ import annotations

import httpx
import pytest
from langgraph_sdk.errors import ConflictError, NotFoundError

from engine.errors import REJECT_DETAIL
from tests.api.helpers import hold, human, release, run_status, state_has, transcript


async def _start_first(client, graph: str, *, wait_for: str | None = "human:first"):
    thread = await client.threads.create()
    tid = thread["thread_id"]
    if graph == "slow":
        await hold(client, tid)  # the test releases it once its second call is made
    run1 = await client.runs.create(tid, graph, input=human("first"))
    if wait_for:
        await run_status(client, tid, run1["run_id"], "running")
        await state_has(client, tid, wait_for)
    return tid, run1


async def test_reject_while_running_is_a_409_conflict(client) -> None:
    tid, run1 = await _start_first(client, "slow")
    try:
        with pytest.raises(ConflictError) as caught:
            await client.runs.create(
                tid, "slow", input=human("second"), multitask_strategy="reject"
            )
        assert isinstance(caught.value, httpx.HTTPStatusError)
        assert caught.value.response.status_code == 409
        assert caught.value.response.json() == {"detail": REJECT_DETAIL}
        assert (await client.runs.get(tid, run1["run_id"]))["status"] == "running"
    finally:
        await release(client, tid)
    await client.runs.join(tid, run1["run_id"])
    assert transcript(await client.threads.get_state(tid)) == ["human:first", "ai:reply to: first"]
    assert (await client.runs.get(tid, run1["run_id"]))["status"] == "success"
    assert [r["run_id"] for r in await client.runs.list(tid)] == [run1["run_id"]]


async def test_reject_right_after_create_is_409_on_create_stream_and_wait(client) -> None:
    tid, run1 = await _start_first(client, "slow", wait_for=None)
    try:
        with pytest.raises(ConflictError):
            await client.runs.create(tid, "slow", input=human("x"), multitask_strategy="reject")
        with pytest.raises(ConflictError):
            async for _ in client.runs.stream(
                tid, "slow", input=human("x"), multitask_strategy="reject"
            ):
                pass
        with pytest.raises(httpx.HTTPStatusError) as caught:  # runs.wait raises plain httpx errors
            await client.runs.wait(tid, "slow", input=human("x"), multitask_strategy="reject")
        assert caught.value.response.status_code == 409
        assert [r["run_id"] for r in await client.runs.list(tid)] == [run1["run_id"]]
    finally:
        await release(client, tid)


async def test_enqueue_runs_both_in_order(client) -> None:
    tid, run1 = await _start_first(client, "slow")
    try:
        run2 = await client.runs.create(
            tid, "slow", input=human("second"), multitask_strategy="enqueue"
        )
        assert run2["status"] == "pending"
        assert run2["multitask_strategy"] == "enqueue"
    finally:
        await release(client, tid)
    await client.runs.join(tid, run2["run_id"])
    assert transcript(await client.threads.get_state(tid)) == [
        "human:first", "ai:reply to: first", "human:second", "ai:reply to: second",
    ]  # fmt: skip
    runs = await client.runs.list(tid)
    assert [(r["run_id"], r["status"]) for r in runs] == [
        (run2["run_id"], "success"), (run1["run_id"], "success"),
    ]  # fmt: skip


async def test_omitted_strategy_is_enqueue_recorded_on_the_run(client) -> None:
    tid, _ = await _start_first(client, "halfsec", wait_for=None)
    run2 = await client.runs.create(tid, "halfsec", input=human("second"))
    assert run2["multitask_strategy"] == "enqueue"
    await client.runs.join(tid, run2["run_id"])
    assert (await client.runs.get(tid, run2["run_id"]))["multitask_strategy"] == "enqueue"
    assert len(transcript(await client.threads.get_state(tid))) == 4


async def test_interrupt_keeps_first_input_and_marks_run_1_interrupted(client) -> None:
    tid, run1 = await _start_first(client, "slow")
    try:
        run2 = await client.runs.create(
            tid, "slow", input=human("second"), multitask_strategy="interrupt"
        )
        assert (await client.runs.get(tid, run1["run_id"]))["status"] == "interrupted"
    finally:
        await release(client, tid)  # run 2 is held too
    await client.runs.join(tid, run2["run_id"])
    assert transcript(await client.threads.get_state(tid)) == [
        "human:first", "human:second", "ai:reply to: second",
    ]  # fmt: skip
    assert (await client.runs.get(tid, run1["run_id"]))["status"] == "interrupted"
    assert (await client.runs.get(tid, run2["run_id"]))["status"] == "success"
    assert len(await client.runs.list(tid)) == 2


async def test_rollback_deletes_run_1_and_its_input(client) -> None:
    tid, run1 = await _start_first(client, "slow", wait_for=None)
    try:
        run2 = await client.runs.create(
            tid, "slow", input=human("second"), multitask_strategy="rollback"
        )
        with pytest.raises(NotFoundError) as caught:
            await client.runs.get(tid, run1["run_id"])
        assert caught.value.response.json() == {"detail": "Not Found"}
    finally:
        await release(client, tid)  # run 2 is held too
    await client.runs.join(tid, run2["run_id"])
    assert transcript(await client.threads.get_state(tid)) == [
        "human:second",
        "ai:reply to: second",
    ]
    assert [r["run_id"] for r in await client.runs.list(tid)] == [run2["run_id"]]
    history = await client.threads.get_history(tid)
    assert {h["metadata"]["run_id"] for h in history} == {run2["run_id"]}
    with pytest.raises(httpx.HTTPStatusError) as late_join:  # join raises plain httpx errors
        await client.runs.join(tid, run1["run_id"])
    assert late_join.value.response.status_code == 404  # a real 404, not 200 + __error__


async def test_rollback_while_running_reverts_the_input_checkpoint(client) -> None:
    tid, run1 = await _start_first(client, "slow")
    try:
        run2 = await client.runs.create(
            tid, "slow", input=human("second"), multitask_strategy="rollback"
        )
        with pytest.raises(NotFoundError):
            await client.runs.get(tid, run1["run_id"])
    finally:
        await release(client, tid)  # run 2 is held too
    await client.runs.join(tid, run2["run_id"])
    assert transcript(await client.threads.get_state(tid)) == [
        "human:second",
        "ai:reply to: second",
    ]
    assert (await client.threads.get(tid))["status"] == "idle"


@pytest.mark.parametrize("strategy", ["reject", "enqueue", "interrupt", "rollback"])
async def test_every_strategy_simply_runs_on_an_idle_thread(client, strategy: str) -> None:
    thread = await client.threads.create()
    tid = thread["thread_id"]
    first = await client.runs.wait(tid, "noop", input=human("first"))
    assert first["messages"][-1]["content"] == "reply to: first"
    run2 = await client.runs.create(tid, "noop", input=human("second"), multitask_strategy=strategy)
    assert run2["multitask_strategy"] == strategy
    await client.runs.join(tid, run2["run_id"])
    assert len(transcript(await client.threads.get_state(tid))) == 4


async def test_two_step_interrupt_keeps_the_finished_first_step(client) -> None:
    tid, run1 = await _start_first(client, "two_step", wait_for="ai:step1 for: first")
    run2 = await client.runs.create(
        tid, "two_step", input=human("second"), multitask_strategy="interrupt"
    )
    await client.runs.join(tid, run2["run_id"])
    assert transcript(await client.threads.get_state(tid)) == [
        "human:first", "ai:step1 for: first",
        "human:second", "ai:step1 for: second", "ai:step2 for: second",
    ]  # fmt: skip
    assert (await client.runs.get(tid, run1["run_id"]))["status"] == "interrupted"


async def test_two_step_rollback_keeps_nothing_of_run_1(client) -> None:
    tid, run1 = await _start_first(client, "two_step", wait_for="ai:step1 for: first")
    run2 = await client.runs.create(
        tid, "two_step", input=human("second"), multitask_strategy="rollback"
    )
    await client.runs.join(tid, run2["run_id"])
    assert transcript(await client.threads.get_state(tid)) == [
        "human:second", "ai:step1 for: second", "ai:step2 for: second",
    ]  # fmt: skip
    with pytest.raises(NotFoundError):
        await client.runs.get(tid, run1["run_id"])


async def test_interrupt_and_rollback_cancel_every_pending_run_too(client) -> None:
    tid, run1 = await _start_first(client, "slow")
    try:
        queued = [
            await client.runs.create(tid, "slow", input=human(text)) for text in ("second", "third")
        ]
        run4 = await client.runs.create(
            tid, "slow", input=human("fourth"), multitask_strategy="interrupt"
        )
        for run in (run1, *queued):
            assert (await client.runs.get(tid, run["run_id"]))["status"] == "interrupted"
    finally:
        await release(client, tid)  # run 4 is held too
    await client.runs.join(tid, run4["run_id"])
    assert transcript(await client.threads.get_state(tid)) == [
        "human:first", "human:fourth", "ai:reply to: fourth",
    ]  # fmt: skip


def test_sync_client_tutorial_pattern(sync_client) -> None:
    """The same contract through `get_sync_client` (reject, then rollback on a fresh thread)."""
    tid = sync_client.threads.create()["thread_id"]
    run1 = sync_client.runs.create(tid, "halfsec", input=human("first"))
    with pytest.raises(ConflictError):
        sync_client.runs.create(tid, "halfsec", input=human("second"), multitask_strategy="reject")
    sync_client.runs.join(tid, run1["run_id"])
    assert sync_client.runs.get(tid, run1["run_id"])["status"] == "success"

    tid = sync_client.threads.create()["thread_id"]
    run1 = sync_client.runs.create(tid, "halfsec", input=human("first"))
    run2 = sync_client.runs.create(
        tid, "halfsec", input=human("second"), multitask_strategy="rollback"
    )
    with pytest.raises(NotFoundError):
        sync_client.runs.get(tid, run1["run_id"])
    sync_client.runs.join(tid, run2["run_id"])
    state = sync_client.threads.get_state(tid)
    assert transcript(state) == ["human:second", "ai:reply to: second"]
