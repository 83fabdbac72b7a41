"""`GET /threads/{thread_id}/stream`: one stream per thread, open across its runs.

Modes (any of them at once):

* `run_modes` (the reference's default): each run's own events (the modes it was created with)
  from its start, for runs that start while the stream is open, plus the run in flight when it
  opened, from that moment;
* `lifecycle` (the reference's): `metadata` `{run_id, attempt}` when a run starts and
  `{status: "run_done", run_id}` when it ends or is rolled back; ids `<epoch ms>-<seq>`;
* `state_update`: one `state_update` event per checkpoint a run saved and per hand edit of the
  state (the story's `checkpoint` and `state_updated` events);
* `story` (ours): every event of the thread's story (docs/story.md), id = its `seq`.

All modes are views of the thread's story, so `Last-Event-ID` (a `seq`, or a lifecycle id)
replays from the event after it; `run_modes` then follows runs started after it. With no
`Last-Event-ID`, the story-based modes replay from the first event.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from engine import serde
from engine.errors import InvalidInput
from engine.runs.events import Event

if TYPE_CHECKING:
    from engine.runs.events import ChannelRegistry
    from engine.storage.records import Records

THREAD_MODES = ("run_modes", "lifecycle", "state_update", "story")
DEFAULT = "run_modes"
PAGE = 500
BACKLOG = 1000  # events a slow reader may have waiting before producers wait for it


def parse_modes(raw_values: Iterable[str]) -> list[str]:
    """Modes from the `stream_mode` and `stream_modes` query values: a name, a JSON array, or
    repeated keys. Unknown names are a 422."""
    modes: list[str] = []
    for raw in raw_values:
        raw = raw.strip()
        if not raw:
            continue
        names: Any = raw
        if raw.startswith("["):
            try:
                names = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise InvalidInput(f"stream mode {raw!r} is not a valid JSON array") from None
        for name in [names] if isinstance(names, str) else names:
            if name not in THREAD_MODES:
                raise InvalidInput(
                    f"Unknown thread stream mode {name!r}; use one of {', '.join(THREAD_MODES)}"
                )
            if name not in modes:
                modes.append(name)
    return modes or [DEFAULT]


def parse_last_event_id(raw: str | None) -> int:
    """The story `seq` to resume after: `7`, or a lifecycle id `1764547200000-7`."""
    if raw is None or not raw.strip():
        return 0
    seq = raw.strip().rsplit("-", 1)[-1]
    if not seq.isdigit():
        raise InvalidInput(f"Invalid Last-Event-ID header: {raw!r} is not an event id")
    return int(seq)


def views(event: Mapping[str, Any], modes: Sequence[str]) -> list[tuple[str, str, Any]]:
    """What a story event shows in each requested mode: (event id, event name, data)."""
    seq, kind = int(event["seq"]), event["kind"]
    shown: list[tuple[str, str, Any]] = []
    if "story" in modes:
        shown.append((str(seq), "story", dict(event)))
    if "lifecycle" in modes:
        lifecycle_id = f"{_epoch_ms(event['at'])}-{seq}"
        if kind == "run_started":
            data = {"run_id": event["run_id"], "attempt": event.get("attempt", 1)}
            shown.append((lifecycle_id, "metadata", data))
        elif kind in ("run_ended", "run_rolled_back"):
            shown.append(
                (lifecycle_id, "metadata", {"status": "run_done", "run_id": event["run_id"]})
            )
    if "state_update" in modes and kind in ("checkpoint", "state_updated"):
        keys = ("run_id", "checkpoint_id", "step", "source", "node", "next", "as_node", "at")
        shown.append((str(seq), "state_update", {k: event[k] for k in keys if k in event}))
    return shown


def _epoch_ms(at: str) -> int:
    return int(datetime.fromisoformat(at).timestamp() * 1000)


async def follow_thread(
    records: Records,
    channels: ChannelRegistry,
    thread_id: str,
    modes: Sequence[str],
    after: int,
    running: Sequence[str] = (),
) -> AsyncIterator[Event]:
    """The thread's stream: story views replayed after `after` and followed live, merged with
    the events of runs (run_modes). Ends when the thread is deleted."""
    queue: asyncio.Queue[Event | None] = asyncio.Queue(BACKLOG)
    forwarders: set[asyncio.Task[None]] = set()

    async def forward(run_id: str, event_id: str, after_id: int | None) -> None:
        channel = channels.get(run_id)
        if channel is not None:
            async for event in channel.follow(after_id):
                await queue.put(Event(event_id, event.event, event.json))

    def start_forwarding(run_id: str, event_id: str, after_id: int | None) -> None:
        task = asyncio.ensure_future(forward(run_id, event_id, after_id))
        forwarders.add(task)
        task.add_done_callback(forwarders.discard)

    async def tell() -> None:
        seq = after
        live_from = await records.story_seq(thread_id)
        if "run_modes" in modes:
            for run_id in running:
                start_forwarding(run_id, str(live_from), None)
        while True:
            change = records.story.next_change(thread_id)
            page = await records.story_events(thread_id, seq, PAGE)
            for event in page:
                seq = int(event["seq"])
                for event_id, name, data in views(event, modes):
                    await queue.put(Event(event_id, name, serde.dumps(data)))
                live = seq > live_from
                if "run_modes" in modes and live and event["kind"] == "run_started":
                    start_forwarding(str(event["run_id"]), str(seq), 0)
            if page:
                continue
            if await records.thread(thread_id) is None:
                await queue.put(None)
                return
            await change.wait()

    teller = asyncio.ensure_future(tell())
    getting: asyncio.Future[Event | None] | None = None
    try:
        while True:
            if teller.done() and queue.empty():
                teller.result()  # raises what stopped it
                return
            getting = asyncio.ensure_future(queue.get())
            await asyncio.wait({getting, teller}, return_when=asyncio.FIRST_COMPLETED)
            if not getting.done():
                getting.cancel()
                continue  # the teller stopped: send what it queued first
            item = getting.result()
            if item is None:
                return
            yield item
    finally:
        # `getting` too: a client that leaves cancels us while we wait on it.
        tasks = [teller, *forwarders, *([getting] if getting is not None else [])]
        for task in tasks:
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*tasks, return_exceptions=True)
