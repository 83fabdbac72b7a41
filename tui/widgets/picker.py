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
        for s in STRATEGIES:
            self.query_one(f"#chip-{s.name}").set_class(s.name == value, "-selected")
        for name in CORE_POLICIES:
            self.query_one(f"#{chip_id(name)}").set_class(name == value, "-selected")
        preset = self.query_one("#chip-preset", Static)
        chosen = value.startswith("preset:")
        preset.set_class(chosen, "-selected")
        preset.update(value.removeprefix("preset:") if chosen else "preset")
        self.query_one(".description", Static).update(describe_selection(value))
