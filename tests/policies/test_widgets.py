"""The policy screens and the countdown, driven by Pilot in a tiny host app; the ask dialog and
the countdown also run a real plan against the embedded engine."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Label, OptionList, Static

from tests.api.helpers import run_status
from tui.policies.decide import ask
from tui.policies.plan import Choice
from tui.policies.runner import Outcome, PlanRunner, RetryWait, RunnerEvent
from tui.policies.situation import ActiveRun, Situation
from tui.widgets.ask_dialog import AskDialog, ask_with_dialog
from tui.widgets.policy_help import PolicyHelp
from tui.widgets.retry_countdown import RetryCountdown

BUSY = Situation("call mom", (ActiveRun("1a2b3c4d-x", "running", 2.1, 0, "buy milk", "run 1", 1),))


async def until(pilot: Pilot, condition: Callable[[], object], what: str, timeout=10.0) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[object] = []

    def compose(self) -> ComposeResult:
        yield Label("host")
        yield RetryCountdown()


async def test_ask_dialog_keys_choose_and_escape_sends_nothing() -> None:
    step = ask(BUSY).ask
    assert step is not None
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(AskDialog(step), callback=app.results.append)
        await pilot.pause()
        shown = str(app.screen.query_one("#ask-question", Label).render())
        said = re.search(r"run 1 has run (\d+\.\d) s and saved a todo", shown)
        assert said is not None and float(said[1]) >= 2.1, shown  # 2.1 s, and counting on
        prompts = app.screen.query_one(OptionList)
        assert prompts.option_count == 4
        await pilot.press("2")
        app.push_screen(AskDialog(step), callback=app.results.append)
        await pilot.pause()
        await pilot.press("escape")
        app.push_screen(AskDialog(step), callback=app.results.append)
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # the third: rollback
        await pilot.pause()
    first, second, third = app.results
    assert isinstance(first, Choice) and first.strategy == "interrupt"
    assert second is None
    assert isinstance(third, Choice) and third.strategy == "rollback"


async def test_ask_dialog_drives_a_real_plan(client, thread_id) -> None:
    run1 = await client.runs.create(
        thread_id, "slow", input={"messages": [{"type": "human", "content": "m1"}]}
    )
    await run_status(client, thread_id, run1["run_id"], "running")
    app = Host()
    outcomes: list[Outcome] = []
    async with app.run_test(size=(100, 30)) as pilot:
        runner = PlanRunner(client, thread_id, "slow", ask=lambda step: ask_with_dialog(app, step))

        async def send() -> None:
            outcomes.append(await runner.send("ask", "m2"))

        app.run_worker(send())
        await until(pilot, lambda: isinstance(app.screen, AskDialog), "the ask dialog")
        assert "has run" in str(app.screen.query_one("#ask-question", Label).render())
        await pilot.press("3")
        await until(pilot, lambda: outcomes, "the plan's outcome")
    (outcome,) = outcomes
    assert outcome.status == "created" and outcome.choice and outcome.choice.strategy == "rollback"
    runs = [r["run_id"] for r in await client.runs.list(thread_id)]
    assert runs == [outcome.run_id]  # run 1 rolled back: gone


async def test_policy_help_walks_the_tree_and_returns_the_strategy() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PolicyHelp(), callback=app.results.append)
        await pilot.pause()
        view = app.screen.query_one("#tree-view", Static)
        assert "Is the first message still being processed?" in str(view.render())
        await pilot.press("enter")  # nothing recommended yet: stays open
        assert isinstance(app.screen, PolicyHelp)
        await pilot.press("y", "n", "y", "y")  # busy, not tight, important, can wait
        assert "Recommended: enqueue" in str(view.render())
        await pilot.press("backspace", "n")  # cannot wait after all
        assert "Recommended: interrupt" in str(view.render())
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == ["interrupt"]


async def test_policy_help_shows_the_comparison_table() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(PolicyHelp(tab="compare"))
        await pilot.pause()
        table = app.screen.query_one("#compare-table", DataTable)
        assert (table.row_count, len(table.columns)) == (9, 5)
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first == ["first run", "✓ completes", "✓ completes", "~ interrupted", "✗ deleted"]
        await pilot.press("r", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, PolicyHelp)


class CountdownHost(Host):
    """Shows a plan's countdown the way the app will: events in, a click cancels the plan."""

    runner: PlanRunner | None = None

    def runner_event(self, event: RunnerEvent) -> None:
        if isinstance(event, RetryWait):
            self.query_one(RetryCountdown).start(event)

    def on_retry_countdown_cancel_requested(self, _: RetryCountdown.CancelRequested) -> None:
        assert self.runner is not None
        self.runner.cancel()
        self.query_one(RetryCountdown).stop()


async def test_retry_countdown_shows_and_cancels_a_real_retry(client, thread_id) -> None:
    run1 = await client.runs.create(
        thread_id, "slow", input={"messages": [{"type": "human", "content": "m1"}]}
    )
    await run_status(client, thread_id, run1["run_id"], "running")
    app = CountdownHost()
    outcomes: list[Outcome] = []
    async with app.run_test(size=(100, 10)) as pilot:
        countdown = app.query_one(RetryCountdown)
        assert not countdown.display
        app.runner = PlanRunner(client, thread_id, "slow", on_event=app.runner_event)

        async def send() -> None:
            assert app.runner is not None
            outcomes.append(await app.runner.send("retry", "m2"))

        app.run_worker(send())
        await until(pilot, lambda: countdown.wait is not None, "the countdown")
        assert countdown.display
        assert "retry 1/3 in" in str(countdown.render())
        await pilot.click(RetryCountdown)
        await until(pilot, lambda: outcomes, "the plan's outcome")
        assert not countdown.display
    assert outcomes[0].status == "cancelled" and outcomes[0].attempts == 1
    assert len(await client.runs.list(thread_id)) == 1  # nothing was sent after the 409
