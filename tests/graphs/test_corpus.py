"""The phrasings corpus (tests/graphs/corpus.py), each row through the real task_maistro graph.

One row: the todos the user already has (a named setup), optional earlier messages in the same
thread, the message, what it must change in the store, and a fragment of the reply. The graph is
compiled with LangGraph's own InMemoryStore and InMemorySaver, the offline model at pace 0 and
the clock at Monday 2026-11-30 10:00, so every date is fixed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from engine.graphs.todo import ToDo, builder
from tests.graphs.corpus import CORPUS, NOW, SETUPS, Row

NAMESPACE = ("todo", "general")


@pytest.fixture(scope="module")
def corpus_graph() -> Any:
    return builder.compile(checkpointer=InMemorySaver(), store=InMemoryStore())


def _when(deadline: str | None) -> str:
    if not deadline:
        return "none"
    when = datetime.fromisoformat(deadline)
    return f"{when:%Y-%m-%d}" if f"{when:%H:%M:%S}" == "23:59:59" else f"{when:%Y-%m-%d %H:%M}"


def _describe(value: dict[str, Any]) -> str:
    text = f"+ {value['task']}"
    if value.get("deadline"):
        text += f" @ {_when(value['deadline'])}"
    if value.get("time_to_complete"):
        text += f" ~{value['time_to_complete']}m"
    return text


def delta(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """What changed, in the corpus's notation: "+ new", "- gone", "Task: field=value"."""
    out = [_describe(value) for key, value in after.items() if key not in before]
    out += [f"- {value['task']}" for key, value in before.items() if key not in after]
    for key in before.keys() & after.keys():
        old, new = before[key], after[key]
        for name in ("task", "deadline", "status", "time_to_complete"):
            if old.get(name) != new.get(name):
                shown = _when(new.get(name)) if name == "deadline" else new.get(name)
                out.append(f"{old['task']}: {name}={shown}")
    return sorted(out)


async def _snapshot(graph: Any, user: str) -> dict[str, dict]:
    items = await graph.store.asearch((*NAMESPACE, user), limit=1000)
    return {item.key: item.value for item in items}


@pytest.mark.parametrize("row", CORPUS, ids=[f"{i:03d}" for i in range(len(CORPUS))])
async def test_corpus_row(corpus_graph: Any, row: Row) -> None:
    user = f"corpus-{CORPUS.index(row)}"
    for i, todo in enumerate(SETUPS[row.setup]):
        value = ToDo(**todo).model_dump(mode="json")
        await corpus_graph.store.aput((*NAMESPACE, user), f"k{i:02d}", value)
    config = {
        "configurable": {"thread_id": user, "user_id": user, "now": NOW, "doubletext_pace": 0},
        "recursion_limit": 25,
    }
    for earlier in row.before:
        await corpus_graph.ainvoke({"messages": [HumanMessage(earlier)]}, config)
    before = await _snapshot(corpus_graph, user)
    out = await corpus_graph.ainvoke({"messages": [HumanMessage(row.message)]}, config)
    after = await _snapshot(corpus_graph, user)
    reply = out["messages"][-1]
    assert isinstance(reply, AIMessage) and not reply.tool_calls
    assert delta(before, after) == sorted(row.changes), f"store after {row.message!r}"
    assert row.reply in reply.text, f"reply to {row.message!r}: {reply.text!r}"


def test_corpus_is_large_and_covers_every_intent() -> None:
    assert len(CORPUS) >= 150
    assert len({row.message for row in CORPUS}) == len(CORPUS)
    kinds = {row.kind for row in CORPUS}
    assert kinds >= {
        "add", "list", "complete", "start", "reopen", "delete", "rename", "reschedule", "clear",
        "summary", "due", "overdue", "count", "search", "next", "unclear", "date", "issue",
    }  # fmt: skip
