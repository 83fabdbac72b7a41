"""What the run inspector says about one run (or one rejected attempt). Pure.

The cause chain (sent, waited, ran, what cut it and what cut that, whom it cut in turn), its
checkpoints (written, and deleted for a rollback), its store writes and whether they outlived
it, the line of "why" it belongs to, and the SDK calls the app made for it — so the screen can
be read next to the tutorial's code: the create, the 409 and its detail, the 404 after a rollback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from tui.calllog import Call
from tui.timeline.model import Bounce, Lane, Timeline, short_id
from tui.timeline.why import DoubleText, double_texts, settled, why

BOUNCE_WINDOW_S = 2.0


@dataclass
class Report:
    title: str
    chain: list[str] = field(default_factory=list)
    checkpoints: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    whys: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _at(timeline: Timeline, at: float | None) -> str:
    return "?" if at is None else f"{at - (timeline.first_at or 0.0):.2f} s"


def run_report(timeline: Timeline, run_id: str, calls: Iterable[Call] = ()) -> Report:
    lane = timeline.lane(run_id)
    if lane is None:
        return Report(f"run {short_id(run_id)}", notes=["This thread's timeline has no such run."])
    text = f" · '{lane.text}'" if lane.text else ""
    report = Report(f"{lane.label} · {lane.run_id}{text}")
    report.chain = _chain(timeline, lane)
    report.checkpoints = _checkpoints(timeline, lane)
    report.writes = _writes(timeline, lane)
    report.whys = _whys(timeline, lambda item: lane.run_id in (item.run_id, *item.met))
    report.calls = [c for c in on_thread(calls, timeline.thread_id) if made_for(c, run_id)]
    report.notes = [f"This server: {c}." for c in timeline.knowledge.caveats()]
    return report


def bounce_report(timeline: Timeline, bounce: Bounce, calls: Iterable[Call] = ()) -> Report:
    report = Report(f"rejected attempt · '{bounce.text or ''}'")
    busy = ", ".join(timeline.name(r) for r in bounce.busy_run_ids) or "another run"
    report.chain = [
        f"sent at {_at(timeline, bounce.at)} with multitask_strategy={bounce.strategy}",
        f"the thread was busy with {busy}: the server answered 409 and created nothing",
    ]
    if bounce.detail:
        report.chain.append(f"detail: {bounce.detail}")
    report.whys = _whys(timeline, lambda item: item.bounce is bounce)
    report.calls = _calls_near(calls, bounce, timeline.thread_id)
    return report


def _chain(timeline: Timeline, lane: Lane) -> list[str]:
    chain = [f"sent at {_at(timeline, lane.sent_at)} with multitask_strategy={lane.strategy}"]
    ahead = timeline.active_at(lane.sent_at or 0.0, exclude=lane.run_id)
    if ahead and lane.queue_position != 0 and not lane.supersedes:
        chain.append(f"queued behind {', '.join(a.label for a in ahead)}")
    victims = [
        other for other in timeline.ordered() if other.cut and other.cut.by_run == lane.run_id
    ]
    if victims:
        verb = "rolled back" if victims[0].ghost else "interrupted"
        chain.append(f"on arrival it {verb} {', '.join(v.label for v in victims)}")
    if lane.started_at is not None:
        about = "" if lane.start_known else "about "
        chain.append(f"started at {about}{_at(timeline, lane.started_at)}")
        if lane.attempt > 1:
            chain.append(f"attempt {lane.attempt} (resumed after a crash)")
    elif lane.ended_at is not None:
        chain.append("never started")
    if lane.ended_at is None:
        chain.append(f"still {lane.status}")
        return chain
    end = f"{lane.status} at {_at(timeline, lane.ended_at)}"
    if lane.cut is not None:
        end = f"✂ {end}, cut by {timeline.cut_label(lane)}"
        node = lane.node_at(lane.ended_at)
        if node:
            end += f" while in {node}"
    if lane.error:
        end += f" ({lane.error})"
    chain.append(end)
    if lane.reason:
        chain.append(f"server's reason: {lane.reason}")
    seen = {lane.run_id}
    cutter = timeline.lane(lane.cut.by_run) if lane.cut else None
    while cutter is not None and cutter.run_id not in seen:  # and what became of the cutter
        seen.add(cutter.run_id)
        if cutter.cut is None:
            chain.append(f"{cutter.label} then {cutter.status}")
            break
        chain.append(f"{cutter.label} was itself cut by {timeline.cut_label(cutter)}")
        cutter = timeline.lane(cutter.cut.by_run)
    return chain


def _checkpoints(timeline: Timeline, lane: Lane) -> list[str]:
    if not timeline.knowledge.checkpoints:
        return ["not known on this server (no history was read)"]
    lines = []
    for dot in lane.dots:
        nxt = ", ".join(dot.next) or "(end)"
        gone = "  [deleted by the rollback]" if dot.removed else ""
        who = dot.node or dot.source or "checkpoint"
        lines.append(
            f"{'○' if dot.removed else '●'} {dot.checkpoint_id[:8]} step {dot.step} · {who} → "
            f"{nxt} · {_at(timeline, dot.at)}{gone}"
        )
    hidden = [c for c in lane.removed_checkpoints if all(d.checkpoint_id != c for d in lane.dots)]
    lines += [f"○ {c[:8]}  [deleted by the rollback]" for c in hidden]
    if lane.ghost and timeline.knowledge.source != "story" and not lane.dots:
        lines.append("deleted with the run: this server no longer lists them")
    return lines or ["none"]


def _writes(timeline: Timeline, lane: Lane) -> list[str]:
    if not timeline.knowledge.store_writes:
        return ["not reported by this server (no story)"]
    lines = []
    for write in lane.writes:
        fate = {True: "outlived the run", False: "undone by the rollback", None: "run still open"}
        later = [
            w
            for w in timeline.writes_to(write.namespace, write.key)
            if w.seq > write.seq and w.run_id != lane.run_id
        ]
        after = f"; later {later[0].op} by {timeline.name(later[0].run_id)}" if later else ""
        lines.append(
            f"{write.op} {write.kind} '{write.name}' ({'/'.join(write.namespace)} · {write.key}) "
            f"at {_at(timeline, write.at)} — {fate[write.kept]}{after}"
        )
    return lines or ["none"]


def _whys(timeline: Timeline, wanted: Callable[[DoubleText], bool]) -> list[str]:
    return [
        why(timeline, item)
        for item in double_texts(timeline)
        if wanted(item) and settled(timeline, item)
    ]


def on_thread(calls: Iterable[Call], thread_id: str | None) -> list[Call]:
    """The calls whose path names this thread (all of them when the thread is unknown)."""
    return [c for c in calls if thread_id is None or f"/threads/{thread_id}/" in f"{c.path}/"]


CREATES = ("/runs", "/runs/stream", "/runs/wait")


def made_for(call: Call, run_id: str) -> bool:
    """A call about this run: its id in the path, or the create that answered with it (not a
    list or a history whose answer merely mentions it)."""
    path = call.path.split("?", 1)[0].rstrip("/")
    created = call.method == "POST" and path.endswith(CREATES)
    return run_id in path or (call.run_id == run_id and created)


def detail(call: Call) -> str | None:
    """The `detail` of an error answer (`{"detail": ...}`: the 409's, the 404's), if any."""
    try:
        body = json.loads(call.response)
    except ValueError:
        return None
    return str(body["detail"]) if isinstance(body, dict) and "detail" in body else None


def _calls_near(calls: Iterable[Call], bounce: Bounce, thread_id: str | None) -> list[Call]:
    """The 409 that produced this bounce: the rejected create on this thread nearest in time."""
    refused = [
        c
        for c in on_thread(calls, thread_id)
        if c.status == 409 and abs(c.at - bounce.at) <= BOUNCE_WINDOW_S
    ]
    return sorted(refused, key=lambda c: abs(c.at - bounce.at))[:1]


def call_rows(calls: Sequence[Call]) -> list[tuple[str, str, str, str, str]]:
    """(method, path, status, duration, excerpt) per call, the excerpt preferring a `detail`."""
    return [
        (
            c.method,
            c.path,
            "ERR" if c.status is None else str(c.status),
            f"{c.duration_ms:.0f} ms",
            detail(c) or c.response or c.request,
        )
        for c in calls
    ]
