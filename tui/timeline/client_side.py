"""The timeline from what a client can see on a server without the story (e.g. `langgraph dev`).

Inputs, all things a plain SDK client has: `runs.list` snapshots, the reference's thread
`lifecycle` stream (a run started / a run is done), the thread's checkpoint history, and what the
client itself sent and got back (its creates, a 409 with its detail, its cancels, a 404 for a
run that is gone). From them it writes story-shaped events and folds them into the same
`Timeline`, so every view works unchanged; what it had to guess is marked `inferred` (a cut
cause read from timing, a start time bounded by a poll) and `Knowledge` says what it cannot know
(store writes; checkpoints of rolled-back runs, deleted with them). Pure: no I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.timeline.cuts import cut_from
from tui.timeline.model import Knowledge, Timeline, parse_at

FINAL_STATUSES = frozenset({"success", "error", "timeout", "interrupted"})
OPEN_STATUSES = frozenset({"pending", "running"})


@dataclass(frozen=True)
class Sent:
    """A `runs.create` this client made: the run it got, or the refusal (409) and its detail."""

    at: float
    text: str | None
    strategy: str
    run_id: str | None = None
    status: int = 200
    detail: str | None = None
    busy: tuple[str, ...] = ()  # runs the client knew were active when it sent


@dataclass(frozen=True)
class CancelSent:
    """A `runs.cancel` this client made (the app's Esc: interrupt, Ctrl+B: rollback)."""

    at: float
    run_id: str
    action: str
    status: int = 202


@dataclass(frozen=True)
class Snapshot:
    """One complete `runs.list` answer (all pages) and when it was read."""

    at: float
    runs: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class LifecycleEvent:
    """The reference's thread `lifecycle` mode: a run started (with its attempt) or is done."""

    at: float
    run_id: str
    kind: str  # started | done
    attempt: int = 1


@dataclass
class ClientView:
    """Everything one client saw of one thread."""

    thread_id: str | None = None
    sent: list[Sent] = field(default_factory=list)
    cancels: list[CancelSent] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)
    lifecycle: list[LifecycleEvent] = field(default_factory=list)
    history: list[Mapping[str, Any]] | None = None  # threads.get_history, any order
    gone: dict[str, float] = field(default_factory=dict)  # run id → when it answered 404

    def add_snapshot(self, snapshot: Snapshot) -> bool:
        """Keep `snapshot` only when some run's status differs from the last one kept (a
        client polling every 0.25 s would otherwise pile up identical answers)."""
        if self.snapshots and _statuses(self.snapshots[-1]) == _statuses(snapshot):
            return False
        self.snapshots.append(snapshot)
        return True


def _statuses(snapshot: Snapshot) -> set[tuple[str, str]]:
    return {(str(r.get("run_id")), str(r.get("status"))) for r in snapshot.runs}


def lifecycle_event(
    event: str, data: Any, received_at: float, event_id: str | None = None
) -> LifecycleEvent | None:
    """Read one part of `GET /threads/{id}/stream` in `lifecycle` mode (else None).

    The reference sends `metadata` `{run_id, attempt}` when a run starts and `{status:
    "run_done", run_id}` when it ends; its event ids are `<epoch ms>-<n>`, the server's clock.
    """
    if event != "metadata" or not isinstance(data, Mapping) or not data.get("run_id"):
        return None
    at = received_at
    if event_id and event_id.split("-", 1)[0].isdigit():
        at = int(event_id.split("-", 1)[0]) / 1000
    if data.get("status") == "run_done":
        return LifecycleEvent(at, str(data["run_id"]), "done")
    if "attempt" in data:
        return LifecycleEvent(at, str(data["run_id"]), "started", int(data.get("attempt") or 1))
    return None


def message_text(run: Mapping[str, Any]) -> str | None:
    """The human text a run was created with, when the server keeps its kwargs."""
    try:
        messages = run["kwargs"]["input"]["messages"]
        content = messages[-1]["content"] if isinstance(messages, list) else messages
    except (KeyError, TypeError, IndexError):
        return None
    return content if isinstance(content, str) else None


@dataclass
class _Run:
    """What the builder worked out about one run before writing its events."""

    run_id: str
    sent_at: float
    text: str | None = None
    strategy: str | None = None
    status: str | None = None  # the last status seen; None = gone
    started_at: float | None = None
    start_exact: bool = False
    ended_at: float | None = None
    cancel_reason: str | None = None
    checkpoints: list[Mapping[str, Any]] = field(default_factory=list)
    cause: dict[str, Any] | None = None
    inferred: bool = False
    supersedes: list[str] = field(default_factory=list)

    @property
    def gone(self) -> bool:
        return self.status is None

    @property
    def cut(self) -> bool:
        return self.gone or self.status == "interrupted"


def build(view: ClientView) -> Timeline:
    """A Timeline with what the client saw, guesses marked, blind spots in `knowledge`."""
    runs = _runs(view)
    _starts_and_ends(view, runs)
    _causes(view, runs)
    events = _events(view, runs)
    knowledge = Knowledge(
        source="lifecycle" if view.lifecycle else "runs.list",
        checkpoints=view.history is not None,
        store_writes=False,
        causes=all(
            not r.cut or ((r.cause or r.cancel_reason) and not r.inferred) for r in runs.values()
        ),
        start_times=all(r.start_exact for r in runs.values() if r.started_at is not None),
    )
    timeline = Timeline(thread_id=view.thread_id, knowledge=knowledge)
    for seq, event in enumerate(events, start=1):
        timeline.fold({**event, "seq": seq, "thread_id": view.thread_id})
    return timeline


def _runs(view: ClientView) -> dict[str, _Run]:
    """Every run the client knows of, with its last status (None: gone) and identity."""
    runs: dict[str, _Run] = {}
    sent = {s.run_id: s for s in view.sent if s.run_id}
    for snapshot in view.snapshots:
        for raw in snapshot.runs:
            rid = str(raw["run_id"])
            run = runs.get(rid) or _Run(rid, parse_at(raw.get("created_at")) or snapshot.at)
            run.status = str(raw.get("status") or "pending")
            run.strategy = raw.get("multitask_strategy") or run.strategy
            run.text = run.text or message_text(raw)
            run.cancel_reason = raw.get("cancel_reason") or run.cancel_reason
            updated = parse_at(raw.get("updated_at"))
            run.ended_at = updated if run.status in FINAL_STATUSES else None
            runs[rid] = run
    for rid, mine in sent.items():
        run = runs.setdefault(rid, _Run(rid, mine.at, status="pending"))
        run.text, run.strategy = mine.text or run.text, run.strategy or mine.strategy
    last = view.snapshots[-1] if view.snapshots else None
    for rid, run in runs.items():
        missing = last is not None and all(str(r["run_id"]) != rid for r in last.runs)
        if rid in view.gone or (missing and run.sent_at <= last.at and run.status != "success"):
            run.status = None
    if view.history is not None:
        by_id = {h["checkpoint"]["checkpoint_id"]: h for h in view.history if h.get("checkpoint")}
        for entry in sorted(view.history, key=_step):
            rid = (entry.get("metadata") or {}).get("run_id")
            if rid in runs:
                runs[rid].checkpoints.append({**entry, "_parent": by_id.get(_parent_id(entry))})
    return runs


def _step(entry: Mapping[str, Any]) -> tuple[int, str]:
    step = (entry.get("metadata") or {}).get("step")
    return (step if isinstance(step, int) else 0, str(entry.get("created_at") or ""))


def _parent_id(entry: Mapping[str, Any]) -> str | None:
    parent = entry.get("parent_checkpoint") or {}
    return parent.get("checkpoint_id") if isinstance(parent, Mapping) else None


def _starts_and_ends(view: ClientView, runs: dict[str, _Run]) -> None:
    """Exact from lifecycle events; else bounded by checkpoints, polls, or the FIFO order."""
    for event in sorted(view.lifecycle, key=lambda e: e.at):
        run = runs.get(event.run_id)
        if run is None:
            continue
        if event.kind == "started" and (run.started_at is None or not run.start_exact):
            run.started_at, run.start_exact = event.at, True
        elif event.kind == "done" and run.ended_at is None:
            run.ended_at = event.at
    for run in runs.values():
        if run.started_at is None and run.checkpoints:
            run.started_at = parse_at(run.checkpoints[0].get("created_at"))
        if run.started_at is None:
            polled = [
                s.at
                for s in view.snapshots
                for r in s.runs
                if str(r["run_id"]) == run.run_id and r.get("status") == "running"
            ]
            run.started_at = min(polled) if polled else None
        if run.gone and run.ended_at is None:  # the earliest sign it was gone (refined below)
            signs = [view.gone.get(run.run_id), _first_missing(view, run)]
            run.ended_at = min((s for s in signs if s is not None), default=None)
    ordered = sorted(runs.values(), key=lambda r: r.sent_at)
    for i, run in enumerate(ordered):  # finished but never seen running: FIFO says when
        if run.started_at is None and run.status in ("success", "error", "timeout"):
            ends = [p.ended_at for p in ordered[:i] if p.ended_at and p.ended_at > run.sent_at]
            run.started_at = max([run.sent_at, *ends])
        if run.started_at is not None and run.ended_at is not None:
            run.started_at = min(run.started_at, run.ended_at)


def _first_missing(view: ClientView, run: _Run) -> float | None:
    for snapshot in view.snapshots:
        if snapshot.at > run.sent_at and all(str(r["run_id"]) != run.run_id for r in snapshot.runs):
            return snapshot.at
    return None


def _causes(view: ClientView, runs: dict[str, _Run]) -> None:
    """Why each cut run was cut: the server's `cancel_reason` (our engine), the client's own
    cancel, or — inferred from timing — the newcomer with the matching strategy."""
    tid = view.thread_id or "{thread_id}"
    for run in runs.values():
        if not run.cut:
            continue
        if run.cancel_reason:
            run.cause = None  # the model reads the reason's wording
            cut = cut_from("interrupt", None, run.cancel_reason)
            if cut.by_run in runs and run.run_id not in runs[cut.by_run].supersedes:
                runs[cut.by_run].supersedes.append(run.run_id)
            continue
        action = "rollback" if run.gone else "interrupt"
        cancel = next((c for c in view.cancels if c.run_id == run.run_id and c.status < 300), None)
        if cancel is not None:
            run.cause = {"request": f"POST /threads/{tid}/runs/{run.run_id}/cancel"}
            run.ended_at = _earliest(run, cancel.at)
            continue
        newcomer = _newcomer(runs, run, action)
        run.inferred = True
        if newcomer is not None:
            run.cause = {"run_id": newcomer.run_id, "strategy": newcomer.strategy}
            newcomer.supersedes.append(run.run_id)
            run.ended_at = _earliest(run, newcomer.sent_at)


def _earliest(run: _Run, cut_at: float) -> float:
    """A gone run ended when it was cut. The client may have learned it only later, or —
    its polls and its own sends timed by different awaits — seemingly a little earlier (a
    poll already missing the run before the create that cut it had returned): either way the
    cut is the moment."""
    if run.ended_at is None or run.gone:
        return max(cut_at, run.sent_at)
    return run.ended_at


def _newcomer(runs: dict[str, _Run], run: _Run, action: str) -> _Run | None:
    """The run that cut `run`: sent while it was active, nearest to its end, with a strategy
    that cuts that way. A rollback can leave a run `interrupted` instead of deleted (langgraph
    dev does when someone follows the run's stream, the thread stream included)."""
    strategies = ("interrupt", "rollback") if action == "interrupt" else ("rollback",)
    candidates = [
        other
        for other in runs.values()
        if other is not run
        and other.strategy in strategies
        and other.sent_at >= run.sent_at
        and (run.ended_at is None or other.sent_at <= run.ended_at + 1.0)
    ]
    if not candidates:
        return None
    end = run.ended_at

    def distance(other: _Run) -> tuple[bool, float]:
        return (other.strategy != action, abs(other.sent_at - end) if end else other.sent_at)

    return min(candidates, key=distance)


def _events(view: ClientView, runs: dict[str, _Run]) -> list[dict[str, Any]]:
    """Story-shaped events, in time order (seq is given when folding)."""
    timed: list[tuple[float, int, dict[str, Any]]] = []

    def add(at: float, order: int, event: dict[str, Any]) -> None:
        timed.append((at, order, {"at": at, **event}))

    for run in runs.values():
        rid = run.run_id
        add(
            run.sent_at,
            0,
            {
                "kind": "run_accepted",
                "run_id": rid,
                "strategy": run.strategy,
                "text": run.text,
                "queue_position": None,
                "supersedes": run.supersedes,
            },
        )
        if run.started_at is not None:
            event = {"kind": "run_started", "run_id": rid, "attempt": 1}
            add(run.started_at, 1, {**event, "inferred": not run.start_exact})
        for entry in run.checkpoints:
            add(parse_at(entry.get("created_at")) or run.started_at or run.sent_at, 2, _dot(entry))
        if run.ended_at is None:
            continue
        common = {"run_id": rid, "cause": run.cause, "inferred": run.inferred}
        if run.gone:
            reason = run.cancel_reason
            add(run.ended_at, 3, {"kind": "run_rolled_back", **common, "reason": reason})
        elif run.status in FINAL_STATUSES:
            add(
                run.ended_at,
                3,
                {"kind": "run_ended", **common, "status": run.status, "reason": run.cancel_reason},
            )
    for sent in view.sent:
        if sent.status == 409:
            busy = sent.busy or _busy_at(runs, sent.at)
            add(
                sent.at,
                0,
                {
                    "kind": "rejected",
                    "run_id": None,
                    "text": sent.text,
                    "strategy": sent.strategy,
                    "busy_run_ids": list(busy),
                    "detail": sent.detail,
                },
            )
    timed.sort(key=lambda item: (item[0], item[1]))
    return [event for _, _, event in timed]


def _busy_at(runs: dict[str, _Run], at: float) -> Sequence[str]:
    return [
        r.run_id
        for r in sorted(runs.values(), key=lambda r: r.sent_at)
        if r.sent_at <= at and (r.ended_at is None or r.ended_at >= at)
    ]


def _dot(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A history entry as a `checkpoint` event: the node that wrote it is what its parent had
    next (the reference no longer keeps `writes` in checkpoint metadata)."""
    metadata = entry.get("metadata") or {}
    parent = entry.get("_parent") or {}
    source = metadata.get("source")
    node = None
    if source != "input" and parent.get("next"):
        node = ", ".join(parent["next"])
    return {
        "kind": "checkpoint",
        "run_id": metadata.get("run_id"),
        "checkpoint_id": (entry.get("checkpoint") or {}).get("checkpoint_id"),
        "step": metadata.get("step"),
        "source": source,
        "node": node,
        "next": list(entry.get("next") or ()),
    }
