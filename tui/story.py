"""The thread's story (docs/story.md) folded into the run log and the todo ledger. Pure.

The engine records every event of a run's life per thread and serves it from the first event
(`GET /threads/{id}/story`, then `threads.join_stream(id, stream_mode="story")`). Replaying it
rebuilds everything the app shows — fates with causes, rejected attempts, rolled-back runs,
which run wrote which todo — for any thread, after a restart, and for runs other clients sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tui.ledger import TodoLedger
from tui.runstate import (
    Cause,
    Entry,
    Fate,
    ThreadLog,
    cause_from,
    fate_from_status,
    parse_ts,
    read_metadata,
)

RUN_KINDS = frozenset({"run_accepted", "run_started", "run_ended", "run_rolled_back"})


@dataclass
class StoryReducer:
    log: ThreadLog
    ledger: TodoLedger = field(default_factory=TodoLedger)
    seq: int = 0  # last event folded in (the `Last-Event-ID` to resume from)

    def unknown_run(self, event: Mapping[str, Any]) -> bool:
        """An event about a run the log has not bound yet (maybe our own create in flight)."""
        run_id = event.get("run_id")
        return event.get("kind") in RUN_KINDS and bool(run_id) and self.log.run(run_id) is None

    def apply(self, event: Mapping[str, Any]) -> list[Entry]:
        """Fold one event in; return the entries whose fate, cause or position changed."""
        seq = int(event.get("seq") or 0)
        if seq and seq <= self.seq:
            return []  # already seen (a resumed stream may repeat the last event)
        self.seq = max(self.seq, seq)
        handler = getattr(self, f"_on_{event.get('kind')}", None)
        if handler is None:
            return []
        changed: list[Entry] = handler(event)
        changed += self.log._renumber()
        unique: dict[str, Entry] = {e.key: e for e in changed}
        return list(unique.values())

    def _entry(self, event: Mapping[str, Any]) -> Entry:
        run_id = str(event["run_id"])
        entry = self.log.run(run_id)
        if entry is None:  # its acceptance is older than the story keeps
            entry = self.log.adopt(run_id, str(event.get("text") or ""), "enqueue")
        return entry

    def _on_run_accepted(self, event: Mapping[str, Any]) -> list[Entry]:
        known = self.log.run(str(event["run_id"]))
        entry = self._entry(event)
        if known is None or not entry.text:
            entry.text = str(event.get("text") or entry.text)
        read_metadata(entry, event.get("metadata"))
        entry.strategy = str(event.get("strategy") or entry.strategy)
        entry.created = parse_ts(event.get("at")) or entry.created
        if entry.fate in (Fate.SENDING, Fate.WAITING):
            entry.fate = Fate.QUEUED
        return [entry]

    def _on_run_started(self, event: Mapping[str, Any]) -> list[Entry]:
        entry = self._entry(event)
        entry.fate = Fate.RUNNING
        entry.attempt = int(event.get("attempt") or 1)
        entry.started = parse_ts(event.get("at")) or entry.started
        return [entry]

    def _on_run_ended(self, event: Mapping[str, Any]) -> list[Entry]:
        entry = self._entry(event)
        if entry.fate is Fate.ROLLED_BACK:
            return []
        entry.fate = fate_from_status(event.get("status"))
        entry.ended = parse_ts(event.get("at"))
        error = event.get("error")
        if entry.fate is Fate.DONE:
            entry.cause = None
        elif isinstance(error, Mapping) and (error.get("message") or error.get("error")):
            detail = ": ".join(str(v) for v in (error.get("error"), error.get("message")) if v)
            entry.cause = Cause("error", detail=detail)
        else:
            entry.cause = cause_from(event.get("cause"), event.get("reason"))
        return [entry]

    def _on_run_rolled_back(self, event: Mapping[str, Any]) -> list[Entry]:
        entry = self._entry(event)
        entry.fate = Fate.ROLLED_BACK
        entry.ended = parse_ts(event.get("at")) or entry.ended
        entry.cause = cause_from(event.get("cause"), event.get("reason")) or entry.cause
        return [entry]

    def _on_rejected(self, event: Mapping[str, Any]) -> list[Entry]:
        """One refused create. Ours when a message of this session with the same text got a
        409 the story has not told yet, or has a create in flight (the event may come before
        the answer): it is not another attempt, and a retrying policy's 409s are not entries."""
        text = str(event.get("text") or "")
        cause = Cause("busy", busy=tuple(str(r) for r in event.get("busy_run_ids") or ()))
        seq = int(event.get("seq") or 0)
        mine = next((e for e in self.log.ordered() if _awaits_rejection(e, text)), None)
        entry = mine or self.log.add_rejection(f"rejected:{seq}", text, str(event.get("strategy")))
        entry.story_seq = seq
        entry.told += 1
        entry.created = entry.created or parse_ts(event.get("at"))
        if entry.fate is not Fate.REJECTED:
            return []  # still sending (a retry may follow), withdrawn, or sent after all
        entry.cause = cause
        return [entry]

    def _on_store_write(self, event: Mapping[str, Any]) -> list[Entry]:
        self.ledger.record(event.get("namespace") or (), str(event.get("key")), event.get("run_id"))
        return []


def _awaits_rejection(entry: Entry, text: str) -> bool:
    if not entry.mine or entry.text != text:
        return False
    return entry.told < entry.refused or (entry.fate is Fate.SENDING and entry.run_id is None)
