"""An engine in its own process, driven into a crash window (see test_durability, test_crash).

`python -m tests.engine.crash_child SCENARIO DATA_DIR CONFIG` sets up SCENARIO; the parent sets
`DOUBLETEXT_CRASH_AT` so the engine SIGKILLs itself at that named point (`engine.faults`). The
child prints one JSON line per fact the parent needs (ids) as soon as it knows it. Reaching the
end of a scenario means the crash point was never hit: it says so and exits 3.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from engine.config import Settings
from engine.core import Engine


def report(**facts: Any) -> None:
    print(json.dumps(facts), flush=True)


def human(text: str) -> dict[str, Any]:
    return {"messages": [{"type": "human", "content": text}]}


async def until(engine: Engine, thread_id: str, check) -> None:
    while True:
        messages = (await engine.get_state(thread_id))["values"].get("messages", [])
        if check(messages):
            return
        await asyncio.sleep(0.01)


async def mid_run(engine: Engine, graph: str, check) -> str:
    """A thread whose run 1 (`hang`) is stopped inside its graph after `check` holds."""
    tid = (await engine.create_thread())["thread_id"]
    report(thread_id=tid)
    run = await engine.create_run(tid, assistant_id=graph, input=human("hang"))
    report(run_1=run["run_id"])
    await until(engine, tid, check)
    return tid


def after_step1(messages: list[dict]) -> bool:
    return any(m["content"] == "step1 for: hang" for m in messages)


def tool_call_written(messages: list[dict]) -> bool:
    return any(m.get("tool_calls") for m in messages)


async def scenario(name: str, engine: Engine) -> None:
    kind, _, arg = name.partition(":")
    if kind == "double_text":  # run 2 arrives with strategy `arg` while run 1 is mid-graph
        tid = await mid_run(engine, "two_step", after_step1)
        await engine.create_run(
            tid, assistant_id="two_step", input=human("second"), multitask_strategy=arg
        )
    elif kind == "interrupt_tool_call":  # run 1 stopped after writing an unanswered tool call
        tid = await mid_run(engine, "tool_then_hold", tool_call_written)
        await engine.create_run(
            tid,
            assistant_id="tool_then_hold",
            input=human("second"),
            multitask_strategy="interrupt",
        )
    elif kind == "finish":  # one run that completes
        tid = (await engine.create_thread())["thread_id"]
        report(thread_id=tid)
        run = await engine.create_run(tid, assistant_id="gated", input=human("quick"))
        report(run_1=run["run_id"])
        await engine.join_run(tid, run["run_id"])
    elif kind == "stateless":  # a kept thread's run ends; then a stateless run, `arg` its fate
        kept = (await engine.create_thread())["thread_id"]
        report(kept_thread=kept)
        run = await engine.create_run(kept, assistant_id="gated", input=human("quick"))
        await engine.join_run(kept, run["run_id"])
        when, _, action = arg.rpartition(":")  # `later:<action>`: cancelled while queued
        text = "quick" if arg == "finish" else "hang"
        later = 3600 if when == "later" else 0
        run = await engine.create_run(
            None, assistant_id="two_step", input=human(text), after_seconds=later
        )
        tid = run["thread_id"]
        report(thread_id=tid, run_1=run["run_id"])
        if arg == "finish":
            await engine.join_run(tid, run["run_id"])
        else:
            if not later:  # cancelled mid-graph
                await until(engine, tid, after_step1)
            await engine.cancel_runs(tid, [run["run_id"]], action=action)
    elif kind == "store_write":  # a run writes a note, then hangs
        tid = (await engine.create_thread())["thread_id"]
        report(thread_id=tid)
        run = await engine.create_run(tid, assistant_id="notes", input=human("hang"))
        report(run_1=run["run_id"])
        await asyncio.sleep(3600)
    elif kind == "delete_thread":  # a thread with history is deleted
        tid = (await engine.create_thread())["thread_id"]
        report(thread_id=tid)
        run = await engine.create_run(tid, assistant_id="gated", input=human("quick"))
        await engine.join_run(tid, run["run_id"])
        await engine.delete_thread(tid)
    elif kind == "queue":  # threads with runs queued behind a hanging one; then kill -9
        for _ in range(int(arg)):
            tid = (await engine.create_thread())["thread_id"]
            report(thread_id=tid)
            for text in ["hang", *(f"queued {i}" for i in range(7))]:
                await engine.create_run(tid, assistant_id="two_step", input=human(text))
            await until(engine, tid, after_step1)
        os.kill(os.getpid(), signal.SIGKILL)
    elif kind == "restart":  # open the engine (recovery, dispatch) and wait for the crash
        await asyncio.sleep(3600)
    else:
        raise SystemExit(f"unknown scenario {name!r}")


async def main(name: str, data_dir: str, config_path: str) -> None:
    settings = Settings(data_dir=Path(data_dir), config_path=Path(config_path))
    engine = await Engine.open(settings)
    await scenario(name, engine)
    report(not_reached=True)
    sys.stdout.flush()
    os._exit(3)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
