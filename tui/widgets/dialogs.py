"""Modal screens: pick (or delete) a thread, confirm, a multi-line paste, export path, user id."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tui.text import clip


def thread_line(thread: dict[str, Any], current: str | None, width: int = 64) -> Text:
    """`● 1a2b3c4d  idle   3 runs  Add a ToDo to buy milk`: the current one marked."""
    tid = thread["thread_id"]
    count = thread.get("run_count")
    runs = "? runs" if count is None else f"{count} run{'s' if count != 1 else ''}"
    first = thread.get("first_message") or "(no messages yet)"
    mark = "● " if tid == current else "  "
    head = f"{mark}{tid[:8]}  {thread.get('status') or '':<11} {runs:<8} "
    line = Text(head, style="bold" if tid == current else "")
    line.append(
        clip(first, max(10, width - len(head))), style="" if thread.get("first_message") else "dim"
    )
    return line


class ThreadPicker(ModalScreen[tuple[str, str | None] | None]):
    """The server's threads, newest first. Returns ("open" | "delete", id), ("new", None) or
    None (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("d,delete", "delete", "Delete thread"),
        Binding("n", "new", "New thread"),
    ]

    def __init__(self, threads: list[dict[str, Any]], current: str | None) -> None:
        super().__init__(classes="dialog")
        self.threads = threads
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label("Threads — Enter opens · d deletes · n new · Esc closes")
            options = [
                Option(thread_line(t, self.current), id=t["thread_id"]) for t in self.threads
            ]
            yield OptionList(*options)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [t["thread_id"] for t in self.threads]
        if self.current in ids:
            options.highlighted = ids.index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(("open", event.option.id))

    def action_delete(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(("delete", options.get_option_at_index(options.highlighted).id))

    def action_new(self) -> None:
        self.dismiss(("new", None))


class ConfirmDialog(ModalScreen[bool]):
    """y / Enter confirms, n / Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "dismiss(True)", "Yes"),
        Binding("n,escape", "dismiss(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(classes="dialog")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.question)
            yield Label("y / Enter: yes    n / Esc: no", classes="hint")


class PasteDialog(ModalScreen[str | None]):
    """A paste of several lines: send each line as its own message, or all as one."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, lines: list[str], strategy: str) -> None:
        super().__init__(classes="dialog")
        self.lines = lines
        self.strategy = strategy

    def compose(self) -> ComposeResult:
        n = len(self.lines)
        with Vertical(classes="dialog-box"):
            yield Label(f"You pasted {n} lines:")
            yield Label("\n".join(clip(line, 60) for line in self.lines[:6]), classes="hint")
            yield OptionList(
                Option(f"Send as {n} messages, each with {self.strategy}", id="each"),
                Option("Send as one multi-line message", id="one"),
                Option("Cancel", id="cancel"),
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(None if event.option.id == "cancel" else event.option.id)


class PathDialog(ModalScreen[Path | None]):
    """Ask where to write a file, with a suggestion."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, suggestion: Path) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label(f"{self.title_text} — Enter writes, Esc cancels")
            yield Input(str(self.suggestion), id="path")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_position = len(field.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(Path(value).expanduser() if value else None)


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
