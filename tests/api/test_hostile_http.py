"""Hostile HTTP against a real `doubletext serve`: what a web page, a rebound DNS name or a
malformed filter can make the server do (issue 9, findings 8, 9 and 10)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from tests.api.helpers import human, run_status, transcript


@pytest.fixture
async def http(server_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as client:
        yield client


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"n": value}
    return value


async def test_cross_origin_text_plain_rollback_is_refused_and_cancels_nothing(
    http: httpx.AsyncClient, client: Any
) -> None:
    """A page can POST `text/plain` to any origin without a CORS preflight."""
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(tid, "sleepy", input=human("keep me"))
    await run_status(client, tid, run["run_id"], "running")
    response = await http.post(
        "/runs/cancel?action=rollback",
        content=b'{"status": "all"}',
        headers={"content-type": "text/plain;charset=UTF-8", "origin": "https://evil.example"},
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]
    for ctype in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        form = await http.post(
            "/runs/cancel?action=rollback", content=b"status=all", headers={"content-type": ctype}
        )
        assert form.status_code == 415
    still = await client.runs.get(tid, run["run_id"])  # not rolled back (that would be a 404)
    assert still["status"] == "running"
    await client.runs.cancel(tid, run["run_id"], action="interrupt", wait=True)


async def test_a_body_without_content_type_is_refused_but_bodiless_posts_work(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post("/threads", content=b"{}")
    assert response.status_code == 415
    thread = await http.post("/threads")  # the SDK sends bodiless POSTs without a type
    assert thread.status_code == 200
    typed = await http.post("/threads", json={"metadata": {"a": 1}})
    assert typed.status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example"])
async def test_foreign_host_header_is_refused(http: httpx.AsyncClient, host: str) -> None:
    """DNS rebinding: the page's own domain now resolves to 127.0.0.1, its Host stays foreign."""
    response = await http.get(
        "/threads/00000000-0000-0000-0000-000000000000", headers={"host": host}
    )
    assert response.status_code == 400
    assert "Invalid Host header" in response.json()["detail"]
    search = await http.post("/threads/search", json={}, headers={"host": host})
    assert search.status_code == 400


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
async def test_loopback_host_names_with_any_port_are_answered(
    http: httpx.AsyncClient, name: str
) -> None:
    for host in (name, f"{name}:1234"):
        assert (await http.get("/ok", headers={"host": host})).status_code == 200


async def test_history_reads_only_the_path_thread(client: Any) -> None:
    """`POST /threads/{A}/history` with `checkpoint.thread_id = B` used to return B's history."""
    mine = (await client.threads.create())["thread_id"]
    theirs = (await client.threads.create())["thread_id"]
    await client.runs.wait(mine, "noop", input=human("mine"))
    await client.runs.wait(theirs, "noop", input=human("their secret"))
    their_head = (await client.threads.get_state(theirs))["checkpoint"]
    for checkpoint in (
        {"thread_id": theirs},
        {"thread_id": theirs, "checkpoint_ns": ""},
        {"thread_id": theirs, "checkpoint_id": their_head["checkpoint_id"]},
    ):
        history = await client.threads.get_history(mine, checkpoint=checkpoint)
        seen = [line for state in history for line in transcript(state)]
        assert not any("their secret" in line for line in seen), checkpoint
        if "checkpoint_id" not in checkpoint:
            assert "human:mine" in seen
        state = await client.threads.get_state(mine, checkpoint=checkpoint)
        assert not any("their secret" in line for line in transcript(state)), checkpoint


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("history", {"metadata": {"a b": 1}}, "filter key"),
        ("history", {"metadata": {"x') OR 1=1 --": 1}}, "filter key"),
        ("history", {"checkpoint": {"checkpoint_ns": 5}}, "checkpoint_ns"),
        ("/store/items/search", {"filter": {"a b": 1}}, "filter key"),
        ("/store/items/search", {"filter": {"a": {"$zz": 1}}}, "$zz"),
        ("/store/items/search", {"filter": {"a": {"$eq": _nested(300)}}}, "deeper"),
        ("/store/items/search", {"namespace_prefix": ["a\u0000"]}, "NUL"),
        ("/store/namespaces", {"prefix": ["a\u0000b"]}, "NUL"),
    ],
)
async def test_malformed_filters_are_422_not_500(
    http: httpx.AsyncClient, client: Any, path: str, body: dict[str, Any], fragment: str
) -> None:
    if path == "history":
        tid = (await client.threads.create())["thread_id"]
        await client.runs.wait(tid, "noop", input=human("x"))
        path = f"/threads/{tid}/history"
    response = await http.post(path, json=body)
    assert response.status_code == 422, response.text
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"namespace": ["a\u0000b"], "key": "k", "value": {}}, "NUL"),
        ({"namespace": ["memo"], "key": "k\u0000", "value": {}}, "NUL"),
        ({"namespace": ["memo"], "key": "deep", "value": _nested(254)}, "deeper"),
    ],
)
async def test_unstorable_store_items_are_422(
    http: httpx.AsyncClient, body: dict[str, Any], fragment: str
) -> None:
    response = await http.put("/store/items", json=body)
    assert response.status_code == 422, response.text
    assert fragment in response.json()["detail"]


async def test_a_value_at_the_depth_limit_round_trips(server_url: str) -> None:
    client = get_client(url=server_url, api_key=None)
    value = _nested(127)
    await client.store.put_item(["depth"], "ok", value)
    assert (await client.store.get_item(["depth"], "ok"))["value"] == value
    found = await client.store.search_items(["depth"])
    assert found["items"][0]["value"] == value
    await client.aclose()
