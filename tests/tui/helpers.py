"""Test helpers: the shared Pilot drivers plus readers of what the panels show."""

from __future__ import annotations

from langgraph_sdk import get_client

from engine.graphs.bench import GATES
from tui.app import DoubletextApp
from tui.drive import fate_of, idle, ready, replies, say, steady, turn, turns, wait_until
from tui.widgets.runs import RunPanel
from tui.widgets.todos import TodoPanel

__all__ = [
    "fate_of",
    "hold",
    "idle",
    "ready",
    "release",
    "replies",
    "run_panel",
    "say",
    "steady",
    "todo_tasks",
    "turn",
    "turns",
    "wait_until",
]


def run_panel(app: DoubletextApp) -> dict[str, str]:
    """What the run panel's table shows: message → status text."""
    table = app.query_one(RunPanel)
    rows = (table.get_row_at(i) for i in range(table.row_count))
    return {str(row[1]): str(row[3]) for row in rows}


def todo_tasks(app: DoubletextApp) -> list[str]:
    table = app.query_one(TodoPanel)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def _gate(app: DoubletextApp, open_: bool) -> None:
    """Set the gate through a client of the test's own (with the app's headers), so the
    app's call log shows only what the app did."""
    thread_id = app.thread_id
    assert thread_id, "the app has no thread yet: wait for ready() first"
    headers = dict(app.backend.client.http.client.headers)
    client = get_client(url=app.backend.url, headers=headers)
    try:
        await client.store.put_item(list(GATES), thread_id, {"open": open_})
    finally:
        await client.http.client.aclose()


async def hold(app: DoubletextApp) -> None:
    """Shut the thread's gate: its `slow` runs keep running until `release` (at most a minute),
    however long a loaded machine takes to type the next message."""
    await _gate(app, False)


async def release(app: DoubletextApp) -> None:
    """Open the thread's gate: held `slow` runs reply now, later ones sleep their 2 s."""
    await _gate(app, True)
