"""Pure run logic: strategy decisions, status rules, tool-call repair, stream translation."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage

from engine.errors import BadRequest, InvalidInput
from engine.runs.repair import CANCELLED_TOOL_TEXT, dangling_tool_calls
from engine.runs.request import RunRequest
from engine.runs.status import can_transition, sources, thread_status
from engine.runs.strategy import Decision, decide
from engine.runs.streaming import EventTranslator, graph_modes


@pytest.mark.parametrize("strategy", ["reject", "enqueue", "interrupt", "rollback"])
def test_idle_thread_accepts_everything(strategy: str) -> None:
    assert decide(strategy, []) == Decision(accept=True)


def test_busy_thread_decisions() -> None:
    inflight = ["r1", "r2"]
    assert decide("reject", inflight) == Decision(accept=False)
    assert decide("enqueue", inflight) == Decision(accept=True)
    assert decide("interrupt", inflight) == Decision(True, ("r1", "r2"), "interrupt")
    assert decide("rollback", inflight) == Decision(True, ("r1", "r2"), "rollback")


def test_run_request_defaults_and_strategy() -> None:
    request = RunRequest.parse({"assistant_id": "a"})
    assert request.multitask_strategy == "enqueue"
    assert request.stream_mode == ["values"]
    assert RunRequest.parse({"assistant_id": "a", "multitask_strategy": "rollback"})
    for bad in ("bogus", "", 3, ["reject"]):
        with pytest.raises(InvalidInput, match="'multitask_strategy'"):
            RunRequest.parse({"assistant_id": "a", "multitask_strategy": bad})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'assistant_id' is required"),
        ({"input": "hi"}, "'input' must be an object or an array"),
        ({"stream_mode": ["values", "telepathy"]}, '"telepathy" is not one of'),
        ({"stream_mode": 42}, "'stream_mode' must be a string or an array"),
        ({"config": []}, "'config' must be an object, got array"),
        ({"config": {"recursion_limit": 0}}, "'config.recursion_limit' must be a positive"),
        ({"after_seconds": -1}, "'after_seconds' must be >= 0 and <= 604800"),
        ({"durability": "forever"}, "'durability'"),
        ({"on_disconnect": "x"}, "'on_disconnect'"),
    ],
)
def test_run_request_one_message_per_field(body: dict, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        RunRequest.parse({"assistant_id": "a", **body} if body else body)
    assert message in caught.value.message


def test_run_request_config_and_context_is_400() -> None:
    with pytest.raises(BadRequest, match=r"both config\.configurable and context"):
        RunRequest.parse(
            {"assistant_id": "a", "config": {"configurable": {"x": 1}}, "context": {"y": 2}}
        )


def test_thread_status_precedence() -> None:
    assert thread_status(1, "error", True) == "busy"
    assert thread_status(0, "error", True) == "error"
    assert thread_status(0, "timeout", False) == "error"
    assert thread_status(0, "interrupted", True) == "interrupted"
    assert thread_status(0, "success", False) == "idle"
    assert thread_status(0, None, False) == "idle"


def test_run_transitions() -> None:
    assert can_transition("pending", "running")
    assert can_transition("pending", "interrupted")
    assert can_transition("running", "success")
    assert not can_transition("success", "running")
    assert not can_transition("pending", "success")
    assert not can_transition("interrupted", "success")
    # The guards the lifecycle writes with come from the same table.
    assert sources("success") == ("running",)
    assert sources("interrupted") == ("pending", "running")
    assert sources("pending") == ("running",)


def test_dangling_tool_calls_answered_once() -> None:
    call = {"name": "UpdateMemory", "args": {}, "id": "c1"}
    history = [HumanMessage("hi"), AIMessage("", tool_calls=[call])]
    (answer,) = dangling_tool_calls(history)
    assert answer.tool_call_id == "c1" and answer.content == CANCELLED_TOOL_TEXT
    assert dangling_tool_calls([*history, answer]) == []
    assert dangling_tool_calls([HumanMessage("hi"), AIMessage("done")]) == []
    assert dangling_tool_calls([]) == []
    two = AIMessage("", tool_calls=[call, {**call, "id": "c2"}])
    answered = ToolMessage("ok", tool_call_id="c1")
    assert [m.tool_call_id for m in dangling_tool_calls([two, answered])] == ["c2"]


def test_stream_modes() -> None:
    assert RunRequest.parse({"assistant_id": "a", "stream_mode": "updates"}).stream_mode == [
        "updates"
    ]
    assert graph_modes(["messages-tuple", "messages", "values", "events"]) == [
        "messages",
        "values",
    ]


def test_messages_mode_accumulates_chunks() -> None:
    translator = EventTranslator(["messages", "messages-tuple"])
    meta = {"langgraph_node": "agent"}
    first = translator.translate("messages", (AIMessageChunk("Hel", id="m1"), meta))
    second = translator.translate("messages", (AIMessageChunk("lo", id="m1"), meta))
    assert [name for name, _ in first] == ["messages", "messages/metadata", "messages/partial"]
    assert [name for name, _ in second] == ["messages", "messages/partial"]
    assert second[0][1][0].content == "lo"  # messages-tuple: the chunk itself
    assert second[1][1][0].content == "Hello"  # messages: everything so far
    done = translator.translate("messages", (AIMessage("Hi", id="m2"), meta))
    assert [name for name, _ in done][-1] == "messages/complete"
    assert translator.translate("values", {"a": 1}, ("sub:1",)) == [("values|sub:1", {"a": 1})]
