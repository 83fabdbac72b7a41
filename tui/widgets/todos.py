"""The user's todos from the store, with the ones the latest run changed highlighted."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.widgets import DataTable


def todo_fingerprint(item: dict[str, Any]) -> str:
    return json.dumps(item.get("value"), sort_keys=True, default=str)


def changed_keys(before: dict[str, str], items: list[dict[str, Any]]) -> set[str]:
    """Keys that are new or whose value differs from the previous snapshot."""
    return {i["key"] for i in items if before.get(i["key"]) != todo_fingerprint(i)}


class TodoPanel(DataTable):
    """task · deadline · status · run that changed it; the latest run's changes get ★.

    A todo last written by a run that was then rolled back gets ⚠: rollback deletes the run and
    its checkpoints, but the store write stays (LangGraph does not undo side effects).
    """

    def on_mount(self) -> None:
        self.cursor_type = "row"
        for label, width in (("", 1), ("task", 22), ("deadline", 10), ("status", 11), ("run", 8)):
            self.add_column(label, width=width)

    def show(
        self,
        items: list[dict[str, Any]],
        runs: dict[str, str],
        latest: set[str],
        rolled_back: set[str] = frozenset(),  # type: ignore[assignment]
    ) -> None:
        """`runs`: todo key → short id of the run that last changed it (as seen by this app);
        `rolled_back`: short ids of runs that were rolled back."""
        self.clear()
        for item in sorted(items, key=lambda i: i.get("created_at") or ""):
            value = item.get("value") or {}
            run = runs.get(item["key"], "")
            orphan = bool(run) and run in rolled_back
            mark = item["key"] in latest
            style = "bold yellow" if mark else ""
            if orphan:
                flag, run_style = Text("⚠", style="bold red"), "strike red"
            else:
                flag, run_style = (
                    Text("★" if mark else "", style="yellow"),
                    ("yellow" if mark else "dim"),
                )
            self.add_row(
                flag,
                Text(str(value.get("task", item["key"]))[:22], style=style),
                Text(str(value.get("deadline") or "")[:10], style=style),
                Text(str(value.get("status") or ""), style=style),
                Text(run, style=run_style),
                key=item["key"],
            )
