"""Translate LangGraph stream items into the Agent Server's wire events.

The API's stream modes are not LangGraph's: `messages-tuple` is LangGraph's `messages`, while the
API's `messages` mode accumulates chunks into `messages/partial` and `messages/complete` events.
The `events` mode needs `astream_events` (v2): the root run's stream chunks are the other modes'
items, every other event is sent as an `events` frame.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import aclosing
from typing import Any

from langchain_core.messages import BaseMessage, BaseMessageChunk

API_MODES: tuple[str, ...] = (
    "values",
    "updates",
    "messages",
    "messages-tuple",
    "custom",
    "debug",
    "tasks",
    "checkpoints",
    "events",
)
DEFAULT_MODES: tuple[str, ...] = ("values",)


def graph_modes(api_modes: Iterable[str]) -> list[str]:
    """The LangGraph stream modes needed to serve the requested API modes."""
    needed: list[str] = []
    for mode in api_modes:
        if mode in ("messages", "messages-tuple"):
            mode = "messages"
        elif mode == "events":
            continue  # served by astream_events, not a LangGraph stream mode
        if mode not in needed:
            needed.append(mode)
    return needed


StreamItem = tuple[tuple[str, ...] | None, str, Any]


async def graph_stream(
    graph: Any,
    graph_input: Any,
    config: dict[str, Any],
    api_modes: Iterable[str],
    *,
    subgraphs: bool = False,
    **options: Any,
) -> AsyncIterator[StreamItem]:
    """(namespace, LangGraph mode, payload) for each item the graph streams; with the `events`
    API mode, mode `events` carries one astream_events v2 dict."""
    api_modes = list(api_modes)
    modes = graph_modes(api_modes) or ["values"]
    if "events" not in api_modes:
        async for item in graph.astream(
            graph_input, config, stream_mode=modes, subgraphs=subgraphs, **options
        ):
            yield _unpack(item, subgraphs)
        return
    events = graph.astream_events(
        graph_input, config, version="v2", stream_mode=modes, subgraphs=subgraphs, **options
    )
    async with aclosing(events) as stream:
        async for event in stream:
            if "langsmith:hidden" in (event.get("tags") or ()):
                continue
            if event["event"] == "on_chain_stream" and not event.get("parent_ids"):
                yield _unpack(event["data"]["chunk"], subgraphs)
            else:
                yield None, "events", event


def _unpack(item: Any, subgraphs: bool) -> StreamItem:
    if subgraphs:
        namespace, mode, payload = item
        return namespace, mode, payload
    mode, payload = item
    return None, mode, payload


def wire_name(mode: str, namespace: tuple[str, ...] | None) -> str:
    return f"{mode}|{'|'.join(namespace)}" if namespace else mode


class EventTranslator:
    """Stateful: the API's `messages` mode needs each message's chunks accumulated."""

    def __init__(self, api_modes: Iterable[str]) -> None:
        self.api_modes = set(api_modes)
        self._partial: dict[str, BaseMessageChunk] = {}

    def translate(
        self, mode: str, payload: Any, namespace: tuple[str, ...] | None = None
    ) -> list[tuple[str, Any]]:
        """(event name, data) pairs; data may hold rich objects (the channel serializes once)."""
        if mode != "messages":
            return [(wire_name(mode, namespace), payload)]
        message, meta = payload
        out: list[tuple[str, Any]] = []
        if "messages-tuple" in self.api_modes:
            out.append((wire_name("messages", namespace), [message, meta]))
        if "messages" in self.api_modes:
            out.extend(self._accumulate(message, meta, namespace))
        return out

    def _accumulate(
        self, message: BaseMessage, meta: Any, namespace: tuple[str, ...] | None
    ) -> list[tuple[str, Any]]:
        msg_id = message.id or ""
        out: list[tuple[str, Any]] = []
        first = msg_id not in self._partial
        if first:
            out.append((wire_name("messages/metadata", namespace), {msg_id: {"metadata": meta}}))
        if isinstance(message, BaseMessageChunk):
            merged = message if first else self._partial[msg_id] + message
            self._partial[msg_id] = merged
            out.append((wire_name("messages/partial", namespace), [merged]))
        else:
            self._partial[msg_id] = message  # type: ignore[assignment]
            out.append((wire_name("messages/complete", namespace), [message]))
        return out
