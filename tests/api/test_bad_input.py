"""Every kind of bad input gets a clear 4xx `{"detail": ...}`, never a 500."""

from __future__ import annotations

import httpx
import pytest
from langgraph_sdk.errors import (
    BadRequestError,
    NotFoundError,
    UnprocessableEntityError,
)

from tests.api.helpers import human, transcript

MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
async def http(server_url: str):
    async with httpx.AsyncClient(base_url=server_url) as client:
        yield client


async def _thread(http: httpx.AsyncClient) -> str:
    return (await http.post("/threads", json={})).json()["thread_id"]


async def test_invalid_strategy_is_422(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    with pytest.raises(UnprocessableEntityError) as caught:
        await client.runs.create(tid, "noop", input=human("x"), multitask_strategy="bogus")  # type: ignore[arg-type]
    assert '"bogus" is not one of' in caught.value.response.json()["detail"]


async def test_unknown_assistant_and_missing_thread(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    with pytest.raises(UnprocessableEntityError) as caught:
        await client.runs.create(tid, "nope", input=human("x"))
    assert "Invalid assistant: 'nope'" in caught.value.response.json()["detail"]
    with pytest.raises(NotFoundError):
        await client.runs.create(MISSING, "noop", input=human("x"))
    with pytest.raises(NotFoundError) as thread_missing:
        await client.runs.get(MISSING, MISSING)
    assert thread_missing.value.response.json() == {"detail": f"Thread with ID {MISSING} not found"}


async def test_non_uuid_ids_are_422(http: httpx.AsyncClient) -> None:
    tid = await _thread(http)
    cases = {
        "/threads/abc": "Invalid thread ID: must be a UUID",
        "/threads/abc/state": "Invalid thread ID: must be a UUID",
        f"/threads/{tid}/runs/abc": "Invalid run ID: must be a UUID",
    }
    for path, detail in cases.items():
        response = await http.get(path)
        assert (response.status_code, response.json()) == (422, {"detail": detail}), path


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "'assistant_id' is required"),
        ({"assistant_id": 5}, "'assistant_id' must be a string"),
        ({"assistant_id": "noop", "input": "hi"}, "'input' must be an object"),
        ({"assistant_id": "noop", "stream_mode": "tools"}, '"tools" is not one of'),
        ({"assistant_id": "noop", "stream_mode": ["values", 3]}, "'stream_mode' must be"),
        ({"assistant_id": "noop", "config": []}, "'config' must be an object"),
        ({"assistant_id": "noop", "after_seconds": -1}, "'after_seconds' must be >= 0"),
        ({"assistant_id": "noop", "if_not_exists": "maybe"}, "if_not_exists"),
        ({"assistant_id": "noop", "on_disconnect": "x"}, "on_disconnect"),
        ({"assistant_id": "noop", "durability": "forever"}, "durability"),
    ],
)
async def test_bad_run_bodies_are_422(http: httpx.AsyncClient, body: dict, fragment: str) -> None:
    tid = await _thread(http)
    for suffix in ("", "/stream", "/wait"):
        response = await http.post(f"/threads/{tid}/runs{suffix}", json=body)
        assert response.status_code == 422, (suffix, response.text)
        assert fragment in response.json()["detail"]


async def test_config_and_context_together_is_400(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    with pytest.raises(BadRequestError):
        await client.runs.create(
            tid, "noop", input=human("x"), config={"configurable": {"a": 1}}, context={"b": 2}
        )


async def test_malformed_and_non_object_json(http: httpx.AsyncClient) -> None:
    tid = await _thread(http)
    for path in ("/threads", f"/threads/{tid}/runs", "/threads/search", "/store/items/search"):
        response = await http.post(
            path, content=b"{bad", headers={"content-type": "application/json"}
        )
        assert (response.status_code, response.json()) == (
            422, {"detail": "Invalid JSON in request body"},
        ), path  # fmt: skip
        response = await http.post(path, json=[1, 2])
        assert response.status_code == 422, path


async def test_oversized_body_is_413(http: httpx.AsyncClient) -> None:
    big = b'{"metadata": {"x": "' + b"a" * (11 * 1024 * 1024) + b'"}}'
    json_type = {"content-type": "application/json"}
    response = await http.post("/threads", content=big, headers=json_type)
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]

    async def chunks():
        for _ in range(11):
            yield b"a" * (1024 * 1024)

    response = await http.post("/threads", content=chunks(), headers=json_type)  # no length
    assert response.status_code == 413


async def test_bad_query_parameters(http: httpx.AsyncClient) -> None:
    tid = await _thread(http)
    for query in ("limit=abc", "limit=-1", "status=bogus"):
        response = await http.get(f"/threads/{tid}/runs?{query}")
        assert response.status_code == 422, query
    response = await http.post(f"/threads/{tid}/runs/{MISSING}/cancel?action=explode")
    assert response.status_code == 422
    response = await http.get(
        f"/threads/{tid}/runs/{MISSING}/stream", headers={"Last-Event-ID": "x"}
    )
    assert response.status_code == 404  # the run is checked first
    response = await http.post("/runs/cancel", json={})
    assert response.status_code == 422


async def test_unknown_routes_and_methods(http: httpx.AsyncClient) -> None:
    assert (await http.get("/nope")).json() == {"detail": "Not Found"}
    response = await http.put("/threads")
    assert (response.status_code, response.json()) == (405, {"detail": "Method Not Allowed"})


async def test_thread_bodies(http: httpx.AsyncClient) -> None:
    cases = [
        ({"thread_id": 5}, "'thread_id' must be a string"),
        ({"thread_id": "abc"}, "must be a UUID"),
        ({"if_exists": "x"}, "if_exists"),
        ({"metadata": "x"}, "'metadata' must be an object"),
    ]
    for body, fragment in cases:
        response = await http.post("/threads", json=body)
        assert response.status_code == 422 and fragment in response.json()["detail"], body
    response = await http.post("/threads/search", json={"status": "sleepy"})
    assert response.status_code == 422


async def test_huge_numbers_are_422_not_sqlite_overflow(http: httpx.AsyncClient) -> None:
    tid = await _thread(http)
    huge = 2**63
    response = await http.post("/threads/search", json={"offset": huge})
    assert response.status_code == 422
    response = await http.get(f"/threads/{tid}/runs", params={"offset": str(huge * 10)})
    assert response.status_code == 422
    response = await http.post("/store/items/search", json={"namespace_prefix": [], "offset": huge})
    assert response.status_code == 422


async def test_bad_state_updates_are_4xx(client, http: httpx.AsyncClient) -> None:
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "noop", input=human("hi"))
    for body in (
        {"values": 5},
        {"values": {"messages": 5}},  # add_messages raises NotImplementedError
        {"values": {"messages": [{"type": "bogus"}]}},
        {"values": {}, "as_node": "bogus"},
    ):
        response = await http.post(f"/threads/{tid}/state", json=body)
        assert response.status_code == 422, (body, response.text)


async def test_a_run_with_unusable_input_leaves_a_readable_thread(
    client, http: httpx.AsyncClient
) -> None:
    """A message the graph cannot coerce fails the run; its input stays as a pending write on
    the head checkpoint, and reading the state used to be a 500 until the next run."""
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "noop", input=human("kept"))
    failed = await client.runs.wait(
        tid, "noop", input={"messages": [{"role": "wizard", "content": "x"}]}, raise_error=False
    )
    assert "Unexpected message type" in failed["__error__"]["message"]
    for response in (
        await http.get(f"/threads/{tid}/state"),
        await http.post(f"/threads/{tid}/state/checkpoint", json={}),
    ):
        assert response.status_code == 400, response.text
        assert "Unexpected message type: 'wizard'" in response.json()["detail"]
    with pytest.raises(BadRequestError):
        await client.threads.get_state(tid)
    await client.runs.wait(tid, "noop", input=human("again"))  # the thread still works
    assert "human:again" in transcript(await client.threads.get_state(tid))
