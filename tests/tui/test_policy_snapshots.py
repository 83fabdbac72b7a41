"""SVG snapshots of the client policies in the app: the picker's policy row and the F9 menu at
80×24, and the why line under a preset's double text at 160×48 (deterministic as in
test_snapshots.py: stable ids, no elapsed times, fates from runs.list polling; the why of a
preset names no run and no age)."""

from __future__ import annotations

from tests.tui.helpers import fate_of, idle, ready, replies, say, steady, wait_until
from tests.tui.test_snapshots import LARGE, SMALL, app_for
from tui.runstate import Fate
from tui.widgets.policy_menu import PolicyMenu
from tui.widgets.why import WhyLine

FIRST, SECOND = "Search hotels in Paris", "No, search hotels in Tokyo"


def test_policy_row_80x24(snap_compare, engine, tmp_path) -> None:
    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("f9", "5")  # keep latest
        await wait_until(pilot, lambda: pilot.app.strategy == "keep-latest", 5)
        await steady(pilot)

    app = app_for(engine, "policy-row", tmp_path)
    assert snap_compare(app, run_before=run_before, terminal_size=SMALL)


def test_policy_menu_80x24(snap_compare, engine, tmp_path) -> None:
    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, PolicyMenu), 5)
        await steady(pilot)

    app = app_for(engine, "policy-menu", tmp_path)
    assert snap_compare(app, run_before=run_before, terminal_size=SMALL)


def test_why_line_after_a_preset_160x48(snap_compare, engine, tmp_path) -> None:
    async def run_before(pilot) -> None:
        app = pilot.app
        await ready(pilot)
        await pilot.press("f9", "7", "2")  # presets → search
        await say(pilot, FIRST)
        await wait_until(pilot, lambda: fate_of(app, FIRST) is Fate.RUNNING, 20)
        app.query_one("#composer").value = SECOND
        await pilot.press("enter")
        await wait_until(pilot, lambda: idle(app) and replies(app, SECOND), 30, "reply 2")
        await wait_until(pilot, lambda: app.chat.query(WhyLine), 10, "the timeline's why")
        await steady(pilot)

    app = app_for(engine, "why", tmp_path)
    assert snap_compare(app, run_before=run_before, terminal_size=LARGE)
