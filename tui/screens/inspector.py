"""The run inspector: everything about one run (or rejected attempt) on one screen.

Opened with Enter on a run (timeline or run panel): the cause chain, its checkpoints (written,
and deleted for a rollback), its store writes and whether they outlived it, the "why" line it
belongs to, and the SDK calls the app made for it with status, time and a body excerpt (the
409's detail, the 404 after a rollback), read from a `CallLog`. Esc or q closes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.calllog import Call
from tui.text import short_id
from tui.timeline.inspect import bounce_report, call_rows, run_report
from tui.timeline.model import Bounce, Timeline

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def calls_table(calls: Iterable[Call], short: Callable[[str], str] = short_id) -> Table:
    """One row per call; ids in paths shortened (`short`) so the status and body fit beside."""
    table = Table(expand=True, show_edge=False, pad_edge=False)
    table.add_column("call", overflow="fold", ratio=2)
    table.add_column("status", justify="right", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    table.add_column("body", overflow="fold", ratio=3)
    for method, path, status, duration, body in call_rows(list(calls)):
        style = "red" if status.startswith(("4", "5", "E")) else ""
        shown = UUID.sub(lambda m: short(m.group(0)), path)
        table.add_row(f"{method} {shown}", Text(status, style), duration, body)
    return table


class RunInspector(ModalScreen[None]):
    """One run's story, its checkpoints, writes and SDK calls."""

    CSS_PATH = "inspector.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close"),
    ]

    def __init__(
        self,
        timeline: Timeline,
        run_id: str | None = None,
        bounce: Bounce | None = None,
        calls: Iterable[Call] = (),
    ) -> None:
        super().__init__()
        calls = list(calls)
        self.short = timeline.short  # ids as the rest of the app shows them
        if bounce is not None:
            self.report = bounce_report(timeline, bounce, calls)
        else:
            self.report = run_report(timeline, run_id or "", calls)

    def compose(self) -> ComposeResult:
        report = self.report
        with VerticalScroll(id="inspector"):
            yield Static(Text(report.title, "bold"), id="title")
            yield from self._section("Cause chain", report.chain, "chain")
            if report.whys:
                yield from self._section("Why", report.whys, "whys")
            yield from self._section("Checkpoints", report.checkpoints, "checkpoints")
            yield from self._section("Store writes", report.writes, "writes")
            yield Static("SDK calls the app made for it", classes="heading")
            if report.calls:
                yield Static(calls_table(report.calls, self.short), id="calls")
            else:
                yield Static("none recorded", id="calls", classes="dim")
            if report.notes:
                yield from self._section("What this server cannot tell", report.notes, "notes")
            yield Static("Esc closes", classes="dim")

    def _section(self, heading: str, lines: list[str], name: str) -> ComposeResult:
        yield Static(heading, classes="heading")
        yield Static(Text("\n".join(lines)), id=name)
