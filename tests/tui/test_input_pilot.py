"""Input integrity and the double-texting aids, through the real app and engine.

A burst of keys (type-ahead, a paste without bracketed paste) must split into exactly the
messages typed; a multi-line paste asks; a held message fires with one key; slow motion
changes the pace the run is created with. Messages are observed with `message_hook`.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import OptionList

from tests.tui.helpers import fate_of, hold, idle, ready, release, replies, say, turns, wait_until
from tui import messages as msg
from tui.drive import burst
from tui.runstate import Fate
from tui.widgets.composer import Composer
from tui.widgets.dialogs import PasteDialog
from tui.widgets.header import InfoBar
from tui.widgets.runs import RunPanel
from tui.widgets.timeline import TimelineView

SIZE = (150, 40)


def posted(seen: list[object], kind: type) -> list:
    """Messages of `kind`, once each (the hook sees a message at every node it bubbles to)."""
    return [m for m in {id(m): m for m in seen}.values() if isinstance(m, kind)]


async def test_three_messages_in_one_batch_stay_three(make_app) -> None:
    app = make_app("noop")
    seen: list[object] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await ready(pilot)
        burst(app, "one\ntwo\nthree\nfour")  # the fourth is still being typed
        await wait_until(pilot, lambda: len(turns(app)) >= 3, 20, "three turns")
        await wait_until(pilot, lambda: idle(app), 20, "three runs")
        assert [t.text for t in turns(app)] == ["one", "two", "three"]
        assert app.query_one(Composer).value == "four"
        sent = [m.entry.text for m in posted(seen, msg.MessageSent)]
        accepted = [m.entry.text for m in posted(seen, msg.RunAccepted)]
        assert sent == accepted == ["one", "two", "three"]
        await wait_until(pilot, lambda: replies(app, "three"), 10, "reply 3")
        for text in ("one", "two", "three"):
            assert replies(app, text) == [f"reply to: {text}"]
        stored = await app.backend.messages(app.thread_id or "")
        assert [m["content"] for m in stored if m["type"] == "human"] == ["one", "two", "three"]


async def paste(pilot, text: str, choice: int) -> None:
    app = pilot.app
    app.query_one(Composer).post_message(events.Paste(text))
    await wait_until(pilot, lambda: isinstance(app.screen, PasteDialog), 5, "paste dialog")
    app.screen.query_one(OptionList).highlighted = choice
    await pilot.press("enter")


async def test_multi_line_paste_sends_each_line_or_one_message(make_app) -> None:
    app = make_app("noop")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await paste(pilot, "buy milk\n\ncall mom\nbook dentist\n", choice=0)
        await wait_until(pilot, lambda: idle(app) and len(turns(app)) == 3, 20, "three runs")
        assert [t.text for t in turns(app)] == ["buy milk", "call mom", "book dentist"]
        await paste(pilot, "line one\nline two", choice=1)
        await wait_until(pilot, lambda: idle(app) and len(turns(app)) == 4, 20, "one more run")
        await wait_until(pilot, lambda: replies(app, "line one\nline two"), 10, "its reply")
        assert replies(app, "line one\nline two") == ["reply to: line one\nline two"]
        await paste(pilot, "not\nsent", choice=2)
        assert len(turns(app)) == 4 and app.query_one(Composer).value == ""
        app.query_one(Composer).post_message(events.Paste("one line only"))
        await wait_until(pilot, lambda: app.query_one(Composer).value == "one line only", 5)


async def test_a_held_message_fires_with_one_key_while_message_one_runs(make_app) -> None:
    app = make_app()  # `slow`, held: run 1 runs until message 2 interrupts it
    seen: list[object] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await ready(pilot)
        await hold(app)
        await pilot.press("f2")
        app.query_one(Composer).value = "second"
        await pilot.press("ctrl+l")
        assert app.held == "second" and app.query_one(Composer).value == ""
        assert app.query_one("#held").display
        await say(pilot, "first")  # on an idle thread every strategy simply runs
        await wait_until(pilot, lambda: fate_of(app, "first") is Fate.RUNNING, 20)
        await pilot.press("f5")
        await wait_until(pilot, lambda: fate_of(app, "first") is Fate.INTERRUPTED, 10)
        await release(app)
        await wait_until(pilot, lambda: idle(app) and replies(app, "second"), 30, "reply 2")
        assert not app.held and not app.query_one("#held").display
        assert fate_of(app, "first") is Fate.INTERRUPTED
        strategies = {m.entry.text: m.entry.strategy for m in posted(seen, msg.MessageSent)}
        assert strategies == {"first": "interrupt", "second": "interrupt"}


async def test_a_message_held_in_a_burst_stays_apart_from_the_next(make_app) -> None:
    """Ctrl+L typed between two messages in one batch (type-ahead) holds exactly the text
    before it; the text after it is the next message (they used to be glued)."""
    app = make_app("noop")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        burst(app, "second\x0cfirst\n")
        await wait_until(pilot, lambda: idle(app) and len(turns(app)) == 1, 20, "message 1")
        assert [t.text for t in turns(app)] == ["first"]
        assert app.held == "second" and app.query_one(Composer).value == ""


async def test_slow_motion_multiplies_the_pace_runs_are_created_with(make_app) -> None:
    app = make_app("noop", base_pace=0.5)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        header = app.query_one(InfoBar)
        assert "pace ×1" in header.plain
        await pilot.press("f6")
        assert "pace ×3 slower" in header.plain
        await say(pilot, "slowly")
        await pilot.press("f6")
        assert "pace ×10 slower" in header.plain
        await say(pilot, "very slowly")
        await pilot.press("f6")
        assert "pace ×1" in header.plain
        await wait_until(pilot, lambda: idle(app) and len(turns(app)) == 2, 20)
        runs = await app.backend.runs(app.thread_id or "")
        paces = {
            r["kwargs"]["input"]["messages"][0]["content"]: r["kwargs"]["config"]["configurable"][
                "doubletext_pace"
            ]
            for r in runs
        }
        assert paces == {"slowly": 1.5, "very slowly": 5.0}


async def test_a_wait_that_times_out_says_what_the_transcript_showed(make_app) -> None:
    app = make_app("noop")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        with pytest.raises(AssertionError, match=r"never; turns: none$"):
            await wait_until(pilot, lambda: False, 0.1, "never")
        await say(pilot, "hi")
        await wait_until(pilot, lambda: idle(app) and replies(app, "hi"), 20, "the reply")
        with pytest.raises(AssertionError, match=r"never; turns: 'hi' done$"):
            await wait_until(pilot, lambda: False, 0.1, "never")


async def test_typing_while_a_view_has_the_focus_writes_in_the_composer(make_app) -> None:
    """The timeline (F12) or a panel has the focus: a letter goes to the composer, not nowhere;
    the keys the timeline binds (0: fit) keep their meaning; back in the composer, the next key
    adds to the draft (no select-all on focus that would replace it)."""
    app = make_app("noop")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await say(pilot, "one")
        await wait_until(pilot, lambda: idle(app) and replies(app, "one"), 20, "run 1 done")
        composer = app.query_one(Composer)
        await pilot.press("f12")
        timeline = app.chat.query_one(TimelineView)
        await wait_until(pilot, lambda: timeline.has_focus, 5, "the timeline focused")
        await pilot.press("0")
        assert timeline.has_focus and composer.value == ""
        await pilot.press("h", "i")
        assert composer.has_focus and composer.value == "hi"

        app.chat.query_one(RunPanel).focus()
        await pilot.press("space", "x")
        assert composer.has_focus and composer.value == "hi x"
        await pilot.press("f12", "f12")  # to the timeline and back: the draft is not selected
        assert composer.has_focus
        await pilot.press("!")
        assert composer.value == "hi x!"
        await pilot.press("enter")
        await wait_until(pilot, lambda: [t.text for t in turns(app)] == ["one", "hi x!"], 10)
