"""Timeline benchmark and checks: rendering cost per story event, and the tutorial's scenarios on
any server turned into a timeline.

    python -m bench.timeline_bench [--events 400] [--keys 150] [--json out.json]
    python -m bench.timeline_bench --reference      # also drive `langgraph dev` (if installed)

1. `fold_us`, `render_us`: model fold and Rich rendering (the widget's and the SVG's drawing) per
   event of two runs streaming checkpoints and store writes, at 100 columns.
2. `widget_event_ms`: one event folded into the mounted TimelineView and every line of it drawn
   again (what the UI loop does per event; the compositor adds its own ~frame), p50/p95.
3. `keystroke_ms`: a key typed into an Input beside the live timeline while the two runs stream
   (events every 20 ms, the "now" tick running): time until the character is in the Input.
4. `--reference`: the tutorial's four scenarios against `langgraph dev` (started here through
   bench/server.py), each built into a timeline from what the client saw (runs.list, the
   `lifecycle` thread stream, history, its own 409) and rendered; any error fails the check.

`drive()` is also what the tests use to run a scenario and observe it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass
from typing import Any

from langgraph_sdk import get_client

from doubletext.demo import SCENARIOS, USER_ID, Scenario
from tui.timeline.model import Timeline
from tui.timeline.observe import Observer

WIDTH = 100


@dataclass(frozen=True)
class Cancel:
    """A scenario where the client cancels its own run: the app's Esc or Ctrl+B."""

    strategy: str  # interrupt (Esc) | rollback (Ctrl+B)
    first: str = "Add a ToDo to renew the passport, and tell me what else is due this week."


async def _wait_running(observer: Observer, run_id: str, timeout: float = 30.0) -> None:
    """Until the run is running and has written a checkpoint (it did part of its work)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = {r["run_id"]: r for r in await observer.snapshot()}
        status = runs.get(run_id, {}).get("status")
        if status == "running":
            history = await observer.client.threads.get_history(observer.thread_id, limit=1)
            if history:
                return
        elif status not in (None, "pending"):
            return  # already finished: the double text will meet an idle thread
        await asyncio.sleep(0.01)
    raise TimeoutError(f"run {run_id} did not start within {timeout:.0f} s")


async def drive(
    client: Any,
    scenario: Scenario | Cancel,
    assistant: str = "task_maistro",
    configurable: dict[str, Any] | None = None,
    lifecycle: bool = False,
    pause_s: float = 0.0,
    settle_s: float = 0.0,
) -> Observer:
    """Run one scenario on a new thread while observing it as a plain client would.

    `settle_s`: after the thread is idle, wait until runs.list reads the same twice that far
    apart (langgraph dev deletes a run rolled back under a stream subscriber a moment after
    showing it `interrupted`)."""
    thread = await client.threads.create()
    observer = Observer(client, thread["thread_id"])
    if lifecycle:
        observer.follow_lifecycle()
    config = {"configurable": {"user_id": USER_ID, **(configurable or {})}}
    first = await observer.send(assistant, scenario.first, None, config=config)
    assert first is not None
    if isinstance(scenario, Cancel):
        await _wait_running(observer, first["run_id"])
        await observer.cancel(first["run_id"], scenario.strategy)
    else:
        await observer.snapshot()
        if scenario.pause:
            await _wait_running(observer, first["run_id"])
            await asyncio.sleep(pause_s)
        await observer.send(assistant, scenario.second, scenario.strategy, config=config)
    await observer.poll_until_idle()
    if settle_s:
        await _settle(observer, settle_s)
    await observer.finish()
    return observer


async def _settle(observer: Observer, quiet_s: float, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    before = await observer.snapshot()
    while time.monotonic() < deadline:
        await asyncio.sleep(quiet_s)
        now = await observer.snapshot()
        if [(r["run_id"], r["status"]) for r in now] == [
            (r["run_id"], r["status"]) for r in before
        ]:
            return
        before = now


# -- the reference check ---------------------------------------------------------------------------


async def check_server(url: str, lifecycle: bool = True) -> list[dict[str, Any]]:
    """The four scenarios on `url`, each built into a timeline and rendered (SVG + Markdown)."""
    from tui.timeline.export import story_markdown, timeline_svg

    client = get_client(url=url, api_key=None)
    results = []
    try:
        for scenario in SCENARIOS:
            observer = await drive(
                client,
                scenario,
                lifecycle=lifecycle,
                configurable={"doubletext_pace": 0.2},
                settle_s=1.0,
            )
            timeline = observer.timeline()
            svg = timeline_svg(timeline, width=WIDTH, title=scenario.strategy)
            markdown = story_markdown(timeline)
            results.append(_summary(scenario.strategy, observer, timeline, svg, markdown))
    finally:
        await client.aclose()
    return results


def _summary(
    name: str, observer: Observer, timeline: Timeline, svg: str, markdown: str
) -> dict[str, Any]:
    return {
        "scenario": name,
        "statuses": [str(lane.status) for lane in timeline.ordered()],
        "lanes": len(timeline.lanes),
        "ghosts": sum(lane.ghost for lane in timeline.lanes.values()),
        "bounces": len(timeline.bounces),
        "dots": sum(len(lane.dots) for lane in timeline.lanes.values()),
        "lifecycle_events": len(observer.view.lifecycle),
        "source": timeline.knowledge.source,
        "svg_bytes": len(svg),
        "markdown_lines": markdown.count("\n"),
    }


def reference_check() -> list[dict[str, Any]]:
    from bench import server as servers

    with servers.running("reference") as server:
        return asyncio.run(check_server(server.url))


# -- rendering cost ------------------------------------------------------------------------------


def streaming_events(count: int) -> list[dict[str, Any]]:
    """Two runs (the second queued) writing a checkpoint or a store write every 20 ms."""
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2026, 11, 30, 10, tzinfo=UTC)
    runs = ("0a1b2c3d-0000-7000-8000-000000000001", "4e5f6a7b-0000-7000-8000-000000000002")
    events: list[dict[str, Any]] = []

    def add(kind: str, run: str, **fields: Any) -> None:
        at = (t0 + timedelta(seconds=0.02 * len(events))).isoformat(timespec="milliseconds")
        events.append({"seq": len(events) + 1, "at": at, "kind": kind, "run_id": run, **fields})

    add("run_accepted", runs[0], strategy="enqueue", queue_position=0, text="first")
    add("run_started", runs[0], attempt=1)
    add("run_accepted", runs[1], strategy="enqueue", queue_position=1, text="second")
    half = count // 2
    for run in runs:
        if run == runs[1]:
            add("run_started", run, attempt=1)
        for i in range(half - 3):
            if i % 5 == 4:
                add("store_write", run, namespace=["todo", "g", "u"], key=f"k{i}", op="put",
                    value={"task": f"task {i}"})  # fmt: skip
            else:
                node = ("task_mAIstro", "update_todos")[i % 2]
                add("checkpoint", run, checkpoint_id=f"{run[:8]}-{i}", step=i, source="loop",
                    node=node, next=[("update_todos", "task_mAIstro")[i % 2]])  # fmt: skip
        add("run_ended", run, status="success", reason=None, cause=None, duration_s=1.0)
    return events


def pure_cost(events: list[dict[str, Any]]) -> dict[str, float]:
    from tui.timeline.model import parse_at
    from tui.timeline.render import render_rows

    timeline = Timeline()
    fold_s = render_s = 0.0
    for event in events:
        start = time.perf_counter()
        timeline.fold(event)
        fold_s += time.perf_counter() - start
        start = time.perf_counter()
        render_rows(timeline, WIDTH, timeline.now(parse_at(event["at"])))
        render_s += time.perf_counter() - start
    return {
        "fold_us": round(fold_s / len(events) * 1e6, 1),
        "render_us": round(render_s / len(events) * 1e6, 1),
    }


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(samples),
        "p50": round(statistics.median(samples), 2),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
        "max": round(max(samples), 2),
    }


async def widget_cost(events: list[dict[str, Any]], keys: int) -> dict[str, Any]:
    from textual import events as textual_events
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    from tui.timeline.model import parse_at
    from tui.widgets.timeline import TimelineView

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(id="typing")
            yield TimelineView(Timeline(), id="timeline")

    app = Host()
    per_event: list[float] = []
    key_samples: list[float] = []
    async with app.run_test(size=(WIDTH + 2, 30)) as pilot:
        view = app.query_one(TimelineView)
        typing = app.query_one(Input)
        typing.focus()
        await pilot.pause()
        half = len(events) // 2
        region = view.content_region
        for event in events[:half]:  # the UI loop's work per event: fold, then draw every line
            start = time.perf_counter()
            view.fold(event, now=parse_at(event["at"]))
            view.render_lines(region.reset_offset)
            per_event.append((time.perf_counter() - start) * 1000)
            await pilot.pause()

        async def feed() -> None:
            for event in events[half:]:
                view.fold(event)
                await asyncio.sleep(0.02)

        feeder = asyncio.create_task(feed())
        while not feeder.done() and len(key_samples) < keys:
            before = len(typing.value)
            start = time.perf_counter()
            app.post_message(textual_events.Key("x", "x"))
            while len(typing.value) == before:
                await asyncio.sleep(0)
            key_samples.append((time.perf_counter() - start) * 1000)
            if len(typing.value) > 60:
                typing.value = ""
            await asyncio.sleep(0.015)
        await feeder
    return {"widget_event_ms": _stats(per_event), "keystroke_ms": _stats(key_samples)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--keys", type=int, default=150)
    parser.add_argument("--reference", action="store_true", help="check against langgraph dev")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    events = streaming_events(args.events)
    result: dict[str, Any] = {"events": len(events), "width": WIDTH, **pure_cost(events)}
    result.update(asyncio.run(widget_cost(events, args.keys)))
    print(f"{len(events)} events of 2 streaming runs, {WIDTH} columns:")
    print(f"  model fold {result['fold_us']} µs/event, Rich render {result['render_us']} µs/event")
    w, k = result["widget_event_ms"], result["keystroke_ms"]
    print(f"  widget: fold + redraw p50 {w['p50']} ms p95 {w['p95']} ms (n={w['n']})")
    print(f"  keystroke → Input while live: p50 {k['p50']} ms p95 {k['p95']} ms max {k['max']} ms")
    if args.reference:
        result["reference"] = reference_check()
        for row in result["reference"]:
            print(f"  langgraph dev · {row}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
