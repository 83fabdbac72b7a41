"""``python -m bench rules``: what the offline model's rules cost per message.

Every message of the phrasings corpus (tests/graphs/corpus.py) goes through exactly the rule work
one graph turn does — the model's decision on the system prompt and message (route, a dry run of
the plan, or the answer to a question), the `update_todos` plan, and the reply after the tool
message — with no store, no server and no pacing, so the figure is the rules alone. Each message
is timed `--repeats` times; the median of all samples is the figure (target: ≤ 1 ms). The
per-message caches (readings of a message, its date phrases, words of a phrase) are cleared
before every sample, so a repeat costs what a new message would; compiled templates stay warm,
as in a running server (the first pass, which compiles them, is reported apart). For context it
also times whole graph turns (LangGraph, InMemoryStore, pace 0) on the same corpus.

    python -m bench rules [--repeats 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import datetime
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from engine.graphs.todo import ToDo, UpdateMemory, builder, tool_block
from engine.models import dates, intents, matching
from engine.models.offline import OfflineChatModel, parse_now
from engine.models.planner import plan_todo_changes
from engine.models.rules import context_from
from tests.graphs.corpus import CORPUS, NOW, SETUPS, Row

TARGET_MS = 1.0
TOOLS = [convert_to_openai_tool(UpdateMemory)]


def _messages(row: Row, todos: list[dict[str, Any]]) -> list[Any]:
    listing = "\n".join(str(ToDo(**t).model_dump(mode="json")) for t in todos)
    return [SystemMessage(f"<todo>\n{listing}\n</todo>"), HumanMessage(row.message)]


def rules_turn(model: OfflineChatModel, row: Row, now: datetime) -> None:
    """The rule work of one turn: decide, plan (if a tool call), reply after the tool."""
    todos = SETUPS[row.setup]
    messages = _messages(row, todos)
    first = model.decide(messages, TOOLS)
    if not first.tool_calls:
        return
    if first.tool_calls[0]["args"]["update_type"] == "todo":
        keyed = [(f"k{i:02d}", ToDo(**t).model_dump(mode="json")) for i, t in enumerate(todos)]
        context = context_from([(m.type, m.text) for m in messages if m.type != "system"])
        ops = plan_todo_changes(row.message, keyed, now, context)
        result = "\n\n".join(tool_block(op) for op in ops)
    else:
        result = f"updated {first.tool_calls[0]['args']['update_type']}"
    call_id = first.tool_calls[0]["id"]
    after = [*messages, AIMessage("", tool_calls=first.tool_calls)]
    model.decide([*after, ToolMessage(result, tool_call_id=call_id)], TOOLS)


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median": round(statistics.median(ordered), 4),
        "p90": round(ordered[int(len(ordered) * 0.9) - 1], 4),
        "max": round(ordered[-1], 4),
    }


def measure_rules(repeats: int) -> dict[str, Any]:
    now = parse_now(NOW)
    model = OfflineChatModel(pace=0, now=lambda: now)
    rows = [row for row in CORPUS if not row.before]  # one-message rows: a turn has no history
    cold: list[float] = []
    for row in rows:  # first pass: the template regexes are compiled on first use
        start = time.perf_counter()
        rules_turn(model, row, now)
        cold.append((time.perf_counter() - start) * 1000)
    samples: list[float] = []
    by_kind: dict[str, list[float]] = {}
    for _ in range(repeats):
        for row in rows:
            intents.change_readings.cache_clear()
            matching.tokens.cache_clear()
            dates.find_date.cache_clear()
            start = time.perf_counter()
            rules_turn(model, row, now)
            elapsed = (time.perf_counter() - start) * 1000
            samples.append(elapsed)
            by_kind.setdefault(row.kind, []).append(elapsed)
    kinds = {kind: round(statistics.median(v), 4) for kind, v in sorted(by_kind.items())}
    return {
        "messages": len(rows),
        "samples": len(samples),
        "rules_ms": _ms(samples),
        "first_pass_ms": _ms(cold),
        "by_kind_median_ms": kinds,
    }


async def measure_graph(rows: list[Row]) -> dict[str, float]:
    """Whole turns through the compiled graph (LangGraph's own overhead included)."""
    graph = builder.compile(checkpointer=InMemorySaver(), store=InMemoryStore())
    samples = []
    for i, row in enumerate(rows):
        user = f"bench-{i}"
        for j, todo in enumerate(SETUPS[row.setup]):
            value = ToDo(**todo).model_dump(mode="json")
            await graph.store.aput(("todo", "general", user), f"k{j:02d}", value)
        config = {"configurable": {"thread_id": user, "user_id": user, "now": NOW}}
        config["configurable"]["doubletext_pace"] = 0
        start = time.perf_counter()
        await graph.ainvoke({"messages": [HumanMessage(row.message)]}, config)
        samples.append((time.perf_counter() - start) * 1000)
    return _ms(samples)


def main(args: argparse.Namespace) -> dict[str, Any]:
    result = measure_rules(args.repeats)
    result["graph_turn_ms"] = asyncio.run(measure_graph([r for r in CORPUS if not r.before]))
    result["target_ms"] = TARGET_MS
    result["ok"] = result["rules_ms"]["median"] <= TARGET_MS
    return result
