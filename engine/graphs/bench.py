"""LLM-free graphs with known timing, for tests and benchmarks.

Each graph appends one AI message `reply to: <last human text>` (or a step marker), so a test can
tell from the thread's messages exactly which runs completed and which were cut short. Sleeps use
`asyncio.sleep` so cancellation lands mid-node, as it would in a real model call.

`slow` can also be held: while its thread has a shut gate in the store (`GATES`, key: the thread
id, value `{"open": false}`), it waits for the gate to open instead of sleeping 2 s. A test that
needs run 1 still running when message 2 goes out holds it that way, so the outcome does not
depend on how fast a loaded machine types; the gate is the public store API, so it works on any
LangGraph server.
"""

from __future__ import annotations

import asyncio

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.runtime import Runtime

GATES = ("doubletext-test-gates",)
"""The store namespace of `slow`'s gates: one item per held thread."""
HOLD_LIMIT_S = 60.0
"""A shut gate holds a run at most this long (a test that fails before opening it does not
leave a run running for ever)."""


def _last_human_text(messages: list[AnyMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return message.text
    return ""


async def _shut(runtime: Runtime, thread_id: object) -> bool | None:
    """The thread's gate: True while shut, False once open, None when there is none."""
    if runtime.store is None or not isinstance(thread_id, str):
        return None
    item = await runtime.store.aget(GATES, thread_id)
    return None if item is None else not item.value.get("open", False)


async def _wait(delay_s: float, config: RunnableConfig, runtime: Runtime) -> None:
    """Sleep `delay_s`, or, while the thread's gate is shut, until it opens."""
    thread_id = config.get("configurable", {}).get("thread_id")
    if not await _shut(runtime, thread_id):
        await asyncio.sleep(delay_s)
        return
    deadline = asyncio.get_running_loop().time() + HOLD_LIMIT_S
    while await _shut(runtime, thread_id) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)


def _reply(state: MessagesState) -> dict:
    return {"messages": [AIMessage(f"reply to: {_last_human_text(state['messages'])}")]}


def _replying_graph(delay_s: float) -> StateGraph:
    async def respond(state: MessagesState) -> dict:
        return _reply(state)

    async def respond_later(state: MessagesState, config: RunnableConfig, runtime: Runtime) -> dict:
        await _wait(delay_s, config, runtime)
        return _reply(state)

    builder = StateGraph(MessagesState)
    builder.add_node("respond", respond_later if delay_s else respond)
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
