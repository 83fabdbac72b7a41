"""An assistant reply that streams as Markdown without starving the keyboard.

Deltas are appended to a plain string and flushed into `Markdown.get_stream()` every ~75 ms, so
the cost per token is a string append. Flushes, the final render and a whole replacement take
turns under one lock and are never cancelled half-way (a timer's callback runs in the timer's
task, and stopping the timer cancels it: a flush cut there could hand a chunk to the stream and
not record it, and the final render then dropped the reply's last words).

Long replies are split into Markdown segments at paragraph breaks outside code fences: only
the live (last) segment is a streaming Markdown widget; full segments become one pre-rendered
Static each, so the cost of a frame stays flat instead of growing with the reply (one Markdown
for a 20k-token reply meant every frame walked and re-measured hundreds of block widgets). When
the reply ends, the stream is stopped and the live segment rendered once in full (cheap
insurance against half-parsed fences).
"""

from __future__ import annotations

import asyncio

from rich.markdown import Markdown as RichMarkdown
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

FLUSH_SECONDS = 0.075
SEGMENT_CHARS = 1500


async def stop_quietly(stream: MarkdownStream) -> None:
    """Stop a stream whose task may already be cancelled (widget or app going away)."""
    try:
        await stream.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


async def settled_appends(markdown: Markdown) -> None:
    """Wait for an append the stopped stream left running.

    Textual's `MarkdownStream.stop()` cancels its task while it awaits a *shielded*
    `Markdown.append()`, so that append goes on after `stop()` returns. Had we called `update()`
    at once, the stale append could run after it and write its older text into the last block
    (a finished reply missing its last words, seen under load). The append holds the widget's
    lock while it works; one loop turn lets it take the lock if it has not yet.
    """
    await asyncio.sleep(0)
    async with markdown.lock:
        pass


def safe_cut(settled: str, chunk: str) -> int | None:
    """Index in `chunk` just after its last paragraph break that is outside a code fence."""
    index = chunk.rfind("\n\n")
    while index != -1:
        if (settled + chunk[:index]).count("```") % 2 == 0:
            return index + 2
        index = chunk.rfind("\n\n", 0, index)
    return None


class Reply(Vertical):
    """One assistant message, keyed by its message id; `full_text` is always the whole reply."""

    def __init__(self, message_id: str, text: str = "") -> None:
        super().__init__(classes="reply")
        self.message_id = message_id
        self.full_text = text
        self.finished = bool(text)
        self.from_state = bool(text)  # rendered whole (history, settling): ignore late chunks
        self._initial = text  # what compose renders; streamed text arrives through _flush
        self._pending: list[str] = []
        self._live: Markdown | None = None
        self._live_text = ""
        self._stream: MarkdownStream | None = None
        self._timer: Timer | None = None
        self._turns = asyncio.Lock()  # one flush, final render or replacement at a time

    def compose(self) -> ComposeResult:
        if self._initial:
            yield Markdown(self._initial)

    @property
    def caught_up(self) -> bool:
        """Everything received so far has been handed to the Markdown widget."""
        return not self._pending and (self._live is None or self._live.source == self._live_text)

    def add(self, delta: str) -> None:
        """Queue a streamed fragment; rendering happens on the next flush tick."""
        if not delta:
            return
        self.full_text += delta
        self._pending.append(delta)
        self.finished = False
        if self._timer is None:
            self._timer = self.set_interval(FLUSH_SECONDS, self._tick)

    def _tick(self) -> None:
        """The timer only asks: the flush runs on this widget's own queue, out of its reach."""
        if self._pending:
            self.call_later(self._flush)

    def replace(self, text: str) -> None:
        """A whole message arrived (non-streaming node): render it at once, as one segment."""
        self.full_text = text
        self.from_state = True
        self._pending.clear()
        if self.is_mounted:
            self.run_worker(self._render_whole(text), group="reply", exit_on_error=False)
        else:
            self._initial = text

    async def _render_whole(self, text: str) -> None:
        async with self._turns:
            await self._stop_stream()
            await self.remove_children()
            self._live, self._live_text = None, ""
            await self.mount(Markdown(text))

    async def _new_segment(self) -> MarkdownStream:
        self._live, self._live_text = Markdown(), ""
        await self.mount(self._live)
        self._stream = Markdown.get_stream(self._live)
        return self._stream

    async def _stop_stream(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stop_quietly(stream)
            if self._live is not None:
                await settled_appends(self._live)
                await self._live.update(self._live_text)

    async def _settle(self) -> None:
        """Swap the full live segment for one pre-rendered widget (Rich's Markdown renderer).

        Textual's compositor walks every widget on each layout pass, so a settled segment with
        dozens of block widgets would still cost time on every later frame; one Static doesn't.
        """
        stream, live, text = self._stream, self._live, self._live_text
        self._stream, self._live, self._live_text = None, None, ""
        if stream is not None:
            await stop_quietly(stream)
        if live is not None:
            await settled_appends(live)
            await self.mount(Static(RichMarkdown(text), classes="settled"), before=live)
            await live.remove()

    async def _flush(self) -> None:
        async with self._turns:
            await self._flush_pending()

    async def _flush_pending(self) -> None:
        if not self._pending or not self.is_mounted:
            return
        chunk = "".join(self._pending)
        self._pending.clear()
        stream = self._stream or await self._new_segment()
        if len(self._live_text) + len(chunk) > SEGMENT_CHARS:
            cut = safe_cut(self._live_text, chunk)
            if cut is not None:
                head, chunk = chunk[:cut], chunk[cut:]
                self._live_text += head
                await self._settle()
                if not chunk:
                    return
                stream = await self._new_segment()
        if chunk:
            self._live_text += chunk  # before the await: the stream has it once write starts
            await stream.write(chunk)

    async def finish(self) -> None:
        """Stop streaming and render the live segment once in full."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        async with self._turns:
            await self._flush_pending()
            await self._stop_stream()
        self.finished = True
