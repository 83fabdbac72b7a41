"""The one-line header: thread and user first, then pace, where fates come from, connection,
and last (cut first on narrow terminals) assistant, model and engine / data dir."""

from __future__ import annotations

from dataclasses import dataclass, fields

from rich.text import Text
from textual.widgets import Static

CONNECTION = {
    "connecting": ("◌ connecting…", "dim"),
    "online": ("● online", "green"),
    "reconnecting": ("⚠ not connected — reconnecting…", "bold yellow"),
    "failed": ("✖ not connected", "bold red"),
}
SOURCE = {
    "story": "story",
    "lifecycle": "lifecycle stream + runs.list (partial)",
    "poll": "polling runs.list (partial)",
}


@dataclass
class HeaderFields:
    thread: str = "—"
    user: str = ""
    pace: int = 1
    source: str = ""
    connection: str = "connecting"
    assistant: str = ""
    model: str = ""
    engine: str = ""


class InfoBar(Static):
    """Rendered from `HeaderFields`; `show(**changes)` updates some of them."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.fields = HeaderFields()

    def show(self, **changes: object) -> None:
        names = {f.name for f in fields(HeaderFields)}
        for name, value in changes.items():
            if name in names:
                setattr(self.fields, name, value)
        self.update(self.text())

    def text(self) -> Text:
        f = self.fields
        words, style = CONNECTION.get(f.connection, (f.connection, ""))
        pace = "pace ×1" if f.pace == 1 else f"pace ×{f.pace} slower"
        out = Text()
        out.append(f"thread {f.thread}", "bold")
        out.append(f" · user {f.user} · ")
        out.append(pace, "bold magenta" if f.pace != 1 else "")
        if f.source:
            out.append(f" · {SOURCE.get(f.source, f.source)}")
        out.append(" · ")
        out.append(words, style)
        out.append(f" │ {f.assistant} · model {f.model} · {f.engine}", "dim")
        return out

    @property
    def plain(self) -> str:
        return self.text().plain
