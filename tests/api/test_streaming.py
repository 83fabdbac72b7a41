"""SSE: each stream mode, framing and headers, errors, resumability, heartbeats, disconnects."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.api.helpers import eventually, hold, human, release, run_status, state_has


async def _events(client, thread_id, graph, **kwargs) -> list:
    return [part async for part in client.runs.stream(thread_id, graph, **kwargs)]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("values", {"values"}),
        ("updates", {"updates"}),
        ("messages-tuple", {"messages"}),
        ("messages", {"messages/metadata", "messages/complete"}),
        ("custom", {"custom"}),
        ("debug", {"debug"}),
        ("tasks", {"tasks"}),
        ("checkpoints", {"checkpoints"}),
    ],
)
async def test_each_stream_mode(client, mode: str, expected: set[str]) -> None:
    tid = (await client.threads.create())["thread_id"]
    parts = await _events(client, tid, "chatty", input=human("hi"), stream_mode=mode)
    names = [p.event for p in parts]
    assert names[0] == "metadata"
    assert parts[0].data["run_id"]
    assert expected <= set(names), names
    assert "error" not in names
    if mode == "custom":
        assert [p.data for p in parts if p.event == "custom"] == [
            {"progress": "half"}, {"progress": "done"},
        ]  # fmt: skip


async def test_several_modes_in_reference_order(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    modes = ["values", "updates", "messages-tuple", "custom"]
    names = [
        p.event for p in await _events(client, tid, "noop", input=human("hi"), stream_mode=modes)
    ]
    assert names == ["metadata", "values", "messages", "updates", "values"]


async def test_failed_run_streams_an_error_event_and_wait_returns_error(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    parts = await _events(client, tid, "boom", input=human("hi"))
    assert parts[0].event == "metadata"
    assert parts[-1].event == "error"
    assert parts[-1].data == {"error": "ValueError", "message": "boom"}
    result = await client.runs.wait(tid, "boom", input=human("again"), raise_error=False)
    assert result == {"__error__": {"error": "ValueError", "message": "boom"}}
    assert (await client.threads.get(tid))["status"] == "error"


async def test_raw_framing_and_headers(server_url: str, client) -> None:
    tid = (await client.threads.create())["thread_id"]
    body = {"assistant_id": "noop", "input": {"messages": [{"type": "human", "content": "hi"}]}}
    async with (
        httpx.AsyncClient(base_url=server_url) as http,
        http.stream("POST", f"/threads/{tid}/runs/stream", json=body) as response,
    ):
        raw = b"".join([chunk async for chunk in response.aiter_bytes()])
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    run_path = response.headers["content-location"]
    assert run_path.startswith(f"/threads/{tid}/runs/")
    assert response.headers["location"] == f"{run_path}/stream"
    assert raw.startswith(b"event: metadata\r\ndata: {")
    frames = [f for f in raw.split(b"\r\n\r\n") if f]
    assert all(f.startswith(b"event: ") for f in frames)
    assert b"id: " not in raw  # ids only for stream_resumable runs


async def test_resumable_ids_and_last_event_id_replay(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    parts = await _events(
        client, tid, "noop", input=human("hi"), stream_mode=["values", "updates"],
        stream_resumable=True,
    )  # fmt: skip
    ids = [p.id for p in parts]
    assert all(ids) and len(set(ids)) == len(ids)
    run_id = parts[0].data["run_id"]
    replay = [p async for p in client.runs.join_stream(tid, run_id, last_event_id=ids[1])]
    assert [(p.event, p.id) for p in replay] == [(p.event, p.id) for p in parts[2:]]
    only_values = [
        p.event
        async for p in client.runs.join_stream(tid, run_id, last_event_id="0", stream_mode="values")
    ]
    assert only_values == ["metadata", "values", "values"]


async def test_join_stream_follows_a_running_run(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(tid, "halfsec", input=human("hi"))
    await run_status(client, tid, run["run_id"], "running")
    parts = [p async for p in client.runs.join_stream(tid, run["run_id"])]
    assert parts and parts[-1].event == "values"
    assert parts[-1].data["messages"][-1]["content"] == "reply to: hi"


async def test_heartbeat_and_wait_keepalive_while_a_run_waits(server_url: str, client) -> None:
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(tid, "noop", input=human("hi"), after_seconds=5.5)
    path = f"/threads/{tid}/runs/{run['run_id']}"

    async def read(url: str) -> bytes:
        async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
            response = await http.get(url)
            assert response.status_code == 200
            return response.content

    stream, joined = await asyncio.gather(read(f"{path}/stream"), read(f"{path}/join"))
    assert b": heartbeat\r\n\r\n" in stream
    assert joined.startswith(b"\n")
    assert httpx.Response(200, content=joined).json()["messages"][-1]["content"] == "reply to: hi"


async def test_stream_of_an_interrupted_run_just_closes(client) -> None:
    tid = (await client.threads.create())["thread_id"]
    seen: list[str] = []

    async def consume() -> None:
        async for part in client.runs.stream(tid, "slow", input=human("first")):
            seen.append(part.event)

    task = asyncio.create_task(consume())
    await state_has(client, tid, "human:first")
    await client.runs.create(tid, "noop", input=human("second"), multitask_strategy="interrupt")
    await asyncio.wait_for(task, 10)
    assert seen[0] == "metadata"
    assert "error" not in seen


@pytest.mark.parametrize(
    ("on_disconnect", "final"), [("cancel", "interrupted"), ("continue", "success")]
)
async def test_on_disconnect(server_url: str, client, on_disconnect: str, final: str) -> None:
    tid = (await client.threads.create())["thread_id"]
    body = {
        "assistant_id": "halfsec",
        "input": {"messages": [{"type": "human", "content": "hi"}]},
        "on_disconnect": on_disconnect,
    }
    async with (
        httpx.AsyncClient(base_url=server_url) as http,
        http.stream("POST", f"/threads/{tid}/runs/stream", json=body) as response,
    ):
        run_id = response.headers["content-location"].rsplit("/", 1)[1]
        async for line in response.aiter_lines():
            if line.startswith("event: metadata"):
                break  # leave mid-run
    run = await run_status(client, tid, run_id, final)
    reason = "client disconnected (on_disconnect=cancel)" if on_disconnect == "cancel" else None
    assert run["cancel_reason"] == reason


async def test_stateless_runs(client) -> None:
    values = await client.runs.wait(None, "noop", input=human("hi"))
    assert values["messages"][-1]["content"] == "reply to: hi"
    names = [p.event async for p in client.runs.stream(None, "noop", input=human("hi"))]
    assert names[0] == "metadata" and names[-1] == "values"
    run = await client.runs.create(None, "noop", input=human("hi"))
    assert run["status"] == "pending"
    await eventually(
        lambda: client.threads.search(limit=1000),
        lambda threads: run["thread_id"] not in {t["thread_id"] for t in threads},
        what="the temporary thread to be deleted",
    )


async def _gone(client, thread_id: str) -> None:
    await eventually(
        lambda: client.threads.search(limit=1000),
        lambda threads: thread_id not in {t["thread_id"] for t in threads},
        what="the temporary thread to be deleted",
    )


@pytest.mark.parametrize("action", ["interrupt", "rollback"])
async def test_a_stateless_run_cancelled_before_it_starts_takes_its_thread_along(
    client, action: str
) -> None:
    """Its thread goes as it would after a run (it stayed for ever: only a run that started
    dropped its temporary thread)."""
    run = await client.runs.create(None, "noop", input=human("hi"), after_seconds=60)
    await client.runs.cancel(run["thread_id"], run["run_id"], action=action)
    await _gone(client, run["thread_id"])


async def test_cancel_and_wait_of_a_stateless_run_answers_its_values(client) -> None:
    """The cancel is done and says so (it was a 404 `Thread … not found`: the run's end
    dropped the temporary thread before the wait read it)."""
    run = await client.runs.create(None, "slow", input=human("hi"), after_seconds=1)
    await hold(client, run["thread_id"])
    await run_status(client, run["thread_id"], run["run_id"], "running")
    values = await client.runs.cancel(run["thread_id"], run["run_id"], wait=True)
    assert isinstance(values, dict)
    await release(client, run["thread_id"])
    await _gone(client, run["thread_id"])


@pytest.mark.parametrize("route", ["wait", "join"])
async def test_cancel_on_disconnect_for_wait_and_join(server_url: str, client, route: str) -> None:
    tid = (await client.threads.create())["thread_id"]
    body = {"assistant_id": "slow", "input": {"messages": [{"type": "human", "content": "hi"}]}}
    async with httpx.AsyncClient(base_url=server_url, timeout=httpx.Timeout(5, read=0.3)) as http:
        if route == "wait":
            request = http.post(
                f"/threads/{tid}/runs/wait", json={**body, "on_disconnect": "cancel"}
            )
        else:
            run = await client.runs.create(tid, "slow", input=human("hi"))
            request = http.get(
                f"/threads/{tid}/runs/{run['run_id']}/join", params={"cancel_on_disconnect": "true"}
            )
        with pytest.raises(httpx.ReadTimeout):
            await request  # the client gives up and hangs up mid-run
    runs = await client.runs.list(tid)
    await run_status(client, tid, runs[0]["run_id"], "interrupted")
