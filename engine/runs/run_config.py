"""The config a run is stored and executed with, shaped as the LangGraph Agent Server does.

Pure functions (no I/O; copies go through `to_jsonable`, so input nested too deeply to store is
a 422 here): `run_config` builds what is stored with the run when it is accepted,
`execution_config` adds what is only known when an attempt starts. LangGraph copies the
primitive `configurable` and `metadata` values into every checkpoint's metadata and into
`messages` stream metadata, so these keys are what clients see there: `run_attempt`,
`thread_id`, `user_id`, `created_by`, `langgraph_*`, ...
"""

from __future__ import annotations

import os
from importlib import metadata as dist_metadata
from typing import Any

from engine.serde import to_jsonable

# Keys the server owns in `configurable`: a request cannot override them.
RUN_KEYS = ("run_id", "thread_id", "graph_id", "assistant_id", "user_id")


def _version(dist: str) -> str | None:
    try:
        return dist_metadata.version(dist)
    except dist_metadata.PackageNotFoundError:
        return None


LANGGRAPH_VERSION = _version("langgraph")
ENGINE_VERSION = _version("doubletext")


def merged_metadata(
    assistant: dict[str, Any],
    thread_metadata: dict[str, Any],
    config_metadata: dict[str, Any],
    request_metadata: dict[str, Any],
) -> dict[str, Any]:
    """Run metadata: assistant's, thread's, `config.metadata`, the request's (later wins);
    `assistant_id` is always the real one."""
    merged = {
        **assistant.get("metadata", {}),
        **thread_metadata,
        **config_metadata,
        **request_metadata,
    }
    merged["assistant_id"] = assistant["assistant_id"]
    return merged


def run_context(
    assistant: dict[str, Any], request_config: dict[str, Any], request_context: Any
) -> dict[str, Any]:
    """The run's `context`: the assistant's, then the request's (or its `configurable`, which
    the reference mirrors into `context` when no context is given)."""
    given = request_context if request_context else request_config.get("configurable") or {}
    return {**(assistant.get("context") or {}), **to_jsonable(given)}


def run_config(
    *,
    assistant: dict[str, Any],
    request_config: dict[str, Any],
    request_context: dict[str, Any] | None,
    metadata: dict[str, Any],
    thread_id: str,
    run_id: str,
    checkpoint_id: str | None,
    request_id: str,
    after_seconds: float | None,
    started_ms: int,
) -> dict[str, Any]:
    """The config stored with an accepted run: the assistant's config, then the request's, then
    a `configurable` merged the same way plus the run's own keys, and the merged metadata."""
    assistant_config = assistant.get("config") or {}
    base_configurable = assistant_config.get("configurable") or {}
    given = (
        to_jsonable(request_context)
        if request_context
        else to_jsonable(request_config.get("configurable") or {})
    )
    configurable: dict[str, Any] = {
        **base_configurable,
        **given,
        "langgraph_auth_user": None,
        "langgraph_auth_user_id": "",
        "langgraph_auth_permissions": [],
        "langgraph_request_id": request_id,
        "__request_start_time_ms__": started_ms,
        "__after_seconds__": after_seconds or 0,
    }
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    configurable.update(
        run_id=run_id,
        thread_id=thread_id,
        graph_id=assistant["graph_id"],
        assistant_id=assistant["assistant_id"],
        # "" is the reference's user id for an unauthenticated request
        user_id=given.get("user_id") or base_configurable.get("user_id") or "",
    )
    return {
        **to_jsonable(assistant_config),
        **to_jsonable(request_config),
        "configurable": configurable,
        "metadata": metadata,
    }


def execution_config(
    stored: dict[str, Any], run_id: str, attempt: int, default_recursion_limit: int = 25
) -> dict[str, Any]:
    """The config one attempt runs with: the stored config plus `run_attempt` and the server's
    `langgraph_*` keys in metadata; the first attempt's root run id is the run id (so the
    `events` stream's root events carry it)."""
    config = {**stored, "metadata": {**(stored.get("metadata") or {})}}
    config.setdefault("recursion_limit", default_recursion_limit)
    config["metadata"].update(
        run_attempt=attempt,
        langgraph_version=LANGGRAPH_VERSION,
        langgraph_api_version=ENGINE_VERSION,
        langgraph_plan="developer",
        langgraph_host="self-hosted",
        langgraph_api_url=os.environ.get("LANGGRAPH_API_URL"),
    )
    if attempt == 1:
        config["run_id"] = run_id
    return config


def graph_context(graph: Any, context: Any) -> Any:
    """The run's context as the graph takes it: only the keys its context schema declares
    (an assistant's context may carry keys meant for `configurable`)."""
    if not context or getattr(graph, "context_schema", None) is None:
        return context
    try:
        declared = graph.get_context_jsonschema().get("properties") or {}
    except Exception:
        return context
    if not declared:
        return context
    return {key: value for key, value in context.items() if key in declared}
