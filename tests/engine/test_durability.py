"""kill -9 mid-run, restart: nothing accepted is lost and every run ends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from engine.config import Settings
from engine.core import Engine
from tests.engine.conftest import wait_until, write_config

ROOT = Path(__file__).resolve().parents[2]


async def test_sigkill_mid_run_then_restart(tmp_path: Path) -> None:
    data, config = tmp_path / "data", write_config(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.engine.crash_child", str(data), str(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        env={**os.environ, "DOUBLETEXT_TEST_HANG": "1"},
        text=True,
    )
    try:
        line = child.stdout.readline()  # the child prints once run 1 is mid-graph
        assert line, "child engine died before reporting"
        report = json.loads(line)
    finally:
        child.kill()  # SIGKILL: no cleanup of any kind
        child.wait(timeout=10)
    tid, runs = report["thread_id"], report["runs"]

    async with await Engine.open(Settings(data_dir=data, config_path=config)) as engine:

        async def drained() -> bool:
            return not await engine.records.active_run_ids(tid)

        await wait_until(drained, timeout=20, what="recovered runs to finish")
        statuses = [(await engine.get_run(tid, r))["status"] for r in runs]
        assert statuses == ["success", "success", "success"]
        assert (await engine.get_run(tid, runs[0]))["attempt"] == 2
        contents = [m["content"] for m in (await engine.get_state(tid))["values"]["messages"]]
        # Run 1 resumed from its last checkpoint: its first step ran once, not twice.
        assert contents == [
            "hang",
            "step1 for: hang",
            "step2 for: hang",
            "second",
            "step1 for: second",
            "step2 for: second",
            "third",
            "step1 for: third",
            "step2 for: third",
        ]
        assert (await engine.get_thread(tid))["status"] == "idle"


async def test_run_that_keeps_crashing_ends_in_error(tmp_path: Path) -> None:
    """A run interrupted by restarts more than max_attempts times is not retried forever."""
    data, config = tmp_path / "data", write_config(tmp_path)
    settings = Settings(data_dir=data, config_path=config, max_attempts=1)
    async with await Engine.open(settings) as engine:
        tid = (await engine.create_thread())["thread_id"]
        run = await engine.create_run(
            tid, assistant_id="gated", input={"messages": [("human", "hold:never")]}
        )

        async def running() -> bool:
            return (await engine.get_run(tid, run["run_id"]))["status"] == "running"

        await wait_until(running, what="run to start")
    # Closing the engine mid-run leaves the run `running`, exactly as a crash would.
    async with await Engine.open(settings) as engine:
        found = await engine.get_run(tid, run["run_id"])
        assert found["status"] == "error"
        thread = await engine.get_thread(tid)
        assert thread["status"] == "error"
        assert thread["error"]["error"] == "EngineRestart"
