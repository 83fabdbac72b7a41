"""Read a Situation through the public API: what any LangGraph server can tell a client.

The chat session knows more (start times and store writes from the thread's story) and can build
its Situation itself; this is the fallback and what tests against `langgraph dev` use.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import httpx
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import NotFoundError

from tui.policies.situation import Situation, Thresholds, situation_from_runs

STEER_NODE_FLAG = "takes_steer"
"""Node metadata by which a graph says it takes steer messages in (see engine/graphs/steer.py)."""


async def read_situation(
    client: LangGraphClient,
    thread_id: str,
    text: str,
    *,
    steer: bool = False,
    thresholds: Thresholds | None = None,
    labels: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Situation:
    """Active runs from `runs.list` (newest first, so one page of 100 holds every active run
    of any sane queue)."""
    runs = await client.runs.list(thread_id, limit=100)
    return situation_from_runs(
        [dict(r) for r in runs],
        text,
        now or datetime.now(UTC),
        steer=steer,
        thresholds=thresholds,
        labels=labels,
    )


async def takes_steer(client: LangGraphClient, assistant_id: str) -> bool:
    """Whether the assistant's graph declares, in its node metadata, that it takes steer
    messages in. Any failure to tell counts as no: the policy then says so and enqueues."""
    try:
        drawing = await client.assistants.get_graph(assistant_id)
    except (NotFoundError, httpx.HTTPError):
        return False
    nodes = drawing.get("nodes") if isinstance(drawing, Mapping) else None
    return any(
        isinstance(node, Mapping) and (node.get("metadata") or {}).get(STEER_NODE_FLAG)
        for node in nodes or []
    )
