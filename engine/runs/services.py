"""The pieces a run needs, bundled."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.pregel import Pregel
from langgraph.types import StateSnapshot

from engine.config import Settings
from engine.graphs.registry import GraphRegistry
from engine.runs.events import ChannelRegistry, RunChannel
from engine.serde import dumps
from engine.state import interrupts_json
from engine.storage.journal import JournalingStore
from engine.storage.records import Records
from engine.storage.saver import OneTripSaver
from engine.storage.thread_rows import Head

log = logging.getLogger("doubletext.engine")


@dataclass
class Services:
    settings: Settings
    records: Records
    saver: AsyncSqliteSaver
    store: JournalingStore
    graphs: GraphRegistry
    channels: ChannelRegistry
    loopback: Any = None
    """This server's API in-process for graph code (engine.runs.loopback); set by create_app."""

    def graph(self, graph_id: str | None) -> Pregel | None:
        entry = self.graphs.entries.get(graph_id or "")
        return entry.graph if entry else None

    async def head(
        self,
        graph: Pregel | None,
        thread_id: str,
        state: StateSnapshot | None = None,
        channel: RunChannel | None = None,
    ) -> Head | None:
        """Values, `next` and interrupts of the thread's head checkpoint (None if unreadable:
        the thread is then settled from what its row already says). `state`: the head state,
        when the caller has just read it; `channel`: the run that wrote it, whose last `values`
        event may already hold these values encoded."""
        if graph is None:
            return None
        if state is None:
            try:
                state = await graph.aget_state({"configurable": {"thread_id": thread_id}})
            except Exception:
                log.exception("reading head state of thread %s failed", thread_id)
                return None
        interrupts: dict[str, list[Any]] = {}
        for task in state.tasks:
            if task.interrupts:
                interrupts[task.id] = interrupts_json(task.interrupts)
        values_json = None
        if state.created_at:
            published = channel.published_values(state.values) if channel is not None else None
            values_json = published if published is not None else dumps(state.values)
        return Head(values_json, bool(state.next), interrupts)

    async def written_state(
        self, graph: Pregel | None, thread_id: str, run_id: str
    ) -> StateSnapshot | None:
        """The thread's head state as `aget_state` would read it, built from the checkpoint run
        `run_id` has just put, when the saver knows that is still the head with no writes on it
        (the same checkpoint tuple a read would give, so the same snapshot): no read back, no
        deserialisation. None otherwise; the caller then reads."""
        saver = self.saver
        kept = saver.take_written(thread_id, run_id) if isinstance(saver, OneTripSaver) else None
        if kept is None or graph is None:
            return None
        try:
            return await graph._aprepare_state_snapshot(kept.config, kept, saver=saver, live=True)
        except Exception:
            log.exception("head state of thread %s from its last checkpoint failed", thread_id)
            return None

    @staticmethod
    def run_output(head: Head | None, error: Any) -> dict[str, Any] | bytes | None:
        """What `join`/`wait` answer: final values (+ `__interrupt__`), or `__error__`; the
        head's own JSON when that is the whole answer."""
        if error is not None:
            return {"__error__": error}
        if head is None:
            return None  # join then reads the state itself
        pending = [i for found in head.interrupts.values() for i in found]
        json = head.values_json
        if not pending and json is not None and json.startswith(b"{"):
            return json
        values = head.values
        output = dict(values) if isinstance(values, dict) else {}
        if pending:
            output["__interrupt__"] = pending
        return output
