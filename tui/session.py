"""One open thread, as a non-visual object: it sends, follows and tells, the UI only shows.

A `ThreadSession` owns everything about its thread's runs: the connection (with reconnects and
an ordered outbox, so a message sent while the engine is away is sent when it is back), the
sends (one at a time, in the order typed), each run's reply stream, and the thread-wide record
of what happened — the story where the server serves it, else the reference's `lifecycle`
stream plus `runs.list`, else `runs.list` polling. It posts Messages (`tui.messages`) to its
target (the chat screen); it never touches a widget. Its pure parts are `ThreadLog`
(`runstate`), `StoryReducer` (`story`), `TodoLedger` (`ledger`) and `compose` (`history`); the
helpers it owns follow each run's replies (`ReplyStreams`, `replies`) and the todos
(`TodoWatch`, `todo_watch`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from langgraph_sdk.errors import (
    ConflictError,
    NotFoundError,
)
from textual.widget import Widget

from tui import messages as msg
from tui.client import (
    Backend,
    EngineError,
    NotServed,
    friendly_error,
    is_disconnect,
)
from tui.history import compose
from tui.policies.catalog import BY_NAME as POLICIES
from tui.policies.runner import AskFn
from tui.policies.situation import Thresholds
from tui.policy_send import PolicySender, Withdrawn
from tui.replies import ReplyStreams
from tui.runstate import (
    ACTIVE,
    FINAL,
    Cause,
    Entry,
    Fate,
    ThreadLog,
)
from tui.sources import BLIND_SPOTS, SOURCES, choose_source
from tui.story import StoryReducer
from tui.timeline import fetch
from tui.timeline.client_side import CancelSent, ClientView, Sent, Snapshot
from tui.timeline.model import Timeline
from tui.timeline.observe import error_detail
from tui.timeline.recorder import ClientRecorder
from tui.todo_watch import TodoWatch

logger = logging.getLogger(__name__)

POLL_ACTIVE_S = 0.25
POLL_IDLE_S = 2.0


class ThreadSession:
    """See the module docstring. `start()` once, `close()` when the thread is left."""

    def __init__(
        self,
        backend: Backend,
        target: Widget,
        *,
        thread_id: str | None,
        user_id: str,
        sources: Sequence[str] = SOURCES,
        clock: Callable[[], float] = time.time,
        ask: AskFn | None = None,
        label: Callable[[str], str] | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.backend = backend
        self.target = target
        self.thread_id = thread_id
        self.user_id = user_id
        self.sources = tuple(sources)
        self.clock = clock
        self.story = StoryReducer(ThreadLog())
        self.source: str | None = None
        self.online = False
        self.failed: str | None = None
        self.group = f"session-{uuid.uuid4().hex[:8]}"
        self._loaded = asyncio.Event()
        self._link = asyncio.Lock()
        self._outbox: asyncio.Queue[tuple[Entry, dict[str, Any]]] = asyncio.Queue()
        self._creating = 0
        self._no_creates = asyncio.Event()
        self._no_creates.set()
        self._deferred: list[Mapping[str, Any]] = []
        self._announced: set[str] = set()
        self._wake = asyncio.Event()
        self._closed = False
        self._warned_offline = False
        self.recorder: ClientRecorder | None = None  # no story: what this client saw
        self.policies = PolicySender(self, ask=ask, label=label, thresholds=thresholds)
        self.replies = ReplyStreams(self)
        self.todo_watch = TodoWatch(self)

    @property
    def loaded(self) -> bool:
        """The thread is open and shown as the server tells it."""
        return self._loaded.is_set()

    @property
    def streaming(self) -> bool:
        """A reply stream is open."""
        return bool(self.replies.open)

    @property
    def log(self) -> ThreadLog:
        """The thread's entries (one log, shared with the story reducer)."""
        return self.story.log

    # -- lifetime ---------------------------------------------------------------------------

    def start(self) -> None:
        for job in (self._main(), self._sender(), self.todo_watch.run()):
            self.target.run_worker(job, group=self.group, exit_on_error=False)

    def close(self) -> None:
        self._closed = True
        self.target.workers.cancel_group(self.target, self.group)

    def post(self, message: msg.SessionMessage) -> None:
        """To the target, as if the target sent it, so that it bubbles on to the app."""
        if not self._closed:
            message.set_sender(self.target)
            self.target.post_message(message)

    def spawn(self, job: Any) -> None:
        """Run `job` as one of this session's workers (cancelled with it)."""
        if not self._closed:
            self.target.run_worker(job, group=self.group, exit_on_error=False)

    def wake(self) -> None:
        """Read runs.list now rather than at the next tick (something changed)."""
        self._wake.set()

    # -- what the UI asks for -----------------------------------------------------------------

    def send(self, text: str, strategy: str, configurable: Mapping[str, Any]) -> Entry:
        """Show `text` now and send it, in order, as soon as the engine can take it.
        `strategy` may name a client policy (tui/policies): it decides when its turn comes."""
        key, human_id = uuid.uuid4().hex, str(uuid.uuid4())
        entry = self.log.add_local(key, text, strategy, self.clock(), human_id)
        entry.policy = strategy if strategy in POLICIES else ""
        self._announced.add(entry.key)
        if self.failed:
            entry.fate, entry.cause = Fate.ERROR, Cause("error", detail=self.failed)
        elif not (self.online and self._loaded.is_set()):
            entry.fate = Fate.WAITING
        self.post(msg.MessageSent(self.thread_id, entry.snapshot()))
        if self.failed:
            self.post(msg.Notice(self.thread_id, self.failed, "Send failed", "error"))
        else:
            self._outbox.put_nowait((entry, dict(configurable)))
        return entry

    def cancel(self, action: str) -> str | None:
        """Cancel the running run (Esc: interrupt, Ctrl+B: rollback); None if nothing runs."""
        active = self.log.active_run_ids()
        if not active or self.thread_id is None:
            return None
        run_id = active[0]
        self.log.cancels[run_id] = action
        self.spawn(self._cancel(self.thread_id, run_id, action))
        return run_id

    def cancel_policy(self) -> bool:
        """Esc while a policy waits (retry countdown, ask dialog): send nothing."""
        return self.policies.cancel()

    async def refresh_runs(self) -> None:
        """Read runs.list now (a policy decides by what it says)."""
        await self._poll()

    def set_user(self, user_id: str) -> None:
        self.user_id = user_id
        self.todo_watch.wake()

    def refresh_todos(self) -> None:
        self.todo_watch.wake()

    # -- connection -----------------------------------------------------------------------

    def _went_offline(self, exc: BaseException) -> None:
        if self.online:
            self.online = False
            detail = friendly_error(exc, self.backend.url)
            self.post(msg.ConnectionChanged(self.thread_id, "reconnecting", detail))

    async def _reconnect(self) -> None:
        """Wait until the engine answers (backing off to 3 s); EngineError if it never will."""
        async with self._link:
            delay = 0.3
            while not self.online:
                try:
                    await self.backend.check()
                except EngineError as exc:
                    self.failed = str(exc)
                    self.post(msg.ConnectionChanged(self.thread_id, "failed", str(exc)))
                    self.post(msg.Notice(self.thread_id, str(exc), "Engine", "error"))
                    raise
                except Exception as exc:
                    if not is_disconnect(exc):
                        raise
                    detail = friendly_error(exc, self.backend.url)
                    self.post(msg.ConnectionChanged(self.thread_id, "reconnecting", detail))
                    if not self._warned_offline:
                        self._warned_offline = True
                        self.post(msg.Notice(self.thread_id, detail, "Engine", "error"))
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 3.0)
                else:
                    self.online = True
                    self.post(msg.ConnectionChanged(self.thread_id, "online"))

    # -- the main loop: open, load, follow --------------------------------------------------

    async def _main(self) -> None:
        self.post(msg.ConnectionChanged(self.thread_id, "connecting"))
        while not self._closed:
            began = time.monotonic()
            try:
                await self._reconnect()
                if not self._loaded.is_set():
                    await self._open()
                    await self._load()
                else:
                    await self._resync()
                await self._follow()
            except asyncio.CancelledError:
                raise
            except EngineError:
                return
            except Exception as exc:
                if is_disconnect(exc):
                    self._went_offline(exc)
                elif isinstance(exc, NotFoundError) and await self._gone():
                    return
                else:
                    logger.warning("session %s: %r", self.thread_id, exc)
                    self.post(msg.Notice(self.thread_id, friendly_error(exc), "Engine", "error"))
            if time.monotonic() - began < 1.0:
                await asyncio.sleep(0.5)  # never spin on a server that keeps closing on us

    async def _gone(self) -> bool:
        """After a 404: if the thread itself no longer exists (another client deleted it, or
        the server restarted without it), say so once, end what was in flight and stop."""
        tid = self.thread_id
        if self.failed:
            return True  # said already (the sender and the follower can both meet the 404)
        try:
            if not tid or await self.backend.thread_exists(tid):
                return False
        except Exception:
            return False
        self.policies.cancel()  # a retry countdown or an open ask: nothing left to send to
        self.failed = (
            f"Thread {tid[:8]} no longer exists on the server (deleted by another client, or "
            "the server restarted without it). Ctrl+N starts a new thread."
        )
        for entry in self.log.ordered():
            if entry.fate in ACTIVE:
                cause = Cause("error", detail="the thread no longer exists")
                self.log.set_fate(entry.key, Fate.ERROR, cause).ended = self.clock()
                self.post(msg.FateChanged(tid, entry.snapshot()))
        self.post(msg.Notice(tid, self.failed, "Thread gone", "warning"))
        return True

    async def _open(self) -> None:
        created = False
        if self.thread_id and not await self.backend.thread_exists(self.thread_id):
            text = f"Thread {self.thread_id[:8]} no longer exists; started a new one."
            self.post(msg.Notice(self.thread_id, text, "Threads", "warning"))
            self.thread_id = None
        if self.thread_id is None:
            self.thread_id = await self.backend.new_thread(self.user_id)
            created = True
        self.post(msg.ThreadOpened(self.thread_id, created))

    async def _load(self) -> None:
        """Build the thread as the server tells it, then show it in one go."""
        tid = self.thread_id or ""
        messages = await self.backend.messages(tid)
        waiting = [e for e in self.log.ordered() if e.fate is Fate.WAITING]
        replay: list[Mapping[str, Any]] = []
        self.source = await choose_source(
            self.backend, tid, self.sources, self.story, self.clock(), replay
        )
        for entry in waiting:  # sent before the thread was loaded: they come after its past
            entry.order = self.log._next_order()
        self.policies.steered(messages)
        entries = self.log.ordered()
        self._announced |= {e.key for e in entries}
        turns = compose(entries, messages)
        self.post(msg.ThreadLoaded(tid, turns, [e.snapshot() for e in entries]))
        self.post(msg.SourceChosen(tid, self.source, BLIND_SPOTS[self.source]))
        for event in replay:
            self.post(msg.StoryEvent(tid, event))
        if self.source != "story":
            self._watch_client_side()
        self._loaded.set()
        self.todo_watch.wake()
        for entry in entries:
            self.replies.after_change(entry)

    async def _resync(self) -> None:
        """Back online: catch up on what happened meanwhile, re-open streams of active runs."""
        tid = self.thread_id or ""
        if self.source == "story":
            for event in await self.backend.story(tid, self.story.seq):
                self._on_story(event)
        else:
            await self._poll()
        for entry in self.log.ordered():
            self.replies.after_change(entry)

    async def _follow(self) -> None:
        tid = self.thread_id or ""
        if self.source == "story":
            try:
                async for part in self.backend.follow_thread(tid, "story", self.story.seq):
                    if part.event == "story" and isinstance(part.data, Mapping):
                        self._on_story(part.data)
                return
            except NotServed:
                self._fall_back("lifecycle")
        if self.source == "lifecycle":
            try:
                await self._follow_lifecycle(tid)
                return
            except NotServed:
                self._fall_back("poll")
        while not self._closed and self.online:
            await self._poll()
            quiet = not self.log.has_active() and not self._creating
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_IDLE_S if quiet else POLL_ACTIVE_S)
            self._wake.clear()

    async def _follow_lifecycle(self, tid: str) -> None:
        """Read runs.list at each run start or end the lifecycle stream tells, and whenever the
        session is woken (a reply stream ended, a cancel was sent): `langgraph dev` keeps the
        stream open and silent once the thread is deleted, its runs with it."""
        stream = aiter(self.backend.follow_thread(tid, "lifecycle"))
        part: asyncio.Future[Any] = asyncio.ensure_future(anext(stream))
        woken: asyncio.Future[Any] = asyncio.ensure_future(self._wake.wait())
        try:
            await self._poll_folded()
            while True:
                await asyncio.wait((part, woken), return_when=asyncio.FIRST_COMPLETED)
                if woken.done():
                    self._wake.clear()
                    woken = asyncio.ensure_future(self._wake.wait())
                if part.done():
                    try:
                        told = part.result()
                    except StopAsyncIteration:
                        return
                    if self.recorder is not None:
                        self.recorder.lifecycle(told, self.clock())
                    part = asyncio.ensure_future(anext(stream))
                await self._poll_folded()  # a run started or ended: read the runs now
        finally:
            part.cancel()
            woken.cancel()
            with contextlib.suppress(BaseException):
                await part  # let the stream's generator see its cancellation
            await stream.aclose()

    def _fall_back(self, source: str) -> None:
        if source not in self.sources:
            source = "poll"
        self.source = source
        self.post(msg.SourceChosen(self.thread_id, source, BLIND_SPOTS[source]))
        self._watch_client_side()

    async def _poll(self) -> bool:
        """Read runs.list and fold it in; False if a create in flight kept it out."""
        started = self.clock()
        runs = await self.backend.runs(self.thread_id or "")
        if self.recorder is not None:
            self.recorder.listed(Snapshot(started, tuple(runs)))
        if self._creating:
            self._wake.set()  # a create is in flight: its run may be listed before it is bound
            return False
        self._announce(self.log.apply_runs(runs, self.clock(), since=started))
        return True

    async def _poll_folded(self) -> None:
        """`_poll` until an answer is folded in: the lifecycle stream prompts once per start or
        end, so an answer kept out by a create is read again once no create is in flight."""
        while not await self._poll():
            await self._no_creates.wait()

    def creating(self, begins: bool) -> None:
        """A create call begins or ends: while any is in flight, story events about runs not
        bound yet (maybe its own) wait, and every event after them; the last one to end folds
        them in, in order."""
        self._creating += 1 if begins else -1
        if self._creating:
            self._no_creates.clear()
        else:
            self._no_creates.set()
        if not self._creating and self._deferred:
            deferred, self._deferred = self._deferred, []
            for event in deferred:
                self._on_story(event)

    def _on_story(self, event: Mapping[str, Any]) -> None:
        if self._creating and (self._deferred or self.story.unknown_run(event)):
            # maybe our own run, whose create has not returned; later events wait behind it
            self._deferred.append(event)
            return
        # the fates first: the screen knows who cut a run (a client policy, a key) before the
        # timeline shows the cut and says why
        self._announce(self.story.apply(event))
        self.post(msg.StoryEvent(self.thread_id, event))
        if event.get("kind") in ("store_write", "run_ended", "run_rolled_back"):
            self.todo_watch.wake()

    # -- telling the UI -----------------------------------------------------------------------

    def _announce(self, changed: Iterable[Entry]) -> None:
        for entry in changed:
            self.policies.known_cause(entry)
            tid = self.thread_id
            if entry.key not in self._announced:
                self._announced.add(entry.key)
                if entry.fate is Fate.REJECTED:
                    self.post(msg.Rejected(tid, entry.snapshot()))
                else:
                    self.post(msg.RunAccepted(tid, entry.snapshot()))
            else:
                self.post(msg.FateChanged(tid, entry.snapshot()))
            self.replies.after_change(entry)
            if entry.fate in FINAL and self.source != "story" and entry.run_id:
                self.todo_watch.wake()
                if self.recorder is not None:
                    self.recorder.run_ended()

    def _absorb(self, key: str, data: Any) -> None:
        """One reply-stream event of turn `key` (the replies' seam: tests slow a stream here)."""
        self.replies.absorb(key, data)

    # -- sending ----------------------------------------------------------------------------

    async def _sender(self) -> None:
        """One message at a time, in the order typed: the server queues in arrival order."""
        while True:
            entry, configurable = await self._outbox.get()
            await self._create(entry, configurable)

    async def _create(self, entry: Entry, configurable: dict[str, Any]) -> None:
        while True:
            await self._loaded.wait()
            if self.failed:
                return  # the thread is gone: `_gone` ended this entry already
            if not self.online:
                try:
                    await self._reconnect()
                except EngineError:
                    return
            self.creating(True)
            sent_at = self.clock()
            try:
                if entry.policy:
                    run = await self.policies.create(entry, configurable)
                else:
                    run = await self.backend.create_run(
                        self.thread_id or "",
                        entry.text,
                        entry.human_id or "",
                        entry.strategy,
                        self.user_id,
                        configurable,
                    )
            except ConflictError as exc:
                if not entry.policy:  # a policy's refusals were each seen as they came
                    self.saw_refused(sent_at, entry.text, entry.strategy, exc)
                self.log.rejected_local(entry.key)
                self.post(msg.Rejected(self.thread_id, entry.snapshot()))
                return
            except Withdrawn as exc:
                if self.failed:
                    return  # called off because the thread is gone: `_gone` ended this entry
                self.log.set_fate(entry.key, Fate.WITHDRAWN, Cause("reason", detail=str(exc)))
                entry.ended = self.clock()
                self.post(msg.Withdrawn(self.thread_id, entry.snapshot()))
                return
            except Exception as exc:
                if is_disconnect(exc):
                    self._went_offline(exc)
                    if entry.fate is not Fate.WAITING:
                        self.log.set_fate(entry.key, Fate.WAITING)
                        self.post(msg.FateChanged(self.thread_id, entry.snapshot()))
                    continue
                if isinstance(exc, NotFoundError) and await self._gone():
                    return  # the thread was deleted: `_gone` ended this entry and said so
                text = friendly_error(exc, self.backend.url)
                self.log.set_fate(entry.key, Fate.ERROR, Cause("error", detail=text))
                self.post(msg.FateChanged(self.thread_id, entry.snapshot()))
                self.post(msg.Notice(self.thread_id, text, "Send failed", "error"))
                return
            else:
                changed = self.log.accepted(entry.key, run, self.clock())
                self.saw(Sent(sent_at, entry.text, entry.strategy, str(run["run_id"])))
                self.post(msg.RunAccepted(self.thread_id, entry.snapshot()))
                self._announce(c for c in changed if c is not entry)
                self.replies.after_change(entry)
                self._wake.set()
                return
            finally:
                self.creating(False)

    async def _cancel(self, thread_id: str, run_id: str, action: str) -> None:
        at = self.clock()
        try:
            await self.backend.cancel(thread_id, run_id, action)
        except Exception as exc:
            if isinstance(exc, NotFoundError):
                self.saw(CancelSent(at, run_id, action, 404))
            text = friendly_error(exc, self.backend.url)
            self.post(msg.Notice(thread_id, text, "Cancel", "error"))
            return
        self.saw(CancelSent(at, run_id, action))
        self._wake.set()

    # -- the timeline without a story: what this client saw ----------------------------------

    def _watch_client_side(self) -> None:
        """From now on keep what this client sees (no story here): the timeline's source."""
        if self.recorder is None:
            tid = self.thread_id or ""
            self.recorder = ClientRecorder(
                tid,
                lambda: fetch.get_history(self.backend.client, tid),
                self._publish_timeline,
                lambda: self.log.has_active() or bool(self._creating),
            )
            self.spawn(self.recorder.run())

    def _publish_timeline(self, timeline: Timeline, quiet: bool, view: ClientView) -> None:
        self.post(msg.TimelineBuilt(self.thread_id, timeline, quiet, view))

    def saw_refused(self, at: float, text: str, strategy: str, error: Exception | None) -> None:
        """A create sent at `at` that got a 409 (`error`, whose detail says why), while the
        runs active now were in the way."""
        detail = error_detail(error) if error is not None else None
        busy = tuple(self.log.active_run_ids())
        self.saw(Sent(at, text, strategy, None, 409, detail, busy))

    def saw(self, what: Sent | CancelSent) -> None:
        """A create or cancel this client made (the session's own, or a policy's), for the
        client-side timeline where the server tells no story."""
        if self.recorder is not None and isinstance(what, Sent):
            self.recorder.sent(what)
        elif self.recorder is not None and isinstance(what, CancelSent):
            self.recorder.cancelled(what)
