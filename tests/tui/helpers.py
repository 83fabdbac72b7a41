"""Waiting on a live app without sleeping and hoping."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot

from tui.app import DoubletextApp
from tui.runstate import Fate
from tui.widgets.runs import RunPanel
from tui.widgets.todos import TodoPanel
from tui.widgets.transcript import Turn


async def wait_until(
    pilot: Pilot, predicate: Callable[[], object], timeout: float = 15.0, what: str = ""
) -> None:
    """Let the app run until `predicate()` is truthy; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.03)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


def turns(app: DoubletextApp) -> list[Turn]:
    return list(app.query(Turn))


def turn(app: DoubletextApp, text: str) -> Turn:
    return next(t for t in turns(app) if t.text == text)


def replies(app: DoubletextApp, text: str) -> list[str]:
    return [r.full_text for r in turn(app, text).replies()]


def run_panel(app: DoubletextApp) -> dict[str, str]:
    """What the run panel's table shows: message → status text."""
    table = app.query_one(RunPanel)
    rows = (table.get_row_at(i) for i in range(table.row_count))
    return {str(row[1]): str(row[3]) for row in rows}


def todo_tasks(app: DoubletextApp) -> list[str]:
    table = app.query_one(TodoPanel)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def fate_of(app: DoubletextApp, text: str) -> Fate | None:
    found = [t for t in turns(app) if t.text == text]
    return found[-1].fate if found else None


def idle(app: DoubletextApp) -> bool:
    return app.thread_id is not None and not app.book.has_active() and not app._streams_open


async def ready(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, DoubletextApp)
    await wait_until(pilot, lambda: app.thread_id is not None, 20, "a thread")


async def say(pilot: Pilot, text: str) -> None:
    await pilot.press(*("space" if c == " " else c for c in text), "enter")
