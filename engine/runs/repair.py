"""Keep a message history valid after a run is cut short in the middle of a tool call."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage

CANCELLED_TOOL_TEXT = "Cancelled: the run was interrupted before this tool call finished."


def dangling_tool_calls(messages: Sequence[AnyMessage]) -> list[ToolMessage]:
    """Answers for the last AI message's tool calls that no ToolMessage answered.

    Real providers reject a history with an unanswered tool call, so after an interrupt the engine
    appends these before the next run.
    """
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, AIMessage) and message.tool_calls:
            answered = {m.tool_call_id for m in messages[index + 1 :] if isinstance(m, ToolMessage)}
            return [
                ToolMessage(
                    content=CANCELLED_TOOL_TEXT,
                    tool_call_id=call["id"],
                    name=call.get("name"),
                )
                for call in message.tool_calls
                if call.get("id") and call["id"] not in answered
            ]
        if isinstance(message, AIMessage):
            return []
    return []
