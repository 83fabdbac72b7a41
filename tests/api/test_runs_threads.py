"""Join, cancel, delete and list runs; thread CRUD, state and history — through the SDK."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langgraph_sdk.errors import ConflictError, NotFoundError

from tests.api.helpers import eventually, human, run_status, state_has, transcript

FINISHED_DETAIL = (
    "No matching runs to cancel. Please verify the thread ID and run IDs are correct, and the "
    "runs haven't been deleted or completed."
)


async def _running(client, graph: str = "slow") -> tuple[str, str]:
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(tid, graph, input=human("first"))
    await run_status(client, tid, run["run_id"], "running")
    await state_has(client, tid, "human:first")
    return tid, run["run_id"]


async def test_join_returns_final_values_even_after_the_end(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(tid, "halfsec", input=human("hi"))
    joined = await client.runs.join(tid, run["run_id"])
    assert joined["messages"][-1]["content"] == "reply to: hi"
    assert await client.runs.join(tid, run["run_id"]) == joined


async def test_a_joined_runs_answer_is_its_threads_only_and_gone_with_the_run_or_thread(
    client,
) -> None:
    """A join of an ended run answers from what its end answered, without a read; through
    another thread, or once the run or its thread is deleted, it is a 404."""
    tid = (await client.threads.create())["thread_id"]
    other = (await client.threads.create())["thread_id"]

    async def join_404(thread_id: str, run_id: str) -> None:
        with pytest.raises(httpx.HTTPStatusError) as caught:  # join raises plain httpx errors
            await client.runs.join(thread_id, run_id)
        assert caught.value.response.status_code == 404
        assert "detail" in caught.value.response.json()

    runs = []
    for text in ("one", "two"):
        run = await client.runs.create(tid, "noop", input=human(text))
        await client.runs.join(tid, run["run_id"])
        runs.append(run["run_id"])
    await join_404(other, runs[0])
    await client.runs.delete(tid, runs[0])
    await join_404(tid, runs[0])
    assert (await client.runs.join(tid, runs[1]))["messages"][-1]["content"] == "reply to: two"
    await client.threads.delete(tid)
    await join_404(tid, runs[1])


async def test_cancel_interrupt_without_wait(client) -> None:
    tid, run_id = await _running(client)
    assert await client.runs.cancel(tid, run_id) is None  # 202, empty body
    assert (await client.runs.get(tid, run_id))["status"] == "interrupted"
    assert transcript(await client.threads.get_state(tid)) == ["human:first"]
    thread = await eventually(
        lambda: client.threads.get(tid), lambda t: t["status"] != "busy", what="thread to settle"
    )
    assert thread["status"] == "interrupted"  # the head checkpoint still has `next`


async def test_cancel_with_wait_returns_values(client) -> None:
    tid, run_id = await _running(client)
    values = await client.runs.cancel(tid, run_id, wait=True)
    assert transcript({"values": values}) == ["human:first"]
    assert (await client.runs.get(tid, run_id))["status"] == "interrupted"


async def test_cancel_rollback_deletes_the_run_and_never_leaves_the_thread_busy(client) -> None:
    tid, run_id = await _running(client)
    await client.runs.cancel(tid, run_id, action="rollback")
    with pytest.raises(NotFoundError):
        await client.runs.get(tid, run_id)
    assert transcript(await client.threads.get_state(tid)) == []
    await eventually(
        lambda: client.threads.get(tid), lambda t: t["status"] == "idle", what="thread idle"
    )


async def test_cancel_a_finished_or_unknown_run_is_404(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(tid, "noop", input=human("hi"))
    await client.runs.join(tid, run["run_id"])
    with pytest.raises(NotFoundError) as finished:
        await client.runs.cancel(tid, run["run_id"])
    assert finished.value.response.json() == {"detail": FINISHED_DETAIL}
    with pytest.raises(NotFoundError) as unknown:
        await client.runs.cancel(tid, "00000000-0000-4000-8000-000000000000")
    assert unknown.value.response.json() == {"detail": "No runs found to cancel."}


async def test_cancel_many(client) -> None:
    tid, run_id = await _running(client)
    assert await client.runs.cancel_many(thread_id=tid, run_ids=[run_id]) is None
    assert (await client.runs.get(tid, run_id))["status"] == "interrupted"
    with pytest.raises(NotFoundError):
        await client.runs.cancel_many(thread_id=tid, run_ids=[run_id])


async def test_delete_run(client) -> None:
    tid, run_id = await _running(client, "halfsec")
    with pytest.raises(ConflictError):
        await client.runs.delete(tid, run_id)  # still running
    await client.runs.join(tid, run_id)
    await client.runs.delete(tid, run_id)
    with pytest.raises(NotFoundError):
        await client.runs.get(tid, run_id)
    assert transcript(await client.threads.get_state(tid)) == []


async def test_deleting_an_older_run_keeps_the_later_runs_state(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.create(tid, "noop", input=human("one"))
    await client.runs.join(tid, first["run_id"])
    second = await client.runs.create(tid, "noop", input=human("two"))
    await client.runs.join(tid, second["run_id"])
    await client.runs.delete(tid, first["run_id"])
    assert transcript(await client.threads.get_state(tid)) == [
        "human:one", "ai:reply to: one", "human:two", "ai:reply to: two",
    ]  # fmt: skip
    assert (await client.runs.get(tid, second["run_id"]))["status"] == "success"
    assert [r["run_id"] for r in await client.runs.list(tid)] == [second["run_id"]]


async def test_the_run_record_says_why_it_was_cancelled(client) -> None:
    tid, first = await _running(client)
    second = await client.runs.create(
        tid, "slow", input=human("two"), multitask_strategy="interrupt"
    )
    assert (await client.runs.get(tid, first))["cancel_reason"] == (
        f"superseded by run {second['run_id']} (multitask_strategy=interrupt)"
    )
    await run_status(client, tid, second["run_id"], "running")
    await client.runs.cancel(tid, second["run_id"])
    assert (await client.runs.get(tid, second["run_id"]))["cancel_reason"] == (
        "interrupt requested via POST /threads/{thread_id}/runs/{run_id}/cancel"
    )
    third = await client.runs.create(tid, "slow", input=human("three"))
    await client.runs.cancel_many(thread_id=tid, run_ids=[third["run_id"]])
    listed = {r["run_id"]: r["cancel_reason"] for r in await client.runs.list(tid)}
    assert listed[third["run_id"]] == "interrupt requested via POST /runs/cancel"


async def test_list_runs_with_status_filter(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.wait(tid, "boom", input=human("a"), raise_error=False)
    assert "__error__" in first
    run = await client.runs.create(tid, "noop", input=human("b"))
    await client.runs.join(tid, run["run_id"])
    assert [r["status"] for r in await client.runs.list(tid)] == ["success", "error"]
    assert [r["run_id"] for r in await client.runs.list(tid, status="success")] == [run["run_id"]]
    assert len(await client.runs.list(tid, limit=1)) == 1
    assert len(await client.runs.list(tid, offset=1)) == 1


async def test_thread_crud_search_and_count(client) -> None:
    thread = await client.threads.create(metadata={"suite": "crud"})
    tid = thread["thread_id"]
    assert thread["status"] == "idle"
    with pytest.raises(ConflictError):
        await client.threads.create(thread_id=tid)
    same = await client.threads.create(thread_id=tid, if_exists="do_nothing")
    assert same["thread_id"] == tid
    updated = await client.threads.update(tid, metadata={"extra": 1})
    assert updated["metadata"]["suite"] == "crud" and updated["metadata"]["extra"] == 1
    found = await client.threads.search(metadata={"suite": "crud"})
    assert tid in {t["thread_id"] for t in found}
    assert await client.threads.count(metadata={"suite": "crud"}) >= 1
    await client.threads.delete(tid)
    with pytest.raises(NotFoundError):
        await client.threads.get(tid)


async def test_thread_search_by_ids_applies_the_other_filters(client) -> None:
    """`ids` narrows the search; metadata, values and status still apply (they were ignored)."""
    mine = (await client.threads.create(metadata={"suite": "ids", "team": "a"}))["thread_id"]
    other = (await client.threads.create(metadata={"suite": "ids", "team": "b"}))["thread_id"]
    found = await client.threads.search(ids=[mine, other], metadata={"team": "a"})
    assert [t["thread_id"] for t in found] == [mine]
    assert await client.threads.search(ids=[mine, other], values={"messages": []}) == []


async def test_thread_search_sorts_as_asked(client) -> None:
    """`sort_by` / `sort_order` were ignored: every search came back newest first."""
    made = [
        (await client.threads.create(metadata={"suite": "sort"}))["thread_id"] for _ in range(3)
    ]

    async def order(**options: Any) -> list[str]:
        found = await client.threads.search(metadata={"suite": "sort"}, **options)
        return [t["thread_id"] for t in found]

    assert await order() == made[::-1]  # newest first by default
    assert await order(sort_by="created_at", sort_order="asc") == made
    assert await order(sort_by="created_at") == made[::-1]  # a given sort_by defaults to desc
    assert await order(sort_by="thread_id", sort_order="asc") == sorted(made)
    assert await order(ids=made, sort_by="created_at", sort_order="asc", limit=2) == made[:2]
    response = await client.http.client.post("/threads/search", json={"sort_by": "bogus"})
    assert response.status_code == 422 and '"bogus" is not one of' in response.json()["detail"]


async def test_search_select_returns_only_the_fields_asked_for(client) -> None:
    """threads.search ignored `select`; assistants.search answered `[{}, ...]` for a field
    neither has. Both return the fields asked for and refuse unknown ones (422)."""
    tid = (await client.threads.create(metadata={"suite": "select"}))["thread_id"]
    found = await client.threads.search(
        metadata={"suite": "select"}, select=["thread_id", "status"]
    )
    assert found == [{"thread_id": tid, "status": "idle"}]
    assistants = await client.assistants.search(graph_id="noop", select=["graph_id"], limit=1)
    assert assistants == [{"graph_id": "noop"}]
    for path in ("/threads/search", "/assistants/search"):
        response = await client.http.client.post(path, json={"select": ["bogus"]})
        assert response.status_code == 422, path
        assert '"bogus" is not one of' in response.json()["detail"]


async def test_state_update_and_history(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "noop", input=human("hi"))
    state = await client.threads.get_state(tid)
    at = await client.threads.get_state(tid, checkpoint_id=state["checkpoint"]["checkpoint_id"])
    assert at["values"] == state["values"]
    by_checkpoint = await client.threads.get_state(tid, checkpoint=state["checkpoint"])
    assert by_checkpoint["values"] == state["values"]
    update = await client.threads.update_state(
        tid, {"messages": [{"type": "human", "content": "added"}]}, as_node="respond"
    )
    assert update["checkpoint"]["checkpoint_id"]
    assert transcript(await client.threads.get_state(tid))[-1] == "human:added"
    history = await client.threads.get_history(tid, limit=2)
    assert len(history) == 2
    async with httpx.AsyncClient(base_url=str(client.http.client.base_url)) as http:
        got = (await http.get(f"/threads/{tid}/history", params={"limit": 3})).json()
    assert len(got) == 3


async def test_state_update_while_busy_is_409_without_python_repr(client) -> None:
    tid, run_id = await _running(client)
    with pytest.raises(ConflictError) as caught:
        await client.threads.update_state(tid, {"messages": []})
    detail = caught.value.response.json()["detail"]
    assert run_id in detail and "UUID(" not in detail
