"""The one-line why, as a table over contract stories: four strategies, Esc, Ctrl+B, reject and
several pending runs; plus when a line appears (only once everything involved has ended)."""

from __future__ import annotations

import pytest

from tests.timeline.stories import (
    R1,
    R2,
    SCENARIOS,
    Story,
    buy_milk_interrupted,
    ctrl_b_story,
    several_pending,
)
from tui.timeline.model import Timeline
from tui.timeline.why import double_texts, settled_whys, why

TABLE = [
    (
        "reject",
        SCENARIOS["reject"],
        [
            "Message 'Add a ToDo to mount dresser to the wall.' was rejected (409): run 1 was "
            "0.3 s into `task_mAIstro`; nothing reached the thread, and run 1 went on to finish "
            "after 1.1 s."
        ],
    ),
    (
        "enqueue",
        SCENARIOS["enqueue"],
        ["Run 2 (enqueue) waited 1.2 s behind run 1, then ran 1.1 s; both messages were answered."],
    ),
    (
        "interrupt",
        SCENARIOS["interrupt"],
        [
            "Run 2 (interrupt) stopped run 1 after 1.2 s in `task_mAIstro`; run 1's message stays "
            "unanswered; it had saved nothing."
        ],
    ),
    (
        "rollback",
        SCENARIOS["rollback"],
        [
            "Run 2 (rollback) rolled back run 1 after 2.2 s in `update_todos`: its message and 3 "
            "checkpoints are gone, but the todo it created, 'Call to make appointment at Yoga', "
            "was kept and then renamed by run 2 to 'Drop by Yoga in person'."
        ],
    ),
    (
        "interrupt with a saved todo",
        buy_milk_interrupted,
        [
            "Run 2 (interrupt) stopped run 1 after 1.2 s in `update_todos`; run 1's message stays "
            "unanswered; the todo it saved, 'Buy milk', stays."
        ],
    ),
    (
        "Esc",
        lambda: buy_milk_interrupted("esc"),
        [
            "Esc (cancel) stopped run 1 after 1.2 s in `update_todos`; run 1's message stays "
            "unanswered; the todo it saved, 'Buy milk', stays."
        ],
    ),
    (
        "Ctrl+B",
        ctrl_b_story,
        [
            "Ctrl+B (cancel with rollback) rolled back run 1 after 0.9 s in `task_mAIstro`: its "
            "message and 4 checkpoints are gone, but the todo it created, 'Renew the passport', "
            "was kept."
        ],
    ),
    (
        "several pending, enqueue",
        lambda: several_pending("enqueue"),
        [
            "Run 2 (enqueue) waited 0.8 s behind run 1, then ran 0.6 s; both messages were "
            "answered.",
            "Run 3 (enqueue) waited 1.2 s behind runs 1 and 2, then ran 0.6 s; all 3 messages "
            "were answered.",
            "Run 4 (enqueue) waited 1.5 s behind runs 1, 2 and 3, then ran 0.6 s; all 4 messages "
            "were answered.",
        ],
    ),
    (
        "several pending, interrupt",
        lambda: several_pending("interrupt"),
        [
            "Run 4 (interrupt) stopped run 1 after 0.8 s in `update_todos` and cancelled runs 2 "
            "and 3 before they started; run 1's message stays unanswered; the todo run 1 saved, "
            "'Water the plants', stays; their messages were never added to the thread."
        ],
    ),
    (
        "several pending, rollback",
        lambda: several_pending("rollback"),
        [
            "Run 4 (rollback) rolled back run 1 after 0.8 s in `update_todos` and deleted runs 2 "
            "and 3 before they started: run 1's message and 3 checkpoints are gone, but the todo "
            "run 1 created, 'Water the plants', was kept; their messages were never added to the "
            "thread."
        ],
    ),
]


@pytest.mark.parametrize(
    ("story", "expected"), [(s, e) for _, s, e in TABLE], ids=[n for n, *_ in TABLE]
)
def test_why_table(story, expected) -> None:
    timeline = Timeline.from_events(story().events)
    assert [line for _, line in settled_whys(timeline)] == expected


def test_a_line_waits_until_every_run_involved_has_ended() -> None:
    events = buy_milk_interrupted().events
    timeline, said, lines = Timeline(), set(), []
    for event in events:
        timeline.fold(event)
        for key, line in settled_whys(timeline, said):
            said.add(key)
            lines.append((event["kind"], event["run_id"], line))
    # Run 1 is cut at once, but the line waits for run 2 to end: only then is it settled.
    assert [(kind, run) for kind, run, _ in lines] == [("run_ended", R2)]
    assert settled_whys(timeline, said) == []


def test_a_double_text_on_an_idle_thread_is_not_one() -> None:
    s = Story().accepted(0, R1, "a").started(0.01, R1).ended(0.5, R1, started=0.01)
    s.accepted(1.0, R2, "b", "interrupt").started(1.01, R2).ended(1.5, R2, started=1.01)
    assert double_texts(Timeline.from_events(s.events)) == []


def test_a_rolled_back_run_that_never_started_left_nothing() -> None:
    s = Story().accepted(0, R1, "first").started(0.01, R1)
    s.accepted(0.1, R2, "second", "enqueue", 1)
    s.cancelled(0.3, R2, "rollback")  # Ctrl+B on the queued run
    s.ended(0.6, R1, started=0.01)
    timeline = Timeline.from_events(s.events)
    [cancel] = [d for d in double_texts(timeline) if d.kind == "cancel"]
    assert why(timeline, cancel) == (
        "Ctrl+B (cancel with rollback) rolled back run 2 before it started (it had waited "
        "0.2 s); run 2's message was never added to the thread."
    )
