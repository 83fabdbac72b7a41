"""The thread's state at a selected checkpoint, and what changed from the checkpoint before.

Given a `CheckpointDetail` (see `tui.timeline.checkpoints.load_checkpoint`, which fetches it
through the SDK), it lists the messages (new ones marked +), the node that wrote the checkpoint
and the one that runs next, the todos written on this thread so far, and a one-line summary of
the change — so a learner can step through a run dot by dot and see where a cut landed.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Group, RenderableType
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from tui.timeline.checkpoints import CheckpointDetail

KIND_STYLES = {"human": "bold cyan", "ai": "bold green", "tool": "bold yellow"}


def summary(detail: CheckpointDetail) -> str:
    """`+2 messages · next: update_todos (was task_mAIstro) · todo added 'Buy milk'`."""
    change = detail.change
    parts = []
    if change.added:
        parts.append(f"+{len(change.added)} message{'s' if len(change.added) > 1 else ''}")
    if change.removed:
        parts.append(f"−{len(change.removed)} message{'s' if len(change.removed) > 1 else ''}")
    now = ", ".join(detail.state.next) or "(end)"
    if change.next_before is not None and tuple(change.next_before) != detail.state.next:
        parts.append(f"next: {now} (was {', '.join(change.next_before) or '(end)'})")
    parts += [f"todo added '{t}'" for t in change.todos_added]
    parts += [f"todo '{a}' → '{b}'" for a, b in change.todos_changed]
    parts += [f"todo removed '{t}'" for t in change.todos_removed]
    if detail.previous is None:
        parts.append("first checkpoint of the thread (or its parent is gone)")
    return " · ".join(parts) or "nothing changed"


class CheckpointView(Static):
    """Shows one checkpoint; `show(detail)` or `clear()`."""

    DEFAULT_CSS = Path(__file__).with_name("checkpoint.tcss").read_text()

    detail: reactive[CheckpointDetail | None] = reactive(None, layout=True)

    def show(self, detail: CheckpointDetail | None) -> None:
        self.detail = detail

    def clear(self) -> None:
        self.detail = None

    def watch_detail(self, detail: CheckpointDetail | None) -> None:
        self.update(self._content(detail))

    def _content(self, detail: CheckpointDetail | None) -> RenderableType:
        if detail is None:
            return Text("Select a checkpoint (● on the timeline) to see the thread there.", "dim")
        state = detail.state
        head = Text.assemble(
            ("checkpoint ", "bold"),
            (state.checkpoint_id[:8], "bold magenta"),
            f" · step {state.step} · {state.source or '?'}",
            (f" · written by {detail.node}" if detail.node else "", "italic"),
        )
        nxt = Text.assemble(("next: ", "bold"), ", ".join(state.next) or "(end: the run is done)")
        added = {m.id for m in detail.change.added}
        messages = [Text(f"messages ({len(state.messages)})", "bold")]
        for message in state.messages:
            mark = "+ " if message.id in added else "  "
            messages.append(
                Text.assemble(
                    (mark, "bold green"),
                    (f"{message.kind:<6}", KIND_STYLES.get(message.kind, "bold")),
                    " ",
                    message.text,
                )
            )
        for message in detail.change.removed:
            messages.append(Text(f"− {message.kind:<6} {message.text}", "red strike"))
        todos = [Text("todos written on this thread so far", "bold")]
        if detail.todos is None:
            todos.append(Text("  not reported by this server (no story)", "italic yellow"))
        elif not detail.todos:
            todos.append(Text("  none yet", "dim"))
        else:
            todos += [Text(f"  • {task}") for task in detail.todos.values()]
        change = Text.assemble(("changed: ", "bold"), summary(detail))
        return Group(head, nxt, change, Text(), *messages, Text(), *todos)
