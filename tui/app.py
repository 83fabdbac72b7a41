"""doubletext's Textual app: chat with a LangGraph assistant while its replies stream.

Layout, keys and commands live here; sending/streaming/polling is in `flow.py`, the run-state
model in `runstate.py`. The app reaches engines only through `langgraph_sdk` (`client.py`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import (
    App,
    ComposeResult,
    SystemCommand,
)
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from tui.client import Backend, EngineError, friendly_error
from tui.export import ExportTurn, to_markdown
from tui.flow import POLL_SECONDS, FlowMixin
from tui.runstate import Fate, RunBook
from tui.strategies import STRATEGIES, info
from tui.widgets.composer import Composer
from tui.widgets.dialogs import ThreadPicker, UserIdDialog
from tui.widgets.picker import StrategyPicker
from tui.widgets.runs import RunPanel
from tui.widgets.todos import TodoPanel
from tui.widgets.transcript import ToolActivity, Transcript


class DoubletextApp(FlowMixin, App[None]):
    """Transcript + composer + strategy picker on the left, runs and todos on the right."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "doubletext"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(s.key, f"strategy('{s.name}')", s.name, id=f"strategy.{s.name}")
            for s in STRATEGIES
        ),
        Binding("escape", "cancel('interrupt')", "Interrupt run", id="run.interrupt"),
        Binding("ctrl+b", "cancel('rollback')", "Roll back run", id="run.rollback"),
        Binding("ctrl+r", "resend", "Resend rejected", id="run.resend", show=False),
        Binding("ctrl+n", "new_thread", "New thread", id="thread.new"),
        Binding("ctrl+t", "switch_thread", "Threads", id="thread.switch"),
        Binding("ctrl+o", "set_user", "User", id="thread.user", show=False),
        Binding("ctrl+s", "export", "Export", id="transcript.export", show=False),
        Binding("ctrl+y", "copy_reply", "Copy reply", id="transcript.copy", show=False),
    ]

    def __init__(
        self,
        url: str,
        assistant: str = "task_maistro",
        user_id: str = "Test-Double-Texting",
        *,
        api_key: str | None = None,
        engine_label: str | None = None,
        model: str | None = None,
        stable_ids: bool = False,
        export_dir: Path | None = None,
        strategy: str = "enqueue",
        configurable: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.backend = Backend(url, assistant, api_key, configurable)
        self.user_id = user_id
        self.engine_label = engine_label or url
        self.model = model or "server-side"
        self.stable_ids = stable_ids
        self.export_dir = export_dir or Path.cwd()
        self.initial_strategy = strategy
        self.book = RunBook()
        self.thread_id: str | None = None
        self.connected = False
        self.last_rejected: str | None = None
        self.todo_marks: dict[str, str] = {}
        self.todo_latest: set[str] = set()
        self._todo_snapshot: dict[str, str] = {}
        self._poll_wanted = False
        self._poll_busy = False
        self._streams_open: set[str] = set()
        self._reconciled: dict[str, Fate] = {}
        self._threads_seen: list[str] = []

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="info", markup=False)
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                yield Transcript(id="transcript")
                yield StrategyPicker(id="picker")
                yield Composer(id="composer")
            with Vertical(id="side"):
                yield Static("Runs", classes="panel-title")
                yield RunPanel(id="runs")
                yield Static("Todos", classes="panel-title")
                yield TodoPanel(id="todos")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StrategyPicker).strategy = self.initial_strategy
        composer = self.query_one(Composer)
        composer.cursor_blink = not self.stable_ids
        composer.focus()
        self.update_info()
        self.set_interval(POLL_SECONDS, self.tick)
        self.connect()

    @property
    def strategy(self) -> str:
        return self.query_one(StrategyPicker).strategy

    def update_info(self) -> None:
        thread = self.thread_id or "—"
        if self.thread_id and self.stable_ids:
            thread = f"thread-{self._threads_seen.index(self.thread_id) + 1}"
        elif self.thread_id:
            thread = self.thread_id[:8]
        state = "" if self.connected else "  ⚠ not connected"
        self.query_one("#info", Static).update(
            f"engine {self.engine_label} · model {self.model} · assistant "
            f"{self.backend.assistant} · thread {thread} · user {self.user_id}{state}"
        )

    # -- connection and threads -----------------------------------------------------------

    @work(group="connect", exclusive=True, exit_on_error=False)
    async def connect(self) -> None:
        try:
            await self.backend.check()
        except EngineError as exc:
            self.notify(str(exc), title="Engine", severity="error", timeout=10)
            self.update_info()
            return
        self.connected = True
        if self.thread_id is None:
            await self.ensure_thread()
        self.refresh_todos()

    async def ensure_thread(self) -> bool:
        if self.thread_id is not None:
            return True
        try:
            thread_id = await self.backend.new_thread(self.user_id)
        except Exception as exc:
            self.notify(friendly_error(exc, self.backend.url), severity="error", timeout=10)
            return False
        self.connected = True
        await self.open_thread(thread_id, [])
        return True

    async def open_thread(self, thread_id: str, messages: Iterable[dict[str, Any]]) -> None:
        """Make `thread_id` current: drop the old thread's live state, show the new one."""
        self.workers.cancel_group(self, "follow")
        self.thread_id = thread_id
        if thread_id not in self._threads_seen:
            self._threads_seen.append(thread_id)
        self.book = RunBook()
        self._streams_open.clear()
        self._reconciled.clear()
        await self.query_one(Transcript).load_history(messages)
        self.query_one(RunPanel).show(self.book, time.time(), self.stable_ids)
        self._poll_wanted = True
        self.update_info()

    def action_new_thread(self) -> None:
        self._new_thread()

    @work(group="threads", exclusive=True, exit_on_error=False)
    async def _new_thread(self) -> None:
        self.thread_id = None
        if await self.ensure_thread():
            self.notify("Started a new thread.", timeout=2)

    @work(group="threads", exclusive=True, exit_on_error=False)
    async def action_switch_thread(self) -> None:
        try:
            threads = await self.backend.threads()
        except Exception as exc:
            self.notify(friendly_error(exc, self.backend.url), severity="error")
            return
        choice = await self.push_screen_wait(ThreadPicker(threads, self.thread_id))
        if choice and choice != self.thread_id:
            await self.switch_to(choice)

    async def switch_to(self, thread_id: str) -> None:
        try:
            messages = await self.backend.messages(thread_id)
        except Exception as exc:
            self.notify(friendly_error(exc, self.backend.url), severity="error")
            return
        await self.open_thread(thread_id, messages)

    @work(group="user", exclusive=True, exit_on_error=False)
    async def action_set_user(self) -> None:
        user = await self.push_screen_wait(UserIdDialog(self.user_id))
        if user and "." in user:
            self.notify("User ids cannot contain '.' (store namespace rule).", severity="error")
        elif user and user != self.user_id:
            self.user_id, self.todo_marks, self._todo_snapshot = user, {}, {}
            self.todo_latest = set()
            self.update_info()
            self.refresh_todos()

    # -- composing and strategies ---------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not isinstance(event.input, Composer):
            return
        text = event.value.strip()
        if not text:
            return
        event.input.remember(text)
        event.input.value = ""
        self.send(text, self.strategy)

    def action_strategy(self, name: str) -> None:
        self.query_one(StrategyPicker).strategy = info(name).name

    def on_rejected(self, text: str) -> None:
        composer = self.query_one(Composer)
        composer.remember(text)
        if not composer.value:
            composer.value = text
        self.notify(
            "Thread busy: the server refused this message (409). It is back in the composer: "
            "pick another strategy (F1–F3) and press Enter, or Ctrl+R to resend.",
            title="Rejected",
            severity="warning",
            timeout=8,
        )

    def action_resend(self) -> None:
        if not self.last_rejected:
            self.notify("No rejected message to resend.", timeout=3)
            return
        text, self.last_rejected = self.last_rejected, None
        composer = self.query_one(Composer)
        if composer.value.strip() == text:
            composer.value = ""
        self.send(text, self.strategy)

    # -- cancelling -----------------------------------------------------------------------

    def action_cancel(self, action: str) -> None:
        active = self.book.active_run_ids()
        if not active or self.thread_id is None:
            self.notify("Nothing is running.", timeout=2)
            return
        self._cancel(self.thread_id, active[0], action)

    @work(group="cancel", exit_on_error=False)
    async def _cancel(self, thread_id: str, run_id: str, action: str) -> None:
        try:
            await self.backend.cancel(thread_id, run_id, action)
        except Exception as exc:
            self.notify(friendly_error(exc, self.backend.url), title="Cancel", severity="error")
            return
        verb = "Interrupted" if action == "interrupt" else "Rolled back"
        self.notify(f"{verb} run {run_id[-8:]}.", timeout=3)
        self._poll_wanted = True

    # -- transcript export / copy ---------------------------------------------------------

    def export_turns(self) -> list[ExportTurn]:
        turns = []
        for turn in self.query_one(Transcript).turns():
            tools = [str(t.title) for t in turn.query(ToolActivity)]
            replies = [r.full_text for r in turn.replies() if r.full_text]
            turns.append(ExportTurn(turn.text, turn.strategy, str(turn.fate), replies, tools))
        return turns

    def action_export(self) -> None:
        markdown = to_markdown(
            self.export_turns(), thread_id=self.thread_id or "", assistant=self.backend.assistant
        )
        name = f"doubletext-{(self.thread_id or 'transcript')[:8]}.md"
        path = self.export_dir / name
        try:
            path.write_text(markdown, encoding="utf-8")
        except OSError as exc:
            self.notify(f"Export failed: {exc}", severity="error")
            return
        self.notify(f"Transcript saved to {path}", timeout=4)

    def action_copy_reply(self) -> None:
        replies = [r for t in self.export_turns() for r in t.replies]
        if not replies:
            self.notify("No reply to copy yet.", timeout=2)
            return
        self.copy_to_clipboard(replies[-1])
        self.notify("Last reply copied to the clipboard.", timeout=2)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for s in STRATEGIES:
            yield SystemCommand(
                f"Strategy: {s.name}", s.description, lambda n=s.name: self.action_strategy(n)
            )
        yield SystemCommand(
            "Interrupt running run", "runs.cancel(action=interrupt)", self._cmd_interrupt
        )
        yield SystemCommand(
            "Roll back running run", "runs.cancel(action=rollback)", self._cmd_rollback
        )
        yield SystemCommand(
            "Resend rejected message", "with the selected strategy", self.action_resend
        )
        yield SystemCommand("New thread", "start an empty thread", self.action_new_thread)
        yield SystemCommand("Switch thread", "open another thread", self.action_switch_thread)
        yield SystemCommand("Set user id", "whose todos to show", self.action_set_user)
        yield SystemCommand("Export transcript", "save as Markdown", self.action_export)
        yield SystemCommand("Copy last reply", "to the clipboard", self.action_copy_reply)

    def _cmd_interrupt(self) -> None:
        self.action_cancel("interrupt")

    def _cmd_rollback(self) -> None:
        self.action_cancel("rollback")

    async def on_unmount(self) -> None:
        await self.backend.close()


def run_app(
    url: str,
    assistant: str = "task_maistro",
    user_id: str = "Test-Double-Texting",
    *,
    api_key: str | None = None,
    model: str | None = None,
    engine_label: str | None = None,
) -> None:
    """Open the TUI on the LangGraph server at `url` (the composition root starts an embedded
    engine first when the person gave no `--url`)."""
    DoubletextApp(
        url, assistant, user_id, api_key=api_key, engine_label=engine_label, model=model
    ).run()
