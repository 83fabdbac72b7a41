"""Small modal screens: pick a thread, set the user id."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option


class ThreadPicker(ModalScreen[str | None]):
    """Choose one of the server's threads (newest first); Esc keeps the current one."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, threads: list[dict[str, Any]], current: str | None) -> None:
        super().__init__(classes="dialog")
        self.threads = threads
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("Switch thread (Enter to open, Esc to cancel)")
            options = []
            for t in self.threads:
                tid = t["thread_id"]
                mark = "● " if tid == self.current else "  "
                status = t.get("status") or ""
                when = (t.get("updated_at") or "")[:19].replace("T", " ")
                options.append(Option(f"{mark}{tid[:8]}  {status:<11} {when}", id=tid))
            yield OptionList(*options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class UserIdDialog(ModalScreen[str | None]):
    """Ask for the user id todos are stored under."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, current: str) -> None:
        super().__init__(classes="dialog")
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("User id (todos live under it); Enter to apply, Esc to cancel")
            yield Input(self.current, id="user-id")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)
