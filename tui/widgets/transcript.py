"""The conversation: one `Turn` per message sent, with that run's replies and tool activity.

Replies are mounted inside the turn of the run that produced them, so with enqueue the answer
to message 1 appears under message 1 even though message 2 was sent before it arrived. The
turn's CSS class follows the run's fate (`-rolled-back` strikes the message through) and a
second line says why it ended so ("interrupted by run 1a2b3c4d (F2 interrupt)").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import AwaitMount
from textual.widgets import Markdown, Static

from tui.history import TurnSpec
from tui.message_chunks import ToolCallState, text_of
from tui.runstate import FINAL, Entry, Fate, badge
from tui.text import first_line, short_id
from tui.widgets.policy_note import PolicyNote, policy_title
from tui.widgets.reply import Reply
from tui.widgets.titled import Titled

WELCOME = (
    "How to double text: send a message (Enter), and while its reply streams, send another. "
    "The strategy (F1–F4) decides what the server does with the second one; a policy (F9) "
    "decides for you, message by message.\n"
    "Too fast? F6 slows the model down. Or type message 2 first and hold it with Ctrl+L, "
    "send message 1, then fire message 2 with F5 whenever you like."
)


NOT_KEPT = {
    Fate.INTERRUPTED: "✂ streamed before the interrupt, not kept by the server (Ctrl+F hides)",
    Fate.ROLLED_BACK: "✂ streamed before the rollback, not kept by the server (Ctrl+F hides)",
}  # (a steered turn is `done`: what moved to the run that took it in is removed, not dimmed)


class ToolLine(Titled):
    """A tool call or tool result, one line until expanded."""

    def __init__(self, widget_key: str, title: str, detail: str, *, kind: str) -> None:
        self.detail = Static(detail, classes="tool-detail", markup=False)
        super().__init__(self.detail, title=title, collapsed=True, classes=f"tool {kind}")
        self.widget_key = widget_key

    @property
    def message_id(self) -> str:
        return self.widget_key.split(":")[0]

    def set(self, title: str, detail: str) -> None:
        self.retitle(title)
        self.detail.update(detail)


def fate_class(fate: Fate) -> str:
    return "-" + fate.name.lower().replace("_", "-")


def sent_with(entry: Entry) -> str:
    """`rollback`, or for a policy's message `auto → rollback` (the policy alone until it has
    decided)."""
    if not entry.policy:
        return entry.strategy
    title = policy_title(entry.policy)
    return title if entry.strategy == entry.policy else f"{title} → {entry.strategy}"


class Turn(Vertical):
    """A user message, its fate badge and cause, and whatever its run produced."""

    def __init__(self, key: str | None, text: str, strategy: str = "") -> None:
        super().__init__(classes="turn")
        self.key = key
        self.text = text
        self.strategy = strategy
        self.fate: Fate | None = None
        self.cause_text = ""
        self._badge = ""
        self._replies: dict[str, Reply] = {}
        self.short: Callable[[str], str] = short_id

    def compose(self) -> ComposeResult:
        with Horizontal(classes="user-row"):
            yield Static(self.text, classes="user-text", markup=False)
            yield Static(self._badge, classes="fate", markup=False)
        yield Static(self.cause_text, classes="cause", markup=False)

    def show(self, entry: Entry, short: Callable[[str], str]) -> None:
        """Follow the entry's fate: CSS class, `strategy · fate` badge, cause line."""
        if self.fate is not None:
            self.remove_class(fate_class(self.fate))
        self.fate, self.strategy = entry.fate, entry.strategy
        self.add_class(fate_class(entry.fate))
        self.short = short
        words = badge(entry, short)
        final_with_cause = entry.fate in FINAL and entry.cause is not None
        taken = entry.cause is not None and entry.cause.kind == "taken"  # steer
        fate = "taken in" if taken else entry.fate
        self._badge = f"{sent_with(entry)} · {fate if final_with_cause else words}"
        self.cause_text = f"↳ {words}" if final_with_cause else ""
        if entry.text and entry.text != self.text:
            self.text = entry.text
        if self.is_mounted:
            self.query_one(".user-text", Static).update(self.text)
            self.query_one(".fate", Static).update(self._badge)
            self.query_one(".cause", Static).update(self.cause_text)
        self.set_class(bool(self.cause_text), "-has-cause")

    @property
    def badge_text(self) -> str:
        return self._badge

    def policy_note(self, policy: str) -> PolicyNote:
        """The note saying why the policy chose what it did (mounted under the cause line)."""
        note = next(iter(self.query(PolicyNote)), None)
        if note is None:
            note = PolicyNote(policy, self.short)
            self.mount(note, after=self.query_one(".cause"))
        return note

    def replies(self) -> list[Reply]:
        return list(self.query(Reply))

    def reply(self, message_id: str, text: str, whole: bool) -> AwaitMount | None:
        """Add to (or replace) the reply `message_id`; the mount to await when it is new."""
        reply = self._replies.get(message_id)
        if reply is not None and reply.parent is self:
            if whole:
                reply.replace(text)
            elif not reply.from_state:
                reply.add(text)
            return None
        reply = self._replies[message_id] = Reply(message_id, text if whole else "")
        mounting = self.mount(reply)
        if not whole:
            reply.add(text)
        return mounting

    def tool(self, widget_key: str, title: str, detail: str, kind: str) -> AwaitMount | None:
        for line in self.query(ToolLine):
            if line.widget_key == widget_key:
                if kind == "call":
                    line.set(title, detail)
                return None
        return self.mount(ToolLine(widget_key, title, detail, kind=kind))

    async def finish(self) -> None:
        for reply in self.query(Reply):
            await reply.finish()

    def message_ids(self) -> set[str]:
        ids = {r.message_id for r in self.query(Reply)}
        return ids | {t.message_id for t in self.query(ToolLine)}

    async def settle(self, kept: Iterable[Mapping[str, Any]]) -> None:
        """Show exactly what the thread kept: add what's missing; output it did not keep is
        dropped, or — for a run that was cut — stays, dimmed and labelled (NOT_KEPT)."""
        kept = list(kept)
        keep = {str(m.get("id")) for m in kept}
        output = [w for w in self.children if isinstance(w, Reply | ToolLine)]
        lost = [w for w in output if w.message_id not in keep]
        for widget in lost:
            if self.fate in NOT_KEPT:
                widget.add_class("not-kept")
            else:
                await widget.remove()
        if lost and self.fate in NOT_KEPT and not self.query(".not-kept-label"):
            label = Static(NOT_KEPT[self.fate], classes="not-kept-label", markup=False)
            await self.mount(label, before=lost[0])
        present = self.message_ids()
        for message in kept:
            if str(message.get("id")) not in present:
                for mounting in self.add_message(message):
                    await mounting
            else:
                self._correct(message)

    def _correct(self, message: Mapping[str, Any]) -> None:
        """What streamed is only a preview: a chunk the stream dropped or delivered after the
        run was settled must not leave a reply short of what the thread kept (seen under load:
        a reply without its last words, a tool call without its arguments)."""
        mid = str(message.get("id") or "")
        text = text_of(message.get("content"))
        reply = self._replies.get(mid)
        stale = reply is not None and reply.parent is self and reply.full_text != text
        if message.get("type") != "tool" and text and stale:
            assert reply is not None
            reply.replace(text)
        for i, call in enumerate(message.get("tool_calls") or []):
            state = ToolCallState(name=str(call.get("name") or ""), args=call.get("args") or {})
            for line in self.query(ToolLine):
                if line.widget_key == f"{mid}:{i}" and str(line.title) != state.title():
                    line.set(state.title(), state.detail())

    def add_message(self, message: Mapping[str, Any]) -> list[AwaitMount]:
        """Render a stored message (history or settling) in full; returns mounts to await."""
        mid = str(message.get("id") or "")
        if message.get("type") == "tool":
            content = text_of(message.get("content"))
            title = first_line(" ".join(content.split())) or str(message.get("name") or "tool")
            return [m for m in [self.tool(mid, title, content, "result")] if m is not None]
        mounts = []
        text = text_of(message.get("content"))
        if text:
            mounts.append(self.reply(mid, text, whole=True))
        for i, call in enumerate(message.get("tool_calls") or []):
            state = ToolCallState(name=str(call.get("name") or ""), args=call.get("args") or {})
            mounts.append(self.tool(f"{mid}:{i}", state.title(), state.detail(), "call"))
        return [m for m in mounts if m is not None]


class Transcript(VerticalScroll):
    """Scrolls like a chat: anchored to the bottom while the user is there."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._by_key: dict[str, Turn] = {}

    def compose(self) -> ComposeResult:
        yield Static(WELCOME, id="welcome", markup=False)

    def on_mount(self) -> None:
        self.anchor()

    def relayout(self) -> None:
        """Arrange the transcript again, now.

        Textual caches a container's arrangement; a turn that grew after its thread was loaded
        (a reply's Markdown builds its blocks after it is mounted, a why line lands, a turn
        settles) could leave this anchored transcript at its old bottom-aligned offset, the
        new rows hidden until the next resize (seen reopening a thread with the story as
        source). Re-arranging after each such change keeps the screen exact; it is cheap.
        """
        self._clear_arrangement_cache()  # no public call for this in Textual 8
        self.refresh(layout=True)

    def on_markdown_table_of_contents_updated(self, event: Markdown.TableOfContentsUpdated) -> None:
        self.relayout()  # a Markdown finished (re)building its blocks: its height changed

    def turns(self) -> list[Turn]:
        return list(self.query(Turn))

    def turn(self, key: str) -> Turn | None:
        """By entry key; cached, since every streamed token looks its turn up."""
        cached = self._by_key.get(key)
        if cached is not None and cached.parent is self:
            return cached
        found = next((t for t in self.query(Turn) if t.key == key), None)
        if found is not None:
            self._by_key[key] = found
        return found

    def _welcome(self, show: bool) -> None:
        self.query_one("#welcome").display = show

    async def add_turn(self, entry: Entry, short: Callable[[str], str]) -> Turn:
        turn = Turn(entry.key, entry.text, entry.strategy)
        turn.show(entry, short)
        self._welcome(False)
        await self.mount(turn)
        return turn

    async def load(
        self, specs: Iterable[TurnSpec], entries: Mapping[str, Entry], short: Callable[[str], str]
    ) -> None:
        """Show a thread from scratch: its turns in order, each with what the thread kept."""
        await self.remove_children(Turn)
        turns = []
        for spec in specs:
            entry = entries.get(spec.key or "")
            turn = Turn(spec.key, spec.text, entry.strategy if entry else "")
            if entry is not None:
                turn.show(entry, short)
            turns.append((turn, spec.messages))
        self._welcome(not turns)
        if turns:
            await self.mount_all([t for t, _ in turns])
        for turn, messages in turns:
            for message in messages:
                for mounting in turn.add_message(message):
                    await mounting
