"""Export a thread's timeline as SVG (the same drawing as the widget) and its story as Markdown.

Both are pure functions of the model, so an export is deterministic and needs no running app.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console
from rich.text import Text

from tui.text import one_line
from tui.timeline.model import Lane, Timeline
from tui.timeline.render import render_rows
from tui.timeline.why import settled_whys


def timeline_svg(
    timeline: Timeline, width: int = 100, now: float | None = None, title: str = "timeline"
) -> str:
    """The timeline drawn at `width` columns as an SVG document (Rich's terminal export)."""
    console = Console(record=True, width=width, file=_Null(), color_system="truecolor")
    rendered = render_rows(timeline, width, timeline.now(now), hints=True)
    for line in rendered.lines:
        console.print(line, no_wrap=True, overflow="ellipsis", crop=True)
    for _, why in settled_whys(timeline):
        console.print(Text(one_line(why), style="italic"))  # a message's "[/]" is no markup
    return console.export_svg(title=f"doubletext · {title}")


def story_markdown(timeline: Timeline, whys: Iterable[str] | None = None) -> str:
    """The thread's story: a table of runs, what each double text did, the events in order."""
    origin = timeline.first_at or 0.0
    lines = [f"# Thread {timeline.thread_id or ''}".rstrip(), ""]
    caveats = timeline.knowledge.caveats()
    if caveats:
        lines += [f"> Built without the server's story: {'; '.join(caveats)}.", ""]
    lines += [
        "| run | id | strategy | message | sent | waited | ran | fate | cut by | checkpoints |",
        "|---|---|---|---|---:|---:|---:|---|---|---:|",
    ]
    for lane in timeline.ordered():
        lines.append(_run_row(timeline, lane, origin))
    for bounce in timeline.bounces:
        busy = ", ".join(timeline.name(r) for r in bounce.busy_run_ids)
        lines.append(
            f"| — | — | {bounce.strategy} | {_cell(bounce.text)} | {bounce.at - origin:.2f} s "
            f"| | | rejected (409){f', busy: {busy}' if busy else ''} | | |"
        )
    said = list(whys) if whys is not None else [line for _, line in settled_whys(timeline)]
    if said:
        lines += ["", "## What happened", ""] + [f"- {one_line(line)}" for line in said]
    lines += ["", "## Events", "", *_events(timeline, origin)]
    return "\n".join(lines) + "\n"


def save(timeline: Timeline, directory: Path, stem: str, width: int = 120) -> tuple[Path, Path]:
    """Write `<stem>.svg` and `<stem>.md` into `directory`, readable by the owner only."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for path, text in (
        (directory / f"{stem}.svg", timeline_svg(timeline, width=width, title=stem)),
        (directory / f"{stem}.md", story_markdown(timeline)),
    ):
        write_private(path, text)
        written.append(path)
    return written[0], written[1]


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only (a new file is never group- or
    world-readable, even for a moment)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def _run_row(timeline: Timeline, lane: Lane, origin: float) -> str:
    waited, ran = lane.waited_s(lane.ended_at or 0), lane.ran_s(lane.ended_at or 0)
    dots = str(len(lane.dots)) if timeline.knowledge.checkpoints else "?"
    if lane.removed_checkpoints:
        dots += f" ({len(lane.removed_checkpoints)} deleted)"
    return (
        f"| {lane.number} | `{timeline.short(lane.run_id)}` | {lane.strategy or ''} "
        f"| {_cell(lane.text)} "
        f"| {(lane.sent_at or origin) - origin:.2f} s | {_secs(waited)} | {_secs(ran)} "
        f"| {lane.status} | {timeline.cut_label(lane)} | {dots} |"
    )


def _events(timeline: Timeline, origin: float) -> list[str]:
    """Every run's moments and every rejection, in time order."""
    moments: list[tuple[float, str]] = []
    for lane in timeline.ordered():
        if lane.sent_at is not None:
            moments.append((lane.sent_at, f"{lane.label} sent ({lane.strategy or '?'})"))
        if lane.started_at is not None:
            moments.append((lane.started_at, f"{lane.label} started"))
        for dot in lane.dots:
            what = dot.node or dot.source or "checkpoint"
            gone = ", deleted later" if dot.removed else ""
            moments.append(
                (
                    dot.at,
                    f"{lane.label} checkpoint `{timeline.short_checkpoint(dot.checkpoint_id)}` "
                    f"({what}{gone})",
                )
            )
        for write in lane.writes:
            kept = "" if write.kept is not False else ", undone"
            name = one_line(write.name or "")
            moments.append((write.at, f"{lane.label} {write.op} {write.kind} '{name}'{kept}"))
        if lane.ended_at is not None:
            cut = f" by {timeline.cut_label(lane)}" if lane.cut else ""
            moments.append((lane.ended_at, f"{lane.label} {lane.status}{cut}"))
    for bounce in timeline.bounces:
        moments.append((bounce.at, f"rejected (409): '{one_line(bounce.text or '')}'"))
    moments.sort(key=lambda m: m[0])
    return [f"{i}. `{at - origin:6.2f} s` {text}" for i, (at, text) in enumerate(moments, 1)]


def _secs(value: float | None) -> str:
    return "" if value is None else f"{value:.2f} s"


def _cell(text: str | None) -> str:
    return one_line(text or "").replace("|", "\\|")


class _Null:
    """A file that drops what is written (the console records; nothing goes to a terminal)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None
