"""The engine's Python API: threads, runs, state and store, as the HTTP layer and tests use them.

Methods return plain dicts shaped like the LangGraph Agent Server's JSON objects and raise the
typed errors of `engine.errors`. Run behaviour (strategies, dispatch, cancellation) lives in
`engine.runs`; storage in `engine.storage`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from engine.assistants import AssistantOps
from engine.config import Settings
from engine.datadir import DataDirLock
from engine.errors import (
    InvalidInput,
    NothingToCancel,
    RunNotFound,
    ThreadNotFound,
)
from engine.fields import not_one_of, stream_modes
from engine.graphs.registry import GraphRegistry
from engine.runs import reasons
from engine.runs.events import ChannelRegistry, Event, RunChannel
from engine.runs.lifecycle import Lifecycle
from engine.runs.reasons import Intent
from engine.runs.request import RunRequest
from engine.runs.scheduler import Scheduler
from engine.runs.services import Services
from engine.runs.status import ACTIVE
from engine.runs.strategy import CANCEL_ACTIONS
from engine.serde import loads, to_jsonable
from engine.state import interrupts_json
from engine.storage import inline
from engine.storage.checkpoints import open_saver
from engine.storage.db import open_database, verify_data_files
from engine.storage.journal import JournalingStore, open_store
from engine.storage.records import Records
from engine.storage.run_reads import run_dict
from engine.storage.story import Story
from engine.threads import ThreadOps, check_uuid

__all__ = ["Engine", "Event", "RunRequest"]


# Storage calls run on the event loop while at most this many runs execute: a hand-off to the
# database's thread would cost them more than it frees the loop (a run, or a preempt: the
# stopped run is released as its successor starts). With more, the loop is loaded and SQLite
# runs on the thread beside it (`engine.storage.inline`).
INLINE_UP_TO_RUNS = 1


class Engine(AssistantOps, ThreadOps):
    """Open with `await Engine.open(settings)`; close with `await engine.close()`."""

    def __init__(
        self, services: Services, lifecycle: Lifecycle, scheduler: Scheduler, closers: list[Any]
    ) -> None:
        self.services = services
        self.lifecycle = lifecycle
        self.scheduler = scheduler
        self._closers = closers
        self.lock: DataDirLock | None = None  # set by open(); released by close()

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
            records = Records(conn, Story(settings.story, settings.story_retention))
            saver.listener = records.note_checkpoint
            store = JournalingStore(inner, records)
            graphs = GraphRegistry.load(settings.config_path, saver, store)
            services = Services(settings, records, saver, store, graphs, ChannelRegistry())
            lifecycle = Lifecycle(services)
            inline.share_load(
                lambda: len(lifecycle.executions) > INLINE_UP_TO_RUNS,
                conn,
                saver.conn,
                inner.conn,
            )
            scheduler = Scheduler(lifecycle)
            await scheduler.recover()
        except BaseException:
            for closer in reversed(closers):
                await closer.close()
            raise
        engine = cls(services, lifecycle, scheduler, closers)
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

    # -- runs ------------------------------------------------------------------------------

    async def create_run(
        self,
        thread_id: str | None,
        request: RunRequest | None = None,
        *,
        wait_for_cancels: bool = True,
        **fields: Any,
    ) -> dict[str, Any]:
        """Accept a run (status `pending`) and apply its multitask strategy to in-flight runs.

        Give a parsed `RunRequest`, or the request's fields as keywords (the HTTP body's names:
        `assistant_id`, `input`, `multitask_strategy`, ...); both are checked by the same parser.
        By the time this returns, interrupted runs are `interrupted` and rolled-back runs are
        gone, so the new run starts from a settled thread. With `wait_for_cancels=False` (the
        HTTP API) it returns as soon as the run and the cancels it implies are on disk: the
        cancelled runs are finished in the background, and the new run, and any read of the
        thread (its state, history, runs, a join), waits until they are.
        """
        if request is None:
            request = RunRequest.parse(fields, stateless=thread_id is None)
        elif fields:
            raise TypeError("give either a RunRequest or its fields, not both")
        assistant, entry = await self.resolve_assistant(request.assistant_id)
        if thread_id is not None:
            thread_id = check_uuid(thread_id, "thread")
        run = await self.lifecycle.accept(thread_id, request, assistant, entry)
        self.scheduler.kick(run["thread_id"])
        if wait_for_cancels:
            await self.lifecycle.settled(run["thread_id"])
        return run

    async def _run_row(self, thread_id: str, run_id: str) -> Any:
        thread_id = check_uuid(thread_id, "thread")
        run_id = check_uuid(run_id, "run")
        await self.lifecycle.settled(thread_id)  # see ThreadOps._thread_row
        row = await self.records.run_row(run_id)
        if row is None or row["thread_id"] != thread_id:
            if await self.records.thread(thread_id) is None:
                raise ThreadNotFound(thread_id)
            raise RunNotFound(thread_id, run_id)
        return row

    async def get_run(self, thread_id: str, run_id: str) -> dict[str, Any]:
        return run_dict(await self._run_row(thread_id, run_id))

    async def find_run(self, thread_id: str, run_id: str) -> Any:
        """The run's row, or a real 404 for an unknown or rolled-back run: what a join checks
        before it answers, then hands to `join_run` (one read, not two). None, with no read,
        for a run of that thread whose channel this engine has open (it exists: `join_run`
        follows it) or keeps with the result it ended with (`join_run` answers it)."""
        channels = self.services.channels
        if self._followable(thread_id, run_id) or channels.ended_on(thread_id, run_id):
            return None
        return await self._run_row(thread_id, run_id)

    def _followable(self, thread_id: str, run_id: str) -> RunChannel | None:
        """The live channel of a run on this thread that has not ended yet: executing, queued,
        or waiting for the run it preempts to stop."""
        channel = self.services.channels.live(run_id)
        return channel if channel is not None and channel.thread_id == thread_id else None

    async def list_runs(
        self, thread_id: str, limit: int = 10, offset: int = 0, status: str | None = None
    ) -> list[dict[str, Any]]:
        await self._thread_row(thread_id)
        return await self.records.list_runs(check_uuid(thread_id, "thread"), limit, offset, status)

    async def delete_run(self, thread_id: str, run_id: str) -> None:
        """Delete a finished run and its own checkpoints (cancel an active one first)."""
        row = await self._run_row(thread_id, run_id)
        await self.lifecycle.delete_run(row["thread_id"], row["run_id"])

    async def cancel_runs(
        self,
        thread_id: str | None,
        run_ids: list[str] | None = None,
        *,
        status: str | None = None,
        action: str = "interrupt",
        reason: Intent | None = None,
    ) -> list[str]:
        """Interrupt or roll back runs; returns the ids cancelled, once each is done.

        `reason` says who asked (the API passes the route); it defaults to this Python call.
        """
        if action not in CANCEL_ACTIONS:
            raise not_one_of("action", str(action), CANCEL_ACTIONS)
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
                raise not_one_of("status", str(status), ("pending", "running", "all"))
            wanted = ("pending", "running") if status == "all" else (status,)
            rows = await self.records.runs_with_status(*wanted)
            if thread_id is not None:
                rows = [r for r in rows if r["thread_id"] == thread_id]
            targets = [r["run_id"] for r in rows]
            if not targets:
                raise NothingToCancel("No runs found to cancel.")
        intent = reason or reasons.python_cancel(action)
        if intent.action != action:
            intent = reasons.Intent(action, intent.reason, intent.cause)
        await self.lifecycle.cancel(targets, intent)
        return targets

    async def join_run(self, thread_id: str, run_id: str, *, row: Any = None) -> dict[str, Any]:
        """Wait for the run to end; its final values, or `__error__` if it failed. `row`: the
        run's row as `find_run` just read it."""
        if row is None and (live := self._followable(thread_id, run_id)) is not None:
            async for _ in live.follow(len(live.events)):
                pass
            if live.result is not None:
                return live.result
        if row is None and (kept := self.services.channels.ended_on(thread_id, run_id)):
            return kept.result  # ended here with a result: what its end answered, unread
        if row is None:
            row = await self._run_row(thread_id, run_id)
        if row["status"] in ACTIVE:
            channel = self.services.channels.live(row["run_id"])
            if channel is None:  # no channel yet (e.g. queued before a restart): open one
                channel = self.services.channels.open(row["run_id"], row["thread_id"])
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
        else:
            # What its end answered its joiners, while its channel is kept: no checkpoint read.
            kept = self.services.channels.get(row["run_id"])
            result = kept.result if kept is not None and kept.closed else None
            if result is not None:
                return result
        return await self._run_output(row)

    async def _run_output(self, row: Any) -> dict[str, Any]:
        error = loads(row["error"])
        if error and row["status"] in ("error", "timeout"):
            return {"__error__": error}
        graph = self.services.graph(row["graph_id"])
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
        wanted = set(stream_modes(stream_mode)) if stream_mode else None
        channels = self.services.channels
        channel = channels.get(row["run_id"])
        if channel is None:
            if row["status"] not in ACTIVE:
                return _no_events()
            channel = channels.open(row["run_id"], row["thread_id"])
            fresh = await self.records.run_row(row["run_id"])
            if fresh is None or fresh["status"] not in ACTIVE:
                channels.close(row["run_id"])
        return _filtered(channel.follow(after_id), wanted)

    async def run_side_effects(self, thread_id: str, run_id: str) -> list[dict[str, Any]]:
        """The store writes a run made (even a rolled-back one: the journal outlives it)."""
        await self._thread_row(thread_id)
        return await self.store.entries(check_uuid(run_id, "run"))


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
