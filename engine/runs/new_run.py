"""A new run as the API returns it on creation: its id, config, metadata and kwargs, merged from
the assistant, the thread and the request as the reference server does. Pure: no I/O."""

from __future__ import annotations

import uuid
from typing import Any

from langchain_core.utils.uuid import uuid7

from engine.graphs.registry import GraphEntry
from engine.runs.request import RunRequest
from engine.runs.run_config import merged_metadata, run_config, run_context
from engine.storage.thread_rows import now_iso


def thread_graph(assistant: dict[str, Any], entry: GraphEntry) -> dict[str, Any]:
    """Like LangGraph, a run names its graph and assistant in its thread's metadata."""
    return {"graph_id": entry.graph_id, "assistant_id": assistant["assistant_id"]}


def new_run(
    thread_id: str,
    thread_metadata: dict[str, Any],
    request: RunRequest,
    assistant: dict[str, Any],
    entry: GraphEntry,
    temporary: bool,
    started_ms: int,
) -> dict[str, Any]:
    """The run object as the API returns it on creation (status `pending`), its config and
    metadata merged from the assistant, the thread and the request as the reference does.
    `temporary`: a stateless run whose thread goes with it (not `on_completion=keep`)."""
    run_id = str(uuid7())
    config = request.config
    metadata = merged_metadata(
        assistant,
        {**thread_metadata, **thread_graph(assistant, entry)},
        config.get("metadata") or {},
        request.metadata,
    )
    stored_config = run_config(
        assistant=assistant,
        request_config=config,
        request_context=request.context,
        metadata=metadata,
        thread_id=thread_id,
        run_id=run_id,
        checkpoint_id=request.checkpoint_id,
        request_id=str(uuid.uuid4()),
        after_seconds=request.after_seconds,
        started_ms=started_ms,
    )
    now = now_iso()
    return {
        "run_id": run_id,
        "thread_id": thread_id,
        "assistant_id": assistant["assistant_id"],
        "created_at": now,
        "updated_at": now,
        "status": "pending",
        "metadata": metadata,
        "kwargs": {
            "input": request.input,
            "command": request.command,
            "config": stored_config,
            "context": run_context(assistant, config, request.context),
            "stream_mode": request.stream_mode,
            "interrupt_before": request.interrupt_before,
            "interrupt_after": request.interrupt_after,
            "webhook": request.webhook,
            "feedback_keys": request.feedback_keys,
            "temporary": temporary,
            "subgraphs": request.stream_subgraphs,
            "resumable": request.stream_resumable,
            "checkpoint_during": request.checkpoint_during is not False,
            "durability": request.durability,
        },
        "multitask_strategy": request.multitask_strategy,
        "langsmith_session_name": None,
        "attempt": 0,
        "cancel_reason": None,
    }
