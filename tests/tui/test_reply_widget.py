"""The streaming reply widget in a tiny host app: buffering, segmenting, final text."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from tui.widgets.reply import Reply, safe_cut
from tui.widgets.transcript import Turn


class Host(App[None]):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Reply("m1")


def test_safe_cut_skips_breaks_inside_code_fences() -> None:
    assert safe_cut("", "para one\n\npara two") == len("para one\n\n")
    assert safe_cut("```py\n", "x = 1\n\ny = 2\n```\n") is None
    assert safe_cut("```py\nx\n", "```\n\nafter\n\nmore") == len("```\n\nafter\n\n")


async def test_long_reply_streams_into_segments_and_keeps_every_character() -> None:
    text = "".join(f"Paragraph {i} with **bold** words and more words.\n\n" for i in range(200))
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        reply = app.query_one(Reply)
        for i in range(0, len(text), 7):
            reply.add(text[i : i + 7])
            if i % 700 == 0:
                await asyncio.sleep(0.08)  # let flush ticks happen mid-stream
        await reply.finish()
        await pilot.pause()
        assert reply.full_text == text
        assert reply.finished
        assert len(reply.query(Static).filter(".settled")) >= 2  # settled segments
        live = reply.query(Markdown)
        assert len(live) <= 1 and all(m.source for m in live)  # no empty trailing segment


async def test_whole_message_replaces_content() -> None:
    app = Host()
    async with app.run_test() as pilot:
        reply = app.query_one(Reply)
        reply.replace("reply to: first")
        await pilot.pause(0.1)
        assert reply.full_text == "reply to: first"
        assert reply.query_one(Markdown).source == "reply to: first"


async def test_tokens_added_before_mount_are_rendered_once() -> None:
    """Regression: compose used to render text that had also been queued for streaming."""
    app = Host()
    async with app.run_test() as pilot:
        reply = Reply("m2")
        app.query_one(VerticalScroll).mount(reply)  # not awaited, like Turn.reply
        for token in ["I've", " added", ' "Buy', ' milk"']:
            reply.add(token)
            await asyncio.sleep(0.03)
        await wait_for(pilot, lambda: reply.caught_up)
        await reply.finish()
        sources = [m.source for m in reply.query(Markdown)]
        assert sources == ['I\'ve added "Buy milk"']


async def wait_for(pilot, predicate, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await pilot.pause(0.02)


class TurnHost(App[None]):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Turn("k1", "Add a todo")


async def test_settling_a_turn_completes_what_streaming_left_short() -> None:
    """A reply that streamed only part of its text, and a tool call that streamed without its
    arguments, show what the thread kept once the turn is settled."""
    from tui.widgets.transcript import ToolLine

    app = TurnHost()
    async with app.run_test() as pilot:
        turn = app.query_one(Turn)
        await turn.reply("ai-1", "I've added it to your", whole=False)  # type: ignore[misc]
        await turn.tool("ai-1:0", "UpdateMemory", "", "call")  # type: ignore[misc]
        await turn.finish()
        kept = {
            "id": "ai-1",
            "type": "ai",
            "content": "I've added it to your ToDo list.",
            "tool_calls": [{"name": "UpdateMemory", "args": {"update_type": "todo"}, "id": "c"}],
        }
        await turn.settle([kept])
        await pilot.pause(0.1)
        reply = turn.replies()[0]
        assert reply.full_text == kept["content"]
        assert reply.query_one(Markdown).source == kept["content"]
        assert str(turn.query_one(ToolLine).title) == "UpdateMemory → todo"


def shown(reply: Reply) -> str:
    """The words the reply's widgets draw (not what they were told: the two used to differ)."""
    parts = [str(static.content) for static in reply.query(Static).filter(".settled")]
    parts += [str(block.content) for block in reply.query("MarkdownParagraph")]
    return " ".join(" ".join(part.split()) for part in parts)


async def test_finishing_while_a_flush_is_under_way_keeps_every_word() -> None:
    """Regression (seen under load: a finished reply without its last words). The flush ran in
    the timer's task, and finishing stopped the timer, which cancelled a flush half-way: here,
    after it took the pending words and while it mounted the Markdown to write them to. The
    reply must draw every word all the same."""
    app = Host()
    async with app.run_test() as pilot:
        reply = app.query_one(Reply)
        reply.add("Call mom")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while reply._pending or reply._live is None:  # the flush has the words, mid-mount
            assert loop.time() < deadline, "no flush began"
            await asyncio.sleep(0)
        reply.add(" on Sunday.")
        await reply.finish()
        await pilot.pause()
        assert shown(reply) == "Call mom on Sunday."
