"""A tiny host app for the timeline widgets (the chat app wires them the same way, later).

The timeline above the checkpoint view; selecting a dot loads the thread's state there through
the SDK (or from `details` given by a test), Enter opens the run inspector with the calls a
`CallLog` recorded. Every message the timeline posts is kept in `seen`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from textual import on
from textual.app import App, ComposeResult
from textual.message import Message

from tui.calllog import Call
from tui.screens.inspector import RunInspector
from tui.timeline.checkpoints import CheckpointDetail, load_checkpoint
from tui.timeline.model import Timeline
from tui.widgets.checkpoint import CheckpointView
from tui.widgets.timeline import TimelineView


class TimelineHost(App[None]):
    CSS = "Screen { layout: vertical; } CheckpointView { height: 1fr; }"

    def __init__(
        self,
        timeline: Timeline,
        clock: Callable[[], float],
        *,
        client: Any = None,
        calls: Iterable[Call] = (),
        details: Mapping[str, CheckpointDetail] | None = None,
    ) -> None:
        super().__init__()
        self.timeline, self.clock = timeline, clock
        self.client, self.calls, self.details = client, calls, dict(details or {})
        self.seen: list[Message] = []

    def compose(self) -> ComposeResult:
        yield TimelineView(self.timeline, self.clock, id="timeline")
        yield CheckpointView(id="checkpoint")

    def on_mount(self) -> None:
        self.query_one(TimelineView).focus()

    @on(TimelineView.RunSelected)
    @on(TimelineView.RejectedSelected)
    @on(TimelineView.RunOpened)
    def remember(self, message: Message) -> None:
        self.seen.append(message)

    @on(TimelineView.RunOpened)
    def inspect(self, message: TimelineView.RunOpened) -> None:
        self.push_screen(RunInspector(self.timeline, message.run_id, message.bounce, self.calls))

    @on(TimelineView.CheckpointSelected)
    def checkpoint(self, message: TimelineView.CheckpointSelected) -> None:
        self.seen.append(message)
        if message.checkpoint_id in self.details:
            self.query_one(CheckpointView).show(self.details[message.checkpoint_id])
        elif self.client is not None:
            self.run_worker(self._load(message.checkpoint_id), exclusive=True, group="checkpoint")

    async def _load(self, checkpoint_id: str) -> None:
        thread_id = self.timeline.thread_id or ""
        detail = await load_checkpoint(self.client, thread_id, checkpoint_id, self.timeline)
        self.query_one(CheckpointView).show(detail)
