"""SVG snapshots of the main screen: idle, mid-run with a queued message, after interrupt/rollback.

Deterministic by construction: `stable_ids` shows `run-N`/`thread-N` instead of ids and hides
elapsed times, the composer cursor does not blink, the engine label is fixed, and each picture is
taken only once `wait_until` has seen the state it is meant to show (the `slow` bench graph keeps
run 1 running for 2 s, far longer than the capture takes).
"""

from __future__ import annotations

from tests.tui.conftest import Engine, RecordingApp
from tests.tui.helpers import fate_of, idle, ready, replies, say, wait_until
from tui.runstate import Fate

SIZE = (130, 32)


def app_for(engine: Engine, name: str) -> RecordingApp:
    return RecordingApp(
        engine.url,
        "slow",
        f"snap-{name}",
        engine_label="embedded (test)",
        model="offline",
        stable_ids=True,
    )


async def two_messages(pilot, key: str) -> None:
    app = pilot.app
    await ready(pilot)
    await say(pilot, "Add a todo: buy milk")
    await pilot.press(key)
    # Filled in rather than typed key by key, so the send happens well inside run 1's 2 s.
    app.query_one("#composer").value = "Actually: buy oat milk"
    await wait_until(pilot, lambda: fate_of(app, "Add a todo: buy milk") is Fate.RUNNING, 20)
    await pilot.press("enter")


def test_idle(snap_compare, engine) -> None:
    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.pause(0.3)

    assert snap_compare(app_for(engine, "idle"), run_before=run_before, terminal_size=SIZE)


def test_running_with_queued_message(snap_compare, engine) -> None:
    async def run_before(pilot) -> None:
        await two_messages(pilot, "f1")
        app = pilot.app
        await wait_until(pilot, lambda: fate_of(app, "Actually: buy oat milk") is Fate.QUEUED)
        await wait_until(pilot, lambda: len(app.book.rows) == 2)

    assert snap_compare(app_for(engine, "queued"), run_before=run_before, terminal_size=SIZE)


def test_after_interrupt(snap_compare, engine) -> None:
    async def run_before(pilot) -> None:
        await two_messages(pilot, "f2")
        app = pilot.app
        await wait_until(pilot, lambda: idle(app) and replies(app, "Actually: buy oat milk"), 30)

    assert snap_compare(app_for(engine, "interrupt"), run_before=run_before, terminal_size=SIZE)


def test_after_rollback(snap_compare, engine) -> None:
    async def run_before(pilot) -> None:
        await two_messages(pilot, "f3")
        app = pilot.app
        await wait_until(pilot, lambda: idle(app) and replies(app, "Actually: buy oat milk"), 30)

    assert snap_compare(app_for(engine, "rollback"), run_before=run_before, terminal_size=SIZE)
