"""What the run inspector reads from the app's CallLog (tui/calllog.py, owned by the policies
work), over a real loopback socket: the calls made for a run, the 409's and the 404's detail."""

from __future__ import annotations

import pytest
from langgraph_sdk.errors import ConflictError, NotFoundError

from tui.calllog import CallLog
from tui.timeline.inspect import call_rows, detail, made_for, on_thread

HUMAN = {"messages": [{"role": "user", "content": "Add a ToDo to buy milk"}]}


async def test_the_calls_for_a_run_and_a_refusal(isolated_client) -> None:
    client = isolated_client  # it rolls a run back: see the fixture
    log = CallLog()
    log.attach(client)
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.create(tid, "slow", input=HUMAN)
    with pytest.raises(ConflictError):
        await client.runs.create(tid, "slow", input=HUMAN, multitask_strategy="reject")
    second = await client.runs.create(tid, "slow", input=HUMAN, multitask_strategy="rollback")
    with pytest.raises(NotFoundError):
        await client.runs.get(tid, first["run_id"])
    await client.runs.list(tid)  # its answer names runs: not a call *for* them
    await client.runs.join(tid, second["run_id"])
    other = (await client.threads.create())["thread_id"]

    mine = on_thread(log.calls, tid)
    assert len(mine) == 6 and all(other not in c.path for c in mine)
    first_calls = [c for c in mine if made_for(c, first["run_id"])]
    assert [(c.method, c.status) for c in first_calls] == [("POST", 200), ("GET", 404)]
    assert detail(first_calls[1]) and "not found" in detail(first_calls[1]).lower()  # type: ignore[union-attr]
    [refused] = [c for c in mine if c.status == 409]
    assert detail(refused) == (
        "Thread is already running a task. Wait for it to finish or choose a different "
        "multitask strategy."
    )
    second_calls = [c for c in mine if made_for(c, second["run_id"])]
    assert [c.path.rsplit("/", 1)[-1] for c in second_calls] == ["runs", "join"]
    rows = call_rows([refused])
    assert rows[0][2] == "409" and rows[0][4].startswith("Thread is already running")
