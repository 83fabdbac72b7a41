"""The one-line "why" after a double text settles: what happened, in plain words with numbers. Pure.

A double text is a message that met a busy thread: a run that waited behind others (enqueue),
cut them (interrupt, rollback), or a rejected attempt (409). An API cancel (the app's Esc or
Ctrl+B) and any other cut (a disconnect, a shutdown, an unknown cause) get a line too. The line
is written once every run involved has ended, so it can say what was kept, what is gone, and
what later runs did with what was left behind — side effects of interrupted runs included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tui.timeline.model import Bounce, Lane, Status, Timeline, Write

TEXT_LIMIT = 40


@dataclass(frozen=True)
class DoubleText:
    """One event worth a line: `kind` is reject, enqueue, interrupt, rollback, cancel or cut."""

    key: str
    kind: str
    at: float
    run_id: str | None = None  # the newcomer run (None for a bounce, a cancel or a cut)
    met: tuple[str, ...] = ()  # runs it met: busy, ahead in the queue, or cut
    bounce: Bounce | None = None


def double_texts(timeline: Timeline) -> list[DoubleText]:
    """Every double text, cancel and cut in the thread, in time order."""
    found: list[DoubleText] = []
    for lane in timeline.ordered():
        at = lane.sent_at or 0.0
        victims = _victims(timeline, lane)
        if victims:
            kind = "rollback" if timeline.lane(victims[0]).ghost else "interrupt"  # type: ignore[union-attr]
            found.append(DoubleText(f"run:{lane.run_id}", kind, at, lane.run_id, victims))
        elif lane.queue_position != 0 and not (lane.cut and lane.started_at is None):
            # (a queued run cut before it started is told in the line of whatever cut it)
            ahead = tuple(a.run_id for a in timeline.active_at(at, exclude=lane.run_id))
            if ahead:
                found.append(DoubleText(f"run:{lane.run_id}", "enqueue", at, lane.run_id, ahead))
        cut = lane.cut
        if cut is not None and cut.kind != "superseded":
            kind = "cancel" if cut.kind == "cancel" else "cut"
            ended = lane.ended_at or at
            found.append(DoubleText(f"{kind}:{lane.run_id}", kind, ended, None, (lane.run_id,)))
        elif cut is not None and timeline.lane(cut.by_run) is None:
            found.append(
                DoubleText(f"cut:{lane.run_id}", "cut", lane.ended_at or at, None, (lane.run_id,))
            )
    for bounce in timeline.bounces:
        busy = bounce.busy_run_ids or tuple(a.run_id for a in timeline.active_at(bounce.at))
        found.append(DoubleText(f"bounce:{bounce.seq}", "reject", bounce.at, None, busy, bounce))
    return sorted(found, key=lambda d: d.at)


def _victims(timeline: Timeline, lane: Lane) -> tuple[str, ...]:
    """Runs this one cut: those it says it supersedes, and those whose cut names it."""
    ids = set(lane.supersedes) | {
        other.run_id
        for other in timeline.lanes.values()
        if other.cut is not None and other.cut.by_run == lane.run_id
    }
    known = [timeline.lane(r) for r in ids]
    return tuple(v.run_id for v in sorted(filter(None, known), key=lambda v: v.number))


def settled(timeline: Timeline, item: DoubleText) -> bool:
    """Every run involved has ended (runs the timeline never saw do not hold it up)."""
    ids = (*item.met, item.run_id) if item.run_id else item.met
    return not any(lane.open for lane in map(timeline.lane, ids) if lane is not None)


def settled_whys(timeline: Timeline, said: Iterable[str] = ()) -> list[tuple[str, str]]:
    """`(key, line)` for each settled double text whose key is not in `said` yet."""
    done = set(said)
    return [
        (item.key, why(timeline, item))
        for item in double_texts(timeline)
        if item.key not in done and settled(timeline, item)
    ]


def why(timeline: Timeline, item: DoubleText) -> str:
    """The sentence for one double text (call it once it has settled)."""
    writer = {
        "reject": _reject,
        "enqueue": _enqueue,
        "interrupt": _supersede,
        "rollback": _supersede,
        "cancel": _cancel,
        "cut": _cut,
    }[item.kind]
    line = writer(timeline, item)
    return line[0].upper() + line[1:] + ("" if line.endswith(".") else ".")


# -- one writer per kind -------------------------------------------------------------------------


def _reject(timeline: Timeline, item: DoubleText) -> str:
    bounce = item.bounce
    assert bounce is not None
    text = f"message {quote(bounce.text)} " if bounce.text else "a message "
    busy = [lane for lane in map(timeline.lane, item.met) if lane is not None]
    if not busy:
        return f"{text}was rejected (409): the thread was busy; nothing reached the thread"
    where = []
    for lane in busy:
        if lane.started_at is None or lane.started_at > bounce.at:
            where.append(f"{lane.label} was waiting")
            continue
        node, into = lane.node_at(bounce.at), seconds(bounce.at - lane.started_at)
        if node:
            where.append(f"{lane.label} was {into} into {code(node)}")
        else:
            where.append(f"{lane.label} was {into} in, before its first node ran")
    after = "; ".join(f"{lane.label} {outcome(timeline, lane)}" for lane in busy)
    return f"{text}was rejected (409): {', '.join(where)}; nothing reached the thread, and {after}"


def _enqueue(timeline: Timeline, item: DoubleText) -> str:
    lane = timeline.lane(item.run_id)
    assert lane is not None
    ahead = names(timeline, item.met)
    head = f"{lane.label} (enqueue) waited {seconds(lane.waited_s(0) or 0)} behind {ahead}"
    if lane.status is not Status.SUCCESS:
        return f"{head}, then {outcome(timeline, lane)}"
    head += f", then ran {seconds(lane.ran_s(0) or 0)}"
    everyone = [timeline.lane(r) for r in (*item.met, lane.run_id)]
    if all(other is not None and other.status is Status.SUCCESS for other in everyone):
        count = "both messages" if len(everyone) == 2 else f"all {len(everyone)} messages"
        return f"{head}; {count} were answered"
    return head


def _supersede(timeline: Timeline, item: DoubleText) -> str:
    newcomer = timeline.lane(item.run_id)
    assert newcomer is not None
    victims = [v for v in map(timeline.lane, item.met) if v is not None]
    rollback = item.kind == "rollback"
    guess = "probably " if any(v.cut and v.cut.inferred for v in victims) else ""
    actor = f"{newcomer.label} ({newcomer.strategy or item.kind}) {guess}"
    return actor + _stopped(timeline, victims, rollback)


def _cancel(timeline: Timeline, item: DoubleText) -> str:
    lane = timeline.lane(item.met[0])
    assert lane is not None and lane.cut is not None
    rollback = lane.cut.action == "rollback"
    key = timeline.cut_label(lane)
    actor = f"{key} (cancel with rollback) " if rollback else f"{key} (cancel) "
    return actor + _stopped(timeline, [lane], rollback)


def _cut(timeline: Timeline, item: DoubleText) -> str:
    lane = timeline.lane(item.met[0])
    assert lane is not None and lane.cut is not None
    rollback = lane.cut.action == "rollback"
    verb = "rolled back" if rollback else "interrupted"
    said = f"{lane.label} was {verb} {_ran_phrase(lane)} ({timeline.cut_label(lane)})"
    return said + "".join(f"; {c}" for c in _consequences(timeline, lane, rollback))


# -- the shared phrases --------------------------------------------------------------------------


def _stopped(timeline: Timeline, victims: Sequence[Lane], rollback: bool) -> str:
    """`stopped run 1 after 1.2 s in `x` and cancelled run 2 before it started; …`"""
    ran = [v for v in victims if v.started_at is not None]
    waited = [v for v in victims if v.started_at is None]
    verbs = ("rolled back", "deleted") if rollback else ("stopped", "cancelled")
    clauses = [f"{verbs[0]} {v.label} {_ran_phrase(v)}" for v in ran]
    if waited:
        ids = [v.run_id for v in waited]
        before = "before they started" if len(waited) > 1 else "before it started"
        if len(waited) == 1 and not ran:
            before += f" (it had waited {seconds(waited[0].waited_s(0) or 0)})"
        clauses.append(f"{verbs[1] if ran else verbs[0]} {names(timeline, ids)} {before}")
    line = " and ".join(clauses)
    several = len(victims) > 1
    details = [c for v in ran for c in _consequences(timeline, v, rollback, several)]
    if waited:
        whose = "their messages were" if len(waited) > 1 else f"{waited[0].label}'s message was"
        details.append(f"{whose} never added to the thread")
    if not details:
        return line
    joiner = ": " if rollback and ran else "; "
    return line + joiner + "; ".join(details)


def _ran_phrase(lane: Lane) -> str:
    """`after 1.2 s in `update_todos`` (or before it started, or without a node)."""
    if lane.started_at is None:
        return f"before it started (it had waited {seconds(lane.waited_s(0) or 0)})"
    about = "" if lane.start_known else "about "  # the source only bounds when it started
    ran = f"after {about}{seconds(lane.ran_s(0) or 0)}"
    node = lane.node_at(lane.ended_at or lane.started_at)
    if node:
        return f"{ran} in {code(node)}"
    return f"{ran}, before its first node ran" if lane.dots else ran


def _consequences(
    timeline: Timeline, lane: Lane, rollback: bool, name_it: bool = False
) -> list[str]:
    """What stays and what is gone after `lane` was cut: its message, checkpoints, writes.

    `name_it`: say "run 1's message" rather than "its message" (several runs in one line)."""
    known = timeline.knowledge
    its = f"{lane.label}'s" if name_it else "its"
    said: list[str] = []
    if rollback:
        count = len(lane.removed_checkpoints)
        if known.source == "story" and count:
            said.append(f"{its} message and {plural(count, 'checkpoint')} are gone")
        elif known.source == "story":
            said.append(f"{lane.label} had written nothing to the thread")
        else:
            said.append(f"{its} message and checkpoints are gone")
    elif lane.dots:
        said.append(f"{lane.label}'s message stays unanswered")
    elif known.checkpoints and lane.started_at is not None:
        said.append(f"{lane.label}'s message was never added to the thread")
    writes = _effects(timeline, lane, rollback, name_it)
    if rollback and lane.surviving_writes() and said:
        said[-1] += ", but " + writes  # gone, *but* its side effects stayed
    else:
        said.append(writes)
    return said


def _effects(timeline: Timeline, lane: Lane, rollback: bool, name_it: bool = False) -> str:
    """`the todo it saved, 'Buy milk', stays` — or what was undone, or that nothing was saved."""
    it = lane.label if name_it else "it"
    if not timeline.knowledge.store_writes:
        return f"any store writes {it} made are not reported by this server"
    if not lane.writes:
        return f"{it} had saved nothing"
    parts: list[str] = []
    for (kind, verb), writes in _grouped(timeline, lane.writes, rollback).items():
        kept = [w for w in writes if w.kept is not False]
        undone = [w for w in writes if w.kept is False]
        if kept:
            what = _the(kind, verb, kept, it)
            fate = ("was kept" if len(kept) == 1 else "were kept") if rollback else _stays(kept)
            parts.append(f"{what} {fate}{_later(timeline, kept, lane)}")
        if undone:
            were = "was" if len(undone) == 1 else "were"
            parts.append(f"{_the(kind, verb, undone, it)} {were} undone")
    return "; ".join(parts)


def _grouped(
    timeline: Timeline, writes: Sequence[Write], rollback: bool
) -> dict[tuple[str, str], list[Write]]:
    """Writes by (kind, verb): a rolled-back run "created" a todo that was kept, an interrupted
    one "saved" a todo that stays; a write to an existing key "updated" it."""
    groups: dict[tuple[str, str], list[Write]] = {}
    for write in writes:
        earlier = [w for w in timeline.writes_to(write.namespace, write.key) if w.seq < write.seq]
        if write.op == "delete":
            verb = "deleted"
        elif earlier:
            verb = "updated"
        else:
            verb = "created" if rollback and write.kind == "todo" else "saved"
        groups.setdefault((write.kind, verb), []).append(write)
    return groups


def _the(kind: str, verb: str, writes: Sequence[Write], it: str = "it") -> str:
    """`the todo it created, 'Buy milk',` / `the 2 todos it created, 'A' and 'B',`."""
    listed = and_list([quote(w.name) for w in writes])
    noun = kind if len(writes) == 1 else f"{len(writes)} {kind}s"
    return f"the {noun} {it} {verb}, {listed},"


def _stays(writes: Sequence[Write]) -> str:
    deleted = writes[0].op == "delete"
    if len(writes) == 1:
        return "stays deleted" if deleted else "stays"
    return "stay deleted" if deleted else "stay"


def _later(timeline: Timeline, writes: Sequence[Write], lane: Lane) -> str:
    """` and then renamed by run 2 to 'Y'` for what later runs did to the same items."""
    notes: list[str] = []
    for write in writes:
        after = [
            w
            for w in timeline.writes_to(write.namespace, write.key)
            if w.seq > write.seq and w.run_id != lane.run_id
        ]
        for other in after[:1]:
            who = timeline.name(other.run_id)
            if other.op == "delete":
                notes.append(f"deleted by {who}")
            elif other.name != write.name:
                notes.append(f"renamed by {who} to {quote(other.name)}")
            else:
                notes.append(f"updated by {who}")
    return f" and then {and_list(notes)}" if notes else ""


def outcome(timeline: Timeline, lane: Lane) -> str:
    """`went on to finish after 1.1 s`, `was stopped by run 3 (interrupt)`, `ended in error`."""
    if lane.status is Status.SUCCESS:
        return f"went on to finish after {seconds(lane.ran_s(0) or 0)}"
    if lane.cut is not None:
        verb = "rolled back" if lane.ghost else "stopped"
        return f"was {verb} by {timeline.cut_label(lane)} {_ran_phrase(lane)}"
    if lane.status is Status.ERROR:
        return f"ended in error{f' ({lane.error})' if lane.error else ''}"
    return f"ended {lane.status}"


# -- words and numbers ---------------------------------------------------------------------------


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 0.1 else f"{value:.1f} s"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def quote(text: str | None) -> str:
    text = " ".join((text or "").split())
    return f"'{text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + '…'}'"


def code(name: str | None) -> str:
    return f"`{name}`"


def and_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def names(timeline: Timeline, run_ids: Sequence[str]) -> str:
    """`run 1`, `runs 1 and 2`, `runs 1, 2 and 3`."""
    lanes = [timeline.lane(r) for r in run_ids]
    if len(run_ids) > 1 and all(lanes):
        return "runs " + and_list([str(lane.number) for lane in lanes if lane])
    return and_list([timeline.name(r) for r in run_ids])
