"""doubletext's Textual app: chat with a LangGraph assistant while its replies stream.

The app wires things together and keeps app state in reactive vars (`bindings=True`, read by
`check_action`, so the footer greys what cannot be done now). Everything about a thread's runs
lives in one `ThreadSession` (`tui/session.py`), which posts past-event Messages to the chat
screen (`tui/screens/chat.py`); they bubble here. The app reaches engines only through
`langgraph_sdk` (`tui/client.py`). The thread and user actions are a mixin
(`tui/thread_actions.py`); the command palette's entries are data in `tui/palette.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import platformdirs
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.screen import Screen

from tui import messages as msg
from tui import palette
from tui.client import Backend
from tui.export import ExportTurn, to_markdown
from tui.policies.catalog import BY_NAME as POLICIES
from tui.policies.situation import Thresholds
from tui.prefs import LastThreads
from tui.screens.chat import ChatScreen
from tui.session import ThreadSession
from tui.sources import SOURCES
from tui.strategies import STRATEGIES, info
from tui.thread_actions import ThreadActions
from tui.timeline import export as timeline_export
from tui.widgets.ask_dialog import ask_with_dialog
from tui.widgets.composer import Composer
from tui.widgets.dialogs import PasteDialog, PathDialog
from tui.widgets.header import InfoBar
from tui.widgets.picker import StrategyPicker
from tui.widgets.policy_help import PolicyHelp
from tui.widgets.policy_menu import PolicyMenu
from tui.widgets.policy_note import PolicyNote
from tui.widgets.retry_countdown import RetryCountdown
from tui.widgets.runs import RunPanel
from tui.widgets.timeline_pane import TimelinePane
from tui.widgets.transcript import ToolLine, Transcript

PACES = (1, 3, 10)  # slow motion: the offline model's delays ×1, ×3, ×10


class DoubletextApp(ThreadActions, App[None]):
    """Transcript + composer + strategy bar on the left, runs and todos on the right."""

    CSS_PATH = [  # noqa: RUF012 - Textual's class attribute
        Path(__file__).with_name("app.tcss"),
        Path(__file__).parent / "screens" / "chat.tcss",
    ]
    TITLE = "doubletext"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(s.key, f"strategy('{s.name}')", s.name, id=f"strategy.{s.name}", show=False)
            for s in STRATEGIES
        ),
        Binding("escape", "cancel('interrupt')", "Interrupt", id="run.interrupt"),
        Binding("ctrl+b", "cancel('rollback')", "Rollback", id="run.rollback"),
        Binding("ctrl+l", "hold", "Hold", id="compose.hold", show=False),
        Binding("f5", "fire", "Fire", id="compose.fire"),
        Binding("f6", "pace", "Slow-mo", id="model.pace"),
        Binding("f7", "panels", "Panels", id="view.panels"),
        Binding("f12", "timeline", "Timeline", id="view.timeline"),
        Binding("ctrl+f", "not_kept", "Not kept", id="view.not_kept", show=False),
        # Priority: the menu is pushed as the key arrives, so a key that came in the same read
        # (F9 2 over a laggy link, or tmux) reaches the menu, not the composer.
        Binding("f9", "policies", "Policies", id="policy.menu", show=False, priority=True),
        Binding("ctrl+g", "guide", "Which strategy?", id="policy.guide", show=False, priority=True),
        Binding("f10", "policy_calls", "Policy calls", id="policy.calls", show=False),
        Binding("ctrl+t", "switch_thread", "Threads", id="thread.switch"),
        Binding("ctrl+n", "new_thread", "New thread", id="thread.new", show=False),
        Binding("f8", "reset_demo", "Reset demo", id="thread.reset", show=False),
        Binding("ctrl+r", "resend", "Resend rejected", id="run.resend", show=False),
        Binding("ctrl+o", "set_user", "User", id="thread.user", show=False),
        Binding("ctrl+s", "export", "Export", id="transcript.export", show=False),
        Binding("ctrl+y", "copy_reply", "Copy reply", id="transcript.copy", show=False),
    ]

    connection: var[str] = var("connecting", init=False)
    thread_id: var[str | None] = var(None, init=False)
    busy: var[bool] = var(False, bindings=True, init=False)
    held: var[str] = var("", bindings=True, init=False)
    last_rejected: var[str] = var("", bindings=True, init=False)
    pace: var[int] = var(1, init=False)

    def __init__(
        self,
        url: str,
        assistant: str = "task_maistro",
        user_id: str = "Test-Double-Texting",
        *,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        engine_label: str | None = None,
        engine_key: str | None = None,
        model: str | None = None,
        stable_ids: bool = False,
        export_dir: Path | None = None,
        strategy: str = "enqueue",
        configurable: dict[str, Any] | None = None,
        base_pace: float | None = None,
        state_file: Path | None = None,
        sources: Iterable[str] = SOURCES,
        thresholds: Thresholds | None = None,
    ) -> None:
        super().__init__()
        self.backend = Backend(url, assistant, api_key, configurable, headers)
        self.user_id = user_id
        self.engine_label = engine_label or url
        self.engine_key = engine_key or url
        self.model = model or "server-side"
        self.stable_ids = stable_ids
        self.export_dir = export_dir or platformdirs.user_data_path("doubletext") / "exports"
        self.initial_strategy = strategy
        self.base_pace = (configurable or {}).get("doubletext_pace", base_pace)
        self.last_threads = LastThreads(state_file)
        self.sources = tuple(sources)
        self.thresholds = thresholds or Thresholds()
        self.session: ThreadSession | None = None
        self.chat = ChatScreen(stable_ids)
        self._thread_names: list[str] = []

    # -- wiring -----------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return self.chat

    @on(ChatScreen.Ready)
    def _on_chat_ready(self) -> None:
        self.chat.query_one(StrategyPicker).strategy = self.initial_strategy
        composer = self.chat.query_one(Composer)
        composer.cursor_blink = not self.stable_ids
        composer.focus()
        self._header()
        self.open_thread(self.last_threads.get(self.engine_key, self.user_id))

    @property
    def strategy(self) -> str:
        return self.chat.query_one(StrategyPicker).strategy

    def open_thread(self, thread_id: str | None) -> None:
        """Leave the current thread (if any) and open `thread_id` (None: a new one)."""
        if self.session is not None:
            self.session.close()
        self.thread_id = thread_id
        self.session = ThreadSession(
            self.backend,
            self.chat,
            thread_id=thread_id,
            user_id=self.user_id,
            sources=self.sources,
            ask=lambda step: ask_with_dialog(self, step),
            label=self.run_label,
            thresholds=self.thresholds,
        )
        self.chat.post_message(ChatScreen.Clear())
        self.session.start()
        self._busy()

    def run_label(self, run_id: str) -> str:
        """How the app names a run in words: `run 1a2b3c4d` (`run-1` with stable ids)."""
        short = self.chat.short(run_id)
        return short if self.stable_ids else f"run {short}"

    def _busy(self) -> None:
        self.busy = bool(self.session and self.session.log.active_run_ids())

    def _header(self) -> None:
        thread = "—"
        if self.thread_id and self.stable_ids:
            if self.thread_id not in self._thread_names:
                self._thread_names.append(self.thread_id)
            thread = f"thread-{self._thread_names.index(self.thread_id) + 1}"
        elif self.thread_id:
            thread = self.thread_id[:8]
        info = self.chat.query_one_optional(InfoBar)  # not yet composed, or shutting down
        if info is None:
            return
        info.show(
            thread=thread,
            user=self.user_id,
            pace=self.pace,
            connection=self.connection,
            assistant=self.backend.assistant,
            model=self.model,
            engine=self.engine_label,
        )

    def watch_connection(self) -> None:
        self._header()

    def watch_thread_id(self) -> None:
        self._header()

    def watch_pace(self) -> None:
        self._header()

    def watch_held(self, text: str) -> None:
        if self.chat.is_mounted:
            self.chat.show_held(text, self.strategy)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            session = self.session
            can = session and (session.log.active_run_ids() or session.policies.waiting)
            return True if can else None
        if action == "fire":
            return True if self.held else None
        if action == "resend":
            return True if self.last_rejected else None
        if action in ("policies", "guide"):  # priority keys: not over another dialog
            return self.screen is self.chat
        return True

    # -- what the session tells (bubbled from the chat screen) --------------------------------

    @on(msg.ConnectionChanged)
    def _on_connection(self, message: msg.ConnectionChanged) -> None:
        self.connection = message.state

    @on(msg.ThreadOpened)
    def _on_thread_opened(self, message: msg.ThreadOpened) -> None:
        if self.session and message.thread_id == self.session.thread_id:
            self.thread_id = message.thread_id
            self.last_threads.put(self.engine_key, self.user_id, message.thread_id)

    @on(msg.SourceChosen)
    def _on_source(self, message: msg.SourceChosen) -> None:
        info = self.chat.query_one_optional(InfoBar)  # gone while the app shuts down
        if info is not None:
            info.show(source=message.source)

    @on(msg.ThreadLoaded)
    @on(msg.MessageSent)
    @on(msg.RunAccepted)
    @on(msg.FateChanged)
    def _on_fates(self) -> None:
        self._busy()

    @on(msg.Rejected)
    def _on_rejected(self, message: msg.Rejected) -> None:
        self._busy()
        if not message.entry.mine or self.chat.stale(message):
            return
        text = message.entry.text
        self.last_rejected = text
        where = (
            "It is back in the composer: pick another strategy (F1–F3) and press Enter, or "
            "Ctrl+R to resend."
            if self._give_back(text)
            else "Your draft stays in the composer; Ctrl+R resends the refused message with "
            "the selected strategy (Up also brings it back)."
        )
        self.notify(
            f"Thread busy: the server refused this message (409). {where}",
            title="Rejected",
            severity="warning",
            timeout=8,
        )

    def _give_back(self, text: str) -> bool:
        """A message that was not sent: in the composer's history (Up), and shown in the
        composer again unless the person is typing something else there (that draft is not
        overwritten). True if it is shown."""
        composer = self.chat.query_one(Composer)
        composer.remember(text)
        if composer.value:
            return False
        composer.put_back(text)
        return True

    @on(msg.Withdrawn)
    def _on_withdrawn(self, message: msg.Withdrawn) -> None:
        self._busy()
        if self.chat.stale(message):
            return
        text = message.entry.text
        where = (
            "Your text is back in the composer."
            if self._give_back(text)
            else "Your draft stays in the composer; Up brings the text back."
        )
        cause = message.entry.cause.detail if message.entry.cause else "called off"
        self.notify(f"Not sent: {cause}. {where}", timeout=5)

    @on(RetryCountdown.CancelRequested)
    def _on_countdown_cancel(self) -> None:
        if self.session is not None:
            self.session.cancel_policy()

    @on(msg.Notice)
    def _on_notice(self, message: msg.Notice) -> None:
        timeout = 10 if message.severity == "error" else 4
        self.notify(message.text, title=message.title, severity=message.severity, timeout=timeout)  # type: ignore[arg-type]

    # -- composing --------------------------------------------------------------------------

    def run_config(self) -> dict[str, Any]:
        """Per-run settings: the slow-motion pace, when the user changed it or gave a base."""
        if self.pace == 1 and self.base_pace is None:
            return {}
        return {"doubletext_pace": float(self.base_pace or 1.0) * self.pace}

    def send(self, text: str, strategy: str | None = None) -> None:
        if self.session is not None:
            self.session.send(text, strategy or self.strategy, self.run_config())

    @on(Composer.Send)
    def _on_send(self, message: Composer.Send) -> None:
        self.send(message.text)

    @on(Composer.Pasted)
    @work(group="paste", exit_on_error=False)
    async def _on_paste(self, message: Composer.Pasted) -> None:
        strategy = self.strategy
        choice = await self.push_screen_wait(PasteDialog(message.lines, strategy))
        if choice == "each":
            for line in message.lines:
                self.send(line, strategy)
        elif choice == "one":
            self.send("\n".join(message.lines), strategy)

    def action_strategy(self, name: str) -> None:
        """Select a strategy (F1–F4) or a client policy (F9, the palette) for the next sends."""
        name = POLICIES[name].name if name in POLICIES else info(name).name
        self.chat.query_one(StrategyPicker).strategy = name
        self.chat.show_held(self.held, self.strategy)

    def action_policies(self) -> None:
        """F9: choose a client policy (or, through the help, a strategy). Pushed at once, not
        from a worker, so keys typed right after F9 reach the menu."""
        self.push_screen(PolicyMenu(self.strategy), callback=self._chosen)

    def _chosen(self, name: str | None) -> None:
        if name:
            self.action_strategy(name)

    def action_policy_calls(self) -> None:
        """F10: open (or close) the latest policy note: its plan and the SDK calls it made."""
        notes = list(self.chat.query_one(Transcript).query(PolicyNote))
        if not notes:
            self.notify("No message was sent with a policy on this thread yet.", timeout=3)
            return
        note = notes[-1]
        note.collapsed = not note.collapsed
        note.scroll_visible()

    def action_guide(self, tab: str = "tree") -> None:
        """Ctrl+G: the decision tree (§7.2); Enter selects the strategy it recommends."""
        self.push_screen(PolicyHelp(tab=tab), callback=self._chosen)

    def action_hold(self) -> None:
        """Ctrl+L outside the composer: park its text as the next message (F5 fires it);
        again: take it back. In the composer the key is handled in key order (Composer.Hold)."""
        composer = self.chat.query_one(Composer)
        text, composer.value = composer.value.strip(), ""
        self._hold(text)

    @on(Composer.Hold)
    def _on_hold(self, message: Composer.Hold) -> None:
        self._hold(message.text)

    def _hold(self, text: str) -> None:
        composer = self.chat.query_one(Composer)
        if text:
            self.held = text
        elif self.held:
            composer.put_back(self.held)
            self.held = ""

    def action_fire(self) -> None:
        text, self.held = self.held, ""
        if text:
            self.send(text)

    def action_resend(self) -> None:
        text, self.last_rejected = self.last_rejected, ""
        if not text:  # the palette runs actions without check_action
            self.notify("No rejected message to resend.", timeout=2)
            return
        composer = self.chat.query_one(Composer)
        if composer.value.strip() == text:
            composer.value = ""
        self.send(text)

    def action_pace(self) -> None:
        self.pace = PACES[(PACES.index(self.pace) + 1) % len(PACES)]
        word = "normal speed" if self.pace == 1 else f"×{self.pace} slower"
        self.notify(f"Model pace: {word} (applies to the next message).", timeout=3)

    def action_panels(self) -> None:
        self.chat.toggle_side()

    def action_timeline(self) -> None:
        self.chat.toggle_timeline()

    def action_not_kept(self) -> None:
        """Ctrl+F: hide (or show again) what a cut run streamed that the server did not keep."""
        self.chat.not_kept = not self.chat.not_kept
        word = "shown, dimmed" if self.chat.not_kept else "hidden"
        self.notify(f"Replies the server did not keep: {word}.", timeout=2)

    # -- cancelling -------------------------------------------------------------------------

    def action_cancel(self, action: str) -> None:
        if action == "interrupt" and self.session and self.session.policies.waiting:
            self.session.cancel_policy()  # Esc stops a retry countdown first
            return
        run_id = self.session.cancel(action) if self.session else None
        if run_id is None:
            self.notify("Nothing is running.", timeout=2)
            return
        verb = "Interrupting" if action == "interrupt" else "Rolling back"
        self.notify(f"{verb} run {self.chat.short(run_id)}…", timeout=3)

    # -- export / copy ------------------------------------------------------------------------

    def export_turns(self) -> list[ExportTurn]:
        turns = []
        for turn in self.chat.query_one(Transcript).turns():
            tools = [str(t.title) for t in turn.query(ToolLine)]
            replies = [
                r.full_text for r in turn.replies() if r.full_text and not r.has_class("not-kept")
            ]
            fate = turn.cause_text.removeprefix("↳ ") or turn.badge_text.partition(" · ")[2]
            turns.append(ExportTurn(turn.text, turn.strategy, fate, replies, tools))
        return turns

    @work(group="export", exclusive=True, exit_on_error=False)
    async def action_export(self) -> None:
        name = f"doubletext-{(self.thread_id or 'transcript')[:8]}.md"
        path = await self.push_screen_wait(
            PathDialog("Export the transcript", self.export_dir / name)
        )
        if path is None:
            return
        markdown = to_markdown(
            self.export_turns(), thread_id=self.thread_id or "", assistant=self.backend.assistant
        )
        timeline = self.chat.query_one(TimelinePane).shown
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            timeline_export.write_private(path, markdown)
            svg, story = timeline_export.save(timeline, path.parent, f"{path.stem}-timeline")
        except OSError as exc:
            self.notify(f"Export failed: {exc}", severity="error")
            return
        self.notify(
            f"Transcript saved to {path}; the timeline to {svg.name} and its story to "
            f"{story.name} beside it.",
            timeout=6,
        )

    def action_copy_reply(self) -> None:
        replies = [r for t in self.export_turns() for r in t.replies]
        if not replies:
            self.notify("No reply to copy yet.", timeout=2)
            return
        self.copy_to_clipboard(replies[-1])
        self.notify("Last reply copied to the clipboard.", timeout=2)

    # -- command palette ----------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from palette.commands(self)

    def action_inspect_run(self) -> None:
        """The run inspector for the run panel's highlighted row (as Enter there)."""
        runs = self.chat.query_one(RunPanel)
        if runs.row_count:
            runs.action_select_cursor()
        else:
            self.notify("No run yet.", timeout=2)

    async def on_unmount(self) -> None:
        if self.session is not None:
            self.session.close()
        await self.backend.close()


def run_app(url: str, **options: Any) -> None:
    """Open the TUI on the LangGraph server at `url` (the composition root starts an embedded
    engine first when the person gave no `--url`)."""
    DoubletextApp(url, **options).run()
