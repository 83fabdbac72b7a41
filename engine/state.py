"""LangGraph StateSnapshots as the API's ThreadState objects."""

from __future__ import annotations

from typing import Any

from langgraph.types import StateSnapshot

from engine.serde import to_jsonable


def interrupts_json(interrupts: Any) -> list[dict[str, Any]]:
    """Interrupts as the API shows them: `{id, value}`, plus `response_schema` only when set
    (the reference omits a null one everywhere but in `values` stream events)."""
    out = []
    for found in interrupts:
        item = {"id": getattr(found, "id", None), "value": to_jsonable(found.value)}
        schema = getattr(found, "response_schema", None)
        if schema is not None:
            item["response_schema"] = to_jsonable(schema)
        out.append(item)
    return out


def _checkpoint_ref(config: Any) -> dict[str, Any] | None:
    if not config:
        return None
    configurable = config.get("configurable", {})
    return {
        "thread_id": configurable.get("thread_id"),
        "checkpoint_ns": configurable.get("checkpoint_ns", ""),
        "checkpoint_id": configurable.get("checkpoint_id"),
    }


def _task(task: Any) -> dict[str, Any]:
    state = task.state
    return {
        "id": task.id,
        "name": task.name,
        "path": to_jsonable(list(task.path)),
        "error": None if task.error is None else str(task.error),
        "interrupts": interrupts_json(task.interrupts),
        "checkpoint": _checkpoint_ref(state) if isinstance(state, dict) else None,
        "state": snapshot_to_dict(state) if isinstance(state, StateSnapshot) else None,
        "result": to_jsonable(task.result),
    }


def snapshot_to_dict(snapshot: StateSnapshot) -> dict[str, Any]:
    checkpoint = _checkpoint_ref(snapshot.config)
    parent = _checkpoint_ref(snapshot.parent_config)
    metadata = to_jsonable(snapshot.metadata)
    if isinstance(metadata, dict) and checkpoint and "thread_id" not in metadata:
        # LangGraph's SQLite saver leaves the thread id out of checkpoint metadata; the
        # reference's saver keeps it there, and clients read it.
        metadata["thread_id"] = checkpoint["thread_id"]
    return {
        "values": to_jsonable(snapshot.values),
        "next": list(snapshot.next),
        "tasks": [_task(t) for t in snapshot.tasks],
        "checkpoint": checkpoint,
        "parent_checkpoint": parent,
        "metadata": metadata,
        "created_at": snapshot.created_at,
        "interrupts": interrupts_json(snapshot.interrupts),
        "checkpoint_id": checkpoint["checkpoint_id"] if checkpoint else None,
        "parent_checkpoint_id": parent["checkpoint_id"] if parent else None,
    }


def empty_state() -> dict[str, Any]:
    """The state of a thread no run has touched yet."""
    return {
        "values": {},
        "next": [],
        "tasks": [],
        "checkpoint": None,
        "parent_checkpoint": None,
        "metadata": None,
        "created_at": None,
        "interrupts": [],
        "checkpoint_id": None,
        "parent_checkpoint_id": None,
    }
