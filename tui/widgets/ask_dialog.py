"""The ask policy's dialog (tutorial §8.2): the thread is busy, so which strategy?

Four choices on keys 1–4, each saying what it would do right now ("run 1 has run 2.1 s and saved
a todo"); the ages go on counting while it is open (`Ask.later`), and the thread is read again
every second (`Ask.reread`), so a run 1 that ends meanwhile is seen. Esc sends nothing and gives the
text back. `ask_with_dialog` adapts it to `PlanRunner`'s `ask` callback.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.reactive import var
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.policies.plan import Ask, Choice

TICK_S = 0.1
"""How often the open dialog moves its ages on (they are shown to a tenth of a second)."""
REREAD_S = 1.0
"""How often it reads the thread again (`Ask.reread`), to see a run end or start meanwhile."""


def _prompt(choice: Choice) -> Text:
    return Text.assemble((f"{choice.key} {choice.strategy:<10}", "bold"), choice.now)


class AskDialog(ModalScreen[Choice | None]):
    """Dismisses with the chosen `Choice`, or None (Esc)."""

    CSS_PATH = Path(__file__).with_name("ask_dialog.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Send nothing"),
        *(Binding(str(k), f"choose('{k}')", show=False) for k in range(1, 10)),
    ]

    open_s: var[float] = var(0.0, init=False)
    """Seconds the dialog has been open; what it says is `read.later` that long after `read_at`."""

    def __init__(self, ask: Ask) -> None:
        super().__init__(id="ask-dialog")
        self.ask = ask
        self.read = ask  # the latest reading of the thread (`Ask.reread`), taken at `read_at`
        self.read_at = 0.0

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-box"):
            yield Label(Text(self.ask.question), id="ask-question")
            yield OptionList(
                *(Option(_prompt(c), id=c.key) for c in self.ask.choices), id="ask-choices"
            )
            yield Label("1–4 choose · ↑↓ Enter · Esc send nothing", id="ask-keys")

    def on_mount(self) -> None:
        """Count while open, and read the thread again now and then; the timers are the
        screen's, so they stop when the dialog closes."""
        opened = time.monotonic()
        if self.ask.later is not None:
            self.set_interval(TICK_S, lambda: setattr(self, "open_s", time.monotonic() - opened))
        if self.ask.reread is not None:
            self.set_interval(REREAD_S, self._reread)

    @work(exclusive=True, exit_on_error=False)
    async def _reread(self) -> None:
        assert self.ask.reread is not None
        asked_at = self.open_s
        try:
            fresh = await self.ask.reread()
        except Exception:  # offline, say: keep counting on from the last reading
            return
        self.read, self.read_at = fresh, asked_at
        self._show(fresh)

    def watch_open_s(self, seconds: float) -> None:
        if self.read.later is not None:
            self._show(self.read.later(seconds - self.read_at))

    def _show(self, now: Ask) -> None:
        self.query_one("#ask-question", Label).update(Text(now.question))
        options = self.query_one(OptionList)
        for choice in now.choices:
            options.replace_option_prompt(choice.key, _prompt(choice))

    def action_choose(self, key: str) -> None:
        choice = next((c for c in self.ask.choices if c.key == key), None)
        if choice is not None:
            self.dismiss(choice)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose(str(event.option.id))


async def ask_with_dialog(app: App, ask: Ask) -> Choice | None:
    """Show the dialog and wait for the answer: a `PlanRunner` `ask` callback
    (`ask=lambda step: ask_with_dialog(app, step)`)."""
    answer: asyncio.Future[Choice | None] = asyncio.get_running_loop().create_future()

    def settle(choice: Choice | None) -> None:
        if not answer.done():
            answer.set_result(choice)

    screen = AskDialog(ask)
    app.push_screen(screen, callback=settle)
    try:
        return await answer
    except asyncio.CancelledError:  # the runner was cancelled: close the dialog too
        if screen.is_current:
            screen.dismiss(None)
        raise
