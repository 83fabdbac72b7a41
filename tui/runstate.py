"""The run-state model: which fate each sent message has, derived from server run records.

Pure (no Textual, no I/O) so it can be unit-tested. The app feeds it the result of every
`runs.list` poll; it answers "what changed" so widgets update only when something did.

A message's fate follows its run: `pending` → queued (with its position in the thread's FIFO),
`running`, `success` → done, `interrupted`, `error`/`timeout`. A run that was known and then
disappears from the list while it was still active was rolled back (the server deletes it). A
409 on create means the run never existed: rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Fate(StrEnum):
    SENDING = "sending"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    INTERRUPTED = "interrupted"
    ROLLED_BACK = "rolled back"
    REJECTED = "rejected"
    ERROR = "error"
    TIMEOUT = "timeout"


ACTIVE = frozenset({Fate.SENDING, Fate.QUEUED, Fate.RUNNING})
FINAL = frozenset(set(Fate) - ACTIVE)

_STATUS_TO_FATE: dict[str, Fate] = {
    "pending": Fate.QUEUED,
    "running": Fate.RUNNING,
    "success": Fate.DONE,
    "interrupted": Fate.INTERRUPTED,
    "error": Fate.ERROR,
    "timeout": Fate.TIMEOUT,
}


def fate_from_status(status: str | None, previous: Fate | None = None) -> Fate:
    """Map a server run status to a fate; `None` means the run is gone from the server.

    A run vanishes only through rollback (there is no `rolled_back` status); a run we never saw
    finish and that is now missing was rolled back. An already-final fate is kept when the run
    merely scrolled out of the list.
    """
    if status is None:
        if previous is None or previous in ACTIVE or previous is Fate.INTERRUPTED:
            return Fate.ROLLED_BACK
        return previous
    return _STATUS_TO_FATE.get(status, Fate.ERROR)


def parse_ts(value: str | None) -> float | None:
    """ISO-8601 timestamp from the API → epoch seconds (None if absent or unparsable)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def queue_positions(runs: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """1-based FIFO position of each pending run (oldest pending run is next, position 1)."""
    pending = [r for r in runs if r.get("status") == "pending"]
    pending.sort(key=lambda r: (r.get("created_at") or "", r.get("run_id") or ""))
    return {r["run_id"]: i for i, r in enumerate(pending, start=1)}


def message_of(run: Mapping[str, Any]) -> str:
    """The human text a run was created with, read from its kwargs when the server keeps them."""
    try:
        messages = run["kwargs"]["input"]["messages"]
        content = messages[-1]["content"] if isinstance(messages, list) else messages
    except (KeyError, TypeError, IndexError):
        return ""
    return content if isinstance(content, str) else str(content)


@dataclass
class TrackedRun:
    """One message the user sent and what became of it."""

    local_id: str
    text: str
    strategy: str
    run_id: str | None = None
    fate: Fate = Fate.SENDING
    position: int | None = None
    created: float | None = None
    finished: float | None = None
    human_id: str | None = None
    error: str | None = None


@dataclass
class RunRow:
    """One line of the run panel."""

    run_id: str
    message: str
    strategy: str
    fate: Fate
    position: int | None
    created: float | None
    updated: float | None
    noted: float = 0.0


@dataclass
class RunBook:
    """Every run of the current thread: ours (tied to messages) and any others the server lists."""

    tracked: dict[str, TrackedRun] = field(default_factory=dict)
    rows: dict[str, RunRow] = field(default_factory=dict)

    def add(self, tracked: TrackedRun) -> None:
        self.tracked[tracked.local_id] = tracked

    def by_run_id(self, run_id: str) -> TrackedRun | None:
        return next((t for t in self.tracked.values() if t.run_id == run_id), None)

    def has_active(self) -> bool:
        return any(t.fate in ACTIVE for t in self.tracked.values()) or any(
            r.fate in ACTIVE for r in self.rows.values()
        )

    def active_run_ids(self) -> list[str]:
        """Run ids that are pending or running, running first then FIFO."""
        rows = [r for r in self.rows.values() if r.fate in (Fate.RUNNING, Fate.QUEUED)]
        rows.sort(key=lambda r: (r.fate is not Fate.RUNNING, r.position or 0, r.created or 0))
        return [r.run_id for r in rows]

    def note_created(self, run: Mapping[str, Any], now: float) -> list[TrackedRun]:
        """Record a run straight from the create response, before the next poll sees it."""
        self._put(run, now)
        queued = [r for r in self.rows.values() if r.fate is Fate.QUEUED]
        queued.sort(key=lambda r: (r.created or 0.0, r.run_id))
        for i, row in enumerate(queued, start=1):
            row.position = i
        return self._sync_tracked(now)

    def apply(
        self, runs: list[Mapping[str, Any]], now: float, since: float | None = None
    ) -> list[TrackedRun]:
        """Fold one poll result in; return the tracked messages whose fate or position changed.

        `since` is when the poll request was sent: a run first noted after that cannot be in
        the answer yet, so its absence does not mean it was rolled back.
        """
        positions = queue_positions(runs)
        seen: set[str] = set()
        for run in runs:
            seen.add(run["run_id"])
            self._put(run, now, positions.get(run["run_id"]))
        for rid, row in self.rows.items():
            fresh = since is not None and row.noted > since
            vanished = rid not in seen and not fresh and row.fate is not Fate.ROLLED_BACK
            if vanished and fate_from_status(None, row.fate) is Fate.ROLLED_BACK:
                row.fate, row.position, row.updated = Fate.ROLLED_BACK, None, now
        return self._sync_tracked(now)

    def _put(self, run: Mapping[str, Any], now: float, position: int | None = None) -> None:
        rid = run["run_id"]
        old = self.rows.get(rid)
        tracked = self.by_run_id(rid)
        self.rows[rid] = RunRow(
            run_id=rid,
            message=tracked.text if tracked else (old.message if old else message_of(run)),
            strategy=run.get("multitask_strategy") or "enqueue",
            fate=fate_from_status(run.get("status")),
            position=position,
            created=parse_ts(run.get("created_at")),
            updated=parse_ts(run.get("updated_at")),
            noted=old.noted if old else now,
        )

    def _sync_tracked(self, now: float) -> list[TrackedRun]:
        changed: list[TrackedRun] = []
        for t in self.tracked.values():
            row = self.rows.get(t.run_id or "")
            if row is None or (row.fate, row.position) == (t.fate, t.position):
                continue
            t.fate, t.position = row.fate, row.position
            if t.fate in FINAL and t.finished is None:
                t.finished = now
            changed.append(t)
        return changed

    def ordered_rows(self) -> list[RunRow]:
        """Newest first, like `runs.list`."""
        return sorted(self.rows.values(), key=lambda r: r.created or 0.0, reverse=True)


def elapsed(row: RunRow, now: float) -> float | None:
    """Seconds since creation, frozen once the run is final."""
    if row.created is None:
        return None
    end = now if row.fate in ACTIVE else (row.updated or now)
    return max(0.0, end - row.created)


def fate_label(fate: Fate, position: int | None = None) -> str:
    """Short text for a message badge: `queued #2`, `running`, `rolled back`, …"""
    if fate is Fate.QUEUED and position:
        return f"queued #{position}"
    return str(fate)
