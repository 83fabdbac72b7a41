"""The todo panel's feed: the user's todos, read again whenever something may have changed them.

A `ThreadSession` owns one; it is woken by store writes and run ends (coalesced, at most one
read every 0.15 s), credits each change to a run through the story's `TodoLedger`, and posts
`TodosChanged`. Apart from the session so the thread's runs and the store's todos stay two
concerns.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from langgraph_sdk.errors import AuthenticationError, NotFoundError, PermissionDeniedError

from tui import messages as msg
from tui.client import todo_namespace
from tui.runstate import FINAL

if TYPE_CHECKING:
    from tui.session import ThreadSession

logger = logging.getLogger(__name__)


class TodoWatch:
    """`run()` as a worker; `wake()` when the todos may have changed."""

    def __init__(self, session: ThreadSession) -> None:
        self.session = session
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Refresh the todo panel when asked, at most every 0.15 s."""
        while True:
            await self._wake.wait()
            await asyncio.sleep(0.15)
            self._wake.clear()
            # Not before the thread is loaded: until its source is chosen, who wrote what is not
            # known, and the fallback would credit a todo to whichever run had ended last (a
            # full suite's load once showed run 2's todo as run 1's). The load wakes it.
            if self.session.online and self.session.source is not None:
                await self._refresh()

    async def _refresh(self) -> None:
        s = self.session
        namespace = todo_namespace(s.user_id)
        problem = ""
        try:
            items = await s.backend.todos(s.user_id)
        except (AuthenticationError, PermissionDeniedError, NotFoundError) as exc:
            code = getattr(getattr(exc, "response", None), "status_code", "")
            problem = (
                f"This server does not let this client read the store ({code}): "
                "todos may exist but cannot be shown."
            )
            items = []
        except Exception as exc:
            logger.info("todo refresh failed: %r", exc)
            return
        ledger = s.story.ledger
        if s.source != "story" and not problem:
            finished = [e for e in s.log.ordered() if e.fate in FINAL and e.run_id]
            credit = max(finished, key=lambda e: e.ended or 0.0).run_id if finished else None
            ledger.observe(namespace, items, credit)
        rows = ledger.rows(namespace, items, s.log.fates())
        s.post(msg.TodosChanged(s.thread_id, rows, problem))
