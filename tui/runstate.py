"""What became of each message sent on a thread: its fate, and why. Pure: no Textual, no I/O.

A `ThreadLog` holds one `Entry` per double-texting attempt on the thread — a run (sent from this
app or by another client) or a message the server rejected (409, no run exists). Three sources
feed it and each says what changed, so the session posts Messages only for real changes:

- this app's own sends (`add_local`, `accepted`, `rejected_local`, …);
- the thread's story (`tui.story` turns story events into calls on this log);
- on servers without a story, `runs.list` snapshots (`apply_runs`), where a run that vanished
  while it was active was rolled back (the server deletes it), and causes are read from the run's
  `cancel_reason` when the server sends one, else inferred from the strategies of later runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from tui.strategies import BY_NAME


class Fate(StrEnum):
    WAITING = "waiting for engine"
    SENDING = "sending"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    INTERRUPTED = "interrupted"
    ROLLED_BACK = "rolled back"
    REJECTED = "rejected"
    WITHDRAWN = "not sent"  # a policy asked or waited, and the user called it off: no run exists
    ERROR = "error"
    TIMEOUT = "timeout"


ACTIVE = frozenset({Fate.WAITING, Fate.SENDING, Fate.QUEUED, Fate.RUNNING})
FINAL = frozenset(set(Fate) - ACTIVE)
ON_SERVER = frozenset({Fate.QUEUED, Fate.RUNNING})

_STATUS_TO_FATE: dict[str, Fate] = {
    "pending": Fate.QUEUED,
    "running": Fate.RUNNING,
    "success": Fate.DONE,
    "interrupted": Fate.INTERRUPTED,
    "error": Fate.ERROR,
    "timeout": Fate.TIMEOUT,
}


def fate_from_status(status: str | None) -> Fate:
    return _STATUS_TO_FATE.get(status or "", Fate.ERROR)


# -- causes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cause:
    """Why an entry ended as it did, as data; `describe` puts it in words.

    kind: `run` (superseded by `run_id` with `strategy`), `cancel` (a cancel request: Esc or
    Ctrl+B in this app), `busy` (rejected while `busy` runs were in flight), `reason` (any other
    server wording, in `detail`), `error` (the run failed, `detail`), `taken` (a steer message
    the run `run_id` took in), `replaced` (keep latest cancelled it for a newer message),
    `unknown`.
    """

    kind: str
    run_id: str | None = None
    strategy: str | None = None
    busy: tuple[str, ...] = ()
    detail: str = ""


SUPERSEDED = re.compile(
    r"superseded by run (?P<run>[0-9a-fA-F-]+) \(multitask_strategy=(?P<s>\w+)\)"
)
_REASONS = {
    "client disconnected": "client disconnected",
    "engine shutdown": "engine shut down",
    "crash recovery": "crash recovery",
}


def cause_from(cause: Mapping[str, Any] | None, reason: str | None = None) -> Cause | None:
    """A story `cause` object and/or the server's `reason` wording → Cause (None if neither)."""
    if cause and cause.get("run_id"):
        return Cause("run", run_id=str(cause["run_id"]), strategy=cause.get("strategy"))
    if cause and cause.get("request"):
        return Cause("cancel", detail=str(cause["request"]))
    if not reason:
        return None
    found = SUPERSEDED.search(reason)
    if found:
        return Cause("run", run_id=found["run"], strategy=found["s"])
    if "cancel" in reason and "POST" in reason:
        return Cause("cancel", detail=reason[reason.index("POST") :])
    for prefix, words in _REASONS.items():
        if reason.startswith(prefix):
            return Cause("reason", detail=words)
    return Cause("reason", detail=reason)


def _key_of(strategy: str | None) -> str:
    info = BY_NAME.get(strategy or "")  # type: ignore[call-overload]
    return f"{info.key.upper()} {info.name}" if info else str(strategy or "?")


def describe(fate: Fate, cause: Cause | None, short: Callable[[str], str]) -> str:
    """The fate in words, with its cause: `interrupted by run 1a2b3c4d (F2 interrupt)`."""
    verb = str(fate)
    if cause is None:
        return verb
    if cause.kind == "taken" and cause.run_id:
        return f"taken in by run {short(cause.run_id)} (steer)"
    if cause.kind == "replaced":
        return "replaced by a newer message (keep latest)"
    if cause.kind == "run" and cause.run_id:
        return f"{verb} by run {short(cause.run_id)} ({_key_of(cause.strategy)})"
    if cause.kind == "cancel":
        key = {Fate.ROLLED_BACK: "Ctrl+B", Fate.INTERRUPTED: "Esc"}.get(fate)
        bulk = "/runs/cancel" in cause.detail and "/threads/" not in cause.detail
        how = "POST /runs/cancel" if bulk or not key else f"{key} (runs.cancel)"
        return f"{verb} by {how}"
    if cause.kind == "busy":
        who = ", ".join(short(r) for r in cause.busy) or "another run"
        return f"{verb}: busy with {who}"
    if cause.kind in ("reason", "error") and cause.detail:
        return f"{verb}: {cause.detail}"
    if cause.kind == "unknown":
        return f"{verb} (cause unknown)"
    return verb


# -- entries ----------------------------------------------------------------------------------


def parse_ts(value: str | None) -> float | None:
    """ISO-8601 timestamp from the API → epoch seconds (None if absent or unparsable)."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _human_of(run: Mapping[str, Any]) -> Mapping[str, Any] | None:
    try:
        messages = run["kwargs"]["input"]["messages"]
    except (KeyError, TypeError):
        return None
    if isinstance(messages, list) and messages and isinstance(messages[-1], Mapping):
        return messages[-1]
    return None


def message_of(run: Mapping[str, Any]) -> str:
    """The human text a run was created with, read from its kwargs when the server keeps them."""
    human = _human_of(run)
    content = human.get("content") if human else None
    return content if isinstance(content, str) else ("" if content is None else str(content))


def human_id_of(run: Mapping[str, Any]) -> str | None:
    human = _human_of(run)
    return str(human["id"]) if human and human.get("id") else None


@dataclass
class Entry:
    """One message sent on the thread (by anyone) and what became of it."""

    key: str  # local id for messages sent here, the run id for others, `rejected:<seq>`
    text: str
    strategy: str
    fate: Fate = Fate.SENDING
    cause: Cause | None = None
    run_id: str | None = None
    human_id: str | None = None
    position: int | None = None
    attempt: int = 1
    created: float | None = None
    started: float | None = None  # when it was first seen running (the story's time if served)
    ended: float | None = None
    mine: bool = False
    policy: str = ""  # the client policy that sent it (run metadata `policy`), if any
    steer: bool = False  # a steer message (run metadata `steer`): the running run may take it in
    order: float = 0.0  # when the log first heard of it: the thread's acceptance order
    story_seq: int | None = None  # the last story `rejected` event this entry matched
    refused: int = 0  # 409 answers this client got for it (a retrying policy gets several)
    told: int = 0  # story `rejected` events matched to it

    def snapshot(self) -> Entry:
        return replace(self)


def read_metadata(entry: Entry, metadata: Any) -> None:
    """What a run's metadata tells of a message sent by another client: its policy, a steer."""
    if not isinstance(metadata, Mapping):
        return
    entry.policy = entry.policy or str(metadata.get("policy") or "")
    entry.steer = entry.steer or bool(metadata.get("steer"))


def badge(entry: Entry, short: Callable[[str], str]) -> str:
    """`queued #2`, `interrupted by run 1a2b3c4d (F2 interrupt)`, `running · attempt 2`, …"""
    text = describe(entry.fate, entry.cause, short)
    if entry.fate is Fate.QUEUED and entry.position:
        text = f"queued #{entry.position}"
    if entry.attempt > 1:
        text += f" · attempt {entry.attempt}"
    return text


@dataclass
class ThreadLog:
    """Every entry of the current thread, keyed by `Entry.key`."""

    entries: dict[str, Entry] = field(default_factory=dict)
    by_run: dict[str, str] = field(default_factory=dict)
    cancels: dict[str, str] = field(default_factory=dict)  # run id → action this app asked for
    _counter: int = 0

    # -- reading -----------------------------------------------------------------------------

    def ordered(self) -> list[Entry]:
        """Acceptance order (oldest first): the order the thread's queue serves them."""
        return sorted(self.entries.values(), key=lambda e: e.order)

    def run(self, run_id: str) -> Entry | None:
        key = self.by_run.get(run_id)
        return self.entries.get(key) if key else None

    def active_run_ids(self) -> list[str]:
        """Runs in flight on the server, running first then queue order."""
        rows = [e for e in self.ordered() if e.fate in ON_SERVER and e.run_id]
        rows.sort(key=lambda e: e.fate is not Fate.RUNNING)
        return [e.run_id for e in rows if e.run_id]

    def run_ids(self) -> list[str]:
        """Every run id, in acceptance order."""
        return [e.run_id for e in self.ordered() if e.run_id]

    def has_active(self) -> bool:
        return any(e.fate in ACTIVE for e in self.entries.values())

    def fates(self) -> dict[str, Fate]:
        return {rid: self.entries[key].fate for rid, key in self.by_run.items()}

    # -- this app's sends ----------------------------------------------------------------------

    def _next_order(self) -> float:
        self._counter += 1
        return float(self._counter)

    def add_local(self, key: str, text: str, strategy: str, now: float, human_id: str) -> Entry:
        entry = Entry(key, text, strategy, mine=True, human_id=human_id, created=now)
        entry.order = self._next_order()
        self.entries[key] = entry
        return entry

    def set_fate(self, key: str, fate: Fate, cause: Cause | None = None) -> Entry:
        entry = self.entries[key]
        entry.fate, entry.cause = fate, cause
        return entry

    def accepted(self, key: str, run: Mapping[str, Any], now: float) -> list[Entry]:
        """Our create call returned: bind the run id (the story or a poll may know it already)."""
        entry = self.entries[key]
        run_id = str(run["run_id"])
        entry.run_id = run_id
        self.by_run[run_id] = key
        if entry.fate in (Fate.SENDING, Fate.WAITING):
            entry.fate = fate_from_status(run.get("status"))
        entry.created = parse_ts(run.get("created_at")) or now
        if entry.fate is Fate.RUNNING and entry.started is None:
            entry.started = now
        return [entry, *self._renumber()]

    def refused(self, key: str) -> None:
        """The server answered a create for this entry with 409 (the story tells it too)."""
        self.entries[key].refused += 1

    def rejected_local(self, key: str) -> Entry:
        busy = tuple(self.active_run_ids())
        entry = self.set_fate(key, Fate.REJECTED, Cause("busy", busy=busy))
        entry.refused = max(entry.refused, 1)  # a retrying policy counted each 409 already
        return entry

    def adopt(self, run_id: str, text: str, strategy: str) -> Entry:
        """A run this app did not send (another client, or a previous session)."""
        entry = Entry(run_id, text, strategy, Fate.QUEUED, run_id=run_id)
        entry.order = self._next_order()
        self.entries[run_id] = entry
        self.by_run[run_id] = run_id
        return entry

    def add_rejection(self, key: str, text: str, strategy: str) -> Entry:
        """A message the server refused (409) that another session sent: no run exists."""
        entry = Entry(key, text, strategy or "reject", Fate.REJECTED)
        entry.order = self._next_order()
        self.entries[key] = entry
        return entry

    # -- runs.list snapshots (servers without a story) ----------------------------------------

    def apply_runs(
        self, runs: Iterable[Mapping[str, Any]], now: float, since: float | None = None
    ) -> list[Entry]:
        """Fold one full `runs.list` answer in; return the entries that changed.

        `since` is when the request was sent: a run bound after that cannot be in the answer
        yet, so its absence does not mean it was rolled back.
        """
        before = {k: (e.fate, e.position, e.cause, e.attempt) for k, e in self.entries.items()}
        runs = list(runs)
        seen: set[str] = set()
        for run in sorted(runs, key=lambda r: r.get("created_at") or ""):
            run_id = str(run["run_id"])
            seen.add(run_id)
            entry = self.run(run_id)
            created = parse_ts(run.get("created_at")) or now
            if entry is None:
                text = message_of(run)
                entry = self.adopt(run_id, text, run.get("multitask_strategy") or "enqueue")
                entry.human_id = human_id_of(run)
                read_metadata(entry, run.get("metadata"))
            entry.created = created
            fate = fate_from_status(run.get("status"))
            if fate is not entry.fate:
                entry.fate = fate
                if fate is Fate.RUNNING and entry.started is None:
                    entry.started = now
                if fate in FINAL:
                    entry.ended = parse_ts(run.get("updated_at")) or now
            if fate is Fate.INTERRUPTED and entry.cause is None:
                entry.cause = cause_from(None, run.get("cancel_reason")) or self._infer(entry, runs)
        for entry in self.entries.values():
            fresh = since is not None and entry.created is not None and entry.created > since
            gone = entry.run_id and entry.run_id not in seen and entry.fate in ON_SERVER
            if gone and not fresh:
                entry.fate, entry.ended = Fate.ROLLED_BACK, now
                entry.cause = self._infer(entry, runs)
        self._renumber()
        return [
            e
            for k, e in self.entries.items()
            if before.get(k) != (e.fate, e.position, e.cause, e.attempt)
        ]

    def _infer(self, entry: Entry, runs: list[Mapping[str, Any]]) -> Cause:
        """No recorded cause: the cancel this app asked for, else the first later run whose
        strategy cancels in-flight runs, else unknown."""
        asked = self.cancels.get(entry.run_id or "")
        if asked:
            return Cause("cancel", detail=f"POST /threads/…/runs/{entry.run_id}/cancel")
        wanted = "rollback" if entry.fate is Fate.ROLLED_BACK else "interrupt"
        candidates = [
            (parse_ts(r.get("created_at")) or 0.0, str(r["run_id"]))
            for r in runs
            if r.get("multitask_strategy") == wanted
        ]
        candidates += [
            (e.created or 0.0, e.run_id)
            for e in self.entries.values()
            if e.run_id and e.strategy == wanted
        ]
        later = [c for c in candidates if c[0] > (entry.created or 0.0)]
        if later:
            return Cause("run", run_id=min(later)[1], strategy=wanted)
        return Cause("unknown")

    def _renumber(self) -> list[Entry]:
        """Queue positions: 1-based among queued runs in acceptance order."""
        changed = []
        queued = [e for e in self.ordered() if e.fate is Fate.QUEUED and e.run_id]
        for i, entry in enumerate(queued, start=1):
            if entry.position != i:
                entry.position = i
                changed.append(entry)
        for entry in self.entries.values():
            if entry.fate is not Fate.QUEUED and entry.position is not None:
                entry.position = None
                changed.append(entry)
        return changed


def elapsed(entry: Entry, now: float) -> float | None:
    """Seconds since creation, frozen once the entry is final."""
    if entry.created is None or entry.fate in (Fate.REJECTED, Fate.WITHDRAWN, Fate.WAITING):
        return None
    end = now if entry.fate in ACTIVE else (entry.ended or now)
    return max(0.0, end - entry.created)
