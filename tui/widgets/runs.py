"""The thread's runs, top-down in queue order, fed by the session's Messages.

One row per entry (a run, or a rejected message that never became one): short run id (its
shortest prefix of at least 8 characters that tells it from the thread's other runs), message
(labels that tell similar messages apart), strategy, status, elapsed time, attempt (when above
1). The highlighted row's cause is spelled out under the table by the screen; Enter on a row opens
the run inspector.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import DataTable

from tui.runstate import Entry, Fate, badge, elapsed
from tui.text import distinct_labels, short_id

FATE_STYLE: dict[Fate, str] = {
    Fate.WAITING: "dim italic",
    Fate.SENDING: "dim",
    Fate.QUEUED: "yellow",
    Fate.RUNNING: "bold cyan",
    Fate.DONE: "green",
    Fate.INTERRUPTED: "magenta",
    Fate.ROLLED_BACK: "dim strike",
    Fate.REJECTED: "red",
    Fate.WITHDRAWN: "dim",
    Fate.ERROR: "bold red",
    Fate.TIMEOUT: "red",
}

FIXED = (("run", 8), ("strategy", 9), ("status", 11), ("time", 5), ("try", 3))
MESSAGE_MIN = 12


def clock(secs: float | None) -> str:
    """Elapsed time in 5 characters: `4.1s`, `12m`, `3h`."""
    if secs is None:
        return "–"
    if secs < 60:
        return f"{secs:4.1f}s"
    return f"{secs // 60:.0f}m" if secs < 3600 else f"{secs // 3600:.0f}h"


class RunPanel(DataTable):
    """run · message · strategy · status · time · try."""

    def __init__(
        self, short: Callable[[str], str] = short_id, stable: bool = False, **kwargs: object
    ) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self.entries: dict[str, Entry] = {}
        self.short = short
        self.stable = stable
        self._message_width = 0
        self._run_width = 8

    def run_width(self) -> int:
        """Wide enough for every short id (uuid7 ids made within a minute need more than 8)."""
        ids = [self.short(e.run_id) for e in self.entries.values() if e.run_id]
        return max([8, *map(len, ids)])

    def message_width(self, run_width: int = 8) -> int:
        spare = self.size.width - sum(w + 2 for _, w in FIXED[1:]) - run_width - 6
        return max(MESSAGE_MIN, spare)

    def on_resize(self) -> None:
        if self.message_width(self._run_width) != self._message_width:
            self.redraw(rebuild=True)

    def put(self, entry: Entry) -> None:
        self.entries[entry.key] = entry

    def reset(self, entries: list[Entry]) -> None:
        self.entries = {e.key: e for e in entries}
        self.redraw(rebuild=True)

    def ordered(self) -> list[Entry]:
        return sorted(self.entries.values(), key=lambda e: e.order)

    def redraw(self, now: float = 0.0, rebuild: bool = False) -> None:
        """Cells are updated in place while the set of rows is unchanged, so the cursor and
        scroll position survive the refreshes."""
        rows = self.ordered()
        run_width = self.run_width()
        width = self.message_width(run_width)
        labels = distinct_labels([e.text for e in rows], width)
        cells = [self._cells(e, label, now) for e, label in zip(rows, labels, strict=True)]
        keys = [e.key for e in rows]
        same = width == self._message_width and run_width == self._run_width
        if not rebuild and same and keys == [k.value for k in self.rows]:
            for key, values in zip(keys, cells, strict=True):
                for column, value in zip(self.columns, values, strict=True):
                    self.update_cell(key, column, value)
            return
        self._message_width, self._run_width = width, run_width
        self.clear(columns=True)
        self.add_column("run", width=run_width)
        self.add_column("message", width=width)
        for label, w in FIXED[1:]:
            self.add_column(label, width=w)
        for key, values in zip(keys, cells, strict=True):
            self.add_row(*values, key=key)

    def _cells(self, entry: Entry, label: str, now: float) -> list[object]:
        run = self.short(entry.run_id) if entry.run_id else "—"
        secs = None if self.stable else elapsed(entry, now)
        status = f"queued #{entry.position}" if entry.position else str(entry.fate)
        return [
            run,
            label,
            entry.strategy,
            Text(status, style=FATE_STYLE[entry.fate], justify="left"),
            clock(secs),
            str(entry.attempt) if entry.attempt > 1 else "",
        ]

    def detail(self, key: str | None) -> str:
        """What the screen shows under the table for the highlighted row."""
        entry = self.entries.get(key or "")
        if entry is None:
            return ""
        run = self.short(entry.run_id) if entry.run_id else "no run"
        return f"{run}: {entry.text} — {badge(entry, self.short)}"
