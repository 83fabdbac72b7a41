"""The main screen: transcript, timeline, strategy bar and composer; runs and todos beside.

It is the thread session's message target, like a conversation widget: each `@on` handler
below hands one past event (`tui.messages`) to the widget that shows it. The messages then
bubble on to the app, which keeps app state in reactive vars. Its styles are `chat.tcss`
(loaded by the app: this is the app's default screen). Below 120 columns the side panel
collapses (F7 switches between chat and panels); the strategy bar always shows all four. The
timeline sits under the transcript (F12 shows or hides it; below 30 rows it starts hidden).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui import messages as msg
from tui.ledger import LEGEND
from tui.runstate import ACTIVE, Entry, Fate
from tui.screens.inspector import RunInspector
from tui.text import ShortIds
from tui.timeline.model import Bounce
from tui.widgets.composer import Composer
from tui.widgets.header import InfoBar
from tui.widgets.picker import StrategyPicker
from tui.widgets.policy_note import PolicyNote
from tui.widgets.retry_countdown import RetryCountdown
from tui.widgets.runs import RunPanel
from tui.widgets.timeline import TimelineView
from tui.widgets.timeline_pane import TimelinePane
from tui.widgets.todos import TodoPanel
from tui.widgets.transcript import Transcript, Turn
from tui.widgets.why import WhyLine, place_why

if TYPE_CHECKING:
    from tui.app import DoubletextApp

NARROW = 120
SHORT = 30  # rows: below this the timeline starts hidden (F12 shows it)


class ChatScreen(Screen[None]):
    class Ready(Message):
        """The screen is composed: the app may open a thread."""

    class Clear(Message):
        """The app left a thread: empty the views (handled in order with session messages)."""

    side: var[str] = var("auto")  # auto (shown when wide) · shown · hidden
    timeline: var[str] = var("auto")  # auto (shown when tall enough) · shown · hidden
    not_kept: var[bool] = var(True)  # show the replies the server did not keep (dimmed)

    def __init__(self, stable_ids: bool = False) -> None:
        super().__init__()
        self.short = ShortIds(stable_ids)
        self.stable_ids = stable_ids
        self.shown_thread: str | None = None  # the thread whose ThreadLoaded is on screen
        self.plans: set[str] = set()  # entries whose client-policy plan is still running

    @property
    def chat_app(self) -> DoubletextApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield InfoBar(id="info", markup=False)
        yield Static("", id="source-note", markup=False)
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                yield Transcript(id="transcript")
                yield TimelinePane(
                    lambda: self.chat_app.backend.client, stable=self.stable_ids, id="timeline-pane"
                )
                yield RetryCountdown(id="retry")
                yield StrategyPicker(id="picker")
                yield Static("", id="held", markup=False)
                yield Composer(id="composer")
            with Vertical(id="side"):
                yield Static("Runs (oldest first)", classes="panel-title")
                yield RunPanel(self.short, self.stable_ids, id="runs")
                yield Static("", id="run-detail", markup=False)
                yield Static("Todos", classes="panel-title")
                yield TodoPanel(self.short, id="todos")
                yield Static(LEGEND, id="todo-note", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """No queries here: a signal during the first paint prunes the children before this
        runs (the panels get their settings in compose; the notes start hidden in chat.tcss)."""
        if not self.stable_ids:
            self.set_interval(0.5, self._tick)
        self.post_message(self.Ready())

    def on_key(self, event: events.Key) -> None:
        """Typing while another view has the focus (the timeline, a panel) writes in the
        composer instead of going nowhere; keys that view binds (the timeline's 0, +, -) keep
        their meaning."""
        composer = self.query_one(Composer)
        if composer.has_focus or not event.is_printable or event.character is None:
            return
        if event.key in self.app.active_bindings:
            return
        event.stop()
        event.prevent_default()
        composer.focus()
        composer.insert_text_at_cursor(event.character)

    # -- layout -----------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW, "-narrow")
        self.set_class(event.size.height < SHORT, "-short")

    def side_visible(self) -> bool:
        return self.side == "shown" or (self.side == "auto" and not self.has_class("-narrow"))

    def toggle_side(self) -> None:
        self.side = "hidden" if self.side_visible() else "shown"
        if not self.side_visible():
            self.query_one(Composer).focus()

    def watch_side(self, value: str) -> None:
        self.set_class(value == "shown", "-side-shown")
        self.set_class(value == "hidden", "-side-hidden")

    def timeline_visible(self) -> bool:
        shown = self.timeline == "shown"
        return shown or (self.timeline == "auto" and not self.has_class("-short"))

    def toggle_timeline(self) -> None:
        """Show the timeline and focus it; again (while it has focus): hide it."""
        view = self.query_one(TimelineView)
        if self.timeline_visible() and (view.has_focus or not view.timeline.lanes):
            self.timeline = "hidden"
            self.query_one(Composer).focus()
        else:
            self.timeline = "shown"
            view.focus()

    def watch_timeline(self, value: str) -> None:
        self.set_class(value == "shown", "-timeline-shown")
        self.set_class(value == "hidden", "-timeline-hidden")

    def watch_not_kept(self, value: bool) -> None:
        self.set_class(not value, "-hide-not-kept")

    def _tick(self) -> None:
        runs = self.query_one(RunPanel)
        if any(e.fate in ACTIVE for e in runs.entries.values()):
            runs.redraw(time.time())

    # -- a thread, shown ----------------------------------------------------------------------

    def stale(self, message: msg.SessionMessage) -> bool:
        session = self.chat_app.session
        return session is None or (
            message.thread_id is not None
            and session.thread_id is not None
            and message.thread_id != session.thread_id
        )

    @on(Clear)
    async def _clear_thread(self) -> None:
        """Leaving a thread: empty the views until the next one is loaded."""
        self.shown_thread = None
        self.short.forget()
        self.plans.clear()
        self.query_one(TimelinePane).reset(None)
        await self.query_one(Transcript).remove_children(WhyLine)
        self.query_one(RetryCountdown).stop()  # a plan of the thread left is cancelled with it
        await self.query_one(Transcript).load([], {}, self.short)
        self.query_one(RunPanel).reset([])
        self.query_one(TodoPanel).show([])

    async def _turn_for(self, entry: Entry) -> Turn:
        transcript = self.query_one(Transcript)
        turn = transcript.turn(entry.key)
        if turn is None:
            return await transcript.add_turn(entry, self.short)
        turn.show(entry, self.short)
        return turn

    def _runs_put(self, entry: Entry) -> None:
        relabel = self.short.learn([entry.run_id])
        runs = self.query_one(RunPanel)
        runs.put(entry)
        runs.redraw(time.time())
        self._detail()
        if relabel:  # a run id shown before needs more characters now: show it so everywhere
            transcript = self.query_one(Transcript)
            for shown in runs.ordered():
                turn = transcript.turn(shown.key)
                if turn is not None and shown.key != entry.key:
                    turn.show(shown, self.short)

    @on(msg.ThreadLoaded)
    async def _on_thread_loaded(self, message: msg.ThreadLoaded) -> None:
        if self.stale(message):
            return
        by_key = {e.key: e for e in message.entries}
        self.short.learn(e.run_id for e in message.entries)
        self.query_one(TimelinePane).reset(message.thread_id)
        await self.query_one(Transcript).remove_children(WhyLine)
        await self.query_one(Transcript).load(message.turns, by_key, self.short)
        self.query_one(Transcript).relayout()
        self.query_one(RunPanel).reset(list(message.entries))
        self.shown_thread = message.thread_id

    @on(msg.MessageSent)
    @on(msg.RunAccepted)
    @on(msg.FateChanged)
    @on(msg.Rejected)
    @on(msg.Withdrawn)
    async def _on_entry(self, message: msg.MessageSent) -> None:
        if self.stale(message):
            return
        self._runs_put(message.entry)
        await self._turn_for(message.entry)
        entry, cut_by = message.entry, {"taken": "steer", "replaced": "keep latest"}
        if entry.run_id and entry.cause is not None and entry.cause.kind in cut_by:
            name = cut_by[entry.cause.kind]  # a client policy cancelled this run
            steered = [entry.run_id] if name == "steer" else []
            self.query_one(TimelinePane).cancelled_by({entry.run_id: name}, steered)

    @on(msg.ReplyDelta)
    def _on_reply_delta(self, message: msg.ReplyDelta) -> None:
        turn = None if self.stale(message) else self.query_one(Transcript).turn(message.key)
        if turn is not None:
            turn.reply(message.message_id, message.text, message.whole)

    @on(msg.ToolActivity)
    def _on_tool(self, message: msg.ToolActivity) -> None:
        turn = None if self.stale(message) else self.query_one(Transcript).turn(message.key)
        if turn is not None:
            turn.tool(message.widget_key, message.title, message.detail, message.kind)

    @on(msg.ReplyEnded)
    async def _on_reply_ended(self, message: msg.ReplyEnded) -> None:
        turn = None if self.stale(message) else self.query_one(Transcript).turn(message.key)
        if turn is not None:
            await turn.finish()

    @on(msg.TurnSettled)
    async def _on_settled(self, message: msg.TurnSettled) -> None:
        turn = None if self.stale(message) else self.query_one(Transcript).turn(message.key)
        if turn is not None:
            await turn.settle(message.kept)
            self.query_one(Transcript).relayout()

    # -- client policies: why, steps, calls, the retry countdown ------------------------------

    def _note(self, message: msg.SessionMessage, key: str, policy: str = "") -> PolicyNote | None:
        turn = None if self.stale(message) else self.query_one(Transcript).turn(key)
        return None if turn is None else turn.policy_note(policy)

    @on(msg.PolicyDecided)
    def _on_policy_decided(self, message: msg.PolicyDecided) -> None:
        note = self._note(message, message.key, message.policy)
        if note is not None:
            note.decided(message.why, message.steps)

    @on(msg.PolicyStep)
    def _on_policy_step(self, message: msg.PolicyStep) -> None:
        note = self._note(message, message.key)
        if note is not None:
            note.step(message.step, message.result)

    @on(msg.PolicyFinished)
    def _on_policy_finished(self, message: msg.PolicyFinished) -> None:
        note = self._note(message, message.key)
        if note is not None:
            note.finished(message.status, message.chose, message.calls)

    @on(msg.RetryWaiting)
    def _on_retry_waiting(self, message: msg.RetryWaiting) -> None:
        countdown = self.query_one(RetryCountdown)
        if message.wait is None or self.stale(message):
            countdown.stop()
        else:
            countdown.start(message.wait)

    @on(msg.TodosChanged)
    def _on_todos(self, message: msg.TodosChanged) -> None:
        if self.stale(message):
            return
        self.query_one(TodoPanel).show(message.rows)
        note = message.problem or (
            LEGEND if message.rows else f"No todos yet for user {self.chat_app.user_id}."
        )
        self.query_one("#todo-note", Static).update(note)
        self.query_one("#todo-note").set_class(bool(message.problem), "-problem")

    @on(msg.SourceChosen)
    def _on_source(self, message: msg.SourceChosen) -> None:
        note = self.query_one("#source-note", Static)
        note.update(f"Note: {message.blind_spots}" if message.blind_spots else "")
        note.display = bool(message.blind_spots)

    @on(DataTable.RowHighlighted, "#runs")
    def _detail(self, _event: object = None) -> None:
        runs = self.query_one(RunPanel)
        key = None
        if runs.row_count and runs.cursor_row is not None and runs.cursor_row < runs.row_count:
            key = runs.coordinate_to_cell_key((runs.cursor_row, 0)).row_key.value
        self.query_one("#run-detail", Static).update(runs.detail(key))

    # -- the timeline, the why after each double text, the run inspector -----------------------

    @on(msg.StoryEvent)
    async def _on_story_event(self, message: msg.StoryEvent) -> None:
        if self.stale(message):
            return
        self.query_one(TimelinePane).fold(message.event)
        await self._say_whys()

    @on(msg.TimelineBuilt)
    async def _on_timeline_built(self, message: msg.TimelineBuilt) -> None:
        if self.stale(message):
            return
        self.query_one(TimelinePane).show(message.timeline, message.view)
        if message.quiet:  # only then is what it says final (see ClientRecorder)
            await self._say_whys()

    @on(msg.PolicyDecided)
    def _plan_started(self, message: msg.PolicyDecided) -> None:
        if not self.stale(message):
            self.plans.add(message.key)

    @on(msg.PolicyFinished)
    @on(msg.Withdrawn)
    async def _plan_ended(self, message: msg.PolicyFinished | msg.Withdrawn) -> None:
        key = message.key if isinstance(message, msg.PolicyFinished) else message.entry.key
        self.plans.discard(key)
        if not self.stale(message):
            await self._say_whys()

    async def _say_whys(self) -> None:
        """Each settled double text's why, once; an API cancel's waits while a client policy's
        plan runs (it may be the policy's own cancel: steer, keep latest)."""
        pane = self.query_one(TimelinePane)
        whys = pane.new_whys(lambda key: key.startswith("cancel:") and bool(self.plans))
        transcript = self.query_one(Transcript)
        for key, line in whys:
            await place_why(transcript, WhyLine(key, line), self._why_anchor(key))
        if whys:
            transcript.relayout()

    def _why_anchor(self, key: str) -> Turn | None:
        """The turn a why goes after: the newcomer's, the cut run's, or the rejected one's."""
        kind, _, ref = key.partition(":")
        entries = self.query_one(RunPanel).ordered()
        transcript = self.query_one(Transcript)
        if kind != "bounce":
            entry = next((e for e in entries if e.run_id == ref), None)
            return transcript.turn(entry.key) if entry else None
        shown = self.query_one(TimelinePane).shown
        bounce = next((b for b in shown.bounces if str(b.seq) == ref), None)
        for entry in reversed(entries):
            if entry.fate is Fate.REJECTED and bounce is not None and entry.text == bounce.text:
                turn = transcript.turn(entry.key)
                if turn is not None and not self._followed_by_bounce_why(turn):
                    return turn
        return None

    def _followed_by_bounce_why(self, turn: Turn) -> bool:
        children = list(self.query_one(Transcript).children)
        after = children[children.index(turn) + 1 :] if turn in children else []
        return bool(after) and isinstance(after[0], WhyLine) and after[0].key.startswith("bounce:")

    @on(TimelineView.RunOpened)
    def _open_from_timeline(self, message: TimelineView.RunOpened) -> None:
        self.inspect(message.run_id, message.bounce)

    @on(DataTable.RowSelected, "#runs")
    def _open_from_runs(self, event: DataTable.RowSelected) -> None:
        entry = self.query_one(RunPanel).entries.get(str(event.row_key.value))
        if entry is None:
            return
        if entry.run_id:
            self.inspect(entry.run_id, None)
            return
        shown = self.query_one(TimelinePane).shown
        near = [b for b in shown.bounces if b.text == entry.text]
        if not near:
            self.notify("The timeline has no record of this message yet.", timeout=3)
            return
        self.inspect(None, min(near, key=lambda b: abs(b.at - (entry.created or b.at))))

    def inspect(self, run_id: str | None, bounce: Bounce | None) -> None:
        """The run inspector for a run (or a rejected attempt), with the SDK calls made for it."""
        shown = self.query_one(TimelinePane).shown
        calls = list(self.chat_app.backend.calls.calls)
        self.app.push_screen(RunInspector(shown, run_id, bounce, calls))

    def show_held(self, text: str, strategy: str) -> None:
        held = self.query_one("#held", Static)
        held.update(f"▸ held: {text}  —  F5 sends it ({strategy}) · Ctrl+L takes it back")
        held.display = bool(text)
