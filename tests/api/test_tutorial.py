"""The tutorial's double-texting walk-through, made through `langgraph_sdk` on `doubletext serve`.

Each test makes the tutorial's calls for one strategy (create a thread, start run 1, send run 2
with `multitask_strategy`, join, read the state and run 1 back) with the tutorial's messages and
user id, against a real server process running the offline model. Where the tutorial sleeps 1 s so
that run 1 is under way when the interrupt arrives, the test waits until run 1 is running and its
input checkpoint is in the thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage, convert_to_messages
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from tests.api.helpers import human, run_status, state_has
from tests.api.serve import ServeProcess

GRAPH = "task_maistro"
CONFIG = {"configurable": {"user_id": "Test-Double-Texting"}}
REJECTED = "Thread is already running a task."  # how the 409's detail starts, as on LangGraph
TODO_ADDED = "New ToDo created:"  # the tool message of a todo the graph added


@pytest.fixture(scope="module")
def tutorial_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # Half a hosted model's pace: a reply still lasts about a second, time for run 2 to arrive.
    with ServeProcess(tmp_path_factory.mktemp("tutorial") / "data", pace="0.5") as server:
        yield server.url


@pytest.fixture
async def tutorial_client(tutorial_url: str) -> AsyncIterator[LangGraphClient]:
    client = get_client(url=tutorial_url, api_key=None)
    yield client
    await client.aclose()


async def send(
    client: LangGraphClient, thread_id: str, text: str, strategy: str | None = None
) -> dict[str, Any]:
    """Start a run of the todo graph for the tutorial's user; `None` is the server's default."""
    options = {} if strategy is None else {"multitask_strategy": strategy}
    return await client.runs.create(thread_id, GRAPH, input=human(text), config=CONFIG, **options)


async def messages_after(client: LangGraphClient, thread_id: str, run_id: str) -> list[BaseMessage]:
    """Join the run, then read the thread's messages, as the tutorial prints them."""
    await client.runs.join(thread_id, run_id)
    state = await client.threads.get_state(thread_id)
    return convert_to_messages(state["values"]["messages"])


def said_by_user(messages: list[BaseMessage]) -> list[str]:
    return [m.content for m in messages if isinstance(m, HumanMessage)]


def todos_added(messages: list[BaseMessage]) -> int:
    return sum(isinstance(m, ToolMessage) and TODO_ADDED in m.content for m in messages)


async def test_reject_turns_the_second_text_away(tutorial_client: LangGraphClient) -> None:
    first = "Add a ToDo to follow-up with DI Repairs."
    second = "Add a ToDo to mount dresser to the wall."
    thread_id = (await tutorial_client.threads.create())["thread_id"]

    run = await send(tutorial_client, thread_id, first)
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await send(tutorial_client, thread_id, second, "reject")

    assert refused.value.response.status_code == 409
    assert str(refused.value).startswith(REJECTED)  # the tutorial prints it after "Failed to ..."
    messages = await messages_after(tutorial_client, thread_id, run["run_id"])
    assert said_by_user(messages) == [first]
    assert todos_added(messages) == 1


async def test_enqueue_answers_both_texts_in_order(tutorial_client: LangGraphClient) -> None:
    first = "Send Erik his t-shirt gift this weekend."
    second = "Get cash and pay nanny for 2 weeks. Do this by Friday."
    thread_id = (await tutorial_client.threads.create())["thread_id"]

    first_run = await send(tutorial_client, thread_id, first)
    second_run = await send(tutorial_client, thread_id, second, "enqueue")

    messages = await messages_after(tutorial_client, thread_id, second_run["run_id"])
    assert said_by_user(messages) == [first, second]
    assert todos_added(messages) == 2
    assert (await tutorial_client.runs.get(thread_id, first_run["run_id"]))["status"] == "success"


async def test_interrupt_keeps_the_first_text_without_its_answer(
    tutorial_client: LangGraphClient,
) -> None:
    first = "Give me a summary of my ToDos due tomrrow."  # sic, as in the tutorial
    second = "Never mind, create a ToDo to Order Ham for Thanksgiving by next Friday."
    thread_id = (await tutorial_client.threads.create())["thread_id"]

    interrupted_run = await send(tutorial_client, thread_id, first)
    await run_status(tutorial_client, thread_id, interrupted_run["run_id"], "running")
    await state_has(tutorial_client, thread_id, f"human:{first}")
    second_run = await send(tutorial_client, thread_id, second, "interrupt")

    messages = await messages_after(tutorial_client, thread_id, second_run["run_id"])
    run_1 = await tutorial_client.runs.get(thread_id, interrupted_run["run_id"])
    assert run_1["status"] == "interrupted"
    assert [m.type for m in messages[:2]] == ["human", "human"]  # run 1 never got to reply
    assert said_by_user(messages) == [first, second]


async def test_rollback_forgets_the_first_text_and_its_run(
    tutorial_client: LangGraphClient,
) -> None:
    first = "Add a ToDo to call to make appointment at Yoga."
    second = "Actually, add a ToDo to drop by Yoga in person on Sunday."
    thread_id = (await tutorial_client.threads.create())["thread_id"]

    rolled_back_run = await send(tutorial_client, thread_id, first)
    second_run = await send(tutorial_client, thread_id, second, "rollback")

    messages = await messages_after(tutorial_client, thread_id, second_run["run_id"])
    assert said_by_user(messages) == [second]
    with pytest.raises(httpx.HTTPStatusError) as gone:
        await tutorial_client.runs.get(thread_id, rolled_back_run["run_id"])
    assert gone.value.response.status_code == 404
