"""Pure helpers behind the views: history layout, labels, chunks, export, strategies, prefs,
a policy's badge and note."""

from __future__ import annotations

from pathlib import Path

from tui.calllog import Call
from tui.export import ExportTurn, to_markdown
from tui.history import compose, kept_after
from tui.message_chunks import AIDelta, ToolCallState, ToolResult, parse_message, text_of
from tui.prefs import LastThreads
from tui.runstate import Entry, Fate, ThreadLog
from tui.strategies import STRATEGIES, describe
from tui.text import ShortIds, clip, distinct_labels, short_id
from tui.widgets.policy_note import PolicyNote
from tui.widgets.transcript import sent_with


def human(mid: str, text: str) -> dict:
    return {"type": "human", "id": mid, "content": text}


def ai(mid: str, text: str) -> dict:
    return {"type": "ai", "id": mid, "content": text}


def test_history_places_entries_the_state_does_not_keep_where_they_happened() -> None:
    log = ThreadLog()
    for key, text, fate in [
        ("a", "one", Fate.DONE),
        ("b", "gone", Fate.ROLLED_BACK),
        ("c", "refused", Fate.REJECTED),
        ("d", "two", Fate.INTERRUPTED),
        ("e", "waiting", Fate.QUEUED),
    ]:
        log.add_local(key, text, "enqueue", 0.0, f"h-{key}")
        log.entries[key].fate = fate
    messages = [
        human("h-0", "before any record"),
        ai("m0", "hi"),
        human("h-a", "one"),
        ai("m1", "reply one"),
        human("x", "two"),
    ]
    turns = compose(log.ordered(), messages)
    assert [(t.key, t.text, [m["id"] for m in t.messages]) for t in turns] == [
        (None, "before any record", ["m0"]),
        ("a", "one", ["m1"]),
        ("b", "gone", []),
        ("c", "refused", []),
        ("d", "two", []),
        ("e", "waiting", []),
    ]
    assert [m["id"] for m in kept_after(messages, "h-a", "one")] == ["m1"]
    assert kept_after(messages, None, "before any record") == [ai("m0", "hi")]
    assert kept_after(messages, "missing", "one") == []


def test_labels_tell_similar_messages_apart() -> None:
    texts = ["Add a ToDo to buy milk", "Add a ToDo to call mom", "Short"]
    assert distinct_labels(texts, 14) == ["…buy milk", "…call mom", "Short"]
    assert distinct_labels(["I need to book the dentist by Friday"], 14) == ["I need to…"]
    # the same text twice (a rejected message resent with Ctrl+R) cannot be told apart by its
    # words: both read as the message starts, not as its last word ("…wall.")
    same = "Add a ToDo to mount dresser to the wall."
    assert distinct_labels([same, same], 14) == ["Add a ToDo…"] * 2
    resent = distinct_labels([same, same, "Add a ToDo to call mom"], 20)
    assert resent == ["…mount dresser to…", "…mount dresser to…", "…call mom"]
    assert clip("word " * 10, 12) == "word word…"
    ids = ShortIds(stable=True)
    assert (ids("x" * 36), ids("y" * 36), ids("x" * 36)) == ("run-1", "run-2", "run-1")
    assert ShortIds()("1a2b3c4d-5e6f") == "1a2b3c4d"


def test_short_ids_tell_uuid7_runs_apart() -> None:
    """uuid7 ids made within a minute share their first 8 hex digits: the short id grows to
    the shortest prefix no other run of the thread shares, never ending on a dash."""
    a = "019b2f3c-7d10-7aaa-8000-000000000001"
    b = "019b2f3c-7d2e-7bbb-8000-000000000002"
    c = "019b2f3c-7d2f-7ccc-8000-000000000003"
    assert short_id(a) == short_id(a, [a]) == "019b2f3c"
    assert short_id(a, [a, "12345678-0000"]) == "019b2f3c"
    assert short_id(a, [b]) == "019b2f3c-7d1"
    assert short_id(b, [a, b, c]) == "019b2f3c-7d2e"
    assert short_id("019b2f3c-aaaa", ["019b2f3c-bbbb"]) == "019b2f3c-a"  # not "019b2f3c-"
    ids = ShortIds()
    ids.learn([a, b, None])
    assert (ids(a), ids(b)) == ("019b2f3c-7d1", "019b2f3c-7d2")
    ids.forget()
    assert ids(c) == "019b2f3c"


def test_learning_a_run_says_when_ids_shown_before_grew() -> None:
    """A later run can lengthen an earlier one's short id: whatever showed it must redraw."""
    a = "019b2f3c-7d10-7aaa-8000-000000000001"
    b = "019b2f3c-7d2e-7bbb-8000-000000000002"
    c = "019b2f3c-7d2f-7ccc-8000-000000000003"
    ids = ShortIds()
    assert ids.learn([a]) is False
    assert ids.learn([b]) is True and ids(a) == "019b2f3c-7d1"
    assert ids.learn([b, "12345678-0000"]) is False  # known, or shares too little to matter
    assert ids.learn([c]) is True and ids(b) == "019b2f3c-7d2e"
    assert ShortIds(stable=True).learn([a, b]) is False


def test_a_call_line_shortens_run_ids_by_the_apps_rule_and_learns_no_thread_id() -> None:
    thread, run = "019b2f3c-7000-7000-8000-000000000000", "019b2f3c-7d10-7aaa-8000-000000000001"
    ids = ShortIds()
    ids.learn([run, "019b2f3c-7d2e-7bbb-8000-000000000002"])
    call = Call("POST", f"/threads/{thread}/runs/{run}/cancel", 202, 1.0, "", "", 0.0, run)
    assert call.line(ids) == "POST /threads/019b2f3c/runs/019b2f3c-7d1/cancel → 202 in 1.0 ms"
    assert thread not in ids.known


def test_parse_streamed_chunks_and_tool_calls() -> None:
    chunk = {"type": "AIMessageChunk", "id": "m1", "content": [{"type": "text", "text": "Hi"}]}
    update = parse_message([chunk, {}])
    assert isinstance(update, AIDelta) and (update.text, update.whole) == ("Hi", False)
    state = ToolCallState()
    for args in ('{"update_ty', 'pe": "todo"}'):
        part = {
            "type": "AIMessageChunk",
            "id": "m2",
            "content": "",
            "tool_call_chunks": [{"index": 0, "name": "UpdateMemory", "args": args}],
        }
        delta = parse_message([part, {}])
        assert isinstance(delta, AIDelta)
        state.absorb(delta.tool_calls[0])
    assert state.title() == "UpdateMemory → todo"
    tool = {"type": "tool", "id": "t", "name": "UpdateMemory", "content": "New ToDo created: x"}
    result = parse_message([tool, {}])
    assert isinstance(result, ToolResult) and result.content.startswith("New ToDo")
    assert parse_message([{"type": "human", "content": "x"}, {}]) is None
    assert text_of(None) == ""


def test_export_carries_fates_with_causes() -> None:
    md = to_markdown(
        [
            ExportTurn("first", "enqueue", "rolled back by run 5a5a5a5a (F3 rollback)"),
            ExportTurn("second", "rollback", "done", ["reply to: second"], ["UpdateMemory → todo"]),
        ],
        thread_id="t1",
        assistant="slow",
    )
    assert "> ~~first~~" in md
    assert "(enqueue, rolled back by run 5a5a5a5a (F3 rollback))" in md
    assert "reply to: second" in md and "UpdateMemory → todo" in md


def test_every_strategy_has_a_key_a_description_and_when_to_use_it() -> None:
    assert [s.name for s in STRATEGIES] == ["enqueue", "interrupt", "rollback", "reject"]
    assert [s.key for s in STRATEGIES] == ["f1", "f2", "f3", "f4"]
    assert "409" in describe("reject") and "Use when strict one-at-a-time" in describe("reject")


def test_last_thread_is_remembered_per_engine_and_user(tmp_path: Path) -> None:
    path = tmp_path / "state" / "last.json"
    prefs = LastThreads(path)
    assert prefs.get("http://a", "me") is None
    prefs.put("http://a", "me", "t1")
    prefs.put("http://a", "you", "t2")
    prefs.put("embedded:/data", "me", "t3")
    again = LastThreads(path)
    assert (again.get("http://a", "me"), again.get("http://a", "you")) == ("t1", "t2")
    assert again.get("embedded:/data", "me") == "t3"
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text("not json")
    assert LastThreads(path).get("http://a", "me") is None


def test_a_policy_message_says_what_was_sent_and_why() -> None:
    entry = Entry("k", "hi", "preset:search", policy="preset:search")
    assert sent_with(entry) == "search preset"  # not decided yet
    entry.strategy = "rollback"
    assert sent_with(entry) == "search preset → rollback"
    assert sent_with(Entry("k", "hi", "interrupt")) == "interrupt"
    note = PolicyNote("auto")
    note.decided("run 1 has run 2.1 s: younger than 5 s → rollback", ["1. POST …"])
    assert note.title_text() == "why: run 1 has run 2.1 s: younger than 5 s → rollback"
    note.step("1. POST …", "run 1a2b3c4d created")
    note.finished("created", "", [])
    assert note.title_text().endswith("→ rollback · 0 SDK calls")
    assert "did:\n  1. POST … → run 1a2b3c4d created" in note.detail_text()
    note.decided("thread busy → you choose", [])
    note.finished("created", "2: interrupt", [])
    assert (
        note.title_text() == "why: thread busy → you choose → you chose 2: interrupt · 0 SDK calls"
    )
