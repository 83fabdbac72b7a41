"""Pinning for deterministic pictures: times become ranks, polls their canonical view."""

from __future__ import annotations

from itertools import pairwise

from tests.timeline.stories import R1, R2, SCENARIOS, THREAD, epoch
from tests.timeline.test_client_side import run
from tui.timeline.client_side import ClientView, Sent, Snapshot, build
from tui.timeline.model import Timeline
from tui.timeline.pin import ORIGIN, STEP_S, canonical_view, pin_times
from tui.timeline.why import settled_whys


def test_pinned_times_keep_order_structure_and_equal_moments() -> None:
    for name, story in SCENARIOS.items():
        timeline = Timeline.from_events(story().events, thread_id=THREAD)
        pinned = pin_times(timeline)
        assert pinned.first_at == ORIGIN, name
        before = [
            (lane.run_id, lane.status, len(lane.dots), lane.cut) for lane in timeline.ordered()
        ]
        after = [(lane.run_id, lane.status, len(lane.dots), lane.cut) for lane in pinned.ordered()]
        assert before == after, name
        for old, new in zip(timeline.ordered(), pinned.ordered(), strict=True):
            moments = [old.sent_at, old.started_at, *(d.at for d in old.dots), old.ended_at]
            ranks = [new.sent_at, new.started_at, *(d.at for d in new.dots), new.ended_at]
            known = [(a, b) for a, b in zip(moments, ranks, strict=True) if a is not None]
            assert sorted(known) == sorted(known, key=lambda pair: pair[1]), name  # same order
            for (a1, b1), (a2, b2) in pairwise(sorted(known)):
                assert (a1 == a2) == (b1 == b2), name  # equal stays equal, distinct distinct
        assert all((b.at - ORIGIN) % STEP_S == 0 for b in pinned.bounces)
        assert len(settled_whys(pinned)) == len(settled_whys(timeline)), name
        assert timeline.first_at != ORIGIN  # the original is untouched


def test_canonical_view_forgets_what_only_some_polls_catch() -> None:
    """Run 1 rolled back by run 2: one client's poll caught it `interrupted` with its reason just
    before it was deleted, another's did not; both canonical views build the same timeline."""
    reason = f"superseded by run {R2} (multitask_strategy=rollback)"
    sent = [Sent(epoch(0), "one", "enqueue", R1), Sent(epoch(1), "two", "rollback", R2)]
    running = Snapshot(epoch(0.5), (run(R1, "running", 0, 0.5),))
    both = (run(R2, "running", 1, 1.2),)
    caught = Snapshot(epoch(1.1), (run(R1, "interrupted", 0, 1.05, cancel_reason=reason), *both))
    missed = Snapshot(epoch(1.3), both)
    done = Snapshot(epoch(3), (run(R2, "success", 1, 2.9, "rollback"),))
    lucky = ClientView(THREAD, list(sent), snapshots=[running, caught, missed, done])
    unlucky = ClientView(THREAD, list(sent), snapshots=[running, missed, done])
    assert build(lucky).lane(R1).cut != build(unlucky).lane(R1).cut  # what each poll saw
    a, b = build(canonical_view(lucky)), build(canonical_view(unlucky))
    assert [(x.status, x.cut, x.ended_at) for x in a.ordered()] == [
        (y.status, y.cut, y.ended_at) for y in b.ordered()
    ]
    assert a.lane(R1).ghost and a.lane(R1).cut.inferred
