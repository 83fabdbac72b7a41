"""The engine's Python API: threads, runs, state and store, as the HTTP layer and tests use them.

Methods return plain dicts shaped like the LangGraph Agent Server's JSON objects and raise the
typed errors of `engine.errors`. Run behaviour (strategies, dispatch, cancellation) lives in
`engine.runs`; storage in `engine.storage`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
import weakref
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from langchain_core.utils.uuid import uuid7

from engine.assistants import AssistantOps
from engine.config import Settings
from engine.datadir import DataDirLock
from engine.errors import (
    BadRequest,
    Conflict,
    InvalidInput,
    NothingToCancel,
    RunNotFound,
    ThreadBusy,
    ThreadNotFound,
)
from engine.graphs.registry import GraphRegistry
from engine.runs.events import ChannelRegistry, Event
from engine.runs.run_config import merged_metadata, run_config, run_context
from engine.runs.scheduler import Scheduler
from engine.runs.services import Services
from engine.runs.status import ACTIVE
from engine.runs.strategy import decide, normalize_strategy
from engine.runs.streaming import normalize_modes
from engine.serde import loads, to_jsonable
from engine.state import interrupts_json
from engine.storage.checkpoints import open_saver
from engine.storage.db import open_database, verify_data_files
from engine.storage.journal import JournalingStore, open_store
from engine.storage.records import Records, now_iso
from engine.threads import ThreadOps, check_uuid

__all__ = ["Engine", "Event"]

_DURABILITY = (None, "sync", "async", "exit")
MAX_AFTER_SECONDS = 7 * 24 * 3600


def _check_dict(value: object, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{name} must be an object")
    return value


class Engine(AssistantOps, ThreadOps):
    """Open with `await Engine.open(settings)`; close with `await engine.close()`."""

    def __init__(self, services: Services, scheduler: Scheduler, closers: list[Any]) -> None:
        self.services = services
        self.scheduler = scheduler
        self._closers = closers
        self.lock: DataDirLock | None = None  # set by open(); released by close()
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @classmethod
    async def open(cls, settings: Settings | None = None) -> Engine:
        settings = settings or Settings()
        settings.apply_model_env()
        lock = DataDirLock.claim(settings.data_dir)  # before anything else: one engine per dir
        closers: list[Any] = [lock]
        try:
            await asyncio.to_thread(verify_data_files, settings.data_dir)
            conn = await open_database(settings.data_dir / "engine.db")
            closers.append(conn)
            saver = await open_saver(settings.data_dir / "checkpoints.db")
            closers.append(saver.conn)
            inner = await open_store(settings.data_dir / "store.db")
            closers.append(inner.conn)
            store = JournalingStore(inner, conn)
            graphs = GraphRegistry.load(settings.config_path, saver, store)
            services = Services(settings, Records(conn), saver, store, graphs, ChannelRegistry())
            scheduler = Scheduler(services)
            await scheduler.recover()
        except BaseException:
            for closer in reversed(closers):
                await closer.close()
            raise
        engine = cls(services, scheduler, closers)
        engine.lock = lock
        try:
            await engine.register_system_assistants()
        except BaseException:
            await engine.close()  # releases the data directory too
            raise
        return engine

    async def close(self) -> None:
        await self.scheduler.close()
        for closer in reversed(self._closers):
            await closer.close()

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def records(self) -> Records:
        return self.services.records

    @property
    def graphs(self) -> GraphRegistry:
        return self.services.graphs

    @property
    def graph_names(self) -> list[str]:
        return self.graphs.names

    @property
    def store(self) -> JournalingStore:
        return self.services.store

    def _lock(self, thread_id: str) -> asyncio.Lock:
        lock = self._locks.get(thread_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[thread_id] = lock
        return lock

    # -- runs ------------------------------------------------------------------------------

    async def create_run(
        self,
        thread_id: str | None,
        *,
        assistant_id: str,
        input: Any = None,
        command: dict[str, Any] | None = None,
        config: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        multitask_strategy: str | None = None,
        stream_mode: list[str] | str | None = None,
        stream_subgraphs: bool = False,
        stream_resumable: bool = False,
        if_not_exists: str = "reject",
        after_seconds: float | None = None,
        durability: str | None = None,
        checkpoint_id: str | None = None,
        interrupt_before: list[str] | str | None = None,
        interrupt_after: list[str] | str | None = None,
        on_completion: str | None = None,
        webhook: str | None = None,
        feedback_keys: list[str] | None = None,
        checkpoint_during: bool | None = None,
    ) -> dict[str, Any]:
        """Accept a run (status `pending`) and apply its multitask strategy to in-flight runs.

        By the time this returns, interrupted runs are `interrupted` and rolled-back runs are
        gone, so the new run starts from a settled thread.
        """
        started_ms = int(time.time() * 1000)
        strategy = normalize_strategy(multitask_strategy)
        modes = normalize_modes(stream_mode)
        _refuse_unsupported(webhook, feedback_keys)
        assistant, entry = await self.resolve_assistant(assistant_id)
        if input is not None and not isinstance(input, dict):
            raise InvalidInput("input must be an object or null")
        command = _check_dict(command, "command") or None
        config = to_jsonable(_check_dict(config, "config"))  # a copy; too-deep input is a 422
        metadata = _check_dict(metadata, "metadata")
        if context is not None and not isinstance(context, dict):
            raise InvalidInput("context must be an object")
        if context and config.get("configurable"):
            raise BadRequest("Cannot specify both configurable and context. Use context only.")
        if durability not in _DURABILITY:
            raise InvalidInput("durability must be one of sync, async, exit")
        if if_not_exists not in ("reject", "create"):
            raise InvalidInput("if_not_exists must be 'reject' or 'create'")
        if after_seconds is not None and (
            not isinstance(after_seconds, int | float)
            or isinstance(after_seconds, bool)
            or not 0 <= after_seconds <= MAX_AFTER_SECONDS
        ):
            # Unbounded delays would park the thread's queue behind a run that never starts.
            raise InvalidInput(
                f"after_seconds must be a number from 0 to {MAX_AFTER_SECONDS} (one week)"
            )
        limit = config.get("recursion_limit")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise InvalidInput("config.recursion_limit must be a positive integer")
        if durability is None:
            durability = "exit" if checkpoint_during is False else "async"
        temporary = thread_id is None
        if temporary:
            thread_id = str(uuid7())
            thread = await self.records.insert_thread(thread_id, {})
        else:
            thread_id = check_uuid(thread_id, "thread")
            found = await self.records.thread(thread_id)
            if found is None:
                if if_not_exists != "create":
                    raise ThreadNotFound(thread_id)
                found = await self.records.insert_thread(thread_id, {})
            thread = found
        assert thread_id is not None
        run_id = str(uuid7())
        # Like LangGraph, a run names its graph and assistant in the thread's metadata.
        first_graph = {"graph_id": entry.graph_id, "assistant_id": assistant["assistant_id"]}
        run_metadata = merged_metadata(
            assistant,
            {**thread["metadata"], **first_graph},
            _check_dict(config.get("metadata"), "config.metadata"),
            metadata,
        )
        _check_dict(config.get("configurable"), "config.configurable")
        stored_config = run_config(
            assistant=assistant,
            request_config=config,
            request_context=context,
            metadata=run_metadata,
            thread_id=thread_id,
            run_id=run_id,
            checkpoint_id=checkpoint_id,
            request_id=str(uuid.uuid4()),
            after_seconds=after_seconds,
            started_ms=started_ms,
        )
        now = now_iso()
        run = {
            "run_id": run_id,
            "thread_id": thread_id,
            "assistant_id": assistant["assistant_id"],
            "created_at": now,
            "updated_at": now,
            "status": "pending",
            "metadata": run_metadata,
            "kwargs": {
                "input": input,
                "command": command,
                "config": stored_config,
                "context": run_context(assistant, config, context),
                "stream_mode": modes,
                "interrupt_before": interrupt_before,
                "interrupt_after": interrupt_after,
                "webhook": webhook,
                "feedback_keys": feedback_keys,
                "temporary": temporary and on_completion != "keep",
                "subgraphs": bool(stream_subgraphs),
                "resumable": bool(stream_resumable),
                "checkpoint_during": checkpoint_during is not False,
                "durability": durability,
            },
            "multitask_strategy": strategy,
            "langsmith_session_name": None,
        }
        async with self._lock(thread_id):
            inflight = await self.records.active_run_ids(thread_id)
            decision = decide(strategy, inflight)
            if not decision.accept:
                raise ThreadBusy()
            not_before = datetime.now(UTC).timestamp() + (after_seconds or 0)
            await self.records.insert_run(run, entry.graph_id, not_before)
            if first_graph.items() <= thread["metadata"].items():
                await self.records.update_thread(thread_id, status="busy")
            else:
                await self.records.set_thread_graph(thread_id, entry.graph_id, first_graph)
            self.services.channels.open(run_id)
            if decision.cancel:
                assert decision.action is not None
                await self.scheduler.cancel(list(decision.cancel), decision.action)
        self.scheduler.kick(thread_id)
        return run

    async def _run_row(self, thread_id: str, run_id: str) -> Any:
        thread_id = check_uuid(thread_id, "thread")
        run_id = check_uuid(run_id, "run")
        row = await self.records.run_row(run_id)
        if row is None or row["thread_id"] != thread_id:
            if await self.records.thread(thread_id) is None:
                raise ThreadNotFound(thread_id)
            raise RunNotFound(thread_id, run_id)
        return row

    async def get_run(self, thread_id: str, run_id: str) -> dict[str, Any]:
        await self._run_row(thread_id, run_id)
        run = await self.records.run(check_uuid(run_id, "run"))
        if run is None:
            raise RunNotFound(thread_id, run_id)
        return run

    async def list_runs(
        self, thread_id: str, limit: int = 10, offset: int = 0, status: str | None = None
    ) -> list[dict[str, Any]]:
        await self._thread_row(thread_id)
        return await self.records.list_runs(check_uuid(thread_id, "thread"), limit, offset, status)

    async def delete_run(self, thread_id: str, run_id: str) -> None:
        """Delete a finished run and its checkpoints (cancel an active one first)."""
        row = await self._run_row(thread_id, run_id)
        if row["status"] in ACTIVE:
            raise Conflict(f"Run {row['run_id']} is {row['status']}; cancel it before deleting")
        from engine.runs.executor import rollback_run

        await rollback_run(self.services, {**dict(row), "base_writes": None})
        await self.services.settle_thread(row["thread_id"], self._graph_of(row["graph_id"]))

    async def cancel_runs(
        self,
        thread_id: str | None,
        run_ids: list[str] | None = None,
        *,
        status: str | None = None,
        action: str = "interrupt",
    ) -> list[str]:
        if action not in ("interrupt", "rollback"):
            raise InvalidInput("action must be 'interrupt' or 'rollback'")
        if run_ids:
            rows = []
            for run_id in run_ids:
                try:
                    rows.append(await self._run_row(thread_id or "", run_id))
                except (RunNotFound, ThreadNotFound, InvalidInput) as exc:
                    raise NothingToCancel("No runs found to cancel.") from exc
            targets = [r["run_id"] for r in rows if r["status"] in ACTIVE]
            if not targets:
                raise NothingToCancel(
                    "No matching runs to cancel. Please verify the thread ID and run IDs are "
                    "correct, and the runs haven't been deleted or completed."
                )
        else:
            if status not in ("pending", "running", "all"):
                raise InvalidInput("status must be one of pending, running, all")
            wanted = ("pending", "running") if status == "all" else (status,)
            rows = [r for s in wanted for r in await self.records.runs_with_status(s)]
            if thread_id is not None:
                rows = [r for r in rows if r["thread_id"] == thread_id]
            targets = [r["run_id"] for r in rows]
            if not targets:
                raise NothingToCancel("No runs found to cancel.")
        await self.scheduler.cancel(targets, action)
        return targets

    async def join_run(self, thread_id: str, run_id: str) -> dict[str, Any]:
        """Wait for the run to end; its final values, or `__error__` if it failed."""
        row = await self._run_row(thread_id, run_id)
        if row["status"] in ACTIVE:
            channel = self.services.channels.open(row["run_id"])
            fresh = await self.records.run_row(row["run_id"])
            if fresh is None or fresh["status"] not in ACTIVE:
                self.services.channels.close(row["run_id"])  # ended while we looked
            if fresh is None:
                raise RunNotFound(thread_id, run_id)
            row = fresh
            if row["status"] in ACTIVE:
                async for _ in channel.follow(len(channel.events)):
                    pass
            if channel.result is not None:
                return channel.result
            row = await self.records.run_row(row["run_id"])
            if row is None:
                raise RunNotFound(thread_id, run_id)
        return await self._run_output(row)

    async def _run_output(self, row: Any) -> dict[str, Any]:
        error = loads(row["error"])
        if error and row["status"] in ("error", "timeout"):
            return {"__error__": error}
        graph = self._graph_of(row["graph_id"])
        if graph is None:
            return {}
        base = {"configurable": {"thread_id": row["thread_id"], "checkpoint_ns": ""}}
        # alist() holds the saver's lock while it is open: close it before aget_state (deadlock).
        found_config = None
        async with contextlib.aclosing(
            self.services.saver.alist(base, filter={"run_id": row["run_id"]}, limit=1)
        ) as checkpoints:
            async for found in checkpoints:
                found_config = found.config
                break
        state = await graph.aget_state(
            found_config or {"configurable": {"thread_id": row["thread_id"]}}
        )
        values = to_jsonable(state.values) if isinstance(state.values, dict) else {}
        if state.interrupts:
            values["__interrupt__"] = interrupts_json(state.interrupts)
        return values

    async def subscribe(
        self,
        thread_id: str,
        run_id: str,
        *,
        after_id: int | None = None,
        stream_mode: list[str] | str | None = None,
    ) -> AsyncIterator[Event]:
        """`async for event in engine.subscribe(...)`; errors surface on the first step."""
        events = await self.open_stream(
            thread_id, run_id, after_id=after_id, stream_mode=stream_mode
        )
        async for event in events:
            yield event

    async def open_stream(
        self,
        thread_id: str,
        run_id: str,
        *,
        after_id: int | None = None,
        stream_mode: list[str] | str | None = None,
    ) -> AsyncIterator[Event]:
        """Check the run exists (raising now), then return an iterator of its events.

        after_id=None follows from now on, 0 replays from the start, N replays after event N
        (`Last-Event-ID`). Only modes the run was created with are ever published.
        """
        row = await self._run_row(thread_id, run_id)
        wanted = set(normalize_modes(stream_mode)) if stream_mode else None
        channels = self.services.channels
        channel = channels.get(row["run_id"])
        if channel is None:
            if row["status"] not in ACTIVE:
                return _no_events()
            channel = channels.open(row["run_id"])
            fresh = await self.records.run_row(row["run_id"])
            if fresh is None or fresh["status"] not in ACTIVE:
                channels.close(row["run_id"])
        return _filtered(channel.follow(after_id), wanted)

    async def run_side_effects(self, thread_id: str, run_id: str) -> list[dict[str, Any]]:
        """The store writes a run made (even a rolled-back one: the journal outlives it)."""
        await self._thread_row(thread_id)
        return await self.store.entries(check_uuid(run_id, "run"))

    def _graph_of(self, graph_id: str | None) -> Any:
        entry = self.graphs.entries.get(graph_id or "")
        return entry.graph if entry else None


def _refuse_unsupported(webhook: Any, feedback_keys: Any) -> None:
    """Options this server cannot honour are refused, not silently dropped."""
    if webhook:
        raise InvalidInput(
            "'webhook' is not supported by this server (it makes no outbound HTTP calls): "
            "join the run or follow its stream instead"
        )
    if feedback_keys:
        raise InvalidInput(
            "'feedback_keys' is not supported by this server (there is no LangSmith to "
            "collect feedback in)"
        )


async def _no_events() -> AsyncIterator[Event]:
    return
    yield  # pragma: no cover


def _mode_of(event: str) -> str:
    name = event.split("|", 1)[0]
    if name == "messages":
        return "messages-tuple"
    if name.startswith("messages/"):
        return "messages"
    return name


async def _filtered(events: AsyncIterator[Event], wanted: set[str] | None) -> AsyncIterator[Event]:
    async for event in events:
        always = event.event in ("metadata", "error")
        if wanted is None or always or _mode_of(event.event) in wanted:
            yield event
