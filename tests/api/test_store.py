"""The store endpoints through the SDK, and what a todo run leaves in the store."""

from __future__ import annotations

import httpx

from tests.api.helpers import human


async def test_store_put_get_search_namespaces_delete(client) -> None:
    await client.store.put_item(["todo", "general", "store-test"], "k1", {"task": "a"})
    await client.store.put_item(["todo", "general", "store-test"], "k2", {"task": "b"})
    item = await client.store.get_item(["todo", "general", "store-test"], "k1")
    assert item["value"] == {"task": "a"}
    assert item["namespace"] == ["todo", "general", "store-test"] and item["created_at"]
    found = await client.store.search_items(["todo", "general", "store-test"], filter={"task": "b"})
    assert [i["key"] for i in found["items"]] == ["k2"]
    namespaces = await client.store.list_namespaces(prefix=["todo"])
    assert ["todo", "general", "store-test"] in namespaces["namespaces"]
    await client.store.delete_item(["todo", "general", "store-test"], "k1")
    assert await client.store.get_item(["todo", "general", "store-test"], "k1") is None


async def test_store_rejects_bad_namespaces_and_values(server_url: str) -> None:
    cases = [
        ({"namespace": ["a.b"], "key": "k", "value": {}}, "without periods"),
        ({"namespace": [], "key": "k", "value": {}}, "cannot be empty"),
        ({"namespace": ["a"], "key": "k", "value": 5}, "'value' must be an object"),
        ({"namespace": ["a"], "value": {}}, "'key' is required"),
        ({"namespace": "a", "key": "k", "value": {}}, "must be an array of strings"),
    ]
    async with httpx.AsyncClient(base_url=server_url) as http:
        for body, fragment in cases:
            response = await http.put("/store/items", json=body)
            assert response.status_code == 422, body
            assert fragment in response.json()["detail"], body
        response = await http.get("/store/items", params={"namespace": "a"})
        assert response.status_code == 422


async def test_a_todo_run_writes_the_user_namespace(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    config = {"configurable": {"user_id": "store-user"}}
    await client.runs.wait(
        tid, "task_maistro", input=human("Add a ToDo to water the plants."), config=config
    )
    todos = await client.store.search_items(["todo", "general", "store-user"])
    assert any("plants" in str(i["value"]).lower() for i in todos["items"])
