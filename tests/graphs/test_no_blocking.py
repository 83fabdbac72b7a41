"""The offline turn makes no blocking call on the event loop (what `langgraph dev` enforces).

`langgraph dev` runs graphs under blockbuster, which raises on blocking calls (file access,
sleeps) inside async code. The offline model's rules run on the event loop, so a whole turn —
decision, store update, reply, for every intent — must pass under it. (dateparser, which the
rules used before, fails here: it stats locale files on first use.)
"""

from __future__ import annotations

from blockbuster import blockbuster_ctx
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from engine.graphs.todo import builder

TURNS = [
    "Add a ToDo to call mom tomorrow at 5pm",
    "Remind me in 2 hours to take the laundry out",
    "move mom to the 8th",
    "I've started working on the laundry",
    "Rename the laundry task to Fold the laundry",
    "what's due this week?",
    "do I have anything about mom?",
    "mark mom done",
    "clear all completed tasks",
    "groceries",
    "My name is Ana",
]


async def test_every_kind_of_turn_passes_under_blockbuster() -> None:
    graph = builder.compile(checkpointer=InMemorySaver(), store=InMemoryStore())
    config = {
        "configurable": {
            "thread_id": "t",
            "user_id": "u",
            "now": "2026-11-30T10:00:00",
            "doubletext_pace": 0,
        }
    }
    replies = []
    with blockbuster_ctx():
        for text in TURNS:
            out = await graph.ainvoke({"messages": [HumanMessage(text)]}, config)
            replies.append(out["messages"][-1].text)
    assert replies[0] == 'I\'ve added "Call mom" (due tomorrow at 5pm) to your ToDo list.'
    assert replies[4] == 'I\'ve renamed "Take the laundry out" to "Fold the laundry".'
    assert replies[8] == 'I\'ve removed "Call mom" from your ToDo list.'
    items = await graph.store.asearch(("todo", "general", "u"))
    assert [item.value["task"] for item in items] == ["Fold the laundry"]
