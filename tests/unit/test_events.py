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
        registry.open(name, "t").publish("values", name)
        registry.close(name)
    assert registry.get("a") is None
    assert registry.get("c") is not None and registry.get("c").closed
    registry.discard("c")
    assert registry.get("c") is None


async def test_a_runs_last_values_are_reused_only_for_the_very_same_values() -> None:
    messages, todos = ["hi", "hello"], [{"task": "milk"}]
    channel = RunChannel("r")
    channel.publish("values", {"messages": messages, "todos": todos})
    event = channel.publish("values", {"messages": messages, "todos": todos})
    assert channel.published_values({"messages": messages, "todos": todos}) == event.json
    # An equal but other object, a missing or an extra key: encoded afresh by the caller.
    assert channel.published_values({"messages": list(messages), "todos": todos}) is None
    assert channel.published_values({"messages": messages}) is None
    assert channel.published_values({"messages": messages, "todos": todos, "x": 1}) is None
    channel.publish("updates", {"node": {"messages": messages}})  # not a values event
    assert channel.published_values({"messages": messages, "todos": todos}) == event.json
    channel.close()  # the run's objects are let go
    assert channel.published_values({"messages": messages, "todos": todos}) is None
