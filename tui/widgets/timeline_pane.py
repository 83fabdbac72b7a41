"""The chat screen's timeline: the thread's runs on one clock, and the state at a selected dot.

It owns the thread's `Timeline` model: story events are folded in as they come (`fold`), or a
client-side rebuild replaces it (`show`). Selecting a checkpoint dot loads the thread's state
there through the SDK (`load_checkpoint`) into the `CheckpointView` under the timeline;
`new_whys` hands out each settled double text's one-line why once. In `stable` mode (snapshot
tests) the model is drawn with pinned times, and built from a canonical client view
(`tui.timeline.pin`), so pictures are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from tui.timeline.checkpoints import load_checkpoint
from tui.timeline.client_side import ClientView, build
from tui.timeline.model import Timeline
from tui.timeline.pin import canonical_view, pin_times
from tui.timeline.why import settled_whys
from tui.widgets.checkpoint import CheckpointView
from tui.widgets.timeline import TimelineView


class TimelinePane(VerticalScroll, can_focus=False):
    """TimelineView over a CheckpointView that appears when a dot is selected."""

    def __init__(self, client: Callable[[], Any], *, stable: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = client  # the SDK client, when a checkpoint is to be loaded
        self.stable = stable
        self.model = Timeline()
        self.shown = self.model  # what is drawn: the model, or its pinned copy
        self.said: set[str] = set()
        self.policy_cuts: dict[str, str] = {}  # run id → the client policy that cancelled it

    def compose(self) -> ComposeResult:
        yield TimelineView(self.model, id="timeline")
        yield CheckpointView(id="checkpoint")

    @property
    def view(self) -> TimelineView:
        return self.query_one(TimelineView)

    def reset(self, thread_id: str | None) -> None:
        """Another thread: an empty timeline, nothing said yet."""
        self.said, self.policy_cuts = set(), {}
        self.query_one(CheckpointView).display = False
        self.view.zoom, self.view.selected = 1.0, None  # they were about the thread left
        self.show(Timeline(thread_id=thread_id))

    def fold(self, event: Mapping[str, Any]) -> None:
        """One story event, live or replayed (a seq already folded is ignored)."""
        if self.stable:
            if self.model.fold(event) is not None:
                self._draw()
        else:
            self.view.fold(event)  # the view's model is self.model: it learns the clock skew

    def show(self, timeline: Timeline, view: ClientView | None = None) -> None:
        """A whole model (a client-side rebuild from `view`, or a reset)."""
        self.model = build(canonical_view(view)) if self.stable and view else timeline
        self._draw()

    def _draw(self) -> None:
        self.model.cancelled_by.update(self.policy_cuts)
        if self.stable:
            self.shown = pin_times(self.model)
            end = self.shown.last_at or 0.0
            self.view.clock = lambda: end
        else:
            self.shown = self.model
        self.view.show(self.shown)

    def cancelled_by(self, who: Mapping[str, str], steered: Iterable[str] = ()) -> None:
        """Runs a client policy cancelled (`who` names the policy for the ✂ label). A steered
        run's message was taken in by another run: its policy note says so, and a why line
        ("never added to the thread") would be wrong, so it gets none."""
        self.said.update(f"{kind}:{run_id}" for run_id in steered for kind in ("cancel", "cut"))
        if any(self.policy_cuts.get(run_id) != name for run_id, name in who.items()):
            self.policy_cuts.update(who)
            self._draw()

    def new_whys(self, hold: Callable[[str], bool] = lambda key: False) -> list[tuple[str, str]]:
        """`(key, line)` for each double text that settled since the last call (those `hold`
        keeps back are offered again next time)."""
        found = [(k, line) for k, line in settled_whys(self.shown, self.said) if not hold(k)]
        self.said.update(key for key, _ in found)
        return found

    @on(TimelineView.CheckpointSelected)
    def _checkpoint(self, message: TimelineView.CheckpointSelected) -> None:
        thread_id, timeline = self.shown.thread_id or "", self.shown
        checkpoint_id = message.checkpoint_id

        async def load() -> None:
            view = self.query_one(CheckpointView)
            try:
                detail = await load_checkpoint(self.client(), thread_id, checkpoint_id, timeline)
            except Exception as exc:  # deleted by a rollback, or the engine is away
                view.show(None)
                view.update(f"Checkpoint {checkpoint_id[:8]} cannot be read: {exc}")
                return
            view.show(detail)

        self.query_one(CheckpointView).display = True
        self.run_worker(load(), group="checkpoint", exclusive=True, exit_on_error=False)

    @on(TimelineView.RunSelected)
    @on(TimelineView.RejectedSelected)
    def _not_a_checkpoint(self) -> None:
        self.query_one(CheckpointView).display = False
