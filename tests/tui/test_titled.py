"""A Collapsible whose title changes: every change is drawn at its own height."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.widgets.titled import Titled


class Host(App[None]):
    CSS = "CollapsibleTitle { width: 100%; }"  # as the chat's policy notes: the title wraps

    def compose(self) -> ComposeResult:
        yield Titled(title="why: short")


async def test_a_retitled_collapsible_measures_each_title_again() -> None:
    """A title that grows to two lines and back is drawn at each height. (The race the guard
    in `retitle` covers, a second change landing before the first is laid out, needs a loaded
    machine; `tests/tui/test_policy_snapshots.py` under two CPU hogs showed it, 1 run in 4.)"""
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        titled = app.query_one(Titled)
        [title] = titled.query_children("CollapsibleTitle")
        await pilot.pause()
        assert title.region.height == 1
        titled.retitle("why: a longer reason")
        titled.retitle("why: a longer reason that needs two lines · 3 SDK calls")
        await pilot.pause()
        assert title.region.height == 2
        titled.retitle("why: short again")
        await pilot.pause()
        assert title.region.height == 1
        assert str(titled.title) == "why: short again"
