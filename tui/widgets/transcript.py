"""The conversation: one `Turn` per sent message, with that run's replies and tool activity.

Replies are mounted inside the turn of the run that produced them, so with enqueue the answer
to message 1 appears under message 1 even though message 2 was sent before it arrived. The
turn's CSS class follows the run's fate (`-rolled-back` strikes the message through).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Collapsible, Static

from tui.events import ToolCallState, first_line, text_of
from tui.runstate import Fate, fate_label
from tui.widgets.reply import Reply


class ToolActivity(Collapsible):
    """A tool call or tool result, one line until expanded."""

    def __init__(self, message_id: str, title: str, detail: str, *, kind: str) -> None:
        self.detail = Static(detail, classes="tool-detail", markup=False)
        super().__init__(self.detail, title=title, collapsed=True, classes=f"tool {kind}")
        self.message_id = message_id

    def set(self, title: str, detail: str) -> None:
        self.title = title
        self.detail.update(detail)


class Turn(Vertical):
    """A user message, its fate badge, and whatever its run produced."""

    def __init__(self, text: str, strategy: str, local_id: str) -> None:
        super().__init__(classes="turn")
        self.text = text
        self.strategy = strategy
        self.local_id = local_id
        self.fate: Fate = Fate.SENDING
        self._calls: dict[str, ToolCallState] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="user-row"):
            yield Static(self.text, classes="user-text", markup=False)
            yield Static(self._badge(), classes="fate")

    def _badge(self, position: int | None = None) -> str:
        return f"{self.strategy} · {fate_label(self.fate, position)}" if self.strategy else ""

    def set_fate(self, fate: Fate, position: int | None = None) -> None:
        for old in Fate:
            self.remove_class(f"-{old.name.lower().replace('_', '-')}")
        self.fate = fate
        self.add_class(f"-{fate.name.lower().replace('_', '-')}")
        self.query_one(".fate", Static).update(self._badge(position))

    @property
    def badge_text(self) -> str:
        return str(self.query_one(".fate", Static).content)

    def replies(self) -> list[Reply]:
        return list(self.query(Reply))

    def reply(self, message_id: str, text: str | None = None) -> Reply:
        """The reply widget for `message_id`, created if new; `text` sets its whole content."""
        for reply in self.query(Reply):
            if reply.message_id == message_id:
                if text is not None:
                    reply.replace(text)
                return reply
        reply = Reply(message_id, text or "")
        self.mount(reply)
        return reply

    def tool_call(self, message_id: str, key: str, state: ToolCallState) -> None:
        widget_id = f"{message_id}:{key}"
        for tool in self.query(ToolActivity):
            if tool.message_id == widget_id:
                tool.set(state.title(), state.detail())
                return
        self.mount(ToolActivity(widget_id, state.title(), state.detail(), kind="call"))

    def call_state(self, message_id: str, index: int) -> ToolCallState:
        return self._calls.setdefault(f"{message_id}:{index}", ToolCallState())

    def tool_result(self, message_id: str, name: str, content: str) -> None:
        flat = " ".join(content.split())
        title = first_line(flat) if flat else name
        if not any(t.message_id == message_id for t in self.query(ToolActivity)):
            self.mount(ToolActivity(message_id, title, content, kind="result"))

    def message_ids(self) -> set[str]:
        ids = {r.message_id for r in self.query(Reply)}
        ids |= {t.message_id.split(":")[0] for t in self.query(ToolActivity)}
        return ids

    async def keep_only(self, message_ids: set[str]) -> None:
        """Drop streamed output the server did not keep (interrupt mid-node, rollback)."""
        for widget in [*self.query(Reply), *self.query(ToolActivity)]:
            if widget.message_id.split(":")[0] not in message_ids:
                await widget.remove()

    def add_message(self, message: dict[str, Any]) -> None:
        """Render a stored message (history or reconciliation) in full."""
        mid = str(message.get("id") or "")
        if message.get("type") == "tool":
            self.tool_result(mid, str(message.get("name") or "tool"), text_of(message["content"]))
            return
        text = text_of(message.get("content"))
        if text:
            self.reply(mid, text)
        for i, call in enumerate(message.get("tool_calls") or []):
            state = self.call_state(mid, i)
            state.name, state.args = str(call.get("name") or ""), call.get("args") or {}
            self.tool_call(mid, str(i), state)


class Transcript(VerticalScroll):
    """Scrolls like a chat: anchored to the bottom while the user is there."""

    def on_mount(self) -> None:
        self.anchor()

    def turns(self) -> list[Turn]:
        return list(self.query(Turn))

    def turn(self, local_id: str) -> Turn | None:
        return next((t for t in self.query(Turn) if t.local_id == local_id), None)

    async def add_turn(self, text: str, strategy: str, local_id: str) -> Turn:
        turn = Turn(text, strategy, local_id)
        await self.mount(turn)
        turn.set_fate(Fate.SENDING)
        return turn

    async def load_history(self, messages: Iterable[dict[str, Any]]) -> None:
        """Show a thread's stored messages: each human message opens a turn."""
        await self.remove_children()
        turn: Turn | None = None
        for i, message in enumerate(messages):
            if message.get("type") == "human":
                turn = Turn(text_of(message.get("content")), "", f"history-{i}")
                await self.mount(turn)
                turn.set_fate(Fate.DONE)
            elif turn is not None:
                turn.add_message(message)
