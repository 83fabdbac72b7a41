"""Thread and state operations of the engine's Python API (mixed into `Engine`)."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.utils.uuid import uuid7
from langgraph.errors import InvalidUpdateError

from engine.errors import BadRequest, Conflict, InvalidInput, ThreadNotFound
from engine.runs.events import Event
from engine.runs.thread_stream import follow_thread
from engine.state import empty_state, snapshot_to_dict
from engine.storage.checkpoints import copy_thread_checkpoints, known_empty

if TYPE_CHECKING:
    from engine.runs.lifecycle import Lifecycle
    from engine.runs.scheduler import Scheduler
    from engine.runs.services import Services
    from engine.storage.records import Records


# What the checkpoint saver accepts as a metadata filter key (it raises on anything else).
FILTER_KEY = re.compile(r"[A-Za-z0-9_.-]+")
# What LangGraph raises when values cannot be applied to the state's channels (a message it
# cannot coerce, a wrong type for a reducer): a client's mistake, never a server fault.
UNAPPLIABLE = (InvalidUpdateError, ValueError, TypeError, KeyError, NotImplementedError)


def check_uuid(value: object, what: str = "thread") -> str:
    """A canonical UUID string, or InvalidInput (the API's 422) naming what was malformed."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as exc:
        raise InvalidInput(f"Invalid {what} ID: must be a UUID") from exc


class ThreadOps:
    services: Services
    lifecycle: Lifecycle
    scheduler: Scheduler

    @property
    def records(self) -> Records:  # overridden by Engine; here for type checkers
        return self.services.records

    async def _thread_row(self, thread_id: str) -> dict[str, Any]:
        """The thread, once cancels a create accepted on it are carried out (a read of its
        state, history or runs then never sees a stopped run half sealed)."""
        thread_id = check_uuid(thread_id)
        await self.lifecycle.settled(thread_id)
        thread = await self.records.thread(thread_id)
        if thread is None:
            raise ThreadNotFound(thread_id)
        return thread

    async def create_thread(
        self,
        thread_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        if_exists: str = "raise",
    ) -> dict[str, Any]:
        if if_exists not in ("raise", "do_nothing"):
            raise InvalidInput("if_exists must be 'raise' or 'do_nothing'")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidInput("metadata must be an object")
        generated = thread_id is None
        thread_id = check_uuid(thread_id) if thread_id is not None else str(uuid7())
        existing = await self.records.thread(thread_id)
        if existing is None:
            thread = await self.records.insert_thread(thread_id, metadata or {})
            if thread is not None:
                if generated:  # an id never used before: no checkpoint can have it
                    known_empty(self.services.saver, thread_id)
                return thread
            existing = await self.records.thread(thread_id)  # created meanwhile by another call
        if existing is not None and if_exists == "do_nothing":
            return existing
        raise Conflict(f"Thread with ID {thread_id} already exists")

    async def get_thread(self, thread_id: str) -> dict[str, Any]:
        return await self._thread_row(thread_id)

    async def patch_thread(self, thread_id: str, metadata: dict[str, Any]) -> dict[str, Any]:
        thread_id = check_uuid(thread_id)
        # Held from the read to the write, as by every writer of a thread's metadata: a run
        # accepted in between would otherwise lose the `graph_id` it merged in.
        async with self.lifecycle.lock(thread_id):
            thread = await self._thread_row(thread_id)
            if not isinstance(metadata, dict):
                raise InvalidInput("metadata must be an object")
            merged = {**thread["metadata"], **metadata}
            await self.records.update_thread(thread_id, metadata=merged)
        return await self._thread_row(thread_id)

    async def copy_thread(self, thread_id: str) -> dict[str, Any]:
        """A new thread with the source's metadata and every checkpoint (so the same state and
        history); no runs. A copy taken while a run is in flight has what is saved so far."""
        source = await self._thread_row(thread_id)
        new_id = str(uuid.uuid4())
        await self.records.insert_thread(new_id, source["metadata"])
        try:
            await copy_thread_checkpoints(self.services.saver, source["thread_id"], new_id)
            graph = self._thread_graph(source)
            if graph is not None:
                await self.records.update_thread(new_id, graph_id=source["metadata"]["graph_id"])
            await self.lifecycle.settle(new_id, graph)
        except BaseException:
            await self.lifecycle.delete_thread(new_id)  # crash-safe: recovery finishes it
            raise
        return await self._thread_row(new_id)

    async def thread_story(
        self, thread_id: str, after: int = 0, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """The thread's story (docs/story.md): events with seq > after, oldest first."""
        thread = await self._thread_row(thread_id)
        return await self.records.story_events(thread["thread_id"], after, limit)

    async def open_thread_stream(
        self, thread_id: str, modes: Sequence[str], after: int = 0
    ) -> AsyncIterator[Event]:
        """Check the thread exists (raising now), then return its stream's events."""
        thread_id = (await self._thread_row(thread_id))["thread_id"]
        executing = self.lifecycle.executions
        running = [r for r in await self.records.active_run_ids(thread_id) if r in executing]
        return follow_thread(self.records, self.services.channels, thread_id, modes, after, running)

    async def side_effects(
        self, thread_id: str, run_id: str | None = None, limit: int = 1000, offset: int = 0
    ) -> list[dict[str, Any]]:
        """The store writes runs of this thread made (all runs, or one), also those of runs
        that were rolled back: the journal outlives them."""
        thread = await self._thread_row(thread_id)
        if run_id is not None:
            run_id = check_uuid(run_id, "run")
        return await self.services.store.thread_entries(
            thread["thread_id"], run_id, limit=limit, offset=offset
        )

    async def delete_thread(self, thread_id: str) -> None:
        """Stop its runs, then delete its runs, checkpoints and journal."""
        await self.lifecycle.delete_thread(check_uuid(thread_id))

    async def search_threads(
        self,
        metadata: dict[str, Any] | None = None,
        values: dict[str, Any] | None = None,
        status: str | None = None,
        limit: int = 10,
        offset: int = 0,
        ids: list[str] | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> list[dict[str, Any]]:
        """Threads matching every filter given; `ids` (canonical UUIDs) narrows them to those.
        Newest first unless sorted (a given `sort_by` defaults to desc, as on the reference)."""
        order = {
            "sort_by": sort_by or "created_at",
            "descending": sort_by is None or (sort_order or "desc").lower() != "asc",
        }
        if status is not None and status not in ("idle", "busy", "interrupted", "error"):
            raise InvalidInput("status must be one of idle, busy, interrupted, error")
        for key in metadata or {}:  # a key becomes a quoted JSON path in SQL
            if '"' in key or "\x00" in key:
                raise InvalidInput(f"metadata filter key {key!r} cannot contain '\"' or NUL")
        if values:
            found = await self.records.search_threads(metadata, status, None, 0, ids, **order)
            found = [t for t in found if _matches(t.get("values"), values)]
            return found[offset : offset + limit]
        return await self.records.search_threads(metadata, status, limit, offset, ids, **order)

    async def count_threads(
        self,
        metadata: dict[str, Any] | None = None,
        values: dict[str, Any] | None = None,
        status: str | None = None,
    ) -> int:
        return len(await self.search_threads(metadata, values, status, limit=10**9))

    def _thread_graph(self, thread: dict[str, Any]) -> Any:
        graph_id = thread["metadata"].get("graph_id")
        entry = self.services.graphs.entries.get(graph_id or "")
        return entry.graph if entry else None

    async def get_state(
        self, thread_id: str, checkpoint_id: str | None = None, subgraphs: bool = False
    ) -> dict[str, Any]:
        thread = await self._thread_row(thread_id)
        graph = self._thread_graph(thread)
        if graph is None:
            return empty_state()
        config: dict[str, Any] = {"configurable": {"thread_id": thread["thread_id"]}}
        if checkpoint_id:
            config["configurable"]["checkpoint_id"] = checkpoint_id
        try:
            snapshot = await graph.aget_state(config, subgraphs=subgraphs)
        except UNAPPLIABLE as exc:  # a failed run's input, kept as a write the state cannot take
            raise BadRequest(f"cannot read state: {exc}") from exc
        if not snapshot.created_at:
            return empty_state()
        return snapshot_to_dict(snapshot)

    async def update_state(
        self,
        thread_id: str,
        values: Any,
        as_node: str | None = None,
        checkpoint_id: str | None = None,
    ) -> dict[str, Any]:
        thread_id = check_uuid(thread_id)
        # Held from the check to the write: no run is accepted (nor the thread deleted) between
        # "no run in flight" and the edit, so the edit never lands inside a run.
        async with self.lifecycle.lock(thread_id):
            thread = await self._thread_row(thread_id)
            active = await self.records.active_run_ids(thread_id)
            if active:
                raise Conflict(f"Thread {thread_id} has in-flight runs: {', '.join(active)}")
            graph = self._thread_graph(thread)
            if graph is None:
                raise BadRequest(f"Thread {thread_id} has no graph yet: run it once first")
            config: dict[str, Any] = {"configurable": {"thread_id": thread_id}}
            if checkpoint_id:
                config["configurable"]["checkpoint_id"] = checkpoint_id
            try:
                new_config = await graph.aupdate_state(config, values, as_node=as_node)
            except UNAPPLIABLE as exc:
                raise InvalidInput(f"cannot update state: {exc}") from exc
            await self.lifecycle.settle(thread_id, graph)
            configurable = new_config["configurable"]
            await self.records.record_state_update(
                thread_id, configurable.get("checkpoint_id"), as_node
            )
        return {
            "checkpoint": configurable,
            "configurable": configurable,
            "checkpoint_id": configurable.get("checkpoint_id"),
        }

    async def get_history(
        self,
        thread_id: str,
        limit: int = 10,
        before: str | None = None,
        metadata: dict[str, Any] | None = None,
        checkpoint: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        thread = await self._thread_row(thread_id)
        graph = self._thread_graph(thread)
        if graph is None:
            return []
        if not isinstance(limit, int) or limit < 1:
            raise InvalidInput("limit must be a positive integer")
        for key in metadata or {}:
            if not isinstance(key, str) or not FILTER_KEY.fullmatch(key):
                raise InvalidInput(
                    f"Invalid history filter key {key!r}: use only letters, digits, '_', '.', '-'"
                )
        # The path's thread always wins: a `checkpoint.thread_id` must not read another thread.
        configurable = {**_checkpoint_keys(checkpoint), "thread_id": thread["thread_id"]}
        before_config = (
            {"configurable": {"thread_id": thread["thread_id"], "checkpoint_id": before}}
            if before
            else None
        )
        return [
            snapshot_to_dict(snapshot)
            async for snapshot in graph.aget_state_history(
                {"configurable": configurable}, filter=metadata, before=before_config, limit=limit
            )
        ]


def _checkpoint_keys(checkpoint: dict[str, Any] | None) -> dict[str, Any]:
    """The parts of a checkpoint reference that select within a thread (never `thread_id`)."""
    picked: dict[str, Any] = {}
    for key in ("checkpoint_ns", "checkpoint_id"):
        value = (checkpoint or {}).get(key)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(f"'checkpoint.{key}' must be a string")
        if value is not None:
            picked[key] = value
    mapping = (checkpoint or {}).get("checkpoint_map")
    if mapping is not None:
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise InvalidInput("'checkpoint.checkpoint_map' must map namespaces to checkpoint ids")
        picked["checkpoint_map"] = mapping
    return picked


def _matches(values: Any, wanted: dict[str, Any]) -> bool:
    return isinstance(values, dict) and all(values.get(k) == v for k, v in wanted.items())
