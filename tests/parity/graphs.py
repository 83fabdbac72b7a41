"""Graphs the parity scenarios need beyond the served ones: a human-in-the-loop interrupt and a
graph whose reply shows the settings (assistant config or context) it ran with.

Both servers load this file from the same langgraph.json, so both run exactly this code.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import interrupt


async def _ask(state: MessagesState) -> dict:
    answer = interrupt("need input")
    return {"messages": [AIMessage(f"you said: {answer}")]}


async def _configured(state: MessagesState, config: RunnableConfig) -> dict:
    persona = (config.get("configurable") or {}).get("persona", "plain")
    return {"messages": [AIMessage(f"{persona} reply")]}


def _single(name: str, node: object) -> StateGraph:
    builder = StateGraph(MessagesState)
    builder.add_node(name, node)
    builder.add_edge(START, name)
    builder.add_edge(name, END)
    return builder


hitl = _single("ask", _ask).compile()
configured = _single("answer", _configured).compile()
