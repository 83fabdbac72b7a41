"""Assistants a user creates (a graph plus settings), batches, the events stream mode and the
generated OpenAPI document — through the official SDK against a real `doubletext serve`."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk.errors import BadRequestError, NotFoundError, UnprocessableEntityError

from tests.api.helpers import eventually, human

TODO_TEXT = "Add a ToDo to renew the passport."


async def _todos(client, user_id: str, category: str) -> list[str]:
    found = await client.store.search_items(("todo", category, user_id), limit=50)
    return [item["value"]["task"] for item in found["items"]]


async def test_an_assistant_config_is_what_its_runs_use(client) -> None:
    """A user brings the todo graph with settings: its runs file todos under that user."""
    user = f"alice-{uuid.uuid4().hex[:6]}"
    assistant = await client.assistants.create(
        "task_maistro",
        config={"configurable": {"user_id": user, "todo_category": "work"}},
        metadata={"owner": user},
        name="Work todos",
    )
    assert assistant["context"] == {"user_id": user, "todo_category": "work"}  # mirrored
    assert assistant["version"] == 1 and assistant["name"] == "Work todos"
    assert await client.assistants.get(assistant["assistant_id"]) == assistant

    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], assistant["assistant_id"], input=human(TODO_TEXT))
    assert await _todos(client, user, "work") == ["Renew the passport"]
    run = (await client.runs.list(thread["thread_id"]))[0]
    assert run["assistant_id"] == assistant["assistant_id"]
    configurable = run["kwargs"]["config"]["configurable"]
    assert configurable["user_id"] == user and configurable["todo_category"] == "work"
    state = await client.threads.get_state(thread["thread_id"])
    assert state["metadata"]["user_id"] == user  # checkpoint metadata, as on the reference
    assert state["metadata"]["run_attempt"] == 1
    assert (await client.threads.get(thread["thread_id"]))["metadata"]["assistant_id"] == (
        assistant["assistant_id"]
    )


async def test_context_settings_and_versions(client) -> None:
    user = f"bob-{uuid.uuid4().hex[:6]}"
    assistant = await client.assistants.create(
        "task_maistro", context={"user_id": user}, name="Bob"
    )
    aid = assistant["assistant_id"]
    assert assistant["config"] == {"configurable": {"user_id": user}}
    updated = await client.assistants.update(
        aid, context={"user_id": user, "todo_category": "home"}
    )
    assert updated["version"] == 2 and updated["name"] == "Bob"
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], aid, input=human(TODO_TEXT))
    assert await _todos(client, user, "home") == ["Renew the passport"]

    versions = await client.assistants.get_versions(aid)
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["context"] == {"user_id": user}
    latest = await client.assistants.set_latest(aid, 1)
    assert latest["version"] == 1 and latest["context"] == {"user_id": user}
    with pytest.raises(NotFoundError):
        await client.assistants.set_latest(aid, 7)


async def test_search_count_and_delete(client) -> None:
    tag = uuid.uuid4().hex
    made = [
        await client.assistants.create("noop", metadata={"tag": tag}, name=f"n{i}")
        for i in range(3)
    ]
    found = await client.assistants.search(metadata={"tag": tag}, sort_by="name", sort_order="asc")
    assert [a["name"] for a in found] == ["n0", "n1", "n2"]
    assert await client.assistants.count(metadata={"tag": tag}) == 3
    assert len(await client.assistants.search(metadata={"tag": tag}, limit=2)) == 2

    doomed = made[0]["assistant_id"]
    await client.assistants.delete(doomed)
    with pytest.raises(NotFoundError):
        await client.assistants.get(doomed)
    assert await client.assistants.count(metadata={"tag": tag}) == 2
    with pytest.raises(NotFoundError):
        await client.assistants.delete(doomed)


async def test_deleting_an_assistant_interrupts_its_runs(client) -> None:
    assistant = await client.assistants.create("slow")
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], assistant["assistant_id"], input=human("x"))
    await client.assistants.delete(assistant["assistant_id"])
    assert (await client.runs.get(thread["thread_id"], run["run_id"]))["status"] == "interrupted"


async def test_bad_assistant_requests(client) -> None:
    with pytest.raises(NotFoundError, match="Graph 'nope' not found"):
        await client.assistants.create("nope")
    with pytest.raises(BadRequestError, match="Cannot specify both configurable and context"):
        await client.assistants.create("noop", config={"configurable": {"a": 1}}, context={"a": 1})
    made = await client.assistants.create("noop", assistant_id=str(uuid.uuid4()))
    with pytest.raises(httpx.HTTPStatusError) as conflict:
        await client.assistants.create("noop", assistant_id=made["assistant_id"])
    assert conflict.value.response.status_code == 409
    again = await client.assistants.create(
        "noop", assistant_id=made["assistant_id"], if_exists="do_nothing"
    )
    assert again == made
    with pytest.raises(NotFoundError):
        await client.runs.create(None, str(uuid.uuid4()), input=human("x"))
    with pytest.raises(UnprocessableEntityError):
        await client.assistants.get("not-a-graph-or-uuid")


async def test_a_batch_of_stateless_runs(client) -> None:
    runs = await client.runs.create_batch(
        [
            {"assistant_id": "noop", "input": human("a"), "on_completion": "keep"},
            {"assistant_id": "noop", "input": human("b"), "on_completion": "keep"},
        ]
    )
    assert [r["status"] for r in runs] == ["pending", "pending"]
    assert len({r["thread_id"] for r in runs}) == 2
    for run, text in zip(runs, ("a", "b"), strict=True):
        joined = await client.runs.join(run["thread_id"], run["run_id"])
        assert joined["messages"][-1]["content"] == f"reply to: {text}"


async def test_a_bad_batch_item_creates_nothing(server_url: str, client) -> None:
    before = await client.threads.count()
    async with httpx.AsyncClient(base_url=server_url) as http:
        bad = await http.post(
            "/runs/batch",
            json=[{"assistant_id": "noop"}, {"assistant_id": "noop", "stream_mode": "bogus"}],
        )
        unknown = await http.post(
            "/runs/batch", json=[{"assistant_id": "noop"}, {"assistant_id": "no-such-graph"}]
        )
        not_a_list = await http.post("/runs/batch", json={"assistant_id": "noop"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("Batch item 1:")
    assert unknown.status_code == 422
    assert not_a_list.status_code == 422
    assert await client.threads.count() == before


async def test_events_stream_mode_sends_astream_events(client) -> None:
    thread = await client.threads.create()
    parts = [
        part
        async for part in client.runs.stream(
            thread["thread_id"], "noop", input=human("hi"), stream_mode=["events", "values"]
        )
    ]
    names = [p.event for p in parts]
    assert names[0] == "metadata" and "values" in names
    events = [p.data for p in parts if p.event == "events"]
    kinds = {(e["event"], e["name"]) for e in events}
    assert ("on_chain_start", "noop") in kinds and ("on_chain_end", "respond") in kinds
    root = next(e for e in events if e["event"] == "on_chain_start" and e["name"] == "noop")
    assert root["run_id"] == parts[0].data["run_id"] and root["parent_ids"] == []
    assert root["metadata"]["run_attempt"] == 1


async def test_webhook_and_feedback_keys_are_refused(client) -> None:
    thread = await client.threads.create()
    with pytest.raises(UnprocessableEntityError, match="webhook"):
        await client.runs.create(thread["thread_id"], "noop", webhook="https://example.com/hook")
    with pytest.raises(UnprocessableEntityError, match="feedback_keys"):
        async for _ in client.runs.stream(thread["thread_id"], "noop", feedback_keys=["score"]):
            pass
    assert await client.runs.list(thread["thread_id"]) == []


async def test_ids_are_time_ordered_uuid7(client) -> None:
    thread = await client.threads.create()
    first = await client.runs.create(thread["thread_id"], "noop", input=human("1"))
    second = await client.runs.create(thread["thread_id"], "noop", input=human("2"))
    ids = [uuid.UUID(x) for x in (thread["thread_id"], first["run_id"], second["run_id"])]
    assert {i.version for i in ids} == {7}
    assert ids[1] < ids[2]
    await eventually(
        lambda: client.runs.get(thread["thread_id"], second["run_id"]),
        lambda run: run["status"] == "success",
        what="second run",
    )


async def test_openapi_is_generated_from_the_routes(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        document = (await http.get("/openapi.json")).json()
    paths = document["paths"]
    assert document["openapi"].startswith("3.")
    assert set(paths["/assistants/{assistant_id}"]) == {"get", "patch", "delete"}
    create = paths["/assistants"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["graph_id"]
    assert schema["properties"]["if_exists"]["enum"] == ["raise", "do_nothing"]
    assert {"200", "409"} <= set(create["responses"])
    assert "post" in paths["/runs/batch"] and "get" in paths["/threads/{thread_id}/runs"]
    path_params = paths["/threads/{thread_id}/runs/{run_id}"]["get"]["parameters"]
    assert [p["name"] for p in path_params] == ["thread_id", "run_id"]
