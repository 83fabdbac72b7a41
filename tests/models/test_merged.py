"""Messages holding more than one request: merged messages (§10.3) and steered turns."""

from __future__ import annotations

from datetime import datetime

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from engine.graphs.todo import UpdateMemory, make_builder
from engine.models.merged import is_steered, requests, unanswered_tool_results
from engine.models.offline import OfflineChatModel

WED = datetime(2024, 11, 13, 10, 0)
MARK = {"steer": {"run_id": "r2", "taken_by": "r1"}}
TOOLS = [UpdateMemory]


def _call(call_id: str) -> AIMessage:
    return AIMessage(
        "", tool_calls=[{"name": "UpdateMemory", "args": {"update_type": "todo"}, "id": call_id}]
    )


def _created(task: str, call_id: str) -> ToolMessage:
    return ToolMessage(f"New ToDo created:\nContent: {{'task': '{task}'}}", tool_call_id=call_id)


def _decide(messages) -> AIMessage:
    model = OfflineChatModel(pace=0, now=lambda: WED)
    tools = [{"type": "function", "function": {"name": "UpdateMemory"}}]
    return model.decide(messages, tools)


def test_requests_of_a_merged_message() -> None:
    assert requests("plain text") == ["plain text"]
    merged = "Context: buy milk\ncall mom\n\nCurrent request: pay rent"
    assert requests(merged) == ["buy milk", "call mom", "pay rent"]
    assert requests("Context: only a prefix") == ["Context: only a prefix"]


def test_unanswered_results_stop_at_an_ordinary_turn_and_pass_a_steered_one() -> None:
    turn1 = [HumanMessage("Add a ToDo to buy milk"), _call("c1"), _created("Buy milk", "c1")]
    steered = HumanMessage("Add a ToDo to call mom", additional_kwargs=MARK)
    ordinary = HumanMessage("Add a ToDo to call mom")
    turn2 = [_call("c2"), _created("Call mom", "c2")]
    assert unanswered_tool_results(turn1) == ["New ToDo created:\nContent: {'task': 'Buy milk'}"]
    assert len(unanswered_tool_results([*turn1, steered, *turn2])) == 2
    assert len(unanswered_tool_results([*turn1, ordinary, *turn2])) == 1
    answered = [*turn1, AIMessage("I've added it."), steered, *turn2]
    assert len(unanswered_tool_results(answered)) == 1
    assert is_steered(steered) and not is_steered(ordinary)


def test_the_reply_after_a_steered_turn_answers_both() -> None:
    turn1 = [HumanMessage("Add a ToDo to buy milk"), _call("c1"), _created("Buy milk", "c1")]
    steered = HumanMessage("Add a ToDo to call mom", additional_kwargs=MARK)
    assert _decide([*turn1, steered]).tool_calls  # the steered request gets its tool call
    reply = _decide([*turn1, steered, _call("c2"), _created("Call mom", "c2")])
    assert reply.text == 'I\'ve added 2 tasks: "Buy milk" and "Call mom" to your ToDo list.'
    plain = _decide(
        [*turn1, HumanMessage("Add a ToDo to call mom"), _call("c2"), _created("Call mom", "c2")]
    )
    assert "Buy milk" not in plain.text  # an ordinary (e.g. interrupting) turn is unchanged


def test_a_steered_message_needing_no_tool_still_reports_the_turn() -> None:
    system = SystemMessage("<todo>\n{'task': 'Buy milk'}\n</todo>")
    turn1 = [HumanMessage("Add a ToDo to buy milk"), _call("c1"), _created("Buy milk", "c1")]
    reply = _decide([system, *turn1, HumanMessage("thanks", additional_kwargs=MARK)])
    assert not reply.tool_calls
    assert reply.text.startswith('I\'ve added "Buy milk" to your ToDo list. ')
    assert len(reply.text) > len('I\'ve added "Buy milk" to your ToDo list. ')


async def test_a_merged_message_creates_every_request_in_order() -> None:
    graph = make_builder(OfflineChatModel(pace=0, now=lambda: WED)).compile(
        checkpointer=InMemorySaver(), store=InMemoryStore()
    )
    text = "Context: Add a ToDo to buy milk\n\nCurrent request: Add a ToDo to call mom"
    config = {"configurable": {"thread_id": "t", "user_id": "u"}}
    out = await graph.ainvoke({"messages": [HumanMessage(text)]}, config)
    assert [m.type for m in out["messages"]] == ["human", "ai", "tool", "ai"]
    assert out["messages"][-1].text == (
        'I\'ve added 2 tasks: "Buy milk" and "Call mom" to your ToDo list.'
    )
    # a directly invoked graph has no server to ask: steering takes nothing, silently
    assert len([m for m in out["messages"] if m.type == "human"]) == 1


def test_a_merged_question_keeps_its_context_request() -> None:
    text = "Context: Add a ToDo to buy milk\n\nCurrent request: what's on my list?"
    assert _decide([HumanMessage(text)]).tool_calls  # the open request is still handled
