"""Help for choosing: the tutorial's decision tree (§7.2) as questions that end in a
recommendation, its comparison table (§7.1), and the client policies with their chapters.

Keys: y / n answer, Backspace goes back a question, r starts again, Enter takes the recommended
strategy (the screen dismisses with its name, so the picker can select it), Esc closes.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static, TabbedContent, TabPane

from tui.policies.catalog import POLICIES
from tui.policies.guide import COLUMNS, COMPARISON, NEEDS, Question, Recommendation, recommend

VERDICT_STYLE = {"good": "green", "mixed": "yellow", "bad": "red"}
VERDICT_MARK = {"good": "✓", "mixed": "~", "bad": "✗"}


def tree_text(found: Recommendation) -> Text:
    """The questions answered so far, then the open question or the recommendation."""
    text = Text()
    for question, answer in found.path:
        text.append(f"{question.text}  ", style="dim")
        text.append("yes\n" if answer else "no\n", style="bold")
    if found.next_question is not None:
        text.append(f"\n{found.next_question.text}\n", style="bold")
        text.append("y yes · n no", style="dim")
    elif found.leaf is not None:
        name = found.leaf.strategy or "any strategy"
        text.append("\nRecommended: ", style="bold")
        text.append(name, style="bold reverse")
        text.append(f"\n{found.leaf.why}\n")
        if found.leaf.strategy:
            text.append("Enter uses it · r starts again", style="dim")
        else:
            text.append("r starts again", style="dim")
    return text


class PolicyHelp(ModalScreen[str | None]):
    """Dismisses with the recommended strategy's name (Enter), or None (Esc)."""

    CSS_PATH = Path(__file__).with_name("policy_help.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("backspace", "back", "Back"),
        Binding("r", "restart", "Start again"),
        Binding("enter", "use", "Use it"),
    ]
    answers: reactive[tuple[tuple[str, bool], ...]] = reactive(())

    def __init__(self, tab: str = "tree") -> None:
        super().__init__(id="policy-help")
        self.initial_tab = tab

    @property
    def found(self) -> Recommendation:
        return recommend(dict(self.answers))

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            with TabbedContent(initial=self.initial_tab):
                with TabPane("Which strategy? (§7.2)", id="tree"):
                    yield Static(tree_text(self.found), id="tree-view")
                with TabPane("Compare (§7.1)", id="compare"), VerticalScroll():
                    yield DataTable(id="compare-table", cursor_type="row", zebra_stripes=True)
                    yield Static(_needs_text(), id="needs")
                with TabPane("Policies", id="policies"), VerticalScroll():
                    yield Static(_policies_text(), id="policies-view")
            yield Label("y/n answer · ⌫ back · r again · Enter use · Esc close", id="help-keys")

    def on_mount(self) -> None:
        table = self.query_one("#compare-table", DataTable)
        table.add_column("", key="feature")
        for strategy in COLUMNS:
            table.add_column(strategy, key=strategy)
        for row in COMPARISON:
            cells = [
                Text(f"{VERDICT_MARK[c.verdict]} {c.text}", style=VERDICT_STYLE[c.verdict])
                for c in (row.cells[s] for s in COLUMNS)
            ]
            table.add_row(Text(row.feature, style="bold"), *cells, key=row.feature)

    def watch_answers(self) -> None:
        if self.is_mounted:
            self.query_one("#tree-view", Static).update(tree_text(self.found))

    def action_answer(self, yes: bool) -> None:
        question = self.found.next_question
        if isinstance(question, Question):
            self.answers = (*self.answers, (question.id, yes))

    def action_back(self) -> None:
        self.answers = self.answers[:-1]

    def action_restart(self) -> None:
        self.answers = ()

    def action_use(self) -> None:
        strategy = self.found.strategy
        if strategy is not None:
            self.dismiss(strategy)


def _needs_text() -> Text:
    text = Text("If you need … (§11.3)\n", style="bold")
    for need, strategies in NEEDS:
        text.append(f"  {need:<38} ")
        text.append(" or ".join(strategies) + "\n", style="bold")
    return text


def _policies_text() -> Text:
    text = Text()
    for info in POLICIES:
        text.append(info.title, style="bold")
        text.append(f" · {info.chapter or 'beyond the tutorial'}\n", style="dim")
        text.append(f"{info.description}\n\n")
    return text
