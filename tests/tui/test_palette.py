"""The command palette: every entry is there once and reaches its action through Textual's UI."""

from __future__ import annotations

from textual.command import CommandList

from tests.tui.helpers import ready, turns, wait_until
from tui import palette
from tui.policies.catalog import POLICIES
from tui.strategies import STRATEGIES

SIZE = (120, 40)


def _highlighted(app) -> str:
    """The first line of the palette's highlighted entry ("" until it lists one)."""
    found = app.screen.query(CommandList)
    if not found:
        return ""
    commands = found.first()
    if commands.highlighted is None:
        return ""
    prompt = commands.get_option_at_index(commands.highlighted).prompt
    text = prompt.plain if hasattr(prompt, "plain") else str(prompt)
    return text.splitlines()[0] if text else ""


async def test_every_entry_is_listed_once(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        titles = [command.title for command in palette.commands(app)]
        assert len(titles) == len(set(titles))
        assert len(titles) == len(STRATEGIES) + len(POLICIES) + len(palette.ACTIONS)
        assert all(callable(command.callback) for command in palette.commands(app))


async def _choose(pilot, title: str) -> None:
    """Open the palette, type `title`, and press Enter once its entry is highlighted."""
    app = pilot.app
    app.action_command_palette()
    await pilot.pause()
    for key in title:
        await pilot.press("space" if key == " " else key)
    await wait_until(pilot, lambda: _highlighted(app).startswith(title), 10)
    await pilot.press("enter")


async def test_an_entry_chosen_in_the_palette_runs_its_action(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.strategy != "rollback"
        await _choose(pilot, "Strategy: rollback")
        await wait_until(pilot, lambda: app.strategy == "rollback", 10, "rollback selected")


async def test_resend_from_the_palette_with_nothing_rejected_sends_nothing(make_app) -> None:
    """The palette runs an action without `check_action`: Resend with nothing rejected must not
    send an empty message (it used to: an empty turn, and a run on the server)."""
    app = make_app("noop")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await _choose(pilot, "Resend rejected")
        await wait_until(
            pilot, lambda: any("No rejected message" in n for n, _ in app.notes), 5, "a note"
        )
        assert turns(app) == [] and not app.session.log.entries
        assert await app.backend.runs(app.thread_id or "") == []
