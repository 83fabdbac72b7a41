"""Pin what depends on the clock, for deterministic pictures (snapshot tests). Pure.

A live timeline's columns and the numbers in its why lines depend on how fast the machine ran
the scenario. `pin_times` keeps everything else — which run, which order, which cut, which dots
— and replaces every moment by its rank among the distinct moments, `step` seconds apart, so
the same scenario draws the same picture on any machine as long as its events come in the same
order. Without a story, what a client saw also depends on when its polls happened to look (a
run being rolled back may be caught `interrupted`, with its reason, just before it is deleted):
`canonical_view` drops that. Only the app's `stable_ids` mode (snapshots) uses them; the app
shows real times and everything it saw otherwise.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from tui.timeline.client_side import OPEN_STATUSES, ClientView, Snapshot
from tui.timeline.model import Timeline

ORIGIN = 1_000_000.0
STEP_S = 0.5


def pin_times(timeline: Timeline, step: float = STEP_S) -> Timeline:
    """A copy of `timeline` whose times are ORIGIN + rank × `step` (equal times stay equal)."""
    pinned = copy.deepcopy(timeline)
    moments: set[float] = set()
    for lane in pinned.lanes.values():
        moments.update(t for t in (lane.sent_at, lane.started_at, lane.ended_at) if t is not None)
        moments.update(lane.restarts)
        moments.update(dot.at for dot in lane.dots)
    moments.update(write.at for write in pinned.writes)
    moments.update(bounce.at for bounce in pinned.bounces)
    moments.update(update.at for update in pinned.updates)
    moments.update(t for t in (pinned.first_at, pinned.last_at) if t is not None)
    rank = {t: ORIGIN + i * step for i, t in enumerate(sorted(moments))}

    def at(value: float | None) -> float | None:
        return None if value is None else rank[value]

    for lane in pinned.lanes.values():
        lane.sent_at, lane.started_at = at(lane.sent_at), at(lane.started_at)
        lane.ended_at = at(lane.ended_at)
        lane.restarts = [rank[t] for t in lane.restarts]
        for dot in lane.dots:
            dot.at = rank[dot.at]
        if lane.duration_s is not None and lane.started_at is not None and lane.ended_at:
            lane.duration_s = lane.ended_at - lane.started_at
    for write in pinned.writes:  # lanes share these objects: each is moved once, here
        write.at = rank[write.at]
    for bounce in pinned.bounces:
        bounce.at = rank[bounce.at]
    for update in pinned.updates:
        update.at = rank[update.at]
    pinned.first_at, pinned.last_at = at(pinned.first_at), at(pinned.last_at)
    return pinned


def canonical_view(view: ClientView) -> ClientView:
    """`view` without what only some polls catch: a run gone by the last `runs.list` is kept
    only as pending or running (no transient final status, no reason), and each answer only
    where some run's status changed."""
    last = {str(r["run_id"]) for r in view.snapshots[-1].runs} if view.snapshots else set()
    canonical = replace(view, snapshots=[])
    for snapshot in view.snapshots:
        rows = tuple(
            row if str(row["run_id"]) in last else {**row, "cancel_reason": None}
            for row in snapshot.runs
            if str(row["run_id"]) in last or row.get("status") in OPEN_STATUSES
        )
        canonical.add_snapshot(Snapshot(snapshot.at, rows))
    return canonical
