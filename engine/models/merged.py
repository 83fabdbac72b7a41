"""Messages that hold more than one request, for the offline model and the todo graph.

Two shapes reach the model:

* a **merged message** (the tutorial's §10.3, sent by the app's merge policy):
  `Context: <earlier text, one per line>\n\nCurrent request: <new text>` — the earlier request
  was rolled back unanswered, so every line is a request still to be handled, oldest first;
* a **steered message**: a human message a run took in from the queue mid-turn (the graph marks
  it in `additional_kwargs`, see engine/graphs/steer.py); the reply after the next tool result
  then also covers the tool results from before it, so one reply answers both messages.

Pure: text and LangChain messages in, lists out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

STEER_MARK = "steer"
"""`additional_kwargs` key of a steered human message: `{"run_id": …, "taken_by": …}`."""

_MERGED_RE = re.compile(r"^Context: (?P<context>.*?)\n\nCurrent request: (?P<current>.*)$", re.S)


def requests(text: str) -> list[str]:
    """The requests one human text holds, oldest first: itself, or a merged message's lines."""
    match = _MERGED_RE.match(text.strip())
    if match is None:
        return [text]
    earlier = [line.strip() for line in match["context"].split("\n") if line.strip()]
    return [*earlier, match["current"].strip()]


def is_steered(message: BaseMessage) -> bool:
    return isinstance(message, HumanMessage) and bool(message.additional_kwargs.get(STEER_MARK))


def unanswered_tool_results(messages: Sequence[BaseMessage]) -> list[str]:
    """Tool results the user has not been told about yet, oldest first.

    Walks back from the end over tool results, the tool calls that asked for them and steered
    human messages (taken in mid-turn), and stops at anything else: an ordinary human message
    starts a new turn, a text reply has already answered what came before it.
    """
    found: list[str] = []
    for message in reversed(messages):
        if isinstance(message, ToolMessage):
            found.insert(0, message.text)
        elif (isinstance(message, AIMessage) and message.tool_calls and not message.text) or (
            is_steered(message)
        ):
            continue
        else:
            break
    return found
