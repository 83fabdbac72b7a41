"""What this client sees of a thread on a server without the story, kept for the timeline.

The session tells a `ClientRecorder` what happens as it happens — its creates (the run, or the
409 and its detail), its cancels, each changed `runs.list` answer, each `lifecycle` event, a run
that ended — and runs its loop: at most every 0.1 s it rebuilds the timeline (`client_side.
build`), reading the thread's checkpoint history first when a run has ended since the last
read, and hands it to `publish`. The timeline then says itself what it cannot know.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from tui.timeline.client_side import (
    CancelSent,
    ClientView,
    Sent,
    Snapshot,
    build,
    lifecycle_event,
)
from tui.timeline.model import Timeline

logger = logging.getLogger(__name__)

DEBOUNCE_S = 0.1


class ClientRecorder:
    """`publish(timeline, quiet, view)`: quiet when nothing is in flight (`busy()` is false) and the
    history was read after the last run ended, so what the timeline says is final."""

    def __init__(
        self,
        thread_id: str | None,
        history: Callable[[], Awaitable[list[Mapping[str, Any]]]],
        publish: Callable[[Timeline, bool, ClientView], None],
        busy: Callable[[], bool],
    ) -> None:
        self.view = ClientView(thread_id=thread_id)
        self._history, self._publish, self._busy = history, publish, busy
        self._wake = asyncio.Event()
        self._history_due = True
        self._wake.set()

    def sent(self, sent: Sent) -> None:
        self.view.sent.append(sent)
        self._wake.set()

    def cancelled(self, cancel: CancelSent) -> None:
        self.view.cancels.append(cancel)
        self._wake.set()

    def listed(self, snapshot: Snapshot) -> None:
        if self.view.add_snapshot(snapshot):
            self._wake.set()

    def lifecycle(self, part: Any, received_at: float) -> None:
        """One part of the reference's `lifecycle` thread stream."""
        event = lifecycle_event(part.event, part.data, received_at, getattr(part, "id", None))
        if event is not None:
            self.view.lifecycle.append(event)
            self._wake.set()

    def run_ended(self) -> None:
        """A run's checkpoints are final: read the history for its dots."""
        self._history_due = True
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(DEBOUNCE_S)
            self._wake.clear()
            if self._history_due:
                self._history_due = False
                try:
                    self.view.history = list(await self._history())
                except Exception as exc:  # offline, or the thread is gone: try again later
                    logger.info("history of %s: %r", self.view.thread_id, exc)
                    self._history_due = True
                    await asyncio.sleep(1.0)
                    self._wake.set()
                    continue
            quiet = not (self._busy() or self._history_due)
            self._publish(build(self.view), quiet, self.view)
