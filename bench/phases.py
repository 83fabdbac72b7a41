"""Where one preempt's time goes: its steps on a time line, in-process, no HTTP.

``python -m bench.phases [--repeats 41] [--strategy interrupt|rollback|none]`` opens the engine
in this process (as ``bench.inprocess``), sets up what ``preempt_*_ms`` times (``slow`` inside
its node), and times the preempting create + join while noting when each step begins and ends:
the accepting transaction, the stopped run's graph unwinding, its end (or removal), the new
run's graph, its end. ``--strategy none`` times one ``noop`` run on a new thread instead
(``seq_run_ms``). Each step is reported as the median of its start and end, in ms from the
create, over the samples; a step that happens twice is numbered in order (``#2`` of an end is
run 2's end), and one already going when the create came (the stopped run's graph) begins at 0.

The steps are found by wrapping a few engine methods for the length of the measurement, as
``bench.trips`` wraps aiosqlite to count trips: the wrapping costs a little time of its own, so
the total here is a little above ``bench.inprocess``'s.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.inprocess import open_engine
from bench.report import emit
from bench.trips import _quiet, one_run, preempting
from engine.runs import scheduler
from engine.runs.lifecycle import Lifecycle
from engine.runs.services import Services
from engine.storage.records import Records
from engine.storage.saver import OneTripSaver

# (owner, method, step name): what a preempt does, in the order it usually does it.
STEPS: list[tuple[Any, str, str]] = [
    (Records, "accept_run", "accept (one transaction)"),
    (Lifecycle, "_finish", "a run's end, all of it"),
    (Services, "written_state", "head state from the last checkpoint"),
    (Records, "end_run", "end write (and the next run's claim)"),
    (Records, "claim", "claim"),
    (Lifecycle, "_delete_run", "rollback: delete the stopped run"),
    (OneTripSaver, "aget_tuple", "checkpoint read"),
    (OneTripSaver, "aput", "checkpoint write"),
    (OneTripSaver, "aput_writes", "pending writes"),
]


class Clock:
    """Notes (step, begin|end, ms since `start`) while a sample is being timed."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.marks: list[tuple[str, str, float]] = []

    def note(self, step: str, edge: str) -> None:
        if self.started is not None:
            self.marks.append((step, edge, (time.perf_counter() - self.started) * 1000.0))

    def start(self) -> None:
        self.marks, self.started = [], time.perf_counter()

    def stop(self) -> list[tuple[str, str, float]]:
        self.started = None
        return self.marks


@contextmanager
def wrapped(clock: Clock) -> Iterator[None]:
    """Each step's method notes its begin and end on `clock`; the run's graph (`execute`) too."""
    originals: list[tuple[Any, str, Any]] = []

    def timed(step: str, method: Any) -> Any:
        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> Any:
            clock.note(step, "begin")
            try:
                return await method(*args, **kwargs)
            finally:
                clock.note(step, "end")

        return call

    try:
        for owner, name, step in STEPS:
            originals.append((owner, name, getattr(owner, name)))
            setattr(owner, name, timed(step, getattr(owner, name)))
        originals.append((scheduler, "execute", scheduler.execute))
        scheduler.execute = timed("a run's graph (execute)", scheduler.execute)
        yield
    finally:
        for owner, name, method in reversed(originals):
            setattr(owner, name, method)


def _numbered(marks: list[tuple[str, str, float]]) -> dict[str, tuple[float, float]]:
    """step #n -> (begin, end) of its n-th occurrence in one sample."""
    seen: Counter[str] = Counter()
    open_at: dict[str, list[tuple[str, float]]] = defaultdict(list)
    out: dict[str, tuple[float, float]] = {}
    for step, edge, at in marks:
        if edge == "begin":
            seen[step] += 1
            open_at[step].append((f"{step} #{seen[step]}", at))
        elif open_at[step]:
            name, began = open_at[step].pop(0)
            out[name] = (began, at)
        else:  # begun before the create (the run being stopped): in progress from 0
            out[f"{step}, already going"] = (0.0, at)
    return out


async def measure(strategy: str, repeats: int) -> dict[str, Any]:
    clock = Clock()
    samples: list[dict[str, tuple[float, float]]] = []
    totals: list[float] = []
    async with open_engine() as engine:
        with wrapped(clock):
            for index in range(repeats + 1):  # the first is a warm-up
                if strategy == "none":
                    timed = await one_run(engine)
                else:
                    timed = await preempting(engine, strategy)
                await _quiet(engine, of_runs=False)
                clock.start()
                await timed()
                clock.note("joined", "begin")
                marks = clock.stop()
                await _quiet(engine)
                if index:
                    samples.append(_numbered(marks))
                    totals.append(marks[-1][2])
    steps: dict[str, dict[str, float]] = {}
    names = sorted(
        {name for sample in samples for name in sample},
        key=lambda n: statistics.median(s[n][0] for s in samples if n in s),
    )
    for name in names:
        found = [sample[name] for sample in samples if name in sample]
        steps[name] = {
            "begin_ms": round(statistics.median(b for b, _ in found), 2),
            "end_ms": round(statistics.median(e for _, e in found), 2),
            "took_ms": round(statistics.median(e - b for b, e in found), 2),
            "in_samples": len(found),
        }
    return {
        "strategy": strategy,
        "samples": len(samples),
        "create_to_joined_ms": round(statistics.median(totals), 2),
        "steps": steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.phases", description=__doc__)
    parser.add_argument("--repeats", type=int, default=41)
    parser.add_argument(
        "--strategy", choices=("interrupt", "rollback", "none"), default="interrupt"
    )
    parser.add_argument("--json", dest="json_path", help="write the result as JSON here")
    args = parser.parse_args()
    emit(asyncio.run(measure(args.strategy, args.repeats)), args.json_path)


if __name__ == "__main__":
    main()
