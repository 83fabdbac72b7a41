"""Turn raw `messages-tuple` stream payloads into small, typed transcript updates.

Pure so the awkward parts (chunk vs whole message, string vs block content, tool-call chunks
whose arguments arrive as string fragments) are unit-tested without a server or Textual.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def text_of(content: Any) -> str:
    """Message content as plain text: strings pass, text blocks are joined, others dropped."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, Mapping) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
        return "".join(parts)
    return ""


@dataclass
class ToolCallDelta:
    index: int
    call_id: str | None
    name: str | None
    args_fragment: str = ""
    args: dict[str, Any] | None = None


@dataclass
class AIDelta:
    """Part (chunk) or all (whole) of an assistant message."""

    message_id: str
    text: str
    whole: bool
    tool_calls: list[ToolCallDelta] = field(default_factory=list)


@dataclass
class ToolResult:
    message_id: str
    name: str
    content: str
    tool_call_id: str | None


def parse_message(data: Any) -> AIDelta | ToolResult | None:
    """One `messages` event (`[message, metadata]`) → an update, or None if not for display."""
    message = data[0] if isinstance(data, list | tuple) and data else data
    if not isinstance(message, Mapping):
        return None
    kind = message.get("type")
    mid = str(message.get("id") or "")
    if kind == "tool":
        return ToolResult(
            message_id=mid,
            name=str(message.get("name") or "tool"),
            content=text_of(message.get("content")),
            tool_call_id=message.get("tool_call_id"),
        )
    if kind not in ("ai", "AIMessageChunk"):
        return None
    whole = kind == "ai"
    calls: list[ToolCallDelta] = []
    if whole:
        for i, call in enumerate(message.get("tool_calls") or []):
            calls.append(
                ToolCallDelta(i, call.get("id"), call.get("name"), args=call.get("args") or {})
            )
    else:
        for chunk in message.get("tool_call_chunks") or []:
            calls.append(
                ToolCallDelta(
                    int(chunk.get("index") or 0),
                    chunk.get("id"),
                    chunk.get("name"),
                    args_fragment=chunk.get("args") or "",
                )
            )
    return AIDelta(mid, text_of(message.get("content")), whole, calls)


@dataclass
class ToolCallState:
    """A tool call being assembled from chunks."""

    name: str = ""
    raw_args: str = ""
    args: dict[str, Any] | None = None

    def absorb(self, delta: ToolCallDelta) -> None:
        if delta.name:
            self.name = delta.name
        if delta.args is not None:
            self.args = delta.args
            self.raw_args = json.dumps(delta.args)
            return
        self.raw_args += delta.args_fragment
        try:
            parsed = json.loads(self.raw_args) if self.raw_args else None
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            self.args = parsed

    def title(self) -> str:
        """Compact label: `UpdateMemory → todo` for the todo assistant, else the tool name."""
        name = self.name or "tool call"
        if self.args:
            target = self.args.get("update_type") or next(iter(self.args.values()), None)
            if isinstance(target, str) and len(target) < 40:
                return f"{name} → {target}"
        return name

    def detail(self) -> str:
        if self.args is not None:
            return json.dumps(self.args, indent=2, ensure_ascii=False)
        return self.raw_args
