"""Per-run event channels: a run publishes, any number of subscribers follow or replay.

Every event a run publishes is kept until the run has been finished for a while, so a stream
opened right after the run was created (or a client reconnecting with `Last-Event-ID`) misses
nothing. Subscribers never block the publisher.

Memory: an event is serialized to JSON once, when published, and every subscriber sends those
same bytes, so N readers of a large state cost one encoding, not N. A subscriber holds only its
position in the channel. A large event goes out in slices of the shared bytes (`chunks`), so
what a slow reader can pin is one slice plus the transport's high-water mark (flow control
pauses the sender), not a copy of the event.
Channels leave the live set as soon as their run ends, and finished ones are kept only up to a
count and a byte budget.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

import orjson

from engine import serde

SEP = b"\r\n"
CHUNK = 64 * 1024


class Event:
    """One published event; `json` is its data serialized once, `data` decodes it on demand."""

    __slots__ = ("event", "id", "json")

    def __init__(self, id: int | str, event: str, json: bytes) -> None:
        self.id = id
        self.event = event
        self.json = json

    @property
    def data(self) -> Any:
        return orjson.loads(self.json)

    def frame(self, with_id: bool) -> bytes:
        """The SSE frame: event, data, then id (the reference's order), around the shared JSON."""
        return b"".join(self.chunks(with_id, len(self.json) + 1))

    def chunks(self, with_id: bool, size: int = CHUNK) -> list[bytes | memoryview]:
        """The frame as pieces to send one by one: small events whole, large ones as slices of
        the shared JSON (no copy per subscriber)."""
        head = b"event: " + self.event.encode() + SEP + b"data: "
        tail = SEP + (b"id: " + str(self.id).encode() + SEP if with_id else b"") + SEP
        if len(self.json) < size:
            return [head + self.json + tail]
        view = memoryview(self.json)
        return [head, *(view[i : i + size] for i in range(0, len(view), size)), tail]

    def __repr__(self) -> str:
        return f"Event({self.id}, {self.event!r}, {len(self.json)} bytes)"


class RunChannel:
    def __init__(self, run_id: str, thread_id: str | None = None) -> None:
        self.run_id = run_id
        # The run's thread (the registry always knows it): a join through it needs no read.
        self.thread_id = thread_id
        self.events: list[Event] = []
        self.closed = False
        self._result: bytes | None = None
        self._changed = asyncio.Event()
        # The last root `values` event: its data and JSON (`published_values`); while live only.
        self._last_values: tuple[Any, bytes] | None = None

    @property
    def result(self) -> dict[str, Any] | None:
        """What `join` answers once the run has ended (kept encoded: channels outlive runs)."""
        return None if self._result is None else orjson.loads(self._result)

    @result.setter
    def result(self, value: dict[str, Any] | bytes | None) -> None:
        """The result, or its JSON when the caller has it encoded already."""
        self._result = value if value is None or isinstance(value, bytes) else serde.dumps(value)

    @property
    def has_result(self) -> bool:
        return self._result is not None

    def publish(self, event: str, data: Any) -> Event:
        item = Event(len(self.events) + 1, event, serde.dumps(data))
        self.events.append(item)
        if event == "values":
            self._last_values = (data, item.json)
        self._wake()
        return item

    def published_values(self, values: Any) -> bytes | None:
        """The JSON of `values` if the run's last `values` event carried exactly these values
        (the same objects under the same keys), so a run's final state is not encoded twice."""
        if self._last_values is None:
            return None
        data, json = self._last_values
        if not (isinstance(values, dict) and isinstance(data, dict)):
            return None
        if values.keys() != data.keys():
            return None
        return json if all(values[key] is data[key] for key in values) else None

    def close(self) -> None:
        self.closed = True
        self._last_values = None  # its objects belong to the run, not to late joiners
        self._wake()

    @property
    def size(self) -> int:
        return sum(len(event.json) for event in self.events) + len(self._result or b"")

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

    def __init__(self, keep_finished: int = 256, keep_bytes: int = 32 * 1024 * 1024) -> None:
        self._live: dict[str, RunChannel] = {}
        self._finished: OrderedDict[str, RunChannel] = OrderedDict()
        self._finished_sizes: dict[str, int] = {}
        self._finished_bytes = 0
        self._keep = keep_finished
        self._keep_bytes = keep_bytes

    @property
    def live_count(self) -> int:
        return len(self._live)

    @property
    def finished_count(self) -> int:
        return len(self._finished)

    def open(self, run_id: str, thread_id: str) -> RunChannel:
        """The live channel of a run on `thread_id` (a row or an acceptance says so), opened
        if need be."""
        channel = self._live.get(run_id)
        if channel is None:
            channel = self._pop_finished(run_id) or RunChannel(run_id, thread_id)
            channel.closed = False
            self._live[run_id] = channel
        return channel

    def get(self, run_id: str) -> RunChannel | None:
        return self._live.get(run_id) or self._finished.get(run_id)

    def live(self, run_id: str) -> RunChannel | None:
        """The channel of a run that has not ended yet (its end will close it), if any."""
        return self._live.get(run_id)

    def ended_on(self, thread_id: str, run_id: str) -> RunChannel | None:
        """The kept channel of a run of this thread that ended with a result (what its join
        answers); a thread's deletion forgets them (`forget_thread`)."""
        channel = self._finished.get(run_id)
        if channel is None or channel.thread_id != thread_id or not channel.has_result:
            return None
        return channel

    def forget_thread(self, thread_id: str) -> None:
        """The thread is gone: its runs' kept channels must not answer for them any more."""
        for run_id in [r for r, c in self._finished.items() if c.thread_id == thread_id]:
            self.discard(run_id)

    def close(self, run_id: str, result: dict[str, Any] | bytes | None = None) -> None:
        """The run ended: wake its followers, keep its events a while for late joiners."""
        channel = self._live.pop(run_id, None)
        if channel is None:
            return
        if result is not None:
            channel.result = result
        channel.close()
        size = channel.size
        self._finished[run_id] = channel
        self._finished_sizes[run_id] = size
        self._finished_bytes += size
        while self._finished and (
            len(self._finished) > self._keep or self._finished_bytes > self._keep_bytes
        ):
            oldest = next(iter(self._finished))
            self._pop_finished(oldest)

    def discard(self, run_id: str) -> None:
        """Forget a run entirely (rolled back, deleted): close it for followers, drop its events."""
        channel = self._live.pop(run_id, None) or self._pop_finished(run_id)
        if channel is not None:
            channel.close()

    def _pop_finished(self, run_id: str) -> RunChannel | None:
        channel = self._finished.pop(run_id, None)
        if channel is not None:
            self._finished_bytes -= self._finished_sizes.pop(run_id, 0)
        return channel
