"""The user's todos from the store, with the run that last wrote each one (★ and ⚠ flags)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.widgets import DataTable

from tui.ledger import TodoRow
from tui.text import clip, short_id

FIXED = (("", 1), ("deadline", 10), ("status", 11))
RUN_MIN = 8
TASK_MIN = 14


class TodoPanel(DataTable):
    """flag · task · deadline · status · run (see `tui.ledger` for the flags)."""

    def __init__(self, short: Callable[[str], str] = short_id, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self.rows_shown: list[TodoRow] = []
        self.short = short
        self._task_width = 0

    def run_width(self) -> int:
        """Wide enough for every short run id (they grow past 8 for runs close in time)."""
        return max([RUN_MIN, *(len(self.short(r.run)) for r in self.rows_shown if r.run)])

    def task_width(self) -> int:
        fixed = sum(w + 2 for _, w in FIXED) + self.run_width() + 2
        return max(TASK_MIN, self.size.width - fixed - 4)

    def on_resize(self) -> None:
        if self.task_width() != self._task_width:
            self.show(self.rows_shown)

    def show(self, rows: Sequence[TodoRow]) -> None:
        self.rows_shown = list(rows)
        width = self._task_width = self.task_width()
        self.clear(columns=True)
        self.add_column("", width=1)
        self.add_column("task", width=width)
        for label, w in FIXED[1:]:
            self.add_column(label, width=w)
        self.add_column("run", width=self.run_width())
        for row in rows:
            starred = row.flag == "★"
            style = "bold yellow" if starred else ""
            if row.flag == "⚠":
                flag, run_style = Text("⚠", style="bold red"), "strike red"
            else:
                flag, run_style = Text(row.flag, style="yellow"), ("yellow" if starred else "dim")
            self.add_row(
                flag,
                Text(clip(row.task, width), style=style),
                Text(row.deadline, style=style),
                Text(row.status, style=style),
                Text(self.short(row.run) if row.run else "", style=run_style),
                key=row.key,
            )
