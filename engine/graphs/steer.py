"""Steer: a run takes in the messages queued for its thread while it works, so one reply
answers them all (the behaviour agent chat apps converged on; LangGraph's API cannot inject input
into a live run, so it is built from what exists).

How, with the public API only (so it works on our engine and inside `langgraph dev` alike):

1. A client sends its message as an ordinary enqueued run whose metadata says `steer: true`.
2. At the end of each tool step (that is, before the next model call) the graph lists its
   thread's pending runs and takes the steer runs at the head of the queue: their human
   messages join the step's output, marked `additional_kwargs["steer"] = {"run_id": <queued
   run>, "taken_by": <this run>}`. They land in the same checkpoint as the tool result.
3. Before the model call, the graph cancels (action `interrupt`) every run whose message it took
   and that is still pending: the queued run ends `interrupted` and never runs; its message is
   in this run's state, marked with who took it. Cancelling only after the checkpoint holds the
   message means a crash or an interrupt in between can repeat a message (the same id replaces
   itself) but never lose one.

Only the head of the queue is taken, so no message overtakes an ordinary queued one. A run that
has no model call left leaves the steer runs alone: they simply run next, like enqueue. Where no
client for the server exists (a graph invoked directly), nothing is taken.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError

from engine.models.merged import STEER_MARK
from engine.runs.loopback import current_client

log = logging.getLogger("doubletext.steer")

NODE_METADATA = {"takes_steer": True}
"""Node metadata by which the graph tells clients (GET /assistants/{id}/graph) it steers."""
STEER_KEY = "steer"
"""Run metadata asking the run already working to take this message in."""


def _reference_client() -> LangGraphClient | None:
    """Inside the LangGraph server (`langgraph dev`), its documented in-process client."""
    if "langgraph_api" not in sys.modules:
        return None
    from langgraph_sdk import get_client

    return get_client()


_IN_REFERENCE = _reference_client()


def server_client() -> LangGraphClient | None:
    return current_client.get() or _IN_REFERENCE


def _ids(config: RunnableConfig) -> tuple[str, str, str] | None:
    configurable = config.get("configurable") or {}
    found = [configurable.get(k) for k in ("thread_id", "run_id", "assistant_id")]
    if not all(isinstance(v, str) and v for v in found):
        return None
    return found[0], found[1], found[2]  # type: ignore[return-value]


def _human_texts(run: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The queued run's human messages, or None when its input is anything else."""
    kwargs = run.get("kwargs") or {}
    if kwargs.get("command"):
        return None
    payload = kwargs.get("input")
    messages = payload.get("messages") if isinstance(payload, Mapping) else None
    if not isinstance(messages, list) or not messages:
        return None
    found = []
    for message in messages:
        kind = message.get("type") or message.get("role") if isinstance(message, Mapping) else None
        if kind not in ("human", "user") or not isinstance(message.get("content"), str):
            return None
        found.append(message)
    return found


async def _pending(client: LangGraphClient, thread_id: str) -> list[dict[str, Any]]:
    runs = [dict(r) for r in await client.runs.list(thread_id, status="pending", limit=100)]
    return sorted(runs, key=lambda r: str(r.get("created_at") or ""))


async def take_steered(config: RunnableConfig) -> list[HumanMessage]:
    """The human messages of the steer runs at the head of this thread's queue, marked as taken
    by this run. Never raises: a server that cannot tell means nothing is taken."""
    client, ids = server_client(), _ids(config)
    if client is None or ids is None:
        return []
    thread_id, run_id, assistant_id = ids
    try:
        queue = await _pending(client, thread_id)
    except (httpx.HTTPError, OSError, RuntimeError) as exc:
        log.warning("steer: cannot list the queue of thread %s: %r", thread_id, exc)
        return []
    taken: list[HumanMessage] = []
    for run in queue:
        texts = _human_texts(run)
        metadata = run.get("metadata") or {}
        if not metadata.get(STEER_KEY) or run.get("assistant_id") != assistant_id or not texts:
            break  # only the head of the queue: nothing overtakes an ordinary queued run
        mark = {STEER_MARK: {"run_id": run["run_id"], "taken_by": run_id}}
        for i, message in enumerate(texts):
            message_id = message.get("id") or f"steer-{run['run_id']}-{i}"
            taken.append(HumanMessage(message["content"], id=message_id, additional_kwargs=mark))
    return taken


def taken_by(messages: Sequence[BaseMessage], run_id: str) -> list[str]:
    """Ids of the queued runs whose messages `run_id` took in, in order."""
    found: dict[str, None] = {}
    for message in messages:
        mark = (
            message.additional_kwargs.get(STEER_MARK) if isinstance(message, HumanMessage) else None
        )
        if isinstance(mark, Mapping) and mark.get("taken_by") == run_id:
            found[str(mark.get("run_id"))] = None
    return list(found)


async def release_taken(config: RunnableConfig, messages: Sequence[BaseMessage]) -> list[str]:
    """Cancel the queued runs whose messages this run's state now holds; returns those cancelled.

    Called before each model call; a run already ended (or cancelled by someone else) is fine."""
    client, ids = server_client(), _ids(config)
    if client is None or ids is None:
        return []
    thread_id, run_id, _ = ids
    wanted = taken_by(messages, run_id)
    if not wanted:
        return []
    try:
        still = {r["run_id"] for r in await _pending(client, thread_id)}
    except (httpx.HTTPError, OSError, RuntimeError) as exc:
        log.warning("steer: cannot list the queue of thread %s: %r", thread_id, exc)
        return []
    cancelled = []
    for queued in (r for r in wanted if r in still):
        try:
            await client.runs.cancel(thread_id, queued, action="interrupt")
            cancelled.append(queued)
        except (NotFoundError, ConflictError):
            continue  # it ended or was cancelled meanwhile
        except (httpx.HTTPError, OSError, RuntimeError) as exc:
            log.warning("steer: cannot cancel taken run %s: %r", queued, exc)
    return cancelled
