"""The retry policy's countdown (tutorial §9.2): "409: thread busy — retry 2/3 in 1.4 s", live
and cancellable.

Fed by `PlanRunner`'s `RetryWait` events (their deadline is on the event loop's clock); a click
posts `CancelRequested` (the app also binds a key to `PlanRunner.cancel`). Hidden while no
countdown runs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

from tui.policies.runner import RetryWait


def countdown_text(wait: RetryWait, now: float) -> str:
    left = max(wait.deadline - now, 0.0)
    retry = f"retry {wait.attempt}/{wait.of} in {left:.1f} s"
    return f"409: thread busy — {retry} (Esc or click: send nothing)"


class RetryCountdown(Static):
    # Widgets cannot name a CSS file, so the file is read in: styles stay in .tcss.
    DEFAULT_CSS = Path(__file__).with_name("retry_countdown.tcss").read_text()

    class CancelRequested(Message):
        """The user asked to stop retrying."""

    wait: reactive[RetryWait | None] = reactive(None, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._ticker: Timer | None = None
        self.add_class("-idle")

    def start(self, wait: RetryWait) -> None:
        self.wait = wait

    def stop(self) -> None:
        self.wait = None

    def watch_wait(self, wait: RetryWait | None) -> None:
        self.set_class(wait is None, "-idle")
        if wait is None:
            if self._ticker is not None:
                self._ticker.stop()
                self._ticker = None
            self.update("")
            return
        if self._ticker is None:
            self._ticker = self.set_interval(0.1, self._tick)
        self._tick()

    def _tick(self) -> None:
        if self.wait is not None:
            self.update(countdown_text(self.wait, asyncio.get_running_loop().time()))

    def on_click(self, event: Click) -> None:
        if self.wait is not None:
            self.post_message(self.CancelRequested())
