"""Run channels: late subscribers, replay after an id, closing ends every follower."""

from __future__ import annotations

import asyncio

from engine.runs.events import ChannelRegistry, RunChannel


async def test_follow_replays_and_then_follows_live() -> None:
    channel = RunChannel("r")
    channel.publish("metadata", {"run_id": "r"})
    channel.publish("values", 1)

    async def follower(after: int | None) -> list[int]:
        return [event.id async for event in channel.follow(after)]

    everything = asyncio.create_task(follower(0))
    after_first = asyncio.create_task(follower(1))
    only_new = asyncio.create_task(follower(None))
    await asyncio.sleep(0)  # let the followers subscribe before the next event
    channel.publish("values", 2)
    channel.close()
    seen = await asyncio.gather(everything, after_first, only_new)
    assert seen == [[1, 2, 3], [2, 3], [3]]


async def test_registry_keeps_recent_finished_channels() -> None:
    registry = ChannelRegistry(keep_finished=2)
    for name in ("a", "b", "c"):
        registry.open(name).publish("values", name)
        registry.close(name)
    assert registry.get("a") is None
    assert registry.get("c") is not None and registry.get("c").closed
    registry.discard("c")
    assert registry.get("c") is None
