"""Which run a thread's driver takes next, known without a read when a transaction just saw it.

Accepting a run and ending one are transactions on the thread's queue anyway; each also reads
the thread's oldest pending run (the driver's next) in the same trip, so the driver need not
read it again. What one of them saw is kept only if nothing that may add a pending run was
queued after it (`peeker(..., adds=True)` marks that): transactions run in the order they are
queued, so a kept answer is the queue as the last of them left it. A kept run that was since
cancelled or removed costs nothing wrong: its claim refuses it and the driver reads again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class NextRuns:
    def __init__(self) -> None:
        self._tokens: dict[str, object] = {}  # thread -> the last peek queued for it
        self._seen: dict[str, Any] = {}  # thread -> its oldest pending row (None: none)

    def peeker(self, thread_id: str, adds: bool = False) -> Callable[[Any], None]:
        """Call right before queueing a transaction that reads the thread's next run; `adds`:
        the transaction may itself add a pending run (what was seen before is then stale)."""
        if adds:
            self._seen.pop(thread_id, None)
        token = object()
        self._tokens[thread_id] = token

        def peek(row: Any) -> None:
            if self._tokens.get(thread_id) is token:  # no later transaction queued meanwhile
                del self._tokens[thread_id]
                self._seen[thread_id] = row

        return peek

    def changed(self, thread_id: str) -> None:
        """A pending run was added other than by a peeking transaction (recovery's requeue)."""
        self._seen.pop(thread_id, None)
        self._tokens.pop(thread_id, None)

    def take(self, thread_id: str) -> tuple[bool, Any]:
        """(known, row): the thread's next run as last seen, once."""
        if thread_id in self._seen:
            return True, self._seen.pop(thread_id)
        return False, None
