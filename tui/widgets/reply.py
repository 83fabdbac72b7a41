"""An assistant reply that streams as Markdown without starving the keyboard.

Deltas are appended to a plain string and flushed into `Markdown.get_stream()` by a timer every
~75 ms, so the cost per token is a string append; at the end the stream is stopped and the whole
text rendered once (cheap insurance against half-parsed fences).
"""

from __future__ import annotations

from textual.timer import Timer
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream

FLUSH_SECONDS = 0.075


class Reply(Markdown):
    """One assistant message, keyed by its message id."""

    def __init__(self, message_id: str, text: str = "") -> None:
        super().__init__(text, classes="reply")
        self.message_id = message_id
        self.full_text = text
        self._pending: list[str] = []
        self._stream: MarkdownStream | None = None
        self._timer: Timer | None = None
        self.finished = bool(text)

    def add(self, delta: str) -> None:
        """Queue a streamed fragment; rendering happens on the next flush tick."""
        if not delta:
            return
        self.full_text += delta
        self._pending.append(delta)
        self.finished = False
        if self._timer is None:
            self._timer = self.set_interval(FLUSH_SECONDS, self._flush)

    def replace(self, text: str) -> None:
        """A whole message arrived (non-streaming node): render it at once."""
        self.full_text = text
        self._pending.clear()
        if self.is_mounted:
            self.update(text)
        else:  # Markdown renders its initial text on mount
            self._initial_markdown = text

    async def _flush(self) -> None:
        if not self._pending or not self.is_mounted:
            return
        chunk = "".join(self._pending)
        self._pending.clear()
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        await self._stream.write(chunk)

    async def finish(self) -> None:
        """Stop streaming and render the full text once."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._pending.clear()
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()
        if not self.finished:
            self.finished = True
            if self.is_mounted:
                await self.update(self.full_text)
            else:
                self._initial_markdown = self.full_text
