"""Lay a thread out as turns: the log's entries, in order, with the messages the thread kept.

The thread's state holds only what survived (no rolled-back run, no rejected message); the log
knows every attempt but not the replies. Walking both in order gives the transcript a reader
expects: each human message in state is matched to its entry (by message id, else text), and
entries with no message in state (rolled back, rejected, still queued) appear where they
happened. A human message no entry explains (sent before any record this server keeps) becomes
a plain turn with no fate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.message_chunks import text_of
from tui.runstate import Entry, Fate

NOT_IN_STATE = frozenset(
    {Fate.ROLLED_BACK, Fate.REJECTED, Fate.WITHDRAWN, Fate.WAITING, Fate.SENDING}
)


@dataclass
class TurnSpec:
    key: str | None  # the entry's key; None when no entry explains the message
    text: str
    messages: list[Mapping[str, Any]] = field(default_factory=list)


def _match(entries: Sequence[Entry], start: int, human_id: str, text: str) -> int | None:
    candidates = range(start, len(entries))
    for j in candidates:
        if entries[j].human_id and entries[j].human_id == human_id:
            return j
    for j in candidates:
        if entries[j].fate not in NOT_IN_STATE and entries[j].text == text:
            return j
    return None


def compose(entries: Sequence[Entry], messages: Sequence[Mapping[str, Any]]) -> list[TurnSpec]:
    turns: list[TurnSpec] = []
    done = 0
    current: TurnSpec | None = None
    for message in messages:
        if message.get("type") != "human":
            if current is not None:
                current.messages.append(message)
            continue
        text = text_of(message.get("content"))
        j = _match(entries, done, str(message.get("id") or ""), text)
        if j is None:
            current = TurnSpec(None, text)
        else:
            turns += [TurnSpec(e.key, e.text) for e in entries[done:j]]
            current = TurnSpec(entries[j].key, entries[j].text)
            done = j + 1
        turns.append(current)
    turns += [TurnSpec(e.key, e.text) for e in entries[done:]]
    return turns


def kept_after(
    messages: Sequence[Mapping[str, Any]], human_id: str | None, text: str
) -> list[Mapping[str, Any]]:
    """The messages the thread kept after one human message (found by id, else last by text)."""
    humans = [i for i, m in enumerate(messages) if m.get("type") == "human"]
    found = [i for i in humans if human_id and str(messages[i].get("id")) == human_id]
    if not found and not human_id:
        found = [i for i in humans if text_of(messages[i].get("content")) == text][-1:]
    if not found:
        return []
    kept = []
    for message in messages[found[0] + 1 :]:
        if message.get("type") == "human":
            break
        kept.append(message)
    return kept
