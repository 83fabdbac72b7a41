"""Thread switching, cancelling with Esc / Ctrl+B, resending a rejected message, bad URLs."""

from __future__ import annotations

import asyncio
import socket

import pytest
from textual import events
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList

from tests.tui.conftest import RecordingApp
from tests.tui.helpers import (
    fate_of,
    hold,
    idle,
    ready,
    release,
    replies,
    run_panel,
    say,
    turns,
    wait_until,
)
from tui.runstate import Fate
from tui.screens.chat import ChatScreen
from tui.widgets.composer import Composer
from tui.widgets.dialogs import ThreadPicker, UserIdDialog
from tui.widgets.header import InfoBar
from tui.widgets.picker import StrategyPicker
from tui.widgets.timeline_pane import TimelinePane

SIZE = (150, 40)


async def test_escape_interrupts_the_running_run(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await say(pilot, "stop me")
        await wait_until(pilot, lambda: fate_of(app, "stop me") is Fate.RUNNING, 20)
        await pilot.press("escape")
        await wait_until(pilot, lambda: fate_of(app, "stop me") is Fate.INTERRUPTED, 10)
        await wait_until(pilot, lambda: idle(app), 10)
        assert replies(app, "stop me") == []
        assert run_panel(app) == {"stop me": "interrupted"}
        assert app.query_one("#composer").has_focus


async def test_ctrl_b_rolls_back_the_running_run(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await say(pilot, "forget me")
        await wait_until(pilot, lambda: fate_of(app, "forget me") is Fate.RUNNING, 20)
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: fate_of(app, "forget me") is Fate.ROLLED_BACK, 10)
        assert (await app.backend.messages(app.thread_id or "")) == []


async def test_resend_rejected_with_another_strategy(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await say(pilot, "first")
        await wait_until(pilot, lambda: fate_of(app, "first") is Fate.RUNNING, 20)
        await pilot.press("f4")
        await say(pilot, "again")
        await wait_until(pilot, lambda: fate_of(app, "again") is Fate.REJECTED, 10)
        assert app.query_one("#composer").value == "again"
        await pilot.press("f1", "ctrl+r")
        await wait_until(pilot, lambda: len([t for t in turns(app) if t.text == "again"]) == 2)
        resent = [t for t in turns(app) if t.text == "again"][-1]
        assert resent.strategy == "enqueue"
        assert app.query_one("#composer").value == ""
        await wait_until(pilot, lambda: idle(app) and resent.replies(), 30, "both replies")
        assert [r.full_text for r in resent.replies()] == ["reply to: again"]
        assert replies(app, "first") == ["reply to: first"]


async def test_switching_threads_shows_each_threads_messages(make_app) -> None:
    app = make_app(assistant="noop")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        first_thread = app.thread_id
        await say(pilot, "in thread A")
        await wait_until(pilot, lambda: idle(app) and replies(app, "in thread A"), 20)
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: app.thread_id not in (None, first_thread), 10)
        assert turns(app) == []
        await say(pilot, "in thread B")
        await wait_until(pilot, lambda: idle(app) and replies(app, "in thread B"), 20)

        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, ThreadPicker), 10)
        options = app.screen.query_one(OptionList)
        index = next(
            i
            for i in range(options.option_count)
            if options.get_option_at_index(i).id == first_thread
        )
        options.highlighted = index
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.thread_id == first_thread, 10)
        await wait_until(pilot, lambda: [t.text for t in turns(app)] == ["in thread A"], 10)
        assert replies(app, "in thread A") == ["reply to: in thread A"]
        await wait_until(pilot, lambda: run_panel(app).get("in thread A") == "done", 10)


async def test_unreachable_url_notifies_without_traceback(tmp_path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = RecordingApp(
        f"http://127.0.0.1:{port}", "slow", export_dir=tmp_path, state_file=tmp_path / "s.json"
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any("unreachable" in n for n, _ in app.notes), 20)
        await say(pilot, "hello?")
        await wait_until(pilot, lambda: fate_of(app, "hello?") is Fate.WAITING, 20)
        assert app.query_one("#composer").has_focus
        assert "not connected — reconnecting" in app.query_one(InfoBar).plain
    assert app.return_code in (None, 0)
    assert all(sev in ("error", "warning", "information") for _, sev in app.notes)


@pytest.mark.parametrize("composing", [ChatScreen, StrategyPicker, TimelinePane])
async def test_quitting_during_the_first_paint_leaves_no_traceback(
    make_app, composing: type[Widget]
) -> None:
    """A SIGINT during the first paint (asyncio cancels the app) or a quit then: the app shuts
    down while a widget composes, pruning its children before its mount handler and watchers
    run. It ends cleanly (run_test re-raises what the app would have shown)."""
    app = make_app()

    def hook(message: Message) -> None:  # Textual calls it as each pump takes a message
        if isinstance(message, events.Compose) and isinstance(message._sender, composing):
            app.exit()

    async with app.run_test(size=SIZE, message_hook=hook):
        pass
    assert app.return_code in (None, 0)


async def test_unknown_assistant_is_reported(make_app) -> None:
    app = make_app(assistant="no_such_graph")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any("Unknown assistant" in n for n, _ in app.notes), 10)


async def test_set_user_id_from_the_dialog(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, UserIdDialog), 5)
        app.screen.query_one(Input).value = "bad.id"
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("cannot contain" in n for n, _ in app.notes), 5)
        assert app.user_id != "bad.id"
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, UserIdDialog), 5)
        app.screen.query_one(Input).value = "alice"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.user_id == "alice", 5)
        assert "user alice" in app.query_one(InfoBar).plain


async def test_a_reject_while_a_draft_is_typed_keeps_the_draft_and_says_so(make_app) -> None:
    """Message 2 held (Ctrl+L), message 1 sent, a draft typed, message 2 fired with reject: the
    draft stays and the notification does not claim the refused text is back in the composer."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await hold(app)
        await pilot.press("f4")
        app.query_one(Composer).value = "second"
        await pilot.press("ctrl+l")
        await say(pilot, "first")
        await wait_until(pilot, lambda: fate_of(app, "first") is Fate.RUNNING, 20)
        await pilot.press("d", "r", "a", "f", "t", "f5")
        await wait_until(pilot, lambda: fate_of(app, "second") is Fate.REJECTED, 10)
        await wait_until(pilot, lambda: any("409" in n for n, _ in app.notes), 5, "a 409 note")
        await release(app)
        composer = app.query_one(Composer)
        assert composer.value == "draft"
        (note,) = [n for n, _ in app.notes if "409" in n]
        assert "back in the composer" not in note
        assert "Ctrl+R" in note
        await pilot.press("up")  # the refused text is in the history
        assert composer.value == "second"
        await wait_until(pilot, lambda: idle(app), 30)


async def test_lifecycle_start_seen_during_a_create_is_not_lost(make_app) -> None:
    """On a server without the story (the lifecycle stream + runs.list), a run that starts
    while a create call is still in flight (here its own: the start event beats the create's
    answer, as on a distant server) is shown running, not queued until it ends."""
    app = make_app(sources=("lifecycle",))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await hold(app)
        real = app.backend.create_run

        async def slow_answer(*args, **kwargs):
            run = await real(*args, **kwargs)
            await asyncio.sleep(1.0)  # the run starts (and is listed running) meanwhile
            return run

        app.backend.create_run = slow_answer  # type: ignore[method-assign]
        try:
            await say(pilot, "late answer")
            await wait_until(pilot, lambda: fate_of(app, "late answer") is Fate.RUNNING, 10)
            await wait_until(
                pilot, lambda: run_panel(app) == {"late answer": "running"}, 5, "the panel"
            )
        finally:
            await release(app)
        await wait_until(pilot, lambda: fate_of(app, "late answer") is Fate.DONE, 20)


async def test_a_silent_lifecycle_stream_does_not_leave_a_run_running(make_app) -> None:
    """`langgraph dev` keeps the lifecycle stream open and silent in some cases (a deleted
    thread): the end of a run's reply stream is enough for the app to read runs.list."""
    app = make_app("noop", sources=("lifecycle",))

    async def silent(thread_id: str, mode: str, last_seq: int = 0):
        await asyncio.Event().wait()
        yield  # never

    app.backend.follow_thread = silent  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await say(pilot, "anyone?")
        await wait_until(pilot, lambda: fate_of(app, "anyone?") is Fate.DONE, 10)
        await wait_until(pilot, lambda: idle(app) and replies(app, "anyone?"), 10)
