"""Graphs whose nodes wait on gates the test opens, so "run 1 is still running" is a fact.

A human message `hold:<name>` makes the node wait until the test calls `gates.open(name)`; any
other message is answered at once. A monitor counts concurrently running nodes per thread and
records the order in which runs started, for the stress invariants.
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.store.base import BaseStore


class Gates:
    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self.held: set[str] = set()  # gates a node is waiting at right now

    async def reached(self, name: str) -> bool:
        """For `wait_until`: a node is holding at this gate (its step's checkpoint is saved)."""
        return name in self.held

    def event(self, name: str) -> asyncio.Event:
        if name not in self._events:
            self._events[name] = asyncio.Event()
        return self._events[name]

    def open(self, name: str) -> None:
        self.event(name).set()

    def reset(self) -> None:
        self._events.clear()
        self.held.clear()


class Monitor:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.running: dict[str, int] = defaultdict(int)
        self.max_running: dict[str, int] = defaultdict(int)
        self.started: dict[str, list[str]] = defaultdict(list)

    def enter(self, thread_id: str, run_id: str) -> None:
        self.running[thread_id] += 1
        self.max_running[thread_id] = max(self.max_running[thread_id], self.running[thread_id])
        if run_id not in self.started[thread_id]:
            self.started[thread_id].append(run_id)

    def leave(self, thread_id: str) -> None:
        self.running[thread_id] -= 1


gates = Gates()
monitor = Monitor()


def _last_human(state: MessagesState) -> str:
    for message in reversed(state["messages"]):
        if isinstance(message, HumanMessage):
            return message.text
    return ""


async def _hold_if_asked(text: str) -> None:
    if text.startswith("hold:"):
        name = text.removeprefix("hold:")
        gates.held.add(name)
        try:
            await gates.event(name).wait()
        finally:
            gates.held.discard(name)
    elif text.startswith("jitter:"):
        await asyncio.sleep(float(text.split(":")[1]))
    elif text == "fail":
        raise ValueError("boom")
    elif text.startswith("hang") and os.environ.get("DOUBLETEXT_TEST_HANG") == "1":
        await asyncio.sleep(3600)


async def respond(state: MessagesState, config: RunnableConfig) -> dict[str, Any]:
    thread_id = config["configurable"]["thread_id"]
    monitor.enter(thread_id, config["metadata"]["run_id"])
    try:
        text = _last_human(state)
        await _hold_if_asked(text)
        return {"messages": [AIMessage(f"reply to: {text}")]}
    finally:
        monitor.leave(thread_id)


async def first_step(state: MessagesState) -> dict[str, Any]:
    return {"messages": [AIMessage(f"step1 for: {_last_human(state)}")]}


async def second_step(state: MessagesState) -> dict[str, Any]:
    text = _last_human(state)
    await _hold_if_asked(text)
    return {"messages": [AIMessage(f"step2 for: {text}")]}


def _call_id(config: RunnableConfig) -> str:
    return f"call_{config['metadata']['run_id'][:8]}"


async def call_tool(state: MessagesState, config: RunnableConfig) -> dict[str, Any]:
    call = {"name": "UpdateMemory", "args": {"update_type": "todo"}, "id": _call_id(config)}
    return {"messages": [AIMessage("", tool_calls=[call])]}


async def answer_tool(state: MessagesState, config: RunnableConfig) -> dict[str, Any]:
    return {"messages": [ToolMessage("done", tool_call_id=_call_id(config))]}


async def write_note(state: MessagesState, config: RunnableConfig, *, store: BaseStore) -> dict:
    text = _last_human(state)
    await store.aput(("notes", "test"), "latest", {"text": text})
    await _hold_if_asked(text)
    return {"messages": [AIMessage(f"noted: {text}")]}


def _chain(*nodes: Any) -> Any:
    builder = StateGraph(MessagesState)
    previous = START
    for node in nodes:
        builder.add_node(node.__name__, node)
        builder.add_edge(previous, node.__name__)
        previous = node.__name__
    builder.add_edge(previous, END)
    return builder


gated = _chain(respond)
two_step = _chain(first_step, second_step)
tool_then_hold = _chain(call_tool, second_step, answer_tool)
notes = _chain(write_note)
