"""Time ↔ cell columns for the timeline's track, zoomed to fit or around a focus. Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_SPAN_S = 1.0  # an instant still gets a readable axis


@dataclass(frozen=True)
class Scale:
    """Time ↔ cell column for a track `cells` wide."""

    start: float
    seconds_per_cell: float
    cells: int

    @classmethod
    def fit(
        cls,
        start: float,
        end: float,
        cells: int,
        zoom: float = 1.0,
        focus: float | None = None,
    ) -> Scale:
        """Everything from `start` to `end` in `cells` columns; `zoom` > 1 shows a window of
        1/zoom of it around `focus` (the selection, or the live end)."""
        cells = max(1, cells)
        span = max(end - start, MIN_SPAN_S)
        window = span / max(1.0, zoom)
        left = start
        if window < span:
            centre = end if focus is None else focus
            left = min(max(start, centre - window / 2), end - window)
        return cls(left, window / max(1, cells - 1), cells)

    def column(self, at: float) -> int:
        return math.floor((at - self.start) / self.seconds_per_cell + 1e-9)

    def time_at(self, column: int) -> float:
        return self.start + column * self.seconds_per_cell

    @property
    def end(self) -> float:
        return self.time_at(self.cells - 1)
