"""One Pilot test per strategy: send message 1, send message 2 while reply 1 is still running.

Uses the `slow` bench graph (`reply to: <msg>`), held by the thread's gate until the test releases
it, so message 1 is still running when message 2 goes out however loaded the machine; the
assertions read what the transcript and run panel show.
"""

from __future__ import annotations

from tests.tui.helpers import (
    fate_of,
    hold,
    idle,
    ready,
    release,
    replies,
    run_panel,
    say,
    todo_tasks,
    turn,
    wait_until,
)
from tui.drive import burst
from tui.runstate import Fate
from tui.text import short_id
from tui.widgets.todos import TodoPanel

SIZE = (150, 40)


async def send_two(pilot, strategy_key: str) -> None:
    """Hold the thread's runs, send message 1, and once it runs, message 2 (typed ahead, as a
    quick typist does). The test calls `release` when run 1 may end."""
    app = pilot.app
    await ready(pilot)
    await hold(app)
    await say(pilot, "first")
    await wait_until(pilot, lambda: fate_of(app, "first") is Fate.RUNNING, 20, "run 1 running")
    await pilot.press(strategy_key)
    burst(app, "second\n")


async def test_enqueue_answers_both(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send_two(pilot, "f1")
        await wait_until(pilot, lambda: fate_of(app, "second") is Fate.QUEUED, 10, "queued")
        assert "queued #1" in turn(app, "second").badge_text
        await release(app)
        await wait_until(
            pilot, lambda: idle(app) and len(app.session.log.entries) == 2, 30, "both done"
        )
        await wait_until(pilot, lambda: replies(app, "second"), 5, "reply 2")
        assert replies(app, "first") == ["reply to: first"]
        assert replies(app, "second") == ["reply to: second"]
        assert run_panel(app) == {"first": "done", "second": "done"}
        assert todo_tasks(app) == []


async def test_interrupt_keeps_message_one_without_reply(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send_two(pilot, "f2")
        await wait_until(pilot, lambda: fate_of(app, "first") is Fate.INTERRUPTED, 10)
        await release(app)
        await wait_until(pilot, lambda: idle(app) and replies(app, "second"), 30, "reply 2")
        assert replies(app, "first") == []
        assert replies(app, "second") == ["reply to: second"]
        assert run_panel(app) == {"first": "interrupted", "second": "done"}
        assert not turn(app, "first").has_class("-rolled-back")


async def test_rollback_strikes_message_one(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send_two(pilot, "f3")
        await wait_until(pilot, lambda: fate_of(app, "first") is Fate.ROLLED_BACK, 10)
        await release(app)
        await wait_until(pilot, lambda: idle(app) and replies(app, "second"), 30, "reply 2")
        first = turn(app, "first")
        assert first.has_class("-rolled-back")
        assert first.query_one(".user-text").styles.text_style.strike
        assert replies(app, "first") == []
        assert replies(app, "second") == ["reply to: second"]
        assert run_panel(app) == {"first": "rolled back", "second": "done"}
        messages = await app.backend.messages(app.thread_id or "")
        assert [m["content"] for m in messages] == ["second", "reply to: second"]


async def test_reject_notifies_and_run_one_completes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send_two(pilot, "f4")
        await wait_until(pilot, lambda: fate_of(app, "second") is Fate.REJECTED, 10)
        # The fate may come from the story a moment before the create's own 409 is read.
        await wait_until(
            pilot,
            lambda: any("409" in note and sev == "warning" for note, sev in app.notes),
            5,
            "a 409 warning",
        )
        await release(app)
        await wait_until(pilot, lambda: idle(app) and replies(app, "first"), 30, "reply 1")
        assert replies(app, "first") == ["reply to: first"]
        assert replies(app, "second") == []
        assert run_panel(app) == {"first": "done", "second": "rejected"}
        first_run = app.session.log.run_ids()[0]
        short = short_id(first_run, app.session.log.run_ids())
        assert turn(app, "second").cause_text == f"↳ rejected: busy with {short}"
        composer = app.query_one("#composer")
        assert composer.value == "second"
        assert composer.cursor_position == len("second")  # typing continues the text


async def test_todo_panel_shows_what_each_run_changed(make_app) -> None:
    """task_maistro: two todo requests enqueued; the panel lists both, the latest one starred."""
    app = make_app("task_maistro", configurable={"doubletext_pace": 0.3})
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await say(pilot, "I need to book the dentist by Friday")
        await wait_until(
            pilot, lambda: fate_of(app, "I need to book the dentist by Friday") is Fate.RUNNING
        )
        await pilot.press("f1")
        await say(pilot, "I need to buy milk")
        await wait_until(
            pilot, lambda: idle(app) and len(app.session.log.entries) == 2, 30, "both runs"
        )
        await wait_until(pilot, lambda: len(todo_tasks(app)) == 2, 10, "two todos")
        assert {t.lower() for t in todo_tasks(app)} == {"book the dentist", "buy milk"}
        assert replies(app, "I need to buy milk")
        assert sorted(run_panel(app).values()) == ["done", "done"]
        table = app.query_one(TodoPanel)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        starred = [str(r[1]).lower() for r in rows if str(r[0]) == "★"]
        assert starred == ["buy milk"]
        assert all(str(r[4]) for r in rows)  # every todo names the run that changed it


async def test_todo_written_by_a_rolled_back_run_is_flagged(make_app) -> None:
    """Rollback removes run 1 and its messages, but the todo it already stored stays: ⚠."""
    from tui.widgets.transcript import ToolLine

    # Slow enough that run 1's reply is still being written after its todo is stored.
    app = make_app("task_maistro", configurable={"doubletext_pace": 3.0})
    first = "I need to call the plumber tomorrow"
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await say(pilot, first)

        def todo_stored() -> bool:
            tools = turn(app, first).query(ToolLine)
            return fate_of(app, first) is Fate.RUNNING and any(
                "New ToDo created" in str(t.title) for t in tools
            )

        await wait_until(pilot, todo_stored, 30, "run 1 to store its todo")
        await pilot.press("f3")
        await say(pilot, "I need to buy a bike")
        await wait_until(
            pilot, lambda: idle(app) and len(app.session.log.entries) == 2, 30, "both runs"
        )
        assert fate_of(app, first) is Fate.ROLLED_BACK
        await wait_until(pilot, lambda: len(todo_tasks(app)) == 2, 10, "two todos")
        table = app.query_one(TodoPanel)
        rows = {str(r[1]).lower(): r for r in map(table.get_row_at, range(table.row_count))}
        assert str(rows["call the plumber"][0]) == "⚠"
        assert str(rows["buy a bike"][0]) == "★"
