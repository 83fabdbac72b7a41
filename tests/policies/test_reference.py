"""The policies against the reference server, `langgraph dev` (langgraph-cli[inmem]): the same
runner, the same SDK calls, only the URL differs. Skipped where the reference is not installed.

The reference starts a queued run about a second late (it polls its queue), so the busy run is
always one that takes seconds, and every wait is on a condition.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from bench import server as servers
from tests.api.helpers import eventually, run_status
from tui.policies.runner import PlanRunner

USER = "reference-policies"


def config(pace: float, user: str = USER) -> dict[str, Any]:
    """Run settings; each test that writes todos has its own user (todos outlive threads)."""
    return {"config": {"configurable": {"doubletext_pace": pace, "user_id": user}}}


@pytest.fixture(scope="module")
def reference_url() -> Iterator[str]:
    try:
        servers.reference_command()
    except RuntimeError:
        pytest.skip("langgraph dev is not installed (pip install 'langgraph-cli[inmem]')")
    server = servers.start_reference()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def ref(reference_url: str) -> AsyncIterator[tuple[LangGraphClient, str]]:
    client = get_client(url=reference_url, api_key=None)
    thread = await client.threads.create()
    yield client, thread["thread_id"]
    await client.aclose()


async def busy(
    client: LangGraphClient, thread_id: str, graph: str, text: str, pace=1.0, user=USER
) -> str:
    run = await client.runs.create(
        thread_id,
        graph,
        input={"messages": [{"type": "human", "content": text}]},
        **config(pace, user),
    )
    await run_status(client, thread_id, run["run_id"], "running")
    return run["run_id"]


async def test_keep_latest_and_auto_on_langgraph_dev(ref) -> None:
    client, thread_id = ref
    run1 = await busy(client, thread_id, "slow", "m1")
    runner = PlanRunner(client, thread_id, "slow")
    second = await runner.send("keep-latest", "m2")
    third = await runner.send("keep-latest", "m3")
    assert third.cancelled == {second.run_id: "interrupted"}
    assert [r["run_id"] for r in await client.runs.list(thread_id, status="pending")] == [
        third.run_id
    ]
    assert (await client.runs.get(thread_id, run1))["status"] == "running"
    fourth = await runner.send("auto", "m4")  # 1 running + 1 waiting: several active → reject
    assert (fourth.plan.strategy, fourth.status) == ("reject", "rejected")
    assert fourth.calls[-1].status == 409


async def test_merge_on_langgraph_dev(ref) -> None:
    client, thread_id = ref
    first = "Add a ToDo to buy milk"
    await busy(client, thread_id, "task_maistro", first, pace=2, user="ref-merge")
    runner = PlanRunner(client, thread_id, "task_maistro", run_kwargs=config(0, "ref-merge"))
    outcome = await runner.send("merge", "Add a ToDo to call mom")
    await client.runs.join(thread_id, outcome.run_id)
    state = await client.threads.get_state(thread_id)
    humans = [m["content"] for m in state["values"]["messages"] if m["type"] == "human"]
    assert humans == [f"Context: {first}\n\nCurrent request: Add a ToDo to call mom"]
    assert [r["run_id"] for r in await client.runs.list(thread_id)] == [outcome.run_id]


async def test_retry_on_langgraph_dev(ref) -> None:
    client, thread_id = ref
    run1 = await busy(client, thread_id, "slow", "m1")
    outcome = await PlanRunner(client, thread_id, "slow").send("retry", "m2")
    assert outcome.status == "created" and outcome.attempts >= 2
    assert (await client.runs.get(thread_id, run1))["status"] == "success"
    assert next(c.status for c in outcome.calls if c.method == "POST") == 409


async def test_steer_on_langgraph_dev(ref) -> None:
    """Steer needs the graph's help, and inside the reference the graph reaches its server
    through the SDK's in-process client: it works there too."""
    client, thread_id = ref
    run1 = await busy(
        client, thread_id, "task_maistro", "Add a ToDo to buy milk", pace=0.6, user="ref-steer"
    )
    runner = PlanRunner(client, thread_id, "task_maistro", run_kwargs=config(0, "ref-steer"))
    outcome = await runner.send("steer", "Add a ToDo to call mom")
    assert "next model call" in outcome.plan.why
    await client.runs.join(thread_id, run1)
    await eventually(
        lambda: client.runs.get(thread_id, outcome.run_id),
        lambda run: run["status"] == "interrupted",
        what="the steer run to be taken",
    )
    state = await client.threads.get_state(thread_id)
    replies = [m["content"] for m in state["values"]["messages"] if m["type"] == "ai"]
    assert [r for r in replies if r] == [
        'I\'ve added 2 tasks: "Buy milk" and "Call mom" to your ToDo list.'
    ]
