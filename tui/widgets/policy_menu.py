"""F9: choose a client policy (tui/policies) to send with, instead of one of the four strategies.

Keys 1–6 pick a policy, 7 opens the scenario presets (1–5 there, Backspace goes back); `?` opens
the decision tree (§7.2) and `c` the comparison table (§7.1): a strategy recommended there is
returned too. Dismisses with a strategy or policy name, or None (Esc).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.policies.catalog import BY_NAME, PolicyInfo
from tui.policies.decide import SCENARIOS
from tui.widgets.picker import CORE_POLICIES
from tui.widgets.policy_help import PolicyHelp

PRESETS = tuple(f"preset:{s.name}" for s in SCENARIOS)
SCENARIO = {f"preset:{s.name}": s for s in SCENARIOS}
KEYS = "123456789"


def option_row(key: str, title: str, chapter: str, text: str, current: bool) -> Table:
    """`● 1 auto   §8.1, §10.1 · Pick by …`, the description wrapping under itself."""
    row = Table.grid(padding=(0, 1), expand=True)
    row.add_column(width=16, no_wrap=True)
    row.add_column(ratio=1)
    head = Text(f"{'●' if current else ' '} {key} {title}", style="bold")
    row.add_row(head, Text.assemble((chapter, "dim"), " · ", text))
    return row


def policy_row(key: str, info: PolicyInfo, current: str) -> Table:
    chapter = info.chapter or "beyond the tutorial"
    return option_row(key, info.title, chapter, info.description, info.name == current)


class PolicyMenu(ModalScreen[str | None]):
    CSS_PATH = Path(__file__).with_name("policy_menu.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("backspace", "level('policies')", "Back", show=False),
        Binding("question_mark", "help('tree')", "Which strategy? (§7.2)"),
        Binding("c", "help('compare')", "Compare (§7.1)"),
        *(Binding(k, f"pick({i})", show=False) for i, k in enumerate(KEYS)),
    ]

    def __init__(self, current: str = "") -> None:
        super().__init__(classes="dialog", id="policy-menu")
        self.current = current
        self.level = "presets" if current in PRESETS else "policies"

    def names(self) -> tuple[str, ...]:
        return PRESETS if self.level == "presets" else (*CORE_POLICIES, "presets")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label("", id="policy-title")
            yield OptionList(id="policy-options")
            yield Label("", id="policy-keys", classes="hint")

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        title = (
            "Scenario presets (§7.3, §7.4) — Backspace: back to the policies"
            if self.level == "presets"
            else "Client policies: decide per message what to send with (tui/policies)"
        )
        self.query_one("#policy-title", Label).update(title)
        keys = "1–5 choose · ⌫ back" if self.level == "presets" else "1–7 choose"
        help_keys = "? which strategy (§7.2) · c compare (§7.1) · Esc close"
        self.query_one("#policy-keys", Label).update(f"{keys} · ↑↓ Enter · {help_keys}")
        options = self.query_one("#policy-options", OptionList)
        options.clear_options()
        for key, name in zip(KEYS, self.names(), strict=False):
            if name == "presets":
                text = "the tutorial's scenarios: chat, search, form, transaction, file"
                row = option_row(key, "presets…", "§7.3, §7.4", text, False)
            elif name in SCENARIO:
                scenario = SCENARIO[name]
                why = (
                    f"{scenario.reason}; e.g. “{scenario.example[0]}”, then “{scenario.example[1]}”"
                )
                row = option_row(
                    key, scenario.name, f"→ {scenario.strategy}", why, name == self.current
                )
            else:
                row = policy_row(key, BY_NAME[name], self.current)
            options.add_option(Option(row, id=name))
        names = self.names()
        options.highlighted = names.index(self.current) if self.current in names else 0

    def action_level(self, level: str) -> None:
        if level != self.level:
            self.level = level
            self.show()

    def action_pick(self, index: int) -> None:
        names = self.names()
        if index < len(names):
            self.choose(names[index])

    def choose(self, name: str) -> None:
        if name == "presets":
            self.action_level("presets")
        else:
            self.dismiss(name)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.choose(str(event.option.id))

    @work(exclusive=True)
    async def action_help(self, tab: str) -> None:
        strategy = await self.app.push_screen_wait(PolicyHelp(tab=tab))
        if strategy:
            self.dismiss(strategy)
