"""The `slow` bench graph's gate (engine/graphs/bench.py), which the TUI tests hold run 1 with:
through the SDK on a real engine, a shut gate keeps a run running past its own 2 s, and opening
it lets the run reply."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langgraph_sdk import get_client

from doubletext.engine_thread import EngineThread
from engine.graphs.bench import GATES


async def test_a_shut_gate_holds_a_slow_run_until_it_opens(tmp_path: Path) -> None:
    with EngineThread(data_dir=tmp_path / "data", pace=0.02) as server:
        client = get_client(url=server.url)
        try:
            tid = (await client.threads.create())["thread_id"]
            await client.store.put_item(list(GATES), tid, {"open": False})
            text = {"messages": [{"type": "human", "content": "held"}]}
            run = await client.runs.create(tid, "slow", input=text)
            with pytest.raises(TimeoutError):  # `slow` alone replies after 2 s
                await asyncio.wait_for(client.runs.join(tid, run["run_id"]), 3.0)
            assert (await client.runs.get(tid, run["run_id"]))["status"] == "running"

            await client.store.put_item(list(GATES), tid, {"open": True})
            state = await asyncio.wait_for(client.runs.join(tid, run["run_id"]), 10.0)
            assert state["messages"][-1]["content"] == "reply to: held"
            assert (await client.runs.get(tid, run["run_id"]))["status"] == "success"
        finally:
            await client.http.client.aclose()
