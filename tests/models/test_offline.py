"""The offline chat model: tools, chunked streaming, clock injection, determinism."""

from __future__ import annotations

from datetime import datetime

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from engine.graphs.todo import UpdateMemory
from engine.models.factory import model_from_config
from engine.models.offline import OfflineChatModel

WED = datetime(2024, 11, 13, 10, 0)


def _model(**kw) -> OfflineChatModel:
    return OfflineChatModel(pace=0, now=lambda: WED, **kw)


async def test_astream_tool_call_chunks_aggregate():
    bound = _model().bind_tools([UpdateMemory], parallel_tool_calls=False)
    chunks = [c async for c in bound.astream([HumanMessage("Add a ToDo to buy milk.")])]
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    assert chunks[0].tool_call_chunks[0]["name"] == "UpdateMemory"
    assert chunks[0].tool_call_chunks[0]["id"].startswith("call_")
    assert len([c for c in chunks if c.tool_call_chunks]) >= 3  # name/id, then args pieces
    total = sum(chunks[1:], chunks[0])
    assert total.tool_calls[0]["args"] == {"update_type": "todo"}


async def test_astream_text_tokens_and_plain_reply_after_tool():
    history = [
        HumanMessage("Add a ToDo to buy milk."),
        AIMessage(
            "",
            tool_calls=[{"name": "UpdateMemory", "args": {"update_type": "todo"}, "id": "call_1"}],
        ),
        ToolMessage("New ToDo created:\nContent: {'task': 'Buy milk'}", tool_call_id="call_1"),
    ]
    bound = _model().bind_tools([UpdateMemory])
    chunks = [c async for c in bound.astream(history)]
    assert len([c for c in chunks if c.content]) >= 5
    total = sum(chunks[1:], chunks[0])
    assert not total.tool_calls  # after a tool result: never another call, so no loop
    assert total.content == 'I\'ve added "Buy milk" to your ToDo list.'


def test_sync_invoke_and_determinism():
    bound = _model().bind_tools([UpdateMemory])
    first = bound.invoke([HumanMessage("My name is Ada")])
    again = bound.invoke([HumanMessage("My name is Ada")])
    assert first.tool_calls[0]["args"] == {"update_type": "user"}
    assert first.tool_calls[0]["id"] == again.tool_calls[0]["id"]
    assert _model().invoke([HumanMessage("hello")]).content.startswith("Hi!")


async def test_cancelled_tool_call_history_is_accepted():
    history = [
        HumanMessage("Give me a summary of my ToDos due tomrrow."),
        AIMessage(
            "",
            tool_calls=[{"name": "UpdateMemory", "args": {"update_type": "todo"}, "id": "call_1"}],
        ),
        ToolMessage("Cancelled: interrupted", tool_call_id="call_1"),
        HumanMessage("Never mind, create a ToDo to Order Ham for Thanksgiving by next Friday."),
    ]
    reply = await _model().bind_tools([UpdateMemory]).ainvoke(history)
    assert reply.tool_calls[0]["args"] == {"update_type": "todo"}


async def test_summary_uses_prompt_and_clock():
    system = SystemMessage(
        "<todo>\n{'task': 'Pay rent', 'deadline': '2024-11-14T23:59:59'}\n</todo>"
    )
    reply = await _model().ainvoke([system, HumanMessage("What's due tomorrow?")])
    assert reply.content == "Here's what's due tomorrow (Thursday, November 14):\n- \"Pay rent\""


async def test_configurable_clock_and_pace(monkeypatch):
    monkeypatch.delenv("DOUBLETEXT_PACE", raising=False)
    monkeypatch.delenv("DOUBLETEXT_MODEL", raising=False)
    model = model_from_config({"configurable": {"now": "2024-11-15T08:00:00"}})
    assert isinstance(model, OfflineChatModel) and model.pace == 1.0
    assert model.current_time() == datetime(2024, 11, 15, 8)
    monkeypatch.setenv("DOUBLETEXT_PACE", "0.25")
    assert model_from_config({}).pace == 0.25
    assert model_from_config({"configurable": {"doubletext_pace": 0}}).pace == 0


def test_a_tools_schema_is_converted_once_and_a_dict_tool_still_binds():
    from langchain_core.utils.function_calling import convert_to_openai_tool

    first = _model().bind_tools([UpdateMemory]).kwargs["tools"][0]
    again = _model().bind_tools([UpdateMemory]).kwargs["tools"][0]
    assert first is again  # the schema of the same model class, converted on the first bind
    assert first == convert_to_openai_tool(UpdateMemory)
    as_dict = {"type": "function", "function": {"name": "UpdateMemory", "parameters": {}}}
    bound = _model().bind_tools([as_dict])  # unhashable: converted each time, still bound
    assert bound.kwargs["tools"][0]["function"]["name"] == "UpdateMemory"
    assert bound.invoke([HumanMessage("Add a ToDo to buy milk.")]).tool_calls[0]["name"] == (
        "UpdateMemory"
    )
