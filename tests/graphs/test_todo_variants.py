"""Everyday variants, streaming, the interrupted-tool-call history, routing, and the registry."""

from __future__ import annotations

import json
from pathlib import Path

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage

from engine.graphs.todo import graph as exported_graph
from engine.graphs.todo import make_builder, route_message
from engine.models.offline import OfflineChatModel
from tests.graphs.conftest import config, send, todos


async def test_several_todos_update_not_duplicate_and_done(graph, store):
    turn = await send(graph, "v1", "Add these todos: buy milk, call mom and book the dentist")
    assert turn[2].content.count("New ToDo created:") == 3
    assert turn[3].content == (
        'I\'ve added 3 tasks: "Buy milk", "Call mom" and "Book the dentist" to your ToDo list.'
    )
    # Same task again with a deadline and an estimate: patched, not duplicated.
    turn = await send(graph, "v1", "Add a todo to buy milk tomorrow, it takes 10 minutes")
    assert turn[2].content.startswith("Document ") and " updated:\nPlan: Set the deadline of" in (
        turn[2].content
    )
    stored = await todos(store)
    assert len(stored) == 3
    milk = next(t for t in stored if t["task"] == "Buy milk")
    assert (milk["deadline"], milk["time_to_complete"]) == ("2024-11-14T23:59:59", 10)
    # Exactly the same again: unchanged.
    turn = await send(graph, "v1", "Add a todo to buy milk tomorrow")
    assert " unchanged:\n" in turn[2].content and "Nothing to change." in turn[3].content
    turn = await send(graph, "v1", "I called mom, mark it as done")
    assert 'marked "Call mom" as done' in turn[3].content
    assert next(t for t in await todos(store) if t["task"] == "Call mom")["status"] == "done"


async def test_reschedule_delete_and_summary(graph, store):
    await send(graph, "v2", "Add a ToDo to renew the passport by Nov 30")
    turn = await send(graph, "v2", "Change the deadline of the passport task to next Friday")
    assert "Sunday" not in turn[3].content and "Friday, November 22" in turn[3].content
    assert (await todos(store))[0]["deadline"] == "2024-11-22T23:59:59"
    turn = await send(graph, "v2", "What's on my list?")
    assert turn[-1].content == (
        'You have 1 item on your ToDo list:\n- "Renew the passport" (due Friday, November 22)'
    )
    turn = await send(graph, "v2", "Delete the passport todo")
    assert turn[2].content.endswith(
        'deleted:\nPlan: Removed "Renew the passport" from the ToDo list.'
    )
    assert await todos(store) == []
    turn = await send(graph, "v2", "what's on my list")
    assert "empty" in turn[-1].content


async def test_profile_instructions_small_talk(graph, store):
    turn = await send(graph, "v3", "My name is Lance and I live in San Francisco")
    assert turn[1].tool_calls[0]["args"] == {"update_type": "user"}
    assert turn[2].content == "updated profile"
    assert turn[3].content.startswith("Nice to meet you, Lance!")
    await send(graph, "v3", "I work as a software engineer")
    profile = (await store.asearch(("profile", "general", "Test-Double-Texting")))[0].value
    assert profile["name"] == "Lance" and profile["location"] == "San Francisco"
    assert profile["job"] == "software engineer"
    turn = await send(graph, "v3", "When adding todos, always include a local business to call")
    assert turn[1].tool_calls[0]["args"] == {"update_type": "instructions"}
    assert turn[2].content == "updated instructions"
    item = await store.aget(("instructions", "general", "Test-Double-Texting"), "user_instructions")
    assert "local business" in item.value["memory"]
    turn = await send(graph, "v3", "thanks!")
    assert len(turn) == 2 and turn[1].content.startswith("You're welcome")


async def test_reads_more_than_ten_todos_and_namespaces(graph, store):
    for i in range(12):
        text = f"Add a ToDo to email vendor{i:02d} re invoice{i:02d}"
        await send(graph, "v4", text, todo_category="home")
    assert len(await todos(store, category="home")) == 12
    turn = await send(graph, "v4", "What's on my list?", todo_category="home")
    assert "12 items" in turn[-1].content and "vendor00" in turn[-1].content
    assert await todos(store) == []  # "general" untouched


async def test_stream_messages_tokens_and_tool_call(graph):
    chunks: dict[str, list[AIMessageChunk]] = {}
    async for message, meta in graph.astream(
        {"messages": [HumanMessage("Add a ToDo to follow-up with DI Repairs.")]},
        config("s1"),
        stream_mode="messages",
    ):
        if isinstance(message, AIMessageChunk):
            assert meta["langgraph_node"] == "task_mAIstro"
            chunks.setdefault(message.id, []).append(message)
    first, second = (sum(parts[1:], parts[0]) for parts in chunks.values())
    assert first.tool_calls[0]["name"] == "UpdateMemory"
    assert first.tool_calls[0]["args"] == {"update_type": "todo"}
    text_chunks = [c for c in list(chunks.values())[1] if c.content]
    assert len(text_chunks) >= 5
    assert second.content == 'I\'ve added "Follow-up with DI Repairs" to your ToDo list.'


async def test_history_after_interrupt_mid_tool_call_is_accepted(tmp_path, graph, store):
    # Stop between task_mAIstro (tool call emitted) and update_todos, as an interrupt would.
    paused = graph.builder.compile(
        checkpointer=graph.checkpointer, store=store, interrupt_before=["update_todos"]
    )
    cfg = config("i1")
    await paused.ainvoke({"messages": [HumanMessage("Add a ToDo to fix the bike.")]}, cfg)
    state = await paused.aget_state(cfg)
    assert state.next == ("update_todos",)
    call = state.values["messages"][-1].tool_calls[0]
    # What the engine does on interrupt: answer every open call, as task_mAIstro.
    await paused.aupdate_state(
        cfg,
        {
            "messages": [
                ToolMessage("Cancelled: interrupted by a new message", tool_call_id=call["id"])
            ]
        },
        as_node="task_mAIstro",
    )
    assert (await paused.aget_state(cfg)).next == ()
    assert await todos(store) == []
    turn = await send(graph, "i1", "Add a ToDo to order a new bike lamp.")
    assert turn[3].content == 'I\'ve added "Order a new bike lamp" to your ToDo list.'
    messages = (await graph.aget_state(cfg)).values["messages"]
    calls = [c["id"] for m in messages if isinstance(m, AIMessage) for c in m.tool_calls]
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    assert set(calls) == answered


async def test_injected_model_reads_clock_from_run_config(graph, store):
    pinned = make_builder(OfflineChatModel(pace=0)).compile(
        checkpointer=graph.checkpointer, store=store
    )
    cfg = {"configurable": {"thread_id": "c1", "user_id": "u", "now": "2024-11-15T08:00:00"}}
    out = await pinned.ainvoke({"messages": [HumanMessage("Add a todo to pay rent tomorrow")]}, cfg)
    assert out["messages"][-1].content == 'I\'ve added "Pay rent" (due tomorrow) to your ToDo list.'
    assert (await todos(store, user="u"))[0]["deadline"] == "2024-11-16T23:59:59"


def test_route_message_ends_without_tool_calls():
    ai = AIMessage(
        "", tool_calls=[{"name": "UpdateMemory", "args": {"update_type": "user"}, "id": "call_x"}]
    )
    assert route_message({"messages": [ai]}, {}) == "update_profile"
    assert route_message({"messages": [ToolMessage("Cancelled: x", tool_call_id="c")]}, {}) == (
        "__end__"
    )
    assert route_message({"messages": [AIMessage("hi")]}, {}) == "__end__"


def test_registered_for_langgraph_dev():
    spec = json.loads((Path(__file__).parents[2] / "langgraph.json").read_text())
    assert spec["graphs"]["task_maistro"] == "./engine/graphs/todo.py:graph"
    assert exported_graph.checkpointer is None and exported_graph.store is None
    assert set(exported_graph.nodes) >= {
        "task_mAIstro",
        "update_todos",
        "update_profile",
        "update_instructions",
    }


async def test_questions_about_the_list_are_answered_not_added(graph, store):
    await send(graph, "q1", "Add a todo: pay rent today")
    await send(graph, "q1", "I also need to re-film Module 6, lesson 5 by Saturday")
    await send(graph, "q1", "No wait, I need to buy a bike next week")
    assert [(t["task"], t["deadline"]) for t in await todos(store)] == [
        ("Pay rent", "2024-11-13T23:59:59"),
        ("Re-film Module 6, lesson 5", "2024-11-16T23:59:59"),
        ("Buy a bike", "2024-11-20T23:59:59"),
    ]
    turn = await send(graph, "q1", "what do I need to do today?")
    assert len(turn) == 2 and not turn[1].tool_calls  # a summary: no UpdateMemory call
    assert turn[1].content == (
        "Here's what's due by today (Wednesday, November 13):\n- \"Pay rent\" (due today)"
    )
    turn = await send(graph, "q1", "anything due this week?")
    assert turn[1].content == (
        "Here's what's due this week (by Sunday, November 17):\n"
        '- "Pay rent" (due today)\n'
        '- "Re-film Module 6, lesson 5" (due Saturday, November 16)'
    )
    turn = await send(graph, "q1", "What do I have to do?")
    assert not turn[1].tool_calls and turn[1].content.startswith("You have 3 items")
    turn = await send(graph, "q1", "what's next?")
    assert turn[1].content == 'Next up: "Pay rent" (due today). You have 2 other open items.'
    assert len(await todos(store)) == 3


async def test_emoji_and_chinese_tasks_are_told_apart_and_can_be_changed(graph, store):
    await send(graph, "u1", "Add a ToDo to buy 🥛")
    turn = await send(graph, "u1", "Add a ToDo to buy 🍞")  # not "Buy 🥛 is already on your list"
    assert turn[3].content == 'I\'ve added "Buy 🍞" to your ToDo list.'
    await send(graph, "u1", "Add a ToDo to 买牛奶")
    await send(graph, "u1", "Add a ToDo to 买面包")
    assert [t["task"] for t in await todos(store)] == ["Buy 🥛", "Buy 🍞", "买牛奶", "买面包"]
    turn = await send(graph, "u1", "mark 买牛奶 as done")
    assert turn[3].content == 'I\'ve marked "买牛奶" as done.'
    turn = await send(graph, "u1", "delete 买面包")
    assert turn[3].content == 'I\'ve removed "买面包" from your ToDo list.'
    assert [(t["task"], t["status"]) for t in await todos(store)] == [
        ("Buy 🥛", "not started"),
        ("Buy 🍞", "not started"),
        ("买牛奶", "done"),
    ]


async def test_a_name_typed_in_lower_case_is_kept(graph, store):
    turn = await send(graph, "p1", "my name is lance")
    assert turn[2].content == "updated profile"
    assert turn[3].content == "Nice to meet you, Lance! What can I help you get done?"
    profile = (await store.asearch(("profile", "general", "Test-Double-Texting")))[0].value
    assert profile["name"] == "Lance"


async def test_a_date_beyond_year_9999_is_no_run_error(graph, store):
    turn = await send(graph, "y1", "Add a todo to fly to Mars in 10000 years")
    assert turn[3].content == 'I\'ve added "Fly to Mars in 10000 years" to your ToDo list.'
    turn = await send(graph, "y1", "push the Mars trip back 10000 years")
    assert turn[-1].content == 'I can\'t move "Fly to Mars in 10000 years" that far.'
    assert [(t["task"], t["deadline"]) for t in await todos(store)] == [
        ("Fly to Mars in 10000 years", None)
    ]
