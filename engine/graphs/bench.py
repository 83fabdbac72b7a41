"""LLM-free graphs with known timing, for tests and benchmarks.

Each graph appends one AI message `reply to: <last human text>` (or a step marker), so a test can
tell from the thread's messages exactly which runs completed and which were cut short. Sleeps use
`asyncio.sleep` so cancellation lands mid-node, as it would in a real model call.
"""

from __future__ import annotations

import asyncio

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.graph import END, START, MessagesState, StateGraph


def _last_human_text(messages: list[AnyMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return message.text
    return ""


def _replying_graph(delay_s: float) -> StateGraph:
    async def respond(state: MessagesState) -> dict:
        if delay_s:
            await asyncio.sleep(delay_s)
        return {"messages": [AIMessage(f"reply to: {_last_human_text(state['messages'])}")]}

    builder = StateGraph(MessagesState)
    builder.add_node("respond", respond)
    builder.add_edge(START, "respond")
    builder.add_edge("respond", END)
    return builder


async def _fast_step(state: MessagesState) -> dict:
    return {"messages": [AIMessage(f"step1 for: {_last_human_text(state['messages'])}")]}


async def _slow_step(state: MessagesState) -> dict:
    await asyncio.sleep(2)
    return {"messages": [AIMessage(f"step2 for: {_last_human_text(state['messages'])}")]}


async def _explode(state: MessagesState) -> dict:
    raise ValueError("boom")


def _two_step() -> StateGraph:
    builder = StateGraph(MessagesState)
    builder.add_node("fast", _fast_step)
    builder.add_node("slow", _slow_step)
    builder.add_edge(START, "fast")
    builder.add_edge("fast", "slow")
    builder.add_edge("slow", END)
    return builder


def _boom() -> StateGraph:
    builder = StateGraph(MessagesState)
    builder.add_node("explode", _explode)
    builder.add_edge(START, "explode")
    builder.add_edge("explode", END)
    return builder


noop = _replying_graph(0).compile()
slow = _replying_graph(2.0).compile()
halfsec = _replying_graph(0.5).compile()
two_step = _two_step().compile()
boom = _boom().compile()
