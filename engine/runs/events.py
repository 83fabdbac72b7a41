"""Per-run event channels: a run publishes, any number of subscribers follow or replay.

Every event a run publishes is kept until the run has been finished for a while, so a stream
opened right after the run was created (or a client reconnecting with `Last-Event-ID`) misses
nothing. Subscribers never block the publisher.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    event: str
    data: Any


class RunChannel:
    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.events: list[Event] = []
        self.closed = False
        # What `join` answers once the run has ended (set by the executor before closing).
        self.result: dict[str, Any] | None = None
        self._changed = asyncio.Event()

    def publish(self, event: str, data: Any) -> Event:
        item = Event(id=len(self.events) + 1, event=event, data=data)
        self.events.append(item)
        self._wake()
        return item

    def close(self) -> None:
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def follow(self, after_id: int | None) -> AsyncIterator[Event]:
        """Events with id > after_id (None: only those published from now on), until closed."""
        index = len(self.events) if after_id is None else max(after_id, 0)
        while True:
            while index < len(self.events):
                yield self.events[index]
                index += 1
            if self.closed:
                return
            changed = self._changed
            await changed.wait()


class ChannelRegistry:
    """Channels of live runs, plus the most recently finished ones for late joiners."""

    def __init__(self, keep_finished: int = 256) -> None:
        self._live: dict[str, RunChannel] = {}
        self._finished: OrderedDict[str, RunChannel] = OrderedDict()
        self._keep = keep_finished

    def open(self, run_id: str) -> RunChannel:
        channel = self._live.get(run_id)
        if channel is None:
            channel = self._finished.pop(run_id, None) or RunChannel(run_id)
            channel.closed = False
            self._live[run_id] = channel
        return channel

    def get(self, run_id: str) -> RunChannel | None:
        return self._live.get(run_id) or self._finished.get(run_id)

    def close(self, run_id: str) -> None:
        channel = self._live.pop(run_id, None)
        if channel is None:
            return
        channel.close()
        self._finished[run_id] = channel
        while len(self._finished) > self._keep:
            self._finished.popitem(last=False)

    def discard(self, run_id: str) -> None:
        """Forget a run entirely (rolled back): close it for followers and drop its events."""
        channel = self._live.pop(run_id, None) or self._finished.pop(run_id, None)
        if channel is not None:
            channel.close()
