"""Test-only graphs: `custom` stream events (no shipped graph emits them), a run that blocks
until cancelled (`sleepy`) and one that writes the store first (`memo`)."""

from __future__ import annotations

import asyncio

from langchain_core.messages import AIMessage
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.store.base import BaseStore


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


async def _sleep(state: MessagesState) -> dict:
    await asyncio.sleep(60)  # cancellable: an interrupt or rollback lands here
    return {"messages": [AIMessage("slept")]}


_sleepy = StateGraph(MessagesState)
_sleepy.add_node("sleep", _sleep)
_sleepy.add_edge(START, "sleep")
_sleepy.add_edge("sleep", END)
sleepy = _sleepy.compile()


async def _memo(state: MessagesState, store: BaseStore) -> dict:
    """Store a memo (a side effect), then, for texts starting with "wait", block."""
    text = state["messages"][-1].text
    await store.aput(("memo",), text, {"text": text})
    if text.startswith("wait"):
        await asyncio.sleep(60)
    return {"messages": [AIMessage(f"noted: {text}")]}


_memo_builder = StateGraph(MessagesState)
_memo_builder.add_node("memo", _memo)
_memo_builder.add_edge(START, "memo")
_memo_builder.add_edge("memo", END)
memo = _memo_builder.compile()
