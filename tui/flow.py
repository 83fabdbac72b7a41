"""Sending messages and following their runs: create → stream → poll → reconcile.

A mixin for the App so app.py stays about layout, keys and commands. The server is the source
of truth: the stream paints replies as they arrive, the `runs.list` poll (every ~0.25 s while
anything is active) decides each message's fate, and once a run is final its turn is reconciled
against the thread's state (output the server did not keep — an interrupted node, a rolled-back
run — is removed; anything the stream missed is filled in).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING, Any

from langgraph_sdk.errors import ConflictError
from textual import work

from tui.client import Backend, friendly_error
from tui.events import AIDelta, ToolResult, parse_message
from tui.runstate import FINAL, Fate, RunBook, TrackedRun
from tui.widgets.runs import RunPanel
from tui.widgets.todos import TodoPanel, changed_keys, todo_fingerprint
from tui.widgets.transcript import Transcript, Turn

if TYPE_CHECKING:
    from textual.app import App

    _Base = App[None]
else:
    _Base = object

POLL_SECONDS = 0.25


class FlowMixin(_Base):
    """Run bookkeeping shared by the app's actions; expects the attributes set in `__init__`."""

    backend: Backend
    book: RunBook
    thread_id: str | None
    user_id: str
    stable_ids: bool
    last_rejected: str | None
    todo_marks: dict[str, str]
    todo_latest: set[str]
    _todo_snapshot: dict[str, str]
    _poll_wanted: bool
    _poll_busy: bool
    _streams_open: set[str]
    _reconciled: dict[str, Fate]

    # -- sending ---------------------------------------------------------------------------

    @work(group="send", exit_on_error=False)
    async def send(self, text: str, strategy: str) -> None:
        """Show the message at once, then create its run with the chosen strategy."""
        transcript = self.query_one(Transcript)
        local_id = uuid.uuid4().hex
        turn = await transcript.add_turn(text, strategy, local_id)
        tracked = TrackedRun(local_id, text, strategy, human_id=str(uuid.uuid4()))
        self.book.add(tracked)
        if self.thread_id is None and not await self.ensure_thread():
            self._fail(tracked, turn, "No thread: the engine is not reachable.")
            return
        thread_id = self.thread_id
        assert thread_id is not None
        try:
            run = await self.backend.create_run(
                thread_id, text, tracked.human_id or "", strategy, self.user_id
            )
        except ConflictError:
            tracked.fate = Fate.REJECTED
            turn.set_fate(Fate.REJECTED)
            self.last_rejected = text
            self.on_rejected(text)
            return
        except Exception as exc:
            self._fail(tracked, turn, friendly_error(exc, self.backend.url))
            return
        if thread_id != self.thread_id:
            return
        tracked.run_id = run["run_id"]
        self._apply_changes(self.book.note_created(run, time.time()))
        self._poll_wanted = True
        self.follow(tracked, turn, thread_id)

    def on_rejected(self, text: str) -> None:
        """Hook for the app: tell the user and keep the text at hand."""

    def _fail(self, tracked: TrackedRun, turn: Turn, message: str) -> None:
        tracked.fate, tracked.error = Fate.ERROR, message
        turn.set_fate(Fate.ERROR)
        self.notify(message, title="Send failed", severity="error", timeout=8)

    async def ensure_thread(self) -> bool:
        """Subclasses create a thread (and report errors); returns whether one exists."""
        return self.thread_id is not None

    # -- streaming -------------------------------------------------------------------------

    @work(group="follow", exit_on_error=False)
    async def follow(self, tracked: TrackedRun, turn: Turn, thread_id: str) -> None:
        """Paint the run's stream into its turn; errors here only cost the live view."""
        run_id = tracked.run_id or ""
        self._streams_open.add(run_id)
        try:
            async for part in self.backend.follow(thread_id, run_id):
                if thread_id != self.thread_id:
                    return
                if part.event == "messages":
                    self.absorb(turn, part.data)
                elif part.event == "error":
                    data = part.data if isinstance(part.data, dict) else {}
                    tracked.error = str(data.get("message") or data.get("error") or part.data)
                    self.notify(tracked.error, title="Run failed", severity="error")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.log.warning(f"stream of {run_id} ended: {exc!r}")
        finally:
            self._streams_open.discard(run_id)
            for reply in turn.replies():
                await reply.finish()
        self._poll_wanted = True
        if tracked.fate in FINAL:
            await self.reconcile(tracked, turn)

    def absorb(self, turn: Turn, data: Any) -> None:
        update = parse_message(data)
        if isinstance(update, ToolResult):
            turn.tool_result(update.message_id, update.name, update.content)
        elif isinstance(update, AIDelta):
            if update.text and update.whole:
                turn.reply(update.message_id, update.text)
            elif update.text:
                turn.reply(update.message_id).add(update.text)
            for call in update.tool_calls:
                state = turn.call_state(update.message_id, call.index)
                state.absorb(call)
                turn.tool_call(update.message_id, str(call.index), state)

    async def reconcile(self, tracked: TrackedRun, turn: Turn) -> None:
        """Make a finished turn show exactly what the thread's state kept."""
        if self._reconciled.get(tracked.local_id) is tracked.fate or self.thread_id is None:
            return
        self._reconciled[tracked.local_id] = tracked.fate
        try:
            messages = await self.backend.messages(self.thread_id)
        except Exception as exc:
            self.log.warning(f"reconcile failed: {exc!r}")
            return
        ids = [str(m.get("id")) for m in messages]
        kept: list[dict[str, Any]] = []
        if tracked.human_id in ids:
            for message in messages[ids.index(tracked.human_id) + 1 :]:
                if message.get("type") == "human":
                    break
                kept.append(message)
        await turn.keep_only({str(m.get("id")) for m in kept})
        present = turn.message_ids()
        for message in kept:
            if str(message.get("id")) not in present:
                turn.add_message(message)

    # -- polling ---------------------------------------------------------------------------

    def tick(self) -> None:
        """Timer callback: poll when something is active or a poll was asked for."""
        if self._poll_busy or self.thread_id is None:
            return
        if self._poll_wanted or self.book.has_active():
            self._poll_busy, self._poll_wanted = True, False
            self.poll(self.thread_id)

    @work(group="poll", exit_on_error=False)
    async def poll(self, thread_id: str) -> None:
        try:
            started = time.time()
            runs = await self.backend.runs(thread_id)
            if thread_id == self.thread_id:
                self._apply_changes(self.book.apply(runs, time.time(), since=started))
        except Exception as exc:
            self.log.warning(f"poll failed: {exc!r}")
        finally:
            self._poll_busy = False

    def _apply_changes(self, changed: list[TrackedRun]) -> None:
        transcript = self.query_one(Transcript)
        finished = False
        for tracked in changed:
            turn = transcript.turn(tracked.local_id)
            if turn is None:
                continue
            turn.set_fate(tracked.fate, tracked.position)
            if tracked.fate in FINAL:
                finished = True
                if tracked.run_id not in self._streams_open:
                    self.run_worker(
                        self.reconcile(tracked, turn), group="reconcile", exit_on_error=False
                    )
        self.query_one(RunPanel).show(self.book, time.time(), self.stable_ids)
        if finished:
            self.refresh_todos(highlight=True)

    # -- todos -----------------------------------------------------------------------------

    @work(group="todos", exclusive=True, exit_on_error=False)
    async def refresh_todos(self, highlight: bool = False) -> None:
        try:
            items = await self.backend.todos(self.user_id)
        except Exception as exc:
            self.log.warning(f"todo refresh failed: {exc!r}")
            return
        if highlight:
            latest = next((r for r in self.book.ordered_rows() if r.fate in FINAL), None)
            label = latest.run_id[-8:] if latest else ""
            changed = changed_keys(self._todo_snapshot, items)
            self.todo_latest = changed
            self.todo_marks.update(dict.fromkeys(changed, label))
        self._todo_snapshot = {i["key"]: todo_fingerprint(i) for i in items}
        rolled_back = {
            r.run_id[-8:] for r in self.book.ordered_rows() if r.fate is Fate.ROLLED_BACK
        }
        self.query_one(TodoPanel).show(items, self.todo_marks, self.todo_latest, rolled_back)
