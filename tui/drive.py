"""Driving a live app with Pilot: wait for states instead of sleeping and hoping.

Shared by the tests, `python -m doubletext.screenshots` and `bench/tui_bench.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import events
from textual.css.query import NoMatches
from textual.pilot import Pilot

from tui.app import DoubletextApp
from tui.runstate import ACTIVE, Fate
from tui.widgets.runs import RunPanel
from tui.widgets.transcript import Transcript, Turn


async def wait_until(
    pilot: Pilot, predicate: Callable[[], object], timeout: float = 15.0, what: str = ""
) -> None:
    """Let the app run until `predicate()` is truthy; fail with `what` after `timeout` s, and
    with what the transcript showed then (a failure on a loaded CI machine tells its story)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.03)
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what or predicate}; {shown(pilot.app)}"
    )


def shown(app: object) -> str:
    """ "turns: 'one' done, 'two' interrupted": each message on screen and its fate."""
    if not isinstance(app, DoubletextApp):
        return "not a doubletext app"
    try:
        found = turns(app)
    except NoMatches:  # the chat screen is not mounted (yet, or any more)
        return "no transcript"
    fates = ", ".join(f"{t.text!r} {t.fate.value if t.fate else 'no fate'}" for t in found)
    return f"turns: {fates or 'none'}"


async def steady(pilot: Pilot, timeout: float = 10.0, quiet: float = 0.2) -> None:
    """Let the app run until what it draws stops changing: the same screen twice, `quiet` s
    apart. A snapshot taken as soon as the model is settled can still catch a layout pass in
    flight under load (a Markdown block mounted but not yet measured)."""
    deadline = time.monotonic() + timeout
    before = pilot.app.export_screenshot()
    while time.monotonic() < deadline:
        await pilot.pause(quiet)
        now = pilot.app.export_screenshot()
        if now == before:
            return
        before = now
    raise AssertionError(f"the screen kept changing for {timeout}s")


def turns(app: DoubletextApp) -> list[Turn]:
    return app.chat.query_one(Transcript).turns()


def turn(app: DoubletextApp, text: str) -> Turn:
    return next(t for t in turns(app) if t.text == text)


def replies(app: DoubletextApp, text: str) -> list[str]:
    return [r.full_text for r in turn(app, text).replies()]


def fate_of(app: DoubletextApp, text: str) -> Fate | None:
    found = [t for t in turns(app) if t.text == text]
    return found[-1].fate if found else None


def idle(app: DoubletextApp) -> bool:
    """The thread is loaded, nothing is in flight (no run, no open reply stream), and the
    screen shows it so (every Message about it has been handled)."""
    session = app.session
    if session is None or session.thread_id is None or not session.loaded:
        return False
    if app.chat.shown_thread != session.thread_id:
        return False
    if session.log.has_active() or session.streaming:
        return False
    shown = [t.fate for t in turns(app) if t.fate is not None]
    panel = [e.fate for e in app.chat.query_one(RunPanel).entries.values()]
    logged = [e.fate for e in session.log.ordered()]
    return not any(f in ACTIVE for f in shown + panel) and sorted(panel) == sorted(logged)


async def ready(pilot: Pilot, timeout: float = 20.0) -> None:
    app = pilot.app
    assert isinstance(app, DoubletextApp)
    await wait_until(
        pilot,
        lambda: (
            app.session is not None
            and app.session.loaded
            and app.chat.shown_thread == app.session.thread_id
        ),
        timeout,
        "the thread to be loaded and shown",
    )


async def say(pilot: Pilot, text: str) -> None:
    """Type `text` key by key and press Enter."""
    await pilot.press(*("space" if c == " " else c for c in text), "enter")


def burst(app: DoubletextApp, text: str) -> None:
    """Deliver `text` as a terminal delivers type-ahead: every key in one batch, nothing
    handled in between (`\\n` is Enter, `\\x0c` is Ctrl+L)."""
    driver = app._driver
    assert driver is not None
    for char in text:
        key = {"\n": "enter", " ": "space", "\x0c": "ctrl+l"}.get(char, char)
        event = events.Key(key, "\r" if char == "\n" else char)
        event.set_sender(app)
        driver.send_message(event)
