"""A thread's runs on one time axis, folded from story events one at a time. Pure.

One `Lane` per run: when it was sent, how long it waited (pending) and ran (running), a `Dot` per
checkpoint it wrote, the store writes it made, and — when something stopped it — a `Cut` saying
what: the run that superseded it (and with which strategy), an API cancel (the app's Esc is a
cancel with `action=interrupt`, Ctrl+B one with `action=rollback`), a disconnect, a shutdown. A
rolled-back run stays as a ghost lane: the server deleted it, the timeline does not forget it.
A rejected attempt (409) never became a run; it is a `Bounce`.

Open lanes end at "now", so a caller that re-renders with a later `now` sees running segments
grow. `Knowledge` records what the source of the events could tell (the client-side builder
cannot see checkpoints of deleted runs, store writes or, for sure, causes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from tui.text import short_id
from tui.timeline.cuts import CANCEL_KEYS, Cut, cut_from
from tui.timeline.scale import MIN_SPAN_S


class Status(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    ERROR = "error"
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"
    ROLLED_BACK = "rolled back"


OPEN = frozenset({Status.PENDING, Status.RUNNING})


def parse_at(value: Any) -> float | None:
    """ISO-8601 (`...Z` or offset) → epoch seconds; None when absent or unparsable."""
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@dataclass
class Dot:
    """A checkpoint a run wrote. `node` made it; `next` is what was about to run."""

    checkpoint_id: str
    at: float
    seq: int
    step: int | None = None
    node: str | None = None
    source: str | None = None
    next: tuple[str, ...] = ()
    removed: bool = False  # deleted by a rollback

    @property
    def label(self) -> str:
        return self.node or (self.source or "checkpoint")


@dataclass
class Write:
    """A store write (a todo, the profile, instructions) made by a run."""

    at: float
    seq: int
    run_id: str | None
    namespace: tuple[str, ...]
    key: str
    op: str  # put | delete
    value: Any = None
    kept: bool | None = None  # outlived its run? None until the run has ended

    @property
    def kind(self) -> str:
        """`todo`, `profile`, `instructions`… (the namespace's first part)."""
        return self.namespace[0] if self.namespace else "item"

    @property
    def name(self) -> str:
        """What a person calls it: a todo's task, else the key."""
        if isinstance(self.value, Mapping):
            for field_name in ("task", "name", "title", "content"):
                text = self.value.get(field_name)
                if isinstance(text, str) and text:
                    return text
        return self.key


@dataclass
class Lane:
    """One run's life on the time axis."""

    run_id: str
    number: int  # 1, 2, … in the order the thread accepted its runs
    text: str | None = None
    strategy: str | None = None
    sent_at: float | None = None
    started_at: float | None = None
    ended_at: float | None = None
    status: Status = Status.PENDING
    attempt: int = 1
    restarts: list[float] = field(default_factory=list)  # starts of attempts 2, 3, …
    queue_position: int | None = None
    supersedes: tuple[str, ...] = ()
    dots: list[Dot] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    cut: Cut | None = None
    reason: str | None = None
    error: str | None = None
    duration_s: float | None = None
    removed_checkpoints: tuple[str, ...] = ()
    start_known: bool = True  # False: the source only bounds when it started

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def ghost(self) -> bool:
        return self.status is Status.ROLLED_BACK

    @property
    def label(self) -> str:
        return f"run {self.number}"

    def pending_span(self, now: float) -> tuple[float, float] | None:
        if self.sent_at is None:
            return None
        end = self.started_at if self.started_at is not None else (self.ended_at or now)
        return (self.sent_at, max(self.sent_at, end))

    def running_span(self, now: float) -> tuple[float, float] | None:
        if self.started_at is None:
            return None
        end = self.ended_at if self.ended_at is not None else now
        return (self.started_at, max(self.started_at, end))

    def waited_s(self, now: float) -> float | None:
        span = self.pending_span(now)
        return None if span is None else span[1] - span[0]

    def ran_s(self, now: float) -> float | None:
        span = self.running_span(now)
        return None if span is None else span[1] - span[0]

    def node_at(self, at: float) -> str | None:
        """The node that was running at `at`: what the last checkpoint before it said was next
        (None before the first real node: `__start__` only routes the input)."""
        before = [d for d in self.dots if d.at <= at]
        node = before[-1].next[0] if before and before[-1].next else None
        return None if node == "__start__" else node

    def surviving_writes(self) -> list[Write]:
        """Store writes that outlived the run (all of them unless a rollback undid some)."""
        return [w for w in self.writes if w.kept is not False]

    @property
    def flagged(self) -> bool:
        """Stopped, yet its side effects stay: what the tutorial warns about."""
        stopped = self.status in (Status.INTERRUPTED, Status.ROLLED_BACK, Status.ERROR)
        return stopped and bool(self.surviving_writes())


@dataclass
class Bounce:
    """A rejected attempt: the server answered 409 and no run exists."""

    at: float
    seq: int
    text: str | None
    strategy: str = "reject"
    busy_run_ids: tuple[str, ...] = ()
    detail: str | None = None


@dataclass
class StateUpdate:
    """A checkpoint written by hand (`POST /threads/{id}/state`), outside any run."""

    at: float
    seq: int
    checkpoint_id: str
    as_node: str | None


@dataclass
class Knowledge:
    """What the event source could tell; the view says what it cannot know."""

    source: str = "story"  # story | lifecycle | runs.list
    checkpoints: bool = True
    store_writes: bool = True
    causes: bool = True  # False: cut causes are inferred or unknown
    start_times: bool = True  # False: some starts are only bounded (no lifecycle events)

    def caveats(self) -> list[str]:
        """One short phrase per blind spot, for the timeline's last line."""
        said: list[str] = []
        if self.source != "story":
            said.append(f"no story: built from {self.source}")
        if not self.checkpoints:
            said.append("no checkpoint dots")
        elif self.source != "story":
            said.append("rolled-back runs' checkpoints are gone")
        if not self.causes:
            said.append("causes guessed (?)")
        if not self.store_writes:
            said.append("store writes unknown")
        if not self.start_times:
            said.append("start times approximate")
        return said


@dataclass(frozen=True)
class Change:
    """What one folded event changed, so a live view can react (and tell the app)."""

    kind: str
    run_id: str | None = None
    checkpoint_id: str | None = None


@dataclass
class Timeline:
    """Every run of one thread, folded from its story."""

    thread_id: str | None = None
    lanes: dict[str, Lane] = field(default_factory=dict)
    bounces: list[Bounce] = field(default_factory=list)
    updates: list[StateUpdate] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)  # thread-wide, in story order
    knowledge: Knowledge = field(default_factory=Knowledge)
    seq: int = 0
    first_at: float | None = None
    last_at: float | None = None
    version: int = 0  # bumped on every change: cheap "did anything change" for views
    cancelled_by: dict[str, str] = field(default_factory=dict)
    """Run id → who sent its API cancel when the app knows it was not a key (a client policy:
    `steer`, `keep latest`); else an API cancel is the app's Esc or Ctrl+B."""

    @classmethod
    def from_events(cls, events: Iterable[Mapping[str, Any]], **kwargs: Any) -> Timeline:
        timeline = cls(**kwargs)
        for event in events:
            timeline.fold(event)
        return timeline

    # -- reading ---------------------------------------------------------------------------

    def ordered(self) -> list[Lane]:
        return sorted(self.lanes.values(), key=lambda lane: lane.number)

    def lane(self, run_id: str | None) -> Lane | None:
        return self.lanes.get(run_id or "")

    def name(self, run_id: str | None) -> str:
        """`run 2` for a run of this thread, else its short id."""
        lane = self.lane(run_id)
        return lane.label if lane else f"run {self.short(run_id or '?')}"

    def short(self, run_id: str) -> str:
        """The run's short id: unique among this thread's runs (`tui.text.short_id`)."""
        return short_id(run_id, self.lanes)

    def short_checkpoint(self, checkpoint_id: str) -> str:
        """A checkpoint id shortened the same way, among this thread's checkpoints."""
        ids = [d.checkpoint_id for lane in self.lanes.values() for d in lane.dots]
        return short_id(checkpoint_id, ids + [u.checkpoint_id for u in self.updates])

    def has_open(self) -> bool:
        return any(lane.open for lane in self.lanes.values())

    def now(self, clock: float | None = None) -> float:
        """The right end of the axis: the clock while a run is open, else the last event."""
        last = self.last_at if self.last_at is not None else (clock or 0.0)
        if clock is not None and self.has_open():
            return max(last, clock)
        return last

    def span(self, now: float) -> tuple[float, float]:
        """Start and end of everything drawn, at least MIN_SPAN_S long."""
        start = self.first_at if self.first_at is not None else now
        end = max(now, self.last_at or start)
        return start, max(end, start + MIN_SPAN_S)

    def cut_label(self, lane: Lane) -> str:
        """What cut the run, as the ✂ mark says it: `run 2 (interrupt)`, `Esc`, `Ctrl+B`…"""
        cut = lane.cut
        if cut is None:
            return ""
        if cut.kind == "superseded":
            label = f"{self.name(cut.by_run)} ({cut.strategy or '?'})"
        elif cut.kind == "cancel":
            label = self.cancelled_by.get(lane.run_id) or CANCEL_KEYS.get(
                cut.action, f"cancel ({cut.action})"
            )
        elif cut.kind == "disconnect":
            label = "client disconnected"
        elif cut.kind == "shutdown":
            label = "engine shutdown"
        elif cut.kind == "crash":
            label = "crash recovery"
        else:  # no reason the server gave: a client policy this app knows cut it (steer)
            return self.cancelled_by.get(lane.run_id) or "cause unknown"
        return f"{label}?" if cut.inferred else label

    def active_at(self, at: float, exclude: str | None = None) -> list[Lane]:
        """Runs pending or running at `at` (sent before it, not yet ended)."""
        found = []
        for lane in self.ordered():
            if lane.run_id == exclude or lane.sent_at is None or lane.sent_at > at:
                continue
            if lane.ended_at is None or lane.ended_at > at:
                found.append(lane)
        return found

    def writes_to(self, namespace: tuple[str, ...], key: str) -> list[Write]:
        return [w for w in self.writes if w.namespace == namespace and w.key == key]

    # -- folding ---------------------------------------------------------------------------

    def fold(self, event: Mapping[str, Any]) -> Change | None:
        """Fold one story event in; None when it was already seen or is of an unknown kind."""
        seq = int(event.get("seq") or 0)
        if seq and seq <= self.seq:
            return None  # a resumed stream may repeat what was already folded
        handler = getattr(self, f"_on_{event.get('kind')}", None)
        if handler is None:
            return None
        at = parse_at(event.get("at"))
        if at is None:
            at = self.last_at or 0.0
        self.seq = max(self.seq, seq)
        self.first_at = at if self.first_at is None else min(self.first_at, at)
        self.last_at = at if self.last_at is None else max(self.last_at, at)
        change: Change = handler(event, at, seq)
        self.version += 1
        return change

    def _ensure(self, run_id: str, at: float) -> Lane:
        lane = self.lanes.get(run_id)
        if lane is None:  # its acceptance is older than the events we were given
            lane = Lane(run_id, len(self.lanes) + 1, sent_at=at)
            self.lanes[run_id] = lane
        return lane

    def _on_run_accepted(self, event: Mapping[str, Any], at: float, seq: int) -> Change:
        lane = self._ensure(str(event["run_id"]), at)
        lane.sent_at = at
        lane.text = event.get("text") or lane.text
        lane.strategy = event.get("strategy") or lane.strategy
        position = event.get("queue_position")
        lane.queue_position = int(position) if isinstance(position, int) else None
        lane.supersedes = tuple(str(r) for r in event.get("supersedes") or ())
        return Change("accepted", lane.run_id)

    def _on_run_started(self, event: Mapping[str, Any], at: float, seq: int) -> Change:
        lane = self._ensure(str(event["run_id"]), at)
        attempt = int(event.get("attempt") or 1)
        if lane.started_at is None:
            lane.started_at = at
            lane.start_known = not event.get("inferred")
        elif attempt > lane.attempt:
            lane.restarts.append(at)
        lane.attempt = max(lane.attempt, attempt)
        if lane.status in OPEN:
            lane.status = Status.RUNNING
        return Change("started", lane.run_id)

    def _on_checkpoint(self, event: Mapping[str, Any], at: float, seq: int) -> Change:
        cid = str(event.get("checkpoint_id") or f"seq-{seq}")
        if not event.get("run_id"):
            return Change("checkpoint", None, cid)  # not a run's: nothing to draw it on
        lane = self._ensure(str(event["run_id"]), at)
        if all(d.checkpoint_id != cid for d in lane.dots):
            step = event.get("step")
            lane.dots.append(
                Dot(
                    checkpoint_id=cid,
                    at=at,
                    seq=seq,
                    step=int(step) if isinstance(step, int) else None,
                    node=event.get("node"),
                    source=event.get("source"),
                    next=tuple(event.get("next") or ()),
                )
            )
            lane.dots.sort(key=lambda d: (d.at, d.seq))
        if lane.started_at is None:  # a checkpoint proves it ran
            lane.started_at, lane.start_known = at, False
            if lane.status is Status.PENDING:
                lane.status = Status.RUNNING
        return Change("checkpoint", lane.run_id, cid)

    def _on_store_write(self, event: Mapping[str, Any], at: float, seq: int) -> Change:
        run_id = event.get("run_id")
        write = Write(
            at=at,
            seq=seq,
            run_id=run_id,
            namespace=tuple(str(p) for p in event.get("namespace") or ()),
            key=str(event.get("key")),
            op=str(event.get("op") or "put"),
            value=event.get("value"),
        )
        self.writes.append(write)
        lane = self.lane(run_id)
        if lane is not None:
            lane.writes.append(write)
            if not lane.open:
                write.kept = True
        return Change("store_write", run_id)

    def _on_run_ended(self, event: Mapping[str, Any], at: float, seq: int) -> Change:
        lane = self._ensure(str(event["run_id"]), at)
        if lane.ghost:
            return Change("ended", lane.run_id)
        try:
            lane.status = Status(str(event.get("status")))
        except ValueError:
            lane.status = Status.ERROR
        lane.ended_at = at
        lane.reason = event.get("reason")
        duration = event.get("duration_s")
        lane.duration_s = float(duration) if isinstance(duration, int | float) else None
        error = event.get("error")
        if isinstance(error, Mapping):
            lane.error = ": ".join(str(v) for v in (error.get("error"), error.get("message")) if v)
        cause, reason = event.get("cause"), event.get("reason")
        if lane.status is Status.INTERRUPTED or cause:
            lane.cut = cut_from("interrupt", cause, reason, bool(event.get("inferred")))
        for write in lane.writes:
            write.kept = True if write.kept is None else write.kept
        return Change("ended", lane.run_id)

    def _on_run_rolled_back(self, event: Mapping[str, Any], at: float, seq: int) -> Change:
        lane = self._ensure(str(event["run_id"]), at)
        lane.status = Status.ROLLED_BACK
        lane.ended_at = lane.ended_at or at
        lane.reason = event.get("reason") or lane.reason
        lane.cut = cut_from(
            "rollback", event.get("cause"), lane.reason, bool(event.get("inferred"))
        )
        removed = tuple(str(c) for c in event.get("checkpoints_removed") or ())
        lane.removed_checkpoints = removed
        for dot in lane.dots:
            dot.removed = dot.removed or dot.checkpoint_id in removed
        effects = [e for e in event.get("side_effects") or () if isinstance(e, Mapping)]
        for write in lane.writes:
            match = next(
                (
                    e
                    for e in effects
                    if tuple(e.get("namespace") or ()) == write.namespace
                    and str(e.get("key")) == write.key
                    and (e.get("op") or write.op) == write.op
                ),
                None,
            )
            if match is not None:
                write.kept = bool(match.get("kept"))
            elif write.kept is None:  # not listed as undone: the store still has it
                write.kept = True
        return Change("rolled_back", lane.run_id)

    def _on_rejected(self, event: Mapping[str, Any], at: float, seq: int) -> Change:
        self.bounces.append(
            Bounce(
                at=at,
                seq=seq,
                text=event.get("text"),
                strategy=str(event.get("strategy") or "reject"),
                busy_run_ids=tuple(str(r) for r in event.get("busy_run_ids") or ()),
                detail=event.get("detail"),
            )
        )
        return Change("rejected")

    def _on_state_updated(self, event: Mapping[str, Any], at: float, seq: int) -> Change:
        cid = str(event.get("checkpoint_id") or "")
        self.updates.append(StateUpdate(at, seq, cid, event.get("as_node")))
        return Change("state_updated", None, cid)
