"""Steer on the real engine: the todo graph takes a queued steer message in before its next model
call, one reply answers both, and the queued run is visibly taken (interrupted, its message in
the thread marked with the run that took it)."""

from __future__ import annotations

from typing import Any

from langgraph_sdk.client import LangGraphClient

from tests.api.helpers import eventually, run_status
from tui.policies.marks import taken_runs
from tui.policies.runner import PlanRunner

USER = "steer-test"  # each test's user gets a suffix: todos outlive threads


def config(pace: float, user: str = USER) -> dict[str, Any]:
    return {"configurable": {"doubletext_pace": pace, "user_id": user}}


async def start_todo_run(
    client: LangGraphClient, thread_id: str, text: str, pace: float, user: str = USER
) -> str:
    """A todo run paced so it is still in its first model call when the test double texts."""
    run = await client.runs.create(
        thread_id,
        "task_maistro",
        input={"messages": [{"type": "human", "content": text}]},
        config=config(pace, user),
    )
    await run_status(client, thread_id, run["run_id"], "running")
    return run["run_id"]


async def thread_messages(client: LangGraphClient, thread_id: str) -> list[dict[str, Any]]:
    state = await client.threads.get_state(thread_id)
    return list((state["values"] or {}).get("messages", []))


async def todo_tasks(client: LangGraphClient, user: str = USER) -> list[str]:
    found = await client.store.search_items(("todo", "general", user), limit=100)
    return sorted(i["value"]["task"] for i in found["items"])


async def test_steer_answers_both_messages_in_one_reply(client, thread_id) -> None:
    run1 = await start_todo_run(client, thread_id, "Add a ToDo to buy milk", pace=0.6)
    runner = PlanRunner(client, thread_id, "task_maistro", run_kwargs={"config": config(0)})
    outcome = await runner.send("steer", "Add a ToDo to call mom")
    assert outcome.status == "created"
    assert "takes this in at its next model call" in outcome.plan.why
    run2 = outcome.run_id
    assert outcome.run and outcome.run["metadata"]["steer"] is True

    await client.runs.join(thread_id, run1)
    taken = await run_status(client, thread_id, run2, "interrupted", "success", "error")
    assert taken["status"] == "interrupted", "run 1 should have taken run 2's message in"
    assert (await client.runs.get(thread_id, run1))["status"] == "success"

    messages = await thread_messages(client, thread_id)
    humans = [m for m in messages if m["type"] == "human"]
    assert [m["content"] for m in humans] == ["Add a ToDo to buy milk", "Add a ToDo to call mom"]
    assert humans[1]["additional_kwargs"]["steer"] == {"run_id": run2, "taken_by": run1}
    assert taken_runs(messages) == {run2: run1}  # what the app reads to show "taken by run 1"
    replies = [m["content"] for m in messages if m["type"] == "ai" and m["content"]]
    assert len(replies) == 1, replies  # one reply …
    assert "Buy milk" in replies[0] and "Call mom" in replies[0]  # … answers both
    assert await todo_tasks(client) == ["Buy milk", "Call mom"]

    # the taken run never ran: no checkpoint of the thread carries its id
    history = await client.threads.get_history(thread_id, limit=100)
    assert {h["metadata"].get("run_id") for h in history} == {run1}


async def test_steer_with_no_model_call_left_runs_next(client, thread_id) -> None:
    user = f"{USER}-last-call"
    run1 = await start_todo_run(client, thread_id, "hello", 0.6, user)  # answered in one call
    runner = PlanRunner(client, thread_id, "task_maistro", run_kwargs={"config": config(0, user)})
    outcome = await runner.send("steer", "What's on my ToDo list?")
    await client.runs.join(thread_id, outcome.run_id)
    assert (await client.runs.get(thread_id, outcome.run_id))["status"] == "success"
    assert (await client.runs.get(thread_id, run1))["status"] == "success"
    messages = await thread_messages(client, thread_id)
    assert [m["type"] for m in messages] == ["human", "ai", "human", "ai"]
    assert "steer" not in messages[2].get("additional_kwargs", {})


async def test_steer_never_overtakes_an_ordinary_queued_run(client, thread_id) -> None:
    user = f"{USER}-order"
    run1 = await start_todo_run(client, thread_id, "Add a ToDo to water plants", 0.6, user)
    plain = await client.runs.create(
        thread_id,
        "task_maistro",
        input={"messages": [{"type": "human", "content": "Add a ToDo to pay rent"}]},
        config=config(0, user),
    )
    runner = PlanRunner(client, thread_id, "task_maistro", run_kwargs={"config": config(0, user)})
    outcome = await runner.send("steer", "Add a ToDo to book flights")
    assert "1 ordinary run waiting ahead" in outcome.plan.why
    await client.runs.join(thread_id, plain["run_id"])
    await run_status(client, thread_id, outcome.run_id, "interrupted", "success")
    humans = [m for m in await thread_messages(client, thread_id) if m["type"] == "human"]
    assert [m["content"] for m in humans] == [
        "Add a ToDo to water plants",
        "Add a ToDo to pay rent",
        "Add a ToDo to book flights",
    ]
    # the queued ordinary run took it in, not run 1 (which would have reordered the messages)
    mark = humans[2]["additional_kwargs"]["steer"]
    assert mark == {"run_id": outcome.run_id, "taken_by": plain["run_id"]} and run1 != mark


async def test_steer_degrades_to_enqueue_where_the_graph_cannot(client, thread_id) -> None:
    run1 = await client.runs.create(
        thread_id, "slow", input={"messages": [{"type": "human", "content": "m1"}]}
    )
    await run_status(client, thread_id, run1["run_id"], "running")
    outcome = await PlanRunner(client, thread_id, "slow").send("steer", "m2")
    assert outcome.plan.why == "server or graph cannot steer → enqueue"
    assert outcome.run and "steer" not in outcome.run["metadata"]
    assert outcome.run["multitask_strategy"] == "enqueue"
    assert (await client.runs.get(thread_id, outcome.run_id))["status"] == "pending"


async def test_interrupting_the_run_that_took_a_message_loses_nothing(client, thread_id) -> None:
    """Esc on run 1 right after its checkpoint holds the steered message: whether run 1 had
    already cancelled run 2 or not, the message is in the thread exactly once."""
    user = f"{USER}-window"
    run1 = await start_todo_run(client, thread_id, "Add a ToDo to buy milk", 0.6, user)
    runner = PlanRunner(client, thread_id, "task_maistro", run_kwargs={"config": config(0, user)})
    outcome = await runner.send("steer", "Add a ToDo to call mom")

    async def texts() -> list[str]:
        return [m["content"] for m in await thread_messages(client, thread_id)]

    await eventually(texts, lambda found: "Add a ToDo to call mom" in found, what="the fold")
    await client.runs.cancel(thread_id, run1, wait=True)
    run2 = await run_status(client, thread_id, outcome.run_id, "interrupted", "success")
    found = await texts()
    assert found.count("Add a ToDo to call mom") == 1
    if run2["status"] == "interrupted":  # taken: the message stays, marked with who took it
        humans = [m for m in await thread_messages(client, thread_id) if m["type"] == "human"]
        assert humans[-1]["additional_kwargs"]["steer"]["taken_by"] == run1
    else:  # not yet released when run 1 stopped: run 2 ran and answered it
        assert "Call mom" in found[-1]


async def test_steer_works_on_an_engine_that_wants_an_api_key(tmp_path) -> None:
    """The graph's in-process client carries the key: steering is not silently lost."""
    from langgraph_sdk import get_client

    from doubletext.engine_thread import EngineThread

    with EngineThread(data_dir=tmp_path, pace=0.02, api_key="s3cret") as server:
        client = get_client(url=server.url, api_key="s3cret")
        thread_id = (await client.threads.create())["thread_id"]
        run1 = await start_todo_run(client, thread_id, "Add a ToDo to buy milk", 0.6)
        runner = PlanRunner(client, thread_id, "task_maistro", run_kwargs={"config": config(0)})
        outcome = await runner.send("steer", "Add a ToDo to call mom")
        await client.runs.join(thread_id, run1)
        taken = await run_status(client, thread_id, outcome.run_id, "interrupted", "success")
        assert taken["status"] == "interrupted"
        assert taken_runs(await thread_messages(client, thread_id)) == {outcome.run_id: run1}
        await client.aclose()
