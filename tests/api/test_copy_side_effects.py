"""Thread copy and side effects over HTTP, through the official SDK (issue 10, items 4 and 5)."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph_sdk.errors import NotFoundError

from tests.api.helpers import eventually, human, transcript


async def test_copy_has_the_same_state_and_history_and_lives_its_own_life(client: Any) -> None:
    source = (await client.threads.create(metadata={"owner": "me"}))["thread_id"]
    await client.runs.wait(source, "noop", input=human("first"))
    await client.runs.wait(source, "noop", input=human("second"))
    copy = await client.threads.copy(source)
    tid = copy["thread_id"]
    assert tid != source
    assert copy["metadata"]["owner"] == "me" and copy["metadata"]["graph_id"] == "noop"
    assert copy["status"] == "idle"
    assert copy["values"] == (await client.threads.get(source))["values"]
    expected = ["human:first", "ai:reply to: first", "human:second", "ai:reply to: second"]
    assert transcript(await client.threads.get_state(tid)) == expected
    original = await client.threads.get_history(source, limit=100)
    copied = await client.threads.get_history(tid, limit=100)
    assert [s["checkpoint"]["checkpoint_id"] for s in copied] == [
        s["checkpoint"]["checkpoint_id"] for s in original
    ]
    assert all(s["checkpoint"]["thread_id"] == tid for s in copied)
    assert await client.runs.list(tid) == []

    await client.runs.wait(tid, "noop", input=human("only in the copy"))
    assert transcript(await client.threads.get_state(source)) == expected
    assert transcript(await client.threads.get_state(tid))[-1] == "ai:reply to: only in the copy"
    await client.threads.delete(tid)  # deleting the copy leaves the source alone
    assert transcript(await client.threads.get_state(source)) == expected


async def test_copy_of_a_missing_thread_is_404(client: Any) -> None:
    with pytest.raises(NotFoundError):
        await client.threads.copy("00000000-0000-4000-8000-000000000000")


async def _side_effects(client: Any, tid: str, run_id: str | None = None) -> list[dict[str, Any]]:
    path = (
        f"/threads/{tid}/runs/{run_id}/side_effects" if run_id else f"/threads/{tid}/side_effects"
    )
    return await client.http.get(path)


async def test_side_effects_of_a_rolled_back_run_stay_readable(client: Any) -> None:
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.create(tid, "memo", input=human("wait: buy milk"))
    await eventually(
        lambda: _side_effects(client, tid, first["run_id"]),
        lambda found: len(found) == 1,
        what="run 1's store write",
    )
    second = await client.runs.create(
        tid, "memo", input=human("buy bread"), multitask_strategy="rollback"
    )
    await client.runs.join(tid, second["run_id"])
    with pytest.raises(NotFoundError):
        await client.runs.get(tid, first["run_id"])  # rolled back: the run is gone ...

    kept = await _side_effects(client, tid, first["run_id"])  # ... its store write is not
    assert [(e["namespace"], e["key"], e["op"], e["value"]) for e in kept] == [
        (["memo"], "wait: buy milk", "put", {"text": "wait: buy milk"})
    ]
    assert kept[0]["run_status"] is None and kept[0]["run_id"] == first["run_id"]
    everything = await _side_effects(client, tid)
    assert [(e["run_id"], e["key"], e["run_status"]) for e in everything] == [
        (first["run_id"], "wait: buy milk", None),
        (second["run_id"], "buy bread", "success"),
    ]
    item = await client.store.get_item(["memo"], "wait: buy milk")
    assert item["value"] == {"text": "wait: buy milk"}  # the side effect outlived its run


async def test_side_effects_routes_check_their_ids(client: Any) -> None:
    with pytest.raises(NotFoundError):
        await _side_effects(client, "00000000-0000-4000-8000-000000000000")
    tid = (await client.threads.create())["thread_id"]
    assert await _side_effects(client, tid) == []
    assert await _side_effects(client, tid, "00000000-0000-4000-8000-000000000000") == []
    with pytest.raises(Exception) as bad:
        await _side_effects(client, tid, "not-a-uuid")
    assert bad.value.response.status_code == 422
