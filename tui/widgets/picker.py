"""Always-visible strategy picker: four chips (F1–F4) and what the selected one will do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Static

from tui.strategies import STRATEGIES, describe


class StrategyPicker(Vertical):
    """Shows the strategy the next Enter will use; the app's F-key bindings change it."""

    strategy: reactive[str] = reactive("enqueue")

    def compose(self) -> ComposeResult:
        with Horizontal(classes="chips"):
            yield Static("strategy", classes="label")
            for s in STRATEGIES:
                yield Static(f"{s.key.upper()} {s.name}", classes="chip", id=f"chip-{s.name}")
        yield Static("", classes="description", markup=False)

    def watch_strategy(self, value: str) -> None:
        for s in STRATEGIES:
            self.query_one(f"#chip-{s.name}").set_class(s.name == value, "-selected")
        self.query_one(".description", Static).update(describe(value))
