"""TUI benchmark: keystroke-to-composer latency while replies stream, and transcript throughput.

    python -m bench.tui_bench [--json out.json] [--keys 200] [--tokens 2000,20000] [--no-freeze]

Runs the real app headless (Pilot) against the embedded engine, so layout and rendering work is
done as in a terminal but nothing is written to one.

1. `keystroke_idle_ms` / `keystroke_streaming_ms`: a key event is posted to the app and the clock
   stops when the composer's value contains the character — the time a typed character waits
   behind everything else on the UI loop. "streaming" means the todo assistant (offline model,
   pace 1.0, ~14 tokens/s) is streaming replies to enqueued messages the whole time, while the
   session follows the thread (the story where the engine serves it, else `runs.list` polling:
   the result names which).
2. `keystroke_timeline_ms`: the same while the timeline (visible under the transcript) follows
   two runs sent back to back (enqueue): run 1 streams while run 2 waits, then run 2 streams;
   both lanes are live (running bars grow with the clock, the model is refolded or rebuilt as
   the thread's record changes). `timeline` says how many lanes it drew and from what source.
3. `transcript_tokens_per_s`: how many tokens a reply absorbs per second when fed as fast as the
   loop allows (synthetic Markdown with lists and code fences, 4-character tokens, through the
   same path as stream events), until the final full render is done, with keystrokes measured
   during that flood (the worst case for typing). The engine is idle by then, so this is the
   UI's own ceiling.
4. `gc_pauses_ms`: every cyclic garbage collection while the app runs, by generation (count,
   p50, p95, max): a collection stops the UI loop, keystrokes included. The start-up heap is frozen
   first, as `doubletext` does before it runs the app (`doubletext/heap.py`); `--no-freeze`
   measures without that.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from textual import events

from doubletext.engine_thread import EngineThread
from doubletext.heap import freeze_startup_heap
from tui.app import DoubletextApp
from tui.drive import ready, say, turns, wait_until
from tui.runstate import Entry, Fate
from tui.widgets.composer import Composer
from tui.widgets.timeline_pane import TimelinePane
from tui.widgets.transcript import Transcript

SIZE = (140, 40)


def active(app: DoubletextApp) -> bool:
    return bool(app.session and app.session.log.has_active())


class GcPauses:
    """Times each cyclic collection (gc.callbacks), by generation, while entered."""

    def __init__(self) -> None:
        self.by_generation: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._began = 0.0

    def _note(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            pause = (time.perf_counter() - self._began) * 1000.0
            self.by_generation[info["generation"]].append(pause)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._note)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._note)

    def report(self) -> dict[str, dict[str, float]]:
        none = {"n": 0, "p50": 0.0, "p95": 0.0, "max": 0.0}
        return {
            f"gen{generation}": summary(pauses) if pauses else none
            for generation, pauses in self.by_generation.items()
        }


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "n": len(samples),
        "p50": round(statistics.median(samples), 2),
        "p95": round(pick(0.95), 2),
        "max": round(max(samples), 2),
    }


async def keystroke(app: DoubletextApp, char: str) -> float:
    """ms from posting a key event to the character being in the composer."""
    composer = app.query_one(Composer)
    before = composer.value.count(char)
    start = time.perf_counter()
    app.post_message(events.Key(char, char))
    while composer.value.count(char) == before:
        await asyncio.sleep(0)
    return (time.perf_counter() - start) * 1000


async def type_keys(app: DoubletextApp, n: int, gap: float = 0.02) -> list[float]:
    samples = []
    for i in range(n):
        samples.append(await keystroke(app, "x" if i % 2 else "y"))
        if len(app.query_one(Composer).value) > 60:
            app.query_one(Composer).value = ""
        await asyncio.sleep(gap)
    return samples


def markdown_tokens(total: int) -> list[str]:
    block = (
        "## Plan for the week\n\nHere is what I would do, in order of **urgency**:\n\n"
        "1. Re-film lesson 5 — it is due *today*.\n2. Update audioUX before Monday.\n"
        "- [ ] call the plumber\n\n```python\nfor task in todos:\n    print(task)\n```\n\n"
        "> Tip: interrupt me if you change your mind.\n\n"
    )
    text = ""
    while len(text) < total * 4:
        text += block
    return [text[i : i + 4] for i in range(0, total * 4, 4)]


async def flood(app: DoubletextApp, tokens: int) -> dict[str, Any]:
    """Tokens through the session's stream path (Messages → chat screen → reply widget)."""
    session = app.session
    assert session is not None
    entry = Entry(f"bench-flood-{tokens}", "synthetic flood", "enqueue", Fate.RUNNING)
    turn = await app.chat.query_one(Transcript).add_turn(entry, app.chat.short)
    pieces = markdown_tokens(tokens)
    done = asyncio.Event()

    async def feed() -> None:
        for piece in pieces:
            chunk = {"type": "AIMessageChunk", "id": f"flood-{tokens}", "content": piece}
            session._absorb(entry.key, [chunk, {}])
            await asyncio.sleep(0)
        while len(turn.replies()) != 1 or turn.replies()[0].full_text != "".join(pieces):
            await asyncio.sleep(0.01)  # the last Messages are still being handled
        await turn.finish()
        done.set()

    start = time.perf_counter()
    feeder = asyncio.create_task(feed())
    samples: list[float] = []
    while not done.is_set():
        samples.append(await keystroke(app, "z"))
        await asyncio.sleep(0.02)
    await feeder
    seconds = time.perf_counter() - start
    return {
        "tokens": tokens,
        "seconds": round(seconds, 3),
        "tokens_per_s": round(tokens / seconds),
        "keystroke_ms": summary(samples) if samples else None,
    }


async def follow_two_runs(pilot: Any, keys: int) -> tuple[list[float], dict[str, Any]]:
    """Keystrokes while the visible timeline follows two runs sent back to back."""
    app = pilot.app
    pane = app.chat.query_one(TimelinePane)
    assert app.chat.timeline_visible(), "the timeline is hidden at this size"
    before = len(pane.model.lanes)
    for text in ("I need to call the plumber tomorrow", "Also: buy a bike"):
        await say(pilot, text)
    await wait_until(pilot, lambda: len(pane.model.lanes) >= before + 2, 30, "two new lanes")
    samples: list[float] = []
    while active(app) and len(samples) < keys:
        samples += await type_keys(app, 10)
    app.query_one(Composer).value = ""
    await wait_until(pilot, lambda: not active(app), 60, "both runs finished")
    shown = pane.shown
    return samples, {"lanes": len(shown.lanes), "source": shown.knowledge.source}


async def measure(
    url: str, keys: int, sizes: list[int], state: Path, freeze: bool = True
) -> dict[str, Any]:
    if freeze:  # as `doubletext` does, just before it builds and runs the app
        freeze_startup_heap()
    app = DoubletextApp(
        url,
        "task_maistro",
        "bench-user",
        configurable={"doubletext_pace": 1.0},
        state_file=state,
    )
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        with GcPauses() as pauses:
            idle_samples = await type_keys(app, keys // 2)
            app.query_one(Composer).value = ""
            for text in ("I need to book the dentist by Friday", "Show me my todos", "I need milk"):
                await say(pilot, text)
            await wait_until(pilot, lambda: any(t.replies() for t in turns(app)), 30)
            streaming_samples: list[float] = []
            while active(app) and len(streaming_samples) < keys:
                streaming_samples += await type_keys(app, 10)
            app.query_one(Composer).value = ""
            await wait_until(pilot, lambda: not active(app), 60, "runs finished")
            timeline_samples, timeline = await follow_two_runs(pilot, keys)
            source = app.session.source if app.session else None
            floods = [await flood(app, tokens) for tokens in sizes]
    return {
        "source": source,
        "keystroke_idle_ms": summary(idle_samples),
        "keystroke_streaming_ms": summary(streaming_samples),
        "keystroke_timeline_ms": summary(timeline_samples),
        "timeline": timeline,
        "transcript_tokens_per_s": {str(f["tokens"]): f["tokens_per_s"] for f in floods},
        "floods": floods,
        "start_up_heap_frozen": freeze,
        "gc_pauses_ms": pauses.report(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="measure against this server instead of the embedded one")
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--tokens", default="2000,20000", help="reply sizes for the flood")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--no-freeze", action="store_true", help="leave the start-up heap to the collector"
    )
    args = parser.parse_args(argv)
    freeze = not args.no_freeze
    sizes = [int(n) for n in args.tokens.split(",")]
    with tempfile.TemporaryDirectory(prefix="doubletext-bench-") as tmp:
        state = Path(tmp) / "last-threads.json"
        if args.url:
            result = asyncio.run(measure(args.url, args.keys, sizes, state, freeze))
        else:
            with EngineThread(data_dir=Path(tmp) / "data") as engine:
                result = asyncio.run(measure(engine.url, args.keys, sizes, state, freeze))
    k_idle, k_stream = result["keystroke_idle_ms"], result["keystroke_streaming_ms"]
    print(f"keystroke → composer, idle:      p50 {k_idle['p50']} ms  p95 {k_idle['p95']} ms")
    print(
        f"keystroke → composer, streaming: p50 {k_stream['p50']} ms  p95 {k_stream['p95']} ms"
        f"  max {k_stream['max']} ms (n={k_stream['n']}; thread followed by {result['source']})"
    )
    k_line, drawn = result["keystroke_timeline_ms"], result["timeline"]
    print(
        f"keystroke → composer, timeline following two runs: p50 {k_line['p50']} ms  "
        f"p95 {k_line['p95']} ms  max {k_line['max']} ms (n={k_line['n']}; "
        f"{drawn['lanes']} lanes from {drawn['source']})"
    )
    for f in result["floods"]:
        k = f["keystroke_ms"] or {}
        print(
            f"{f['tokens']:>6}-token reply: transcript absorbs {f['tokens_per_s']} tokens/s; "
            f"keystroke p50 {k.get('p50')} ms p95 {k.get('p95')} ms max {k.get('max')} ms"
        )
    for generation, seen in result["gc_pauses_ms"].items():
        print(
            f"GC {generation}: {seen['n']} collections, p50 {seen['p50']} ms, max {seen['max']} ms"
            f" (start-up heap {'frozen' if freeze else 'not frozen'})"
        )
    print(json.dumps(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
