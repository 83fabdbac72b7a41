"""Test helpers: the shared Pilot drivers plus readers of what the panels show."""

from __future__ import annotations

from tui.app import DoubletextApp
from tui.drive import fate_of, idle, ready, replies, say, steady, turn, turns, wait_until
from tui.widgets.runs import RunPanel
from tui.widgets.todos import TodoPanel

__all__ = [
    "fate_of",
    "idle",
    "ready",
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
