"""SVG snapshots of the main screen: idle, mid-run with a queued message, after interrupt/rollback.

Deterministic by construction: `stable_ids` shows `run-N`/`thread-N` instead of ids and hides
elapsed times, the composer cursor does not blink, the engine label is fixed, and each picture is
taken only once `wait_until` has seen the state it is meant to show (the `slow` bench graph keeps
run 1 running for 2 s, far longer than the capture takes).
"""

from __future__ import annotations

from tests.tui.conftest import Engine, RecordingApp
from tests.tui.helpers import fate_of, idle, ready, replies, say, turn, wait_until
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


def test_mid_stream_with_queued_message(snap_compare, engine) -> None:
    """task_maistro streaming its reply to message 1 while message 2 waits in the queue.

    To freeze the picture at a known point, the app stops painting run 1's stream after its
    first 11 message events (the tool call, its result, 4 reply tokens); the clock the offline
    model reads is pinned with configurable `now`, and pace 3 leaves ~1.7 s before run 1 ends.
    """
    first, second = "I need to buy milk by Friday", "Also: call mom"
    app = RecordingApp(
        engine.url,
        "task_maistro",
        "snap-stream",
        engine_label="embedded (test)",
        model="offline",
        stable_ids=True,
        configurable={"doubletext_pace": 3.0, "now": "2026-01-05T09:00:00"},
    )
    seen = [0]
    absorb = app.absorb

    def capped(turn, data) -> None:
        if turn.text == first:
            seen[0] += 1
            if seen[0] > 11:
                return
        absorb(turn, data)

    app.absorb = capped  # type: ignore[method-assign]

    async def run_before(pilot) -> None:
        await ready(pilot)
        await say(pilot, first)
        await wait_until(pilot, lambda: fate_of(app, first) is Fate.RUNNING, 20)
        app.query_one("#composer").value = second
        await pilot.press("enter")
        await wait_until(pilot, lambda: fate_of(app, second) is Fate.QUEUED, 10)
        await wait_until(pilot, lambda: seen[0] >= 11, 30, "11 stream events")
        reply = turn(app, first).replies()[0]
        await wait_until(pilot, lambda: reply.caught_up, 5, "reply painted")
        await pilot.pause(0.2)
        assert fate_of(app, first) is Fate.RUNNING

    assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


def test_running_with_queued_message(snap_compare, engine) -> None:
    async def run_before(pilot) -> None:
        await two_messages(pilot, "f1")
        app = pilot.app
        await wait_until(pilot, lambda: fate_of(app, "Actually: buy oat milk") is Fate.QUEUED)
        await wait_until(pilot, lambda: len(app.session.log.entries) == 2)

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
