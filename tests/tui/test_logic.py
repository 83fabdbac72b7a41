"""The TUI's pure logic: run fates, queue positions, strategy texts, stream parsing, export."""

from __future__ import annotations

from tui.events import AIDelta, ToolCallState, ToolResult, parse_message, text_of
from tui.export import ExportTurn, to_markdown
from tui.runstate import Fate, RunBook, TrackedRun, fate_from_status, queue_positions
from tui.strategies import STRATEGIES, describe


def run(rid: str, status: str, created: str, strategy: str = "enqueue") -> dict:
    return {
        "run_id": rid,
        "status": status,
        "created_at": f"2026-01-01T00:00:{created}+00:00",
        "updated_at": f"2026-01-01T00:00:{created}+00:00",
        "multitask_strategy": strategy,
    }


def test_status_maps_to_fate() -> None:
    assert fate_from_status("pending") is Fate.QUEUED
    assert fate_from_status("running") is Fate.RUNNING
    assert fate_from_status("success") is Fate.DONE
    assert fate_from_status("interrupted") is Fate.INTERRUPTED
    assert fate_from_status("error") is Fate.ERROR
    assert fate_from_status("timeout") is Fate.TIMEOUT


def test_vanished_active_run_was_rolled_back_but_finished_one_was_not() -> None:
    assert fate_from_status(None, Fate.RUNNING) is Fate.ROLLED_BACK
    assert fate_from_status(None, Fate.QUEUED) is Fate.ROLLED_BACK
    assert fate_from_status(None, Fate.INTERRUPTED) is Fate.ROLLED_BACK  # reference: then 404
    assert fate_from_status(None, Fate.DONE) is Fate.DONE


def test_queue_positions_are_fifo_among_pending() -> None:
    runs = [run("c", "pending", "03"), run("a", "running", "01"), run("b", "pending", "02")]
    assert queue_positions(runs) == {"b": 1, "c": 2}


def test_book_tracks_fates_and_detects_rollback() -> None:
    book = RunBook()
    one = TrackedRun("l1", "first", "enqueue", run_id="r1")
    two = TrackedRun("l2", "second", "enqueue", run_id="r2")
    book.add(one)
    book.add(two)
    changed = book.apply([run("r2", "pending", "02"), run("r1", "running", "01")], now=10)
    assert {t.local_id for t in changed} == {"l1", "l2"}
    assert (one.fate, two.fate, two.position) == (Fate.RUNNING, Fate.QUEUED, 1)
    assert book.has_active()
    assert book.active_run_ids() == ["r1", "r2"]
    changed = book.apply([run("r2", "running", "02", "rollback")], now=11)
    assert one.fate is Fate.ROLLED_BACK and one.finished == 11
    assert two.fate is Fate.RUNNING
    assert book.apply([run("r2", "running", "02", "rollback")], now=12) == []


def test_run_created_after_poll_started_is_not_taken_for_rolled_back() -> None:
    book = RunBook()
    one = TrackedRun("l1", "first", "enqueue", run_id="r1")
    book.add(one)
    book.note_created(run("r1", "pending", "01"), now=5.0)
    assert one.fate is Fate.QUEUED and one.position == 1
    book.apply([], now=6.0, since=4.0)  # poll sent before the run existed
    assert one.fate is Fate.QUEUED
    book.apply([], now=7.0, since=6.5)
    assert one.fate is Fate.ROLLED_BACK


def test_every_strategy_has_a_key_and_description() -> None:
    assert [s.name for s in STRATEGIES] == ["enqueue", "interrupt", "rollback", "reject"]
    assert len({s.key for s in STRATEGIES}) == 4
    assert "409" in describe("reject")
    assert "both" in describe("enqueue")


def test_parse_streamed_chunks_and_tool_calls() -> None:
    chunk = {"type": "AIMessageChunk", "id": "m1", "content": [{"type": "text", "text": "Hi"}]}
    update = parse_message([chunk, {}])
    assert isinstance(update, AIDelta) and (update.text, update.whole) == ("Hi", False)
    call_chunks = [
        {
            "type": "AIMessageChunk",
            "id": "m2",
            "content": "",
            "tool_call_chunks": [{"index": 0, "name": "UpdateMemory", "args": '{"update_ty'}],
        },
        {
            "type": "AIMessageChunk",
            "id": "m2",
            "content": "",
            "tool_call_chunks": [{"index": 0, "name": None, "args": 'pe": "todo"}'}],
        },
    ]
    state = ToolCallState()
    for c in call_chunks:
        delta = parse_message([c, {}])
        assert isinstance(delta, AIDelta)
        state.absorb(delta.tool_calls[0])
    assert state.title() == "UpdateMemory → todo"
    result = parse_message(
        [
            {
                "type": "tool",
                "id": "t",
                "name": "UpdateMemory",
                "content": "New ToDo created: x",
                "tool_call_id": "c",
            },
            {},
        ]
    )
    assert isinstance(result, ToolResult) and result.content.startswith("New ToDo")
    assert parse_message([{"type": "human", "content": "x"}, {}]) is None
    assert text_of(None) == ""


def test_export_marks_rolled_back_messages() -> None:
    md = to_markdown(
        [
            ExportTurn("first", "enqueue", "rolled back"),
            ExportTurn("second", "rollback", "done", ["reply to: second"], ["UpdateMemory → todo"]),
        ],
        thread_id="t1",
        assistant="slow",
    )
    assert "> ~~first~~" in md
    assert "reply to: second" in md
    assert "UpdateMemory → todo" in md
