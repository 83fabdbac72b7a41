"""Driving a live app with Pilot: wait for states instead of sleeping and hoping.

Shared by the tests, `python -m doubletext.screenshots` and `bench/tui_bench.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot

from tui.app import DoubletextApp
from tui.runstate import Fate
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


def fate_of(app: DoubletextApp, text: str) -> Fate | None:
    found = [t for t in turns(app) if t.text == text]
    return found[-1].fate if found else None


def idle(app: DoubletextApp) -> bool:
    return app.thread_id is not None and not app.book.has_active() and not app._streams_open


async def ready(pilot: Pilot, timeout: float = 20.0) -> None:
    app = pilot.app
    assert isinstance(app, DoubletextApp)
    await wait_until(pilot, lambda: app.thread_id is not None, timeout, "a thread")


async def say(pilot: Pilot, text: str) -> None:
    """Type `text` key by key and press Enter."""
    await pilot.press(*("space" if c == " " else c for c in text), "enter")
