"""A test-only graph that emits `custom` stream events (no shipped graph does)."""

from __future__ import annotations

from langchain_core.messages import AIMessage
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, MessagesState, StateGraph


async def _talk(state: MessagesState) -> dict:
    writer = get_stream_writer()
    writer({"progress": "half"})
    writer({"progress": "done"})
    return {"messages": [AIMessage("chatty reply")]}


_builder = StateGraph(MessagesState)
_builder.add_node("talk", _talk)
_builder.add_edge(START, "talk")
_builder.add_edge("talk", END)
chatty = _builder.compile()
