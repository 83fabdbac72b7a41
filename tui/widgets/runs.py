"""Live table of the thread's runs, fed from the run book after every poll."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from tui.runstate import Fate, RunBook, RunRow, elapsed

FATE_STYLE: dict[Fate, str] = {
    Fate.SENDING: "dim",
    Fate.QUEUED: "yellow",
    Fate.RUNNING: "bold cyan",
    Fate.DONE: "green",
    Fate.INTERRUPTED: "magenta",
    Fate.ROLLED_BACK: "dim strike",
    Fate.REJECTED: "red",
    Fate.ERROR: "bold red",
    Fate.TIMEOUT: "red",
}


COLUMNS = (("run", 8), ("message", 14), ("strategy", 9), ("status", 11), ("time", 5), ("#", 2))


def short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class RunPanel(DataTable):
    """short id · message · strategy · status · elapsed · queue position."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        for label, width in COLUMNS:
            self.add_column(label, width=width)

    def show(self, book: RunBook, now: float, stable_ids: bool = False) -> None:
        """Redraw from the book; `stable_ids` hides ids and clocks for deterministic snapshots.

        Cells are updated in place while the set of runs is unchanged, so the cursor and scroll
        position survive the 0.25 s refreshes.
        """
        rows = book.ordered_rows()
        cells = [self._cells(n, len(rows), row, now, stable_ids) for n, row in enumerate(rows)]
        keys = [row.run_id for row in rows]
        if keys == [k.value for k in self.rows]:
            for key, values in zip(keys, cells, strict=True):
                for column, value in zip(self.columns, values, strict=True):
                    self.update_cell(key, column, value)
            return
        self.clear()
        for key, values in zip(keys, cells, strict=True):
            self.add_row(*values, key=key)

    @staticmethod
    def _cells(n: int, total: int, row: RunRow, now: float, stable_ids: bool) -> list[object]:
        rid = f"run-{total - n}" if stable_ids else row.run_id[-8:]
        secs = elapsed(row, now)
        when = "–" if stable_ids or secs is None else f"{secs:4.1f}s"
        return [
            rid,
            short(row.message, 14),
            row.strategy,
            Text.from_markup(f"[{FATE_STYLE[row.fate]}]{row.fate}[/]"),
            when,
            str(row.position or ""),
        ]
