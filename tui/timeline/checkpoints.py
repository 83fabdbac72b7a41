"""The thread at one checkpoint, and what changed from the one before: data for CheckpointView.

`load_checkpoint` fetches the state at a checkpoint and at its parent through `langgraph_sdk`
(`threads.get_state(thread_id, checkpoint_id=...)`); the rest is pure: a state as a few lines
(messages, next node), the todos the thread had written by then (from the story's store writes;
unknown without the story), and the difference between two checkpoints.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langgraph_sdk.errors import NotFoundError

from tui.timeline.model import Timeline

TEXT_LIMIT = 90


@dataclass(frozen=True)
class MessageLine:
    """One message as a line: `human`, `ai`, `tool`… and its text (tool calls named)."""

    id: str
    kind: str
    text: str


@dataclass(frozen=True)
class CheckpointState:
    checkpoint_id: str
    parent_id: str | None
    step: int | None
    source: str | None
    run_id: str | None
    created_at: str | None
    next: tuple[str, ...]
    messages: tuple[MessageLine, ...]

    @classmethod
    def from_thread_state(cls, state: Mapping[str, Any]) -> CheckpointState:
        checkpoint = state.get("checkpoint") or {}
        parent = state.get("parent_checkpoint") or {}
        metadata = state.get("metadata") or {}
        values = state.get("values") or {}
        raw = (values.get("messages") or []) if isinstance(values, Mapping) else []
        step = metadata.get("step")
        return cls(
            checkpoint_id=str(checkpoint.get("checkpoint_id") or ""),
            parent_id=parent.get("checkpoint_id") if isinstance(parent, Mapping) else None,
            step=step if isinstance(step, int) else None,
            source=metadata.get("source"),
            run_id=metadata.get("run_id"),
            created_at=state.get("created_at"),
            next=tuple(state.get("next") or ()),
            messages=tuple(message_line(m, i) for i, m in enumerate(raw)),
        )


def message_line(message: Any, index: int = 0) -> MessageLine:
    """A state message (dict) as one short line."""
    if not isinstance(message, Mapping):
        return MessageLine(f"#{index}", "?", shorten(str(message)))
    kind = str(message.get("type") or message.get("role") or "?")
    text = content_text(message.get("content"))
    calls = message.get("tool_calls") or []
    if calls:
        named = ", ".join(_call(c) for c in calls if isinstance(c, Mapping))
        text = f"{text} → {named}".strip(" →") if text else f"→ {named}"
    return MessageLine(str(message.get("id") or f"#{index}"), kind, shorten(text))


def _call(call: Mapping[str, Any]) -> str:
    args = call.get("args")
    shown = json.dumps(args, ensure_ascii=False, separators=(",", ":")) if args else ""
    return f"{call.get('name') or 'tool'}({shorten(shown, 40)})"


def content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            b if isinstance(b, str) else str(b.get("text", ""))
            for b in content
            if isinstance(b, str) or (isinstance(b, Mapping) and b.get("type") == "text")
        )
    return ""


def shorten(text: str, limit: int = TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def todos_at(timeline: Timeline, checkpoint_id: str | None) -> dict[str, str] | None:
    """The todos this thread's runs had written when the checkpoint was made (key → task).

    None when the source does not report store writes; `{}` for the first checkpoint."""
    if not timeline.knowledge.store_writes:
        return None
    dot = next(
        (
            d
            for lane in timeline.lanes.values()
            for d in lane.dots
            if d.checkpoint_id == checkpoint_id
        ),
        None,
    )
    todos: dict[str, str] = {}
    for write in timeline.writes:
        if dot is not None and write.seq > dot.seq:
            break
        if write.kind != "todo" or write.kept is False:
            continue
        if write.op == "delete":
            todos.pop(write.key, None)
        else:
            todos[write.key] = write.name
    return todos


@dataclass(frozen=True)
class CheckpointDiff:
    added: tuple[MessageLine, ...] = ()
    removed: tuple[MessageLine, ...] = ()
    next_before: tuple[str, ...] | None = None
    todos_added: tuple[str, ...] = ()
    todos_changed: tuple[tuple[str, str], ...] = ()  # (before, after)
    todos_removed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.todos_added
            or self.todos_changed
            or self.todos_removed
        )


def diff(
    previous: CheckpointState | None,
    current: CheckpointState,
    todos_before: Mapping[str, str] | None = None,
    todos_now: Mapping[str, str] | None = None,
) -> CheckpointDiff:
    """What the step from `previous` to `current` changed (messages by id, todos by key)."""
    before = {m.id: m for m in previous.messages} if previous else {}
    now = {m.id: m for m in current.messages}
    added = tuple(m for m in current.messages if m.id not in before or before[m.id] != m)
    removed = tuple(m for m in (previous.messages if previous else ()) if m.id not in now)
    old, new = dict(todos_before or {}), dict(todos_now or {})
    return CheckpointDiff(
        added=added,
        removed=removed,
        next_before=previous.next if previous else None,
        todos_added=tuple(new[k] for k in new if k not in old),
        todos_changed=tuple((old[k], new[k]) for k in new if k in old and old[k] != new[k]),
        todos_removed=tuple(old[k] for k in old if k not in new),
    )


@dataclass(frozen=True)
class CheckpointDetail:
    """Everything CheckpointView shows for one selected checkpoint."""

    state: CheckpointState
    previous: CheckpointState | None
    node: str | None = None
    todos: dict[str, str] | None = None
    change: CheckpointDiff = field(default_factory=CheckpointDiff)


async def load_checkpoint(
    client: Any, thread_id: str, checkpoint_id: str, timeline: Timeline | None = None
) -> CheckpointDetail:
    """Fetch the state at `checkpoint_id` and at its parent, and compare them."""
    state = CheckpointState.from_thread_state(
        await client.threads.get_state(thread_id, checkpoint_id=checkpoint_id)
    )
    previous = None
    if state.parent_id:
        try:
            raw = await client.threads.get_state(thread_id, checkpoint_id=state.parent_id)
            previous = CheckpointState.from_thread_state(raw)
        except NotFoundError:  # deleted with a rolled-back run
            previous = None
    return detail_of(state, previous, timeline)


def detail_of(
    state: CheckpointState, previous: CheckpointState | None, timeline: Timeline | None = None
) -> CheckpointDetail:
    todos = todos_at(timeline, state.checkpoint_id) if timeline else None
    before = todos_at(timeline, previous.checkpoint_id) if timeline and previous else {}
    node = (
        ", ".join(previous.next) if previous and previous.next and state.source != "input" else None
    )
    return CheckpointDetail(state, previous, node, todos, diff(previous, state, before, todos))


def describe(detail: CheckpointDetail) -> Sequence[str]:
    """Plain-text lines of a detail (Markdown export, logs, tests)."""
    state = detail.state
    lines = [
        f"checkpoint {state.checkpoint_id[:8]} · step {state.step} · {state.source}"
        + (f" · written by {detail.node}" if detail.node else ""),
        f"next: {', '.join(state.next) if state.next else '(end)'}",
    ]
    lines += [f"{m.kind}: {m.text}" for m in state.messages]
    return lines
