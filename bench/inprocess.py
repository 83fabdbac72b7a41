"""The engine without HTTP: a run and a preempt timed in-process, in turns with the floor.

``python -m bench.inprocess [--repeats 41] [--loop asyncio|uvloop]`` opens the engine in this
process on a temporary data dir and times what ``seq_run_ms`` and ``preempt_int_ms`` time over
HTTP, through the engine's Python API (``create_run`` + ``join_run``), sampled in turns with the
floor's (``bench/floor.py``) on the same event loop. What is left between this and the HTTP
figures is the two SDK requests each figure makes, which the floor does not.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.figures import BY_NAME, Figure, Target, measure_side_by_side
from bench.floor import floor_figures
from bench.report import emit
from bench.server import CONFIG
from bench.trips import one_run, preempting
from engine.api.loops import loop_factory
from engine.config import Settings
from engine.core import Engine

Setup = Callable[[Engine], Awaitable[Callable[[], Awaitable[None]]]]
SETUPS: dict[str, Setup] = {
    "seq_run_ms": one_run,
    "preempt_int_ms": lambda engine: preempting(engine, "interrupt"),
    "preempt_rb_ms": lambda engine: preempting(engine, "rollback"),
}


@contextlib.asynccontextmanager
async def open_engine() -> AsyncIterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="doubletext-inprocess-") as tmp:
        engine = await Engine.open(
            Settings(data_dir=Path(tmp) / "data", config_path=CONFIG, pace=0)
        )
        try:
            yield engine
        finally:
            await engine.close()


def _engine_figure(engine: Engine, name: str) -> Figure:
    setup = SETUPS[name]

    async def sample(_: Target) -> float:
        timed = await setup(engine)  # a new thread (and a running `slow` run) first, untimed
        start = time.perf_counter()
        await timed()
        return (time.perf_counter() - start) * 1000.0

    base = BY_NAME[name]
    return replace(base, sample=sample)


async def measure(repeats: int) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    async with open_engine() as engine, floor_figures() as floor_of:
        ours = Target("engine in-process", "", None)  # type: ignore[arg-type]
        for name in SETUPS:
            floor = floor_of(name)
            assert floor is not None
            engine_result, floor_result = await measure_side_by_side(
                [(_engine_figure(engine, name), ours), floor], repeats
            )
            ratio = None
            if engine_result.median and floor_result.median:
                ratio = round(engine_result.median / floor_result.median, 2)
            out[name] = {
                "engine_ms": engine_result.median and round(engine_result.median, 2),
                "floor_ms": floor_result.median and round(floor_result.median, 2),
                "x_floor": ratio,
                "error": engine_result.error or floor_result.error,
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    parser.add_argument("--repeats", type=int, default=41)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--json", dest="json_path", help="write the figures as JSON here")
    args = parser.parse_args()
    factory = loop_factory() if args.loop == "uvloop" else None
    with asyncio.Runner(loop_factory=factory) as runner:
        figures = runner.run(measure(args.repeats))
    emit(figures, args.json_path)


if __name__ == "__main__":
    main()
