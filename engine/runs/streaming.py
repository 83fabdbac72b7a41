"""Translate LangGraph stream items into the Agent Server's wire events.

The API's stream modes are not LangGraph's: `messages-tuple` is LangGraph's `messages`, while the
API's `messages` mode accumulates chunks into `messages/partial` and `messages/complete` events.
"""

from __future__ import annotations

from collections.abc import Iterable
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
            continue  # astream_events is not offered; the mode is accepted and stays silent
        if mode not in needed:
            needed.append(mode)
    return needed


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
