"""The thread's story over HTTP (docs/story.md), through `langgraph_sdk` on `doubletext serve`.

The tutorial's four scenarios, with its messages, one thread each; then the server is stopped
and started again on the same data directory, and each thread's story, replayed from its first
event, must tell its scenario completely: who was rejected, queued, cut by whom, rolled back,
which todo each run wrote and whether it outlived its run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from doubletext.demo import SCENARIOS
from engine.api.embedded import start_embedded_server
from tests.api.helpers import eventually, human, run_status, state_has
from tests.api.serve import ServeProcess

GRAPH = "task_maistro"
CONFIG = {"configurable": {"user_id": "Test-Story"}}
NAMESPACE = ["todo", "general", "Test-Story"]
SCENARIO = {s.strategy: s for s in SCENARIOS}


async def send(
    client: LangGraphClient, thread_id: str, text: str, strategy: str | None = None
) -> dict[str, Any]:
    options = {} if strategy is None else {"multitask_strategy": strategy}
    return await client.runs.create(thread_id, GRAPH, input=human(text), config=CONFIG, **options)


async def story(client: LangGraphClient, thread_id: str, after: int = 0) -> list[dict[str, Any]]:
    return await client.http.get(f"/threads/{thread_id}/story", params={"after": after})


def of(events: list[dict[str, Any]], kind: str, run_id: str | None = None) -> list[dict]:
    return [e for e in events if e["kind"] == kind and (run_id is None or e["run_id"] == run_id)]


def one(events: list[dict[str, Any]], kind: str, run_id: str | None = None) -> dict[str, Any]:
    found = of(events, kind, run_id)
    assert len(found) == 1, (kind, run_id, [e["kind"] for e in events])
    return found[0]


def seq(events: list[dict[str, Any]], kind: str, run_id: str) -> int:
    return one(events, kind, run_id)["seq"]


async def play(client: LangGraphClient, strategy: str) -> dict[str, Any]:
    """Double text one scenario as the tutorial does; returns its thread and run ids."""
    scenario = SCENARIO[strategy]
    thread_id = (await client.threads.create())["thread_id"]
    first = await send(client, thread_id, scenario.first)
    ids: dict[str, Any] = {"thread": thread_id, "first": first["run_id"], "second": None}
    if strategy == "interrupt":
        await run_status(client, thread_id, first["run_id"], "running")
        await state_has(client, thread_id, f"human:{scenario.first}")
    if strategy == "rollback":  # let run 1 write its todo first: the side effect to show
        await eventually(
            lambda: story(client, thread_id),
            lambda events: bool(of(events, "store_write", first["run_id"])),
            what="run 1's store write",
        )
    try:
        second = await send(client, thread_id, scenario.second, strategy)
    except httpx.HTTPStatusError as exc:
        assert strategy == "reject" and exc.response.status_code == 409
        await client.runs.join(thread_id, first["run_id"])
        return ids
    ids["second"] = second["run_id"]
    await client.runs.join(thread_id, second["run_id"])
    return ids


@pytest.fixture(scope="module")
def story_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with ServeProcess(tmp_path_factory.mktemp("story") / "data", pace="0.5") as server:
        yield server.url


@pytest.fixture
async def client(story_url: str) -> AsyncIterator[LangGraphClient]:
    client = get_client(url=story_url, api_key=None)
    yield client
    await client.aclose()


async def test_the_story_tells_the_four_scenarios_after_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with ServeProcess(data, pace="0.5") as server:
        client = get_client(url=server.url, api_key=None)
        played = {s: await play(client, s) for s in ("reject", "enqueue", "interrupt", "rollback")}
        await client.aclose()
    with ServeProcess(data) as server:
        client = get_client(url=server.url, api_key=None)
        told = {s: await story(client, ids["thread"]) for s, ids in played.items()}
        store = await client.store.search_items(NAMESPACE, limit=100)
        await client.aclose()
    keys_in_store = {item["key"] for item in store["items"]}

    for strategy, events in told.items():
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1)), strategy
        first = played[strategy]["first"]
        accepted = one(events, "run_accepted", first)
        assert accepted["text"] == SCENARIO[strategy].first
        assert accepted["queue_position"] == 0 and accepted["supersedes"] == []
        assert one(events, "run_started", first)["attempt"] == 1

    # reject: message 2 bounced off run 1 (no run exists for it); run 1 went on and saved a todo
    events, first = told["reject"], played["reject"]["first"]
    rejected = one(events, "rejected")
    assert rejected["run_id"] is None and rejected["text"] == SCENARIO["reject"].second
    assert rejected["strategy"] == "reject" and rejected["busy_run_ids"] == [first]
    assert one(events, "run_ended", first)["status"] == "success"
    assert len(of(events, "run_accepted")) == 1
    assert one(events, "store_write", first)["op"] == "put"

    # enqueue: run 2 waited behind run 1 (queue position 1) and started only once it ended
    events, ids = told["enqueue"], played["enqueue"]
    second = one(events, "run_accepted", ids["second"])
    assert second["queue_position"] == 1 and second["strategy"] == "enqueue"
    assert seq(events, "run_ended", ids["first"]) < seq(events, "run_started", ids["second"])
    for run_id in (ids["first"], ids["second"]):
        assert one(events, "run_ended", run_id)["status"] == "success"
        assert one(events, "store_write", run_id)["key"] in keys_in_store

    # interrupt: run 2 cut run 1, in the reference's words, after run 1 saved checkpoints
    events, ids = told["interrupt"], played["interrupt"]
    assert one(events, "run_accepted", ids["second"])["supersedes"] == [ids["first"]]
    ended = one(events, "run_ended", ids["first"])
    assert ended["status"] == "interrupted"
    assert ended["reason"] == f"superseded by run {ids['second']} (multitask_strategy=interrupt)"
    assert ended["cause"] == {"run_id": ids["second"], "strategy": "interrupt"}
    assert of(events, "checkpoint", ids["first"])
    assert seq(events, "run_accepted", ids["second"]) < ended["seq"]
    assert one(events, "run_ended", ids["second"])["status"] == "success"
    assert "Order Ham" in one(events, "store_write", ids["second"])["value"]["task"]

    # rollback: run 1 is gone from the runs but not from the story; its todo outlived it
    events, ids = told["rollback"], played["rollback"]
    wrote = one(events, "store_write", ids["first"])
    gone = one(events, "run_rolled_back", ids["first"])
    assert gone["reason"] == f"superseded by run {ids['second']} (multitask_strategy=rollback)"
    assert gone["cause"] == {"run_id": ids["second"], "strategy": "rollback"}
    removed = {e["checkpoint_id"] for e in of(events, "checkpoint", ids["first"])}
    assert removed and set(gone["checkpoints_removed"]) == removed
    assert gone["side_effects"] == [
        {"namespace": NAMESPACE, "key": wrote["key"], "op": "put", "kept": True}
    ]
    assert wrote["key"] in keys_in_store  # kept: LangGraph does not undo store writes
    assert of(events, "run_ended", ids["first"]) == []
    assert one(events, "run_ended", ids["second"])["status"] == "success"


async def test_join_stream_lifecycle_follows_two_double_texts_live(
    client: LangGraphClient,
) -> None:
    thread_id = (await client.threads.create())["thread_id"]
    seen: list[Any] = []

    async def follow() -> None:
        stream = await client.threads.join_stream(thread_id, stream_mode="lifecycle")
        async for part in stream:
            seen.append(part)

    follower = asyncio.create_task(follow())
    try:
        runs = [await send(client, thread_id, "Add a ToDo to buy milk")]

        def started(run_id: str) -> bool:
            return any(p.data.get("run_id") == run_id and "attempt" in p.data for p in seen)

        def done(run_id: str) -> bool:
            return any(p.data == {"status": "run_done", "run_id": run_id} for p in seen)

        for strategy in ("interrupt", "rollback"):
            await eventually(lambda: asyncio.sleep(0), lambda _: started(runs[-1]["run_id"]))
            # live: the start reached us while the run still works
            assert (await client.runs.get(thread_id, runs[-1]["run_id"]))["status"] == "running"
            runs.append(await send(client, thread_id, "No, add a ToDo to buy eggs", strategy))
        await client.runs.join(thread_id, runs[-1]["run_id"])
        await eventually(lambda: asyncio.sleep(0), lambda _: done(runs[-1]["run_id"]))
    finally:
        follower.cancel()
    order = [
        ("start" if "attempt" in p.data else "done", p.data["run_id"])
        for p in seen
        if p.event == "metadata"
    ]
    ids = [r["run_id"] for r in runs]
    assert order == [(step, r) for r in ids for step in ("start", "done")]
    assert all(p.id and p.id.split("-")[0].isdigit() for p in seen)  # `<epoch ms>-<seq>`


async def test_thread_stream_replays_the_story_after_last_event_id(
    client: LangGraphClient,
) -> None:
    thread_id = (await client.threads.create())["thread_id"]
    run = await send(client, thread_id, "Add a ToDo to water the plants")
    await client.runs.join(thread_id, run["run_id"])
    told = await story(client, thread_id)

    async def replay(last: str | None, count: int) -> list[Any]:
        parts: list[Any] = []
        stream = await client.threads.join_stream(
            thread_id, stream_mode="story", last_event_id=last
        )
        async for part in stream:
            parts.append(part)
            if len(parts) == count:
                break
        return parts

    everything = await replay(None, len(told))
    assert [p.data for p in everything] == told
    assert [int(p.id) for p in everything] == [e["seq"] for e in told]
    tail = await replay("2", len(told) - 2)
    assert [p.data["seq"] for p in tail] == [e["seq"] for e in told[2:]]
    # the reference's query key works the same
    res = await client.http.client.get(
        f"/threads/{thread_id}/story", params={"after": len(told) - 1}
    )
    assert [e["seq"] for e in res.json()] == [len(told)]


async def test_run_modes_streams_each_run_of_the_thread(client: LangGraphClient) -> None:
    """Runs started after the stream opened arrive whole; the story mode beside it shows when
    the stream is open (its replay of the thread's first run arrives first)."""
    thread_id = (await client.threads.create())["thread_id"]
    earlier = await send(client, thread_id, "Add a ToDo to buy milk")
    await client.runs.join(thread_id, earlier["run_id"])
    seen: list[Any] = []

    async def follow() -> None:
        modes: Any = ["run_modes", "story"]
        async for part in await client.threads.join_stream(thread_id, stream_mode=modes):
            seen.append(part)

    follower = asyncio.create_task(follow())
    try:
        await eventually(lambda: asyncio.sleep(0), lambda _: any(p.event == "story" for p in seen))
        for text in ("Add a ToDo to buy bread", "Add a ToDo to buy butter"):
            run = await send(client, thread_id, text)
            await client.runs.join(thread_id, run["run_id"])

            def got_values(run_id: str = run["run_id"], text: str = text) -> bool:
                return any(
                    p.event == "values"
                    and any(m.get("content") == text for m in p.data.get("messages", []))
                    for p in seen
                )

            await eventually(lambda: asyncio.sleep(0), lambda _, f=got_values: f())
    finally:
        follower.cancel()
    opened = [p.data["run_id"] for p in seen if p.event == "metadata"]
    assert earlier["run_id"] not in opened and len(opened) == 2  # each run's stream opens with one


@pytest.mark.parametrize(
    ("query", "headers", "status", "says"),
    [
        ({"stream_mode": "bogus"}, {}, 422, "Unknown thread stream mode 'bogus'"),
        ({"stream_modes": '["story", "nope"]'}, {}, 422, "Unknown thread stream mode 'nope'"),
        ({"stream_mode": "story"}, {"Last-Event-ID": "abc"}, 422, "Invalid Last-Event-ID"),
    ],
)
async def test_thread_stream_refuses_bad_input(
    client: LangGraphClient, query: dict, headers: dict, status: int, says: str
) -> None:
    thread_id = (await client.threads.create())["thread_id"]
    res = await client.http.client.get(
        f"/threads/{thread_id}/stream", params=query, headers=headers
    )
    assert res.status_code == status
    assert says in res.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/threads/{missing}/stream"),
        ("GET", "/threads/{missing}/story"),
        ("POST", "/threads/{missing}/copy"),
    ],
)
async def test_routes_of_a_missing_thread_are_404(
    client: LangGraphClient, method: str, path: str
) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    res = await client.http.client.request(method, path.format(missing=missing))
    assert res.status_code == 404
    assert missing in res.json()["detail"]


async def test_a_hand_edit_of_the_state_is_told(client: LangGraphClient) -> None:
    thread_id = (await client.threads.create())["thread_id"]
    run = await send(client, thread_id, "Add a ToDo to buy milk")
    await client.runs.join(thread_id, run["run_id"])
    edited = await client.threads.update_state(thread_id, {"messages": []}, as_node="task_mAIstro")
    last = (await story(client, thread_id))[-1]
    assert last["kind"] == "state_updated" and last["run_id"] is None
    assert last["checkpoint_id"] == edited["checkpoint"]["checkpoint_id"]
    assert last["as_node"] == "task_mAIstro"


async def test_an_acceptance_tells_the_runs_metadata(client: LangGraphClient) -> None:
    """Another client's app learns from the story which policy sent a run, or that it steers."""
    thread_id = (await client.threads.create())["thread_id"]
    run = await client.runs.create(
        thread_id, "noop", input=human("hi"), metadata={"policy": "merge", "steer": True}
    )
    await client.runs.join(thread_id, run["run_id"])
    accepted = next(e for e in await story(client, thread_id) if e["kind"] == "run_accepted")
    assert accepted["metadata"] == (await client.runs.get(thread_id, run["run_id"]))["metadata"]
    assert accepted["metadata"]["policy"] == "merge" and accepted["metadata"]["steer"] is True


async def test_a_thread_stream_left_by_its_client_leaves_no_task_behind(tmp_path: Path) -> None:
    """Each disconnected `join_stream` used to leave its pending `queue.get()` task behind,
    which the garbage collector later logged as "Task was destroyed but it is pending!"."""
    server = await start_embedded_server(data_dir=tmp_path / "data", pace=0)

    def tasks(name: str) -> list[asyncio.Task[Any]]:
        return [t for t in asyncio.all_tasks() if name in t.get_coro().__qualname__]

    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            thread_id = (await http.post("/threads", json={})).json()["thread_id"]
            await http.post(
                f"/threads/{thread_id}/runs/wait", json={"assistant_id": "noop", "input": {}}
            )
            for _ in range(3):
                params = {"stream_mode": "lifecycle"}
                async with http.stream("GET", f"/threads/{thread_id}/stream", params=params) as r:
                    async for line in r.aiter_lines():
                        if line.startswith("data:"):
                            break  # leave while the server waits for the thread's next event
            await eventually(
                lambda: asyncio.sleep(0, tasks("follow_thread.<locals>.tell")),
                lambda tellers: not tellers,
                what="the server to close the streams",
            )
            assert tasks("Queue.get") == []
    finally:
        await server.stop()
