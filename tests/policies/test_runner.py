"""Plans run by `PlanRunner` on the real embedded engine, over the real SDK and a loopback socket.

The busy thread is a `slow` bench run held by its thread's gate until the test releases it (at
most 60 s; cancellable) or a paced todo run, so "run 1 is still working" is true when the policy
acts; every wait is on a condition with a deadline.
"""

from __future__ import annotations

import asyncio

import pytest
from langgraph_sdk.client import LangGraphClient

from tests.api.helpers import eventually, hold, release, run_status
from tui.calllog import CallLog
from tui.policies.plan import Ask, Choice
from tui.policies.runner import PlanRunner, RetryWait, RunnerEvent

FAST = {"config": {"configurable": {"doubletext_pace": 0, "user_id": "policies"}}}


async def start(client: LangGraphClient, thread_id: str, text: str, graph: str = "slow") -> str:
    """Start run 1; a `slow` one is held until the test calls `release` (the fixture cancels what
    a failed test leaves running)."""
    if graph == "slow":
        await hold(client, thread_id)
    run = await client.runs.create(
        thread_id, graph, input={"messages": [{"type": "human", "content": text}]}
    )
    await run_status(client, thread_id, run["run_id"], "running")
    return run["run_id"]


async def messages(client: LangGraphClient, thread_id: str) -> list[tuple[str, str]]:
    state = await client.threads.get_state(thread_id)
    return [(m["type"], m["content"]) for m in (state["values"] or {}).get("messages", [])]


async def pending(client: LangGraphClient, thread_id: str) -> list[str]:
    return [r["run_id"] for r in await client.runs.list(thread_id, status="pending")]


async def test_keep_latest_leaves_at_most_one_pending_run(client, thread_id) -> None:
    run1 = await start(client, thread_id, "m1")
    runner = PlanRunner(client, thread_id, "slow")
    second = await runner.send("keep-latest", "m2")
    assert second.status == "created" and "nothing waiting" in second.plan.why
    assert await pending(client, thread_id) == [second.run_id]

    third = await runner.send("keep-latest", "m3")
    assert third.status == "created"
    assert third.cancelled == {second.run_id: "interrupted"}
    assert await pending(client, thread_id) == [third.run_id]
    assert (await client.runs.get(thread_id, second.run_id))["status"] == "interrupted"
    assert (await client.runs.get(thread_id, run1))["status"] == "running"  # never touched
    assert [c.method for c in third.calls] == ["GET", "GET", "POST", "POST"]

    await client.runs.cancel(thread_id, run1, wait=True)  # let run 3 start now
    await release(client, thread_id)  # run 3 is slow on this thread too
    await client.runs.join(thread_id, third.run_id)
    shown = await messages(client, thread_id)
    assert ("human", "m3") in shown and ("ai", "reply to: m3") in shown
    assert all("m2" not in text for _, text in shown)


async def test_keep_latest_leaves_a_run_that_started_meanwhile_alone(client, thread_id) -> None:
    run1 = await start(client, thread_id, "m1")
    runner = PlanRunner(client, thread_id, "slow")
    second = await runner.send("keep-latest", "m2")
    situation = await runner.situation("m3")  # m2 is waiting here …
    await client.runs.cancel(thread_id, run1, wait=True)  # … then starts before the plan runs
    await run_status(client, thread_id, second.run_id, "running")
    from tui.policies.decide import keep_latest

    third = await runner.run(keep_latest(situation))
    assert third.cancelled == {second.run_id: "left alone: running"}
    assert (await client.runs.get(thread_id, second.run_id))["status"] == "running"  # held
    await release(client, thread_id)


async def test_merge_leaves_one_human_message_holding_both_texts(client, thread_id) -> None:
    first = "Add a ToDo to buy milk"
    run1 = await client.runs.create(
        thread_id,
        "task_maistro",
        input={"messages": [{"type": "human", "content": first}]},
        config={"configurable": {"doubletext_pace": 1, "user_id": "merge-test"}},
    )
    await run_status(client, thread_id, run1["run_id"], "running")
    fast = {"config": {"configurable": {"doubletext_pace": 0, "user_id": "merge-test"}}}
    runner = PlanRunner(client, thread_id, "task_maistro", run_kwargs=fast)
    outcome = await runner.send("merge", "Add a ToDo to call mom")
    assert outcome.status == "created" and outcome.plan.strategy == "rollback"
    await client.runs.join(thread_id, outcome.run_id)

    humans = [text for kind, text in await messages(client, thread_id) if kind == "human"]
    assert humans == [f"Context: {first}\n\nCurrent request: Add a ToDo to call mom"]
    assert [r["run_id"] for r in await client.runs.list(thread_id)] == [outcome.run_id]
    found = await client.store.search_items(("todo", "general", "merge-test"))
    assert sorted(i["value"]["task"] for i in found["items"]) == ["Buy milk", "Call mom"]


async def test_retry_succeeds_once_the_first_run_ends(client, thread_id) -> None:
    run1 = await start(client, thread_id, "m1")
    events: list[RunnerEvent] = []
    second_wait = asyncio.Event()

    def on_event(event: RunnerEvent) -> None:
        events.append(event)
        if isinstance(event, RetryWait) and event.attempt == 2:
            second_wait.set()

    runner = PlanRunner(client, thread_id, "slow", on_event=on_event)
    sending = asyncio.create_task(runner.send("retry", "m2"))  # its calls: not the test's
    waiting = asyncio.create_task(second_wait.wait())
    try:  # two 409s while run 1 is held (if the send ends first, the asserts below tell how)
        await asyncio.wait({sending, waiting}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
        await release(client, thread_id)  # run 1 ends now, well within the 2 s countdown
    outcome = await sending

    assert outcome.status == "created" and outcome.attempts == 3
    waits = [e for e in events if isinstance(e, RetryWait)]
    assert len(waits) == outcome.attempts - 1
    assert [w.delay_s for w in waits] == [1.0, 2.0]
    assert (await client.runs.get(thread_id, run1))["status"] == "success"
    posts = [c for c in outcome.calls if c.method == "POST"]
    assert [c.status for c in posts] == [409, 409, 200]
    assert "Thread is already running a task" in posts[0].response
    assert posts[-1].run_id == outcome.run_id


async def test_retry_countdown_is_cancellable(client, thread_id) -> None:
    await start(client, thread_id, "m1")
    runner: PlanRunner

    def on_event(event: RunnerEvent) -> None:
        if isinstance(event, RetryWait):
            assert event.attempt == 1 and event.of == 3 and event.delay_s == 1.0
            runner.cancel()

    runner = PlanRunner(client, thread_id, "slow", on_event=on_event)
    outcome = await asyncio.wait_for(runner.send("retry", "m2"), 0.9)  # well before the 1 s wait
    assert (outcome.status, outcome.attempts, outcome.run, outcome.text) == (
        "cancelled",
        1,
        None,
        "m2",
    )
    assert len(await client.runs.list(thread_id)) == 1
    await release(client, thread_id)


async def test_auto_rolls_back_a_young_run(client, thread_id) -> None:
    run1 = await start(client, thread_id, "m1")
    outcome = await PlanRunner(client, thread_id, "slow").send("auto", "m2")
    assert outcome.plan.strategy == "rollback" and "younger than 5 s" in outcome.plan.why
    await release(client, thread_id)  # run 2 is slow on this thread too
    await client.runs.join(thread_id, outcome.run_id)
    assert [r["run_id"] for r in await client.runs.list(thread_id)] == [outcome.run_id]
    assert await messages(client, thread_id) == [("human", "m2"), ("ai", "reply to: m2")]
    assert run1 not in str(await client.runs.list(thread_id))


async def test_auto_sends_plainly_on_an_idle_thread(client, thread_id) -> None:
    outcome = await PlanRunner(client, thread_id, "noop").send("auto", "hello")
    assert outcome.status == "created" and outcome.plan.why == "thread idle → plain send"
    run = await client.runs.get(thread_id, outcome.run_id)
    assert run["metadata"]["policy"] == "auto" and run["multitask_strategy"] == "enqueue"


async def test_ask_runs_the_chosen_strategy(client, thread_id) -> None:
    run1 = await start(client, thread_id, "m1")
    asked: list[Ask] = []

    async def choose_interrupt(step: Ask) -> Choice:
        asked.append(step)
        return next(c for c in step.choices if c.key == "2")

    runner = PlanRunner(client, thread_id, "slow", ask=choose_interrupt)
    outcome = await runner.send("ask", "m2")
    assert outcome.status == "created" and outcome.choice and outcome.choice.strategy == "interrupt"
    assert "has run" in asked[0].question and "run " + run1[:8] in asked[0].question
    assert (await client.runs.get(thread_id, run1))["status"] == "interrupted"
    run = await client.runs.get(thread_id, outcome.run_id)
    assert run["multitask_strategy"] == "interrupt" and run["metadata"]["policy"] == "ask"
    await release(client, thread_id)


async def test_ask_dismissed_sends_nothing(client, thread_id) -> None:
    await start(client, thread_id, "m1")

    async def dismiss(step: Ask) -> None:
        return None

    outcome = await PlanRunner(client, thread_id, "slow", ask=dismiss).send("ask", "m2")
    assert (outcome.status, outcome.text, outcome.run) == ("cancelled", "m2", None)
    assert len(await client.runs.list(thread_id)) == 1
    await release(client, thread_id)


@pytest.mark.parametrize(("preset", "status"), [("transaction", "rejected"), ("search", "created")])
async def test_presets_on_a_busy_thread(client, thread_id, preset: str, status: str) -> None:
    run1 = await start(client, thread_id, "m1")
    log = CallLog()
    outcome = await PlanRunner(client, thread_id, "slow", log=log).send(f"preset:{preset}", "m2")
    assert list(log.calls) == outcome.calls  # the log saw exactly the plan's calls so far
    assert [c.method for c in outcome.calls] == ["GET", "GET", "POST"]  # graph, runs, create
    assert outcome.status == status
    if status == "rejected":
        assert outcome.calls[-1].status == 409 and outcome.run is None
        assert (await client.runs.get(thread_id, run1))["status"] == "running"
    else:
        await eventually(
            lambda: client.runs.list(thread_id),
            lambda runs: [r["run_id"] for r in runs] == [outcome.run_id],
            what="run 1 rolled back",
        )
    await release(client, thread_id)  # after the log checks above: this call is logged too
    assert len(log.calls) > len(outcome.calls)  # the test's own calls: logged, not the plan's
    assert all(c.duration_ms > 0 and c.line().startswith(c.method) for c in outcome.calls)


async def test_two_logs_on_one_client_record_each_call_once_per_log(client, thread_id) -> None:
    first, second = CallLog(), CallLog()
    PlanRunner(client, thread_id, "noop", log=first)
    runner = PlanRunner(client, thread_id, "noop", log=second)
    outcome = await runner.send("auto", "hello")
    assert [c.method for c in outcome.calls] == ["GET", "GET", "POST"]
    assert list(second.calls) == outcome.calls

    def seen(log: CallLog) -> list[tuple[str, str, int | None]]:
        return [(c.method, c.path, c.status) for c in log.calls]

    assert seen(first) == seen(second)  # each log has each call once
