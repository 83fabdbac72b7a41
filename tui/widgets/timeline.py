"""The thread timeline as a widget: one lane per run on a shared clock, live while runs stream.

Feed it story events with `fold()` (or a whole model with `show()`); it redraws, and while a run
is open it ticks so running segments grow with the clock. Keys: ↑/↓ move between runs (and
rejected attempts), ←/→ between a run's checkpoints, Enter opens the run, +/− zoom around the
selection, 0 fits everything. Selecting posts `RunSelected` or `CheckpointSelected` (the app
shows the checkpoint's state), Enter posts `RunOpened`; hovering a dot names its node in the
caption. Drawing is `tui.timeline.render`, with colours from this widget's stylesheet.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from tui.timeline.model import Bounce, Change, Lane, Timeline, parse_at
from tui.timeline.render import DEFAULT_PALETTE, Focus, Rendered, render_rows, rows_of

TICK_S = 0.1
MAX_ZOOM = 64.0


@dataclass(frozen=True)
class Key:
    """A selection that survives rows moving: a run (or a bounce by seq) and a dot index."""

    run_id: str | None
    bounce_seq: int | None = None
    dot: int | None = None


class TimelineView(Widget, can_focus=True):
    """Runs, checkpoints, cuts and rejections of one thread on one time axis."""

    DEFAULT_CSS = Path(__file__).with_name("timeline.tcss").read_text()
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"timeline--{name}" for name in DEFAULT_PALETTE}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Run above", show=False),
        Binding("down", "move(1)", "Run below", show=False),
        Binding("left", "dot(-1)", "Checkpoint before", show=False),
        Binding("right", "dot(1)", "Checkpoint after", show=False),
        Binding("home", "dot_edge(0)", "First checkpoint", show=False),
        Binding("end", "dot_edge(-1)", "Last checkpoint", show=False),
        Binding("enter", "open", "Inspect"),
        Binding("plus,equals_sign", "zoom(2)", "Zoom in", show=False),  # the hint line says
        Binding("minus", "zoom(0.5)", "Zoom out", show=False),
        Binding("0", "fit", "Fit", show=False),
    ]

    zoom: reactive[float] = reactive(1.0)
    selected: reactive[Key | None] = reactive(None)
    hover: reactive[Focus | None] = reactive(None)

    class RunSelected(Message):
        def __init__(self, view: TimelineView, run_id: str) -> None:
            super().__init__()
            self.view, self.run_id = view, run_id

        @property
        def control(self) -> TimelineView:
            return self.view

    class CheckpointSelected(Message):
        """A checkpoint dot was selected: show the thread's state there."""

        def __init__(
            self,
            view: TimelineView,
            run_id: str,
            checkpoint_id: str,
            node: str | None,
            step: int | None,
        ) -> None:
            super().__init__()
            self.view, self.run_id, self.checkpoint_id = view, run_id, checkpoint_id
            self.node, self.step = node, step

        @property
        def control(self) -> TimelineView:
            return self.view

    class RejectedSelected(Message):
        def __init__(self, view: TimelineView, bounce: Bounce) -> None:
            super().__init__()
            self.view, self.bounce = view, bounce

        @property
        def control(self) -> TimelineView:
            return self.view

    class RunOpened(Message):
        """Enter on a run (or on a rejected attempt: `bounce`): open the run inspector."""

        def __init__(self, view: TimelineView, run_id: str | None, bounce: Bounce | None) -> None:
            super().__init__()
            self.view, self.run_id, self.bounce = view, run_id, bounce

        @property
        def control(self) -> TimelineView:
            return self.view

    def __init__(
        self,
        timeline: Timeline | None = None,
        clock: Callable[[], float] = time.time,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.timeline = timeline or Timeline()
        self.clock = clock
        self._rendered: Rendered | None = None
        self._strips: list[Strip] = []
        self._palette_cache: dict[str, Style] | None = None
        self._skew: float | None = None
        self._ticker: Timer | None = None

    # -- feeding it ----------------------------------------------------------------------------

    def fold(self, event: Mapping[str, Any], now: float | None = None) -> Change | None:
        """Fold one story event in and redraw; `now` pins the clock (replays, tests)."""
        change = self.timeline.fold(event)
        if now is not None:
            self.clock = lambda: now
        else:
            self._learn_skew(event)
        if change is not None:
            self._follow()
            self.refresh(layout=True)
        return change

    def _learn_skew(self, event: Mapping[str, Any]) -> None:
        """How far the server's clock is ahead of ours, so live bars end at the server's "now".

        An event's server time is at most its arrival time plus the skew; the largest
        difference seen (the quickest delivery) is the best estimate."""
        at = parse_at(event.get("at"))
        if at is not None:
            ahead = at - self.clock()
            self._skew = ahead if self._skew is None else max(self._skew, ahead)

    def now(self) -> float:
        """The right end of the axis: the (skew-corrected) clock while a run is open."""
        return self.timeline.now(self.clock() + (self._skew or 0.0))

    def show(self, timeline: Timeline) -> None:
        """Replace the model (a client-side rebuild); the selection stays where it still fits."""
        self.timeline = timeline
        self._follow()
        self.refresh(layout=True)

    def on_mount(self) -> None:
        self._follow()

    def _follow(self) -> None:
        """Tick while a run is open (running bars grow with the clock), stop when all ended."""
        if not self.is_mounted:
            return
        if self.timeline.has_open() and self._ticker is None:
            self._ticker = self.set_interval(TICK_S, self._tick)
        elif not self.timeline.has_open() and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _tick(self) -> None:
        self.refresh()
        self._follow()

    # -- drawing -------------------------------------------------------------------------------

    def _palette(self) -> dict[str, Style]:
        """Colours from the stylesheet's component classes, read once per style change."""
        if self._palette_cache is None:
            self._palette_cache = {
                name: self.get_component_rich_style(f"timeline--{name}", partial=True)
                for name in DEFAULT_PALETTE
            }
        return self._palette_cache

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette_cache = None  # CSS or theme changed

    def _items(self) -> list[Lane | Bounce]:
        return rows_of(self.timeline)

    def focus_of(self, key: Key | None) -> Focus | None:
        if key is None:
            return None
        for index, item in enumerate(self._items()):
            if isinstance(item, Lane) and item.run_id == key.run_id:
                dot = key.dot if key.dot is not None and key.dot < len(item.dots) else None
                return Focus(index, dot)
            if isinstance(item, Bounce) and item.seq == key.bounce_seq:
                return Focus(index)
        return None

    def _draw(self) -> Rendered:
        """Lay the picture out for the current width, clock, selection and zoom."""
        width = max(20, self.content_region.width or self.size.width or 80)
        now = self.now()
        self._rendered = render_rows(
            self.timeline,
            width,
            now,
            selected=self.focus_of(self.selected),
            hover=self.hover,
            zoom=self.zoom,
            palette=self._palette(),
        )
        base = self.rich_style
        self._strips = [self._strip(line, width, base) for line in self._rendered.lines]
        return self._rendered

    def _strip(self, line: Text, width: int, base: Style) -> Strip:
        segments = Segment.apply_style(line.render(self.app.console), base)
        return Strip(segments).adjust_cell_length(width, base)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._draw()  # once per refresh, not once per line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """The Line API: exact cells (no wrapping or whitespace folding of the drawing)."""
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.content_region.width or self.size.width, self.rich_style)

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        items = len(self._items())
        return 2 + items + (1 if self.timeline.knowledge.caveats() else 0)

    # -- keys ----------------------------------------------------------------------------------

    def _select(self, key: Key | None) -> None:
        self.selected = key
        self._announce(key)

    def watch_selected(self, key: Key | None) -> None:
        self.call_after_refresh(self._reveal)

    def _reveal(self) -> None:
        """Scroll what holds the timeline so the selected row is in sight: with many runs the
        lanes are taller than the pane, and ↑/↓ would walk off its edge."""
        focus = self.focus_of(self.selected)
        holder = self.parent
        if focus is None or not isinstance(holder, Widget):
            return
        top = self.virtual_region.y + self.gutter.top + 1 + focus.item  # row 0: the axis
        holder.scroll_to_region(Region(0, top, self.size.width, 1), animate=False)

    def _key_at(self, focus: Focus) -> Key:
        item = self._items()[focus.item]
        if isinstance(item, Bounce):
            return Key(None, item.seq)
        return Key(item.run_id, None, focus.dot)

    def _announce(self, key: Key | None) -> None:
        focus = self.focus_of(key)
        if focus is None:
            return
        item = self._items()[focus.item]
        if isinstance(item, Bounce):
            self.post_message(self.RejectedSelected(self, item))
        elif focus.dot is not None:
            dot = item.dots[focus.dot]
            self.post_message(
                self.CheckpointSelected(self, item.run_id, dot.checkpoint_id, dot.node, dot.step)
            )
        else:
            self.post_message(self.RunSelected(self, item.run_id))

    def action_move(self, step: int) -> None:
        items = self._items()
        if not items:
            return
        focus = self.focus_of(self.selected)
        index = 0 if focus is None else min(max(0, focus.item + step), len(items) - 1)
        self._select(self._key_at(Focus(index)))

    def action_dot(self, step: int) -> None:
        focus = self.focus_of(self.selected) or Focus(0)
        items = self._items()
        if not items or isinstance(items[focus.item], Bounce):
            return
        dots = len(items[focus.item].dots)  # type: ignore[union-attr]
        if not dots:
            return
        if focus.dot is None:
            dot = 0 if step > 0 else dots - 1
        else:
            dot = focus.dot + step
            if not 0 <= dot < dots:
                dot = None  # past either end: back to the whole run
        self._select(self._key_at(Focus(focus.item, dot)))

    def action_dot_edge(self, edge: int) -> None:
        focus = self.focus_of(self.selected) or Focus(0)
        items = self._items()
        if items and isinstance(items[focus.item], Lane) and items[focus.item].dots:  # type: ignore[union-attr]
            dots = len(items[focus.item].dots)  # type: ignore[union-attr]
            self._select(self._key_at(Focus(focus.item, edge % dots)))

    def action_open(self) -> None:
        focus = self.focus_of(self.selected)
        if focus is None:
            return
        item = self._items()[focus.item]
        if isinstance(item, Bounce):
            self.post_message(self.RunOpened(self, None, item))
        else:
            self.post_message(self.RunOpened(self, item.run_id, None))

    def action_zoom(self, factor: float) -> None:
        self.zoom = min(MAX_ZOOM, max(1.0, self.zoom * factor))

    def action_fit(self) -> None:
        self.zoom = 1.0

    # -- mouse ---------------------------------------------------------------------------------

    def _hit(self, event: events.MouseEvent) -> Focus | None:
        if self._rendered is None:
            return None
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        return self._rendered.hit(offset.x, offset.y)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hover = self._hit(event)

    def on_leave(self, event: events.Leave) -> None:
        self.hover = None

    def on_click(self, event: events.Click) -> None:
        focus = self._hit(event)
        if focus is not None:
            self.focus()
            self._select(self._key_at(focus))
