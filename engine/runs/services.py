"""The pieces a run needs, bundled, plus the one rule that keeps thread rows honest."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.pregel import Pregel

from engine.config import Settings
from engine.graphs.registry import GraphRegistry
from engine.runs.events import ChannelRegistry
from engine.runs.status import thread_status
from engine.serde import to_jsonable
from engine.state import interrupts_json
from engine.storage.journal import JournalingStore
from engine.storage.records import Records

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

    async def head_snapshot(self, graph: Pregel, thread_id: str) -> dict[str, Any]:
        """Values, `next` and interrupts of the thread's head checkpoint."""
        state = await graph.aget_state({"configurable": {"thread_id": thread_id}})
        interrupts: dict[str, list[Any]] = {}
        for task in state.tasks:
            if task.interrupts:
                interrupts[task.id] = interrupts_json(task.interrupts)
        values = to_jsonable(state.values) if state.created_at else None
        return {"values": values, "has_next": bool(state.next), "interrupts": interrupts}

    @staticmethod
    def run_output(fields: dict[str, Any], error: Any) -> dict[str, Any]:
        """What `join`/`wait` answer: final values (+ `__interrupt__`), or `__error__`."""
        if error is not None:
            return {"__error__": error}
        values = fields.get("values")
        output = dict(values) if isinstance(values, dict) else {}
        pending = [i for found in fields.get("interrupts", {}).values() for i in found]
        if pending:
            output["__interrupt__"] = pending
        return output

    async def settle_thread(
        self,
        thread_id: str,
        graph: Pregel | None = None,
        error: Any = None,
    ) -> dict[str, Any]:
        """Recompute a thread's status from its runs (and, given its graph, its head checkpoint).

        Returns the fields written. Called after every run transition, so a thread is never
        left `busy` without an active run, nor `idle` while one is pending.
        """
        fields: dict[str, Any] = {}
        if graph is not None:
            try:
                fields.update(await self.head_snapshot(graph, thread_id))
            except Exception:  # the thread may have just been deleted
                log.exception("reading head state of thread %s failed", thread_id)
        if error is not None:
            fields["error"] = error
        active, last_status = await self.records.status_summary(thread_id)
        if "has_next" in fields:
            has_next = fields["has_next"]
        else:
            stored = await self.records.thread_has_next(thread_id)
            if stored is None:
                return fields  # the thread is gone
            has_next = stored
        if last_status not in ("error", "timeout") and "error" not in fields and not active:
            fields["error"] = None
        fields["status"] = thread_status(active, last_status, has_next)
        await self.records.update_thread(thread_id, **fields)
        return fields
