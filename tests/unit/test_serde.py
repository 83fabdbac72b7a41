"""engine.serde: what a graph's state becomes as JSON (events, thread rows, join results)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import BaseModel

from engine.serde import dumps, loads, to_jsonable


class Deadline(BaseModel):
    task: str
    due: dt.datetime
    tags: set[str]


class Custom(BaseModel):
    secret: str

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        return {"secret": "***"}


def test_messages_encode_as_pydantic_dumps_them() -> None:
    messages = [
        HumanMessage("Kaufe Milch — 牛奶 🥛", id="h1"),
        AIMessage(
            "",
            id="a1",
            tool_calls=[{"name": "UpdateMemory", "args": {"kind": "todo"}, "id": "c1"}],
            response_metadata={"latency": 0.25},
        ),
        ToolMessage("saved", tool_call_id="c1", id="t1"),
    ]
    state = {"messages": messages, 3: "non-string key"}
    decoded = loads(dumps(state))
    assert decoded["messages"] == [m.model_dump(mode="json") for m in messages]
    assert decoded["3"] == "non-string key"
    assert decoded["messages"][0]["content"] == "Kaufe Milch — 牛奶 🥛"


def test_nested_models_dates_and_sets_become_json_types() -> None:
    due = dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.UTC)
    value = {"todo": Deadline(task="call Bob", due=due, tags={"work"})}
    assert to_jsonable(value) == {
        "todo": {"task": "call Bob", "due": "2026-12-01T17:30:00Z", "tags": ["work"]}
    }


def test_a_model_that_dumps_itself_its_own_way_is_respected() -> None:
    assert loads(dumps([Custom(secret="pw")])) == [{"secret": "***"}]
