"""What the client knows when a message is about to be sent: the input of every policy.

Pure data plus one pure builder (`situation_from_runs`) that reads it from `runs.list` rows, for
clients that have nothing better; the chat session fills it from the thread's story instead
(start times, store writes). No I/O, no Textual.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from tui.text import short_id

ACTIVE = ("pending", "running")


@dataclass(frozen=True)
class ActiveRun:
    """A run that makes the thread busy: `running`, or `pending` in the queue."""

    run_id: str
    status: Literal["pending", "running"]
    age_s: float
    """Seconds since it started (running) or was accepted (pending)."""
    position: int = 0
    """Place in the thread's line: 0 = first (the running run), then the pending ones in order."""
    text: str | None = None
    """The human text it answers, when known."""
    label: str = ""
    """How the app names it ("run 1"); empty → its short id (`tui.text.short_id`)."""
    saved: int | None = None
    """Store writes (todos, in this app) it made so far; None when the client cannot know."""
    steer: bool = False
    """It was sent to be taken in by the run working (run metadata `steer`)."""

    @property
    def name(self) -> str:
        return self.label or f"run {short_id(self.run_id)}"


@dataclass(frozen=True)
class Thresholds:
    """The numbers `auto` decides by (§8.1, §10.1); configurable."""

    rollback_below_s: float = 5.0
    interrupt_below_s: float = 30.0
    queue_limit: int = 5
    """More than this many pending runs → rollback (the queue guard)."""


@dataclass(frozen=True)
class Situation:
    text: str
    """The new message."""
    active: tuple[ActiveRun, ...] = ()
    """Active runs in line order (position 0 first)."""
    steer: bool = False
    """The server and the assistant's graph take steer messages in (see `policies.steer`)."""
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def busy(self) -> bool:
        return bool(self.active)

    @property
    def running(self) -> ActiveRun | None:
        return next((r for r in self.active if r.status == "running"), None)

    @property
    def pending(self) -> tuple[ActiveRun, ...]:
        return tuple(r for r in self.active if r.status == "pending")

    @property
    def queue_length(self) -> int:
        return len(self.pending)

    @property
    def first(self) -> ActiveRun | None:
        """The run at the head of the line (running, or about to run)."""
        return self.active[0] if self.active else None

    def aged(self, seconds: float) -> Situation:
        """The same situation `seconds` later, every active run that much older: what a question
        left open on screen says as time passes (runs that start or end meanwhile are not seen)."""
        return replace(self, active=tuple(replace(r, age_s=r.age_s + seconds) for r in self.active))


def human_text(run: Mapping[str, Any]) -> str | None:
    """The first human text of a run's input (`kwargs.input.messages`), if the server shows it."""
    kwargs = run.get("kwargs")
    payload = kwargs.get("input") if isinstance(kwargs, Mapping) else None
    messages = payload.get("messages") if isinstance(payload, Mapping) else None
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, Mapping):
            continue
        kind = message.get("type") or message.get("role")
        content = message.get("content")
        if kind in ("human", "user") and isinstance(content, str):
            return content
    return None


def parse_time(value: str) -> datetime:
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def situation_from_runs(
    runs: Iterable[Mapping[str, Any]],
    text: str,
    now: datetime,
    *,
    steer: bool = False,
    thresholds: Thresholds | None = None,
    labels: Mapping[str, str] | None = None,
) -> Situation:
    """A Situation from `runs.list` rows: active ones in line order, ages from `created_at`
    (all the public API tells; the tutorial measures the same way)."""
    active = [r for r in runs if r.get("status") in ACTIVE]
    active.sort(key=lambda r: (r["status"] != "running", str(r.get("created_at") or "")))
    ids = [str(r["run_id"]) for r in runs]
    found = []
    for position, run in enumerate(active):
        created = run.get("created_at")
        age = (now - parse_time(created)).total_seconds() if created else 0.0
        found.append(
            ActiveRun(
                run_id=str(run["run_id"]),
                status=run["status"],
                age_s=max(age, 0.0),
                position=position,
                text=human_text(run),
                label=(labels or {}).get(str(run["run_id"]))
                or f"run {short_id(str(run['run_id']), ids)}",
                steer=bool((run.get("metadata") or {}).get("steer")),
            )
        )
    return Situation(text, tuple(found), steer, thresholds or Thresholds())
