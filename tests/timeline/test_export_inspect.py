"""Exports (SVG, Markdown) and the run inspector's report, on contract stories."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from tests.timeline.stories import (
    R1,
    R2,
    THREAD,
    Story,
    reject_story,
    rollback_story,
    several_pending,
)
from tui.calllog import Call
from tui.timeline.checkpoints import CheckpointState, MessageLine, diff, todos_at
from tui.timeline.export import save, story_markdown, timeline_svg
from tui.timeline.inspect import bounce_report, call_rows, run_report
from tui.timeline.model import Timeline
from tui.timeline.why import settled_whys


def svg_text(svg: str) -> str:
    """The characters an SVG shows, in document order."""
    return html.unescape("".join(re.findall(r">([^<>]+)</text>", svg))).replace("\xa0", " ")


def test_svg_shows_lanes_cuts_and_the_why() -> None:
    timeline = Timeline.from_events(rollback_story().events, thread_id=THREAD)
    svg = timeline_svg(timeline, width=110, title="rollback")
    shown = svg_text(svg)
    assert svg.startswith("<svg")
    assert "doubletext · rollback" in html.unescape(svg).replace("\xa0", " ")
    assert "run 1 enqueue" in shown and "run 2 rollback" in shown
    assert "✂ run 2 (rollback) ⚠ 1 write kept" in shown
    assert "○" in shown  # the ghost's deleted checkpoints
    assert "rolled back run 1 after 2.2 s" in shown


def test_markdown_story_has_runs_whys_and_every_event() -> None:
    timeline = Timeline.from_events(reject_story().events, thread_id=THREAD)
    text = story_markdown(timeline)
    assert text.startswith(f"# Thread {THREAD}\n")
    assert (
        "| 1 | `0a1b2c3d` | enqueue | Add a ToDo to follow-up with DI Repairs. | 0.00 s |" in text
    )
    assert "| — | — | reject | Add a ToDo to mount dresser to the wall. | 0.30 s |" in text
    [(_, why)] = settled_whys(timeline)
    assert f"- {why}" in text
    events = [line for line in text.splitlines() if re.match(r"\d+\. `", line)]
    # sent, started, 5 checkpoints, 1 store write, ended, and the rejection
    assert len(events) == 10 and "rejected (409)" in events[4]


def test_the_inspector_report_of_a_rolled_back_run() -> None:
    timeline = Timeline.from_events(rollback_story().events, thread_id=THREAD)
    runs = f"/threads/{THREAD}/runs"
    calls = [
        Call("POST", runs, 200, 10, "{}", f'{{"run_id":"{R1}"}}', 0, R1),
        Call("GET", f"{runs}/{R1}", 404, 2, "", '{"detail":"Run not found"}', 3, R1),
        Call("POST", runs, 200, 10, "{}", f'{{"run_id":"{R2}"}}', 2, R2),
        Call("GET", f"{runs}?limit=100", 200, 3, "", f'[{{"run_id":"{R1}"}}]', 4, R1),
    ]
    report = run_report(timeline, R1, calls)
    assert report.title.startswith("run 1 · 0a1b2c3d")
    assert report.chain[0] == "sent at 0.00 s with multitask_strategy=enqueue"
    assert "✂ rolled back at 2.22 s, cut by run 2 (rollback) while in update_todos" in report.chain
    assert report.chain[-1] == "run 2 then success"
    assert len(report.checkpoints) == 3
    assert all(line.endswith("[deleted by the rollback]") for line in report.checkpoints)
    [write] = report.writes
    assert "put todo 'Call to make appointment at Yoga'" in write
    assert write.endswith("— outlived the run; later put by run 2")
    assert report.whys == [why for _, why in settled_whys(timeline)]
    assert [c.status for c in report.calls] == [200, 404]
    assert call_rows(report.calls)[1][4] == "Run not found"
    newcomer = run_report(timeline, R2, calls)
    assert "on arrival it rolled back run 1" in newcomer.chain


def test_a_cause_chain_follows_the_cutter() -> None:
    s = Story().accepted(0, R1, "a").started(0.01, R1)
    s.accepted(0.5, R2, "b", "interrupt", 0, (R1,)).superseded(0.51, R1, R2, "interrupt")
    s.started(0.52, R2).cancelled(0.9, R2, "interrupt")
    report = run_report(Timeline.from_events(s.events), R1)
    assert report.chain[-1] == "run 2 was itself cut by Esc"


def test_the_inspector_report_of_a_rejection_finds_its_409() -> None:
    timeline = Timeline.from_events(reject_story().events, thread_id=THREAD)
    [bounce] = timeline.bounces
    refused = Call(
        "POST",
        f"/threads/{THREAD}/runs",
        409,
        3,
        '{"multitask_strategy":"reject"}',
        '{"detail":"Thread is already running a task."}',
        bounce.at + 0.001,
    )
    elsewhere = Call("POST", "/threads/other/runs", 409, 3, "", "", bounce.at)
    report = bounce_report(timeline, bounce, [elsewhere, refused])
    assert report.calls == [refused]
    assert "the thread was busy with run 1" in report.chain[1]
    assert report.whys and report.whys[0].startswith("Message 'Add a ToDo to mount dresser")


def test_todos_written_so_far_and_what_a_step_changed() -> None:
    timeline = Timeline.from_events(several_pending("enqueue").events)
    first = timeline.lane(R1)
    assert first is not None
    before_write, after_write = first.dots[2], first.dots[3]
    assert todos_at(timeline, before_write.checkpoint_id) == {}
    assert todos_at(timeline, after_write.checkpoint_id) == {"k-plants": "Water the plants"}
    human = MessageLine("1", "human", "hi")
    ai = MessageLine("2", "ai", "→ UpdateMemory")
    prev = CheckpointState("a", None, 1, "loop", R1, None, ("update_todos",), (human,))
    cur = CheckpointState("b", "a", 2, "loop", R1, None, ("task_mAIstro",), (human, ai))
    change = diff(prev, cur, {}, {"k": "Water the plants"})
    assert change.added == (ai,) and change.removed == ()
    assert change.next_before == ("update_todos",)
    assert change.todos_added == ("Water the plants",) and not change.empty


def test_save_writes_both_exports_privately(tmp_path) -> None:
    timeline = Timeline.from_events(rollback_story().events, thread_id=THREAD)
    svg, markdown = save(timeline, tmp_path / "exports", "rollback")
    assert svg.read_text().startswith("<svg") and markdown.read_text().startswith("# Thread")
    assert oct(svg.stat().st_mode & 0o777) == "0o600" == oct(markdown.stat().st_mode & 0o777)


ODD = "oops [/] a [bold]b[/bold]\x1b[31m red\x1b[0m\nsecond line"


def odd_story() -> Story:
    """A rejected message with markup, an ANSI escape and a newline: text the user can type
    or paste, which the exports must show as it was written, on one line."""
    s = Story().accepted(0.0, R1, "first").started(0.01, R1).turn_start(0.02, R1)
    s.rejected(0.30, ODD, (R1,))
    s.store(0.5, R1, "k-odd", "task [/] with\nnewline")
    s.checkpoint(0.60, R1, "task_mAIstro", ())
    return s.ended(1.11, R1, "success", started=0.01)


def test_exports_show_odd_text_literally_on_one_line() -> None:
    timeline = Timeline.from_events(odd_story().events, thread_id=THREAD)
    svg = timeline_svg(timeline, width=160)  # Rich markup in a why line used to raise here
    ET.fromstring(svg)  # no control characters: still a well-formed XML document
    shown = svg_text(svg)
    assert "Message 'oops [/] a [bold]b[/bold][31m red[0m …' was rejected" in shown
    text = story_markdown(timeline)
    assert "\x1b" not in text
    events = text.split("## Events", 1)[1].strip().splitlines()
    assert all(re.match(r"\d+\. `", line) for line in events), events  # one line per event
    assert "rejected (409): 'oops [/] a [bold]b[/bold][31m red[0m second line'" in text
    assert "put todo 'task [/] with newline'" in text
    whys = text.split("## What happened", 1)[1].split("## Events")[0].strip().splitlines()
    assert len(whys) == 1 and whys[0].startswith("- Message 'oops [/] a")
