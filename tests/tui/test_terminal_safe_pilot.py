"""Text the server holds (a todo, another client's message and its reply) is shown without the
control characters in it: they never reach the terminal (tui/terminal_safe.py)."""

from __future__ import annotations

from langgraph_sdk import get_client

from tests.tui.helpers import ready, todo_tasks, turns, wait_until
from tui.client import todo_namespace

HOSTILE = "Buy \x1b[41mRED\x1b[0m milk\x1b]2;PWNED\x07"
CLEAN = "Buy [41mRED[0m milk]2;PWNED"


async def test_a_todo_and_a_message_with_escapes_are_shown_without_them(make_app, engine) -> None:
    app = make_app("noop")
    other = get_client(url=engine.url, api_key=None)
    try:
        todo = {"task": HOSTILE, "status": "not started", "deadline": None, "solutions": []}
        await other.store.put_item(todo_namespace(app.user_id), "k", todo)
        async with app.run_test(size=(150, 40)) as pilot:
            await ready(pilot)
            await wait_until(pilot, lambda: CLEAN in todo_tasks(app), 10, "the todo")
            human = {"messages": [{"type": "human", "content": HOSTILE}]}
            await other.runs.create(app.thread_id, "noop", input=human)
            texts = lambda: [t.text for t in turns(app)]  # noqa: E731
            await wait_until(pilot, lambda: CLEAN in texts(), 10, "the other client's message")
            await wait_until(pilot, lambda: any(t.replies() for t in turns(app)), 10, "its reply")
            shown = [
                *todo_tasks(app),
                *texts(),
                *(r.full_text for t in turns(app) for r in t.replies()),
            ]
            assert not [text for text in shown if "\x1b" in text or "\x07" in text]
    finally:
        await other.aclose()
