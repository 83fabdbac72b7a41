from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from engine.config import Settings
from engine.core import Engine
from tests.engine.gated_graphs import gates, monitor

GRAPHS = {
    name: f"tests.engine.gated_graphs:{name}"
    for name in ("gated", "two_step", "tool_then_hold", "notes")
}


def write_config(directory: Path) -> Path:
    path = directory / "langgraph.json"
    path.write_text(json.dumps({"graphs": GRAPHS}))
    return path


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition"
) -> None:
    """Poll an async predicate until it holds; fail with a clear message after `timeout`."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.005)


def human(text: str) -> dict[str, Any]:
    return {"messages": [{"type": "human", "content": text}]}


@pytest.fixture(autouse=True)
def _fresh_gates():
    gates.reset()
    monitor.reset()
    yield
    gates.reset()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", config_path=write_config(tmp_path))


@pytest.fixture
async def engine(settings: Settings):
    eng = await Engine.open(settings)
    try:
        yield eng
    finally:
        await eng.close()
