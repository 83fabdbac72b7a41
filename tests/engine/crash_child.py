"""Run by test_crash in its own process: accept three runs, report, then wait to be killed."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from engine.config import Settings
from engine.core import Engine


async def main(data_dir: str, config_path: str) -> None:
    engine = await Engine.open(Settings(data_dir=Path(data_dir), config_path=Path(config_path)))
    tid = (await engine.create_thread())["thread_id"]
    runs = []
    for text in ("hang", "second", "third"):
        inp = {"messages": [{"type": "human", "content": text}]}
        run = await engine.create_run(tid, assistant_id="two_step", input=inp)
        runs.append(run["run_id"])
    while True:
        state = await engine.get_state(tid)
        contents = [m["content"] for m in state["values"].get("messages", [])]
        if "step1 for: hang" in contents:
            break
        await asyncio.sleep(0.01)
    print(json.dumps({"thread_id": tid, "runs": runs}), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
