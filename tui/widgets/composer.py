"""The composer: an Input that is never disabled and remembers what was sent (Up/Down)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input


class Composer(Input):
    """Enter sends (handled by the app); Up/Down walk the history, rejected messages included."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            placeholder="Type a message — Enter sends, even while a reply streams", **kwargs
        )  # type: ignore[arg-type]
        self.history: list[str] = []
        self._cursor = 0

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
