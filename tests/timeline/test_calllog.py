"""The call log records what an SDK client sent and got back, over a real loopback socket."""

from __future__ import annotations

import pytest
from langgraph_sdk.errors import ConflictError, NotFoundError

from tui.calllog import Call, CallLog, excerpt

HUMAN = {"messages": [{"role": "user", "content": "Add a ToDo to buy milk"}]}


async def test_a_rejected_double_text_and_a_rolled_back_run_are_logged(isolated_client) -> None:
    client = isolated_client  # it rolls a run back: see the fixture
    log = CallLog(excerpt_chars=200).attach(client)
    heard: list[Call] = []
    stop = log.subscribe(heard.append)
    thread = await client.threads.create()
    tid = thread["thread_id"]
    first = await client.runs.create(tid, "slow", input=HUMAN)
    with pytest.raises(ConflictError):
        await client.runs.create(tid, "slow", input=HUMAN, multitask_strategy="reject")
    second = await client.runs.create(tid, "slow", input=HUMAN, multitask_strategy="rollback")
    with pytest.raises(NotFoundError):
        await client.runs.get(tid, first["run_id"])
    await client.runs.join(tid, second["run_id"])
    stop()
    await client.threads.get(tid)  # after stop(): logged, but not heard

    made, create, rejected, rollback, gone, join, _get = list(log)
    assert (made.path, made.thread_id, made.run_id) == ("/threads", tid, None)
    assert (create.method, create.path, create.status) == ("POST", f"/threads/{tid}/runs", 200)
    assert create.run_id == first["run_id"] and create.thread_id == tid
    assert '"assistant_id":"slow"' in create.request and "multitask_strategy" not in create.request
    assert rejected.status == 409 and rejected.run_id is None
    assert rejected.detail == (
        "Thread is already running a task. Wait for it to finish or choose a different "
        "multitask strategy."
    )
    assert '"multitask_strategy":"reject"' in rejected.request
    assert rollback.run_id == second["run_id"]
    assert (gone.method, gone.status, gone.run_id) == ("GET", 404, first["run_id"])
    assert gone.detail and "not found" in gone.detail.lower()
    assert join.path.endswith("/join") and join.status == 200
    assert all(c.duration_s >= 0 for c in log)
    assert heard == list(log)[:-1]
    assert [c.status for c in log.for_run(first["run_id"])] == [200, 404]
    assert len(log.for_thread(tid)) == 7
    assert "→ 409" in rejected.line


async def test_streams_are_logged_without_being_read(client) -> None:
    log = CallLog().attach(client)
    thread = await client.threads.create()
    parts = [p.event async for p in client.runs.stream(thread["thread_id"], "halfsec", input=HUMAN)]
    assert "values" in parts  # the SDK still got the whole stream
    [stream] = [c for c in log if c.path.endswith("/runs/stream")]
    assert stream.response == "(stream)" and stream.status == 200


def test_excerpts_are_one_short_line() -> None:
    assert excerpt(b'{"a": 1,\n "b": [1, 2]}', 100) == '{"a":1,"b":[1,2]}'
    assert excerpt("not json\n  at all", 100) == "not json at all"
    assert excerpt("x" * 50, 10) == "x" * 9 + "…"


def test_attach_refuses_what_it_cannot_hook() -> None:
    with pytest.raises(TypeError):
        CallLog().attach(object())
