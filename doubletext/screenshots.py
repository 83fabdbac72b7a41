"""`python -m doubletext.screenshots DIR`: drive the app with Pilot on the embedded engine.

Each scene is a real double-texting situation against the todo assistant and the offline model
(paced so replies visibly stream); pictures are taken once `wait_until` sees the state they are
meant to show, so they are reproducible up to ids and clocks. At 160×48 the timeline is under
the transcript, and each double text's why line is waited for before the picture is taken.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from textual.pilot import Pilot

from doubletext.engine_thread import EngineThread
from tui.app import DoubletextApp
from tui.drive import fate_of, idle, ready, say, turn, wait_until
from tui.runstate import Fate
from tui.screens.inspector import RunInspector
from tui.widgets.ask_dialog import AskDialog
from tui.widgets.checkpoint import CheckpointView
from tui.widgets.dialogs import ThreadPicker
from tui.widgets.why import WhyLine

SIZE = (160, 48)
SMALL = (80, 24)
PACE = 1.0


def streaming(app: DoubletextApp, text: str, chars: int = 5) -> bool:
    return sum(len(r.full_text) for r in turn(app, text).replies()) >= chars


async def double_text(pilot: Pilot, first: str, key: str, second: str) -> None:
    """As a learner would: hold `second` (Ctrl+L), send `first`, pick the strategy on `key`,
    and fire `second` (F5) while `first` is streaming."""
    app = pilot.app
    assert isinstance(app, DoubletextApp)
    app.query_one("#composer").value = second
    await pilot.press("ctrl+l", "f1")
    await say(pilot, first)
    await wait_until(pilot, lambda: fate_of(app, first) is Fate.RUNNING, 30)
    await pilot.press(key)
    await wait_until(pilot, lambda: streaming(app, first), 30, "reply 1 streaming")
    await pilot.press("f5")


def said_why(app: DoubletextApp) -> bool:
    """The thread is idle and its double text got its one-line why."""
    return idle(app) and bool(app.chat.query(WhyLine))


async def new_thread(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, DoubletextApp)
    old = app.thread_id
    await pilot.press("ctrl+n")
    await wait_until(pilot, lambda: app.thread_id not in (None, old), 10)
    await ready(pilot)


async def scenes(url: str, label: str, out: Path, state: Path) -> list[Path]:
    app = DoubletextApp(
        url,
        "task_maistro",
        "demo-user",
        engine_label=label,
        model="offline",
        state_file=state,
        export_dir=out,
    )
    shots: list[Path] = []

    def shoot(name: str) -> None:
        app.save_screenshot(f"{name}.svg", str(out))
        shots.append(out / f"{name}.svg")

    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        first = "I need to re-film lesson 5 by end of day today"
        second = "I need to update audioUX by next Monday"
        await double_text(pilot, first, "f1", second)
        await wait_until(pilot, lambda: fate_of(app, second) is Fate.QUEUED, 10)
        await pilot.pause(0.3)
        shoot("01-streaming-with-queued-message")
        await wait_until(pilot, lambda: said_why(app) and turn(app, second).replies(), 60)
        await pilot.pause(0.5)
        shoot("02-enqueue-both-answered")

        await new_thread(pilot)
        first, second = "I need to book the dentist by Friday", "Oh, and buy milk"
        await double_text(pilot, first, "f2", second)
        await wait_until(pilot, lambda: said_why(app) and turn(app, second).replies(), 60)
        await pilot.pause(0.5)
        shoot("03-interrupt")

        await new_thread(pilot)
        first, second = "I need to call the plumber tomorrow", "I need to buy a bike"
        await double_text(pilot, first, "f3", second)
        await wait_until(pilot, lambda: said_why(app) and turn(app, second).replies(), 60)
        await pilot.pause(0.5)
        shoot("04-rollback")
        await pilot.press("f12", "down", "enter")  # the timeline, run 1 (rolled back), inspect
        await wait_until(pilot, lambda: isinstance(app.screen, RunInspector), 10)
        await pilot.pause(0.5)
        shoot("11-run-inspector")
        await pilot.press("escape", "down", "right", "right")  # run 2's second checkpoint
        box = app.chat.query_one(CheckpointView)
        await wait_until(pilot, lambda: box.display and box.detail is not None, 10)
        await pilot.pause(0.5)
        shoot("12-checkpoint")
        app.query_one("#composer").focus()

        await new_thread(pilot)
        first, second = "Show me my todos", "What is due tomorrow?"
        await double_text(pilot, first, "f4", second)
        await wait_until(pilot, lambda: fate_of(app, second) is Fate.REJECTED, 10)
        await wait_until(pilot, lambda: said_why(app), 60)
        await pilot.pause(0.3)
        shoot("05-reject")

        await pilot.resize_terminal(*SMALL)
        await pilot.pause(0.5)
        shoot("06-80x24")
        await pilot.press("f7")
        await pilot.pause(0.5)
        shoot("07-80x24-panels")
        await pilot.press("f7", "f12")  # back to the chat, and the timeline under it
        await pilot.pause(0.5)
        shoot("13-80x24-timeline")
        app.chat.side = app.chat.timeline = "auto"  # as they were: both shown when large
        app.query_one("#composer").focus()
        await pilot.resize_terminal(*SIZE)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, ThreadPicker), 10)
        await pilot.pause(0.5)
        shoot("08-threads")
        await pilot.press("escape")

        await new_thread(pilot)  # client policies: steer, picked with F9 6
        first, second = "Add a ToDo to water the plants", "Add a ToDo to call grandma"
        await policy_double_text(pilot, first, ("f9", "6"), second)
        await wait_until(pilot, lambda: idle(app) and turn(app, second).replies(), 60)
        await pilot.pause(0.5)
        shoot("09-steer")

        await new_thread(pilot)  # ask, with F9 2: the dialog, what each would do now
        first, second = "I need to renew my passport", "Actually, book the dentist first"
        await policy_double_text(pilot, first, ("f9", "2"), second)
        await wait_until(pilot, lambda: isinstance(app.screen, AskDialog), 10)
        await pilot.pause(0.3)
        shoot("10-ask")
        await pilot.press("2")
        await wait_until(pilot, lambda: idle(app) and turn(app, second).replies(), 60)
    return shots


async def policy_double_text(pilot: Pilot, first: str, keys: tuple[str, ...], second: str) -> None:
    """Pick a policy with `keys`, hold `second`, send `first` and fire `second` as soon as run 1
    is running (steer must be in the queue before run 1's next model call)."""
    app = pilot.app
    assert isinstance(app, DoubletextApp)
    await pilot.press(*keys)
    app.query_one("#composer").value = second
    await pilot.press("ctrl+l")
    await say(pilot, first)
    await wait_until(pilot, lambda: fate_of(app, first) is Fate.RUNNING, 30)
    await pilot.press("f5")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, help="directory for the SVG files")
    parser.add_argument("--url", help="use this LangGraph server instead of the embedded engine")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="doubletext-demo-") as tmp:
        state = Path(tmp) / "last-threads.json"
        if args.url:
            shots = asyncio.run(scenes(args.url, args.url, args.out, state))
        else:
            with EngineThread(data_dir=Path(tmp) / "data", pace=PACE) as engine:
                label = "embedded (temporary data dir)"
                shots = asyncio.run(scenes(engine.url, label, args.out, state))
    for shot in shots:
        print(shot)


if __name__ == "__main__":
    main()
