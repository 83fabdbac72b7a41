"""The composer: an Input that is never disabled, splits messages exactly at Enter, and
remembers what was sent (Up/Down).

Keys typed faster than the app handles them (type-ahead, a paste without bracketed paste) reach
the composer as one batch. An Input inserts printable keys as they come, but Enter is a binding:
it bubbles up to the app and runs later, after the next message's keys are already in the value,
so messages glue together ("onetwothree" three times). Here Enter (and Ctrl+L, which holds the
text as the next message) is handled as a key, in the composer's own ordered key handling: the
text is taken and the value cleared in one step, so each Enter is exactly one message.
A multi-line paste (bracketed) is not cut to its first line: the app is asked what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

PLACEHOLDER = "Type a message — Enter sends, even while a reply streams"


class Composer(Input):
    """Enter posts `Composer.Send`; Up/Down walk the history, rejected messages included."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
    ]

    @dataclass
    class Send(Message):
        text: str

    @dataclass
    class Pasted(Message):
        """A paste of several non-empty lines."""

        lines: list[str]

    def __init__(self, **kwargs: object) -> None:
        # Not Input's select-all on focus: coming back from the timeline or a panel, the next
        # key would replace the whole draft.
        super().__init__(placeholder=PLACEHOLDER, select_on_focus=False, **kwargs)  # type: ignore[arg-type]
        self.history: list[str] = []
        self._cursor = 0

    @dataclass
    class Hold(Message):
        """Ctrl+L: park `text` as the next message (empty: take the parked one back)."""

        text: str

    async def _on_key(self, event: events.Key) -> None:
        # Enter and Ctrl+L here, in key order; not as bindings, which run later (after the next
        # message's keys are in the value: "twoone" held, or sent, as one message).
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            await self.action_submit()
        elif event.key == "ctrl+l":
            event.stop()
            event.prevent_default()
            text, self.value = self.value.strip(), ""
            self.post_message(self.Hold(text))

    async def action_submit(self) -> None:
        text, self.value = self.value.strip(), ""
        if text:
            self.remember(text)
            self.post_message(self.Send(text))

    def _on_paste(self, event: events.Paste) -> None:
        lines = [line.strip() for line in event.text.splitlines() if line.strip()]
        if len(lines) > 1:  # else Input's own handler (next in the MRO) inserts the line
            event.prevent_default()
            event.stop()
            self.post_message(self.Pasted(lines))

    def put_back(self, text: str) -> None:
        """Show `text` again (after a reject), cursor at the end so typing continues it."""
        self.value = text
        self.cursor_position = len(text)

    def remember(self, text: str) -> None:
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
        self._cursor = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._cursor = max(0, min(len(self.history), self._cursor + step))
        self.value = self.history[self._cursor] if self._cursor < len(self.history) else ""
        self.cursor_position = len(self.value)
