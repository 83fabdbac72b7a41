"""Each run's reply stream, and the settling of a finished turn: the per-run part of a session.

A `ThreadSession` follows the thread as a whole; this helper, which it owns, follows one run at
a time — it opens the reply stream of a run in flight, tells the UI each delta and tool call as
it comes, and once the run is over makes its turn show exactly what the thread's state kept.
It posts through the session and never touches a widget.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tui import messages as msg
from tui.history import kept_after
from tui.message_chunks import AIDelta, ToolCallState, ToolResult, parse_message
from tui.runstate import FINAL, ON_SERVER, Entry, Fate, human_id_of, message_of
from tui.text import first_line

if TYPE_CHECKING:
    from tui.session import ThreadSession

logger = logging.getLogger(__name__)


class ReplyStreams:
    """The reply streams of one session's runs; `after_change` whenever an entry changed."""

    def __init__(self, session: ThreadSession) -> None:
        self.session = session
        self.open: set[str] = set()  # run ids whose reply stream is open
        self._calls: dict[str, ToolCallState] = {}
        self._settled: dict[str, Fate] = {}

    def after_change(self, entry: Entry) -> None:
        """Open the reply stream of a run in flight; settle the turn of a finished one."""
        s = self.session
        if not entry.run_id:
            return
        if entry.fate in ON_SERVER and entry.run_id not in self.open:
            self.open.add(entry.run_id)
            if not entry.mine and entry.human_id is None:
                s.spawn(self._learn(entry))
            s.spawn(self._follow(entry))
        elif (
            entry.fate in FINAL
            and entry.run_id not in self.open
            and self._settled.get(entry.key) is not entry.fate
        ):
            s.spawn(self.settle(entry))

    async def _learn(self, entry: Entry) -> None:
        """Another client's run: read its input for the human message id (and text)."""
        s = self.session
        with contextlib.suppress(Exception):
            run = await s.backend.run(s.thread_id or "", entry.run_id or "")
            if run:
                entry.human_id = human_id_of(run)
                if not entry.text and message_of(run):
                    entry.text = message_of(run)
                    s.post(msg.FateChanged(s.thread_id, entry.snapshot()))

    async def _follow(self, entry: Entry) -> None:
        s = self.session
        run_id, tid = entry.run_id or "", s.thread_id or ""
        try:
            async for part in s.backend.follow(tid, run_id):
                if part.event == "messages":
                    s._absorb(entry.key, part.data)  # through the session: tests hook it there
                elif part.event == "error" and entry.mine:
                    data = part.data if isinstance(part.data, Mapping) else {}
                    text = str(data.get("message") or data.get("error") or part.data)
                    s.post(msg.Notice(tid, text, "Run failed", "error"))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.info("stream of %s ended: %r", run_id, exc)
        finally:
            self.open.discard(run_id)
            s.post(msg.ReplyEnded(tid, entry.key))
        s.wake()
        if entry.fate in FINAL:
            await self.settle(entry)

    def absorb(self, key: str, data: Any) -> None:
        """One `messages` event of the stream of turn `key`, told as a delta or a tool line."""
        s = self.session
        update = parse_message(data)
        tid = s.thread_id
        if isinstance(update, ToolResult):
            title = first_line(" ".join(update.content.split())) or update.name
            s.post(msg.ToolActivity(tid, key, update.message_id, title, update.content, "result"))
        elif isinstance(update, AIDelta):
            if update.text:
                s.post(msg.ReplyDelta(tid, key, update.message_id, update.text, update.whole))
            for call in update.tool_calls:
                widget_key = f"{update.message_id}:{call.index}"
                state = self._calls.setdefault(f"{key}/{widget_key}", ToolCallState())
                state.absorb(call)
                title, detail = state.title(), state.detail()
                s.post(msg.ToolActivity(tid, key, widget_key, title, detail, "call"))

    async def settle(self, entry: Entry) -> None:
        """Make a finished turn show exactly what the thread's state kept."""
        s = self.session
        fate = entry.fate
        if self._settled.get(entry.key) is fate:
            return
        self._settled[entry.key] = fate
        kept: list[Mapping[str, Any]] = []
        messages: list[dict[str, Any]] = []
        if fate not in (Fate.ROLLED_BACK, Fate.REJECTED):
            try:
                messages = await s.backend.messages(s.thread_id or "")
            except Exception as exc:
                self._settled.pop(entry.key, None)
                logger.info("settling %s failed: %r", entry.key, exc)
                return
            kept = kept_after(messages, entry.human_id, entry.text)
        s.post(msg.TurnSettled(s.thread_id, entry.key, kept))
        for taken in s.policies.steered(messages, by=entry.run_id):
            # the reply that answers a message this run took in follows that message
            kept_taken = kept_after(messages, taken.human_id, taken.text)
            s.post(msg.TurnSettled(s.thread_id, taken.key, kept_taken))
