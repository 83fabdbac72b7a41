"""Always-visible picker: the four strategies (F1–F4), the client policies beside them (F9
chooses one, Ctrl+G asks the decision tree), and what the selected one will do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Static

from tui.policies.catalog import BY_NAME as POLICIES
from tui.strategies import STRATEGIES, describe

CORE_POLICIES = ("auto", "ask", "retry", "merge", "keep-latest", "steer")
"""The policies with a chip of their own; the scenario presets share the `preset` chip."""


def chip_id(policy: str) -> str:
    return f"chip-{policy if policy in CORE_POLICIES else 'preset'}"


def describe_selection(name: str) -> str:
    """The picker's line for a strategy or a policy."""
    policy = POLICIES.get(name)
    if policy is None:
        return describe(name)
    chapter = f" ({policy.chapter})" if policy.chapter else " (beyond the tutorial)"
    return f"{policy.title}{chapter}: {policy.description}"


class StrategyPicker(Vertical):
    """Shows what the next Enter will use: a strategy, or a client policy (`strategy` holds
    either name); the app's key bindings change it."""

    strategy: reactive[str] = reactive("enqueue")

    def compose(self) -> ComposeResult:
        with Horizontal(classes="chips"):
            yield Static("strategy", classes="label")
            for s in STRATEGIES:
                yield Static(f"{s.key.upper()} {s.name}", classes="chip", id=f"chip-{s.name}")
        with Horizontal(classes="chips policies"):
            yield Static("F9 policy", classes="label")
            for name in CORE_POLICIES:
                yield Static(POLICIES[name].title, classes="chip", id=chip_id(name))
            yield Static("preset", classes="chip", id="chip-preset")
            yield Static("^G which?", classes="label hint")
        yield Static("", classes="description", markup=False)

    def watch_strategy(self, value: str) -> None:
        """Queries that may find nothing: this first runs at mount, and a quit during the first
        paint prunes the chips before that."""
        strategy = any(s.name == value for s in STRATEGIES)
        selected = f"chip-{value}" if strategy else chip_id(value)
        for chip in self.query(".chip"):
            chip.set_class(chip.id == selected, "-selected")
        for preset in self.query("#chip-preset").results(Static):
            preset.update(value.removeprefix("preset:") if selected == "chip-preset" else "preset")
        for line in self.query(".description").results(Static):
            line.update(describe_selection(value))
