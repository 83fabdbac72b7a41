"""A rule-based chat model that streams like a hosted one: no network, no key.

Why a real `BaseChatModel`: LangGraph's messages stream, `bind_tools`, callbacks and chunk
aggregation all work exactly as with a hosted model, so the engine and UI see realistic token and
tool-call chunks. Decisions come from `rules` and `replies` (pure); this file only does I/O
(pacing, chunking). Deterministic for a given conversation and clock: tool-call ids hash the
conversation, and the clock is `now` (constructor), else configurable `now` (ISO string) of the
current run's config, else the wall clock.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.runnables.config import ensure_config
from langchain_core.utils.function_calling import convert_to_openai_tool

from engine.models import merged, replies
from engine.models.matching import resolve
from engine.models.planner import plan_todo_changes, proposal_task
from engine.models.rules import Route, context_from, route

THINK_S = 1.0  # pause before the first chunk at pace 1.0 (a hosted model's time to first token)
TOKEN_S = 0.07  # pause between chunks at pace 1.0 (~14 chunks/s, roughly one word each)


def parse_now(value: str | datetime) -> datetime:
    """Configurable `now`: an ISO string (or datetime); naive local time, like the tutorial's."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return when.replace(tzinfo=None)


def _intent(routes: list[Route]) -> Route:
    """One route for a message holding several requests: the newest that updates memory, else
    the newest (a merged message's earlier lines are requests still open)."""
    for found in reversed(routes):
        if found in ("todo", "user", "instructions"):
            return found
    return routes[-1] if routes else "chat"


def _said(messages: list[BaseMessage], text: str, human: str, now: datetime) -> AIMessage:
    """A text reply; after a steered message it first says what the turn already did (the
    tool results from before the message), so one reply answers both messages."""
    if messages and merged.is_steered(messages[-1]):
        unanswered = merged.unanswered_tool_results(messages[:-1])
        if unanswered:
            text = f"{replies.reply_after_tool(unanswered, human, now)} {text}"
    return AIMessage(content=text)


def _to_message(chunk: AIMessageChunk) -> AIMessage:
    return AIMessage(content=chunk.content, tool_calls=chunk.tool_calls)


@functools.lru_cache(maxsize=64)
def _cached_openai_tool(tool: Any) -> dict[str, Any]:
    return convert_to_openai_tool(tool)


def _openai_tool(tool: Any) -> dict[str, Any]:
    """A tool's OpenAI schema, converted once per tool: the todo graph binds the same pydantic
    model on every run, and its JSON schema costs ≈0.4 ms, on the path to the first token.
    Shared, so read-only (the model only reads its tools); unhashable tools convert each time."""
    try:
        return _cached_openai_tool(tool)
    except TypeError:  # unhashable (a dict, a pydantic instance)
        return convert_to_openai_tool(tool)


class OfflineChatModel(BaseChatModel):
    """Rule-based chat model for the todo assistant (see module docstring)."""

    pace: float = 1.0
    """Delay multiplier: 1.0 is hosted-like (≈2–4 s per tutorial run), 0 means no delays."""
    now: Callable[[], datetime] | None = None
    """Injected clock; None → configurable `now` of the running config → wall clock."""

    @property
    def _llm_type(self) -> str:
        return "doubletext-offline"

    def current_time(self) -> datetime:
        """The clock every date decision uses (see `now`)."""
        if self.now is not None:
            return self.now()
        configured = ensure_config().get("configurable", {}).get("now")
        return parse_now(configured) if configured else datetime.now()

    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: str | None = None, **kwargs: Any
    ) -> Runnable[LanguageModelInput, AIMessage]:
        formatted = [_openai_tool(tool) for tool in tools]
        return self.bind(tools=formatted, tool_choice=tool_choice, **kwargs)

    # -- deciding -------------------------------------------------------------------------------

    def decide(self, messages: list[BaseMessage], tools: list[dict] | None = None) -> AIMessage:
        """The whole reply at once: text, or an `UpdateMemory` tool call when that tool is bound."""
        now = self.current_time()
        system = "\n".join(m.text for m in messages if isinstance(m, SystemMessage))
        human = next((m.text for m in reversed(messages) if isinstance(m, HumanMessage)), "")
        if messages and isinstance(messages[-1], ToolMessage):
            # After a tool result always answer in plain text, so the graph never loops. The
            # results cover a steered message's turn too (one reply answers both).
            tail = merged.unanswered_tool_results(messages)
            return AIMessage(content=replies.reply_after_tool(tail, human, now))
        context = context_from([(m.type, m.text) for m in messages if m.type != "system"])
        parts = merged.requests(human) if human else []
        routes = [route(part, now, context) for part in parts]
        intent = _intent(routes)
        names = {t.get("function", {}).get("name") for t in tools or []}
        todos = replies.parse_prompt_todos(system)
        if intent in ("todo", "user", "instructions") and "UpdateMemory" in names:
            if intent == "todo":
                # Dry run on the prompt's list: nothing to change means ask back, no tool call.
                keyed = [(str(i), todo) for i, todo in enumerate(todos)]
                asks = [p for p, r in zip(parts, routes, strict=True) if r == "todo"]
                ops = [op for p in asks for op in plan_todo_changes(p, keyed, now, context)]
                if all(op.kind == "note" for op in ops):
                    asked = " ".join(op.plan for op in ops) or replies.UNCLEAR
                    return _said(messages, asked, human, now)
            return AIMessage(
                content="",
                tool_calls=[
                    {
                        "name": "UpdateMemory",
                        "args": {"update_type": intent},
                        "id": self._call_id(messages),
                        "type": "tool_call",
                    }
                ],
            )
        human = parts[-1] if parts else human  # a merged message's current request
        return _said(messages, self._text_reply(intent, human, todos, now), human, now)

    @staticmethod
    def _text_reply(intent: str, human: str, todos: list[dict], now: datetime) -> str:
        """The plain-text answer for a message that calls no tool."""
        if intent == "question":
            return replies.answer_question(human, todos, now)
        if intent == "maybe":
            task = proposal_task(human, now)
            known = [v for _, v in resolve(task, [(str(i), t) for i, t in enumerate(todos)])]
            return replies.proposal_reply(task, known)
        if intent == "no":
            return replies.declined_reply()
        if intent == "unclear":
            return replies.UNCLEAR
        return replies.chat_reply(human)

    @staticmethod
    def _call_id(messages: list[BaseMessage]) -> str:
        digest = hashlib.sha256(
            json.dumps([[m.type, m.text] for m in messages]).encode()
        ).hexdigest()
        return f"call_{digest[:24]}"

    def _chunks(self, message: AIMessage) -> Iterator[AIMessageChunk]:
        """Token chunks (≈ one word each), or tool-call chunks: name+id first, then args."""
        for piece in re.findall(r"\s*\S+", message.text):
            yield AIMessageChunk(content=piece)
        for call in message.tool_calls:
            yield AIMessageChunk(
                content="",
                tool_call_chunks=[
                    {
                        "name": call["name"],
                        "args": "",
                        "id": call["id"],
                        "index": 0,
                        "type": "tool_call_chunk",
                    }
                ],
            )
            args = json.dumps(call["args"])
            for piece in re.findall(r".{1,8}", args, re.S):
                yield AIMessageChunk(
                    content="",
                    tool_call_chunks=[
                        {
                            "name": None,
                            "args": piece,
                            "id": None,
                            "index": 0,
                            "type": "tool_call_chunk",
                        }
                    ],
                )

    # -- LangChain hooks ------------------------------------------------------------------------

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self.decide(messages, kwargs.get("tools"))
        for i, chunk in enumerate(self._chunks(message)):
            if self.pace > 0:
                time.sleep((THINK_S if i == 0 else TOKEN_S) * self.pace)
            yield ChatGenerationChunk(message=chunk)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        # Pure rules, well under a millisecond, no file access: fine on the event loop (also under
        # `langgraph dev`, whose blockbuster rejects blocking calls).
        message = self.decide(messages, kwargs.get("tools"))
        for i, chunk in enumerate(self._chunks(message)):
            if self.pace > 0:
                await asyncio.sleep((THINK_S if i == 0 else TOKEN_S) * self.pace)
            yield ChatGenerationChunk(message=chunk)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        for _ in self._stream(messages, stop, **kwargs):
            pass  # same pacing as streaming
        message = self.decide(messages, kwargs.get("tools"))
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        chunks = [chunk.message async for chunk in self._astream(messages, stop, **kwargs)]
        message = sum(chunks[1:], chunks[0]) if chunks else AIMessageChunk(content="")
        return ChatResult(generations=[ChatGeneration(message=_to_message(message))])
