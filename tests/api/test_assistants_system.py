"""`/ok`, `/info` and the read-only system assistants (graph names accepted as ids)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk.errors import UnprocessableEntityError

SYSTEM_NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")


async def test_ok_and_info(server_url: str) -> None:
    async with httpx.AsyncClient(base_url=server_url) as http:
        assert (await http.get("/ok")).json() == {"ok": True}
        info = (await http.get("/info")).json()
    assert info["langgraph_py_version"] and "task_maistro" in info["doubletext"]["graphs"]


async def test_assistants_search_get_graph_schemas(client) -> None:
    found = await client.assistants.search(limit=100)
    by_graph = {a["graph_id"]: a for a in found}
    assert {"task_maistro", "slow", "two_step"} <= set(by_graph)
    todo = by_graph["task_maistro"]
    assert todo["assistant_id"] == str(uuid.uuid5(SYSTEM_NAMESPACE, "task_maistro"))
    assert await client.assistants.get("task_maistro") == todo
    assert await client.assistants.get(todo["assistant_id"]) == todo
    assert [a["graph_id"] for a in await client.assistants.search(graph_id="slow")] == ["slow"]
    graph = await client.assistants.get_graph("two_step")
    assert {n["id"] for n in graph["nodes"]} >= {"fast", "slow"}
    schemas = await client.assistants.get_schemas("task_maistro")
    assert schemas["graph_id"] == "task_maistro" and schemas["input_schema"]
    with pytest.raises(UnprocessableEntityError):
        await client.assistants.get("no-such-graph")
