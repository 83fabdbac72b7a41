"""Draw a Timeline as Rich Text lines: the widget shows them, the SVG export prints them. Pure.

    ╱╱╱ waiting (pending)   ███ running   ● checkpoint   ✂ cut + what cut it   ↩ rejected (409)
    ┃ sent   ╌╌╌ ghost (rolled back, checkpoints ○ deleted)   ⚠ a stopped run's writes stayed

One row per run (and per rejected attempt, in time order) under a time axis, a caption that
names what is selected or hovered (a dot's node, a run's cause), and a line saying what the
source cannot know. Colours come from a palette: Rich styles by name, so the widget can take
them from its stylesheet (component classes) and the export uses the defaults.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from rich.style import Style
from rich.text import Text

from tui.timeline.model import Bounce, Lane, Status, Timeline
from tui.timeline.scale import Scale

LABEL_WIDTH = 20
TICK_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800)
LEGEND = "╱ waiting  █ running  ● checkpoint  ✂ cut  ↩ rejected (409)  ╌ rolled back"
KEYS = "↑↓ run  ←→ checkpoint  ⏎ inspect  +/- zoom  0 fit"

DEFAULT_PALETTE: dict[str, Style] = {
    "axis": Style(color="grey62"),
    "label": Style(bold=True),
    "label-ghost": Style(dim=True, strike=True),
    "strategy": Style(color="grey62"),
    "sent": Style(color="bright_white", bold=True),
    "pending": Style(color="yellow", dim=True),
    "running": Style(bgcolor="dodger_blue3", color="bright_white"),
    "success": Style(bgcolor="green4", color="bright_white"),
    "interrupted": Style(bgcolor="dark_orange3", color="bright_white"),
    "error": Style(bgcolor="red3", color="bright_white"),
    "ghost": Style(color="grey50", dim=True),
    "dot": Style(bold=True),
    "dot-removed": Style(color="grey62"),
    "selected": Style(reverse=True, bold=True),
    "hover": Style(underline=True, bold=True),
    "cut": Style(color="red1", bold=True),
    "cut-label": Style(color="red1", italic=True),
    "flag": Style(color="yellow", bold=True),
    "bounce": Style(color="magenta", bold=True),
    "bounce-label": Style(color="magenta", italic=True),
    "caption": Style(color="grey85"),
    "caveat": Style(color="yellow", italic=True),
    "hint": Style(color="grey50"),
}


@dataclass(frozen=True)
class Focus:
    """What is selected (or hovered): a row (`item`, index into `rows_of`) and maybe a dot."""

    item: int
    dot: int | None = None


@dataclass(frozen=True)
class Row:
    """What one screen line shows: `lane`/`bounce` rows carry their item index."""

    kind: str  # axis | lane | bounce | caption | caveat
    item: int | None = None


@dataclass
class Rendered:
    lines: list[Text]
    rows: list[Row]
    scale: Scale
    label_width: int
    dot_columns: dict[int, list[int]] = field(default_factory=dict)  # item → column per dot

    def hit(self, x: int, y: int) -> Focus | None:
        """The row item (and nearest dot within a cell) at screen cell (x, y)."""
        if not 0 <= y < len(self.rows) or self.rows[y].item is None:
            return None
        item = self.rows[y].item
        assert item is not None
        column = x - self.label_width
        columns = self.dot_columns.get(item, [])
        near = [(abs(c - column), i) for i, c in enumerate(columns) if abs(c - column) <= 1]
        return Focus(item, min(near)[1] if near and column >= 0 else None)


def rows_of(timeline: Timeline) -> list[Lane | Bounce]:
    """Runs and rejected attempts in time order: what the rows show and the keys move through."""
    lanes: list[Lane | Bounce] = list(timeline.ordered())
    for bounce in sorted(timeline.bounces, key=lambda b: b.at):
        at = next(
            (
                i
                for i, x in enumerate(lanes)
                if isinstance(x, Lane) and (x.sent_at or 0) > bounce.at
            ),
            len(lanes),
        )
        lanes.insert(at, bounce)
    return lanes


def tick_step(seconds_per_cell: float, min_cells: int = 9) -> float:
    return next((s for s in TICK_STEPS if s / seconds_per_cell >= min_cells), TICK_STEPS[-1])


def seconds_label(value: float, step: float) -> str:
    decimals = 2 if step < 0.1 else (1 if step < 1 else 0)
    return f"{value:.{decimals}f}s"


def render_rows(
    timeline: Timeline,
    width: int,
    now: float,
    selected: Focus | None = None,
    hover: Focus | None = None,
    zoom: float = 1.0,
    palette: Mapping[str, Style] | None = None,
    hints: bool = True,
) -> Rendered:
    """All lines of the picture for a `width`-cell wide area at time `now`."""
    styles = {**DEFAULT_PALETTE, **(palette or {})}
    label_width = LABEL_WIDTH if width >= LABEL_WIDTH + 20 else max(8, width // 3)
    cells = max(4, width - label_width)
    items = rows_of(timeline)
    start, end = timeline.span(now)
    focus = _focus_time(items, selected, now)
    margin = min(_end_label_width(timeline), cells // 3)  # room for "✂ run 2 (interrupt)"
    fitted = Scale.fit(start, end, cells - margin, zoom, focus if zoom > 1 else None)
    scale = Scale(fitted.start, fitted.seconds_per_cell, cells)
    origin = timeline.first_at if timeline.first_at is not None else start
    rendered = Rendered([], [], scale, label_width)
    rendered.lines.append(_axis(scale, origin, label_width, styles))
    rendered.rows.append(Row("axis"))
    for index, item in enumerate(items):
        chosen = selected if selected and selected.item == index else None
        hovered = hover if hover and hover.item == index else None
        if isinstance(item, Lane):
            line, dots = _lane(timeline, item, scale, now, chosen, hovered, label_width, styles)
            rendered.dot_columns[index] = dots
            rendered.rows.append(Row("lane", index))
        else:
            line = _bounce(timeline, item, scale, chosen is not None, label_width, styles)
            rendered.rows.append(Row("bounce", index))
        rendered.lines.append(line)
    caption = caption_for(timeline, items, hover or selected, now)
    if caption or hints:
        text = caption or (f"{LEGEND}   {KEYS}" if items else "no runs yet")
        rendered.lines.append(Text(text, style=styles["caption" if caption else "hint"]))
        rendered.rows.append(Row("caption"))
    caveats = timeline.knowledge.caveats()
    if caveats:
        rendered.lines.append(Text("⚠ " + " · ".join(caveats), style=styles["caveat"]))
        rendered.rows.append(Row("caveat"))
    for line in rendered.lines:
        line.truncate(width, overflow="ellipsis")
    return rendered


def _end_label_width(timeline: Timeline) -> int:
    """Cells the longest label after a ✂ (or ✗) needs, flag included."""
    widest = 0
    for lane in timeline.lanes.values():
        if lane.cut is not None or lane.status in (Status.ERROR, Status.TIMEOUT):
            words = timeline.cut_label(lane) if lane.cut else str(lane.status)
            flag = 16 if lane.flagged else 0
            widest = max(widest, len(words) + flag + 2)
    return widest


def _focus_time(items: list[Lane | Bounce], selected: Focus | None, now: float) -> float | None:
    if selected is None or not 0 <= selected.item < len(items):
        return None
    item = items[selected.item]
    if isinstance(item, Bounce):
        return item.at
    if selected.dot is not None and selected.dot < len(item.dots):
        return item.dots[selected.dot].at
    return item.sent_at


def _axis(scale: Scale, origin: float, label_width: int, styles: Mapping[str, Style]) -> Text:
    step = tick_step(scale.seconds_per_cell)
    cells = [" "] * scale.cells
    first = int((scale.start - origin) // step)
    tick = first
    while True:
        at = origin + tick * step
        column = scale.column(at)
        if column >= scale.cells:
            break
        label = "┆" + seconds_label(tick * step, step)
        if column >= 0 and column + len(label) <= scale.cells:
            cells[column : column + len(label)] = list(label)
        tick += 1
    return Text(" " * label_width + "".join(cells), style=styles["axis"])


def _lane(
    timeline: Timeline,
    lane: Lane,
    scale: Scale,
    now: float,
    selected: Focus | None,
    hover: Focus | None,
    label_width: int,
    styles: Mapping[str, Style],
) -> tuple[Text, list[int]]:
    track: list[tuple[str, Style]] = [(" ", Style())] * scale.cells

    def paint(begin: float, end: float, char: str, style: Style, min_cells: int = 1) -> None:
        first, last = scale.column(begin), scale.column(end)
        last = max(last, first + min_cells)
        for column in range(max(0, first), min(scale.cells, last)):
            track[column] = (char, style)

    def mark(at: float, char: str, style: Style) -> None:
        column = scale.column(at)
        if 0 <= column < scale.cells:
            track[column] = (char, track[column][1] + style)

    pending = lane.pending_span(now)
    if pending and pending[1] > pending[0]:
        paint(
            *pending,
            "╱" if not lane.ghost else "╌",
            styles["ghost" if lane.ghost else "pending"],
            0,
        )
    running = lane.running_span(now)
    if running:
        bar = styles[_bar_style(lane)]
        paint(*running, "╌" if lane.ghost else " ", bar)
    if lane.sent_at is not None:
        mark(lane.sent_at, "┃", styles["sent"])
    for restart in lane.restarts:
        mark(restart, "↻", styles["dot"])
    columns = [scale.column(dot.at) for dot in lane.dots]
    per_column = Counter(columns)
    for i, (dot, column) in enumerate(zip(lane.dots, columns, strict=True)):
        if not 0 <= column < scale.cells:
            continue
        shared = per_column[column] > 1
        char = "○" if dot.removed else ("◉" if shared else "●")
        style = styles["dot-removed" if dot.removed else "dot"]
        if selected is not None and selected.dot == i:
            style = style + styles["selected"]
        elif hover is not None and hover.dot == i:
            style = style + styles["hover"]
        track[column] = (char, track[column][1] + style)
    if lane.ended_at is not None:
        _end_marks(timeline, lane, scale, track, styles)
    label = _lane_label(lane, selected is not None and selected.dot is None, label_width, styles)
    return label + _assemble(track), columns


def _assemble(track: list[tuple[str, Style]]) -> Text:
    """Cells as Text, one span per run of equal style (far fewer spans than cells)."""
    text = Text()
    run, style = "", None
    for char, cell_style in track:
        if cell_style != style and run:
            text.append(run, style)
            run = ""
        run, style = run + char, cell_style
    if run:
        text.append(run, style)
    return text


def _bar_style(lane: Lane) -> str:
    if lane.ghost:
        return "ghost"
    return {
        Status.RUNNING: "running",
        Status.PENDING: "running",
        Status.SUCCESS: "success",
        Status.INTERRUPTED: "interrupted",
    }.get(lane.status, "error")


def _end_marks(
    timeline: Timeline,
    lane: Lane,
    scale: Scale,
    track: list[tuple[str, Style]],
    styles: Mapping[str, Style],
) -> None:
    """✂ and what cut it, ✗ for an error, ⚠ when a stopped run's writes stayed."""
    assert lane.ended_at is not None
    column = scale.column(lane.ended_at)
    if not 0 <= column < scale.cells:
        return  # zoomed in elsewhere: out of sight, not drawn at the window's edge
    if lane.cut is not None:
        words = [(f" {timeline.cut_label(lane)}", styles["cut-label"])]
    elif lane.status in (Status.ERROR, Status.TIMEOUT):
        words = [(f" {lane.status}", styles["cut-label"])]
    else:
        return
    if lane.flagged:
        kept = len(lane.surviving_writes())
        words.append((f" ⚠ {kept} write{'s' if kept > 1 else ''} kept", styles["flag"]))
    track[column] = ("✂" if lane.cut is not None else "✗", styles["cut"])
    cells = [(char, style) for text, style in words for char in text]
    free = scale.cells - column - 1
    if free < 4:
        return  # no room after the mark: the caption says it
    if len(cells) > free:
        cells = [*cells[: free - 1], ("…", cells[free - 1][1])]
    track[column + 1 : column + 1 + len(cells)] = cells


def _lane_label(lane: Lane, chosen: bool, label_width: int, styles: Mapping[str, Style]) -> Text:
    pointer = "▸" if chosen else " "
    name = Text(lane.label, style=styles["label-ghost" if lane.ghost else "label"])
    if chosen:
        name.stylize(styles["selected"])
    text = Text(pointer) + name + Text(f" {lane.strategy or ''}", style=styles["strategy"])
    text.truncate(label_width - 1, overflow="ellipsis", pad=True)
    return text + Text(" ")


def _bounce(
    timeline: Timeline,
    bounce: Bounce,
    scale: Scale,
    chosen: bool,
    label_width: int,
    styles: Mapping[str, Style],
) -> Text:
    track: list[tuple[str, Style]] = [(" ", Style())] * scale.cells
    column = scale.column(bounce.at)
    if 0 <= column < scale.cells:  # zoomed in elsewhere: out of sight, not at the edge
        track[column] = ("↩", styles["bounce"] + (styles["selected"] if chosen else Style()))
        busy = ", ".join(timeline.name(r) for r in bounce.busy_run_ids)
        words = f" 409 busy: {busy}" if busy else " 409"
        free = scale.cells - column - 1
        for offset, char in enumerate(words[: max(0, free)], start=column + 1):
            track[offset] = (char, styles["bounce-label"])
    label = Text("▸" if chosen else " ") + Text("rejected", style=styles["bounce"])
    label += Text(f" {bounce.strategy}", style=styles["strategy"])
    label.truncate(label_width - 1, overflow="ellipsis", pad=True)
    return label + Text(" ") + _assemble(track)


def caption_for(
    timeline: Timeline, items: list[Lane | Bounce], focus: Focus | None, now: float
) -> str:
    """One line about the focused dot, run or rejected attempt (empty when nothing is)."""
    if focus is None or not 0 <= focus.item < len(items):
        return ""
    item = items[focus.item]
    origin = timeline.first_at or 0.0
    if isinstance(item, Bounce):
        busy = ", ".join(timeline.name(r) for r in item.busy_run_ids) or "another run"
        detail = f" · {item.detail}" if item.detail else ""
        when = f"{item.at - origin:.2f}s"
        return f"rejected (409) at {when} · '{item.text or ''}' · busy: {busy}{detail}"
    if focus.dot is not None and focus.dot < len(item.dots):
        dot = item.dots[focus.dot]
        parts = [
            f"{item.label} · checkpoint {focus.dot + 1}/{len(item.dots)}",
            f"written by {dot.node}" if dot.node else f"{dot.source or 'checkpoint'}",
            f"step {dot.step}" if dot.step is not None else "",
            f"next {', '.join(dot.next)}" if dot.next else "next: end",
            f"at {dot.at - origin:.2f}s",
            timeline.short_checkpoint(dot.checkpoint_id),
            "deleted by the rollback" if dot.removed else "",
        ]
        return " · ".join(p for p in parts if p)
    waited, ran = item.waited_s(now), item.ran_s(now)
    parts = [
        f"{item.label} {timeline.short(item.run_id)}",
        item.strategy or "",
        f"'{item.text}'" if item.text else "",
        f"waited {waited:.2f}s" if waited else "",
        f"ran {ran:.2f}s" if ran is not None else "",
        str(item.status),
        f"✂ {timeline.cut_label(item)}" if item.cut else "",
        f"{len(item.dots)} checkpoints" if timeline.knowledge.checkpoints else "",
    ]
    return " · ".join(p for p in parts if p)
