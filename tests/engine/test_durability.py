"""kill -9 mid-run, restart: nothing accepted is lost and every run ends."""

from __future__ import annotations

from pathlib import Path

from engine.config import Settings
from engine.core import Engine
from tests.engine.conftest import wait_until, write_config
from tests.engine.crashes import audit, crash
from tests.engine.gated_graphs import gates


async def test_sigkill_mid_run_then_restart(tmp_path: Path) -> None:
    data, config = tmp_path / "data", write_config(tmp_path)
    facts = crash("queue:1", data, config)  # run 1 of 8 is mid-graph when the child is killed
    tid = facts["thread_id"]

    async with await Engine.open(Settings(data_dir=data, config_path=config)) as engine:
        await audit(engine)
        runs = list(reversed(await engine.list_runs(tid)))
        assert [r["status"] for r in runs] == ["success"] * 8
        assert [r["attempt"] for r in runs] == [2] + [1] * 7
        contents = [m["content"] for m in (await engine.get_state(tid))["values"]["messages"]]
        # Run 1 resumed from its last checkpoint: its first step ran once, not twice.
        texts = ["hang", *(f"queued {i}" for i in range(7))]
        assert contents == [
            line for text in texts for line in (text, f"step1 for: {text}", f"step2 for: {text}")
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

        # Held at its gate: its step's checkpoint is saved, so the attempt counts (`running`
        # alone does not say so: a run is claimed before its first checkpoint).
        await wait_until(lambda: gates.reached("never"), what="run to hold at its gate")
        assert (await engine.get_run(tid, run["run_id"]))["status"] == "running"
    # Closing the engine mid-run leaves the run `running`, exactly as a crash would.
    async with await Engine.open(settings) as engine:
        found = await engine.get_run(tid, run["run_id"])
        assert found["status"] == "error"
        thread = await engine.get_thread(tid)
        assert thread["status"] == "error"
        assert thread["error"]["error"] == "EngineRestart"
