"""The tutorial's four double-texting scenarios, all eight messages, through the real graph."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from tests.graphs.conftest import send, todos


def _shape(turn: list) -> tuple[AIMessage, ToolMessage, AIMessage]:
    """human → AI tool call → tool result → AI reply (no tool call)."""
    assert isinstance(turn[0], HumanMessage)
    call, result, reply = turn[1:]
    assert call.tool_calls[0]["name"] == "UpdateMemory"
    assert call.tool_calls[0]["id"].startswith("call_")
    assert isinstance(result, ToolMessage) and result.tool_call_id == call.tool_calls[0]["id"]
    assert isinstance(reply, AIMessage) and not reply.tool_calls
    return call, result, reply


async def test_reject_scenario(graph, store):
    turn = await send(graph, "t1", "Add a ToDo to follow-up with DI Repairs.")
    call, result, reply = _shape(turn)
    assert call.tool_calls[0]["args"] == {"update_type": "todo"}
    assert result.content == "New ToDo created:\nContent: {'task': 'Follow-up with DI Repairs'}"
    assert reply.content == 'I\'ve added "Follow-up with DI Repairs" to your ToDo list.'
    # The rejected message, sent later on its own, works too.
    _, result, reply = _shape(await send(graph, "t1b", "Add a ToDo to mount dresser to the wall."))
    assert result.content == "New ToDo created:\nContent: {'task': 'Mount dresser to the wall'}"
    assert "Mount dresser to the wall" in reply.content
    assert [t["task"] for t in await todos(store)] == [
        "Follow-up with DI Repairs",
        "Mount dresser to the wall",
    ]


async def test_enqueue_scenario(graph, store):
    _, result, reply = _shape(await send(graph, "t2", "Send Erik his t-shirt gift this weekend."))
    assert result.content == (
        "New ToDo created:\nContent: {'task': 'Send Erik his t-shirt gift', "
        "'deadline': '2024-11-17T23:59:59'}"
    )
    assert reply.content == (
        'I\'ve added "Send Erik his t-shirt gift" (due Sunday, November 17) to your ToDo list.'
    )
    # The queued second run sees the first in history but must not re-apply it.
    turn = await send(graph, "t2", "Get cash and pay nanny for 2 weeks. Do this by Friday.")
    _, result, reply = _shape(turn)
    assert result.content == (
        "New ToDo created:\nContent: {'task': 'Get cash and pay nanny for 2 "
        "weeks', 'deadline': '2024-11-15T23:59:59'}"
    )
    assert "Friday, November 15" in reply.content
    stored = await todos(store)
    assert [(t["task"], t["deadline"]) for t in stored] == [
        ("Send Erik his t-shirt gift", "2024-11-17T23:59:59"),
        ("Get cash and pay nanny for 2 weeks", "2024-11-15T23:59:59"),
    ]
    assert all(t["status"] == "not started" for t in stored)


async def test_interrupt_scenario(graph, store):
    # First message: a summary needs no tool call (the engine would interrupt it mid-reply).
    turn = await send(graph, "t3", "Give me a summary of my ToDos due tomrrow.")
    assert len(turn) == 2 and not turn[1].tool_calls
    assert turn[1].content == "Nothing on your ToDo list is due tomorrow (Thursday, November 14)."
    _, result, reply = _shape(
        await send(
            graph, "t3", "Never mind, create a ToDo to Order Ham for Thanksgiving by next Friday."
        )
    )
    assert result.content == (
        "New ToDo created:\nContent: {'task': 'Order Ham for Thanksgiving', "
        "'deadline': '2024-11-22T23:59:59'}"
    )
    assert reply.content == (
        'I\'ve added "Order Ham for Thanksgiving" (due Friday, November 22) to your ToDo list.'
    )


async def test_interrupt_scenario_summary_lists_due_items(graph, store):
    await send(graph, "t3a", "Add a ToDo to call the plumber tomorrow, takes 15 minutes.")
    turn = await send(graph, "t3b", "Give me a summary of my ToDos due tomrrow.")
    assert turn[-1].content == (
        "Here's what's due tomorrow (Thursday, November 14):\n"
        '- "Call the plumber" (about 15 minutes)'
    )


async def test_rollback_scenario_fresh(graph, store):
    _, result, reply = _shape(
        await send(graph, "t4", "Actually, add a ToDo to drop by Yoga in person on Sunday.")
    )
    assert result.content == (
        "New ToDo created:\nContent: {'task': 'Drop by Yoga in person', "
        "'deadline': '2024-11-17T23:59:59'}"
    )
    assert [(t["task"], t["deadline"]) for t in await todos(store)] == [
        ("Drop by Yoga in person", "2024-11-17T23:59:59")
    ]
    assert "Sunday, November 17" in reply.content


async def test_rollback_scenario_patches_earlier_yoga_todo(graph, store):
    # The rolled-back first run may already have stored its todo (same user, other thread).
    turn = await send(graph, "t5a", "Add a ToDo to call to make appointment at Yoga.")
    _, result, _ = _shape(turn)
    assert result.content == (
        "New ToDo created:\nContent: {'task': 'Call to make appointment at Yoga'}"
    )
    _, result, reply = _shape(
        await send(graph, "t5b", "Actually, add a ToDo to drop by Yoga in person on Sunday.")
    )
    key = (await graph.store.asearch(("todo", "general", "Test-Double-Texting")))[0].key
    assert result.content == (
        f'Document {key} updated:\nPlan: Renamed "Call to make appointment at Yoga" to "Drop by '
        'Yoga in person" and set its deadline to 2024-11-17.\n'
        "Added content: Drop by Yoga in person"
    )
    assert reply.content == (
        'I\'ve renamed "Call to make appointment at Yoga" to "Drop by Yoga in '
        'person" and set its deadline to Sunday, November 17.'
    )
    assert [(t["task"], t["deadline"]) for t in await todos(store)] == [
        ("Drop by Yoga in person", "2024-11-17T23:59:59")
    ]


async def test_interrupt_scenario_merged_keeps_the_question_off_the_list(graph, store):
    # §10.3's merge of the interrupt scenario's two messages: the summary question is answered
    # by no tool, so only the Ham todo is stored (not a todo named "Give me a summary …").
    text = (
        "Context: Give me a summary of my ToDos due tomrrow.\n\n"
        "Current request: Never mind, create a ToDo to Order Ham for Thanksgiving by next Friday."
    )
    _, result, reply = _shape(await send(graph, "t3m", text))
    assert result.content == (
        "New ToDo created:\nContent: {'task': 'Order Ham for Thanksgiving', "
        "'deadline': '2024-11-22T23:59:59'}"
    )
    assert reply.content == (
        'I\'ve added "Order Ham for Thanksgiving" (due Friday, November 22) to your ToDo list.'
    )
    assert [t["task"] for t in await todos(store)] == ["Order Ham for Thanksgiving"]
