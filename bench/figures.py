"""The figures of issue 6, each measured through the official SDK over HTTP.

A figure is one async function that takes a measuring context and returns one sample. The
runner calls it ``repeats`` times (after one unrecorded warm-up where that makes sense) and keeps
the median. Figures that need the server process itself (``serve_ready_s``, ``rss_mb``) only run
against servers this harness started.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import NotFoundError

from bench import server as servers
from bench.client import TERMINAL, human, wait_status
from bench.wire import BareClient, BareConnection

TODO_GRAPH = "task_maistro"
SAMPLE_TIMEOUT_S = 120.0


@dataclass
class Target:
    """A server under measurement: one we spawned (``server`` set) or a bare URL."""

    label: str
    url: str
    client: LangGraphClient | BareClient  # BareClient only for the figures marked `bare`
    server: servers.Server | None = None
    extras: dict[str, Any] = field(default_factory=dict)


Sampler = Callable[[Target], Awaitable[float | None]]


@dataclass(frozen=True)
class Goal:
    """One bound a figure should meet: on ours in the figure's unit (``of`` None), or on one of
    the table's ratio columns (``of`` "floor" or "ref": ours as a multiple of it, time over time
    and for a rate the inverse, so a ratio goal is always an upper bound)."""

    limit: float
    of: Literal["floor", "ref"] | None = None
    at_least: bool = False  # an absolute rate: ours must reach the limit

    def text(self, unit: str) -> str:
        if self.of is not None:
            return f"× {self.of} ≤ {self.limit:g}"
        return f"{'≥' if self.at_least else '≤'} {self.limit:g} {unit}"

    def met(self, ours: float | None, x_floor: float | None, x_ref: float | None) -> bool | None:
        """None when this run did not measure what the goal is about (no reference, say)."""
        value = {"floor": x_floor, "ref": x_ref, None: ours}[self.of]
        if value is None:
            return None
        return value >= self.limit if self.at_least else value <= self.limit


# Issue 16's goals, as ratios measured in one run (absolute times move between machines):
# preempting at most 1.5× the floor and at least twice as fast as the reference; a run's
# overhead at most 1.5× the floor; one thread's queue at least 0.8× the floor's throughput;
# ten parallel half-second runs within 1.2× of 0.5 s. The rest are issue 6's bounds.
PREEMPT_GOALS = (Goal(1.5, "floor"), Goal(0.5, "ref"))


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str
    lower_is_better: bool
    goals: tuple[Goal, ...]
    what: str
    sample: Sampler
    warmup: bool = True
    max_repeats: int | None = None
    needs_process: bool = False
    # Also measured with `BareClient` (the same requests, no client library): the figure's
    # code uses only the SDK calls it makes.
    bare: bool = False

    @property
    def target(self) -> str:
        return ", ".join(g.text(self.unit) for g in self.goals) or "report"

    def meets(self, ours: float | None, x_floor: float | None, x_ref: float | None) -> bool | None:
        """Every goal this run could check is met (None: it could check none)."""
        checked = [g.met(ours, x_floor, x_ref) for g in self.goals]
        known = [ok for ok in checked if ok is not None]
        return all(known) if known else None


@dataclass
class Result:
    name: str
    samples: list[float] = field(default_factory=list)
    median: float | None = None
    error: str | None = None
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "median": None if self.median is None else round(self.median, 3),
            "samples": [round(s, 3) for s in self.samples],
            "error": self.error,
            "note": self.note,
        }


class NotApplicable(Exception):
    """The figure cannot be measured on this target (reason in the message)."""


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


async def _thread(t: Target) -> str:
    return (await t.client.threads.create())["thread_id"]


async def seq_run_ms(t: Target) -> float:
    tid = await _thread(t)
    start = time.perf_counter()
    run = await t.client.runs.create(tid, "noop", input=human("hi"))
    await t.client.runs.join(tid, run["run_id"])
    return _ms(start)


async def start_ms(t: Target) -> float:
    tid = await _thread(t)
    start = time.perf_counter()
    run = await t.client.runs.create(tid, "halfsec", input=human("hi"))
    await wait_status(t.client, tid, run["run_id"], {"running", *TERMINAL}, 60.0, 0.001)
    took = _ms(start)
    await t.client.runs.join(tid, run["run_id"])
    return took


async def burst_runs_s(t: Target, count: int = 50) -> float:
    tid = await _thread(t)
    start = time.perf_counter()
    last: dict[str, Any] = {}
    for i in range(count):
        last = await t.client.runs.create(
            tid, "noop", input=human(f"burst {i}"), multitask_strategy="enqueue"
        )
    await t.client.runs.join(tid, last["run_id"])
    elapsed = time.perf_counter() - start
    final = await t.client.runs.get(tid, last["run_id"])
    if final["status"] != "success":
        raise RuntimeError(f"last burst run ended {final['status']}")
    return count / elapsed


async def _preempt(t: Target, strategy: str) -> float:
    tid = await _thread(t)
    first = await t.client.runs.create(tid, "slow", input=human("first"))
    await wait_status(t.client, tid, first["run_id"], {"running"}, 60.0, 0.005)
    start = time.perf_counter()
    second = await t.client.runs.create(
        tid, "noop", input=human("second"), multitask_strategy=strategy
    )
    await t.client.runs.join(tid, second["run_id"])
    took = _ms(start)
    status = (await t.client.runs.get(tid, second["run_id"]))["status"]
    if status != "success":
        raise RuntimeError(f"run 2 ended {status}")
    return took


async def preempt_int_ms(t: Target) -> float:
    return await _preempt(t, "interrupt")


async def preempt_rb_ms(t: Target) -> float:
    return await _preempt(t, "rollback")


async def parallel_s(t: Target, threads: int = 10) -> float:
    tids = [await _thread(t) for _ in range(threads)]
    start = time.perf_counter()
    runs = await asyncio.gather(
        *(t.client.runs.create(tid, "halfsec", input=human("par")) for tid in tids)
    )
    await asyncio.gather(
        *(t.client.runs.join(tid, r["run_id"]) for tid, r in zip(tids, runs, strict=True))
    )
    return time.perf_counter() - start


TRIPS_PER_SAMPLE = 20


async def sdk_trip_ms(t: Target) -> float:
    """One request the server answers at once (`GET /ok`) through the SDK: the mean of 20."""
    start = time.perf_counter()
    for _ in range(TRIPS_PER_SAMPLE):
        await t.client.http.get("/ok")
    return _ms(start) / TRIPS_PER_SAMPLE


async def raw_trip_ms(t: Target) -> float:
    """The same request on a bare socket, with no client library: the mean of 20."""
    connection = await BareConnection.open(t.url)
    try:
        await connection.get("/ok")  # connected and warm, as the SDK's pooled connection is
        start = time.perf_counter()
        for _ in range(TRIPS_PER_SAMPLE):
            await connection.get("/ok")
        return _ms(start) / TRIPS_PER_SAMPLE
    finally:
        await connection.close()


async def stream_first_token_ms(t: Target) -> float:
    try:
        found = await t.client.assistants.search(graph_id=TODO_GRAPH, limit=1)
    except NotFoundError:
        found = []
    if not found:
        raise NotApplicable(f"graph {TODO_GRAPH!r} is not served")
    tid = await _thread(t)
    config = {"configurable": {"user_id": "bench", "todo_category": "bench", "doubletext_pace": 0}}
    start = time.perf_counter()
    first: float | None = None
    async for part in t.client.runs.stream(
        tid,
        TODO_GRAPH,
        input=human("Add a todo: buy milk by Friday"),
        config=config,
        stream_mode="messages-tuple",
    ):
        if first is None and part.event.startswith("messages"):
            first = _ms(start)
        if part.event == "error":
            raise RuntimeError(f"todo run failed: {part.data}")
    if first is None:
        raise RuntimeError("stream ended without a messages event")
    return first


async def serve_ready_s(t: Target) -> float:
    if t.server is None:
        raise NotApplicable("needs a server this harness starts")
    fresh = servers.start(t.server.kind)
    try:
        assert fresh.ready_s is not None
        return fresh.ready_s
    finally:
        fresh.stop()


async def rss_mb(t: Target, threads: int = 200, runs_per_thread: int = 10) -> float:
    """Run 2,000 ``noop`` runs on 200 threads (10 enqueued per thread), then read VmRSS."""
    if t.server is None or t.server.pid is None:
        raise NotApplicable("needs the server's pid (start it with the harness)")
    t.extras["rss_before_mb"] = round(t.server.rss_mb() or 0.0, 1)
    gate = asyncio.Semaphore(20)

    async def one_thread(index: int) -> None:
        async with gate:
            tid = await _thread(t)
            last: dict[str, Any] = {}
            for j in range(runs_per_thread):
                last = await t.client.runs.create(tid, "noop", input=human(f"m{index}-{j}"))
            await t.client.runs.join(tid, last["run_id"])

    start = time.perf_counter()
    await asyncio.gather(*(one_thread(i) for i in range(threads)))
    elapsed = time.perf_counter() - start
    t.extras["many_threads_runs_s"] = round(threads * runs_per_thread / elapsed, 1)
    await asyncio.sleep(0.5)  # let the server settle
    rss = t.server.rss_mb()
    assert rss is not None
    return rss


FIGURES: list[Figure] = [
    Figure(
        "seq_run_ms",
        "ms",
        True,
        (Goal(1.5, "floor"),),
        "create + join one noop run, idle thread",
        seq_run_ms,
        bare=True,
    ),
    Figure(
        "start_ms",
        "ms",
        True,
        (Goal(5),),
        "create → status running, idle thread",
        start_ms,
        bare=True,
    ),
    Figure(
        "burst_runs_s",
        "runs/s",
        False,
        (Goal(1.25, "floor"),),  # at least 0.8× the floor's runs/s
        "50 enqueued noop runs on one thread",
        burst_runs_s,
        bare=True,
    ),
    Figure(
        "preempt_int_ms",
        "ms",
        True,
        PREEMPT_GOALS,
        "slow running; run 2 interrupt → joined",
        preempt_int_ms,
        bare=True,
    ),
    Figure(
        "preempt_rb_ms",
        "ms",
        True,
        PREEMPT_GOALS,
        "slow running; run 2 rollback → joined",
        preempt_rb_ms,
        bare=True,
    ),
    Figure(
        "parallel_s",
        "s",
        True,
        (Goal(0.6),),  # 1.2× the 0.5 s each run sleeps
        "10 threads × halfsec, all joined",
        parallel_s,
    ),
    Figure(
        "stream_first_token_ms",
        "ms",
        True,
        (),
        "todo graph stream → first messages event",
        stream_first_token_ms,
    ),
    Figure(
        "sdk_trip_ms",
        "ms",
        True,
        (),
        "one SDK request answered at once (GET /ok)",
        sdk_trip_ms,
    ),
    Figure(
        "raw_trip_ms",
        "ms",
        True,
        (),
        "the same on a bare socket, no client library",
        raw_trip_ms,
    ),
    Figure(
        "serve_ready_s",
        "s",
        True,
        (Goal(1.0),),
        "process start → /ok answers",
        serve_ready_s,
        warmup=False,
        needs_process=True,
    ),
    Figure(
        "rss_mb",
        "MiB",
        True,
        (Goal(200),),
        "RSS after 2,000 runs on 200 threads",
        rss_mb,
        warmup=False,
        max_repeats=1,
        needs_process=True,
    ),
]
BY_NAME = {f.name: f for f in FIGURES}


Measured = tuple[Figure, Target]


async def measure(figure: Figure, target: Target, repeats: int) -> Result:
    """Run one figure ``repeats`` times (bounded) and keep the median."""
    return (await measure_side_by_side([(figure, target)], repeats))[0]


async def measure_side_by_side(pairs: list[Measured], repeats: int) -> list[Result]:
    """Sample several targets of one figure in turns (round i: each once, the first one moving
    along), so a machine that changes pace meanwhile (other work, a core waking up) weighs on
    every target alike and their ratio holds. One result per pair, medians of its samples."""
    results = [Result(figure.name) for figure, _ in pairs]
    live = list(range(len(pairs)))
    count = min(repeats, *(figure.max_repeats or repeats for figure, _ in pairs))

    async def sample(index: int, keep: bool) -> None:
        figure, target = pairs[index]
        result = results[index]
        try:
            value = await asyncio.wait_for(figure.sample(target), SAMPLE_TIMEOUT_S)
        except NotApplicable as exc:
            result.note = str(exc)
        except Exception as exc:  # a broken figure must not sink the others
            result.error = f"{type(exc).__name__}: {exc}"
            result.note = traceback.format_exc(limit=3)
        else:
            if keep and value is not None:
                result.samples.append(value)
            return
        live.remove(index)

    for index in list(live):
        if pairs[index][0].warmup:
            await sample(index, keep=False)
    for round_ in range(count):
        order = live[round_ % len(live) :] + live[: round_ % len(live)] if live else []
        for index in order:
            if index in live:
                await sample(index, keep=True)
    for result in results:
        if result.samples:
            result.median = statistics.median(result.samples)
    return results
